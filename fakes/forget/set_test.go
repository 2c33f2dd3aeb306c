package forget

import (
	"math/rand/v2"
	"testing"
)

// TestSet: a Set answers as a map of the same keys through adds and
// removes (sequential keys, which share low bits, random ones and 0), and
// takes at most 21 bytes a key.
func TestSet(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  func(r *rand.Rand) uint64
	}{
		{"sequential", func(r *rand.Rand) uint64 { return uint64(r.IntN(5000)) << 20 }},
		{"random", func(r *rand.Rand) uint64 { return r.Uint64() % 4000 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			var s Set
			m := map[uint64]bool{}
			for i := range 200_000 {
				k := tc.key(r)
				switch r.IntN(3) {
				case 0, 1:
					s.Add(k)
					m[k] = true
				case 2:
					if got := s.Remove(k); got != m[k] {
						t.Fatalf("op %d: Remove(%d) = %v, want %v", i, k, got, m[k])
					}
					delete(m, k)
				}
				if q := tc.key(r); s.Has(q) != m[q] {
					t.Fatalf("op %d: Has(%d) = %v, want %v", i, q, s.Has(q), m[q])
				}
			}
			if s.Len() != len(m) {
				t.Fatalf("Len = %d, want %d", s.Len(), len(m))
			}
			for k := range m {
				if !s.Has(k) {
					t.Fatalf("lost %d", k)
				}
			}
		})
	}
	var s Set
	for k := range uint64(100_000) {
		s.Add(k*7919 + 1)
	}
	if b := 8 * len(s.slots); b > 21*s.Len() {
		t.Errorf("%d keys take %d bytes", s.Len(), b)
	}
}
