package businessmessages

import (
	"bytes"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
	"github.com/omnisim/omnisim/fakes/forget"
	"github.com/omnisim/omnisim/headmac"
	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/internal/solo"
	"github.com/omnisim/omnisim/jsonscan"
	"github.com/omnisim/omnisim/splitmix"
	"github.com/omnisim/omnisim/uuid4"
)

// Config configures a fake platform; zero values get the defaults.
type Config struct {
	PartnerID string // default DefaultPartnerID
	BrandID   string // default DefaultBrandID
	AgentID   string // default DefaultAgentID
	// ClientToken is the token shown at webhook setup: the verification
	// request carries it, and it keys X-Goog-Signature. Default
	// DefaultClientToken.
	ClientToken string
	// CustomAgentID is the partner's own id for the agent, echoed in every
	// webhook as customAgentId; default DefaultCustomAgentID.
	CustomAgentID string
	// ProjectID, ClientEmail and PrivateKeyID describe the service
	// account; PrivateKey is its key, nil for the built-in test key.
	ProjectID    string
	ClientEmail  string
	PrivateKeyID string
	PrivateKey   *rsa.PrivateKey
	// BaseURL is where the fake's API is reached (no trailing slash): the
	// credentials file's token_uri is BaseURL+PathToken. Set it with
	// SetBaseURL once known; default DefaultBaseURL.
	BaseURL string
	// WebhookURL is the partner's webhook: Verify and every webhook go
	// there.
	WebhookURL string
	// Client calls WebhookURL; default http.DefaultClient.
	Client Doer
	// Direct, when set, replaces the webhook's HTTP call: the fake hands
	// each payload to it as a value and takes its answer as the HTTP
	// status (the Direct network). Retries and the journal are the same.
	Direct func(m *UserMessage) int
	// Clock is the platform's time, default time.Now; the fake reads no
	// other clock (webhook timeouts excepted, which are real durations).
	Clock func() time.Time
	// Seed seeds every generated id (message ids, request ids, tokens).
	Seed uint64
	// Window is how long after the user's last message the agent may
	// send; 0 means 30 days, negative never closes.
	Window time.Duration
	// RetryFor is how long an undelivered webhook is retried after its
	// first try; 0 means 7 days, negative means no retries.
	RetryFor time.Duration
	// RetryDelay is the wait before the first retry; it doubles per retry
	// up to RetryMaxDelay. 0 means 10 s and 1 h.
	RetryDelay, RetryMaxDelay time.Duration
	// Retirement is when the platform shut down: from then on it refuses
	// every API call (PERMISSION_DENIED) and sends no webhooks. Zero means
	// DefaultRetirement. It applies only when the clock is before it at
	// New: a world that starts after it models the platform as if it had
	// not retired. NoRetirement disables it.
	Retirement   time.Time
	NoRetirement bool
	// WindowStatus is the canonical status (a google.rpc.Code name) of a
	// send refused because the 30-day window has closed; "" means
	// DefaultWindowStatus, FAILED_PRECONDITION. Google documents the 30
	// days, not the answer after them. The HTTP status follows from it as
	// Google's APIs map their statuses (HTTPStatusOf: 400 for
	// FAILED_PRECONDITION, 403 for PERMISSION_DENIED). New panics on a name
	// that is not an error status.
	WindowStatus string
	// Device is what users' devices can show: the device of every
	// conversation whose user's latest message has no Context.Device of
	// its own. The zero Device, the default, shows everything. A message
	// the device cannot show is refused 400 FAILED_PRECONDITION unless it
	// has fallback text, which the user is then shown (see Device).
	Device Device
	// MaxTextLength limits a text in characters; 0 means 3072, negative
	// is unlimited.
	MaxTextLength int
	// ImageFormats and ImageMaxBytes limit the images the fake accepts
	// (by the file URL's extension and the size its file host reports);
	// nil and 0 mean DefaultImageFormats and 5 MB, negative size is
	// unlimited.
	ImageFormats  []string
	ImageMaxBytes int64
	// Receipts sends a DELIVERED receipt webhook for every message
	// delivered; off by default.
	Receipts bool
	// SignVerification signs the verification request with
	// X-Goog-Signature too; off by default.
	SignVerification bool
	// WebhookTimeout is the per-try timeout of a webhook; 0 means 10 s,
	// negative means none.
	WebhookTimeout time.Duration
	// Faults makes the platform misbehave (see package fakes/fault and
	// faults.go); the zero Plan, the default, has no fault.
	Faults fault.Plan
	// JournalLimit keeps at most this many entries per Journal list, the
	// newest; 0 keeps all, a negative limit none. A positive limit also
	// bounds each conversation's delivery history (Server.Deliveries) to
	// its newest deliveries, so that a long-running server's
	// conversations do not grow without end. Counts stay exact.
	JournalLimit int
	// KeepDeliveries, when set, names the conversations (by id) whose
	// deliveries Server.Deliveries keeps; the others' are counted (Counts,
	// the journal's newest entries) but not kept. It is asked once per
	// record, when the record is made. Nil keeps every conversation's (see
	// retain.go).
	KeepDeliveries func(conversation string) bool
	// ForgetAfter, when positive, forgets a conversation whose deliveries
	// are not kept once its user's last message is that old and the
	// window has closed: its record and the messageIds it used (see
	// retain.go). 0 forgets nothing.
	ForgetAfter time.Duration
	// Solo promises that one goroutine at a time uses the server, each
	// use ordered with the others (a world on the memory or the direct
	// network): it then takes no lock (package solo).
	Solo bool
}

// Defaults of Config.
const (
	DefaultPartnerID      = "omnisim-partner"
	DefaultBrandID        = "5a6b7c8d-1e2f-4a3b-9c4d-5e6f7a8b9c0d"
	DefaultAgentID        = "0f1e2d3c-4b5a-4697-8879-6a5b4c3d2e1f"
	DefaultClientToken    = "omnisim-business-messages-client-token"
	DefaultCustomAgentID  = "omnisim-agent"
	DefaultProjectID      = "omnisim-bm"
	DefaultClientEmail    = "omnisim-bm@omnisim-bm.iam.gserviceaccount.com"
	DefaultPrivateKeyID   = "0b5e6c1d2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d"
	DefaultBaseURL        = "https://businessmessages.googleapis.com"
	DefaultWindow         = 30 * 24 * time.Hour
	DefaultRetryFor       = 7 * 24 * time.Hour
	DefaultRetryDelay     = 10 * time.Second
	DefaultRetryMaxDelay  = time.Hour
	DefaultMaxTextLength  = 3072
	DefaultImageMaxBytes  = 5 << 20
	DefaultTokenTTL       = 3599 * time.Second
	DefaultWebhookTimeout = 10 * time.Second
	// DefaultWindowStatus is the status of a send after the 30-day window
	// (UNCONFIRMED: the most plausible of Google's canonical statuses for
	// a request the conversation's state does not allow).
	DefaultWindowStatus = "FAILED_PRECONDITION"
)

// DefaultRetirement is when Google's Business Messages shut down: the end
// of 2024-07-31 (UTC), the last day it could be used.
var DefaultRetirement = time.Date(2024, time.August, 1, 0, 0, 0, 0, time.UTC)

// DefaultImageFormats are the image file extensions the fake accepts.
func DefaultImageFormats() []string { return []string{"jpeg", "jpg", "png"} }

// API paths, as on businessmessages.googleapis.com (and
// oauth2.googleapis.com for the token).
const (
	PathToken       = "/token"
	PathCredentials = "/omnisim/service-account.json"
	pathConvPrefix  = "/v1/conversations/"
)

// Server is a fake Business Messages platform. Use it unstarted as an
// http.Handler. All methods are safe for concurrent use,
// unless made with Config.Solo.
type Server struct {
	cfg     Config
	hookURL httpcall.URLCache // Config.WebhookURL parsed once
	key     *rsa.PrivateKey
	retire  time.Time // zero: never
	macPool sync.Pool // *macBuf: HMAC-SHA512 keyed with ClientToken
	agent   string    // Agent(), made once

	windowHTTP int // the HTTP status of Config.WindowStatus

	mu         solo.Mutex
	rnd        uint64
	convs      map[string]*conv
	userBlocks []userBlock           // the rest of the block user messages are made in
	tokens     map[string]int64      // access token -> when it was issued, Unix nanoseconds
	queue      fault.Queue[*pending] // retries and held deliveries, by due time
	counts     Counts
	faults     *fault.Decider // nil: no fault plan
	faultN     int            // faults the plan caused
	sendErrN   int            // server errors the plan gave sends
	// ids makes the ids of user messages (a name, its messageId and the
	// requestId in one string), which live as long as the journal keeps
	// the message.
	ids jsonscan.Arena

	requests   ring[Request]
	webhooks   ring[webhookRec]
	deliveries ring[delivEntry]
	errs       ring[ErrorEntry]
	sweptAt    int64 // when conversations were last looked at to be forgotten, Unix nanoseconds
	swept      bool  // they have been looked at
}

// conv is what the platform knows of one conversation (one user and the
// agent).
type conv struct {
	// lastUser is the user's last message, in Unix nanoseconds: a time
	// without a location to point to, which the window compares with
	// forget.Old (no overflow for instants more than 292 years apart).
	lastUser int64
	hasUser  bool
	keep     bool // its deliveries are kept (Config.KeepDeliveries)
	// device is what the user's device can show: that of the user's
	// latest message (its Context.Device, or Config.Device).
	device Device
	// The messageIds the agent used: the first few in sent, all of them in
	// sentSet once there are more (a conversation usually has a few).
	sent       []string
	sentSet    map[string]struct{}
	deliveries ring[delivRec] // the newest Config.JournalLimit (all when it is not positive)
}

// sentFew is how many messageIds a conversation keeps in conv.sent before
// it keeps them in conv.sentSet.
const sentFew = 8

// used reports whether the agent used messageId id in c.
func (c *conv) used(id string) bool {
	if c.sentSet != nil {
		_, ok := c.sentSet[id]
		return ok
	}
	return slices.Contains(c.sent, id)
}

// use records that the agent used messageId id in c.
func (c *conv) use(id string) {
	switch {
	case c.sentSet != nil:
		c.sentSet[id] = struct{}{}
	case len(c.sent) < sentFew:
		c.sent = append(c.sent, id)
	default:
		c.sentSet = make(map[string]struct{}, 2*sentFew)
		for _, v := range c.sent {
			c.sentSet[v] = struct{}{}
		}
		c.sentSet[id] = struct{}{}
		c.sent = nil
	}
}

// New returns a fake platform for cfg.
func New(cfg Config) *Server {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&cfg.PartnerID, DefaultPartnerID)
	def(&cfg.BrandID, DefaultBrandID)
	def(&cfg.AgentID, DefaultAgentID)
	def(&cfg.ClientToken, DefaultClientToken)
	def(&cfg.CustomAgentID, DefaultCustomAgentID)
	def(&cfg.ProjectID, DefaultProjectID)
	def(&cfg.ClientEmail, DefaultClientEmail)
	def(&cfg.PrivateKeyID, DefaultPrivateKeyID)
	def(&cfg.BaseURL, DefaultBaseURL)
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cfg.Client = httpcall.OrDefault(cfg.Client)
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.RetryFor == 0 {
		cfg.RetryFor = DefaultRetryFor
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = DefaultRetryDelay
	}
	if cfg.RetryMaxDelay <= 0 {
		cfg.RetryMaxDelay = DefaultRetryMaxDelay
	}
	if cfg.MaxTextLength == 0 {
		cfg.MaxTextLength = DefaultMaxTextLength
	}
	if cfg.ImageFormats == nil {
		cfg.ImageFormats = DefaultImageFormats()
	}
	if cfg.ImageMaxBytes == 0 {
		cfg.ImageMaxBytes = DefaultImageMaxBytes
	}
	if cfg.WebhookTimeout == 0 {
		cfg.WebhookTimeout = DefaultWebhookTimeout
	}
	if cfg.WindowStatus == "" {
		cfg.WindowStatus = DefaultWindowStatus
	}
	windowHTTP := HTTPStatusOf(cfg.WindowStatus)
	if windowHTTP < 400 {
		panic(fmt.Sprintf("businessmessages: Config.WindowStatus %q is not an error status of google.rpc.Code", cfg.WindowStatus))
	}
	s := &Server{cfg: cfg, rnd: cfg.Seed, convs: map[string]*conv{}, tokens: map[string]int64{},
		faults: fault.New(cfg.Faults, cfg.Seed), windowHTTP: windowHTTP}
	s.key = cfg.PrivateKey
	if s.key == nil {
		k, err := ParsePrivateKey(defaultPrivateKey)
		if err != nil {
			panic("businessmessages: the built-in key: " + err.Error())
		}
		s.key = k
	}
	if !cfg.NoRetirement {
		r := cfg.Retirement
		if r.IsZero() {
			r = DefaultRetirement
		}
		if cfg.Clock().Before(r) {
			s.retire = r
		}
	}
	token := []byte(cfg.ClientToken)
	s.macPool.New = func() any { return &macBuf{h: hmac.New(sha512.New, token)} }
	s.agent = "brands/" + s.cfg.BrandID + "/agents/" + s.cfg.AgentID
	lim := cfg.JournalLimit
	for _, r := range []interface{ SetLimit(int) }{&s.requests, &s.webhooks, &s.deliveries, &s.errs} {
		r.SetLimit(lim)
	}
	if cfg.Solo {
		s.mu.Solo()
	}
	return s
}

// Config returns the configuration with its defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// SetBaseURL sets where the fake's API is reached, for the credentials
// file's token_uri. Call it before handing out the credentials.
func (s *Server) SetBaseURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.BaseURL = strings.TrimRight(u, "/")
}

// SetWebhookURL sets the partner's webhook URL, once known; call it before
// any traffic.
func (s *Server) SetWebhookURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.WebhookURL = u
}

// Agent is the agent's resource name, "brands/B/agents/A".
func (s *Server) Agent() string { return s.agent }

// TokenURI is the token endpoint's URL.
func (s *Server) TokenURI() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.BaseURL + PathToken
}

// ServiceAccount returns the service account's credentials file, as the
// partner downloads it: the private key in PKCS#8 PEM and token_uri
// pointing at this fake.
func (s *Server) ServiceAccount() ServiceAccount {
	pem := defaultPrivateKey + "\n"
	if s.cfg.PrivateKey != nil {
		pem = encodePKCS8(s.cfg.PrivateKey)
	}
	return ServiceAccount{
		Type: "service_account", ProjectID: s.cfg.ProjectID, PrivateKeyID: s.cfg.PrivateKeyID, PrivateKey: pem,
		ClientEmail: s.cfg.ClientEmail, ClientID: "104857600000000000001",
		AuthURI: "https://accounts.google.com/o/oauth2/auth", TokenURI: s.TokenURI(),
		AuthProviderX509CertURL: "https://www.googleapis.com/oauth2/v1/certs",
		ClientX509CertURL:       "https://www.googleapis.com/robot/v1/metadata/x509/" + s.cfg.ClientEmail,
	}
}

// Credentials returns the service account's credentials file as JSON.
func (s *Server) Credentials() []byte {
	b, _ := json.MarshalIndent(s.ServiceAccount(), "", "  ")
	return append(b, '\n')
}

// Retired reports whether the platform has shut down at the fake's time.
func (s *Server) Retired() bool { return s.retiredAt(s.cfg.Clock()) }

func (s *Server) retiredAt(now time.Time) bool { return !s.retire.IsZero() && !now.Before(s.retire) }

// Retirement returns when the platform shuts down in this world; ok false
// when it does not.
func (s *Server) Retirement() (t time.Time, ok bool) { return s.retire, !s.retire.IsZero() }

// next64 draws from the fake's seeded stream. s.mu is held.
func (s *Server) next64() uint64 { return splitmix.Next(&s.rnd) }

// uuid draws a version-4 UUID. s.mu is held.
func (s *Server) uuid() string {
	var b [uuid4.Len]byte
	return string(s.appendUUID(b[:0]))
}

// appendUUID draws a version-4 UUID and appends it. s.mu is held.
func (s *Server) appendUUID(out []byte) []byte {
	hi := s.next64()
	return uuid4.Append(out, hi, s.next64())
}

// Error is a Google API error: the HTTP status, the canonical status
// string and a message, written as {"error":{"code","message","status"}}.
type Error struct {
	HTTPStatus int
	Status     string // INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED, ...
	Message    string
	// Reason, when set, adds a google.rpc.ErrorInfo detail (SERVICE_DISABLED
	// for the retired platform).
	Reason string
}

// Error formats the status and message.
func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s", e.HTTPStatus, e.Status, e.Message)
}

// Body is the error's JSON envelope.
func (e *Error) Body() []byte {
	b := make([]byte, 0, 128+len(e.Message))
	b = append(b, `{"error":{"code":`...)
	b = strconv.AppendInt(b, int64(e.HTTPStatus), 10)
	b = append(b, `,"message":`...)
	b = appendString(b, e.Message)
	b = append(b, `,"status":`...)
	b = appendString(b, e.Status)
	if e.Reason != "" {
		b = append(b, `,"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":`...)
		b = appendString(b, e.Reason)
		b = append(b, `,"domain":"googleapis.com","metadata":{"service":"businessmessages.googleapis.com"}}]`...)
	}
	return append(b, "}}"...)
}

func errInvalid(msg string) *Error {
	return &Error{HTTPStatus: 400, Status: "INVALID_ARGUMENT", Message: msg}
}

// ServeHTTP serves the API: the token endpoint, messages and events of a
// conversation, and the credentials file.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := s.cfg.Clock()
	switch {
	case r.URL.Path == PathToken:
		s.serveToken(w, r, now)
	case r.URL.Path == PathCredentials && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		w.Write(s.Credentials())
		s.logRequest(now, r, http.StatusOK, "")
	case strings.HasPrefix(r.URL.Path, pathConvPrefix):
		s.serveConversation(w, r, now)
	default:
		s.writeError(w, r, now, "", &Error{HTTPStatus: 404, Status: "NOT_FOUND", Message: "Requested entity was not found."})
	}
}

func (s *Server) logRequest(now time.Time, r *http.Request, status int, code string) {
	s.mu.Lock()
	s.requests.Add(Request{At: now, Method: r.Method, Path: r.URL.Path, Status: status, Code: code})
	s.counts.Requests++
	s.mu.Unlock()
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, now time.Time, conv string, e *Error) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(e.HTTPStatus)
	w.Write(e.Body())
	s.mu.Lock()
	s.requests.Add(Request{At: now, Method: r.Method, Path: r.URL.Path, Status: e.HTTPStatus, Code: e.Status})
	s.counts.Requests++
	s.errs.Add(ErrorEntry{At: now, Conversation: conv, Path: r.URL.Path, Status: e.HTTPStatus, Code: e.Status, Message: e.Message})
	s.counts.Errors++
	s.mu.Unlock()
}

// maxBody is the largest request body the fake reads.
const maxBody = 1 << 20

// serveToken is the OAuth 2.0 token endpoint's JWT-bearer grant.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, now time.Time) {
	fail := func(e *tokenError) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(e.Status)
		b := append([]byte(`{"error":`), appendString(nil, e.Code)...)
		b = append(b, `,"error_description":`...)
		b = appendString(b, e.Description)
		w.Write(append(b, '}'))
		s.logRequest(now, r, e.Status, e.Code)
	}
	if r.Method != http.MethodPost {
		fail(&tokenError{Code: "invalid_request", Description: "The token endpoint takes POST.", Status: 405})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		fail(&tokenError{Code: "invalid_request", Description: "The request body is not a form.", Status: 400})
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != GrantTypeJWTBearer {
		fail(&tokenError{Code: "unsupported_grant_type", Description: "Invalid grant_type: " + gt, Status: 400})
		return
	}
	if e := CheckAssertion(r.PostForm.Get("assertion"), &s.key.PublicKey, s.cfg.PrivateKeyID, s.cfg.ClientEmail, s.TokenURI(), now); e != nil {
		fail(e)
		return
	}
	s.mu.Lock()
	tok := s.issueTokenLocked(now.UnixNano())
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	fmt.Fprintf(w, `{"access_token":%q,"expires_in":%d,"token_type":"Bearer"}`, tok, int(DefaultTokenTTL/time.Second))
	s.logRequest(now, r, http.StatusOK, "")
}

// issueTokenLocked makes a new access token, issued at ns (Unix
// nanoseconds), and forgets the tokens expired by then. s.mu is held.
func (s *Server) issueTokenLocked(ns int64) string {
	var raw [24]byte
	for i := 0; i < len(raw); i += 8 {
		binary.BigEndian.PutUint64(raw[i:], s.next64())
	}
	tok := "ya29.c." + base64.RawURLEncoding.EncodeToString(raw[:])
	s.tokens[tok] = ns
	for t, issued := range s.tokens {
		if forget.Old(ns, issued, int64(DefaultTokenTTL)) {
			delete(s.tokens, t)
		}
	}
	return tok
}

// authorize checks the request's bearer token.
func (s *Server) authorize(r *http.Request, now time.Time) *Error {
	var h string // the header map as served holds canonical keys: no Get
	if v := r.Header["Authorization"]; len(v) > 0 {
		h = v[0]
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return &Error{HTTPStatus: 401, Status: "UNAUTHENTICATED", Message: "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential."}
	}
	s.mu.Lock()
	issued, known := s.tokens[tok]
	s.mu.Unlock()
	if !known || forget.Old(now.UnixNano(), issued, int64(DefaultTokenTTL)) {
		return &Error{HTTPStatus: 401, Status: "UNAUTHENTICATED", Message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."}
	}
	return nil
}

// retiredError is the answer of the shut-down platform.
func retiredError() *Error {
	return &Error{HTTPStatus: 403, Status: "PERMISSION_DENIED", Reason: "SERVICE_DISABLED",
		Message: "Business Messages API has been shut down: Google's Business Messages was retired on 2024-07-31."}
}

// serveConversation serves POST /v1/conversations/{id}/messages and
// /v1/conversations/{id}/events.
func (s *Server) serveConversation(w http.ResponseWriter, r *http.Request, now time.Time) {
	rest := strings.TrimPrefix(r.URL.Path, pathConvPrefix)
	id, coll, ok := strings.Cut(rest, "/")
	if !ok || id == "" || (coll != "messages" && coll != "events") {
		s.writeError(w, r, now, "", &Error{HTTPStatus: 404, Status: "NOT_FOUND", Message: "Requested entity was not found."})
		return
	}
	if r.Method != http.MethodPost {
		// Google's front end knows no other method on these paths.
		s.writeError(w, r, now, id, &Error{HTTPStatus: 404, Status: "NOT_FOUND", Message: "Method " + r.Method + " is not supported on " + r.URL.Path + "."})
		return
	}
	if e := s.authorize(r, now); e != nil {
		s.writeError(w, r, now, id, e)
		return
	}
	if coll == "messages" {
		if e := s.sendFault(); e != nil {
			s.writeError(w, r, now, id, e)
			return
		}
	}
	// A body handed over in process (httpcall.Body) is read where it is;
	// any other into a pooled buffer, put back when this returns. The
	// decoders copy what they keep (the fast decoder's strings,
	// encoding/json's values). A message's answer is built in the buffer.
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 64<<10 { // a larger one is left to the collector
			bodyPool.Put(buf)
		}
	}()
	body, ok := httpcall.Body(r)
	var err error
	if !ok {
		err = httpcall.ReadBody(buf, r.Body, maxBody)
		body = buf.Bytes()
	}
	if err != nil || len(body) > maxBody {
		s.writeError(w, r, now, id, errInvalid("The request body could not be read or is over 1 MB."))
		return
	}
	if coll == "events" {
		ev, e := ParseEvent(body)
		if e == nil {
			e = s.checkEvent(id, ev, now)
		}
		if e != nil {
			s.writeError(w, r, now, id, e)
			return
		}
		evID := cmpOr(r.URL.Query().Get("eventId"), ev.Name)
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		b := append([]byte(`{"name":`), appendString(nil, "conversations/"+id+"/events/"+evID)...)
		b = append(b, `,"eventType":`...)
		b = appendString(b, ev.EventType)
		w.Write(append(b, '}'))
		s.logRequest(now, r, http.StatusOK, "")
		return
	}
	var rep Representative
	req, _, e := parseSend(body, &rep)
	if e != nil {
		s.writeError(w, r, now, id, e)
		return
	}
	if req.MessageID == "" {
		req.MessageID = r.URL.Query().Get("messageId")
	}
	req.ForceFallback = forceFallback(r.URL.RawQuery)
	msg, e := s.accept(id, req, &rep, now)
	if e != nil {
		s.writeError(w, r, now, id, e)
		return
	}
	w.Header()["Content-Type"] = hdrJSONUTF8
	// The answer is written in the buffer (kept with its room for the
	// next): nothing decoded from the body refers to it.
	buf.Reset()
	buf.Grow(len(body) + sendAnswerRoom)
	w.Write(msg.AppendJSON(buf.AvailableBuffer()))
	s.logRequest(now, r, http.StatusOK, "")
	s.afterDelivery(r.Context(), msg)
}

// forceFallback reads the forceFallback query parameter as Google reads a
// boolean: true for "true" (any case) or "1". A query without it, the
// usual call, is not parsed.
func forceFallback(rawQuery string) bool {
	if !strings.Contains(rawQuery, "forceFallback") {
		return false
	}
	q, _ := url.ParseQuery(rawQuery)
	v := q.Get("forceFallback")
	return strings.EqualFold(v, "true") || v == "1"
}

func cmpOr(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// sendAnswerRoom is what a message's answer, which repeats its text, may
// take beyond the request's length: its name, ids and time.
const sendAnswerRoom = 256

// macSign returns base64(HMAC-SHA512(ClientToken, body)).
func (s *Server) macSign(body []byte) string {
	m := s.macPool.Get().(*macBuf)
	m.h.Reset()
	m.h.Write(body)
	var enc [88]byte // base64 of a SHA-512 sum
	out := m.sigs.Make(headmac.AppendBase64(enc[:0], m.h.Sum(m.sum[:0])))
	s.macPool.Put(m)
	return out
}

// Sign returns the X-Goog-Signature of body under clientToken:
// base64(HMAC-SHA512(clientToken, body)).
func Sign(clientToken string, body []byte) string {
	m := hmac.New(sha512.New, []byte(clientToken))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// errTimeout reports a webhook that took longer than its timeout.
var errTimeout = errors.New("webhook timed out")

// isTimeout reports whether err is a timeout of the webhook's client.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Doer makes HTTP calls: an *http.Client, or anything with its Do method,
// such as an in-memory transport that serves a call without a client.
type Doer = httpcall.Doer

// hdrJSONUTF8 is the Content-Type of a send's answer, shared by every
// answer (never modified: a header Add appends to a copy, since its
// capacity is its length).
var hdrJSONUTF8 = []string{"application/json; charset=UTF-8"}

// macBuf is a keyed HMAC and the buffer its sums are written to (which on
// the stack would escape through the hash.Hash interface), pooled
// together.
type macBuf struct {
	h   hash.Hash
	sum [sha512.Size]byte
	// sigs makes the signatures, which live as long as the journal keeps
	// their webhook.
	sigs jsonscan.Arena
}

// bodyPool holds the buffers conversation calls' bodies are read into.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}
