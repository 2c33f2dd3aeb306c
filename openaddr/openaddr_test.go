package openaddr

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/omnisim/omnisim/internal/blockpool/pooltest"
	"github.com/omnisim/omnisim/internal/race"
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

// TestPooledArrays plays the same random puts, inserts and removals on a
// table that makes its arrays and on one that grows into arrays from an
// Arrays (UseArrays), round after round, the pooled one released at each
// round's end and grown again from the Arrays. The pooled one has grown
// to the length of the other's array; its own array is that long, or,
// once its first growth in a round took the longer one the round before
// released (as it does, but under the race detector), longer. Where their
// arrays are as long, the two hold the same records in the same slots
// (All lists them in slot order; compared every few steps and at a
// round's end). Every array the pooled table outgrows or releases is
// cleared; and, but under the race detector, the pooled table grows into
// arrays it gave back.
func TestPooledArrays(t *testing.T) {
	pooltest.Steady(t)
	list := func(tab *Table[rec]) []*rec {
		var l []*rec
		tab.All(func(r *rec) { l = append(l, r) })
		return l
	}
	empty := func(s []slot[rec]) bool {
		return !slices.ContainsFunc(s, func(s slot[rec]) bool { return s != slot[rec]{} })
	}
	hash := func(k int) uint64 { return uint64(k) * 0x9e3779b97f4a7c15 }
	eq := func(k int) func(*rec) bool { return func(r *rec) bool { return r.key == k } }
	rng := rand.New(rand.NewPCG(3, 4))
	var arrays Arrays[rec]
	var pooled Table[rec]
	pooled.UseArrays(&arrays)
	given := map[*slot[rec]]bool{} // the arrays the pooled table gave back
	reused := 0
	released := 0 // the length the pooled table had grown to at the last Release
	for round, keys := range []int{5, 300, 3000, 300, 5000} {
		var self Table[rec]
		held := map[int]*rec{}
		for step := range 4 * keys {
			k := rng.IntN(keys)
			if r := held[k]; r != nil && rng.IntN(3) == 0 {
				self.RemoveRecord(hash(k), r)
				pooled.Remove(hash(k), eq(k))
				delete(held, k)
			} else if r == nil {
				r = &rec{key: k, id: step}
				old := pooled.slots
				if rng.IntN(2) == 0 {
					self.Insert(hash(k), r)
					pooled.Insert(hash(k), r)
				} else {
					self.Put(hash(k), r, eq(k))
					pooled.Put(hash(k), r, eq(k))
				}
				if len(pooled.slots) != len(old) {
					if !empty(old) {
						t.Fatalf("round %d step %d: the array of %d slots the table outgrew is not cleared", round, step, len(old))
					}
					if len(old) > 0 {
						given[&old[0]] = true
					} else if want := max(released, minSlots); len(pooled.slots) != want && !race.Enabled {
						t.Fatalf("round %d: the first growth took %d slots, want %d", round, len(pooled.slots), want)
					}
					if given[&pooled.slots[0]] {
						reused++
					}
				}
				held[k] = r
			}
			if 2*pooled.room != len(self.slots) || len(pooled.slots) < len(self.slots) ||
				len(self.slots) == len(pooled.slots) && (step%61 == 0 || step == 4*keys-1) && !slices.Equal(list(&self), list(&pooled)) {
				t.Fatalf("round %d step %d: the pooled table grew to %d, holds %d slots %v, the other %d %v",
					round, step, 2*pooled.room, len(pooled.slots), list(&pooled), len(self.slots), list(&self))
			}
			if q := rng.IntN(keys); pooled.Find(hash(q), eq(q)) != held[q] {
				t.Fatalf("round %d step %d: Find(%d)", round, step, q)
			}
		}
		last := pooled.slots
		released = 2 * pooled.room
		pooled.Release()
		if !empty(last) {
			t.Fatalf("round %d: the array Release gave back is not cleared", round)
		}
		given[&last[0]] = true
		if pooled.Len() != 0 || pooled.slots != nil || pooled.arrays != &arrays || list(&pooled) != nil {
			t.Fatalf("round %d: Release left %d records in %d slots", round, pooled.Len(), len(pooled.slots))
		}
		if pooled.Find(hash(0), func(*rec) bool { return true }) != nil {
			t.Fatalf("round %d: a released table finds a record", round)
		}
	}
	if reused == 0 && !race.Enabled {
		t.Error("the pooled table never grew into an array it gave back")
	}
}

// TestRelease: Release empties a table, with Arrays or without, filled or
// not, once or twice, and leaves it usable: it finds nothing, then holds
// what it is given again. A table without Arrays makes its arrays anew; one
// with Arrays takes, at its first growth, the array it released, when it
// had grown past the length its records now need (but under the race
// detector), and counts the length they need.
func TestRelease(t *testing.T) {
	pooltest.Steady(t)
	for _, c := range []struct {
		name     string
		pooled   bool
		fill     int
		releases int
	}{
		{"zero table", false, 0, 1},
		{"zero table, pooled", true, 0, 2},
		{"filled", false, 100, 1},
		{"filled, pooled", true, 100, 1},
		{"filled, pooled, twice", true, 1000, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			var arrays Arrays[rec]
			var tab Table[rec]
			if c.pooled {
				tab.UseArrays(&arrays)
			}
			eq := func(k int) func(*rec) bool { return func(r *rec) bool { return r.key == k } }
			for k := range c.fill {
				tab.Insert(uint64(k), &rec{key: k})
			}
			grown := len(tab.slots)
			var slots0 *slot[rec]
			var ctrl0 *uint8
			if grown > 0 {
				slots0, ctrl0 = &tab.slots[0], &tab.ctrl[0]
			}
			for range c.releases {
				tab.Release()
			}
			if tab.Len() != 0 || tab.slots != nil || tab.Find(0, eq(0)) != nil || tab.Remove(1, eq(1)) {
				t.Fatalf("after Release: %d records in %d slots", tab.Len(), len(tab.slots))
			}
			if c.pooled != (tab.arrays == &arrays) {
				t.Fatalf("Release changed the table's Arrays to %p", tab.arrays)
			}
			for k := range 40 {
				tab.Put(uint64(k), &rec{key: k, id: 1}, eq(k))
			}
			for k := range 40 {
				if r := tab.Find(uint64(k), eq(k)); r == nil || r.id != 1 {
					t.Fatalf("Find(%d) after Release and Put: %v", k, r)
				}
			}
			want := 128
			if c.pooled && grown > want {
				want = grown
			}
			n := len(tab.slots)
			if tab.Len() != 40 || n != want && !(race.Enabled && n == 128) || 2*tab.room != 128 {
				t.Fatalf("40 records after Release: Len %d in %d slots, grown to %d", tab.Len(), len(tab.slots), 2*tab.room)
			}
			// A pooled table takes back both of its arrays, the slots and
			// their control bytes; one without Arrays makes new ones.
			if reused := &tab.slots[0] == slots0 && &tab.ctrl[0] == ctrl0; c.fill > 0 && !race.Enabled && reused != c.pooled {
				t.Fatalf("arrays taken back: %v, want %v", reused, c.pooled)
			}
		})
	}
}

// Prefetch changes nothing, whatever the hash, on an empty table (no
// array: it does nothing) and on a full one.
func TestPrefetch(t *testing.T) {
	full := &Table[rec]{}
	for i := range 100 {
		full.Insert(uint64(i)*0x9e3779b97f4a7c15, &rec{key: i})
	}
	tests := []struct {
		name string
		t    *Table[rec]
		n    int
	}{
		{"empty", &Table[rec]{}, 0},
		{"full", full, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, h := range []uint64{0, 1, 1 << 63, ^uint64(0)} {
				tt.t.Prefetch(h)
			}
			if n := tt.t.Len(); n != tt.n {
				t.Fatalf("Len = %d after Prefetch, want %d", n, tt.n)
			}
			for i := range tt.n {
				if r := tt.t.Find(uint64(i)*0x9e3779b97f4a7c15, func(r *rec) bool { return r.key == i }); r == nil {
					t.Fatalf("record %d not found after Prefetch", i)
				}
			}
		})
	}
}
