package messenger

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
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/jsonplain"
	"github.com/omnisim/omnisim/router"
)

// The messaging types and the tag the adapter sends.
const (
	Response   = "RESPONSE"
	MessageTag = "MESSAGE_TAG"
	HumanAgent = "HUMAN_AGENT"
)

// MessagingType is how the adapter sends to a customer whose last message
// was at last (ok false: never): RESPONSE inside Window, MESSAGE_TAG with
// HUMAN_AGENT after it and inside HumanAgentWindow, and RESPONSE again
// after that (the platform refuses it; the router's policy should have).
// With Config.AdWindow, RESPONSE also while the ad window of the
// customer's last message from an ad is open.
func (a *Adapter) MessagingType(psid string) (typ, tag string) {
	a.mu.Lock()
	last, ok := a.last[psid]
	var adAt time.Time
	fromAd := false
	if a.cfg.AdWindow > 0 { // off, a send looks up nothing more
		adAt, fromAd = a.adLast[psid]
	}
	a.mu.Unlock()
	if !ok {
		return Response, ""
	}
	now := a.cfg.Clock()
	age := now.Sub(last)
	switch {
	case age < a.cfg.Window:
		return Response, ""
	case fromAd && now.Sub(adAt) < a.cfg.AdWindow:
		return Response, "" // inside the ad window
	case a.cfg.HumanAgentWindow > 0 && age < a.cfg.HumanAgentWindow:
		return MessageTag, HumanAgent
	}
	return Response, ""
}

// Send delivers m to the customer to.Customer (a PSID) from the page and
// returns the message id. It implements [router.Sender]. A template is
// sent as a text of its name (Messenger has no pre-approved templates of
// that kind); an attachment is uploaded with the Attachment Upload API and
// sent by its attachment id, without a caption (Messenger attachments have
// none). A platform refusal is a *[router.PlatformError] whose Code is
// Graph's code, with "/" and the error_subcode when there is one
// ("10/2018278").
func (a *Adapter) Send(ctx context.Context, to router.CustomerKey, m router.Outbound) (string, error) {
	if to.Channel != "" && to.Channel != Channel {
		return "", fmt.Errorf("messenger: send: customer %s is not on channel %s", to, Channel)
	}
	if to.Account != "" && to.Account != a.cfg.PageID {
		return "", fmt.Errorf("messenger: send: customer %s is not on page %s", to, a.cfg.PageID)
	}
	if to.Customer == "" {
		return "", errors.New("messenger: send: empty recipient")
	}
	req := SendRequest{Recipient: to.Customer}
	req.MessagingType, req.Tag = a.MessagingType(to.Customer)
	switch {
	case m.Kind == router.KindAttachment || m.Kind == "" && m.Attachment != nil:
		if m.Attachment == nil {
			return "", errors.New("messenger: send: attachment message without an attachment")
		}
		req.Attachment = m.Attachment
		switch m.Attachment.Kind {
		case "image", "audio", "video":
			req.AttachmentType = m.Attachment.Kind
		case "document":
			req.AttachmentType = "file"
		default:
			return "", fmt.Errorf("messenger: send: unsupported attachment kind %q", m.Attachment.Kind)
		}
	case m.Kind == router.KindTemplate || m.Kind == "" && m.Template != nil:
		if m.Template == nil {
			return "", errors.New("messenger: send: template message without a template")
		}
		req.Text = m.Template.Name
	default:
		req.Text = m.Text
	}
	if a.cfg.Direct != nil {
		if req.Attachment != nil && a.cfg.DirectUpload != nil {
			// Uploaded once, as on the wire; only the send is retried.
			id, err := a.cfg.DirectUpload(req.AttachmentType, req.Attachment)
			if err != nil {
				return "", err
			}
			req.AttachmentID = id
		}
		return a.retryTransient(func() (string, error) { return a.cfg.Direct(req) })
	}
	var attachmentID string
	if req.Attachment != nil {
		id, err := a.upload(ctx, req.AttachmentType, req.Attachment)
		if err != nil {
			return "", err
		}
		attachmentID = id
	}
	// The body lives in a recycled buffer until the send returns, unless
	// a call failed: the transport may still be reading it then. Each
	// answer is held until its try is done (what the send keeps of it is
	// copied out).
	bb := a.buffer()
	failed := false
	defer func() {
		if !failed {
			a.recycle(bb)
		}
	}()
	bb.Write(AppendSendBody(bb.AvailableBuffer(), &req, attachmentID))
	body := bb.Bytes()
	return a.retryTransient(func() (string, error) {
		status, ans, err := a.postJSON(ctx, body)
		if err != nil {
			failed = true
			return "", err
		}
		defer ans.Release()
		answer := ans.Bytes()
		if status != http.StatusOK {
			return "", graphError(status, answer)
		}
		id := messageID(answer)
		if id == "" {
			return "", fmt.Errorf("messenger: send: unexpected answer %q", truncate(answer))
		}
		return id, nil
	})
}

var keysAnswer = []string{"message_id"}

// messageID reads message_id from a send answer as encoding/json would
// ("" when there is none or the answer is not such an object): by the
// one-pass scanner, or by encoding/json where it gives up.
func messageID(answer []byte) string {
	d := getScanner(answer, nil)
	id := d.oneStr("message_id", keysAnswer)
	fast := d.End()
	d.release()
	if fast {
		return id
	}
	var ok struct {
		MessageID string `json:"message_id"`
	}
	if json.Unmarshal(answer, &ok) != nil {
		return ""
	}
	return ok.MessageID
}

// AppendSendBody appends the JSON Send API body of req, with the
// attachment by attachmentID.
func AppendSendBody(b []byte, req *SendRequest, attachmentID string) []byte {
	b = append(b, `{"recipient":{"id":`...)
	b = appendString(b, req.Recipient)
	b = append(b, `},"messaging_type":`...)
	b = appendString(b, req.MessagingType)
	if req.Tag != "" {
		b = append(b, `,"tag":`...)
		b = appendString(b, req.Tag)
	}
	b = append(b, `,"message":{`...)
	if attachmentID != "" {
		b = append(b, `"attachment":{"type":`...)
		b = appendString(b, req.AttachmentType)
		b = append(b, `,"payload":{"attachment_id":`...)
		b = appendString(b, attachmentID)
		b = append(b, "}}"...)
	} else {
		b = append(b, `"text":`...)
		b = appendString(b, req.Text)
	}
	return append(b, "}}"...)
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := jsonplain.Prefix(s); i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, `\ufffd`...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// upload sends the attachment's file (zero bytes of its size) to the
// Attachment Upload API and returns its attachment id.
func (a *Adapter) upload(ctx context.Context, typ string, att *router.Attachment) (string, error) {
	name := UploadName(att)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := mw.WriteField("message", `{"attachment":{"type":"`+typ+`","payload":{"is_reusable":true}}}`)
		if err == nil {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="filedata"; filename="`+strings.NewReplacer(`"`, "", "\\", "").Replace(name)+`"`)
			h.Set("Content-Type", "application/octet-stream")
			var w io.Writer
			if w, err = mw.CreatePart(h); err == nil {
				_, err = io.CopyN(w, zeros{}, max(att.Size, 0))
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	status, held, err := a.post(ctx, a.attURL, mw.FormDataContentType(), pr)
	pr.Close()
	if err != nil {
		return "", err
	}
	defer held.Release()
	answer := held.Bytes()
	if status != http.StatusOK {
		return "", graphError(status, answer)
	}
	var ok struct {
		AttachmentID string `json:"attachment_id"`
	}
	if json.Unmarshal(answer, &ok) != nil || ok.AttachmentID == "" {
		return "", fmt.Errorf("messenger: upload: unexpected answer %q", truncate(answer))
	}
	return ok.AttachmentID, nil
}

// UploadName is the file name an attachment is uploaded under: att.Name
// ("file" when empty), which the customer sees, ending in "." and
// att.Format (lower-cased) unless it ends so already, in any case, jpg and
// jpeg alike: a format of two extensions is matched whole, so
// "backup.tar.gz" of format tar.gz keeps its name. Messenger reads the
// file's format from the name's extensions, so the platform judges
// att.Format, whatever name the file was given. A name kept is returned
// as it is, without allocating.
func UploadName(att *router.Attachment) string {
	name := att.Name
	if name == "" {
		name = "file"
	}
	f := att.Format
	if keepsName(name, f) {
		return name
	}
	return name + "." + strings.ToLower(f)
}

// keepsName reports whether UploadName uploads a file named name (not "")
// of format ext as it is: ext is "", or name ends in "." and ext, in any
// case, ext one extension or more ("pdf", "tar.gz"), or has a last
// extension of jpg or jpeg when ext is one of them.
func keepsName(name, ext string) bool {
	if ext == "" {
		return true
	}
	if n := len(name) - len(ext); n > 0 && name[n-1] == '.' && strings.EqualFold(name[n:], ext) {
		return true
	}
	i := strings.LastIndexByte(name, '.')
	return i >= 0 && isJPEG(ext) && isJPEG(name[i+1:])
}

// isJPEG reports whether ext is jpg or jpeg, in any case.
func isJPEG(ext string) bool { return strings.EqualFold(ext, "jpg") || strings.EqualFold(ext, "jpeg") }

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// post sends body to u (which carries the page access token as the
// access_token query parameter) and returns the status and the answer,
// which the caller releases once done with it.
func (a *Adapter) post(ctx context.Context, u, contentType string, body io.Reader) (int, httpcall.Held, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, body)
	if err != nil {
		return 0, httpcall.Held{}, fmt.Errorf("messenger: %w", err)
	}
	req.Header["Content-Type"] = []string{contentType}
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		return 0, httpcall.Held{}, fmt.Errorf("messenger: %w", err)
	}
	answer, err := httpcall.Hold(nil, resp, maxAnswer)
	if err != nil {
		return resp.StatusCode, httpcall.Held{}, readError(err)
	}
	return resp.StatusCode, answer, nil
}

// readError is the error of an answer that could not be read.
func readError(err error) error { return fmt.Errorf("messenger: reading the answer: %w", err) }

// hdrJSON is the Content-Type of a message, shared by every call (never
// modified: a header Add appends to a copy, since its capacity is its
// length).
var hdrJSON = []string{"application/json"}

// postJSON sends a message's JSON body to the send API, as post does,
// with the request recycled and the URL parsed once.
func (a *Adapter) postJSON(ctx context.Context, body []byte) (int, httpcall.Held, error) {
	u := a.msgURLs.Parse(a.msgURL)
	if u == nil || ctx == nil || len(body) == 0 {
		return a.post(ctx, a.msgURL, hdrJSON[0], bytes.NewReader(body))
	}
	q := httpcall.New()
	req := q.Prepare(ctx, http.MethodPost, u, body)
	req.Header["Content-Type"] = hdrJSON
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		q.Abandon() // the transport may still hold the request
		return 0, httpcall.Held{}, fmt.Errorf("messenger: %w", err)
	}
	status := resp.StatusCode // resp may be q's, given back on an error
	answer, err := httpcall.Hold(q, resp, maxAnswer)
	if err != nil {
		return status, httpcall.Held{}, readError(err)
	}
	return status, answer, nil
}

// maxAnswer bounds how much of an answer is read.
const maxAnswer = 1 << 20

// graphError reads Graph's error envelope.
func graphError(status int, answer []byte) error {
	var env struct {
		Error *struct {
			Message string `json:"message"`
			Code    int    `json:"code"`
			Subcode int    `json:"error_subcode"`
		} `json:"error"`
	}
	if json.Unmarshal(answer, &env) != nil || env.Error == nil {
		return fmt.Errorf("messenger: HTTP %d: %q", status, truncate(answer))
	}
	code := strconv.Itoa(env.Error.Code)
	if env.Error.Subcode != 0 {
		code += "/" + strconv.Itoa(env.Error.Subcode)
	}
	return &router.PlatformError{Code: code, HTTPStatus: status, Message: env.Error.Message}
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}
