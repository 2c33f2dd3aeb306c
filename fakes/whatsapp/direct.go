package whatsapp

import (
	"encoding/binary"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Direct is the platform called with values instead of HTTP, for a
// simulator that plays a world without bytes: the same rules, records,
// ids and journal as the API and the webhooks, with no JSON, no signature
// and no request. Each call does what its wire counterpart does to the
// platform's state; webhooks are handed to the caller as the values they
// would carry, and journaled as answered 200 (without a body) on their
// first try. Retries, the fault plan (Config.Faults, which acts in the
// webhook deliveries and the send handler), the verification handshake,
// AutoFlush and file contents (uploads are sizes) have no direct form.
type Direct struct {
	s            *Server
	msgs, upload *http.Request // what the journal records of a send and an upload
	texts        []Text        // room for the Texts of returned messages (s.mu)
}

// textBlock is how many Texts Direct allocates at once.
const textBlock = 256

// newTextLocked returns a new Text of body body, allocated a block at a
// time: each is handed out once, and a block lives as long as any of
// its Texts. s.mu must be held.
func (d *Direct) newTextLocked(body string) *Text {
	if len(d.texts) == 0 {
		d.texts = make([]Text, textBlock)
	}
	t := &d.texts[0]
	d.texts = d.texts[1:]
	t.Body = body
	return t
}

// Direct returns the platform's direct entry points; apiVersion
// ("v21.0") is the version the journal records in request paths.
func (s *Server) Direct(apiVersion string) *Direct {
	base := "/" + apiVersion + "/" + s.cfg.PhoneNumberID
	req := func(path string) *http.Request {
		return &http.Request{Method: http.MethodPost, URL: &url.URL{Path: path}}
	}
	return &Direct{s: s, msgs: req(base + "/messages"), upload: req(base + "/media")}
}

// CustomerMessage records a message of kind from the customer from as the
// customer's phone sends it (for kind "text", body is the text; for
// media, the caption, as CustomerMedia takes it), and returns the message its webhook carries, without its
// timestamp (the receiver reads its own clock). A media file must pass
// [Server.CheckMedia]; otherwise the *Error is returned and nothing
// happens.
func (d *Direct) CustomerMessage(from, kind, format, body string, size int64) (m InboundMessage, err error) {
	err = d.CustomerMessageTo(&m, from, kind, format, body, size)
	return m, err
}

// CustomerMessageTo is CustomerMessage setting *m, which it zeroes first,
// instead of returning the message: for a caller that keeps it where it
// is. m is left zero when there is an error.
func (d *Direct) CustomerMessageTo(m *InboundMessage, from, kind, format, body string, size int64) error {
	*m = InboundMessage{}
	s := d.s
	sum := ""
	if kind != "text" {
		var e *Error
		if kind, format, sum, e = s.inboundMedia(kind, format, size); e != nil {
			return e
		}
	}
	now := s.now()
	s.mu.Lock()
	if err := s.recordInboundMessageLocked(m, now, from, kind, format, body, sum, size); err != nil {
		s.mu.Unlock()
		*m = InboundMessage{}
		return err
	}
	if kind == "text" {
		m.Text = d.newTextLocked(body)
	}
	s.addAnsweredLocked(now, "messages", m.ID)
	s.mu.Unlock()
	return nil
}

// CustomerText records a text message from the customer from as
// CustomerMessage does, and returns what its webhook carries but its
// type, its text (the fake keeps nothing of a text's body) and its
// timestamp: the sender's wa_id and the wamid; with now, the platform's
// time of the message. For a caller that has the text at hand: no
// message is made for it.
func (d *Direct) CustomerText(from string) (waID, id string, now time.Time, err error) {
	s := d.s
	now = s.now()
	s.mu.Lock()
	if waID, id, err = s.recordInboundLocked(now, from); err == nil {
		s.addAnsweredLocked(now, "messages", id)
	}
	s.mu.Unlock()
	return waID, id, now, err
}

// inboundMedia checks a customer's media file of kind, format and size
// as CustomerMedia does, and returns its kind and format in their
// normal forms and its mediaSum; out of CustomerMessageTo's way, which
// mostly takes texts.
//
//go:noinline
func (s *Server) inboundMedia(kind, format string, size int64) (string, string, string, *Error) {
	kind = strings.ToLower(kind)
	if e := s.CheckMedia(kind, format, size); e != nil {
		return "", "", "", e
	}
	return kind, normFormat(format), mediaSum(kind, size), nil
}

// CustomerReply records the customer from's text reply to the business
// message contextID as [Server.CustomerReply] does, and returns the
// message its webhook carries.
func (d *Direct) CustomerReply(from, text, contextID string) (InboundMessage, error) {
	e, err := replyEvent(text, contextID)
	return d.event(from, e, err)
}

// CustomerButton records the customer from's tap on a quick-reply button
// of the template contextID as [Server.CustomerButton] does.
func (d *Direct) CustomerButton(from, contextID, text, payload string) (InboundMessage, error) {
	e, err := buttonEvent(contextID, text, payload)
	return d.event(from, e, err)
}

// CustomerInteractive records the customer from's answer to the
// interactive message contextID as [Server.CustomerInteractive] does.
func (d *Direct) CustomerInteractive(from, contextID, kind, id, title, description string) (InboundMessage, error) {
	e, err := interactiveEvent(contextID, kind, id, title, description)
	return d.event(from, e, err)
}

// CustomerReaction records the customer from's reaction with emoji to the
// business message messageID as [Server.CustomerReaction] does.
func (d *Direct) CustomerReaction(from, messageID, emoji string) (InboundMessage, error) {
	e, err := d.s.reactionEvent(messageID, emoji)
	return d.event(from, e, err)
}

// event records the message of event e (unless err is set) and journals
// its webhook as answered 200.
func (d *Direct) event(from string, e event, err error) (InboundMessage, error) {
	if err != nil {
		return InboundMessage{}, err
	}
	s := d.s
	m, now, err := s.recordEvent(from, e)
	if err != nil {
		return InboundMessage{}, err
	}
	s.mu.Lock()
	s.addAnsweredLocked(now, "messages", m.ID)
	s.mu.Unlock()
	return m, nil
}

// Send runs a send (or mark-as-read) request through the rules as a POST
// to the messages endpoint does, and records it. It returns the
// recipient's wa_id and the wamid of an accepted send (both "" for a
// mark-as-read), or the error the API answers; in [Async] mode a window
// error is accepted here and fails later by status. The error's FBTraceID
// is set as on the wire.
func (d *Direct) Send(req *SendRequest) (waID, id string, e *Error) {
	var a accepted
	e = d.s.accept(&a, d.msgs, req, true)
	return a.waID, a.id, e
}

// Upload stores a file of MIME type mimeType and size bytes (zeros) as the
// media endpoint does and returns its media id, or the error the endpoint
// answers.
func (d *Direct) Upload(mimeType string, size int64) (string, *Error) {
	return d.s.addUpload(d.upload, mimeType, size, nil, webpUnknown)
}

// Idle reports, without the lock, that no status is queued and no read
// status waits: Statuses would hand nothing, whatever the time.
func (d *Direct) Idle() bool { return d.s.due.at.Load() == noDue }

// QueuedStatus is a status webhook as Statuses hands it on: the fields a
// receiver acts on at hand, and the whole status its webhook carries made
// by Status on demand. It is a value of its own: it stays as it is after
// Statuses returns.
type QueuedStatus struct{ p pending }

// ID is the wamid of the business message the status is about.
func (q *QueuedStatus) ID() string { return q.p.id }

// State is the status: "sent", "delivered", "read" or "failed".
func (q *QueuedStatus) State() string { return q.p.status }

// RecipientID is the wa_id of the customer the message went to.
func (q *QueuedStatus) RecipientID() string { return q.p.to }

// ErrorCode is the code of a failed status's error; ok is false for a
// status without one.
func (q *QueuedStatus) ErrorCode() (code int, ok bool) {
	if q.p.err == nil {
		return 0, false
	}
	return q.p.err.Code, true
}

// Status is the status the webhook carries, as Flush posts it (with its
// timestamp, conversation, pricing and errors).
func (q *QueuedStatus) Status() Status { return statusOf(&q.p) }

// Statuses hands the queued status webhooks to deliver in the order Flush
// posts them, and returns how many it handed. As with Flush, the read
// statuses due by now are queued first, a status still held by its send
// waits (with those after it), and the error of a failed status becomes
// the customer's LastError and enters the journal. Each is journaled as
// answered at the time Statuses was called.
func (d *Direct) Statuses(deliver func(QueuedStatus)) int {
	s := d.s
	if s.due.at.Load() == noDue { // nothing queued or waiting, whatever the time
		return 0
	}
	now := s.now()
	if !s.dueBy(now) { // nothing due yet: without the lock
		return 0
	}
	s.mu.Lock()
	s.releaseReadsLocked(now)
	k := 0
	for k < len(s.queue) && (s.queue[k].hold == nil || s.queue[k].hold.released) {
		k++
	}
	q := s.queue[:k:k]
	whole := k == len(s.queue) // q is all of the queue's storage in use
	if whole {
		s.queue = nil
	} else {
		s.queue = s.queue[k:]
	}
	s.noteDueLocked()
	s.mu.Unlock()
	for i := range q {
		p := &q[i]
		deliver(QueuedStatus{*p})
		s.mu.Lock()
		if p.err != nil {
			s.addErrorLocked(ErrorEntry{At: p.at, To: p.to, Code: p.err.Code, HTTPStatus: http.StatusOK,
				Details: p.err.Details(), Async: true, ID: p.id}, s.customerLocked(p.to))
		}
		s.addAnsweredLocked(now, "statuses", p.id)
		s.mu.Unlock()
		q[i] = pending{}
	}
	if whole && cap(q) > 0 {
		// Every entry is cleared and nothing else refers to the storage:
		// the queue reuses it unless a send has queued anew meanwhile.
		s.mu.Lock()
		if s.queue == nil {
			s.queue = q[:0:cap(q)]
		}
		s.mu.Unlock()
	}
	return len(q)
}

// statusOf is the status a queued status webhook carries.
func statusOf(p *pending) Status {
	st := Status{ID: p.id, Status: p.status, Timestamp: strconv.FormatInt(p.at.Unix(), 10), RecipientID: p.to}
	if p.err != nil {
		st.Errors = []StatusError{{Code: p.err.Code, Title: p.err.Title(), Message: p.err.Title(),
			ErrorData: StatusErrorData{Details: p.err.Details()}, Href: errorHref}}
	} else {
		// One allocation for both: they live and die with the status.
		x := &struct {
			c Conversation
			p Pricing
		}{Conversation{ID: p.convID, Origin: ConversationOrigin{Type: p.category}},
			Pricing{Billable: true, PricingModel: "CBP", Category: p.category}}
		if p.convExp != 0 {
			x.c.ExpirationTimestamp = strconv.FormatInt(p.convExp, 10)
		}
		st.Conversation, st.Pricing = &x.c, &x.p
	}
	return st
}

// vouched reports whether Config.KnownValid vouches for d, a number of
// digits only.
func (s *Server) vouched(d string) bool {
	if s.cfg.KnownValid == nil || d == "" || len(d) > 15 || !digits16(d) {
		return false
	}
	return s.cfg.KnownValid(d)
}

// digits16 reports whether d, of at most 16 bytes, is ASCII digits only
// ("" is). It reads d as two words, eight bytes at a time: a byte c is a
// digit when neither c-'0' nor c+(0x7f-'9') reaches 0x80. A borrow or
// carry crosses into the next byte only from a byte that is not a digit,
// so it cannot hide one. From eight bytes on, the words are d's first and
// last eight bytes, which overlap but for a d of 16, and cover it; a
// shorter d is padded with '0'.
func digits16(d string) bool {
	var lo, hi uint64
	if n := len(d); n >= 8 {
		lo, hi = le64(d), le64(d[n-8:])
	} else {
		b := [8]byte{'0', '0', '0', '0', '0', '0', '0', '0'}
		copy(b[:], d)
		lo, hi = binary.LittleEndian.Uint64(b[:]), '0'*0x0101010101010101
	}
	const ones = 0x0101010101010101
	const up = (0x7f - '9') * ones
	return ((lo-'0'*ones)|(lo+up)|(hi-'0'*ones)|(hi+up))&(0x80*ones) == 0
}

// le64 is the first eight bytes of s, which has them, little-endian: one
// load.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
