package line

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
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
	"github.com/omnisim/omnisim/fakes/journal"
	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/internal/solo"
)

// The API paths the fake serves.
const (
	PathReply   = "/v2/bot/message/reply"
	PathPush    = "/v2/bot/message/push"
	PathInfo    = "/v2/bot/info"
	prefixMsg   = "/v2/bot/message/" // + {messageId}/content
	prefixUser  = "/v2/bot/profile/" // + {userId}
	suffixBytes = "/content"
)

// The defaults of [Config].
const (
	DefaultChannelID          = "1656789012"
	DefaultChannelSecret      = "8c5d1f2a9b3e4c6d7e8f9a0b1c2d3e4f"
	DefaultChannelAccessToken = "omnisim-line-channel-access-token"
	DefaultBotUserID          = "U0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	DefaultReplyTokenExpiry   = time.Minute
	DefaultRateLimit          = 2000
	DefaultMaxTextLength      = 5000
	DefaultMaxMessages        = 5
	DefaultWebhookTimeout     = 10 * time.Second
)

// MaxBodySize is the largest request body the API reads.
const MaxBodySize = 2 << 20

// Config configures a [Server]. Zero fields take the defaults.
type Config struct {
	ChannelID          string // the Messaging API channel's id (numeric)
	ChannelSecret      string // keys x-line-signature
	ChannelAccessToken string // the bearer token the API requires
	BotUserID          string // the bot's user id: the webhook's destination
	BasicID            string // the account's "@" id in GET /v2/bot/info; default "@omnisim"
	WebhookURL         string // where webhooks go
	// Client sends the webhooks; default http.DefaultClient.
	Client Doer
	// Clock is the platform's time; default time.Now.
	Clock func() time.Time
	// Seed seeds the platform's ids.
	Seed uint64
	// ReplyTokenExpiry is how long a reply token can be used; default one
	// minute.
	ReplyTokenExpiry time.Duration
	// RateLimit is the calls per second each endpoint takes before it
	// answers 429; default 2000; negative is unlimited.
	RateLimit int
	// MonthlyLimit is the push messages per calendar month (Japan time)
	// before pushes answer 429 "You have reached your monthly limit.";
	// 0 is unlimited. Replies do not count.
	MonthlyLimit int
	// MaxTextLength is the longest text message in characters; default
	// 5000; negative is unlimited.
	MaxTextLength int
	// MaxMessages is the most message objects per request; default 5.
	MaxMessages int
	// Media are the media limits by message type; nil is DefaultMedia().
	Media map[string]MediaLimit
	// Redelivery is the delays after a failed webhook at which it is
	// redelivered (isRedelivery true, same webhookEventId); empty: no
	// redelivery (the console's default).
	Redelivery []time.Duration
	// WebhookTimeout bounds each webhook call; default 10 s; negative: no
	// timeout.
	WebhookTimeout time.Duration
	// Direct, when set, receives webhooks as values instead of an HTTP
	// POST (the simulator's Direct network); it answers an HTTP status.
	Direct func(ctx context.Context, destination string, events []Event) int
	// JournalLimit keeps only the newest entries of each journal list; 0
	// keeps all, a negative limit none. A positive limit also bounds each
	// user's delivery history (Deliveries) to its newest deliveries, so
	// that a long-running server's users do not grow without end. Counts
	// stay exact.
	JournalLimit int
	// Faults makes the platform misbehave (see package fakes/fault and
	// faults.go); the zero Plan, the default, has no fault.
	Faults fault.Plan
	// KeepDeliveries, when set, names the users (by user id) whose
	// deliveries Deliveries lists; the others' deliveries are counted
	// (Counts, the journal's newest entries) but not kept, and Deliveries
	// answers nil for them. It is asked once per user, when the platform
	// first knows the user. Nil keeps everyone's.
	KeepDeliveries func(userID string) bool
	// ForgetAfter, when positive, forgets a user whose deliveries are not
	// kept and who has not blocked the account once the user's last event
	// is that old and its webhooks have had their last tries, keeping only
	// the user id's hash (retain.go): every send is answered as before,
	// and the profile names the user by the id. A value below
	// ReplyTokenExpiry counts as ReplyTokenExpiry. Zero keeps every record.
	ForgetAfter time.Duration
	// Solo promises that one goroutine at a time uses the server, each
	// use ordered with the others (a world on the memory or the direct
	// network): it then takes no lock (package solo), and Start, which
	// serves a listener from goroutines of its own, is an error.
	Solo bool
}

// Server is the fake LINE Messaging API of one channel: an http.Handler
// for the API (api.line.me and api-data.line.me under one base URL) and
// the webhook emitter. It is safe for concurrent use,
// unless made with Config.Solo.
type Server struct {
	cfg     Config
	url     string
	srv     *http.Server
	hookURL *url.URL // Config.WebhookURL, parsed once

	mu         solo.Mutex
	ids        idgen
	users      map[string]*user
	tokens     map[string]*tokenState
	tokenQueue []*tokenState
	// tokenBlock and pendingBlock are the rest of the blocks that reply
	// tokens' records and first tries' webhooks are made in.
	tokenBlock   []tokenState
	pendingBlock []pending
	sentBlock    []SentMessage // the rest of the block answers' lists are made in
	// ridSlots is the rest of a block that answers' X-Line-Request-Id
	// values are carved from, one slot each: a slot once handed out is
	// never handed out again.
	ridSlots   []string
	keys       map[string]*keyState
	keyQueue   []*keyState
	rate       map[string]rateWindow
	month      int
	monthSent  int
	content    map[string]content
	pending    []*pending
	requests   ring[Request]
	webhooks   ring[webhookRec]
	deliveries ring[delivEntry]
	// delivered holds the deliveries kept for Deliveries (all of them, or
	// those to the users Config.KeepDeliveries names): it grows in blocks that never
	// move, so a user's list is its places there. A user whose list is
	// full (Config.JournalLimit) writes each new delivery over the user's
	// oldest, at the same place.
	delivered ring[delivRec]
	errors    ring[ErrorEntry]
	counts    Counts
	// forget holds users' events, oldest first, to be looked at
	// Config.ForgetAfter later; friends holds the users forgotten, by
	// forget.Hash of their ids.
	forget  forget.Queue[forgetRec]
	friends forget.Set

	faults *fault.Decider        // nil: no fault plan
	held   fault.Queue[*pending] // webhook tries a fault plan delays
	faultN int                   // faults caused so far
}

type rateWindow struct {
	sec int64
	n   int
}

// user is one LINE user the account knows.
type user struct {
	name    string
	blocked bool // unfollowed: pushes are accepted and not delivered
	keep    bool // the user's deliveries are kept (Config.KeepDeliveries)
	// With Config.ForgetAfter: due is set once the user's last event is
	// that old, and hooks counts the webhooks of the user's events still
	// to be delivered (the user is forgotten once both hold: retain.go).
	due   bool
	hooks int32
	last  int64 // unix nanoseconds of the user's last event, with Config.ForgetAfter
	// deliveries is the places in Server.delivered of the user's newest
	// Config.JournalLimit deliveries (all when it is not positive).
	deliveries ring[int]
}

// content is a file a user sent, served by GET .../{messageId}/content.
type content struct {
	mime string
	size int64
}

// New returns a fake for cfg.
func New(cfg Config) *Server {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&cfg.ChannelID, DefaultChannelID)
	def(&cfg.ChannelSecret, DefaultChannelSecret)
	def(&cfg.ChannelAccessToken, DefaultChannelAccessToken)
	def(&cfg.BotUserID, DefaultBotUserID)
	def(&cfg.BasicID, "@omnisim")
	cfg.Client = httpcall.OrDefault(cfg.Client)
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.ReplyTokenExpiry <= 0 {
		cfg.ReplyTokenExpiry = DefaultReplyTokenExpiry
	}
	if cfg.ForgetAfter > 0 {
		cfg.ForgetAfter = max(cfg.ForgetAfter, cfg.ReplyTokenExpiry)
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.MaxTextLength == 0 {
		cfg.MaxTextLength = DefaultMaxTextLength
	}
	if cfg.MaxMessages <= 0 {
		cfg.MaxMessages = DefaultMaxMessages
	}
	if cfg.Media == nil {
		cfg.Media = DefaultMedia()
	}
	if cfg.WebhookTimeout == 0 {
		cfg.WebhookTimeout = DefaultWebhookTimeout
	}
	cfg.Redelivery = slices.Clone(cfg.Redelivery)
	s := &Server{
		cfg:     cfg,
		hookURL: parseURL(cfg.WebhookURL),
		ids:     newIDGen(cfg.Seed),
		users:   make(map[string]*user),
		tokens:  make(map[string]*tokenState),
		keys:    make(map[string]*keyState),
		rate:    make(map[string]rateWindow),
		content: make(map[string]content),
		faults:  fault.New(cfg.Faults, cfg.Seed),
	}
	s.requests.SetLimit(cfg.JournalLimit)
	s.webhooks.SetLimit(cfg.JournalLimit)
	s.deliveries.SetLimit(cfg.JournalLimit)
	s.errors.SetLimit(cfg.JournalLimit)
	if cfg.Solo {
		s.mu.Solo()
	}
	return s
}

// Config returns the configuration in effect, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

func (s *Server) now() time.Time { return s.cfg.Clock() }

// Start serves the API on a loopback port; URL returns its base URL.
func (s *Server) Start() error {
	if s.cfg.Solo {
		return errors.New("line: a Solo server cannot serve a listener")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.url = "http://" + ln.Addr().String()
	go s.srv.Serve(ln)
	return nil
}

// URL is the base URL of a started server ("" before Start).
func (s *Server) URL() string { return s.url }

// Close stops a started server.
func (s *Server) Close() {
	if s.srv != nil {
		s.srv.Close()
	}
}

// ServeHTTP serves the API: reply, push, content, profile and bot info,
// each behind the bearer channel access token. Every answer carries
// X-Line-Request-Id; errors are LINE's {"message","details"} body.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	var status int
	var rid, retryKey string
	switch {
	case p == PathReply || p == PathPush:
		status, rid, retryKey = s.serveSend(w, r)
	case strings.HasPrefix(p, prefixMsg) && strings.HasSuffix(p, suffixBytes):
		status, rid = s.serveContent(w, r, strings.TrimSuffix(strings.TrimPrefix(p, prefixMsg), suffixBytes))
	case strings.HasPrefix(p, prefixUser):
		status, rid = s.serveProfile(w, r, strings.TrimPrefix(p, prefixUser))
	case p == PathInfo:
		status, rid = s.serveInfo(w, r)
	default:
		rid = s.requestID()
		status = writeError(w, rid, &Error{Status: http.StatusNotFound, Message: MsgNotFound})
	}
	s.mu.Lock()
	s.requests.Add(Request{At: s.now(), Method: r.Method, Path: p, Status: status, RequestID: rid, RetryKey: retryKey})
	s.counts.Requests++
	s.mu.Unlock()
}

func (s *Server) requestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids.requestID()
}

// auth checks the bearer channel access token.
func (s *Server) auth(r *http.Request) *Error {
	var h string // the header map as served holds canonical keys: no Get
	if v := r.Header["Authorization"]; len(v) > 0 {
		h = v[0]
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return &Error{Status: http.StatusUnauthorized, Message: MsgAuthRequired}
	}
	if subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.ChannelAccessToken)) != 1 {
		return &Error{Status: http.StatusUnauthorized, Message: MsgAuthFailed}
	}
	return nil
}

// precheck answers the method and authorization errors of a call.
func (s *Server) precheck(w http.ResponseWriter, r *http.Request, method string) (int, string, bool) {
	if r.Method != method {
		rid := s.requestID()
		w.Header().Set("Allow", method)
		return writeError(w, rid, &Error{Status: http.StatusMethodNotAllowed, Message: "Method not allowed"}), rid, false
	}
	if e := s.auth(r); e != nil {
		rid := s.requestID()
		s.mu.Lock()
		s.addErrorLocked(ErrorEntry{At: s.now(), Path: r.URL.Path, Status: e.Status, Message: e.Message})
		s.mu.Unlock()
		return writeError(w, rid, e), rid, false
	}
	return 0, "", true
}

// sendAnswerRoom is the room a send's answer is written in: enough for
// one of five messages, the most a call sends (about 90 bytes each).
const sendAnswerRoom = 512

func (s *Server) serveSend(w http.ResponseWriter, r *http.Request) (status int, rid, retryKey string) {
	if st, rid, ok := s.precheck(w, r, http.MethodPost); !ok {
		return st, rid, ""
	}
	if v := r.Header["X-Line-Retry-Key"]; len(v) > 0 {
		retryKey = v[0]
	}
	// A body handed over in process (httpcall.Body) is read where it is;
	// any other into a pooled buffer, put back when this returns. The
	// decoders copy what they keep (the fast decoders' strings,
	// encoding/json's values). The answer is built in the buffer.
	buf := sendBodies.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 64<<10 { // a larger one is left to the collector
			sendBodies.Put(buf)
		}
	}()
	body, ok := httpcall.Body(r)
	var err error
	if !ok {
		err = httpcall.ReadBody(buf, r.Body, MaxBodySize)
		body = buf.Bytes()
	}
	if err != nil || len(body) > MaxBodySize {
		rid := s.requestID()
		return writeError(w, rid, &Error{Status: http.StatusRequestEntityTooLarge, Message: "Request entity too large"}), rid, retryKey
	}
	var res SendResponse
	var e *Error
	if r.URL.Path == PathReply {
		// The first message is decoded on the stack: Reply keeps no
		// message. (Push keeps its recipient, and with it, to the
		// compiler, its messages.)
		var one [1]Message
		req := ReplyRequest{Messages: one[:0]}
		if DecodeReply(body, &req) != nil {
			st, rid := s.badBody(w, r)
			return st, rid, retryKey
		}
		res, e = s.Reply(retryKey, req)
	} else {
		var req PushRequest
		if DecodePush(body, &req) != nil {
			st, rid := s.badBody(w, r)
			return st, rid, retryKey
		}
		res, e = s.Push(retryKey, req)
	}
	if e != nil {
		return writeError(w, e.RequestID, e), e.RequestID, retryKey
	}
	h := w.Header()
	h["Content-Type"] = hdrJSON
	s.mu.Lock()
	h["X-Line-Request-Id"] = s.headerValueLocked(res.RequestID)
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
	// The answer is built in the buffer (kept with its room for the next),
	// whose request is read: Write copies it.
	buf.Reset()
	buf.Grow(sendAnswerRoom)
	w.Write(AppendSendResponse(buf.AvailableBuffer(), res.SentMessages))
	return http.StatusOK, res.RequestID, retryKey
}

// headerValueLocked returns a header value of the one string v, its
// storage a slot of a block shared by the answers (its capacity is one, so
// that an Add grows out of it).
func (s *Server) headerValueLocked(v string) []string {
	if len(s.ridSlots) == 0 {
		s.ridSlots = make([]string, 64)
	}
	l := s.ridSlots[:1:1]
	s.ridSlots = s.ridSlots[1:]
	l[0] = v
	return l
}

// badBody answers a body that is not JSON of the request's shape.
func (s *Server) badBody(w http.ResponseWriter, r *http.Request) (int, string) {
	e := &Error{Status: http.StatusBadRequest, Message: MsgBadJSON}
	s.mu.Lock()
	rid := s.ids.requestID()
	s.addErrorLocked(ErrorEntry{At: s.now(), Path: r.URL.Path, Status: e.Status, Message: e.Message})
	s.mu.Unlock()
	return writeError(w, rid, e), rid
}

// AppendSendResponse appends {"sentMessages":[...]} to b, its strings
// escaped as LINE escapes them.
func AppendSendResponse(b []byte, sent []SentMessage) []byte {
	b = append(b, `{"sentMessages":[`...)
	for i, m := range sent {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = appendString(b, m.ID)
		if m.QuoteToken != "" {
			b = append(b, `,"quoteToken":`...)
			b = appendString(b, m.QuoteToken)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// writeError writes LINE's error answer and returns its status.
func writeError(w http.ResponseWriter, rid string, e *Error) int {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Line-Request-Id", rid)
	if e.AcceptedRequestID != "" {
		h.Set("X-Line-Accepted-Request-Id", e.AcceptedRequestID)
	}
	w.WriteHeader(e.Status)
	b, _ := json.Marshal(e)
	w.Write(b)
	return e.Status
}

func (s *Server) serveContent(w http.ResponseWriter, r *http.Request, id string) (int, string) {
	if st, rid, ok := s.precheck(w, r, http.MethodGet); !ok {
		return st, rid
	}
	s.mu.Lock()
	c, ok := s.content[id]
	rid := s.ids.requestID()
	s.mu.Unlock()
	if !ok {
		return writeError(w, rid, &Error{Status: http.StatusNotFound, Message: MsgNotFound}), rid
	}
	h := w.Header()
	h.Set("Content-Type", c.mime)
	h.Set("Content-Length", strconv.FormatInt(c.size, 10))
	h.Set("X-Line-Request-Id", rid)
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		var zero [32 << 10]byte
		for left := c.size; left > 0; {
			n := min(left, int64(len(zero)))
			if _, err := w.Write(zero[:n]); err != nil {
				break
			}
			left -= n
		}
	}
	return http.StatusOK, rid
}

func (s *Server) serveProfile(w http.ResponseWriter, r *http.Request, id string) (int, string) {
	if st, rid, ok := s.precheck(w, r, http.MethodGet); !ok {
		return st, rid
	}
	s.mu.Lock()
	u := s.userOfLocked(id)
	ok := u != nil
	rid := s.ids.requestID()
	var name string
	if ok {
		name = u.name
	}
	s.mu.Unlock()
	if !ok {
		return writeError(w, rid, &Error{Status: http.StatusNotFound, Message: MsgNotFound}), rid
	}
	b, _ := json.Marshal(struct {
		DisplayName string `json:"displayName"`
		UserID      string `json:"userId"`
		Language    string `json:"language"`
	}{name, id, "en"})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Line-Request-Id", rid)
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	return http.StatusOK, rid
}

func (s *Server) serveInfo(w http.ResponseWriter, r *http.Request) (int, string) {
	if st, rid, ok := s.precheck(w, r, http.MethodGet); !ok {
		return st, rid
	}
	rid := s.requestID()
	b, _ := json.Marshal(struct {
		UserID         string `json:"userId"`
		BasicID        string `json:"basicId"`
		DisplayName    string `json:"displayName"`
		ChatMode       string `json:"chatMode"`
		MarkAsReadMode string `json:"markAsReadMode"`
	}{s.cfg.BotUserID, s.cfg.BasicID, "omnisim", "chat", "auto"})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Line-Request-Id", rid)
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	return http.StatusOK, rid
}

func (s *Server) addErrorLocked(e ErrorEntry) {
	s.errors.Add(e)
	s.counts.Errors++
}

// Journal returns a copy of the journal.
func (s *Server) Journal() Journal {
	s.mu.Lock()
	defer s.mu.Unlock()
	webhooks := journal.Map(&s.webhooks, func(r *webhookRec) Webhook {
		wh := r.Webhook
		if r.posted {
			wh.Body = AppendPayload(nil, s.cfg.BotUserID, r.events)
			wh.Header = s.webhookHeader(wh.Body)
		}
		return wh
	})
	return Journal{Requests: s.requests.Snapshot(), Webhooks: webhooks, Deliveries: journal.Map(&s.deliveries, journalDelivery), Errors: s.errors.Snapshot()}
}

// Counts returns the exact totals.
func (s *Server) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// Deliveries lists what a user's device received, oldest first.
func (s *Server) Deliveries(userID string) []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[userID]; u != nil && u.deliveries.Len() > 0 {
		return journal.Map(&u.deliveries, func(i *int) Delivery { return s.delivered.At(*i).delivery(userID) })
	}
	return nil
}

// Blocked reports whether a user has blocked the account (unfollowed).
func (s *Server) Blocked(userID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[userID]
	return u != nil && u.blocked
}

// Profile returns a user's display name, as GET /v2/bot/profile/{userId}
// does; ok is false for a user the account does not know.
func (s *Server) Profile(userID string) (name string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userOfLocked(userID)
	if u == nil {
		return "", false
	}
	return u.name, true
}

// Doer makes HTTP calls: an *http.Client, or anything with its Do method,
// such as an in-memory transport that serves a call without a client.
type Doer = httpcall.Doer

// hdrJSON is the Content-Type of the API's answers, shared by every answer
// (never modified: a header Add appends to a copy, since its capacity is
// its length).
var hdrJSON = []string{"application/json"}

// sendBodies holds the buffers send bodies are read into.
var sendBodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}
