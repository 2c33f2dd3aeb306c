package router

import (
	"math/rand/v2"
	"runtime/debug"
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
// stopped (insert), the others by put. Each is played on an index that
// grew from its first table, and on one whose first growth took a longer
// table that a released index left in the pool, which grows by counting
// (room) until its records need more.
func TestCustomerIndex(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // the pool keeps what it is given
	for _, ids := range []int{6, 400} {
		for _, long := range []int{0, 1024} {
			testCustomerIndex(t, ids, long)
		}
	}
}

// testCustomerIndex plays TestCustomerIndex's calls with ids customer ids,
// on an index whose first growth took a table of long slots from the pool
// (0: on one that grew from its first table).
func testCustomerIndex(t *testing.T, ids, long int) {
	rng := rand.New(rand.NewPCG(3, uint64(ids)))
	x := newCustomerIndex()
	want := map[CustomerKey]*customer{}
	custSlotArrays.Ended(0) // no index released before, as far as the first growth knows
	if long > 0 {
		for range 50 { // under the race detector the pool drops what it likes
			custSlotArrays.Put(make([]custSlot, long))
			custSlotArrays.Ended(long)
			x = newCustomerIndex()
			clear(want)
			for i := range minCustSlots/2 + 1 { // through the first growth
				c := &customer{key: CustomerKey{Channel: "other", Customer: strconv.Itoa(i)}}
				x.put(c)
				want[c.key] = c
			}
			if len(x.slots) == long {
				break
			}
			x.release()
		}
		if len(x.slots) != long || 2*x.room != 2*minCustSlots {
			t.Fatalf("the first growth took %d slots and grew to %d, want %d and %d", len(x.slots), 2*x.room, long, 2*minCustSlots)
		}
	}
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
		// The table has grown to a power of two at least twice its
		// records, and its array is that long or the longer one it took.
		if g := 2 * x.room; g&(g-1) != 0 || x.n > x.room || g < minCustSlots || len(x.slots) != max(g, long) {
			t.Fatalf("%d ids, step %d: %d records in %d slots, grown to %d", ids, step, x.n, len(x.slots), g)
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

// TestIndexesNoteWhatTheyNeeded: an index that took a long table from the
// pool but held few records notes, at its release, the length it needed,
// so the index after it starts short again even when the pool still holds
// a long table; the conversation ring likewise.
func TestIndexesNoteWhatTheyNeeded(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // the pool keeps what it is given
	const long = 1 << 14
	t.Run("customers", func(t *testing.T) {
		fill := func(x *customerIndex) {
			for i := range minCustSlots/2 + 1 { // through the first growth
				x.put(&customer{key: CustomerKey{Channel: "other", Customer: strconv.Itoa(i)}})
			}
		}
		var x customerIndex
		for range 50 { // under the race detector the pool drops what it likes
			custSlotArrays.Put(make([]custSlot, long))
			custSlotArrays.Ended(long)
			x = newCustomerIndex()
			if fill(&x); len(x.slots) == long {
				break
			}
			x.release()
		}
		if len(x.slots) != long {
			t.Skip("the pool kept no long table")
		}
		x.release()
		custSlotArrays.Put(make([]custSlot, long))
		y := newCustomerIndex()
		if fill(&y); len(y.slots) != 2*minCustSlots {
			t.Errorf("the index after one that needed %d slots has %d, want %d", 2*minCustSlots, len(y.slots), 2*minCustSlots)
		}
		y.release()
		// One that never grew past its first table notes that length too.
		custSlotArrays.Ended(long)
		z := newCustomerIndex()
		z.put(&customer{key: CustomerKey{Channel: "other", Customer: "z"}})
		z.release()
		custSlotArrays.Put(make([]custSlot, long))
		y = newCustomerIndex()
		if fill(&y); len(y.slots) != 2*minCustSlots {
			t.Errorf("the index after one that never grew has %d slots, want %d", len(y.slots), 2*minCustSlots)
		}
		y.release()
	})
	t.Run("conversations", func(t *testing.T) {
		var x convIndex
		for range 50 {
			convRingArrays.Put(make([]*conv, long))
			convRingArrays.Ended(long)
			x = convIndex{}
			if x.put(&conv{id: 1}); len(x.ring) == long {
				break
			}
			x.release()
		}
		if len(x.ring) != long {
			t.Skip("the pool kept no long ring")
		}
		x.release()
		convRingArrays.Put(make([]*conv, long))
		var y convIndex
		if y.put(&conv{id: 1}); len(y.ring) != minConvRing {
			t.Errorf("the ring after one that needed %d slots has %d, want %d", minConvRing, len(y.ring), minConvRing)
		}
		y.release()
	})
}
