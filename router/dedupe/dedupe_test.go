package dedupe

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// model is the dedupe memory as a map and a FIFO: what a Set is held to.
type model struct {
	seen  map[string]int64
	queue []modelEntry
}

type modelEntry struct {
	id string
	at int64
}

func (r *model) add(id string, now, window int64) bool {
	for len(r.queue) > 0 && now-r.queue[0].at >= window {
		e := r.queue[0]
		if at, ok := r.seen[e.id]; ok && at == e.at {
			delete(r.seen, e.id)
		}
		r.queue = r.queue[1:]
	}
	if at, ok := r.seen[id]; ok && now-at < window {
		return false
	}
	r.seen[id] = now
	r.queue = append(r.queue, modelEntry{id: id, at: now})
	return true
}

func (r *model) has(id string, now, window int64) bool {
	at, ok := r.seen[id]
	return ok && now-at < window
}

// live is the model's newest remembrance of each id, oldest first.
func (r *model) live() []modelEntry {
	var out []modelEntry
	for _, e := range r.queue {
		if r.seen[e.id] == e.at {
			out = append(out, e)
		}
	}
	return out
}

func all(s *Set) []modelEntry {
	var out []modelEntry
	for id, at := range s.All() {
		out = append(out, modelEntry{id: id, at: at})
	}
	return out
}

// TestSetMatchesModel drives a Set and the model with the same random ids
// and times (the clock sometimes going backwards, ids coming back after
// their window, bursts that grow the index and the FIFO and long gaps that
// empty them) and compares every answer, what is kept, and what a state
// saved and restored midway then answers.
func TestSetMatchesModel(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		window := int64(1 + rng.IntN(500))
		s := New(time.Duration(window))
		var restored *Set
		ref := &model{seen: map[string]int64{}}
		now := int64(0)
		ids := 1 + rng.IntN(3000)
		for op := range 20000 {
			switch r := rng.IntN(100); {
			case r < 2:
				now -= int64(rng.IntN(50)) // backwards
			case r < 3:
				now += window * int64(1+rng.IntN(3)) // a gap
			default:
				now += int64(rng.IntN(3))
			}
			if op == 10000 {
				r := New(time.Duration(window))
				for id, at := range s.All() {
					r.Restore(id, at)
				}
				restored = &r
			}
			n := rng.IntN(ids)
			id := fmt.Sprintf("wamid.%d", n)
			if n%97 == 0 { // longer than a block of id bytes
				id = strings.Repeat("w", idBlock+n%7) + id
			}
			if got, seen := s.Has(id, now), ref.has(id, now, window); got != seen {
				t.Fatalf("seed %d op %d: Has(%s, %d) = %v, model %v", seed, op, id, now, got, seen)
			}
			want := ref.add(id, now, window)
			if got := s.Add(id, now); got != want {
				t.Fatalf("seed %d op %d: Add(%s, %d) = %v, model %v", seed, op, id, now, got, want)
			}
			if restored != nil {
				if got := restored.Add(id, now); got != want {
					t.Fatalf("seed %d op %d: restored Add(%s, %d) = %v, model %v", seed, op, id, now, got, want)
				}
			}
			if s.Len() != len(ref.seen) || int(s.next-s.first) != len(ref.queue) {
				t.Fatalf("seed %d op %d: %d ids in %d entries, model %d in %d", seed, op, s.Len(), s.next-s.first, len(ref.seen), len(ref.queue))
			}
			// Add skips pruning before expires: the oldest entry must not
			// leave the window earlier.
			if s.first < s.next && s.expires > leaves(s.entry(s.first).at, window) {
				t.Fatalf("seed %d op %d: expires %d, after the oldest entry leaves at %d", seed, op, s.expires, leaves(s.entry(s.first).at, window))
			}
			// The index is a power of two long and at most three
			// quarters full, of the length it has grown to too: a
			// power of two no longer than its array.
			if n, g := len(s.slots), s.room/3*4; n&(n-1) != 0 || g&(g-1) != 0 || g > n || s.room != g/4*3 || s.used > s.room {
				t.Fatalf("seed %d op %d: %d ids in %d slots, grown to %d", seed, op, s.used, n, g)
			}
			// The id bytes kept start at the oldest entry's block.
			if s.first < s.next && s.entry(s.first).blk != s.idBase {
				t.Fatalf("seed %d op %d: id blocks from %d kept for entries from block %d", seed, op, s.idBase, s.entry(s.first).blk)
			}
		}
		if got, want := all(&s), ref.live(); !slices.Equal(got, want) {
			t.Fatalf("seed %d: All yields %d entries, model %d", seed, len(got), len(want))
		}
		for i, e := range ref.queue {
			if got := s.entry(s.first + uint64(i)); string(s.id(got)) != e.id || got.at != e.at {
				t.Fatalf("seed %d: entry %d is %s@%d, model %s@%d", seed, i, s.id(got), got.at, e.id, e.at)
			}
		}
	}
}

func TestAddAndRestore(t *testing.T) {
	s := New(10)
	for _, tc := range []struct {
		id   string
		now  int64
		want bool
	}{
		{"a", 0, true},
		{"a", 9, false}, // within the window
		{"b", 9, true},
		{"a", 10, true}, // the window has passed: remembered again
		{"b", 18, false},
		{"b", 19, true},
	} {
		if got := s.Add(tc.id, tc.now); got != tc.want {
			t.Errorf("Add(%s, %d) = %v, want %v", tc.id, tc.now, got, tc.want)
		}
	}
	if got, want := all(&s), []modelEntry{{id: "a", at: 10}, {id: "b", at: 19}}; !slices.Equal(got, want) {
		t.Errorf("All = %v, want %v", got, want)
	}
	r := New(10)
	r.Restore("a", 1)
	r.Restore("b", 2)
	r.Restore("a", 3) // supersedes a@1
	if r.Len() != 2 || !slices.Equal(all(&r), []modelEntry{{id: "b", at: 2}, {id: "a", at: 3}}) {
		t.Errorf("restored: %d ids, %v", r.Len(), all(&r))
	}
	if r.Add("a", 12) || !r.Add("b", 12) {
		t.Error("a restored at 3 must be a duplicate at 12, b restored at 2 not")
	}
}

// BenchmarkSet remembers the wamids of one M/M/14 run (about 34,000
// messages in 7 days, none forgotten) in a new set per run, as each world
// does: the time per message includes growing the FIFO and the index.
func BenchmarkSet(b *testing.B) {
	const n = 34000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("wamid.HBgLMTY1MDUwNzY1MjAVAgASGBQzQTRBNjU5OUFF%08d", i)
	}
	b.ReportAllocs()
	for b.Loop() {
		s := New(7 * 24 * time.Hour)
		for i, id := range ids {
			if !s.Add(id, int64(i)*18e9) {
				b.Fatal("seen")
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/message")
}

// TestInstantsFarApart: an id remembered more than 292 years before now,
// whose age in nanoseconds wraps an int64, has left the window: Add takes
// it again and forgets the old remembrance, Has does not find it; and the
// window's end is where it was, one nanosecond before it a duplicate.
func TestInstantsFarApart(t *testing.T) {
	y := func(year int) int64 { return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano() }
	const window = 7 * 24 * time.Hour
	for _, c := range []struct {
		name      string
		then, now int64
		duplicate bool
	}{
		{"1800 to 2200", y(1800), y(2200), false},
		{"the first instant to the last", math.MinInt64, math.MaxInt64, false},
		{"the last instant to the first", math.MaxInt64, math.MinInt64, true}, // a clock gone back: not expired
		{"a nanosecond before the window's end", y(2200), y(2200) + int64(window) - 1, true},
		{"at the window's end", y(2200), y(2200) + int64(window), false},
	} {
		s := New(window)
		s.Add("wamid.A", c.then)
		if got := s.Has("wamid.A", c.now); got != c.duplicate {
			t.Errorf("%s: Has = %v, want %v", c.name, got, c.duplicate)
		}
		if got := s.Add("wamid.A", c.now); got == c.duplicate {
			t.Errorf("%s: Add = %v, want %v", c.name, got, !c.duplicate)
		}
		if !c.duplicate && s.Len() != 1 {
			t.Errorf("%s: %d ids remembered after the old one expired, want 1", c.name, s.Len())
		}
	}
}

// TestYoung: young is now - at < window wherever that does not overflow,
// and the true answer where it does.
func TestYoung(t *testing.T) {
	for _, c := range []struct {
		now, at, window int64
		want            bool
	}{
		{10, 5, 6, true},
		{11, 5, 6, false},
		{math.MaxInt64, math.MinInt64, 1 << 62, false},
		{math.MinInt64, math.MaxInt64, 1 << 62, true},
		{math.MaxInt64, math.MaxInt64 - 1, math.MaxInt64, true},
		{0, math.MinInt64, -1, false},
		{math.MinInt64, math.MinInt64 + 2, -1, true},
		{math.MinInt64, math.MinInt64, -1, false},
	} {
		if got := young(c.now, c.at, c.window); got != c.want {
			t.Errorf("young(%d, %d, %d) = %v, want %v", c.now, c.at, c.window, got, c.want)
		}
	}
}

// TestLeaves: leaves is the first instant at which young is false, where
// there is one: young just before it and not at it; math.MaxInt64 where
// young holds at every instant before it, math.MinInt64 where it never
// holds.
func TestLeaves(t *testing.T) {
	for _, c := range []struct {
		at, window, want int64
	}{
		{5, 6, 11},
		{0, 0, 0},
		{math.MaxInt64 - 1, 1, math.MaxInt64},
		{math.MaxInt64, 1, math.MaxInt64}, // never leaves
		{math.MaxInt64 - 1, math.MaxInt64, math.MaxInt64},
		{math.MinInt64, math.MaxInt64, -1},
		{math.MinInt64 + 2, -1, math.MinInt64 + 1},
		{math.MinInt64, -1, math.MinInt64}, // never young
	} {
		got := leaves(c.at, c.window)
		if got != c.want {
			t.Errorf("leaves(%d, %d) = %d, want %d", c.at, c.window, got, c.want)
		}
		if got > math.MinInt64 && !young(got-1, c.at, c.window) {
			t.Errorf("leaves(%d, %d) = %d: not young just before", c.at, c.window, got)
		}
		if got < math.MaxInt64 && young(got, c.at, c.window) {
			t.Errorf("leaves(%d, %d) = %d: still young then", c.at, c.window, got)
		}
	}
}
