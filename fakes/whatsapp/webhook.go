package whatsapp

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/omnisim/omnisim/httpcall"
)

// ErrNoWebhookURL is returned by the customer-side calls, Verify and Flush
// when Config.WebhookURL is empty.
var ErrNoWebhookURL = errors.New("whatsapp: Config.WebhookURL is empty")

// Sign returns the X-Hub-Signature-256 header value for body:
// "sha256=" + lower-case hex HMAC-SHA256(secret, body).
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	var sum [sha256.Size]byte
	out := make([]byte, 7+2*sha256.Size)
	copy(out, "sha256=")
	hex.Encode(out[7:], m.Sum(sum[:0]))
	return string(out)
}

// EncodeEscaped marshals v with encoding/json and rewrites the result into
// Meta's escaped-unicode form: every non-ASCII rune becomes \uXXXX with
// lower-case hex (a surrogate pair above U+FFFF), "/" becomes \/, "%"
// \u0025 and "@" \u0040; json's \u003c, \u003e and \u0026 escapes of <, >
// and & are kept. These characters can only occur inside JSON strings, so
// the rewrite never changes the decoded value.
func EncodeEscaped(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if !needsMetaEscape(b) {
		return b, nil
	}
	return escapeMeta(make([]byte, 0, len(b)+len(b)/4), b), nil
}

func needsMetaEscape(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf || c == '/' || c == '%' || c == '@' {
			return true
		}
	}
	return false
}

const lowerHex = "0123456789abcdef"

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', lowerHex[r>>12&0xf], lowerHex[r>>8&0xf], lowerHex[r>>4&0xf], lowerHex[r&0xf])
}

func appendRuneEscaped(b []byte, r rune) []byte {
	if r >= 0x10000 {
		r1, r2 := utf16.EncodeRune(r)
		return appendU(appendU(b, r1), r2)
	}
	return appendU(b, r)
}

// escapeMeta appends src (json.Marshal output) to dst in Meta's form.
func escapeMeta(dst, src []byte) []byte {
	start := 0
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			var rep string
			switch c {
			case '/':
				rep = `\/`
			case '%':
				rep = `\u0025`
			case '@':
				rep = `\u0040`
			default:
				i++
				continue
			}
			dst = append(dst, src[start:i]...)
			dst = append(dst, rep...)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		dst = append(dst, src[start:i]...)
		dst = appendRuneEscaped(dst, r)
		i += size
		start = i
	}
	return append(dst, src[start:]...)
}

// metaSafe marks (1) the bytes appendString writes as they are: printable
// ASCII other than " \ < > & / % @.
var metaSafe = func() (t [256]uint8) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = 1
	}
	for _, c := range `"\<>&/%@` {
		t[c] = 0
	}
	return t
}()

// metaSafeRun is the length of s's leading run of metaSafe bytes, passed
// over four at a time with one branch.
func metaSafeRun[T string | []byte](s T) int {
	i := 0
	for ; i+4 <= len(s); i += 4 {
		q := s[i : i+4]
		if metaSafe[q[0]]&metaSafe[q[1]]&metaSafe[q[2]]&metaSafe[q[3]] == 0 {
			break
		}
	}
	for i < len(s) && metaSafe[s[i]] != 0 {
		i++
	}
	return i
}

// appendString appends s as a JSON string in Meta's escaped form: the same
// bytes EncodeEscaped produces for a string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if i += metaSafeRun(s[i:]); i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
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
		b = append(b, s[start:i]...)
		b = appendRuneEscaped(b, r)
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Inbound is the result of a customer-side message.
type Inbound struct {
	ID     string // the message's wamid
	Status int    // the router's HTTP status to the first try; 0 when that call failed
	// Retrying reports that the first try failed (a non-2xx answer, a
	// transport error or a timeout) and the webhook is queued for a retry
	// (see Config.RetrySchedule, Flush and NextRetry).
	Retrying bool
	// Faulted reports that the fault plan (Config.Faults) held the webhook
	// back or failed its first try: it is delivered later.
	Faulted bool
}

// CustomerText makes the customer from (phone number, "+" optional) named
// name send text: it builds the inbound "messages" webhook, signs it and
// POSTs it to Config.WebhookURL. The customer's window (re)starts at the
// platform's time even when the router refuses the webhook or cannot be
// reached. It returns the wamid and the router's HTTP status to this first
// try; a failed try is retried later on the retry schedule.
func (s *Server) CustomerText(ctx context.Context, from, name, text string) (Inbound, error) {
	return s.customerMessage(ctx, from, name, "text", "", text, 0)
}

// CustomerMedia makes the customer send a media message of kind
// (image|audio|video|document|sticker) and format (lower-case extension)
// with an optional caption. The file must pass [Server.CheckMedia] (a
// phone does not send what WhatsApp rejects); otherwise the *Error is
// returned and nothing happens. The media gets a media id that the API
// accepts in sends, and the webhook carries id, mime_type, sha256 and the
// caption.
func (s *Server) CustomerMedia(ctx context.Context, from, name, kind, format, caption string, size int64) (Inbound, error) {
	kind = strings.ToLower(kind)
	if e := s.CheckMedia(kind, format, size); e != nil {
		return Inbound{}, e
	}
	return s.customerMessage(ctx, from, name, kind, normFormat(format), caption, size)
}

func (s *Server) customerMessage(ctx context.Context, from, name, kind, format, body string, size int64) (Inbound, error) {
	m, now, err := s.recordInbound(from, kind, format, body, size)
	if err != nil {
		return Inbound{}, err
	}
	if kind == "text" { // encoded from its source: no Text to allocate
		src := bodySource{kind: srcText, unix: now.Unix(), s: [4]string{name, m.From, body}}
		return s.postHook(ctx, now, hook{kind: "messages", id: m.ID, first: now, src: src})
	}
	return s.postInbound(ctx, now, name, &m)
}

// recordInbound records a customer's message on the platform (the
// customer's window, the wamid, the media it carries) and returns the
// message as its webhook carries it, but for a text message's Text, which
// the caller sets to body, and the platform's time.
func (s *Server) recordInbound(from, kind, format, body string, size int64) (m InboundMessage, now time.Time, err error) {
	sum := mediaSum(kind, size)
	now = s.now()
	s.mu.Lock()
	err = s.recordInboundMessageLocked(&m, now, from, kind, format, body, sum, size)
	s.mu.Unlock()
	return m, now, err
}

// mediaSum is the SHA-256 of a customer's media file of kind and size
// ("" for a text): the media URL serves size zero bytes.
func mediaSum(kind string, size int64) string {
	if kind == "text" {
		return ""
	}
	return zeroSum(size)
}

// recordInboundMessageLocked is recordInbound at now, with sum the
// media file's mediaSum, setting m, which is zero. s.mu must be held, and
// is held on return; it is let go while a number no customer has is
// parsed.
func (s *Server) recordInboundMessageLocked(m *InboundMessage, now time.Time, from, kind, format, body, sum string, size int64) error {
	waID, id, err := s.recordInboundLocked(now, from)
	if err != nil {
		return err
	}
	m.From, m.ID, m.Type = waID, id, kind // Timestamp: now.Unix(), encoded directly
	if kind != "text" {
		s.inboundMediaLocked(m, now.UnixNano(), kind, format, body, sum, size)
	}
	return nil
}

// recordInboundLocked records a message of the customer from at now, of
// any kind (the customer's window, the wamid), and returns the
// customer's wa_id and the message's wamid. s.mu must be held, and is
// held on return; it is let go while a number no customer has is parsed.
func (s *Server) recordInboundLocked(now time.Time, from string) (waID, id string, err error) {
	waID, c, known := s.knownLocked(from)
	if !known {
		// A number no customer has, nor Config.KnownValid vouches for.
		if waID, err = s.parseUnlocked(from); err != nil {
			return "", "", err
		}
	}
	switch {
	case c != nil:
	case known: // knownLocked looked waID up: it has no record, and vouched for it
		c = s.newCustomerLocked(waID, true)
	default:
		c = s.customerLocked(waID)
	}
	ns := now.UnixNano()
	c.lastInbound, c.hasInbound = ns, true
	part := s.ids.wamidPart()
	id = s.wamidLocked(c, part, false)
	c.addInbound(part)
	s.noteInboundLocked(c, ns)
	return waID, id, nil
}

// parseUnlocked is the wa_id of from, a number no customer has, parsed
// without s.mu, which must be held and is held again on return.
//
//go:noinline
func (s *Server) parseUnlocked(from string) (string, error) {
	s.mu.Unlock()
	waID, ok := s.parseCached(from)
	s.mu.Lock()
	if !ok {
		return "", fmt.Errorf("whatsapp: customer number %q is not a valid phone number", from)
	}
	return waID, nil
}

// inboundMediaLocked gives m, a customer message of kind other than
// text sent at ns (Unix nanoseconds), its media object (with body its
// caption) and uploads the file it names. s.mu must be held.
//
//go:noinline
func (s *Server) inboundMediaLocked(m *InboundMessage, ns int64, kind, format, body, sum string, size int64) {
	s.pruneMediaLocked(ns)
	mediaID := s.ids.mediaID()
	mime := formatMIME[format]
	if mime == "" {
		mime = kind + "/" + format
	}
	s.uploads[mediaID] = &upload{kind: kind, format: format, mime: mime, size: size, sum: sum, at: ns}
	im := &InboundMedia{Caption: body, MimeType: mime, SHA256: sum, ID: mediaID}
	if kind == "document" {
		im.Filename = mediaID + "." + format
	}
	m.SetMedia(kind, im)
}

// postInbound encodes, signs and POSTs the inbound webhook of m (From and
// ID set), making its first try.
func (s *Server) postInbound(ctx context.Context, now time.Time, name string, m *InboundMessage) (Inbound, error) {
	var b []byte
	if s.cfg.WebhookURL != "" {
		b = s.appendInboundWebhook(nil, name, m, now.Unix())
	}
	return s.postHook(ctx, now, hook{kind: "messages", id: m.ID, body: b, first: now})
}

// postHook makes the first try of the "messages" webhook h.
func (s *Server) postHook(ctx context.Context, now time.Time, h hook) (Inbound, error) {
	id := h.id
	if s.cfg.WebhookURL == "" {
		s.journalWebhook(now, "messages", 0, id, ErrNoWebhookURL)
		return Inbound{ID: id}, ErrNoWebhookURL
	}
	if s.faults.Webhooks() {
		if h.body == nil { // held and duplicated webhooks keep their bytes
			h.body = s.appendSource(nil, &h.src, h.id)
		}
		in, err := s.deliverFaulted(ctx, &h)
		return in, err
	}
	res := s.attempt(ctx, &h, true)
	return Inbound{ID: id, Status: res.status, Retrying: res.retry}, res.err
}

func (s *Server) envelope(v WebhookValue) *WebhookPayload {
	v.MessagingProduct = "whatsapp"
	v.Metadata = Metadata{DisplayPhoneNumber: s.cfg.DisplayPhoneNumber, PhoneNumberID: s.cfg.PhoneNumberID}
	return &WebhookPayload{
		Object: "whatsapp_business_account",
		Entry:  []WebhookEntry{{ID: s.cfg.BusinessAccountID, Changes: []WebhookChange{{Value: v, Field: "messages"}}}},
	}
}

func (s *Server) journalWebhook(at time.Time, kind string, status int, id string, err error) {
	wh := Webhook{At: at, Kind: kind, Status: status, ID: id, Try: 1}
	if err != nil {
		wh.Err = err.Error()
	}
	s.mu.Lock()
	s.addWebhookLocked(&wh, nil)
	s.mu.Unlock()
}

// withTimeout bounds one webhook try by Config.WebhookTimeout.
func (s *Server) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.timeout < 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.timeout)
}

// Header values shared by every webhook (never modified: a header Add
// appends to a copy, since their capacity is their length).
var (
	hdrJSON = []string{"application/json"}
	hdrUA   = []string{"facebookexternalua"}
)

// WebhookHeader returns the headers a webhook with body is sent with:
// Content-Type, X-Hub-Signature-256 (computed again, the same bytes) and
// User-Agent.
func (s *Server) WebhookHeader(body []byte) http.Header {
	return http.Header{
		"Content-Type":        {hdrJSON[0]},
		"X-Hub-Signature-256": {s.sign(body)},
		"User-Agent":          {hdrUA[0]},
	}
}

// post sends h's signed body and returns the router's status. The try is
// bounded by Config.WebhookTimeout.
func (s *Server) post(ctx context.Context, h *hook) (int, error) {
	if s.cfg.WebhookURL == "" {
		return 0, ErrNoWebhookURL
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	body := h.body
	if s.hookURL == nil || s.cfg.WebhookURL != s.hookRaw || ctx == nil {
		if body == nil {
			body = s.appendSource(nil, &h.src, h.id)
		}
		// Not a URL parsed in New, or something http.NewRequest refuses:
		// let it say why.
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.WebhookURL, bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header["Content-Type"] = hdrJSON
		req.Header["X-Hub-Signature-256"] = []string{s.sign(body)}
		req.Header["User-Agent"] = hdrUA
		resp, err := s.cfg.Client.Do(req)
		if err != nil {
			return 0, err
		}
		(*httpcall.Request)(nil).Drain(resp.Body, 1<<20)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	// The URL parsed once, in New; the request recycled, and with it the
	// buffer a body is encoded in (reused only once the client is done
	// with it).
	q := httpcall.New()
	defer q.Release()
	if body == nil {
		body = s.appendSource(q.Scratch(), &h.src, h.id)
	}
	req := q.Prepare(ctx, http.MethodPost, s.hookURL, body)
	hdr := q.Header()
	hdr["Content-Type"] = hdrJSON
	q.Set("X-Hub-Signature-256", s.sign(body))
	hdr["User-Agent"] = hdrUA
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		q.Abandon() // the transport may still hold the request
		return 0, err
	}
	q.Drain(resp.Body, 1<<20)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Verify performs the subscription handshake against Config.WebhookURL:
// GET ?hub.mode=subscribe&hub.challenge=<seeded random>&hub.verify_token=<VerifyToken>
// without a signature header. It fails unless the answer is 200 with
// exactly the challenge as body. The call is bounded by
// Config.WebhookTimeout and is not retried.
func (s *Server) Verify(ctx context.Context) error {
	if s.cfg.WebhookURL == "" {
		return ErrNoWebhookURL
	}
	now := s.now()
	s.mu.Lock()
	ch := s.ids.challenge()
	s.mu.Unlock()
	status, err := s.verify(ctx, ch)
	s.journalWebhook(now, "verify", status, "", err)
	return err
}

func (s *Server) verify(ctx context.Context, ch string) (int, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	u, err := url.Parse(s.cfg.WebhookURL)
	if err != nil {
		return 0, err
	}
	q := u.Query()
	q.Set("hub.mode", "subscribe")
	q.Set("hub.challenge", ch)
	q.Set("hub.verify_token", s.cfg.VerifyToken)
	u.RawQuery = q.Encode()
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
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, fmt.Errorf("whatsapp: verification failed: router answered HTTP %d", resp.StatusCode)
	}
	if string(body) != ch {
		return resp.StatusCode, fmt.Errorf("whatsapp: verification failed: router answered %q, want the challenge %q", truncate(body, 64), ch)
	}
	return resp.StatusCode, nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// statusPayload returns the webhook payload of a queued status.
func (s *Server) statusPayload(p *pending) *WebhookPayload {
	return s.envelope(WebhookValue{Statuses: []Status{statusOf(p)}})
}

// parseHookURL parses Config.WebhookURL as http.NewRequest does; nil when
// it is empty or does not parse (post then lets http.NewRequest fail).
func parseHookURL(raw string) *url.URL {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	if h := u.Host; strings.LastIndex(h, ":") > strings.LastIndex(h, "]") { // removeEmptyPort
		u.Host = strings.TrimSuffix(h, ":")
	}
	return u
}
