package businessmessages

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// decodeFast decodes a UserMessage in one pass without reflection. It
// decodes only what it can decode exactly as encoding/json would (keys
// matched exactly, strings without escapes, no nulls in declared fields,
// well-formed skipped values) and reports false on anything else, leaving
// the input to encoding/json, which then decides. A differential fuzz
// target holds the two to the same answers.
//
// A string equal to known (the agent, which every payload repeats) is
// given known's storage rather than a copy.
func decodeFast(b []byte, m *UserMessage, known string) bool {
	d := scanner{b: b, known: known}
	if !d.object(func(k []byte) bool {
		switch string(k) {
		case "agent":
			return d.str(&m.Agent)
		case "conversationId":
			return d.str(&m.ConversationID)
		case "customAgentId":
			return d.str(&m.CustomAgentID)
		case "requestId":
			return d.str(&m.RequestID)
		case "sendTime":
			return d.str(&m.SendTime)
		case "clientToken":
			return d.str(&m.ClientToken)
		case "secret":
			return d.str(&m.Secret)
		case "message":
			if m.Message == nil {
				m.Message = &UserText{}
			}
			return d.userText(m.Message)
		case "receipts":
			if m.Receipts == nil {
				m.Receipts = &Receipts{}
			}
			return d.receipts(m.Receipts)
		case "userStatus":
			if m.UserStatus == nil {
				m.UserStatus = &UserStatus{}
			}
			return d.userStatus(m.UserStatus)
		case "context":
			return d.context(&m.Context)
		case "suggestionResponse":
			start := d.skip()
			if start < 0 {
				return false
			}
			raw := json.RawMessage(append([]byte(nil), d.b[start:d.i]...))
			m.Suggestion = &raw
			return true
		}
		return d.unknown(k, "agent", "conversationId", "customAgentId", "requestId", "sendTime", "clientToken",
			"secret", "message", "receipts", "userStatus", "context", "suggestionResponse")
	}) {
		return false
	}
	d.ws()
	return d.i == len(d.b)
}

func (d *scanner) userText(t *UserText) bool {
	return d.object(func(k []byte) bool {
		switch string(k) {
		case "messageId":
			return d.str(&t.MessageID)
		case "name":
			return d.str(&t.Name)
		case "text":
			return d.str(&t.Text)
		case "createTime":
			return d.str(&t.CreateTime)
		case "image":
			if t.Image == nil {
				t.Image = &Image{}
			}
			return d.object(func(k []byte) bool {
				if string(k) != "contentInfo" {
					return d.unknown(k, "contentInfo")
				}
				if t.Image.ContentInfo == nil {
					t.Image.ContentInfo = &ContentInfo{}
				}
				return d.object(func(k []byte) bool {
					if string(k) != "fileUrl" {
						return d.unknown(k, "fileUrl")
					}
					return d.str(&t.Image.ContentInfo.FileURL)
				})
			})
		}
		return d.unknown(k, "messageId", "name", "text", "createTime", "image")
	})
}

func (d *scanner) receipts(r *Receipts) bool {
	return d.object(func(k []byte) bool {
		switch string(k) {
		case "createTime":
			return d.str(&r.CreateTime)
		case "receipts":
			if r.Receipts != nil {
				return false // a repeated key: encoding/json merges into the old elements
			}
			d.ws()
			if d.i >= len(d.b) || d.b[d.i] != '[' {
				return false
			}
			d.i++
			n := 0
			d.ws()
			if d.i < len(d.b) && d.b[d.i] == ']' {
				d.i++
				r.Receipts = []Receipt{}
				return true
			}
			for {
				r.Receipts = append(r.Receipts, Receipt{})
				x := &r.Receipts[n]
				n++
				if !d.object(func(k []byte) bool {
					switch string(k) {
					case "message":
						return d.str(&x.Message)
					case "receiptType":
						return d.str(&x.ReceiptType)
					}
					return d.unknown(k, "message", "receiptType")
				}) {
					return false
				}
				d.ws()
				if d.i >= len(d.b) {
					return false
				}
				if d.b[d.i] == ']' {
					d.i++
					return true
				}
				if d.b[d.i] != ',' {
					return false
				}
				d.i++
			}
		}
		return d.unknown(k, "createTime", "receipts")
	})
}

func (d *scanner) userStatus(s *UserStatus) bool {
	return d.object(func(k []byte) bool {
		switch string(k) {
		case "isTyping":
			return d.boolean(&s.IsTyping)
		case "requestedLiveAgent":
			return d.boolean(&s.RequestedLiveAgent)
		case "createTime":
			return d.str(&s.CreateTime)
		}
		return d.unknown(k, "isTyping", "requestedLiveAgent", "createTime")
	})
}

func (d *scanner) context(c *Context) bool {
	return d.object(func(k []byte) bool {
		switch string(k) {
		case "entryPoint":
			return d.str(&c.EntryPoint)
		case "placeId":
			return d.str(&c.PlaceID)
		case "nearPlaceId":
			return d.str(&c.NearPlaceID)
		case "resolvedLocale":
			return d.str(&c.ResolvedLocale)
		case "customContext":
			return d.str(&c.CustomContext)
		case "userInfo":
			return d.object(func(k []byte) bool {
				switch string(k) {
				case "displayName":
					return d.str(&c.UserInfo.DisplayName)
				case "userDeviceLocale":
					return d.str(&c.UserInfo.UserDeviceLocale)
				}
				return d.unknown(k, "displayName", "userDeviceLocale")
			})
		case "widget":
			return d.object(func(k []byte) bool {
				switch string(k) {
				case "url":
					return d.str(&c.Widget.URL)
				case "widgetContext":
					return d.str(&c.Widget.WidgetContext)
				}
				return d.unknown(k, "url", "widgetContext")
			})
		}
		return d.unknown(k, "entryPoint", "placeId", "nearPlaceId", "resolvedLocale", "customContext", "userInfo", "widget")
	})
}

// scanner reads JSON for decodeFast.
type scanner struct {
	b     []byte
	i     int
	depth int
	known string // see decodeFast
}

func (d *scanner) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// object reads an object, calling field for each key with the scanner at
// its value; field reads the value. A null is refused (encoding/json would
// set a pointer to nil; the caller leaves that to it).
func (d *scanner) object(field func(k []byte) bool) bool {
	d.ws()
	if d.i >= len(d.b) || d.b[d.i] != '{' {
		return false
	}
	d.i++
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return true
	}
	for {
		d.ws()
		k, ok := d.raw()
		if !ok {
			return false
		}
		d.ws()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return false
		}
		d.i++
		if !field(k) {
			return false
		}
		d.ws()
		if d.i >= len(d.b) {
			return false
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return true
		default:
			return false
		}
	}
}

// raw reads a string without escapes, control characters or invalid
// UTF-8 and returns its bytes.
func (d *scanner) raw() ([]byte, bool) {
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return nil, false
	}
	start := d.i + 1
	for j := start; j < len(d.b); j++ {
		c := d.b[j]
		switch {
		case c == '"':
			s := d.b[start:j]
			if !utf8.Valid(s) {
				return nil, false
			}
			d.i = j + 1
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// str reads a string into v.
func (d *scanner) str(v *string) bool {
	d.ws()
	s, ok := d.raw()
	switch {
	case !ok:
	case d.known != "" && string(s) == d.known:
		*v = d.known
	default:
		*v = string(s)
	}
	return ok
}

func (d *scanner) boolean(v *bool) bool {
	d.ws()
	switch {
	case strings.HasPrefix(string(d.b[d.i:min(d.i+4, len(d.b))]), "true"):
		*v, d.i = true, d.i+4
	case strings.HasPrefix(string(d.b[d.i:min(d.i+5, len(d.b))]), "false"):
		*v, d.i = false, d.i+5
	default:
		return false
	}
	return true
}

// unknown skips the value of key k, unless k matches a known key without
// regard to case (encoding/json would decode it into that field).
func (d *scanner) unknown(k []byte, known ...string) bool {
	for _, n := range known {
		if strings.EqualFold(string(k), n) {
			return false
		}
	}
	return d.skip() >= 0
}

// skip reads any well-formed value and returns where it starts, or -1.
func (d *scanner) skip() int {
	d.ws()
	start := d.i
	if d.i >= len(d.b) {
		return -1
	}
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > 256 {
		return -1
	}
	switch c := d.b[d.i]; {
	case c == '"':
		if !d.skipString() {
			return -1
		}
	case c == '{':
		if !d.object(func([]byte) bool { return d.skip() >= 0 }) {
			return -1
		}
	case c == '[':
		d.i++
		d.ws()
		if d.i < len(d.b) && d.b[d.i] == ']' {
			d.i++
			return start
		}
		for {
			if d.skip() < 0 {
				return -1
			}
			d.ws()
			if d.i >= len(d.b) {
				return -1
			}
			if d.b[d.i] == ']' {
				d.i++
				break
			}
			if d.b[d.i] != ',' {
				return -1
			}
			d.i++
		}
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if strings.HasPrefix(string(d.b[d.i:min(d.i+len(lit), len(d.b))]), lit) {
				d.i += len(lit)
				return start
			}
		}
		return -1
	case c == '-' || c >= '0' && c <= '9':
		if !d.skipNumber() {
			return -1
		}
	default:
		return -1
	}
	return start
}

// skipString skips a string, escapes included, as encoding/json accepts
// it.
func (d *scanner) skipString() bool {
	for j := d.i + 1; j < len(d.b); j++ {
		switch c := d.b[j]; {
		case c == '"':
			d.i = j + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			j++
			if j >= len(d.b) {
				return false
			}
			switch d.b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(d.b) {
					return false
				}
				for _, h := range d.b[j+1 : j+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return false
					}
				}
				j += 4
			default:
				return false
			}
		}
	}
	return false
}

// skipNumber skips a number of JSON's grammar.
func (d *scanner) skipNumber() bool {
	b, i := d.b, d.i
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		digits()
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	d.i = i
	return true
}
