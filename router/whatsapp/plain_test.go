package whatsapp

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"net/textproto"
	"testing"
)

// plainByte is whether plainString reads c as part of a string.
func plainByte(c byte) bool { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' }

// TestSpecial holds the word test to a byte-by-byte look (the lowest
// mark is the first byte plainString stops at, none when there is none):
// every byte value at every position of a word of plain bytes, every pair
// of values at every pair of positions, and random words.
func TestSpecial(t *testing.T) {
	first := func(m uint64) int {
		if m == 0 {
			return 8
		}
		return bits.TrailingZeros64(m) / 8
	}
	ref := func(x uint64) int {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], x)
		for i, c := range b {
			if !plainByte(c) {
				return i
			}
		}
		return 8
	}
	for _, fill := range []byte{'a', ' ', '~', '!', '[', ']'} {
		for pos := range 8 {
			for c := range 256 {
				var b [8]byte
				for i := range b {
					b[i] = fill
				}
				b[pos] = byte(c)
				if x := binary.LittleEndian.Uint64(b[:]); first(special(x)) != ref(x) {
					t.Fatalf("special(%q) = %#x", b, special(x))
				}
			}
		}
	}
	// Every pair of byte values at every pair of positions: a borrow or
	// carry out of the first must not hide or move its mark.
	for i := range 8 {
		for j := i + 1; j < 8; j++ {
			for c := range 256 * 256 {
				b := [8]byte{'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'}
				b[i], b[j] = byte(c), byte(c>>8)
				if x := binary.LittleEndian.Uint64(b[:]); first(special(x)) != ref(x) {
					t.Fatalf("special(%q) = %#x", b, special(x))
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1_000_000 {
		x := r.Uint64()
		if r.IntN(2) == 0 { // mostly plain bytes
			x = x&0x3f3f3f3f3f3f3f3f | 0x4040404040404040
			x ^= uint64(r.IntN(256)) << (8 * r.IntN(8))
		}
		if first(special(x)) != ref(x) {
			t.Fatalf("special(%#x) = %#x", x, special(x))
		}
	}
}

// TestPlainString holds plainString to a byte-by-byte scan for strings of
// every length up to 40 with a special byte at each position, or none.
func TestPlainString(t *testing.T) {
	ref := func(b []byte, i int) int {
		if i >= len(b) || b[i] != '"' {
			return -1
		}
		for i++; i < len(b); i++ {
			if b[i] == '"' {
				return i + 1
			}
			if !plainByte(b[i]) {
				return -1
			}
		}
		return -1
	}
	for n := 0; n <= 40; n++ {
		for pos := -1; pos < n; pos++ {
			for _, c := range []byte{'"', '\\', 0, 0x1f, 0x7f, 0x80, 0xff, 'x'} {
				b := make([]byte, 0, n+3)
				b = append(b, '"')
				for i := range n {
					b = append(b, byte('a'+i%26))
				}
				if pos >= 0 {
					b[1+pos] = c
				}
				for _, tail := range []string{``, `"`, `"}`} {
					bt := append(b[:len(b):len(b)], tail...)
					if got, want := plainString(bt, 0), ref(bt, 0); got != want {
						t.Fatalf("plainString(%q) = %d, want %d", bt, got, want)
					}
				}
			}
		}
	}
}

// TestSignatureHeaderCanonical: the webhook endpoint reads the signature
// under this key alone, which is Header.Get's only because it is canonical.
func TestSignatureHeaderCanonical(t *testing.T) {
	if k := textproto.CanonicalMIMEHeaderKey(SignatureHeader); k != SignatureHeader {
		t.Fatalf("%q is not canonical: %q", SignatureHeader, k)
	}
}
