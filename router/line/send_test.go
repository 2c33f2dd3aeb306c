package line

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
)

var key = router.CustomerKey{Channel: Channel, Account: bot, Customer: userA}

func textOut(s string) router.Outbound { return router.Outbound{Kind: router.KindText, Text: s} }

// receive has the adapter take a message with reply token tok now.
func receive(t *testing.T, a *Adapter, eventID, tok string) {
	t.Helper()
	body := payload(messageEvent("m"+eventID, eventID, tok, "hi"))
	if st := post(a, body, sign(secret, body)); st != 200 {
		t.Fatalf("webhook: HTTP %d", st)
	}
}

func TestReplyThenPush(t *testing.T) {
	a, _, api, clk := newAdapter(t, Config{})
	ctx := context.Background()
	receive(t, a, "E1", "tok1")
	clk.t = clk.t.Add(59 * time.Second)
	for i := 0; i < 2; i++ {
		if id, err := a.Send(ctx, key, textOut("hello")); err != nil || id != "4615" {
			t.Fatalf("send %d: %q %v", i, id, err)
		}
	}
	receive(t, a, "E2", "tok2")
	clk.t = clk.t.Add(time.Minute) // the token is a minute old: push
	if _, err := a.Send(ctx, key, textOut("late")); err != nil {
		t.Fatal(err)
	}
	want := []apiCall{
		{"/v2/bot/message/reply", "Bearer tok", "", `{"replyToken":"tok1","messages":[{"type":"text","text":"hello"}]}`},
		{"/v2/bot/message/push", "Bearer tok", "k", `{"to":"` + userA + `","messages":[{"type":"text","text":"hello"}]}`},
		{"/v2/bot/message/push", "Bearer tok", "k", `{"to":"` + userA + `","messages":[{"type":"text","text":"late"}]}`},
	}
	if len(api.calls) != len(want) {
		t.Fatalf("%d calls: %+v", len(api.calls), api.calls)
	}
	for i, w := range want {
		c := api.calls[i]
		if c.path != w.path || c.auth != w.auth || c.body != w.body || (w.retryKey != "") != (c.retryKey != "") {
			t.Errorf("call %d: %+v, want %+v", i, c, w)
		}
	}
	if api.calls[1].retryKey == api.calls[2].retryKey || len(api.calls[1].retryKey) != 36 {
		t.Errorf("retry keys %q %q", api.calls[1].retryKey, api.calls[2].retryKey)
	}
	if st := a.Stats(); st.Replies != 1 || st.Pushes != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestReplyFallback(t *testing.T) {
	a, _, api, _ := newAdapter(t, Config{})
	receive(t, a, "E1", "tok1")
	api.answers = []answer{{400, `{"message":"Invalid reply token"}`, ""}}
	if id, err := a.Send(context.Background(), key, textOut("hello")); err != nil || id != "4615" {
		t.Fatalf("%q %v", id, err)
	}
	if len(api.calls) != 2 || api.calls[0].path != "/v2/bot/message/reply" || api.calls[1].path != "/v2/bot/message/push" {
		t.Fatalf("calls %+v", api.calls)
	}
	if a.Stats().ReplyFallbacks != 1 {
		t.Errorf("stats %+v", a.Stats())
	}
}

// TestReplyTransient: a reply refused for now (a 5xx, a rate-limit 429) is
// pushed with a retry key, since the token answers one request; a reply
// with no answer is not pushed, and other refusals are returned.
func TestReplyTransient(t *testing.T) {
	for _, tc := range []struct {
		name      string
		reply     answer
		paths     string
		fallbacks int
		code      string
	}{
		{"500", answer{500, `{"message":"Internal server error"}`, ""}, "reply push", 1, ""},
		{"503 without a body", answer{503, ``, ""}, "reply push", 1, ""},
		{"rate limit", answer{429, `{"message":"The API rate limit has been exceeded. Try again later."}`, ""}, "reply push", 1, ""},
		{"invalid token", answer{400, `{"message":"Invalid reply token"}`, ""}, "reply push", 1, ""},
		{"a bad message", answer{400, `{"message":"The request body has 1 error(s)"}`, ""}, "reply", 0, "400"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _, api, _ := newAdapter(t, Config{})
			receive(t, a, "E1", "tok1")
			api.answers = []answer{tc.reply}
			id, err := a.Send(context.Background(), key, textOut("hello"))
			var paths []string
			for _, c := range api.calls {
				paths = append(paths, strings.TrimPrefix(c.path, "/v2/bot/message/"))
				if c.path == "/v2/bot/message/push" && len(c.retryKey) != 36 {
					t.Errorf("push without a retry key: %+v", c)
				}
			}
			if got := strings.Join(paths, " "); got != tc.paths {
				t.Errorf("calls %q, want %q", got, tc.paths)
			}
			if a.Stats().ReplyFallbacks != tc.fallbacks {
				t.Errorf("stats %+v", a.Stats())
			}
			var pe *router.PlatformError
			switch {
			case tc.code == "" && (err != nil || id != "4615"):
				t.Errorf("%q %v", id, err)
			case tc.code != "" && (!errors.As(err, &pe) || pe.Code != tc.code):
				t.Errorf("error %v, want code %s", err, tc.code)
			}
		})
	}
	// No answer at all: the reply may have been delivered; no push.
	a, _, api, _ := newAdapter(t, Config{})
	receive(t, a, "E1", "tok1")
	a.cfg.Client = &http.Client{Transport: failingTransport{}}
	if _, err := a.Send(context.Background(), key, textOut("hello")); err == nil {
		t.Error("a reply with no answer succeeded")
	}
	if len(api.calls) != 0 || a.Stats().ReplyFallbacks != 0 {
		t.Errorf("calls %+v, stats %+v", api.calls, a.Stats())
	}
}

type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection reset")
}

func TestPushRetry(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answers []answer
		calls   int
		id      string
		code    string
	}{
		{"5xx then ok", []answer{{500, `{"message":"Internal server error"}`, ""}}, 2, "4615", ""},
		{"5xx then 409", []answer{{503, ``, ""}, {409, `{"message":"The retry key is already accepted","sentMessages":[{"id":"77"}]}`, "req-1"}}, 2, "77", ""},
		{"409 without messages", []answer{{500, ``, ""}, {409, `{"message":"The retry key is already accepted"}`, "req-1"}}, 2, "req-1", ""},
		{"5xx three times, then ok", []answer{{500, ``, ""}, {500, ``, ""}, {500, `{"message":"x"}`, ""}}, 4, "4615", ""},
		{"429, 429, 5xx, then 409", []answer{{429, `{"message":"The API rate limit has been exceeded. Try again later."}`, ""},
			{429, `{"message":"The API rate limit has been exceeded. Try again later."}`, ""}, {500, ``, ""},
			{409, `{"message":"The retry key is already accepted","sentMessages":[{"id":"79"}]}`, "req-3"}}, 4, "79", ""},
		{"5xx five times", []answer{{500, ``, ""}, {500, ``, ""}, {500, ``, ""}, {502, ``, ""}, {500, `{"message":"x"}`, ""}}, 5, "", "500"},
		{"5xx, then 429 until the settling tries are spent", []answer{{500, ``, ""},
			{429, `{"message":"The API rate limit has been exceeded. Try again later."}`, ""},
			{429, `{"message":"The API rate limit has been exceeded. Try again later."}`, ""},
			{429, `{"message":"The API rate limit has been exceeded. Try again later."}`, ""},
			{429, `{"message":"The API rate limit has been exceeded. Try again later."}`, ""}}, 5, "", "429"},
		{"409 on the first try", []answer{{409, `{"message":"The retry key is already accepted"}`, "r"}}, 1, "", "409"},
		{"429 monthly limit: not retried", []answer{{429, `{"message":"You have reached your monthly limit."}`, ""}}, 1, "", "429"},
		{"429 rate limit then ok", []answer{{429, `{"message":"The API rate limit has been exceeded. Try again later."}`, ""}}, 2, "4615", ""},
		{"429 rate limit three times", []answer{{429, `{"message":"The API rate limit has been exceeded. Try again later."}`, ""},
			{429, `{"message":"The API rate limit has been exceeded. Try again later."}`, ""},
			{429, `{"message":"The API rate limit has been exceeded. Try again later."}`, ""}}, 3, "", "429"},
		{"5xx, 429, then 409", []answer{{500, `{"message":"Internal server error"}`, ""},
			{429, `{"message":"The API rate limit has been exceeded. Try again later."}`, ""},
			{409, `{"message":"The retry key is already accepted","sentMessages":[{"id":"78"}]}`, "req-2"}}, 3, "78", ""},
		{"400 details", []answer{{400, `{"message":"The request body has 1 error(s)","details":[{"message":"Length must be between 0 and 5000","property":"messages[0].text"}]}`, ""}}, 1, "", "400"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _, api, _ := newAdapter(t, Config{})
			api.answers = tc.answers
			id, err := a.Send(context.Background(), key, textOut("hello"))
			if len(api.calls) != tc.calls {
				t.Fatalf("%d calls", len(api.calls))
			}
			for _, c := range api.calls {
				if c.retryKey != api.calls[0].retryKey {
					t.Errorf("retry key changed: %q, %q", api.calls[0].retryKey, c.retryKey)
				}
			}
			if tc.code == "" {
				if err != nil || id != tc.id {
					t.Errorf("%q %v, want %q", id, err, tc.id)
				}
				return
			}
			var pe *router.PlatformError
			if !errors.As(err, &pe) || pe.Code != tc.code || pe.HTTPStatus == 0 {
				t.Fatalf("error %v, want code %s", err, tc.code)
			}
			if tc.code == "400" && !strings.Contains(pe.Message, "messages[0].text: Length must be between 0 and 5000") {
				t.Errorf("message %q", pe.Message)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	a := New(Config{}, &receiver{})
	for _, tc := range []struct {
		name string
		m    router.Outbound
		want string // the push body
	}{
		{"text", textOut("a \"b\" <c>\n"), `[{"type":"text","text":"a \"b\" <c>\n"}]`},
		{"template", router.Outbound{Kind: router.KindTemplate, Template: &router.Template{Name: "order_shipped", Params: []string{"A1", "today"}}}, `[{"type":"text","text":"order_shipped: A1, today"}]`},
		{"image with caption", router.Outbound{Kind: router.KindAttachment, Text: "size chart", Attachment: &router.Attachment{Kind: "image", Format: "png", Size: 2048, Name: "chart.png"}},
			`[{"type":"image","originalContentUrl":"https://media.omnisim.invalid/line/image/chart.png?size=2048","previewImageUrl":"https://media.omnisim.invalid/line/image/chart.png?size=2048"},{"type":"text","text":"size chart"}]`},
		{"video", router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "video", Format: "mp4", Size: 1}},
			`[{"type":"video","originalContentUrl":"https://media.omnisim.invalid/line/video/file.mp4?size=1","previewImageUrl":"https://media.omnisim.invalid/line/preview/file.jpg?size=0"}]`},
		{"audio", router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "audio", Format: "m4a", Size: 1, Name: "a/b"}},
			`[{"type":"audio","originalContentUrl":"https://media.omnisim.invalid/line/audio/file.m4a?size=1","duration":60000}]`},
		{"document", router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "document", Format: "pdf"}}, ""},
		{"template without template", router.Outbound{Kind: router.KindTemplate}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs, err := a.Messages(tc.m)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("no error for %+v", tc.m)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := string(AppendPush(nil, userA, msgs))
			want := `{"to":"` + userA + `","messages":` + tc.want + `}`
			if got != want {
				t.Errorf("\n got %s\nwant %s", got, want)
			}
			if !json.Valid([]byte(got)) {
				t.Error("invalid JSON")
			}
		})
	}
}

func TestSendDirectAPI(t *testing.T) {
	api := &valueAPI{}
	clk := &clock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
	rcv := &receiver{}
	a := New(Config{ChannelSecret: secret, BotUserID: bot, Clock: clk.Now, API: api, Profiles: true}, rcv)
	var ev Event
	ev.Type, ev.Mode, ev.WebhookEventID, ev.ReplyToken = "message", "active", "E1", "tok1"
	ev.Source.Type, ev.Source.UserID = "user", userA
	ev.Message = &EventMessage{ID: "1", Type: "text", Text: "hi"}
	if st := a.Events(context.Background(), bot, []Event{ev}); st != 200 || len(rcv.ins) != 1 || rcv.ins[0].Name != "Kenji" {
		t.Fatalf("HTTP %d %+v", st, rcv.ins)
	}
	if st := a.Events(context.Background(), bot, []Event{ev}); st != 200 || len(rcv.ins) != 1 {
		t.Fatalf("duplicate: HTTP %d, %d inbound", st, len(rcv.ins))
	}
	if st := a.Events(context.Background(), "Uother", nil); st != 400 {
		t.Errorf("other destination: HTTP %d", st)
	}
	a.Send(context.Background(), key, textOut("one"))
	a.Send(context.Background(), key, textOut("two"))
	if strings.Join(api.calls, ",") != "reply tok1 one,push "+userA+" two" {
		t.Errorf("calls %v", api.calls)
	}
}

type valueAPI struct{ calls []string }

func (v *valueAPI) Reply(token string, msgs []Message) APIResult {
	v.calls = append(v.calls, "reply "+token+" "+msgs[0].Text)
	return APIResult{Status: 200, IDs: []string{"1"}}
}

func (v *valueAPI) Push(key, to string, msgs []Message) APIResult {
	v.calls = append(v.calls, "push "+to+" "+msgs[0].Text)
	return APIResult{Status: 200, IDs: []string{"2"}}
}

func (v *valueAPI) Profile(string) (string, bool) { return "Kenji", true }
