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

	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/strhash"
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
	// The usual send, a text through a TextGraph to a key of this channel
	// that holds the very account string key gave it, is made first, with
	// no more tests than it takes to know it; the others, whatever they
	// fail, come after it.
	if g := a.textGraph; g != nil && to.Channel == Channel && strhash.Shares(to.Account, a.account) && to.Customer != "" && m.Kind == router.KindText {
		// The TextGraph takes the text by its values: no request is
		// built for it. A refusal is tried again as sendGraph tries one.
		a.graphMu.Lock()
		id, err := g.Text(to.Customer, m.Text)
		if err != nil {
			id, err = a.retryText(to.Customer, m.Text, id, err)
		}
		a.graphMu.Unlock()
		return id, err
	}
	// The usual key is of this channel and holds the very account string
	// key gave it: each test's usual answer is reached first, and the
	// account is compared by address before its bytes.
	if (to.Channel != Channel && to.Channel != "") || (!strhash.Same(to.Account, a.account) && to.Account != "") || to.Customer == "" {
		return "", a.recipientError(to)
	}
	if m.Kind != router.KindText && (m.Kind != "" || m.Attachment != nil || m.Template != nil) {
		return a.sendOther(ctx, to.Customer, &m)
	}
	if a.textGraph != nil {
		// A text Send did not take as the usual one (of Kind "", or to
		// a key without a channel or an account, or with a copy of the
		// account), through the TextGraph as the usual one.
		a.graphMu.Lock()
		id, err := a.textGraph.Text(to.Customer, m.Text)
		if err != nil {
			id, err = a.retryText(to.Customer, m.Text, id, err)
		}
		a.graphMu.Unlock()
		return id, err
	}
	if a.cfg.Graph != nil {
		return a.sendGraph(to.Customer, m.Text, nil)
	}
	req := sendRequest{MessagingProduct: "whatsapp", RecipientType: "individual", To: to.Customer, Type: string(router.KindText)}
	return a.sendWire(ctx, req, true, m.Text, to.Customer)
}

// recipientError is Send's error for a key it cannot send to: of another
// channel or business number, or without a customer.
//
//go:noinline
func (a *Adapter) recipientError(to router.CustomerKey) error {
	if to.Channel != "" && to.Channel != Channel {
		return fmt.Errorf("whatsapp: send: customer %s is not on channel %s", to, Channel)
	}
	if to.Account != "" && to.Account != a.cfg.PhoneNumberID {
		return fmt.Errorf("whatsapp: send: customer %s is not on business number %s", to, a.cfg.PhoneNumberID)
	}
	return errors.New("whatsapp: send: empty recipient")
}

// sendOther is Send for a message other than a text: a template or an
// attachment (of Kind "" when m has one), or an unknown kind.
//
//go:noinline
func (a *Adapter) sendOther(ctx context.Context, to string, m *router.Outbound) (string, error) {
	kind := m.Kind
	if kind == "" {
		if m.Attachment != nil {
			kind = router.KindAttachment
		} else {
			kind = router.KindTemplate
		}
	}
	req := sendRequest{MessagingProduct: "whatsapp", RecipientType: "individual", To: to, Type: string(kind)}
	switch kind {
	case router.KindTemplate:
		t := m.Template
		if t == nil {
			return "", errors.New("whatsapp: send: template message without a template")
		}
		st := &sendTemplate{Name: t.Name, Language: sendLanguage{Code: t.Language, Policy: "deterministic"}}
		if len(t.Params) > 0 {
			params := make([]sendParameter, len(t.Params))
			for i, p := range t.Params {
				params[i] = sendParameter{Type: "text", Text: p}
			}
			st.Components = []sendComponent{{Type: "body", Parameters: params}}
		}
		req.Template = st
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
		md := &sendMedia{ID: id}
		req.Type = att.Kind
		switch att.Kind {
		case "image":
			md.Caption, req.Image = m.Text, md
		case "video":
			md.Caption, req.Video = m.Text, md
		case "document":
			md.Caption, md.Filename, req.Document = m.Text, filename, md
		case "audio":
			req.Audio = md
		case "sticker":
			req.Sticker = md
		}
	default:
		return "", fmt.Errorf("whatsapp: send: unsupported message kind %q", kind)
	}
	if a.cfg.Graph != nil {
		return a.sendGraph(to, "", &req)
	}
	return a.sendWire(ctx, req, false, m.Text, to)
}

// sendGraph hands a send to the Graph in the adapter's one value, which
// the Graph does not keep (see Graph.Message): other, or when it is nil
// a text of body text to the customer to. A transient refusal is tried
// again, up to SendTries in all.
func (a *Adapter) sendGraph(to, text string, other *sendRequest) (string, error) {
	a.graphMu.Lock()
	g := &a.graphReq
	if other != nil {
		g.req = *other
	} else {
		g.req.MessagingProduct, g.req.RecipientType, g.req.To, g.req.Type = "whatsapp", "individual", to, string(router.KindText)
		g.text.Body = text
		g.req.Text = &g.text
	}
	// Retried as the wire's sends are (postMessage): the same answers,
	// as many times.
	id, err := a.cfg.Graph.Message(&g.req)
	for try := 2; err != nil && try <= SendTries && retryable(err); try++ {
		id, err = a.cfg.Graph.Message(&g.req)
	}
	if other != nil {
		*g = graphRequest{}
	} else {
		// Only the recipient and the text are let go: the other fields a
		// text send sets are constants, and those it does not set are
		// nil. (Zeroing the whole request wrote each of its pointers
		// under the collector's write barrier.)
		g.req.To, g.text.Body = "", ""
	}
	a.graphMu.Unlock()
	return id, err
}

// retryText tries a text send that the TextGraph answered with id and the
// refusal err again while the refusal is transient, up to SendTries in
// all, and returns the last answer: Send's rare path, out of its line.
//
//go:noinline
func (a *Adapter) retryText(to, text, id string, err error) (string, error) {
	for try := 2; err != nil && try <= SendTries && retryable(err); try++ {
		id, err = a.textGraph.Text(to, text)
	}
	return id, err
}

// sendWire posts req to the messages endpoint (with text as its text when
// isText) and returns the wamid of the answer. It is Send's wire half, a
// function of its own so that Send, with a return per check, runs no
// deferred calls on the Graph's path.
func (a *Adapter) sendWire(ctx context.Context, req sendRequest, isText bool, text, customer string) (string, error) {
	// Only wire, a copy of req the Graph branch never sees, points to the
	// text: neither escapes to the heap with the Graph's request.
	var t sendText
	wire := req
	if isText {
		t.Body = text
		wire.Text = &t
	}
	// The body is built in the request's own buffer, recycled with it.
	q := httpcall.New()
	defer q.Release()
	b := appendSendRequest(q.Scratch(), &wire)

	status, answer, err := a.postMessage(ctx, q, b)
	if err != nil { // a refusal too
		return "", err
	}
	defer answer.Release()
	id, err := sentID(answer.Bytes(), customer)
	if err != nil || id == "" {
		return "", fmt.Errorf("whatsapp: send: HTTP %d: unparseable answer %q", status, truncate(answer.Bytes()))
	}
	return id, nil
}

// graphRequest is a send's request to a Graph, with the text it points
// to when it is a text message.
type graphRequest struct {
	req  Request
	text sendText
}

// MarkRead tells WhatsApp that the business has read the customer message
// messageID (a wamid received by webhook): it posts
// {"messaging_product":"whatsapp","status":"read","message_id":...} to the
// messages endpoint, which answers {"success":true}. The customer sees blue
// ticks on that message and, as Meta documents, on the earlier ones. A
// platform refusal (for example an unknown message id) is a
// *[router.PlatformError]; a transport failure or an answer without
// "success":true is an ordinary error, and so is a call to an adapter
// with a Config.Graph, which has no mark-as-read.
func (a *Adapter) MarkRead(ctx context.Context, messageID string) error {
	if messageID == "" {
		return errors.New("whatsapp: mark read: empty message id")
	}
	if a.cfg.Graph != nil {
		return errors.New("whatsapp: mark read: not available through a Graph")
	}
	b := appendReadRequest(make([]byte, 0, 80+len(messageID)), &readRequest{MessagingProduct: "whatsapp", Status: "read", MessageID: messageID})
	status, answer, err := a.postJSON(ctx, a.msgURL, b)
	if err != nil {
		return err
	}
	defer answer.Release()
	if status < 200 || status > 299 {
		return graphError(status, answer.Bytes())
	}
	if string(answer.Bytes()) == `{"success":true}` { // the usual answer, decoded
		return nil
	}
	var ok struct {
		Success bool `json:"success"`
	}
	if err := json.Unmarshal(answer.Bytes(), &ok); err != nil || !ok.Success {
		return fmt.Errorf("whatsapp: mark read: HTTP %d: unexpected answer %q", status, truncate(answer.Bytes()))
	}
	return nil
}

// readRequest is the body of a mark-as-read POST to /messages.
type readRequest struct {
	MessagingProduct string `json:"messaging_product"`
	Status           string `json:"status"`
	MessageID        string `json:"message_id"`
}

// messageID returns messages[0].id of a send answer ("" when there is
// none).
func messageID(answer []byte) (string, error) { return sentID(answer, "") }

// sentID is messageID of the answer to a send to the wa_id to ("" when not
// known).
func sentID(answer []byte, to string) (string, error) {
	d := scanners.Get().(*scanner)
	id, fast := d.sendAnswer(answer)
	if fast && id != "" {
		// The message's statuses come next, most often to the scanner
		// this goroutine gets back from the pool: they find the id and
		// the recipient in the memo rather than allocate them again.
		d.memo[memoID] = id
		if to != "" {
			d.memo[memoPhone] = to
		}
	}
	d.release()
	if fast {
		return id, nil
	}
	var ok struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(answer, &ok); err != nil || len(ok.Messages) == 0 {
		return "", err
	}
	return ok.Messages[0].ID, nil
}

// upload posts a file of size zero bytes to the media endpoint and returns
// the media id. The body is streamed: only the multipart framing is held in
// memory.
func (a *Adapter) upload(ctx context.Context, mimeType, filename string, size int64) (string, error) {
	if size < 0 {
		return "", fmt.Errorf("whatsapp: upload: negative size %d", size)
	}
	if a.cfg.Graph != nil {
		return a.cfg.Graph.Upload(mimeType, sanitizeFilename(filename), size)
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
	status, answer, err := a.post(ctx, a.mediaURL, []string{mw.FormDataContentType()}, int64(len(framing))+size, nil, body)
	if err != nil {
		return "", err
	}
	defer answer.Release()
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

// outgoing is what one Graph API request needs besides the request itself,
// in one allocation: the body's reader (itself the request's Body) and
// the URL.
type outgoing struct {
	rd   bytes.Reader // the body of postJSON
	body io.Reader
	u    url.URL
}

func (o *outgoing) Read(p []byte) (int, error) { return o.body.Read(p) }
func (o *outgoing) Close() error               { return nil }

// hdrJSON is the Content-Type of JSON requests (never modified: a header
// Add appends to a copy, since its capacity is its length).
var hdrJSON = []string{"application/json"}

// postJSON posts the JSON body b to target; see post.
// The request is recycled (httpcall); the body b stays the caller's.
func (a *Adapter) postJSON(ctx context.Context, target *url.URL, b []byte) (int, httpcall.Held, error) {
	return a.postJSONWith(ctx, nil, target, b)
}

// postJSONWith is postJSON through q, when set, which stays the caller's
// to release once it has released the answer; otherwise through a
// request of its own, which the answer's Release gives back.
func (a *Adapter) postJSONWith(ctx context.Context, q *httpcall.Request, target *url.URL, b []byte) (int, httpcall.Held, error) {
	if target == nil || ctx == nil || len(b) == 0 {
		return a.post(ctx, target, hdrJSON, int64(len(b)), b, nil)
	}
	var own *httpcall.Request // q when it is not the caller's
	if q == nil {
		q = httpcall.New()
		own = q
	}
	req := q.Prepare(ctx, http.MethodPost, target, b)
	h := q.Header()
	h["Authorization"] = a.authHdr
	h["Content-Type"] = hdrJSON
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		q.Abandon() // the transport may still hold the request
		return 0, httpcall.Held{}, fmt.Errorf("whatsapp: send: %w", err)
	}
	// An answer made in process is read where it is, any other into a
	// pooled buffer; own, when set, is given back with it.
	answer, err := httpcall.Hold(own, resp, maxAnswer)
	if err != nil {
		return 0, httpcall.Held{}, readError(err)
	}
	return resp.StatusCode, answer, nil
}

// readError is the error of an answer that could not be read.
func readError(err error) error { return fmt.Errorf("whatsapp: send: reading answer: %w", err) }

// post sends a request to the Graph API and returns the status and the body
// of the answer, held until its Release (httpcall.Hold). The body is b, or when newBody is not nil what it returns: a
// fresh reader of the body each time it is called.
func (a *Adapter) post(ctx context.Context, target *url.URL, contentType []string, length int64, b []byte, newBody func() io.Reader) (int, httpcall.Held, error) {
	if target == nil {
		return 0, httpcall.Held{}, fmt.Errorf("whatsapp: send: bad base URL %q", a.cfg.BaseURL)
	}
	o := &outgoing{u: *target}
	var getBody func() (io.ReadCloser, error)
	if newBody == nil {
		o.rd.Reset(b)
		o.body = &o.rd
		getBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	} else {
		o.body = newBody()
		getBody = func() (io.ReadCloser, error) { return io.NopCloser(newBody()), nil }
	}
	req := (&http.Request{
		Method:        http.MethodPost,
		URL:           &o.u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Authorization": a.authHdr, "Content-Type": contentType},
		Body:          o,
		GetBody:       getBody,
		ContentLength: length,
		Host:          o.u.Host,
	}).WithContext(ctx)
	if length == 0 {
		req.Body = http.NoBody
	}
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		return 0, httpcall.Held{}, fmt.Errorf("whatsapp: send: %w", err)
	}
	answer, err := httpcall.Hold(nil, resp, maxAnswer)
	if err != nil {
		return 0, httpcall.Held{}, readError(err)
	}
	return resp.StatusCode, answer, nil
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

// The body of a POST to /messages: the message types this adapter sends.
type sendRequest struct {
	MessagingProduct string        `json:"messaging_product"`
	RecipientType    string        `json:"recipient_type"`
	To               string        `json:"to"`
	Type             string        `json:"type"`
	Text             *sendText     `json:"text,omitempty"`
	Template         *sendTemplate `json:"template,omitempty"`
	Image            *sendMedia    `json:"image,omitempty"`
	Audio            *sendMedia    `json:"audio,omitempty"`
	Video            *sendMedia    `json:"video,omitempty"`
	Document         *sendMedia    `json:"document,omitempty"`
	Sticker          *sendMedia    `json:"sticker,omitempty"`
}

type sendText struct {
	PreviewURL bool   `json:"preview_url"`
	Body       string `json:"body"`
}

type sendTemplate struct {
	Name       string          `json:"name"`
	Language   sendLanguage    `json:"language"`
	Components []sendComponent `json:"components,omitempty"`
}

type sendLanguage struct {
	Code   string `json:"code"`
	Policy string `json:"policy"`
}

type sendComponent struct {
	Type       string          `json:"type"`
	Parameters []sendParameter `json:"parameters"`
}

type sendParameter struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type sendMedia struct {
	ID       string `json:"id"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}
