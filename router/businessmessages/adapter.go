package businessmessages

import (
	"bytes"
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/internal/solo"
	"github.com/omnisim/omnisim/jsonplain"
	"github.com/omnisim/omnisim/jsonscan"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/router/dedupe"
	"github.com/omnisim/omnisim/splitmix"
	"github.com/omnisim/omnisim/uuid4"
)

// DefaultBaseURL is the Business Messages API.
const DefaultBaseURL = "https://businessmessages.googleapis.com"

// Scope is the OAuth scope the adapter asks for.
const Scope = "https://www.googleapis.com/auth/businessmessages"

// FileHost is where the adapter says an agent's attachment lives: the
// simulator's file host, whose URLs carry the file's size
// (https://files.omnisim.invalid/name.png?bytes=N).
const FileHost = "files.omnisim.invalid"

// Config configures an [Adapter].
type Config struct {
	// AgentID is the Business Messages agent: the account of the
	// channel's customer keys. Agent, when set ("brands/B/agents/A"),
	// makes the adapter ignore payloads for any other agent.
	AgentID string
	Agent   string
	// ClientToken verifies the webhook and keys X-Goog-Signature. An empty
	// ClientToken refuses every webhook.
	ClientToken string
	// ServiceAccount is the service account's credentials file (JSON): its
	// key signs the token requests sent to its token_uri.
	ServiceAccount []byte
	BaseURL        string // API base; default DefaultBaseURL
	// Client sends API and token requests; default http.DefaultClient.
	Client Doer
	// Clock is the adapter's only time source: the Receiver's time, dedupe,
	// the assertion's iat and exp, the token's lifetime. Default time.Now.
	Clock func() time.Time
	// Seed seeds the messageIds the adapter makes.
	Seed uint64
	// Representative is who the agent's messages come from: HUMAN
	// (default) or BOT.
	Representative string
	// DedupeWindow is how long requestIds are remembered; default
	// DefaultDedupeWindow.
	DedupeWindow time.Duration
	// Solo promises that one goroutine at a time uses the adapter, each
	// use ordered with the others (a world on the memory or the direct
	// network): it then takes no lock (package solo).
	Solo bool
}

// Adapter is the Business Messages channel adapter of one agent: an
// [http.Handler] for its webhook and a [router.Sender]. It is safe for
// concurrent use,
// unless made with Config.Solo.
type Adapter struct {
	cfg     Config
	base    *url.URL // BaseURL parsed once (plainBase); nil: every call parses its URL
	rcv     router.Receiver
	account string
	macPool sync.Pool

	sa    serviceAccount
	saErr error
	key   *rsa.PrivateKey

	tokenMu  solo.Mutex
	token    string
	tokenExp time.Time
	bearer   []string // the Authorization value of bearerOf, made once per token
	bearerOf string

	mu    solo.Mutex
	seen  dedupe.Set // requestIds handed on
	stats Stats
	ids   uint64
	// strs makes the paths of sends and the messageIds at their ends,
	// which live about as long as their conversation.
	strs jsonscan.Arena

	customAgent atomic.Pointer[string]   // the last webhook's customAgentId
	attrs       atomic.Pointer[attrMemo] // the attributes of the last message's context
}

type serviceAccount struct {
	Type         string `json:"type"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	ClientEmail  string `json:"client_email"`
	TokenURI     string `json:"token_uri"`
}

// New returns an adapter for cfg that hands customer messages to rcv. A
// bad service account is reported by every Send.
func New(cfg Config, rcv router.Receiver) *Adapter {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cfg.Client = httpcall.OrDefault(cfg.Client)
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.DedupeWindow <= 0 {
		cfg.DedupeWindow = DefaultDedupeWindow
	}
	if cfg.Representative == "" {
		cfg.Representative = "HUMAN"
	}
	a := &Adapter{cfg: cfg, rcv: rcv, account: cfg.AgentID, seen: dedupe.New(cfg.DedupeWindow), ids: cfg.Seed}
	a.base = plainBase(cfg.BaseURL)
	token := []byte(cfg.ClientToken)
	a.macPool.New = func() any { return &macBuf{h: hmac.New(sha512.New, token)} }
	a.sa, a.key, a.saErr = parseServiceAccount(cfg.ServiceAccount)
	if cfg.Solo {
		a.tokenMu.Solo()
		a.mu.Solo()
	}
	return a
}

func parseServiceAccount(b []byte) (serviceAccount, *rsa.PrivateKey, error) {
	var sa serviceAccount
	if len(b) == 0 {
		return sa, nil, errors.New("businessmessages: no service account")
	}
	if err := json.Unmarshal(b, &sa); err != nil {
		return sa, nil, fmt.Errorf("businessmessages: service account: %w", err)
	}
	if sa.Type != "service_account" || sa.ClientEmail == "" || sa.TokenURI == "" {
		return sa, nil, errors.New("businessmessages: service account: want type service_account with client_email and token_uri")
	}
	block, _ := pem.Decode([]byte(sa.PrivateKey))
	if block == nil {
		return sa, nil, errors.New("businessmessages: service account: private_key is not PEM")
	}
	var key *rsa.PrivateKey
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		key, _ = k.(*rsa.PrivateKey)
	} else if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		key = k
	}
	if key == nil {
		return sa, nil, errors.New("businessmessages: service account: private_key is not an RSA key")
	}
	return sa, key, nil
}

// Stats returns the adapter's counters.
func (a *Adapter) Stats() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

// Release gives the memory of the adapter's dedupe window (the requestIds
// it remembers) to the dedupe package's pools, for the adapters made after
// it to reuse, and leaves it empty: the adapter forgets every id it has
// handed on, and a message it receives after Release is not taken for a
// duplicate of one before. Call it when the adapter has served its last
// webhook; it may be called more than once.
func (a *Adapter) Release() {
	a.mu.Lock()
	a.seen.Release()
	a.mu.Unlock()
}

// Assertion returns the RS256-signed JWT the adapter presents to the token
// endpoint at now: header {"alg":"RS256","typ":"JWT","kid"}, claims iss
// (the service account), scope, aud (token_uri), iat (now) and exp (an
// hour later).
func (a *Adapter) Assertion(now time.Time) (string, error) {
	if a.saErr != nil {
		return "", a.saErr
	}
	return SignAssertion(a.key, a.sa.PrivateKeyID, a.sa.ClientEmail, a.sa.TokenURI, now)
}

// SignAssertion signs a service account's JWT-bearer assertion for the
// Business Messages scope.
func SignAssertion(key *rsa.PrivateKey, keyID, email, aud string, now time.Time) (string, error) {
	hdr, _ := json.Marshal(struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
		Kid string `json:"kid,omitempty"`
	}{"RS256", "JWT", keyID})
	claims, _ := json.Marshal(struct {
		Iss   string `json:"iss"`
		Scope string `json:"scope"`
		Aud   string `json:"aud"`
		Exp   int64  `json:"exp"`
		Iat   int64  `json:"iat"`
	}{email, Scope, aud, now.Unix() + 3600, now.Unix()})
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(hdr) + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signing + "." + enc.EncodeToString(sig), nil
}

// accessToken returns a token valid for at least a minute more, fetching
// one from the service account's token_uri when needed.
func (a *Adapter) accessToken(ctx context.Context) (string, error) {
	a.tokenMu.Lock()
	defer a.tokenMu.Unlock()
	now := a.cfg.Clock()
	if a.token != "" && now.Add(time.Minute).Before(a.tokenExp) {
		return a.token, nil
	}
	assertion, err := a.Assertion(now)
	if err != nil {
		return "", err
	}
	a.count(func(s *Stats) { s.TokenFetches++ })
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {assertion}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.sa.TokenURI, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		return "", fmt.Errorf("businessmessages: token: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	var tr struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || resp.StatusCode != http.StatusOK || tr.AccessToken == "" {
		return "", &router.PlatformError{Code: cmpOr(tr.Error, "token_error"), HTTPStatus: resp.StatusCode, Message: cmpOr(tr.Description, "no access token")}
	}
	a.token, a.tokenExp = tr.AccessToken, now.Add(time.Duration(tr.ExpiresIn)*time.Second)
	return a.token, nil
}

func cmpOr(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// NewMessageID makes a messageId: a version-4 UUID from the adapter's
// seeded counter (splitmix64).
func (a *Adapter) NewMessageID() string {
	var out [36]byte
	return string(a.appendMessageID(out[:0]))
}

// appendMessageID makes a messageId and appends it.
func (a *Adapter) appendMessageID(out []byte) []byte {
	a.mu.Lock()
	hi, lo := a.nextMessageID()
	a.mu.Unlock()
	return uuid4.Append(out, hi, lo)
}

// makeWithMessageID makes a messageId, appends it to out and returns out
// as a string carved from a.strs.
func (a *Adapter) makeWithMessageID(out []byte) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	hi, lo := a.nextMessageID()
	return a.strs.Make(uuid4.Append(out, hi, lo))
}

// nextMessageID draws the bits of the next messageId (a version-4
// UUID's); a.mu is held.
func (a *Adapter) nextMessageID() (hi, lo uint64) {
	hi = splitmix.Next(&a.ids)
	return hi, splitmix.Next(&a.ids)
}

// SendRequest is a message as the adapter sends it.
type SendRequest struct {
	MessageID      string
	Representative string // HUMAN or BOT
	Text           string
	ImageURL       string // instead of Text
}

// Request makes the request the adapter sends for m: a text (a template
// as the text of its name: Business Messages has no templates), or an
// image on the simulator's file host.
func (a *Adapter) Request(m router.Outbound) (SendRequest, error) {
	req := SendRequest{Representative: a.cfg.Representative}
	switch m.Kind {
	case router.KindText:
		req.Text = m.Text
	case router.KindTemplate:
		req.Text = m.Template.Name
	case router.KindAttachment:
		at := m.Attachment
		if at.Kind != "image" {
			return req, fmt.Errorf("businessmessages: cannot send a %s attachment", at.Kind)
		}
		name := cmpOr(at.Name, "file."+at.Format)
		if !strings.HasSuffix(strings.ToLower(name), "."+strings.ToLower(at.Format)) {
			name += "." + at.Format
		}
		req.ImageURL = "https://" + FileHost + "/" + url.PathEscape(name) + "?bytes=" + strconv.FormatInt(at.Size, 10)
	default:
		return req, fmt.Errorf("businessmessages: unknown message kind %q", m.Kind)
	}
	return req, nil
}

// AppendJSON appends the message body: {"messageId","representative"
// {"representativeType"},"text"} or an image's contentInfo.
func (r *SendRequest) AppendJSON(b []byte) []byte {
	b = append(b, `{"messageId":`...)
	b = appendString(b, r.MessageID)
	b = append(b, `,"representative":{"representativeType":`...)
	b = appendString(b, r.Representative)
	b = append(b, '}')
	if r.ImageURL != "" {
		b = append(b, `,"image":{"contentInfo":{"fileUrl":`...)
		b = appendString(b, r.ImageURL)
		b = append(b, "}}"...)
	} else {
		b = append(b, `,"text":`...)
		b = appendString(b, r.Text)
	}
	return append(b, '}')
}

// htmlSafe marks the ASCII bytes appendString copies as they are:
// printable, other than ", \, <, > and &.
var htmlSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString appends s as a JSON string, escaped as encoding/json
// escapes it (<, > and & as \u003c, \u003e, \u0026; U+2028 and U+2029
// escaped; invalid UTF-8 as U+FFFD).
func appendString(b []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	b = append(b, '"')
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
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			if r == utf8.RuneError {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, '\\', 'u', '2', '0', '2', hexd[r&0xf])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Send posts m to the customer's conversation and returns its messageId.
// Google's errors come back as *router.PlatformError with the status
// string as the code (INVALID_ARGUMENT, FAILED_PRECONDITION, ...). A
// transient refusal is retried at once with the same messageId, up to
// SendTries tries in all (see [SendTries]).
func (a *Adapter) Send(ctx context.Context, to router.CustomerKey, m router.Outbound) (string, error) {
	id, err := a.send(ctx, to.Customer, m)
	a.count(func(s *Stats) {
		if err != nil {
			s.Failed++
		} else {
			s.Sent++
		}
	})
	return id, err
}

func (a *Adapter) send(ctx context.Context, conv string, m router.Outbound) (string, error) {
	req, err := a.Request(m)
	if err != nil {
		return "", err
	}
	c := call{conv: conv, coll: "/messages", param: "messageId="}
	if a.base != nil && unreserved(conv) {
		// The messageId is the end of the call's path and query, one
		// string.
		var arr [160]byte
		pq := append(arr[:0], a.base.Path...)
		pq = append(pq, "/v1/conversations/"...)
		pq = append(pq, conv...)
		pq = append(pq, "/messages?messageId="...)
		c.pq = a.makeWithMessageID(pq)
		c.id = c.pq[len(pq):]
	} else {
		c.id = a.NewMessageID()
	}
	req.MessageID = c.id
	// Transient refusals are retried with the same messageId (retry.go).
	if err := Retry(func() error { return a.post(ctx, c, &req, nil) }); err != nil {
		return "", err
	}
	return req.MessageID, nil
}

// SendEvent posts an event (TYPING_STARTED, TYPING_STOPPED,
// REPRESENTATIVE_JOINED, REPRESENTATIVE_LEFT) to the customer's
// conversation.
func (a *Adapter) SendEvent(ctx context.Context, to router.CustomerKey, eventType string) error {
	id := a.NewMessageID()
	b := append([]byte(`{"eventType":`), appendString(nil, eventType)...)
	b = append(b, `,"representative":{"representativeType":`...)
	b = appendString(b, a.cfg.Representative)
	b = append(b, "}}"...)
	return a.post(ctx, call{conv: to.Customer, coll: "/events", param: "eventId=", id: id}, nil, b)
}

// hdrJSON is the Content-Type of a call, shared by every call (never
// modified: a header Add appends to a copy, since its capacity is its
// length).
var hdrJSON = []string{"application/json"}

// bearerHeader is the Authorization value of tok, made once per token.
func (a *Adapter) bearerHeader(tok string) []string {
	a.tokenMu.Lock()
	defer a.tokenMu.Unlock()
	if a.bearerOf != tok || a.bearer == nil {
		a.bearer, a.bearerOf = []string{"Bearer " + tok}, tok
	}
	return a.bearer
}

// call is where a post goes: {BaseURL}/v1/conversations/{conv}{coll}?{param}{id}.
// pq, when set, is the URL's path and query after the base URL's, ending
// in id.
type call struct {
	conv, coll, param, id string
	pq                    string
}

// plainBase is the base URL parsed as http.NewRequest parses it, when its
// path, query and fragment are such that a path of unreserved characters
// and a query added to it read as url.Parse reads the whole URL: nil
// otherwise.
func plainBase(raw string) *url.URL {
	u := httpcall.ParseURL(raw)
	if u == nil || u.Opaque != "" || u.RawPath != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" ||
		u.RawFragment != "" || u.Host == "" || strings.ContainsAny(raw, "?#%") || u.String() != raw {
		return nil
	}
	return u
}

// unreserved reports whether s is not empty and only of RFC 3986's
// unreserved characters, which neither url.PathEscape nor url.Parse
// change.
func unreserved(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// post sends an authenticated JSON body, sr's or else body, and reads
// Google's answer.
func (a *Adapter) post(ctx context.Context, c call, sr *SendRequest, body []byte) error {
	tok, err := a.accessToken(ctx)
	if err != nil {
		return err
	}
	var req *http.Request
	var q *httpcall.Request
	// c.pq is made only for a plain conversation id, and ends in a UUID.
	if a.base != nil && ctx != nil && (c.pq != "" || unreserved(c.conv) && unreserved(c.id)) {
		// Recycled: the request, its header map and its body buffer; the
		// URL is the base parsed once with the path and query added, as
		// url.Parse reads them when they need no escaping.
		q = httpcall.New()
		defer q.Release()
		if sr != nil {
			body = sr.AppendJSON(q.Scratch())
		}
		req = q.Prepare(ctx, http.MethodPost, a.base, body)
		// The path and the query share one string, which is also the
		// request URI an in-process transport presents.
		pq := c.pq
		if pq == "" {
			pq = a.base.Path + "/v1/conversations/" + c.conv + c.coll + "?" + c.param + c.id
		}
		q.SetPathQuery(pq, len(pq)-len(c.param)-len(c.id)-1)
	} else {
		if sr != nil {
			body = sr.AppendJSON(make([]byte, 0, 128+len(sr.Text)))
		}
		u := a.cfg.BaseURL + "/v1/conversations/" + url.PathEscape(c.conv) + c.coll + "?" + c.param + c.id
		if pu := httpcall.ParseURL(u); pu != nil && ctx != nil && len(body) != 0 {
			q = httpcall.New()
			defer q.Release()
			req = q.Prepare(ctx, http.MethodPost, pu, body)
		} else if req, err = http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body)); err != nil {
			return err
		}
	}
	req.Header["Content-Type"] = hdrJSON
	req.Header["Authorization"] = a.bearerHeader(tok)
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		q.Abandon() // the transport may still hold the request
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		q.Drain(resp.Body, 1<<20)
		return nil
	}
	if resp.StatusCode == http.StatusUnauthorized {
		a.tokenMu.Lock()
		a.token = "" // fetch a new one next time
		a.tokenMu.Unlock()
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return ParseError(resp.StatusCode, raw)
}

// ParseError reads Google's error envelope {"error":{"code","message",
// "status"}}; a body without one gives the HTTP status as the code.
func ParseError(status int, body []byte) *router.PlatformError {
	var env struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Status  string `json:"status"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || env.Error.Status == "" {
		return &router.PlatformError{Code: strconv.Itoa(status), HTTPStatus: status, Message: strings.TrimSpace(string(body))}
	}
	return &router.PlatformError{Code: env.Error.Status, HTTPStatus: status, Message: env.Error.Message}
}

// Policy returns the router's policy for Business Messages: an agent may
// message a conversation for 30 days after the customer's last message,
// no reply-count limit, no templates, the conversation stays open when the
// window closes, texts of at most 3072 characters, and images (jpeg, jpg,
// png) up to 5 MB; other attachment kinds are refused.
func Policy() router.Policy {
	return router.Policy{
		Window:        30 * 24 * time.Hour,
		WindowAnchor:  router.AnchorLastInbound,
		MaxTextLength: 3072,
		Attachments: map[string]router.AttachmentRule{
			"image": {Formats: []string{"jpeg", "jpg", "png"}, MaxBytes: 5 << 20},
		},
	}
}

// Doer makes HTTP calls: an *http.Client, or anything with its Do method,
// such as an in-memory transport that serves a call without a client.
type Doer = httpcall.Doer

// macBuf is a keyed HMAC and the buffer its sums are written to (which on
// the stack would escape through the hash.Hash interface), pooled
// together.
type macBuf struct {
	h   hash.Hash
	sum [sha512.Size]byte
}
