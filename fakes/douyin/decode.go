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
	// The request's strings (but the ones StrIn reuses), made one string
	// at the end.
	strs jsonscan.Strings
}

// The fields of a SendRequest the scanner keeps in strs.
const (
	fMsgID = iota
	fConversationID
	fToUserID
	fText
)

// fill sets req's fields kept in d.strs, from one copy of them.
func (d *scanner) fill(req *SendRequest) {
	d.strs.Fill(func(f int, v string) {
		switch f {
		case fMsgID:
			req.MsgID = v
		case fConversationID:
			req.ConversationID = v
		case fToUserID:
			req.ToUserID = v
		case fText:
			req.Text = v
		}
	})
}

// The fast send decoder: one pass over the body with the scanner, into the
// SendRequest decodeReference fills with encoding/json. It gives up (ok
// false) on anything it cannot decode exactly as encoding/json would, and
// decodeSend then asks encoding/json; FuzzDecodeSend holds both to the same
// answers.

var scanners = sync.Pool{New: func() any { return new(scanner) }}

var sendKeys = []string{"msg_id", "conversation_id", "to_user_id", "scene", "content"}

// fastSend decodes a send body into req. The strings it does not reuse
// share one copy.
func fastSend(raw []byte, req *SendRequest) bool {
	if !utf8.Valid(raw) {
		return false
	}
	d := scanners.Get().(*scanner)
	d.Reset(raw)
	defer func() {
		d.Clear()
		d.strs.Reset()
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
				d.KeepStr(&d.strs, fMsgID)
			}
		case "conversation_id":
			if d.Seen(&mask, 2) {
				d.KeepStr(&d.strs, fConversationID)
			}
		case "to_user_id":
			if d.Seen(&mask, 4) {
				d.KeepStr(&d.strs, fToUserID)
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
	if !d.End() {
		return false
	}
	d.fill(req)
	return true
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
							d.KeepStr(&d.strs, fText)
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
