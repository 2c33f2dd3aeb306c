package router

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
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
			checkConvIndex(t, fmt.Sprintf("%d ids, step %d", ids, step), &x, want, step%100 == 0)
		}
	}
}

// checkConvIndex compares what x holds with want: the count, and with all
// every record listed.
func checkConvIndex(t *testing.T, where string, x *convIndex, want map[ConversationID]*conv, all bool) {
	t.Helper()
	if x.len() != len(want) {
		t.Fatalf("%s: %d records held, want %d", where, x.len(), len(want))
	}
	if !all {
		return
	}
	seen := 0
	x.all(func(cv *conv) {
		seen++
		if want[cv.id] != cv {
			t.Fatalf("%s: all lists %d's record %p, want %p", where, cv.id, cv, want[cv.id])
		}
	})
	if seen != len(want) {
		t.Fatalf("%s: all lists %d records, want %d", where, seen, len(want))
	}
}

// TestConvIndexWindow plays the engine's own pattern: ids opened in order,
// each released a window later, except some that stay open ten windows
// long, so that the ids held span many lengths of the table; every lookup
// (held, released and never opened ids), the count and the records listed
// are compared with a map.
func TestConvIndexWindow(t *testing.T) {
	const window, total = 700, 40000
	var x convIndex
	want := map[ConversationID]*conv{}
	rng := rand.New(rand.NewPCG(9, 9))
	for id := ConversationID(1); id <= total; id++ {
		cv := &conv{id: id}
		x.put(cv)
		want[id] = cv
		if old := id - window; old > 0 && old%97 != 0 {
			x.remove(old)
			delete(want, old)
		}
		if old := id - 10*window; old > 0 && old%97 == 0 {
			x.remove(old)
			delete(want, old)
		}
		for range 3 {
			q := ConversationID(1 + rng.IntN(int(id)+window))
			if x.get(q) != want[q] {
				t.Fatalf("after %d: get(%d) = %p, want %p", id, q, x.get(q), want[q])
			}
		}
		checkConvIndex(t, fmt.Sprintf("after %d", id), &x, want, id%1000 == 0)
	}
}

// TestConvIndexRingBounded holds the ring to the records of its window:
// ids opened in order and removed a window later, except every 97th,
// held for good, as a customer with a profile is. The ring does not grow
// with the run, and the records held for good move to the table as the
// window passes them.
func TestConvIndexRingBounded(t *testing.T) {
	const window, total = 700, 200000
	var x convIndex
	kept := (total - window) / 97 // before the last window
	for id := ConversationID(1); id <= total; id++ {
		x.put(&conv{id: id})
		if old := id - window; old > 0 && old%97 != 0 {
			x.remove(old)
		}
	}
	if held := window + kept; x.len() != held {
		t.Fatalf("%d records held, want %d", x.len(), held)
	}
	if n := x.span; n > 8*window { // the length it grew to: its array may be one an index released
		t.Errorf("the ring grew to %d slots for a window of %d records", n, window)
	}
	if x.older.len() < kept-window {
		t.Errorf("the table holds %d records, want at least the %d kept before the window", x.older.len(), kept-window)
	}
	for id := ConversationID(97); id <= total-window; id += 97 {
		if cv := x.get(id); cv == nil || cv.id != id {
			t.Fatalf("get(%d) = %v", id, cv)
		}
	}
}

// TestConvIndexStartsLonger plays the engine's pattern, as
// TestConvIndexWindow does, on an index whose first ring was a longer one
// a released index left in the pool (convRingArrays.Start), and on one
// that started with an empty pool: at every step the two window the same
// span and hold as many records in their tables, and as many in all; the
// one on the longer ring finds each id that is held, and its ring moves no
// record until the span outgrows it.
func TestConvIndexStartsLonger(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // the pool keeps what it is given
	const window, total = 700, 40000
	type state struct{ span, older, len int }
	play := func(x *convIndex, id ConversationID) state {
		x.put(&conv{id: id})
		if old := id - window; old > 0 && old%97 != 0 {
			x.remove(old)
		}
		if old := id - 10*window; old > 0 && old%97 == 0 {
			x.remove(old)
		}
		return state{x.span, x.older.len(), x.len()}
	}
	convRingArrays.Ended(0)
	var fresh convIndex
	var want []state
	for id := ConversationID(1); id <= total; id++ {
		want = append(want, play(&fresh, id))
	}
	for _, long := range []int{1024, 1 << 14} {
		var x convIndex
		for range 50 { // under the race detector the pool drops what it likes
			convRingArrays.Put(make([]*conv, long))
			convRingArrays.Ended(long)
			x = convIndex{}
			if play(&x, 1); len(x.ring) == long {
				break
			}
			x.release()
		}
		if len(x.ring) != long {
			t.Fatalf("the first ring is %d slots, want the %d released", len(x.ring), long)
		}
		first := &x.ring[0]
		for id := ConversationID(2); id <= total; id++ {
			if got := play(&x, id); got != want[id-1] {
				t.Fatalf("ring of %d, id %d: span, table and count %+v, want %+v", long, id, got, want[id-1])
			}
			if n := len(x.ring); n != max(long, x.span) || n == long && &x.ring[0] != first {
				t.Fatalf("ring of %d, id %d: %d slots for a span of %d", long, id, n, x.span)
			}
			for _, q := range []ConversationID{id, id - window, id - window + 1, id - 10*window, id - ConversationID(id%1500)} {
				gone := q < 1 || q <= id-window && q%97 != 0 || q <= id-10*window
				if cv := x.get(q); (cv == nil) != gone || cv != nil && cv.id != q {
					t.Fatalf("ring of %d, id %d: get(%d) = %v, want it held: %v", long, id, q, cv, !gone)
				}
			}
		}
		x.release()
	}
	fresh.release()
}
