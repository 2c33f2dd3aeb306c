package businessmessages

import (
	"github.com/omnisim/omnisim/router"
	routerbm "github.com/omnisim/omnisim/router/businessmessages"
)

// RestartRouter implements sim.Restarter: the adapter's state (the
// requestIds it has seen, its messageId stream, its counters, the cached
// OAuth token) is saved, a new adapter built from the same configuration
// on the same endpoint (or the Direct network's value path), receiving
// through rcv, and the state restored.
func (b *binding) RestartRouter(rcv router.Receiver) error {
	state, err := b.adapter.SaveState()
	if err != nil {
		return err
	}
	a := routerbm.New(b.acfg, rcv)
	if err := a.RestoreState(state); err != nil {
		return err
	}
	b.adapter = a
	if _, direct := b.sender.(directSender); !direct {
		b.sender = a
	}
	return nil
}
