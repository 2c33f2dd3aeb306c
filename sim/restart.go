package sim

import (
	"fmt"

	"github.com/omnisim/omnisim/router"
)

// Restarter is a [Binding] whose router side can be restarted, as a
// production router is by a deploy: its adapter's state is saved, the
// adapter dropped and a new one built on the same webhook endpoint and
// send client configuration, with the state restored.
type Restarter interface {
	// RestartRouter replaces the adapter by a new one that hands inbound
	// traffic to rcv (the restored engine) and starts from the old one's
	// saved state. [Binding.Sender] returns the new adapter afterwards.
	RestartRouter(rcv router.Receiver) error
}

// RestartRouter restarts the world's router now, as a deploy would: the
// engine's state ([router.Engine.Save]) and each adapter's are saved, the
// engine and adapters dropped and built again from the same configuration,
// and the states restored. The fakes, the customers and the clock go on
// untouched. The router must lose nothing and count nothing twice: a run
// with restarts routes and delivers exactly as one without. On error the
// router may be half restarted: the world should not go on.
func (w *World) RestartRouter() error {
	for _, name := range w.channelNames() {
		if _, ok := w.bindings[name].(Restarter); !ok {
			return fmt.Errorf("restart: channel %s cannot restart its router", name)
		}
	}
	state, err := w.engine.Save()
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	eng, err := router.New(w.routerCfg)
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	if err := eng.Restore(state); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	for _, name := range w.channelNames() {
		b := w.bindings[name]
		if err := b.(Restarter).RestartRouter(eng); err != nil {
			return fmt.Errorf("restart: %s: %w", name, err)
		}
		eng.Handle(name, b.Sender())
	}
	w.engine = eng
	w.next.changes = 0 // a new engine: ask it
	w.restarts++
	for i := range w.open {
		// A new adapter: whatever it and the fake have due is asked anew.
		w.open[i].due.Stir()
	}
	return nil
}

// restartStep runs a restart_router step. A restart that fails stops the
// run with its error: the router may be half restarted, and a run that
// goes on would say nothing true of one.
func (w *World) restartStep() {
	if err := w.RestartRouter(); err != nil {
		w.stop = err
		return
	}
	w.note(nil, "restart", "", fmt.Sprintf("router restarted (%d): engine and adapters saved, rebuilt and restored", w.restarts))
}

// channelNames lists the world's open channels in table order.
func (w *World) channelNames() []string {
	names := make([]string, 0, len(w.bindings))
	for _, p := range w.opt.Platforms {
		if _, ok := w.bindings[p.Name()]; ok {
			names = append(names, p.Name())
		}
	}
	return names
}
