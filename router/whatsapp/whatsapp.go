package whatsapp

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/omnisim/omnisim/router"
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
	Client *http.Client
	// Clock gives the time passed to the Receiver and used for dedupe;
	// default time.Now.
	Clock func() time.Time
	// DedupeWindow is how long message ids are remembered for dedupe;
	// default 7 days.
	DedupeWindow time.Duration
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
// concurrent use.
type Adapter struct {
	cfg      Config
	rcv      router.Receiver
	secret   []byte
	msgURL   *url.URL // nil when BaseURL does not parse
	mediaURL *url.URL
	auth     string
	window   int64 // dedupe window in nanoseconds

	macs sync.Pool // hash.Hash: HMAC-SHA256 keyed with the app secret

	mu    sync.Mutex
	seen  map[string]int64 // wamid -> Clock time (UnixNano) it was remembered
	ring  []seenEntry      // insertion-ordered queue of remembered ids
	head  int              // index of the oldest entry in ring
	n     int              // entries in ring
	stats Stats
}

type seenEntry struct {
	id string
	at int64
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
	if cfg.Client == nil {
		cfg.Client = http.DefaultClient
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.DedupeWindow <= 0 {
		cfg.DedupeWindow = DefaultDedupeWindow
	}
	a := &Adapter{
		cfg:    cfg,
		rcv:    rcv,
		secret: []byte(cfg.AppSecret),
		auth:   "Bearer " + cfg.AccessToken,
		window: int64(cfg.DedupeWindow),
		seen:   make(map[string]int64),
	}
	base := cfg.BaseURL + "/" + cfg.APIVersion + "/" + cfg.PhoneNumberID
	a.msgURL, _ = url.Parse(base + "/messages")
	a.mediaURL, _ = url.Parse(base + "/media")
	a.macs.New = func() any { return hmac.New(sha256.New, a.secret) }
	return a
}

// Stats returns the adapter's counters.
func (a *Adapter) Stats() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

// key is the customer key of a WhatsApp user on this adapter's number.
func (a *Adapter) key(waID string) router.CustomerKey {
	return router.CustomerKey{Channel: Channel, Account: a.cfg.PhoneNumberID, Customer: waID}
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

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuf is the largest buffer kept in bufPool.
const maxPooledBuf = 64 << 10

func (a *Adapter) reject(w http.ResponseWriter, msg string, code int) {
	a.mu.Lock()
	a.stats.Rejected++
	a.mu.Unlock()
	http.Error(w, msg, code)
}

func (a *Adapter) serveNotification(w http.ResponseWriter, r *http.Request) {
	sig := r.Header.Get(SignatureHeader)
	if sig == "" {
		a.reject(w, "missing "+SignatureHeader, http.StatusUnauthorized)
		return
	}
	if r.ContentLength > MaxBodySize {
		a.reject(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBuf {
			bufPool.Put(buf)
		}
	}()
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(r.Body, MaxBodySize+1))
	if buf.Len() > MaxBodySize {
		a.reject(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		a.reject(w, "cannot read body", http.StatusBadRequest)
		return
	}
	body := buf.Bytes()
	if !a.verify(sig, body) {
		a.reject(w, "bad signature", http.StatusForbidden)
		return
	}
	n := notePool.Get().(*notification)
	defer putNote(n)
	if err := n.parse(body, a.cfg.PhoneNumberID); err != nil {
		a.reject(w, "malformed notification", http.StatusBadRequest)
		return
	}
	if len(n.msgs)+len(n.statuses) > 0 {
		a.deliver(n)
	}
	w.WriteHeader(http.StatusOK)
}

var notePool = sync.Pool{New: func() any { return new(notification) }}

func putNote(n *notification) {
	n.reset()
	clear(n.msgs[:cap(n.msgs)])
	clear(n.statuses[:cap(n.statuses)])
	clear(n.contacts[:cap(n.contacts)])
	if cap(n.sc.scratch) > maxPooledBuf {
		n.sc.scratch = nil
	}
	n.sc.b = nil
	if cap(n.msgs) > 1024 || cap(n.statuses) > 1024 || cap(n.contacts) > 1024 {
		return
	}
	notePool.Put(n)
}

// verify reports whether sig is "sha256=<hex HMAC-SHA256(secret, body)>".
func (a *Adapter) verify(sig string, body []byte) bool {
	const prefix = "sha256="
	if len(a.secret) == 0 || len(sig) != len(prefix)+2*sha256.Size || sig[:len(prefix)] != prefix {
		return false
	}
	var want, got [sha256.Size]byte
	if _, err := hex.Decode(want[:], []byte(sig[len(prefix):])); err != nil {
		return false
	}
	mac := a.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write(body)
	sum := mac.Sum(got[:0])
	a.macs.Put(mac)
	return hmac.Equal(sum, want[:])
}

// deliver hands the messages and statuses of a parsed notification to the
// Receiver, dropping messages already seen.
func (a *Adapter) deliver(n *notification) {
	now := a.cfg.Clock()
	nowNano := now.UnixNano()
	for i := range n.msgs {
		m := &n.msgs[i]
		if m.from == "" || m.id == "" {
			continue
		}
		if !a.remember(m.id, nowNano) {
			continue
		}
		a.rcv.Receive(now, a.inbound(n, m))
	}
	if len(n.statuses) > 0 {
		a.mu.Lock()
		a.stats.Statuses += len(n.statuses)
		a.mu.Unlock()
	}
	for i := range n.statuses {
		st := &n.statuses[i]
		a.rcv.Status(now, a.key(st.recipient), st.id, st.status, st.code)
	}
}

// remember records id as seen at now and reports whether it is new (not seen
// within the dedupe window); it counts the message as received or duplicate.
func (a *Adapter) remember(id string, now int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.prune(now)
	if at, ok := a.seen[id]; ok && now-at < a.window {
		a.stats.Duplicates++
		return false
	}
	a.seen[id] = now
	a.push(seenEntry{id, now})
	a.stats.Received++
	return true
}

// prune forgets the oldest ids whose window has passed. Entries are visited
// in insertion order and pruning stops at the first one still in its window,
// so the cost is proportional to what is forgotten. (With a clock that moves
// backwards an expired id can stay behind a younger one for a while; the
// lookup in remember checks the age itself, so that is harmless.)
func (a *Adapter) prune(now int64) {
	for a.n > 0 {
		e := &a.ring[a.head]
		if now-e.at < a.window {
			return
		}
		if at, ok := a.seen[e.id]; ok && at == e.at {
			delete(a.seen, e.id)
		}
		*e = seenEntry{}
		a.head++
		if a.head == len(a.ring) {
			a.head = 0
		}
		a.n--
	}
}

func (a *Adapter) push(e seenEntry) {
	if a.n == len(a.ring) {
		grown := make([]seenEntry, max(64, 2*len(a.ring)))
		k := copy(grown, a.ring[a.head:])
		copy(grown[k:], a.ring[:a.head])
		a.ring = grown
		a.head = 0
	}
	i := a.head + a.n
	if i >= len(a.ring) {
		i -= len(a.ring)
	}
	a.ring[i] = e
	a.n++
}

// inbound normalizes a webhook message.
func (a *Adapter) inbound(n *notification, m *wireMsg) router.Inbound {
	in := router.Inbound{Customer: a.key(m.from), MessageID: m.id}
	single, count := -1, 0
	for i := range n.contacts {
		c := &n.contacts[i]
		if c.value != m.value {
			continue
		}
		if c.waID == m.from {
			in.Name = c.name
			break
		}
		single = i
		count++
	}
	if in.Name == "" && count == 1 {
		in.Name = n.contacts[single].name
	}
	switch m.typ {
	case typeText:
		in.Text = m.text
	case typeButton:
		in.Text = m.button
	case typeInteractive:
		if m.hasButton {
			in.Text = m.buttonReply
		} else {
			in.Text = m.listReply
		}
	case typeImage, typeAudio, typeVideo, typeDocument, typeSticker:
		k := mediaIndex(m.typ)
		md := &m.media[k]
		att := &router.Attachment{Kind: mediaKinds[k]}
		if md.present {
			in.Text = md.caption
			att.Format = md.format
			if m.typ == typeDocument {
				att.Name = md.filename
				if !md.mimeKnown {
					if ext := extension(md.filename); ext != "" {
						att.Format = ext
					}
				}
			}
		}
		in.Attachment = att
	default:
		// reaction, location, contacts, order, system, unsupported, ...:
		// customer activity without content the router understands.
	}
	return in
}

// mimeBase strips parameters and case from a MIME type.
func mimeBase(t string) string {
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return strings.ToLower(strings.TrimSpace(t))
}
