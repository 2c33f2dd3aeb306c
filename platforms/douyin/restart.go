package douyin

import (
	"github.com/omnisim/omnisim/router"
	routerdy "github.com/omnisim/omnisim/router/douyin"
)

// RestartRouter implements sim.Restarter: the adapter's state (dedupe
// keys, reply contexts, counters, client_token) is saved, a new adapter
// built from the same configuration on the same endpoint, receiving
// through rcv, and the state restored.
func (b *binding) RestartRouter(rcv router.Receiver) error {
	state, err := b.adapter.SaveState()
	if err != nil {
		return err
	}
	a := routerdy.New(b.acfg, rcv)
	if err := a.RestoreState(state); err != nil {
		return err
	}
	b.adapter = a
	return nil
}
