package whatsapp

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"hash"
)

// prefixMAC is HMAC-SHA256 (RFC 2104) with a key fixed at creation that
// resumes the inner hash after a known prefix of the message: every
// webhook body starts with the server's envelope head (about three SHA-256
// blocks of a body's twelve), whose hashing under the key is done once.
// The inner and outer hashes restore saved states, as crypto/hmac's Reset
// does; the result is HMAC-SHA256 of the whole message
// (TestPrefixMACIsHMAC).
type prefixMAC struct {
	inner, outer hash.Hash
	ipad, opad   []byte // the inner and outer states after the key block
	prefix       []byte
	afterPrefix  []byte // the inner state after the key block and prefix
	sum          [sha256.Size]byte
}

func newPrefixMAC(key, prefix []byte) *prefixMAC {
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
	m := &prefixMAC{inner: sha256.New(), outer: sha256.New(), prefix: bytes.Clone(prefix)}
	m.inner.Write(ipad[:])
	m.ipad = marshal(m.inner)
	m.inner.Write(prefix)
	m.afterPrefix = marshal(m.inner)
	m.outer.Write(opad[:])
	m.opad = marshal(m.outer)
	return m
}

func marshal(h hash.Hash) []byte {
	b, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		panic("whatsapp: sha256 state: " + err.Error()) // cannot happen
	}
	return b
}

func restore(h hash.Hash, state []byte) {
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		panic("whatsapp: sha256 state: " + err.Error()) // cannot happen: a state marshal made
	}
}

// mac appends HMAC-SHA256(key, msg) to out, which may be m.sum[:0].
func (m *prefixMAC) mac(out, msg []byte) []byte {
	if len(m.prefix) > 0 && bytes.HasPrefix(msg, m.prefix) {
		restore(m.inner, m.afterPrefix)
		msg = msg[len(m.prefix):]
	} else {
		restore(m.inner, m.ipad)
	}
	m.inner.Write(msg)
	in := m.inner.Sum(m.sum[:0])
	restore(m.outer, m.opad)
	m.outer.Write(in)
	return m.outer.Sum(out)
}
