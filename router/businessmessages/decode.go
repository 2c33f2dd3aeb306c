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
	// The payload's strings (see str), made one string at the end.
	strs jsonscan.Strings
}

// field names a string field of a UserMessage that str keeps in strs.
type field = int

const (
	fAgent field = iota
	fConversationID
	fCustomAgentID
	fRequestID
	fSendTime
	fClientToken
	fSecret
	fMessageID
	fName
	fText
	fCreateTime
	fReceiptsTime
	fStatusTime
	fEntryPoint
	fPlaceID
	fNearPlaceID
	fResolvedLocale
	fCustomContext
	fDisplayName
	fDeviceLocale
	fWidgetURL
	fWidgetContext
)

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
// copy; the payload's other strings (but a receipt's) share one copy,
// made at the end. A message is decoded into slot, when it is not nil.
func decodeFast(b []byte, m *UserMessage, slot *UserText, known ...string) bool {
	d := scanners.Get().(*scanner)
	d.Reset(b)
	copy(d.known[:], known) // at most two are kept
	d.slot = slot
	defer func() {
		d.Clear()
		d.known, d.slot = [2]string{}, nil
		d.strs.Reset()
		scanners.Put(d)
	}()
	if !d.decode(m) {
		return false
	}
	d.fill(m)
	return true
}

// decode is decodeFast's pass over the payload; fill then sets the
// strings.
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
				m.Agent = d.str(fAgent)
			}
		case "conversationId":
			if d.Seen(&mask, 2) {
				m.ConversationID = d.str(fConversationID)
			}
		case "customAgentId":
			if d.Seen(&mask, 4) {
				m.CustomAgentID = d.str(fCustomAgentID)
			}
		case "requestId":
			if d.Seen(&mask, 8) {
				m.RequestID = d.str(fRequestID)
			}
		case "sendTime":
			if d.Seen(&mask, 16) {
				m.SendTime = d.str(fSendTime)
			}
		case "clientToken":
			if d.Seen(&mask, 32) {
				m.ClientToken = d.str(fClientToken)
			}
		case "secret":
			if d.Seen(&mask, 64) {
				m.Secret = d.str(fSecret)
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

// str decodes the string value of field f. One equal to a known string
// is returned without a copy; any other is returned as "" and kept in
// d.strs, and fill sets it.
func (d *scanner) str(f field) string {
	b, ok := d.StrBytes()
	if !ok {
		return ""
	}
	for _, k := range d.known {
		if k == string(b) {
			return k
		}
	}
	d.strs.Keep(f, b)
	return ""
}

// fill sets the fields str kept, from one copy of them. The objects they
// are in exist: str was called in them.
func (d *scanner) fill(m *UserMessage) {
	c := &m.Context
	d.strs.Fill(func(f int, v string) {
		switch f {
		case fAgent:
			m.Agent = v
		case fConversationID:
			m.ConversationID = v
		case fCustomAgentID:
			m.CustomAgentID = v
		case fRequestID:
			m.RequestID = v
		case fSendTime:
			m.SendTime = v
		case fClientToken:
			m.ClientToken = v
		case fSecret:
			m.Secret = v
		case fMessageID:
			m.Message.MessageID = v
		case fName:
			m.Message.Name = v
		case fText:
			m.Message.Text = v
		case fCreateTime:
			m.Message.CreateTime = v
		case fReceiptsTime:
			m.Receipts.CreateTime = v
		case fStatusTime:
			m.UserStatus.CreateTime = v
		case fEntryPoint:
			c.EntryPoint = v
		case fPlaceID:
			c.PlaceID = v
		case fNearPlaceID:
			c.NearPlaceID = v
		case fResolvedLocale:
			c.ResolvedLocale = v
		case fCustomContext:
			c.CustomContext = v
		case fDisplayName:
			c.UserInfo.DisplayName = v
		case fDeviceLocale:
			c.UserInfo.UserDeviceLocale = v
		case fWidgetURL:
			c.Widget.URL = v
		case fWidgetContext:
			c.Widget.WidgetContext = v
		}
	})
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
				t.MessageID = d.str(fMessageID)
			}
		case "name":
			if d.Seen(&mask, 2) {
				t.Name = d.str(fName)
			}
		case "text":
			if d.Seen(&mask, 4) {
				t.Text = d.str(fText)
			}
		case "createTime":
			if d.Seen(&mask, 8) {
				t.CreateTime = d.str(fCreateTime)
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
				r.CreateTime = d.str(fReceiptsTime)
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
				s.CreateTime = d.str(fStatusTime)
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
				c.EntryPoint = d.str(fEntryPoint)
			}
		case "placeId":
			if d.Seen(&mask, 2) {
				c.PlaceID = d.str(fPlaceID)
			}
		case "nearPlaceId":
			if d.Seen(&mask, 4) {
				c.NearPlaceID = d.str(fNearPlaceID)
			}
		case "resolvedLocale":
			if d.Seen(&mask, 8) {
				c.ResolvedLocale = d.str(fResolvedLocale)
			}
		case "customContext":
			if d.Seen(&mask, 16) {
				c.CustomContext = d.str(fCustomContext)
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
				c.UserInfo.DisplayName = d.str(fDisplayName)
			}
		case "userDeviceLocale":
			if d.Seen(&mask, 2) {
				c.UserInfo.UserDeviceLocale = d.str(fDeviceLocale)
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
				c.Widget.URL = d.str(fWidgetURL)
			}
		case "widgetContext":
			if d.Seen(&mask, 2) {
				c.Widget.WidgetContext = d.str(fWidgetContext)
			}
		default:
			d.Unknown(key, keysWidget...)
		}
	}
}
