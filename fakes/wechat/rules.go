package wechat

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/omnisim/omnisim/fakes/forget"
)

// Error is WeChat's error envelope {"errcode":N,"errmsg":"..."}. On the
// wire errmsg ends with WeChat's " rid: <id>" suffix; errors returned by
// [Server.Check] and [Server.CheckMedia] have no suffix ([Error.Title]
// strips it).
type Error struct {
	Code    int    `json:"errcode"`
	Message string `json:"errmsg"`
}

// Error implements error.
func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	return "wechat: errcode " + strconv.Itoa(e.Code) + ": " + e.Message
}

// Title returns errmsg without WeChat's trailing " rid: …" or " hint: […]"
// suffix.
func (e *Error) Title() string {
	m := e.Message
	if i := strings.LastIndex(m, " rid: "); i >= 0 {
		return m[:i]
	}
	if i := strings.LastIndex(m, " hint: ["); i >= 0 {
		return m[:i]
	}
	return m
}

// Error codes the fake answers with. Messages are the errmsg texts without
// the rid suffix.
const (
	CodeOK                 = 0
	CodeInvalidCredential  = 40001 // "invalid credential, access_token is invalid or not latest"
	CodeInvalidGrantType   = 40002 // "invalid grant_type"
	CodeInvalidOpenID      = 40003 // "invalid openid"
	CodeInvalidMediaType   = 40004 // "invalid media type"
	CodeInvalidFileType    = 40005 // "invalid file type"
	CodeInvalidMediaSize   = 40006 // "invalid meida size" (WeChat's spelling)
	CodeInvalidMediaID     = 40007 // "invalid media_id"
	CodeInvalidMessageType = 40008 // "invalid message type"
	CodeInvalidAppID       = 40013 // "invalid appid"
	CodeInvalidAppSecret   = 40125 // "invalid appsecret"
	CodeIPNotWhitelisted   = 40164 // "invalid ip X ipv6 ::ffff:X, not in whitelist"
	CodeTokenMissing       = 41001 // "access_token missing"
	CodeMediaMissing       = 41005 // "media data missing"
	CodeTokenExpired       = 42001 // "access_token expired"
	CodeRequireGET         = 43001 // "require GET method"
	CodeRequirePOST        = 43002 // "require POST method"
	CodeEmptyContent       = 44004 // "empty content"
	CodeContentTooLong     = 45002 // "content size out of limit"
	CodeOutOfTimeLimit     = 45015 // "response out of time limit or subscription is canceled"
	CodeOutOfCountLimit    = 45047 // "out of response count limit"
	CodeDataFormat         = 47001 // "data format error"
	CodeAPIUnauthorized    = 48001 // "api unauthorized" (unknown path; HTTP 200, or Config.UnknownPathStatus)
)

var codeMessages = map[int]string{
	CodeOK:                 "ok",
	CodeInvalidCredential:  "invalid credential, access_token is invalid or not latest",
	CodeInvalidGrantType:   "invalid grant_type",
	CodeInvalidOpenID:      "invalid openid",
	CodeInvalidMediaType:   "invalid media type",
	CodeInvalidFileType:    "invalid file type",
	CodeInvalidMediaSize:   "invalid meida size",
	CodeInvalidMediaID:     "invalid media_id",
	CodeInvalidMessageType: "invalid message type",
	CodeInvalidAppID:       "invalid appid",
	CodeInvalidAppSecret:   "invalid appsecret",
	CodeTokenMissing:       "access_token missing",
	CodeMediaMissing:       "media data missing",
	CodeTokenExpired:       "access_token expired",
	CodeRequireGET:         "require GET method",
	CodeRequirePOST:        "require POST method",
	CodeEmptyContent:       "empty content",
	CodeContentTooLong:     "content size out of limit",
	CodeOutOfTimeLimit:     "response out of time limit or subscription is canceled",
	CodeOutOfCountLimit:    "out of response count limit",
	CodeDataFormat:         "data format error",
	CodeAPIUnauthorized:    "api unauthorized",
}

// newError returns the error of code with its standard message.
func newError(code int) *Error {
	return &Error{Code: code, Message: codeMessages[code]}
}

// ipError is the 40164 error for a caller's address, in WeChat's form
// "invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist".
func ipError(ip string) *Error {
	v6 := ip
	if !strings.Contains(ip, ":") {
		v6 = "::ffff:" + ip
	}
	return &Error{Code: CodeIPNotWhitelisted, Message: "invalid ip " + ip + " ipv6 " + v6 + ", not in whitelist"}
}

// MediaKinds are WeChat's temporary media types, the "type" of an upload.
var MediaKinds = []string{"image", "voice", "video", "thumb"}

// MediaLimit is what the platform accepts for one media type.
type MediaLimit struct {
	Formats  []string // lower-case file extensions ("jpeg", "amr", ...)
	MaxBytes int64
}

// DefaultMedia returns the default upload limits (MB = 1<<20, KB = 1<<10):
// image jpeg,png,jpg 10 MB; voice mp3,mpeg,amr 2 MB; video mp4 10 MB;
// thumb jpg 64 KB. "jpg" and "jpeg" are the same format everywhere.
func DefaultMedia() map[string]MediaLimit {
	return map[string]MediaLimit{
		"image": {Formats: []string{"jpeg", "png", "jpg"}, MaxBytes: 10 << 20},
		"voice": {Formats: []string{"mp3", "mpeg", "amr"}, MaxBytes: 2 << 20},
		"video": {Formats: []string{"mp4"}, MaxBytes: 10 << 20},
		"thumb": {Formats: []string{"jpg"}, MaxBytes: 64 << 10},
	}
}

// mimeFormat maps an upload part's Content-Type to a format, used when the
// file name has no extension.
var mimeFormat = map[string]string{
	"image/jpeg": "jpeg", "image/jpg": "jpeg", "image/pjpeg": "jpeg", "image/png": "png", "image/gif": "gif",
	"audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/amr": "amr", "audio/speex": "speex",
	"video/mp4": "mp4",
}

// formatMIME is the Content-Type media/get answers with.
var formatMIME = map[string]string{
	"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
	"mp3": "audio/mpeg", "mpeg": "audio/mpeg", "amr": "audio/amr", "speex": "audio/speex",
	"mp4": "video/mp4",
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
	maxBytes int64
}

func buildMedia(cfg map[string]MediaLimit) map[string]*mediaRule {
	def := DefaultMedia()
	for k, l := range cfg {
		k = strings.ToLower(k)
		d, ok := def[k]
		if !ok {
			continue // only WeChat's four types exist
		}
		if l.Formats != nil {
			d.Formats = l.Formats
		}
		if l.MaxBytes > 0 {
			d.MaxBytes = l.MaxBytes
		}
		def[k] = d
	}
	out := map[string]*mediaRule{}
	for k, l := range def {
		r := &mediaRule{formats: map[string]bool{}, maxBytes: l.MaxBytes}
		for _, f := range l.Formats {
			if f = normFormat(f); f != "" {
				r.formats[f] = true
			}
		}
		out[k] = r
	}
	return out
}

// checkMedia is the single upload rule: type (40004), format (40005), size
// (40006).
func (s *Server) checkMedia(kind, format string, size int64) *Error {
	r := s.media[kind]
	if r == nil {
		return newError(CodeInvalidMediaType)
	}
	if !r.formats[normFormat(format)] {
		return newError(CodeInvalidFileType)
	}
	if size < 0 || size > r.maxBytes {
		return newError(CodeInvalidMediaSize)
	}
	return nil
}

// CheckMedia reports whether an upload of type kind (image|voice|video|
// thumb), format (file extension; "jpg" is "jpeg") and size in bytes would
// be accepted; nil means accepted. It runs the upload endpoint's own rule
// code: 40004, then 40005, then 40006. (An empty file is refused by the
// endpoint with 41005 before this rule runs.)
func (s *Server) CheckMedia(kind, format string, size int64) *Error {
	return s.checkMedia(kind, format, size)
}

// SendRequest is the JSON body of POST /cgi-bin/message/custom/send. Only
// the message types the fake models are listed.
type SendRequest struct {
	ToUser        string         `json:"touser"`
	MsgType       string         `json:"msgtype"`
	Text          *Text          `json:"text,omitempty"`
	Image         *MediaRef      `json:"image,omitempty"`
	Voice         *MediaRef      `json:"voice,omitempty"`
	Video         *Video         `json:"video,omitempty"`
	CustomService *CustomService `json:"customservice,omitempty"`
}

// Text is the "text" object of a text send.
type Text struct {
	Content string `json:"content"`
}

// MediaRef is the "image" or "voice" object: a media_id from an upload.
type MediaRef struct {
	MediaID string `json:"media_id"`
}

// Video is the "video" object of a video send.
type Video struct {
	MediaID      string `json:"media_id"`
	ThumbMediaID string `json:"thumb_media_id,omitempty"`
	Title        string `json:"title,omitempty"`
	Description  string `json:"description,omitempty"`
}

// CustomService names the customer-service account a send is made as; the
// fake accepts and ignores it.
type CustomService struct {
	KfAccount string `json:"kf_account"`
}

// internType returns the message type as a static string (so that stored
// deliveries do not keep a copy per message), or "" when it is not one the
// fake models.
func internType(t string) string {
	switch t {
	case "text":
		return "text"
	case "image":
		return "image"
	case "voice":
		return "voice"
	case "video":
		return "video"
	}
	return ""
}

// Check reports whether a send of req would be accepted now, and with which
// error; nil means accepted. It runs the same rule code, in the same order,
// as POST /cgi-bin/message/custom/send with a valid access token from an
// allowed address; the error differs from the wire answer only in having no
// rid suffix. Check changes no state and consumes no reply quota.
func (s *Server) Check(req SendRequest) *Error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _, e := s.checkSendLocked(&req, now)
	return e
}

// checkSendLocked is the one send rule path, shared by Check, the send
// endpoint and passive replies. It returns the customer (nil when touser is
// unknown), the grant the send would consume (nil when that grant is
// unlimited) and the error; nil means accepted. It changes nothing. s.mu
// must be held.
func (s *Server) checkSendLocked(req *SendRequest, now time.Time) (*customer, *grant, *Error) {
	c := s.lookupLocked(req.ToUser)
	if c == nil {
		return nil, nil, newError(CodeInvalidOpenID)
	}
	switch internType(req.MsgType) {
	case "text":
		if req.Text == nil || req.Text.Content == "" {
			return c, nil, newError(CodeEmptyContent)
		}
		if s.cfg.MaxTextLength >= 0 && len(req.Text.Content) > s.cfg.MaxTextLength {
			return c, nil, newError(CodeContentTooLong)
		}
	case "image":
		if req.Image == nil || !s.mediaValidLocked(req.Image.MediaID, now, "image") {
			return c, nil, newError(CodeInvalidMediaID)
		}
	case "voice":
		if req.Voice == nil || !s.mediaValidLocked(req.Voice.MediaID, now, "voice") {
			return c, nil, newError(CodeInvalidMediaID)
		}
	case "video":
		v := req.Video
		if v == nil || !s.mediaValidLocked(v.MediaID, now, "video") ||
			(v.ThumbMediaID != "" && !s.mediaValidLocked(v.ThumbMediaID, now, "thumb", "image")) {
			return c, nil, newError(CodeInvalidMediaID)
		}
	default:
		return c, nil, newError(CodeInvalidMessageType)
	}
	g, e := s.grantLocked(c, now)
	return c, g, e
}

// mediaValidLocked reports whether id is a stored, unexpired media of one of
// the kinds.
func (s *Server) mediaValidLocked(id string, now time.Time, kinds ...string) bool {
	m := s.mediaStore[id]
	if m == nil || !s.mediaAliveLocked(m, now) {
		return false
	}
	for _, k := range kinds {
		if m.kind == k {
			return true
		}
	}
	return false
}

func (s *Server) mediaAliveLocked(m *media, now time.Time) bool {
	return s.cfg.MediaTTL < 0 || now.Before(m.created.Add(s.cfg.MediaTTL))
}

// grant is one reply allowance: a customer message opens a 48 h grant of
// ReplyLimit replies, an event a 1 min grant of EventReplyLimit replies.
// Its time is Unix nanoseconds, which the window compares with a
// subtraction and which holds no location pointer.
type grant struct {
	at    int64 // when it was granted, in Unix nanoseconds
	given bool  // it was ever granted
	left  int   // replies left; ignored when the limit is unlimited
}

// grantAt is a grant made at now of limit replies.
func grantAt(now time.Time, limit int) grant {
	return grant{at: now.UnixNano(), given: true, left: limit}
}

// open reports whether a grant made at g.at is still valid at now.
func (g *grant) open(now time.Time, window time.Duration) bool {
	return g.given && (window < 0 || !forget.Old(now.UnixNano(), g.at, int64(window)))
}

// grantLocked picks the grant a send at now consumes: among the open grants
// with replies left, the one that expires first. No open grant: 45015; open
// grants all used up: 45047.
func (s *Server) grantLocked(c *customer, now time.Time) (*grant, *Error) {
	msgOpen := c.msg.open(now, s.cfg.Window)
	evtOpen := c.evt.open(now, s.cfg.EventWindow)
	if !msgOpen && !evtOpen {
		return nil, newError(CodeOutOfTimeLimit)
	}
	msgOK := msgOpen && (s.cfg.ReplyLimit < 0 || c.msg.left > 0)
	evtOK := evtOpen && (s.cfg.EventReplyLimit < 0 || c.evt.left > 0)
	switch {
	case msgOK && evtOK:
		if expiry(c.evt, s.cfg.EventWindow) < expiry(c.msg, s.cfg.Window) {
			return s.consumable(&c.evt, s.cfg.EventReplyLimit), nil
		}
		return s.consumable(&c.msg, s.cfg.ReplyLimit), nil
	case evtOK:
		return s.consumable(&c.evt, s.cfg.EventReplyLimit), nil
	case msgOK:
		return s.consumable(&c.msg, s.cfg.ReplyLimit), nil
	}
	return nil, newError(CodeOutOfCountLimit)
}

// consumable is g, or nil when its limit is unlimited (nothing to count).
func (s *Server) consumable(g *grant, limit int) *grant {
	if limit < 0 {
		return nil
	}
	return g
}

// expiry is when g closes, in Unix nanoseconds; the largest int64 for a
// negative window, or one that reaches past it.
func expiry(g grant, window time.Duration) int64 {
	if window < 0 || g.at > math.MaxInt64-int64(window) {
		return math.MaxInt64
	}
	return g.at + int64(window)
}
