package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/jsonplain"
	"github.com/omnisim/omnisim/router"
)

// maxAnswer caps how much of an API answer is read.
const maxAnswer = 1 << 20

// TokenRefreshMargin is how long before its expiry an access token is
// replaced (at most half its lifetime). WeChat keeps the old token valid for
// 5 minutes after a refresh, so refreshing early never strands a request.
const TokenRefreshMargin = 5 * time.Minute

// The errcodes that mean the access token is no longer valid: a request
// that fails with one fetches a new token and is retried once.
const (
	codeInvalidCredential = "40001"
	codeTokenExpired      = "42001"
)

// accessToken is a cached access token and the Clock time to replace it.
type accessToken struct {
	value     string
	refreshAt time.Time
}

// Send delivers m to the WeChat user to.Customer (an openid) as a
// customer-service message and returns a local message id ("wechat-<n>",
// numbering the adapter's successful sends from 1): WeChat's answer carries
// no id. It implements [router.Sender]. A Kind of "" means attachment when
// m.Attachment is set, template when m.Template is set, and text otherwise.
//
// A platform refusal (a non-zero errcode, from the token, upload or send
// endpoint) is a *[router.PlatformError]; a transport failure, an
// unparseable answer, or a message this adapter cannot express (a key of
// another channel or account, a template, a missing attachment, a document
// or sticker) is an ordinary error.
func (a *Adapter) Send(ctx context.Context, to router.CustomerKey, m router.Outbound) (string, error) {
	err := a.send(ctx, to, m)
	var id string
	a.mu.Lock()
	if err != nil {
		a.stats.Failed++
	} else {
		a.stats.Sent++
		id = a.sentIDLocked()
	}
	a.mu.Unlock()
	return id, err
}

func (a *Adapter) send(ctx context.Context, to router.CustomerKey, m router.Outbound) error {
	if to.Channel != "" && to.Channel != Channel {
		return fmt.Errorf("wechat: send: customer %s is not on channel %s", to, Channel)
	}
	if to.Account != "" && to.Account != a.cfg.AppID {
		return fmt.Errorf("wechat: send: customer %s is not on account %s", to, a.cfg.AppID)
	}
	if to.Customer == "" {
		return errors.New("wechat: send: empty recipient")
	}
	kind := m.Kind
	if kind == "" {
		switch {
		case m.Attachment != nil:
			kind = router.KindAttachment
		case m.Template != nil:
			kind = router.KindTemplate
		default:
			kind = router.KindText
		}
	}

	// The request's parts: the wire path builds the request on the stack
	// from them (a text's object too), the rule API one of its own.
	var msgType string
	var image, voice *sendMedia
	var video *sendVideo
	switch kind {
	case router.KindText:
		msgType = "text"
	case router.KindTemplate:
		return errors.New("wechat: send: template messages are not supported (WeChat's template messages are a separate API)")
	case router.KindAttachment:
		att := m.Attachment
		if att == nil {
			return errors.New("wechat: send: attachment message without an attachment")
		}
		var mediaType string
		switch att.Kind {
		case "image":
			mediaType = "image"
		case "audio":
			mediaType = "voice"
		case "video":
			mediaType = "video"
		default:
			return fmt.Errorf("wechat: send: unsupported attachment kind %q", att.Kind)
		}
		format := strings.ToLower(att.Format)
		if format == "" {
			format = extension(att.Name)
		}
		filename, mimeType := mediaFile(format, att.Name)
		id, err := a.upload(ctx, mediaType, filename, mimeType, att.Size)
		if err != nil {
			return err
		}
		msgType = mediaType
		switch mediaType {
		case "image":
			image = &sendMedia{MediaID: id}
		case "voice":
			voice = &sendMedia{MediaID: id}
		case "video":
			video = &sendVideo{MediaID: id, Description: m.Text}
		}
	default:
		return fmt.Errorf("wechat: send: unsupported message kind %q", kind)
	}
	if a.cfg.API != nil {
		r := &sendRequest{ToUser: to.Customer, MsgType: msgType, Image: image, Voice: voice, Video: video}
		if kind == router.KindText {
			r.Text = &sendText{Content: m.Text}
		}
		return a.cfg.API.Send(r)
	}
	req := sendRequest{ToUser: to.Customer, MsgType: msgType, Image: image, Voice: voice, Video: video}
	var text sendText
	if kind == router.KindText {
		text.Content = m.Text
		req.Text = &text
	}
	// The body lives in a pooled buffer until the send returns, unless a
	// call failed: the transport may still be reading it then.
	bb := bufPool.Get().(*bytes.Buffer)
	bb.Reset()
	bb.Grow(sendRequestSize(&req))
	bb.Write(appendSendRequest(bb.AvailableBuffer(), &req))
	body := bb.Bytes()
	failed := false
	err := a.withToken(ctx, func(token string) error {
		return retryTransient(func() error {
			status, answer, err := a.call(ctx, "send", http.MethodPost, pathSend,
				a.tokenQuery(token), jsonType, int64(len(body)), body, nil)
			if err != nil {
				failed = true
				return err
			}
			defer answer.Release()
			return checkSendAnswer(status, answer.Bytes())
		})
	})
	if !failed {
		putBuf(bb)
	}
	return err
}

// sentIDLocked numbers a message sent: "wechat-" and the count of
// messages sent (WeChat's send API gives no id), made in a.ids. a.mu must
// be held.
func (a *Adapter) sentIDLocked() string {
	var b [32]byte
	return a.ids.Make(strconv.AppendUint(append(b[:0], "wechat-"...), a.sent.Add(1), 10))
}

// The API paths the adapter calls, indexes into Adapter.urls.
const (
	pathToken = iota
	pathSend
	pathUpload
	numPaths
)

var apiPaths = [numPaths]string{
	pathToken:  "/cgi-bin/token",
	pathSend:   "/cgi-bin/message/custom/send",
	pathUpload: "/cgi-bin/media/upload",
}

// parseURLs parses BaseURL plus each API path once; a nil entry means that
// the URL is bad, which each call reports.
func parseURLs(base string) (urls [numPaths]*url.URL) {
	for i, p := range apiPaths {
		u, err := url.Parse(base + p)
		if err == nil && u.Scheme != "" && u.Host != "" {
			urls[i] = u
		}
	}
	return urls
}

// jsonType is the Content-Type of a send, shared by every request: nothing
// modifies header values in place.
var jsonType = []string{"application/json"}

// tokenQuery returns the query "access_token=<token>", as url.Values
// encodes it, remembering the last one made.
func (a *Adapter) tokenQuery(token string) string {
	if q := a.lastQuery.Load(); q != nil && q.token == token {
		return q.query
	}
	q := &tokenQuery{token, "access_token=" + url.QueryEscape(token)}
	a.lastQuery.Store(q)
	return q.query
}

type tokenQuery struct{ token, query string }

// upload posts a file of size zero bytes as temporary media of mediaType
// (image, voice, video) and returns its media_id. The body is streamed: only
// the multipart framing is held in memory.
func (a *Adapter) upload(ctx context.Context, mediaType, filename, mimeType string, size int64) (string, error) {
	if size < 0 {
		return "", fmt.Errorf("wechat: upload: negative size %d", size)
	}
	if a.cfg.API != nil {
		return a.cfg.API.Upload(mediaType, filename, mimeType, size)
	}
	var frame bytes.Buffer
	mw := multipart.NewWriter(&frame)
	h := make(textproto.MIMEHeader, 2)
	h.Set("Content-Disposition", multipart.FileContentDisposition("media", filename))
	h.Set("Content-Type", mimeType)
	if _, err := mw.CreatePart(h); err != nil {
		return "", fmt.Errorf("wechat: upload: %w", err)
	}
	headLen := frame.Len()
	mw.Close() // writes the closing boundary after the (empty) part
	framing := frame.Bytes()
	head, tail := framing[:headLen], framing[headLen:]
	newBody := func() io.Reader {
		return io.MultiReader(bytes.NewReader(head), &zeros{n: size}, bytes.NewReader(tail))
	}

	var id string
	err := a.withToken(ctx, func(token string) error {
		status, answer, err := a.call(ctx, "upload", http.MethodPost, pathUpload,
			url.Values{"access_token": {token}, "type": {mediaType}}.Encode(), []string{mw.FormDataContentType()},
			int64(len(framing))+size, nil, newBody)
		if err != nil {
			return err
		}
		defer answer.Release()
		var ans apiAnswer
		if err := ans.check("upload", status, answer.Bytes(), false); err != nil {
			return err
		}
		if ans.MediaID == "" {
			return fmt.Errorf("wechat: upload: HTTP %d: answer without media_id: %q", status, truncate(answer.Bytes()))
		}
		id = ans.MediaID
		return nil
	})
	return id, err
}

// withToken runs do with the current access token. When do fails with
// errcode 40001 or 42001 it fetches a new token (unless another request
// already replaced the one that failed) and runs do once more.
func (a *Adapter) withToken(ctx context.Context, do func(token string) error) error {
	token, err := a.accessToken(ctx, "")
	if err != nil {
		return err
	}
	if err = do(token); err == nil {
		return nil
	}
	var pe *router.PlatformError
	if !errors.As(err, &pe) || (pe.Code != codeInvalidCredential && pe.Code != codeTokenExpired) {
		return err
	}
	token, err = a.accessToken(ctx, token)
	if err != nil {
		return err
	}
	return do(token)
}

// accessToken returns a valid access token other than stale: the cached one
// while Clock is before its refresh time, otherwise a new one. One request
// fetches at a time; the others wait for it (or for ctx).
func (a *Adapter) accessToken(ctx context.Context, stale string) (string, error) {
	select {
	case a.tokenSem <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("wechat: access token: %w", ctx.Err())
	}
	defer func() { <-a.tokenSem }()
	now := a.cfg.Clock()
	if t := a.tok; t.value != "" && t.value != stale && now.Before(t.refreshAt) {
		return t.value, nil
	}
	if stale != "" && a.tok.value == stale {
		a.tok = accessToken{}
	}
	tok, err := a.fetchToken(ctx, now)
	if err != nil {
		return "", err
	}
	a.tok = tok
	return tok.value, nil
}

// fetchToken asks the token endpoint for a new access token; now is the
// Clock time its lifetime counts from.
func (a *Adapter) fetchToken(ctx context.Context, now time.Time) (accessToken, error) {
	a.mu.Lock()
	a.stats.TokenFetches++
	a.mu.Unlock()
	q := url.Values{"grant_type": {"client_credential"}, "appid": {a.cfg.AppID}, "secret": {a.cfg.AppSecret}}
	status, answer, err := a.call(ctx, "access token", http.MethodGet, pathToken, q.Encode(), nil, 0, nil, nil)
	if err != nil {
		return accessToken{}, err
	}
	defer answer.Release()
	var ans apiAnswer
	if err := ans.check("access token", status, answer.Bytes(), false); err != nil {
		return accessToken{}, err
	}
	if ans.AccessToken == "" {
		return accessToken{}, fmt.Errorf("wechat: access token: HTTP %d: answer without access_token: %q", status, truncate(answer.Bytes()))
	}
	// A lifetime that is missing or not positive makes the token good for
	// this request only.
	ttl := time.Duration(min(max(ans.ExpiresIn, 0), 1<<31)) * time.Second
	return accessToken{value: ans.AccessToken, refreshAt: now.Add(ttl - min(TokenRefreshMargin, ttl/2))}, nil
}

// apiAnswer holds the fields of every answer this adapter reads: the error
// envelope, the token and the media upload's.
type apiAnswer struct {
	ErrCode     *int64 `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	Type        string `json:"type"`
	MediaID     string `json:"media_id"`
	CreatedAt   int64  `json:"created_at"`
}

// check decodes body into ans and returns the error it means: a
// *router.PlatformError for a non-zero errcode (whatever the HTTP status),
// an ordinary error for an undecodable body, a non-2xx status, or (when
// needCode is set) a missing errcode.
func (ans *apiAnswer) check(op string, status int, body []byte, needCode bool) error {
	if err := json.Unmarshal(body, ans); err != nil {
		return fmt.Errorf("wechat: %s: HTTP %d: unparseable answer %q: %w", op, status, truncate(body), err)
	}
	if ans.ErrCode != nil && *ans.ErrCode != 0 {
		return &router.PlatformError{Code: strconv.FormatInt(*ans.ErrCode, 10), HTTPStatus: status, Message: ans.ErrMsg}
	}
	if status < 200 || status > 299 {
		return fmt.Errorf("wechat: %s: HTTP %d: %q", op, status, truncate(body))
	}
	if needCode && ans.ErrCode == nil {
		return fmt.Errorf("wechat: %s: HTTP %d: answer without errcode: %q", op, status, truncate(body))
	}
	return nil
}

// call makes an API request to {BaseURL}{path}?{query} and returns the status
// and the body of the answer, which the caller releases once done with it:
// one made in process read where it is, any other read into a pooled
// buffer (httpcall.Hold). The request body is body, or, when newBody is set, what newBody
// returns: a fresh reader of the body each time it is called; neither means
// no body. Errors never contain the query, which holds the app secret or the
// access token.
func (a *Adapter) call(ctx context.Context, op, method string, path int, query string, contentType []string, length int64, body []byte, newBody func() io.Reader) (int, httpcall.Held, error) {
	base := a.urls[path]
	if base == nil {
		return 0, httpcall.Held{}, fmt.Errorf("wechat: %s: bad base URL %q", op, a.cfg.BaseURL)
	}
	var req *http.Request
	var q *httpcall.Request
	if len(body) != 0 && ctx != nil {
		// Recycled: the request, the URL and the header map.
		q = httpcall.New()
		req = q.Prepare(ctx, method, base, body)
		q.URL().RawQuery = query
		q.Header()["Content-Type"] = contentType
	} else {
		req = a.newRequest(ctx, method, base, query, contentType, length, body, newBody)
	}
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		q.Abandon() // the transport may still hold the request
		var ue *url.Error
		if errors.As(err, &ue) {
			err = &url.Error{Op: ue.Op, URL: a.cfg.BaseURL + apiPaths[path], Err: ue.Err}
		}
		return 0, httpcall.Held{}, fmt.Errorf("wechat: %s: %w", op, err)
	}
	answer, err := httpcall.Hold(q, resp, maxAnswer)
	if err != nil {
		return 0, httpcall.Held{}, fmt.Errorf("wechat: %s: reading answer: %w", op, err)
	}
	return resp.StatusCode, answer, nil
}

// newRequest is the request of call when it is not recycled: no body, a
// body from newBody, or no context.
func (a *Adapter) newRequest(ctx context.Context, method string, base *url.URL, query string, contentType []string, length int64, body []byte, newBody func() io.Reader) *http.Request {
	u := new(url.URL)
	*u = *base
	u.RawQuery = query
	req := &http.Request{
		Method:     method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Body:       http.NoBody,
		Host:       u.Host,
	}
	if body != nil || newBody != nil {
		req.Header = http.Header{"Content-Type": contentType}
		req.ContentLength = length
	} else {
		req.Header = http.Header{}
	}
	if ctx != context.Background() {
		req = req.WithContext(ctx)
	}
	switch {
	case length == 0:
	case body != nil:
		rd := &bodyReader{}
		rd.Reset(body)
		req.Body = rd
		req.GetBody = func() (io.ReadCloser, error) {
			rd := &bodyReader{}
			rd.Reset(body)
			return rd, nil
		}
	case newBody != nil:
		req.Body = io.NopCloser(newBody())
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(newBody()), nil }
	}
	return req
}

// bodyReader is a request body of bytes.
type bodyReader struct{ bytes.Reader }

func (*bodyReader) Close() error { return nil }

// truncate shortens an answer for an error message.
func truncate(b []byte) []byte {
	if len(b) > 256 {
		return b[:256]
	}
	return b
}

// zeros reads n zero bytes.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

// mediaTypes maps an attachment format to the file extension and MIME type
// it is uploaded with. "mpeg" is audio/mpeg, uploaded as an .mp3 file.
var mediaTypes = map[string]struct{ ext, mime string }{
	"jpeg": {"jpeg", "image/jpeg"},
	"jpg":  {"jpg", "image/jpeg"},
	"png":  {"png", "image/png"},
	"gif":  {"gif", "image/gif"},
	"mp3":  {"mp3", "audio/mpeg"},
	"mpeg": {"mp3", "audio/mpeg"},
	"amr":  {"amr", "audio/amr"},
	"mp4":  {"mp4", "video/mp4"},
}

// octetStream is the MIME type of a format not in mediaTypes.
const octetStream = "application/octet-stream"

// mediaFile returns the file name and MIME type an attachment of format
// (lower case) named name is uploaded with: name itself, without its
// control characters (sanitizeFilename), when its extension is the
// format's, otherwise "media.<ext>" ("media" for an unknown format that is
// not a short alphanumeric word).
func mediaFile(format, name string) (filename, mimeType string) {
	ext, mimeType := format, octetStream
	if t, ok := mediaTypes[format]; ok {
		ext, mimeType = t.ext, t.mime
	} else if !isWord(format) {
		ext = ""
	}
	switch {
	case ext == "":
		filename = "media"
	case name != "" && extension(name) == ext:
		filename = sanitizeFilename(name)
	default:
		filename = "media." + ext
	}
	return filename, mimeType
}

// isWord reports whether s is 1 to 16 lower-case letters and digits.
func isWord(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// extension returns the lower-case extension of a file name, without the dot,
// or "" when it has none.
func extension(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i < 0 || i == len(name)-1 {
		return ""
	}
	ext := name[i+1:]
	if strings.ContainsAny(ext, `/\`) {
		return ""
	}
	return strings.ToLower(ext)
}

// sanitizeFilename drops the control characters (C0, DEL and C1: those
// unicode.IsControl reports) from a file name: a header value cannot hold
// most of them, and the upload endpoint refuses a part whose header holds
// one with 41005. Every other byte, invalid UTF-8 included, is kept.
func sanitizeFilename(name string) string {
	if strings.IndexFunc(name, unicode.IsControl) < 0 {
		return name
	}
	b := make([]byte, 0, len(name))
	for i := 0; i < len(name); {
		r, n := utf8.DecodeRuneInString(name[i:])
		if !unicode.IsControl(r) {
			b = append(b, name[i:i+n]...)
		}
		i += n
	}
	return string(b)
}

// The body of a customer-service send: the message types this adapter
// sends.
type sendRequest struct {
	ToUser  string     `json:"touser"`
	MsgType string     `json:"msgtype"`
	Text    *sendText  `json:"text,omitempty"`
	Image   *sendMedia `json:"image,omitempty"`
	Voice   *sendMedia `json:"voice,omitempty"`
	Video   *sendVideo `json:"video,omitempty"`
}

type sendText struct {
	Content string `json:"content"`
}

type sendMedia struct {
	MediaID string `json:"media_id"`
}

type sendVideo struct {
	MediaID      string `json:"media_id"`
	ThumbMediaID string `json:"thumb_media_id,omitempty"`
	Title        string `json:"title"`
	Description  string `json:"description"`
}

// sendRequestSize is a capacity for the JSON of req: enough unless strings
// need escaping.
func sendRequestSize(req *sendRequest) int {
	n := 96 + len(req.ToUser) + len(req.MsgType)
	if req.Text != nil {
		n += len(req.Text.Content)
	}
	if req.Video != nil {
		n += len(req.Video.Description) + len(req.Video.MediaID) + len(req.Video.ThumbMediaID) + len(req.Video.Title)
	}
	return n + 128
}

// appendSendRequest appends req as JSON, exactly as encoding/json encodes it
// without HTML escaping (see appendJSONString).
func appendSendRequest(b []byte, req *sendRequest) []byte {
	b = append(b, `{"touser":`...)
	b = appendJSONString(b, req.ToUser)
	b = append(b, `,"msgtype":`...)
	b = appendJSONString(b, req.MsgType)
	if t := req.Text; t != nil {
		b = append(b, `,"text":{"content":`...)
		b = appendJSONString(b, t.Content)
		b = append(b, '}')
	}
	if m := req.Image; m != nil {
		b = append(b, `,"image":{"media_id":`...)
		b = appendJSONString(b, m.MediaID)
		b = append(b, '}')
	}
	if m := req.Voice; m != nil {
		b = append(b, `,"voice":{"media_id":`...)
		b = appendJSONString(b, m.MediaID)
		b = append(b, '}')
	}
	if v := req.Video; v != nil {
		b = append(b, `,"video":{"media_id":`...)
		b = appendJSONString(b, v.MediaID)
		if v.ThumbMediaID != "" {
			b = append(b, `,"thumb_media_id":`...)
			b = appendJSONString(b, v.ThumbMediaID)
		}
		b = append(b, `,"title":`...)
		b = appendJSONString(b, v.Title)
		b = append(b, `,"description":`...)
		b = appendJSONString(b, v.Description)
		b = append(b, '}')
	}
	return append(b, '}')
}

const lowerHex = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json does
// with HTML escaping off: '"' and '\\' escaped with a backslash; \b, \f,
// \n, \r and \t by name; other control characters as \u00XX; invalid
// UTF-8 bytes as \ufffd; U+2028 and U+2029 as \u2028 and \u2029;
// everything else as is.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := jsonplain.Prefix(s); i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', lowerHex[c>>4], lowerHex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', lowerHex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// sendOK is WeChat's answer to a send that succeeded.
const sendOK = `{"errcode":0,"errmsg":"ok"}`

// checkSendAnswer is what apiAnswer.check("send", status, body, true)
// returns, read without reflection when the answer is in the form WeChat
// gives (see scanErrAnswer), with encoding/json otherwise.
func checkSendAnswer(status int, body []byte) error {
	if status >= 200 && status <= 299 && string(body) == sendOK {
		return nil // the answer of nearly every send, read without a scan
	}
	code, hasCode, msg, ok := scanErrAnswer(body)
	if !ok {
		var ans apiAnswer
		return ans.check("send", status, body, true)
	}
	if hasCode && code != 0 {
		return &router.PlatformError{Code: strconv.FormatInt(code, 10), HTTPStatus: status, Message: string(msg)}
	}
	if status < 200 || status > 299 {
		return fmt.Errorf("wechat: %s: HTTP %d: %q", "send", status, truncate(body))
	}
	if !hasCode {
		return fmt.Errorf("wechat: %s: HTTP %d: answer without errcode: %q", "send", status, truncate(body))
	}
	return nil
}

// scanErrAnswer reads an answer of the form {"errcode":N,"errmsg":"..."}:
// a JSON object whose keys are exactly errcode and errmsg (either absent,
// repeated ones count last, as in encoding/json), errcode an integer without
// fraction or exponent that fits int64, errmsg a string without escapes or
// control characters, in valid UTF-8. For such an answer the results are
// what encoding/json decodes into apiAnswer; for any other ok is false.
func scanErrAnswer(b []byte) (code int64, hasCode bool, msg []byte, ok bool) {
	i := skipJSONSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return 0, false, nil, false
	}
	i = skipJSONSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return 0, false, nil, skipJSONSpace(b, i+1) == len(b)
	}
	for {
		// A key.
		if i >= len(b) || b[i] != '"' {
			return 0, false, nil, false
		}
		end := bytes.IndexByte(b[i+1:], '"')
		if end < 0 {
			return 0, false, nil, false
		}
		key := b[i+1 : i+1+end]
		i = skipJSONSpace(b, i+2+end)
		if i >= len(b) || b[i] != ':' {
			return 0, false, nil, false
		}
		i = skipJSONSpace(b, i+1)
		switch string(key) {
		case "errcode":
			j := i
			if j < len(b) && b[j] == '-' {
				j++
			}
			d := j
			for j < len(b) && b[j] >= '0' && b[j] <= '9' {
				j++
			}
			if j == d || b[d] == '0' && j-d > 1 || j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
				return 0, false, nil, false
			}
			n, err := strconv.ParseInt(string(b[i:j]), 10, 64)
			if err != nil {
				return 0, false, nil, false
			}
			code, hasCode, i = n, true, j
		case "errmsg":
			if i >= len(b) || b[i] != '"' {
				return 0, false, nil, false
			}
			end := bytes.IndexByte(b[i+1:], '"')
			if end < 0 {
				return 0, false, nil, false
			}
			s := b[i+1 : i+1+end]
			if bytes.IndexByte(s, '\\') >= 0 || !utf8.Valid(s) {
				return 0, false, nil, false
			}
			for _, c := range s {
				if c < 0x20 {
					return 0, false, nil, false
				}
			}
			msg, i = s, i+2+end
		default:
			return 0, false, nil, false
		}
		i = skipJSONSpace(b, i)
		if i >= len(b) {
			return 0, false, nil, false
		}
		switch b[i] {
		case ',':
			i = skipJSONSpace(b, i+1)
		case '}':
			return code, hasCode, msg, skipJSONSpace(b, i+1) == len(b)
		default:
			return 0, false, nil, false
		}
	}
}

func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}
