package whatsapp

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"hash"
	"io"
	"net/http"
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
	msgURL   string
	mediaURL string
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
	a.msgURL = base + "/messages"
	a.mediaURL = base + "/media"
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
	var env envelope
	values, err := env.parse(body)
	if err != nil {
		a.reject(w, "malformed notification", http.StatusBadRequest)
		return
	}
	if len(values) > 0 {
		a.deliver(values)
	}
	w.WriteHeader(http.StatusOK)
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

// deliver hands the messages and statuses of the parsed changes to the
// Receiver, dropping messages already seen.
func (a *Adapter) deliver(values []*changeValue) {
	now := a.cfg.Clock()
	nowNano := now.UnixNano()
	for _, v := range values {
		if v.Metadata.PhoneNumberID != a.cfg.PhoneNumberID {
			continue
		}
		for i := range v.Messages {
			m := &v.Messages[i]
			if m.From == "" || m.ID == "" {
				continue
			}
			if !a.remember(m.ID, nowNano) {
				continue
			}
			a.rcv.Receive(now, a.inbound(v, m))
		}
		if len(v.Statuses) > 0 {
			a.mu.Lock()
			a.stats.Statuses += len(v.Statuses)
			a.mu.Unlock()
		}
		for i := range v.Statuses {
			s := &v.Statuses[i]
			code := ""
			if len(s.Errors) > 0 {
				code = s.Errors[0].Code.String()
			}
			a.rcv.Status(now, a.key(s.RecipientID), s.ID, s.Status, code)
		}
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
func (a *Adapter) inbound(v *changeValue, m *wireMessage) router.Inbound {
	in := router.Inbound{Customer: a.key(m.From), MessageID: m.ID}
	for i := range v.Contacts {
		if v.Contacts[i].WaID == m.From {
			in.Name = v.Contacts[i].Profile.Name
			break
		}
	}
	if in.Name == "" && len(v.Contacts) == 1 {
		in.Name = v.Contacts[0].Profile.Name
	}
	var media *wireMedia
	switch m.Type {
	case "text":
		if m.Text != nil {
			in.Text = m.Text.Body
		}
	case "image":
		media = m.Image
	case "audio":
		media = m.Audio
	case "video":
		media = m.Video
	case "document":
		media = m.Document
	case "sticker":
		media = m.Sticker
	case "button":
		if m.Button != nil {
			in.Text = m.Button.Text
		}
	case "interactive":
		if it := m.Interactive; it != nil {
			switch {
			case it.ButtonReply != nil:
				in.Text = it.ButtonReply.Title
			case it.ListReply != nil:
				in.Text = it.ListReply.Title
			}
		}
	default:
		// reaction, location, contacts, order, system, unsupported, ...:
		// customer activity without content the router understands.
		return in
	}
	switch m.Type {
	case "image", "audio", "video", "document", "sticker":
		att := &router.Attachment{Kind: m.Type}
		if media != nil {
			in.Text = media.Caption
			att.Format = FormatOf(media.MimeType)
			if m.Type == "document" {
				att.Name = media.Filename
				if _, known := formatOfMIME[mimeBase(media.MimeType)]; !known {
					if ext := extension(media.Filename); ext != "" {
						att.Format = ext
					}
				}
			}
		}
		in.Attachment = att
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

// Wire types of the webhook envelope; only the fields the adapter uses.

type envelope struct {
	Object string `json:"object"`
	Entry  []struct {
		Changes []struct {
			Field string   `json:"field"`
			Value rawValue `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

// rawValue holds a change's value undecoded until its field is known (Meta
// puts "value" before "field"). It aliases the body it was parsed from.
type rawValue []byte

func (r *rawValue) UnmarshalJSON(b []byte) error {
	*r = b
	return nil
}

type changeValue struct {
	Metadata struct {
		PhoneNumberID string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []struct {
		Profile struct {
			Name string `json:"name"`
		} `json:"profile"`
		WaID string `json:"wa_id"`
	} `json:"contacts"`
	Messages []wireMessage `json:"messages"`
	Statuses []wireStatus  `json:"statuses"`
}

type wireMessage struct {
	From     string     `json:"from"`
	ID       string     `json:"id"`
	Type     string     `json:"type"`
	Text     *wireText  `json:"text"`
	Image    *wireMedia `json:"image"`
	Audio    *wireMedia `json:"audio"`
	Video    *wireMedia `json:"video"`
	Document *wireMedia `json:"document"`
	Sticker  *wireMedia `json:"sticker"`
	Button   *struct {
		Text string `json:"text"`
	} `json:"button"`
	Interactive *struct {
		ButtonReply *wireTitle `json:"button_reply"`
		ListReply   *wireTitle `json:"list_reply"`
	} `json:"interactive"`
}

type wireText struct {
	Body string `json:"body"`
}

type wireTitle struct {
	Title string `json:"title"`
}

type wireMedia struct {
	MimeType string `json:"mime_type"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
}

type wireStatus struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	RecipientID string `json:"recipient_id"`
	Errors      []struct {
		Code json.Number `json:"code"`
	} `json:"errors"`
}

// parse decodes a notification body and returns the values of its
// "messages" changes. Any JSON error, or a "messages" value of the wrong
// shape, is an error; nothing is returned then.
func (env *envelope) parse(body []byte) ([]*changeValue, error) {
	if err := json.Unmarshal(body, env); err != nil {
		return nil, err
	}
	if env.Object != "whatsapp_business_account" {
		return nil, nil
	}
	var values []*changeValue
	for i := range env.Entry {
		for j := range env.Entry[i].Changes {
			c := &env.Entry[i].Changes[j]
			if c.Field != "messages" || len(c.Value) == 0 {
				continue
			}
			v := new(changeValue)
			if err := json.Unmarshal(c.Value, v); err != nil {
				return nil, err
			}
			values = append(values, v)
		}
	}
	return values, nil
}
