package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// clocks are the ways to make a clock standing at a time: one that any
// goroutine reads, and a local one.
var clocks = []struct {
	name string
	new  func(time.Time) *Clock
}{{"shared", NewClock}, {"local", newLocalClock}}

// The clock gives back the very time it was set to: the same instant in
// the same location, equal as a value (==), so that whatever is formatted
// or compared from it is what the run set.
func TestClockGivesBackWhatWasSet(t *testing.T) {
	for _, k := range clocks {
		t.Run(k.name, func(t *testing.T) { testClockGivesBack(t, k.new) })
	}
}

func testClockGivesBack(t *testing.T, newClock func(time.Time) *Clock) {
	shanghai := time.FixedZone("CST", 8*3600)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	for _, at := range []time.Time{
		time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 2, 9, 30, 15, 123456789, shanghai),
		time.Date(2026, 11, 1, 1, 30, 0, 999, ny), // the hour that repeats
		time.Date(1678, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2261, 12, 31, 23, 59, 59, 999999999, shanghai),
		time.Unix(0, 0).UTC(),
	} {
		c := newClock(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
		c.Set(at)
		got := c.Now()
		if got != at {
			t.Errorf("set %v (%#v), now %v (%#v)", at, at, got, got)
		}
		if got.String() != at.String() {
			t.Errorf("set %s, now %s", at, got)
		}
		if got := newClock(at).Now(); got != at {
			t.Errorf("a new clock at %v reads %v", at, got)
		}
	}
}

// A clock read from other goroutines while it moves reads, each time, one
// of the times it was set to (run with -race).
func TestClockReadWhileSet(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	c := NewClock(t0)
	const steps = 2000
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := t0
			for range steps {
				now := c.Now()
				if now.Before(last) || now.After(t0.Add(steps*time.Second)) || now.Nanosecond() != 0 {
					t.Errorf("read %v after %v", now, last)
					return
				}
				last = now
			}
		}()
	}
	for i := 1; i <= steps; i++ {
		c.Set(t0.Add(time.Duration(i) * time.Second))
	}
	wg.Wait()
}

// since is Sub for every pair of times a run may hold.
func TestSinceIsSub(t *testing.T) {
	lo, hi := time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2261, 12, 31, 23, 59, 59, 999999999, time.UTC)
	span := hi.Sub(lo)
	rng := rand.New(rand.NewPCG(1, 2))
	zone := time.FixedZone("X", -7*3600)
	times := []time.Time{lo, hi, time.Unix(0, 0).UTC(), time.Date(2026, 3, 2, 0, 0, 0, 0, zone)}
	for range 1000 {
		at := lo.Add(time.Duration(rng.Int64N(int64(span))))
		if rng.IntN(2) == 0 {
			at = at.In(zone)
		}
		times = append(times, at)
	}
	for i, from := range times {
		// lo, from the times past 2262 - 292 years, is past a Duration's
		// range before them: since saturates as Sub does.
		for _, at := range []time.Time{times[(i+1)%len(times)], from, from.Add(time.Nanosecond), from.Add(17 * time.Hour), lo} {
			if at.After(hi) {
				continue
			}
			if got, want := since(from.UnixNano(), at), at.Sub(from); got != want {
				t.Fatalf("since(%v, %v) = %v, Sub says %v", from, at, got, want)
			}
		}
	}
}

// roundMilli is Round(time.Millisecond) for every duration: around each
// half millisecond, at both ends of the range, and at random.
func TestRoundMilliIsRound(t *testing.T) {
	ds := []time.Duration{0, 1, -1, math.MaxInt64, math.MinInt64, math.MaxInt64 - 499999, math.MinInt64 + 499999,
		math.MaxInt64 - 500000, math.MinInt64 + 500000, math.MaxInt64 - 500001, math.MinInt64 + 500001}
	for _, base := range []time.Duration{0, time.Millisecond, 180 * time.Second, -time.Millisecond, -time.Hour} {
		for d := base - time.Millisecond; d <= base+time.Millisecond; d += 250 * time.Microsecond {
			ds = append(ds, d-1, d, d+1)
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 10000 {
		ds = append(ds, time.Duration(rng.Int64()), time.Duration(rng.Int64N(int64(time.Hour)))-30*time.Minute)
	}
	for _, d := range ds {
		if got, want := roundMilli(d), d.Round(time.Millisecond); got != want {
			t.Fatalf("roundMilli(%d) = %d, Round says %d", d, got, want)
		}
	}
}

// earlier orders (time, place) pairs as the queue does, by time then by
// place: at the ends of both ranges, across the sign of the time, and at
// random, where a borrow or a sign bit mishandled gives a wrong order.
func TestEarlierOrdersTimeThenPlace(t *testing.T) {
	type pair struct {
		ns  int64
		seq uint64
	}
	ps := []pair{{0, 0}, {0, 1}, {-1, 0}, {1, 0}, {-1, math.MaxUint64}, {1, math.MaxUint64},
		{math.MinInt64, 0}, {math.MinInt64, math.MaxUint64}, {math.MaxInt64, 0}, {math.MaxInt64, math.MaxUint64},
		{math.MinInt64 + 1, 1}, {math.MaxInt64 - 1, 1 << 63}, {1 << 62, 1<<63 - 1}, {-1 << 62, 1 << 63}}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 200 {
		ps = append(ps, pair{rng.Int64() - rng.Int64(), rng.Uint64()}, pair{rng.Int64N(3) - 1, rng.Uint64N(3)})
	}
	for _, a := range ps {
		for _, b := range ps {
			want := (&queued{key: a.ns, seq: a.seq}).before(&queued{key: b.ns, seq: b.seq})
			if got := earlier(a.ns, a.seq, b.ns, b.seq); got != want {
				t.Fatalf("earlier(%d, %d, %d, %d) = %v, want %v", a.ns, a.seq, b.ns, b.seq, got, want)
			}
		}
	}
}

// TestIntNOneIsOneDraw: for a flow whose customers all send as many
// messages, flow.arrive draws one Uint64 in place of IntN(1), which keeps
// the stream only while IntN(1) takes exactly one Uint64 and gives 0
// (testdata/script/run_stream.txtar holds the flow's draws).
func TestIntNOneIsOneDraw(t *testing.T) {
	for _, seed := range []uint64{0, 1, 42, 1 << 63} {
		a, b := Stream(seed, "traffic"), Stream(seed, "traffic")
		for i := range 100 {
			//lint:ignore SA4030 IntN(1) is always 0: the test holds it to that, and to one draw
			if n := a.IntN(1); n != 0 {
				t.Fatalf("seed %d, draw %d: IntN(1) = %d", seed, i, n)
			}
			b.Uint64()
			if x, y := a.Uint64(), b.Uint64(); x != y {
				t.Fatalf("seed %d, draw %d: the streams part (%d, %d)", seed, i, x, y)
			}
		}
	}
}

// The queue gives back each event's time as it was queued, location and
// all, by Peek and by Pop, in time order.
func TestQueueGivesBackTimes(t *testing.T) {
	zone := time.FixedZone("CST", 8*3600)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, zone)
	want := []time.Time{
		t0.UTC().Add(-time.Hour),
		t0,
		t0.Add(time.Nanosecond),
		t0.Add(time.Hour).UTC(),
		time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC).Add(24 * time.Hour),
	}
	var q Queue
	for _, i := range []int{3, 1, 4, 0, 2} {
		q.At(want[i], func() {})
	}
	slices.SortFunc(want, func(a, b time.Time) int { return a.Compare(b) })
	for _, w := range want {
		peek, ok := q.Peek()
		if !ok || peek != w {
			t.Fatalf("Peek() = %v, %v; want %v", peek, ok, w)
		}
		if at, _ := q.Pop(); at != w {
			t.Fatalf("Pop() = %v (%s); want %v (%s)", at, at.Location(), w, w.Location())
		}
	}
	if _, ok := q.Peek(); ok || q.Len() != 0 {
		t.Fatalf("queue not empty: %d", q.Len())
	}
}

// nanos is UnixNano within its range and the range's end past it.
func TestNanos(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want int64
	}{
		{time.Unix(0, 0), 0},
		{time.Date(2026, 3, 2, 0, 0, 0, 5, time.UTC), time.Date(2026, 3, 2, 0, 0, 0, 5, time.UTC).UnixNano()},
		{time.Unix(0, math.MaxInt64), math.MaxInt64},
		{time.Unix(0, math.MinInt64), math.MinInt64},
		{time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), math.MaxInt64},
		{time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC), math.MinInt64},
		{time.Time{}, math.MinInt64},
	} {
		if got := nanos(c.t); got != c.want {
			t.Errorf("nanos(%v) = %d, want %d", c.t, got, c.want)
		}
	}
	// Around the range's ends, to the nanosecond, against comparing
	// whole times.
	want := func(t time.Time) int64 {
		switch {
		case t.Before(time.Unix(0, math.MinInt64)):
			return math.MinInt64
		case t.After(time.Unix(0, math.MaxInt64)):
			return math.MaxInt64
		}
		return t.UnixNano()
	}
	for _, end := range []time.Time{time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)} {
		for _, base := range []time.Time{end, time.Unix(end.Unix(), 0), time.Unix(end.Unix()+1, 0)} {
			for _, d := range []time.Duration{-time.Second - 1, -time.Second, -2, -1, 0, 1, 2, time.Second - 1, time.Second} {
				tt := base.Add(d)
				if got := nanos(tt); got != want(tt) {
					t.Errorf("nanos(%v) = %d, want %d", tt, got, want(tt))
				}
			}
		}
	}
}

func TestZeroClock(t *testing.T) {
	var c Clock
	if got, want := c.Now(), time.Unix(0, 0).UTC(); !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("zero clock reads %v, want %v", got, want)
	}
}

// nowLocal, the setting goroutine's read, gives back what Now does after
// every set, however many reads there are between two sets.
func TestNowLocalFollowsSets(t *testing.T) {
	for _, k := range clocks {
		t.Run(k.name, func(t *testing.T) { testNowLocalFollowsSets(t, k.new) })
	}
}

func testNowLocalFollowsSets(t *testing.T, newClock func(time.Time) *Clock) {
	zone := time.FixedZone("X", -7*3600)
	t0 := time.Date(2026, 3, 2, 9, 30, 15, 123456789, time.UTC)
	c := newClock(t0)
	for i, at := range []time.Time{t0, t0.Add(time.Second), t0.Add(time.Second), t0.In(zone), t0.Add(-time.Hour), time.Unix(0, 0).UTC()} {
		if i > 0 {
			c.Set(at)
		}
		for range 2 {
			if got := c.nowLocal(); got != c.Now() || got != at {
				t.Fatalf("set %v: nowLocal %v, Now %v", at, got, c.Now())
			}
		}
	}
	c.setNanos(t0.UnixNano(), zone)
	if got := c.nowLocal(); got != t0.In(zone) {
		t.Errorf("setNanos: nowLocal %v, want %v", got, t0.In(zone))
	}
}

// Events of sources that keep a slot (Queue.keep) and one-off events,
// queued in any mix, also while an event just played is spent at the
// top, play in time order and then in order of their places, each its own
// action: a one-off event never takes a kept slot, and a kept slot is not
// freed when its event plays. A source that lets go of its slot (unkeep)
// right after its event played, and keeps another, plays on.
func TestQueueKeptSlots(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var q Queue
	type event struct {
		ns    int64
		seq   uint64
		label int
	}
	var model []event // what the queue should hold
	played := -1
	const sources = 4
	var slots [sources]uint32
	var pending [sources]bool
	keep := func(i int) {
		slots[i] = q.keep(func() { played = i })
		q.locate(slots[i], time.UTC)
	}
	for i := range sources {
		keep(i)
	}
	oneOffs := sources // labels of one-off events: sources on
	push := func(label int, ns int64) {
		seq := q.Reserve(1)
		if label < sources {
			q.pushKept(ns, seq, slots[label])
			pending[label] = true
		} else {
			q.pushNanos(ns, time.UTC, seq, func() { played = label })
		}
		model = append(model, event{ns, seq, label})
	}
	var now int64
	for range 20000 {
		for range rng.IntN(3) {
			// Times repeat often, so that places decide.
			at := now + rng.Int64N(8)
			if i := rng.IntN(sources + 1); i < sources {
				if !pending[i] {
					push(i, at)
				}
			} else {
				push(oneOffs, at)
				oneOffs++
			}
		}
		if i := rng.IntN(4 * sources); i < sources && !pending[i] {
			q.unkeep(slots[i])
			keep(i)
		}
		q.drop()
		ns, seq, ok := q.head()
		if len(model) == 0 {
			if ok {
				t.Fatalf("the queue holds an event at %d, want none", ns)
			}
			continue
		}
		first := 0
		for j, e := range model {
			if e.ns < model[first].ns || e.ns == model[first].ns && e.seq < model[first].seq {
				first = j
			}
		}
		want := model[first]
		if !ok || ns != want.ns || seq != want.seq {
			t.Fatalf("head %d (place %d, %v), want %d (place %d)", ns, seq, ok, want.ns, want.seq)
		}
		at, a := q.take()
		loc := a.loc
		played = -1
		a.fn()
		if at != want.ns || loc != time.UTC || played != want.label {
			t.Fatalf("played %d at %d in %v, want %d at %d", played, at, loc, want.label, want.ns)
		}
		model = slices.Delete(model, first, first+1)
		if want.label < sources {
			pending[want.label] = false
		}
		now = ns
	}
}

// BenchmarkQueueHold plays a queue of a run's size (11 events waiting, as
// an M/M/14 run holds) the way a run does: each source keeps a slot, and
// each event played queues its source's next, an exponentially distributed
// time later (mean one second), in the place of the entry played.
func BenchmarkQueueHold(b *testing.B) {
	const waiting = 11
	r := rand.New(rand.NewPCG(1, 2))
	gaps := make([]int64, 4096)
	for i := range gaps {
		gaps[i] = int64(r.ExpFloat64() * float64(time.Second))
	}
	var q Queue
	fn := func() {}
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).UnixNano()
	for i := range waiting {
		slot := q.keep(fn)
		q.locate(slot, time.UTC)
		q.pushKept(t0+gaps[i], q.Reserve(1), slot)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q.drop()
		now, _, _ := q.head()
		slot := q.items[0].slot &^ kept
		q.take()
		q.pushKept(now+gaps[i&(len(gaps)-1)], q.Reserve(1), slot)
	}
}

// BenchmarkClockSet sets a clock and reads it back once, as a run does at
// each event it plays, on a clock that other goroutines read and on a
// local one.
func BenchmarkClockSet(b *testing.B) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, k := range clocks {
		b.Run(k.name, func(b *testing.B) {
			c := k.new(t0)
			ns, loc := t0.UnixNano(), t0.Location()
			for i := 0; i < b.N; i++ {
				c.setNanos(ns+int64(i), loc)
				if c.nowLocal().IsZero() {
					b.Fatal("zero time")
				}
			}
		})
	}
}
