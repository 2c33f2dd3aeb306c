package whatsapp

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
	"github.com/omnisim/omnisim/fakes/forget"
	"github.com/omnisim/omnisim/fakes/journal"
	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/internal/solo"
	"github.com/omnisim/omnisim/jsonscan"
)

// Config configures a fake platform; zero values get the defaults.
type Config struct {
	PhoneNumberID      string // default "106540352242922"
	DisplayPhoneNumber string // default "15550783881"
	BusinessAccountID  string // WABA id; default "102290129340398"
	AccessToken        string // bearer token the API requires; default "omnisim-whatsapp-token"
	AppSecret          string // HMAC key of X-Hub-Signature-256; default "omnisim-app-secret"
	VerifyToken        string // hub.verify_token of the GET handshake; default "omnisim-verify-token"
	WebhookURL         string // where webhooks are sent
	// Client calls WebhookURL; default http.DefaultClient.
	Client Doer
	// Clock is the platform's time; default time.Now.
	Clock func() time.Time
	// Seed seeds wamids, media ids, fbtrace_ids, conversation ids and
	// challenges: the same seed and the same calls give the same ids, and
	// servers with different seeds never give the same wamid, media id,
	// fbtrace_id or conversation id (the seed is encoded in them). A
	// long-running server (omnisim serve) passes a seed taken from the wall
	// clock at start, so that its ids do not repeat across restarts.
	Seed uint64
	// Window is the customer-service window; 0 means 24h, negative disables
	// the window (every send is inside it).
	Window time.Duration
	// MaxTextLength limits text bodies, in runes; 0 means 4096, negative
	// means unlimited.
	MaxTextLength int
	// Media holds the limits by kind (image|audio|video|document|sticker).
	// Nil means the defaults ([DefaultMedia]). A kind given here overrides
	// the default of that kind field by field: nil Formats keeps the default
	// formats (an empty non-nil slice accepts none), MaxBytes <= 0 keeps the
	// default size.
	Media map[string]MediaLimit
	// Templates lists the approved template names; empty approves any name.
	Templates []string
	// WindowErrors selects how a send outside the window fails: [Sync]
	// (default) or [Async].
	WindowErrors WindowErrors
	// DisableStatuses stops the sent/delivered status webhooks (failed
	// statuses of Async window errors are still sent).
	DisableStatuses bool
	// JournalLimit keeps at most this many entries per Journal list, the
	// newest; 0 keeps all, a negative limit none. A positive limit also
	// bounds each customer's delivery history (Deliveries) to its newest
	// deliveries, so that a long-running server's customers do not grow
	// without end. Counts and LastError stay exact; a customer's reply or
	// reaction can refer only to a delivery the history still keeps.
	JournalLimit int
	// AutoFlush posts each accepted send's status webhooks from a
	// goroutine as soon as the send's response is written, and retries
	// when they fall due (by a real-time timer); Close stops it. False
	// (the default) queues them for Flush.
	AutoFlush bool
	// Solo promises that one goroutine at a time uses the server, each
	// use ordered with the others (a world on the memory or the direct
	// network): it then takes no lock (package solo), and Start, which
	// serves a listener from goroutines of its own, is an error.
	// AutoFlush, whose goroutine posts webhooks, overrides it; that
	// goroutine then calls the webhook's receiver too, which must keep
	// its own locks.
	Solo bool
	// PoolWamids has the server make its wamids in blocks taken from a
	// pool that Release gives them back to, for the next server to write
	// over: every wamid the server made, and so its journal and queued
	// webhooks, is invalid after Release. Set it only where nothing reads
	// what the server handed out after Release (a simulator's world that
	// gives its memory back when it ends). A server that makes more than
	// 8 MiB of wamids stops pooling them and leaves them all to the
	// collector (jsonscan.Arena.UsePool), so that a long run holds no
	// wamid its customers no longer need.
	PoolWamids bool
	// RetrySchedule is the delay before each retry of a webhook whose try
	// failed (non-2xx answer, transport error or timeout): the first retry
	// comes RetrySchedule[0] after the first try, the second
	// RetrySchedule[1] after the first retry, and so on; no retry is made
	// later than [MaxRetryAge] after the first try. Nil means
	// [DefaultRetrySchedule]; an empty non-nil slice disables retries.
	RetrySchedule []time.Duration
	// WebhookTimeout bounds each webhook try (POSTs and the verification
	// GET); 0 means [DefaultWebhookTimeout], negative means no limit other
	// than the caller's context and Client.
	WebhookTimeout time.Duration
	// KnownValid, when set, vouches for numbers without libphonenumber: a
	// number of digits only (after an optional "+") for which it returns
	// true is valid and is its own wa_id. A simulator passes the rule the
	// numbers it generates follow, so that a new customer costs no parse;
	// nil asks libphonenumber about every new number.
	KnownValid func(digits string) bool
	// KeepDeliveries, when set, names the customers (by wa_id) whose
	// deliveries Deliveries lists; the others' are counted but not kept.
	// Nil keeps everyone's.
	KeepDeliveries func(waID string) bool
	// ForgetAfter, when positive, forgets a customer whose deliveries are
	// not kept once the customer's last message is this old and the
	// customer's conversation has expired (see retain.go); it should be
	// longer than Window. 0 forgets no one.
	ForgetAfter time.Duration
	// MediaStore is how many bytes of uploaded file content are kept to be
	// served back by the media download URL; 0 means [DefaultMediaStore],
	// negative keeps none. Files of only zero bytes take no room; a file
	// that does not fit is served as zero bytes of its size.
	MediaStore int64
	// MediaTTL is how long a media id (an upload's, or a customer's
	// media) stays valid after it was made, in Clock time; 0 means
	// [DefaultMediaTTL], negative means it never expires. A send, a media
	// URL request or a download naming an expired media id is answered as
	// for an unknown one; see the package documentation.
	MediaTTL time.Duration
	// ThrottleStatus is the HTTP status of a send refused with 130429
	// "Rate limit hit", by Limits.Throughput or by the fault plan; 0 means
	// 429. Meta's HTTP status for it is UNCONFIRMED: YCloud's copy of the
	// error table gives 429, code samples show 400 as well.
	ThrottleStatus int
	// TemplateMissingStatus is the HTTP status of a template send refused
	// with 132001 (the template does not exist, or not in that language);
	// 0 means 404, as third-party tables give it; 400 is also seen.
	TemplateMissingStatus int

	// Limits is the throughput, pair rate, template registry, undeliverable
	// recipients, read statuses, reactions and business profile of the
	// number; see [Limits].
	Limits Limits
	// Faults makes the platform misbehave (see package fakes/fault and
	// faults.go); the zero Plan, the default, has no fault.
	Faults fault.Plan
}

// MediaLimit is what the platform accepts for one media kind.
type MediaLimit struct {
	Formats  []string // lower-case extensions ("jpeg", "pdf", ...)
	MaxBytes int64
	// StaticMaxBytes, when positive, is the limit of an uploaded file
	// whose bytes show a static (not animated) WebP image, where MaxBytes
	// is then the animated one's; the smaller of the two applies. It
	// needs the bytes: a file known by its size alone (a link, a
	// [Server.CheckMedia] call, a [Direct] upload) is held to MaxBytes.
	// In Config.Media, 0 keeps the kind's default (100 KB for sticker,
	// none for the others) and a negative value holds static WebP files
	// to MaxBytes too.
	StaticMaxBytes int64
}

// WindowErrors selects how a send outside the 24h window fails.
type WindowErrors int

// The window error modes.
const (
	// Sync answers HTTP 400 with code 131047.
	Sync WindowErrors = iota
	// Async answers 200 with a wamid; Flush then sends a failed status with
	// errors[0].code 131047.
	Async
)

// Defaults of Config.
const (
	DefaultPhoneNumberID      = "106540352242922"
	DefaultDisplayPhoneNumber = "15550783881"
	DefaultBusinessAccountID  = "102290129340398"
	DefaultAccessToken        = "omnisim-whatsapp-token"
	DefaultAppSecret          = "omnisim-app-secret"
	DefaultVerifyToken        = "omnisim-verify-token"
	DefaultWindow             = 24 * time.Hour
	DefaultMaxTextLength      = 4096
	DefaultWebhookTimeout     = 10 * time.Second
	DefaultMediaStore         = 64 << 20
	// DefaultMediaTTL is how long Meta keeps uploaded media: 30 days.
	DefaultMediaTTL = 30 * 24 * time.Hour
	// DefaultThrottleStatus is the HTTP status of 130429 "Rate limit hit".
	DefaultThrottleStatus = http.StatusTooManyRequests
	// DefaultTemplateMissingStatus is the HTTP status of 132001.
	DefaultTemplateMissingStatus = http.StatusNotFound
	// MaxRetryAge is how long after its first try a webhook may still be
	// retried.
	MaxRetryAge = 7 * 24 * time.Hour
)

// Server is a fake WhatsApp Business Cloud API platform. Use it unstarted
// as an http.Handler, or call Start to serve it on a loopback port. All
// methods are safe for concurrent use,
// unless made with Config.Solo.
type Server struct {
	// URL is "http://127.0.0.1:port" after Start; "" before.
	URL string

	// sendPath is the last path ServeHTTP took to the messages endpoint
	// (nil before the first): a request to the same path, which routes
	// the same, is not split again.
	sendPath atomic.Pointer[string]

	cfg       Config
	window    time.Duration
	maxText   int
	media     map[string]*mediaRule
	templates map[string]bool

	schedule []time.Duration
	timeout  time.Duration

	pmu    solo.Mutex
	phones phoneCache // raw "to" -> wa_id ("" = invalid); bounded

	envHead []byte    // the webhook envelope up to a change value's metadata
	hookURL *url.URL  // hookRaw parsed once; nil: empty or invalid
	hookRaw string    // Config.WebhookURL when New parsed it
	macs    sync.Pool // *signer: HMAC-SHA256 keyed with Config.AppSecret, resuming after envHead

	// flushMu serializes the posting of queued and retried webhooks
	// (Flush and the AutoFlush goroutine), so they go out in order.
	flushMu solo.Mutex

	mu        solo.Mutex
	ids       idgen
	wamids    jsonscan.Arena // the wamids of inbound messages and accepted sends
	customers customerTable
	uploads   map[string]*upload
	mediaLeft int64 // MediaStore bytes still free
	mediaMark int   // at this many media ids, the next one made first drops the expired (pruneMediaLocked)
	queue     []pending
	due       statusDue // when queue or lim.reads next has something due, readable without mu
	retries   retryHeap
	hookSeq   uint64
	requests  ring[Request]
	webhooks  ring[webhookRec]
	delivs    ring[delivEntry]
	zones     zoneTable // the locations of the journals' times
	errs      ring[ErrorEntry]
	reads     ring[ReadReceipt]
	counts    Counts
	srv       *http.Server
	closed    bool
	worker    *worker

	lim       limitState     // Config.Limits resolved, and its counters (s.mu)
	faults    *fault.Decider // nil: no fault plan
	reordered []*hook        // reordered webhooks held until the next one
	faultN    int            // faults caused so far
	// forget queues customer messages for ForgetAfter (retain.go); free
	// holds the records of forgotten customers, for new ones to reuse.
	forget forgetQueue
	free   []*customer
	// records is the room for new customer records, a block of
	// customerBlock at a time (newCustomerLocked), and blocks every block
	// the server took, for Release to give back.
	records []customerRecord
	blocks  []*[customerBlock]customerRecord
}

// customer is a customer's record. Its fields are laid out by when they
// are read: the first two cache lines of a record (customerRecord is
// three lines long, and its blocks start on a line) hold all that a send,
// the forget queue and a record's reuse read (customerHot), so that a
// record the cache has lost since the customer wrote costs two misses
// there, not three or four; the third line (customerCold) holds what
// only some customers have: a second inbound message, an error, a read
// receipt, kept deliveries. A customer with none of those leaves it as it
// was made. TestCustomerRecordLayout checks the layout.
type customer struct {
	customerHot
	customerCold
}

// customerHot is the first two cache lines of a customer record.
type customerHot struct {
	waID string
	conv conversation
	// lastInbound is when the customer last wrote, in Unix nanoseconds
	// (hasInbound: ever): a time without a location to point to, which
	// the window compares with forget.Old (no overflow for instants more
	// than 292 years apart).
	lastInbound int64

	// tat is the pair rate's theoretical arrival time in Unix
	// nanoseconds; 0: none.
	tat  int64
	hash uint64 // of waID, in s.customers
	// first is the wamid counter part of its first inbound message
	// (hasFirst: it has written); parts holds those of the later ones.
	first uint64
	// gen counts the times the record was forgotten: a forgetRec names
	// the record in the generation it was queued in.
	gen        uint32
	hasInbound bool
	canonical  bool // parsePhone(waID) == waID (see Server.waID)
	hasFirst   bool
	// cold is set when a field of customerCold is: a reused record
	// clears the third line only then.
	cold bool
	// stem is the base64 stem of its wamids (appendWamidStem), kept from
	// the first wamid made for it (a copy: a slice of the wamid would
	// keep its arena block for the record's life); "" until then, and
	// for a wa_id whose stem does not fit.
	stem wamidStem
}

// customerCold is the third cache line of a customer record: what only
// some customers have. Setting a field sets customerHot.cold.
type customerCold struct {
	// parts are the wamid counter parts of its inbound messages after
	// the first, in order: the message with parts[i] is its inbound
	// message number i+2. A wamid is found from its wa_id and counter
	// part (see inboundLocked).
	parts   []uint64
	lastErr *ErrorEntry
	// deliveries holds the newest Config.JournalLimit deliveries (all when
	// it is not positive) when they are kept; nil until the first one
	// (keptDeliveries).
	deliveries *ring[delivRec]
	readSeq    uint32 // inbound messages 1..readSeq are marked read
}

// keptDeliveries is c's deliveries, made on the first one kept, with
// Config.JournalLimit's limit when that is positive. (A pointer, not a
// ring in the record: most customers' deliveries are not kept, and the
// record is one line shorter.)
func (s *Server) keptDeliveries(c *customer) *ring[delivRec] {
	if c.deliveries == nil {
		c.deliveries, c.cold = new(ring[delivRec]), true
		if s.cfg.JournalLimit > 0 {
			c.deliveries.SetLimit(s.cfg.JournalLimit)
		}
	}
	return c.deliveries
}

// wamidLocked is the wamid of c's message of counter part part, as
// formatWamid makes it, made in s.wamids. The first gives c the stem of
// those after it. The wamid is written in the arena's room, the free
// bytes of its block (Free, inlined), and handed out from there; a wa_id
// without a stem or a block without the room takes slowWamidLocked.
// (The call of putStemmedWamid stays on the line of the function where
// default.pgo has it: PGO inlines it there by that line.) s.mu must be
// held.
func (s *Server) wamidLocked(c *customer, part uint64, outbound bool) string {
	r := s.wamids.Free()
	if c.stem.n == 0 && !c.stem.make(c.waID) || cap(r) < stemmedRoom {
		return s.slowWamidLocked(c, part, outbound)
	}
	w := (*[stemmedRoom]byte)(r[:stemmedRoom])
	return s.wamids.Take(s.ids.putStemmedWamid(w, &c.stem, part, outbound))
}

// slowWamidLocked is wamidLocked for a customer whose wa_id is too long
// for a stem (past 17 bytes, which no phone number is), or when the
// arena's block has too little room left, once in dozens of wamids: a new
// block's room (Room).
//
//go:noinline
func (s *Server) slowWamidLocked(c *customer, part uint64, outbound bool) string {
	if c.stem.n == 0 {
		var buf [maxWamid]byte
		return s.wamids.Make(s.ids.appendWamid(buf[:0], c.waID, part, outbound))
	}
	w := (*[stemmedRoom]byte)(s.wamids.Room(stemmedRoom))
	return s.wamids.Take(s.ids.putStemmedWamid(w, &c.stem, part, outbound))
}

// wamidStem holds the stem of a customer's wamids (appendWamidStem) when
// it fits: those of wa_ids up to 17 bytes long; n is 0 when it holds none.
type wamidStem struct {
	b [28]byte
	n uint8
	r uint8 // the wa_id's length mod 3
}

// make makes and keeps the stem of waID's wamids, and reports whether it
// fits; w holds none. The stem is what appendWamidStem makes, put in w.b
// (putWamidStem); putStemmedWamid copies the whole window and writes over
// what lies past the stem's length.
func (w *wamidStem) make(waID string) bool {
	n := len(waID)
	if wamidStemLen(n) > len(w.b) {
		return false
	}
	putShortWamidStem(&w.b, waID)
	w.n, w.r = uint8(wamidStemLen(n)), uint8(n%3)
	return true
}

// addInbound gives c's next inbound message the wamid counter part part:
// the first in the record's first lines, the later ones in its third.
func (c *customer) addInbound(part uint64) {
	if !c.hasFirst {
		c.first, c.hasFirst = part, true
		return
	}
	c.parts, c.cold = append(c.parts, part), true
}

// inboundRec is a customer message the business may mark as read.
type inboundRec struct {
	c   *customer
	seq uint32
}

// delivRec is a compact Delivery kept per customer (the wamid is rebuilt
// from its counter part and the customer's wa_id). It holds two pointers,
// the content's and extra's, which is nil for the usual send, which has
// neither media nor context.
type delivRec struct {
	at      stamp
	part    uint64
	kind    uint8 // index in kindNames
	link    bool  // media is a link, not a media id
	content string
	extra   *delivExtra
}

// delivExtra is what few deliveries have: the media (a media id, or a
// link) and the wamid of the message replied to.
type delivExtra struct {
	media   string
	replyTo string
}

var kindNames = [...]string{"text", "template", "image", "audio", "video", "document", "sticker"}

func kindIndex(k string) uint8 {
	for i, n := range kindNames {
		if n == k {
			return uint8(i)
		}
	}
	return 0
}

// delivery is the Delivery r records of a message to the wa_id to, its
// wamid rebuilt from r's counter part. s.mu must be held.
func (s *Server) delivery(to string, r *delivRec) Delivery {
	d := Delivery{At: s.zones.time(r.at), To: to, ID: s.ids.formatWamid(to, r.part, true), Type: kindNames[r.kind]}
	media := ""
	if x := r.extra; x != nil {
		media, d.ReplyTo = x.media, x.replyTo
	}
	switch d.Type {
	case "text":
		d.Text = r.content
	case "template":
		d.Template = r.content
	default:
		d.Caption = r.content
		if r.link {
			d.Link = media
		} else {
			d.MediaID = media
		}
	}
	return d
}

// conversation is a customer's billing conversation; none while id is "".
type conversation struct {
	id string
	// opened is when it started, in Unix nanoseconds: it lasts
	// conversationLife from then (its end may lie past 2262, which Unix
	// nanoseconds do not hold).
	opened int64
	// expUnix is when it expires in Unix seconds, as status webhooks
	// carry it.
	expUnix int64
	utility bool // the category: utility (a template opened it), else service
}

// conversationLife is how long a billing conversation lasts.
const conversationLife = 24 * time.Hour

// expired reports whether the conversation has expired at ns (Unix
// nanoseconds): it is conversationLife old, compared without overflow.
func (cv *conversation) expired(ns int64) bool {
	return forget.Old(ns, cv.opened, int64(conversationLife))
}

// upload is a media file: uploaded, or sent by a customer.
type upload struct {
	kind   string
	format string
	mime   string
	size   int64
	data   []byte // the content when kept; nil: size zero bytes
	sum    string // hex sha256 of what is served; "" until computed
	// at is when the media id was made, in Unix nanoseconds: it expires
	// Config.MediaTTL later.
	at int64
	// shape is what the file's bytes showed it to be (webpUnknown when
	// the fake did not see them).
	shape webpShape
}

// pending is a queued status webhook.
type pending struct {
	status   string // sent, delivered, failed
	id       string
	to       string
	at       time.Time
	convID   string
	category string
	convExp  int64 // sent only
	err      *Error
	// hold, when not nil, keeps the status (and those after it) from
	// being posted until the send's response is written (AutoFlush).
	hold *hold
}

// hold is released once a send's response has been written.
type hold struct{ released bool }

// New returns an unstarted fake platform.
func New(cfg Config) *Server {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&cfg.PhoneNumberID, DefaultPhoneNumberID)
	def(&cfg.DisplayPhoneNumber, DefaultDisplayPhoneNumber)
	def(&cfg.BusinessAccountID, DefaultBusinessAccountID)
	def(&cfg.AccessToken, DefaultAccessToken)
	def(&cfg.AppSecret, DefaultAppSecret)
	def(&cfg.VerifyToken, DefaultVerifyToken)
	cfg.Client = httpcall.OrDefault(cfg.Client)
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.RetrySchedule == nil {
		cfg.RetrySchedule = DefaultRetrySchedule()
	} else {
		cfg.RetrySchedule = append([]time.Duration{}, cfg.RetrySchedule...)
	}
	if cfg.WebhookTimeout == 0 {
		cfg.WebhookTimeout = DefaultWebhookTimeout
	}
	if cfg.MediaStore == 0 {
		cfg.MediaStore = DefaultMediaStore
	}
	if cfg.MediaTTL == 0 {
		cfg.MediaTTL = DefaultMediaTTL
	}
	if cfg.ThrottleStatus == 0 {
		cfg.ThrottleStatus = DefaultThrottleStatus
	}
	if cfg.TemplateMissingStatus == 0 {
		cfg.TemplateMissingStatus = DefaultTemplateMissingStatus
	}
	s := &Server{
		cfg:       cfg,
		window:    cfg.Window,
		maxText:   cfg.MaxTextLength,
		media:     buildMedia(cfg.Media),
		schedule:  cfg.RetrySchedule,
		timeout:   cfg.WebhookTimeout,
		ids:       newIDGen(cfg.Seed),
		customers: newCustomerTable(),
		uploads:   map[string]*upload{},
		mediaLeft: max(cfg.MediaStore, 0),
		mediaMark: minMediaPrune,
	}
	if cfg.PoolWamids {
		s.wamids.UsePool(&wamidBlocks)
	}
	s.faults = fault.New(cfg.Faults, cfg.Seed)
	s.buildEnvelope()
	s.hookURL, s.hookRaw = parseHookURL(cfg.WebhookURL), cfg.WebhookURL
	s.macs.New = s.newMAC
	if s.window == 0 {
		s.window = DefaultWindow
	}
	if s.maxText == 0 {
		s.maxText = DefaultMaxTextLength
	}
	if len(cfg.Templates) > 0 {
		s.templates = map[string]bool{}
		for _, t := range cfg.Templates {
			s.templates[t] = true
		}
	}
	s.lim = newLimitState(&s.cfg.Limits)
	s.noteDueLocked() // nothing queued or waiting yet
	s.requests.SetLimit(cfg.JournalLimit)
	s.webhooks.SetLimit(cfg.JournalLimit)
	s.delivs.SetLimit(cfg.JournalLimit)
	s.errs.SetLimit(cfg.JournalLimit)
	s.reads.SetLimit(cfg.JournalLimit)
	if cfg.Solo && !cfg.AutoFlush {
		s.mu.Solo()
		s.pmu.Solo()
		s.flushMu.Solo()
	}
	return s
}

// Config returns the effective configuration (defaults filled in).
func (s *Server) Config() Config {
	c := s.cfg
	c.RetrySchedule = append([]time.Duration{}, c.RetrySchedule...)
	return c
}

func (s *Server) now() time.Time { return s.cfg.Clock() }

// Start serves the platform on 127.0.0.1 at a free port and sets URL.
func (s *Server) Start() error {
	if s.cfg.Solo && !s.cfg.AutoFlush {
		return errors.New("whatsapp: a Solo server cannot serve a listener")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return errors.New("whatsapp: server already started")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
	s.URL = "http://" + ln.Addr().String()
	go s.srv.Serve(ln) //nolint:errcheck // ErrServerClosed after Close
	return nil
}

// Close stops a started server and the AutoFlush goroutine: a webhook it
// is posting is cancelled and stays queued (not counted as a try), and
// nothing is posted in the background afterwards; Flush still works. On an
// unstarted server without AutoFlush it does nothing.
func (s *Server) Close() {
	s.mu.Lock()
	srv, w := s.srv, s.worker
	s.closed = true
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
	if w != nil {
		w.stop()
	}
}

// maxBody bounds request bodies of the send endpoint.
const maxBody = 1 << 20

// sendAnswerRoom is the room a send's answer is written in: enough for
// the usual one (about 140 bytes).
const sendAnswerRoom = 256

// sendBuf is where a send's body is read when it is not handed over
// (httpcall.Body) and its answer is written, and the limit on reading the
// body; pooled.
type sendBuf struct {
	bytes.Buffer
	lr   io.LimitedReader
	text Text // the send's text object, when the scanner decodes it
}

var bufPool = sync.Pool{New: func() any { return new(sendBuf) }}

// ServeHTTP answers the Graph API routes the fake models:
//
//	POST /{version}/{phone-number-id}/messages   send, or mark as read
//	POST /{version}/{phone-number-id}/media      upload
//	GET  /{version}/{media-id}                   media URL
//	GET  /media-download/{opaque}                the file at that URL
//
// See the package documentation for the error answers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, downloadPrefix) {
		s.handleDownload(w, r)
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token"`)
		s.fail(w, r, newError(http.StatusUnauthorized, CodeInvalidToken, 0, titleInvalidToken,
			"Invalid OAuth access token - Cannot parse access token"), "")
		return
	}
	if p := s.sendPath.Load(); p != nil && *p == r.URL.Path && r.Method == http.MethodPost {
		s.handleSend(w, r)
		return
	}
	var seg [3]string
	n := splitPath(strings.TrimPrefix(strings.TrimSuffix(r.URL.Path, "/"), "/"), &seg)
	switch {
	case n == 2 && validVersion(seg[0]) && seg[1] != "":
		if r.Method != http.MethodGet {
			s.fail(w, r, errUnsupported(r.Method, seg[1]), "")
			return
		}
		s.handleMediaURL(w, r, seg[1])
		return
	case n != 3 || !validVersion(seg[0]) || (seg[2] != "messages" && seg[2] != "media" && seg[2] != profileEdge):
		s.fail(w, r, newError(http.StatusBadRequest, CodeUnknownPath, 0, titleUnknownPath,
			"Unknown path components: "+r.URL.Path), "")
		return
	}
	if seg[2] == profileEdge && seg[1] == s.cfg.PhoneNumberID {
		s.handleProfile(w, r)
		return
	}
	if r.Method != http.MethodPost || seg[1] != s.cfg.PhoneNumberID {
		s.fail(w, r, errUnsupported(r.Method, seg[1]), "")
		return
	}
	if seg[2] == "media" {
		s.handleUpload(w, r)
		return
	}
	s.noteSendPath(r.URL.Path)
	s.handleSend(w, r)
}

// noteSendPath keeps p, a path ServeHTTP took to the messages endpoint, as
// the one it recognizes at once.
//
//go:noinline
func (s *Server) noteSendPath(p string) {
	s.sendPath.Store(&p)
}

// splitPath splits p at "/" as strings.Split does, into seg, and returns
// the number of parts; 4 stands for more than three (seg then holds the
// first three).
func splitPath(p string, seg *[3]string) int {
	for n := 0; ; n++ {
		if n == len(seg) {
			return n + 1
		}
		i := strings.IndexByte(p, '/')
		if i < 0 {
			seg[n] = p
			return n + 1
		}
		seg[n], p = p[:i], p[i+1:]
	}
}

// errUnsupported is Graph's answer for an object that does not exist or
// does not support the method: 100 with subcode 33.
func errUnsupported(method, id string) *Error {
	return newError(http.StatusBadRequest, CodeInvalidParameter, SubcodeUnsupportedRequest, titleUnsupported,
		"Unsupported "+strings.ToLower(method)+" request. Object with ID '"+id+
			"' does not exist, cannot be loaded due to missing permissions, or does not support this operation.")
}

func validVersion(v string) bool {
	if len(v) < 4 || v[0] != 'v' {
		return false
	}
	major, minor, ok := strings.Cut(v[1:], ".")
	return ok && allDigits(major) && allDigits(minor)
}

func allDigits(s string) bool {
	if s == "" || len(s) > 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (s *Server) authorized(r *http.Request) bool {
	tok, h := "", ""
	// "Authorization" is in canonical form: the header's one key, read
	// without Header.Get canonicalizing it again.
	if v := r.Header["Authorization"]; len(v) > 0 {
		h = v[0]
	}
	if h != "" {
		scheme, rest, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return false
		}
		tok = strings.TrimSpace(rest)
	} else {
		tok = r.URL.Query().Get("access_token")
	}
	return tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.AccessToken)) == 1
}

// fail records and writes a synchronous error. to is the send's recipient
// ("" for non-send calls).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, e *Error, to string) {
	now := s.now()
	s.mu.Lock()
	s.recordErrorLocked(now, r, e, to, nil)
	s.mu.Unlock()
	writeError(w, e)
}

// recordErrorLocked assigns the fbtrace_id and journals a sync error.
// c, when not nil, is the customer whose LastError it becomes.
func (s *Server) recordErrorLocked(now time.Time, r *http.Request, e *Error, to string, c *customer) {
	e.FBTraceID = s.ids.fbtraceID()
	s.addRequestLocked(now, r, e.HTTPStatus, e.Code)
	ent := ErrorEntry{At: now, To: to, Code: e.Code, HTTPStatus: e.HTTPStatus, Details: e.Details()}
	s.addErrorLocked(ent, c)
}

// addRequestLocked journals the request r, answered status (and Graph
// error code, 0 on success) at now. The entry is made out of line
// (keepRequestLocked), so that a call where the journal keeps no
// requests (Config.JournalLimit negative) is inlined to a count.
func (s *Server) addRequestLocked(now time.Time, r *http.Request, status, code int) {
	if s.requests.Keeps() {
		s.keepRequestLocked(now, r, status, code)
	}
	s.counts.Requests++
}

// keepRequestLocked adds addRequestLocked's entry to the journal.
//
//go:noinline
func (s *Server) keepRequestLocked(now time.Time, r *http.Request, status, code int) {
	s.requests.Add(Request{At: now, Method: r.Method, Path: r.URL.Path, Status: status, Code: code})
}

func (s *Server) addErrorLocked(ent ErrorEntry, c *customer) {
	s.errs.Add(ent)
	s.counts.Errors++
	if c != nil {
		e := ent
		c.lastErr, c.cold = &e, true
	}
}

// addWebhookLocked journals the webhook try wh, whose body, when
// wh.Body is nil, src gives (nil: none).
func (s *Server) addWebhookLocked(wh *Webhook, src *bodySource) {
	if s.webhooks.Keeps() {
		r := webhookRec{at: wh.At, kind: wh.Kind, id: wh.ID, status: int32(wh.Status), try: int32(wh.Try)}
		if wh.Body == nil && src != nil {
			r.src = *src
		}
		if wh.Err != "" || !wh.NextTry.IsZero() || wh.Body != nil {
			r.rare = &webhookRare{err: wh.Err, nextTry: wh.NextTry, body: wh.Body}
		}
		s.webhooks.Add(r)
	}
	s.counts.Webhooks++
}

// addAnsweredLocked journals a webhook of kind and id handed on by value
// at at, as a first try answered 200 (see Direct). The entry is made out
// of line (keepAnsweredLocked), as addRequestLocked's is.
func (s *Server) addAnsweredLocked(at time.Time, kind, id string) {
	if s.webhooks.Keeps() {
		s.keepAnsweredLocked(at, kind, id)
	}
	s.counts.Webhooks++
}

// keepAnsweredLocked adds addAnsweredLocked's entry to the journal.
//
//go:noinline
func (s *Server) keepAnsweredLocked(at time.Time, kind, id string) {
	s.webhooks.Add(webhookRec{at: at, kind: kind, id: id, status: http.StatusOK, try: 1})
}

func (s *Server) customerLocked(waID string) *customer {
	if c := s.customers.get(waID); c != nil {
		return c
	}
	return s.newCustomerLocked(waID, false)
}

// customerRecord is a new customer record with the room for the wamid
// parts of its second and third inbound messages (the first's is in the
// record, customer.first), which most customers' parts never outgrow: no
// allocation for the parts when the customer writes. The room also makes
// the record three cache lines long, so that in a block of records
// (customerBlock of them, which starts on a line) each starts on a line
// (see customer).
type customerRecord struct {
	c    customer
	part [2]uint64 // makes the record three cache lines long
}

// customerBlock is how many customer records newCustomerLocked takes at
// once: one block (from recordBlocks, else a new allocation) for hundreds
// of records, which stay in use (in the table, or in Server.free to be
// reused) until the server is released. The block (48 KiB) is past the
// largest size class, so the runtime allocates it on whole pages, with no
// header before it: it starts on a cache line (a block of a size class
// with pointers starts 8 bytes past one, after its header).
const customerBlock = 256

// maxReusedParts bounds the wamid parts a reused record keeps room for.
const maxReusedParts = 16

// reusedParts is the room for wamid parts a reused record keeps of parts,
// its parts in its last use: their room, unless it is past maxReusedParts.
func reusedParts(parts []uint64) []uint64 {
	if cap(parts) > maxReusedParts {
		return nil
	}
	return parts[:0]
}

// newCustomerLocked makes the record of waID, which has none: a forgotten
// customer's record when there is one (see retain.go). vouched tells that
// Config.KnownValid vouched for waID.
func (s *Server) newCustomerLocked(waID string, vouched bool) *customer {
	// waID came from libphonenumber; canonical when it is also its
	// own answer (always, short of a number that loses a national
	// prefix twice), which lets waID skip the parse for it.
	canonical := vouched || s.vouched(waID)
	if !canonical {
		v, _ := s.parseCached(waID)
		canonical = v == waID
	}
	var c *customer
	if n := len(s.free); n > 0 {
		c = s.free[n-1]
		s.free[n-1] = nil
		s.free = s.free[:n-1]
		// The third line only when it holds something (customer).
		if c.cold {
			c.customerCold = customerCold{parts: reusedParts(c.parts)}
		}
		c.customerHot = customerHot{gen: c.gen}
	} else {
		if len(s.records) == 0 {
			s.records = s.newRecordBlockLocked()
		}
		r := &s.records[0]
		s.records = s.records[1:]
		c, r.c.parts = &r.c, r.part[:0]
	}
	c.waID, c.canonical = waID, canonical
	if len(s.lim.tat) > 0 {
		s.takeTatLocked(c)
	}
	s.customers.add(c)
	return c
}

func writeError(w http.ResponseWriter, e *Error) {
	b, err := EncodeEscaped(ErrorEnvelope{Error: e})
	if err != nil { // cannot happen: the envelope holds only strings and ints
		b = []byte(`{"error":{"message":"(#1) An unknown error occurred","type":"OAuthException","code":1}}`)
	}
	writeJSON(w, e.HTTPStatus, b)
}

// hdrJSONUTF8 is the Content-Type of every Graph answer (shared like
// hdrJSON).
var hdrJSONUTF8 = []string{"application/json; charset=UTF-8"}

func writeJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header()["Content-Type"] = hdrJSONUTF8
	w.WriteHeader(status)
	w.Write(b) //nolint:errcheck // client went away
}

func (s *Server) handleSend(w http.ResponseWriter, r *http.Request) {
	if s.sendFault(w, r) {
		return
	}
	buf := bufPool.Get().(*sendBuf)
	buf.Reset()
	defer func() {
		buf.lr.R, buf.text = nil, Text{}
		if buf.Cap() <= 64<<10 {
			bufPool.Put(buf)
		}
	}()
	// A body handed over in process (httpcall.Body) is read where it is;
	// any other into buf.
	body, ok := httpcall.Body(r)
	if !ok {
		buf.lr = io.LimitedReader{R: r.Body, N: maxBody + 1}
		if _, err := buf.ReadFrom(&buf.lr); err != nil {
			s.fail(w, r, errParam("Could not read the request body: "+err.Error()), "")
			return
		}
		body = buf.Bytes()
	}
	if len(body) > maxBody {
		s.fail(w, r, errParamf("The request body is larger than %d bytes.", maxBody), "")
		return
	}
	var req SendRequest
	if err := decodeSendRequest(body, &req, &buf.text); err != nil {
		s.fail(w, r, errParam("Invalid JSON in the request body: "+err.Error()), "")
		return
	}
	var a accepted
	if e := s.accept(&a, r, &req, false); e != nil {
		writeError(w, e)
		return
	}
	if a.read {
		writeJSON(w, http.StatusOK, []byte(`{"success":true}`))
		return
	}
	h := a.hold
	// The answer is written in buf (kept with its room for the next).
	buf.Reset()
	buf.Grow(sendAnswerRoom)
	out := s.appendSendResponse(buf.AvailableBuffer(), req.To, &a)
	writeJSON(w, http.StatusOK, out)
	if h != nil {
		// The statuses go out only after the answer: flush it to the
		// client, release them and wake the AutoFlush goroutine.
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		s.mu.Lock()
		h.released = true
		s.mu.Unlock()
		s.kick()
	}
}

// accepted is what a send the platform accepted answers: the recipient's
// wa_id and the wamid; read for a mark-as-read request. hold, when not nil,
// holds the send's status webhooks until its answer is written.
type accepted struct {
	waID, id string
	part     uint64    // the wamid's counter part; id is "" until something needs it
	stem     wamidStem // the stem of the wamid (customer.stem) when id is ""; empty if unknown
	read     bool
	hold     *hold
}

// accept runs a decoded send (or mark-as-read) request of r through the
// rules and records it: a delivery and its status webhooks, or the error,
// which it returns when the request fails synchronously. It sets *a, which
// is zero, to what an accepted request answers (left zero for an error).
// r gives the journal its method and path; withID asks for the wamid of
// an accepted send even when nothing the platform keeps needs it.
func (s *Server) accept(a *accepted, r *http.Request, req *SendRequest, withID bool) *Error {
	now := s.now()
	at := instantOf(now)
	s.mu.Lock()
	var p plan
	e := s.checkSendLocked(&p, req, at)
	if (e != nil && e.HTTPStatus != http.StatusOK) || p.read {
		return s.refuseOrReadLocked(a, now, r, req, &p, e)
	}
	c := p.c
	if c == nil {
		c = s.customerLocked(p.waID)
	}
	s.commitSendLocked(c, at)
	part := s.ids.wamidPart()
	var id string // the wamid; made only for what keeps it (a queued status) or the caller asks for
	if withID || e != nil || !s.cfg.DisableStatuses {
		id = s.wamidLocked(c, part, true)
	}
	var h *hold
	if s.cfg.AutoFlush {
		h = &hold{}
	}
	if e != nil { // Async window error: accepted now, failed status later.
		s.queue = append(s.queue, pending{status: "failed", id: id, to: c.waID, at: now, err: e, hold: h})
		s.due.queued()
	} else {
		if kept, keeps := s.kept(c), s.delivs.Keeps(); kept || keeps {
			content := p.text // a plan sets one of the three: no concatenation for a text
			if p.template != "" || p.caption != "" {
				content += p.template + p.caption
			}
			rec := delivRec{at: s.zones.stamp(now), part: part, kind: kindIndex(p.kind), content: content}
			if p.mediaID != "" || p.link != "" || p.replyTo != "" {
				x := &delivExtra{media: p.mediaID, replyTo: p.replyTo}
				if p.link != "" {
					x.media, rec.link = p.link, true
				}
				rec.extra = x
			}
			if kept {
				s.keptDeliveries(c).Add(rec)
			}
			if keeps {
				s.delivs.Add(delivEntry{delivRec: rec, to: c.waID})
			}
		}
		s.counts.Deliveries++
		if !s.cfg.DisableStatuses {
			category := "service"
			if p.kind == "template" {
				category = "utility"
			}
			if ns, utility := at.ns, category == "utility"; c.conv.id == "" || c.conv.utility != utility || c.conv.expired(ns) {
				c.conv = conversation{id: s.ids.conversationID(), opened: ns, expUnix: now.Add(conversationLife).Unix(), utility: utility}
			}
			exp := c.conv.expUnix
			s.queue = append(s.queue,
				pending{status: "sent", id: id, to: c.waID, at: now, convID: c.conv.id, category: category, convExp: exp, hold: h},
				pending{status: "delivered", id: id, to: c.waID, at: now, convID: c.conv.id, category: category, hold: h})
			s.scheduleReadLocked(part)
			s.due.queued()
		}
	}
	a.waID, a.id, a.part, a.hold = c.waID, id, part, h
	if id == "" {
		a.stem = c.stem
	}
	s.addRequestLocked(now, r, http.StatusOK, 0)
	s.mu.Unlock()
	return nil
}

// refuseOrReadLocked is accept for a request the rules refused
// synchronously (e), which it records, or else for a mark-as-read, which
// it applies; it lets go of s.mu. Out of accept's way, whose requests
// are mostly sends.
//
//go:noinline
func (s *Server) refuseOrReadLocked(a *accepted, now time.Time, r *http.Request, req *SendRequest, p *plan, e *Error) *Error {
	if e != nil && e.HTTPStatus != http.StatusOK {
		to, c := req.To, (*customer)(nil)
		if p.waID != "" && !p.read {
			to, c = p.waID, s.customerLocked(p.waID)
		}
		s.recordErrorLocked(now, r, e, to, c)
		s.mu.Unlock()
		return e
	}
	s.markReadLocked(now, p.in, req.MessageID)
	s.addRequestLocked(now, r, http.StatusOK, 0)
	s.mu.Unlock()
	a.read = true
	return nil
}

// appendSendResponse writes the SendResponse JSON of the accepted send a
// to input without reflection; it produces the same bytes as
// EncodeEscaped(SendResponse{...}).
func (s *Server) appendSendResponse(b []byte, input string, a *accepted) []byte {
	b = append(b, `{"messaging_product":"whatsapp","contacts":[{"input":`...)
	from := len(b)
	b = appendString(b, input)
	to := len(b)
	b = append(b, `,"wa_id":`...)
	if input == a.waID { // sent to the wa_id itself, as usual: encoded once
		b = append(b, b[from:to]...)
	} else {
		b = appendString(b, a.waID)
	}
	b = append(b, `}],"messages":[{"id":"`...)
	var buf [maxWamid]byte
	if a.id != "" {
		b = appendWamidJSON(b, append(buf[:0], a.id...))
	} else {
		b = appendWamidJSON(b, s.ids.appendStemmedWamid(buf[:0], &a.stem, a.waID, a.part, true))
	}
	return append(b, `"}]}`...)
}

// appendWamidJSON appends a wamid inside a JSON string as appendString
// does: of its characters ("wamid." and base64) only "/" is escaped. The
// runs between slashes are copied whole.
func appendWamidJSON(b, id []byte) []byte {
	for {
		j := bytes.IndexByte(id, '/')
		if j < 0 {
			return append(b, id...)
		}
		b = append(b, id[:j]...)
		b = append(b, '\\', '/')
		id = id[j+1:]
	}
}

// appendID appends the JSON string of id, a wamid this server made
// ("wamid." and standard base64), as appendString does: of its bytes only
// the slashes are escaped, as appendWamidJSON escapes them, which makes
// the same bytes. (The two are written out for a string and
// for bytes: a generic form taking the index function as a value let the
// message an id comes from escape to the heap in builds that inline it
// differently.)
func appendID(b []byte, id string) []byte {
	b = append(b, '"')
	for {
		j := strings.IndexByte(id, '/')
		if j < 0 {
			break
		}
		b = append(b, id[:j]...)
		b = append(b, '\\', '/')
		id = id[j+1:]
	}
	b = append(b, id...)
	return append(b, '"')
}

// maxFieldBytes bounds the non-file fields of an upload.
const maxFieldBytes = 4096

func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	mr, err := r.MultipartReader()
	if err != nil {
		s.fail(w, r, errParam("The request must be multipart/form-data with the fields messaging_product, type and file."), "")
		return
	}
	var product, typ, fileType string
	var size int64
	keep := keeper{room: r.ContentLength}
	s.mu.Lock()
	keep.limit = s.mediaLeft
	s.mu.Unlock()
	haveFile := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.fail(w, r, errParam("Malformed multipart body: "+err.Error()), "")
			return
		}
		switch name := part.FormName(); {
		case name == "file" && !haveFile:
			haveFile = true
			fileType = part.Header.Get("Content-Type")
			size, err = io.Copy(&keep, part)
		case name == "messaging_product" || name == "type":
			var v []byte
			v, err = io.ReadAll(io.LimitReader(part, maxFieldBytes))
			if name == "type" {
				typ = strings.TrimSpace(string(v))
			} else {
				product = strings.TrimSpace(string(v))
			}
		default:
			_, err = io.Copy(io.Discard, part)
		}
		part.Close()
		if err != nil {
			s.fail(w, r, errParam("Malformed multipart body: "+err.Error()), "")
			return
		}
	}
	if product != "whatsapp" {
		s.fail(w, r, errParam(`The parameter messaging_product is required and must be "whatsapp".`), "")
		return
	}
	if !haveFile {
		s.fail(w, r, errParam("The parameter file is required."), "")
		return
	}
	if typ == "" {
		typ = fileType
	}
	if typ == "" {
		s.fail(w, r, errParam("The parameter type is required."), "")
		return
	}
	id, e := s.addUpload(r, typ, size, keep.kept(), keep.webp.shape())
	if e != nil {
		writeError(w, e)
		return
	}
	b := append([]byte(`{"id":`), appendString(nil, id)...)
	writeJSON(w, http.StatusOK, append(b, '}'))
}

// addUpload classifies, checks and stores an uploaded file of MIME type
// typ and size bytes (data, its content when kept; nil: size zero bytes;
// shape, what its bytes showed it to be) and returns its media id, or the
// error, which it has journaled. r gives the journal its method and path.
func (s *Server) addUpload(r *http.Request, typ string, size int64, data []byte, shape webpShape) (string, *Error) {
	fail := func(e *Error) (string, *Error) {
		now := s.now()
		s.mu.Lock()
		s.recordErrorLocked(now, r, e, "", nil)
		s.mu.Unlock()
		return "", e
	}
	kind, format := s.classifyMIME(typ)
	if kind == "" {
		return fail(errMedia("Unsupported file type %q.", typ))
	}
	if e := s.checkMediaShaped(kind, format, size, shape); e != nil {
		return fail(e)
	}
	up := &upload{kind: kind, format: format, mime: typ, size: size, shape: shape}
	if data != nil {
		up.data = data
		up.sum = hexSum(data)
	}
	now := s.now()
	up.at = now.UnixNano()
	s.mu.Lock()
	s.pruneMediaLocked(up.at)
	if up.data != nil {
		if int64(len(up.data)) <= s.mediaLeft {
			s.mediaLeft -= int64(len(up.data))
		} else { // another upload took the room meanwhile
			up.data, up.sum = nil, ""
		}
	}
	id := s.ids.mediaID()
	s.uploads[id] = up
	s.addRequestLocked(now, r, http.StatusOK, 0)
	s.mu.Unlock()
	return id, nil
}

// Journal returns a copy of the journal.
func (s *Server) Journal() Journal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Journal{
		Requests:   s.requests.Snapshot(),
		Webhooks:   s.webhookJournal(),
		Deliveries: s.deliveryJournal(),
		Errors:     s.errs.Snapshot(),
		Reads:      s.reads.Snapshot(),
	}
}

// Counts returns the exact totals.
func (s *Server) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// lookupCustomerLocked finds a customer by wa_id, "+wa_id" or any accepted
// spelling of the number.
func (s *Server) lookupCustomerLocked(to string) *customer {
	if c := s.customers.get(strings.TrimPrefix(to, "+")); c != nil {
		return c
	}
	v, _, ok := s.waIDLocked(to)
	if !ok {
		return nil
	}
	return s.customers.get(v)
}

// Deliveries returns, in order, the messages that customer's device
// received (wa_id with or without "+").
func (s *Server) Deliveries(to string) []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookupCustomerLocked(to)
	if c == nil {
		return nil
	}
	if c.deliveries == nil {
		return []Delivery{} // as journal.Map of an empty ring
	}
	return journal.Map(c.deliveries, func(r *delivRec) Delivery { return s.delivery(c.waID, r) })
}

// LastError returns the last error a send to that customer got:
// synchronously, or asynchronously through a failed status sent by Flush.
// Nil when there was none.
func (s *Server) LastError(to string) *ErrorEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookupCustomerLocked(to)
	if c == nil || c.lastErr == nil {
		return nil
	}
	e := *c.lastErr
	return &e
}

// WindowOpen reports whether the customer's service window is open now.
func (s *Server) WindowOpen(to string) bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookupCustomerLocked(to)
	if c == nil {
		return s.window < 0
	}
	return s.windowOpenLocked(c.waID, now)
}

// Pending returns how many status webhooks wait for their first try (by
// Flush, or by the AutoFlush goroutine); see Retrying for those waiting for
// a retry.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Doer makes HTTP calls: an *http.Client, or anything with its Do method,
// such as an in-memory transport that serves a call without a client.
type Doer = httpcall.Doer
