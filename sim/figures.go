package sim

import (
	"time"

	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// DefaultServiceTarget is the answer-time target of the service level: the
// share of assigned conversations whose wait was at most this.
const DefaultServiceTarget = 20 * time.Second

// serviceFigures follows the queueing figures of a run incrementally, from
// the engine's events: O(1) per event and a few counters of memory,
// whatever the length of the run.
type serviceFigures struct {
	target time.Duration
	// ended counts the conversations whose first wait is over: assigned,
	// or closed before any assignment; waited those of them that waited
	// more than zero.
	ended, waited int
	// assigned counts the conversations assigned; within those of them
	// assigned within target; total the sum of their waits.
	assigned, within int
	total            time.Duration
	// abandoned counts the conversations whose customer gave up waiting.
	abandoned int
}

// assign records a conversation's first assignment after it waited d.
func (f *serviceFigures) assign(d time.Duration) {
	f.ended++
	f.assigned++
	f.total += d
	if d > 0 {
		f.waited++
	}
	if d <= f.target {
		f.within++
	}
}

// unassigned records a conversation that closed, never assigned, after it
// waited d.
func (f *serviceFigures) unassigned(d time.Duration) {
	f.ended++
	if d > 0 {
		f.waited++
	}
}

// result returns the figures; shares of nothing are 0.
func (f *serviceFigures) result() *result.Service {
	s := &result.Service{Target: f.target, Ended: f.ended, Waited: f.waited, Abandoned: f.abandoned}
	if f.ended > 0 {
		s.WaitProbability = float64(f.waited) / float64(f.ended)
		s.Abandonment = float64(f.abandoned) / float64(f.ended)
	}
	if f.assigned > 0 {
		s.ASA = (f.total / time.Duration(f.assigned)).Round(time.Millisecond)
		s.ServiceLevel = float64(f.within) / float64(f.assigned)
	}
	return s
}

// serviceMetrics are the metric expectations that read the service figures;
// a scenario that checks one of them reports the figures (Metrics.Service).
var serviceMetrics = []string{"wait.probability", "wait.asa", "service_level", "abandoned", "abandonment"}

// wantsService says whether the run reports its service figures: when a
// metric expectation reads them. Other runs leave Metrics.Service out, so
// their reports are unchanged.
func wantsService(sc *scenario.Scenario) bool {
	for _, ex := range sc.Expect {
		for _, m := range serviceMetrics {
			if ex.Metric == m {
				return true
			}
		}
	}
	return false
}
