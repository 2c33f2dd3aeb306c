package businessmessages

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const fbConv = "7b2a1c4e-3f5d-4e6a-9b8c-1d2e3f4a5b6c"

// errorOf reads Google's error envelope; zero when the body has none.
func errorOf(t *testing.T, w *httptest.ResponseRecorder) (status string, code int) {
	t.Helper()
	var env struct {
		Error struct {
			Code    int
			Message string
			Status  string
		}
	}
	if json.Unmarshal(w.Body.Bytes(), &env) != nil {
		t.Fatalf("not JSON: %s", w.Body)
	}
	if env.Error.Status != "" && env.Error.Message == "" {
		t.Fatalf("error without a message: %s", w.Body)
	}
	return env.Error.Status, env.Error.Code
}

// What a user's device can show decides whether a message is refused
// FAILED_PRECONDITION, delivered as its content, or delivered as its
// fallback text; forceFallback sends the fallback text whatever the
// device. The same on the wire, by value (Accept) and in the dry run
// (Check).
func TestDeviceAndFallback(t *testing.T) {
	const (
		card       = `"richCard":{"standaloneCard":{"cardContent":{"title":"Hours"}}}`
		suggestion = `"suggestions":[{"reply":{"text":"Yes","postbackData":"yes"}}]`
	)
	body := func(content string) string {
		return `{"messageId":"m1","representative":{"representativeType":"BOT"},` + content + `}`
	}
	noCards, noSuggestions, all := &Device{NoRichCards: true}, &Device{NoSuggestions: true}, &Device{}
	for _, tc := range []struct {
		name     string
		device   Device  // Config.Device
		user     *Device // the user's message's Context.Device
		query    string
		content  string
		status   int
		code     string // the error's status; "" on success
		kind     string // the delivery's Type
		text     string // and Text
		fallback bool
	}{
		{"rich card, the default device", Device{}, nil, "", card, 200, "", "richCard", "rich card", false},
		{"suggestions, the default device", Device{}, nil, "", `"text":"Open?",` + suggestion, 200, "", "text", "Open?", false},
		{"rich card with a fallback, the default device", Device{}, nil, "", card + `,"fallback":"Open 9-5"`, 200, "", "richCard", "rich card", false},
		{"no rich cards, no fallback", *noCards, nil, "", card, 400, "FAILED_PRECONDITION", "", "", false},
		{"no rich cards, a fallback", *noCards, nil, "", card + `,"fallback":"Open 9-5"`, 200, "", "text", "Open 9-5", true},
		{"no rich cards, a text", *noCards, nil, "", `"text":"hi"`, 200, "", "text", "hi", false},
		{"no rich cards, suggestions", *noCards, nil, "", `"text":"Open?",` + suggestion, 200, "", "text", "Open?", false},
		{"no suggestions, no fallback", *noSuggestions, nil, "", `"text":"Open?",` + suggestion, 400, "FAILED_PRECONDITION", "", "", false},
		{"no suggestions, a fallback", *noSuggestions, nil, "", `"text":"Open?",` + suggestion + `,"fallback":"Open? Answer yes or no."`, 200, "", "text", "Open? Answer yes or no.", true},
		{"no suggestions, an image", *noSuggestions, nil, "", `"image":{"contentInfo":{"fileUrl":"https://files.omnisim.invalid/a.png?bytes=1"}}`, 200, "", "image", "https://files.omnisim.invalid/a.png?bytes=1", false},
		{"the user's own device shows all", *noCards, all, "", card, 200, "", "richCard", "rich card", false},
		{"the user's own device shows no rich cards", Device{}, noCards, "", card, 400, "FAILED_PRECONDITION", "", "", false},
		{"forceFallback with a fallback", Device{}, nil, "?forceFallback=true", `"text":"hi","fallback":"plain hi"`, 200, "", "text", "plain hi", true},
		{"forceFallback of a rich card", Device{}, nil, "?forceFallback=true", card + `,"fallback":"Open 9-5"`, 200, "", "text", "Open 9-5", true},
		{"forceFallback on a device without rich cards", *noCards, nil, "?forceFallback=true", card + `,"fallback":"Open 9-5"`, 200, "", "text", "Open 9-5", true},
		{"forceFallback without a fallback", Device{}, nil, "?forceFallback=true", `"text":"hi"`, 400, "INVALID_ARGUMENT", "", "", false},
		{"forceFallback=false", Device{}, nil, "?forceFallback=false", `"text":"hi","fallback":"plain hi"`, 200, "", "text", "hi", false},
		{"forceFallback=1", Device{}, nil, "?forceFallback=1", `"text":"hi","fallback":"plain hi"`, 200, "", "text", "plain hi", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mk := func() *Server {
				s, _, _ := newFake(t, func(cfg *Config) { cfg.Device = tc.device })
				if _, err := s.CustomerText(context.Background(), fbConv, Context{DisplayName: "Ann", Device: tc.user}, "hello"); err != nil {
					t.Fatal(err)
				}
				return s
			}
			// On the wire.
			s := mk()
			w := post(s, token(t, s), "/v1/conversations/"+fbConv+"/messages"+tc.query, body(tc.content))
			code, _ := errorOf(t, w)
			if w.Code != tc.status || code != tc.code {
				t.Fatalf("HTTP %d %s, want %d %s", w.Code, w.Body, tc.status, tc.code)
			}
			wire := s.Deliveries(fbConv)
			// By value, and the dry run before it.
			req, e := ParseSendRequest([]byte(body(tc.content)))
			if e != nil {
				t.Fatal(e)
			}
			req.ForceFallback = strings.HasSuffix(tc.query, "true") || strings.HasSuffix(tc.query, "1")
			v := mk()
			verdict := v.Check(fbConv, req)
			m, e := v.Accept(fbConv, req)
			for _, got := range []*Error{verdict, e} {
				if (got == nil) != (tc.code == "") || got != nil && (got.Status != tc.code || got.HTTPStatus != tc.status) {
					t.Fatalf("by value: %v, want %d %s", got, tc.status, tc.code)
				}
			}
			byValue := v.Deliveries(fbConv)
			if tc.code != "" {
				if len(wire) != 0 || len(byValue) != 0 {
					t.Fatalf("refused, yet delivered: %+v %+v", wire, byValue)
				}
				return
			}
			for _, d := range [][]Delivery{wire, byValue} {
				if len(d) != 1 || d[0].Type != tc.kind || d[0].Text != tc.text || d[0].Fallback != tc.fallback {
					t.Fatalf("deliveries %+v, want %s %q (fallback %v)", d, tc.kind, tc.text, tc.fallback)
				}
			}
			if m.ShownFallback != tc.fallback {
				t.Errorf("ShownFallback = %v", m.ShownFallback)
			}
		})
	}
}

// A user's later message from another device changes what the
// conversation's device can show. The device is the fake's model, not
// part of the webhook's payload.
func TestDeviceOfLatestMessage(t *testing.T) {
	s, _, rcv := newFake(t, nil)
	card := SendRequest{Representative: &Representative{RepresentativeType: "BOT"},
		RichCard: json.RawMessage(`{"carouselCard":{"cardWidth":"MEDIUM","cardContents":[]}}`)}
	for i, dev := range []*Device{{NoRichCards: true}, nil, {NoRichCards: true}} {
		if _, err := s.CustomerText(context.Background(), fbConv, Context{Device: dev}, "hi"); err != nil {
			t.Fatal(err)
		}
		card.MessageID = string(rune('a' + i))
		_, e := s.Accept(fbConv, card)
		if refused := e != nil && e.Status == "FAILED_PRECONDITION"; refused != (dev != nil) {
			t.Errorf("message %d from device %+v: %v", i, dev, e)
		}
	}
	for i, b := range rcv.bodies {
		if bytes.Contains(b, []byte(`"context"`)) {
			t.Errorf("webhook %d has a context: %s", i, b)
		}
	}
}

// The created Message echoes the content the request sent; a plain text's
// answer is as it always was.
func TestCreatedMessageEchoes(t *testing.T) {
	for _, tc := range []struct {
		name, query, body, want string
	}{
		{"text", "",
			`{"messageId":"m1","representative":{"representativeType":"HUMAN","displayName":"Maya"},"text":"hi"}`,
			`{"name":"conversations/` + fbConv + `/messages/m1","messageId":"m1","representative":{"representativeType":"HUMAN","displayName":"Maya"},"text":"hi","createTime":"2024-03-04T10:00:00Z"}`},
		{"image by URL", "",
			`{"messageId":"m1","representative":{"representativeType":"BOT"},"image":{"contentInfo":{"fileUrl":"https://files.omnisim.invalid/a.png?bytes=1"}}}`,
			`{"name":"conversations/` + fbConv + `/messages/m1","messageId":"m1","representative":{"representativeType":"BOT"},"image":{"contentInfo":{"fileUrl":"https://files.omnisim.invalid/a.png?bytes=1"}},"createTime":"2024-03-04T10:00:00Z"}`},
		{"image in full", "",
			`{"messageId":"m1","representative":{"representativeType":"BOT","avatarImage":"https://files.omnisim.invalid/me.png"},"image":{"contentInfo":{"fileUrl":"https://files.omnisim.invalid/a.png?bytes=1","thumbnailUrl":"https://files.omnisim.invalid/t.png","forceRefresh":true,"altText":"a map"}}}`,
			`{"name":"conversations/` + fbConv + `/messages/m1","messageId":"m1","representative":{"representativeType":"BOT","avatarImage":"https://files.omnisim.invalid/me.png"},"image":{"contentInfo":{"fileUrl":"https://files.omnisim.invalid/a.png?bytes=1","thumbnailUrl":"https://files.omnisim.invalid/t.png","forceRefresh":true,"altText":"a map"}},"createTime":"2024-03-04T10:00:00Z"}`},
		{"uploaded image", "",
			`{"messageId":"m1","representative":{"representativeType":"BOT"},"image":{"imageId":"img-7"}}`,
			`{"name":"conversations/` + fbConv + `/messages/m1","messageId":"m1","representative":{"representativeType":"BOT"},"image":{"imageId":"img-7"},"createTime":"2024-03-04T10:00:00Z"}`},
		{"rich card, fallback and suggestions", "",
			`{"messageId":"m1","representative":{"representativeType":"BOT"},"richCard": { "standaloneCard": {"cardContent": {"title": "Hours"}} },"fallback":"Open 9-5","containsRichText":true,"suggestions":[ {"reply": {"text":"Yes"}} ]}`,
			`{"name":"conversations/` + fbConv + `/messages/m1","messageId":"m1","representative":{"representativeType":"BOT"},"richCard":{"standaloneCard":{"cardContent":{"title":"Hours"}}},"fallback":"Open 9-5","containsRichText":true,"suggestions":[{"reply":{"text":"Yes"}}],"createTime":"2024-03-04T10:00:00Z"}`},
		{"forced fallback: the content as sent", "?forceFallback=true",
			`{"messageId":"m1","representative":{"representativeType":"BOT"},"text":"hi","fallback":"plain hi"}`,
			`{"name":"conversations/` + fbConv + `/messages/m1","messageId":"m1","representative":{"representativeType":"BOT"},"text":"hi","fallback":"plain hi","createTime":"2024-03-04T10:00:00Z"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _ := newFake(t, nil)
			if _, err := s.CustomerText(context.Background(), fbConv, Context{}, "hello"); err != nil {
				t.Fatal(err)
			}
			w := post(s, token(t, s), "/v1/conversations/"+fbConv+"/messages"+tc.query, tc.body)
			if w.Code != 200 || w.Body.String() != tc.want {
				t.Fatalf("HTTP %d\n%s\nwant\n%s", w.Code, w.Body, tc.want)
			}
		})
	}
}

// A rich card is an object with exactly one of standaloneCard and
// carouselCard; a null one is no rich card.
func TestRichCardShape(t *testing.T) {
	for _, tc := range []struct {
		content string
		ok      bool
	}{
		{`"richCard":{"standaloneCard":{"cardContent":{}}}`, true},
		{`"richCard":{"carouselCard":{"cardWidth":"SMALL","cardContents":[{},{}]}}`, true},
		{`"richCard":{"standaloneCard":{},"carouselCard":null}`, true},
		{`"richCard":{}`, false},
		{`"richCard":{"standaloneCard":{},"carouselCard":{}}`, false},
		{`"richCard":{"standaloneCard":"card"}`, false},
		{`"richCard":{"bogus":{}}`, false},
		{`"richCard":"card"`, false},
		{`"richCard":[]`, false},
		{`"richCard":null,"text":"hi"`, true},
		{`"richCard":null`, false}, // no content at all
	} {
		req, e := ParseSendRequest([]byte(`{"messageId":"m1","representative":{"representativeType":"BOT"},` + tc.content + `}`))
		if (e == nil) != tc.ok || e != nil && (e.HTTPStatus != 400 || e.Status != "INVALID_ARGUMENT") {
			t.Errorf("%s: %v, want ok %v", tc.content, e, tc.ok)
		}
		if e == nil && string(req.RichCard) == "null" {
			t.Errorf("%s: a null rich card kept", tc.content)
		}
	}
}

// The window's status is configurable, its HTTP status following Google's
// mapping; the default is FAILED_PRECONDITION (400).
func TestWindowStatus(t *testing.T) {
	const closed = "the user's last message is more than 30 days old; the agent can no longer message this conversation."
	for _, tc := range []struct {
		status string
		http   int
		want   string
		msg    string
	}{
		{"", 400, "FAILED_PRECONDITION", "Precondition check failed: " + closed},
		{"FAILED_PRECONDITION", 400, "FAILED_PRECONDITION", "Precondition check failed: " + closed},
		{"PERMISSION_DENIED", 403, "PERMISSION_DENIED", "T" + closed[1:]},
		{"NOT_FOUND", 404, "NOT_FOUND", "T" + closed[1:]},
	} {
		t.Run(tc.want, func(t *testing.T) {
			s, c, _ := newFake(t, func(cfg *Config) { cfg.WindowStatus = tc.status })
			if got := s.Config().WindowStatus; got != tc.want {
				t.Errorf("Config().WindowStatus = %q", got)
			}
			if _, err := s.CustomerText(context.Background(), fbConv, Context{}, "hello"); err != nil {
				t.Fatal(err)
			}
			c.t = c.t.Add(DefaultWindow)
			w := post(s, token2(t, s, c), "/v1/conversations/"+fbConv+"/messages", `{"messageId":"m1","representative":{"representativeType":"BOT"},"text":"late"}`)
			if code, n := errorOf(t, w); w.Code != tc.http || n != tc.http || code != tc.want || !strings.Contains(w.Body.String(), "more than 30 days old") {
				t.Fatalf("HTTP %d %s, want %d %s", w.Code, w.Body, tc.http, tc.want)
			}
			if e := s.Check(fbConv, textTo("m2", "late")); e == nil || e.Status != tc.want || e.HTTPStatus != tc.http || e.Message != tc.msg {
				t.Fatalf("Check = %v", e)
			}
		})
	}
	for _, bad := range []string{"OK", "BOGUS", "failed_precondition"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New with WindowStatus %q did not panic", bad)
				}
			}()
			New(Config{WindowStatus: bad, Clock: func() time.Time { return t0 }})
		}()
	}
}

func TestHTTPStatusOf(t *testing.T) {
	for status, want := range map[string]int{
		"OK": 200, "INVALID_ARGUMENT": 400, "FAILED_PRECONDITION": 400, "OUT_OF_RANGE": 400, "UNAUTHENTICATED": 401,
		"PERMISSION_DENIED": 403, "NOT_FOUND": 404, "ALREADY_EXISTS": 409, "ABORTED": 409, "RESOURCE_EXHAUSTED": 429,
		"CANCELLED": 499, "UNKNOWN": 500, "INTERNAL": 500, "DATA_LOSS": 500, "UNIMPLEMENTED": 501, "UNAVAILABLE": 503,
		"DEADLINE_EXCEEDED": 504, "": 0, "Bogus": 0,
	} {
		if got := HTTPStatusOf(status); got != want {
			t.Errorf("HTTPStatusOf(%q) = %d, want %d", status, got, want)
		}
	}
}
