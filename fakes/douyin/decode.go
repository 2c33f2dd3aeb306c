package douyin

import (
	"sync"
	"unicode/utf8"
)

// The fast send decoder: one pass over the body with the scanner, into the
// SendRequest decodeReference fills with encoding/json. It gives up (ok
// false) on anything it cannot decode exactly as encoding/json would, and
// decodeSend then asks encoding/json; FuzzDecodeSend holds both to the same
// answers.

var scanners = sync.Pool{New: func() any { return new(scanner) }}

var sendKeys = []string{"msg_id", "conversation_id", "to_user_id", "scene", "content"}

// fastSend decodes a send body into req.
func fastSend(raw []byte, req *SendRequest) bool {
	if !utf8.Valid(raw) {
		return false
	}
	d := scanners.Get().(*scanner)
	d.b, d.i, d.bad = raw, 0, false
	defer func() {
		d.b = nil
		if cap(d.tmp) > 4096 {
			d.tmp = nil
		}
		scanners.Put(d)
	}()
	var mask uint32
	if !d.open('{') {
		return false
	}
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			break
		}
		switch string(key) {
		case "msg_id":
			if d.seen(&mask, 1) {
				req.MsgID = d.str()
			}
		case "conversation_id":
			if d.seen(&mask, 2) {
				req.ConversationID = d.str()
			}
		case "to_user_id":
			if d.seen(&mask, 4) {
				req.ToUserID = d.str()
			}
		case "scene":
			if d.seen(&mask, 8) {
				req.Scene = d.strKnown("im_reply_msg")
			}
		case "content":
			if d.seen(&mask, 16) {
				d.sendContent(req)
			}
		default:
			d.unknown(key, sendKeys...)
		}
	}
	return d.end()
}

func (d *scanner) sendContent(req *SendRequest) {
	if !d.open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			return
		}
		switch string(key) {
		case "msg_type":
			if d.seen(&mask, 1) {
				req.MsgType = d.strKnown("text")
			}
		case "text":
			if d.seen(&mask, 2) && d.open('{') {
				var tmask uint32
				for m := 0; ; m++ {
					key, ok := d.member(m)
					if !ok {
						break
					}
					if string(key) == "text" {
						if d.seen(&tmask, 1) {
							req.Text = d.str()
						}
					} else {
						d.unknown(key, "text")
					}
				}
			}
		default:
			d.unknown(key, "msg_type", "text")
		}
	}
}

// strKnown decodes a string value, returning known when it is equal (no
// allocation) or a new string.
func (d *scanner) strKnown(known string) string {
	b, ok := d.strBytes()
	if !ok {
		return ""
	}
	if string(b) == known {
		return known
	}
	return string(b)
}
