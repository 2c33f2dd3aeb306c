// Package headmac computes HMAC-SHA256 (RFC 2104) for a run of messages
// that start with the same head, as a platform's webhooks do (Meta's all
// open with one envelope up to the change's metadata): the key blocks are
// hashed once, and the head under the key once per head, then resumed from
// saved SHA-256 states as crypto/hmac's Reset resumes the key's. The result
// is HMAC-SHA256 of the whole message whatever the head
// (TestSumIsHMAC). It signs and verifies; the fakes and the router's
// adapters each keep their own, and share no payload parsing through it.
// EqualHex checks a digest against the hex digits of a signature header,
// and AppendHex writes them; AppendBase64 writes a digest or a body in
// standard base64.
package headmac

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"hash"
	"slices"
)

// MaxHead bounds the head a MAC remembers: a longer one is hashed with the
// rest of the message.
const MaxHead = 1024

// MAC is HMAC-SHA256 with a key fixed by New. It is not safe for
// concurrent use: pool one per goroutine.
type MAC struct {
	inner, outer hash.Hash
	// innerState and outerState are inner and outer as the unmarshalers
	// of their states, asserted once rather than per restore.
	innerState, outerState encoding.BinaryUnmarshaler
	ipad, opad             []byte // the inner and outer states after the key blocks
	head                   []byte // the head remembered, and the inner state after it
	afterHead              []byte
	sum                    [sha256.Size]byte
}

// New returns a MAC keyed with key.
func New(key []byte) *MAC {
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
	m := &MAC{inner: sha256.New(), outer: sha256.New()}
	m.inner.Write(ipad[:])
	m.ipad = marshal(m.inner)
	m.outer.Write(opad[:])
	m.opad = marshal(m.outer)
	m.innerState = m.inner.(encoding.BinaryUnmarshaler)
	m.outerState = m.outer.(encoding.BinaryUnmarshaler)
	return m
}

// Sum returns HMAC-SHA256(key, msg), valid until the next call. head is
// the length of msg's head, the part the messages to come are expected to
// repeat (0 for none): a head equal to the one remembered is resumed, any
// other (up to MaxHead bytes) is hashed and remembered instead.
func (m *MAC) Sum(msg []byte, head int) []byte {
	if head > MaxHead || head > len(msg) {
		head = 0
	}
	switch {
	case head > 0 && len(m.head) == head && bytes.Equal(msg[:head], m.head):
		restore(m.innerState, m.afterHead)
		msg = msg[head:]
	case head > 0:
		restore(m.innerState, m.ipad)
		m.inner.Write(msg[:head])
		m.head = append(m.head[:0], msg[:head]...)
		m.afterHead = marshal(m.inner)
		msg = msg[head:]
	default:
		restore(m.innerState, m.ipad)
	}
	m.inner.Write(msg)
	in := m.inner.Sum(m.sum[:0])
	restore(m.outerState, m.opad)
	m.outer.Write(in)
	return m.outer.Sum(m.sum[:0])
}

func marshal(h hash.Hash) []byte {
	b, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		panic("headmac: sha256 state: " + err.Error()) // cannot happen
	}
	return b
}

func restore(h encoding.BinaryUnmarshaler, state []byte) {
	if err := h.UnmarshalBinary(state); err != nil {
		panic("headmac: sha256 state: " + err.Error()) // cannot happen: a state marshal made
	}
}

// EqualHex reports whether s is sum written in hex digits of either case,
// two to a byte, the high half first (as a signature header carries a
// digest), as decoding s with encoding/hex and comparing with hmac.Equal
// does, without the decoding, in a time that depends only on the lengths.
// Eight digits are taken at a time (sixteen a loop): sum's four bytes
// written in lower-case digits (hex8), compared with the digits of s in
// lower case (each byte ORed with 0x20, which makes 'A' to 'F' 'a' to 'f'
// and leaves the others as they are), and each digit's 0x60 bits checked
// not both clear (only the bytes 0x10 to 0x19, which are no digits, become
// one with 0x20). The last few are looked up in a table one by one, with
// sum's half bytes.
func EqualHex(s string, sum []byte) bool {
	if len(s) != 2*len(sum) {
		return false
	}
	var diff uint64
	valid := uint64(highs)
	for len(sum) >= 8 && len(s) >= 16 { // two steps of eight digits
		x := binary.LittleEndian.Uint64(sum)
		w, v := le64(s), le64(s[8:])
		diff |= ((w | 0x20*ones) ^ hex8(uint32(x))) | ((v | 0x20*ones) ^ hex8(uint32(x>>32)))
		valid &= (w&(0x60*ones) + 0x7f*ones) & (v&(0x60*ones) + 0x7f*ones)
		s, sum = s[16:], sum[8:]
	}
	if len(sum) >= 4 && len(s) >= 8 {
		w := le64(s)
		diff |= (w | 0x20*ones) ^ hex8(binary.LittleEndian.Uint32(sum))
		valid &= w&(0x60*ones) + 0x7f*ones
		s, sum = s[8:], sum[4:]
	}
	diff |= valid&highs ^ highs
	var half byte
	for i := 0; i < len(sum) && len(s) >= 2; i++ {
		c := sum[i]
		half |= (hexValue[s[0]] ^ c>>4) | (hexValue[s[1]] ^ c&0x0f)
		s = s[2:]
	}
	return diff|uint64(half) == 0
}

// ones and highs are the byte-wise constants of the eight-digit steps.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// hex8 is the eight lower-case hex digits of the four bytes of x (the
// first the lowest), the high half of each first, as eight bytes in
// memory order (the first digit the lowest): the bytes spread one to every
// other byte, each half byte put in a byte of its own, and each made a
// digit: '0' added, and 'a'-'0'-10 more to those from 10 up, which are
// the ones that 6 more carries into their 0x10 bit. No byte carries into
// the next.
func hex8(x uint32) uint64 {
	v := uint64(x)
	v = (v | v<<16) & 0x0000ffff0000ffff
	v = (v | v<<8) & 0x00ff00ff00ff00ff
	v = v>>4&(0x0f*ones) | (v&(0x0f*ones))<<8
	return v + '0'*ones + (v+6*ones)>>4&ones*('a'-'0'-10)
}

// le64 is the little-endian value of s's first eight bytes (one load).
func le64(s string) uint64 {
	s = s[:8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// hexValue is each byte's value as a hex digit (either case), or 0xff for a
// byte that is none (which differs from every half byte).
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c - '0'
	}
	for c := byte('a'); c <= 'f'; c++ {
		t[c] = c - 'a' + 10
		t[c-'a'+'A'] = c - 'a' + 10
	}
	return t
}()

// AppendHex appends sum in lower-case hex digits, two to a byte, the high
// half first, as encoding/hex's AppendEncode does (a signature header's
// digest): each byte's two digits looked up in a table, eight digits
// stored at a time, and the last few bytes' two in one 16-bit store each.
// The look-ups are indexed by sum's bytes, so the time taken may depend on
// them: AppendHex writes a digest that is sent anyway (a signature), and is
// not for writing an expected digest to compare, which EqualHex does in a
// time that depends only on the lengths. sum may not overlap the room past
// len(dst) that the digits are written in.
func AppendHex(dst, sum []byte) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 2*len(sum))[:n+2*len(sum)]
	out := dst[n:]
	for len(sum) >= 4 && len(out) >= 8 {
		binary.LittleEndian.PutUint64(out, uint64(hexPairs[sum[0]])|uint64(hexPairs[sum[1]])<<16|
			uint64(hexPairs[sum[2]])<<32|uint64(hexPairs[sum[3]])<<48)
		sum, out = sum[4:], out[8:]
	}
	for i, c := range sum {
		binary.LittleEndian.PutUint16(out[2*i:2*i+2], hexPairs[c])
	}
	return dst
}

// hexPairs is each byte's two lower-case hex digits, the high half's in
// the low byte (the first in memory).
var hexPairs = func() (t [256]uint16) {
	const digits = "0123456789abcdef"
	for c := range t {
		t[c] = uint16(digits[c>>4]) | uint16(digits[c&0x0f])<<8
	}
	return t
}()

// AppendBase64 appends the padded standard base64 (RFC 4648, section 4) of
// src to dst, as base64.StdEncoding.AppendEncode does (a signature header's
// digest, an encrypted body): six bytes read in one load and written as
// eight characters in one store while eight are left to read, then three
// at a time, two characters per table look-up. src may not overlap the
// room past len(dst) that the characters are written in.
func AppendBase64(dst, src []byte) []byte {
	n := (len(src) + 2) / 3 * 4
	dst = slices.Grow(dst, n)
	out := dst[len(dst) : len(dst)+n]
	for len(src) >= 8 && len(out) >= 8 {
		binary.LittleEndian.PutUint64(out, base64Six(binary.BigEndian.Uint64(src)>>16)) // src[0:6], src[0] highest
		src, out = src[6:], out[8:]
	}
	for len(src) >= 3 && len(out) >= 4 {
		v := uint(src[0])<<16 | uint(src[1])<<8 | uint(src[2])
		binary.LittleEndian.PutUint32(out, uint32(base64Pairs[v>>12])|uint32(base64Pairs[v&4095])<<16)
		src, out = src[3:], out[4:]
	}
	if len(out) >= 4 {
		switch len(src) {
		case 2:
			v := uint(src[0])<<16 | uint(src[1])<<8
			binary.LittleEndian.PutUint16(out, base64Pairs[v>>12])
			out[2], out[3] = stdBase64[v>>6&63], '='
		case 1:
			binary.LittleEndian.PutUint16(out, base64Pairs[uint(src[0])<<4])
			out[2], out[3] = '=', '='
		}
	}
	return dst[:len(dst)+n]
}

const stdBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// base64Six is the base64 of the six bytes in the low 48 bits of v (the
// first the highest), the first character in the low byte.
func base64Six(v uint64) uint64 {
	return uint64(base64Pairs[v>>36&4095]) | uint64(base64Pairs[v>>24&4095])<<16 |
		uint64(base64Pairs[v>>12&4095])<<32 | uint64(base64Pairs[v&4095])<<48
}

// base64Pairs holds the two standard base64 characters of each 12 bits,
// the first in the low byte.
var base64Pairs = func() (t [4096]uint16) {
	for i := range t {
		t[i] = uint16(stdBase64[i>>6]) | uint16(stdBase64[i&63])<<8
	}
	return t
}()
