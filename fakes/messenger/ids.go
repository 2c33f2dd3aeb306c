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
// message ids look.
func (g *idgen) mid() string {
	b := g.next(streamMID)
	var raw [32]byte
	copy(raw[:], b[:])
	binary.BigEndian.PutUint64(raw[16:], splitmix.Mix(binary.BigEndian.Uint64(b[8:])))
	binary.BigEndian.PutUint64(raw[24:], splitmix.Mix(binary.BigEndian.Uint64(b[:8])^g.seed))
	var out [2 + 43]byte
	out[0], out[1] = 'm', '_'
	base64.RawURLEncoding.Encode(out[2:], raw[:])
	return g.strs.Make(out[:])
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
