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
	slot  *UserText // the message's storage; nil: a new one
	// strs makes the payload's strings (see str), which live about as
	// long as their conversation.
	strs jsonscan.Arena
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
// copy; the payload's other strings (but a receipt's) are carved from
// the scanner's arena. A message is decoded into slot, when it is not nil.
func decodeFast(b []byte, m *UserMessage, slot *UserText, known ...string) bool {
	d := scanners.Get().(*scanner)
	d.Reset(b)
	copy(d.known[:], known) // at most two are kept
	d.slot = slot
	defer func() {
		d.Clear()
		d.known, d.slot = [2]string{}, nil
		scanners.Put(d)
	}()
	return d.decode(m)
}

// decode is decodeFast's pass over the payload.
func (d *scanner) decode(m *UserMessage) bool {
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
				m.SendTime = d.str()
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
				if m.Message = d.slot; m.Message == nil {
					m.Message = &UserText{}
				}
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

// str decodes a string value. One equal to a known string is returned
// without a copy; any other is made in d.strs.
func (d *scanner) str() string { return d.StrInArena(d.known[:], &d.strs) }

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
				t.CreateTime = d.str()
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
				r.CreateTime = d.str()
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
				x.Message = d.StrIn(d.known[:])
			}
		case "receiptType":
			if d.Seen(&mask, 2) {
				x.ReceiptType = d.StrIn(d.known[:])
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
				s.CreateTime = d.str()
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
