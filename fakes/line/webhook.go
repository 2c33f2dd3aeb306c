package line

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/omnisim/omnisim/fakes/fault"
	"github.com/omnisim/omnisim/headmac"
	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/jsonplain"
	"github.com/omnisim/omnisim/jsonscan"
)

// SignatureHeader is the header of a webhook's signature.
const SignatureHeader = "X-Line-Signature"

// UserAgent is the User-Agent of LINE's webhook calls.
const UserAgent = "LineBotWebhook/2.0"

// Event is one webhook event, as values.
type Event struct {
	Type           string // message, follow or unfollow
	Mode           string // "active"
	Timestamp      int64  // milliseconds since the epoch
	UserID         string // source.userId (source.type is "user")
	WebhookEventID string
	IsRedelivery   bool   // deliveryContext.isRedelivery
	ReplyToken     string // "" for unfollow
	Message        *EventMessage
	IsUnblocked    bool // follow.isUnblocked
}

// EventMessage is the message of a message event.
type EventMessage struct {
	ID         string
	Type       string // text, image, video, audio, file, sticker
	QuoteToken string // text, image, video and sticker
	Text       string
	Duration   int64 // video and audio, in milliseconds
	FileName   string
	FileSize   int64
	PackageID  string
	StickerID  string
}

// Inbound is the fate of a user's message or event on the wire.
type Inbound struct {
	ID         string // the message id; "" for follow and unfollow
	EventID    string // webhookEventId
	ReplyToken string // "" for unfollow
	Status     int    // the router's HTTP answer to the first try; 0 when it failed
	// Faulted reports that the fault plan (Config.Faults) held the webhook
	// back or failed its first try: it is delivered later, if at all.
	Faulted bool
}

var (
	jsonUTF8  = []string{"application/json; charset=utf-8"}
	userAgent = []string{UserAgent}
)

// pending is one webhook: its events, and its next try when it failed.
type pending struct {
	kind   string
	events []Event
	try    int
	due    time.Time
	drawn  bool         // its fate under a fault plan is decided
	one    [1]Event     // events' storage for a single event (see oneEvent)
	msg    EventMessage // that event's message's storage (customerMessage)
}

// oneEventLocked is a first try's pending webhook of the single event e,
// the event held in the same record, made in a block of records shared by
// the first tries (a record once handed out is never handed out again).
func (s *Server) oneEventLocked(kind string, e Event) *pending {
	if len(s.pendingBlock) == 0 {
		s.pendingBlock = make([]pending, 16)
	}
	p := &s.pendingBlock[0]
	s.pendingBlock = s.pendingBlock[1:]
	p.kind, p.try = kind, 1
	p.one[0] = e
	p.events = p.one[:]
	return p
}

// AppendPayload appends the webhook body of events to b, as LINE writes it:
// {"destination":...,"events":[...]}, fields in LINE's order, strings
// escaped as LINE escapes them (only '"', '\' and control characters;
// non-ASCII as UTF-8).
func AppendPayload(b []byte, destination string, events []Event) []byte {
	b = append(b, `{"destination":`...)
	b = appendString(b, destination)
	b = append(b, `,"events":[`...)
	for i := range events {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendEvent(b, &events[i])
	}
	return append(b, "]}"...)
}

func appendEvent(b []byte, e *Event) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, e.Type)
	b = append(b, `,"mode":`...)
	b = appendString(b, e.Mode)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, e.Timestamp, 10)
	b = append(b, `,"source":{"type":"user","userId":`...)
	b = appendString(b, e.UserID)
	b = append(b, `},"webhookEventId":`...)
	b = appendString(b, e.WebhookEventID)
	b = append(b, `,"deliveryContext":{"isRedelivery":`...)
	b = strconv.AppendBool(b, e.IsRedelivery)
	b = append(b, '}')
	if e.ReplyToken != "" {
		b = append(b, `,"replyToken":`...)
		b = appendString(b, e.ReplyToken)
	}
	switch {
	case e.Message != nil:
		b = append(b, `,"message":`...)
		b = appendMessage(b, e.Message)
	case e.Type == "follow":
		b = append(b, `,"follow":{"isUnblocked":`...)
		b = strconv.AppendBool(b, e.IsUnblocked)
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendMessage(b []byte, m *EventMessage) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, m.ID)
	b = append(b, `,"type":`...)
	b = appendString(b, m.Type)
	if m.QuoteToken != "" {
		b = append(b, `,"quoteToken":`...)
		b = appendString(b, m.QuoteToken)
	}
	switch m.Type {
	case "text":
		b = append(b, `,"text":`...)
		b = appendString(b, m.Text)
	case "image":
		b = append(b, `,"contentProvider":{"type":"line"}`...)
	case "video", "audio":
		b = append(b, `,"duration":`...)
		b = strconv.AppendInt(b, m.Duration, 10)
		b = append(b, `,"contentProvider":{"type":"line"}`...)
	case "file":
		b = append(b, `,"fileName":`...)
		b = appendString(b, m.FileName)
		b = append(b, `,"fileSize":`...)
		b = strconv.AppendInt(b, m.FileSize, 10)
	case "sticker":
		b = append(b, `,"stickerId":`...)
		b = appendString(b, m.StickerID)
		b = append(b, `,"packageId":`...)
		b = appendString(b, m.PackageID)
		b = append(b, `,"stickerResourceType":"STATIC"`...)
	}
	return append(b, '}')
}

// appendString appends s as a JSON string: '"' and '\' escaped, control
// characters as \b \t \n \f \r or \u00XX, invalid UTF-8 as U+FFFD, and
// everything else as is.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := jsonplain.Prefix(s); i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, `\b`...)
			case '\t':
				b = append(b, `\t`...)
			case '\n':
				b = append(b, `\n`...)
			case '\f':
				b = append(b, `\f`...)
			case '\r':
				b = append(b, `\r`...)
			default:
				b = append(b, `\u00`...)
				b = append(b, lowerHex[c>>4], lowerHex[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\uFFFD"...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// keyedMAC is HMAC-SHA256 keyed with the channel secret, reused with Reset.
type keyedMAC struct {
	h   hash.Hash
	sum [sha256.Size]byte
	// strs makes the signatures, dozens to an allocation; the MAC is held
	// by one caller at a time.
	strs jsonscan.Arena
}

var macPools sync.Map // channel secret -> *sync.Pool of *keyedMAC

func macPool(secret string) *sync.Pool {
	if p, ok := macPools.Load(secret); ok {
		return p.(*sync.Pool)
	}
	key := []byte(secret)
	p, _ := macPools.LoadOrStore(secret, &sync.Pool{New: func() any { return &keyedMAC{h: hmac.New(sha256.New, key)} }})
	return p.(*sync.Pool)
}

// Sign returns x-line-signature for body: the base64 of HMAC-SHA256 keyed
// with the channel secret.
func Sign(secret string, body []byte) string {
	pool := macPool(secret)
	m := pool.Get().(*keyedMAC)
	m.h.Reset()
	m.h.Write(body)
	var enc [44]byte // base64 of a SHA-256 sum
	sig := m.strs.Make(headmac.AppendBase64(enc[:0], m.h.Sum(m.sum[:0])))
	pool.Put(m)
	return sig
}

// userLocked returns the user with id, known from now on.
func (s *Server) userLocked(id, name string) *user {
	u := s.users[id]
	if u == nil {
		u = &user{name: name, keep: s.cfg.KeepDeliveries == nil || s.cfg.KeepDeliveries(id)}
		if s.cfg.JournalLimit > 0 {
			u.deliveries.SetLimit(s.cfg.JournalLimit)
		}
		s.users[id] = u
		if s.friends.Len() > 0 {
			s.befriendLocked(u, id)
		}
	}
	if name != "" {
		u.name = name
	}
	return u
}

// newEventLocked starts an event of a user now, with a reply token unless
// it is an unfollow.
func (s *Server) newEventLocked(typ, userID string, now time.Time) Event {
	ms := now.UnixMilli()
	e := Event{Type: typ, Mode: "active", Timestamp: ms, UserID: userID, WebhookEventID: s.ids.eventID(ms)}
	if typ != "unfollow" {
		e.ReplyToken = s.ids.replyToken()
		if len(s.tokenBlock) == 0 {
			s.tokenBlock = make([]tokenState, 64)
		}
		t := &s.tokenBlock[0]
		s.tokenBlock = s.tokenBlock[1:]
		*t = tokenState{token: e.ReplyToken, user: userID, issued: now.UnixNano()}
		s.tokens[t.token] = t
		s.tokenQueue = append(s.tokenQueue, t)
	}
	return e
}

// CustomerText has user userID (display name name) send a text message:
// the platform issues its message id and reply token and posts the
// message event to the webhook.
func (s *Server) CustomerText(ctx context.Context, userID, name, text string) (Inbound, error) {
	return s.customerMessage(ctx, userID, name, EventMessage{Type: "text", Text: text}, "", 0)
}

// mimeTypes are the content types of the files users send.
var mimeTypes = map[string]string{
	"jpeg": "image/jpeg", "jpg": "image/jpeg", "png": "image/png", "gif": "image/gif",
	"mp4": "video/mp4", "m4a": "audio/x-m4a", "mp3": "audio/mpeg", "aac": "audio/aac",
	"pdf": "application/pdf", "txt": "text/plain",
}

// CustomerMedia has a user send a file: kind image, video, audio, file or
// sticker, of format (a file extension) and size bytes. LINE's webhook
// carries no format or size for images, videos and audio: the router gets
// them from the content endpoint, which serves size bytes of mime type of
// the format.
func (s *Server) CustomerMedia(ctx context.Context, userID, name, kind, format string, size int64) (Inbound, error) {
	m := EventMessage{Type: kind}
	switch kind {
	case "image", "sticker":
	case "video", "audio":
		m.Duration = 60000
	case "file":
		m.FileName = "file." + format
		m.FileSize = size
	default:
		return Inbound{}, fmt.Errorf("line: users send no %q messages (want image, video, audio, file or sticker)", kind)
	}
	if kind == "sticker" {
		m.PackageID, m.StickerID = "446", "1988"
	}
	mime := mimeTypes[format]
	if mime == "" {
		mime = "application/octet-stream"
	}
	return s.customerMessage(ctx, userID, name, m, mime, size)
}

// customerMessage records a user's message m (for a file, its content's
// mime type and size) and posts its webhook.
func (s *Server) customerMessage(ctx context.Context, userID, name string, m EventMessage, mime string, size int64) (Inbound, error) {
	if !IsUserID(userID) {
		return Inbound{}, fmt.Errorf("line: %q is not a user id", userID)
	}
	s.mu.Lock()
	now := s.now()
	u := s.userLocked(userID, name)
	u.blocked = false
	s.noteEventLocked(u, userID, now)
	e := s.newEventLocked("message", userID, now)
	m.ID = s.ids.messageID()
	if m.Type == "text" || m.Type == "image" || m.Type == "video" || m.Type == "sticker" {
		m.QuoteToken = s.ids.quoteToken()
	}
	if m.Type != "text" && m.Type != "sticker" {
		s.content[m.ID] = content{mime: mime, size: size}
	}
	p := s.oneEventLocked("message", e)
	p.msg = m
	p.one[0].Message = &p.msg
	s.mu.Unlock()
	status, faulted := s.deliver(ctx, p)
	return Inbound{ID: m.ID, EventID: e.WebhookEventID, ReplyToken: e.ReplyToken, Status: status, Faulted: faulted}, nil
}

// CustomerFollow has a user add the account as a friend (or unblock it):
// a follow event with a reply token.
func (s *Server) CustomerFollow(ctx context.Context, userID, name string) (Inbound, error) {
	return s.customerEvent(ctx, userID, name, "follow")
}

// CustomerUnfollow has a user block the account: an unfollow event, with
// no reply token. Pushes to the user are accepted from then on and
// delivered to nobody.
func (s *Server) CustomerUnfollow(ctx context.Context, userID string) (Inbound, error) {
	return s.customerEvent(ctx, userID, "", "unfollow")
}

func (s *Server) customerEvent(ctx context.Context, userID, name, typ string) (Inbound, error) {
	if !IsUserID(userID) {
		return Inbound{}, fmt.Errorf("line: %q is not a user id", userID)
	}
	s.mu.Lock()
	now := s.now()
	u := s.userLocked(userID, name)
	e := s.newEventLocked(typ, userID, now)
	if typ == "follow" {
		e.IsUnblocked = u.blocked
	}
	u.blocked = typ == "unfollow"
	s.noteEventLocked(u, userID, now)
	p := s.oneEventLocked(typ, e)
	s.mu.Unlock()
	status, faulted := s.deliver(ctx, p)
	return Inbound{EventID: e.WebhookEventID, ReplyToken: e.ReplyToken, Status: status, Faulted: faulted}, nil
}

// Verify is the console's Verify button: a signed webhook with no events,
// which the router must answer 200.
func (s *Server) Verify(ctx context.Context) error {
	status, _ := s.deliver(ctx, &pending{kind: "verify", events: []Event{}, try: 1})
	if status != http.StatusOK {
		return fmt.Errorf("the webhook URL answered the verification webhook with HTTP %d, want 200", status)
	}
	return nil
}

var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// deliver is the one place webhooks leave the platform: it sends p (a POST
// of the signed body, or Config.Direct), journals the try and, when it
// failed and the redelivery schedule has a delay left, schedules the
// redelivery. Under a fault plan it first draws the webhook's fate (held
// back, duplicated) and each try's (a timeout, an edge error); see
// faults.go. It returns the router's HTTP status (0 when the call failed
// or the webhook is held) and whether the plan held the webhook or failed
// its try.
func (s *Server) deliver(ctx context.Context, p *pending) (int, bool) {
	faulty := p.kind != "verify" && s.faults.Webhooks()
	if faulty && !p.drawn && s.hold(p) {
		return 0, true
	}
	events := p.events
	if p.try > 1 {
		events = slices.Clone(events)
		for i := range events {
			events[i].IsRedelivery = true
		}
	}
	var rec webhookRec
	wh := &rec.Webhook
	wh.Kind, wh.Try, wh.URL = p.kind, p.try, s.cfg.WebhookURL
	if len(events) > 0 {
		wh.UserID, wh.EventID = events[0].UserID, events[0].WebhookEventID
		if m := events[0].Message; m != nil {
			wh.MessageID = m.ID
		}
	}
	try := fault.TryOK
	if faulty {
		try = s.drawTry()
	}
	var status int
	switch {
	case try == fault.TryError:
		// The router's edge answers; the router sees nothing.
		status, wh.Err = faultEdgeStatus, ErrFaultEdge.Error()
	case s.cfg.Direct != nil:
		status = s.cfg.Direct(ctx, s.cfg.BotUserID, events)
	default:
		bp := bodyPool.Get().(*[]byte)
		body := AppendPayload((*bp)[:0], s.cfg.BotUserID, events)
		var err error
		if status, err = s.post(ctx, body); err != nil {
			wh.Err = err.Error()
		}
		*bp = body
		bodyPool.Put(bp)
		// The journal rebuilds the body and its headers from events when
		// read (see webhookRec).
		rec.events, rec.posted = events, true
	}
	if try == fault.TryTimeout {
		// The router got it and answered; the platform saw no answer.
		status, wh.Err = 0, ErrFaultTimeout.Error()
	}
	wh.Status = status
	s.mu.Lock()
	wh.At = s.now()
	schedule := s.redeliveryLocked()
	if (status < 200 || status > 299) && p.kind != "verify" && p.try <= len(schedule) {
		next := &pending{kind: p.kind, events: p.events, try: p.try + 1, due: wh.At.Add(schedule[p.try-1]), drawn: true}
		wh.NextTry = next.due
		if faulty {
			s.held.Hold(next, next.due, false)
		} else {
			s.pending = append(s.pending, next)
		}
	} else {
		s.hooksLocked(p.events, -1) // the webhook's last try
	}
	if faulty {
		s.held.ReleaseNext(wh.At)
	}
	s.webhooks.Add(rec)
	s.counts.Webhooks++
	s.mu.Unlock()
	return status, try != fault.TryOK
}

// post sends one signed body to the webhook URL, with the headers
// webhookHeader gives it.
func (s *Server) post(ctx context.Context, body []byte) (int, error) {
	if s.cfg.WebhookTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.WebhookTimeout)
		defer cancel()
	}
	if s.hookURL == nil || ctx == nil || len(body) == 0 {
		// Not a URL New could parse: let http.NewRequest say why.
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.WebhookURL, bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header = s.webhookHeader(body)
		return s.do(req, nil)
	}
	// Recycled: the request and a copy of the URL parsed in New.
	q := httpcall.New()
	defer q.Release()
	req := q.Prepare(ctx, http.MethodPost, s.hookURL, body)
	h := q.Header()
	h["Content-Type"], h["User-Agent"] = jsonUTF8, userAgent
	q.Set(SignatureHeader, Sign(s.cfg.ChannelSecret, body))
	return s.do(req, q)
}

// webhookHeader is the header of a webhook of body, as sent.
func (s *Server) webhookHeader(body []byte) http.Header {
	return http.Header{"Content-Type": jsonUTF8, "User-Agent": userAgent, SignatureHeader: {Sign(s.cfg.ChannelSecret, body)}}
}

// do makes the webhook call req and drains the answer (through q when
// set).
func (s *Server) do(req *http.Request, q *httpcall.Request) (int, error) {
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		q.Abandon() // the transport may still hold the request
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within %v", s.cfg.WebhookTimeout)
		}
		return 0, err
	}
	q.Drain(resp.Body, 1<<20)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// parseURL parses a URL as http.NewRequest does; nil when it is empty or
// does not parse.
func parseURL(raw string) *url.URL {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	if h := u.Host; strings.LastIndex(h, ":") > strings.LastIndex(h, "]") {
		u.Host = strings.TrimSuffix(h, ":") // an empty port, as http.NewRequest drops it
	}
	return u
}

// Flush sends the redeliveries due now, oldest due first, and, under a
// fault plan, the held webhook tries that are due; it returns how many it
// sent.
func (s *Server) Flush(ctx context.Context) (int, error) {
	n := 0
	for {
		s.mu.Lock()
		now := s.now()
		best := -1
		for i, p := range s.pending {
			if !p.due.After(now) && (best < 0 || p.due.Before(s.pending[best].due)) {
				best = i
			}
		}
		var due []*pending
		if best >= 0 {
			due = []*pending{s.pending[best]}
			s.pending = slices.Delete(s.pending, best, best+1)
		} else {
			due = s.held.Due(now)
		}
		s.mu.Unlock()
		if len(due) == 0 {
			return n, nil
		}
		for _, p := range due {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			s.deliver(ctx, p)
			n++
		}
	}
}

// NextDeadline is when the next redelivery or held webhook try is due;
// ok is false when none is.
func (s *Server) NextDeadline() (t time.Time, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok = s.held.Next()
	for _, p := range s.pending {
		if !ok || p.due.Before(t) {
			t, ok = p.due, true
		}
	}
	return t, ok
}
