package whatsapp

import (
	"crypto/sha256"
	"strconv"

	"github.com/omnisim/omnisim/headmac"
	"github.com/omnisim/omnisim/jsonscan"
)

// Append encoders of the webhook payloads: they write Meta's escaped-unicode
// JSON directly, byte for byte what EncodeEscaped produces for the same
// values (field order, omitempty), without reflection. encode_test.go
// checks them against EncodeEscaped, and composes the same pieces into an
// encoder of any WebhookPayload that it checks on random payloads.

func appendText(b []byte, t *Text) []byte {
	b = append(b, '{')
	if t.PreviewURL {
		b = append(b, `"preview_url":true,`...)
	}
	b = append(b, `"body":`...)
	b = appendString(b, t.Body)
	return append(b, '}')
}

func appendInboundMedia(b []byte, m *InboundMedia) []byte {
	b = append(b, '{')
	if m.Caption != "" {
		b = append(b, `"caption":`...)
		b = appendString(b, m.Caption)
		b = append(b, ',')
	}
	if m.Filename != "" {
		b = append(b, `"filename":`...)
		b = appendString(b, m.Filename)
		b = append(b, ',')
	}
	b = append(b, `"mime_type":`...)
	b = appendString(b, m.MimeType)
	b = append(b, `,"sha256":`...)
	b = appendString(b, m.SHA256)
	b = append(b, `,"id":`...)
	b = appendString(b, m.ID)
	if m.Voice {
		b = append(b, `,"voice":true`...)
	}
	if m.Animated {
		b = append(b, `,"animated":true`...)
	}
	return append(b, '}')
}

func appendPricing(b []byte, billable bool, model, category string) []byte {
	if billable {
		b = append(b, `{"billable":true,"pricing_model":`...)
	} else {
		b = append(b, `{"billable":false,"pricing_model":`...)
	}
	b = appendString(b, model)
	b = append(b, `,"category":`...)
	b = appendString(b, category)
	return append(b, '}')
}

func appendStatusError(b []byte, code int, title, message, details, href string) []byte {
	b = append(b, `{"code":`...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, `,"title":`...)
	b = appendString(b, title)
	b = append(b, `,"message":`...)
	b = appendString(b, message)
	b = append(b, `,"error_data":{"details":`...)
	b = appendString(b, details)
	b = append(b, `},"href":`...)
	b = appendString(b, href)
	return append(b, '}')
}

// appendQuotedInt appends n as a JSON string of its decimal digits (the
// form of Meta's timestamps).
func appendQuotedInt(b []byte, n int64) []byte {
	b = append(b, '"')
	b = strconv.AppendInt(b, n, 10)
	return append(b, '"')
}

// The hot paths: the fake's two webhook kinds, written from the server's
// state without building the payload structs. Their output equals
// EncodeEscaped(s.envelope(...)) of the same content (encode_test.go).

// envelopeHead and envelopeTail frame a "messages" change value of this
// server: the head ends inside the value after its metadata.
func (s *Server) buildEnvelope() {
	b := append([]byte(nil), `{"object":"whatsapp_business_account","entry":[{"id":`...)
	b = appendString(b, s.cfg.BusinessAccountID)
	b = append(b, `,"changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":`...)
	b = appendString(b, s.cfg.DisplayPhoneNumber)
	b = append(b, `,"phone_number_id":`...)
	b = appendString(b, s.cfg.PhoneNumberID)
	s.envHead = append(b, '}')
}

const envelopeTail = `},"field":"messages"}]}]}`

// appendInboundWebhook appends the body of an inbound message webhook:
// EncodeEscaped(s.envelope(WebhookValue{Contacts: [{name, m.From}],
// Messages: [m]})), with the timestamp given as Unix seconds. m's wamid
// is one this server made (appendID writes it).
func (s *Server) appendInboundWebhook(b []byte, name string, m *InboundMessage, unix int64) []byte {
	b = append(b, s.envHead...)
	b = append(b, `,"contacts":[{"profile":{"name":`...)
	b = appendString(b, name)
	b = append(b, `},"wa_id":`...)
	// The sender's wa_id, encoded once: "from" is the same.
	from := len(b)
	b = appendString(b, m.From)
	to := len(b)
	b = append(b, `}],"messages":[{`...)
	if m.Context != nil {
		b = appendContext(b, m.Context)
	}
	b = append(b, `"from":`...)
	b = append(b, b[from:to]...)
	b = append(b, `,"id":`...)
	b = appendID(b, m.ID)
	b = append(b, `,"timestamp":`...)
	b = appendQuotedInt(b, unix)
	if m.Type == "text" {
		b = append(b, `,"type":"text"`...)
	} else {
		b = append(b, `,"type":`...)
		b = appendString(b, m.Type)
	}
	if m.Text != nil {
		b = append(b, `,"text":`...)
		b = appendText(b, m.Text)
	}
	for _, md := range [...]struct {
		name string
		m    *InboundMedia
	}{{`,"image":`, m.Image}, {`,"audio":`, m.Audio}, {`,"video":`, m.Video}, {`,"document":`, m.Document}, {`,"sticker":`, m.Sticker}} {
		if md.m != nil {
			b = append(b, md.name...)
			b = appendInboundMedia(b, md.m)
		}
	}
	b = appendReplyContent(b, m)
	b = append(b, "}]"...)
	return append(b, envelopeTail...)
}

// appendStatusWebhook appends the body of a queued status's webhook:
// EncodeEscaped(s.statusPayload(p)). p's wamid is one this server made
// (appendID writes it).
func (s *Server) appendStatusWebhook(b []byte, p *pending) []byte {
	b = append(b, s.envHead...)
	b = append(b, `,"statuses":[{"id":`...)
	b = appendID(b, p.id)
	b = append(b, `,"status":`...)
	b = appendString(b, p.status)
	b = append(b, `,"timestamp":`...)
	b = appendQuotedInt(b, p.at.Unix())
	b = append(b, `,"recipient_id":`...)
	b = appendString(b, p.to)
	if p.err != nil {
		title := p.err.Title()
		b = append(b, `,"errors":[`...)
		b = appendStatusError(b, p.err.Code, title, title, p.err.Details(), errorHref)
		b = append(b, ']')
	} else {
		b = append(b, `,"conversation":{"id":`...)
		b = appendString(b, p.convID)
		if p.convExp != 0 {
			b = append(b, `,"expiration_timestamp":`...)
			b = appendQuotedInt(b, p.convExp)
		}
		b = append(b, `,"origin":{"type":`...)
		b = appendString(b, p.category)
		b = append(b, `}},"pricing":`...)
		b = appendPricing(b, true, "CBP", p.category)
	}
	b = append(b, "}]"...)
	return append(b, envelopeTail...)
}

// sign is Sign with the server's AppSecret and a pooled keyed HMAC that
// resumes after the envelope head the webhook bodies start with (headmac
// compares the head: a body that starts otherwise is signed all the same).
func (s *Server) sign(body []byte) string {
	m := s.macs.Get().(*signer)
	var out [7 + 2*sha256.Size]byte
	copy(out[:], "sha256=")
	sig := m.sigs.Make(headmac.AppendHex(out[:7], m.mac.Sum(body, len(s.envHead))))
	s.macs.Put(m)
	return sig
}

// signer is a keyed HMAC and the arena of the signatures it makes, pooled
// together: a signature is a header value read once by the receiver.
type signer struct {
	mac  *headmac.MAC
	sigs jsonscan.Arena
}

func (s *Server) newMAC() any { return &signer{mac: headmac.New([]byte(s.cfg.AppSecret))} }
