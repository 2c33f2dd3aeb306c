package sim

import (
	"fmt"
	"time"

	"github.com/omnisim/omnisim/sim/scenario"
)

// giveUpAfter queues a generated customer's patience: if the conversation
// the customer opens on arrival at at is still waiting for its first
// assignment after patience, the customer gives up and it closes as
// abandoned (M/M/c+M: the patience clock runs from the arrival, and only a
// customer not yet served abandons).
func (w *World) giveUpAfter(p *person, at time.Time, patience time.Duration) {
	p.pending++
	w.queue.At(at.Add(patience), func() {
		p.pending--
		if p.forgotten {
			w.release(p)
			return
		}
		// A generated customer opens one conversation only: the open one
		// is it, unless it has not reached the router yet.
		c, ok := w.lookLive(p, p.open)
		if p.open == 0 || !ok || c.assigned {
			return
		}
		w.engine.Abandon(w.clock.nowLocal(), p.key)
	})
}

// abandon runs a scripted customer's abandon step: the customer gives up
// waiting. A conversation that is not waiting (assigned, with the bot, or
// none) shows as step_failed.
func (w *World) abandon(p *person, st *scenario.Step) {
	if err := w.engine.Abandon(w.clock.nowLocal(), p.key); err != nil {
		w.note(p, "step_failed", "", fmt.Sprintf("line %d: abandon: %v", st.Line, err))
	}
}
