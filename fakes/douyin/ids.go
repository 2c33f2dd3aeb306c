package douyin

import (
	"strconv"
	"time"
)

// Id streams: each kind of id has its own counter, so that an error answer
// (which draws a log id) does not shift the message ids that follow.
const (
	streamMessage = iota
	streamConversation
	streamEvent
	streamLog
	streamToken
	streamSent
	streamChallenge
	numStreams
)

// idgen is a counter-based splitmix64 generator. It is not safe for
// concurrent use; the Server guards it with its mutex.
type idgen struct {
	seed uint64
	ctr  [numStreams]uint64
	// stamp is appendStamp's text of the second stampSec (Unix time),
	// the head of every log id made in that second.
	stamp    []byte
	stampSec int64
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
	upperHex = "0123456789ABCDEF"
	alnum    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b64      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// The alphabets spread over the 64 values of six bits: symbol v%n at
// index v of an alphabet of n symbols, so that fill draws a symbol with a
// mask where a division took (r&63)%n.
const (
	upperHex64 = upperHex + upperHex + upperHex + upperHex
	lowerHex64 = lowerHex + lowerHex + lowerHex + lowerHex
	alnum64    = alnum + "AB"
)

// fill writes len(b) characters drawn from stream, ten to a draw: six
// bits each, the symbol of alphabet64 (an alphabet spread over 64) they
// index.
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

// appendMessageID appends a server_message_id: "@", 43 base64
// characters and "==", the shape of Douyin's
// ("@7211MqHzC5kqIEgB56229n1ntu80T/…==").
func (g *idgen) appendMessageID(b []byte, stream int) []byte {
	var m [46]byte
	m[0] = '@'
	g.fill(m[1:44], stream, b64)
	m[44], m[45] = '=', '='
	return append(b, m[:]...)
}

// digits19 is a 19-digit decimal id (conversation_short_id, Msg-Id), as
// Douyin's 64-bit ids are written.
func (g *idgen) digits19(stream int) string {
	var b [19]byte
	return string(g.appendDigits19(b[:0], stream))
}

// appendDigits19 appends a digits19.
func (g *idgen) appendDigits19(b []byte, stream int) []byte {
	const lo = 1_000_000_000_000_000_000
	v := lo + g.next(stream)%(9*lo)
	return strconv.AppendUint(b, v, 10)
}

// logID is a log id: the time as yyyyMMddHHmmss (in China Standard Time)
// and 18 upper-case hex digits, like "202008121419360101980821035705926A".
func (g *idgen) logID(now time.Time) string {
	var b [32]byte
	return string(g.appendLogID(b[:0], now))
}

// appendLogID appends a log id.
func (g *idgen) appendLogID(b []byte, now time.Time) []byte {
	if sec := now.Unix(); g.stamp == nil || sec != g.stampSec {
		g.stamp, g.stampSec = appendStamp(g.stamp[:0], now.In(cst)), sec
	}
	b = append(b, g.stamp...)
	var r [18]byte
	g.fill(r[:], streamLog, upperHex64)
	return append(b, r[:]...)
}

// appendStamp appends t as the layout "20060102150405" writes it,
// without reading the layout: digits for a year of 0 to 9999, the layout
// otherwise.
func appendStamp(b []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, "20060102150405")
	}
	h, mi, sec := t.Clock()
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10),
		byte('0'+int(mo)/10), byte('0'+int(mo)%10), byte('0'+d/10), byte('0'+d%10),
		byte('0'+h/10), byte('0'+h%10), byte('0'+mi/10), byte('0'+mi%10), byte('0'+sec/10), byte('0'+sec%10))
}

// token is a client_token: "clt.", 32 hex digits and 28 alphanumerics.
func (g *idgen) token() string {
	var b [64]byte
	copy(b[:], "clt.")
	g.fill(b[4:36], streamToken, lowerHex64)
	g.fill(b[36:], streamToken, alnum64)
	return string(b[:])
}

// cst is China Standard Time, UTC+8, without a zone database.
var cst = time.FixedZone("CST", 8*3600)
