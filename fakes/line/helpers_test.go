package line

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock {
	return &testClock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// hook records the webhooks it receives and answers status.
type hook struct {
	mu     sync.Mutex
	status int
	bodies [][]byte
	sigs   []string
	agents []string
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.bodies = append(h.bodies, b)
	h.sigs = append(h.sigs, r.Header.Get("X-Line-Signature"))
	h.agents = append(h.agents, r.Header.Get("User-Agent"))
	st := h.status
	h.mu.Unlock()
	if st == 0 {
		st = 200
	}
	w.WriteHeader(st)
}

// newFake starts a fake whose webhooks go to a recording endpoint.
func newFake(t *testing.T, cfg Config) (*Server, *hook, *testClock) {
	t.Helper()
	h := &hook{}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	clk := newClock()
	cfg.WebhookURL = ts.URL + "/callback"
	cfg.Clock = clk.Now
	cfg.Seed = 1
	return New(cfg), h, clk
}

// call makes an API call to s with the default token and decodes the answer.
func call(t *testing.T, s *Server, method, path, body string, hdr map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+DefaultChannelAccessToken)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	resp := w.Result()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: answer %q: %v", method, path, b, err)
		}
	}
	return resp, out
}

// text writes as user u and returns the inbound.
func text(t *testing.T, s *Server, u, msg string) Inbound {
	t.Helper()
	in, err := s.CustomerText(context.Background(), u, "Kenji", msg)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

const (
	userA = "U4af4980629a1b2c3d4e5f60718293a4b"
	userB = "U0123456789abcdef0123456789abcdef"
)
