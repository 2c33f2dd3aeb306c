package router

import (
	"math/rand/v2"
	"testing"
)

// TestConvIndex plays random puts (new records and replacements) and
// removals of ids, on a convIndex and on a map, and compares every lookup,
// the count and the records listed: with ids from a small range, so that
// the table's runs wrap around its end, and from a large one, so that it
// grows and removals shift long runs of slots back.
func TestConvIndex(t *testing.T) {
	for _, ids := range []int{12, 3000} {
		rng := rand.New(rand.NewPCG(5, uint64(ids)))
		var x convIndex
		want := map[ConversationID]*conv{}
		for step := range 30000 {
			id := ConversationID(1 + rng.IntN(ids))
			if rng.IntN(2) == 0 {
				cv := &conv{id: id}
				x.put(cv)
				want[id] = cv
			} else {
				x.remove(id)
				delete(want, id)
			}
			if q := ConversationID(1 + rng.IntN(ids)); x.get(q) != want[q] {
				t.Fatalf("%d ids, step %d: get(%d) = %p, want %p", ids, step, q, x.get(q), want[q])
			}
			if x.len() != len(want) {
				t.Fatalf("%d ids, step %d: %d records held, want %d", ids, step, x.len(), len(want))
			}
			if step%100 != 0 {
				continue
			}
			seen := 0
			x.all(func(cv *conv) {
				seen++
				if want[cv.id] != cv {
					t.Fatalf("%d ids, step %d: all lists %d's record %p, want %p", ids, step, cv.id, cv, want[cv.id])
				}
			})
			if seen != len(want) {
				t.Fatalf("%d ids, step %d: all lists %d records, want %d", ids, step, seen, len(want))
			}
		}
	}
}
