package router

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestCustomerIndex plays random puts (new records and replacements) and
// removals of keys over several channels and accounts, on a customerIndex
// and on a map, and compares every lookup, the count and the records
// listed: with few customer ids, so that records of one id share a probe
// sequence, and with many, so that the table grows and removals shift
// long runs of slots back. Half the keys name their id by one string per id,
// as the engine's callers do, so that lookups take the slots remembered by
// address (stale ones too, after removals, replacements and growth); the
// other half by a copy of it. Half the new records are placed where find
// stopped (insert), the others by put.
func TestCustomerIndex(t *testing.T) {
	for _, ids := range []int{6, 400} {
		testCustomerIndex(t, ids)
	}
}

func testCustomerIndex(t *testing.T, ids int) {
	rng := rand.New(rand.NewPCG(3, uint64(ids)))
	x := newCustomerIndex()
	want := map[CustomerKey]*customer{}
	names := make([]string, ids)
	for i := range names {
		names[i] = "u" + strconv.Itoa(i)
	}
	randKey := func() CustomerKey {
		id := names[rng.IntN(ids)]
		if rng.IntN(2) == 0 {
			id = strings.Clone(id)
		}
		return CustomerKey{Channel: []string{"whatsapp", "line"}[rng.IntN(2)], Account: []string{"", "acct"}[rng.IntN(2)],
			Customer: id}
	}
	for step := range 20000 {
		k := randKey()
		if rng.IntN(2) == 0 {
			c := &customer{key: k}
			h := x.hash(k.Customer)
			if old, i := x.find(&k, h); old == nil && rng.IntN(2) == 0 {
				x.insert(c, h, i) // as Engine.customer does
			} else {
				x.put(c)
			}
			want[k] = c
		} else {
			if c := x.get(&k); c != nil {
				x.remove(c)
			}
			delete(want, k)
		}
		if x.get(&k) != want[k] {
			t.Fatalf("%d ids, step %d: get(%v) = %p just after, want %p", ids, step, k, x.get(&k), want[k])
		}
		if q := randKey(); x.get(&q) != want[q] {
			t.Fatalf("%d ids, step %d: get(%v) = %p, want %p", ids, step, q, x.get(&q), want[q])
		}
		if x.len() != len(want) {
			t.Fatalf("%d ids, step %d: %d records held, want %d", ids, step, x.len(), len(want))
		}
		seen := 0
		x.all(func(c *customer) {
			seen++
			if want[c.key] != c {
				t.Fatalf("%d ids, step %d: all lists %v's record %p, want %p", ids, step, c.key, c, want[c.key])
			}
		})
		if seen != len(want) {
			t.Fatalf("%d ids, step %d: all lists %d records, want %d", ids, step, seen, len(want))
		}
	}
}
