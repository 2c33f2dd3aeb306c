package sim

import (
	"time"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/router/inbox"
	"github.com/omnisim/omnisim/sim/result"
)

// ErlangA is erlangA for the tests of package sim_test.
var ErlangA = erlangA

// PlayReusing plays w to its end with or without reusing generated
// customers' records, and returns its result and how many records it
// released for reuse.
func PlayReusing(w *World, reuse bool) (res result.Result, released int) {
	w.noReuse = !reuse
	return playToEnd(w), w.reused
}

// PlayLane plays w to its end with or without the lane of its first
// traffic flow (World.lane), and returns its result.
func PlayLane(w *World, lane bool) result.Result {
	w.noLane = !lane
	return playToEnd(w)
}

// playToEnd plays w to its end, as Run does, and returns its result.
func playToEnd(w *World) result.Result {
	w.Schedule()
	if err := w.RunUntil(time.Time{}); err != nil {
		w.res.Error = err.Error()
	}
	if !w.end.IsZero() {
		w.clock.Set(w.end)
	}
	return w.Finish()
}

// TimelineKeep is timelineKeep for the tests of package sim_test.
const TimelineKeep = timelineKeep

// Timeline returns what w keeps of a listed customer's timeline: all its
// kept lines, the last ones, and how many lines of a conversation (or of
// none) came before those.
func Timeline(w *World, id string) (kept, last []result.Line, cut func(conv string) int) {
	p := w.byID[id]
	return p.timeline, p.lastLines(), p.cutLines
}

// KeepClosed has w's message center keep every closed conversation for
// its retention, also those nothing reads (the reference run).
func KeepClosed(w *World) { w.keepClosed = true }

// CenterStats returns the counters of w's message center.
func CenterStats(w *World) inbox.Stats { return w.center.ib.Stats() }

// Keys returns the keys of the customers w holds now.
func Keys(w *World) []router.CustomerKey {
	var keys []router.CustomerKey
	w.people.all(func(p *person) { keys = append(keys, p.key) })
	return keys
}
