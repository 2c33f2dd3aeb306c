package whatsapp

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"math/rand/v2"
	"testing"
)

// TestPrefixMACIsHMAC holds prefixMAC to crypto/hmac for keys shorter
// than, as long as and longer than a block, and messages that start with
// the prefix, stop inside it, equal it or do not start with it.
func TestPrefixMACIsHMAC(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	head := New(Config{}).envHead
	for _, key := range [][]byte{nil, []byte("omnisim-app-secret"), random(64), random(65), random(200)} {
		for _, prefix := range [][]byte{nil, head, random(1), random(64), random(130)} {
			m := newPrefixMAC(key, prefix)
			msgs := [][]byte{nil, prefix, prefix[:len(prefix)/2], random(10), random(700)}
			for _, n := range []int{0, 1, 63, 64, 65, 600} {
				msgs = append(msgs, append(bytes.Clone(prefix), random(n)...))
			}
			for _, msg := range msgs {
				want := hmac.New(sha256.New, key)
				want.Write(msg)
				if got := m.mac(nil, msg); !bytes.Equal(got, want.Sum(nil)) {
					t.Fatalf("key %x prefix %q message %q: %x, crypto/hmac %x", key, prefix, msg, got, want.Sum(nil))
				}
			}
		}
	}
}
