package sim

import (
	"time"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// The time series of a run ([result.Series]) are recorded as the engine's
// events arrive, when [Options.Series] is set: each event changes a step
// function (an agent's active conversations, a group's queue), and the
// change is folded at once into a fixed array of buckets that keeps the
// largest value of each bucket. Nothing is kept per event, so the memory is
// SeriesBuckets values per series (one per agent and per group, plus the
// totals) whatever the run's length, plus the conversations without an
// agent at the moment, which the engine holds anyway.
//
// The buckets' width depends on whether the run's span is known:
//
//   - A scenario with a duration has SeriesBuckets buckets of
//     duration/SeriesBuckets (rounded up to the millisecond) each.
//   - Otherwise the buckets start at a round width (1s, 2s, 5s, ..., 1m,
//     2m, 3m, 5m, ..., 1h, 2h, 3h, 4h, 6h, ...) that fits the scenario's
//     schedule (its last step, timed expectation or end of traffic) in
//     SeriesBuckets buckets with a tenth to spare, or SeriesBase when
//     nothing is scheduled. Whenever the run goes past the last bucket,
//     each pair of neighbouring buckets is merged into one (taking the
//     larger value) and the width doubles. Such a run ends with at most
//     SeriesBuckets buckets, and at least half that many when it outgrew
//     its first width.
//
// Each event costs O(1) amortized: a value that holds across several
// buckets is written into each of them once, lazily, when the next change
// or the end of the run comes.

// SeriesBuckets is the most buckets a run's time series have.
const SeriesBuckets = 240

// SeriesBase is the first bucket width of a run with neither a duration
// nor a schedule (a server's world).
const SeriesBase = time.Second

// roundWidths are the first bucket widths a run without a duration may
// get; past the last, whole days.
var roundWidths = [...]time.Duration{
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond,
	50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 20 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 3 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 20 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour, 6 * time.Hour, 8 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// roundWidth is the first round width of at least w.
func roundWidth(w time.Duration) time.Duration {
	for _, r := range roundWidths {
		if r >= w {
			return r
		}
	}
	day := 24 * time.Hour
	return (w + day - 1) / day * day
}

// waitEdges are the upper bounds of the wait histogram's bins: a zero wait,
// then roughly logarithmic steps in the units people read waits in. Waits
// longer than the last edge share one last bin, up to the longest wait.
var waitEdges = [...]time.Duration{
	0,
	100 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour,
}

// stepSeries folds a step function into buckets: vals[i] is the largest
// value the function had within bucket i, for buckets up to last; after
// last, the function has held cur, which fill writes in when needed.
type stepSeries struct {
	vals []int32
	cur  int32
	last int
}

func newStep() stepSeries { return stepSeries{vals: make([]int32, SeriesBuckets)} }

// fill writes the current value into the buckets after last, up to k.
func (s *stepSeries) fill(k int) {
	for i := s.last + 1; i <= k; i++ {
		s.vals[i] = s.cur // buckets after last are untouched: zero
	}
	s.last = max(s.last, k)
}

// seriesAt is where an event falls: its bucket, and whether it is past the
// bucket's first instant (a value that ends at that instant did not hold
// within the bucket).
type seriesAt struct {
	k      int
	inside bool
}

// add changes the value by delta at a.
func (s *stepSeries) add(a seriesAt, delta int32) {
	if a.inside {
		s.fill(a.k)
	} else {
		s.fill(a.k - 1)
		s.last = a.k
	}
	s.cur = max(s.cur+delta, 0)
	s.vals[a.k] = max(s.vals[a.k], s.cur)
}

// halve merges each pair of buckets into one.
func (s *stepSeries) halve() {
	n := len(s.vals) / 2
	for i := 0; i < n; i++ {
		s.vals[i] = max(s.vals[2*i], s.vals[2*i+1])
	}
	clear(s.vals[n:])
	s.last /= 2
}

func (s *stepSeries) ints(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = int(s.vals[i])
	}
	return out
}

// pendingConv is a conversation with no agent: when it opened, the group
// whose queue it waits in (-1 while in none: just opened, with the bot, or
// taken from its agent by a reassignment or transfer and not yet routed
// again), and whether its wait is already counted (it was assigned once).
type pendingConv struct {
	opened  time.Time
	group   int
	counted bool
}

// seriesRecorder records a run's time series; see above.
type seriesRecorder struct {
	start time.Time
	width time.Duration
	fixed int // the number of buckets of a known span; 0 when unknown

	waiting, active stepSeries
	groups          []stepSeries
	groupNames      []string
	groupIdx        map[string]int
	agents          []stepSeries
	agentIDs        []string
	agentIdx        map[string]int

	pending map[router.ConversationID]pendingConv
	waits   [len(waitEdges) + 1]int
	maxWait time.Duration
}

// newSeriesRecorder starts the series of a run from start; span is its
// duration, or 0 when unknown, and then hint how long its schedule is (0
// when nothing is scheduled). agents and groups name the series in the
// order they are reported; an agent or group first met in an event is
// added after them.
func newSeriesRecorder(start time.Time, span, hint time.Duration, agents, groups []string) *seriesRecorder {
	s := &seriesRecorder{start: start, width: SeriesBase, waiting: newStep(), active: newStep(),
		groupIdx: map[string]int{}, agentIdx: map[string]int{}, pending: map[router.ConversationID]pendingConv{}}
	if span <= 0 && hint > 0 {
		s.width = roundWidth((hint + hint/10 + SeriesBuckets - 1) / SeriesBuckets)
	}
	if span > 0 {
		w := (span + SeriesBuckets - 1) / SeriesBuckets
		w = (w + time.Millisecond - 1) / time.Millisecond * time.Millisecond
		s.width = max(w, time.Millisecond)
		s.fixed = int((span + s.width - 1) / s.width)
	}
	for _, g := range groups {
		s.group(g)
	}
	for _, a := range agents {
		s.agent(a)
	}
	return s
}

func (s *seriesRecorder) group(name string) int {
	i, ok := s.groupIdx[name]
	if !ok {
		i = len(s.groups)
		s.groupIdx[name] = i
		s.groupNames = append(s.groupNames, name)
		s.groups = append(s.groups, newStep())
	}
	return i
}

func (s *seriesRecorder) agent(id string) int {
	i, ok := s.agentIdx[id]
	if !ok {
		i = len(s.agents)
		s.agentIdx[id] = i
		s.agentIDs = append(s.agentIDs, id)
		s.agents = append(s.agents, newStep())
	}
	return i
}

// bucket returns where t falls, merging buckets first when t is past the
// last one of a run whose span is unknown.
func (s *seriesRecorder) bucket(t time.Time) seriesAt {
	d := t.Sub(s.start)
	if d <= 0 {
		return seriesAt{0, true} // the run's first instant is its own
	}
	if s.fixed > 0 && d/s.width >= time.Duration(s.fixed) {
		// The end of the span belongs to the last bucket.
		return seriesAt{s.fixed - 1, true}
	}
	for s.fixed == 0 && d/s.width >= SeriesBuckets {
		s.halve()
	}
	return seriesAt{int(d / s.width), d%s.width != 0}
}

func (s *seriesRecorder) halve() {
	s.waiting.halve()
	s.active.halve()
	for i := range s.groups {
		s.groups[i].halve()
	}
	for i := range s.agents {
		s.agents[i].halve()
	}
	s.width *= 2
}

// observe folds one engine event into the series. A conversation waits in
// at most one queue and is with at most one agent: queued again (in the
// default group after an overflow), it leaves the queue it was in; taken
// from its agent (reassigned, transferred), it leaves the agent's count
// and waits for routing again, its wait already counted.
func (s *seriesRecorder) observe(ev *router.Event) {
	switch ev.Kind {
	case router.EventOpened:
		s.pending[ev.Conversation] = pendingConv{opened: ev.At, group: -1}
	case router.EventQueued:
		p, ok := s.pending[ev.Conversation]
		if !ok {
			return
		}
		k := s.bucket(ev.At)
		if p.group >= 0 {
			s.groups[p.group].add(k, -1)
		} else {
			s.waiting.add(k, 1)
		}
		p.group = s.group(ev.Group)
		s.pending[ev.Conversation] = p
		s.groups[p.group].add(k, 1)
	case router.EventAssigned:
		k := s.bucket(ev.At)
		s.active.add(k, 1)
		s.agents[s.agent(ev.Agent)].add(k, 1)
		s.settle(ev, k)
	case router.EventReassigned, router.EventTransferred:
		if _, ok := s.pending[ev.Conversation]; ok {
			return // not with an agent
		}
		k := s.bucket(ev.At)
		s.active.add(k, -1)
		s.agents[s.agent(ev.Agent)].add(k, -1)
		s.pending[ev.Conversation] = pendingConv{opened: ev.At, group: -1, counted: true}
	case router.EventClosed:
		k := s.bucket(ev.At)
		if _, ok := s.pending[ev.Conversation]; ok {
			// Waiting, or with the bot: a conversation reassigned or
			// transferred closes with its last agent named.
			s.settle(ev, k)
		} else if ev.Agent != "" {
			s.active.add(k, -1)
			s.agents[s.agent(ev.Agent)].add(k, -1)
		}
	}
}

// settle ends a conversation's wait, if it was still waiting: it leaves
// its queue, and its wait is counted, unless it was at the conversation's
// first assignment.
func (s *seriesRecorder) settle(ev *router.Event, k seriesAt) {
	p, ok := s.pending[ev.Conversation]
	if !ok {
		return
	}
	delete(s.pending, ev.Conversation)
	if p.group >= 0 {
		s.waiting.add(k, -1)
		s.groups[p.group].add(k, -1)
	}
	if !p.counted {
		s.countWait(ev.At.Sub(p.opened))
	}
}

func (s *seriesRecorder) countWait(w time.Duration) {
	s.waits[waitBin(w)]++
	s.maxWait = max(s.maxWait, w)
}

// waitBin is the histogram bin of a wait.
func waitBin(w time.Duration) int {
	for i, e := range waitEdges {
		if w <= e {
			return i
		}
	}
	return len(waitEdges)
}

// result returns the series up to now. The conversations still waiting
// and never assigned count with their wait until now, as in the metrics.
// It can be called more than once; later events continue the same series.
func (s *seriesRecorder) result(now time.Time) *result.Series {
	a := s.bucket(now)
	n := a.k + 1
	// An end at a bucket's first instant belongs to the bucket before.
	fold := !a.inside && a.k > 0
	if fold {
		n = a.k
	}
	values := func(st *stepSeries) []int {
		st.fill(a.k)
		v := st.ints(n)
		if fold {
			v[n-1] = max(v[n-1], int(st.vals[a.k]))
		}
		return v
	}
	out := &result.Series{Bucket: s.width, Buckets: n, Waiting: values(&s.waiting), Active: values(&s.active),
		Groups: make([]result.GroupSeries, len(s.groups)), Agents: make([]result.AgentSeries, len(s.agents)),
		Waits: []result.WaitBin{}}
	for i := range s.groups {
		out.Groups[i] = result.GroupSeries{Name: s.groupNames[i], Waiting: values(&s.groups[i])}
	}
	for i := range s.agents {
		out.Agents[i] = result.AgentSeries{ID: s.agentIDs[i], Active: values(&s.agents[i])}
	}

	counts, longest := s.waits, s.maxWait
	for _, p := range s.pending {
		if p.counted {
			continue
		}
		w := now.Sub(p.opened)
		counts[waitBin(w)]++
		longest = max(longest, w)
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return out
	}
	last := waitBin(longest)
	for i := 0; i <= last; i++ {
		b := result.WaitBin{Count: counts[i]}
		if i > 0 {
			b.Low = waitEdges[i-1]
		}
		if i < len(waitEdges) {
			b.High = waitEdges[i]
		} else {
			b.High = longest
		}
		out.Waits = append(out.Waits, b)
	}
	return out
}

// recordSeries folds an engine event into the world's time series, which
// the world records (observe asks).
func (w *World) recordSeries(ev *router.Event) {
	w.seriesRecorder().observe(ev)
}

// seriesResult is the world's time series at now, or nil when the world
// does not record them.
func (w *World) seriesResult(now time.Time) *result.Series {
	if !w.opt.Series {
		return nil
	}
	return w.seriesRecorder().result(now)
}

func (w *World) seriesRecorder() *seriesRecorder {
	if w.series == nil {
		var span time.Duration
		if !w.end.IsZero() {
			span = w.end.Sub(w.sc.Start)
		}
		agents := make([]string, len(w.sc.Agents))
		for i, a := range w.sc.Agents {
			agents[i] = a.ID
		}
		var groups []string
		for _, g := range w.sc.Groups {
			groups = append(groups, g.Name)
		}
		groups = append(groups, router.DefaultGroup) // a no-op when the scenario defines it
		w.series = newSeriesRecorder(w.sc.Start, span, scheduleSpan(w.sc), agents, groups)
	}
	return w.series
}

// scheduleSpan is how long a scenario's schedule runs: its last scripted
// step, timed expectation or end of traffic, from the start.
func scheduleSpan(sc *scenario.Scenario) time.Duration {
	var end time.Duration
	for _, st := range sc.Steps {
		n := max(st.Repeat, 1) * max(len(st.Says), 1)
		end = max(end, st.At.D()+time.Duration(n-1)*st.Every.D())
	}
	for _, ex := range sc.Expect {
		if ex.HasAt {
			end = max(end, ex.At.D())
		}
	}
	for _, tr := range sc.Traffic {
		end = max(end, tr.Start.D()+tr.For.D())
	}
	return end
}
