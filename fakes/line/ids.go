package line

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"

	"github.com/omnisim/omnisim/jsonscan"
)

// Id streams: each kind of id has its own counter, so that, for example, a
// refused call (which draws a request id) does not shift the message ids
// that follow.
const (
	streamMessageID = iota
	streamReplyToken
	streamEventID
	streamQuoteToken
	streamRequestID
	numStreams
)

// idgen is a counter-based splitmix64 generator. It is not safe for
// concurrent use; the Server guards it with its mutex.
type idgen struct {
	seed uint64
	ctr  [numStreams]uint64
	// strs makes the ids, dozens to an allocation: an id lives about
	// as long as its conversation.
	strs jsonscan.Arena
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
	lowerHex  = "0123456789abcdef"
	crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	alnum     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// The alphabets spread over the 64 values of six bits: symbol v%n at
// index v of an alphabet of n symbols (TestSpreadAlphabets), so that fill
// draws a symbol with a mask where a division took (r&63)%n.
const (
	lowerHex64  = lowerHex + lowerHex + lowerHex + lowerHex
	crockford64 = crockford + crockford
	alnum64     = alnum + "AB"
)

// fill writes len(b) characters drawn from stream: six bits each, the
// symbol of alphabet64 (an alphabet spread over 64) they index.
func (g *idgen) fill(b []byte, stream int, alphabet64 string) {
	a := alphabet64[:64] // a length the compiler knows: r&63 needs no bounds check
	for ; len(b) >= 10; b = b[10:] {
		r := g.next(stream)
		_ = b[9]
		b[0], b[1], b[2], b[3], b[4] = a[r&63], a[r>>6&63], a[r>>12&63], a[r>>18&63], a[r>>24&63]
		b[5], b[6], b[7], b[8], b[9] = a[r>>30&63], a[r>>36&63], a[r>>42&63], a[r>>48&63], a[r>>54&63]
	}
	if len(b) > 0 {
		r := g.next(stream)
		for j := range b {
			b[j] = a[r&63]
			r >>= 6
		}
	}
}

// messageID is a message id: 18 decimal digits, as LINE's are.
func (g *idgen) messageID() string {
	var b [20]byte
	return g.strs.Make(strconv.AppendUint(b[:0], 100000000000000000+g.next(streamMessageID)%900000000000000000, 10))
}

// replyToken is a reply token: 32 hexadecimal digits.
func (g *idgen) replyToken() string {
	var b [32]byte
	g.fill(b[:], streamReplyToken, lowerHex64)
	return g.strs.Make(b[:])
}

// eventID is a webhook event id: a ULID of 26 Crockford base-32 characters
// whose first ten encode the event's time in milliseconds.
func (g *idgen) eventID(ms int64) string {
	var b [26]byte
	t := uint64(ms)
	for i := 9; i >= 0; i-- {
		b[i] = crockford[t&31]
		t >>= 5
	}
	g.fill(b[10:], streamEventID, crockford64)
	return g.strs.Make(b[:])
}

// quoteToken is a message's quote token.
func (g *idgen) quoteToken() string {
	var b [43]byte
	g.fill(b[:], streamQuoteToken, alnum64)
	return g.strs.Make(b[:])
}

// requestID is an X-Line-Request-Id: a UUID in lower-case hex.
func (g *idgen) requestID() string {
	var b [36]byte
	return g.strs.Make(appendUUID(b[:0], g.next(streamRequestID), g.next(streamRequestID)))
}

// appendUUID appends 128 bits formatted as a version-4 UUID to dst.
func appendUUID(dst []byte, hi, lo uint64) []byte {
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], hi&^0xf000|0x4000)
	binary.BigEndian.PutUint64(raw[8:], lo&^(0xc<<60)|0x8<<60)
	var b [36]byte
	hex.Encode(b[0:8], raw[0:4])
	hex.Encode(b[9:13], raw[4:6])
	hex.Encode(b[14:18], raw[6:8])
	hex.Encode(b[19:23], raw[8:10])
	hex.Encode(b[24:36], raw[10:16])
	b[8], b[13], b[18], b[23] = '-', '-', '-', '-'
	return append(dst, b[:]...)
}

// IsUserID reports whether s is a LINE user id: "U" and 32 lower-case
// hexadecimal digits.
func IsUserID(s string) bool {
	if len(s) != 33 || s[0] != 'U' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// IsRetryKey reports whether s is a UUID in hexadecimal, as
// X-Line-Retry-Key requires (either case).
func IsRetryKey(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
