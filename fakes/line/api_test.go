package line

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/forget/forgettest"
	"github.com/omnisim/omnisim/fakes/journal/journaltest"
	"github.com/omnisim/omnisim/httpcall/httpcalltest"
)

func replyBody(token string, texts ...string) string {
	var ms []string
	for _, t := range texts {
		ms = append(ms, fmt.Sprintf(`{"type":"text","text":%q}`, t))
	}
	return fmt.Sprintf(`{"replyToken":%q,"messages":[%s]}`, token, strings.Join(ms, ","))
}

func pushBody(to string, texts ...string) string {
	var ms []string
	for _, t := range texts {
		ms = append(ms, fmt.Sprintf(`{"type":"text","text":%q}`, t))
	}
	return fmt.Sprintf(`{"to":%q,"messages":[%s]}`, to, strings.Join(ms, ","))
}

func TestAuth(t *testing.T) {
	s, _, _ := newFake(t, Config{})
	for _, tc := range []struct {
		name, auth, want string
	}{
		{"missing", "", MsgAuthRequired},
		{"not bearer", "Basic abc", MsgAuthRequired},
		{"wrong token", "Bearer wrong", MsgAuthFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, out := call(t, s, "POST", PathPush, pushBody(userA, "hi"), map[string]string{"Authorization": tc.auth})
			if resp.StatusCode != 401 || out["message"] != tc.want || resp.Header.Get("X-Line-Request-Id") == "" {
				t.Errorf("HTTP %d %v (request id %q), want 401 %q", resp.StatusCode, out, resp.Header.Get("X-Line-Request-Id"), tc.want)
			}
		})
	}
}

func TestReplyToken(t *testing.T) {
	s, _, clk := newFake(t, Config{})
	in := text(t, s, userA, "hello")
	if len(in.ReplyToken) != 32 {
		t.Fatalf("reply token %q", in.ReplyToken)
	}
	resp, out := call(t, s, "POST", PathReply, replyBody(in.ReplyToken, "one", "two"), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("reply: HTTP %d %v", resp.StatusCode, out)
	}
	sent, _ := out["sentMessages"].([]any)
	if len(sent) != 2 || sent[0].(map[string]any)["id"] == "" || sent[0].(map[string]any)["quoteToken"] == "" {
		t.Fatalf("sentMessages %v", out)
	}
	// Used once: the second use is refused.
	resp, out = call(t, s, "POST", PathReply, replyBody(in.ReplyToken, "three"), nil)
	if resp.StatusCode != 400 || out["message"] != MsgInvalidReplyToken {
		t.Errorf("reused token: HTTP %d %v", resp.StatusCode, out)
	}
	// Unknown token.
	resp, out = call(t, s, "POST", PathReply, replyBody("0123456789abcdef0123456789abcdef", "x"), nil)
	if resp.StatusCode != 400 || out["message"] != MsgInvalidReplyToken {
		t.Errorf("unknown token: HTTP %d %v", resp.StatusCode, out)
	}
	// Expiry: just before it the token works, at it it does not.
	in = text(t, s, userA, "again")
	clk.Add(time.Minute - time.Millisecond)
	if resp, out := call(t, s, "POST", PathReply, replyBody(in.ReplyToken, "in time"), nil); resp.StatusCode != 200 {
		t.Errorf("token at 59.999s: HTTP %d %v", resp.StatusCode, out)
	}
	in = text(t, s, userA, "late")
	clk.Add(time.Minute)
	if resp, out := call(t, s, "POST", PathReply, replyBody(in.ReplyToken, "late"), nil); resp.StatusCode != 400 || out["message"] != MsgInvalidReplyToken {
		t.Errorf("token at 60s: HTTP %d %v", resp.StatusCode, out)
	}
	if got := len(s.Deliveries(userA)); got != 3 {
		t.Errorf("%d deliveries, want 3", got)
	}
	// A validation error does not spend the token.
	in = text(t, s, userA, "validation")
	if resp, _ := call(t, s, "POST", PathReply, replyBody(in.ReplyToken), nil); resp.StatusCode != 400 {
		t.Errorf("no messages: HTTP %d", resp.StatusCode)
	}
	if resp, _ := call(t, s, "POST", PathReply, replyBody(in.ReplyToken, "ok"), nil); resp.StatusCode != 200 {
		t.Errorf("token after a refused body: HTTP %d", resp.StatusCode)
	}
}

func TestReplyTokenExpiryConfigured(t *testing.T) {
	s, _, clk := newFake(t, Config{ReplyTokenExpiry: 10 * time.Second})
	in := text(t, s, userA, "hello")
	clk.Add(10 * time.Second)
	if resp, out := call(t, s, "POST", PathReply, replyBody(in.ReplyToken, "x"), nil); resp.StatusCode != 400 || out["message"] != MsgInvalidReplyToken {
		t.Errorf("HTTP %d %v", resp.StatusCode, out)
	}
}

func TestValidation(t *testing.T) {
	s, _, _ := newFake(t, Config{Media: map[string]MediaLimit{"image": {Formats: []string{"jpeg", "png"}, MaxBytes: 1000}}})
	text(t, s, userA, "hello")
	long := strings.Repeat("あ", 5001)
	for _, tc := range []struct {
		name, body      string
		status          int
		message, detail string // detail: "property: message"
	}{
		{"ok", pushBody(userA, strings.Repeat("あ", 5000)), 200, "", ""},
		{"no messages", pushBody(userA), 400, "The request body has 1 error(s)", "messages: Size must be between 1 and 5"},
		{"six messages", pushBody(userA, "1", "2", "3", "4", "5", "6"), 400, "The request body has 1 error(s)", "messages: Size must be between 1 and 5"},
		{"five messages", pushBody(userA, "1", "2", "3", "4", "5"), 200, "", ""},
		{"text too long", pushBody(userA, "ok", long), 400, "The request body has 1 error(s)", "messages[1].text: Length must be between 0 and 5000"},
		{"empty text", pushBody(userA, ""), 400, "The request body has 1 error(s)", "messages[0].text: must be specified"},
		{"unknown type", fmt.Sprintf(`{"to":%q,"messages":[{"type":"file"}]}`, userA), 400, "The request body has 1 error(s)", "messages[0].type: Must be one of the following values: [text, sticker, image, video, audio, location, imagemap, template, flex]"},
		{"bad to", pushBody("U123", "hi"), 400, "The request body has 1 error(s)", "to: must be a valid user id"},
		{"unknown user", pushBody(userB, "hi"), 400, MsgFailedToSend, ""},
		{"not json", `{"to":`, 400, MsgBadJSON, ""},
		{"image ok", fmt.Sprintf(`{"to":%q,"messages":[{"type":"image","originalContentUrl":"https://x.example/a.png?size=1000","previewImageUrl":"https://x.example/p.jpg"}]}`, userA), 200, "", ""},
		{"image too large", fmt.Sprintf(`{"to":%q,"messages":[{"type":"image","originalContentUrl":"https://x.example/a.png?size=1001","previewImageUrl":"https://x.example/p.jpg"}]}`, userA), 400, "The request body has 1 error(s)", "messages[0].originalContentUrl: The file size must be at most 1000 bytes"},
		{"image format", fmt.Sprintf(`{"to":%q,"messages":[{"type":"image","originalContentUrl":"https://x.example/a.gif","previewImageUrl":"https://x.example/p.jpg"}]}`, userA), 400, "The request body has 1 error(s)", "messages[0].originalContentUrl: The file format must be one of: jpeg, png"},
		{"image http", fmt.Sprintf(`{"to":%q,"messages":[{"type":"image","originalContentUrl":"http://x.example/a.png","previewImageUrl":"https://x.example/p.jpg"}]}`, userA), 400, "The request body has 1 error(s)", "messages[0].originalContentUrl: must be a valid HTTPS URL of at most 2000 characters"},
		{"image no preview", fmt.Sprintf(`{"to":%q,"messages":[{"type":"image","originalContentUrl":"https://x.example/a.png"}]}`, userA), 400, "The request body has 1 error(s)", "messages[0].previewImageUrl: must be specified"},
		{"audio no duration", fmt.Sprintf(`{"to":%q,"messages":[{"type":"audio","originalContentUrl":"https://x.example/a.m4a"}]}`, userA), 400, "The request body has 1 error(s)", "messages[0].duration: must be specified"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, out := call(t, s, "POST", PathPush, tc.body, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("HTTP %d %v, want %d", resp.StatusCode, out, tc.status)
			}
			if tc.status == 200 {
				return
			}
			if out["message"] != tc.message {
				t.Errorf("message %q, want %q", out["message"], tc.message)
			}
			var got string
			if ds, _ := out["details"].([]any); len(ds) > 0 {
				d := ds[0].(map[string]any)
				got = fmt.Sprint(d["property"], ": ", d["message"])
			}
			if got != tc.detail {
				t.Errorf("detail %q, want %q", got, tc.detail)
			}
		})
	}
}

func TestRetryKey(t *testing.T) {
	s, _, clk := newFake(t, Config{})
	text(t, s, userA, "hello")
	const key = "123e4567-e89b-12d3-a456-426614174000"
	resp, first := call(t, s, "POST", PathPush, pushBody(userA, "once"), map[string]string{"X-Line-Retry-Key": key})
	if resp.StatusCode != 200 {
		t.Fatalf("first: HTTP %d %v", resp.StatusCode, first)
	}
	rid := resp.Header.Get("X-Line-Request-Id")
	resp, out := call(t, s, "POST", PathPush, pushBody(userA, "once"), map[string]string{"X-Line-Retry-Key": strings.ToUpper(key)})
	if resp.StatusCode != 409 || out["message"] != MsgRetryKeyAccepted || resp.Header.Get("X-Line-Accepted-Request-Id") != rid {
		t.Fatalf("repeat: HTTP %d %v accepted %q, want 409 with %q", resp.StatusCode, out, resp.Header.Get("X-Line-Accepted-Request-Id"), rid)
	}
	if fmt.Sprint(out["sentMessages"]) != fmt.Sprint(first["sentMessages"]) {
		t.Errorf("409 sentMessages %v, want %v", out["sentMessages"], first["sentMessages"])
	}
	if got := len(s.Deliveries(userA)); got != 1 {
		t.Errorf("%d deliveries, want 1", got)
	}
	// A day later the key is forgotten.
	clk.Add(24 * time.Hour)
	if resp, _ := call(t, s, "POST", PathPush, pushBody(userA, "again"), map[string]string{"X-Line-Retry-Key": key}); resp.StatusCode != 200 {
		t.Errorf("after 24h: HTTP %d", resp.StatusCode)
	}
	if resp, out := call(t, s, "POST", PathPush, pushBody(userA, "x"), map[string]string{"X-Line-Retry-Key": "not-a-uuid"}); resp.StatusCode != 400 || out["message"] != MsgRetryKeyInvalid {
		t.Errorf("bad key: HTTP %d %v", resp.StatusCode, out)
	}
	in := text(t, s, userA, "hi")
	if resp, out := call(t, s, "POST", PathReply, replyBody(in.ReplyToken, "x"), map[string]string{"X-Line-Retry-Key": key}); resp.StatusCode != 400 || out["message"] != MsgRetryKeyNotHere {
		t.Errorf("key on reply: HTTP %d %v", resp.StatusCode, out)
	}
}

// Instants more than 292 years apart, whose difference in Unix nanoseconds
// would wrap, up to the two ends of the range (1677 and 2262): a reply
// token issued then is refused and forgotten now, and a retry key accepted
// then is forgotten. Each check runs over each span.
func TestInstantsFarApart(t *testing.T) {
	spans := forgettest.FarApart
	const key = "123e4567-e89b-12d3-a456-426614174000"
	set := func(clk *testClock, t time.Time) { clk.mu.Lock(); clk.t = t; clk.mu.Unlock() }
	refused := func(t *testing.T, s *Server, token string) {
		t.Helper()
		if resp, out := call(t, s, "POST", PathReply, replyBody(token, "x"), nil); resp.StatusCode != 400 || out["message"] != MsgInvalidReplyToken {
			t.Errorf("reply: HTTP %d %v, want 400 %q", resp.StatusCode, out, MsgInvalidReplyToken)
		}
	}
	checks := []struct {
		name string
		run  func(t *testing.T, s *Server, clk *testClock, then, now time.Time)
	}{
		{"a reply token issued then is refused and forgotten", func(t *testing.T, s *Server, clk *testClock, then, now time.Time) {
			set(clk, then)
			in := text(t, s, userA, "hello")
			set(clk, now)
			refused(t, s, in.ReplyToken)
			s.mu.Lock()
			n, q := len(s.tokens), len(s.tokenQueue)
			s.mu.Unlock()
			if n != 0 || q != 0 {
				t.Errorf("%d tokens and %d queued kept, want none", n, q)
			}
		}},
		{"a reply token issued then, the clock set back, behind a later one is refused", func(t *testing.T, s *Server, clk *testClock, then, now time.Time) {
			set(clk, now.Add(-time.Second))
			text(t, s, userB, "first, later") // heads the queue, not expired
			set(clk, then)
			in := text(t, s, userA, "hello")
			set(clk, now)
			refused(t, s, in.ReplyToken)
		}},
		{"a retry key accepted then is forgotten", func(t *testing.T, s *Server, clk *testClock, then, now time.Time) {
			set(clk, then)
			text(t, s, userA, "hello")
			if resp, out := call(t, s, "POST", PathPush, pushBody(userA, "once"), map[string]string{"X-Line-Retry-Key": key}); resp.StatusCode != 200 {
				t.Fatalf("push then: HTTP %d %v", resp.StatusCode, out)
			}
			set(clk, now)
			if resp, out := call(t, s, "POST", PathPush, pushBody(userA, "again"), map[string]string{"X-Line-Retry-Key": key}); resp.StatusCode != 200 {
				t.Errorf("push now: HTTP %d %v, want 200", resp.StatusCode, out)
			}
			s.mu.Lock()
			n, q := len(s.keys), len(s.keyQueue)
			s.mu.Unlock()
			if n != 1 || q != 1 {
				t.Errorf("%d keys and %d queued kept, want the new one", n, q)
			}
		}},
	}
	for _, sp := range spans {
		for _, ck := range checks {
			t.Run(sp.Name+": "+ck.name, func(t *testing.T) {
				s, _, clk := newFake(t, Config{})
				ck.run(t, s, clk, sp.Then, sp.Now)
			})
		}
	}
}

func TestRateLimit(t *testing.T) {
	s, _, clk := newFake(t, Config{RateLimit: 2})
	text(t, s, userA, "hello")
	var got []int
	for i := 0; i < 3; i++ {
		resp, out := call(t, s, "POST", PathPush, pushBody(userA, "x"), nil)
		got = append(got, resp.StatusCode)
		if resp.StatusCode == 429 && out["message"] != MsgRateLimit {
			t.Errorf("429 body %v", out)
		}
	}
	// The reply endpoint counts on its own.
	in := text(t, s, userA, "hello")
	resp, _ := call(t, s, "POST", PathReply, replyBody(in.ReplyToken, "x"), nil)
	got = append(got, resp.StatusCode)
	clk.Add(time.Second)
	resp, _ = call(t, s, "POST", PathPush, pushBody(userA, "x"), nil)
	got = append(got, resp.StatusCode)
	if fmt.Sprint(got) != "[200 200 429 200 200]" {
		t.Errorf("statuses %v", got)
	}
}

func TestMonthlyLimit(t *testing.T) {
	s, _, clk := newFake(t, Config{MonthlyLimit: 1})
	// 2026-03-31 14:00 UTC is 23:00 in Japan.
	clk.Add(29*24*time.Hour + 13*time.Hour)
	text(t, s, userA, "hello")
	var got []int
	push := func() {
		resp, out := call(t, s, "POST", PathPush, pushBody(userA, "a", "b", "c"), nil)
		got = append(got, resp.StatusCode)
		if resp.StatusCode == 429 && out["message"] != MsgMonthlyLimit {
			t.Errorf("429 body %v", out)
		}
	}
	push() // one push of three messages counts once
	push()
	if e := s.Check(userA, []Message{{Type: "text", Text: "x"}}); e == nil || e.Status != 429 {
		t.Errorf("Check at the limit: %v", e)
	}
	in := text(t, s, userA, "hello")
	resp, _ := call(t, s, "POST", PathReply, replyBody(in.ReplyToken, "free"), nil)
	got = append(got, resp.StatusCode)
	clk.Add(time.Hour) // April in Japan
	push()
	if fmt.Sprint(got) != "[200 429 200 200]" {
		t.Errorf("statuses %v", got)
	}
}

func TestBlockedUser(t *testing.T) {
	s, h, _ := newFake(t, Config{})
	text(t, s, userA, "hello")
	in, err := s.CustomerUnfollow(t.Context(), userA)
	if err != nil || in.ReplyToken != "" {
		t.Fatalf("unfollow: %+v %v", in, err)
	}
	if resp, _ := call(t, s, "POST", PathPush, pushBody(userA, "are you there?"), nil); resp.StatusCode != 200 {
		t.Errorf("push to a blocked user: HTTP %d, want 200 (accepted)", resp.StatusCode)
	}
	if n := len(s.Deliveries(userA)); n != 0 || !s.Blocked(userA) {
		t.Errorf("%d deliveries to a blocked user", n)
	}
	in, _ = s.CustomerFollow(t.Context(), userA, "Kenji")
	if !strings.Contains(string(h.bodies[len(h.bodies)-1]), `"follow":{"isUnblocked":true}`) || in.ReplyToken == "" {
		t.Errorf("follow webhook %s", h.bodies[len(h.bodies)-1])
	}
	if resp, _ := call(t, s, "POST", PathPush, pushBody(userA, "welcome back"), nil); resp.StatusCode != 200 || len(s.Deliveries(userA)) != 1 {
		t.Errorf("push after follow: HTTP %d, %d deliveries", resp.StatusCode, len(s.Deliveries(userA)))
	}
}

// TestDeliveriesBoundedByJournalLimit: a positive JournalLimit bounds
// each user's delivery history to the newest deliveries, for every user,
// and what the platform holds of them; 0 and a negative limit keep them
// all.
func TestDeliveriesBoundedByJournalLimit(t *testing.T) {
	journaltest.DeliveriesBounded(t, [2]string{userA, userB}, func(limit int) journaltest.Fake[Delivery] {
		s, _, _ := newFake(t, Config{JournalLimit: limit})
		return journaltest.Fake[Delivery]{
			Open: func(to string) { text(t, s, to, "hello") },
			Send: func(to, msg string) {
				if resp, out := call(t, s, "POST", PathPush, pushBody(to, msg), nil); resp.StatusCode != 200 {
					t.Fatalf("push: HTTP %d %v", resp.StatusCode, out)
				}
			},
			Deliveries: s.Deliveries,
			Text:       func(d Delivery) string { return d.Text },
			Delivered:  func() int { return s.Counts().Deliveries },
			// The list the histories are kept in holds no more than they do.
			Held: func() int { return s.delivered.Len() },
		}
	})
}

func TestOtherEndpoints(t *testing.T) {
	s, _, _ := newFake(t, Config{})
	in, err := s.CustomerMedia(t.Context(), userA, "Kenji", "image", "png", 1234)
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := call(t, s, "GET", "/v2/bot/message/"+in.ID+"/content", "", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || resp.ContentLength != 1234 {
		t.Errorf("content: HTTP %d %q %d", resp.StatusCode, resp.Header.Get("Content-Type"), resp.ContentLength)
	}
	for _, tc := range []struct {
		method, path string
		status       int
		field, want  string
	}{
		{"GET", "/v2/bot/message/1/content", 404, "message", MsgNotFound},
		{"GET", "/v2/bot/profile/" + userA, 200, "displayName", "Kenji"},
		{"GET", "/v2/bot/profile/" + userB, 404, "message", MsgNotFound},
		{"GET", PathInfo, 200, "userId", DefaultBotUserID},
		{"GET", "/v2/bot/nothing", 404, "message", MsgNotFound},
		{"GET", PathPush, 405, "message", "Method not allowed"},
	} {
		resp, out := call(t, s, tc.method, tc.path, "", nil)
		if resp.StatusCode != tc.status || out[tc.field] != tc.want {
			t.Errorf("%s %s: HTTP %d %v, want %d %s=%q", tc.method, tc.path, resp.StatusCode, out, tc.status, tc.field, tc.want)
		}
	}
	if resp, out := call(t, s, "POST", PathPush, strings.Repeat(" ", MaxBodySize+1), nil); resp.StatusCode != 413 || out["message"] == "" {
		t.Errorf("large body: HTTP %d %v", resp.StatusCode, out)
	}
	if n := s.Counts().Requests; n != 8 {
		t.Errorf("%d requests journaled, want 8", n)
	}
}

// TestSendBodyHandedOver: a push made with httpcall, whose body the
// endpoint reads where it is (httpcall.Body), is answered as one read from
// a socket, and its bytes, the caller's, are left as they were.
func TestSendBodyHandedOver(t *testing.T) {
	s, _, _ := newFake(t, Config{})
	text(t, s, userA, "hello")
	body := []byte(pushBody(userA, "one", "two"))
	sent := string(body)
	w := httpcalltest.Post(s, "http://api.line.test"+PathPush, body, func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+DefaultChannelAccessToken)
		r.Header.Set("Content-Type", "application/json")
	})
	if string(body) != sent {
		t.Fatalf("the caller's body became %q", body)
	}
	var out struct {
		SentMessages []struct{ ID string }
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); w.Code != 200 || err != nil || len(out.SentMessages) != 2 || out.SentMessages[1].ID == "" {
		t.Fatalf("HTTP %d %s", w.Code, w.Body)
	}
}

// A delivery reads back as sent, from the user's history and from the
// journal alike: its id, type, text or URL, the call it came by and that
// call's request id.
func TestDeliveriesReadBackAsSent(t *testing.T) {
	s, _, clk := newFake(t, Config{})
	in := text(t, s, userA, "hello")
	var want []Delivery
	for _, c := range []struct{ path, body, via, typ, text, url string }{
		{PathReply, replyBody(in.ReplyToken, "one"), "reply", "text", "one", ""},
		{PathPush, fmt.Sprintf(`{"to":%q,"messages":[{"type":"image","originalContentUrl":"https://x.example/a.png?size=1000","previewImageUrl":"https://x.example/p.jpg"}]}`, userA),
			"push", "image", "", "https://x.example/a.png?size=1000"},
	} {
		resp, out := call(t, s, "POST", c.path, c.body, nil)
		sent, _ := out["sentMessages"].([]any)
		if resp.StatusCode != 200 || len(sent) != 1 {
			t.Fatalf("%s: HTTP %d %v", c.via, resp.StatusCode, out)
		}
		want = append(want, Delivery{At: clk.Now(), To: userA, ID: sent[0].(map[string]any)["id"].(string), Type: c.typ,
			Text: c.text, URL: c.url, Via: c.via, RequestID: resp.Header.Get("X-Line-Request-Id")})
	}
	if d := s.Deliveries(userA); !reflect.DeepEqual(d, want) {
		t.Errorf("deliveries\n%+v, want\n%+v", d, want)
	}
	if d := s.Journal().Deliveries; !reflect.DeepEqual(d, want) {
		t.Errorf("journal deliveries\n%+v, want\n%+v", d, want)
	}
}
