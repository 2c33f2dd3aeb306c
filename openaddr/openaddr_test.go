package openaddr

import (
	"math/rand/v2"
	"testing"
)

type rec struct{ key, id int }

// TestTableMatchesMap plays random puts (new keys and replacements; a new key
// by Insert half the time) and
// removals (by key and by record) of few keys under a hash with many collisions, so that probe
// sequences interleave, wrap around the table's end and shift back on
// removal, and compares every lookup, the length and the records listed
// with a map.
func TestTableMatchesMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, keys := range []int{3, 40, 400} {
		var tab Table[rec]
		want := map[int]*rec{}
		// Few distinct hashes, some near the top so probes wrap.
		hash := func(k int) uint64 { return uint64(k%7) | uint64(k%3)<<62 }
		eq := func(k int) func(*rec) bool { return func(r *rec) bool { return r.key == k } }
		for step := range 20000 {
			k := rng.IntN(keys)
			switch rng.IntN(4) {
			case 0, 1:
				r := &rec{key: k, id: step}
				if _, had := want[k]; !had && rng.IntN(2) == 0 {
					tab.Insert(hash(k), r) // the key is known absent
				} else {
					tab.Put(hash(k), r, eq(k))
				}
				want[k] = r
			case 2:
				_, had := want[k]
				if got := tab.Remove(hash(k), eq(k)); got != had {
					t.Fatalf("keys %d step %d: Remove(%d) = %v, want %v", keys, step, k, got, had)
				}
				delete(want, k)
			case 3:
				// The record held, or one of the same key and hash that
				// is not (never put, or replaced): only the first goes.
				r, had := want[k]
				if !had || rng.IntN(2) == 0 {
					r, had = &rec{key: k, id: -1}, false
				}
				if got := tab.RemoveRecord(hash(k), r); got != had {
					t.Fatalf("keys %d step %d: RemoveRecord(%v) = %v, want %v", keys, step, r, got, had)
				}
				if had {
					delete(want, k)
				}
			}
			if q := rng.IntN(keys); tab.Find(hash(q), eq(q)) != want[q] {
				t.Fatalf("keys %d step %d: Find(%d) = %v, want %v", keys, step, q, tab.Find(hash(q), eq(q)), want[q])
			}
			if tab.Len() != len(want) {
				t.Fatalf("keys %d step %d: Len %d, want %d", keys, step, tab.Len(), len(want))
			}
			if step%97 == 0 {
				seen := 0
				tab.All(func(r *rec) {
					seen++
					if want[r.key] != r {
						t.Fatalf("keys %d step %d: All lists %v, want %v", keys, step, r, want[r.key])
					}
				})
				if seen != len(want) {
					t.Fatalf("keys %d step %d: All lists %d, want %d", keys, step, seen, len(want))
				}
			}
		}
		for k := range keys {
			if tab.Find(hash(k), eq(k)) != want[k] {
				t.Fatalf("keys %d: Find(%d) at the end", keys, k)
			}
		}
	}
	var empty Table[rec]
	if empty.Find(1, func(*rec) bool { return true }) != nil || empty.Remove(1, func(*rec) bool { return true }) ||
		empty.RemoveRecord(1, &rec{}) || empty.Len() != 0 {
		t.Error("the zero Table is not empty")
	}
}
