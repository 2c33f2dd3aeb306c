package whatsapp

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"hash"
)

// prefixMAC is HMAC-SHA256 (RFC 2104) with the app secret that resumes
// the inner hash after the head of the last webhook it verified (see
// head): Meta's webhooks to one number all start with the same head, about
// three SHA-256 blocks of a body's twelve, whose hashing under the key is
// then done once. The inner and outer hashes restore saved states, as
// crypto/hmac's Reset does; the result is HMAC-SHA256 of the whole body
// (TestPrefixMACIsHMAC).
type prefixMAC struct {
	inner, outer hash.Hash
	ipad, opad   []byte // the inner and outer states after the key block
	prefix       []byte // the head learned, and the inner state after it
	afterPrefix  []byte
	sum          [sha256.Size]byte
}

func newPrefixMAC(key []byte) *prefixMAC {
	if len(key) > sha256.BlockSize {
		k := sha256.Sum256(key)
		key = k[:]
	}
	var ipad, opad [sha256.BlockSize]byte
	copy(ipad[:], key)
	copy(opad[:], key)
	for i := range ipad {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	m := &prefixMAC{inner: sha256.New(), outer: sha256.New()}
	m.inner.Write(ipad[:])
	m.ipad = marshalState(m.inner)
	m.outer.Write(opad[:])
	m.opad = marshalState(m.outer)
	return m
}

func marshalState(h hash.Hash) []byte {
	b, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		panic("whatsapp: sha256 state: " + err.Error()) // cannot happen
	}
	return b
}

func restoreState(h hash.Hash, state []byte) {
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		panic("whatsapp: sha256 state: " + err.Error()) // cannot happen: a state marshalState made
	}
}

// maxPrefix bounds the head learned (the signature is not checked yet).
const maxPrefix = 1024

// mac returns HMAC-SHA256(key, body) in m.sum. A body whose first n bytes
// (0 < n <= maxPrefix: the length of its head) differ from the prefix
// learned makes them the prefix.
func (m *prefixMAC) mac(body []byte, n int) []byte {
	if n > maxPrefix {
		n = 0
	}
	switch {
	case n > 0 && len(m.prefix) == n && bytes.Equal(body[:n], m.prefix):
		restoreState(m.inner, m.afterPrefix)
		body = body[n:]
	case n > 0:
		restoreState(m.inner, m.ipad)
		m.inner.Write(body[:n])
		m.prefix = append(m.prefix[:0], body[:n]...)
		m.afterPrefix = marshalState(m.inner)
		body = body[n:]
	default:
		restoreState(m.inner, m.ipad)
	}
	m.inner.Write(body)
	in := m.inner.Sum(m.sum[:0])
	restoreState(m.outer, m.opad)
	m.outer.Write(in)
	return m.outer.Sum(m.sum[:0])
}
