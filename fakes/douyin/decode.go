package douyin

import (
	"sync"
	"unicode/utf8"

	"github.com/omnisim/omnisim/jsonscan"
)

// scanner is the package's one-pass JSON reader: the decoders here are its
// methods.
type scanner struct {
	jsonscan.Scanner
	// strs makes the request's strings (but the ones StrIn reuses), which
	// live as long as the journal keeps the delivery.
	strs jsonscan.Arena
}

// str decodes a string value into a string of d.strs; "" when the value
// is not a string (the scanner has then failed).
func (d *scanner) str() string { return d.StrInArena(nil, &d.strs) }

// The fast send decoder: one pass over the body with the scanner, into the
// SendRequest decodeReference fills with encoding/json. It gives up (ok
// false) on anything it cannot decode exactly as encoding/json would, and
// decodeSend then asks encoding/json; FuzzDecodeSend holds both to the same
// answers.

var scanners = sync.Pool{New: func() any { return new(scanner) }}

var sendKeys = []string{"msg_id", "conversation_id", "to_user_id", "scene", "content"}

// fastSend decodes a send body into req. The strings it does not reuse
// are carved from the scanner's arena.
func fastSend(raw []byte, req *SendRequest) bool {
	if !utf8.Valid(raw) {
		return false
	}
	d := scanners.Get().(*scanner)
	d.Reset(raw)
	defer func() {
		d.Clear()
		scanners.Put(d)
	}()
	var mask uint32
	if !d.Open('{') {
		return false
	}
	for n := 0; ; n++ {
		key, ok := d.Member(n)
		if !ok {
			break
		}
		switch string(key) {
		case "msg_id":
			if d.Seen(&mask, 1) {
				req.MsgID = d.str()
			}
		case "conversation_id":
			if d.Seen(&mask, 2) {
				req.ConversationID = d.str()
			}
		case "to_user_id":
			if d.Seen(&mask, 4) {
				req.ToUserID = d.str()
			}
		case "scene":
			if d.Seen(&mask, 8) {
				req.Scene = d.StrIn(replyScene)
			}
		case "content":
			if d.Seen(&mask, 16) {
				d.sendContent(req)
			}
		default:
			d.Unknown(key, sendKeys...)
		}
	}
	return d.End()
}

func (d *scanner) sendContent(req *SendRequest) {
	if !d.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, ok := d.Member(n)
		if !ok {
			return
		}
		switch string(key) {
		case "msg_type":
			if d.Seen(&mask, 1) {
				req.MsgType = d.StrIn(textType)
			}
		case "text":
			if d.Seen(&mask, 2) && d.Open('{') {
				var tmask uint32
				for m := 0; ; m++ {
					key, ok := d.Member(m)
					if !ok {
						break
					}
					if string(key) == "text" {
						if d.Seen(&tmask, 1) {
							req.Text = d.str()
						}
					} else {
						d.Unknown(key, "text")
					}
				}
			}
		default:
			d.Unknown(key, "msg_type", "text")
		}
	}
}

// The values a send request usually holds, which StrIn returns without a
// copy.
var (
	replyScene = []string{"im_reply_msg"}
	textType   = []string{"text"}
)
