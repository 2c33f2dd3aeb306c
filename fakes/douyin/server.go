package douyin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
	"github.com/omnisim/omnisim/fakes/forget"
	"github.com/omnisim/omnisim/fakes/journal"
	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/internal/solo"
	"github.com/omnisim/omnisim/jsonscan"
)

// Defaults of Config.
const (
	// DefaultClientKey is a client_key of Douyin's shape: "aw" and 14
	// lower-case letters and digits.
	DefaultClientKey = "awq3x8kd2m7v5npz"
	// DefaultClientSecret is a client_secret of Douyin's shape: 32 hex
	// digits.
	DefaultClientSecret = "5b8e2f9c41d37a06e1f4c8b2d9a35e70"
	// DefaultAccountOpenID is the merchant account's open_id.
	DefaultAccountOpenID = "_000QbYWmPCKxRPn3Dk7BaNaDsF4KzPcuYtG"
	DefaultWindow        = 48 * time.Hour
	DefaultReplyLimit    = 5
	DefaultTokenTTL      = 7200 * time.Second
	// DefaultWebhookTimeout is how long Douyin waits for the router's
	// answer before it drops the connection.
	DefaultWebhookTimeout = 5 * time.Second
	// DefaultWebhookRetries is how many times Douyin retries a webhook
	// whose try failed.
	DefaultWebhookRetries = 3
)

// The send API's answer envelopes (Config.Envelope).
const (
	// EnvelopeData is {"data":{…,"error_code","description"},"extra":
	// {"error_code","description","sub_error_code","sub_description",
	// "logid","now"}}: the shape of the open.douyin.com OpenAPIs of the
	// send's family (/oauth/…, /friend/list/, /open/getticket/).
	EnvelopeData = "data"
	// EnvelopeErrNo is {"err_no":N,"err_msg":"…","log_id":"…"} (with
	// "data":{"msg_id"} on success): the shape of Douyin's newer
	// /api/… OpenAPIs.
	EnvelopeErrNo = "err_no"
)

// ScopeIM is the scope the IM send API needs (私信消息管理).
const ScopeIM = "im.direct_message"

// DefaultScopes are the scopes an app holds unless Config.Scopes says.
var DefaultScopes = []string{ScopeIM}

// Config configures a fake platform; zero values get the defaults.
type Config struct {
	ClientKey     string // default DefaultClientKey
	ClientSecret  string // signs webhooks; default DefaultClientSecret
	AccountOpenID string // the merchant account; default DefaultAccountOpenID
	WebhookURL    string // the router's URL; webhooks and Verify go there
	// Client calls WebhookURL; default http.DefaultClient.
	Client Doer
	// Deliver, when set, takes every webhook as a value instead of an HTTP
	// call, and answers with the HTTP status and body the router would
	// (the body is judged as over HTTP: verify_webhook's must be
	// {"challenge":N}; it is kept in the journal, unchanged afterwards).
	// No bytes are written or signed.
	Deliver func(ctx context.Context, p *Push) (status int, answer []byte, err error)
	// Clock is the platform's time, default time.Now; the fake reads no
	// other clock (webhook timeouts excepted, which are real durations on
	// the HTTP path).
	Clock func() time.Time
	// Seed seeds every generated id.
	Seed uint64
	// Window is how long a customer message allows replies; 0 means 48 h,
	// negative never closes.
	Window time.Duration
	// ReplyLimit is the replies allowed per customer message; 0 means 5,
	// negative is unlimited.
	ReplyLimit int
	// RateLimit is the sends allowed per second (of Clock) per app; 0 or
	// negative does not limit.
	RateLimit int
	// Scopes the app holds; nil means DefaultScopes.
	Scopes []string
	// TokenTTL is the client_token's lifetime; 0 means 7200 s, negative
	// never expires.
	TokenTTL time.Duration
	// WebhookTimeout is the per-try timeout of a webhook and the gap
	// before a retry or repeat; 0 or negative means 5 s.
	WebhookTimeout time.Duration
	// NoCallTimeout lets an HTTP try run as long as the router takes, for
	// an in-memory network where the router's handler is called directly
	// and nothing can hang: the wall clock then never decides what happens
	// in a run, however loaded the machine. WebhookTimeout stays the
	// virtual time between tries.
	NoCallTimeout bool
	// WebhookRetries is the retries after a failed try; 0 means 3,
	// negative means none.
	WebhookRetries int
	// Repeats is how many more times each accepted webhook is sent (same
	// Msg-Id), WebhookTimeout apart; 0 sends it once.
	Repeats int
	// SendEvents makes every delivered send also come back as an
	// im_send_msg webhook (source: the client_key), queued at once and
	// sent by Flush.
	SendEvents bool
	// LostAnswers makes the router's answers to the first this many tries
	// of every webhook (verify_webhook excepted) count as lost: Douyin
	// waited WebhookTimeout, dropped the connection and retries, though
	// the router may have processed the try. 0 loses none.
	LostAnswers int
	// JournalLimit keeps at most this many entries per Journal list, the
	// newest; 0 keeps all, a negative limit none. A positive limit also
	// bounds each customer's delivery history (Server.Deliveries) to its
	// newest deliveries, so that a long-running server's customers do not
	// grow without end. Counts and LastError stay exact.
	JournalLimit int
	// KeepDeliveries, when set, names the customers (by open_id) whose
	// deliveries Server.Deliveries keeps; the others' are counted (Counts,
	// the journal's newest entries) but not kept. It is asked once per
	// record, when the record is made. Nil keeps every customer's (see
	// retain.go).
	KeepDeliveries func(openID string) bool
	// ForgetAfter, when positive, forgets a customer whose deliveries are
	// not kept once the customer's last message or entry is that old and
	// the reply window has closed (see retain.go). 0 forgets nothing.
	ForgetAfter time.Duration
	// Faults makes the platform misbehave (see package fakes/fault and
	// faults.go); the zero Plan has no fault.
	Faults fault.Plan
	// Envelope is the shape of the send API's answers (UNCONFIRMED; see
	// the package documentation): EnvelopeData, the default,
	// {"data":{…},"extra":{"error_code",…}}, or EnvelopeErrNo,
	// {"err_no":N,"err_msg":"…","log_id":"…"} with the msg_id in "data" on
	// success. The codes are the same in both. The token endpoint's
	// answers keep their own shape. New panics on any other value.
	Envelope string
	// WindowCode is the error_code of a reply refused because the reply
	// window has closed; 0 means CodeQuota (28003017), the fake's choice:
	// Douyin publishes no code for it. A reply refused for the reply count
	// is CodeQuota whatever WindowCode is.
	WindowCode int
	// Solo promises that one goroutine at a time uses the server, each
	// use ordered with the others (a world on the memory or the direct
	// network): it then takes no lock (package solo), and Start, which
	// serves a listener from goroutines of its own, is an error.
	Solo bool
}

// Server is a fake Douyin Open Platform. It is an http.Handler for the
// API; URL is set by Start. It is safe for concurrent use,
// unless made with Config.Solo.
type Server struct {
	URL string

	cfg     Config
	hookURL httpcall.URLCache // Config.WebhookURL parsed once

	mu  solo.Mutex
	ids idgen
	// strs makes the ids of events and messages and the webhooks'
	// signatures, which live as long as the journal keeps them.
	strs      jsonscan.Arena
	customers map[string]*customer
	tokens    map[string]int64 // client_token -> issued at, Unix nanoseconds
	rateSec   int64            // the second RateLimit counts in
	rateN     int
	queue     []*outgoing // retries and repeats, by due time then seq
	outBlock  []outgoing  // the rest of the block customers' events are made in
	seq       uint64
	srv       *http.Server
	faults    *fault.Decider // nil: no fault plan
	faultN    int            // faults caused so far
	// forget holds customers' messages and entries (their records),
	// oldest first, to be looked at Config.ForgetAfter later (retain.go).
	forget forget.Queue[*customer]

	requests   ring[Request]
	webhooks   ring[webhookRec]
	deliveries ring[delivEntry]
	errs       ring[ErrorEntry]
	counts     Counts
}

// recentMessages is how many of a customer's message ids a reply may name.
const recentMessages = 8

// customer is what the platform knows of one customer of the account.
type customer struct {
	openID       string
	conversation string // conversation_short_id
	recent       [recentMessages]string
	nrecent      int
	hasMessage   bool
	// last is the customer's last message, in Unix nanoseconds: a time
	// without a location to point to, which the window compares with
	// forget.Old (no overflow for instants more than 292 years apart).
	last       int64
	sent       int            // replies since it
	deliveries ring[delivRec] // the newest Config.JournalLimit (all when it is not positive)
	lastErr    *ErrorEntry
	seen       int64 // unix nanoseconds of the customer's last message or entry
	keep       bool  // its deliveries are kept (Config.KeepDeliveries)
}

// knows reports whether msgID is one of c's recent message ids, looking
// from the newest back (a reply names the newest most often).
func (c *customer) knows(msgID string) bool {
	if msgID == "" {
		return false
	}
	for k := 1; k <= min(c.nrecent, recentMessages); k++ {
		if c.recent[(c.nrecent-k)%recentMessages] == msgID {
			return true
		}
	}
	return false
}

// New returns a fake platform for cfg.
func New(cfg Config) *Server {
	orDefault(&cfg.ClientKey, DefaultClientKey)
	orDefault(&cfg.ClientSecret, DefaultClientSecret)
	orDefault(&cfg.AccountOpenID, DefaultAccountOpenID)
	orDefault(&cfg.Window, DefaultWindow)
	orDefault(&cfg.ReplyLimit, DefaultReplyLimit)
	orDefault(&cfg.TokenTTL, DefaultTokenTTL)
	orDefault(&cfg.WebhookRetries, DefaultWebhookRetries)
	if cfg.WebhookTimeout <= 0 {
		cfg.WebhookTimeout = DefaultWebhookTimeout
	}
	if cfg.WebhookRetries < 0 {
		cfg.WebhookRetries = 0
	}
	if cfg.Repeats < 0 {
		cfg.Repeats = 0
	}
	if cfg.Scopes == nil {
		cfg.Scopes = DefaultScopes
	}
	orDefault(&cfg.Envelope, EnvelopeData)
	if cfg.Envelope != EnvelopeData && cfg.Envelope != EnvelopeErrNo {
		panic(fmt.Sprintf("douyin: Config.Envelope %q is neither %q nor %q", cfg.Envelope, EnvelopeData, EnvelopeErrNo))
	}
	orDefault(&cfg.WindowCode, CodeQuota)
	cfg.Client = httpcall.OrDefault(cfg.Client)
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	s := &Server{cfg: cfg, customers: map[string]*customer{}, tokens: map[string]int64{}, faults: fault.New(cfg.Faults, cfg.Seed)}
	s.ids = newIDGen(cfg.Seed)
	for _, l := range []interface{ SetLimit(int) }{&s.requests, &s.webhooks, &s.deliveries, &s.errs} {
		l.SetLimit(cfg.JournalLimit)
	}
	if cfg.Solo {
		s.mu.Solo()
	}
	return s
}

func orDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// Config returns the configuration with its defaults filled in.
func (s *Server) Config() Config { return s.cfg }

func (s *Server) now() time.Time { return s.cfg.Clock() }

// Start serves the platform on 127.0.0.1 at a free port and sets URL.
func (s *Server) Start() error {
	if s.cfg.Solo {
		return errors.New("douyin: a Solo server cannot serve a listener")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return errors.New("douyin: server already started")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("douyin: start: %w", err)
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
	s.URL = "http://" + ln.Addr().String()
	go s.srv.Serve(ln) //nolint:errcheck // ErrServerClosed after Close
	return nil
}

// Close stops a started server; it does nothing on an unstarted one.
func (s *Server) Close() {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// The API paths.
const (
	PathClientToken = "/oauth/client_token/"
	PathSend        = "/im/send/msg/"
)

// maxBody is the largest request body read.
const maxBody = 1 << 20

// ServeHTTP serves the API; see the package documentation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var status int
	var body []byte
	var code int
	switch r.URL.Path {
	case PathClientToken, PathSend:
		if r.Method == http.MethodGet && r.URL.Path == PathClientToken {
			// The older form of the token endpoint: the parameters in the
			// query.
			status, body, code = s.handleToken(r, "application/x-www-form-urlencoded", []byte(r.URL.RawQuery))
			break
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			if r.URL.Path == PathClientToken {
				w.Header().Set("Allow", "GET, POST")
			}
			status, body = http.StatusMethodNotAllowed, []byte(`{"message":"method not allowed"}`)
			break
		}
		// The body is read into a pooled buffer, put back once the answer,
		// which may be built in it, is written.
		bp := bodyPool.Get().(*[]byte)
		defer bodyPool.Put(bp)
		status, body, code = s.handlePost(r, bp)
	default:
		status, body = http.StatusNotFound, []byte(`{"message":"not found"}`)
	}
	s.mu.Lock()
	s.addRequestLocked(Request{At: s.now(), Method: r.Method, Path: r.URL.Path, Status: status, Code: code})
	s.mu.Unlock()
	w.Header()["Content-Type"] = hdrJSONUTF8
	w.WriteHeader(status)
	w.Write(body)
}

// handlePost answers a POST to the token or the send endpoint. A body
// handed over in process (httpcall.Body) is read where it is; any other
// into *bp, a pooled buffer. What the handlers keep of the body they copy,
// and the send's answer is built in *bp. A send whose body is too large or
// unreadable is judged as one whose body is not a send request, after the
// token, the fault plan, the scope and the rate limit.
func (s *Server) handlePost(r *http.Request, bp *[]byte) (status int, body []byte, code int) {
	raw, ok := httpcall.Body(r)
	var err error
	if ok && len(raw) > maxBody {
		err = errTooLarge
	}
	if !ok {
		raw, err = readBody(r, (*bp)[:0])
		if raw != nil && cap(raw) <= 64<<10 {
			*bp = raw[:0] // a larger one is left to the collector
		}
	}
	if r.URL.Path == PathClientToken {
		if err != nil {
			return s.fail(r.URL.Path, "", newError(CodeParam, "body: "+err.Error()))
		}
		return s.handleToken(r, r.Header.Get("Content-Type"), raw)
	}
	return s.handleSend(r, raw, err, (*bp)[:0])
}

// bodyPool holds request body buffers.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// errTooLarge is the error of a body of more than maxBody bytes.
var errTooLarge = errors.New("too large")

// readBody reads at most maxBody bytes into b's storage; a longer body is
// an error.
func readBody(r *http.Request, b []byte) ([]byte, error) {
	b, err := httpcall.AppendLimited(b, r.Body, maxBody+1)
	if err == nil && len(b) > maxBody {
		err = errTooLarge
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

// handleToken answers POST /oauth/client_token/.
func (s *Server) handleToken(r *http.Request, contentType string, raw []byte) (int, []byte, int) {
	req, ok := parseTokenRequest(contentType, raw)
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var e *Error
	switch {
	case !ok:
		e = newError(CodeParam, "body is neither JSON nor a form")
	case req.GrantType != "client_credential":
		e = newError(CodeParam, "grant_type must be client_credential")
	case req.ClientKey != s.cfg.ClientKey:
		e = newError(CodeParam, "client_key is invalid")
	case req.ClientSecret != s.cfg.ClientSecret:
		e = newError(CodeParam, "client_secret is invalid")
	}
	if e != nil {
		s.addErrorLocked(ErrorEntry{At: now, Path: PathClientToken, Code: e.Code, Message: e.Description}, nil)
		b := appendIntField([]byte(`{"data":{`), "error_code", int64(e.Code))
		b = appendField(b, "description", e.Description)
		return http.StatusOK, append(b, `},"message":"error"}`...), e.Code
	}
	tok := s.ids.token()
	s.tokens[tok] = now.UnixNano()
	b := appendField([]byte(`{"data":{`), "access_token", tok)
	b = append(b, `,"description":"","error_code":0`...)
	ttl := int64(s.cfg.TokenTTL / time.Second)
	if s.cfg.TokenTTL < 0 {
		ttl = 0
	}
	b = appendIntField(b, "expires_in", ttl)
	return http.StatusOK, append(b, `},"message":"success"}`...), 0
}

// handleSend answers POST /im/send/msg/ of the body raw, or of a body
// that could not be read (bodyErr), building the answer of a send made in
// out's storage.
func (s *Server) handleSend(r *http.Request, raw []byte, bodyErr error, out []byte) (int, []byte, int) {
	now := s.now()
	var req SendRequest
	decoded := bodyErr == nil && decodeSend(raw, &req)
	req.OpenID = queryGet(r.URL.RawQuery, "open_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.tokenErrLocked(headerValue(r.Header, "Access-Token"), now); e != nil {
		return s.failLocked(now, PathSend, req.ToUserID, e)
	}
	if e := s.sendFaultLocked(); e != nil {
		return s.failLocked(now, PathSend, req.ToUserID, e)
	}
	if !decoded {
		// The scope and the rate limit are checked before the body.
		e := s.admitLocked(now)
		if e == nil && bodyErr != nil {
			e = newError(CodeParam, "body: "+bodyErr.Error())
		} else if e == nil {
			e = newError(CodeParam, "body is not a send request")
		}
		return s.failLocked(now, PathSend, req.ToUserID, e)
	}
	id, e := s.sendLocked(&req, now)
	if e != nil {
		return s.failLocked(now, PathSend, req.ToUserID, e)
	}
	// The answer is built in the body's buffer: nothing decoded from it
	// refers to it.
	return http.StatusOK, s.appendAnswer(out, s.cfg.Envelope, now, id, nil), 0
}

func (s *Server) tokenErrLocked(tok string, now time.Time) *Error {
	issued, ok := s.tokens[tok]
	switch {
	case tok == "":
		return newError(CodeTokenExpired, "access-token header missing")
	case !ok:
		return newError(CodeTokenExpired, "access-token unknown")
	case s.cfg.TokenTTL > 0 && forget.Old(now.UnixNano(), issued, int64(s.cfg.TokenTTL)):
		return newError(CodeTokenExpired, "access-token expired")
	}
	return nil
}

// fail answers an error outside the rules' lock.
func (s *Server) fail(path, to string, e *Error) (int, []byte, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failLocked(s.now(), path, to, e)
}

// failLocked journals e and returns Douyin's error envelope: the send's
// in Config.Envelope's shape.
func (s *Server) failLocked(now time.Time, path, to string, e *Error) (int, []byte, int) {
	s.addErrorLocked(ErrorEntry{At: now, To: to, Path: path, Code: e.Code, Message: e.Description}, s.customers[to])
	envelope := EnvelopeData
	if path == PathSend {
		envelope = s.cfg.Envelope
	}
	return http.StatusOK, s.appendAnswer(nil, envelope, now, "", e), e.Code
}

// appendAnswer appends an answer in the envelope's shape: of an accepted
// send, its msg_id (e nil), else e's code and description. EnvelopeData
// has them in data and, with a zero code for a send, in extra;
// EnvelopeErrNo has err_no and err_msg, and the msg_id in data.
func (s *Server) appendAnswer(b []byte, envelope string, now time.Time, msgID string, e *Error) []byte {
	var code int64
	var desc string
	if e != nil {
		code, desc = int64(e.Code), e.Description
	}
	if envelope == EnvelopeErrNo {
		b = appendField(appendIntField(append(b, '{'), "err_no", code), "err_msg", desc)
		b = append(s.ids.appendLogID(append(b, `,"log_id":"`...), now), '"')
		if e == nil {
			b = append(appendField(append(b, `,"data":{`...), "msg_id", msgID), '}')
		}
		return append(b, '}')
	}
	b = append(b, `{"data":{`...)
	if e == nil {
		b = appendField(b, "msg_id", msgID)
	} else {
		b = appendField(appendIntField(b, "error_code", code), "description", desc)
	}
	b = appendField(appendIntField(append(b, `},"extra":{`...), "error_code", code), "description", desc)
	b = append(b, `,"sub_error_code":0,"sub_description":"","logid":"`...)
	b = append(s.ids.appendLogID(b, now), '"')
	b = appendIntField(b, "now", now.UnixMilli())
	return append(b, "}}"...)
}

func (s *Server) addRequestLocked(q Request) {
	s.requests.Add(q)
	s.counts.Requests++
}

func (s *Server) addErrorLocked(e ErrorEntry, c *customer) {
	s.errs.Add(e)
	s.counts.Errors++
	if c != nil {
		c.lastErr = &e
	}
}

func (s *Server) addWebhookLocked(w webhookRec) {
	s.webhooks.Add(w)
	s.counts.Webhooks++
}

// Journal returns a copy of the journal.
func (s *Server) Journal() Journal {
	s.mu.Lock()
	defer s.mu.Unlock()
	whs := journal.Map(&s.webhooks, func(r *webhookRec) Webhook { return r.webhook(s.cfg.ClientSecret) })
	return Journal{Requests: s.requests.Snapshot(), Webhooks: whs,
		Deliveries: journal.Map(&s.deliveries, func(e *delivEntry) Delivery { return e.delivery(e.to) }), Errors: s.errs.Snapshot()}
}

// Counts returns the exact totals.
func (s *Server) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// Deliveries lists what a customer's device received, oldest first:
// nothing for a customer Config.KeepDeliveries does not name.
func (s *Server) Deliveries(openID string) []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.customers[openID]; c != nil && c.deliveries.Len() > 0 {
		return journal.Map(&c.deliveries, func(r *delivRec) Delivery { return r.delivery(openID) })
	}
	return nil
}

// LastError is the last error answered to a send to the customer; nil when
// none was.
func (s *Server) LastError(openID string) *ErrorEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.customers[openID]; c != nil && c.lastErr != nil {
		e := *c.lastErr
		return &e
	}
	return nil
}

// RepliesLeft is how many replies the customer can still receive now: 0
// when the window is closed, -1 when unlimited.
func (s *Server) RepliesLeft(openID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.customers[openID]
	now := s.now()
	if c == nil || !s.windowOpen(c, now) {
		return 0
	}
	if s.cfg.ReplyLimit < 0 {
		return -1
	}
	return max(s.cfg.ReplyLimit-c.sent, 0)
}

func (s *Server) windowOpen(c *customer, now time.Time) bool {
	return c.hasMessage && (s.cfg.Window < 0 || !forget.Old(now.UnixNano(), c.last, int64(s.cfg.Window)))
}

// Latest returns the customer's conversation_short_id and the
// server_message_id of their last message: what a reply names.
func (s *Server) Latest(openID string) (conversationID, msgID string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.customers[openID]
	if c == nil || !c.hasMessage {
		return "", "", false
	}
	return c.conversation, c.recent[(c.nrecent-1)%recentMessages], true
}

// headerValue is the header's first value, its name (given in canonical
// form) matched without regard to case (a header map built in memory may
// hold it as written). The canonical key is read first, as Header.Get
// would, without canonicalizing the name again on every call.
func headerValue(h http.Header, name string) string {
	if v := h[name]; len(v) > 0 && v[0] != "" {
		return v[0]
	}
	for k, v := range h {
		if len(v) > 0 && strings.EqualFold(k, name) {
			return v[0]
		}
	}
	return ""
}

// queryGet is url.Values.Get on the raw query: the first value of key. A
// query that needs no unescaping and has no ';' is scanned in place; any
// other goes through url.ParseQuery.
func queryGet(raw, key string) string {
	if strings.IndexByte(raw, '%') >= 0 || strings.IndexByte(raw, '+') >= 0 || strings.IndexByte(raw, ';') >= 0 ||
		strings.Count(raw, "&") >= 1000 {
		q, _ := url.ParseQuery(raw)
		return q.Get(key)
	}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if k, v, _ := strings.Cut(pair, "="); k == key && pair != "" {
			return v
		}
	}
	return ""
}

// Doer makes HTTP calls: an *http.Client, or anything with its Do method,
// such as an in-memory transport that serves a call without a client.
type Doer = httpcall.Doer

// hdrJSONUTF8 is the Content-Type of the API's answers, shared by every
// answer (never modified: a header Add appends to a copy, since its
// capacity is its length).
var hdrJSONUTF8 = []string{"application/json; charset=utf-8"}
