package sim

import (
	"time"

	"github.com/omnisim/omnisim/sim/result"
)

// ErlangA is erlangA for the tests of package sim_test.
var ErlangA = erlangA

// PlayReusing plays w to its end with or without reusing generated
// customers' records, and returns its result and how many records it
// released for reuse.
func PlayReusing(w *World, reuse bool) (res result.Result, released int) {
	w.noReuse = !reuse
	w.Schedule()
	if err := w.RunUntil(time.Time{}); err != nil {
		w.res.Error = err.Error()
	}
	if !w.end.IsZero() {
		w.clock.Set(w.end)
	}
	return w.Finish(), w.reused
}
