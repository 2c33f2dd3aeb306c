package openaddr

import (
	"math/rand/v2"
	"slices"
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

// TestAdoptedArrays plays the same random inserts and removals on a table
// that grows itself and on one that grows into arrays it is handed
// (Adopt), from a store of arrays by length that the tables' handed-out
// arrays go back to (Adopt's former array, and Take's at each round's
// end), as a caller's pools would keep them. The two hold the same records
// in the same slots (All lists them in slot order; compared every few
// steps and at a round's end) and arrays of the same length, every
// array handed out is empty, and Take leaves an empty table that is
// grown again from the store.
func TestAdoptedArrays(t *testing.T) {
	store := map[int][]*Slots[rec]{}
	get := func(n int) *Slots[rec] {
		if l := store[n]; len(l) > 0 {
			a := l[len(l)-1]
			store[n] = l[:len(l)-1]
			return a
		}
		return NewSlots[rec](n)
	}
	put := func(a *Slots[rec]) {
		for i, s := range a.s {
			if s != (slot[rec]{}) {
				t.Fatalf("an array handed out holds slot %d: %v", i, s)
			}
		}
		if a.Len() > 0 {
			store[a.Len()] = append(store[a.Len()], a)
		}
	}
	list := func(tab *Table[rec]) []*rec {
		var l []*rec
		tab.All(func(r *rec) { l = append(l, r) })
		return l
	}
	hash := func(k int) uint64 { return uint64(k) * 0x9e3779b97f4a7c15 }
	rng := rand.New(rand.NewPCG(3, 4))
	var adopted Table[rec]
	for round, keys := range []int{5, 300, 3000, 300, 5000} {
		var self Table[rec]
		held := map[int]*rec{}
		for step := range 4 * keys {
			k := rng.IntN(keys)
			if r := held[k]; r != nil && rng.IntN(3) == 0 {
				self.RemoveRecord(hash(k), r)
				adopted.RemoveRecord(hash(k), r)
				delete(held, k)
			} else if r == nil {
				r = &rec{key: k, id: step}
				self.Insert(hash(k), r)
				if n := adopted.GrowLen(); n > 0 {
					a := get(n)
					adopted.Adopt(a)
					put(a)
				}
				if adopted.GrowLen() != 0 {
					t.Fatalf("round %d step %d: GrowLen %d after Adopt", round, step, adopted.GrowLen())
				}
				adopted.Insert(hash(k), r)
				held[k] = r
			}
			if len(self.slots) != len(adopted.slots) || (step%61 == 0 || step == 4*keys-1) && !slices.Equal(list(&self), list(&adopted)) {
				t.Fatalf("round %d step %d: the adopted table holds %d slots %v, the other %d %v",
					round, step, len(adopted.slots), list(&adopted), len(self.slots), list(&self))
			}
			if q := rng.IntN(keys); adopted.Find(hash(q), func(r *rec) bool { return r.key == q }) != held[q] {
				t.Fatalf("round %d step %d: Find(%d)", round, step, q)
			}
		}
		if a := adopted.Take(); a != nil {
			put(a)
		}
		if adopted.Len() != 0 || adopted.slots != nil || adopted.Take() != nil || list(&adopted) != nil {
			t.Fatalf("round %d: Take left %d records", round, adopted.Len())
		}
		if adopted.Find(hash(0), func(*rec) bool { return true }) != nil {
			t.Fatalf("round %d: a taken table finds a record", round)
		}
	}
}

// TestAdoptRefusesShortArrays: Adopt of an array without room for one
// more record, or not a power of two long, panics and leaves the table as
// it was.
func TestAdoptRefusesShortArrays(t *testing.T) {
	var tab Table[rec]
	for k := range 8 {
		tab.Insert(uint64(k), &rec{key: k})
	}
	for _, a := range []*Slots[rec]{{}, NewSlots[rec](16), {s: make([]slot[rec], 24)}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Adopt of %d slots did not panic", a.Len())
				}
			}()
			tab.Adopt(a)
		}()
		if tab.Len() != 8 || len(tab.slots) != 16 {
			t.Fatalf("a refused Adopt left %d records in %d slots", tab.Len(), len(tab.slots))
		}
	}
	if n := tab.GrowLen(); n != 32 {
		t.Errorf("GrowLen %d with 8 records in 16 slots, want 32", n)
	}
	a := NewSlots[rec](64) // longer than asked is fine
	tab.Adopt(a)
	if a.Len() != 16 || len(tab.slots) != 64 || tab.Len() != 8 {
		t.Errorf("Adopt of 64 slots: the table has %d, handed out %d", len(tab.slots), a.Len())
	}
	for k := range 8 {
		if r := tab.Find(uint64(k), func(r *rec) bool { return r.key == k }); r == nil {
			t.Errorf("Find(%d) after Adopt", k)
		}
	}
}
