package douyin

import (
	"github.com/omnisim/omnisim/splitmix"

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

// idgen draws the ids from one splitmix.Streams per server. It is not
// safe for concurrent use; the Server guards it with its mutex.
type idgen struct {
	splitmix.Streams
	// stamp is appendStamp's text of the second stampSec (Unix time),
	// the head of every log id made in that second; dayStart is the
	// first second of stampSec's day in China Standard Time, whose later
	// seconds change only the stamp's last six digits.
	stamp    []byte
	stampSec int64
	dayStart int64
}

func newIDGen(seed uint64) idgen { return idgen{Streams: splitmix.NewStreams(seed)} }

const (
	lowerHex = "0123456789abcdef"
	upperHex = "0123456789ABCDEF"
	alnum    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b64      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// The alphabets spread over 64 symbols, as Streams.Fill takes them.
var (
	upperHex64 = splitmix.Spread(upperHex)
	lowerHex64 = splitmix.Spread(lowerHex)
	alnum64    = splitmix.Spread(alnum)
)

// appendMessageID appends a server_message_id: "@", 43 base64
// characters and "==", the shape of Douyin's
// ("@7211MqHzC5kqIEgB56229n1ntu80T/…==").
func (g *idgen) appendMessageID(b []byte, stream int) []byte {
	var m [46]byte
	m[0] = '@'
	g.Fill(m[1:44], stream, b64)
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
	v := lo + g.Next(stream)%(9*lo)
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
		if d := sec - g.dayStart; len(g.stamp) == len("20060102150405") && d >= 0 && d < secondsPerDay {
			h, m, s, c := d/3600, d/60%60, d%60, g.stamp[8:14]
			c[0], c[1], c[2], c[3], c[4], c[5] = byte('0'+h/10), byte('0'+h%10), byte('0'+m/10), byte('0'+m%10), byte('0'+s/10), byte('0'+s%10)
		} else {
			g.stamp = appendStamp(g.stamp[:0], now.In(cst))
			g.dayStart = sec - ((sec+cstOffset)%secondsPerDay+secondsPerDay)%secondsPerDay
		}
		g.stampSec = sec
	}
	b = append(b, g.stamp...)
	var r [18]byte
	g.Fill(r[:], streamLog, upperHex64)
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
	g.Fill(b[4:36], streamToken, lowerHex64)
	g.Fill(b[36:], streamToken, alnum64)
	return string(b[:])
}

// cst is China Standard Time, UTC+8, without a zone database.
var cst = time.FixedZone("CST", cstOffset)

const (
	cstOffset     = 8 * 3600 // China Standard Time's offset from UTC in seconds
	secondsPerDay = 24 * 3600
)
