package douyin

import (
	"sync"

	"github.com/omnisim/omnisim/jsonscan"
)

// scanner is the package's one-pass JSON reader: the decoders here are its
// methods.
type scanner struct {
	jsonscan.Scanner
	content []byte // fastEvent's copy of the content string, reused
	// strs makes the strings of an event (but the ones reused) and a
	// send's msg_id, which live about as long as their conversation.
	strs jsonscan.Arena
}

// str decodes a string value into a string of a; "" when the value is not
// a string (the scanner has then failed).
func (d *scanner) str(a *jsonscan.Arena) string { return d.StrInArena(nil, a) }

// The fast decoders: one pass over the bytes with the scanner, into the
// values ParseEvent and the send client's answer check fill with
// encoding/json. They give up (ok false) on anything they cannot decode
// exactly as encoding/json would, and the caller then asks encoding/json;
// FuzzDecodeEvent and FuzzDecodeAnswer hold both to the same answers.

// scanners keeps scanners with their buffers.
var scanners = sync.Pool{New: func() any { return new(scanner) }}

func getScanner(b []byte) *scanner {
	d := scanners.Get().(*scanner)
	d.Reset(b)
	return d
}

func (d *scanner) release() {
	d.Clear()
	if cap(d.content) > 4096 {
		d.content = nil
	}
	scanners.Put(d)
}

var envelopeKeys = []string{"event", "client_key", "from_user_id", "to_user_id", "log_id", "content"}

// knownFunc looks up a sender by open_id: the open_id and the
// conversation_short_id already held for them, or empty strings.
type knownFunc func(openID []byte) (id, conversation string)

// fastEvent decodes an IM event's body (not verify_webhook, which is left
// to encoding/json) as ParseEvent does when ParseEvent succeeds. When
// known (which may be nil) knows the sender, their open_id and an equal
// conversation_short_id are its strings rather than copies.
func fastEvent(body []byte, ev *Event, intern []string, known knownFunc) bool {
	d := getScanner(body)
	defer d.release()
	*ev = Event{}
	var mask uint32
	var content []byte
	var conv string // the known sender's conversation_short_id
	if !d.Open('{') {
		return false
	}
	for n := 0; ; n++ {
		key, ok := d.Member(n)
		if !ok {
			break
		}
		switch string(key) {
		case "event":
			if d.Seen(&mask, 1) {
				ev.Event = d.StrIn(eventNames)
			}
		case "client_key":
			if d.Seen(&mask, 2) {
				ev.ClientKey = d.StrIn(intern)
			}
		case "from_user_id":
			if d.Seen(&mask, 4) {
				ev.FromUserID = d.sender(known, &conv)
			}
		case "to_user_id":
			if d.Seen(&mask, 8) {
				ev.ToUserID = d.StrIn(intern)
			}
		case "log_id":
			if d.Seen(&mask, 16) {
				ev.LogID = d.str(&d.strs)
			}
		case "content":
			if d.Seen(&mask, 32) {
				// A JSON-encoded string; an object (verify_webhook) is
				// left to encoding/json.
				// Copied (into d's own buffer: nothing decoded
				// from it keeps a reference), as b is the
				// scanner's until the next string.
				b, ok := d.StrBytes()
				if ok {
					content = append(d.content[:0], b...)
					d.content = content
				}
			}
		default:
			d.Unknown(key, envelopeKeys...)
		}
	}
	if !d.End() || ev.Event == "" || ev.Event == EventVerify || len(content) == 0 || content[0] != '{' {
		return false
	}
	if !fastContent(content, &ev.Content, conv, &d.strs) {
		return false
	}
	return ev.Event != EventReceive || ev.Content.ServerMessageID != "" && ev.FromUserID != ""
}

var contentKeys = []string{"conversation_short_id", "server_message_id", "conversation_type", "create_time", "message_type",
	"text", "source", "user_infos", "resource_type", "resource_size", "entry_page", "region", "poi_id", "challenge"}

// sender decodes from_user_id: known's string when it knows the sender,
// whose conversation_short_id it then stores in *conv.
func (d *scanner) sender(known knownFunc, conv *string) string {
	b, ok := d.StrBytes()
	if !ok {
		return ""
	}
	if known != nil {
		if id, c := known(b); id != "" && id == string(b) {
			*conv = c
			return id
		}
	}
	return string(b)
}

// fastContent decodes an IM event's content; a conversation_short_id
// equal to conv is conv rather than a copy, and the other strings (but
// the ones reused) are carved from strs.
func fastContent(b []byte, c *Content, conv string, strs *jsonscan.Arena) bool {
	d := getScanner(b)
	defer d.release()
	var mask uint32
	d.Open('{')
	for n := 0; d.OK(); n++ {
		key, ok := d.Member(n)
		if !ok {
			break
		}
		var bit uint32
		var dst *string
		var num *int64
		switch string(key) {
		case "conversation_short_id":
			bit, dst = 1<<0, &c.ConversationShortID
		case "server_message_id":
			bit, dst = 1<<1, &c.ServerMessageID
		case "message_type":
			bit, dst = 1<<2, &c.MessageType
		case "text":
			bit, dst = 1<<3, &c.Text
		case "source":
			bit, dst = 1<<4, &c.Source
		case "resource_type":
			bit, dst = 1<<5, &c.ResourceType
		case "entry_page":
			bit, dst = 1<<6, &c.EntryPage
		case "region":
			bit, dst = 1<<7, &c.Region
		case "poi_id":
			bit, dst = 1<<8, &c.POIID
		case "create_time":
			bit, num = 1<<9, &c.CreateTime
		case "resource_size":
			bit, num = 1<<10, &c.ResourceSize
		case "conversation_type":
			if !d.Seen(&mask, 1<<11) {
				return false
			}
			v, ok := d.Int64(), d.OK()
			if !ok || v != int64(int(v)) {
				return false
			}
			c.ConversationType = int(v)
			continue
		case "user_infos":
			if !d.Seen(&mask, 1<<12) || !d.userInfos(c, strs) {
				return false
			}
			continue
		default:
			d.Unknown(key, contentKeys...)
			continue
		}
		if !d.Seen(&mask, bit) {
			return false
		}
		switch {
		case bit == 1<<2 || bit == 1<<4: // message_type, source
			*dst = d.StrIn(messageTypes)
		case bit == 1<<0 && conv != "": // conversation_short_id
			*dst = d.StrIn([]string{conv})
		case dst != nil:
			*dst = d.str(strs)
		}
		if num != nil {
			if v := d.Int64(); d.OK() {
				*num = v
			}
		}
	}
	return d.End()
}

// userInfos decodes user_infos, keeping the first element's nick_name (a
// string of strs) as ParseEvent does.
func (d *scanner) userInfos(c *Content, strs *jsonscan.Arena) bool {
	if !d.Open('[') {
		return false
	}
	for n := 0; d.Element(n); n++ {
		if !d.Open('{') {
			return false
		}
		var mask uint32
		for m := 0; ; m++ {
			key, ok := d.Member(m)
			if !ok {
				break
			}
			switch string(key) {
			case "open_id":
				if d.Seen(&mask, 1) {
					d.StrBytes()
				}
			case "nick_name":
				if d.Seen(&mask, 2) {
					if b, ok := d.StrBytes(); ok && n == 0 && len(b) > 0 {
						c.NickName = strs.Make(b)
					}
				}
			default:
				d.Unknown(key, "open_id", "nick_name")
			}
		}
	}
	return d.OK()
}

// zeroCode is the error_code 0 of every successful answer, shared:
// nothing writes through an answer's code.
var zeroCode int64

// codeOf is a pointer to error code v: zeroCode for 0.
func codeOf(v int64) *int64 {
	if v == 0 {
		return &zeroCode
	}
	p := new(int64) // not &v: v would be on the heap for 0 too
	*p = v
	return p
}

var answerKeys = []string{"data", "extra", "err_no", "err_msg"}

// fastAnswer decodes an API answer into ans as encoding/json does.
func fastAnswer(body []byte, ans *apiAnswer) bool {
	d := getScanner(body)
	defer d.release()
	*ans = apiAnswer{}
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
		case "data":
			if d.Seen(&mask, 1) {
				d.answerObject(&ans.Data.ErrorCode, &ans.Data.Description, &ans.Data.MsgID, &ans.Data.AccessToken, &ans.Data.ExpiresIn)
			}
		case "extra":
			if d.Seen(&mask, 2) {
				d.answerObject(&ans.Extra.ErrorCode, &ans.Extra.Description, nil, nil, nil)
			}
		case "err_no":
			if d.Seen(&mask, 4) {
				if v := d.Int64(); d.OK() {
					ans.ErrNo = codeOf(v)
				}
			}
		case "err_msg":
			if d.Seen(&mask, 8) {
				ans.ErrMsg = d.Str()
			}
		default:
			d.Unknown(key, answerKeys...)
		}
	}
	return d.End()
}

// answerObject decodes data or extra; nil destinations are fields the
// object does not declare.
func (d *scanner) answerObject(code **int64, desc, msgID, token *string, expires *int64) {
	if !d.Open('{') {
		return
	}
	var mask uint32
	declared := extraKeys
	if msgID != nil {
		declared = dataKeys
	}
	for n := 0; ; n++ {
		key, ok := d.Member(n)
		if !ok {
			return
		}
		switch k := string(key); {
		case k == "error_code":
			if d.Seen(&mask, 1) {
				if v := d.Int64(); d.OK() {
					*code = codeOf(v)
				}
			}
		case k == "description":
			if d.Seen(&mask, 2) {
				*desc = d.str(&d.strs)
			}
		case k == "msg_id" && msgID != nil:
			if d.Seen(&mask, 4) {
				*msgID = d.str(&d.strs)
			}
		case k == "access_token" && msgID != nil:
			if d.Seen(&mask, 8) {
				*token = d.Str()
			}
		case k == "expires_in" && msgID != nil:
			if d.Seen(&mask, 16) {
				*expires = d.Int64()
			}
		default:
			d.Unknown(key, declared...)
		}
	}
}

var (
	dataKeys     = []string{"error_code", "description", "msg_id", "access_token", "expires_in"}
	extraKeys    = []string{"error_code", "description"}
	eventNames   = []string{EventReceive, EventEnter, EventSend}
	messageTypes = []string{"text", "image", "video", "emoji", "other"}
)
