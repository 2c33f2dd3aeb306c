package line

import (
	"github.com/omnisim/omnisim/router"
	routerline "github.com/omnisim/omnisim/router/line"
)

// RestartRouter implements sim.Restarter: the adapter's state (dedupe set,
// unused reply tokens, display names, retry-key count) is saved, a new
// adapter built from the same configuration on the same endpoint (or the
// same value path, on the Direct network), receiving through rcv, and the
// state restored.
func (b *binding) RestartRouter(rcv router.Receiver) error {
	state, err := b.adapter.SaveState()
	if err != nil {
		return err
	}
	a := routerline.New(b.acfg, rcv)
	if err := a.RestoreState(state); err != nil {
		return err
	}
	b.adapter = a
	return nil
}
