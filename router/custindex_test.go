package router

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestCustomerIndex plays random puts (new records and replacements) and
// removals of keys that share few customer ids over several channels and
// accounts, so that records of one id chain, on a customerIndex and on a
// map, and compares every lookup, the count and the records listed.
func TestCustomerIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := newCustomerIndex()
	want := map[CustomerKey]*customer{}
	randKey := func() CustomerKey {
		return CustomerKey{Channel: []string{"whatsapp", "line"}[rng.IntN(2)], Account: []string{"", "acct"}[rng.IntN(2)],
			Customer: "u" + strconv.Itoa(rng.IntN(6))}
	}
	for step := range 20000 {
		k := randKey()
		if rng.IntN(2) == 0 {
			c := &customer{key: k}
			x.put(c)
			want[k] = c
		} else {
			x.remove(k)
			delete(want, k)
		}
		if q := randKey(); x.get(q) != want[q] {
			t.Fatalf("step %d: get(%v) = %p, want %p", step, q, x.get(q), want[q])
		}
		if x.len() != len(want) {
			t.Fatalf("step %d: %d records held, want %d", step, x.len(), len(want))
		}
		seen := 0
		x.all(func(c *customer) {
			seen++
			if want[c.key] != c {
				t.Fatalf("step %d: all lists %v's record %p, want %p", step, c.key, c, want[c.key])
			}
		})
		if seen != len(want) {
			t.Fatalf("step %d: all lists %d records, want %d", step, seen, len(want))
		}
	}
}
