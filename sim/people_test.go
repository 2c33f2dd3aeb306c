package sim

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/omnisim/omnisim/router"
)

// TestPeople plays random puts (new people and replacements) and removals
// of keys that share few customer ids over several channels and accounts,
// so that people of one id chain, on a people index and on a map, and
// compares every lookup and the people listed.
func TestPeople(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := newPeople()
	want := map[router.CustomerKey]*person{}
	randKey := func() router.CustomerKey {
		return router.CustomerKey{Channel: []string{"whatsapp", "line"}[rng.IntN(2)], Account: []string{"", "acct"}[rng.IntN(2)],
			Customer: "u" + strconv.Itoa(rng.IntN(6))}
	}
	for step := range 20000 {
		k := randKey()
		if rng.IntN(2) == 0 {
			p := &person{key: k}
			x.put(p)
			want[k] = p
		} else {
			x.remove(k)
			delete(want, k)
		}
		if q := randKey(); x.get(q) != want[q] {
			t.Fatalf("step %d: get(%v) = %p, want %p", step, q, x.get(q), want[q])
		}
		seen := 0
		x.all(func(p *person) {
			seen++
			if want[p.key] != p {
				t.Fatalf("step %d: all lists %v's person %p, want %p", step, p.key, p, want[p.key])
			}
		})
		if seen != len(want) {
			t.Fatalf("step %d: all lists %d people, want %d", step, seen, len(want))
		}
	}
}
