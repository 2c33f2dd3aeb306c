package wechat

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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

// appendHead appends <xml> and the four fields every push starts with.
func (s *Server) appendHead(b []byte, openid string, now time.Time, msgType string) []byte {
	b = append(b, "<xml>"...)
	b = appendElem(b, "ToUserName", s.cfg.OriginalID)
	b = appendElem(b, "FromUserName", openid)
	b = append(b, "<CreateTime>"...)
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, "</CreateTime>"...)
	return appendElem(b, "MsgType", msgType)
}

func appendMsgID(b []byte, id int64) []byte {
	b = append(b, "<MsgId>"...)
	b = strconv.AppendInt(b, id, 10)
	return append(b, "</MsgId></xml>"...)
}

// customerLocked returns the customer, creating it.
func (s *Server) customerLocked(openid string) *customer {
	c := s.customers[openid]
	if c == nil {
		c = &customer{openid: openid}
		s.customers[openid] = c
	}
	return c
}

// CustomerText makes customer openid send text: it opens (or refreshes) the
// customer's message grant at the platform's time, even when the router
// then refuses the webhook, and POSTs the text message to the router.
func (s *Server) CustomerText(ctx context.Context, openid, text string) (Inbound, error) {
	if !validOpenID(openid) {
		return Inbound{}, fmt.Errorf("wechat: customer text: openid %q is not 1-64 characters of [A-Za-z0-9_-]", openid)
	}
	if text == "" || !validXMLText(text) {
		return Inbound{}, fmt.Errorf("wechat: customer text from %s: text must be non-empty UTF-8 without XML-forbidden characters", openid)
	}
	now := s.now()
	s.mu.Lock()
	s.openMessageGrantLocked(openid, now)
	id := s.ids.msgID()
	b := s.appendHead(nil, openid, now, "text")
	b = appendElem(b, "Content", text)
	b = appendMsgID(b, id)
	s.mu.Unlock()
	return s.push(ctx, "message", openid, strconv.FormatInt(id, 10), "", b, now)
}

// CustomerMedia makes customer openid send media of kind image, voice or
// video; format is the file's format ("jpeg", "png" for images; "amr" or
// "speex" for voice, WeChat's Format values; "mp4" for video) and size its
// byte size. The media is stored under a new media_id (valid for MediaTTL)
// that media/get serves as size zero bytes and that sends may reuse. Like
// CustomerText it opens the customer's message grant.
func (s *Server) CustomerMedia(ctx context.Context, openid, kind, format string, size int64) (Inbound, error) {
	if !validOpenID(openid) {
		return Inbound{}, fmt.Errorf("wechat: customer media: openid %q is not 1-64 characters of [A-Za-z0-9_-]", openid)
	}
	format = normFormat(format)
	switch {
	case kind != "image" && kind != "voice" && kind != "video":
		return Inbound{}, fmt.Errorf("wechat: customer media from %s: kind %q is not image, voice or video", openid, kind)
	case kind == "voice" && format != "amr" && format != "speex":
		return Inbound{}, fmt.Errorf("wechat: customer media from %s: voice format %q is not amr or speex", openid, format)
	case !validFormat(format):
		return Inbound{}, fmt.Errorf("wechat: customer media from %s: bad format %q", openid, format)
	case size < 0:
		return Inbound{}, fmt.Errorf("wechat: customer media from %s: negative size %d", openid, size)
	}
	now := s.now()
	s.mu.Lock()
	s.openMessageGrantLocked(openid, now)
	id := s.ids.msgID()
	mediaID := s.ids.mediaID()
	s.mediaStore[mediaID] = &media{kind: kind, format: format, size: size, created: now}
	b := s.appendHead(nil, openid, now, kind)
	switch kind {
	case "image":
		b = appendElem(b, "PicUrl", "http://mmbiz.qpic.cn/mmbiz_jpg/"+mediaID+"/0")
		b = appendElem(b, "MediaId", mediaID)
	case "voice":
		b = appendElem(b, "MediaId", mediaID)
		b = appendElem(b, "Format", format)
	case "video":
		thumb := s.ids.mediaID()
		s.mediaStore[thumb] = &media{kind: "thumb", format: "jpeg", size: 0, created: now}
		b = appendElem(b, "MediaId", mediaID)
		b = appendElem(b, "ThumbMediaId", thumb)
	}
	b = appendMsgID(b, id)
	s.mu.Unlock()
	return s.push(ctx, "message", openid, strconv.FormatInt(id, 10), "", b, now)
}

// CustomerEvent makes customer openid trigger event: "subscribe" (follow;
// with a key, a follow by QR code: EventKey "qrscene_<key>" and a Ticket),
// "CLICK" (custom menu click; EventKey key), "SCAN" (QR scan by a follower;
// EventKey key and a Ticket) or "unsubscribe". subscribe, CLICK and SCAN
// grant EventReplyLimit replies for EventWindow; unsubscribe closes every
// grant until the customer writes or follows again. Events carry no MsgId,
// so Inbound.ID is "".
func (s *Server) CustomerEvent(ctx context.Context, openid, event, key string) (Inbound, error) {
	if !validOpenID(openid) {
		return Inbound{}, fmt.Errorf("wechat: customer event: openid %q is not 1-64 characters of [A-Za-z0-9_-]", openid)
	}
	if !validXMLText(key) {
		return Inbound{}, fmt.Errorf("wechat: customer event from %s: key is not valid XML text", openid)
	}
	switch event {
	case EventSubscribe, EventUnsubscribe, EventClick, EventScan:
	default:
		return Inbound{}, fmt.Errorf("wechat: customer event from %s: event %q is not subscribe, unsubscribe, CLICK or SCAN", openid, event)
	}
	now := s.now()
	s.mu.Lock()
	c := s.customerLocked(openid)
	if event == EventUnsubscribe {
		c.msg, c.evt = grant{}, grant{}
	} else {
		c.evt = grant{at: now, left: s.cfg.EventReplyLimit}
	}
	b := s.appendHead(nil, openid, now, "event")
	b = appendElem(b, "Event", event)
	switch {
	case event == EventSubscribe && key != "":
		if !strings.HasPrefix(key, "qrscene_") {
			key = "qrscene_" + key
		}
		b = appendElem(b, "EventKey", key)
		b = appendElem(b, "Ticket", s.ids.ticket())
	case event == EventClick:
		b = appendElem(b, "EventKey", key)
	case event == EventScan:
		b = appendElem(b, "EventKey", key)
		b = appendElem(b, "Ticket", s.ids.ticket())
	}
	b = append(b, "</xml>"...)
	s.mu.Unlock()
	return s.push(ctx, "event", openid, "", event, b, now)
}

// openMessageGrantLocked starts a new message grant: the window restarts and
// the quota is reset to ReplyLimit (not added to).
func (s *Server) openMessageGrantLocked(openid string, now time.Time) {
	c := s.customerLocked(openid)
	c.msg = grant{at: now, left: s.cfg.ReplyLimit}
}

// envelope returns the query and body of a push of plain XML in the
// configured mode.
func (s *Server) envelope(plain []byte, now time.Time, openid string) (string, []byte, error) {
	s.mu.Lock()
	nonce := s.ids.nonce()
	var random []byte
	if s.cfg.Mode != Plaintext {
		random = s.ids.random16()
	}
	s.mu.Unlock()
	ts := strconv.FormatInt(now.Unix(), 10)
	q := "signature=" + Signature(s.cfg.Token, ts, nonce) + "&timestamp=" + ts + "&nonce=" + nonce +
		"&openid=" + url.QueryEscape(openid)
	if s.cfg.Mode == Plaintext {
		return q, plain, nil
	}
	enc, err := Encrypt(s.cfg.EncodingAESKey, s.cfg.AppID, random, plain)
	if err != nil {
		return "", nil, fmt.Errorf("wechat: %s mode: %w", s.cfg.Mode, err)
	}
	q += "&encrypt_type=aes&msg_signature=" + Signature(s.cfg.Token, ts, nonce, enc)
	var b []byte
	if s.cfg.Mode == Safe {
		b = append(b, "<xml>"...)
		b = appendElem(b, "ToUserName", s.cfg.OriginalID)
	} else {
		b = append(b, bytes.TrimSuffix(plain, []byte("</xml>"))...)
	}
	b = appendElem(b, "Encrypt", enc)
	return q, append(b, "</xml>"...), nil
}

// webhookURL appends query to Config.WebhookURL.
func (s *Server) webhookURL(query string) string {
	u := s.cfg.WebhookURL
	if strings.Contains(u, "?") {
		return u + "&" + query
	}
	return u + "?" + query
}

// push delivers a message or event: up to WebhookTries POSTs of the same
// bytes, each with a WebhookTimeout, until the router answers 200. A 200
// body other than "" or "success" is a passive reply.
func (s *Server) push(ctx context.Context, kind, openid, msgID, event string, plain []byte, now time.Time) (Inbound, error) {
	in := Inbound{ID: msgID}
	if s.cfg.WebhookURL == "" {
		return in, ErrNoWebhookURL
	}
	query, body, err := s.envelope(plain, now, openid)
	if err != nil {
		return in, err
	}
	target := s.webhookURL(query)
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
			if t := strings.TrimSpace(string(reply)); t != "" && t != "success" {
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

// call makes one HTTP call to the router with a WebhookTimeout; it returns
// the status, the answer body and the headers sent. A body is sent as
// text/xml.
func (s *Server) call(ctx context.Context, method, target string, body []byte) (int, []byte, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.WebhookTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/xml")
	}
	req.Header.Set("User-Agent", "Mozilla/4.0")
	hdr := req.Header.Clone()
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return 0, nil, hdr, err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return 0, nil, hdr, fmt.Errorf("reading the answer: %w", err)
	}
	return resp.StatusCode, reply, hdr, nil
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
	c := s.customerLocked(openid)
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
