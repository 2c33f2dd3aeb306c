package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/internal/solo"
	"github.com/omnisim/omnisim/jsonscan"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/router/dedupe"
)

// Channel is the channel name in [router.CustomerKey].
const Channel = "wechat"

// The defaults of [Config].
const (
	DefaultBaseURL = "https://api.weixin.qq.com"
	// DefaultDedupeWindow is the 48-hour reply window: WeChat's own three
	// tries come within seconds, but a push delayed, repeated or retried
	// by a platform at its worst (a fault plan) can come minutes or hours
	// late, and a message counted twice within its window would reset the
	// reply quota.
	DefaultDedupeWindow = 48 * time.Hour
)

// MaxBodySize is the largest webhook body accepted; a larger one is answered
// 413. WeChat's notifications are a few kilobytes.
const MaxBodySize = 1 << 20

// Success is the body of the answer to an accepted webhook; it stops WeChat's
// retries.
const Success = "success"

// Config configures an [Adapter].
type Config struct {
	AppID     string // the account's AppID: the account of its customer keys, checked in safe-mode payloads
	AppSecret string // fetches access tokens
	// Token is the server token: it signs the URL handshake and every
	// webhook. An empty Token refuses them all.
	Token string
	// EncodingAESKey is the 43-character key of safe mode. Without a valid
	// one every encrypted webhook is refused (403).
	EncodingAESKey string
	// OriginalID is the account's original id (gh_…), the ToUserName of the
	// webhooks this adapter serves; messages addressed to anything else
	// (or with an empty OriginalID, to anything) are ignored.
	OriginalID string
	BaseURL    string // API base; default "https://api.weixin.qq.com"
	// Client sends API requests; default http.DefaultClient.
	Client Doer
	// Clock is the adapter's only time source: the time passed to the
	// Receiver, dedupe, the timestamp check and the access token's
	// lifetime. Default time.Now.
	Clock func() time.Time
	// DedupeWindow is how long message ids and event keys are remembered;
	// default [DefaultDedupeWindow].
	DedupeWindow time.Duration
	// MaxTimestampSkew, when positive, refuses (403) a handshake or webhook
	// whose timestamp parameter is not a decimal number of Unix seconds
	// within this much of Clock. Zero does not check timestamps.
	MaxTimestampSkew time.Duration
	// OnEvent, when set, receives each new event (after dedupe), from the
	// goroutine serving the webhook. It must be safe for concurrent use.
	OnEvent func(now time.Time, e Event)
	// API, when set, takes the adapter's sends and uploads by values
	// instead of Client and BaseURL, with no access token (see [API]).
	API API
	// Solo promises that one goroutine at a time uses the adapter, each
	// use ordered with the others (a world on the memory or the direct
	// network): it then takes no lock (package solo).
	Solo bool
}

// Stats counts what an [Adapter] has seen and done.
type Stats struct {
	Received   int // customer messages handed to the Receiver
	Duplicates int // messages and events dropped as already seen
	Rejected   int // webhook POSTs refused: 400, 401, 403 or 413
	Events     int // events accepted (passed to OnEvent when it is set)
	// Ignored counts accepted webhooks addressed to another account (or
	// to an adapter without OriginalID), or without a sender.
	Ignored      int
	Sent         int // Send calls that succeeded
	Failed       int // Send calls that returned an error, local refusals included
	TokenFetches int // access-token requests made, whatever their outcome
}

// Adapter is the WeChat Official Account channel adapter of one account: an
// [http.Handler] for its webhook and a [router.Sender]. It is safe for
// concurrent use,
// unless made with Config.Solo.
type Adapter struct {
	cfg    Config
	rcv    router.Receiver
	aesKey []byte       // AES key; nil when EncodingAESKey is invalid
	block  cipher.Block // AES cipher of key; nil with it
	keyErr error        // why key is nil
	rand   io.Reader    // random bytes for EncryptReply
	// cbcPool holds AES-CBC decrypters of block, reused with a reset IV.
	cbcPool sync.Pool

	urls [numPaths]*url.URL // BaseURL plus each API path; nil when bad

	// tokenSem serializes access-token use and refresh; tok is guarded by it.
	tokenSem chan struct{}
	tok      accessToken
	sent     atomic.Uint64 // numbers the local message ids
	// lastQuery is the send query of the last token used (tokenQuery).
	lastQuery atomic.Pointer[tokenQuery]

	mu    solo.Mutex
	seen  dedupe.Set // dedupe keys handed on
	stats Stats
	ids   jsonscan.Arena // makes the local message ids (sentIDLocked)
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
	a := &Adapter{
		cfg:      cfg,
		rcv:      rcv,
		rand:     rand.Reader,
		tokenSem: make(chan struct{}, 1),
		seen:     dedupe.New(cfg.DedupeWindow),
	}
	a.urls = parseURLs(cfg.BaseURL)
	a.aesKey, a.keyErr = decodeAESKey(cfg.EncodingAESKey)
	if a.keyErr == nil {
		a.block, a.keyErr = aes.NewCipher(a.aesKey)
		if a.keyErr != nil {
			a.aesKey = nil
		}
	}
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

// Release gives the memory of the adapter's dedupe window (the dedupe keys
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

// key is the customer key of a WeChat user of this account.
func (a *Adapter) key(openID string) router.CustomerKey {
	return router.CustomerKey{Channel: Channel, Account: a.cfg.AppID, Customer: openID}
}

// ServeHTTP is the webhook endpoint: the GET URL verification and the POST
// notifications. See the package documentation for the answers.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		a.serveNotification(w, r)
	case http.MethodGet:
		a.serveVerify(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// The header values of a text answer, shared by every answer: nothing
// modifies header values in place.
var (
	textPlain = []string{"text/plain; charset=utf-8"}
	noSniff   = []string{"nosniff"}
)

// successBody is [Success], written as is.
var successBody = []byte(Success)

func writeText(w http.ResponseWriter, s string) {
	h := w.Header()
	h["Content-Type"] = textPlain
	h["X-Content-Type-Options"] = noSniff
	w.WriteHeader(http.StatusOK)
	if s == Success {
		w.Write(successBody)
	} else {
		io.WriteString(w, s)
	}
}

// fresh reports whether timestamp passes the MaxTimestampSkew check.
func (a *Adapter) fresh(timestamp string) bool {
	if a.cfg.MaxTimestampSkew <= 0 {
		return true
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	skew := a.cfg.Clock().Sub(time.Unix(ts, 0))
	return skew <= a.cfg.MaxTimestampSkew && skew >= -a.cfg.MaxTimestampSkew
}

func (a *Adapter) serveVerify(w http.ResponseWriter, r *http.Request) {
	q := parseParams(r.URL.RawQuery)
	if a.cfg.Token == "" || !checkSignature(q.signature, a.cfg.Token, q.timestamp, q.nonce) || !a.fresh(q.timestamp) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	writeText(w, q.echostr)
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuf is the largest buffer kept in bufPool or bodyPool.
const maxPooledBuf = 64 << 10

func putBuf(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBuf {
		bufPool.Put(buf)
	}
}

// scratch holds the working buffers of one webhook: the body, the decoded
// element text, the ciphertext (decrypted in place) and the signature
// input. They are pooled, so a webhook allocates only what it keeps.
type scratch struct {
	body, text, ct, sig []byte
	strs                jsonscan.Arena // makes the strings of the messages read
}

var scratchPool = sync.Pool{New: func() any { return &scratch{body: make([]byte, 0, 4<<10)} }}

// putScratch returns sc to the pool, dropping a buffer that grew past
// maxPooledBuf.
func putScratch(sc *scratch) {
	for _, b := range []*[]byte{&sc.body, &sc.text, &sc.ct, &sc.sig} {
		if cap(*b) > maxPooledBuf {
			*b = nil
		} else {
			*b = (*b)[:0]
		}
	}
	scratchPool.Put(sc)
}

// readBody reads r to its end into buf's storage, never more than
// MaxBodySize+1 bytes: a result longer than MaxBodySize means the body is
// too large. The declared Content-Length plays no part.
func readBody(r io.Reader, buf []byte) ([]byte, error) {
	return httpcall.AppendLimited(buf[:0], r, MaxBodySize+1)
}

func (a *Adapter) reject(w http.ResponseWriter, msg string, code int) {
	a.mu.Lock()
	a.stats.Rejected++
	a.mu.Unlock()
	http.Error(w, msg, code)
}

func (a *Adapter) serveNotification(w http.ResponseWriter, r *http.Request) {
	q := parseParams(r.URL.RawQuery)
	sig, msgSig, ts, nonce := q.signature, q.msgSignature, q.timestamp, q.nonce
	safe := q.encryptType == "aes"

	// Authentication that needs no body: the query's signatures.
	switch {
	case safe && msgSig == "":
		a.reject(w, "missing msg_signature", http.StatusUnauthorized)
		return
	case !safe && sig == "":
		a.reject(w, "missing signature", http.StatusUnauthorized)
		return
	case a.cfg.Token == "":
		a.reject(w, "no token configured", http.StatusForbidden)
		return
	case sig != "" && !checkSignature(sig, a.cfg.Token, ts, nonce):
		a.reject(w, "bad signature", http.StatusForbidden)
		return
	case !a.fresh(ts):
		a.reject(w, "stale timestamp", http.StatusForbidden)
		return
	}

	// The body: one handed over in process (httpcall.Body) is read where
	// it is; any other incrementally, up to the limit.
	if r.ContentLength > MaxBodySize {
		a.reject(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	sc := scratchPool.Get().(*scratch)
	defer putScratch(sc)
	body, ok := httpcall.Body(r)
	var err error
	if !ok {
		body, err = readBody(r.Body, sc.body)
		sc.body = body
	}
	if len(body) > MaxBodySize {
		a.reject(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		a.reject(w, "cannot read body", http.StatusBadRequest)
		return
	}

	d := doc{buf: sc.text}
	defer func() { sc.text = d.buf }()
	if err := parseBody(body, &d); err != nil {
		a.reject(w, "malformed XML", http.StatusBadRequest)
		return
	}
	if safe || d.has[fEncrypt] {
		enc := d.text(fEncrypt)
		var sum [20]byte
		if msgSig != "" {
			// The signature input: Token, timestamp and nonce, then
			// Encrypt, each sorted into place by sortedSum.
			in := append(append(append(sc.sig[:0], a.cfg.Token...), ts...), nonce...)
			sc.sig = in
			t, n := len(a.cfg.Token), len(ts)
			sum = sortedSum([][]byte{in[:t], in[t : t+n], in[t+n:], enc})
		}
		switch {
		case msgSig == "":
			a.reject(w, "missing msg_signature", http.StatusUnauthorized)
			return
		case !sumEqual(msgSig, &sum):
			a.reject(w, "bad msg_signature", http.StatusForbidden)
			return
		case len(enc) == 0:
			a.reject(w, "no encrypted payload", http.StatusBadRequest)
			return
		case a.block == nil:
			a.reject(w, "no valid EncodingAESKey configured", http.StatusForbidden)
			return
		}
		plain, ct, err := a.open(enc, sc.ct)
		sc.ct = ct
		if err != nil {
			if errors.Is(err, errMalformed) {
				a.reject(w, "malformed encrypted payload", http.StatusBadRequest)
			} else {
				a.reject(w, "encrypted payload does not open", http.StatusForbidden)
			}
			return
		}
		if err := parseBody(plain, &d); err != nil {
			a.reject(w, "malformed decrypted XML", http.StatusBadRequest)
			return
		}
	}
	m := d.message(&sc.strs)
	a.deliver(&m)
	writeText(w, Success)
}

// deliver routes an authenticated, parsed notification: a customer message
// to the Receiver, an event to OnEvent, after the address check and dedupe.
func (a *Adapter) deliver(m *message) {
	now := a.cfg.Clock()
	if a.cfg.OriginalID == "" || m.ToUserName != a.cfg.OriginalID || m.FromUserName == "" {
		a.mu.Lock()
		a.stats.Ignored++
		a.mu.Unlock()
		return
	}
	// The key is built on the stack: remember copies what it keeps, so a
	// short key's string needs no allocation.
	var kb [96]byte
	if !a.remember(string(m.appendDedupeKey(kb[:0])), now.UnixNano(), m.isEvent()) {
		return
	}
	if m.isEvent() {
		if a.cfg.OnEvent != nil {
			a.cfg.OnEvent(now, a.event(m))
		}
		return
	}
	a.rcv.Receive(now, a.inbound(m))
}

// remember records key as seen at now and reports whether it is new (not seen
// within the dedupe window); it counts the notification as received (or an
// event) or as a duplicate.
func (a *Adapter) remember(key string, now int64, event bool) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.seen.Add(key, now) {
		a.stats.Duplicates++
		return false
	}
	if event {
		a.stats.Events++
	} else {
		a.stats.Received++
	}
	return true
}

// Doer makes HTTP calls: an *http.Client, or anything with its Do method,
// such as an in-memory transport that serves a call without a client.
type Doer = httpcall.Doer
