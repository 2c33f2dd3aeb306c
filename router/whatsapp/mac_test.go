package whatsapp

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"math/rand/v2"
	"testing"
)

// TestPrefixMACIsHMAC holds prefixMAC to crypto/hmac for keys shorter
// than, as long as and longer than a block, over bodies with a head it
// has learned, one it has not, a head of another length and none.
func TestPrefixMACIsHMAC(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	heads := [][]byte{[]byte(headOf), []byte(headOf), random(130), random(64), random(1), []byte(headOf)}
	for _, key := range [][]byte{[]byte("omnisim-app-secret"), random(64), random(65), random(200)} {
		m := newPrefixMAC(key)
		for i := range 60 {
			h := heads[i%len(heads)]
			body := append(bytes.Clone(h), random(rng.IntN(800))...)
			n := len(h)
			if i%7 == 3 {
				n = 0 // no head
			}
			want := hmac.New(sha256.New, key)
			want.Write(body)
			if got := m.mac(body, n); !bytes.Equal(got, want.Sum(nil)) {
				t.Fatalf("key %x body %q (head %d): %x, crypto/hmac %x", key, body, n, got, want.Sum(nil))
			}
		}
	}
}
