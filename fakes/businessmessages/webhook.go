package businessmessages

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/omnisim/omnisim/fakes/fault"
	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/jsonplain"
	"github.com/omnisim/omnisim/uuid4"
)

// UserMessage is a webhook payload: a user's message, receipts or status,
// with the conversation's context.
type UserMessage struct {
	Agent          string // "brands/B/agents/A"
	ConversationID string
	CustomAgentID  string
	RequestID      string // unique per payload; the receiver dedupes by it
	// Exactly one of Message, Receipts and UserStatus is set.
	Message    *UserText
	Receipts   *Receipts
	UserStatus *UserStatus
	Context    Context
	SendTime   time.Time
}

// UserText is a user's message: a text or an image.
type UserText struct {
	MessageID  string
	Name       string // "conversations/C/messages/M"
	Text       string
	ImageURL   string // an image's contentInfo.fileUrl, instead of Text
	CreateTime time.Time
}

// Receipts reports what the user's device did with the agent's messages.
type Receipts struct {
	Receipts   []Receipt
	CreateTime time.Time
}

// Receipt is one message's receipt.
type Receipt struct {
	Message     string // "conversations/C/messages/M"
	ReceiptType string // DELIVERED, READ
}

// UserStatus is a user's typing state or request for a live agent.
type UserStatus struct {
	IsTyping           bool
	RequestedLiveAgent bool
	CreateTime         time.Time
}

// Context is where the user's message came from: the entry point (the
// Maps or Search surface the user clicked), the place, the widget, the
// user's name and locale.
type Context struct {
	EntryPoint       string // PLACESHEET, MAPS, NON_LOCAL, URL, ...
	PlaceID          string
	DisplayName      string // userInfo.displayName
	UserDeviceLocale string // userInfo.userDeviceLocale
	ResolvedLocale   string
	WidgetURL        string // widget.url
	WidgetContext    string // widget.widgetContext
	CustomContext    string
	// Device is what the user's device can show, when not Config.Device:
	// the conversation takes the device of its user's latest message. It
	// is the fake's model (see Device), not part of the payload.
	Device *Device
}

// empty reports whether c has nothing to write: its fields but Device are
// empty.
func (c *Context) empty() bool {
	x := *c
	x.Device = nil
	return x == Context{}
}

// AppendJSON appends the payload as Google writes it, fields in the order
// of Google's documented examples.
func (m *UserMessage) AppendJSON(b []byte) []byte {
	b = append(b, `{"agent":`...)
	b = appendString(b, m.Agent)
	b = append(b, `,"conversationId":`...)
	b = appendString(b, m.ConversationID)
	b = append(b, `,"customAgentId":`...)
	b = appendString(b, m.CustomAgentID)
	b = append(b, `,"requestId":`...)
	b = appendString(b, m.RequestID)
	// A payload's time as written, for a sendTime equal to it.
	var created time.Time
	var createdAt, createdEnd int
	switch {
	case m.Message != nil:
		t := m.Message
		b = append(b, `,"message":{"messageId":`...)
		b = appendString(b, t.MessageID)
		b = append(b, `,"name":`...)
		b = appendString(b, t.Name)
		if t.ImageURL != "" {
			b = append(b, `,"image":{"contentInfo":{"fileUrl":`...)
			b = appendString(b, t.ImageURL)
			b = append(b, "}}"...)
		} else {
			b = append(b, `,"text":`...)
			b = appendString(b, t.Text)
		}
		b = append(b, `,"createTime":`...)
		created, createdAt = t.CreateTime, len(b)
		b = appendTime(b, t.CreateTime)
		createdEnd = len(b)
		b = append(b, '}')
	case m.Receipts != nil:
		b = append(b, `,"receipts":{"receipts":[`...)
		for i, r := range m.Receipts.Receipts {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"message":`...)
			b = appendString(b, r.Message)
			b = append(b, `,"receiptType":`...)
			b = appendString(b, r.ReceiptType)
			b = append(b, '}')
		}
		b = append(b, `],"createTime":`...)
		b = appendTime(b, m.Receipts.CreateTime)
		b = append(b, '}')
	case m.UserStatus != nil:
		b = append(b, `,"userStatus":{`...)
		if m.UserStatus.RequestedLiveAgent {
			b = append(b, `"requestedLiveAgent":true`...)
		} else {
			b = append(b, `"isTyping":`...)
			b = appendBool(b, m.UserStatus.IsTyping)
		}
		b = append(b, `,"createTime":`...)
		b = appendTime(b, m.UserStatus.CreateTime)
		b = append(b, '}')
	}
	if c := &m.Context; !c.empty() {
		b = append(b, `,"context":{`...)
		n := 0
		field := func(name, v string) {
			if v == "" {
				return
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = append(b, '"')
			b = append(b, name...)
			b = append(b, `":`...)
			b = appendString(b, v)
		}
		field("entryPoint", c.EntryPoint)
		field("placeId", c.PlaceID)
		if c.DisplayName != "" || c.UserDeviceLocale != "" {
			if n > 0 {
				b = append(b, ',')
			}
			b = append(b, `"userInfo":{`...)
			n = 0
			field("displayName", c.DisplayName)
			field("userDeviceLocale", c.UserDeviceLocale)
			b = append(b, '}')
			n = 1
		}
		if c.WidgetURL != "" || c.WidgetContext != "" {
			if n > 0 {
				b = append(b, ',')
			}
			b = append(b, `"widget":{`...)
			n = 0
			field("url", c.WidgetURL)
			field("widgetContext", c.WidgetContext)
			b = append(b, '}')
			n = 1
		}
		field("resolvedLocale", c.ResolvedLocale)
		field("customContext", c.CustomContext)
		b = append(b, '}')
	}
	b = append(b, `,"sendTime":`...)
	if createdEnd != 0 && m.SendTime.Equal(created) {
		// The same instant, written in UTC: the same bytes.
		b = append(b, b[createdAt:createdEnd]...)
	} else {
		b = appendTime(b, m.SendTime)
	}
	return append(b, '}')
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// appendTime writes a timestamp as Google does: RFC 3339 in UTC with the
// fraction it has, as a JSON string. It writes what
// t.UTC().AppendFormat(b, time.RFC3339Nano) writes (TestAppendTime) with
// the layout's rules worked out once, and the date and clock worked out
// from the Unix seconds by unsigned integer arithmetic (civilDate): a time
// before March of year 0 or past year 9999 is left to AppendFormat.
func appendTime(b []byte, t time.Time) []byte {
	const (
		march0    = -719468 * secondsPerDay // 0000-03-01T00:00:00Z in Unix seconds
		year10000 = 253402300800            // 10000-01-01T00:00:00Z in Unix seconds
	)
	unix := t.Unix()
	if unix < march0 || unix >= year10000 {
		b = append(b, '"')
		b = t.UTC().AppendFormat(b, time.RFC3339Nano)
		return append(b, '"')
	}
	since := uint64(unix - march0)
	year, month, day := civilDate(since / secondsPerDay)
	secs := since % secondsPerDay
	hour, minute, sec := secs/3600, secs/60%60, secs%60
	b = append(b, '"',
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+month/10), byte('0'+month%10), '-', byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+sec/10), byte('0'+sec%10))
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i > 0; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := len(frac)
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	return append(b, 'Z', '"')
}

const secondsPerDay = 24 * 60 * 60

// civilDate is the proleptic Gregorian date of the day days after
// 0000-03-01: Howard Hinnant's days-to-civil algorithm, whose 400-year
// eras start on March 1st so that a leap day ends its year.
func civilDate(days uint64) (year, month, day uint64) {
	era, doe := days/146097, days%146097                   // doe: day of the era, 0-146096
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of the era, 0-399
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of the year from March 1st, 0-365
	mp := (5*doy + 2) / 153                                // month from March, 0-11
	year, month, day = yoe+era*400, mp+3, doy-(153*mp+2)/5+1
	if month > 12 {
		year, month = year+1, month-12
	}
	return year, month, day
}

// appendStrings appends the concatenation of parts as one JSON string, as
// appendString would, without making the concatenation. Escaping is per
// character, and the parts joined here meet at ASCII separators, so no
// character spans two parts.
func appendStrings(b []byte, parts ...string) []byte {
	b = append(b, '"')
	for _, p := range parts {
		b = appendEscaped(b, p)
	}
	return append(b, '"')
}

// htmlSafe marks the ASCII bytes appendString copies as they are:
// printable, other than ", \, <, > and &.
var htmlSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString appends s as a JSON string, escaped exactly as
// encoding/json escapes it (HTML-safe: <, > and & as \u003c, \u003e,
// \u0026; U+2028 and U+2029 escaped; invalid UTF-8 as U+FFFD).
func appendString(b []byte, s string) []byte {
	return append(appendEscaped(append(b, '"'), s), '"')
}

// appendEscaped appends s as appendString does, without the quotes.
func appendEscaped(b []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	start := 0
	for i := jsonplain.HTMLPrefix(s); i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&0xf])
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
			b = append(b, '\\', 'u', '2', '0', '2', hexd[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}

// Inbound is the fate of a user's payload on its first try.
type Inbound struct {
	ID        string // the user's messageId ("" for a status)
	RequestID string
	Status    int // the receiver's answer to the first try; 0 when it failed
	// Faulted reports that the fault plan (Config.Faults) held the payload
	// back or failed its first try: it is delivered later (Flush, at
	// NextDeadline), so Status says nothing of the receiver.
	Faulted bool
}

// ErrRetired is the error of a user's message after the platform shut down:
// nothing is sent.
var ErrRetired = errors.New("Google's Business Messages was shut down on 2024-07-31: the message was not sent")

// CustomerText has the user of conversation conv send text from the place
// and surface in c.
func (s *Server) CustomerText(ctx context.Context, conv string, c Context, text string) (Inbound, error) {
	return s.userMessage(ctx, conv, c, UserText{Text: text})
}

// CustomerImage has the user send an image, given by its URL.
func (s *Server) CustomerImage(ctx context.Context, conv string, c Context, fileURL string) (Inbound, error) {
	return s.userMessage(ctx, conv, c, UserText{ImageURL: fileURL})
}

// CustomerStatus has the user start typing, or ask for a live agent.
func (s *Server) CustomerStatus(ctx context.Context, conv string, c Context, typing, liveAgent bool) (Inbound, error) {
	now := s.cfg.Clock()
	if s.retiredAt(now) {
		return Inbound{}, ErrRetired
	}
	s.mu.Lock()
	um := &UserMessage{Agent: s.Agent(), ConversationID: conv, CustomAgentID: s.cfg.CustomAgentID, RequestID: s.uuid(),
		UserStatus: &UserStatus{IsTyping: typing && !liveAgent, RequestedLiveAgent: liveAgent, CreateTime: now},
		Context:    c, SendTime: now}
	s.mu.Unlock()
	status, faulted := s.send(ctx, um)
	return Inbound{RequestID: um.RequestID, Status: status, Faulted: faulted}, nil
}

// userBlock holds a user message's payload, its text and its pending
// webhook in one allocation.
type userBlock struct {
	um   UserMessage
	text UserText
	p    pending
}

func (s *Server) userMessage(ctx context.Context, id string, c Context, text UserText) (Inbound, error) {
	now := s.cfg.Clock()
	if s.retiredAt(now) {
		return Inbound{}, ErrRetired
	}
	if id == "" {
		return Inbound{}, errors.New("businessmessages: a user message needs a conversation id")
	}
	s.mu.Lock()
	s.noteUserLocked(now)
	cv := s.convs[id]
	if cv == nil {
		cv = &conv{keep: s.kept(id)}
		if s.cfg.JournalLimit > 0 {
			cv.deliveries.SetLimit(s.cfg.JournalLimit)
		}
		s.convs[id] = cv
	}
	cv.hasUser, cv.lastUser = true, now.UnixNano()
	cv.device = s.cfg.Device
	if c.Device != nil {
		cv.device = *c.Device
	}
	// The name, the messageId (the name's end) and the requestId share
	// one string: "conversations/{id}/messages/{messageId}{requestId}".
	var arr [160]byte // room for a UUID conversation id's
	ids := append(arr[:0], "conversations/"...)
	ids = append(ids, id...)
	ids = append(ids, "/messages/"...)
	ids = s.appendUUID(ids) // the messageId, drawn first
	ids = s.appendUUID(ids) // the requestId
	all := s.ids.Make(ids)
	n := len(all) - uuid4.Len
	// Made in a block of userBlocks that a message never returns to.
	if len(s.userBlocks) == 0 {
		s.userBlocks = make([]userBlock, 8)
	}
	blk := &s.userBlocks[0]
	s.userBlocks = s.userBlocks[1:]
	s.mu.Unlock()
	blk.text = text
	t := &blk.text
	t.Name, t.MessageID = all[:n], all[n-uuid4.Len:n]
	t.CreateTime = now
	um := &blk.um
	*um = UserMessage{Agent: s.Agent(), ConversationID: id, CustomAgentID: s.cfg.CustomAgentID, RequestID: all[n:],
		Message: t, Context: c, SendTime: now}
	blk.p = pending{um: um}
	status, faulted := s.sendPending(ctx, &blk.p)
	return Inbound{ID: t.MessageID, RequestID: um.RequestID, Status: status, Faulted: faulted}, nil
}

// pending is a webhook waiting for its next try: a retry, or, under a
// fault plan, a delivery held back or a duplicate.
type pending struct {
	um    *UserMessage
	sig   [1]string // the body's X-Goog-Signature, made at the first try that needs it
	first int64     // the first try, in Unix nanoseconds
	try   int       // tries made
	delay time.Duration
}

func kindOf(um *UserMessage) string {
	switch {
	case um.Message != nil:
		return "message"
	case um.Receipts != nil:
		return "receipts"
	}
	return "userStatus"
}

// send delivers a payload: the first try now, and on failure (no answer,
// or any status but 2xx) a retry later, until RetryFor has passed since
// the first try. Every webhook of the fake goes through send and try.
// Under a fault plan (faults.go) the payload may be held back, its first
// try made later, and a duplicate queued; faulted reports a payload held
// or a first try the plan failed.
func (s *Server) send(ctx context.Context, um *UserMessage) (status int, faulted bool) {
	return s.sendPending(ctx, &pending{um: um})
}

// sendPending is send of p, a new pending webhook of p.um.
func (s *Server) sendPending(ctx context.Context, p *pending) (status int, faulted bool) {
	p.delay = s.cfg.RetryDelay
	if s.faults.Webhooks() && s.hold(p) {
		return 0, true
	}
	status, faulted = s.try(ctx, p)
	if status/100 != 2 {
		s.reschedule(p)
	}
	return status, faulted
}

// reschedule queues p's next try, or gives up when it would fall after
// RetryFor.
func (s *Server) reschedule(p *pending) {
	if s.cfg.RetryFor < 0 {
		return
	}
	// Compared as times, not Unix nanoseconds: next may lie past 2262,
	// which those do not hold, and the two more than 292 years apart.
	next := s.cfg.Clock().Add(p.delay)
	if next.After(time.Unix(0, p.first).Add(s.cfg.RetryFor)) {
		return
	}
	p.delay = min(2*p.delay, s.cfg.RetryMaxDelay)
	s.mu.Lock()
	s.queue.Hold(p, next, false)
	s.mu.Unlock()
}

// try makes one call of p and journals it; faulted reports a try the
// fault plan failed.
func (s *Server) try(ctx context.Context, p *pending) (status int, faulted bool) {
	p.try++
	now := s.cfg.Clock()
	if p.try == 1 {
		p.first = now.UnixNano()
	}
	f := s.tryFault()
	um := p.um
	rec := webhookRec{Webhook: Webhook{At: now, Kind: kindOf(um), Conversation: um.ConversationID, RequestID: um.RequestID, Try: p.try}}
	wh := &rec.Webhook
	if um.Message != nil {
		wh.MessageID, wh.Made = um.Message.MessageID, um.SendTime
	}
	if f == fault.TryError {
		// The partner's edge answers; the receiver never sees the call.
		wh.URL, wh.Status, wh.Err = s.cfg.WebhookURL, faultEdgeStatus, ErrFaultEdge.Error()
		if s.cfg.Direct == nil { // the body it would have sent
			rec.um = um
		}
	} else if s.cfg.Direct != nil {
		wh.Status = s.cfg.Direct(um)
	} else {
		wh.URL = s.cfg.WebhookURL
		wh.Status, wh.Err = s.post(ctx, wh.URL, p)
		// Every try's header shares the value: nothing changes it.
		rec.um, rec.sig = um, p.sig[:]
	}
	if f == fault.TryTimeout {
		// The receiver handled it; Google saw no answer in time.
		wh.Status, wh.Err = 0, ErrFaultTimeout.Error()
	}
	s.mu.Lock()
	s.webhooks.Add(rec)
	s.counts.Webhooks++
	if s.faults != nil {
		s.queue.ReleaseNext(now)
	}
	s.mu.Unlock()
	return wh.Status, f != fault.TryOK
}

// post makes one HTTP call of p's payload, signed, and returns the
// status, or the error text. The body is encoded for the call (into the
// recycled request's buffer when it can be) and signed at the first try;
// the journal keeps the payload it is encoded from.
func (s *Server) post(ctx context.Context, url string, p *pending) (int, string) {
	if s.cfg.WebhookTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.WebhookTimeout)
		defer cancel()
	}
	var req *http.Request
	var q *httpcall.Request
	if u := s.hookURL.Parse(url); u != nil && ctx != nil {
		// Recycled: the request, its header map, its body buffer and a copy
		// of the URL parsed once.
		q = httpcall.New()
		defer q.Release()
		body := p.um.AppendJSON(q.Scratch())
		s.sign(p, body)
		req = q.Prepare(ctx, http.MethodPost, u, body)
		h := q.Header()
		h["Content-Type"], h["X-Goog-Signature"] = hdrJSON, p.sig[:]
	} else {
		body := p.um.AppendJSON(nil)
		s.sign(p, body)
		var err error
		if req, err = http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body)); err != nil {
			return 0, err.Error()
		}
		req.Header = http.Header{"Content-Type": hdrJSON, "X-Goog-Signature": p.sig[:]}
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		q.Abandon() // the transport may still hold the request
		if isTimeout(err) {
			return 0, errTimeout.Error()
		}
		return 0, err.Error()
	}
	q.Drain(resp.Body, 1<<20)
	resp.Body.Close()
	return resp.StatusCode, ""
}

// sign sets p's signature, the signature of body, unless an earlier try
// set it (every try sends the same bytes).
func (s *Server) sign(p *pending, body []byte) {
	if p.sig[0] == "" {
		p.sig[0] = s.macSign(body)
	}
}

// Flush makes the tries due at the fake's time (retries and, under a
// fault plan, held and duplicate deliveries), oldest due first, and
// reports how many it made. After the retirement it drops them all.
func (s *Server) Flush(ctx context.Context) (int, error) {
	n := 0
	for {
		now := s.cfg.Clock()
		s.mu.Lock()
		if s.retiredAt(now) {
			s.queue = fault.Queue[*pending]{}
			s.mu.Unlock()
			return n, nil
		}
		due := s.queue.Due(now)
		s.mu.Unlock()
		if len(due) == 0 {
			return n, nil
		}
		for _, p := range due {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			n++
			if status, _ := s.try(ctx, p); status/100 != 2 {
				s.reschedule(p)
			}
		}
	}
}

// NextDeadline is when the next try is due; ok false when none is.
func (s *Server) NextDeadline() (t time.Time, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok = s.queue.Next()
	if ok && !s.retire.IsZero() && s.retire.Before(t) {
		t = s.retire // the tries are dropped then
	}
	return t, ok
}

// Pending counts the webhooks waiting for a try: retries, and deliveries
// a fault plan holds back.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queue.Len()
}

// Verify runs the webhook verification: a POST of {"clientToken","secret"}
// to WebhookURL, which must answer 200 with the secret as its body.
func (s *Server) Verify(ctx context.Context) error {
	now := s.cfg.Clock()
	s.mu.Lock()
	secret := fmt.Sprintf("%016x", s.next64())
	s.mu.Unlock()
	body := []byte(`{"clientToken":`)
	body = appendString(body, s.cfg.ClientToken)
	body = append(body, `,"secret":`...)
	body = appendString(body, secret)
	body = append(body, '}')
	h := http.Header{"Content-Type": {"application/json"}}
	if s.cfg.SignVerification {
		h.Set("X-Goog-Signature", s.macSign(body))
	}
	wh := Webhook{At: now, Kind: "verify", Try: 1, URL: s.cfg.WebhookURL, Header: h, Body: body}
	var err error
	if s.cfg.WebhookTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.WebhookTimeout)
		defer cancel()
	}
	req, rerr := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.WebhookURL, bytes.NewReader(body))
	if rerr != nil {
		err = rerr
	} else {
		req.Header = h.Clone()
		resp, derr := s.cfg.Client.Do(req)
		if derr != nil {
			err = derr
		} else {
			got, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			wh.Status = resp.StatusCode
			switch {
			case resp.StatusCode != http.StatusOK:
				err = fmt.Errorf("the webhook answered HTTP %d", resp.StatusCode)
			case string(got) != secret:
				err = fmt.Errorf("the webhook answered %q, not the secret", truncate(string(got), 64))
			}
		}
	}
	if err != nil {
		wh.Err = err.Error()
	}
	s.mu.Lock()
	s.webhooks.Add(webhookRec{Webhook: wh})
	s.counts.Webhooks++
	s.mu.Unlock()
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// hdrJSON is a webhook's Content-Type, shared by every webhook and the
// journal's copies of their headers (never modified: a header Add appends
// to a copy, since its capacity is its length).
var hdrJSON = []string{"application/json"}
