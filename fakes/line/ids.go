package line

import (
	"github.com/omnisim/omnisim/splitmix"

	"strconv"

	"github.com/omnisim/omnisim/jsonscan"
	"github.com/omnisim/omnisim/uuid4"
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

// idgen draws the ids from one splitmix.Streams per server. It is not
// safe for concurrent use; the Server guards it with its mutex.
type idgen struct {
	splitmix.Streams
	// strs makes the ids, dozens to an allocation: an id lives about
	// as long as its conversation.
	strs jsonscan.Arena
}

func newIDGen(seed uint64) idgen { return idgen{Streams: splitmix.NewStreams(seed)} }

const (
	lowerHex  = "0123456789abcdef"
	crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	alnum     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// The alphabets spread over 64 symbols, as Streams.Fill takes them.
var (
	lowerHex64  = splitmix.Spread(lowerHex)
	crockford64 = splitmix.Spread(crockford)
	alnum64     = splitmix.Spread(alnum)
)

// messageID is a message id: 18 decimal digits, as LINE's are.
func (g *idgen) messageID() string {
	var b [20]byte
	return g.strs.Make(strconv.AppendUint(b[:0], 100000000000000000+g.Next(streamMessageID)%900000000000000000, 10))
}

// replyToken is a reply token: 32 hexadecimal digits.
func (g *idgen) replyToken() string {
	var b [32]byte
	g.Fill(b[:], streamReplyToken, lowerHex64)
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
	g.Fill(b[10:], streamEventID, crockford64)
	return g.strs.Make(b[:])
}

// quoteToken is a message's quote token.
func (g *idgen) quoteToken() string {
	var b [43]byte
	g.Fill(b[:], streamQuoteToken, alnum64)
	return g.strs.Make(b[:])
}

// requestID is an X-Line-Request-Id: a UUID in lower-case hex.
func (g *idgen) requestID() string {
	var b [36]byte
	return g.strs.Make(uuid4.Append(b[:0], g.Next(streamRequestID), g.Next(streamRequestID)))
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
