package wechat

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/omnisim/omnisim/headmac"
	"github.com/omnisim/omnisim/httpcall"
)

// ErrNoWebhookURL is returned by the customer-side calls and Verify when
// Config.WebhookURL is empty.
var ErrNoWebhookURL = errors.New("wechat: Config.WebhookURL is empty")

// maxReply bounds the router's answer body that is read and journaled.
const maxReply = 1 << 20

// Inbound is the result of a customer-side message or event.
type Inbound struct {
	ID     string // MsgId as a decimal string; "" for events
	Status int    // the router's HTTP status on the last try; 0 when that try failed
	Tries  int    // webhook calls made
	// Faulted reports that the fault plan (Config.Faults) held the push
	// back or failed its first try: it is delivered later.
	Faulted bool
}

// Event names of [Server.CustomerEvent], as WeChat writes them.
const (
	EventSubscribe   = "subscribe"
	EventUnsubscribe = "unsubscribe"
	EventClick       = "CLICK"
	EventScan        = "SCAN"
)

// validOpenID: customers' openids are 1 to 64 characters of [A-Za-z0-9_-]
// (real ones are 28), so they need no escaping in XML or URLs.
func validOpenID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validFormat: a format is 1 to 16 characters of [a-z0-9].
func validFormat(f string) bool {
	if f == "" || len(f) > 16 {
		return false
	}
	for i := 0; i < len(f); i++ {
		if c := f[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// validXMLText reports whether s is UTF-8 made only of characters XML 1.0
// allows, so that it can travel in a CDATA section.
func validXMLText(s string) bool {
	for _, r := range s {
		switch {
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r':
			return false
		case r == 0xFFFE || r == 0xFFFF:
			return false
		}
	}
	return utf8.ValidString(s)
}

// xmlLineEnds returns s with "\r\n" and a lone "\r" written as "\n", as
// an XML parser hands text on (XML 1.0 section 2.11), so that a push
// carries the same text in its XML and as values; s itself when it has no
// '\r'.
func xmlLineEnds(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// appendCDATA appends s as CDATA, splitting the section at every "]]>".
func appendCDATA(b []byte, s string) []byte {
	b = append(b, "<![CDATA["...)
	for {
		i := strings.Index(s, "]]>")
		if i < 0 {
			break
		}
		b = append(b, s[:i+2]...)
		b = append(b, "]]><![CDATA["...)
		s = s[i+2:]
	}
	b = append(b, s...)
	return append(b, "]]>"...)
}

// appendElem appends <name><![CDATA[v]]></name>.
func appendElem(b []byte, name, v string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = appendCDATA(b, v)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

// appendNotification appends the plain XML of a push: <xml>, the four
// fields every push starts with, then the fields of its type in WeChat's
// order, and the MsgId of a message.
func appendNotification(b []byte, n *Notification) []byte {
	b = append(b, "<xml>"...)
	b = appendElem(b, "ToUserName", n.ToUserName)
	b = appendElem(b, "FromUserName", n.FromUserName)
	b = append(b, "<CreateTime>"...)
	b = strconv.AppendInt(b, n.CreateTime, 10)
	b = append(b, "</CreateTime>"...)
	b = appendElem(b, "MsgType", n.MsgType)
	if n.MsgType == "event" {
		b = appendElem(b, "Event", n.Event)
		if n.HasEventKey {
			b = appendElem(b, "EventKey", n.EventKey)
		}
		if n.Ticket != "" {
			b = appendElem(b, "Ticket", n.Ticket)
		}
		return append(b, "</xml>"...)
	}
	switch n.MsgType {
	case "text":
		b = appendElem(b, "Content", n.Content)
	case "image":
		b = appendElem(b, "PicUrl", n.PicURL)
		b = appendElem(b, "MediaId", n.MediaID)
	case "voice":
		b = appendElem(b, "MediaId", n.MediaID)
		b = appendElem(b, "Format", n.Format)
	case "video":
		b = appendElem(b, "MediaId", n.MediaID)
		b = appendElem(b, "ThumbMediaId", n.ThumbMediaID)
	}
	b = append(b, "<MsgId>"...)
	b = strconv.AppendInt(b, n.MsgID, 10)
	return append(b, "</MsgId></xml>"...)
}

// notification starts the push of a customer's message or event at now.
func (s *Server) notification(openid string, now time.Time, msgType string) Notification {
	return Notification{ToUserName: s.cfg.OriginalID, FromUserName: openid, CreateTime: now.Unix(), MsgType: msgType}
}

// customerLocked returns the customer, creating it.
func (s *Server) customerLocked(openid string) *customer {
	c := s.customers[openid]
	if c == nil {
		s.returnLocked(openid)
		c = &customer{openid: openid, keep: s.cfg.KeepDeliveries == nil || s.cfg.KeepDeliveries(openid)}
		if s.cfg.JournalLimit > 0 {
			c.deliveries.SetLimit(s.cfg.JournalLimit)
		}
		s.customers[openid] = c
	}
	return c
}

// CustomerText makes customer openid send text: it opens (or refreshes) the
// customer's message grant at the platform's time, even when the router
// then refuses the webhook, and POSTs the text message to the router. The
// text's line ends ("\r\n", a lone "\r") are pushed as "\n", as the XML
// is read.
func (s *Server) CustomerText(ctx context.Context, openid, text string) (Inbound, error) {
	n, now, err := s.customerText(openid, text)
	if err != nil {
		return Inbound{}, err
	}
	return s.pushNotification(ctx, &n, now)
}

// customerText records a text message and returns its push.
func (s *Server) customerText(openid, text string) (Notification, time.Time, error) {
	if !validOpenID(openid) {
		return Notification{}, time.Time{}, fmt.Errorf("wechat: customer text: openid %q is not 1-64 characters of [A-Za-z0-9_-]", openid)
	}
	if text == "" || !validXMLText(text) {
		return Notification{}, time.Time{}, fmt.Errorf("wechat: customer text from %s: text must be non-empty UTF-8 without XML-forbidden characters", openid)
	}
	text = xmlLineEnds(text)
	now := s.now()
	s.mu.Lock()
	s.openMessageGrantLocked(openid, now)
	n := s.notification(openid, now, "text")
	n.Content = text
	n.MsgID = s.ids.msgID()
	s.mu.Unlock()
	return n, now, nil
}

// CustomerMedia makes customer openid send media of kind image, voice or
// video; format is the file's format ("jpeg", "png" for images; "amr" or
// "speex" for voice, WeChat's Format values; "mp4" for video) and size its
// byte size. The media is stored under a new media_id (valid for MediaTTL)
// that media/get serves as size zero bytes and that sends may reuse. Like
// CustomerText it opens the customer's message grant.
func (s *Server) CustomerMedia(ctx context.Context, openid, kind, format string, size int64) (Inbound, error) {
	n, now, err := s.customerMedia(openid, kind, format, size)
	if err != nil {
		return Inbound{}, err
	}
	return s.pushNotification(ctx, &n, now)
}

// customerMedia records a media message and returns its push.
func (s *Server) customerMedia(openid, kind, format string, size int64) (Notification, time.Time, error) {
	if !validOpenID(openid) {
		return Notification{}, time.Time{}, fmt.Errorf("wechat: customer media: openid %q is not 1-64 characters of [A-Za-z0-9_-]", openid)
	}
	format = normFormat(format)
	switch {
	case kind != "image" && kind != "voice" && kind != "video":
		return Notification{}, time.Time{}, fmt.Errorf("wechat: customer media from %s: kind %q is not image, voice or video", openid, kind)
	case kind == "voice" && format != "amr" && format != "speex":
		return Notification{}, time.Time{}, fmt.Errorf("wechat: customer media from %s: voice format %q is not amr or speex", openid, format)
	case !validFormat(format):
		return Notification{}, time.Time{}, fmt.Errorf("wechat: customer media from %s: bad format %q", openid, format)
	case size < 0:
		return Notification{}, time.Time{}, fmt.Errorf("wechat: customer media from %s: negative size %d", openid, size)
	}
	now := s.now()
	s.mu.Lock()
	s.openMessageGrantLocked(openid, now)
	n := s.notification(openid, now, kind)
	n.MsgID = s.ids.msgID()
	mediaID := s.ids.mediaID()
	s.mediaStore[mediaID] = &media{kind: kind, format: format, size: size, created: now}
	n.MediaID = mediaID
	switch kind {
	case "image":
		n.PicURL = "http://mmbiz.qpic.cn/mmbiz_jpg/" + mediaID + "/0"
	case "voice":
		n.Format = format
	case "video":
		thumb := s.ids.mediaID()
		s.mediaStore[thumb] = &media{kind: "thumb", format: "jpeg", size: 0, created: now}
		n.ThumbMediaID = thumb
	}
	s.mu.Unlock()
	return n, now, nil
}

// CustomerEvent makes customer openid trigger event: "subscribe" (follow;
// with a key, a follow by QR code: EventKey "qrscene_<key>" and a Ticket),
// "CLICK" (custom menu click; EventKey key), "SCAN" (QR scan by a follower;
// EventKey key and a Ticket) or "unsubscribe". subscribe, CLICK and SCAN
// grant EventReplyLimit replies for EventWindow; unsubscribe closes every
// grant until the customer writes or follows again. Events carry no MsgId,
// so Inbound.ID is "". The key's line ends are pushed as "\n", as the
// text's are by CustomerText.
func (s *Server) CustomerEvent(ctx context.Context, openid, event, key string) (Inbound, error) {
	n, now, err := s.customerEvent(openid, event, key)
	if err != nil {
		return Inbound{}, err
	}
	return s.pushNotification(ctx, &n, now)
}

// customerEvent records an event and returns its push.
func (s *Server) customerEvent(openid, event, key string) (Notification, time.Time, error) {
	if !validOpenID(openid) {
		return Notification{}, time.Time{}, fmt.Errorf("wechat: customer event: openid %q is not 1-64 characters of [A-Za-z0-9_-]", openid)
	}
	if !validXMLText(key) {
		return Notification{}, time.Time{}, fmt.Errorf("wechat: customer event from %s: key is not valid XML text", openid)
	}
	key = xmlLineEnds(key)
	switch event {
	case EventSubscribe, EventUnsubscribe, EventClick, EventScan:
	default:
		return Notification{}, time.Time{}, fmt.Errorf("wechat: customer event from %s: event %q is not subscribe, unsubscribe, CLICK or SCAN", openid, event)
	}
	now := s.now()
	s.mu.Lock()
	c := s.customerLocked(openid)
	if event == EventUnsubscribe {
		c.msg, c.evt = grant{}, grant{}
	} else {
		c.evt = grantAt(now, s.cfg.EventReplyLimit)
	}
	s.noteInboundLocked(c, now)
	n := s.notification(openid, now, "event")
	n.Event = event
	switch {
	case event == EventSubscribe && key != "":
		if !strings.HasPrefix(key, "qrscene_") {
			key = "qrscene_" + key
		}
		n.EventKey, n.HasEventKey = key, true
		n.Ticket = s.ids.ticket()
	case event == EventClick:
		n.EventKey, n.HasEventKey = key, true
	case event == EventScan:
		n.EventKey, n.HasEventKey = key, true
		n.Ticket = s.ids.ticket()
	}
	s.mu.Unlock()
	return n, now, nil
}

// pushNotification encodes n as its plain XML and pushes it.
func (s *Server) pushNotification(ctx context.Context, n *Notification, now time.Time) (Inbound, error) {
	size := pushSize + len(n.ToUserName) + len(n.FromUserName) + len(n.Content) + 2*len(n.MediaID) + len(n.PicURL) +
		len(n.ThumbMediaID) + len(n.EventKey) + len(n.Ticket)
	b, pb := s.plainBuf(size)
	b = appendNotification(b, n)
	if n.MsgType == "event" {
		return s.push(ctx, "event", n.FromUserName, 0, n.Event, b, pb, now)
	}
	return s.push(ctx, "message", n.FromUserName, n.MsgID, "", b, pb, now)
}

// openMessageGrantLocked starts a new message grant: the window restarts and
// the quota is reset to ReplyLimit (not added to).
func (s *Server) openMessageGrantLocked(openid string, now time.Time) {
	c := s.customerLocked(openid)
	c.msg = grantAt(now, s.cfg.ReplyLimit)
	s.noteInboundLocked(c, now)
}

// pushSize is the length of a text push's XML without its ToUserName,
// FromUserName and Content values, rounded up.
const pushSize = 256

// plainBuf returns an empty slice of capacity n or more for the plain XML
// of a push, and the pooled buffer holding it, which push returns to the
// pool once the body is made (and kept: keepLocked).
func (s *Server) plainBuf(n int) ([]byte, *buffer) {
	pb := getBuf()
	if cap(pb.b) < n {
		pb.b = make([]byte, 0, n)
	}
	return pb.b, pb
}

// keptBlock is the size of the blocks keepLocked copies bodies into, and
// maxKeptInBlock the longest body it copies there (a longer one is copied
// on its own).
const (
	keptBlock      = 16 << 10
	maxKeptInBlock = 2 << 10
)

// keepLocked returns a copy of a push's body, which the journal keeps,
// made in a block of bodies: bytes once copied there are never written
// again, and a copy's capacity is its length. s.mu must be held.
func (s *Server) keepLocked(b []byte) []byte {
	if len(b) > maxKeptInBlock {
		return bytes.Clone(b)
	}
	if cap(s.kept)-len(s.kept) < len(b) {
		s.kept = make([]byte, 0, keptBlock)
	}
	n := len(s.kept)
	s.kept = append(s.kept, b...)
	return s.kept[n:len(s.kept):len(s.kept)]
}

// buffer is a pooled scratch buffer: plain XML, AES input, bodies read.
type buffer struct{ b []byte }

var bufPool = sync.Pool{New: func() any { return &buffer{b: make([]byte, 0, 1<<10)} }}

// maxPooledBuf is the largest buffer kept in bufPool.
const maxPooledBuf = 64 << 10

// getBuf returns a pooled buffer, empty.
func getBuf() *buffer {
	pb := bufPool.Get().(*buffer)
	pb.b = pb.b[:0]
	return pb
}

// putBuf returns pb to the pool with b, the last use of its storage (which
// may have grown), unless that is larger than maxPooledBuf.
func putBuf(pb *buffer, b []byte) {
	if cap(b) <= maxPooledBuf {
		pb.b = b[:0]
		bufPool.Put(pb)
	}
}

// envelope returns the URL (WebhookURL and the query) and body of a push
// of plain XML in the configured mode, and msgID (0 for none) as text: the
// two strings made in s.strs.
func (s *Server) envelope(plain []byte, now time.Time, openid string, msgID int64) (target, id string, body []byte, err error) {
	var random [16]byte
	var tsBuf, nonceBuf [24]byte
	ts := strconv.AppendInt(tsBuf[:0], now.Unix(), 10)
	s.mu.Lock()
	nonce := s.ids.appendNonce(nonceBuf[:0])
	if s.cfg.Mode != Plaintext {
		s.ids.random16(&random)
	}
	s.mu.Unlock()
	sig, _ := sortedSumBytes([][]byte{s.tokenBytes, ts, nonce}, nil)

	// The body: in Plaintext mode the XML, otherwise with Encrypt written
	// in place (a base64 text holds no "]]>", so it needs one CDATA
	// section).
	body = plain
	var msgSig [sha1.Size]byte
	if s.cfg.Mode != Plaintext {
		if s.keyErr != nil {
			return "", "", nil, fmt.Errorf("wechat: %s mode: %w", s.cfg.Mode, s.keyErr)
		}
		sb, bb := getBuf(), getBuf()
		defer func() { putBuf(bb, bb.b) }() // the body is kept as a copy (keepLocked)
		scratch := sb.b
		encLen := base64.StdEncoding.EncodedLen((20 + len(plain) + len(s.cfg.AppID) + blockPad) / blockPad * blockPad)
		if s.cfg.Mode == Safe {
			body = slices.Grow(bb.b[:0], 96+len(s.cfg.OriginalID)+encLen)
			body = append(body, "<xml>"...)
			body = appendElem(body, "ToUserName", s.cfg.OriginalID)
		} else {
			xml := bytes.TrimSuffix(plain, []byte("</xml>"))
			body = slices.Grow(bb.b[:0], len(xml)+48+encLen)
			body = append(body, xml...)
		}
		body = append(body, "<Encrypt><![CDATA["...)
		encAt := len(body)
		body, scratch = s.appendEncrypt(body, &random, plain, scratch)
		enc := body[encAt:]
		body = append(body, "]]></Encrypt></xml>"...)
		msgSig, scratch = sortedSumBytes([][]byte{s.tokenBytes, ts, nonce, enc}, scratch)
		putBuf(sb, scratch)
		bb.b = body
	}

	// The URL: ?signature=&timestamp=&nonce=&openid=[&encrypt_type=aes&msg_signature=],
	// written on the stack unless it is long.
	var ub [320]byte
	u := append(ub[:0], s.cfg.WebhookURL...)
	if strings.Contains(s.cfg.WebhookURL, "?") {
		u = append(u, '&')
	} else {
		u = append(u, '?')
	}
	u = append(u, "signature="...)
	u = headmac.AppendHex(u, sig[:])
	u = append(u, "&timestamp="...)
	u = append(u, ts...)
	u = append(u, "&nonce="...)
	u = append(u, nonce...)
	u = append(u, "&openid="...)
	u = appendQueryEscape(u, openid)
	if s.cfg.Mode != Plaintext {
		u = append(u, "&encrypt_type=aes&msg_signature="...)
		u = headmac.AppendHex(u, msgSig[:])
	}
	var idBuf [20]byte
	s.mu.Lock()
	body = s.keepLocked(body)
	target = s.strs.Make(u)
	if msgID != 0 {
		id = s.strs.Make(strconv.AppendInt(idBuf[:0], msgID, 10))
	}
	s.mu.Unlock()
	return target, id, body, nil
}

// appendQueryEscape appends url.QueryEscape(v) to b, without the copy for
// a v of the characters an openid has, which need no escaping.
func appendQueryEscape(b []byte, v string) []byte {
	if validOpenID(v) {
		return append(b, v...)
	}
	return append(b, url.QueryEscape(v)...)
}

// push delivers a message or event: up to WebhookTries POSTs of the same
// bytes, each with a WebhookTimeout, until the router answers 200. A 200
// body other than "" or "success" is a passive reply.
//
// plain is the XML; pb, when not nil, the pooled buffer that holds it;
// n the message's MsgId, 0 for an event.
func (s *Server) push(ctx context.Context, kind, openid string, n int64, event string, plain []byte, pb *buffer, now time.Time) (Inbound, error) {
	if s.cfg.WebhookURL == "" {
		in := Inbound{}
		if n != 0 {
			in.ID = strconv.FormatInt(n, 10)
		}
		return in, ErrNoWebhookURL
	}
	target, msgID, body, err := s.envelope(plain, now, openid, n)
	if pb != nil {
		putBuf(pb, plain)
	}
	in := Inbound{ID: msgID}
	if err != nil {
		if n != 0 {
			in.ID = strconv.FormatInt(n, 10)
		}
		return in, err
	}
	if s.faults.Webhooks() {
		return s.pushFaulted(ctx, heldPush{kind: kind, openid: openid, msgID: msgID, event: event, target: target, body: body}, now)
	}
	var last error
	for try := 1; try <= s.cfg.WebhookTries; try++ {
		if err := ctx.Err(); err != nil {
			return in, fmt.Errorf("wechat: %s webhook for %s: %w", kind, openid, err)
		}
		in.Tries = try
		status, reply, hdr, err := s.call(ctx, http.MethodPost, target, body)
		in.Status, last = status, err
		wh := Webhook{At: s.now(), Kind: kind, OpenID: openid, MsgID: msgID, Event: event, Try: try,
			URL: target, Header: hdr, Body: body, Status: status, Reply: reply}
		if err != nil {
			wh.Err = err.Error()
		}
		s.mu.Lock()
		s.addWebhookLocked(wh)
		s.mu.Unlock()
		if err == nil && status == http.StatusOK {
			if t := bytes.TrimSpace(reply); len(t) != 0 && string(t) != "success" {
				s.passiveReply(openid, reply)
			}
			return in, nil
		}
	}
	if last != nil {
		return in, fmt.Errorf("wechat: %s webhook for %s: try %d/%d: %w", kind, openid, in.Tries, s.cfg.WebhookTries, last)
	}
	return in, nil
}

// webhookURL appends query to Config.WebhookURL.
func (s *Server) webhookURL(query string) string {
	u := s.cfg.WebhookURL
	if strings.Contains(u, "?") {
		return u + "&" + query
	}
	return u + "?" + query
}

// callHeader returns the headers of a call to the router: User-Agent
// Mozilla/4.0 and, for a body, Content-Type text/xml.
func callHeader(withBody bool) http.Header {
	v := &[2]string{"Mozilla/4.0", "text/xml"}
	if !withBody {
		return http.Header{"User-Agent": v[0:1:1]}
	}
	return http.Header{"User-Agent": v[0:1:1], "Content-Type": v[1:2:2]}
}

// call makes one HTTP call to the router with a WebhookTimeout; it returns
// the status, the answer body and the headers sent. A body is sent as
// text/xml.
func (s *Server) call(ctx context.Context, method, target string, body []byte) (int, []byte, http.Header, error) {
	if !s.cfg.NoCallTimeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.WebhookTimeout)
		defer cancel()
	}
	req, q, err := s.newRequest(ctx, method, target, body)
	if err != nil {
		return 0, nil, nil, err
	}
	if q != nil {
		defer q.Release()
	}
	// The journal's copy of the headers sent, the same for every call: one
	// map kept by all the entries.
	hdr := s.sentHeader[0]
	if body != nil {
		hdr = s.sentHeader[1]
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		q.Abandon() // the transport may still hold the request
		return 0, nil, hdr, err
	}
	defer resp.Body.Close()
	reply, err := readReply(resp)
	if err != nil {
		return 0, nil, hdr, fmt.Errorf("reading the answer: %w", err)
	}
	return resp.StatusCode, reply, hdr, nil
}

// newRequest is http.NewRequestWithContext(ctx, method, target, body) with
// the push headers: Content-Type text/xml when there is a body, User-Agent
// Mozilla/4.0. A POST to the webhook, whose URL is WebhookURL and a query,
// reuses the parse of WebhookURL made by New (the same URL: url.Parse cuts
// the query off before parsing the rest).
func (s *Server) newRequest(ctx context.Context, method, target string, body []byte) (*http.Request, *httpcall.Request, error) {
	base := s.hookBase
	if len(body) == 0 || ctx == nil || method != http.MethodPost || base == nil || !strings.HasPrefix(target, s.cfg.WebhookURL) {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, target, rd)
		if err != nil {
			return nil, nil, err
		}
		req.Header = callHeader(body != nil)
		return req, nil, nil
	}
	// Recycled: the URL parsed once, in New, with the push's query.
	q := httpcall.New()
	req := q.Prepare(ctx, method, base, body)
	if at, n := s.hookPathAt, strings.IndexByte(target, '?'); at > 0 && n > at {
		// The path and query as written are the request URI.
		q.SetPathQuery(target[at:], n-at)
	} else if base.Path == "" && base.RawPath == "" && n == len(s.cfg.WebhookURL) {
		// A bare host: the request URI is "/" and the query, as a client
		// sends it, made in s.strs.
		var buf [320]byte
		pq := append(append(buf[:0], '/'), target[n:]...)
		s.mu.Lock()
		uri := s.strs.Make(pq)
		s.mu.Unlock()
		q.SetPathQuery(uri, 1)
	} else {
		_, q.URL().RawQuery, _ = strings.Cut(target, "?")
	}
	h := q.Header()
	h["User-Agent"] = hdrUA
	h["Content-Type"] = hdrXML
	return req, q, nil
}

// The push headers' values, shared by every call (never modified: a header
// Add appends to a copy, since their capacity is their length).
var (
	hdrUA  = []string{"Mozilla/4.0"}
	hdrXML = []string{"text/xml"}
)

// parseHookBase parses the part of a webhook URL before its query, as
// url.Parse parses it within the URL of a push; nil when it does not parse
// or when the URL is one that newRequest leaves to http.NewRequest: one with
// a fragment or a control character.
func parseHookBase(webhookURL string) *url.URL {
	if webhookURL == "" || strings.ContainsFunc(webhookURL, func(r rune) bool { return r < ' ' || r == 0x7f || r == '#' }) {
		return nil
	}
	base, _, _ := strings.Cut(webhookURL, "?")
	u, err := url.Parse(base)
	if err != nil {
		return nil
	}
	u.Host = removeEmptyPort(u.Host)
	return u
}

// removeEmptyPort strips an empty port (a trailing ':'), as
// http.NewRequest normalizes the host.
func removeEmptyPort(host string) string {
	if strings.LastIndex(host, ":") > strings.LastIndex(host, "]") {
		return strings.TrimSuffix(host, ":")
	}
	return host
}

// readReply reads the router's answer, up to maxReply bytes, into a slice
// of its own size (never nil), as io.ReadAll(io.LimitReader(r, maxReply))
// does: an answer made in process is taken where it is, any other read
// through a pooled buffer (httpcall.Hold).
func readReply(resp *http.Response) ([]byte, error) {
	h, err := httpcall.Hold(nil, resp, maxReply)
	if err != nil {
		return nil, err
	}
	defer h.Release()
	return ownReply(h.Bytes()), nil
}

// ownReply returns a copy of the answer b, of its own size (never nil).
func ownReply(b []byte) []byte {
	if string(b) == "success" {
		// The answer of nearly every push: one slice kept by all the
		// journal's entries, as their header maps are.
		return successReply
	}
	return append([]byte{}, b...)
}

// replyXML is a passive reply, plain or encrypted.
type replyXML struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   string   `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	Content      *string  `xml:"Content"`
	Image        *struct {
		MediaID string `xml:"MediaId"`
	} `xml:"Image"`
	Voice *struct {
		MediaID string `xml:"MediaId"`
	} `xml:"Voice"`
	Video *struct {
		MediaID     string `xml:"MediaId"`
		Title       string `xml:"Title"`
		Description string `xml:"Description"`
	} `xml:"Video"`
	Encrypt      string `xml:"Encrypt"`
	MsgSignature string `xml:"MsgSignature"`
	TimeStamp    string `xml:"TimeStamp"`
	Nonce        string `xml:"Nonce"`
}

// passiveReply verifies, decrypts and applies the router's passive reply to
// openid; a refused reply is journaled as an error, not delivered.
func (s *Server) passiveReply(openid string, body []byte) {
	req, code, msg := s.parseReply(openid, body)
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookupLocked(openid)
	if c == nil {
		c = s.customerLocked(openid)
	}
	if code == 0 {
		_, g, e := s.checkSendLocked(req, now)
		if e == nil {
			s.deliverLocked(c, g, now, req, true)
			return
		}
		code, msg = e.Code, e.Message
	}
	s.addErrorLocked(ErrorEntry{At: now, To: openid, Code: code, Message: "passive reply: " + msg, Passive: true}, c)
}

// parseReply turns a passive reply into a send request, or an error code
// and message.
func (s *Server) parseReply(openid string, body []byte) (*SendRequest, int, string) {
	var x replyXML
	if err := xml.Unmarshal(body, &x); err != nil {
		return nil, CodeSDKParseXML, "not XML: " + err.Error()
	}
	encrypted := x.Encrypt != ""
	switch {
	case encrypted && s.cfg.Mode == Plaintext:
		return nil, CodeSDKParseXML, "encrypted reply in plaintext mode"
	case !encrypted && s.cfg.Mode == Safe:
		return nil, CodeSDKParseXML, "no Encrypt element in safe mode"
	}
	if encrypted {
		if !signatureEqual(x.MsgSignature, Signature(s.cfg.Token, x.TimeStamp, x.Nonce, x.Encrypt)) {
			return nil, CodeSDKSignature, "MsgSignature does not match"
		}
		plain, err := Decrypt(s.cfg.EncodingAESKey, s.cfg.AppID, x.Encrypt)
		if err != nil {
			return nil, sdkCode(err), err.Error()
		}
		x = replyXML{}
		if err := xml.Unmarshal(plain, &x); err != nil {
			return nil, CodeSDKParseXML, "decrypted reply is not XML: " + err.Error()
		}
	}
	if x.ToUserName != openid {
		return nil, CodeInvalidOpenID, fmt.Sprintf("ToUserName %q is not the customer %q", x.ToUserName, openid)
	}
	req := &SendRequest{ToUser: openid, MsgType: x.MsgType}
	switch x.MsgType {
	case "text":
		if x.Content != nil {
			req.Text = &Text{Content: *x.Content}
		}
	case "image":
		if x.Image != nil {
			req.Image = &MediaRef{MediaID: x.Image.MediaID}
		}
	case "voice":
		if x.Voice != nil {
			req.Voice = &MediaRef{MediaID: x.Voice.MediaID}
		}
	case "video":
		if x.Video != nil {
			req.Video = &Video{MediaID: x.Video.MediaID, Title: x.Video.Title, Description: x.Video.Description}
		}
	}
	return req, 0, ""
}

// Verify performs the URL verification handshake against Config.WebhookURL:
// GET ?signature=<Signature(token, timestamp, nonce)>&echostr=<seeded>&
// timestamp=<Clock>&nonce=<seeded>. It fails unless the router answers 200
// with exactly echostr as the body.
func (s *Server) Verify(ctx context.Context) error {
	if s.cfg.WebhookURL == "" {
		return ErrNoWebhookURL
	}
	now := s.now()
	s.mu.Lock()
	echostr, nonce := s.ids.echostr(), s.ids.nonce()
	s.mu.Unlock()
	ts := strconv.FormatInt(now.Unix(), 10)
	target := s.webhookURL("signature=" + Signature(s.cfg.Token, ts, nonce) + "&echostr=" + echostr +
		"&timestamp=" + ts + "&nonce=" + nonce)
	status, reply, hdr, err := s.call(ctx, http.MethodGet, target, nil)
	if err == nil {
		switch {
		case status != http.StatusOK:
			err = fmt.Errorf("wechat: verification failed: router answered HTTP %d", status)
		case string(reply) != echostr:
			err = fmt.Errorf("wechat: verification failed: router answered %q, want the echostr %q", truncate(reply, 64), echostr)
		}
	} else {
		err = fmt.Errorf("wechat: verification: %w", err)
	}
	wh := Webhook{At: s.now(), Kind: "verify", Try: 1, URL: target, Header: hdr, Status: status, Reply: reply}
	if err != nil {
		wh.Err = err.Error()
	}
	s.mu.Lock()
	s.addWebhookLocked(wh)
	s.mu.Unlock()
	return err
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
