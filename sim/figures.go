package sim

import (
	"math/bits"
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
	// assigned within target; totalHi and totalLo the sum of their waits
	// in nanoseconds, 128 bits (waits are never negative): 64 overflow
	// after 292 years of waiting in all, which a long understaffed run
	// reaches.
	assigned, within int
	totalHi, totalLo uint64
	// abandoned counts the conversations whose customer gave up waiting.
	abandoned int
}

// assign records a conversation's first assignment after it waited d.
func (f *serviceFigures) assign(d time.Duration) {
	f.ended++
	f.assigned++
	var carry uint64
	f.totalLo, carry = bits.Add64(f.totalLo, uint64(max(d, 0)), 0)
	f.totalHi += carry
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
		// The mean of waits each below 2^63 ns is below 2^63 too, and
		// totalHi < assigned, as Div64 needs.
		mean, _ := bits.Div64(f.totalHi, f.totalLo, uint64(f.assigned))
		s.ASA = time.Duration(mean).Round(time.Millisecond)
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
