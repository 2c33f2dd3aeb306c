package sim

import (
	"reflect"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim/result"
)

var seriesStart = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// feeder plays engine events into a recorder.
type feeder struct {
	s    *seriesRecorder
	next router.ConversationID
}

func (f *feeder) ev(d time.Duration, kind router.EventKind, conv router.ConversationID, agent, group string) {
	f.s.observe(&router.Event{At: seriesStart.Add(d), Kind: kind, Conversation: conv, Agent: agent, Group: group})
}

// open opens a conversation at d; it waits in group when agent is empty.
func (f *feeder) open(d time.Duration, agent, group string) router.ConversationID {
	f.next++
	f.ev(d, router.EventOpened, f.next, "", group)
	if agent == "" {
		f.ev(d, router.EventQueued, f.next, "", group)
	} else {
		f.ev(d, router.EventAssigned, f.next, agent, group)
	}
	return f.next
}

func TestSeriesValues(t *testing.T) {
	// 240 s over 240 buckets: one second each.
	s := newSeriesRecorder(seriesStart, 240*time.Second, 0, []string{"a", "b"}, []string{"north", "default"})
	if s.width != time.Second || s.fixed != 240 {
		t.Fatalf("width %v, %d buckets", s.width, s.fixed)
	}
	f := &feeder{s: s}
	sec := time.Second
	c1 := f.open(10*sec, "", "north")
	c2 := f.open(20*sec+500*time.Millisecond, "", "default")
	f.ev(30*sec, router.EventAssigned, c1, "a", "north") // at a bucket's first instant
	f.open(30*sec, "a", "default")
	f.ev(50*sec+500*time.Millisecond, router.EventClosed, c1, "a", "north")
	f.ev(60*sec, router.EventClosed, c2, "", "default") // never assigned
	res := s.result(seriesStart.Add(240 * sec))

	if res.Buckets != 240 || res.Bucket != sec || len(res.Waiting) != 240 || len(res.Agents) != 2 || len(res.Groups) != 2 {
		t.Fatalf("shape: %d buckets of %v, %d waiting, %d agents, %d groups", res.Buckets, res.Bucket, len(res.Waiting), len(res.Agents), len(res.Groups))
	}
	check := func(name string, got []int, want map[int]int) {
		t.Helper()
		for i, w := range want {
			if got[i] != w {
				t.Errorf("%s[%d] = %d, want %d", name, i, got[i], w)
			}
		}
	}
	check("waiting", res.Waiting, map[int]int{9: 0, 10: 1, 19: 1, 20: 2, 29: 2, 30: 1, 59: 1, 60: 0, 239: 0})
	check("north", res.Groups[0].Waiting, map[int]int{9: 0, 10: 1, 29: 1, 30: 0})
	check("default", res.Groups[1].Waiting, map[int]int{20: 1, 59: 1, 60: 0})
	check("active", res.Active, map[int]int{29: 0, 30: 2, 50: 2, 51: 1, 239: 1})
	check("agent a", res.Agents[0].Active, map[int]int{29: 0, 30: 2, 50: 2, 51: 1, 239: 1})
	check("agent b", res.Agents[1].Active, map[int]int{30: 0, 239: 0})

	// Waits: c3 at once, c1 20 s, c2 39.5 s until it closed.
	want := []result.WaitBin{
		{Low: 0, High: 0, Count: 1},
		{Low: 0, High: 100 * time.Millisecond},
		{Low: 100 * time.Millisecond, High: time.Second},
		{Low: time.Second, High: 2 * time.Second},
		{Low: 2 * time.Second, High: 5 * time.Second},
		{Low: 5 * time.Second, High: 10 * time.Second},
		{Low: 10 * time.Second, High: 30 * time.Second, Count: 1},
		{Low: 30 * time.Second, High: time.Minute, Count: 1},
	}
	if !reflect.DeepEqual(res.Waits, want) {
		t.Errorf("waits = %+v\nwant    %+v", res.Waits, want)
	}
}

func TestSeriesWaitsOfTheStillWaiting(t *testing.T) {
	s := newSeriesRecorder(seriesStart, 0, 0, nil, nil)
	f := &feeder{s: s}
	f.open(0, "", "default")
	res := s.result(seriesStart.Add(40 * 24 * time.Hour))
	last := res.Waits[len(res.Waits)-1]
	if len(res.Waits) != len(waitEdges)+1 || last.Count != 1 || last.Low != 30*24*time.Hour || last.High != 40*24*time.Hour {
		t.Errorf("waits = %+v", res.Waits)
	}
	if empty := newSeriesRecorder(seriesStart, 0, 0, nil, nil).result(seriesStart); empty.Buckets != 1 || len(empty.Waits) != 0 {
		t.Errorf("empty run: %+v", empty)
	}
}

// month plays 30 days of traffic into a recorder: a conversation every
// minute, assigned at once or after a wait, closed after 6 minutes.
func month(s *seriesRecorder) {
	f := &feeder{s: s}
	agents := []string{"a", "b", "c"}
	type open struct {
		id    router.ConversationID
		agent string
		close time.Duration
	}
	var live []open
	for m := 0; m < 30*24*60; m++ {
		d := time.Duration(m) * time.Minute
		for len(live) > 0 && live[0].close <= d {
			f.ev(live[0].close, router.EventClosed, live[0].id, live[0].agent, "default")
			live = live[1:]
		}
		agent := agents[m%3]
		if m%7 == 0 {
			id := f.open(d, "", "default")
			f.ev(d+40*time.Second, router.EventAssigned, id, agent, "default")
			live = append(live, open{id, agent, d + 6*time.Minute})
			continue
		}
		live = append(live, open{f.open(d, agent, "default"), agent, d + 6*time.Minute})
	}
}

// TestSeriesBounded: a month of events keeps a fixed number of buckets,
// with the span known or not.
func TestSeriesBounded(t *testing.T) {
	days30 := 30 * 24 * time.Hour
	known := newSeriesRecorder(seriesStart, days30, 0, []string{"a", "b", "c"}, nil)
	month(known)
	res := known.result(seriesStart.Add(days30))
	if res.Buckets != SeriesBuckets || res.Bucket != 3*time.Hour {
		t.Errorf("known span: %d buckets of %v, want %d of 3h", res.Buckets, res.Bucket, SeriesBuckets)
	}

	unknown := newSeriesRecorder(seriesStart, 0, 0, []string{"a", "b", "c"}, nil)
	month(unknown)
	res = unknown.result(seriesStart.Add(days30))
	if res.Buckets < SeriesBuckets/2 || res.Buckets > SeriesBuckets {
		t.Errorf("unknown span: %d buckets", res.Buckets)
	}
	if w := res.Bucket; w%SeriesBase != 0 || (w/SeriesBase)&(w/SeriesBase-1) != 0 {
		t.Errorf("unknown span: bucket %v is not a power of two of %v", w, SeriesBase)
	}
	// With a schedule of 30 days, the first width is round and lasts.
	hinted := newSeriesRecorder(seriesStart, 0, days30, []string{"a", "b", "c"}, nil)
	month(hinted)
	if res := hinted.result(seriesStart.Add(days30)); res.Bucket != 4*time.Hour || res.Buckets != 180 {
		t.Errorf("schedule of 30 days: %d buckets of %v, want 180 of 4h", res.Buckets, res.Bucket)
	}
	for _, s := range []*seriesRecorder{known, unknown, hinted} {
		for _, st := range append([]stepSeries{s.waiting, s.active}, append(s.groups, s.agents...)...) {
			if len(st.vals) != SeriesBuckets || cap(st.vals) != SeriesBuckets {
				t.Errorf("a series holds %d values (capacity %d)", len(st.vals), cap(st.vals))
			}
		}
		if len(s.pending) != 0 {
			t.Errorf("%d conversations still pending", len(s.pending))
		}
	}
	// Both see the same peaks: three agents, each at most two at once, and
	// a queue of one.
	for _, r := range []*result.Series{known.result(seriesStart.Add(days30)), res} {
		if m := maxOf(r.Active); m != 6 {
			t.Errorf("active peak %d, want 6", m)
		}
		if m := maxOf(r.Waiting); m != 1 {
			t.Errorf("waiting peak %d, want 1", m)
		}
	}
}

func maxOf(v []int) int {
	m := 0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

func TestRoundWidth(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{
		0: time.Millisecond, 1100 * time.Microsecond: 2 * time.Millisecond, 132 * time.Second: 3 * time.Minute,
		3*time.Hour + 18*time.Minute: 4 * time.Hour, 25 * time.Hour: 48 * time.Hour,
	} {
		if got := roundWidth(in); got != want {
			t.Errorf("roundWidth(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestSeriesDeterministic(t *testing.T) {
	a := newSeriesRecorder(seriesStart, 0, 0, []string{"a", "b", "c"}, nil)
	b := newSeriesRecorder(seriesStart, 0, 0, []string{"a", "b", "c"}, nil)
	month(a)
	month(b)
	end := seriesStart.Add(30 * 24 * time.Hour)
	ra, rb := a.result(end), b.result(end)
	if !reflect.DeepEqual(ra, rb) {
		t.Error("equal events gave different series")
	}
	if again := a.result(end); !reflect.DeepEqual(ra, again) {
		t.Error("a second result differs from the first")
	}
}

// BenchmarkSeriesObserve: the cost of an event, which must not grow with
// the length of the run.
func BenchmarkSeriesObserve(b *testing.B) {
	s := newSeriesRecorder(seriesStart, 0, 0, []string{"a"}, nil)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d := time.Duration(i) * time.Second
		id := router.ConversationID(i + 1)
		s.observe(&router.Event{At: seriesStart.Add(d), Kind: router.EventOpened, Conversation: id})
		s.observe(&router.Event{At: seriesStart.Add(d), Kind: router.EventAssigned, Conversation: id, Agent: "a"})
		s.observe(&router.Event{At: seriesStart.Add(d + 500*time.Millisecond), Kind: router.EventClosed, Conversation: id, Agent: "a"})
	}
}

// TestSeriesMoves: a conversation moved by the engine is in one queue or
// with one agent at a time. Overflowed and queued in the default group, it
// leaves its first group's queue; reassigned or transferred, it leaves its
// agent and, queued again, waits again; closed while waiting after that
// (the event names its last agent), it leaves only the queue. Each wait
// counts once, at the first assignment.
func TestSeriesMoves(t *testing.T) {
	sec := time.Second
	type move struct {
		d      time.Duration
		kind   router.EventKind
		agent  string
		group  string
		detail string
	}
	for _, tt := range []struct {
		name  string
		moves []move // of conversation 1, opened at 0
		// the values at the end, besides conversation 2's: waiting,
		// active, each group's queue (north, default), each agent's (a, b)
		waiting, active int
		groups, agents  [2]int
		waits           int // its waits counted by the end, the still waiting's included
	}{
		{"overflow, then waits", []move{{0, router.EventQueued, "", "north", ""}, {2 * sec, router.EventOverflowed, "", "default", "north"}, {2 * sec, router.EventQueued, "", "default", ""}},
			1, 0, [2]int{0, 1}, [2]int{0, 0}, 1},
		{"overflow, then assigned", []move{{0, router.EventQueued, "", "north", ""}, {2 * sec, router.EventOverflowed, "", "default", "north"}, {2 * sec, router.EventAssigned, "a", "default", ""}},
			0, 1, [2]int{0, 0}, [2]int{1, 0}, 1},
		{"reassigned, then waits", []move{{0, router.EventAssigned, "a", "north", ""}, {5 * sec, router.EventReassigned, "a", "north", "unanswered"}, {5 * sec, router.EventQueued, "", "north", ""}},
			1, 0, [2]int{1, 0}, [2]int{0, 0}, 1},
		{"reassigned, waits, closed", []move{{0, router.EventAssigned, "a", "north", ""}, {5 * sec, router.EventReassigned, "a", "north", "unanswered"}, {5 * sec, router.EventQueued, "", "north", ""}, {9 * sec, router.EventClosed, "a", "north", "abandoned"}},
			0, 0, [2]int{0, 0}, [2]int{0, 0}, 1},
		{"reassigned to another", []move{{0, router.EventAssigned, "a", "north", ""}, {5 * sec, router.EventReassigned, "a", "north", "unanswered"}, {5 * sec, router.EventAssigned, "b", "north", ""}},
			0, 1, [2]int{0, 0}, [2]int{0, 1}, 1},
		{"transferred to a group, waits, taken", []move{{0, router.EventAssigned, "a", "north", ""}, {5 * sec, router.EventTransferred, "a", "default", ""}, {5 * sec, router.EventQueued, "", "default", ""}, {8 * sec, router.EventAssigned, "b", "default", "take"}},
			0, 1, [2]int{0, 0}, [2]int{0, 1}, 1},
		{"transferred to an agent, closed", []move{{0, router.EventAssigned, "a", "north", ""}, {5 * sec, router.EventTransferred, "a", "north", "b"}, {5 * sec, router.EventAssigned, "b", "north", "transfer"}, {9 * sec, router.EventClosed, "b", "north", "agent"}},
			0, 0, [2]int{0, 0}, [2]int{0, 0}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newSeriesRecorder(seriesStart, 20*sec, 0, []string{"a", "b"}, []string{"north", "default"})
			// Conversation 2 stays with a throughout: a count taken down
			// twice shows.
			s.observe(&router.Event{At: seriesStart, Kind: router.EventOpened, Conversation: 2})
			s.observe(&router.Event{At: seriesStart, Kind: router.EventAssigned, Conversation: 2, Agent: "a", Group: "default"})
			s.observe(&router.Event{At: seriesStart, Kind: router.EventOpened, Conversation: 1})
			for _, m := range tt.moves {
				s.observe(&router.Event{At: seriesStart.Add(m.d), Kind: m.kind, Conversation: 1, Agent: m.agent, Group: m.group, Detail: m.detail})
			}
			res := s.result(seriesStart.Add(20 * sec))
			end := res.Buckets - 1
			got := func(v []int) int { return v[end] }
			tt.active++
			tt.agents[0]++
			tt.waits++
			if got(res.Waiting) != tt.waiting || got(res.Active) != tt.active {
				t.Errorf("at the end waiting %d, active %d; want %d, %d", got(res.Waiting), got(res.Active), tt.waiting, tt.active)
			}
			for i := range 2 {
				if g := got(res.Groups[i].Waiting); g != tt.groups[i] {
					t.Errorf("group %s ends at %d, want %d", res.Groups[i].Name, g, tt.groups[i])
				}
				if a := got(res.Agents[i].Active); a != tt.agents[i] {
					t.Errorf("agent %s ends at %d, want %d", res.Agents[i].ID, a, tt.agents[i])
				}
			}
			n := 0
			for _, b := range res.Waits {
				n += b.Count
			}
			if n != tt.waits {
				t.Errorf("%d waits counted, want %d", n, tt.waits)
			}
		})
	}
}
