package messenger

import (
	"bytes"
	"container/heap"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/omnisim/omnisim/headmac"
	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/jsonplain"
)

// Sign256 returns the X-Hub-Signature-256 value for body:
// "sha256=" + lower-case hex HMAC-SHA256(secret, body).
func Sign256(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Sign1 returns the legacy X-Hub-Signature value for body:
// "sha1=" + lower-case hex HMAC-SHA1(secret, body).
func Sign1(secret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

// signatures computes both headers with the server's reused keyed
// hashes, in one allocation.
func (s *Server) signatures(body []byte) (sig256, sig1 string) {
	s.macMu.Lock()
	defer s.macMu.Unlock()
	sum := &s.macSum // guarded by macMu
	var buf [7 + 2*sha256.Size + 5 + 2*sha1.Size]byte
	out := append(buf[:0], "sha256="...)
	s.mac256.Reset()
	s.mac256.Write(body)
	out = headmac.AppendHex(out, s.mac256.Sum(sum[:0]))
	n := len(out)
	if !s.cfg.NoLegacySignature {
		s.mac1.Reset()
		s.mac1.Write(body)
		out = append(out, "sha1="...)
		out = headmac.AppendHex(out, s.mac1.Sum(sum[:0]))
	}
	both := s.sigs.Make(out)
	return both[:n], both[n:]
}

// WebhookHeader returns the headers a webhook with body is sent with:
// Content-Type, X-Hub-Signature-256, X-Hub-Signature (unless
// NoLegacySignature) and User-Agent.
func (s *Server) WebhookHeader(body []byte) http.Header {
	sig256, sig1 := s.signatures(body)
	h := http.Header{"Content-Type": {"application/json"}, "X-Hub-Signature-256": {sig256}, "User-Agent": {userAgent}}
	if sig1 != "" {
		h["X-Hub-Signature"] = []string{sig1}
	}
	return h
}

const userAgent = "facebookexternalua"

const lowerHex = "0123456789abcdef"

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', lowerHex[r>>12&0xf], lowerHex[r>>8&0xf], lowerHex[r>>4&0xf], lowerHex[r&0xf])
}

// metaSafe marks the bytes appendString writes as they are: printable
// ASCII other than " \ < > & / % @.
var metaSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&/%@` {
		t[c] = false
	}
	return t
}()

// appendString appends s as a JSON string in Meta's escaped-unicode form:
// every non-ASCII rune as \uXXXX (lower-case hex, surrogate pairs above
// U+FFFF), "/" as \/, < > & % @ as \u escapes, \b \f \n \r \t as
// those short escapes and the other control bytes as \u escapes.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := jsonplain.MetaPrefix(s); i < len(s); {
		c := s[i]
		if metaSafe[c] {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				b = append(b, '\\', '"')
			case '\\':
				b = append(b, '\\', '\\')
			case '/':
				b = append(b, '\\', '/')
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
				b = appendU(b, rune(c))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			b = appendU(appendU(b, r1), r2)
		} else {
			b = appendU(b, r)
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendWebhook appends the webhook body of ev for page: one entry with
// one messaging event, in Meta's escaped form.
func AppendWebhook(b []byte, page string, ev *Event) []byte {
	ms := ev.Timestamp.UnixMilli()
	b = append(b, `{"object":"page","entry":[{"id":`...)
	b = appendString(b, page)
	b = append(b, `,"time":`...)
	b = strconv.AppendInt(b, ms, 10)
	b = append(b, `,"messaging":[{"sender":{"id":`...)
	b = appendString(b, ev.Sender)
	b = append(b, `},"recipient":{"id":`...)
	b = appendString(b, page)
	b = append(b, `},"timestamp":`...)
	b = strconv.AppendInt(b, ms, 10)
	switch ev.Kind {
	case "message":
		b = append(b, `,"message":{"mid":`...)
		b = appendString(b, ev.MID)
		if ev.Text != "" {
			b = append(b, `,"text":`...)
			b = appendString(b, ev.Text)
		}
		if a := ev.Attachment; a != nil {
			b = append(b, `,"attachments":[{"type":`...)
			b = appendString(b, a.Type)
			b = append(b, `,"payload":{"url":`...)
			b = appendString(b, a.URL)
			b = append(b, "}}]"...)
		}
		b = append(b, '}')
	case "postback":
		b = append(b, `,"postback":{"title":`...)
		b = appendString(b, ev.Text)
		b = append(b, `,"payload":`...)
		b = appendString(b, ev.Payload)
		b = append(b, `,"mid":`...)
		b = appendString(b, ev.MID)
		b = append(b, '}')
	case "delivery":
		b = append(b, `,"delivery":{"mids":[`...)
		for i, m := range ev.Delivered {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, m)
		}
		b = append(b, `],"watermark":`...)
		b = strconv.AppendInt(b, ms, 10)
		b = append(b, '}')
	}
	if r := ev.Referral; r != nil {
		b = append(b, `,"referral":{`...)
		if r.Ref != "" {
			b = append(b, `"ref":`...)
			b = appendString(b, r.Ref)
			b = append(b, ',')
		}
		if r.AdID != "" {
			b = append(b, `"ad_id":`...)
			b = appendString(b, r.AdID)
			b = append(b, ',')
		}
		b = append(b, `"source":`...)
		b = appendString(b, r.Source)
		b = append(b, `,"type":`...)
		b = appendString(b, r.Type)
		b = append(b, '}')
	}
	return append(b, "}]}]}"...)
}

// hook is one webhook being delivered: the same event and bytes on every
// try.
type hook struct {
	ev Event
	// sent reports that a try of ev, or of the webhook it duplicates,
	// sent its bytes (never on the Direct network).
	sent  bool
	tries int
	due   time.Time
	seq   uint64
}

// Inbound is the fate of a customer-side event's first try.
type Inbound struct {
	ID       string // the message id
	Status   int    // the receiver's HTTP status; 0 when the call failed
	Retrying bool   // the first try failed and a retry is queued
	// Faulted reports that the fault plan (Config.Faults) held the webhook
	// back or failed its first try: it is delivered later.
	Faulted bool
}

// CustomerText has the customer psid send text. The customer's window
// (re)starts at the platform's time even when the webhook fails.
func (s *Server) CustomerText(ctx context.Context, psid, text string) (Inbound, error) {
	return s.customerEvent(ctx, Event{Sender: psid, Kind: "message", Text: text})
}

// CustomerAdText has the customer send text from a Click-to-Messenger ad:
// the message's messaging entry carries the ad referral (source ADS, type
// OPEN_THREAD, the ad's id and the ref the ad was given). Like any message
// it (re)starts the standard window; when Config.AdWindow models the ad
// window, it also (re)starts that.
func (s *Server) CustomerAdText(ctx context.Context, psid, text, adID, ref string) (Inbound, error) {
	return s.customerEvent(ctx, Event{Sender: psid, Kind: "message", Text: text,
		Referral: &Referral{AdID: adID, Ref: ref, Source: "ADS", Type: "OPEN_THREAD"}})
}

// CustomerAttachment has the customer send a file of type (image, audio,
// video, file) and format; its payload url points at the platform's CDN.
func (s *Server) CustomerAttachment(ctx context.Context, psid, typ, format string) (Inbound, error) {
	if _, ok := s.limits[typ]; !ok {
		return Inbound{}, fmt.Errorf("messenger: no attachment type %q", typ)
	}
	return s.customerEvent(ctx, Event{Sender: psid, Kind: "message", Attachment: &InboundAttachment{Type: typ}, Payload: normFormat(format)})
}

// CustomerPostback has the customer tap a button (or Get Started) with
// title and payload.
func (s *Server) CustomerPostback(ctx context.Context, psid, title, payload string) (Inbound, error) {
	return s.customerEvent(ctx, Event{Sender: psid, Kind: "postback", Text: title, Payload: payload})
}

func (s *Server) customerEvent(ctx context.Context, ev Event) (Inbound, error) {
	if !validPSID(ev.Sender) {
		return Inbound{}, fmt.Errorf("messenger: %q is not a page-scoped id (15 to 17 digits)", ev.Sender)
	}
	now := s.now()
	s.mu.Lock()
	c := s.customerLocked(ev.Sender)
	c.hasInbound, c.lastInbound = true, now.UnixNano()
	if r := ev.Referral; r != nil && r.Source == "ADS" && ev.Kind == "message" && s.cfg.AdWindow > 0 {
		c.fromAd, c.adInbound = true, c.lastInbound
	}
	s.noteInboundLocked(c, now)
	ev.Timestamp = now
	ev.MID = s.ids.mid()
	if a := ev.Attachment; a != nil {
		a.URL = "https://scontent.xx.fbcdn.net/v/" + a.Type + "/" + ev.MID[2:14] + "." + ev.Payload
		ev.Payload = ""
	}
	// Made in a block of hooks that a hook never returns to.
	if len(s.hookBlock) == 0 {
		s.hookBlock = make([]hook, 16)
	}
	h := &s.hookBlock[0]
	s.hookBlock = s.hookBlock[1:]
	h.ev = ev
	s.mu.Unlock()
	if s.faults.Webhooks() {
		return s.deliverFaulted(ctx, h)
	}
	res := s.deliver(ctx, h)
	return Inbound{ID: ev.MID, Status: res.status, Retrying: res.retry}, res.err
}

// validPSID accepts 15 to 17 digits without a leading zero.
func validPSID(s string) bool {
	if len(s) < 15 || len(s) > 17 || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

type tryResult struct {
	status int
	err    error
	retry  bool
	// sent is the hook's sent after the try, read before deliver hands
	// the hook to the retry queue, where another goroutine may take it.
	sent bool
}

// deliver makes one try of h, journals it and queues a retry when it
// fails: the one place where the fake sends a webhook.
func (s *Server) deliver(ctx context.Context, h *hook) tryResult {
	at := s.now()
	var status int
	var err error
	if s.cfg.Deliver == nil && s.cfg.WebhookURL == "" {
		err = errNoWebhookURL
	} else {
		status, err = s.tryHook(ctx, h)
	}
	h.tries++
	var rec webhookRec
	wh := &rec.Webhook
	*wh = Webhook{At: at, Kind: h.ev.Kind, Status: status, ID: h.ev.MID, PSID: h.ev.Sender, Try: h.tries}
	if h.sent {
		rec.ev = &h.ev
	}
	if h.ev.Kind == "message" {
		wh.Made = time.UnixMilli(h.ev.Timestamp.UnixMilli())
	}
	if h.ev.Kind == "delivery" && len(h.ev.Delivered) > 0 {
		wh.ID = h.ev.Delivered[0]
	}
	if err != nil {
		wh.Err = err.Error()
	}
	res := tryResult{status: status, err: err, sent: h.sent}
	s.mu.Lock()
	if len(s.reordered) > 0 {
		// Tried: a retry of h keeps its own due time, whatever webhook
		// goes out next.
		s.dropReorderedLocked(h)
	}
	if h.tries > 1 {
		s.counts.Retries++
	}
	if err != nil || status < 200 || status > 299 {
		if i := h.tries - 1; i < len(s.cfg.RetrySchedule) {
			s.hookSeq++
			h.due, h.seq = at.Add(max(s.cfg.RetrySchedule[i], time.Nanosecond)), s.hookSeq
			heap.Push(&s.retries, h)
			wh.NextTry, res.retry = h.due, true
		}
	}
	s.counts.Webhooks++
	s.journal.webhooks.Add(rec)
	s.mu.Unlock()
	return res
}

func (s *Server) post(ctx context.Context, body []byte) (int, error) {
	if s.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
		defer cancel()
	}
	u := s.hookURL.Parse(s.cfg.WebhookURL)
	if u == nil || ctx == nil || len(body) == 0 {
		// Not a URL that parses, or a call http.NewRequest refuses: let
		// it say why.
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.WebhookURL, bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		s.setHeaders(req.Header, body, nil)
		return s.do(req, nil)
	}
	// Recycled: the request, a copy of the URL parsed once, the header
	// map and its values.
	q := httpcall.New()
	defer q.Release()
	req := q.Prepare(ctx, http.MethodPost, u, body)
	s.setHeaders(req.Header, body, q)
	return s.do(req, q)
}

// The webhook's constant header values, shared by every call (never
// modified: a header Add appends to a copy, since their capacity is their
// length).
var (
	hdrJSON = []string{"application/json"}
	hdrUA   = []string{userAgent}
)

// setHeaders sets a webhook's headers on h; the signatures through q when
// set.
func (s *Server) setHeaders(h http.Header, body []byte, q *httpcall.Request) {
	sig256, sig1 := s.signatures(body)
	h["Content-Type"] = hdrJSON
	if q != nil {
		q.Set("X-Hub-Signature-256", sig256)
		if sig1 != "" {
			q.Set("X-Hub-Signature", sig1)
		}
	} else {
		h["X-Hub-Signature-256"] = []string{sig256}
		if sig1 != "" {
			h["X-Hub-Signature"] = []string{sig1}
		}
	}
	h["User-Agent"] = hdrUA
}

// do makes the webhook call req and drains the answer (through q when
// set).
func (s *Server) do(req *http.Request, q *httpcall.Request) (int, error) {
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		q.Abandon() // the transport may still hold the request
		return 0, err
	}
	q.Drain(resp.Body, 1<<20)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Flush sends what is due at the platform's time: the retries of failed
// webhooks, oldest first, then a message_deliveries webhook for each
// message accepted since the last Flush. It returns how many tries it made
// and the first transport error.
func (s *Server) Flush(ctx context.Context) (int, error) {
	n := 0
	var first error
	for {
		now := s.now()
		s.mu.Lock()
		if len(s.retries) == 0 || s.retries[0].due.After(now) {
			s.mu.Unlock()
			break
		}
		h := heap.Pop(&s.retries).(*hook)
		s.mu.Unlock()
		if res := s.deliver(ctx, h); res.err != nil && first == nil {
			first = res.err
		}
		n++
	}
	s.mu.Lock()
	due := s.receipts
	s.receipts = nil
	s.mu.Unlock()
	for _, r := range due {
		h := &hook{ev: Event{Sender: r.psid, Kind: "delivery", Timestamp: s.now(), Delivered: []string{r.mid}}}
		if res := s.deliver(ctx, h); res.err != nil && first == nil {
			first = res.err
		}
		n++
	}
	return n, first
}

// Verify performs the subscription handshake against WebhookURL: GET
// ?hub.mode=subscribe&hub.challenge=<seeded>&hub.verify_token=<token>,
// unsigned; it fails unless the answer is 200 with exactly the challenge.
func (s *Server) Verify(ctx context.Context) error {
	now := s.now()
	s.mu.Lock()
	ch := s.ids.challenge()
	s.mu.Unlock()
	status, err := s.verify(ctx, ch)
	wh := Webhook{At: now, Kind: "verify", Status: status, Try: 1}
	if err != nil {
		wh.Err = err.Error()
	}
	s.mu.Lock()
	s.counts.Webhooks++
	s.journal.webhooks.Add(webhookRec{Webhook: wh})
	s.mu.Unlock()
	return err
}

func (s *Server) verify(ctx context.Context, ch string) (int, error) {
	if s.cfg.WebhookURL == "" {
		return 0, errNoWebhookURL
	}
	u, err := url.Parse(s.cfg.WebhookURL)
	if err != nil {
		return 0, err
	}
	q := u.Query()
	q.Set("hub.mode", "subscribe")
	q.Set("hub.challenge", ch)
	q.Set("hub.verify_token", s.cfg.VerifyToken)
	u.RawQuery = q.Encode()
	if s.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("User-Agent", "facebookplatform/1.0 (+http://developers.facebook.com)")
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, fmt.Errorf("messenger: verification failed: the webhook answered HTTP %d", resp.StatusCode)
	}
	if string(body) != ch {
		return resp.StatusCode, fmt.Errorf("messenger: verification failed: the webhook answered %q, want the challenge %q", truncate(body, 64), ch)
	}
	return resp.StatusCode, nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
