package sim

import (
	"strconv"
	"testing"
)

// TestGenIDs asks for ids in runs, with gaps, across batches, backwards
// and past the digits of one batch, counting up in place or not (past
// maxOdometer), at the ends of int: every one is "t" and its number.
func TestGenIDs(t *testing.T) {
	var g genIDs
	for _, n := range []int{1, 2, 3, 32, 33, 34, 40, 100, 99, 5, 999, 1000, 1001, 1 << 40, 1<<40 + 31, 1<<40 + 32, 7,
		9999990, 9999999, 1e18 - 40, 1e18 - 9, 1e18, 1e18 + 1, 1e18 + 31, 1e18 + 32, 1<<63 - 1, 1<<63 - 40, 99999999999999990, 0,
		-1 << 63, -1<<63 + 5, -1<<63 + 30, 1<<63 - 4, -1} {
		if got, want := g.id(n), "t"+strconv.Itoa(n); got != want {
			t.Errorf("id(%d) = %q, want %q", n, got, want)
		}
	}
	for n := 1; n <= 5000; n++ {
		if got, want := g.id(n), "t"+strconv.Itoa(n); got != want {
			t.Fatalf("id(%d) = %q, want %q", n, got, want)
		}
	}
	// Every id of the batches that cross from 7 to 8 digits (an id of 8
	// bytes, the longest fill copies as one word, to one of 9) and from 8
	// to 9 and 9 to 10.
	for _, lo := range []int{9999990, 99999990, 999999990} {
		for n := lo; n < lo+2*idBatch; n++ {
			if got, want := g.id(n), "t"+strconv.Itoa(n); got != want {
				t.Fatalf("id(%d) = %q, want %q", n, got, want)
			}
		}
	}
}
