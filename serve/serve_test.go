package serve_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/serve"
)

// The WhatsApp account's defaults, as docs/serve.md documents them.
const (
	phoneNumberID = "106540352242922"
	accessToken   = "omnisim-whatsapp-token"
	appSecret     = "omnisim-app-secret"
	verifyToken   = "omnisim-verify-token"
)

const testScenario = `name = "serve test"
start = "2026-03-02T09:00:00Z"

[tenant]
idle_after = "24h"

[channels.whatsapp.rules]
window = "12h"

[[agents]]
id = "ana"
capacity = 5

[[customers]]
id = "maria"
phone = "+34612345678"
`

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// newServer starts a server on a free loopback port for the test, on the
// test scenario unless cfg has one, seeded with 1 unless cfg says.
func newServer(t *testing.T, cfg serve.Config) *client {
	t.Helper()
	if cfg.Scenario == nil {
		sc, err := platforms.Format.Parse("test.toml", []byte(testScenario))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Scenario = sc
	}
	if cfg.Seed == nil {
		seed := uint64(1)
		cfg.Seed = &seed
	}
	srv, err := serve.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return &client{t: t, srv: srv, urls: srv.URLs()}
}

// client calls a server's control API.
type client struct {
	t    *testing.T
	srv  *serve.Server
	urls serve.URLs
}

// call makes a control API call with a JSON body ("" for none) and decodes
// the answer into out (when not nil). It returns the status.
func (c *client) call(method, path, body string, out any) int {
	c.t.Helper()
	status, b := c.raw(method, c.urls.Control+path, body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return status
}

// must is call that fails the test unless the answer is 200.
func (c *client) must(method, path, body string, out any) {
	c.t.Helper()
	var raw json.RawMessage
	if status := c.call(method, path, body, &raw); status != http.StatusOK {
		c.t.Fatalf("%s %s %s: HTTP %d: %s", method, path, body, status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
}

func (c *client) raw(method, url, body string) (int, []byte) {
	c.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		c.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, b
}

// eventually polls cond until it holds, failing the test after a deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type event struct {
	Seq          uint64
	Kind         string
	Conversation string
	Customer     string
	Agent        string
	Detail       string
	Message      string
}

type record struct {
	Seq      uint64
	Platform string
	Kind     string
	Customer string
	Method   string
	Path     string
	Status   int
	Code     string
	Text     string
}

type journal struct {
	Records []record
	Next    map[string]uint64
}

type sendResult struct {
	Conversation  string `json:"conversation"`
	MessageID     string `json:"message_id"`
	Refusal       string `json:"refusal"`
	PlatformError *struct {
		Code   string
		Status int
	} `json:"platform_error"`
}

type clock struct {
	Now   time.Time
	Speed float64
	Fired uint64
	Next  []struct {
		At   time.Time
		What string
	}
}

func (c *client) events(since uint64) []event {
	c.t.Helper()
	var res struct{ Events []event }
	c.must("GET", "/events?since="+itoa(since), "", &res)
	return res.Events
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

func kinds(evs []event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Kind)
	}
	return out
}

// TestConversation drives a conversation through the control API: a
// customer writes, the router assigns, the agent replies, the device gets
// it, statuses go out, and a day later the window has closed.
func TestConversation(t *testing.T) {
	c := newServer(t, serve.Config{Stopped: true})

	var in struct {
		ID     string
		Status int
	}
	c.must("POST", "/customers/whatsapp/maria/messages", `{"text":"¿Tenéis la talla 38?"}`, &in)
	if !strings.HasPrefix(in.ID, "wamid.") || in.Status != http.StatusOK {
		t.Fatalf("message: %+v, want a wamid and the router's 200", in)
	}
	evs := c.events(0)
	if got := strings.Join(kinds(evs), " "); got != "online opened assigned inbound" {
		t.Fatalf("events: %s", got)
	}
	if evs[2].Agent != "ana" || evs[2].Customer != "34612345678" || evs[2].Conversation != "c1" {
		t.Fatalf("assigned: %+v", evs[2])
	}

	var sent sendResult
	c.must("POST", "/agents/ana/send", `{"platform":"whatsapp","customer":"maria","text":"Déjame comprobarlo."}`, &sent)
	if sent.Conversation != "c1" || !strings.HasPrefix(sent.MessageID, "wamid.") || sent.Refusal != "" || sent.PlatformError != nil {
		t.Fatalf("send: %+v", sent)
	}
	var dev struct {
		Customer   string
		Deliveries []struct{ Kind, Text string }
	}
	c.must("GET", "/customers/whatsapp/+34612345678/device", "", &dev)
	if dev.Customer != "34612345678" || len(dev.Deliveries) != 1 || dev.Deliveries[0].Text != "Déjame comprobarlo." {
		t.Fatalf("device: %+v", dev)
	}
	// The statuses of the reply reach the router: sent, then delivered.
	eventually(t, "the sent and delivered statuses", func() bool {
		var statuses []string
		for _, ev := range c.events(0) {
			if ev.Kind == "status" && ev.Message == sent.MessageID {
				statuses = append(statuses, ev.Detail)
			}
		}
		return strings.Join(statuses, " ") == "sent delivered"
	})

	// 13 hours later the (12-hour) window is closed: the router refuses.
	var ck clock
	c.must("POST", "/clock", `{"advance":"13h"}`, &ck)
	if want := start.Add(13 * time.Hour); !ck.Now.Equal(want) {
		t.Fatalf("clock after the jump: %v, want %v", ck.Now, want)
	}
	c.must("POST", "/agents/ana/send", `{"platform":"whatsapp","customer":"34612345678","text":"Sorry for the wait"}`, &sent)
	if sent.Refusal != "window_closed" || sent.MessageID != "" {
		t.Fatalf("send after 13h: %+v, want refusal window_closed", sent)
	}

	// The idle timer (24h after the last message) is the next deadline;
	// jumping past it fires it.
	c.must("GET", "/clock", "", &ck)
	if len(ck.Next) != 1 || !ck.Next[0].At.Equal(start.Add(24*time.Hour)) || ck.Speed != 0 {
		t.Fatalf("clock: %+v, want the idle close at +24h", ck)
	}
	c.must("POST", "/clock", `{"to":"2026-03-05T09:00:00Z"}`, &ck)
	if ck.Fired == 0 {
		t.Fatalf("jump past the idle deadline fired nothing")
	}
	var convs struct {
		Conversations []struct {
			ID, State   string
			CloseReason string    `json:"close_reason"`
			ClosedAt    time.Time `json:"closed_at"`
		}
	}
	c.must("GET", "/conversations", "", &convs)
	if cv := convs.Conversations; len(cv) != 1 || cv[0].State != "closed" || !cv[0].ClosedAt.Equal(start.Add(24*time.Hour)) {
		t.Fatalf("conversations: %+v, want c1 closed at +24h", cv)
	}

	// The clock does not go back.
	if status := c.call("POST", "/clock", `{"to":"2026-03-02T09:00:00Z"}`, nil); status != http.StatusBadRequest {
		t.Errorf("jump backwards: HTTP %d, want 400", status)
	}
}

// TestClockRuns checks that virtual time follows real time at the speed
// asked, and that timers fire on their own.
func TestClockRuns(t *testing.T) {
	// A hundred virtual hours per wall second.
	c := newServer(t, serve.Config{Speed: 360000})
	c.must("POST", "/customers/whatsapp/maria/messages", `{"text":"hello"}`, nil)
	eventually(t, "the idle close, 24 virtual hours later", func() bool {
		var convs struct {
			Conversations []struct {
				CloseReason string `json:"close_reason"`
			}
		}
		c.must("GET", "/conversations", "", &convs)
		return len(convs.Conversations) == 1 && convs.Conversations[0].CloseReason == "idle"
	})
	if now := c.srv.Now(); now.Before(start.Add(24 * time.Hour)) {
		t.Errorf("now %v, want 24h after the start at least", now)
	}
}

// TestRealClient talks to the fake WhatsApp API as an app would, through
// the base URL only: a plain HTTP client posting Meta's send body with the
// bearer token. The statuses of its message go out on their own.
func TestRealClient(t *testing.T) {
	c := newServer(t, serve.Config{})
	api := c.urls.Platforms["whatsapp"]["api"]
	if api != c.urls.Base+"/whatsapp/api" {
		t.Fatalf("api URL %q", api)
	}
	// The customer writes first: the window opens.
	c.must("POST", "/customers/whatsapp/16505551234/messages", `{"text":"hi"}`, nil)

	send := func(token string) (*http.Response, []byte) {
		body := `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+16505551234","type":"text","text":{"preview_url":false,"body":"Hello from my app"}}`
		req, err := http.NewRequest("POST", api+"/v21.0/"+phoneNumberID+"/messages", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, b := send(accessToken)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("send: HTTP %d: %s", resp.StatusCode, b)
	}
	var out struct {
		MessagingProduct string `json:"messaging_product"`
		Contacts         []struct {
			Input string
			WaID  string `json:"wa_id"`
		}
		Messages []struct{ ID string }
	}
	if err := json.Unmarshal(b, &out); err != nil || out.MessagingProduct != "whatsapp" || len(out.Messages) != 1 ||
		len(out.Contacts) != 1 || out.Contacts[0].WaID != "16505551234" {
		t.Fatalf("send answer %s (%v)", b, err)
	}
	wamid := out.Messages[0].ID

	var dev struct{ Deliveries []struct{ Text string } }
	c.must("GET", "/customers/whatsapp/16505551234/device", "", &dev)
	if len(dev.Deliveries) != 1 || dev.Deliveries[0].Text != "Hello from my app" {
		t.Fatalf("device: %+v", dev)
	}
	// Nothing in the control API asked for them: the clock's ticker sends
	// the sent and delivered status webhooks to the router.
	eventually(t, "two status webhooks for "+wamid, func() bool {
		var j journal
		c.must("GET", "/journal?platform=whatsapp&kind=webhook&customer=16505551234", "", &j)
		n := 0
		for _, r := range j.Records {
			if r.Text == "statuses "+wamid && r.Status == http.StatusOK {
				n++
			}
		}
		return n == 2
	})

	// A wrong token gets Graph's error envelope.
	resp, b = send("wrong")
	var graph struct {
		Error struct {
			Code      int
			Type      string
			FBTraceID string `json:"fbtrace_id"`
		}
	}
	if resp.StatusCode != http.StatusUnauthorized || json.Unmarshal(b, &graph) != nil || graph.Error.Code != 190 || graph.Error.FBTraceID == "" {
		t.Errorf("wrong token: HTTP %d %s, want 401 with code 190", resp.StatusCode, b)
	}
}

// TestJournal checks the journal's filters and polling.
func TestJournal(t *testing.T) {
	c := newServer(t, serve.Config{Stopped: true})
	c.must("POST", "/customers/whatsapp/maria/messages", `{"text":"one"}`, nil)
	c.must("POST", "/customers/whatsapp/16505551234/messages", `{"text":"two"}`, nil)
	c.must("POST", "/agents/ana/send", `{"platform":"whatsapp","customer":"maria","text":"reply"}`, nil)

	var all journal
	c.must("GET", "/journal", "", &all)
	count := map[string]int{}
	for i, r := range all.Records {
		count[r.Platform+" "+r.Kind]++
		if i > 0 && r.Platform == all.Records[i-1].Platform && r.Seq <= all.Records[i-1].Seq {
			t.Errorf("record %d: seq %d after %d", i, r.Seq, all.Records[i-1].Seq)
		}
	}
	// Handshakes, two messages and two statuses; one send; one delivery.
	if count["whatsapp webhook"] != 5 || count["whatsapp request"] != 1 || count["whatsapp delivery"] != 1 || count["wechat webhook"] != 1 {
		t.Fatalf("journal counts %v", count)
	}

	var j journal
	c.must("GET", "/journal?platform=whatsapp&kind=delivery", "", &j)
	if len(j.Records) != 1 || j.Records[0].Customer != "34612345678" || j.Records[0].Text != "reply" {
		t.Fatalf("deliveries: %+v", j.Records)
	}
	c.must("GET", "/journal?customer=16505551234", "", &j)
	if len(j.Records) != 1 || j.Records[0].Kind != "webhook" || !strings.HasPrefix(j.Records[0].Text, "messages wamid.") {
		t.Fatalf("customer 16505551234: %+v", j.Records)
	}
	request := func() record {
		for _, r := range all.Records {
			if r.Kind == "request" {
				return r
			}
		}
		return record{}
	}()
	if request.Method != "POST" || request.Path != "/v21.0/"+phoneNumberID+"/messages" || request.Status != 200 {
		t.Errorf("request record %+v", request)
	}

	// Polling: nothing new since next; a new message is.
	next := all.Next["whatsapp"]
	c.must("GET", "/journal?platform=whatsapp&since="+itoa(next), "", &j)
	if len(j.Records) != 0 || j.Next["whatsapp"] != next {
		t.Fatalf("since %d: %+v", next, j)
	}
	c.must("POST", "/customers/whatsapp/maria/messages", `{"text":"three"}`, nil)
	c.must("GET", "/journal?platform=whatsapp&since="+itoa(next), "", &j)
	if len(j.Records) != 1 || j.Records[0].Seq != next+1 {
		t.Fatalf("since %d after a message: %+v", next, j)
	}

	for _, q := range []string{"kind=bogus", "since=-1", "platform=nope", "custmer=x", "kind=webhook&kind=request"} {
		if status := c.call("GET", "/journal?"+q, "", nil); status != http.StatusBadRequest {
			t.Errorf("journal?%s: HTTP %d, want 400", q, status)
		}
	}
}

// TestReset checks that a reset world starts over with new ids.
func TestReset(t *testing.T) {
	c := newServer(t, serve.Config{Stopped: true})
	say := func() string {
		var in struct{ ID string }
		c.must("POST", "/customers/whatsapp/maria/messages", `{"text":"hello"}`, &in)
		return in.ID
	}
	first := say()
	var reset struct {
		Seed uint64
		Now  time.Time
	}
	c.must("POST", "/reset", "", &reset)
	if reset.Seed != 2 || !reset.Now.Equal(start) {
		t.Fatalf("reset: %+v, want seed 2 at the start", reset)
	}
	if evs := c.events(0); strings.Join(kinds(evs), " ") != "online" {
		t.Fatalf("events after reset: %v", kinds(evs))
	}
	if second := say(); second == first {
		t.Fatalf("the same wamid after a reset: %s", first)
	}
	c.must("POST", "/reset", `{"seed":1}`, &reset)
	if again := say(); again != first {
		t.Errorf("seed 1 again gave %s, want %s", again, first)
	}
	if status := c.call("POST", "/reset", `{"seed":"x"}`, nil); status != http.StatusBadRequest {
		t.Errorf("bad seed: HTTP %d, want 400", status)
	}
}

// TestErrors checks the control API's answers to bad requests.
func TestErrors(t *testing.T) {
	c := newServer(t, serve.Config{Stopped: true})
	big := `{"text":"` + strings.Repeat("x", serve.MaxBodySize) + `"}`
	for _, tc := range []struct {
		method, path, body string
		status             int
		error              string
	}{
		{"POST", "/customers/whatsapp/maria/messages", `{"text":`, 400, "bad request body"},
		{"POST", "/customers/whatsapp/maria/messages", `{"txt":"hi"}`, 400, `unknown field "txt"`},
		{"POST", "/customers/whatsapp/maria/messages", `{"text":"hi"} {}`, 400, "data after"},
		{"POST", "/customers/whatsapp/maria/messages", ``, 400, "empty request body"},
		{"POST", "/customers/whatsapp/maria/messages", `{"text":1}`, 400, "text: want a string"},
		{"POST", "/customers/whatsapp/maria/messages", `{"event":"b","attachment":{"kind":"image","format":"jpeg","size":1}}`, 400, "want one of"},
		{"POST", "/customers/whatsapp/maria/messages", `{"text":"a","event":"wave"}`, 400, `no "wave" event`},
		{"POST", "/customers/whatsapp/maria/messages", big, 413, "larger than"},
		{"POST", "/customers/whatsapp/12/messages", `{"text":"hi"}`, 400, "not a valid phone number"},
		{"POST", "/customers/whatsapp/maria/messages", `{"attachment":{"kind":"image","format":"jpeg","size":"200MB"}}`, 400, ""},
		{"POST", "/customers/whatsapp/maria/messages", `{"attachment":{"kind":"image","format":"jpeg","size":"2 parsecs"}}`, 400, "unknown unit"},
		{"POST", "/customers/telegram/maria/messages", `{"text":"hi"}`, 404, `unknown platform "telegram" (known: whatsapp, wechat`},
		{"GET", "/customers/telegram/maria/device", ``, 404, "unknown platform"},
		{"POST", "/agents/zoe/send", `{"platform":"whatsapp","customer":"maria","text":"hi"}`, 404, `unknown agent "zoe" (known: ana)`},
		{"POST", "/agents/zoe/presence", `{"online":true}`, 404, "unknown agent"},
		{"POST", "/agents/ana/presence", `{}`, 400, `"online"`},
		{"POST", "/agents/ana/send", `{"platform":"telegram","customer":"maria","text":"hi"}`, 404, "unknown platform"},
		{"POST", "/agents/ana/send", `{"customer":"maria","text":"hi"}`, 400, `want "platform"`},
		{"POST", "/agents/ana/send", `{"platform":"whatsapp","customer":"maria"}`, 400, "want one of"},
		{"POST", "/agents/ana/close", `{"platform":"whatsapp","customer":"maria"}`, 400, "no open conversation"},
		{"POST", "/clock", `{"advance":"1h","to":"2027-01-01T00:00:00Z"}`, 400, "want one of"},
		{"POST", "/clock", `{"advance":"-1h"}`, 400, "negative"},
		{"POST", "/clock", `{"to":"tomorrow"}`, 400, "RFC 3339"},
		{"GET", "/events?since=x", ``, 400, "since"},
		{"GET", "/conversations?state=open", ``, 400, "state"},
		{"DELETE", "/clock", ``, 405, "allowed: GET, POST"},
		{"GET", "/reset", ``, 405, "allowed: POST"},
		{"GET", "/nope", ``, 404, "no such endpoint"},
	} {
		var res struct{ Error string }
		status := c.call(tc.method, tc.path, tc.body, &res)
		if status != tc.status || !strings.Contains(res.Error, tc.error) || res.Error == "" {
			body := tc.body
			if len(body) > 60 {
				body = body[:60] + "…"
			}
			t.Errorf("%s %s %s: HTTP %d %q, want %d with %q", tc.method, tc.path, body, status, res.Error, tc.status, tc.error)
		}
	}
}

// TestAgents checks presence and the agents' figures.
func TestAgents(t *testing.T) {
	c := newServer(t, serve.Config{Stopped: true})
	var a struct {
		ID     string
		Online bool
	}
	c.must("POST", "/agents/ana/presence", `{"online":false}`, &a)
	if a.ID != "ana" || a.Online {
		t.Fatalf("presence: %+v", a)
	}
	// Nobody online: the conversation waits, and is assigned when ana
	// comes back.
	c.must("POST", "/customers/whatsapp/maria/messages", `{"text":"anyone?"}`, nil)
	var convs struct {
		Conversations []struct{ State, Agent string }
	}
	c.must("GET", "/conversations?state=waiting", "", &convs)
	if len(convs.Conversations) != 1 {
		t.Fatalf("waiting: %+v", convs)
	}
	c.must("POST", "/agents/ana/presence", `{"online":true}`, nil)
	c.must("GET", "/conversations?state=assigned", "", &convs)
	if len(convs.Conversations) != 1 || convs.Conversations[0].Agent != "ana" {
		t.Fatalf("assigned: %+v", convs)
	}
	var agents struct {
		Agents []struct {
			ID          string
			Active      int
			Assignments int
		}
	}
	c.must("GET", "/agents", "", &agents)
	if len(agents.Agents) != 1 || agents.Agents[0].Active != 1 || agents.Agents[0].Assignments != 1 {
		t.Fatalf("agents: %+v", agents)
	}
	var closed struct{ ID, State string }
	c.must("POST", "/agents/ana/close", `{"platform":"whatsapp","customer":"maria"}`, &closed)
	if closed.ID != "c1" || closed.State != "closed" {
		t.Fatalf("close: %+v", closed)
	}
}

// TestBuiltinWorld checks the world served without a scenario file.
func TestBuiltinWorld(t *testing.T) {
	srv, err := serve.Start(context.Background(), serve.Config{Stopped: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := &client{t: t, srv: srv, urls: srv.URLs()}
	var agents struct {
		Agents []struct {
			ID       string
			Capacity int
			Online   bool
		}
	}
	c.must("GET", "/agents", "", &agents)
	if len(agents.Agents) != 2 || agents.Agents[0].ID != "ana" || agents.Agents[1].ID != "ben" ||
		agents.Agents[0].Capacity != 5 || !agents.Agents[1].Online {
		t.Fatalf("agents: %+v", agents)
	}
	if now := srv.Now(); now.Nanosecond() != 0 || time.Since(now) > time.Minute || time.Since(now) < 0 {
		t.Errorf("start %v, want the wall clock's time to the second", now)
	}
	for _, p := range platforms.All {
		if c.urls.Platforms[p.Name()]["api"] == "" || c.urls.Platforms[p.Name()]["webhook"] == "" {
			t.Errorf("platform %s not served: %v", p.Name(), c.urls.Platforms)
		}
	}
	// Two servers started without a seed give different ids.
	other, err := serve.Start(context.Background(), serve.Config{Stopped: true})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if srv.Seed() == other.Seed() {
		t.Errorf("two servers with seed %d", srv.Seed())
	}
}

// app is an app under test that receives WhatsApp's webhooks.
type app struct {
	mu       sync.Mutex
	posts    [][]byte
	sigs     []string
	verified bool
	refuse   bool // refuse the handshake
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		if a.refuse || q.Get("hub.mode") != "subscribe" || q.Get("hub.verify_token") != verifyToken {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		a.verified = true
		io.WriteString(w, q.Get("hub.challenge"))
		return
	}
	b, _ := io.ReadAll(r.Body)
	a.posts = append(a.posts, b)
	a.sigs = append(a.sigs, r.Header.Get("X-Hub-Signature-256"))
}

// TestWebhookToApp sends WhatsApp's webhooks to an app instead of the
// embedded router.
func TestWebhookToApp(t *testing.T) {
	a := &app{}
	ts := httptest.NewServer(a)
	defer ts.Close()
	c := newServer(t, serve.Config{Stopped: true, Webhooks: map[string]string{"whatsapp": ts.URL + "/webhook"}})
	a.mu.Lock()
	verified := a.verified
	a.mu.Unlock()
	if !verified {
		t.Fatal("the handshake did not reach the app")
	}
	c.must("POST", "/customers/whatsapp/maria/messages", `{"text":"to the app"}`, nil)
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.posts) != 1 || !bytes.Contains(a.posts[0], []byte(`"body":"to the app"`)) {
		t.Fatalf("app got %q", a.posts)
	}
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(a.posts[0])
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); a.sigs[0] != want {
		t.Errorf("signature %q, want %q", a.sigs[0], want)
	}
}

// TestWebhookHandshakeFails checks that a failed handshake fails the start.
func TestWebhookHandshakeFails(t *testing.T) {
	ts := httptest.NewServer(&app{refuse: true})
	defer ts.Close()
	_, err := serve.Start(context.Background(), serve.Config{Webhooks: map[string]string{"whatsapp": ts.URL}})
	if err == nil || !strings.Contains(err.Error(), "handshake") || !strings.Contains(err.Error(), "403") {
		t.Fatalf("Start: %v, want the handshake's failure", err)
	}
}

// TestConfig checks the configurations Start refuses.
func TestConfig(t *testing.T) {
	for _, cfg := range []serve.Config{
		{Addr: ":0"},
		{Addr: "127.0.0.1"},
		{Addr: "127.0.0.1:http-alt-nope"},
		{Speed: -1},
		{Webhooks: map[string]string{"telegram": "http://localhost:1/"}},
		{Webhooks: map[string]string{"whatsapp": "localhost:3000"}},
	} {
		if srv, err := serve.Start(context.Background(), cfg); err == nil {
			srv.Close()
			t.Errorf("Start(%+v) succeeded", cfg)
		}
	}
	// A port in use.
	c := newServer(t, serve.Config{Stopped: true})
	if srv, err := serve.Start(context.Background(), serve.Config{Addr: c.srv.Addr().String()}); err == nil {
		srv.Close()
		t.Errorf("a second server on %s started", c.srv.Addr())
	}
}

// TestShutdown checks that Shutdown lets a request in flight finish and
// that the server then refuses connections.
func TestShutdown(t *testing.T) {
	c := newServer(t, serve.Config{Stopped: true})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(c.urls.Control + "/health"); err == nil {
		t.Error("the server still answers after Shutdown")
	}
	if err := c.srv.Close(); err != nil {
		t.Errorf("Close after Shutdown: %v", err)
	}
}

// TestResetFails checks that a reset whose handshake fails leaves no world
// until a reset succeeds.
func TestResetFails(t *testing.T) {
	a := &app{}
	ts := httptest.NewServer(a)
	defer ts.Close()
	c := newServer(t, serve.Config{Stopped: true, Webhooks: map[string]string{"whatsapp": ts.URL}})
	a.mu.Lock()
	a.refuse = true
	a.mu.Unlock()
	var res struct{ Error string }
	if status := c.call("POST", "/reset", "", &res); status != http.StatusBadGateway || !strings.Contains(res.Error, "handshake") {
		t.Fatalf("reset: HTTP %d %q, want 502 with the handshake's failure", status, res.Error)
	}
	if status := c.call("GET", "/health", "", nil); status != http.StatusServiceUnavailable {
		t.Errorf("health without a world: HTTP %d, want 503", status)
	}
	if status := c.call("GET", "/agents", "", &res); status != http.StatusServiceUnavailable || !strings.Contains(res.Error, "no world") {
		t.Errorf("agents without a world: HTTP %d %q, want 503", status, res.Error)
	}
	a.mu.Lock()
	a.refuse = false
	a.mu.Unlock()
	c.must("POST", "/reset", "", nil)
	c.must("GET", "/health", "", nil)
}

// TestResetUnderLoad checks that an app calling a fake's API while the
// world is reset gets an answer, 503 while the new world opens, never a
// dropped connection or a half-built fake.
func TestResetUnderLoad(t *testing.T) {
	c := newServer(t, serve.Config{Speed: 5000, Tick: 2 * time.Millisecond})
	api := c.urls.Platforms["whatsapp"]["api"] + "/v21.0/" + phoneNumberID + "/messages"
	body := `{"messaging_product":"whatsapp","to":"+16505551234","type":"text","text":{"body":"hi"}}`
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 40 {
				var req *http.Request
				switch (g + i) % 3 {
				case 0:
					req, _ = http.NewRequest("POST", api, strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+accessToken)
					req.Header.Set("Content-Type", "application/json")
				case 1:
					req, _ = http.NewRequest("POST", c.urls.Control+"/reset", strings.NewReader(`{"seed":1}`))
				default:
					req, _ = http.NewRequest("POST", c.urls.Control+"/customers/whatsapp/16505551234/messages", strings.NewReader(`{"text":"hi"}`))
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Errorf("%s %s: %v", req.Method, req.URL.Path, err)
					return
				}
				io.Copy(io.Discard, resp.Body) //nolint:errcheck // drained for reuse
				resp.Body.Close()
				if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" && (g+i)%3 == 0 {
					t.Errorf("503 from the API without a Retry-After")
				}
			}
		})
	}
	wg.Wait()
}

// TestClockBound checks that the clock never passes 2261-12-31, where the
// world's nanosecond clock would wrap: jumps past it are refused and a
// running clock stops at its last millisecond.
func TestClockBound(t *testing.T) {
	last := time.Date(2261, 12, 31, 23, 59, 59, 999e6, time.UTC)
	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"to the far future", `{"to":"9999-12-31T00:00:00Z"}`, http.StatusBadRequest},
		{"to the bound", `{"to":"2262-01-01T00:00:00Z"}`, http.StatusBadRequest},
		{"advance past int64", `{"advance":"9223372036s"}`, http.StatusBadRequest},
		{"advance past the bound", `{"advance":"` + strconv.Itoa(int(time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC).Sub(start)/time.Second)) + `s"}`, http.StatusBadRequest},
		{"to the last day", `{"to":"2261-12-31T00:00:00Z"}`, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newServer(t, serve.Config{Stopped: true})
			var res struct {
				Now   time.Time
				Error string
			}
			status := c.call("POST", "/clock", tc.body, &res)
			if status != tc.status {
				t.Fatalf("HTTP %d %+v, want %d", status, res, tc.status)
			}
			if status != http.StatusOK {
				if !strings.Contains(res.Error, "2261-12-31") {
					t.Errorf("error %q does not name the last day", res.Error)
				}
				if now := c.srv.Now(); !now.Equal(start) {
					t.Errorf("now %v after a refused jump, want %v", now, start)
				}
			} else if res.Now.Before(start) || res.Now.After(last) {
				t.Errorf("now %v", res.Now)
			}
		})
	}

	t.Run("running clock", func(t *testing.T) {
		c := newServer(t, serve.Config{Speed: 1e9, Tick: 2 * time.Millisecond})
		c.must("POST", "/clock", `{"to":"2261-12-31T00:00:00Z"}`, nil)
		eventually(t, "the clock at its last millisecond", func() bool { return c.srv.Now().Equal(last) })
		time.Sleep(20 * time.Millisecond)
		if now := c.srv.Now(); !now.Equal(last) {
			t.Errorf("now %v, want %v", now, last)
		}
	})

	// From the start, centuries away, the clock runs to the same end (it
	// once stopped some 73 years on).
	t.Run("running clock from the start", func(t *testing.T) {
		c := newServer(t, serve.Config{Speed: 1e11, Tick: 2 * time.Millisecond})
		eventually(t, "the clock at its last millisecond", func() bool { return c.srv.Now().Equal(last) })
	})
}

// TestCrossSite checks that a web page of another site cannot drive the
// control API (cross-origin, or by DNS rebinding), while non-browser
// clients without a JSON Content-Type, the console's own page and the
// fakes' APIs are unaffected.
func TestCrossSite(t *testing.T) {
	c := newServer(t, serve.Config{Stopped: true})
	base := c.urls.Base
	port := base[strings.LastIndex(base, ":")+1:]
	api := c.urls.Platforms["whatsapp"]["api"] + "/v21.0/" + phoneNumberID + "/messages"
	for _, tc := range []struct {
		name, method, url, host string
		header                  map[string]string
		status                  int
	}{
		{"curl", "POST", c.urls.Control + "/reset", "", nil, http.StatusOK},
		{"text/plain from another site", "POST", c.urls.Control + "/reset", "",
			map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example"}, http.StatusForbidden},
		{"fetch from another site", "POST", c.urls.Control + "/reset", "",
			map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, http.StatusForbidden},
		{"the console's page", "POST", c.urls.Control + "/reset", "",
			map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": base}, http.StatusOK},
		{"same origin without Sec-Fetch-Site", "POST", c.urls.Control + "/reset", "",
			map[string]string{"Origin": base}, http.StatusOK},
		{"cross-site read", "GET", c.urls.Control + "/health", "",
			map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusOK},
		{"rebound name", "GET", c.urls.Control + "/health", "evil.example:" + port, nil, http.StatusForbidden},
		{"rebound name without port", "POST", c.urls.Control + "/reset", "evil.example", nil, http.StatusForbidden},
		{"rebound console", "GET", base + "/", "evil.example:" + port, nil, http.StatusForbidden},
		{"localhost", "GET", c.urls.Control + "/health", "localhost:" + port, nil, http.StatusOK},
		{"LOCALHOST", "GET", c.urls.Control + "/health", "LOCALHOST", nil, http.StatusOK},
		{"IPv6 loopback", "GET", c.urls.Control + "/health", "[::1]:" + port, nil, http.StatusOK},
		{"console", "GET", base + "/", "", nil, http.StatusOK},
		{"the fake's API from anywhere", "POST", api, "evil.example",
			map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "Authorization": "Bearer nope"}, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, tc.url, strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			if tc.host != "" {
				req.Host = tc.host
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			before := c.srv.Seed()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("HTTP %d %s, want %d", resp.StatusCode, b, tc.status)
			}
			if tc.status == http.StatusForbidden && c.srv.Seed() != before {
				t.Errorf("a refused request changed the seed")
			}
		})
	}
}

// TestStreamHead checks that HEAD /_omnisim/stream answers the headers and
// leaves the connection usable for the next request.
func TestStreamHead(t *testing.T) {
	c := newServer(t, serve.Config{Stopped: true})
	tr := &http.Transport{MaxIdleConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	resp, err := client.Head(c.urls.Control + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("HEAD stream: HTTP %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, err = client.Get(c.urls.Control + "/health")
	if err != nil {
		t.Fatalf("GET health after HEAD stream: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET health: HTTP %d", resp.StatusCode)
	}
}

// TestStreamOutlivesWriteTimeout checks that the server's write timeout
// bounds each write of a stream, not the stream: a change long after the
// timeout still reaches the reader.
func TestStreamOutlivesWriteTimeout(t *testing.T) {
	defer serve.SetWriteTimeout(200 * time.Millisecond)()
	c := newServer(t, serve.Config{Stopped: true})
	resp, err := http.Get(c.urls.Control + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				lines <- sc.Text()
			}
		}
	}()
	next := func(what string) string {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the stream ended before %s", what)
			}
			return l
		case <-time.After(5 * time.Second):
			t.Fatalf("no event for %s", what)
		}
		return ""
	}
	next("the opening event")
	time.Sleep(600 * time.Millisecond)
	c.must("POST", "/reset", `{"seed":7}`, nil)
	if l := next("the reset"); !strings.Contains(l, `"seed":7`) {
		t.Errorf("event after the reset: %s", l)
	}
}

// TestShutdownHungReset checks that Shutdown keeps to its context while a
// reset hangs in a webhook handshake the app never answers (the reset
// holds the world, which the ticker waits for).
func TestShutdownHungReset(t *testing.T) {
	hang, held := make(chan struct{}), make(chan struct{}, 1)
	var once sync.Once
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first := false
		once.Do(func() { first = true })
		if first {
			io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			return
		}
		select {
		case held <- struct{}{}:
		default:
		}
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer ts.Close()
	defer close(hang)
	c := newServer(t, serve.Config{Webhooks: map[string]string{"whatsapp": ts.URL}})
	go func() {
		resp, err := http.Post(c.urls.Control+"/reset", "", nil)
		if err == nil {
			resp.Body.Close()
		}
	}()
	select { // the reset is in its handshake
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the reset's handshake did not reach the app")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	begin := time.Now()
	if err := c.srv.Shutdown(ctx); err == nil {
		t.Error("Shutdown: nil error with a request still running")
	}
	if took := time.Since(begin); took > 2*time.Second {
		t.Errorf("Shutdown took %v with a 200ms context", took)
	}
}
