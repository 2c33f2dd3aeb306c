package douyin

import (
	"crypto/sha1"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/omnisim/omnisim/headmac"
	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/internal/solo"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/router/dedupe"
)

// Channel is the channel name in [router.CustomerKey].
const Channel = "douyin"

// The defaults of [Config].
const (
	DefaultBaseURL = "https://open.douyin.com"
	// DefaultDedupeWindow covers Douyin's first try and three retries (5 s
	// apart) and its repeats many times over, and a webhook delivered late
	// or repeated days later: Douyin promises neither order nor a single
	// delivery, and an event older than the window is refused (MaxAge),
	// so the window bounds how late a message may come and still be
	// taken. Seven days, as long as a platform's retries last (WhatsApp's)
	// and the longest delay a scenario's fault plan may ask for.
	DefaultDedupeWindow = 7 * 24 * time.Hour
)

// MaxBodySize is the largest webhook body accepted; a larger one is answered
// 413. Douyin's events are a few kilobytes.
const MaxBodySize = 1 << 20

// Config configures an [Adapter].
type Config struct {
	ClientKey string // the app's client_key: checked in every event
	// ClientSecret verifies X-Douyin-Signature and fetches client tokens.
	// An empty secret refuses every webhook (403).
	ClientSecret string
	// AccountOpenID is the merchant account's open_id: the account of the
	// customer keys, the to_user_id of the events served, the open_id of
	// sends.
	AccountOpenID string
	BaseURL       string // API base; default DefaultBaseURL
	// Client sends API requests; default http.DefaultClient.
	Client Doer
	// Clock is the adapter's only time source: the time passed to the
	// Receiver, dedupe, MaxAge and the token's lifetime. Default time.Now.
	Clock func() time.Time
	// DedupeWindow is how long Msg-Ids and message ids are remembered;
	// default DefaultDedupeWindow.
	DedupeWindow time.Duration
	// MaxAge refuses (403) an event whose create_time is older than this:
	// a replay from beyond the dedupe window. Zero means DedupeWindow;
	// negative does not check.
	MaxAge time.Duration
	// Post, when set, replaces the HTTP send client: Send hands it the
	// request as values (the simulator's direct network). A platform
	// refusal comes back as a *router.PlatformError.
	Post func(req SendRequest) (msgID string, err error)
	// OnEvent, when set, receives each new event that is not a customer
	// message (after dedupe), from the goroutine serving the webhook: a
	// copy of the event, its own to keep.
	OnEvent func(now time.Time, e *Event)
	// ForgetAfter, when positive, forgets a customer's reply context (the
	// conversation and message a reply names, the profile) once the
	// customer's last event is that old: a reply to the customer then
	// fails as to one who never wrote, until the customer writes again.
	// Set it past the reply window, after which Douyin refuses a reply
	// anyway, so that memory follows the customers in play. Contexts are
	// looked at when an event comes. 0 forgets nothing.
	ForgetAfter time.Duration
	// Solo promises that one goroutine at a time uses the adapter, each
	// use ordered with the others (a world on the memory or the direct
	// network): it then takes no lock (package solo).
	Solo bool
}

// Stats counts what an [Adapter] has seen and done.
type Stats struct {
	Received   int // customer messages handed to the Receiver
	Duplicates int // events dropped as already seen
	Rejected   int // webhooks refused: 400, 401, 403, 405 or 413
	Events     int // other events accepted
	Ignored    int // accepted webhooks for another app or account
	Sent       int // Send calls that succeeded
	Failed     int // Send calls that returned an error
	// TokenFetches counts client_token requests, whatever their outcome.
	TokenFetches int
}

// Adapter is the Douyin IM channel adapter of one app and merchant
// account: an [http.Handler] for its webhook and a [router.Sender]. It is
// safe for concurrent use,
// unless made with Config.Solo.
type Adapter struct {
	cfg    Config
	rcv    router.Receiver
	maxAge time.Duration
	intern []string // the strings events repeat: client_key, account open_id
	// sendURL and tokenURL are the API's URLs, parsed once; nil when
	// BaseURL does not parse.
	sendURL, tokenURL *url.URL

	tokenMu   solo.Mutex
	tok       token
	tokHeader []string // the Access-Token header value of tok

	mu solo.Mutex
	// The dedupe keys handed on: Msg-Id headers, and messages'
	// server_message_ids.
	headers, messages dedupe.Set
	// contexts: customer open_id -> what a reply names, changed in place
	// under mu.
	contexts map[string]*replyContext
	sweepAt  int64 // unix nanoseconds: when contexts are next looked at (ForgetAfter)
	stats    Stats
}

// replyContext is what a reply to a customer names.
type replyContext struct {
	openID       string // the map's key, which webhooks repeat
	conversation string // conversation_short_id
	msgID        string // the server_message_id of the latest message
	created      int64  // its create_time: a late message does not replace a newer one
	// profile is the profile of the customer's last message, handed out
	// again while their messages come with the same (nothing writes to
	// one once made; the engine copies what it keeps).
	profile *router.Profile
	seen    int64 // unix nanoseconds of the customer's last event (ForgetAfter)
}

// New returns an adapter for cfg that hands customer messages to rcv.
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
	a := &Adapter{cfg: cfg, rcv: rcv, maxAge: cfg.MaxAge, contexts: map[string]*replyContext{},
		headers: dedupe.New(cfg.DedupeWindow), messages: dedupe.New(cfg.DedupeWindow)}
	if a.maxAge == 0 {
		a.maxAge = cfg.DedupeWindow
	}
	if cfg.ForgetAfter <= 0 {
		a.sweepAt = math.MaxInt64 // never
	}
	a.intern = []string{cfg.ClientKey, cfg.AccountOpenID}
	a.sendURL = parseURL(cfg.BaseURL + "/im/send/msg/?open_id=" + url.QueryEscape(cfg.AccountOpenID))
	a.tokenURL = parseURL(cfg.BaseURL + "/oauth/client_token/")
	if cfg.Solo {
		a.tokenMu.Solo()
		a.mu.Solo()
	}
	return a
}

// Stats returns the adapter's counters.
func (a *Adapter) Stats() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

// Release gives the memory of the adapter's dedupe windows (the Msg-Id
// headers and message keys it remembers) to the dedupe package's pools,
// for the adapters made after it to reuse, and leaves them empty: the
// adapter forgets every id it has handed on, and a message it receives
// after Release is not taken for a duplicate of one before. Call it when
// the adapter has served its last webhook; it may be called more than
// once.
func (a *Adapter) Release() {
	a.mu.Lock()
	a.headers.Release()
	a.messages.Release()
	a.mu.Unlock()
}

// Key is the customer key of a Douyin user of this account.
func (a *Adapter) Key(openID string) router.CustomerKey {
	return router.CustomerKey{Channel: Channel, Account: a.cfg.AccountOpenID, Customer: openID}
}

// ServeHTTP is the webhook endpoint; see the package documentation.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		a.reject(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.ContentLength > MaxBodySize {
		a.reject(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	// A body handed over in process (httpcall.Body) is read where it is;
	// any other into a pooled buffer.
	body, ok := httpcall.Body(r)
	var err error
	if !ok {
		buf := bodyPool.Get().(*[]byte)
		defer putBody(buf)
		body, err = readBody(r.Body, *buf)
		*buf = body
	}
	switch {
	case len(body) > MaxBodySize:
		a.reject(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		a.reject(w, "cannot read body", http.StatusBadRequest)
		return
	}
	// The header map as served holds canonical keys: read without Get.
	var sig string
	if v := r.Header["X-Douyin-Signature"]; len(v) > 0 {
		sig = v[0]
	}
	switch {
	case sig == "":
		a.reject(w, "missing X-Douyin-Signature", http.StatusUnauthorized)
		return
	case a.cfg.ClientSecret == "" || !a.signatureOK(sig, body):
		a.reject(w, "bad signature", http.StatusForbidden)
		return
	}
	var ev Event
	if err := parseEvent(body, &ev, a.intern, a.knownSender); err != nil {
		a.reject(w, "malformed event: "+err.Error(), http.StatusBadRequest)
		return
	}
	if v := r.Header["Msg-Id"]; len(v) > 0 {
		ev.MsgID = v[0]
	}
	status, answer := a.Accept(&ev)
	if status != http.StatusOK {
		http.Error(w, string(answer), status) // counted by Accept
		return
	}
	w.Header()["Content-Type"] = jsonType
	w.WriteHeader(http.StatusOK)
	w.Write(answer)
}

// knownSender is a knownFunc: the open_id and conversation_short_id kept
// for a customer who has written before.
func (a *Adapter) knownSender(openID []byte) (string, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if rc := a.contexts[string(openID)]; rc != nil {
		return rc.openID, rc.conversation
	}
	return "", ""
}

// signatureOK checks sig against the hex SHA-1 of the secret and body.
func (a *Adapter) signatureOK(sig string, body []byte) bool {
	buf := bodyPool.Get().(*[]byte)
	in := append(append((*buf)[:0], a.cfg.ClientSecret...), body...)
	sum := sha1.Sum(in)
	*buf = in
	putBody(buf)
	return headmac.EqualHex(sig, sum[:])
}

func (a *Adapter) reject(w http.ResponseWriter, msg string, code int) {
	a.mu.Lock()
	a.stats.Rejected++
	a.mu.Unlock()
	http.Error(w, msg, code)
}

// Accept is the value path of an authenticated event (ServeHTTP's after
// the signature, and the simulator's direct network): the handshake, the
// address check, the age check, dedupe and normalization. It returns the
// HTTP status and body the webhook is answered with.
func (a *Adapter) Accept(ev *Event) (int, []byte) {
	if ev.Event == EventVerify {
		return http.StatusOK, challengeAnswer(ev.Challenge)
	}
	now := a.cfg.Clock()
	customer, account := ev.FromUserID, ev.ToUserID
	if ev.Event == EventSend {
		// The account's own message: from the account to the customer.
		customer, account = ev.ToUserID, ev.FromUserID
	}
	if ev.ClientKey != a.cfg.ClientKey || account != a.cfg.AccountOpenID || customer == "" {
		a.mu.Lock()
		a.stats.Ignored++
		a.mu.Unlock()
		return http.StatusOK, nil
	}
	if a.maxAge > 0 && ev.Content.CreateTime != 0 && now.Sub(time.UnixMilli(ev.Content.CreateTime)) >= a.maxAge {
		a.mu.Lock()
		a.stats.Rejected++
		a.mu.Unlock()
		return http.StatusForbidden, []byte("stale event")
	}
	message := ev.Event == EventReceive && ev.Content.ServerMessageID != ""
	fresh, prof := a.remember(ev, now.UnixNano(), message)
	if !fresh {
		return http.StatusOK, nil
	}
	if !message {
		if a.cfg.OnEvent != nil {
			e := *ev // the hook's own copy, so that ev itself stays off the heap
			a.cfg.OnEvent(now, &e)
		}
		return http.StatusOK, nil
	}
	a.rcv.Receive(now, a.inbound(ev, prof))
	return http.StatusOK, nil
}

// challengeAnswer is {"challenge":N}, N as it came.
func challengeAnswer(c string) []byte {
	return append(append([]byte(`{"challenge":`), c...), '}')
}

// sweeps is how many times the contexts are looked at in ForgetAfter.
const sweeps = 8

// forgetLocked forgets, at now (at or after sweepAt), the reply contexts
// older than Config.ForgetAfter. It looks at every context once per eighth
// of ForgetAfter, so that the work per event stays constant (amortized)
// and a context stays at most an eighth as long again. a.mu is held.
func (a *Adapter) forgetLocked(now int64) {
	after := int64(a.cfg.ForgetAfter)
	for id, rc := range a.contexts {
		if now-rc.seen >= after {
			delete(a.contexts, id)
		}
	}
	a.sweepAt = now + after/sweeps
	if a.sweepAt < now { // past the end of time
		a.sweepAt = math.MaxInt64
	}
}

// remember records the event's dedupe keys and reports whether it is new;
// it keeps the customer's reply context and counts the event. For a
// message it returns the customer's profile when it keeps one.
func (a *Adapter) remember(ev *Event, now int64, message bool) (fresh bool, prof *router.Profile) {
	a.mu.Lock()
	defer a.mu.Unlock()
	hdr, msg := ev.MsgID, ev.Content.ServerMessageID
	if hdr != "" && a.headers.Has(hdr, now) || msg != "" && a.messages.Has(msg, now) {
		a.stats.Duplicates++
		return false, nil
	}
	if hdr != "" {
		a.headers.Add(hdr, now)
	}
	if msg != "" {
		a.messages.Add(msg, now)
	}
	if c := ev.Content.ConversationShortID; c != "" && ev.Event != EventSend {
		if now >= a.sweepAt {
			a.forgetLocked(now)
		}
		rc := a.contexts[ev.FromUserID]
		if rc == nil {
			rc = &replyContext{}
			a.contexts[ev.FromUserID] = rc
		}
		rc.openID, rc.conversation, rc.seen = ev.FromUserID, c, now
		if message && (rc.msgID == "" || ev.Content.CreateTime >= rc.created) {
			rc.msgID, rc.created = ev.Content.ServerMessageID, ev.Content.CreateTime
		}
		if message {
			if want := profileOf(&ev.Content); rc.profile == nil || *rc.profile != want {
				// Copies: the event's strings share one allocation, which
				// the context, kept for good, would keep alive.
				p := &router.Profile{EntryPage: strings.Clone(want.EntryPage), Region: strings.Clone(want.Region),
					Store: strings.Clone(want.Store)}
				rc.profile = p
			}
			prof = rc.profile
		}
	}
	if message {
		a.stats.Received++
	} else {
		a.stats.Events++
	}
	return true, prof
}

// inbound normalizes a customer message, whose profile is prof (nil:
// made from the content).
func (a *Adapter) inbound(ev *Event, prof *router.Profile) router.Inbound {
	c := &ev.Content
	in := router.Inbound{Customer: a.Key(ev.FromUserID), MessageID: c.ServerMessageID, Name: c.NickName}
	if c.CreateTime > 0 {
		// Douyin's time of the message: a late one anchors the reply
		// window there.
		in.Sent = time.UnixMilli(c.CreateTime)
	}
	switch c.MessageType {
	case "text":
		in.Text = c.Text
	case "image", "video":
		in.Attachment = &router.Attachment{Kind: c.MessageType, Format: strings.ToLower(c.ResourceType), Size: c.ResourceSize}
	default:
		in.Text = c.Text
	}
	if prof == nil {
		prof = new(router.Profile)
		*prof = profileOf(c)
	}
	in.Profile = prof
	return in
}

// profileOf is the profile a message of content c comes with: Douyin
// tells where each message comes from; no poi_id is no store.
func profileOf(c *Content) router.Profile {
	return router.Profile{EntryPage: c.EntryPage, Region: c.Region, Store: c.POIID}
}

var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 2<<10); return &b }}

func putBody(b *[]byte) {
	if cap(*b) <= 64<<10 {
		*b = (*b)[:0]
		bodyPool.Put(b)
	}
}

// readBody reads r to its end into buf's storage, but never more than
// MaxBodySize+1 bytes: a longer result means the body is too large.
func readBody(r io.Reader, buf []byte) ([]byte, error) {
	return httpcall.AppendLimited(buf[:0], r, MaxBodySize+1)
}

// parseURL parses an absolute URL; nil when it does not parse.
func parseURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil
	}
	return u
}

// Doer makes HTTP calls: an *http.Client, or anything with its Do method,
// such as an in-memory transport that serves a call without a client.
type Doer = httpcall.Doer
