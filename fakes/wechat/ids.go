package wechat

import (
	"github.com/omnisim/omnisim/splitmix"

	"strconv"
	"time"
)

// Id streams: each kind of id has its own counter so that, for example, a
// refused call (which draws a rid) does not shift the MsgIds that follow.
const (
	streamMsgID = iota
	streamMedia
	streamToken
	streamNonce
	streamEchostr
	streamRID
	streamRandom
	streamTicket
	numStreams
)

// idgen draws the ids from one splitmix.Streams per server. It is not
// safe for concurrent use; the Server guards it with its mutex.
type idgen struct {
	splitmix.Streams
}

func newIDGen(seed uint64) idgen { return idgen{Streams: splitmix.NewStreams(seed)} }

const (
	lowerHex = "0123456789abcdef"
	alnum    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	urlSafe  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)

// alnum64 is alnum spread over 64 symbols, as Streams.Fill takes it.
var alnum64 = splitmix.Spread(alnum)

// msgID is a positive 64-bit MsgId of 17 decimal digits, like current
// WeChat MsgIds.
func (g *idgen) msgID() int64 {
	return int64(10_000_000_000_000_000 + g.Next(streamMsgID)%90_000_000_000_000_000)
}

// mediaID is a 64-character media_id of url-safe base64 characters.
func (g *idgen) mediaID() string {
	var b [64]byte
	g.Fill(b[:], streamMedia, urlSafe)
	return string(b[:])
}

// accessToken looks like WeChat's: "<2 digits>_" then 133 url-safe
// characters (136 in all).
func (g *idgen) accessToken() string {
	var b [136]byte
	r := g.Next(streamToken)
	b[0] = '1' + byte(r%9)
	b[1] = '0' + byte(r/9%10)
	b[2] = '_'
	g.Fill(b[3:], streamToken, urlSafe)
	return string(b[:])
}

// nonce is a 10-digit decimal string, like WeChat's webhook nonces.
func (g *idgen) nonce() string {
	return string(g.appendNonce(nil))
}

// appendNonce appends the next nonce to b.
func (g *idgen) appendNonce(b []byte) []byte {
	return strconv.AppendUint(b, 1_000_000_000+g.Next(streamNonce)%9_000_000_000, 10)
}

// echostr is a 19-digit decimal string, like WeChat's verification echostr.
func (g *idgen) echostr() string {
	return strconv.FormatUint(1_000_000_000_000_000_000+g.Next(streamEchostr)%8_000_000_000_000_000_000, 10)
}

// rid is WeChat's request id: 8 hex digits of the Unix time, then two
// groups of 8 random hex digits ("64ae33d8-0e9a1c02-2f3d3e28").
func (g *idgen) rid(now time.Time) string {
	var b [26]byte
	t := uint32(now.Unix())
	r := g.Next(streamRID)
	for i := 0; i < 8; i++ {
		b[i] = lowerHex[t>>(28-4*i)&0xf]
	}
	b[8], b[17] = '-', '-'
	for i := 0; i < 16; i++ {
		p := 9 + i
		if i >= 8 {
			p++
		}
		b[p] = lowerHex[r>>(60-4*i)&0xf]
	}
	return string(b[:])
}

// random16 is the 16-byte alphanumeric prefix of an encrypted message.
func (g *idgen) random16(b *[16]byte) {
	g.Fill(b[:], streamRandom, alnum64)
}

// ticket is a QR-code ticket ("gQ" + 94 base64 characters).
func (g *idgen) ticket() string {
	var b [96]byte
	b[0], b[1] = 'g', 'Q'
	g.Fill(b[2:], streamTicket, alnum64)
	return string(b[:])
}
