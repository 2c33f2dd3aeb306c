package messenger

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
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
const Channel = "messenger"

// The defaults of [Config].
const (
	DefaultBaseURL      = "https://graph.facebook.com"
	DefaultAPIVersion   = "v25.0"
	DefaultDedupeWindow = 7 * 24 * time.Hour
)

// MaxBodySize is the largest webhook body accepted; a larger one is
// answered 413.
const MaxBodySize = 3 << 20

// The signature headers.
const (
	SignatureHeader       = "X-Hub-Signature-256"
	LegacySignatureHeader = "X-Hub-Signature"
)

// Config configures an [Adapter].
type Config struct {
	AppSecret   string // verifies the signatures
	VerifyToken string // answers the GET handshake
	AccessToken string // the page access token of the Send API
	PageID      string // the page this adapter serves (account of CustomerKey)
	BaseURL     string // default "https://graph.facebook.com"
	APIVersion  string // default "v25.0"
	// Client sends to the Graph API; default http.DefaultClient.
	Client Doer
	// Clock gives the time passed to the Receiver and used for dedupe and
	// windows; default time.Now.
	Clock func() time.Time
	// DedupeWindow is how long message ids are remembered; default 7 days.
	DedupeWindow time.Duration
	// Window is the standard messaging window (default 24h): inside it a
	// reply goes as RESPONSE.
	Window time.Duration
	// HumanAgentWindow is how long after the customer's last message a
	// reply goes with the HUMAN_AGENT tag once Window has passed (default
	// 7 days); negative never tags.
	HumanAgentWindow time.Duration
	// AdWindow, when positive, is the window a customer message that
	// carries a Click-to-Messenger ad referral opens on the platform
	// (the platform's ad_window): while it is open a reply goes as
	// RESPONSE, whatever the age of the customer's last message. 0, the
	// default, is a platform that does not extend the window for ads.
	AdWindow time.Duration
	// LegacySignature accepts a POST signed only with X-Hub-Signature
	// (sha1) when X-Hub-Signature-256 is missing. Either way a sha1
	// signature that is present must be right.
	LegacySignature bool
	// Direct, when set, sends by value instead of HTTP (the Direct
	// network): it answers a [SendRequest] with the message id, or a
	// *[router.PlatformError].
	Direct func(req SendRequest) (messageID string, err error)
	// DirectUpload, with Direct, uploads an attachment by value and
	// returns its attachment id, which the SendRequest then carries;
	// without it Direct gets the attachment itself.
	DirectUpload func(typ string, att *router.Attachment) (attachmentID string, err error)
	// Solo promises that one goroutine at a time uses the adapter, each
	// use ordered with the others (a world on the memory or the direct
	// network): it then takes no lock (package solo).
	Solo bool
}

// SendRequest is what the adapter sends, as a value.
type SendRequest struct {
	Recipient     string // PSID
	MessagingType string // RESPONSE or MESSAGE_TAG
	Tag           string // HUMAN_AGENT with MESSAGE_TAG
	Text          string
	// Attachment is a file to upload and send (Text is then empty).
	Attachment *router.Attachment
	// AttachmentType is Messenger's type for it: image, audio, video, file.
	AttachmentType string
	// AttachmentID is the uploaded attachment's id (Direct with
	// DirectUpload).
	AttachmentID string
}

// Stats counts what an [Adapter]'s webhook endpoint has seen.
type Stats struct {
	Received   int // messages and postbacks handed to the Receiver
	Rejected   int // webhook POSTs refused: 401, 403, 413 or 400
	Duplicates int // messages dropped because their id was already seen
	Statuses   int // delivery receipts handed to the Receiver
	Reads      int // read receipts seen
	// SendRetries counts the Send API calls made again after a transient
	// refusal (see SendTries).
	SendRetries int
}

// Adapter is the Messenger channel adapter of one Facebook Page: an
// [http.Handler] for its webhook and a [router.Sender]. It is safe for
// concurrent use,
// unless made with Config.Solo.
type Adapter struct {
	cfg     Config
	rcv     router.Receiver
	secret  []byte
	msgURL  string
	msgURLs httpcall.URLCache // msgURL parsed once
	attURL  string

	macs sync.Pool // *keyedMACs

	mu   solo.Mutex
	seen dedupe.Set           // message ids handed on
	last map[string]time.Time // PSID -> the customer's last message
	// adLast is, with Config.AdWindow, the customer's last message that
	// carried an ad referral (the start of its ad window).
	adLast map[string]time.Time
	ads    map[string]pendingAd // PSID -> a referral not yet attached to a message
	// sweepAt is the size of last (plus ads) at which stale entries are
	// next swept out: twice what the previous sweep kept, so that sweeping
	// costs O(1) per message.
	sweepAt int
	stats   Stats
	buffers sync.Pool
	words   []string // strings the webhook decoder interns: the page id and webhookWords
}

// pendingAd is an ad referral that came without a message.
type pendingAd struct {
	ad string
	at time.Time
}

// sweepLocked forgets the customers whose last message is older than any
// window the adapter chooses by, and referrals as old, once the maps have
// doubled since the last sweep.
func (a *Adapter) sweepLocked(now time.Time) {
	if len(a.last)+len(a.ads)+len(a.adLast) < a.sweepAt {
		return
	}
	keep := max(a.cfg.Window, a.cfg.HumanAgentWindow, a.cfg.AdWindow)
	for psid, at := range a.last {
		if now.Sub(at) >= keep {
			delete(a.last, psid)
		}
	}
	for psid, at := range a.adLast {
		if now.Sub(at) >= a.cfg.AdWindow {
			delete(a.adLast, psid)
		}
	}
	for psid, p := range a.ads {
		if now.Sub(p.at) >= keep {
			delete(a.ads, psid)
		}
	}
	a.sweepAt = max(1024, 2*(len(a.last)+len(a.ads)+len(a.adLast)))
}

type keyedMACs struct {
	h256, h1 hash.Hash
	sum      [sha256.Size]byte
}

// New returns an adapter for cfg that hands inbound traffic to rcv.
func New(cfg Config, rcv router.Receiver) *Adapter {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.APIVersion == "" {
		cfg.APIVersion = DefaultAPIVersion
	}
	cfg.Client = httpcall.OrDefault(cfg.Client)
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.DedupeWindow <= 0 {
		cfg.DedupeWindow = DefaultDedupeWindow
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.HumanAgentWindow == 0 {
		cfg.HumanAgentWindow = DefaultHumanAgentWindow
	}
	if cfg.AdWindow < 0 {
		cfg.AdWindow = 0
	}
	a := &Adapter{cfg: cfg, rcv: rcv, secret: []byte(cfg.AppSecret), seen: dedupe.New(cfg.DedupeWindow),
		last: map[string]time.Time{}, adLast: map[string]time.Time{}, ads: map[string]pendingAd{}, sweepAt: 1024}
	base := cfg.BaseURL + "/" + cfg.APIVersion + "/" + cfg.PageID
	tok := "?access_token=" + url.QueryEscape(cfg.AccessToken)
	a.msgURL, a.attURL = base+"/messages"+tok, base+"/message_attachments"+tok
	a.macs.New = func() any {
		return &keyedMACs{h256: hmac.New(sha256.New, a.secret), h1: hmac.New(sha1.New, a.secret)}
	}
	a.buffers.New = func() any { return new(bytes.Buffer) }
	a.words = append([]string{cfg.PageID}, webhookWords...)
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

// Release gives the memory of the adapter's dedupe window (the message ids
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

func (a *Adapter) key(psid string) router.CustomerKey {
	return router.CustomerKey{Channel: Channel, Account: a.cfg.PageID, Customer: psid}
}

// ServeHTTP is the webhook endpoint: the GET verification handshake and
// the signed POST notifications.
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

func (a *Adapter) serveVerify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("hub.mode") != "subscribe" || a.cfg.VerifyToken == "" ||
		subtle.ConstantTimeCompare([]byte(q.Get("hub.verify_token")), []byte(a.cfg.VerifyToken)) != 1 {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, q.Get("hub.challenge")) //nolint:errcheck // the caller went away
}

func (a *Adapter) reject(w http.ResponseWriter, msg string, code int) {
	a.mu.Lock()
	a.stats.Rejected++
	a.mu.Unlock()
	http.Error(w, msg, code)
}

// blocks recycles the webhook handler's webhookBlocks.
var blocks = sync.Pool{New: func() any { return new(webhookBlock) }}

func (a *Adapter) serveNotification(w http.ResponseWriter, r *http.Request) {
	// The header map as served holds canonical keys: read without Get.
	var sig256, sig1 string
	if v := r.Header[SignatureHeader]; len(v) > 0 {
		sig256 = v[0]
	}
	if v := r.Header[LegacySignatureHeader]; len(v) > 0 {
		sig1 = v[0]
	}
	if sig256 == "" && (sig1 == "" || !a.cfg.LegacySignature) {
		a.reject(w, "missing "+SignatureHeader, http.StatusUnauthorized)
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
		buf := a.buffer()
		defer a.recycle(buf)
		if err := httpcall.ReadRequestBody(w, r, buf, MaxBodySize); err != nil {
			status, reason := httpcall.ReadFailure(err)
			a.reject(w, reason, status)
			return
		}
		body = buf.Bytes()
	}
	if !a.verify(sig256, sig1, body) {
		a.reject(w, "bad signature", http.StatusForbidden)
		return
	}
	blk := blocks.Get().(*webhookBlock)
	defer func() {
		*blk = webhookBlock{} // nothing Receive keeps points into it
		blocks.Put(blk)
	}()
	events, err := parseWebhook(body, a.words, blk)
	if err != nil {
		a.reject(w, "malformed notification: "+err.Error(), http.StatusBadRequest)
		return
	}
	for i := range events {
		if events[i].Page == a.cfg.PageID {
			a.Receive(events[i])
		}
	}
	w.WriteHeader(http.StatusOK)
}

// verify checks X-Hub-Signature-256 (when given, else the legacy sha1
// one, which the caller allowed) and a present X-Hub-Signature as well.
func (a *Adapter) verify(sig256, sig1 string, body []byte) bool {
	if len(a.secret) == 0 {
		return false
	}
	m := a.macs.Get().(*keyedMACs)
	defer a.macs.Put(m)
	ok := true
	if sig256 != "" {
		m.h256.Reset()
		m.h256.Write(body)
		ok = checkSig(sig256, "sha256=", m.h256.Sum(m.sum[:0]))
	}
	if ok && sig1 != "" {
		m.h1.Reset()
		m.h1.Write(body)
		ok = checkSig(sig1, "sha1=", m.h1.Sum(m.sum[:0]))
	}
	return ok
}

func checkSig(sig, prefix string, sum []byte) bool {
	hexPart, ok := strings.CutPrefix(sig, prefix)
	return ok && headmac.EqualHex(hexPart, sum)
}

// Receive is the adapter's value path (the Direct network uses it without
// bytes, the webhook after the signature check): it dedupes ev by its
// message id, notes the customer's last message for the window, and hands
// a message or postback to the Receiver as a [router.Inbound] (an ad
// referral becomes its AdSource) and a delivery receipt as statuses.
// Echoes of the page's own messages and events for no customer are
// dropped; a referral without a message is kept for the customer's next
// message.
func (a *Adapter) Receive(ev Event) {
	if ev.Sender == "" {
		return
	}
	now := a.cfg.Clock()
	switch ev.Kind {
	case "message", "postback":
		in := router.Inbound{Customer: a.key(ev.Sender), MessageID: ev.MID, Text: ev.Text, Sent: sentAt(ev.Timestamp)}
		if in.MessageID == "" { // a postback of an old client carries no mid
			in.MessageID = "postback:" + ev.Sender + ":" + itoa(ev.Timestamp)
		}
		if ev.AttachmentType != "" {
			in.Attachment = attachment(ev.AttachmentType, ev.AttachmentURL)
		}
		a.mu.Lock()
		if !a.seen.Add(in.MessageID, now.UnixNano()) {
			a.stats.Duplicates++
			a.mu.Unlock()
			return
		}
		a.stats.Received++
		a.sweepLocked(now)
		// The window runs from the platform's time of the message: one
		// that comes a millisecond or more late anchors it at its
		// timestamp (the platform's time to the millisecond), one on time
		// at its arrival, and one overtaken by a later message moves
		// nothing back.
		at := now
		if !in.Sent.IsZero() && now.Sub(in.Sent) >= time.Millisecond {
			at = in.Sent
		}
		if prev, ok := a.last[ev.Sender]; !ok || at.After(prev) {
			a.last[ev.Sender] = at
		}
		ad := ""
		if ev.Referral != nil && ev.Referral.Source == "ADS" {
			ad = ev.Referral.AdID
			// The platform opens the ad window for the message that
			// carries the referral (a referral that came alone gives
			// the message its ad source, not the window).
			if a.cfg.AdWindow > 0 && ev.Kind == "message" {
				if prev, ok := a.adLast[ev.Sender]; !ok || at.After(prev) {
					a.adLast[ev.Sender] = at
				}
			}
		}
		if ad == "" {
			ad = a.ads[ev.Sender].ad
		}
		delete(a.ads, ev.Sender)
		a.mu.Unlock()
		in.AdSource = ad
		a.rcv.Receive(now, in)
	case "referral":
		if r := ev.Referral; r != nil && r.Source == "ADS" && r.AdID != "" {
			a.mu.Lock()
			a.sweepLocked(now)
			a.ads[ev.Sender] = pendingAd{ad: r.AdID, at: now}
			a.mu.Unlock()
		}
	case "delivery":
		a.mu.Lock()
		a.stats.Statuses += len(ev.Delivered)
		a.mu.Unlock()
		for _, mid := range ev.Delivered {
			a.rcv.Status(now, a.key(ev.Sender), mid, "delivered", "")
		}
	case "read":
		a.mu.Lock()
		a.stats.Reads++
		a.mu.Unlock()
	}
}

// attachment maps Messenger's attachment type to the router's kind, with
// the format read from the URL's extension.
func attachment(typ, u string) *router.Attachment {
	kind := typ
	if typ == "file" {
		kind = "document"
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	format := ""
	if i := strings.LastIndexByte(u, '.'); i >= 0 && !strings.Contains(u[i:], "/") {
		format = strings.ToLower(u[i+1:])
	}
	return &router.Attachment{Kind: kind, Format: format}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// sentAt is the time of a webhook's millisecond timestamp; zero for none.
func sentAt(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// Doer makes HTTP calls: an *http.Client, or anything with its Do method,
// such as an in-memory transport that serves a call without a client.
type Doer = httpcall.Doer

// buffer is an empty buffer from the adapter's pool; recycle gives it back.
func (a *Adapter) buffer() *bytes.Buffer {
	buf := a.buffers.Get().(*bytes.Buffer)
	buf.Reset()
	return buf
}

// recycle puts buf back in the pool, unless it grew past 64 KiB.
func (a *Adapter) recycle(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		a.buffers.Put(buf)
	}
}
