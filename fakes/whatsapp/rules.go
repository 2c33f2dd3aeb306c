package whatsapp

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"github.com/omnisim/omnisim/fakes/forget"
)

// Error codes the fake answers with.
const (
	CodeInvalidParameter  = 100    // "Invalid parameter" (also 100/33 "Unsupported post request")
	CodeInvalidToken      = 190    // "Invalid OAuth access token"
	CodeUnknownPath       = 2500   // "Unknown path components"
	CodeInvalidValue      = 131009 // "Parameter value is not valid" (mark as read of an unknown message)
	CodeReEngagement      = 131047 // "Re-engagement message" (24 h window)
	CodeMediaUpload       = 131053 // "Media upload error"
	CodeTemplateNotExists = 132001 // "Template name does not exist in the translation"
)

// SubcodeUnsupportedRequest is the error_subcode of the 100 answered for a
// wrong phone-number-id or method ("Unsupported post request").
const SubcodeUnsupportedRequest = 33

// Error titles.
const (
	titleInvalidParameter  = "Invalid parameter"
	titleUnsupported       = "Unsupported request"
	titleInvalidToken      = "Invalid OAuth access token"
	titleUnknownPath       = "Unknown path components"
	titleInvalidValue      = "Parameter value is not valid"
	titleReEngagement      = "Re-engagement message"
	titleMediaUpload       = "Media upload error"
	titleTemplateNotExists = "Template name does not exist in the translation"
)

// DetailsReEngagement is the error_data.details of a 131047.
const DetailsReEngagement = "Message failed to send because more than 24 hours have passed since the customer last replied to this number."

// errorHref is the href of webhook errors.
const errorHref = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"

func newError(status, code, subcode int, title, details string) *Error {
	return &Error{
		Message:      "(#" + strconv.Itoa(code) + ") " + title,
		Type:         "OAuthException",
		Code:         code,
		ErrorSubcode: subcode,
		ErrorData:    &ErrorData{MessagingProduct: "whatsapp", Details: details},
		HTTPStatus:   status,
	}
}

func errParam(details string) *Error {
	return newError(http.StatusBadRequest, CodeInvalidParameter, 0, titleInvalidParameter, details)
}

func errParamf(format string, args ...any) *Error {
	return errParam(fmt.Sprintf(format, args...))
}

func errMedia(format string, args ...any) *Error {
	return newError(http.StatusBadRequest, CodeMediaUpload, 0, titleMediaUpload, fmt.Sprintf(format, args...))
}

// MediaKinds are the media kinds, in the order uploads are classified.
var MediaKinds = []string{"image", "audio", "video", "document", "sticker"}

// DefaultMedia returns the default media limits (research table; MB = 1<<20).
func DefaultMedia() map[string]MediaLimit {
	return map[string]MediaLimit{
		"image":    {Formats: []string{"jpeg", "png"}, MaxBytes: 5 << 20},
		"audio":    {Formats: []string{"aac", "amr", "mp3", "m4a", "ogg"}, MaxBytes: 16 << 20},
		"video":    {Formats: []string{"mp4", "3gp"}, MaxBytes: 16 << 20},
		"document": {Formats: []string{"txt", "xls", "xlsx", "doc", "docx", "ppt", "pptx", "pdf"}, MaxBytes: 100 << 20},
		"sticker":  {Formats: []string{"webp"}, MaxBytes: 500 << 10, StaticMaxBytes: 100 << 10},
	}
}

// mimeFormat maps the MIME types of Meta's media table to formats.
var mimeFormat = map[string]string{
	"image/jpeg":                    "jpeg",
	"image/jpg":                     "jpeg",
	"image/png":                     "png",
	"image/webp":                    "webp",
	"audio/aac":                     "aac",
	"audio/amr":                     "amr",
	"audio/mpeg":                    "mp3",
	"audio/mp3":                     "mp3",
	"audio/mp4":                     "m4a",
	"audio/x-m4a":                   "m4a",
	"audio/ogg":                     "ogg",
	"video/mp4":                     "mp4",
	"video/3gpp":                    "3gp",
	"text/plain":                    "txt",
	"application/pdf":               "pdf",
	"application/msword":            "doc",
	"application/vnd.ms-excel":      "xls",
	"application/vnd.ms-powerpoint": "ppt",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   "docx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         "xlsx",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
}

// formatMIME is the MIME type a format is reported with in webhooks.
var formatMIME = map[string]string{
	"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp",
	"aac": "audio/aac", "amr": "audio/amr", "mp3": "audio/mpeg", "m4a": "audio/mp4", "ogg": "audio/ogg",
	"mp4": "video/mp4", "3gp": "video/3gpp",
	"txt": "text/plain", "pdf": "application/pdf", "doc": "application/msword",
	"xls": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint",
	"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

// mediaExtensions are link path extensions that name a media format; a link
// whose extension is one of these (or a configured format) is checked
// against the message kind.
var mediaExtensions = map[string]bool{
	"gif": true, "bmp": true, "tif": true, "tiff": true, "heic": true, "heif": true, "svg": true, "avif": true,
	"wav": true, "flac": true, "opus": true, "wma": true, "mid": true,
	"webm": true, "mov": true, "avi": true, "mkv": true, "wmv": true, "flv": true, "mpeg": true, "mpg": true,
	"csv": true, "rtf": true, "odt": true, "ods": true, "odp": true, "zip": true, "rar": true, "7z": true,
	"html": true, "htm": true, "json": true, "xml": true, "epub": true,
}

// normFormat lower-cases a format, drops a leading dot and maps jpg to jpeg.
func normFormat(f string) string {
	f = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(f), "."))
	if f == "jpg" {
		return "jpeg"
	}
	return f
}

// mediaRule is a resolved MediaLimit.
type mediaRule struct {
	formats  map[string]bool
	list     string // for error details
	maxBytes int64
	// staticMax is the limit of a file known to be a static WebP image
	// (at most maxBytes); 0: maxBytes.
	staticMax int64
}

func buildMedia(cfg map[string]MediaLimit) map[string]*mediaRule {
	out := map[string]*mediaRule{}
	def := DefaultMedia()
	for k, l := range cfg {
		k = strings.ToLower(k)
		d := def[k]
		if l.Formats != nil {
			d.Formats = l.Formats
		}
		if l.MaxBytes > 0 {
			d.MaxBytes = l.MaxBytes
		}
		if l.StaticMaxBytes != 0 {
			d.StaticMaxBytes = l.StaticMaxBytes
		}
		def[k] = d
	}
	for k, l := range def {
		r := &mediaRule{formats: map[string]bool{}, maxBytes: l.MaxBytes}
		if l.StaticMaxBytes > 0 && l.StaticMaxBytes < l.MaxBytes {
			r.staticMax = l.StaticMaxBytes
		}
		var names []string
		for _, f := range l.Formats {
			f = normFormat(f)
			if f != "" && !r.formats[f] {
				r.formats[f] = true
				names = append(names, f)
			}
		}
		r.list = strings.Join(names, ", ")
		out[k] = r
	}
	return out
}

// checkMedia is the single media rule: kind, format, size, for a file
// known by its size alone.
func (s *Server) checkMedia(kind, format string, size int64) *Error {
	return s.checkMediaShaped(kind, format, size, webpUnknown)
}

// checkMediaShaped is checkMedia of a file whose bytes showed it to be
// shape: a static WebP image is held to the kind's static limit.
func (s *Server) checkMediaShaped(kind, format string, size int64, shape webpShape) *Error {
	r := s.media[kind]
	if r == nil {
		return errParamf("Unsupported media type %q. Supported types: image, audio, video, document, sticker.", kind)
	}
	f := normFormat(format)
	if !r.formats[f] {
		if r.list == "" {
			return errMedia("%s media is not accepted.", kind)
		}
		return errMedia("Unsupported %s format %q. Supported %s formats: %s.", kind, f, kind, r.list)
	}
	if size < 0 {
		return errParamf("Invalid file size %d.", size)
	}
	if size > r.maxBytes {
		return errMedia("%s file is too large: %d bytes; the maximum %s size is %d bytes (%s).", kind, size, kind, r.maxBytes, humanBytes(r.maxBytes))
	}
	if shape == webpStatic && r.staticMax > 0 && size > r.staticMax {
		return errMedia("%s file is too large: %d bytes; the maximum size of a static (not animated) %s is %d bytes (%s).", kind, size, kind, r.staticMax, humanBytes(r.staticMax))
	}
	return nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// classifyMIME returns the kind and format of an upload's MIME type. The kind
// is the MIME top-level type's kind when it lists the format, else the first
// kind (in MediaKinds order) that does (image/webp is a sticker); "" when the
// MIME type names no media kind.
func (s *Server) classifyMIME(mime string) (kind, format string) {
	m := strings.ToLower(strings.TrimSpace(mime))
	if i := strings.IndexByte(m, ';'); i >= 0 {
		m = strings.TrimSpace(m[:i])
	}
	top, sub, ok := strings.Cut(m, "/")
	if !ok || sub == "" {
		return "", ""
	}
	format, known := mimeFormat[m]
	if !known {
		format = normFormat(strings.TrimPrefix(sub, "x-"))
	}
	switch top {
	case "image", "audio", "video":
		kind = top
	case "application", "text":
		kind = "document"
	}
	if r := s.media[kind]; r != nil && r.formats[format] {
		return kind, format
	}
	for _, k := range MediaKinds {
		if r := s.media[k]; r != nil && r.formats[format] {
			return k, format
		}
	}
	return kind, format
}

// waID validates a phone number with libphonenumber and returns its wa_id
// (E.164 digits without "+"). The number may be written with a leading "+"
// and the separators space, "-", "(", ")" and "."; see normalizePhone.
//
// libphonenumber decides; its answers are reused two ways. The wa_id of a
// known customer, written as the digits with or without "+", is that
// customer's when libphonenumber has said the wa_id is its own E.164 form
// (customer.canonical): every number the simulator generates, after its
// first message. Other spellings and numbers go through a bounded cache
// (phoneCache), so memory stays bounded and nothing falls off a cliff.
func (s *Server) waID(to string) (string, bool) {
	s.mu.Lock()
	v, _, ok := s.knownLocked(to)
	s.mu.Unlock()
	if ok {
		return v, true
	}
	return s.parseCached(to)
}

// waIDLocked is waID with s.mu held; c is the customer with that wa_id
// when knownLocked found it (nil otherwise: there may still be one).
func (s *Server) waIDLocked(to string) (waID string, c *customer, ok bool) {
	if v, c, ok := s.knownLocked(to); ok {
		return v, c, true
	}
	v, ok := s.parseCached(to)
	return v, nil, ok
}

// knownLocked is waID's fast path: to is "<wa_id>" or "+<wa_id>" of a
// customer whose wa_id is canonical, so that parsePhone(to) is that wa_id
// (returned with the customer), or a number Config.KnownValid vouches for
// (returned with the customer when there is one).
func (s *Server) knownLocked(to string) (string, *customer, bool) {
	d := to
	if len(d) > 0 && d[0] == '+' {
		d = d[1:]
	}
	c := s.customers.get(d)
	if c != nil && c.canonical {
		return c.waID, c, true
	}
	if s.vouched(d) {
		return d, c, true
	}
	return "", nil, false
}

// parseCached is parsePhone through the bounded cache.
func (s *Server) parseCached(to string) (string, bool) {
	s.pmu.Lock()
	v, hit := s.phones.get(to)
	s.pmu.Unlock()
	if hit {
		return v, v != ""
	}
	v = parsePhone(to)
	s.pmu.Lock()
	s.phones.put(to, v)
	s.pmu.Unlock()
	return v, v != ""
}

// phoneCacheGeneration bounds each generation of phoneCache.
const phoneCacheGeneration = 1 << 14

// phoneCache maps number spellings to their wa_id ("" = invalid) in two
// generations: when the current one is full it becomes the old one and the
// older is dropped; a hit in the old generation moves the entry to the
// current one. So at most 2*phoneCacheGeneration entries are kept, and
// the spellings in use stay cached however many there were before.
type phoneCache struct {
	cur, old map[string]string
}

func (c *phoneCache) get(k string) (string, bool) {
	if v, ok := c.cur[k]; ok {
		return v, true
	}
	if v, ok := c.old[k]; ok {
		delete(c.old, k)
		c.put(k, v)
		return v, true
	}
	return "", false
}

func (c *phoneCache) put(k, v string) {
	if c.cur == nil || len(c.cur) >= phoneCacheGeneration {
		c.old, c.cur = c.cur, make(map[string]string)
	}
	c.cur[k] = v
}

func (c *phoneCache) len() int { return len(c.cur) + len(c.old) }

// normalizePhone returns the digits of a number written as Meta accepts
// it: surrounding spaces, an optional leading "+", then digits mixed with
// the separators space, "-", "(", ")" and ".". Any other character (a
// letter, a second "+", ...) makes it invalid: "".
func normalizePhone(to string) string {
	t := strings.TrimSpace(to)
	t = strings.TrimPrefix(t, "+")
	plain := true
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			plain = false
			break
		}
	}
	if plain {
		return t
	}
	d := make([]byte, 0, len(t))
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9':
			d = append(d, c)
		case c == ' ' || c == '-' || c == '(' || c == ')' || c == '.':
		default:
			return ""
		}
	}
	return string(d)
}

func parsePhone(to string) string {
	d := normalizePhone(to)
	if len(d) < 4 || len(d) > 15 {
		return ""
	}
	num, err := phonenumbers.Parse("+"+d, "ZZ")
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return ""
	}
	return strings.TrimPrefix(phonenumbers.Format(num, phonenumbers.E164), "+")
}

// plan is an accepted (or async-failing) send.
type plan struct {
	waID     string
	kind     string
	text     string
	template string
	caption  string
	mediaID  string
	link     string
	replyTo  string
	read     bool       // a mark-as-read request
	in       inboundRec // the message it marks (read only)
	c        *customer  // the customer with wa_id waID; nil: none (or not looked up, on an error)
}

// Check reports whether a send (or a mark-as-read request) of req would be
// accepted now, and with which error; nil means accepted. It runs the same rules, in the same order, as a
// POST to the messages endpoint with a valid token; the returned error
// differs from the wire answer only in having no FBTraceID. In [Async] mode a
// window error is returned with HTTPStatus 200: the call succeeds and the
// error arrives later as a failed status. Check changes no state.
func (s *Server) Check(req SendRequest) *Error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var p plan
	e := s.checkSendLocked(&p, &req, instantOf(now))
	return e
}

// CheckMedia reports whether an upload of a file of this kind
// (image|audio|video|document|sticker), format (lower-case extension; "jpg"
// is read as "jpeg") and size in bytes would be accepted; nil means accepted.
func (s *Server) CheckMedia(kind, format string, size int64) *Error {
	return s.checkMedia(strings.ToLower(kind), format, size)
}

// checkSendLocked is the one send rule path, shared by Check and ServeHTTP:
// it sets p, which is zero, to the send's plan and returns the error the
// rules give. s.mu must be held.
func (s *Server) checkSendLocked(p *plan, req *SendRequest, at instant) *Error {
	if req.MessagingProduct != "whatsapp" {
		return errParam(`The parameter messaging_product is required and must be "whatsapp".`)
	}
	if req.Status != "" {
		var e *Error
		*p, e = s.checkReadLocked(req)
		return e
	}
	if req.RecipientType != "" && req.RecipientType != "individual" {
		return errParamf(`Param recipient_type must be "individual"; got %q.`, req.RecipientType)
	}
	if req.To == "" {
		return errParam("The parameter to is required.")
	}
	waID, c, ok := s.waIDLocked(req.To)
	if !ok {
		return errParamf("Param to must be a valid phone number in international format (digits, optional leading +, separators space - ( ) .); got %q.", req.To)
	}
	if c == nil {
		c = s.customers.get(waID)
	}
	p.waID, p.c = waID, c
	if req.Context != nil {
		p.replyTo = req.Context.MessageID
	}
	p.kind = internKind(req.Type)
	if p.kind == "text" {
		if req.Text == nil || req.Text.Body == "" {
			return errParam("The parameter text['body'] is required.")
		}
		if s.maxText >= 0 && len(req.Text.Body) > s.maxText && utf8.RuneCountInString(req.Text.Body) > s.maxText {
			return errParamf("Param text['body'] must be at most %d characters long.", s.maxText)
		}
		p.text = req.Text.Body
	} else if e, done := s.checkOtherSendLocked(p, req, waID, c, at); e != nil || done {
		return e
	}
	if e := s.checkDeliveryLocked(waID, c, at); e != nil {
		return e
	}
	if !s.windowOpenFor(c, at.ns) {
		status := http.StatusBadRequest
		if s.cfg.WindowErrors == Async {
			status = http.StatusOK
		}
		return newError(status, CodeReEngagement, 0, titleReEngagement, DetailsReEngagement)
	}
	return nil
}

// checkOtherSendLocked is checkSendLocked's rules for a send of p.kind
// other than text, to waID (record c, nil when none): a template, whose
// check is whole when done (it may be sent outside the window), or a
// media message, which is then checked as a text is. Out of
// checkSendLocked's way, whose sends are mostly texts.
//
//go:noinline
func (s *Server) checkOtherSendLocked(p *plan, req *SendRequest, waID string, c *customer, at instant) (e *Error, done bool) {
	switch p.kind {
	case "template":
		t := req.Template
		if t == nil {
			return errParam("The parameter template is required."), true
		}
		if t.Name == "" {
			return errParam("The parameter template['name'] is required."), true
		}
		if t.Language.Code == "" {
			return errParam("The parameter template['language']['code'] is required."), true
		}
		if e := s.checkTemplateLocked(t); e != nil {
			return e, true
		}
		p.template = t.Name
		// Templates may be sent outside the window and never reopen it.
		return s.checkDeliveryLocked(waID, c, at), true
	case "image", "audio", "video", "document", "sticker":
		m := req.media(p.kind)
		if m == nil {
			return errParamf("The parameter %s is required.", p.kind), true
		}
		switch {
		case m.ID != "" && m.Link != "":
			return errParamf("Param %s must have either 'id' or 'link', not both.", p.kind), true
		case m.ID == "" && m.Link == "":
			return errParamf("The parameter %s['id'] or %s['link'] is required.", p.kind, p.kind), true
		case m.ID != "":
			up := s.uploadLocked(m.ID, at.ns) // nil too when expired: as unknown
			if up == nil {
				return errParamf("Param %s['id'] is not a valid media id: %q was not uploaded.", p.kind, m.ID), true
			}
			if e := s.checkMediaShaped(p.kind, up.format, up.size, up.shape); e != nil {
				return e, true
			}
			p.mediaID = m.ID
		default:
			u, err := url.Parse(m.Link)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return errParamf("Param %s['link'] must be an http(s) URL; got %q.", p.kind, m.Link), true
			}
			if ext := normFormat(path.Ext(u.Path)); ext != "" && s.isMediaFormat(ext) {
				if e := s.checkMedia(p.kind, ext, 0); e != nil {
					return e, true
				}
			}
			p.link = m.Link
		}
		p.caption = m.Caption
	default:
		return errParamf("Param type must be one of text, template, image, audio, video, document, sticker; got %q.", req.Type), true
	}
	return nil, false
}

// internKind returns the message type as a static string (so that stored
// deliveries do not keep a copy per message); "" is "text".
func internKind(t string) string {
	switch t {
	case "", "text":
		return "text"
	case "template":
		return "template"
	case "image":
		return "image"
	case "audio":
		return "audio"
	case "video":
		return "video"
	case "document":
		return "document"
	case "sticker":
		return "sticker"
	}
	return t
}

func (r *SendRequest) media(kind string) *Media {
	switch kind {
	case "image":
		return r.Image
	case "audio":
		return r.Audio
	case "video":
		return r.Video
	case "document":
		return r.Document
	case "sticker":
		return r.Sticker
	}
	return nil
}

func (s *Server) isMediaFormat(f string) bool {
	if mediaExtensions[f] || formatMIME[f] != "" {
		return true
	}
	for _, r := range s.media {
		if r.formats[f] {
			return true
		}
	}
	return false
}

// windowOpenLocked: the window is open while now < last customer message +
// Window (it is closed at exactly Window), compared with forget.Old: a
// message more than 292 years before has closed it.
func (s *Server) windowOpenLocked(waID string, now time.Time) bool {
	return s.windowOpenFor(s.customers.get(waID), now.UnixNano())
}

// windowOpenFor is windowOpenLocked of customer c (nil: none) at ns
// (Unix nanoseconds).
func (s *Server) windowOpenFor(c *customer, ns int64) bool {
	if s.window < 0 {
		return true
	}
	if c == nil || !c.hasInbound {
		return false
	}
	return !forget.Old(ns, c.lastInbound, int64(s.window))
}

// checkReadLocked checks a mark-as-read request: status "read", a
// message_id that is a wamid of a message a customer sent to this number,
// and, when present, a typing_indicator of type "text". s.mu must be held.
func (s *Server) checkReadLocked(req *SendRequest) (plan, *Error) {
	p := plan{read: true}
	if req.Status != "read" {
		return p, errParamf(`Param status must be "read"; got %q.`, req.Status)
	}
	if req.MessageID == "" {
		return p, errParam("The parameter message_id is required.")
	}
	if t := req.TypingIndicator; t != nil && t.Type != "text" {
		return p, errParamf(`Param typing_indicator['type'] must be "text"; got %q.`, t.Type)
	}
	in, ok := s.inboundLocked(req.MessageID)
	if !ok {
		return p, newError(http.StatusBadRequest, CodeInvalidValue, 0, titleInvalidValue,
			fmt.Sprintf("Param message_id %q is not the id of a message received by this business number.", req.MessageID))
	}
	p.in, p.waID = in, in.c.waID
	return p, nil
}
