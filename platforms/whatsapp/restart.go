package whatsapp

import (
	"github.com/omnisim/omnisim/router"
	routerwa "github.com/omnisim/omnisim/router/whatsapp"
)

// RestartRouter implements sim.Restarter: the adapter's dedupe state is
// saved, a new adapter built from the same configuration on the same
// endpoint, receiving through rcv, and the state restored.
func (b *binding) RestartRouter(rcv router.Receiver) error {
	state, err := b.adapter.SaveState()
	if err != nil {
		return err
	}
	a := routerwa.New(b.acfg, rcv)
	if err := a.RestoreState(state); err != nil {
		return err
	}
	b.adapter = a
	return nil
}
