package businessmessages

import (
	"encoding/json"
	"sync"

	"github.com/omnisim/omnisim/jsonscan"
)

// scanner is the package's one-pass JSON reader: the webhook decoder is its
// methods.
type scanner struct {
	jsonscan.Scanner
	known [2]string // see decodeFast
	time  string    // the last time decoded, for a later equal one
}

// scanners keeps scanners with their unquoting buffers.
var scanners = sync.Pool{New: func() any { return new(scanner) }}

// The keys of each object of a UserMessage, for the case-insensitive
// matches encoding/json would make.
var (
	keysMessage     = []string{"agent", "conversationId", "customAgentId", "requestId", "sendTime", "clientToken", "secret", "message", "receipts", "userStatus", "context", "suggestionResponse"}
	keysUserText    = []string{"messageId", "name", "text", "createTime", "image"}
	keysImage       = []string{"contentInfo"}
	keysContentInfo = []string{"fileUrl"}
	keysReceipts    = []string{"createTime", "receipts"}
	keysReceipt     = []string{"message", "receiptType"}
	keysUserStatus  = []string{"isTyping", "requestedLiveAgent", "createTime"}
	keysContext     = []string{"entryPoint", "placeId", "nearPlaceId", "resolvedLocale", "customContext", "userInfo", "widget"}
	keysUserInfo    = []string{"displayName", "userDeviceLocale"}
	keysWidget      = []string{"url", "widgetContext"}
)

// decodeFast decodes a UserMessage in one pass without reflection. It
// decodes only what it can decode exactly as encoding/json would (keys
// matched exactly, each once, no nulls in declared fields, well-formed
// skipped values) and reports false on anything else, leaving the input
// to encoding/json, which then decides. A differential fuzz target holds
// the two to the same answers.
//
// A string equal to one of known (the agent and the custom agent id,
// which every payload repeats) is given known's storage rather than a
// copy, and so is a time equal to a time decoded before it in the same
// payload (sendTime is most often the message's createTime).
func decodeFast(b []byte, m *UserMessage, known ...string) bool {
	d := scanners.Get().(*scanner)
	d.Reset(b)
	copy(d.known[:], known) // at most two are kept
	defer func() {
		d.Clear()
		d.known, d.time = [2]string{}, ""
		scanners.Put(d)
	}()
	if !d.Open('{') {
		return false
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			break
		}
		switch string(key) {
		case "agent":
			if d.Seen(&mask, 1) {
				m.Agent = d.str()
			}
		case "conversationId":
			if d.Seen(&mask, 2) {
				m.ConversationID = d.str()
			}
		case "customAgentId":
			if d.Seen(&mask, 4) {
				m.CustomAgentID = d.str()
			}
		case "requestId":
			if d.Seen(&mask, 8) {
				m.RequestID = d.str()
			}
		case "sendTime":
			if d.Seen(&mask, 16) {
				m.SendTime = d.timeStr()
			}
		case "clientToken":
			if d.Seen(&mask, 32) {
				m.ClientToken = d.str()
			}
		case "secret":
			if d.Seen(&mask, 64) {
				m.Secret = d.str()
			}
		case "message":
			if d.Seen(&mask, 128) {
				m.Message = &UserText{}
				d.userText(m.Message)
			}
		case "receipts":
			if d.Seen(&mask, 256) {
				m.Receipts = &Receipts{}
				d.receipts(m.Receipts)
			}
		case "userStatus":
			if d.Seen(&mask, 512) {
				m.UserStatus = &UserStatus{}
				d.userStatus(m.UserStatus)
			}
		case "context":
			if d.Seen(&mask, 1024) {
				d.context(&m.Context)
			}
		case "suggestionResponse":
			if !d.Seen(&mask, 2048) {
				break
			}
			if d.Peek() == 'n' {
				d.Fail() // encoding/json sets the pointer to nil
				break
			}
			if v := d.Raw(); d.OK() {
				raw := json.RawMessage(append([]byte(nil), v...))
				m.Suggestion = &raw
			}
		default:
			d.Unknown(key, keysMessage...)
		}
	}
	return d.End()
}

// str decodes a string value; one equal to a known string is returned
// without a copy.
func (d *scanner) str() string { return d.StrIn(d.known[:]) }

// timeStr decodes a time's string value; one equal to the time decoded
// before it is returned without a copy.
func (d *scanner) timeStr() string {
	b, ok := d.StrBytes()
	switch {
	case !ok:
		return ""
	case d.time != "" && string(b) == d.time:
		return d.time
	}
	d.time = string(b)
	return d.time
}

func (d *scanner) userText(t *UserText) {
	if !d.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return
		}
		switch string(key) {
		case "messageId":
			if d.Seen(&mask, 1) {
				t.MessageID = d.str()
			}
		case "name":
			if d.Seen(&mask, 2) {
				t.Name = d.str()
			}
		case "text":
			if d.Seen(&mask, 4) {
				t.Text = d.str()
			}
		case "createTime":
			if d.Seen(&mask, 8) {
				t.CreateTime = d.timeStr()
			}
		case "image":
			if d.Seen(&mask, 16) {
				t.Image = &Image{}
				d.image(t.Image)
			}
		default:
			d.Unknown(key, keysUserText...)
		}
	}
}

func (d *scanner) image(img *Image) {
	if !d.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return
		}
		if string(key) != "contentInfo" {
			d.Unknown(key, keysImage...)
			continue
		}
		if d.Seen(&mask, 1) {
			img.ContentInfo = &ContentInfo{FileURL: d.OneStr("fileUrl", keysContentInfo, d.known[:])}
		}
	}
}

func (d *scanner) receipts(r *Receipts) {
	if !d.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return
		}
		switch string(key) {
		case "createTime":
			if d.Seen(&mask, 1) {
				r.CreateTime = d.timeStr()
			}
		case "receipts":
			if d.Seen(&mask, 2) && d.Open('[') {
				r.Receipts = []Receipt{}
				for i := 0; d.Element(i); i++ {
					r.Receipts = append(r.Receipts, Receipt{})
					d.receipt(&r.Receipts[i])
				}
			}
		default:
			d.Unknown(key, keysReceipts...)
		}
	}
}

func (d *scanner) receipt(x *Receipt) {
	if !d.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return
		}
		switch string(key) {
		case "message":
			if d.Seen(&mask, 1) {
				x.Message = d.str()
			}
		case "receiptType":
			if d.Seen(&mask, 2) {
				x.ReceiptType = d.str()
			}
		default:
			d.Unknown(key, keysReceipt...)
		}
	}
}

func (d *scanner) userStatus(s *UserStatus) {
	if !d.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return
		}
		switch string(key) {
		case "isTyping":
			if d.Seen(&mask, 1) {
				s.IsTyping = d.Bool()
			}
		case "requestedLiveAgent":
			if d.Seen(&mask, 2) {
				s.RequestedLiveAgent = d.Bool()
			}
		case "createTime":
			if d.Seen(&mask, 4) {
				s.CreateTime = d.timeStr()
			}
		default:
			d.Unknown(key, keysUserStatus...)
		}
	}
}

func (d *scanner) context(c *Context) {
	if !d.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return
		}
		switch string(key) {
		case "entryPoint":
			if d.Seen(&mask, 1) {
				c.EntryPoint = d.str()
			}
		case "placeId":
			if d.Seen(&mask, 2) {
				c.PlaceID = d.str()
			}
		case "nearPlaceId":
			if d.Seen(&mask, 4) {
				c.NearPlaceID = d.str()
			}
		case "resolvedLocale":
			if d.Seen(&mask, 8) {
				c.ResolvedLocale = d.str()
			}
		case "customContext":
			if d.Seen(&mask, 16) {
				c.CustomContext = d.str()
			}
		case "userInfo":
			if d.Seen(&mask, 32) {
				d.userInfo(c)
			}
		case "widget":
			if d.Seen(&mask, 64) {
				d.widget(c)
			}
		default:
			d.Unknown(key, keysContext...)
		}
	}
}

func (d *scanner) userInfo(c *Context) {
	if !d.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return
		}
		switch string(key) {
		case "displayName":
			if d.Seen(&mask, 1) {
				c.UserInfo.DisplayName = d.str()
			}
		case "userDeviceLocale":
			if d.Seen(&mask, 2) {
				c.UserInfo.UserDeviceLocale = d.str()
			}
		default:
			d.Unknown(key, keysUserInfo...)
		}
	}
}

func (d *scanner) widget(c *Context) {
	if !d.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return
		}
		switch string(key) {
		case "url":
			if d.Seen(&mask, 1) {
				c.Widget.URL = d.str()
			}
		case "widgetContext":
			if d.Seen(&mask, 2) {
				c.Widget.WidgetContext = d.str()
			}
		default:
			d.Unknown(key, keysWidget...)
		}
	}
}
