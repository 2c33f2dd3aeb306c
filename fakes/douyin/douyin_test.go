package douyin

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/journal/journaltest"
	"github.com/omnisim/omnisim/httpcall/httpcalltest"
)

// Known answers computed outside Go:
//
//	printf '%s' 'SECRET''BODY' | sha1sum
func TestSignatureKnownAnswers(t *testing.T) {
	tests := []struct{ secret, body, want string }{
		{"5b8e2f9c41d37a06e1f4c8b2d9a35e70", `{"event":"im_receive_msg","content":"{\"text\":\"你好\"}"}`, "e982a3cb49598e846032b60aa08101d5f469d0c4"},
		{"secret", `{"event":"verify_webhook","client_key":"awq3x8kd2m7v5npz","content":{"challenge":12345}}`, "0301bf23994c24651b5395d596de6040039e6906"},
		{"secret", "", "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4"},
	}
	for _, tt := range tests {
		if got := Signature(tt.secret, []byte(tt.body)); got != tt.want {
			t.Errorf("Signature(%q, %q) = %s, want %s", tt.secret, tt.body, got, tt.want)
		}
	}
}

// clock is a settable virtual clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var start = time.Date(2026, 3, 2, 10, 0, 0, 0, cst)

// router is a webhook receiver that records what it got and answers with
// status (and the challenge for verify_webhook).
type router struct {
	mu     sync.Mutex
	status int
	got    []*http.Request
	bodies [][]byte
}

func (r *router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, req)
	r.bodies = append(r.bodies, body)
	status := r.status
	r.mu.Unlock()
	if status == 0 {
		status = 200
	}
	var v struct {
		Event   string `json:"event"`
		Content json.RawMessage
	}
	json.Unmarshal(body, &v)
	w.WriteHeader(status)
	if v.Event == EventVerify {
		w.Write(v.Content) // {"challenge":N}
	}
}

func newFake(t *testing.T, cfg Config) (*Server, *router, *clock) {
	t.Helper()
	clk := &clock{t: start}
	rt := &router{}
	hook := httptest.NewServer(rt)
	t.Cleanup(hook.Close)
	cfg.WebhookURL = hook.URL
	cfg.Clock = clk.Now
	cfg.Seed = 1
	return New(cfg), rt, clk
}

// call makes an API request to the fake and decodes its answer.
func call(t *testing.T, s *Server, path, token, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("access-token", token)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	var v map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("%s answered %q: %v", path, w.Body, err)
	}
	return w.Code, v
}

func errorCode(v map[string]any) int {
	data, _ := v["data"].(map[string]any)
	f, _ := data["error_code"].(float64)
	return int(f)
}

func token(t *testing.T, s *Server) string {
	t.Helper()
	_, v := call(t, s, PathClientToken, "", `{"client_key":"`+DefaultClientKey+`","client_secret":"`+DefaultClientSecret+`","grant_type":"client_credential"}`)
	tok, _ := v["data"].(map[string]any)["access_token"].(string)
	if !strings.HasPrefix(tok, "clt.") || len(tok) != 64 {
		t.Fatalf("token answer %v", v)
	}
	return tok
}

func TestClientToken(t *testing.T) {
	s, _, _ := newFake(t, Config{})
	tests := []struct {
		name, ctype, body string
		code              int
	}{
		{"json", "application/json", `{"client_key":"awq3x8kd2m7v5npz","client_secret":"5b8e2f9c41d37a06e1f4c8b2d9a35e70","grant_type":"client_credential"}`, 0},
		{"form", "application/x-www-form-urlencoded", "client_key=awq3x8kd2m7v5npz&client_secret=5b8e2f9c41d37a06e1f4c8b2d9a35e70&grant_type=client_credential", 0},
		{"grant", "application/json", `{"client_key":"awq3x8kd2m7v5npz","client_secret":"5b8e2f9c41d37a06e1f4c8b2d9a35e70","grant_type":"authorization_code"}`, CodeParam},
		{"key", "application/json", `{"client_key":"awother","client_secret":"5b8e2f9c41d37a06e1f4c8b2d9a35e70","grant_type":"client_credential"}`, CodeParam},
		{"secret", "application/json", `{"client_key":"awq3x8kd2m7v5npz","client_secret":"00","grant_type":"client_credential"}`, CodeParam},
		{"not json", "application/json", `{`, CodeParam},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, PathClientToken, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.ctype)
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			var v struct {
				Data struct {
					AccessToken string `json:"access_token"`
					ErrorCode   *int   `json:"error_code"`
					Description string `json:"description"`
					ExpiresIn   int    `json:"expires_in"`
				} `json:"data"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || w.Code != 200 || v.Data.ErrorCode == nil {
				t.Fatalf("answer %d %s: %v", w.Code, w.Body, err)
			}
			if *v.Data.ErrorCode != tt.code {
				t.Fatalf("error_code %d, want %d (%s)", *v.Data.ErrorCode, tt.code, w.Body)
			}
			if tt.code == 0 && (v.Message != "success" || v.Data.ExpiresIn != 7200 || v.Data.AccessToken == "") {
				t.Errorf("success answer %s", w.Body)
			}
			if tt.code != 0 && (v.Message != "error" || !strings.HasPrefix(v.Data.Description, "参数不合法")) {
				t.Errorf("error answer %s", w.Body)
			}
		})
	}
}

// reply is a send body replying to the customer's latest message.
func reply(s *Server, openID, text string) string {
	conv, msg, _ := s.Latest(openID)
	return `{"msg_id":"` + msg + `","conversation_id":"` + conv + `","to_user_id":"` + openID + `","scene":"im_reply_msg","content":{"msg_type":"text","text":{"text":"` + text + `"}}}`
}

const alice = "_000Iuoq1hxt4Kva16Y6szdms7qujIqiwvOx"

func sendPath() string { return PathSend + "?open_id=" + DefaultAccountOpenID }

func TestSendRules(t *testing.T) {
	ctx := context.Background()
	s, _, clk := newFake(t, Config{})
	tok := token(t, s)
	if _, err := s.CustomerText(ctx, User{OpenID: alice}, "在吗"); err != nil {
		t.Fatal(err)
	}
	// Five replies, then the quota.
	for i := 1; i <= 6; i++ {
		code, v := call(t, s, sendPath(), tok, reply(s, alice, "hi"))
		want := 0
		if i == 6 {
			want = CodeQuota
		}
		if code != 200 || errorCode(v) != want {
			t.Fatalf("reply %d: HTTP %d, %v; want error_code %d", i, code, v, want)
		}
		if want == 0 {
			if id, _ := v["data"].(map[string]any)["msg_id"].(string); !strings.HasPrefix(id, "@") {
				t.Fatalf("reply %d: no msg_id in %v", i, v)
			}
			if extra, _ := v["extra"].(map[string]any); extra["logid"] == "" || extra["error_code"] != 0.0 {
				t.Fatalf("reply %d: extra %v", i, extra)
			}
		}
	}
	if e := s.LastError(alice); e == nil || e.Code != CodeQuota || !strings.Contains(e.Message, "reply quota used up") {
		t.Errorf("last error %+v", e)
	}
	// A new message resets the count to 5, not 5 more.
	s.CustomerText(ctx, User{OpenID: alice}, "还在吗")
	if n := s.RepliesLeft(alice); n != 5 {
		t.Errorf("replies left %d, want 5", n)
	}
	// The window: open until 48h after the last message.
	clk.Add(48*time.Hour - time.Second)
	if _, v := call(t, s, sendPath(), tok, reply(s, alice, "x")); errorCode(v) != CodeTokenExpired {
		t.Errorf("a token of 48h: %v, want expired", v)
	}
	tok = token(t, s)
	if _, v := call(t, s, sendPath(), tok, reply(s, alice, "x")); errorCode(v) != 0 {
		t.Errorf("at 47h59m59s: %v", v)
	}
	clk.Add(time.Second)
	_, v := call(t, s, sendPath(), tok, reply(s, alice, "x"))
	if errorCode(v) != CodeQuota || !strings.Contains(v["data"].(map[string]any)["description"].(string), "reply window closed") {
		t.Errorf("at 48h: %v", v)
	}
	if got := len(s.Deliveries(alice)); got != 6 {
		t.Errorf("%d deliveries, want 6", got)
	}
	// The journal lists the same deliveries as alice's history.
	if d, j := s.Deliveries(alice), s.Journal().Deliveries; !reflect.DeepEqual(d, j) ||
		d[5].To != alice || d[5].Type != "text" || d[5].Text != "x" || d[5].MsgID == "" || !d[5].At.Equal(clk.Now().Add(-time.Second)) {
		t.Errorf("deliveries %+v, journal %+v", d, j)
	}
	if c := s.Counts(); c.Deliveries != 6 || c.Errors != 3 {
		t.Errorf("counts %+v", c)
	}
}

// TestDeliveriesBoundedByJournalLimit: a positive JournalLimit bounds
// each customer's delivery history to the newest deliveries, for every
// customer; 0 and a negative limit keep them all.
func TestDeliveriesBoundedByJournalLimit(t *testing.T) {
	journaltest.DeliveriesBounded(t, [2]string{alice, alice[:len(alice)-1] + "y"}, func(limit int) journaltest.Fake[Delivery] {
		s, _, _ := newFake(t, Config{JournalLimit: limit, ReplyLimit: -1})
		tok := token(t, s)
		return journaltest.Fake[Delivery]{
			Open: func(to string) {
				if _, err := s.CustomerText(context.Background(), User{OpenID: to}, "在吗"); err != nil {
					t.Fatal(err)
				}
			},
			Send: func(to, text string) {
				if code, v := call(t, s, sendPath(), tok, reply(s, to, text)); code != 200 || errorCode(v) != 0 {
					t.Fatalf("reply: HTTP %d %v", code, v)
				}
			},
			Deliveries: s.Deliveries,
			Text:       func(d Delivery) string { return d.Text },
			Delivered:  func() int { return s.Counts().Deliveries },
		}
	})
}

func TestSendErrors(t *testing.T) {
	ctx := context.Background()
	s, _, clk := newFake(t, Config{})
	tok := token(t, s)
	s.CustomerText(ctx, User{OpenID: alice}, "你好")
	conv, msg, _ := s.Latest(alice)
	body := func(f func(*map[string]any)) string {
		m := map[string]any{"msg_id": msg, "conversation_id": conv, "to_user_id": alice, "scene": "im_reply_msg",
			"content": map[string]any{"msg_type": "text", "text": map[string]any{"text": "ok"}}}
		f(&m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	tests := []struct {
		name, path, token, body string
		code                    int
	}{
		{"ok", sendPath(), tok, body(func(*map[string]any) {}), 0},
		{"no token", sendPath(), "", body(func(*map[string]any) {}), CodeTokenExpired},
		{"unknown token", sendPath(), "clt.nope", body(func(*map[string]any) {}), CodeTokenExpired},
		{"other account", PathSend + "?open_id=_000other", tok, body(func(*map[string]any) {}), CodeParam},
		{"unknown user", sendPath(), tok, body(func(m *map[string]any) { (*m)["to_user_id"] = "_000nobody" }), CodeParam},
		{"scene", sendPath(), tok, body(func(m *map[string]any) { (*m)["scene"] = "im_send_msg" }), CodeParam},
		{"conversation", sendPath(), tok, body(func(m *map[string]any) { (*m)["conversation_id"] = "1" }), CodeParam},
		{"msg_id", sendPath(), tok, body(func(m *map[string]any) { (*m)["msg_id"] = "@x" }), CodeParam},
		{"msg_type", sendPath(), tok, body(func(m *map[string]any) {
			(*m)["content"] = map[string]any{"msg_type": "image", "image": map[string]any{"media_id": "x"}}
		}), CodeParam},
		{"empty text", sendPath(), tok, body(func(m *map[string]any) {
			(*m)["content"] = map[string]any{"msg_type": "text", "text": map[string]any{"text": ""}}
		}), CodeParam},
		{"wrong types", sendPath(), tok, `{"msg_id":1}`, CodeParam},
		{"not json", sendPath(), tok, `not json`, CodeParam},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, v := call(t, s, tt.path, tt.token, tt.body)
			if code != 200 || errorCode(v) != tt.code {
				t.Fatalf("HTTP %d %v, want error_code %d", code, v, tt.code)
			}
			if tt.code != 0 {
				extra := v["extra"].(map[string]any)
				if extra["error_code"] != float64(tt.code) || extra["logid"] == "" || extra["now"] != float64(start.UnixMilli()) {
					t.Errorf("extra %v", extra)
				}
			}
		})
	}
	// Expiry: the token works until its TTL.
	clk.Add(DefaultTokenTTL - time.Second)
	if _, v := call(t, s, sendPath(), tok, body(func(*map[string]any) {})); errorCode(v) != 0 {
		t.Errorf("before the TTL: %v", v)
	}
	clk.Add(time.Second)
	if _, v := call(t, s, sendPath(), tok, body(func(*map[string]any) {})); errorCode(v) != CodeTokenExpired {
		t.Errorf("at the TTL: %v", v)
	}
	// The older GET form of the token endpoint.
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, PathClientToken+"?client_key="+DefaultClientKey+"&client_secret="+DefaultClientSecret+"&grant_type=client_credential", nil))
	if !strings.Contains(w.Body.String(), `"access_token":"clt.`) {
		t.Errorf("GET token: %s", w.Body)
	}
	// Method and path.
	w = httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, PathSend, nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", w.Code)
	}
	w = httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/im/other/", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("unknown path: %d", w.Code)
	}
}

func TestScopeAndRate(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newFake(t, Config{Scopes: []string{"user_info"}})
	tok := token(t, s)
	s.CustomerText(ctx, User{OpenID: alice}, "你好")
	if _, v := call(t, s, sendPath(), tok, reply(s, alice, "x")); errorCode(v) != CodeScope {
		t.Errorf("without the scope: %v", v)
	}
	if e := s.CheckReply(alice, "text", "x"); e == nil || e.Code != CodeScope {
		t.Errorf("Check without the scope: %v", e)
	}

	s, _, clk := newFake(t, Config{RateLimit: 2})
	tok = token(t, s)
	s.CustomerText(ctx, User{OpenID: alice}, "你好")
	var codes []int
	for i := 0; i < 3; i++ {
		_, v := call(t, s, sendPath(), tok, reply(s, alice, "x"))
		codes = append(codes, errorCode(v))
		clk.Add(300 * time.Millisecond)
	}
	clk.Add(100 * time.Millisecond) // the next second
	_, v := call(t, s, sendPath(), tok, reply(s, alice, "x"))
	codes = append(codes, errorCode(v))
	if want := []int{0, 0, CodeRate, 0}; !equal(codes, want) {
		t.Errorf("codes %v, want %v", codes, want)
	}
	// Check leaves the rate alone.
	if e := s.CheckReply(alice, "text", "x"); e != nil {
		t.Errorf("Check: %v", e)
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// setClock moves clk to t in steps a Duration holds (292 years at most).
func setClock(clk *clock, t time.Time) {
	for !clk.Now().Equal(t) {
		clk.Add(t.Sub(clk.Now())) // Sub saturates
	}
}

// Instants more than 292 years apart, whose difference in Unix nanoseconds
// would wrap: a client_token fetched then has expired now, and a customer
// who last wrote then is out of the reply window now, up to the two ends
// of the range (1677 and 2262).
func TestInstantsFarApart(t *testing.T) {
	ctx := context.Background()
	y := func(year int) time.Time { return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC) }
	first, last := time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)
	for _, tc := range []struct {
		name      string
		cfg       Config
		then, now time.Time // of the token and the message; of the reply
		code      int       // the reply's error_code
	}{
		{"token fetched 400 years before", Config{Window: -1}, y(1800), y(2200), CodeTokenExpired},
		{"token fetched at the first instant", Config{Window: -1}, first, last, CodeTokenExpired},
		{"message 400 years before", Config{TokenTTL: -1}, y(1800), y(2200), CodeQuota},
		{"message at the first instant", Config{TokenTTL: -1}, first, last, CodeQuota},
		{"message and token 47 hours before", Config{}, y(2200).Add(-47 * time.Hour), y(2200), CodeTokenExpired},
		{"message 47 hours before", Config{TokenTTL: -1}, y(2200).Add(-47 * time.Hour), y(2200), 0},
		{"token and message near the last instant", Config{}, last.Add(-time.Hour), last, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, clk := newFake(t, tc.cfg)
			setClock(clk, tc.then)
			tok := token(t, s)
			if _, err := s.CustomerText(ctx, User{OpenID: alice}, "你好"); err != nil {
				t.Fatal(err)
			}
			setClock(clk, tc.now)
			body := reply(s, alice, "x")
			if _, v := call(t, s, sendPath(), tok, body); errorCode(v) != tc.code {
				t.Fatalf("reply: %v, want error_code %d", v, tc.code)
			}
			if open := s.RepliesLeft(alice) != 0; open != (tc.code != CodeQuota) {
				t.Errorf("RepliesLeft %d with the reply answered %d", s.RepliesLeft(alice), tc.code)
			}
		})
	}
}

// Limits from the config: a negative window never closes, a negative
// limit is unlimited, and other values replace the defaults.
func TestConfiguredLimits(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		window  time.Duration
		limit   int
		after   time.Duration
		replies int
		want    int // replies accepted
	}{
		{24 * time.Hour, 6, 23 * time.Hour, 8, 6},
		{24 * time.Hour, 6, 24 * time.Hour, 1, 0},
		{-1, -1, 1000 * time.Hour, 20, 20},
	}
	for _, tt := range tests {
		s, _, clk := newFake(t, Config{Window: tt.window, ReplyLimit: tt.limit, TokenTTL: -1})
		tok := token(t, s)
		s.CustomerText(ctx, User{OpenID: alice}, "你好")
		clk.Add(tt.after)
		n := 0
		for i := 0; i < tt.replies; i++ {
			if _, v := call(t, s, sendPath(), tok, reply(s, alice, "x")); errorCode(v) == 0 {
				n++
			}
		}
		if n != tt.want {
			t.Errorf("%+v: %d accepted", tt, n)
		}
	}
}

// TestSendBodyHandedOver: a send made with httpcall, whose body the
// endpoint reads where it is (httpcall.Body), is answered as one read from
// a socket, its bytes (the caller's) left as they were; one over the limit
// is refused.
func TestSendBodyHandedOver(t *testing.T) {
	s, _, _ := newFake(t, Config{})
	tok := token(t, s)
	if _, err := s.CustomerText(context.Background(), User{OpenID: alice}, "在吗"); err != nil {
		t.Fatal(err)
	}
	send := func(body []byte) map[string]any {
		w := httpcalltest.Post(s, "http://open.douyin.test"+sendPath(), body, func(r *http.Request) {
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("access-token", tok)
		})
		var v map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || w.Code != 200 {
			t.Fatalf("HTTP %d %q", w.Code, w.Body)
		}
		return v
	}
	body := []byte(reply(s, alice, "hi"))
	sent := string(body)
	if v := send(body); errorCode(v) != 0 || string(body) != sent {
		t.Fatalf("answer %v; the caller's body became %q", v, body)
	}
	large := []byte(sent[:len(sent)-1] + strings.Repeat(" ", 1<<20) + "}")
	if v := send(large); errorCode(v) != CodeParam || !strings.HasSuffix(v["data"].(map[string]any)["description"].(string), "body: too large") {
		t.Fatalf("a body of %d bytes: %v", len(large), v)
	}
}

// A send that fails two checks is answered by the first of them in the
// documented order: token, scope, rate limit, then the body (one too large
// to read as well as one that is no send request); a call the body check
// refuses has counted against the rate, and one the token check refuses
// has changed nothing: a good reply sent right after with the good token
// is judged as if it had not been made.
func TestSendCheckOrder(t *testing.T) {
	ctx := context.Background()
	const badBody = `not json`
	large := strings.Repeat(" ", maxBody+1)
	for _, tc := range []struct {
		name  string
		cfg   Config
		token string // "good" for the issued token
		sent  int    // good sends made first, in the same second
		body  string // "" for a good reply
		code  int
		next  int // the code of a good reply sent right after with the good token
	}{
		{"a bad body", Config{ReplyLimit: 1}, "good", 0, badBody, CodeParam, 0},
		{"no token and a bad body", Config{RateLimit: 1}, "", 0, badBody, CodeTokenExpired, 0},
		{"no scope and a bad body", Config{Scopes: []string{"user_info"}}, "good", 0, badBody, CodeScope, CodeScope},
		{"over the rate and a bad body", Config{RateLimit: 1}, "good", 1, badBody, CodeRate, CodeRate},
		{"no scope and over the rate", Config{Scopes: []string{"user_info"}, RateLimit: 1}, "good", 1, "", CodeScope, CodeScope},
		{"a bad body within the rate", Config{RateLimit: 2}, "good", 1, badBody, CodeParam, CodeRate},
		{"a body too large", Config{ReplyLimit: 1}, "good", 0, large, CodeParam, 0},
		{"no token and a body too large", Config{RateLimit: 1, ReplyLimit: 1}, "", 0, large, CodeTokenExpired, 0},
		{"an unknown token and a body too large", Config{RateLimit: 1, ReplyLimit: 1}, "clt.nope", 0, large, CodeTokenExpired, 0},
		{"no scope and a body too large", Config{Scopes: []string{"user_info"}}, "good", 0, large, CodeScope, CodeScope},
		{"over the rate and a body too large", Config{RateLimit: 1}, "good", 1, large, CodeRate, CodeRate},
		{"a body too large within the rate", Config{RateLimit: 2}, "good", 1, large, CodeParam, CodeRate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _ := newFake(t, tc.cfg)
			good := token(t, s)
			s.CustomerText(ctx, User{OpenID: alice}, "你好")
			for range tc.sent {
				call(t, s, sendPath(), good, reply(s, alice, "x"))
			}
			before := s.Counts().Deliveries
			tok := tc.token
			if tok == "good" {
				tok = good
			}
			if _, v := call(t, s, sendPath(), tok, cmp.Or(tc.body, reply(s, alice, "x"))); errorCode(v) != tc.code {
				t.Errorf("error_code %d, want %d: %v", errorCode(v), tc.code, v)
			} else if tc.body == large && tc.code == CodeParam && !strings.HasSuffix(v["data"].(map[string]any)["description"].(string), "body: too large") {
				t.Errorf("description %v", v)
			}
			if n := s.Counts().Deliveries; n != before {
				t.Errorf("%d deliveries after the refused call, want %d", n, before)
			}
			if _, v := call(t, s, sendPath(), good, reply(s, alice, "x")); errorCode(v) != tc.next {
				t.Errorf("the next reply: error_code %d, want %d: %v", errorCode(v), tc.next, v)
			}
		})
	}
}
