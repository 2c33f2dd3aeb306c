package whatsapp

import (
	"crypto/sha256"
	"crypto/subtle"
	"io"
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
const Channel = "whatsapp"

// The defaults of [Config].
const (
	DefaultBaseURL      = "https://graph.facebook.com"
	DefaultAPIVersion   = "v21.0"
	DefaultDedupeWindow = 7 * 24 * time.Hour
)

// MaxBodySize is the largest webhook body accepted; a larger one is answered
// 413.
const MaxBodySize = 3 << 20

// SignatureHeader is the header carrying a webhook's signature.
const SignatureHeader = "X-Hub-Signature-256"

// Config configures an [Adapter].
type Config struct {
	AppSecret     string // verifies X-Hub-Signature-256
	VerifyToken   string // answers the GET handshake
	AccessToken   string // bearer token for the send API
	PhoneNumberID string // the business number this adapter serves (account of CustomerKey)
	BaseURL       string // default "https://graph.facebook.com"
	APIVersion    string // default "v21.0"
	// Client sends to the Graph API; default http.DefaultClient.
	Client Doer
	// Clock gives the time passed to the Receiver and used for dedupe;
	// default time.Now.
	Clock func() time.Time
	// DedupeWindow is how long message ids are remembered for dedupe;
	// default 7 days.
	DedupeWindow time.Duration
	// Graph, when set, takes the adapter's sends and uploads by values
	// instead of Client and BaseURL (see [Graph]); the adapter then
	// makes no HTTP call, and MarkRead, which a Graph does not take, is
	// an error.
	Graph Graph
	// Solo promises that one goroutine at a time uses the adapter, each
	// use ordered with the others (a world on the memory or the direct
	// network): it then takes no lock (package solo).
	Solo bool
}

// Stats counts what an [Adapter]'s webhook endpoint has seen.
type Stats struct {
	Received   int // messages handed to the Receiver
	Rejected   int // webhook POSTs refused: 401, 403, 413 or 400
	Duplicates int // messages dropped because their wamid was already seen
	Statuses   int // statuses handed to the Receiver
}

// Adapter is the WhatsApp channel adapter of one business phone number: an
// [http.Handler] for its webhook and a [router.Sender]. It is safe for
// concurrent use,
// unless made with Config.Solo.
type Adapter struct {
	// First what every message and every text send reads, in as few
	// cache lines as it fits: the locks, the Receiver, the TextGraph, the
	// account, the counters and the dedupe window.

	// mu guards seen and stats.
	mu solo.Mutex
	// graphMu guards graphReq, the request handed to Config.Graph,
	// reused by every send: it is held for the Graph's call. Between
	// sends graphReq holds no recipient and no text, at most the
	// constant fields of a text send (sendGraph). It is held for a
	// TextGraph's call too.
	graphMu solo.Mutex
	rcv     router.Receiver
	// textGraph is Config.Graph when it is a TextGraph, which takes the
	// text sends (Send); nil otherwise.
	textGraph TextGraph
	// account is Config.PhoneNumberID, the very string (key), kept here
	// with what the hot paths read.
	account string
	stats   Stats
	seen    dedupe.Set // wamids remembered for dedupe, with the Clock time of each

	cfg      Config
	secret   []byte
	msgURL   *url.URL // nil when BaseURL does not parse
	mediaURL *url.URL
	auth     string
	authHdr  []string // {auth}, shared by requests (never modified)

	macs sync.Pool // *headmac.MAC: HMAC-SHA256 keyed with the app secret

	graphReq graphRequest
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
	a := &Adapter{
		cfg:     cfg,
		rcv:     rcv,
		account: cfg.PhoneNumberID,
		secret:  []byte(cfg.AppSecret),
		auth:    "Bearer " + cfg.AccessToken,
		seen:    dedupe.New(cfg.DedupeWindow),
	}
	base := cfg.BaseURL + "/" + cfg.APIVersion + "/" + cfg.PhoneNumberID
	a.msgURL, _ = url.Parse(base + "/messages")
	a.mediaURL, _ = url.Parse(base + "/media")
	a.macs.New = func() any { return headmac.New(a.secret) }
	a.authHdr = []string{a.auth}
	a.textGraph, _ = cfg.Graph.(TextGraph)
	if cfg.Solo {
		a.mu.Solo()
		a.graphMu.Solo()
	}
	return a
}

// Stats returns the adapter's counters.
func (a *Adapter) Stats() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

// Release gives the memory of the adapter's dedupe window (the wamids it
// remembers) to the dedupe package's pools, for the adapters made after it
// to reuse, and leaves it empty: the adapter forgets every id it has
// handed on, and a message it receives after Release is not taken for a
// duplicate of one before. Call it when the adapter has served its last
// webhook; it may be called more than once.
func (a *Adapter) Release() {
	a.mu.Lock()
	a.seen.Release()
	a.mu.Unlock()
}

// key is the customer key of a WhatsApp user on this adapter's number.
func (a *Adapter) key(waID string) router.CustomerKey {
	return router.CustomerKey{Channel: Channel, Account: a.account, Customer: waID}
}

// ServeHTTP is the webhook endpoint: the GET verification handshake and the
// signed POST notifications. See the package documentation for the answers.
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
	token := q.Get("hub.verify_token")
	if q.Get("hub.mode") != "subscribe" || a.cfg.VerifyToken == "" ||
		subtle.ConstantTimeCompare([]byte(token), []byte(a.cfg.VerifyToken)) != 1 {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, q.Get("hub.challenge"))
}

// maxPooledBuf is the largest webhook body buffer a scanner keeps.
const maxPooledBuf = 64 << 10

func (a *Adapter) reject(w http.ResponseWriter, msg string, code int) {
	a.mu.Lock()
	a.stats.Rejected++
	a.mu.Unlock()
	http.Error(w, msg, code)
}

func (a *Adapter) serveNotification(w http.ResponseWriter, r *http.Request) {
	// SignatureHeader is in canonical form: the header's one key.
	var sig string
	if v := r.Header[SignatureHeader]; len(v) > 0 {
		sig = v[0]
	}
	if sig == "" {
		a.reject(w, "missing "+SignatureHeader, http.StatusUnauthorized)
		return
	}
	if r.ContentLength > MaxBodySize {
		a.reject(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	// A body handed over in process (httpcall.Body) is read where it is.
	// Any other is read as it arrives, into a buffer that starts small and
	// grows with what was actually received: a declared Content-Length is
	// never trusted for allocation, since the signature is not checked yet.
	// The buffer is the scanner's, pooled with it.
	d := scanners.Get().(*scanner)
	defer d.release()
	body, ok := httpcall.Body(r)
	if ok && len(body) > MaxBodySize {
		a.reject(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if !ok {
		buf := &d.body
		buf.Reset()
		if err := httpcall.ReadRequestBody(w, r, buf, MaxBodySize); err != nil {
			status, reason := httpcall.ReadFailure(err)
			a.reject(w, reason, status)
			return
		}
		body = buf.Bytes()
	}
	h := d.readHead(body) // read once, for the signature and the parse
	if !a.verify(sig, body, h.n) {
		a.reject(w, "bad signature", http.StatusForbidden)
		return
	}
	values, err := d.parseHead(body, a.cfg.PhoneNumberID, h)
	if err != nil {
		a.reject(w, "malformed notification", http.StatusBadRequest)
		return
	}
	a.deliver(values)
	w.WriteHeader(http.StatusOK)
}

// verify reports whether sig is "sha256=<hex HMAC-SHA256(secret, body)>";
// n is the length of body's head (0 when it has none).
func (a *Adapter) verify(sig string, body []byte, n int) bool {
	const prefix = "sha256="
	if len(a.secret) == 0 || len(sig) != len(prefix)+2*sha256.Size || sig[:len(prefix)] != prefix {
		return false
	}
	mac := a.macs.Get().(*headmac.MAC)
	ok := headmac.EqualHex(sig[len(prefix):], mac.Sum(body, n))
	a.macs.Put(mac)
	return ok
}

// deliver hands the messages and then the statuses of the parsed change
// values to the Receiver, dropping messages already seen.
func (a *Adapter) deliver(values []*changeValue) {
	if len(values) == 0 {
		return
	}
	now := a.cfg.Clock()
	nowNano := now.UnixNano()
	for _, v := range values {
		for i := range v.Messages {
			m := &v.Messages[i]
			if m.From == "" || m.ID == "" {
				continue
			}
			if !a.remember(m.ID, nowNano) {
				continue
			}
			var in router.Inbound
			a.inbound(&in, v, m)
			a.rcv.Receive(now, in)
		}
	}
	for _, v := range values {
		for _, st := range v.Statuses {
			if st == nil {
				continue
			}
			a.mu.Lock()
			a.stats.Statuses++
			a.mu.Unlock()
			a.rcv.Status(now, a.key(st.RecipientID), st.ID, st.Status, st.errorCode())
		}
	}
}

// remember records id as seen at now and reports whether it is new (not seen
// within the dedupe window); it counts the message as received or duplicate.
func (a *Adapter) remember(id string, now int64) bool {
	// The lock is let go without a deferred call: nothing under it
	// panics.
	a.mu.Lock()
	fresh := a.seen.Add(id, now)
	if fresh {
		a.stats.Received++
	} else {
		a.stats.Duplicates++
	}
	a.mu.Unlock()
	return fresh
}

// inbound sets in, which is zero, to the webhook message m of change value
// v normalized.
func (a *Adapter) inbound(in *router.Inbound, v *changeValue, m *message) {
	in.Customer, in.MessageID, in.Name, in.Sent = a.key(m.From), m.ID, contactName(v.Contacts, m.From), m.Timestamp.time()
	if m.Context != nil {
		in.ReplyTo = m.Context.ID
	}
	switch m.Type {
	case "text":
		if m.Text != nil {
			in.Text = m.Text.Body
		}
	case "button":
		if m.Button != nil {
			in.Text, in.Payload = m.Button.Text, m.Button.Payload
		}
	case "interactive":
		if i := m.Interactive; i != nil {
			if i.ButtonReply != nil {
				in.Text, in.Payload = i.ButtonReply.Title, i.ButtonReply.ID
			} else if i.ListReply != nil {
				in.Text, in.Payload = i.ListReply.Title, i.ListReply.ID
			}
		}
	case "reaction":
		if r := m.Reaction; r != nil {
			in.ReplyTo, in.Reaction = r.MessageID, r.Emoji
		}
	case "image", "audio", "video", "document", "sticker":
		if md := m.media(); md != nil {
			in.Text = md.Caption
			in.Attachment = attachment(m.Type, md.MIMEType, md.Filename)
		} else {
			in.Attachment = &router.Attachment{Kind: m.Type}
		}
	default:
		// location, contacts, order, system, unsupported, ...:
		// customer activity without content the router understands.
	}
}

// attachment is the Attachment of a customer's media message of type kind
// whose media object has this MIME type and file name.
func attachment(kind, mimeType, filename string) *router.Attachment {
	att := &router.Attachment{Kind: kind}
	var known bool
	att.Format, known = mediaFormat(mimeType)
	if kind == "document" {
		att.Name = filename
		if !known {
			if ext := extension(filename); ext != "" {
				att.Format = ext
			}
		}
	}
	return att
}

// Doer makes HTTP calls: an *http.Client, or anything with its Do method,
// such as an in-memory transport that serves a call without a client.
type Doer = httpcall.Doer
