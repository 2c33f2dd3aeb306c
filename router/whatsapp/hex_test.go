package whatsapp

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestDecodeHexAsEncodingHex: every two-byte string decodes as
// encoding/hex decodes it, and a signature's worth of digits too.
func TestDecodeHexAsEncodingHex(t *testing.T) {
	for a := 0; a < 256; a++ {
		for b := 0; b < 256; b++ {
			s := string([]byte{byte(a), byte(b)})
			want, err := hex.DecodeString(s)
			var got [1]byte
			if ok := decodeHex(got[:], s); ok != (err == nil) || ok && got[0] != want[0] {
				t.Fatalf("decodeHex(%q) = %x, %v; encoding/hex %x, %v", s, got, ok, want, err)
			}
		}
	}
	sig := "0123456789abcdefABCDEF0123456789abcdefABCDEF0123456789abcdef0A1b"
	want, _ := hex.DecodeString(sig)
	var got [32]byte
	if !decodeHex(got[:], sig) || string(got[:]) != string(want) {
		t.Errorf("decodeHex(%q) = %x, want %x", sig, got, want)
	}
	if decodeHex(got[:], sig[1:]) {
		t.Error("decodeHex took 63 digits for 32 bytes")
	}
}

// BenchmarkDecodeHex decodes signatures' 64 random digits.
func BenchmarkDecodeHex(b *testing.B) {
	sigs := make([]string, 256)
	x := uint64(88172645463325252)
	const digits = "0123456789abcdef"
	for i := range sigs {
		s := make([]byte, 64)
		for j := range s {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			s[j] = digits[x%16]
		}
		sigs[i] = string(s)
	}
	var dst [32]byte
	for i := 0; b.Loop(); i++ {
		if !decodeHex(dst[:], sigs[i%len(sigs)]) {
			b.Fatal("refused")
		}
	}
}

// TestEqualSum: equalSum is true for equal sums only, whichever byte and
// bit two sums differ in.
func TestEqualSum(t *testing.T) {
	var x [sha256.Size]byte
	for i := range x {
		x[i] = byte(i*37 + 11)
	}
	y := x
	if !equalSum(&x, &y) {
		t.Fatal("equal sums reported different")
	}
	for i := range y {
		for bit := range 8 {
			z := x
			z[i] ^= 1 << bit
			if equalSum(&x, &z) || equalSum(&z, &x) {
				t.Fatalf("sums differing in byte %d, bit %d reported equal", i, bit)
			}
		}
	}
}

// TestDecodeHexSignatures: a signature's worth of digits (and a few
// more), of either case, with every byte value in turn at every
// position, decodes as encoding/hex decodes it.
func TestDecodeHexSignatures(t *testing.T) {
	const digits = "0123456789abcdefABCDEF"
	for _, n := range []int{64, 70} {
		base := make([]byte, n)
		for i := range base {
			base[i] = digits[(i*7+3)%len(digits)]
		}
		for pos := range n {
			for c := range 256 {
				s := append([]byte(nil), base...)
				s[pos] = byte(c)
				want, err := hex.DecodeString(string(s))
				got := make([]byte, n/2)
				if ok := decodeHex(got, string(s)); ok != (err == nil) || ok && string(got) != string(want) {
					t.Fatalf("decodeHex(%q) = %x, %v; encoding/hex %x, %v", s, got, ok, want, err)
				}
			}
		}
	}
}
