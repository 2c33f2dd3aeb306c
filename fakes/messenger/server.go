package messenger

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/omnisim/omnisim/fakes/fault"
	"github.com/omnisim/omnisim/fakes/forget"
	bounded "github.com/omnisim/omnisim/fakes/journal"
	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/internal/solo"
	"github.com/omnisim/omnisim/jsonscan"
)

// The defaults of [Config].
const (
	DefaultPageID             = "104857392016483"
	DefaultAccessToken        = "omnisim-messenger-page-token"
	DefaultAppSecret          = "omnisim-messenger-app-secret"
	DefaultVerifyToken        = "omnisim-messenger-verify-token"
	DefaultWindow             = 24 * time.Hour
	DefaultHumanAgentWindow   = 7 * 24 * time.Hour
	DefaultMaxTextLength      = 2000
	DefaultMaxAttachmentBytes = 25 << 20
	DefaultWebhookTimeout     = 20 * time.Second
	// MaxAdWindow is the longest window a Click-to-Messenger ad is said to
	// extend the standard one to: 7 days. The fake takes a longer
	// Config.AdWindow as given; a scenario's ad_window is refused above it.
	MaxAdWindow = 7 * 24 * time.Hour
)

// The messaging types of the Send API.
const (
	Response   = "RESPONSE"
	Update     = "UPDATE"
	MessageTag = "MESSAGE_TAG"
)

// HumanAgent is the message tag that lets a person reply for 7 days.
const HumanAgent = "HUMAN_AGENT"

// Tags lists the message tags the Send API knows, HUMAN_AGENT first.
func Tags() []string {
	return []string{HumanAgent, "ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE"}
}

// MaxBodySize is the largest Send API body read; a larger one is refused.
const MaxBodySize = 1 << 20

// Config configures a [Server]; every field has a default for its zero
// value (see the package documentation).
type Config struct {
	PageID      string
	AccessToken string
	AppSecret   string
	VerifyToken string
	// WebhookURL is where webhooks go; Client makes those calls.
	WebhookURL string
	Client     Doer
	// Deliver, when set, takes every webhook as a value instead of an HTTP
	// POST (the Direct network): it returns the status the receiver
	// answered.
	Deliver func(ctx context.Context, ev Event) int
	Clock   func() time.Time
	Seed    uint64
	// Window is the standard messaging window after the customer's last
	// message (default 24h; negative: no window).
	Window time.Duration
	// HumanAgentWindow is how long after the customer's last message the
	// HUMAN_AGENT tag may be used (default 7 days); negative: the page is
	// not approved for the tag, which then extends nothing.
	HumanAgentWindow time.Duration
	// AdWindow, when positive, models the longer window of a
	// Click-to-Messenger ad: a customer's message that carries an ad
	// referral ([Server.CustomerAdText]) opens a window of AdWindow from
	// that message, in which every message is accepted as within the
	// standard window; later messages without a referral do not close it
	// (a send is within the window while either the standard window of
	// the last message or the ad window is open). An AdWindow shorter than
	// Window extends nothing. 0, the default, and negative values do not
	// model it: an ad message opens the standard window like any other.
	// Meta speaks of up to 7 days ([MaxAdWindow]).
	AdWindow time.Duration
	// MaxTextLength is the longest message text in characters (default
	// 2000; negative: unlimited).
	MaxTextLength int
	// Attachments holds the limits by attachment type (image, audio,
	// video, file); nil is [DefaultAttachments]. A type given overrides the
	// default field by field.
	Attachments map[string]AttachmentLimit
	// RequireMessagingType refuses a message without messaging_type (100);
	// by default one is taken as RESPONSE.
	RequireMessagingType bool
	// NoLegacySignature stops the X-Hub-Signature (sha1) header that Meta
	// sends beside X-Hub-Signature-256.
	NoLegacySignature bool
	// DisableDeliveries stops the message_deliveries webhooks Flush sends
	// for accepted messages.
	DisableDeliveries bool
	// KeepDeliveries, when set, names the customers (by PSID) whose
	// deliveries Deliveries lists; the others' deliveries are counted
	// (Counts, the journal's newest entries) but not kept, and Deliveries
	// answers nil for them. It is asked once per customer, when the
	// platform first knows the customer. Nil keeps everyone's.
	KeepDeliveries func(psid string) bool
	// ForgetAfter, when positive, forgets a customer whose deliveries are
	// not kept once the customer's last message is that old, keeping the
	// PSID only as one that wrote (retain.go): every send is answered as
	// before, and LastError answers nil. A value below the longest window
	// (Window, HumanAgentWindow) counts as that window. Zero keeps every
	// record.
	ForgetAfter time.Duration
	// RetrySchedule is the delays between the tries of a failed webhook;
	// nil is [DefaultRetrySchedule], an empty non-nil slice disables
	// retries.
	RetrySchedule []time.Duration
	// WebhookTimeout bounds each webhook try (default 20s; negative: none).
	WebhookTimeout time.Duration
	// JournalLimit keeps only the newest entries of each journal list
	// (0 keeps all, a negative limit none). A positive limit also bounds
	// each customer's delivery history (Deliveries) to its newest
	// deliveries, so that a long-running server's customers do not grow
	// without end. Counts and LastError stay exact.
	JournalLimit int
	// Faults makes the platform misbehave (see package fakes/fault and
	// faults.go); the zero Plan, the default, has no fault.
	Faults fault.Plan
	// ThrottleStatus is the HTTP status of a send the fault plan throttles
	// (code 613); default 429. Graph has answered rate limits with 400 as
	// well.
	ThrottleStatus int
	// Solo promises that one goroutine at a time uses the server, each
	// use ordered with the others (a world on the memory or the direct
	// network): it then takes no lock (package solo), and Start, which
	// serves a listener from goroutines of its own, is an error.
	Solo bool
}

// AttachmentLimit is what the platform accepts for one attachment type.
type AttachmentLimit struct {
	Formats  []string // lower-case formats as FileFormat reads them ("pdf", "tar.gz"); empty accepts any
	MaxBytes int64    // <= 0 keeps the default
}

// DefaultAttachments returns the default limits: image, audio, video and
// file of any format up to 25 MB each.
func DefaultAttachments() map[string]AttachmentLimit {
	m := map[string]AttachmentLimit{}
	for _, t := range []string{"image", "audio", "video", "file"} {
		m[t] = AttachmentLimit{MaxBytes: DefaultMaxAttachmentBytes}
	}
	return m
}

// DefaultRetrySchedule returns the delays between the tries of a failed
// webhook: 15s, 1m, 5m and 8m, four retries within 15 minutes of the
// first try.
func DefaultRetrySchedule() []time.Duration {
	return []time.Duration{15 * time.Second, time.Minute, 5 * time.Minute, 8 * time.Minute}
}

// Server is a fake Messenger Platform for one Facebook Page. It is safe for
// concurrent use,
// unless made with Config.Solo.
type Server struct {
	cfg     Config
	hookURL httpcall.URLCache // Config.WebhookURL parsed once
	limits  map[string]AttachmentLimit
	timeout time.Duration
	// URL is the Graph base URL once Start has been called.
	URL string
	ln  net.Listener
	srv *http.Server

	macMu  solo.Mutex
	mac256 hash.Hash
	mac1   hash.Hash
	macSum [sha256.Size]byte // where the macs write their sums (a stack array would escape through hash.Hash)
	sigs   jsonscan.Arena    // makes the signatures, guarded by macMu

	mu        solo.Mutex
	ids       idgen
	customers map[string]*customer
	uploads   map[string]upload
	receipts  []receipt
	retries   retryHeap
	hookSeq   uint64
	journal   journal
	counts    Counts
	// forget holds customer messages (their records), oldest first, to
	// be looked at Config.ForgetAfter later; wrote holds the PSIDs
	// (psidKey) of the customers forgotten.
	forget forget.Queue[*customer]
	wrote  forget.Set

	faults         *fault.Decider // nil: no fault plan
	reordered      []*hook        // reordered webhooks held until the next one
	hookBlock      []hook         // the rest of the block customers' events are made in
	faultN         int            // faults caused so far
	throttleStatus int
}

type customer struct {
	psid       string
	hasInbound bool
	keep       bool // the customer's deliveries are kept (Config.KeepDeliveries)
	fromAd     bool // a message with an ad referral opened an ad window (adInbound)
	// lastInbound is when the customer last wrote, in Unix nanoseconds
	// (closedLongAgo for a forgotten customer): a time without a location
	// to point to, which the window compares with forget.Old (no
	// overflow at the ends of the range).
	lastInbound int64
	// adInbound is when the customer last wrote a message with an ad
	// referral, in Unix nanoseconds: the start of the ad window
	// (Config.AdWindow), when fromAd says there was one.
	adInbound  int64
	deliveries ring[delivRec] // the newest Config.JournalLimit (all when it is not positive)
	lastError  *ErrorEntry
}

type upload struct {
	kind, format string
	size         int64
}

// receipt is an accepted message whose delivery receipt Flush sends.
type receipt struct {
	psid, mid string
}

// New returns a server for cfg. It serves in memory as an http.Handler;
// Start listens on loopback.
func New(cfg Config) *Server {
	if cfg.PageID == "" {
		cfg.PageID = DefaultPageID
	}
	if cfg.AccessToken == "" {
		cfg.AccessToken = DefaultAccessToken
	}
	if cfg.AppSecret == "" {
		cfg.AppSecret = DefaultAppSecret
	}
	if cfg.VerifyToken == "" {
		cfg.VerifyToken = DefaultVerifyToken
	}
	cfg.Client = httpcall.OrDefault(cfg.Client)
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.HumanAgentWindow == 0 {
		cfg.HumanAgentWindow = DefaultHumanAgentWindow
	}
	if cfg.AdWindow < 0 {
		cfg.AdWindow = 0 // not modelled
	}
	if cfg.ForgetAfter > 0 {
		cfg.ForgetAfter = max(cfg.ForgetAfter, cfg.Window, cfg.HumanAgentWindow, cfg.AdWindow)
	}
	if cfg.MaxTextLength == 0 {
		cfg.MaxTextLength = DefaultMaxTextLength
	}
	if cfg.RetrySchedule == nil {
		cfg.RetrySchedule = DefaultRetrySchedule()
	}
	s := &Server{cfg: cfg, ids: newIDGen(cfg.Seed), customers: map[string]*customer{}, uploads: map[string]upload{},
		mac256: hmac.New(sha256.New, []byte(cfg.AppSecret)), mac1: hmac.New(sha1.New, []byte(cfg.AppSecret))}
	s.timeout = cfg.WebhookTimeout
	if s.timeout == 0 {
		s.timeout = DefaultWebhookTimeout
	}
	s.limits = DefaultAttachments()
	for t, l := range cfg.Attachments {
		d, ok := s.limits[t]
		if !ok {
			d = AttachmentLimit{MaxBytes: DefaultMaxAttachmentBytes}
		}
		if l.Formats != nil {
			d.Formats = l.Formats
		}
		if l.MaxBytes > 0 {
			d.MaxBytes = l.MaxBytes
		}
		s.limits[t] = d
	}
	s.journal.setLimit(cfg.JournalLimit)
	s.faults = fault.New(cfg.Faults, cfg.Seed)
	s.throttleStatus = cfg.ThrottleStatus
	if s.throttleStatus == 0 {
		s.throttleStatus = http.StatusTooManyRequests
	}
	if cfg.Solo {
		s.macMu.Solo()
		s.mu.Solo()
	}
	return s
}

// Config returns the configuration with its defaults filled in.
func (s *Server) Config() Config { return s.cfg }

func (s *Server) now() time.Time { return s.cfg.Clock() }

// Start listens on 127.0.0.1 and sets URL.
func (s *Server) Start() error {
	if s.cfg.Solo {
		return errors.New("messenger: a Solo server cannot serve a listener")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.URL = "http://" + ln.Addr().String()
	go s.srv.Serve(ln) //nolint:errcheck // ends with Close
	return nil
}

// Close stops a started server.
func (s *Server) Close() {
	if s.srv != nil {
		s.srv.Close()
	}
}

func (s *Server) customerLocked(psid string) *customer {
	c := s.customers[psid]
	if c == nil {
		c = &customer{psid: psid, keep: s.cfg.KeepDeliveries == nil || s.cfg.KeepDeliveries(psid)}
		if s.cfg.JournalLimit > 0 {
			c.deliveries.SetLimit(s.cfg.JournalLimit)
		}
		s.customers[psid] = c
		if k, ok := psidKey(psid); ok && s.wrote.Len() > 0 {
			s.wrote.Remove(k) // a forgotten customer writes again
		}
	}
	return c
}

// graphError builds an error envelope's body with a fresh fbtrace_id.
func (s *Server) graphErrorLocked(status, code, subcode int, typ, msg string) *Error {
	return &Error{Message: msg, Type: typ, Code: code, Subcode: subcode, FBTraceID: s.ids.trace(), HTTPStatus: status}
}

func errParamLocked(s *Server, msg string) *Error {
	return s.graphErrorLocked(http.StatusBadRequest, 100, 0, "OAuthException", "(#100) "+msg)
}

// WindowMessage is the message of the error a send outside the allowed
// window gets (code 10, subcode 2018278). It is the fake's plausible text,
// not a copy of Meta's, whose exact wording is not confirmed: clients
// branch on the code and subcode. It is a constant; no setting changes it.
const WindowMessage = "(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview"

// Check is the platform's dry-run verdict on req now: nil when it would
// accept it. It changes no state (the error's fbtrace_id is not drawn from
// the id stream).
func (s *Server) Check(req SendRequest) *Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	saved := s.ids
	e := s.checkLocked(&req, s.now())
	s.ids = saved
	return e
}

// CheckAttachment is the platform's verdict on uploading a file of type
// (image, audio, video, file), format and size: the format of a file whose
// name ends in "." and format, as [FileFormat] reads it ("tar.gz" and
// "backup.tar.gz" are tar.gz, "svg.gz" is gz). It changes no state.
func (s *Server) CheckAttachment(typ, format string, size int64) *Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	saved := s.ids
	e := s.checkAttachmentLocked(typ, format, size)
	s.ids = saved
	return e
}

func (s *Server) checkAttachmentLocked(typ, format string, size int64) *Error {
	lim, ok := s.limits[typ]
	if !ok {
		return errParamLocked(s, fmt.Sprintf("Param message[attachment][type] must be one of {image, audio, video, file, template} - got %q", typ))
	}
	format = formatOf(format)
	if len(lim.Formats) > 0 && !acceptsFormat(lim.Formats, format) {
		return s.graphErrorLocked(http.StatusBadRequest, 100, 2018047, "OAuthException",
			fmt.Sprintf("(#100) Upload attachment failure: %s files are not accepted as %s attachments", format, typ))
	}
	if size > lim.MaxBytes {
		return s.graphErrorLocked(http.StatusBadRequest, 100, 2018047, "OAuthException",
			fmt.Sprintf("(#100) Upload attachment failure: the file is %d bytes, over the %d bytes allowed for %s attachments", size, lim.MaxBytes, typ))
	}
	return nil
}

func normFormat(f string) string {
	f = strings.ToLower(strings.TrimPrefix(f, "."))
	if f == "jpg" {
		return "jpeg"
	}
	return f
}

// acceptsFormat reports whether a type's formats list accepts a file of
// format f (as formatOf gives it): list names f, or, for a compound format,
// its last extension (a tar.gz file is a gz file).
func acceptsFormat(list []string, f string) bool {
	last := f[strings.LastIndexByte(f, '.')+1:]
	for _, x := range list {
		if x = normFormat(x); x == f || x == last {
			return true
		}
	}
	return false
}

// checkLocked applies the Send API's rules to req at now.
func (s *Server) checkLocked(req *SendRequest, now time.Time) *Error {
	if req.Recipient.ID == "" {
		return errParamLocked(s, "The parameter recipient is required")
	}
	switch req.MessagingType {
	case Response, Update:
	case MessageTag:
		if req.Tag == "" {
			return errParamLocked(s, "Param tag is required when messaging_type is MESSAGE_TAG")
		}
	case "":
		if req.SenderAction == "" && s.cfg.RequireMessagingType {
			return errParamLocked(s, "The parameter messaging_type is required")
		}
	default:
		return errParamLocked(s, fmt.Sprintf("Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG} - got %q", req.MessagingType))
	}
	if req.Tag != "" && nameIndex(tagNames, req.Tag) == 0 { // tagNames[0] is no tag
		return errParamLocked(s, fmt.Sprintf("Param tag must be one of {%s} - got %q", strings.Join(Tags(), ", "), req.Tag))
	}
	m := req.Message
	switch {
	case req.SenderAction != "":
		if m != nil {
			return errParamLocked(s, "sender_action cannot be sent with message")
		}
		switch req.SenderAction {
		case "typing_on", "typing_off", "mark_seen":
		default:
			return errParamLocked(s, fmt.Sprintf("Param sender_action must be one of {typing_on, typing_off, mark_seen} - got %q", req.SenderAction))
		}
	case m == nil || m.Text == "" && m.Attachment == nil:
		return errParamLocked(s, "Must send either message or sender_action")
	case m.Text != "" && m.Attachment != nil:
		return errParamLocked(s, "Only one of the text or attachment parameters can be set")
	case m.Text != "":
		if s.cfg.MaxTextLength > 0 && utf8.RuneCountInString(m.Text) > s.cfg.MaxTextLength {
			return errParamLocked(s, fmt.Sprintf("Length of param message[text] must be less than or equal to %d", s.cfg.MaxTextLength))
		}
	default:
		a := m.Attachment
		if _, ok := s.limits[a.Type]; !ok {
			return errParamLocked(s, fmt.Sprintf("Param message[attachment][type] must be one of {image, audio, video, file, template} - got %q", a.Type))
		}
		switch {
		case a.Payload.AttachmentID != "":
			u, ok := s.uploads[a.Payload.AttachmentID]
			if !ok {
				return s.graphErrorLocked(http.StatusBadRequest, 100, 2018047, "OAuthException", "(#100) Upload attachment failure: no attachment with id "+strconv.Quote(a.Payload.AttachmentID))
			}
			if u.kind != a.Type {
				return s.graphErrorLocked(http.StatusBadRequest, 100, 2018047, "OAuthException",
					fmt.Sprintf("(#100) Upload attachment failure: attachment %s is a %s, not a %s", a.Payload.AttachmentID, u.kind, a.Type))
			}
		case a.Payload.URL != "":
			if u, err := url.Parse(a.Payload.URL); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
				return errParamLocked(s, "Param message[attachment][payload][url] must be a valid URL")
			}
		default:
			return errParamLocked(s, "Param message[attachment][payload] must have an attachment_id or a url")
		}
	}
	c := s.customers[req.Recipient.ID]
	if c == nil && s.forgottenLocked(req.Recipient.ID) {
		c = &customer{psid: req.Recipient.ID, hasInbound: true, lastInbound: closedLongAgo} // every window closed long ago
	}
	if c == nil || !c.hasInbound {
		return s.graphErrorLocked(http.StatusBadRequest, 100, 2018001, "OAuthException", "(#100) No matching user found")
	}
	return s.windowLocked(c, req, now)
}

// windowLocked applies the messaging window: RESPONSE and UPDATE within
// Window of the customer's last message, HUMAN_AGENT within
// HumanAgentWindow (or Window when the page is not approved for it), the
// other tags at any time; and any of them within AdWindow of the
// customer's last message from an ad, when AdWindow models it.
func (s *Server) windowLocked(c *customer, req *SendRequest, now time.Time) *Error {
	if s.cfg.Window < 0 {
		return nil
	}
	limit := s.cfg.Window
	if req.MessagingType == MessageTag {
		if req.Tag != HumanAgent {
			return nil
		}
		if s.cfg.HumanAgentWindow > limit {
			limit = s.cfg.HumanAgentWindow
		}
	}
	if !forget.Old(now.UnixNano(), c.lastInbound, int64(limit)) {
		return nil
	}
	if c.fromAd && !forget.Old(now.UnixNano(), c.adInbound, int64(s.cfg.AdWindow)) {
		return nil // the ad window is still open
	}
	return s.graphErrorLocked(http.StatusBadRequest, 10, 2018278, "OAuthException", WindowMessage)
}

func (s *Server) sendLocked(req *SendRequest, now time.Time, path string) (SendResponse, *Error) {
	if e := s.checkLocked(req, now); e != nil {
		s.recordErrorLocked(now, http.MethodPost, path, e, req.Recipient.ID)
		return SendResponse{}, e
	}
	s.counts.Requests++
	s.journal.requests.Add(Request{At: now, Method: http.MethodPost, Path: path, Status: http.StatusOK})
	c := s.customers[req.Recipient.ID]
	if c == nil { // forgotten (checkLocked): its deliveries are not kept
		c = &customer{psid: req.Recipient.ID}
	}
	if req.SenderAction != "" {
		return SendResponse{RecipientID: c.psid}, nil
	}
	mid := s.ids.mid()
	d := delivRec{at: now, id: mid, mtype: nameIndex(messagingTypes[:], req.MessagingType), tag: nameIndex(tagNames, req.Tag)}
	if m := req.Message; m.Attachment != nil {
		d.content, d.att = m.Attachment.Payload.AttachmentID, &attachmentRec{typ: m.Attachment.Type, url: m.Attachment.Payload.URL}
	} else {
		d.content = m.Text
	}
	if c.keep {
		c.deliveries.Add(d)
	}
	s.counts.Deliveries++
	s.journal.deliveries.Add(delivEntry{delivRec: d, to: c.psid})
	if !s.cfg.DisableDeliveries {
		s.receipts = append(s.receipts, receipt{psid: c.psid, mid: mid})
	}
	return SendResponse{RecipientID: c.psid, MessageID: mid}, nil
}

func (s *Server) recordErrorLocked(now time.Time, method, path string, e *Error, to string) {
	s.counts.Requests++
	s.journal.requests.Add(Request{At: now, Method: method, Path: path, Status: e.HTTPStatus, Code: e.Code})
	ent := ErrorEntry{At: now, To: to, Code: e.Code, Subcode: e.Subcode, HTTPStatus: e.HTTPStatus, Message: e.Message}
	s.counts.Errors++
	s.journal.errors.Add(ent)
	if c := s.customers[to]; c != nil {
		c.lastError = &ent
	}
}

func (s *Server) uploadLocked(typ, format string, size int64, now time.Time, path string) (string, *Error) {
	if e := s.checkAttachmentLocked(typ, format, size); e != nil {
		s.recordErrorLocked(now, http.MethodPost, path, e, "")
		return "", e
	}
	s.counts.Requests++
	s.journal.requests.Add(Request{At: now, Method: http.MethodPost, Path: path, Status: http.StatusOK})
	id := s.ids.attachmentID()
	s.uploads[id] = upload{kind: typ, format: formatOf(format), size: size}
	return id, nil
}

// ServeHTTP serves the Graph API routes of the page: see the package
// documentation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	var segBuf [3]string
	segs := splitPath(r.URL.Path, segBuf[:0])
	if len(segs) == 3 && validVersion(segs[0]) {
		segs = segs[1:]
	}
	fail := func(e *Error, to string) {
		s.mu.Lock()
		s.recordErrorLocked(now, r.Method, r.URL.Path, e, to)
		s.mu.Unlock()
		writeError(w, e)
	}
	if r.Method != http.MethodPost {
		s.mu.Lock()
		e := s.graphErrorLocked(http.StatusBadRequest, 100, 0, "GraphMethodException", fmt.Sprintf("(#100) Unsupported %s request.", strings.ToLower(r.Method)))
		s.mu.Unlock()
		fail(e, "")
		return
	}
	if r.ContentLength > MaxBodySize && !isMultipart(r) {
		s.mu.Lock()
		e := errParamLocked(s, "Request body too large")
		s.mu.Unlock()
		fail(e, "")
		return
	}
	if e := s.authorize(r); e != nil {
		fail(e, "")
		return
	}
	if len(segs) != 2 {
		s.mu.Lock()
		e := s.graphErrorLocked(http.StatusBadRequest, 2500, 0, "OAuthException", "(#2500) Unknown path components: "+r.URL.Path)
		s.mu.Unlock()
		fail(e, "")
		return
	}
	if segs[0] != "me" && segs[0] != s.cfg.PageID {
		s.mu.Lock()
		e := s.graphErrorLocked(http.StatusBadRequest, 100, 33, "GraphMethodException",
			fmt.Sprintf("Unsupported post request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", segs[0]))
		s.mu.Unlock()
		fail(e, "")
		return
	}
	switch segs[1] {
	case "messages":
		s.mu.Lock()
		e := s.sendFaultLocked(now, r.Method, r.URL.Path)
		s.mu.Unlock()
		if e != nil {
			writeError(w, e)
			return
		}
		var req SendRequest
		var file *fileUpload
		if isMultipart(r) {
			req, file, e = s.readMultipartSend(r)
		} else {
			req, e = s.readSend(r)
		}
		if e != nil {
			fail(e, "")
			return
		}
		s.mu.Lock()
		if file != nil {
			// An attachment uploaded with the send: the file is
			// checked and stored first, as by the upload API.
			var id string
			if id, e = s.uploadLocked(file.typ, file.format, file.size, now, r.URL.Path); e == nil {
				req.Message.Attachment.Payload.AttachmentID = id
			}
		}
		var resp SendResponse
		if e == nil {
			resp, e = s.sendLocked(&req, now, r.URL.Path)
		}
		s.mu.Unlock()
		if e != nil {
			writeError(w, e)
			return
		}
		// Built in a pooled buffer: Write copies it.
		buf := bodyPool.Get().(*bytes.Buffer)
		buf.Reset()
		buf.Grow(96)
		b := appendSendResponse(buf.AvailableBuffer(), resp)
		writeJSON(w, http.StatusOK, b)
		bodyPool.Put(buf)
	case "message_attachments":
		typ, format, size, e := s.readUpload(r)
		if e != nil {
			fail(e, "")
			return
		}
		s.mu.Lock()
		id, e := s.uploadLocked(typ, format, size, now, r.URL.Path)
		s.mu.Unlock()
		if e != nil {
			writeError(w, e)
			return
		}
		writeJSON(w, http.StatusOK, []byte(`{"attachment_id":"`+id+`"}`))
	default:
		s.mu.Lock()
		e := s.graphErrorLocked(http.StatusBadRequest, 2500, 0, "OAuthException", "(#2500) Unknown path components: /"+segs[1])
		s.mu.Unlock()
		fail(e, "")
	}
}

// splitPath appends the segments of p (without empty ones at its ends) to
// dst, up to four: a longer path is unknown anyway.
func splitPath(p string, dst []string) []string {
	p = strings.Trim(p, "/")
	for len(dst) < 4 {
		seg, rest, more := strings.Cut(p, "/")
		dst = append(dst, seg)
		if !more {
			break
		}
		p = rest
	}
	return dst
}

// isMultipart reports whether the request's Content-Type is multipart. The
// key is canonical, as are a served request's, so the map is read directly:
// Header.Get would canonicalize it again on every call.
func isMultipart(r *http.Request) bool {
	v := r.Header["Content-Type"]
	return len(v) > 0 && strings.HasPrefix(v[0], "multipart/")
}

func validVersion(v string) bool {
	if len(v) < 4 || v[0] != 'v' {
		return false
	}
	maj, min, ok := strings.Cut(v[1:], ".")
	return ok && maj != "" && min != "" && digits(maj) && digits(min)
}

// digits reports whether s is made of ASCII digits only.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// escaped reports whether a query's key or value holds '%' or '+', which
// unescaping changes.
func escaped(s string) bool {
	return strings.IndexByte(s, '%') >= 0 || strings.IndexByte(s, '+') >= 0
}

// authorize checks the page access token: the access_token query (or form)
// parameter, or an "Authorization: Bearer" (or "OAuth") header.
func (s *Server) authorize(r *http.Request) *Error {
	tok := queryToken(r.URL.RawQuery)
	if tok == "" {
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, rest, _ := strings.Cut(h, " ")
			if strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "OAuth") {
				tok = strings.TrimSpace(rest)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case tok == "":
		return s.graphErrorLocked(http.StatusBadRequest, 104, 0, "OAuthException", "An access token is required to request this resource.")
	case !hmac.Equal([]byte(tok), []byte(s.cfg.AccessToken)):
		return s.graphErrorLocked(http.StatusBadRequest, 190, 0, "OAuthException", "Invalid OAuth access token - Cannot parse access token")
	}
	return nil
}

// queryToken is the access_token query parameter, as url.ParseQuery would
// read it (the first value), without building the whole map.
func queryToken(raw string) string {
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if strings.Contains(kv, ";") {
			continue // url.ParseQuery refuses such a pair
		}
		k, v, _ := strings.Cut(kv, "=")
		if k != "access_token" {
			if !escaped(k) {
				continue
			}
			if uk, err := url.QueryUnescape(k); err != nil || uk != "access_token" {
				continue
			}
		}
		if escaped(v) {
			uv, err := url.QueryUnescape(v)
			if err != nil {
				continue // url.ParseQuery drops a pair it cannot unescape
			}
			return uv
		}
		return v
	}
	return ""
}

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readSend decodes a Send API body: JSON, or form fields (recipient and
// message as JSON) merged with the query.
func (s *Server) readSend(r *http.Request) (SendRequest, *Error) {
	var req SendRequest
	// A body handed over in process (httpcall.Body) is read where it is;
	// any other into a pooled buffer. Decoding copies every string out of
	// it.
	body, ok := httpcall.Body(r)
	unread := ok && len(body) > MaxBodySize // too large, or unreadable
	if !ok {
		buf := bodyPool.Get().(*bytes.Buffer)
		buf.Reset()
		defer func() {
			if buf.Cap() <= 64<<10 {
				bodyPool.Put(buf)
			}
		}()
		unread = httpcall.ReadBody(buf, r.Body, MaxBodySize) != nil
		body = buf.Bytes()
	}
	if unread {
		s.mu.Lock()
		defer s.mu.Unlock()
		return req, errParamLocked(s, "Request body too large or unreadable")
	}
	var ct string // the header map as served holds canonical keys: no Get
	if v := r.Header["Content-Type"]; len(v) > 0 {
		ct = v[0]
	}
	if ct != "application/json" {
		ct, _, _ = mime.ParseMediaType(ct)
	}
	if ct == "application/x-www-form-urlencoded" || len(bytes.TrimSpace(body)) == 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			s.mu.Lock()
			defer s.mu.Unlock()
			return req, errParamLocked(s, "Malformed form body")
		}
		return s.formSend(r.URL.Query(), form)
	}
	if e := DecodeSend(body, &req); e != "" {
		s.mu.Lock()
		defer s.mu.Unlock()
		return req, errParamLocked(s, e)
	}
	return req, nil
}

func (s *Server) formSend(q, form url.Values) (SendRequest, *Error) {
	var req SendRequest
	get := func(k string) string {
		if v := form.Get(k); v != "" {
			return v
		}
		return q.Get(k)
	}
	req.MessagingType, req.Tag, req.SenderAction, req.NotificationType = get("messaging_type"), get("tag"), get("sender_action"), get("notification_type")
	if v := get("recipient"); v != "" {
		if err := json.Unmarshal([]byte(v), &req.Recipient); err != nil {
			s.mu.Lock()
			defer s.mu.Unlock()
			return req, errParamLocked(s, "Param recipient must be a JSON object")
		}
	}
	if v := get("message"); v != "" {
		req.Message = new(Message)
		if err := json.Unmarshal([]byte(v), req.Message); err != nil {
			s.mu.Lock()
			defer s.mu.Unlock()
			return req, errParamLocked(s, "Param message must be a JSON object")
		}
	}
	return req, nil
}

// DecodeSend decodes a JSON Send API body into req; it returns the Graph
// error message for a body it refuses, "" on success.
//
// The common body is read in one pass without reflection; anything the
// scanner cannot decode exactly as encoding/json would is decoded by
// encoding/json, which then decides.
func DecodeSend(body []byte, req *SendRequest) string {
	if r, ok := decodeSendFast(body); ok {
		*req = r
		return ""
	}
	return decodeSendStd(body, req)
}

func decodeSendStd(body []byte, req *SendRequest) string {
	slow := *req // on the heap (encoding/json) only on this path, not req
	err := json.Unmarshal(body, &slow)
	*req = slow
	if err != nil {
		return "Invalid JSON in the request body"
	}
	return ""
}

// sendWords are the values a send body repeats.
var sendWords = []string{Response, Update, MessageTag, HumanAgent, "image", "audio", "video", "file"}

var (
	keysSend       = []string{"recipient", "messaging_type", "tag", "message", "sender_action", "notification_type"}
	keysRecipient  = []string{"id"}
	keysMessage    = []string{"text", "attachment", "metadata"}
	keysAttachment = []string{"type", "payload"}
	keysPayload    = []string{"attachment_id", "url", "is_reusable"}
)

// scanner is the package's one-pass JSON reader: the send decoder is its
// methods.
type scanner struct {
	jsonscan.Scanner
	// strs makes the strings read (recipients, texts, URLs), which live
	// about as long as their conversation.
	strs jsonscan.Arena
	// msgs is the rest of a block that decoded messages are made in; a
	// message once handed out is never handed out again.
	msgs []Message
}

// str decodes a string value: one of sendWords without a copy, any other
// made in the scanner's arena.
func (d *scanner) str() string { return d.StrInArena(sendWords, &d.strs) }

// oneStr decodes an object whose one declared member is the string name
// (names lists every key the destination declares, for Unknown): its value
// as str gives it, "" when the object has none.
func (d *scanner) oneStr(name string, names []string) string {
	return d.OneStrArena(name, names, sendWords, &d.strs)
}

// scanners keeps scanners with their unquoting buffers.
var scanners = sync.Pool{New: func() any { return new(scanner) }}

// decodeSendFast decodes a body as encoding/json would into a
// SendRequest; ok is false where encoding/json must decide (also for a
// body that is not JSON).
func decodeSendFast(body []byte) (req SendRequest, ok bool) {
	d := scanners.Get().(*scanner)
	d.Reset(body)
	defer func() {
		d.Clear()
		scanners.Put(d)
	}()
	if !d.Open('{') {
		return req, false
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			break
		}
		switch string(key) {
		case "recipient":
			if d.Seen(&mask, 1) {
				req.Recipient.ID = d.oneStr("id", keysRecipient)
			}
		case "messaging_type":
			if d.Seen(&mask, 2) {
				req.MessagingType = d.str()
			}
		case "tag":
			if d.Seen(&mask, 4) {
				req.Tag = d.str()
			}
		case "message":
			if d.Seen(&mask, 8) {
				req.Message = d.message()
			}
		case "sender_action":
			if d.Seen(&mask, 16) {
				req.SenderAction = d.str()
			}
		case "notification_type":
			if d.Seen(&mask, 32) {
				req.NotificationType = d.str()
			}
		default:
			d.Unknown(key, keysSend...)
		}
	}
	return req, d.End()
}

func (d *scanner) message() *Message {
	if len(d.msgs) == 0 {
		d.msgs = make([]Message, 64)
	}
	m := &d.msgs[0]
	d.msgs = d.msgs[1:]
	if !d.Open('{') {
		return m
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return m
		}
		switch string(key) {
		case "text":
			if d.Seen(&mask, 1) {
				m.Text = d.str()
			}
		case "attachment":
			if d.Seen(&mask, 2) {
				m.Attachment = d.attachment()
			}
		case "metadata":
			if d.Seen(&mask, 4) {
				m.Metadata = d.str()
			}
		default:
			d.Unknown(key, keysMessage...)
		}
	}
}

func (d *scanner) attachment() *Attachment {
	a := &Attachment{}
	if !d.Open('{') {
		return a
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return a
		}
		switch string(key) {
		case "type":
			if d.Seen(&mask, 1) {
				a.Type = d.str()
			}
		case "payload":
			if d.Seen(&mask, 2) {
				d.payload(&a.Payload)
			}
		default:
			d.Unknown(key, keysAttachment...)
		}
	}
}

func (d *scanner) payload(p *AttachmentPayload) {
	if !d.Open('{') {
		return
	}
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return
		}
		switch string(key) {
		case "attachment_id":
			if d.Seen(&mask, 1) {
				p.AttachmentID = d.str()
			}
		case "url":
			if d.Seen(&mask, 2) {
				p.URL = d.str()
			}
		case "is_reusable":
			if d.Seen(&mask, 4) {
				p.IsReusable = d.Bool()
			}
		default:
			d.Unknown(key, keysPayload...)
		}
	}
}

// fileUpload is a file sent in a multipart request.
type fileUpload struct {
	typ, format string
	size        int64
}

// readMultipartSend reads a send with its attachment's file: the
// multipart fields recipient, message (JSON), messaging_type, tag and the
// file in "filedata".
func (s *Server) readMultipartSend(r *http.Request) (SendRequest, *fileUpload, *Error) {
	var req SendRequest
	fields, file, msg := s.readMultipart(r)
	if msg != "" {
		s.mu.Lock()
		defer s.mu.Unlock()
		return req, nil, errParamLocked(s, msg)
	}
	req, e := s.formSend(r.URL.Query(), fields)
	if e != nil {
		return req, nil, e
	}
	if file != nil {
		if req.Message == nil || req.Message.Attachment == nil || req.Message.Text != "" {
			s.mu.Lock()
			defer s.mu.Unlock()
			return req, nil, errParamLocked(s, "Param message must be an attachment when filedata is sent")
		}
		file.typ = req.Message.Attachment.Type
		if _, ok := s.limits[file.typ]; !ok {
			s.mu.Lock()
			defer s.mu.Unlock()
			return req, nil, errParamLocked(s, fmt.Sprintf("Param message[attachment][type] must be one of {image, audio, video, file, template} - got %q", file.typ))
		}
	}
	return req, file, nil
}

// readMultipart reads a multipart/form-data body: its short fields, and
// the file in "filedata" (counted, not kept). msg says what is wrong.
func (s *Server) readMultipart(r *http.Request) (fields url.Values, file *fileUpload, msg string) {
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" || params["boundary"] == "" {
		return nil, nil, "The body must be multipart/form-data"
	}
	fields = url.Values{}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for n := 0; ; n++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			return fields, file, ""
		}
		if err != nil || n == 32 {
			return nil, nil, "Malformed multipart body"
		}
		if p.FormName() == "filedata" {
			size, err := io.Copy(io.Discard, p)
			if err != nil {
				return nil, nil, "Malformed multipart body"
			}
			file = &fileUpload{format: partFormat(p.FileName(), p.Header.Get("Content-Type")), size: size}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(p, 64<<10))
		if err != nil {
			return nil, nil, "Malformed multipart body"
		}
		fields.Set(p.FormName(), string(b))
	}
}

// readUpload reads an Attachment Upload API request: the multipart field
// "message" ({"attachment":{"type":...,"payload":{"is_reusable":true}}})
// and the file in "filedata", whose bytes are counted.
func (s *Server) readUpload(r *http.Request) (typ, format string, size int64, e *Error) {
	bad := func(msg string) (string, string, int64, *Error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return "", "", 0, errParamLocked(s, msg)
	}
	fields, file, msg := s.readMultipart(r)
	if msg != "" {
		return bad(msg)
	}
	var m Message
	if json.Unmarshal([]byte(fields.Get("message")), &m) != nil || m.Attachment == nil {
		return bad("Param message must be a JSON object with an attachment")
	}
	if file == nil {
		return bad("The parameter filedata is required")
	}
	return m.Attachment.Type, file.format, file.size, nil
}

// FileFormat is the format the platform reads from the name of an
// uploaded file: its last extension, lower-cased, jpg as jpeg, or its last
// two when they name a compressed tar archive as a MIME table does
// ("x.tar.gz" is tar.gz, "x.svg.gz" is gz, a file named "tar.gz" gz); "" when
// the name has no extension (the part's Content-Type decides then).
func FileFormat(name string) string {
	if i := strings.IndexByte(name, '.'); i >= 0 {
		return formatOf(name[i+1:])
	}
	return ""
}

// formatOf is the format of a file whose name ends in "." and exts, a
// dot-separated list of extensions (a name's, after its first dot, or a
// format given by value): see [FileFormat]. It never allocates for a
// lower-case exts.
func formatOf(exts string) string {
	i := strings.LastIndexByte(exts, '.')
	last := exts[i+1:]
	if last == "" {
		return ""
	}
	if i >= 0 {
		prev := exts[:i]
		if c := compoundFormat(prev[strings.LastIndexByte(prev, '.')+1:], last); c != "" {
			return c
		}
	}
	return normFormat(last)
}

// compoundFormats are the formats of two extensions the platform reads as
// one: the compressed tar archives of the shared MIME database.
var compoundFormats = [...]string{"tar.gz", "tar.bz2", "tar.xz", "tar.zst", "tar.lz", "tar.lzma", "tar.z"}

// compoundFormat is the compound format of the extensions prev and last
// (in any case), or "" when they make none.
func compoundFormat(prev, last string) string {
	if !strings.EqualFold(prev, "tar") {
		return ""
	}
	for _, c := range compoundFormats {
		if strings.EqualFold(c[len("tar."):], last) {
			return c
		}
	}
	return ""
}

// partFormat is the format of an uploaded file named name, its part's
// Content-Type ct: the name's extension, or, when it has none, the format
// mimeFormat gives ct ("" for a type not in it, application/octet-stream
// among them). The host's MIME tables are never read.
func partFormat(name, ct string) string {
	if f := FileFormat(name); f != "" {
		return f
	}
	ct, _, _ = strings.Cut(ct, ";")
	return mimeFormat[strings.ToLower(strings.TrimSpace(ct))]
}

// mimeFormat maps an upload part's Content-Type to a format, used when the
// file name has no extension.
var mimeFormat = map[string]string{
	"image/jpeg": "jpeg", "image/jpg": "jpeg", "image/pjpeg": "jpeg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
	"audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/mp4": "m4a", "audio/x-m4a": "m4a", "audio/aac": "aac", "audio/ogg": "ogg", "audio/wav": "wav",
	"video/mp4": "mp4", "video/quicktime": "mov", "video/3gpp": "3gp", "video/webm": "webm",
	"text/plain": "txt", "application/pdf": "pdf", "application/zip": "zip",
	"application/msword": "doc", "application/vnd.ms-excel": "xls", "application/vnd.ms-powerpoint": "ppt",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   "docx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         "xlsx",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
}

func writeError(w http.ResponseWriter, e *Error) {
	writeJSON(w, e.HTTPStatus, AppendError(make([]byte, 0, 256), e))
}

// hdrAnswer is the Content-Type of every JSON answer, shared by all of
// them (never modified: a header Add appends to a copy, since its capacity
// is its length).
var hdrAnswer = []string{"application/json; charset=UTF-8"}

func writeJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header()["Content-Type"] = hdrAnswer
	w.WriteHeader(status)
	w.Write(b) //nolint:errcheck // the client went away
}

func appendSendResponse(b []byte, r SendResponse) []byte {
	b = append(b, `{"recipient_id":`...)
	b = appendString(b, r.RecipientID)
	if r.MessageID != "" {
		b = append(b, `,"message_id":`...)
		b = appendString(b, r.MessageID)
	}
	return append(b, '}')
}

// AppendError appends Graph's error envelope for e:
// {"error":{"message","type","is_transient","code","error_subcode","fbtrace_id"}},
// is_transient only when true and error_subcode only when not 0.
func AppendError(b []byte, e *Error) []byte {
	b = append(b, `{"error":{"message":`...)
	b = appendString(b, e.Message)
	b = append(b, `,"type":`...)
	b = appendString(b, e.Type)
	if e.IsTransient {
		b = append(b, `,"is_transient":true`...)
	}
	b = append(b, `,"code":`...)
	b = strconv.AppendInt(b, int64(e.Code), 10)
	if e.Subcode != 0 {
		b = append(b, `,"error_subcode":`...)
		b = strconv.AppendInt(b, int64(e.Subcode), 10)
	}
	b = append(b, `,"fbtrace_id":`...)
	b = appendString(b, e.FBTraceID)
	return append(b, "}}"...)
}

// Deliveries lists what the customer's Messenger received, oldest first.
func (s *Server) Deliveries(psid string) []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.customers[psid]
	if c == nil || c.deliveries.Len() == 0 {
		return nil
	}
	return bounded.Map(&c.deliveries, func(r *delivRec) Delivery { return r.delivery(c.psid) })
}

// LastError is the last error a send to the customer got; nil if none.
func (s *Server) LastError(psid string) *ErrorEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.customers[psid]; c != nil && c.lastError != nil {
		e := *c.lastError
		return &e
	}
	return nil
}

// Journal returns a copy of the journal.
func (s *Server) Journal() Journal {
	s.mu.Lock()
	defer s.mu.Unlock()
	webhooks := bounded.Map(&s.journal.webhooks, func(r *webhookRec) Webhook {
		wh := r.Webhook
		if r.ev != nil {
			wh.Body = AppendWebhook(nil, s.cfg.PageID, r.ev)
		}
		return wh
	})
	return Journal{Requests: s.journal.requests.Snapshot(), Webhooks: webhooks,
		Deliveries: bounded.Map(&s.journal.deliveries, func(e *delivEntry) Delivery { return e.delivery(e.to) }), Errors: s.journal.errors.Snapshot()}
}

// Counts returns the exact totals.
func (s *Server) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// NextRetry is when the next failed webhook is due to be retried.
func (s *Server) NextRetry() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.retries) == 0 {
		return time.Time{}, false
	}
	return s.retries[0].due, true
}

// errNoWebhookURL is returned by the customer-side calls when neither a
// WebhookURL nor Deliver is configured.
var errNoWebhookURL = errors.New("messenger: Config.WebhookURL is empty")

// retryHeap orders the webhooks waiting for a retry by due time.
type retryHeap []*hook

func (h retryHeap) Len() int { return len(h) }
func (h retryHeap) Less(i, j int) bool {
	if !h[i].due.Equal(h[j].due) {
		return h[i].due.Before(h[j].due)
	}
	return h[i].seq < h[j].seq
}
func (h retryHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *retryHeap) Push(x any)   { *h = append(*h, x.(*hook)) }
func (h *retryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Doer makes HTTP calls: an *http.Client, or anything with its Do method,
// such as an in-memory transport that serves a call without a client.
type Doer = httpcall.Doer
