package wechat

import (
	"github.com/omnisim/omnisim/router"
	routerwc "github.com/omnisim/omnisim/router/wechat"
)

// RestartRouter implements sim.Restarter: the adapter's state (dedupe, message numbering, access token) is
// saved, a new adapter built from the same configuration on the same
// endpoint, receiving through rcv, and the state restored.
func (b *binding) RestartRouter(rcv router.Receiver) error {
	state, err := b.adapter.SaveState()
	if err != nil {
		return err
	}
	a := routerwc.New(b.acfg, rcv)
	if err := a.RestoreState(state); err != nil {
		return err
	}
	b.adapter = a
	return nil
}
