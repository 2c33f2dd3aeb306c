package wechat

import (
	"net/http"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Notification is a push to the router (a customer's message or event) as
// values: the fields of its plain XML, which [Server.CustomerText],
// [Server.CustomerMedia] and [Server.CustomerEvent] encode, sign and POST.
type Notification struct {
	ToUserName   string // the account's original id
	FromUserName string // the customer's openid
	CreateTime   int64  // Unix seconds
	MsgType      string // text, image, voice, video or event
	Content      string // text
	PicURL       string // image
	MediaID      string // image, voice, video
	Format       string // voice
	ThumbMediaID string // video
	MsgID        int64  // messages; 0 for events
	Event        string // events
	EventKey     string // events with HasEventKey
	HasEventKey  bool   // the push has an EventKey element (it may be empty)
	Ticket       string // QR-code events
}

// Direct is the platform called with values instead of HTTP, for a
// simulator that plays a world without bytes: the same rules, records,
// ids and journal as the API and the webhooks, without XML, JSON,
// encryption, signatures, access tokens or requests. Each call does to the
// platform's state what its wire counterpart does, to a caller with a
// valid access token from an allowed address; a push is handed to the
// caller as a [Notification] and journaled as answered 200 "success" on
// its first try, with no URL, header or body. Passive replies, retries,
// the fault plan (Config.Faults, which acts in the push deliveries and the
// send handler) and file contents (uploads are sizes) have no direct form.
type Direct struct{ s *Server }

// Direct returns the platform's direct entry points.
func (s *Server) Direct() *Direct { return &Direct{s: s} }

// CustomerText records a text from customer openid as
// [Server.CustomerText] does and returns its push.
func (d *Direct) CustomerText(openid, text string) (Notification, error) {
	n, now, err := d.s.customerText(openid, text)
	return d.pushed(n, now, err)
}

// CustomerMedia records media from customer openid as
// [Server.CustomerMedia] does and returns its push.
func (d *Direct) CustomerMedia(openid, kind, format string, size int64) (Notification, error) {
	n, now, err := d.s.customerMedia(openid, kind, format, size)
	return d.pushed(n, now, err)
}

// CustomerEvent records an event of customer openid as
// [Server.CustomerEvent] does and returns its push.
func (d *Direct) CustomerEvent(openid, event, key string) (Notification, error) {
	n, now, err := d.s.customerEvent(openid, event, key)
	return d.pushed(n, now, err)
}

// pushed journals the push of n as delivered.
func (d *Direct) pushed(n Notification, now time.Time, err error) (Notification, error) {
	if err != nil {
		return n, err
	}
	s := d.s
	wh := Webhook{At: now, Kind: "message", OpenID: n.FromUserName, Try: 1, Status: http.StatusOK, Reply: successReply}
	if n.MsgType == "event" {
		wh.Kind, wh.Event = "event", n.Event
	} else {
		wh.MsgID = strconv.FormatInt(n.MsgID, 10)
	}
	s.mu.Lock()
	s.addWebhookLocked(wh)
	s.mu.Unlock()
	return n, nil
}

// successReply is the router's answer to a push, as the journal records it.
var successReply = []byte("success")

// Send runs a customer-service send through the rules as the send endpoint
// does and records its delivery. It returns nil when the platform accepts
// it, or the error the endpoint answers, whose Message carries the rid
// suffix as the wire errmsg does.
func (d *Direct) Send(req *SendRequest) *Error {
	s := d.s
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c, g, e := s.checkSendLocked(req, now)
	if e != nil {
		return d.failLocked(PathSend, now, e, req.ToUser, c)
	}
	s.deliverLocked(c, g, now, req, false)
	s.addRequestLocked(Request{At: now, Method: http.MethodPost, Path: PathSend, Status: http.StatusOK})
	return nil
}

// Upload stores a file of size zero bytes as temporary media of type kind
// (image, voice, video, thumb) as the upload endpoint does, its format
// read from filename's extension or else from mimeType, and returns its
// media_id, or the error the endpoint answers (41005 for an empty file).
// filename and mimeType are judged as the endpoint reads them from a part
// whose headers are written as multipart.FileContentDisposition and
// textproto write them: a control character other than tab in either
// makes a header the endpoint cannot read, 41005, except "\r" and "\n" in
// filename, which are written (and read) as "%0D" and "%0A"; the format
// comes from that file name without its directory, as
// multipart.Part.FileName gives it.
func (d *Direct) Upload(kind, filename, mimeType string, size int64) (string, *Error) {
	s := d.s
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	rule := s.media[kind]
	if rule == nil {
		return "", d.failLocked(PathUpload, now, newError(CodeInvalidMediaType), "", nil)
	}
	if !headerText(filename, true) || !headerText(mimeType, false) {
		return "", d.failLocked(PathUpload, now, newError(CodeMediaMissing), "", nil)
	}
	if strings.ContainsAny(filename, "\r\n") {
		filename = strings.ReplaceAll(strings.ReplaceAll(filename, "\r", "%0D"), "\n", "%0A")
	}
	if filename != "" {
		filename = filepath.Base(filename) // as Part.FileName gives it
	}
	format := normFormat(path.Ext(filename))
	if format == "" {
		ct, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(mimeType)), ";")
		format = mimeFormat[strings.TrimSpace(ct)]
	}
	if e := s.checkMedia(kind, format, 0); e != nil {
		return "", d.failLocked(PathUpload, now, e, "", nil)
	}
	switch {
	case size > rule.maxBytes:
		return "", d.failLocked(PathUpload, now, newError(CodeInvalidMediaSize), "", nil)
	case size <= 0:
		return "", d.failLocked(PathUpload, now, newError(CodeMediaMissing), "", nil)
	}
	id := s.ids.mediaID()
	s.mediaStore[id] = &media{kind: kind, format: format, size: size, created: now}
	s.addRequestLocked(Request{At: now, Method: http.MethodPost, Path: PathUpload, Status: http.StatusOK})
	return id, nil
}

// headerText reports whether s can be written in a header value that
// textproto reads back: no control character but tab, and, with lineEnds,
// "\r" and "\n" too (multipart.FileContentDisposition escapes them).
func headerText(s string, lineEnds bool) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' && !(lineEnds && (c == '\r' || c == '\n')) || c == 0x7f {
			return false
		}
	}
	return true
}

// failLocked journals e as the endpoint at path does and returns it as the
// wire answers it, with the rid suffix.
func (d *Direct) failLocked(path string, now time.Time, e *Error, to string, c *customer) *Error {
	s := d.s
	s.addRequestLocked(Request{At: now, Method: http.MethodPost, Path: path, Status: http.StatusOK, Code: e.Code})
	s.addErrorLocked(ErrorEntry{At: now, To: to, Path: path, Code: e.Code, Message: e.Message}, c)
	return &Error{Code: e.Code, Message: e.Message + " rid: " + s.ids.rid(now)}
}
