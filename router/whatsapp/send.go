package whatsapp

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
	"unicode/utf8"

	"github.com/omnisim/omnisim/router"
)

// maxAnswer caps how much of a Graph API answer is read.
const maxAnswer = 1 << 20

// Send delivers m to the WhatsApp user to.Customer (a wa_id) from the
// adapter's business number and returns the wamid Meta assigned. It
// implements [router.Sender]. A Kind of "" means attachment when m.Attachment
// is set, template when m.Template is set, and text otherwise.
//
// A platform refusal is a *[router.PlatformError]; a transport failure, an
// unparseable answer, or a message this adapter cannot express (a key of
// another channel or business number, a missing template or attachment, an
// unknown attachment kind) is an ordinary error.
func (a *Adapter) Send(ctx context.Context, to router.CustomerKey, m router.Outbound) (string, error) {
	if to.Channel != "" && to.Channel != Channel {
		return "", fmt.Errorf("whatsapp: send: customer %s is not on channel %s", to, Channel)
	}
	if to.Account != "" && to.Account != a.cfg.PhoneNumberID {
		return "", fmt.Errorf("whatsapp: send: customer %s is not on business number %s", to, a.cfg.PhoneNumberID)
	}
	if to.Customer == "" {
		return "", errors.New("whatsapp: send: empty recipient")
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

	var b []byte
	head := func(size int) {
		b = make([]byte, 0, 128+len(to.Customer)+size)
		b = append(b, `{"messaging_product":"whatsapp","recipient_type":"individual","to":`...)
		b = appendString(b, to.Customer)
	}
	switch kind {
	case router.KindText:
		head(len(m.Text) + len(m.Text)/8)
		b = append(b, `,"type":"text","text":{"preview_url":false,"body":`...)
		b = appendString(b, m.Text)
		b = append(b, "}}"...)
	case router.KindTemplate:
		t := m.Template
		if t == nil {
			return "", errors.New("whatsapp: send: template message without a template")
		}
		size := len(t.Name) + len(t.Language)
		for _, p := range t.Params {
			size += len(p) + 24
		}
		head(size + 96)
		b = append(b, `,"type":"template","template":{"name":`...)
		b = appendString(b, t.Name)
		b = append(b, `,"language":{"code":`...)
		b = appendString(b, t.Language)
		b = append(b, `,"policy":"deterministic"}`...)
		if len(t.Params) > 0 {
			b = append(b, `,"components":[{"type":"body","parameters":[`...)
			for i, p := range t.Params {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"type":"text","text":`...)
				b = appendString(b, p)
				b = append(b, '}')
			}
			b = append(b, "]}]"...)
		}
		b = append(b, '}', '}')
	case router.KindAttachment:
		att := m.Attachment
		if att == nil {
			return "", errors.New("whatsapp: send: attachment message without an attachment")
		}
		switch att.Kind {
		case "image", "audio", "video", "document", "sticker":
		default:
			return "", fmt.Errorf("whatsapp: send: unsupported attachment kind %q", att.Kind)
		}
		format := strings.ToLower(att.Format)
		if format == "" {
			format = extension(att.Name)
		}
		filename := att.Name
		if filename == "" {
			filename = "file"
			if format != "" {
				filename += "." + format
			}
		}
		id, err := a.upload(ctx, MIMEType(format), filename, att.Size)
		if err != nil {
			return "", err
		}
		head(len(id) + len(m.Text) + len(filename) + 64)
		b = append(b, `,"type":`...)
		b = appendString(b, att.Kind)
		b = append(b, ',')
		b = appendString(b, att.Kind)
		b = append(b, `:{"id":`...)
		b = appendString(b, id)
		switch att.Kind {
		case "image", "video", "document":
			if m.Text != "" {
				b = append(b, `,"caption":`...)
				b = appendString(b, m.Text)
			}
		}
		if att.Kind == "document" {
			b = append(b, `,"filename":`...)
			b = appendString(b, filename)
		}
		b = append(b, "}}"...)
	default:
		return "", fmt.Errorf("whatsapp: send: unsupported message kind %q", kind)
	}

	status, answer, err := a.post(ctx, a.msgURL, "application/json", int64(len(b)), func() io.Reader { return bytes.NewReader(b) })
	if err != nil {
		return "", err
	}
	defer putAnswer(answer)
	if status < 200 || status > 299 {
		return "", graphError(status, answer.Bytes())
	}
	id, err := messageID(answer.Bytes())
	if err != nil || id == "" {
		return "", fmt.Errorf("whatsapp: send: HTTP %d: unparseable answer %q", status, truncate(answer.Bytes()))
	}
	return id, nil
}

// messageID returns messages[0].id of a send answer.
func messageID(answer []byte) (string, error) {
	var s scanner
	s.reset(answer)
	id := ""
	isNull, err := s.beginObject()
	if err != nil || isNull {
		return "", errMalformed
	}
	for first := true; ; first = false {
		k, more, err := s.key(first)
		if err != nil {
			return "", err
		}
		if !more {
			break
		}
		if string(k) != "messages" {
			if err := s.skip(); err != nil {
				return "", err
			}
			continue
		}
		if isNull, err := s.beginArray(); err != nil || isNull {
			return "", errMalformed
		}
		for i := 0; ; i++ {
			more, err := s.elem(i == 0)
			if err != nil {
				return "", err
			}
			if !more {
				break
			}
			if i > 0 {
				if err := s.skip(); err != nil {
					return "", err
				}
				continue
			}
			if isNull, err := s.beginObject(); err != nil || isNull {
				return "", errMalformed
			}
			for first := true; ; first = false {
				k, more, err := s.key(first)
				if err != nil {
					return "", err
				}
				if !more {
					break
				}
				if string(k) == "id" {
					id, err = s.str()
				} else {
					err = s.skip()
				}
				if err != nil {
					return "", err
				}
			}
		}
	}
	if !s.end() {
		return "", errMalformed
	}
	return id, nil
}

// upload posts a file of size zero bytes to the media endpoint and returns
// the media id. The body is streamed: only the multipart framing is held in
// memory.
func (a *Adapter) upload(ctx context.Context, mimeType, filename string, size int64) (string, error) {
	if size < 0 {
		return "", fmt.Errorf("whatsapp: upload: negative size %d", size)
	}
	var frame bytes.Buffer
	mw := multipart.NewWriter(&frame)
	mw.WriteField("messaging_product", "whatsapp")
	mw.WriteField("type", mimeType)
	h := make(textproto.MIMEHeader, 2)
	h.Set("Content-Disposition", multipart.FileContentDisposition("file", sanitizeFilename(filename)))
	h.Set("Content-Type", mimeType)
	if _, err := mw.CreatePart(h); err != nil {
		return "", fmt.Errorf("whatsapp: upload: %w", err)
	}
	headLen := frame.Len()
	mw.Close() // writes the closing boundary after the (empty) part
	framing := frame.Bytes()
	head, tail := framing[:headLen], framing[headLen:]

	body := func() io.Reader {
		return io.MultiReader(bytes.NewReader(head), &zeros{n: size}, bytes.NewReader(tail))
	}
	status, answer, err := a.post(ctx, a.mediaURL, mw.FormDataContentType(), int64(len(framing))+size, body)
	if err != nil {
		return "", err
	}
	defer putAnswer(answer)
	if status < 200 || status > 299 {
		return "", graphError(status, answer.Bytes())
	}
	var ok struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(answer.Bytes(), &ok); err != nil || ok.ID == "" {
		return "", fmt.Errorf("whatsapp: upload: HTTP %d: unparseable answer %q", status, truncate(answer.Bytes()))
	}
	return ok.ID, nil
}

// sanitizeFilename drops the characters that cannot appear in a header value.
func sanitizeFilename(name string) string {
	if !strings.ContainsAny(name, "\r\n\x00") {
		return name
	}
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == 0 {
			return -1
		}
		return r
	}, name)
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

// post sends a request to the Graph API and returns the status and the body
// of the answer (in a pooled buffer the caller returns with putAnswer).
// newBody returns a fresh reader of the request body each time it is called.
func (a *Adapter) post(ctx context.Context, target *url.URL, contentType string, length int64, newBody func() io.Reader) (int, *bytes.Buffer, error) {
	if target == nil {
		return 0, nil, fmt.Errorf("whatsapp: send: bad base URL %q", a.cfg.BaseURL)
	}
	u := *target
	req := (&http.Request{
		Method:        http.MethodPost,
		URL:           &u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Authorization": {a.auth}, "Content-Type": {contentType}},
		Body:          io.NopCloser(newBody()),
		GetBody:       func() (io.ReadCloser, error) { return io.NopCloser(newBody()), nil },
		ContentLength: length,
		Host:          u.Host,
	}).WithContext(ctx)
	if length == 0 {
		req.Body = http.NoBody
	}
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("whatsapp: send: %w", err)
	}
	defer resp.Body.Close()
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxAnswer)); err != nil {
		putAnswer(buf)
		return 0, nil, fmt.Errorf("whatsapp: send: reading answer: %w", err)
	}
	return resp.StatusCode, buf, nil
}

func putAnswer(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBuf {
		bufPool.Put(buf)
	}
}

// graphError turns a non-2xx answer into a *router.PlatformError, or an
// ordinary error when it carries no Graph error envelope.
func graphError(status int, body []byte) error {
	var env struct {
		Error *struct {
			Message   string `json:"message"`
			Type      string `json:"type"`
			Code      int    `json:"code"`
			Subcode   int    `json:"error_subcode"`
			ErrorData struct {
				Details string `json:"details"`
			} `json:"error_data"`
			FBTraceID string `json:"fbtrace_id"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Error == nil {
		return fmt.Errorf("whatsapp: send: HTTP %d without a Graph error: %q", status, truncate(body))
	}
	e := env.Error
	msg := e.ErrorData.Details
	if msg == "" {
		msg = e.Message
	}
	return &router.PlatformError{Code: strconv.Itoa(e.Code), HTTPStatus: status, Message: msg}
}

// truncate shortens an answer for an error message.
func truncate(b []byte) []byte {
	if len(b) > 256 {
		return b[:256]
	}
	return b
}

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as
// encoding/json does.
func appendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
