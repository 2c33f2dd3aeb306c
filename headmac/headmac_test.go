package headmac

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"math/rand/v2"
	"testing"
)

// TestSumIsHMAC holds Sum to crypto/hmac for keys empty, shorter than, as
// long as and longer than a block, over messages with the head it
// remembers, another head of the same or another length, a head longer
// than MaxHead or than the message, and none.
func TestSumIsHMAC(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	envelope := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"}`)
	heads := [][]byte{envelope, envelope, random(len(envelope)), random(130), random(64), random(1), envelope, random(MaxHead + 1)}
	for _, key := range [][]byte{nil, []byte("omnisim-app-secret"), random(64), random(65), random(200)} {
		m := New(key)
		for i := range 80 {
			h := heads[i%len(heads)]
			msg := append(bytes.Clone(h), random(rng.IntN(800))...)
			n := len(h)
			switch i % 7 {
			case 3:
				n = 0 // no head
			case 5:
				n = len(msg) + 1 // longer than the message
			}
			want := hmac.New(sha256.New, key)
			want.Write(msg)
			if got := m.Sum(msg, n); !bytes.Equal(got, want.Sum(nil)) {
				t.Fatalf("key %x message %q (head %d): %x, crypto/hmac %x", key, msg, n, got, want.Sum(nil))
			}
		}
	}
}
