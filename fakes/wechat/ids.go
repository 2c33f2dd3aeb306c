package wechat

import (
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

// idgen is a counter-based splitmix64 generator. It is not safe for
// concurrent use; the Server guards it with its mutex.
type idgen struct {
	seed uint64
	ctr  [numStreams]uint64
}

func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (g *idgen) next(stream int) uint64 {
	g.ctr[stream]++
	base := mix64(g.seed ^ (uint64(stream)+1)*0xd1b54a32d192ed03)
	return mix64(base + g.ctr[stream]*0x9e3779b97f4a7c15)
}

const (
	lowerHex = "0123456789abcdef"
	alnum    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	urlSafe  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)

// alnum64 is alnum spread over the 64 values of six bits: symbol v%62 at
// index v (TestSpreadAlphabets), so that fill draws a symbol with a mask
// where a division took (r&63)%62.
const alnum64 = alnum + "AB"

// fill writes len(b) characters drawn from stream: six bits each, the
// symbol of alphabet64 (64 symbols: urlSafe, or an alphabet spread over
// 64) they index.
func (g *idgen) fill(b []byte, stream int, alphabet64 string) {
	var r uint64
	for i := range b {
		if i%10 == 0 {
			r = g.next(stream)
		}
		b[i] = alphabet64[r&63]
		r >>= 6
	}
}

// msgID is a positive 64-bit MsgId of 17 decimal digits, like current
// WeChat MsgIds.
func (g *idgen) msgID() int64 {
	return int64(10_000_000_000_000_000 + g.next(streamMsgID)%90_000_000_000_000_000)
}

// mediaID is a 64-character media_id of url-safe base64 characters.
func (g *idgen) mediaID() string {
	var b [64]byte
	g.fill(b[:], streamMedia, urlSafe)
	return string(b[:])
}

// accessToken looks like WeChat's: "<2 digits>_" then 133 url-safe
// characters (136 in all).
func (g *idgen) accessToken() string {
	var b [136]byte
	r := g.next(streamToken)
	b[0] = '1' + byte(r%9)
	b[1] = '0' + byte(r/9%10)
	b[2] = '_'
	g.fill(b[3:], streamToken, urlSafe)
	return string(b[:])
}

// nonce is a 10-digit decimal string, like WeChat's webhook nonces.
func (g *idgen) nonce() string {
	return string(g.appendNonce(nil))
}

// appendNonce appends the next nonce to b.
func (g *idgen) appendNonce(b []byte) []byte {
	return strconv.AppendUint(b, 1_000_000_000+g.next(streamNonce)%9_000_000_000, 10)
}

// echostr is a 19-digit decimal string, like WeChat's verification echostr.
func (g *idgen) echostr() string {
	return strconv.FormatUint(1_000_000_000_000_000_000+g.next(streamEchostr)%8_000_000_000_000_000_000, 10)
}

// rid is WeChat's request id: 8 hex digits of the Unix time, then two
// groups of 8 random hex digits ("64ae33d8-0e9a1c02-2f3d3e28").
func (g *idgen) rid(now time.Time) string {
	var b [26]byte
	t := uint32(now.Unix())
	r := g.next(streamRID)
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
	g.fill(b[:], streamRandom, alnum64)
}

// ticket is a QR-code ticket ("gQ" + 94 base64 characters).
func (g *idgen) ticket() string {
	var b [96]byte
	b[0], b[1] = 'g', 'Q'
	g.fill(b[2:], streamTicket, alnum64)
	return string(b[:])
}
