package router

import (
	"math"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"testing"
)

// TestReleaseQueue plays random calls on the release queue and on a model
// (each queued customer's time, moved on by later sets): the customers due
// at each sweep are the same, and each comes out at its latest time.
func TestReleaseQueue(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 3))
		var q releaseQueue
		custs := make([]*customer, 40)
		for i := range custs {
			custs[i] = &customer{key: key(string(rune('a' + i)))}
		}
		model := map[*customer]int64{}
		now := int64(0)
		for range 2000 {
			c := custs[rng.IntN(len(custs))]
			switch rng.IntN(3) {
			case 0, 1:
				// Mostly in time order, now and then earlier than the
				// latest entry (another customer's longer window); a
				// customer's own time never moves back.
				at := now + int64(rng.IntN(100))
				if rng.IntN(4) == 0 {
					at = now + int64(rng.IntN(10))
				}
				if old, ok := model[c]; ok {
					at = max(at, old)
				}
				model[c] = at
				q.set(c, at)
			default:
				now += int64(rng.IntN(30))
				var got, want []*customer
				for {
					if at, ok := q.next(); ok && at <= now {
						// popDue pops what next says is due.
						if en, ok := q.popDue(at - 1); ok {
							t.Fatalf("seed %d: popped an entry at %d before it was due", seed, en.at)
						}
					}
					en, ok := q.popDue(now)
					if !ok {
						// It tells when the queue is next due.
						at, ok := q.next()
						if ok && at <= now {
							t.Fatalf("seed %d, now %d: an entry at %d is due and was not popped", seed, now, at)
						}
						if !ok {
							at = math.MaxInt64
						}
						if en.at != at || en.c != nil {
							t.Fatalf("seed %d, now %d: popDue found none due and says %d, %p; want %d, no customer", seed, now, en.at, en.c, at)
						}
						break
					}
					if en.at < en.c.relAt {
						q.push(relEntry{en.c.relAt, en.c})
						continue
					}
					en.c.relQueued = false
					got = append(got, en.c)
				}
				for c, at := range model {
					if at <= now {
						want = append(want, c)
						delete(model, c)
					}
				}
				byKey := func(x, y *customer) int { return compareKeys(x.key, y.key) }
				slices.SortFunc(got, byKey)
				slices.SortFunc(want, byKey)
				if !slices.Equal(got, want) {
					t.Fatalf("seed %d, now %d: released %d customers, want %d", seed, now, len(got), len(want))
				}
			}
			if q.len() != len(model) {
				t.Fatalf("seed %d: %d entries for %d customers", seed, q.len(), len(model))
			}
		}
	}
}

// TestReleaseQueueStartsLonger: a queue whose FIFO first grows after one
// that noted a longer length takes that length's array from the pool
// (relArrays.Start) and moves no entry until it outgrows it, its entries
// coming out in time order all the same; at its release it notes the
// length it needed, not the one it started at, so the queue after it
// starts at that length even when the pool holds a longer array.
func TestReleaseQueueStartsLonger(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // the pool keeps what it is given
	const long = 1 << 12
	for _, tc := range []struct {
		name    string
		ended   int // the length the queue before noted (0: none)
		entries int // how many entries the FIFO holds at once
		first   int // its first array's length
		needed  int // the length it notes at its release
	}{
		{"fills the longer array", long, long, long, long},
		{"needs little of it", long, 3, long, minRel},
		{"outgrows it", long, long + 1, long, 2 * long},
		{"nothing noted", 0, 100, minRel, 2 * minRel},
		{"nothing noted, needs the first length", 0, minRel, minRel, minRel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var q releaseQueue
			got := 0
			for range 50 { // under the race detector the pool drops what it likes
				relArrays.Put(make([]relEntry, long))
				relArrays.Ended(tc.ended)
				q = releaseQueue{}
				if q.push(relEntry{at: 1}); cap(q.fifo) == tc.first {
					break
				}
				got = cap(q.fifo)
				q.release()
			}
			if cap(q.fifo) != tc.first {
				t.Fatalf("the first FIFO is %d entries, want %d", got, tc.first)
			}
			first := &q.fifo[:1][0]
			for at := int64(2); at <= int64(tc.entries); at++ {
				q.push(relEntry{at: at})
				if len(q.fifo) <= tc.first && &q.fifo[0] != first {
					t.Fatalf("%d entries: the FIFO moved within its first array of %d", len(q.fifo), tc.first)
				}
			}
			for at := int64(1); at <= int64(tc.entries); at++ {
				if en, ok := q.popDue(math.MaxInt64); !ok || en.at != at {
					t.Fatalf("popDue = %d, %v, want %d", en.at, ok, at)
				}
			}
			if en, ok := q.popDue(math.MaxInt64); ok || en.at != math.MaxInt64 {
				t.Fatalf("popDue of an empty queue = %d, %v", en.at, ok)
			}
			q.release()
			// The next queue starts at the length this one noted, with
			// longer arrays in the pool and one of that length.
			var next releaseQueue
			for range 50 {
				relArrays.Put(make([]relEntry, long))
				relArrays.Put(make([]relEntry, 2*long))
				relArrays.Put(make([]relEntry, tc.needed))
				next = releaseQueue{}
				if next.push(relEntry{at: 1}); cap(next.fifo) == tc.needed {
					break
				}
			}
			if cap(next.fifo) != tc.needed {
				t.Errorf("the FIFO after one that needed %d entries is %d, want %d", tc.needed, cap(next.fifo), tc.needed)
			}
			next.release()
		})
	}
}
