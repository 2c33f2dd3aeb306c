package router

import (
	"math"
	"math/rand/v2"
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
