package line

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/internal/solo"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/router/dedupe"
)

// Channel is the channel name in [router.CustomerKey].
const Channel = "line"

// The defaults of [Config].
const (
	DefaultBaseURL       = "https://api.line.me"
	DefaultMediaBaseURL  = "https://media.omnisim.invalid/line"
	DefaultReplyTokenTTL = time.Minute
	DefaultDedupeWindow  = 7 * 24 * time.Hour
	DefaultPushRetries   = 2
)

// MaxBodySize is the largest webhook body accepted; a larger one is
// answered 413.
const MaxBodySize = 1 << 20

// SignatureHeader is the header carrying a webhook's signature.
const SignatureHeader = "X-Line-Signature"

// Config configures an [Adapter].
type Config struct {
	ChannelSecret      string // verifies x-line-signature
	ChannelAccessToken string // the bearer token of the API
	// BotUserID is the bot's user id: the destination of its webhooks and
	// the account of its customers' keys. Webhooks for another
	// destination are refused.
	BotUserID string
	// BaseURL is the API's base URL (api.line.me and api-data.line.me
	// alike); default "https://api.line.me".
	BaseURL string
	// MediaBaseURL is where the router's media files are served from (the
	// HTTPS URLs in image, video and audio messages); default
	// "https://media.omnisim.invalid/line".
	MediaBaseURL string
	// Client calls the API; default http.DefaultClient.
	Client Doer
	// Clock gives the time of reply tokens, dedupe and the Receiver;
	// default time.Now.
	Clock func() time.Time
	// Seed seeds the retry keys.
	Seed uint64
	// ReplyTokenTTL is how long after its webhook the router still uses a
	// reply token; default one minute. After it the router pushes.
	ReplyTokenTTL time.Duration
	// DedupeWindow is how long webhookEventIds are remembered; default 7
	// days.
	DedupeWindow time.Duration
	// PushRetries is how many times a push that got no answer or a 5xx is
	// retried with the same X-Line-Retry-Key; default 2, negative none.
	PushRetries int
	// Profiles fetches a user's display name (GET /v2/bot/profile/{userId})
	// the first time the user writes; LINE's webhooks carry no names.
	Profiles bool
	// NameTTL, when positive, is how long after a user's last message the
	// fetched display name is remembered: a user who writes again later
	// is looked up again, so that the names remembered follow the users
	// in play. Zero remembers every name for the adapter's life.
	NameTTL time.Duration
	// API, when set, is the platform's send API as values (the
	// simulator's Direct network) instead of HTTP calls.
	API API
	// Solo promises that one goroutine at a time uses the adapter, each
	// use ordered with the others (a world on the memory or the direct
	// network): it then takes no lock (package solo).
	Solo bool
}

// API is the platform's send API as values: what the HTTP calls of an
// [Adapter] do, without bytes.
type API interface {
	// Reply sends msgs with a reply token; Push sends them to a user with a
	// retry key. Both answer the HTTP status, the sent message ids on
	// success and LINE's error body otherwise.
	Reply(token string, msgs []Message) APIResult
	Push(retryKey, to string, msgs []Message) APIResult
	// Profile returns a user's display name.
	Profile(userID string) (name string, ok bool)
}

// APIResult is one answer of the send API.
type APIResult struct {
	Status int
	IDs    []string // sentMessages[].id
	// AcceptedRequestID is X-Line-Accepted-Request-Id of a 409.
	AcceptedRequestID string
	Error             ErrorBody
}

// ErrorBody is LINE's error body.
type ErrorBody struct {
	Message string `json:"message"`
	Details []struct {
		Message  string `json:"message"`
		Property string `json:"property"`
	} `json:"details,omitempty"`
}

// Stats counts what an [Adapter] has seen and done.
type Stats struct {
	Received   int // messages handed to the Receiver
	Events     int // other events taken (follow, unfollow, ...)
	Rejected   int // webhook POSTs refused: 400, 405 or 413
	Duplicates int // events dropped because their webhookEventId was already seen
	Replies    int // sends that used a reply token
	Pushes     int // sends that pushed
	// ReplyFallbacks counts replies the platform refused as an invalid
	// reply token, which the adapter then pushed.
	ReplyFallbacks int
	PushRetries    int // pushes retried with their retry key
}

// Adapter is the LINE channel adapter of one Messaging API channel: an
// [http.Handler] for its webhook and a [router.Sender]. It is safe for
// concurrent use,
// unless made with Config.Solo.
type Adapter struct {
	cfg     Config
	rcv     router.Receiver
	macs    sync.Pool // *keyedMAC
	auth    []string
	replyTo string
	pushTo  string
	// replyURL and pushURL are replyTo and pushTo parsed once; nil when
	// they do not parse.
	replyURL, pushURL *url.URL

	mu     solo.Mutex
	tokens map[string]*replyToken // userId -> the newest reply token
	swept  int                    // len(tokens) after the last sweep
	names  map[string]*nameRec    // userId -> display name
	// namesSwept is len(names) after the last sweep of names older than
	// Config.NameTTL.
	namesSwept int
	seen       dedupe.Set // webhookEventIds handed on
	keyCtr     uint64
	stats      Stats
	blocked    map[string]bool
}

// nameRec is a user's display name and the time of the user's last
// message.
type nameRec struct {
	name string
	at   int64 // unix nanoseconds
}

type replyToken struct {
	token string
	at    time.Time
	used  bool
}

type keyedMAC struct {
	h   hash.Hash
	sum [sha256.Size]byte
}

// New returns an adapter for cfg that hands inbound messages to rcv.
func New(cfg Config, rcv router.Receiver) *Adapter {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.MediaBaseURL == "" {
		cfg.MediaBaseURL = DefaultMediaBaseURL
	}
	cfg.MediaBaseURL = strings.TrimRight(cfg.MediaBaseURL, "/")
	cfg.Client = httpcall.OrDefault(cfg.Client)
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.ReplyTokenTTL <= 0 {
		cfg.ReplyTokenTTL = DefaultReplyTokenTTL
	}
	if cfg.DedupeWindow <= 0 {
		cfg.DedupeWindow = DefaultDedupeWindow
	}
	if cfg.PushRetries == 0 {
		cfg.PushRetries = DefaultPushRetries
	}
	a := &Adapter{
		cfg:     cfg,
		rcv:     rcv,
		auth:    []string{"Bearer " + cfg.ChannelAccessToken},
		replyTo: cfg.BaseURL + "/v2/bot/message/reply",
		pushTo:  cfg.BaseURL + "/v2/bot/message/push",
		tokens:  make(map[string]*replyToken),
		names:   make(map[string]*nameRec),
		seen:    dedupe.New(cfg.DedupeWindow),
		blocked: make(map[string]bool),
	}
	a.replyURL, a.pushURL = parseURL(a.replyTo), parseURL(a.pushTo)
	key := []byte(cfg.ChannelSecret)
	a.macs.New = func() any { return &keyedMAC{h: hmac.New(sha256.New, key)} }
	if cfg.Solo {
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

// Release gives the memory of the adapter's dedupe window (the
// webhookEventIds it remembers) to the dedupe package's pools, for the
// adapters made after it to reuse, and leaves it empty: the adapter
// forgets every id it has handed on, and a message it receives after
// Release is not taken for a duplicate of one before. Call it when the
// adapter has served its last webhook; it may be called more than once.
func (a *Adapter) Release() {
	a.mu.Lock()
	a.seen.Release()
	a.mu.Unlock()
}

// Blocked reports whether a user's last event was an unfollow.
func (a *Adapter) Blocked(userID string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.blocked[userID]
}

func (a *Adapter) key(userID string) router.CustomerKey {
	return router.CustomerKey{Channel: Channel, Account: a.cfg.BotUserID, Customer: userID}
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (a *Adapter) reject(w http.ResponseWriter, msg string, code int) {
	a.mu.Lock()
	a.stats.Rejected++
	a.mu.Unlock()
	http.Error(w, msg, code)
}

// ServeHTTP is the webhook endpoint. A POST whose x-line-signature is
// missing or does not match the body is answered 400 (as LINE's SDKs
// do), a body over MaxBodySize 413, a body that is not a webhook payload
// or is for another destination 400; nothing of them reaches the
// Receiver. A good one is answered 200 (also when every event in it was a
// duplicate), after its events were handled.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		a.reject(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	sig := first(r.Header[SignatureHeader]) // canonical, as served: no Get
	if sig == "" {
		a.reject(w, "missing "+SignatureHeader, http.StatusBadRequest)
		return
	}
	if r.ContentLength > MaxBodySize {
		a.reject(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	// A body handed over in process (httpcall.Body) is read where it is;
	// any other into a pooled buffer.
	body, ok := httpcall.Body(r)
	if ok && len(body) > MaxBodySize {
		a.reject(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if !ok {
		buf := bufPool.Get().(*bytes.Buffer)
		buf.Reset()
		defer func() {
			if buf.Cap() <= 64<<10 {
				bufPool.Put(buf)
			}
		}()
		if err := httpcall.ReadRequestBody(w, r, buf, MaxBodySize); err != nil {
			status, reason := httpcall.ReadFailure(err)
			a.reject(w, reason, status)
			return
		}
		body = buf.Bytes()
	}
	if !a.Verify(sig, body) {
		a.reject(w, "bad signature", http.StatusBadRequest)
		return
	}
	var p Payload
	blk := blocks.Get().(*eventBlock)
	defer func() {
		*blk = eventBlock{} // nothing Events handled keeps a pointer into it
		blocks.Put(blk)
	}()
	if err := parsePayload(body, &p, a.cfg.BotUserID, blk); err != nil {
		a.reject(w, "malformed webhook", http.StatusBadRequest)
		return
	}
	if status := a.Events(r.Context(), p.Destination, p.Events); status != http.StatusOK {
		a.reject(w, "wrong destination", status)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// sigEncoding decodes X-Line-Signature: standard base64, strict, so that
// a signature written otherwise than base64 writes the digest (an unused
// bit of its last character set) is refused.
var sigEncoding = base64.StdEncoding.Strict()

// Verify reports whether sig is the base64 HMAC-SHA256 of body keyed with
// the channel secret, written as base64 writes it.
func (a *Adapter) Verify(sig string, body []byte) bool {
	if a.cfg.ChannelSecret == "" || len(sig) != sigEncoding.EncodedLen(sha256.Size) {
		return false
	}
	var want [sha256.Size + 2]byte
	n, err := sigEncoding.Decode(want[:], []byte(sig))
	if err != nil || n != sha256.Size {
		return false
	}
	m := a.macs.Get().(*keyedMAC)
	m.h.Reset()
	m.h.Write(body)
	ok := hmac.Equal(m.h.Sum(m.sum[:0]), want[:n])
	a.macs.Put(m)
	return ok
}

// blocks recycles the webhook handler's eventBlocks.
var blocks = sync.Pool{New: func() any { return new(eventBlock) }}

// Payload is a webhook body.
type Payload struct {
	Destination string  `json:"destination"`
	Events      []Event `json:"events"`
}

// Event is one webhook event, with the fields the router reads.
type Event struct {
	Type      string `json:"type"`
	Mode      string `json:"mode"`
	Timestamp int64  `json:"timestamp"`
	Source    struct {
		Type   string `json:"type"`
		UserID string `json:"userId"`
	} `json:"source"`
	WebhookEventID  string `json:"webhookEventId"`
	DeliveryContext struct {
		IsRedelivery bool `json:"isRedelivery"`
	} `json:"deliveryContext"`
	ReplyToken string        `json:"replyToken"`
	Message    *EventMessage `json:"message"`
}

// EventMessage is the message of a message event.
type EventMessage struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Text     string `json:"text"`
	FileName string `json:"fileName"`
	FileSize int64  `json:"fileSize"`
}

// ErrMalformed is the error of a body that is not a webhook payload.
var ErrMalformed = errors.New("line: not a webhook payload")

// ParsePayload reads a webhook body: a JSON object with a destination and
// an events array.
func ParsePayload(body []byte) (*Payload, error) {
	var p Payload
	if err := parsePayload(body, &p, "", nil); err != nil {
		return nil, err
	}
	return &p, nil
}

// parsePayload is ParsePayload into p, with a string the body is expected
// to repeat (the destination) reused rather than copied, and the first
// events stored in blk when it is not nil.
func parsePayload(body []byte, p *Payload, known string, blk *eventBlock) error {
	if err := decodePayload(body, p, known, blk); err != nil {
		return errors.Join(ErrMalformed, err)
	}
	if p.Destination == "" || p.Events == nil {
		return ErrMalformed
	}
	return nil
}

// Events handles the events of a verified webhook for destination: the
// webhook's work after its signature, on the wire and on the Direct path
// alike. Each event is dropped when its webhookEventId was seen (a
// redelivery of an event already handled); a user's reply token is kept
// for the router's next send to the user; message events are normalized
// and handed to the Receiver. It answers 400 for another destination,
// else 200.
func (a *Adapter) Events(ctx context.Context, destination string, events []Event) int {
	if a.cfg.BotUserID != "" && destination != a.cfg.BotUserID {
		return http.StatusBadRequest
	}
	if len(events) == 0 {
		return http.StatusOK // the console's Verify
	}
	now := a.cfg.Clock()
	for i := range events {
		e := &events[i]
		if e.WebhookEventID == "" || e.Source.Type != "user" || e.Source.UserID == "" {
			continue
		}
		if !a.remember(e.WebhookEventID, now.UnixNano()) {
			continue
		}
		user := e.Source.UserID
		a.mu.Lock()
		if e.ReplyToken != "" && e.Mode != "standby" {
			a.storeTokenLocked(user, e.ReplyToken, now)
		}
		switch e.Type {
		case "follow":
			delete(a.blocked, user)
		case "unfollow":
			a.blocked[user] = true
			delete(a.tokens, user)
		}
		if e.Type != "message" || e.Message == nil {
			a.stats.Events++
			a.mu.Unlock()
			continue
		}
		delete(a.blocked, user)
		a.stats.Received++
		var name string
		rec := a.names[user]
		ns := now.UnixNano()
		known := rec != nil && (a.cfg.NameTTL <= 0 || ns-rec.at < int64(a.cfg.NameTTL))
		if known {
			name, rec.at = rec.name, ns
		}
		a.mu.Unlock()
		if !known && a.cfg.Profiles {
			name = a.profile(ctx, user, now)
		}
		in := a.inbound(user, name, e.Message)
		if e.Timestamp > 0 {
			in.Sent = time.UnixMilli(e.Timestamp)
		}
		a.rcv.Receive(now, in)
	}
	return http.StatusOK
}

func (a *Adapter) storeTokenLocked(user, token string, now time.Time) {
	if t := a.tokens[user]; t != nil {
		t.token, t.at, t.used = token, now, false
		return
	}
	a.tokens[user] = &replyToken{token: token, at: now}
	if len(a.tokens) > 2*a.swept+1024 {
		for u, t := range a.tokens {
			if t.used || now.Sub(t.at) >= a.cfg.ReplyTokenTTL {
				delete(a.tokens, u)
			}
		}
		a.swept = len(a.tokens)
	}
}

// inbound normalizes a message event's message.
func (a *Adapter) inbound(user, name string, m *EventMessage) router.Inbound {
	in := router.Inbound{Customer: a.key(user), MessageID: m.ID, Name: name}
	switch m.Type {
	case "text":
		in.Text = m.Text
	case "image", "video", "audio", "sticker":
		in.Attachment = &router.Attachment{Kind: m.Type}
	case "file":
		ext := strings.ToLower(strings.TrimPrefix(path.Ext(m.FileName), "."))
		in.Attachment = &router.Attachment{Kind: "document", Format: ext, Size: max(m.FileSize, 0), Name: m.FileName}
	default:
		// location and others: activity without content the router reads.
	}
	return in
}

// remember records id as seen at now and reports whether it is new.
func (a *Adapter) remember(id string, now int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.seen.Add(id, now) {
		a.stats.Duplicates++
		return false
	}
	return true
}

// Doer makes HTTP calls: an *http.Client, or anything with its Do method,
// such as an in-memory transport that serves a call without a client.
type Doer = httpcall.Doer
