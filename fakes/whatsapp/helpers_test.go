package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2025, 6, 9, 10, 0, 0, 0, time.UTC)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const (
	cust  = "16505551234"
	cust2 = "447911123456"
	msgs  = "/v21.0/" + DefaultPhoneNumberID + "/messages"
	media = "/v21.0/" + DefaultPhoneNumberID + "/media"
)

func newTest(cfg Config) (*Server, *fakeClock) {
	clk := &fakeClock{t: t0}
	cfg.Clock = clk.Now
	return New(cfg), clk
}

// router is an httptest webhook receiver that checks signatures.
type router struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	bodies  [][]byte
	status  int
	badSigs int
}

func newRouter(t *testing.T, secret string) *router {
	rt := &router{t: t, status: 200}
	rt.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			q := r.URL.Query()
			if q.Get("hub.mode") != "subscribe" || q.Get("hub.verify_token") != DefaultVerifyToken {
				w.WriteHeader(403)
				return
			}
			io.WriteString(w, q.Get("hub.challenge"))
			return
		}
		b, _ := io.ReadAll(r.Body)
		rt.mu.Lock()
		defer rt.mu.Unlock()
		if r.Header.Get("X-Hub-Signature-256") != Sign(secret, b) || r.Header.Get("Content-Type") != "application/json" {
			rt.badSigs++
		}
		rt.bodies = append(rt.bodies, b)
		w.WriteHeader(rt.status)
	}))
	t.Cleanup(rt.srv.Close)
	return rt
}

func (rt *router) payloads() []WebhookPayload {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var out []WebhookPayload
	for _, b := range rt.bodies {
		var p WebhookPayload
		if err := json.Unmarshal(b, &p); err != nil {
			rt.t.Fatalf("webhook body is not JSON: %v: %s", err, b)
		}
		out = append(out, p)
	}
	return out
}

func (rt *router) statuses() []Status {
	var out []Status
	for _, p := range rt.payloads() {
		out = append(out, p.Entry[0].Changes[0].Value.Statuses...)
	}
	return out
}

func do(s *Server, method, path, ctype string, body []byte, auth string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, bytes.NewReader(body))
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

const bearer = "Bearer " + DefaultAccessToken

func post(s *Server, body string) *httptest.ResponseRecorder {
	return do(s, "POST", msgs, "application/json", []byte(body), bearer)
}

func sendReq(s *Server, req SendRequest) *httptest.ResponseRecorder {
	b, _ := json.Marshal(req)
	return post(s, string(b))
}

func text(to, body string) SendRequest {
	return SendRequest{MessagingProduct: "whatsapp", RecipientType: "individual", To: to, Type: "text", Text: &Text{Body: body}}
}

func tmpl(to, name string) SendRequest {
	return SendRequest{MessagingProduct: "whatsapp", To: to, Type: "template",
		Template: &Template{Name: name, Language: TemplateLanguage{Code: "en_US"}}}
}

// graphError decodes and validates a Graph error envelope.
func graphError(body []byte) (*Error, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if len(raw) != 1 || raw["error"] == nil {
		return nil, fmt.Errorf("not an error envelope: %s", body)
	}
	var env ErrorEnvelope
	if err := json.Unmarshal(body, &env); err != nil || env.Error == nil {
		return nil, fmt.Errorf("bad error object: %v", err)
	}
	e := env.Error
	switch {
	case e.Code == 0:
		return e, fmt.Errorf("code 0")
	case e.Type != "OAuthException":
		return e, fmt.Errorf("type %q", e.Type)
	case !strings.HasPrefix(e.Message, fmt.Sprintf("(#%d) ", e.Code)) || e.Title() == "":
		return e, fmt.Errorf("message %q", e.Message)
	case len(e.FBTraceID) != 23:
		return e, fmt.Errorf("fbtrace_id %q", e.FBTraceID)
	case e.ErrorData == nil || e.ErrorData.MessagingProduct != "whatsapp" || e.ErrorData.Details == "":
		return e, fmt.Errorf("error_data %+v", e.ErrorData)
	}
	return e, nil
}

func wantError(t *testing.T, w *httptest.ResponseRecorder, status, code int) *Error {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("content type %q", ct)
	}
	e, err := graphError(w.Body.Bytes())
	if err != nil {
		t.Fatalf("%v; body %s", err, w.Body)
	}
	if e.Code != code {
		t.Fatalf("code %d, want %d; body %s", e.Code, code, w.Body)
	}
	return e
}

func wantOK(t *testing.T, w *httptest.ResponseRecorder) SendResponse {
	t.Helper()
	if w.Code != 200 {
		t.Fatalf("status %d; body %s", w.Code, w.Body)
	}
	var r SendResponse
	if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
		t.Fatalf("bad response %s: %v", w.Body, err)
	}
	if r.MessagingProduct != "whatsapp" || len(r.Messages) != 1 || !strings.HasPrefix(r.Messages[0].ID, "wamid.") || len(r.Contacts) != 1 {
		t.Fatalf("bad response %s", w.Body)
	}
	return r
}

func openWindow(t *testing.T, s *Server, who string) {
	t.Helper()
	if _, err := s.CustomerText(context.Background(), who, "Sheena", "hi"); err != nil && err != ErrNoWebhookURL {
		t.Fatal(err)
	}
}

// uploadBody builds a media upload form.
func uploadBody(product, typ, filePartType string, size int, withFile bool) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if withFile {
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{`form-data; name="file"; filename="f.bin"`}
		if filePartType != "" {
			h["Content-Type"] = []string{filePartType}
		}
		p, _ := mw.CreatePart(h)
		p.Write(bytes.Repeat([]byte{'x'}, size))
	}
	if typ != "" {
		mw.WriteField("type", typ)
	}
	if product != "" {
		mw.WriteField("messaging_product", product)
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func uploadFile(t *testing.T, s *Server, typ string, size int) string {
	t.Helper()
	ct, b := uploadBody("whatsapp", typ, "", size, true)
	w := do(s, "POST", media, ct, b, bearer)
	if w.Code != 200 {
		t.Fatalf("upload %s %d: %d %s", typ, size, w.Code, w.Body)
	}
	var r MediaResponse
	if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil || r.ID == "" {
		t.Fatalf("bad upload response %s", w.Body)
	}
	return r.ID
}
