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

// oneAtATime is String as it was written first, sixteen bytes a turn:
// what String's two-at-a-time loop must still compute, since a fixed
// seed's hashes (fakes/forget's) are kept from one version to the next.
func oneAtATime(seed uint64, s string) uint64 {
	const m1, m2 = 0xa0761d6478bd642f, 0xe7037ed1a0b428db
	n := len(s)
	h := seed
	for len(s) > 16 {
		h = fold(le64(s)^m1^h, le64(s[8:])^h)
		s = s[16:]
	}
	var a, b uint64
	switch r := len(s); {
	case r > 8:
		a, b = le64(s), le64(s[r-8:])
	case r >= 4:
		a, b = uint64(le32(s)), uint64(le32(s[r-4:]))
	case r > 0:
		a = uint64(s[0])<<16 | uint64(s[r>>1])<<8 | uint64(s[r-1])
	}
	return fold(m1^uint64(n), fold(a^m2^h, b^h))
}

// TestStringTwoAtATime: at every length up to 130 (every count of turns
// and every remainder of both loops), under several seeds, String hashes
// as sixteen bytes a turn does, and a few fixed values stay as they are.
func TestStringTwoAtATime(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 131 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		for _, seed := range []uint64{0, 1, rng.Uint64(), rng.Uint64()} {
			if got, want := String(seed, string(b)), oneAtATime(seed, string(b)); got != want {
				t.Errorf("length %d, seed %#x: %#x, sixteen a turn %#x", n, seed, got, want)
			}
		}
	}
	for _, c := range []struct {
		seed uint64
		s    string
		want uint64
	}{
		{0x6f6d6e6973696d21, "", 0x3ab09862de3b309c},
		{0x6f6d6e6973696d21, "c-000042", 0xf24b5206d96766fc},
		{0x6f6d6e6973696d21, "wamid.HBgLMTIwMjU1NTAxMjMVAgASGCAzRjE5QTc4QkI0RTJDNzA5RkE1MzI0OTFBNkY2RDMwMwA=", 0x674a0ef4135efbf9},
	} {
		if got := String(c.seed, c.s); got != c.want {
			t.Errorf("String(%#x, %q) = %#x, want %#x", c.seed, c.s, got, c.want)
		}
	}
}
