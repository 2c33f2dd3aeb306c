package sim

import (
	"math"
	"math/rand/v2"
	"testing"
)

// expFloat64 draws what r.ExpFloat64 draws, bit for bit, and takes as
// many numbers from r: over a million draws a seed, which reach every
// path of the ziggurat (an entry's box, its wedge, the tail past the
// first), a table entry copied wrong or a path taken differently shows
// as a draw or a stream that differs.
func TestExpFloat64IsRands(t *testing.T) {
	for _, seed := range []uint64{1, 2, 42, 1 << 63} {
		ours, theirs := rand.New(rand.NewPCG(seed, 9)), rand.New(rand.NewPCG(seed, 9))
		tail := 0
		for n := range 1 << 20 {
			got, want := expFloat64(ours), theirs.ExpFloat64()
			if math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("seed %d, draw %d: expFloat64 = %v, ExpFloat64 = %v", seed, n, got, want)
			}
			if got > expR {
				tail++
			}
		}
		if a, b := ours.Uint64(), theirs.Uint64(); a != b {
			t.Fatalf("seed %d: the streams part after the draws: %#x, %#x", seed, a, b)
		}
		if tail == 0 {
			t.Errorf("seed %d: no draw reached the tail", seed)
		}
	}
}

// scriptSource is a rand.Source that gives back its numbers, then a PCG's.
type scriptSource struct {
	next []uint64
	rest rand.PCG
}

func (s *scriptSource) Uint64() uint64 {
	if len(s.next) == 0 {
		return s.rest.Uint64()
	}
	u := s.next[0]
	s.next = s.next[1:]
	return u
}

// At each entry's edges, expFloat64 takes the path r.ExpFloat64 takes,
// which random draws reach too seldom to tell an entry of k wrong by a
// little: a draw of index i and j at k-1, k and k+1 (the box's edge),
// and at the ends of j, each followed by the same numbers.
func TestExpFloat64EntryEdges(t *testing.T) {
	for i := range 256 {
		k := uint64(expZig[i].k)
		for _, j := range []uint64{0, k - 1, k, k + 1, 1<<32 - 1} {
			j &= 1<<32 - 1
			u := uint64(i)<<32 | j | 0xabcd<<40
			ours := rand.New(&scriptSource{next: []uint64{u}, rest: *rand.NewPCG(uint64(i), j)})
			theirs := rand.New(&scriptSource{next: []uint64{u}, rest: *rand.NewPCG(uint64(i), j)})
			got, want := expFloat64(ours), theirs.ExpFloat64()
			if math.Float64bits(got) != math.Float64bits(want) || ours.Uint64() != theirs.Uint64() {
				t.Fatalf("entry %d, j %#x: expFloat64 = %v, ExpFloat64 = %v, or the streams part", i, j, got, want)
			}
		}
	}
}
