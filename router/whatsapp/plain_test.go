package whatsapp

import (
	"net/textproto"
	"testing"
)

// plainByte is whether plainString reads c as part of a string.
func plainByte(c byte) bool { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' }

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
