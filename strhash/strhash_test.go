package strhash

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestStringEveryBit: at every length up to 40, flipping any one bit of a
// string changes its hash, and so does the seed.
func TestStringEveryBit(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for n := range 41 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		seed := rng.Uint64()
		h := String(seed, string(b))
		if String(seed^1, string(b)) == h {
			t.Errorf("length %d: the seed does not change the hash", n)
		}
		for i := range b {
			for bit := range 8 {
				b[i] ^= 1 << bit
				if String(seed, string(b)) == h {
					t.Errorf("length %d: flipping bit %d of byte %d leaves the hash", n, bit, i)
				}
				b[i] ^= 1 << bit
			}
		}
	}
}

// TestStringSpreads: ids that differ in a few digits (phone numbers, as
// generated customers have, and numbered message ids) fill the slots of a
// table their number long about as a random function would (1-1/e of them,
// 63%), under several seeds.
func TestStringSpreads(t *testing.T) {
	const n = 1 << 16
	for _, form := range []string{"+1555%07d", "wamid.%d", "%d"} {
		for seed := range uint64(4) {
			used := make([]bool, n)
			distinct := 0
			for i := range n {
				if j := String(seed, fmt.Sprintf(form, i)) & (n - 1); !used[j] {
					used[j] = true
					distinct++
				}
			}
			if distinct < n*6/10 {
				t.Errorf("%q, seed %d: %d ids fill %d slots of %d (a random function fills about %d)", form, seed, n, distinct, n, n*632/1000)
			}
		}
	}
}
