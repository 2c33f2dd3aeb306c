package whatsapp

import (
	"encoding/base64"
	"strconv"
)

// Id streams: each kind of id has its own counter so that, for example,
// calling Check or getting an error does not shift the wamids that follow.
const (
	streamWamid = iota
	streamMedia
	streamTrace
	streamChallenge
	streamConversation
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

const upperHex = "0123456789ABCDEF"

// wamid draws a new wamid for waID.
func (g *idgen) wamid(waID string, outbound bool) string {
	r1, r2 := g.wamidBits()
	return formatWamid(waID, r1, r2, outbound)
}

// wamidBits draws the random part of a wamid: 64 + 16 bits.
func (g *idgen) wamidBits() (uint64, uint16) {
	r1, r2 := g.next(streamWamid), g.next(streamWamid)
	return r1, uint16(r2 >> 48)
}

// formatWamid builds "wamid." + base64 of Meta's id layout:
// 1c 18 <len> <wa_id> 15 02 00 <11 outbound | 12 inbound> 18 14 <20 hex> 00.
func formatWamid(waID string, r1 uint64, r2 uint16, outbound bool) string {
	if len(waID) > 200 {
		waID = waID[:200]
	}
	var raw [256]byte
	b := append(raw[:0], 0x1c, 0x18, byte(len(waID)))
	b = append(b, waID...)
	dir := byte(0x12)
	if outbound {
		dir = 0x11
	}
	b = append(b, 0x15, 0x02, 0x00, dir, 0x18, 20)
	for i := 0; i < 16; i++ {
		b = append(b, upperHex[r1>>(60-4*i)&0xf])
	}
	for i := 0; i < 4; i++ {
		b = append(b, upperHex[r2>>(12-4*i)&0xf])
	}
	b = append(b, 0x00)
	out := make([]byte, 6+base64.StdEncoding.EncodedLen(len(b)))
	copy(out, "wamid.")
	base64.StdEncoding.Encode(out[6:], b)
	return string(out)
}

// mediaID is a 16-digit decimal id, like Meta's media ids.
func (g *idgen) mediaID() string {
	return strconv.FormatUint(1_000_000_000_000_000+g.next(streamMedia)%9_000_000_000_000_000, 10)
}

const traceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// fbtraceID is a 23-character id like "AaBcD3fG...": 'A' then 22 url-safe
// base64 characters.
func (g *idgen) fbtraceID() string {
	var b [23]byte
	b[0] = 'A'
	r := g.next(streamTrace)
	for i := 1; i < len(b); i++ {
		if i == 11 {
			r = g.next(streamTrace)
		}
		b[i] = traceAlphabet[r&63]
		r >>= 6
	}
	return string(b[:])
}

// challenge is a decimal hub.challenge like Meta's ("1158201444").
func (g *idgen) challenge() string {
	return strconv.FormatUint(1_000_000_000+g.next(streamChallenge)%9_000_000_000, 10)
}

// conversationID is 32 lower-case hex digits.
func (g *idgen) conversationID() string {
	const lowerHex = "0123456789abcdef"
	var b [32]byte
	r := g.next(streamConversation)
	for i := range b {
		if i == 16 {
			r = g.next(streamConversation)
		}
		b[i] = lowerHex[r>>60]
		r <<= 4
	}
	return string(b[:])
}
