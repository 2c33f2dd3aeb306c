package whatsapp

import (
	"encoding/json"
	"sync"
)

// decodeSendRequest decodes a send (or mark-as-read) body into *req exactly
// as json.Unmarshal does: the one-pass scanner answers when it can, and
// encoding/json otherwise (its error is the one answered).
func decodeSendRequest(body []byte, req *SendRequest) error {
	d := sendScanners.Get().(*scanner)
	d.b, d.i, d.bad = body, 0, false
	ok := d.sendRequest(req) && d.end()
	d.b = nil
	if cap(d.tmp) <= 4096 {
		sendScanners.Put(d)
	}
	if ok {
		return nil
	}
	*req = SendRequest{}
	return json.Unmarshal(body, req)
}

var sendScanners = sync.Pool{New: func() any { return new(scanner) }}

var (
	namesSend      = []string{"messaging_product", "recipient_type", "to", "status", "message_id", "typing_indicator", "type", "context", "text", "template", "image", "audio", "video", "document", "sticker"}
	namesType      = []string{"type"}
	namesMessageID = []string{"message_id"}
	namesText      = []string{"preview_url", "body"}
	namesTemplate  = []string{"name", "language", "components"}
	namesLanguage  = []string{"code", "policy"}
	namesComponent = []string{"type", "sub_type", "index", "parameters"}
	namesParameter = []string{"type", "text"}
	namesMedia     = []string{"id", "link", "caption", "filename"}

	knownSendStrings = []string{"whatsapp", "individual", "text", "template", "image", "audio", "video", "document", "sticker", "read", "body", "en_US", "en", "deterministic"}
)

// internStr decodes a string value, returning the static copy when it is
// one of known.
func (d *scanner) internStr(known []string) string {
	b, ok := d.strBytes()
	if !ok {
		return ""
	}
	for _, k := range known {
		if k == string(b) {
			return k
		}
	}
	return string(b)
}

func (d *scanner) sendRequest(r *SendRequest) bool {
	if !d.open('{') {
		return false
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.member(n)
		if !more {
			break
		}
		switch string(key) {
		case "messaging_product":
			if d.seen(&mask, 1<<0) {
				r.MessagingProduct = d.internStr(knownSendStrings)
			}
		case "recipient_type":
			if d.seen(&mask, 1<<1) {
				r.RecipientType = d.internStr(knownSendStrings)
			}
		case "to":
			if d.seen(&mask, 1<<2) {
				r.To = d.str()
			}
		case "status":
			if d.seen(&mask, 1<<3) {
				r.Status = d.internStr(knownSendStrings)
			}
		case "message_id":
			if d.seen(&mask, 1<<4) {
				r.MessageID = d.str()
			}
		case "typing_indicator":
			if d.seen(&mask, 1<<5) {
				r.TypingIndicator = &TypingIndicator{Type: d.oneString("type", namesType)}
			}
		case "type":
			if d.seen(&mask, 1<<6) {
				r.Type = d.internStr(knownSendStrings)
			}
		case "context":
			if d.seen(&mask, 1<<7) {
				r.Context = &Context{MessageID: d.oneString("message_id", namesMessageID)}
			}
		case "text":
			if d.seen(&mask, 1<<8) {
				r.Text = d.text()
			}
		case "template":
			if d.seen(&mask, 1<<9) {
				r.Template = d.template()
			}
		case "image":
			if d.seen(&mask, 1<<10) {
				r.Image = d.media()
			}
		case "audio":
			if d.seen(&mask, 1<<11) {
				r.Audio = d.media()
			}
		case "video":
			if d.seen(&mask, 1<<12) {
				r.Video = d.media()
			}
		case "document":
			if d.seen(&mask, 1<<13) {
				r.Document = d.media()
			}
		case "sticker":
			if d.seen(&mask, 1<<14) {
				r.Sticker = d.media()
			}
		default:
			d.unknown(key, namesSend...)
		}
	}
	return !d.bad
}

// oneString decodes an object whose only declared field is the string
// name, and returns it.
func (d *scanner) oneString(name string, names []string) string {
	if !d.open('{') {
		return ""
	}
	var s string
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.member(n)
		if !more {
			break
		}
		if string(key) == name {
			if d.seen(&mask, 1) {
				s = d.str()
			}
		} else {
			d.unknown(key, names...)
		}
	}
	return s
}

// boolean decodes true or false.
func (d *scanner) boolean() bool {
	switch d.peek() {
	case 't':
		return d.literal("true")
	case 'f':
		d.literal("false")
		return false
	}
	d.fail()
	return false
}

func (d *scanner) text() *Text {
	if !d.open('{') {
		return nil
	}
	t := new(Text)
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.member(n)
		if !more {
			break
		}
		switch string(key) {
		case "preview_url":
			if d.seen(&mask, 1) {
				t.PreviewURL = d.boolean()
			}
		case "body":
			if d.seen(&mask, 2) {
				t.Body = d.str()
			}
		default:
			d.unknown(key, namesText...)
		}
	}
	return t
}

func (d *scanner) template() *Template {
	if !d.open('{') {
		return nil
	}
	t := new(Template)
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.member(n)
		if !more {
			break
		}
		switch string(key) {
		case "name":
			if d.seen(&mask, 1) {
				t.Name = d.str()
			}
		case "language":
			if d.seen(&mask, 2) {
				d.language(&t.Language)
			}
		case "components":
			if d.seen(&mask, 4) {
				t.Components = d.components()
			}
		default:
			d.unknown(key, namesTemplate...)
		}
	}
	return t
}

func (d *scanner) language(l *TemplateLanguage) {
	if !d.open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.member(n)
		if !more {
			break
		}
		switch string(key) {
		case "code":
			if d.seen(&mask, 1) {
				l.Code = d.internStr(knownSendStrings)
			}
		case "policy":
			if d.seen(&mask, 2) {
				l.Policy = d.internStr(knownSendStrings)
			}
		default:
			d.unknown(key, namesLanguage...)
		}
	}
}

func (d *scanner) components() []TemplateComponent {
	if !d.open('[') {
		return nil
	}
	out := []TemplateComponent{}
	for n := 0; d.element(n); n++ {
		if !d.open('{') {
			return nil
		}
		var c TemplateComponent
		var mask uint32
		for m := 0; ; m++ {
			key, more := d.member(m)
			if !more {
				break
			}
			switch string(key) {
			case "type":
				if d.seen(&mask, 1) {
					c.Type = d.internStr(knownSendStrings)
				}
			case "sub_type":
				if d.seen(&mask, 2) {
					c.SubType = d.str()
				}
			case "index":
				if d.seen(&mask, 4) {
					c.Index = d.str()
				}
			case "parameters":
				if d.seen(&mask, 8) {
					c.Parameters = d.parameters()
				}
			default:
				d.unknown(key, namesComponent...)
			}
		}
		out = append(out, c)
	}
	return out
}

func (d *scanner) parameters() []TemplateParameter {
	if !d.open('[') {
		return nil
	}
	out := []TemplateParameter{}
	for n := 0; d.element(n); n++ {
		if !d.open('{') {
			return nil
		}
		var p TemplateParameter
		var mask uint32
		for m := 0; ; m++ {
			key, more := d.member(m)
			if !more {
				break
			}
			switch string(key) {
			case "type":
				if d.seen(&mask, 1) {
					p.Type = d.internStr(knownSendStrings)
				}
			case "text":
				if d.seen(&mask, 2) {
					p.Text = d.str()
				}
			default:
				d.unknown(key, namesParameter...)
			}
		}
		out = append(out, p)
	}
	return out
}

func (d *scanner) media() *Media {
	if !d.open('{') {
		return nil
	}
	m := new(Media)
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.member(n)
		if !more {
			break
		}
		switch string(key) {
		case "id":
			if d.seen(&mask, 1) {
				m.ID = d.str()
			}
		case "link":
			if d.seen(&mask, 2) {
				m.Link = d.str()
			}
		case "caption":
			if d.seen(&mask, 4) {
				m.Caption = d.str()
			}
		case "filename":
			if d.seen(&mask, 8) {
				m.Filename = d.str()
			}
		default:
			d.unknown(key, namesMedia...)
		}
	}
	return m
}
