package whatsapp

import (
	"encoding/json"
	"sync"

	"github.com/omnisim/omnisim/jsonscan"
)

// scanner is the package's one-pass JSON reader: the decoders here are its
// methods.
type scanner struct {
	jsonscan.Scanner
	// textRoom, when not nil, is where the next text object is decoded
	// instead of a new Text.
	textRoom *Text
	// strs makes the recipients ("to") and text bodies decoded: a
	// recipient is read while the request is answered, a body lives as
	// long as the delivery the platform keeps of it.
	strs jsonscan.Arena
}

// decodeSendRequest decodes a send (or mark-as-read) body into *req exactly
// as json.Unmarshal does: the one-pass scanner answers when it can, and
// encoding/json otherwise (its error is the one answered). textRoom, when
// not nil, is where the scanner may decode the text object (req.Text then
// points to it) instead of a Text of its own.
func decodeSendRequest(body []byte, req *SendRequest, textRoom *Text) error {
	d := sendScanners.Get().(*scanner)
	if d.wholeText(body, req, textRoom) {
		sendScanners.Put(d)
		return nil
	}
	d.Reset(body)
	d.textRoom = textRoom
	ok := d.sendRequest(req) && d.End()
	d.textRoom = nil
	d.Clear()
	sendScanners.Put(d)
	if ok {
		return nil
	}
	// Decoded in a value of its own, so that req (the caller's, on its
	// stack) is not handed to encoding/json, which would move it to the
	// heap on every call.
	var r SendRequest
	err := json.Unmarshal(body, &r)
	*req = r
	return err
}

var sendScanners = sync.Pool{New: func() any { return new(scanner) }}

// The text send a router sends most, as the adapter of this project and
// encoding/json write it: <to> and <body> are runs of plain bytes
// (jsonscan.PlainEnd), and <bool> is false or true.
//
//	{"messaging_product":"whatsapp","recipient_type":"individual","to":"<to>",
//	"type":"text","text":{"preview_url":<bool>,"body":"<body>"}}
const (
	wholeTextHead = `{"messaging_product":"whatsapp","recipient_type":"individual","to":"`
	wholeTextMid  = `","type":"text","text":{"preview_url":`
	wholeTextBody = `,"body":"`
	wholeTextTail = `"}}`
)

// wholeText decodes body into *req as sendRequest does when body is the
// text send matched whole, and reports whether it was; otherwise it
// leaves *req alone. The text object is decoded into room when not nil.
func (d *scanner) wholeText(body []byte, req *SendRequest, room *Text) bool {
	b, ok := cutPrefix(body, wholeTextHead)
	if !ok {
		return false
	}
	n := jsonscan.PlainEnd(b, 0)
	to := b[:n]
	if b, ok = cutPrefix(b[n:], wholeTextMid); !ok {
		return false
	}
	preview := false
	if b, ok = cutPrefix(b, "false"); !ok {
		if b, ok = cutPrefix(b, "true"); !ok {
			return false
		}
		preview = true
	}
	if b, ok = cutPrefix(b, wholeTextBody); !ok {
		return false
	}
	n = jsonscan.PlainEnd(b, 0)
	text := b[:n]
	if string(b[n:]) != wholeTextTail {
		return false
	}
	t := room
	if t == nil {
		t = new(Text)
	}
	*t = Text{PreviewURL: preview, Body: d.strs.Make(text)}
	*req = SendRequest{MessagingProduct: "whatsapp", RecipientType: "individual", To: d.strs.Make(to), Type: "text", Text: t}
	return true
}

// cutPrefix is bytes.CutPrefix with a string prefix, compared without a
// conversion.
func cutPrefix(b []byte, prefix string) ([]byte, bool) {
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return b, false
	}
	return b[len(prefix):], true
}

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

func (d *scanner) sendRequest(r *SendRequest) bool {
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
		case "messaging_product":
			if d.Seen(&mask, 1<<0) {
				r.MessagingProduct = d.StrIn(knownSendStrings)
			}
		case "recipient_type":
			if d.Seen(&mask, 1<<1) {
				r.RecipientType = d.StrIn(knownSendStrings)
			}
		case "to":
			if d.Seen(&mask, 1<<2) {
				if b, ok := d.StrBytes(); ok {
					r.To = d.strs.Make(b)
				}
			}
		case "status":
			if d.Seen(&mask, 1<<3) {
				r.Status = d.StrIn(knownSendStrings)
			}
		case "message_id":
			if d.Seen(&mask, 1<<4) {
				r.MessageID = d.Str()
			}
		case "typing_indicator":
			if d.Seen(&mask, 1<<5) {
				r.TypingIndicator = &TypingIndicator{Type: d.OneStr("type", namesType, nil)}
			}
		case "type":
			if d.Seen(&mask, 1<<6) {
				r.Type = d.StrIn(knownSendStrings)
			}
		case "context":
			if d.Seen(&mask, 1<<7) {
				r.Context = &Context{MessageID: d.OneStr("message_id", namesMessageID, nil)}
			}
		case "text":
			if d.Seen(&mask, 1<<8) {
				r.Text = d.text()
			}
		case "template":
			if d.Seen(&mask, 1<<9) {
				r.Template = d.template()
			}
		case "image":
			if d.Seen(&mask, 1<<10) {
				r.Image = d.media()
			}
		case "audio":
			if d.Seen(&mask, 1<<11) {
				r.Audio = d.media()
			}
		case "video":
			if d.Seen(&mask, 1<<12) {
				r.Video = d.media()
			}
		case "document":
			if d.Seen(&mask, 1<<13) {
				r.Document = d.media()
			}
		case "sticker":
			if d.Seen(&mask, 1<<14) {
				r.Sticker = d.media()
			}
		default:
			d.Unknown(key, namesSend...)
		}
	}
	return d.OK()
}

func (d *scanner) text() *Text {
	if !d.Open('{') {
		return nil
	}
	t := d.textRoom
	if t != nil {
		d.textRoom = nil
		*t = Text{}
	} else {
		t = new(Text)
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			break
		}
		switch string(key) {
		case "preview_url":
			if d.Seen(&mask, 1) {
				t.PreviewURL = d.Bool()
			}
		case "body":
			if d.Seen(&mask, 2) {
				if b, ok := d.StrBytes(); ok {
					t.Body = d.strs.Make(b)
				}
			}
		default:
			d.Unknown(key, namesText...)
		}
	}
	return t
}

func (d *scanner) template() *Template {
	if !d.Open('{') {
		return nil
	}
	t := new(Template)
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			break
		}
		switch string(key) {
		case "name":
			if d.Seen(&mask, 1) {
				t.Name = d.Str()
			}
		case "language":
			if d.Seen(&mask, 2) {
				d.language(&t.Language)
			}
		case "components":
			if d.Seen(&mask, 4) {
				t.Components = d.components()
			}
		default:
			d.Unknown(key, namesTemplate...)
		}
	}
	return t
}

func (d *scanner) language(l *TemplateLanguage) {
	if !d.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			break
		}
		switch string(key) {
		case "code":
			if d.Seen(&mask, 1) {
				l.Code = d.StrIn(knownSendStrings)
			}
		case "policy":
			if d.Seen(&mask, 2) {
				l.Policy = d.StrIn(knownSendStrings)
			}
		default:
			d.Unknown(key, namesLanguage...)
		}
	}
}

func (d *scanner) components() []TemplateComponent {
	if !d.Open('[') {
		return nil
	}
	out := []TemplateComponent{}
	for n := 0; d.Element(n); n++ {
		if !d.Open('{') {
			return nil
		}
		var c TemplateComponent
		var mask uint32
		for m := 0; ; m++ {
			key, more := d.Member(m)
			if !more {
				break
			}
			switch string(key) {
			case "type":
				if d.Seen(&mask, 1) {
					c.Type = d.StrIn(knownSendStrings)
				}
			case "sub_type":
				if d.Seen(&mask, 2) {
					c.SubType = d.Str()
				}
			case "index":
				if d.Seen(&mask, 4) {
					c.Index = d.Str()
				}
			case "parameters":
				if d.Seen(&mask, 8) {
					c.Parameters = d.parameters()
				}
			default:
				d.Unknown(key, namesComponent...)
			}
		}
		out = append(out, c)
	}
	return out
}

func (d *scanner) parameters() []TemplateParameter {
	if !d.Open('[') {
		return nil
	}
	out := []TemplateParameter{}
	for n := 0; d.Element(n); n++ {
		if !d.Open('{') {
			return nil
		}
		var p TemplateParameter
		var mask uint32
		for m := 0; ; m++ {
			key, more := d.Member(m)
			if !more {
				break
			}
			switch string(key) {
			case "type":
				if d.Seen(&mask, 1) {
					p.Type = d.StrIn(knownSendStrings)
				}
			case "text":
				if d.Seen(&mask, 2) {
					p.Text = d.Str()
				}
			default:
				d.Unknown(key, namesParameter...)
			}
		}
		out = append(out, p)
	}
	return out
}

func (d *scanner) media() *Media {
	if !d.Open('{') {
		return nil
	}
	m := new(Media)
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			break
		}
		switch string(key) {
		case "id":
			if d.Seen(&mask, 1) {
				m.ID = d.Str()
			}
		case "link":
			if d.Seen(&mask, 2) {
				m.Link = d.Str()
			}
		case "caption":
			if d.Seen(&mask, 4) {
				m.Caption = d.Str()
			}
		case "filename":
			if d.Seen(&mask, 8) {
				m.Filename = d.Str()
			}
		default:
			d.Unknown(key, namesMedia...)
		}
	}
	return m
}
