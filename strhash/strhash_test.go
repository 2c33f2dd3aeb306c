package strhash

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// randomBytes is n bytes drawn from rng.
func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// TestStringEveryBit: at every length up to 40, flipping any one bit of a
// string changes its hash, and so does the seed.
func TestStringEveryBit(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for n := range 41 {
		b := randomBytes(rng, n)
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

// TestCopy: at every length up to 100, Copy answers String's hash and
// copies the string into dst whole, leaving dst's bytes past it alone.
func TestCopy(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for n := range 101 {
		b := randomBytes(rng, n)
		seed := rng.Uint64()
		dst := make([]byte, n+8)
		for i := range dst {
			dst[i] = 0xa5
		}
		if got, want := Copy(seed, dst, string(b)), String(seed, string(b)); got != want {
			t.Errorf("length %d: Copy %#x, String %#x", n, got, want)
		}
		if string(dst[:n]) != string(b) {
			t.Errorf("length %d: copied %x, want %x", n, dst[:n], b)
		}
		for i, c := range dst[n:] {
			if c != 0xa5 {
				t.Errorf("length %d: byte %d past the string written", n, n+i)
			}
		}
	}
	// A dst too short for s panics rather than being written past its
	// length, into its capacity.
	for _, n := range []int{1, 3, 8, 9, 17, 40} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("length %d into %d bytes: no panic", n, n-1)
				}
			}()
			dst := make([]byte, n-1, n+16)
			Copy(1, dst, strings.Repeat("x", n))
		}()
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

// TestStringNoZeroOperand: a block that equals the hash's own constants
// does not wipe out what came before it or what follows it: under seeds
// such as NewSeed makes, such strings still differ in their hashes
// wherever they differ. (Which blocks would zero an operand depends on
// the seed, so only one who knows it can find them.)
func TestStringNoZeroOperand(t *testing.T) {
	const m1, m2 = 0xa0761d6478bd642f, 0xe7037ed1a0b428db
	le := func(v uint64) string {
		var b [8]byte
		for i := range b {
			b[i] = byte(v >> (8 * i))
		}
		return string(b[:])
	}
	pairs := [][2]string{
		// A block opening with m1 after two different blocks.
		{"AAAAAAAAAAAAAAAA" + le(m1) + "12345678" + "tail", "BBBBBBBBBBBBBBBB" + le(m1) + "12345678" + "tail"},
		// A last block opening with m2, then different bytes.
		{le(m2) + "x", le(m2) + "y"},
		{le(m2) + "12345678", le(m2) + "87654321"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 8 {
		seed := rng.Uint64()
		for _, p := range pairs {
			if String(seed, p[0]) == String(seed, p[1]) {
				t.Errorf("seed %#x: %q and %q hash alike", seed, p[0], p[1])
			}
		}
	}
}

// TestSame: Same is ==, for strings that share their bytes, equal strings
// at other addresses, and strings that differ in length or in a byte.
func TestSame(t *testing.T) {
	s := "wamid.ABC123"
	other := string([]byte(s))
	for _, tc := range []struct {
		a, b string
	}{
		{s, s}, {s, other}, {s, s[:5]}, {s[:5], s[1:6]}, {s, "wamid.ABC124"}, {"", ""}, {"", s},
	} {
		if got, want := Same(tc.a, tc.b), tc.a == tc.b; got != want {
			t.Errorf("Same(%q, %q) = %v, want %v", tc.a, tc.b, got, want)
		}
	}
}

// TestShares: only the same bytes at the same address share; equal bytes
// elsewhere, and a prefix at the same address, do not.
func TestShares(t *testing.T) {
	s := "wamid.ABC123"
	other := string([]byte(s))
	for _, tc := range []struct {
		name string
		a, b string
		want bool
	}{
		{"same string", s, s, true},
		{"equal bytes elsewhere", s, other, false},
		{"prefix at the same address", s, s[:5], false},
		{"same slice of it", s[2:7], s[2:7], true},
		{"shifted", s[:5], s[1:6], false},
	} {
		if got := Shares(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: Shares(%q, %q) = %v, want %v", tc.name, tc.a, tc.b, got, tc.want)
		}
	}
}

// TestAddrSlot: a slot is in the table, and strings allocated one after
// another spread over its places.
func TestAddrSlot(t *testing.T) {
	const bits = 8
	seen := map[uint]bool{}
	kept := make([]string, 64) // on the heap, each at an address of its own
	for i := range kept {
		kept[i] = string([]byte{byte(i), 'x', 'y'})
		got := AddrSlot(Addr(kept[i]), bits)
		if got >= 1<<bits {
			t.Fatalf("AddrSlot = %d, want < %d", got, 1<<bits)
		}
		seen[got] = true
	}
	if len(seen) < 32 {
		t.Errorf("64 strings in %d places of 256, want them spread", len(seen))
	}
}
