package whatsapp

import (
	"time"

	"github.com/omnisim/omnisim/fakes/journal"
)

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
	// srcStatus: the status, recipient, conversation id and category;
	// srcText: the contact's name, the sender and the text. The wamid,
	// which the webhook's hook or journal entry holds, is not repeated.
	s [4]string
}

// statusSource is the source of p's webhook; p has no error.
func statusSource(p *pending) bodySource {
	return bodySource{kind: srcStatus, unix: p.at.Unix(), exp: p.convExp, s: [4]string{p.status, p.to, p.convID, p.category}}
}

// appendSource appends the body src gives for the webhook of wamid id.
func (s *Server) appendSource(b []byte, src *bodySource, id string) []byte {
	switch src.kind {
	case srcStatus:
		p := pending{status: src.s[0], id: id, to: src.s[1], at: time.Unix(src.unix, 0), convID: src.s[2],
			category: src.s[3], convExp: src.exp}
		return s.appendStatusWebhook(b, &p)
	case srcText:
		t := Text{Body: src.s[2]}
		m := InboundMessage{From: src.s[1], ID: id, Type: "text", Text: &t}
		return s.appendInboundWebhook(b, src.s[0], &m, src.unix)
	}
	return b
}

// webhookRec is a Webhooks journal entry, kept compact (the journal
// holds thousands, rewritten in turn): what every try has, the source
// its body is encoded from again when it has one (src), and in rare
// what only a failed try, a verification or a body kept as bytes has.
type webhookRec struct {
	at          time.Time
	kind, id    string
	status, try int32
	src         bodySource
	rare        *webhookRare // nil: no error, no retry and no body bytes
}

// webhookRare is the part of a Webhooks journal entry that most have
// none of.
type webhookRare struct {
	err     string
	nextTry time.Time
	body    []byte
}

// webhook is the journal's Webhook of r, its body encoded from its
// source when it has one.
func (s *Server) webhook(r *webhookRec) Webhook {
	w := Webhook{At: r.at, Kind: r.kind, Status: int(r.status), ID: r.id, Try: int(r.try)}
	if x := r.rare; x != nil {
		w.Err, w.NextTry, w.Body = x.err, x.nextTry, x.body
	}
	if w.Body == nil && r.src.kind != srcNone {
		w.Body = s.appendSource(nil, &r.src, r.id)
	}
	return w
}

// webhookJournal is the Webhooks list of the journal. s.mu must be held.
func (s *Server) webhookJournal() []Webhook {
	return journal.Map(&s.webhooks, s.webhook)
}
