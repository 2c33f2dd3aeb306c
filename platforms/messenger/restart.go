package messenger

import (
	"github.com/omnisim/omnisim/router"
	routerms "github.com/omnisim/omnisim/router/messenger"
)

// RestartRouter implements sim.Restarter: the adapter's state (dedupe set,
// window anchors, waiting ad referrals, counters) is saved, a new adapter
// built from the same configuration on the same endpoint, receiving
// through rcv, and the state restored.
func (b *binding) RestartRouter(rcv router.Receiver) error {
	state, err := b.adapter.SaveState()
	if err != nil {
		return err
	}
	a := routerms.New(b.acfg, rcv)
	if err := a.RestoreState(state); err != nil {
		return err
	}
	b.adapter = a
	return nil
}
