package messenger

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/journal/journaltest"
	"github.com/omnisim/omnisim/httpcall/httpcalltest"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

const psid = "7240412345678901"

// receiver records the webhooks a fake posts.
type receiver struct {
	status int
	bodies [][]byte
	heads  []http.Header
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.bodies = append(r.bodies, b)
	r.heads = append(r.heads, req.Header.Clone())
	if req.Method == http.MethodGet {
		io.WriteString(w, req.URL.Query().Get("hub.challenge"))
		return
	}
	if r.status != 0 {
		w.WriteHeader(r.status)
	}
}

func newFake(t *testing.T, cfg Config) (*Server, *receiver, *clock) {
	t.Helper()
	rcv := &receiver{}
	hs := httptest.NewServer(rcv)
	t.Cleanup(hs.Close)
	clk := &clock{now: t0}
	cfg.WebhookURL, cfg.Clock = hs.URL+"/webhook", clk.Now
	return New(cfg), rcv, clk
}

// Known answers computed outside Go (Python's hmac module) for the body
// {"object":"page","entry":[]} and the default app secret.
func TestSignKnownAnswers(t *testing.T) {
	body := []byte(`{"object":"page","entry":[]}`)
	if got, want := Sign256(DefaultAppSecret, body), "sha256=e75cd0a6239263cdca813f96ad8b624d95056cf9b5404149738fcc967ed68b74"; got != want {
		t.Errorf("Sign256 = %s, want %s", got, want)
	}
	if got, want := Sign1(DefaultAppSecret, body), "sha1=4cf64eddcc6cae5aa454384675bbb404cffa81b3"; got != want {
		t.Errorf("Sign1 = %s, want %s", got, want)
	}
	s := New(Config{})
	h := s.WebhookHeader(body)
	if h.Get("X-Hub-Signature-256") != Sign256(DefaultAppSecret, body) || h.Get("X-Hub-Signature") != Sign1(DefaultAppSecret, body) {
		t.Errorf("headers %v", h)
	}
	if New(Config{NoLegacySignature: true}).WebhookHeader(body).Get("X-Hub-Signature") != "" {
		t.Error("legacy signature sent although disabled")
	}
}

// The webhook carries Meta's escaped form, signed over the exact bytes
// sent, with both signature headers.
func TestWebhookBytesAndSignatures(t *testing.T) {
	s, rcv, _ := newFake(t, Config{Seed: 1})
	in, err := s.CustomerAdText(context.Background(), psid, "äöå </> 50% @shop 😀", "120210000000000042", "spring")
	if err != nil || in.Status != 200 || !strings.HasPrefix(in.ID, "m_") {
		t.Fatalf("CustomerAdText = %+v, %v", in, err)
	}
	body := rcv.bodies[0]
	want := `{"object":"page","entry":[{"id":"104857392016483","time":1772445600000,"messaging":[{"sender":{"id":"7240412345678901"},"recipient":{"id":"104857392016483"},"timestamp":1772445600000,"message":{"mid":"` + in.ID + `","text":"\u00e4\u00f6\u00e5 \u003c\/\u003e 50\u0025 \u0040shop \ud83d\ude00"},"referral":{"ref":"spring","ad_id":"120210000000000042","source":"ADS","type":"OPEN_THREAD"}}]}]}`
	if string(body) != want {
		t.Fatalf("body\n%s\nwant\n%s", body, want)
	}
	m := hmac.New(sha256.New, []byte(DefaultAppSecret))
	m.Write(body)
	if got := rcv.heads[0].Get("X-Hub-Signature-256"); got != "sha256="+hex.EncodeToString(m.Sum(nil)) {
		t.Errorf("X-Hub-Signature-256 %s", got)
	}
	m1 := hmac.New(sha1.New, []byte(DefaultAppSecret))
	m1.Write(body)
	if got := rcv.heads[0].Get("X-Hub-Signature"); got != "sha1="+hex.EncodeToString(m1.Sum(nil)) {
		t.Errorf("X-Hub-Signature %s", got)
	}
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
}

// TestAppendStringEscapes holds the webhook string encoder to Meta's
// bytes: \b \f \n \r \t as short escapes (as encoding/json writes them),
// the other control bytes as \u escapes, and the Meta escapes.
func TestAppendStringEscapes(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"a\bb", `"a\bb"`},
		{"a\fb", `"a\fb"`},
		{"\n\r\t", `"\n\r\t"`},
		{"\x00\x01\x1f\x7f", "\"\\u0000\\u0001\\u001f\x7f\""},
		{`"\`, `"\"\\"`},
		{"</>&%@", `"\u003c\/\u003e\u0026\u0025\u0040"`},
		{"é😀", `"\u00e9\ud83d\ude00"`},
		{"long plain run then \b", `"long plain run then \b"`},
	} {
		got := string(appendString(nil, tt.in))
		if got != tt.want {
			t.Errorf("appendString(%q) = %s, want %s", tt.in, got, tt.want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil || back != tt.in {
			t.Errorf("appendString(%q) reads back as %q, %v", tt.in, back, err)
		}
	}
}

func TestVerifyHandshake(t *testing.T) {
	s, rcv, _ := newFake(t, Config{VerifyToken: "vt"})
	if err := s.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rcv.heads) != 1 || rcv.heads[0].Get("X-Hub-Signature-256") != "" {
		t.Errorf("the GET is signed: %v", rcv.heads)
	}
	bad := New(Config{WebhookURL: "http://x.invalid/", Client: &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		q := r.URL.Query()
		if q.Get("hub.mode") != "subscribe" || q.Get("hub.verify_token") != DefaultVerifyToken || q.Get("hub.challenge") == "" {
			t.Errorf("query %v", q)
		}
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("wrong")), Header: http.Header{}}, nil
	})}})
	if err := bad.Verify(context.Background()); err == nil || !strings.Contains(err.Error(), "challenge") {
		t.Errorf("a wrong echo passes: %v", err)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func post(t *testing.T, s *Server, path, ctype, body string, hdr ...string) (int, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", ctype)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	var v map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("answer %q is not JSON", w.Body.String())
	}
	return w.Code, v
}

func errOf(v map[string]any) (code, sub int, msg string) {
	e, _ := v["error"].(map[string]any)
	if e == nil {
		return 0, 0, ""
	}
	c, _ := e["code"].(float64)
	s, _ := e["error_subcode"].(float64)
	m, _ := e["message"].(string)
	if tr, _ := e["fbtrace_id"].(string); tr == "" {
		panic("no fbtrace_id")
	}
	return int(c), int(s), m
}

const tok = "?access_token=" + DefaultAccessToken

func TestSendRules(t *testing.T) {
	long := strings.Repeat("é", 2001)
	tests := []struct {
		name   string
		age    time.Duration // since the customer's message
		cfg    Config
		path   string
		body   string
		status int
		code   int
		sub    int
	}{
		{"response", time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, 200, 0, 0},
		{"by page id", time.Hour, Config{}, "/v25.0/" + DefaultPageID + "/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"UPDATE","message":{"text":"hi"}}`, 200, 0, 0},
		{"unversioned", time.Hour, Config{}, "/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, 200, 0, 0},
		{"no token", time.Hour, Config{}, "/v25.0/me/messages", `{}`, 400, 104, 0},
		{"bad token", time.Hour, Config{}, "/v25.0/me/messages?access_token=x", `{}`, 400, 190, 0},
		{"other page", time.Hour, Config{}, "/v25.0/999/messages" + tok, `{}`, 400, 100, 33},
		{"unknown edge", time.Hour, Config{}, "/v25.0/me/feed" + tok, `{}`, 400, 2500, 0},
		{"bad json", time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":`, 400, 100, 0},
		{"no recipient", time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"messaging_type":"RESPONSE","message":{"text":"hi"}}`, 400, 100, 0},
		{"no messaging type", time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"message":{"text":"hi"}}`, 200, 0, 0},
		{"no messaging type, required", time.Hour, Config{RequireMessagingType: true}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"message":{"text":"hi"}}`, 400, 100, 0},
		{"no messaging type at 24h", 24 * time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"message":{"text":"hi"}}`, 400, 10, 2018278},
		{"bad messaging type", time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"PUSH","message":{"text":"hi"}}`, 400, 100, 0},
		{"tag missing", time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"MESSAGE_TAG","message":{"text":"hi"}}`, 400, 100, 0},
		{"unknown tag", time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"MESSAGE_TAG","tag":"ISSUE_RESOLUTION","message":{"text":"hi"}}`, 400, 100, 0},
		{"unknown user", time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"7240400000000000"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, 400, 100, 2018001},
		{"no message", time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"RESPONSE"}`, 400, 100, 0},
		{"2000 characters", time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"RESPONSE","message":{"text":"` + long[2:] + `"}}`, 200, 0, 0},
		{"2001 characters", time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"RESPONSE","message":{"text":"` + long + `"}}`, 400, 100, 0},
		{"own text limit", time.Hour, Config{MaxTextLength: 5}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"RESPONSE","message":{"text":"123456"}}`, 400, 100, 0},
		{"response at 24h", 24 * time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, 400, 10, 2018278},
		{"update at 24h", 24 * time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"UPDATE","message":{"text":"hi"}}`, 400, 10, 2018278},
		{"human agent at 6d23h", 167 * time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT","message":{"text":"hi"}}`, 200, 0, 0},
		{"human agent at 7d", 168 * time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT","message":{"text":"hi"}}`, 400, 10, 2018278},
		{"human agent not approved", 30 * time.Hour, Config{HumanAgentWindow: -1}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT","message":{"text":"hi"}}`, 400, 10, 2018278},
		{"human agent not approved, inside 24h", time.Hour, Config{HumanAgentWindow: -1}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT","message":{"text":"hi"}}`, 200, 0, 0},
		{"other tag any time", 400 * time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"MESSAGE_TAG","tag":"POST_PURCHASE_UPDATE","message":{"text":"shipped"}}`, 200, 0, 0},
		{"no window", 400 * time.Hour, Config{Window: -1}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, 200, 0, 0},
		{"typing", time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"sender_action":"typing_on"}`, 200, 0, 0},
		{"bad sender action", time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"sender_action":"dance"}`, 400, 100, 0},
		{"attachment by url", time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"RESPONSE","message":{"attachment":{"type":"image","payload":{"url":"https://example.com/a.png"}}}}`, 200, 0, 0},
		{"attachment unknown type", time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"RESPONSE","message":{"attachment":{"type":"sticker","payload":{"url":"https://example.com/a.png"}}}}`, 400, 100, 0},
		{"attachment unknown id", time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"RESPONSE","message":{"attachment":{"type":"image","payload":{"attachment_id":"1"}}}}`, 400, 100, 2018047},
		{"text and attachment", time.Hour, Config{}, "/v25.0/me/messages" + tok, `{"recipient":{"id":"` + psid + `"},"messaging_type":"RESPONSE","message":{"text":"x","attachment":{"type":"image","payload":{"url":"https://example.com/a.png"}}}}`, 400, 100, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, clk := newFake(t, tt.cfg)
			if _, err := s.CustomerText(context.Background(), psid, "hello"); err != nil {
				t.Fatal(err)
			}
			clk.now = t0.Add(tt.age)
			status, v := post(t, s, tt.path, "application/json", tt.body)
			code, sub, msg := errOf(v)
			if status != tt.status || code != tt.code || sub != tt.sub {
				t.Fatalf("HTTP %d, code %d/%d %q; want %d, %d/%d (%v)", status, code, sub, msg, tt.status, tt.code, tt.sub, v)
			}
			if tt.code == 10 && msg != WindowMessage {
				t.Errorf("message %q", msg)
			}
			if status == 200 {
				if v["recipient_id"] != psid {
					t.Errorf("answer %v", v)
				}
				if !strings.Contains(tt.body, "sender_action") && !strings.HasPrefix(v["message_id"].(string), "m_") {
					t.Errorf("answer %v", v)
				}
			} else if s.Counts().Deliveries != 0 {
				t.Error("a refused send was delivered")
			}
		})
	}
}

// The window near the ends of the range Unix nanoseconds hold (1677 and
// 2262) and over more than 292 years, where a subtraction of the window
// from the time, or of two times, would wrap: a customer who wrote in the
// first day of the range can be answered for 24 hours, one who wrote 400
// years ago cannot.
func TestWindowAtTheEnds(t *testing.T) {
	first, last := time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)
	y := func(year int) time.Time { return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC) }
	response := `{"recipient":{"id":"` + psid + `"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`
	humanAgent := `{"recipient":{"id":"` + psid + `"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT","message":{"text":"hi"}}`
	for _, tc := range []struct {
		name      string
		then, now time.Time // of the customer's message; of the send
		body      string
		open      bool
	}{
		{"response at the first instant", first, first, response, true},
		{"response an hour after the first instant", first, first.Add(time.Hour), response, true},
		{"response 24 hours after the first instant", first, first.Add(24 * time.Hour), response, false},
		{"human agent 6 days after the first instant", first.Add(time.Hour), first.Add(145 * time.Hour), humanAgent, true},
		{"human agent 7 days after the first instant", first.Add(time.Hour), first.Add(169 * time.Hour), humanAgent, false},
		{"response at the last instant", last.Add(-time.Hour), last, response, true},
		{"response 400 years later", y(1800), y(2200), response, false},
		{"human agent from the first instant to the last", first, last, humanAgent, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, clk := newFake(t, Config{})
			clk.now = tc.then
			if _, err := s.CustomerText(context.Background(), psid, "hello"); err != nil {
				t.Fatal(err)
			}
			clk.now = tc.now
			status, v := post(t, s, "/v25.0/me/messages"+tok, "application/json", tc.body)
			if code, sub, _ := errOf(v); (status == 200) != tc.open || !tc.open && (code != 10 || sub != 2018278) {
				t.Fatalf("HTTP %d %v, want the window open %v", status, v, tc.open)
			}
		})
	}
}

// TestDeliveriesBoundedByJournalLimit: a positive JournalLimit bounds
// each customer's delivery history to the newest deliveries, for every
// customer; 0 and a negative limit keep them all.
func TestDeliveriesBoundedByJournalLimit(t *testing.T) {
	journaltest.DeliveriesBounded(t, [2]string{psid, "7240412345678902"}, func(limit int) journaltest.Fake[Delivery] {
		s, _, _ := newFake(t, Config{JournalLimit: limit})
		return journaltest.Fake[Delivery]{
			Open: func(to string) {
				if _, err := s.CustomerText(context.Background(), to, "hello"); err != nil {
					t.Fatal(err)
				}
			},
			Send: func(to, text string) {
				body := `{"recipient":{"id":"` + to + `"},"messaging_type":"RESPONSE","message":{"text":"` + text + `"}}`
				if status, v := post(t, s, "/v25.0/me/messages"+tok, "application/json", body); status != 200 {
					t.Fatalf("send: %d %v", status, v)
				}
			},
			Deliveries: s.Deliveries,
			Text:       func(d Delivery) string { return d.Text },
			Delivered:  func() int { return s.Counts().Deliveries },
		}
	})
}

// The curl form of the docs: form fields with JSON values, the token in
// the body or as a bearer header.
func TestSendForm(t *testing.T) {
	s, _, _ := newFake(t, Config{})
	s.CustomerText(context.Background(), psid, "hi")
	form := url.Values{"recipient": {`{"id":"` + psid + `"}`}, "messaging_type": {"RESPONSE"}, "message": {`{"text":"hello, world"}`}}
	status, v := post(t, s, "/v25.0/me/messages", "application/x-www-form-urlencoded", form.Encode(), "Authorization", "Bearer "+DefaultAccessToken)
	if status != 200 || v["message_id"] == nil {
		t.Fatalf("HTTP %d %v", status, v)
	}
	if d := s.Deliveries(psid); len(d) != 1 || d[0].Text != "hello, world" || d[0].MessagingType != Response {
		t.Errorf("deliveries %+v", d)
	}
}

func postUpload(t *testing.T, s *Server, typ, name string, size int) (int, map[string]any) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("message", `{"attachment":{"type":"`+typ+`","payload":{"is_reusable":true}}}`)
	fw, _ := mw.CreateFormFile("filedata", name)
	fw.Write(make([]byte, size))
	mw.Close()
	return post(t, s, "/v25.0/me/message_attachments"+tok, mw.FormDataContentType(), buf.String())
}

func TestUploadLimits(t *testing.T) {
	s, _, _ := newFake(t, Config{Attachments: map[string]AttachmentLimit{"image": {Formats: []string{"png", "jpg"}, MaxBytes: 1000}}})
	s.CustomerText(context.Background(), psid, "hi")
	status, v := postUpload(t, s, "image", "a.png", 1000)
	id, _ := v["attachment_id"].(string)
	if status != 200 || id == "" {
		t.Fatalf("HTTP %d %v", status, v)
	}
	for _, c := range []struct {
		typ, name string
		size      int
	}{{"image", "a.png", 1001}, {"image", "a.gif", 10}} {
		status, v := postUpload(t, s, c.typ, c.name, c.size)
		if code, sub, _ := errOf(v); status != 400 || code != 100 || sub != 2018047 {
			t.Errorf("%+v: HTTP %d %v", c, status, v)
		}
	}
	if e := s.CheckAttachment("file", "pdf", 25<<20); e != nil {
		t.Errorf("a 25 MB file is refused: %v", e)
	}
	if e := s.CheckAttachment("file", "pdf", 25<<20+1); e == nil || e.Subcode != 2018047 {
		t.Errorf("a file over 25 MB: %v", e)
	}
	status, v = post(t, s, "/v25.0/me/messages"+tok, "application/json",
		`{"recipient":{"id":"`+psid+`"},"messaging_type":"RESPONSE","message":{"attachment":{"type":"video","payload":{"attachment_id":"`+id+`"}}}}`)
	if code, sub, _ := errOf(v); status != 400 || code != 100 || sub != 2018047 {
		t.Errorf("an image sent as a video: HTTP %d %v", status, v)
	}
	status, v = post(t, s, "/v25.0/me/messages"+tok, "application/json",
		`{"recipient":{"id":"`+psid+`"},"messaging_type":"RESPONSE","message":{"attachment":{"type":"image","payload":{"attachment_id":"`+id+`"}}}}`)
	if status != 200 {
		t.Errorf("HTTP %d %v", status, v)
	}
}

// A failed webhook is retried on the schedule, then given up; a delivery
// receipt follows each accepted message at Flush.
func TestRetriesAndDeliveries(t *testing.T) {
	s, rcv, clk := newFake(t, Config{RetrySchedule: []time.Duration{15 * time.Second, time.Minute}})
	rcv.status = 500
	in, _ := s.CustomerText(context.Background(), psid, "hi")
	if !in.Retrying || in.Status != 500 {
		t.Fatalf("%+v", in)
	}
	if due, ok := s.NextRetry(); !ok || !due.Equal(t0.Add(15*time.Second)) {
		t.Fatalf("next retry %v %v", due, ok)
	}
	clk.now = t0.Add(15 * time.Second)
	s.Flush(context.Background())
	clk.now = t0.Add(75 * time.Second)
	s.Flush(context.Background())
	if _, ok := s.NextRetry(); ok || len(rcv.bodies) != 3 || !bytes.Equal(rcv.bodies[0], rcv.bodies[2]) {
		t.Fatalf("%d tries, retry pending %v", len(rcv.bodies), ok)
	}
	if c := s.Counts(); c.Webhooks != 3 || c.Retries != 2 {
		t.Errorf("counts %+v", c)
	}
	rcv.status = 0
	resp, e := s.Direct("v25.0").Send(SendRequest{Recipient: Recipient{ID: psid}, MessagingType: Response, Message: &Message{Text: "ok"}})
	if e != nil {
		t.Fatal(e)
	}
	s.Flush(context.Background())
	last := string(rcv.bodies[len(rcv.bodies)-1])
	if !strings.Contains(last, `"delivery":{"mids":["`+resp.MessageID+`"]`) {
		t.Errorf("delivery webhook %s", last)
	}
	journalIsWhatWasSent(t, s, rcv)
}

// journalIsWhatWasSent holds the webhook journal, which keeps the event
// a try's bytes were encoded from, to the bytes the receiver got: every
// journaled try that sent bytes, in order.
func journalIsWhatWasSent(t *testing.T, s *Server, rcv *receiver) {
	t.Helper()
	var sent [][]byte
	for _, wh := range s.Journal().Webhooks {
		if wh.Body != nil {
			sent = append(sent, wh.Body)
		}
	}
	var posted [][]byte
	for i, b := range rcv.bodies {
		if rcv.heads[i].Get("X-Hub-Signature-256") != "" { // not a verify GET
			posted = append(posted, b)
		}
	}
	if len(sent) != len(posted) {
		t.Fatalf("%d journaled bodies, %d received", len(sent), len(posted))
	}
	for i := range sent {
		if !bytes.Equal(sent[i], posted[i]) {
			t.Errorf("webhook %d: journal body\n%s\nreceived\n%s", i, sent[i], posted[i])
		}
	}
}

// The same seed gives the same ids; Check draws none.
func TestIDsSeeded(t *testing.T) {
	a, _, _ := newFake(t, Config{Seed: 9})
	b, _, _ := newFake(t, Config{Seed: 9})
	ia, _ := a.CustomerText(context.Background(), psid, "x")
	b.Check(SendRequest{})
	ib, _ := b.CustomerText(context.Background(), psid, "x")
	if ia.ID != ib.ID || len(ia.ID) != 45 {
		t.Errorf("%s %s", ia.ID, ib.ID)
	}
	seen := map[string]bool{}
	for range 1000 {
		in, _ := a.CustomerText(context.Background(), psid, "x")
		if seen[in.ID] {
			t.Fatal("id repeated")
		}
		seen[in.ID] = true
	}
}

func TestPSIDChecked(t *testing.T) {
	s, _, _ := newFake(t, Config{})
	for _, bad := range []string{"", "123", "0724041234567890", "72404123456789a1", "724041234567890123"} {
		if _, err := s.CustomerText(context.Background(), bad, "x"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A send with its file in the same multipart request, as client libraries
// (paked/messenger's AttachmentData) make it.
func TestMultipartSend(t *testing.T) {
	s, _, _ := newFake(t, Config{})
	s.CustomerText(context.Background(), psid, "hi")
	send := func(size int) (int, map[string]any) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("filedata", "meme.jpg")
		fw.Write(make([]byte, size))
		mw.WriteField("recipient", `{"id":"`+psid+`"}`)
		mw.WriteField("message", `{"attachment":{"type":"image", "payload":{}}}`)
		mw.Close()
		return post(t, s, "/v11.0/me/messages"+tok, mw.FormDataContentType(), buf.String())
	}
	if status, v := send(1000); status != 200 || v["message_id"] == nil {
		t.Fatalf("HTTP %d %v", status, v)
	}
	if d := s.Deliveries(psid); len(d) != 1 || d[0].Type != "image" || d[0].AttachmentID == "" {
		t.Errorf("deliveries %+v", d)
	}
	if status, v := send(25<<20 + 1); status != 400 {
		t.Errorf("a file over 25 MB: HTTP %d %v", status, v)
	} else if code, sub, _ := errOf(v); code != 100 || sub != 2018047 {
		t.Errorf("a file over 25 MB: %v", v)
	}
}

// The common send body takes the one-pass path.
func TestSendFastPath(t *testing.T) {
	r, ok := decodeSendFast([]byte(`{"recipient":{"id":"7240412345678901"},"messaging_type":"RESPONSE","message":{"text":"Thanks"}}`))
	if !ok || r.Recipient.ID != psid || r.Message == nil || r.Message.Text != "Thanks" {
		t.Errorf("%+v %v", r, ok)
	}
}

// TestSendBodyHandedOver: a send made with httpcall, whose body the
// endpoint reads where it is (httpcall.Body), is answered as one read from
// a socket: a good one sent, one over MaxBodySize refused as too large
// also when its length is not declared.
func TestSendBodyHandedOver(t *testing.T) {
	s, _, _ := newFake(t, Config{})
	if _, err := s.CustomerText(context.Background(), psid, "hello"); err != nil {
		t.Fatal(err)
	}
	send := func(body []byte) (int, map[string]any) {
		w := httpcalltest.Post(s, "http://graph.test/v25.0/me/messages"+tok, body, func(r *http.Request) {
			r.Header.Set("Content-Type", "application/json")
			r.ContentLength = -1 // not declared: the body itself is measured
		})
		var v map[string]any
		json.Unmarshal(w.Body.Bytes(), &v)
		return w.Code, v
	}
	good := `{"recipient":{"id":"` + psid + `"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`
	if status, v := send([]byte(good)); status != 200 || v["recipient_id"] != psid {
		t.Fatalf("HTTP %d %v", status, v)
	}
	large := []byte(good[:len(good)-2] + strings.Repeat(" ", MaxBodySize) + "}}")
	if status, v := send(large); status != 400 {
		t.Fatalf("a body of %d bytes: HTTP %d %v", len(large), status, v)
	} else if _, _, msg := errOf(v); msg != "(#100) Request body too large or unreadable" {
		t.Fatalf("a body of %d bytes: %q", len(large), msg)
	}
}

// A delivery reads back as sent, from the customer's history and from the
// journal alike: its type, text or attachment, messaging type and tag.
func TestDeliveriesReadBackAsSent(t *testing.T) {
	s, _, _ := newFake(t, Config{})
	s.CustomerText(context.Background(), psid, "hi")
	id, e := s.Direct("v25.0").Upload("video", "mp4", 1000)
	if e != nil {
		t.Fatal(e)
	}
	reqs := []SendRequest{
		{MessagingType: MessageTag, Tag: "ACCOUNT_UPDATE", Message: &Message{Text: "your order shipped"}},
		{MessagingType: Response, Message: &Message{Attachment: &Attachment{Type: "image", Payload: AttachmentPayload{URL: "https://example.com/a.png"}}}},
		{Message: &Message{Attachment: &Attachment{Type: "video", Payload: AttachmentPayload{AttachmentID: id}}}},
	}
	want := []Delivery{
		{At: t0, To: psid, Type: "text", Text: "your order shipped", MessagingType: MessageTag, Tag: "ACCOUNT_UPDATE"},
		{At: t0, To: psid, Type: "image", URL: "https://example.com/a.png", MessagingType: Response},
		{At: t0, To: psid, Type: "video", AttachmentID: id},
	}
	for i, req := range reqs {
		req.Recipient.ID = psid
		res, e := s.Direct("v25.0").Send(req)
		if e != nil {
			t.Fatalf("send %d: %v", i, e)
		}
		want[i].ID = res.MessageID
	}
	if d := s.Deliveries(psid); !reflect.DeepEqual(d, want) {
		t.Errorf("deliveries\n%+v, want\n%+v", d, want)
	}
	if d := s.Journal().Deliveries; !reflect.DeepEqual(d, want) {
		t.Errorf("journal deliveries\n%+v, want\n%+v", d, want)
	}
}

// An uploaded file's format is its name's extension, else its part's
// Content-Type by the fake's own table: never the host's MIME tables.
func TestPartFormat(t *testing.T) {
	for _, tt := range []struct{ name, ct, want string }{
		{"a.pdf", "application/octet-stream", "pdf"},
		{"a.JPG", "", "jpeg"},
		{"a.docx", "application/pdf", "docx"},
		{"contract", "application/octet-stream", ""},
		{"file", "", ""},
		{"a.", "image/png", "png"},
		{"a", "Image/PNG; charset=binary", "png"},
		{"a", "application/pdf", "pdf"},
		{"a", "application/x-unknown", ""},
	} {
		if got := partFormat(tt.name, tt.ct); got != tt.want {
			t.Errorf("partFormat(%q, %q) = %q, want %q", tt.name, tt.ct, got, tt.want)
		}
	}
}

// A name's format is its last extension, or its last two when they name a
// compressed tar archive; a format given by value is read as the same
// extensions ending a name.
func TestFileFormat(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"a.pdf", "pdf"},
		{"a.JPG", "jpeg"},
		{"backup.tar.gz", "tar.gz"},
		{"backup.TAR.GZ", "tar.gz"},
		{"backup.tar.bz2", "tar.bz2"},
		{"backup.v2.tar.xz", "tar.xz"},
		{"backup.tar.Z", "tar.z"},
		{"logo.svg.gz", "gz"},
		{"backup.gz", "gz"},
		{"tar.gz", "gz"},
		{".tar.gz", "tar.gz"},
		{"backup.tar", "tar"},
		{"backup.tar.", ""},
		{"backup..gz", "gz"},
		{"photo.tar.jpg", "jpeg"},
		{"contract", ""},
		{"a.", ""},
		{"", ""},
	} {
		if got := FileFormat(tt.name); got != tt.want {
			t.Errorf("FileFormat(%q) = %q, want %q", tt.name, got, tt.want)
		}
		if got := formatOf(tt.name); got != FileFormat("file."+tt.name) {
			t.Errorf("formatOf(%q) = %q, FileFormat(%q) = %q", tt.name, got, "file."+tt.name, FileFormat("file."+tt.name))
		}
	}
}

// An upload is judged alike on the wire, by the name of its file, and by
// value, by the format that name ends in: a tar.gz rule takes tar.gz files
// only, a gz rule gz files, tar.gz ones among them.
func TestUploadFormatWireAndDirect(t *testing.T) {
	for _, tt := range []struct {
		rule, format string
		ok           bool
	}{
		{"tar.gz", "tar.gz", true},
		{"tar.gz", "TAR.GZ", true},
		{"tar.gz", "gz", false},
		{"tar.gz", "svg.gz", false},
		{"tar.gz", "x.tar.gz", true},
		{"TAR.GZ", "tar.gz", true},
		{"gz", "tar.gz", true},
		{"gz", "svg.gz", true},
		{"gz", "tar.bz2", false},
		{"svg.gz", "svg.gz", false},
		{"tar", "tar.gz", false},
		{"jpg", "tar.jpeg", true},
		{"pdf", "pdf", true},
		{"pdf", "docx", false},
	} {
		s, _, _ := newFake(t, Config{Attachments: map[string]AttachmentLimit{"file": {Formats: []string{tt.rule}}}})
		status, v := postUpload(t, s, "file", "backup."+tt.format, 10)
		_, e := s.Direct("v25.0").Upload("file", tt.format, 10)
		check := s.CheckAttachment("file", tt.format, 10)
		if wire := status == 200; wire != tt.ok || (e == nil) != tt.ok || (check == nil) != tt.ok {
			t.Errorf("rule %s, format %s: wire HTTP %d %v, direct %v, check %v; want accepted %v", tt.rule, tt.format, status, v, e, check, tt.ok)
			continue
		}
		if !tt.ok {
			if _, _, msg := errOf(v); msg != e.Message || msg != check.Message {
				t.Errorf("rule %s, format %s: wire %q, direct %q, check %q", tt.rule, tt.format, msg, e.Message, check.Message)
			}
		}
	}
}
