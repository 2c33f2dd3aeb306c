package whatsapp

import "time"

// The two webhooks sent most, a status without an error and a customer's
// plain text message, are kept as what their bodies are encoded from
// rather than as bytes: a try encodes the body into the request's own
// buffer (recycled with the request), and the journal encodes it again
// when it is read. The encoders depend on nothing but these values and
// the server's envelope, which is fixed in New, so the bytes are the same
// ones (TestJournalBodiesAreTheBytesSent).

// Kinds of bodySource.
const (
	srcNone   = iota
	srcStatus // a status webhook without an error
	srcText   // a customer's text message (CustomerText: no context)
)

// bodySource is what a webhook body is encoded from.
type bodySource struct {
	kind uint8
	unix int64 // the timestamp, Unix seconds
	exp  int64 // srcStatus: the conversation's expiration (0: none)
	// srcStatus: the status, wamid, recipient, conversation id and
	// category; srcText: the contact's name, the sender, the wamid and
	// the text.
	s [5]string
}

// statusSource is the source of p's webhook; p has no error.
func statusSource(p *pending) bodySource {
	return bodySource{kind: srcStatus, unix: p.at.Unix(), exp: p.convExp, s: [5]string{p.status, p.id, p.to, p.convID, p.category}}
}

// appendSource appends the body src gives.
func (s *Server) appendSource(b []byte, src *bodySource) []byte {
	switch src.kind {
	case srcStatus:
		p := pending{status: src.s[0], id: src.s[1], to: src.s[2], at: time.Unix(src.unix, 0), convID: src.s[3],
			category: src.s[4], convExp: src.exp}
		return s.appendStatusWebhook(b, &p)
	case srcText:
		t := Text{Body: src.s[3]}
		m := InboundMessage{From: src.s[1], ID: src.s[2], Type: "text", Text: &t}
		return s.appendInboundWebhook(b, src.s[0], &m, src.unix)
	}
	return b
}

// webhookRec is a Webhook journal entry; its Body, when nil, is src's.
type webhookRec struct {
	Webhook
	src bodySource
}

// webhookJournal is the Webhooks list of the journal. s.mu must be held.
func (s *Server) webhookJournal() []Webhook {
	return journalList(&s.webhooks, func(r *webhookRec) Webhook {
		w := r.Webhook
		if w.Body == nil && r.src.kind != srcNone {
			w.Body = s.appendSource(nil, &r.src)
		}
		return w
	})
}
