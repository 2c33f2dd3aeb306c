package sim

import (
	"strconv"
	"testing"
)

// TestGenIDs asks for ids in runs, with gaps, across batches, backwards
// and past the digits of one batch, counting up in place or not (past
// maxOdometer): every one is "t" and its number.
func TestGenIDs(t *testing.T) {
	var g genIDs
	for _, n := range []int{1, 2, 3, 32, 33, 34, 40, 100, 99, 5, 999, 1000, 1001, 1 << 40, 1<<40 + 31, 1<<40 + 32, 7,
		9999990, 9999999, 1e18 - 40, 1e18 - 9, 1e18, 1e18 + 1, 1e18 + 31, 1e18 + 32, 1<<63 - 1, 1<<63 - 40, 99999999999999990, 0} {
		if got, want := g.id(n), "t"+strconv.Itoa(n); got != want {
			t.Errorf("id(%d) = %q, want %q", n, got, want)
		}
	}
	for n := 1; n <= 5000; n++ {
		if got, want := g.id(n), "t"+strconv.Itoa(n); got != want {
			t.Fatalf("id(%d) = %q, want %q", n, got, want)
		}
	}
}
