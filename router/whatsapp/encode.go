package whatsapp

import (
	"unicode/utf8"

	"github.com/omnisim/omnisim/jsonscan"
)

// Append encoders of the Graph API request bodies: the bytes encodeJSON
// (encoding/json without HTML escaping) gives for the same structs, written
// without reflection. encode_test.go checks them against encodeJSON.

// appendSendRequest appends encodeJSON(r).
func appendSendRequest(b []byte, r *sendRequest) []byte {
	// The fields every send has the same, and the type of a text, are
	// written as literals.
	if r.MessagingProduct == "whatsapp" && r.RecipientType == "individual" {
		b = append(b, `{"messaging_product":"whatsapp","recipient_type":"individual","to":`...)
	} else {
		b = append(b, `{"messaging_product":`...)
		b = appendJSONString(b, r.MessagingProduct)
		b = append(b, `,"recipient_type":`...)
		b = appendJSONString(b, r.RecipientType)
		b = append(b, `,"to":`...)
	}
	b = appendJSONString(b, r.To)
	if r.Type == "text" {
		b = append(b, `,"type":"text"`...)
	} else {
		b = append(b, `,"type":`...)
		b = appendJSONString(b, r.Type)
	}
	if t := r.Text; t != nil {
		if t.PreviewURL {
			b = append(b, `,"text":{"preview_url":true,"body":`...)
		} else {
			b = append(b, `,"text":{"preview_url":false,"body":`...)
		}
		b = appendJSONString(b, t.Body)
		b = append(b, '}')
	}
	if t := r.Template; t != nil {
		b = append(b, `,"template":{"name":`...)
		b = appendJSONString(b, t.Name)
		b = append(b, `,"language":{"code":`...)
		b = appendJSONString(b, t.Language.Code)
		b = append(b, `,"policy":`...)
		b = appendJSONString(b, t.Language.Policy)
		b = append(b, '}')
		if len(t.Components) > 0 {
			b = append(b, `,"components":[`...)
			for i := range t.Components {
				c := &t.Components[i]
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"type":`...)
				b = appendJSONString(b, c.Type)
				b = append(b, `,"parameters":`...)
				if c.Parameters == nil {
					b = append(b, "null"...)
				} else {
					b = append(b, '[')
					for j := range c.Parameters {
						p := &c.Parameters[j]
						if j > 0 {
							b = append(b, ',')
						}
						b = append(b, `{"type":`...)
						b = appendJSONString(b, p.Type)
						b = append(b, `,"text":`...)
						b = appendJSONString(b, p.Text)
						b = append(b, '}')
					}
					b = append(b, ']')
				}
				b = append(b, '}')
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	for _, m := range [...]struct {
		name string
		m    *sendMedia
	}{{`,"image":`, r.Image}, {`,"audio":`, r.Audio}, {`,"video":`, r.Video}, {`,"document":`, r.Document}, {`,"sticker":`, r.Sticker}} {
		if m.m == nil {
			continue
		}
		b = append(b, m.name...)
		b = append(b, `{"id":`...)
		b = appendJSONString(b, m.m.ID)
		if m.m.Caption != "" {
			b = append(b, `,"caption":`...)
			b = appendJSONString(b, m.m.Caption)
		}
		if m.m.Filename != "" {
			b = append(b, `,"filename":`...)
			b = appendJSONString(b, m.m.Filename)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendReadRequest appends encodeJSON(&readRequest{...}).
func appendReadRequest(b []byte, r *readRequest) []byte {
	b = append(b, `{"messaging_product":`...)
	b = appendJSONString(b, r.MessagingProduct)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, r.Status)
	b = append(b, `,"message_id":`...)
	b = appendJSONString(b, r.MessageID)
	return append(b, '}')
}

const lowerHex = "0123456789abcdef"

// appendJSONString appends s as encoding/json writes a string without HTML
// escaping: ", \ and control characters escaped (\b \f \n \r \t short),
// invalid UTF-8 as \ufffd, U+2028 and U+2029 as \u2028 and \u2029, all
// else as is.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// The plain bytes at once: printable ASCII other than " and \,
		// written as they are.
		if i = jsonscan.PlainEnd(s, i); i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', lowerHex[c>>4], lowerHex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', lowerHex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
