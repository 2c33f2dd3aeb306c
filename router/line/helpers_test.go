package line

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
)

const (
	secret = "8c5d1f2a9b3e4c6d7e8f9a0b1c2d3e4f"
	bot    = "U0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	userA  = "U4af4980629a1b2c3d4e5f60718293a4b"
)

// receiver records what the adapter hands on.
type receiver struct {
	mu  sync.Mutex
	ins []router.Inbound
}

func (r *receiver) Receive(now time.Time, in router.Inbound) (router.ConversationID, error) {
	r.mu.Lock()
	r.ins = append(r.ins, in)
	r.mu.Unlock()
	return 1, nil
}

func (r *receiver) Status(time.Time, router.CustomerKey, string, string, string) {}

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// sign is x-line-signature computed in the test.
func sign(key, body string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(body))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// apiCall is one call the scripted API received.
type apiCall struct {
	path, auth, retryKey, body string
}

// scriptedAPI answers calls with the next of its answers (status, body,
// accepted id), 200 with one sent message when it has none left.
type scriptedAPI struct {
	mu      sync.Mutex
	calls   []apiCall
	answers []answer
}

type answer struct {
	status   int
	body     string
	accepted string
}

func (s *scriptedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.calls = append(s.calls, apiCall{r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("X-Line-Retry-Key"), string(b)})
	a := answer{200, `{"sentMessages":[{"id":"4615","quoteToken":"q"}]}`, ""}
	if len(s.answers) > 0 {
		a = s.answers[0]
		s.answers = s.answers[1:]
	}
	s.mu.Unlock()
	if r.URL.Path == "/v2/bot/profile/"+userA {
		io.WriteString(w, `{"displayName":"Kenji","userId":"`+userA+`"}`)
		return
	}
	if a.accepted != "" {
		w.Header().Set("X-Line-Accepted-Request-Id", a.accepted)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

// newAdapter returns an adapter whose API is a scripted server.
func newAdapter(t *testing.T, cfg Config) (*Adapter, *receiver, *scriptedAPI, *clock) {
	t.Helper()
	api := &scriptedAPI{}
	ts := httptest.NewServer(api)
	t.Cleanup(ts.Close)
	rcv := &receiver{}
	clk := &clock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
	cfg.ChannelSecret, cfg.BotUserID, cfg.ChannelAccessToken = secret, bot, "tok"
	cfg.BaseURL, cfg.Clock, cfg.Seed = ts.URL, clk.Now, 1
	return New(cfg, rcv), rcv, api, clk
}

// post sends a webhook body with a signature header ("" for none).
func post(a *Adapter, body, sig string) int {
	req := httptest.NewRequest("POST", "/callback", strings.NewReader(body))
	if sig != "" {
		req.Header.Set("X-Line-Signature", sig)
	}
	w := httptest.NewRecorder()
	a.ServeHTTP(w, req)
	return w.Code
}

func messageEvent(id, eventID, token, text string) string {
	return `{"type":"message","mode":"active","timestamp":1462629479859,"source":{"type":"user","userId":"` + userA +
		`"},"webhookEventId":"` + eventID + `","deliveryContext":{"isRedelivery":false},"replyToken":"` + token +
		`","message":{"id":"` + id + `","type":"text","quoteToken":"q","text":"` + text + `"}}`
}

func payload(events ...string) string {
	return `{"destination":"` + bot + `","events":[` + strings.Join(events, ",") + `]}`
}
