package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
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
	cust  = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
	cust2 = "oUpF8uN95oLBDHEqhA3BQq2pL0fk"
)

func newTest(cfg Config) (*Server, *fakeClock) {
	clk := &fakeClock{t: t0}
	cfg.Clock = clk.Now
	return New(cfg), clk
}

// hit is one request the test router received.
type hit struct {
	method string
	query  map[string][]string
	header http.Header
	body   []byte
}

// router is an httptest webhook receiver; reply decides each answer.
type router struct {
	srv   *httptest.Server
	mu    sync.Mutex
	hits  []hit
	reply func(n int, h hit, w http.ResponseWriter) // n: 0-based hit number
}

func newRouter(t *testing.T, reply func(n int, h hit, w http.ResponseWriter)) *router {
	rt := &router{reply: reply}
	rt.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h := hit{method: r.Method, query: r.URL.Query(), header: r.Header.Clone(), body: b}
		rt.mu.Lock()
		n := len(rt.hits)
		rt.hits = append(rt.hits, h)
		rt.mu.Unlock()
		if rt.reply != nil {
			rt.reply(n, h, w)
		}
	}))
	t.Cleanup(rt.srv.Close)
	return rt
}

func (rt *router) all() []hit {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]hit(nil), rt.hits...)
}

// ok answers "success".
func ok(_ int, _ hit, w http.ResponseWriter) { io.WriteString(w, "success") }

func do(s *Server, method, target, ctype string, body []byte) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

// envelope decodes an errcode envelope and checks its form.
func envelope(t *testing.T, w *httptest.ResponseRecorder) Error {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != jsonType {
		t.Fatalf("content type %q; body %s", ct, w.Body)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil || len(raw) != 2 || raw["errcode"] == nil || raw["errmsg"] == nil {
		t.Fatalf("not an errcode envelope: %s", w.Body)
	}
	var e Error
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func wantCode(t *testing.T, w *httptest.ResponseRecorder, status, code int) Error {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	e := envelope(t, w)
	if e.Code != code {
		t.Fatalf("errcode %d, want %d; body %s", e.Code, code, w.Body)
	}
	if code != 0 && !ridSuffix.MatchString(e.Message) {
		t.Fatalf("errmsg %q has no rid suffix", e.Message)
	}
	if code != 0 && e.Title() != codeMessages[code] && code != CodeIPNotWhitelisted {
		t.Fatalf("errmsg %q, want %q + rid", e.Message, codeMessages[code])
	}
	return e
}

// token fetches an access token through the API.
func token(t *testing.T, s *Server) string {
	t.Helper()
	w := do(s, "GET", PathToken+"?grant_type=client_credential&appid="+DefaultAppID+"&secret="+DefaultAppSecret, "", nil)
	var r struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &r) != nil || r.AccessToken == "" {
		t.Fatalf("token: %d %s", w.Code, w.Body)
	}
	return r.AccessToken
}

func send(s *Server, tok string, body string) *httptest.ResponseRecorder {
	return do(s, "POST", PathSend+"?access_token="+tok, "application/json", []byte(body))
}

func sendReq(s *Server, tok string, req SendRequest) *httptest.ResponseRecorder {
	b, _ := json.Marshal(req)
	return send(s, tok, string(b))
}

func textReq(to, content string) SendRequest {
	return SendRequest{ToUser: to, MsgType: "text", Text: &Text{Content: content}}
}

// write makes the customer write without a router (ErrNoWebhookURL).
func write(t *testing.T, s *Server, openid string) {
	t.Helper()
	if _, err := s.CustomerText(context.Background(), openid, "hi"); err != ErrNoWebhookURL {
		t.Fatal(err)
	}
}

func event(t *testing.T, s *Server, openid, ev string) {
	t.Helper()
	if _, err := s.CustomerEvent(context.Background(), openid, ev, "MENU_1"); err != ErrNoWebhookURL {
		t.Fatal(err)
	}
}

// uploadBody builds a media upload form with the file part named field.
func uploadBody(field, filename, partType string, data []byte) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("description", "x")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="`+field+`"; filename="`+filename+`"`)
	if partType != "" {
		h.Set("Content-Type", partType)
	}
	p, _ := mw.CreatePart(h)
	p.Write(data)
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func upload(t *testing.T, s *Server, tok, kind, filename string, size int) string {
	t.Helper()
	ct, b := uploadBody("media", filename, "", bytes.Repeat([]byte{7}, size))
	w := do(s, "POST", PathUpload+"?access_token="+tok+"&type="+kind, ct, b)
	var r struct {
		Type      string `json:"type"`
		MediaID   string `json:"media_id"`
		CreatedAt int64  `json:"created_at"`
	}
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &r) != nil || r.MediaID == "" || r.Type != kind {
		t.Fatalf("upload %s %s %d: %d %s", kind, filename, size, w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), "errcode") {
		t.Fatalf("upload answer has errcode: %s", w.Body)
	}
	return r.MediaID
}
