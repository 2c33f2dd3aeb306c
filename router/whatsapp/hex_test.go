package whatsapp

import (
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
