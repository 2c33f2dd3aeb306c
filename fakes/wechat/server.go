package wechat

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strconv"
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

// Mode is the message encryption mode of the official account (消息加解密方式).
type Mode int

// The encryption modes.
const (
	// Plaintext (明文模式, default): webhooks carry the plain XML.
	Plaintext Mode = iota
	// Compatible (兼容模式): the plain XML plus an Encrypt element.
	Compatible
	// Safe (安全模式): only ToUserName and Encrypt.
	Safe
)

// String returns the mode's name.
func (m Mode) String() string {
	switch m {
	case Plaintext:
		return "plaintext"
	case Compatible:
		return "compatible"
	case Safe:
		return "safe"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// Config configures a fake platform; zero values get the defaults.
type Config struct {
	AppID          string // default DefaultAppID ("wx" + 16 hex)
	AppSecret      string // default DefaultAppSecret (32 hex)
	Token          string // URL-verification and signature token; default DefaultToken
	EncodingAESKey string // 43 base64 characters; default DefaultEncodingAESKey
	OriginalID     string // "gh_" + 12 hex, the ToUserName of inbound XML; default DefaultOriginalID
	Mode           Mode   // Plaintext (default), Compatible or Safe
	WebhookURL     string // the router's URL; webhooks and Verify go there
	// Client calls WebhookURL; default http.DefaultClient.
	Client Doer
	// Clock is the platform's time, default time.Now; the fake reads no
	// other clock (webhook timeouts excepted, which are real durations).
	Clock func() time.Time
	// Seed seeds every generated id (MsgIds, media_ids, access tokens,
	// nonces, echostr, rids, AES random prefixes, QR tickets).
	Seed uint64
	// Window is how long a customer message allows replies; 0 means 48h,
	// negative never closes.
	Window time.Duration
	// ReplyLimit is the replies allowed per customer message; 0 means 5,
	// negative is unlimited.
	ReplyLimit int
	// EventReplyLimit is the replies allowed after a subscribe, menu click
	// or QR scan; 0 means 3, negative is unlimited.
	EventReplyLimit int
	// EventWindow is how long an event allows replies; 0 means 1 minute,
	// negative never closes.
	EventWindow time.Duration
	// TokenTTL is the access_token lifetime; 0 means 7200 s, negative
	// never expires.
	TokenTTL time.Duration
	// TokenGrace is how long the previous access_token keeps working after
	// a new one is issued; 0 means 5 minutes, negative means not at all.
	TokenGrace time.Duration
	// IPWhitelist lists the addresses (IPs or CIDR prefixes) allowed to
	// call the API; empty allows all. Others get 40164.
	IPWhitelist []string
	// Media holds the upload limits by type (image|voice|video|thumb); nil
	// means DefaultMedia. A type given here overrides its default field by
	// field: nil Formats keeps the default formats, MaxBytes <= 0 keeps the
	// default size.
	Media map[string]MediaLimit
	// MediaTTL is how long media ids stay valid; 0 means 3 days, negative
	// never expires.
	MediaTTL time.Duration
	// MaxTextLength limits text content in bytes (UTF-8); 0 means 2048,
	// negative is unlimited.
	MaxTextLength int
	// WebhookTimeout is the per-try timeout of a webhook and of Verify; 0
	// or negative means 5 s.
	WebhookTimeout time.Duration
	// NoCallTimeout lets an HTTP try run as long as the router takes, for
	// an in-memory network where the router's handler is called directly
	// and nothing can hang: the wall clock then never decides what happens
	// in a run, however loaded the machine. WebhookTimeout stays the
	// virtual time between tries.
	NoCallTimeout bool
	// WebhookTries is the number of tries in total; 0 means 3, negative
	// means 1.
	WebhookTries int
	// JournalLimit keeps at most this many entries per Journal list, the
	// newest; 0 keeps all, a negative limit none. A positive limit also
	// bounds each customer's delivery history (Deliveries) to its newest
	// deliveries, so that a long-running server's customers do not grow
	// without end. Counts and LastError stay exact.
	JournalLimit int
	// Faults makes the platform misbehave (see package fakes/fault and
	// faults.go); the zero Plan, the default, has no fault.
	Faults fault.Plan
	// UnknownPathStatus is the HTTP status of the answer to a path the
	// fake does not serve, whose body is always errcode 48001 "api
	// unauthorized"; 0 means DefaultUnknownPathStatus (200, as every
	// other WeChat error). 404 makes the refusal loud for a client that
	// checks statuses; the value is used as given.
	UnknownPathStatus int

	// KeepDeliveries, when set, names the customers (by openid) whose
	// deliveries Deliveries lists; the others' are counted but not kept.
	// Nil keeps everyone's.
	KeepDeliveries func(openid string) bool
	// ForgetAfter, when positive, forgets a customer whose deliveries are
	// not kept once the customer's last message or event is ForgetAfter
	// old (at least the longer of Window and EventWindow; never when
	// either is negative), keeping only the openid's hash: see the package
	// comment. 0, the default, forgets no one.
	ForgetAfter time.Duration
	// Solo promises that one goroutine at a time uses the server, each
	// use ordered with the others (a world on the memory or the direct
	// network): it then takes no lock (package solo), and Start, which
	// serves a listener from goroutines of its own, is an error.
	Solo bool
}

// Defaults of Config.
const (
	DefaultAppID           = "wx6b1e8c2f4a9d3e57"
	DefaultAppSecret       = "3f9a1c7e5b2d8f4a6c0e9b1d7a3f5c2e"
	DefaultToken           = "omnisimwechattoken"
	DefaultEncodingAESKey  = "OmniSimWeChatFakeEncodingAESKey2025abcdefgE"
	DefaultOriginalID      = "gh_7f3a9c2e1b4d"
	DefaultWindow          = 48 * time.Hour
	DefaultReplyLimit      = 5
	DefaultEventReplyLimit = 3
	DefaultEventWindow     = time.Minute
	DefaultTokenTTL        = 7200 * time.Second
	DefaultTokenGrace      = 5 * time.Minute
	DefaultMediaTTL        = 72 * time.Hour
	DefaultMaxTextLength   = 2048
	DefaultWebhookTimeout  = 5 * time.Second
	DefaultWebhookTries    = 3
	// DefaultUnknownPathStatus is the HTTP status of an unknown path's
	// errcode answer: 200, the status of every WeChat error.
	DefaultUnknownPathStatus = http.StatusOK
)

// API paths, as on api.weixin.qq.com.
const (
	PathToken    = "/cgi-bin/token"
	PathSend     = "/cgi-bin/message/custom/send"
	PathUpload   = "/cgi-bin/media/upload"
	PathMediaGet = "/cgi-bin/media/get"
)

// Server is a fake WeChat Official Account platform. Use it unstarted as an
// http.Handler, or call Start to serve it on a loopback port. All methods
// are safe for concurrent use,
// unless made with Config.Solo.
type Server struct {
	// URL is "http://127.0.0.1:port" after Start; "" before.
	URL string

	cfg       Config // defaults filled in; never changed after New
	media     map[string]*mediaRule
	whitelist []netip.Prefix // nil: no check

	// Derived from cfg by New.
	aesKey     []byte       // the AES key of EncodingAESKey; nil when invalid
	block      cipher.Block // its cipher
	keyErr     error        // why aesKey is nil: AESKey's error
	cbcPool    sync.Pool    // cbcMode encrypters of block
	tokenBytes []byte       // cfg.Token
	hookBase   *url.URL     // WebhookURL before its query (parseHookBase)
	// hookPathAt is where hookBase's path starts in WebhookURL, written as
	// it is parsed; 0 when it is not (none, or escaped).
	hookPathAt int
	// sentHeader is what the journal records as the headers of a call to
	// the router without and with a body; the entries share these maps.
	sentHeader [2]http.Header

	mu        solo.Mutex
	ids       idgen
	strs      jsonscan.Arena // makes the strings of send bodies and pushes' URLs and MsgIds, guarded by mu
	kept      []byte         // the rest of the block pushes' bodies are kept in (keepLocked), guarded by mu
	sendText  Text           // a send request's text object while mu is held (sendRequestLocked)
	customers map[string]*customer
	// The customers forgotten (retain.go), by their openids' hashes; and
	// the queue of inbounds (their records) to look at once ForgetAfter
	// has passed.
	gone       forget.Set
	forget     forget.Queue[*customer]
	mediaStore map[string]*media
	cur, prev  accessToken
	requests   ring[Request]
	webhooks   ring[Webhook]
	delivs     ring[delivEntry]
	errs       ring[ErrorEntry]
	counts     Counts
	srv        *http.Server

	faults *fault.Decider        // nil: no fault plan
	held   fault.Queue[heldPush] // pushes a fault delays
	faultN int                   // faults caused so far
}

type customer struct {
	openid     string
	msg, evt   grant
	deliveries ring[delivRec] // the newest Config.JournalLimit (all when it is not positive)
	lastErr    *ErrorEntry
	keep       bool  // its deliveries are kept (Config.KeepDeliveries)
	last       int64 // unix nanoseconds of its last message or event, when forgetting
}

type media struct {
	kind, format string
	size         int64
	data         []byte // nil for customer media: media/get answers size zero bytes
	created      time.Time
}

// accessToken is an issued access token; its times are Unix
// nanoseconds, which the checks of every call compare with a subtraction.
type accessToken struct {
	value   string
	issued  int64
	retired int64 // when a newer token replaced it
}

// New returns an unstarted fake platform.
func New(cfg Config) *Server {
	orDefault(&cfg.AppID, DefaultAppID)
	orDefault(&cfg.AppSecret, DefaultAppSecret)
	orDefault(&cfg.Token, DefaultToken)
	orDefault(&cfg.EncodingAESKey, DefaultEncodingAESKey)
	orDefault(&cfg.OriginalID, DefaultOriginalID)
	orDefault(&cfg.Window, DefaultWindow)
	orDefault(&cfg.EventWindow, DefaultEventWindow)
	orDefault(&cfg.TokenTTL, DefaultTokenTTL)
	orDefault(&cfg.TokenGrace, DefaultTokenGrace)
	orDefault(&cfg.MediaTTL, DefaultMediaTTL)
	orDefault(&cfg.WebhookTimeout, DefaultWebhookTimeout)
	orDefault(&cfg.ReplyLimit, DefaultReplyLimit)
	orDefault(&cfg.EventReplyLimit, DefaultEventReplyLimit)
	orDefault(&cfg.MaxTextLength, DefaultMaxTextLength)
	orDefault(&cfg.WebhookTries, DefaultWebhookTries)
	orDefault(&cfg.UnknownPathStatus, DefaultUnknownPathStatus)
	if cfg.WebhookTries < 1 {
		cfg.WebhookTries = 1
	}
	if cfg.WebhookTimeout < 0 {
		cfg.WebhookTimeout = DefaultWebhookTimeout
	}
	cfg.Client = httpcall.OrDefault(cfg.Client)
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	s := &Server{
		cfg:        cfg,
		media:      buildMedia(cfg.Media),
		ids:        newIDGen(cfg.Seed),
		customers:  map[string]*customer{},
		mediaStore: map[string]*media{},
		faults:     fault.New(cfg.Faults, cfg.Seed),
	}
	s.aesKey, s.keyErr = AESKey(cfg.EncodingAESKey)
	if s.keyErr == nil {
		s.block, s.keyErr = aes.NewCipher(s.aesKey)
	}
	s.tokenBytes = []byte(cfg.Token)
	s.hookBase = parseHookBase(cfg.WebhookURL)
	if u := s.hookBase; u != nil && u.Path != "" && u.RawPath == "" {
		if before, _, _ := strings.Cut(cfg.WebhookURL, "?"); strings.HasSuffix(before, u.Path) {
			s.hookPathAt = len(before) - len(u.Path)
		}
	}
	s.sentHeader = [2]http.Header{callHeader(false), callHeader(true)}
	for _, w := range cfg.IPWhitelist {
		w = strings.TrimSpace(w)
		if p, err := netip.ParsePrefix(w); err == nil {
			s.whitelist = append(s.whitelist, p.Masked())
		} else if a, err := netip.ParseAddr(w); err == nil {
			a = a.Unmap()
			s.whitelist = append(s.whitelist, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	if len(cfg.IPWhitelist) > 0 && len(s.whitelist) == 0 {
		// Entries that parse as nothing still turn the check on.
		s.whitelist = []netip.Prefix{}
	}
	s.requests.SetLimit(cfg.JournalLimit)
	s.webhooks.SetLimit(cfg.JournalLimit)
	s.delivs.SetLimit(cfg.JournalLimit)
	s.errs.SetLimit(cfg.JournalLimit)
	if cfg.Solo {
		s.mu.Solo()
	}
	return s
}

// orDefault sets *p to v when *p is the zero value.
func orDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// Config returns the effective configuration (defaults filled in).
func (s *Server) Config() Config { return s.cfg }

func (s *Server) now() time.Time { return s.cfg.Clock() }

// Start serves the platform on 127.0.0.1 at a free port and sets URL.
func (s *Server) Start() error {
	if s.cfg.Solo {
		return errors.New("wechat: a Solo server cannot serve a listener")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return errors.New("wechat: server already started")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("wechat: start: %w", err)
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

// answer is a prepared HTTP answer, written after the mutex is released.
type answer struct {
	status      int
	ctype       string
	body        []byte
	zeros       int64 // zero bytes written after body (customer media)
	disposition string
}

// jsonType is the Content-Type of WeChat's JSON answers.
const jsonType = "application/json; encoding=utf-8"

var okBody = []byte(`{"errcode":0,"errmsg":"ok"}`)

// Header values shared by every answer (nothing modifies header values in
// place): the JSON Content-Type and the Content-Lengths below 256.
var (
	jsonTypeValue = []string{jsonType}
	smallLengths  [256][]string
)

func init() {
	for i := range smallLengths {
		smallLengths[i] = []string{strconv.Itoa(i)}
	}
}

// maxBody bounds the send endpoint's request body.
const maxBody = 1 << 20

// ServeHTTP answers the API routes the fake models:
//
//	GET  /cgi-bin/token
//	POST /cgi-bin/message/custom/send
//	POST /cgi-bin/media/upload
//	GET  /cgi-bin/media/get
//
// See the package documentation for the error answers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var a answer
	switch r.URL.Path {
	case PathToken:
		a = s.handleToken(r)
	case PathSend:
		a = s.handleSend(r)
	case PathUpload:
		a = s.handleUpload(r)
	case PathMediaGet:
		a = s.handleMediaGet(r)
	default:
		a = s.fail(r, s.cfg.UnknownPathStatus, newError(CodeAPIUnauthorized))
	}
	h := w.Header()
	if a.ctype == jsonType {
		h["Content-Type"] = jsonTypeValue
	} else {
		h.Set("Content-Type", a.ctype)
	}
	if a.disposition != "" {
		h.Set("Content-Disposition", a.disposition)
	}
	if n := int64(len(a.body)) + a.zeros; n < int64(len(smallLengths)) {
		h["Content-Length"] = smallLengths[n]
	} else {
		h.Set("Content-Length", strconv.FormatInt(n, 10))
	}
	w.WriteHeader(a.status)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := w.Write(a.body); err != nil {
		return // client went away
	}
	if a.zeros > 0 {
		chunk := make([]byte, min(a.zeros, 32<<10))
		for left := a.zeros; left > 0; {
			n := min(left, int64(len(chunk)))
			if _, err := w.Write(chunk[:n]); err != nil {
				return
			}
			left -= n
		}
	}
}

// fail records an error answer and prepares it.
func (s *Server) fail(r *http.Request, status int, e *Error) answer {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failLocked(r, now, status, e, "", nil)
}

// failLocked journals e and returns its answer, with the rid suffix on the
// wire errmsg. to and c name the customer of a send (c may be nil).
func (s *Server) failLocked(r *http.Request, now time.Time, status int, e *Error, to string, c *customer) answer {
	s.addRequestLocked(Request{At: now, Method: r.Method, Path: r.URL.Path, Status: status, Code: e.Code})
	s.addErrorLocked(ErrorEntry{At: now, To: to, Path: r.URL.Path, Code: e.Code, Message: e.Message}, c)
	wire := Error{Code: e.Code, Message: e.Message + " rid: " + s.ids.rid(now)}
	b, err := json.Marshal(wire)
	if err != nil { // cannot happen: an int and a string
		b = []byte(`{"errcode":-1,"errmsg":"system error"}`)
	}
	return answer{status: status, ctype: jsonType, body: b}
}

func (s *Server) okLocked(r *http.Request, now time.Time, body []byte) answer {
	s.addRequestLocked(Request{At: now, Method: r.Method, Path: r.URL.Path, Status: http.StatusOK})
	return answer{status: http.StatusOK, ctype: jsonType, body: body}
}

func (s *Server) addRequestLocked(q Request) {
	s.requests.Add(q)
	s.counts.Requests++
}

func (s *Server) addErrorLocked(ent ErrorEntry, c *customer) {
	s.errs.Add(ent)
	s.counts.Errors++
	if c != nil {
		e := ent
		c.lastErr = &e
	}
}

func (s *Server) addWebhookLocked(wh Webhook) {
	s.webhooks.Add(wh)
	s.counts.Webhooks++
}

// remoteIP returns the caller's address as WeChat prints it.
func remoteIP(r *http.Request) (netip.Addr, string) {
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, host
	}
	a = a.Unmap()
	return a, a.String()
}

// ipErr is 40164 when a whitelist is set and the caller is not on it.
func (s *Server) ipErr(r *http.Request) *Error {
	if s.whitelist == nil {
		return nil
	}
	a, text := remoteIP(r)
	for _, p := range s.whitelist {
		if a.IsValid() && p.Contains(a) {
			return nil
		}
	}
	return ipError(text)
}

// authLocked checks the access_token query parameter, then the caller's
// address.
func (s *Server) authLocked(r *http.Request, now time.Time) *Error {
	tok := queryGet(r.URL.RawQuery, "access_token")
	if e := s.tokenErrLocked(tok, now); e != nil {
		return e
	}
	return s.ipErr(r)
}

func (s *Server) tokenErrLocked(tok string, now time.Time) *Error {
	ns := now.UnixNano()
	expired := func(t accessToken) bool {
		return s.cfg.TokenTTL >= 0 && forget.Old(ns, t.issued, int64(s.cfg.TokenTTL))
	}
	switch {
	case tok == "":
		return newError(CodeTokenMissing)
	case tok == s.cur.value:
		if expired(s.cur) {
			return newError(CodeTokenExpired)
		}
		return nil
	case tok == s.prev.value:
		if s.cfg.TokenGrace < 0 || forget.Old(ns, s.prev.retired, int64(s.cfg.TokenGrace)) {
			return newError(CodeInvalidCredential)
		}
		if expired(s.prev) {
			return newError(CodeTokenExpired)
		}
		return nil
	}
	return newError(CodeInvalidCredential)
}

func (s *Server) handleToken(r *http.Request) answer {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method != http.MethodGet {
		return s.failLocked(r, now, http.StatusOK, newError(CodeRequireGET), "", nil)
	}
	q := r.URL.Query()
	var e *Error
	switch {
	case q.Get("grant_type") != "client_credential":
		e = newError(CodeInvalidGrantType)
	case q.Get("appid") != s.cfg.AppID:
		e = newError(CodeInvalidAppID)
	case q.Get("secret") != s.cfg.AppSecret:
		e = newError(CodeInvalidAppSecret)
	default:
		e = s.ipErr(r)
	}
	if e != nil {
		return s.failLocked(r, now, http.StatusOK, e, "", nil)
	}
	s.prev = s.cur
	s.prev.retired = now.UnixNano()
	s.cur = accessToken{value: s.ids.accessToken(), issued: now.UnixNano()}
	ttl := s.cfg.TokenTTL
	if ttl < 0 {
		ttl = DefaultTokenTTL
	}
	// %q quotes like JSON here: tokens are url-safe ASCII.
	b := fmt.Appendf(nil, `{"access_token":%q,"expires_in":%d}`, s.cur.value, int64(ttl/time.Second))
	return s.okLocked(r, now, b)
}

func (s *Server) handleSend(r *http.Request) answer {
	if r.Method != http.MethodPost {
		return s.fail(r, http.StatusOK, newError(CodeRequirePOST))
	}
	// A body handed over in process (httpcall.Body) is read where it is;
	// any other into a pooled buffer. What the request keeps of it is
	// copied.
	body, ok := httpcall.Body(r)
	var readErr error
	if !ok {
		pb := getBuf()
		body, readErr = httpcall.AppendLimited(pb.b[:0], r.Body, maxBody+1)
		defer func() { putBuf(pb, body) }()
	}
	var sc sendScan
	quick := readErr == nil && len(body) <= maxBody && scanSend(body, &sc)
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.authLocked(r, now); e != nil {
		return s.failLocked(r, now, http.StatusOK, e, "", nil)
	}
	if a, ok := s.sendFaultLocked(r, now); ok {
		return a
	}
	var req SendRequest
	if quick {
		s.sendRequestLocked(body, &sc, &req)
	} else if readErr != nil || len(body) > maxBody || !decodeSend(body, &req) {
		return s.failLocked(r, now, http.StatusOK, newError(CodeDataFormat), "", nil)
	}
	c, g, e := s.checkSendLocked(&req, now)
	if e != nil {
		return s.failLocked(r, now, http.StatusOK, e, req.ToUser, c)
	}
	s.deliverLocked(c, g, now, &req, false)
	return s.okLocked(r, now, okBody)
}

// decodeSend decodes a send body with encoding/json into *req.
func decodeSend(body []byte, req *SendRequest) bool {
	var r SendRequest
	if json.Unmarshal(body, &r) != nil {
		return false
	}
	*req = r
	return true
}

// deliverLocked consumes a reply from g (nil: unlimited) and records the
// delivery on the customer's device.
func (s *Server) deliverLocked(c *customer, g *grant, now time.Time, req *SendRequest, passive bool) {
	if g != nil {
		g.left--
	}
	d := delivRec{at: now, passive: passive}
	switch internType(req.MsgType) {
	case "text":
		d.kind, d.content = kindText, req.Text.Content
	case "image":
		d.kind, d.content = kindImage, req.Image.MediaID
	case "voice":
		d.kind, d.content = kindVoice, req.Voice.MediaID
	case "video":
		v := req.Video
		d.kind, d.content = kindVideo, v.MediaID
		if v.ThumbMediaID != "" || v.Title != "" || v.Description != "" {
			d.video = &videoParts{thumb: v.ThumbMediaID, title: v.Title, description: v.Description}
		}
	}
	if c.keep {
		c.deliveries.Add(d)
	}
	s.delivs.Add(delivEntry{delivRec: d, to: c.openid})
	s.counts.Deliveries++
}

// delivRec is a delivery as a customer's history keeps it: the message's
// type as an index and its one common string, the rest of a video apart,
// so that the record is under half a Delivery's size.
type delivRec struct {
	at      time.Time
	content string      // a text's content or a medium's media id
	video   *videoParts // a video's other strings; nil when all are empty
	kind    uint8       // index in kindNames
	passive bool
}

// videoParts are the strings of a delivered video other than its media id.
type videoParts struct {
	thumb, title, description string
}

// The kinds of delivery, indexes in kindNames.
const (
	kindText uint8 = iota
	kindImage
	kindVoice
	kindVideo
)

var kindNames = [...]string{kindText: "text", kindImage: "image", kindVoice: "voice", kindVideo: "video"}

// delivEntry is a Deliveries journal entry: the record a customer keeps,
// with the openid it went to.
type delivEntry struct {
	delivRec
	to string
}

// delivery is the Delivery r records of a message to openid to.
func (r *delivRec) delivery(to string) Delivery {
	d := Delivery{At: r.at, To: to, Type: kindNames[r.kind], Passive: r.passive}
	if r.kind == kindText {
		d.Text = r.content
	} else {
		d.MediaID = r.content
	}
	if v := r.video; v != nil {
		d.ThumbMediaID, d.Title, d.Description = v.thumb, v.title, v.description
	}
	return d
}

// uploadSlack bounds the non-file bytes of an upload request.
const uploadSlack = 1 << 20

func (s *Server) handleUpload(r *http.Request) answer {
	if r.Method != http.MethodPost {
		return s.fail(r, http.StatusOK, newError(CodeRequirePOST))
	}
	now := s.now()
	s.mu.Lock()
	e := s.authLocked(r, now)
	s.mu.Unlock()
	if e != nil {
		return s.fail(r, http.StatusOK, e)
	}
	kind := r.URL.Query().Get("type")
	rule := s.media[kind]
	if rule == nil {
		return s.fail(r, http.StatusOK, newError(CodeInvalidMediaType))
	}
	r.Body = http.MaxBytesReader(nil, r.Body, rule.maxBytes+uploadSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		return s.fail(r, http.StatusOK, newError(CodeMediaMissing))
	}
	format, data, e := s.readMediaPart(mr, kind, rule)
	if e != nil {
		return s.fail(r, http.StatusOK, e)
	}
	now = s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.ids.mediaID()
	s.mediaStore[id] = &media{kind: kind, format: format, size: int64(len(data)), data: data, created: now}
	// %q quotes like JSON here: kind is one of four words, ids url-safe.
	b := fmt.Appendf(nil, `{"type":%q,"media_id":%q,"created_at":%d}`, kind, id, now.Unix())
	return s.okLocked(r, now, b)
}

// readMediaPart finds the "media" part and reads it, streaming, up to the
// type's size limit: 41005 when there is none (or it is empty), 40005 for a
// format the type does not accept, 40006 when it is too large.
func (s *Server) readMediaPart(mr *multipart.Reader, kind string, rule *mediaRule) (string, []byte, *Error) {
	for {
		part, err := mr.NextPart()
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return "", nil, newError(CodeInvalidMediaSize)
			}
			return "", nil, newError(CodeMediaMissing) // io.EOF: no media part
		}
		if part.FormName() != "media" {
			part.Close()
			continue
		}
		format := normFormat(path.Ext(part.FileName()))
		if format == "" {
			ct := strings.ToLower(strings.TrimSpace(part.Header.Get("Content-Type")))
			ct, _, _ = strings.Cut(ct, ";")
			format = mimeFormat[strings.TrimSpace(ct)]
		}
		if e := s.checkMedia(kind, format, 0); e != nil {
			part.Close()
			return "", nil, e
		}
		data, err := io.ReadAll(io.LimitReader(part, rule.maxBytes+1))
		part.Close()
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig) || int64(len(data)) > rule.maxBytes:
			return "", nil, newError(CodeInvalidMediaSize)
		case err != nil || len(data) == 0:
			return "", nil, newError(CodeMediaMissing)
		}
		return format, data, nil
	}
}

func (s *Server) handleMediaGet(r *http.Request) answer {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return s.failLocked(r, now, http.StatusOK, newError(CodeRequireGET), "", nil)
	}
	if e := s.authLocked(r, now); e != nil {
		return s.failLocked(r, now, http.StatusOK, e, "", nil)
	}
	id := r.URL.Query().Get("media_id")
	m := s.mediaStore[id]
	if m == nil || !s.mediaAliveLocked(m, now) {
		return s.failLocked(r, now, http.StatusOK, newError(CodeInvalidMediaID), "", nil)
	}
	s.addRequestLocked(Request{At: now, Method: r.Method, Path: r.URL.Path, Status: http.StatusOK})
	ctype := formatMIME[m.format]
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	ext := m.format
	if ext == "jpeg" {
		ext = "jpg"
	}
	a := answer{status: http.StatusOK, ctype: ctype, body: m.data,
		disposition: `attachment; filename="` + id + "." + ext + `"`}
	if m.data == nil {
		a.zeros = m.size
	}
	return a
}

// Journal returns a copy of the journal.
func (s *Server) Journal() Journal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Journal{
		Requests:   s.requests.Snapshot(),
		Webhooks:   s.webhooks.Snapshot(),
		Deliveries: journal.Map(&s.delivs, func(e *delivEntry) Delivery { return e.delivery(e.to) }),
		Errors:     s.errs.Snapshot(),
	}
}

// Counts returns the exact totals.
func (s *Server) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// Deliveries returns, in order, the messages that customer's device
// received (custom sends and passive replies).
func (s *Server) Deliveries(openid string) []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.customers[openid]
	if c == nil || c.deliveries.Len() == 0 {
		return nil
	}
	return journal.Map(&c.deliveries, func(r *delivRec) Delivery { return r.delivery(c.openid) })
}

// LastError returns the last error a send or passive reply to that
// customer got; nil when there was none.
func (s *Server) LastError(openid string) *ErrorEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.customers[openid]
	if c == nil || c.lastErr == nil {
		return nil
	}
	e := *c.lastErr
	return &e
}

// WindowOpen reports whether a message or event grant of the customer is
// open now (replies may still be refused for quota: see RepliesLeft).
func (s *Server) WindowOpen(openid string) bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.customers[openid]
	return c != nil && (c.msg.open(now, s.cfg.Window) || c.evt.open(now, s.cfg.EventWindow))
}

// RepliesLeft returns how many replies the customer may still get now: the
// replies left in the open grants; -1 when an open grant is unlimited.
func (s *Server) RepliesLeft(openid string) int {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.customers[openid]
	if c == nil {
		return 0
	}
	n := 0
	for _, g := range []struct {
		g      grant
		window time.Duration
		limit  int
	}{{c.msg, s.cfg.Window, s.cfg.ReplyLimit}, {c.evt, s.cfg.EventWindow, s.cfg.EventReplyLimit}} {
		if g.g.open(now, g.window) {
			if g.limit < 0 {
				return -1
			}
			n += g.g.left
		}
	}
	return n
}

// Doer makes HTTP calls: an *http.Client, or anything with its Do method,
// such as an in-memory transport that serves a call without a client.
type Doer = httpcall.Doer
