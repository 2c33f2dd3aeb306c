package messenger

import (
	"encoding/base64"
	"encoding/binary"

	"github.com/omnisim/omnisim/jsonscan"
	"github.com/omnisim/omnisim/splitmix"
)

// Id streams: each kind of id has its own counter, so that errors (which
// draw fbtrace_ids) do not shift the message ids that follow.
const (
	streamMID = iota
	streamTrace
	streamAttachment
	streamChallenge
	numStreams
)

// idgen makes seeded ids: the same seed and the same calls give the same
// ids, and a server never repeats one (each id encodes its stream's
// counter through a bijection).
type idgen struct {
	seed uint64
	ctr  [numStreams]uint64
	// strs makes the message ids, dozens to an allocation: an id lives
	// about as long as its conversation.
	strs jsonscan.Arena
}

func newIDGen(seed uint64) idgen { return idgen{seed: seed} }

// next returns 16 bytes: a bijection of the counter, then a seeded draw.
func (g *idgen) next(stream int) [16]byte {
	g.ctr[stream]++
	var b [16]byte
	k := splitmix.Key(g.seed, stream)
	binary.BigEndian.PutUint64(b[:8], splitmix.Mix(g.ctr[stream]^k)) // Mix is a bijection
	binary.BigEndian.PutUint64(b[8:], splitmix.Mix(k+g.ctr[stream]*splitmix.Gamma))
	return b
}

// mid is a message id: "m_" and 43 characters of base64url, as Messenger's
// message ids look: the 32 bytes of four words, the counter's bijection,
// the seeded draw and a Mix of each, written as base64.RawURLEncoding
// writes them (putMIDTail).
func (g *idgen) mid() string {
	b := g.next(streamMID)
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	var out [2 + 43]byte
	out[0], out[1] = 'm', '_'
	putMIDTail(&out, [4]uint64{hi, lo, splitmix.Mix(lo), splitmix.Mix(hi ^ g.seed)})
	return g.strs.Make(out[:])
}

// base64URL is base64url's alphabet (RFC 4648, section 5).
const base64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// putMIDTail writes from out[2] on the unpadded base64url of the 32 bytes
// of w, each word big-endian: each six bytes, a 48-bit number taken from
// one or two words, are eight characters stored at once, and the last two
// bytes three.
func putMIDTail(out *[2 + 43]byte, w [4]uint64) {
	const low48 = 1<<48 - 1
	binary.LittleEndian.PutUint64(out[2:], base64URLWord(w[0]>>16))
	binary.LittleEndian.PutUint64(out[10:], base64URLWord(w[0]<<32&low48|w[1]>>32))
	binary.LittleEndian.PutUint64(out[18:], base64URLWord(w[1]<<16&low48|w[2]>>48))
	binary.LittleEndian.PutUint64(out[26:], base64URLWord(w[2]&low48))
	binary.LittleEndian.PutUint64(out[34:], base64URLWord(w[3]>>16))
	a, x := base64URL[:64], w[3]
	out[42], out[43], out[44] = a[x>>10&63], a[x>>4&63], a[x<<2&63]
}

// base64URLWord is the eight base64url characters of the 48-bit x, the
// first in the lowest byte.
func base64URLWord(x uint64) uint64 {
	a := base64URL[:64] // a length the compiler knows: &63 needs no bounds check
	return uint64(a[x>>42&63]) | uint64(a[x>>36&63])<<8 | uint64(a[x>>30&63])<<16 | uint64(a[x>>24&63])<<24 |
		uint64(a[x>>18&63])<<32 | uint64(a[x>>12&63])<<40 | uint64(a[x>>6&63])<<48 | uint64(a[x&63])<<56
}

// trace is an fbtrace_id: 11 characters of base64url.
func (g *idgen) trace() string {
	b := g.next(streamTrace)
	return "A" + base64.RawURLEncoding.EncodeToString(b[:8])[:10]
}

// attachmentID is an attachment id: 15 decimal digits.
func (g *idgen) attachmentID() string {
	b := g.next(streamAttachment)
	n := binary.BigEndian.Uint64(b[:8])%900_000_000_000_000 + 100_000_000_000_000
	return uitoa(n)
}

// challenge is a hub.challenge value: 10 decimal digits.
func (g *idgen) challenge() string {
	b := g.next(streamChallenge)
	return uitoa(binary.BigEndian.Uint64(b[:8])%9_000_000_000 + 1_000_000_000)
}

func uitoa(n uint64) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(buf[i:])
		}
	}
}
