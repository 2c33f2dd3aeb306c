package line

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSignKnownAnswer checks Sign against vectors computed with another
// HMAC-SHA256 implementation (Python's hmac module).
func TestSignKnownAnswer(t *testing.T) {
	for _, tc := range []struct{ secret, body, want string }{
		{DefaultChannelSecret, `{"destination":"U0f1e2d3c4b5a69788796a5b4c3d2e1f0","events":[]}`, "65twRk7Y7qyRu7oLRmXOW4sSXq2CaeeC2R6+5QFdwxg="},
		{DefaultChannelSecret, `{"destination":"Uxxx","events":[{"type":"message"}]}`, "1Qv5p164NhNAkcAG3O1lF0JHMsY+TCqS1SwgtNRNcgE="},
		{"channel-secret", "hello", "Shi6QMkHaorMtX1qnB247qQzuUGhVNyWmLzuIOnM7eE="},
	} {
		if got := Sign(tc.secret, []byte(tc.body)); got != tc.want {
			t.Errorf("Sign(%q, %q) = %s, want %s", tc.secret, tc.body, got, tc.want)
		}
	}
}

func TestAppendPayload(t *testing.T) {
	events := []Event{
		{Type: "message", Mode: "active", Timestamp: 1462629479859, UserID: userA, WebhookEventID: "01FZ74A0TDDPYRVKNK77XKC3ZR",
			ReplyToken: "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
			Message:    &EventMessage{ID: "444573844083572737", Type: "text", QuoteToken: "q3Plxr4AgKd", Text: "Hello, \"world\" </b> 你好\n\x01"}},
		{Type: "message", Mode: "active", Timestamp: 1, UserID: userA, WebhookEventID: "E2", ReplyToken: "r2", IsRedelivery: true,
			Message: &EventMessage{ID: "2", Type: "file", FileName: "a.pdf", FileSize: 2138}},
		{Type: "follow", Mode: "active", Timestamp: 2, UserID: userA, WebhookEventID: "E3", ReplyToken: "r3", IsUnblocked: true},
		{Type: "unfollow", Mode: "active", Timestamp: 3, UserID: userA, WebhookEventID: "E4"},
	}
	got := string(AppendPayload(nil, "Ubot", events))
	want := `{"destination":"Ubot","events":[` +
		`{"type":"message","mode":"active","timestamp":1462629479859,"source":{"type":"user","userId":"` + userA + `"},"webhookEventId":"01FZ74A0TDDPYRVKNK77XKC3ZR","deliveryContext":{"isRedelivery":false},"replyToken":"nHuyWiB7yP5Zw52FIkcQobQuGDXCTA","message":{"id":"444573844083572737","type":"text","quoteToken":"q3Plxr4AgKd","text":"Hello, \"world\" </b> 你好\n\u0001"}},` +
		`{"type":"message","mode":"active","timestamp":1,"source":{"type":"user","userId":"` + userA + `"},"webhookEventId":"E2","deliveryContext":{"isRedelivery":true},"replyToken":"r2","message":{"id":"2","type":"file","fileName":"a.pdf","fileSize":2138}},` +
		`{"type":"follow","mode":"active","timestamp":2,"source":{"type":"user","userId":"` + userA + `"},"webhookEventId":"E3","deliveryContext":{"isRedelivery":false},"replyToken":"r3","follow":{"isUnblocked":true}},` +
		`{"type":"unfollow","mode":"active","timestamp":3,"source":{"type":"user","userId":"` + userA + `"},"webhookEventId":"E4","deliveryContext":{"isRedelivery":false}}]}`
	if got != want {
		t.Errorf("payload\n got %s\nwant %s", got, want)
	}
	if !json.Valid([]byte(got)) {
		t.Error("not valid JSON")
	}
}

func TestWebhookSigned(t *testing.T) {
	s, h, clk := newFake(t, Config{})
	if err := s.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	in := text(t, s, userA, "Is the shop open?")
	if in.Status != 200 || len(h.bodies) != 2 {
		t.Fatalf("inbound %+v, %d webhooks", in, len(h.bodies))
	}
	if string(h.bodies[0]) != `{"destination":"`+DefaultBotUserID+`","events":[]}` {
		t.Errorf("verify body %s", h.bodies[0])
	}
	for i, b := range h.bodies {
		mac := hmac.New(sha256.New, []byte(DefaultChannelSecret))
		mac.Write(b)
		if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); h.sigs[i] != want {
			t.Errorf("webhook %d: signature %q, want %q", i, h.sigs[i], want)
		}
		if h.agents[i] != UserAgent {
			t.Errorf("User-Agent %q", h.agents[i])
		}
	}
	var p struct {
		Destination string
		Events      []struct {
			Type, Mode, ReplyToken, WebhookEventID string
			Timestamp                              int64
			Source                                 struct{ Type, UserID string }
			Message                                struct{ ID, Type, Text, QuoteToken string }
		}
	}
	if err := json.Unmarshal(h.bodies[1], &p); err != nil || len(p.Events) != 1 {
		t.Fatalf("%s: %v", h.bodies[1], err)
	}
	e := p.Events[0]
	if e.Type != "message" || e.Mode != "active" || e.Source.UserID != userA || e.Message.ID != in.ID || e.Message.Text != "Is the shop open?" ||
		e.ReplyToken != in.ReplyToken || e.WebhookEventID != in.EventID || e.Timestamp != clk.Now().UnixMilli() || e.Message.QuoteToken == "" {
		t.Errorf("event %+v", e)
	}
	if len(in.ID) != 18 || len(in.EventID) != 26 {
		t.Errorf("ids %q %q", in.ID, in.EventID)
	}
}

func TestRedelivery(t *testing.T) {
	s, h, clk := newFake(t, Config{Redelivery: []time.Duration{time.Minute, 5 * time.Minute}})
	h.status = 500
	in := text(t, s, userA, "hello")
	if in.Status != 500 {
		t.Fatalf("status %d", in.Status)
	}
	due, ok := s.NextDeadline()
	if !ok || !due.Equal(clk.Now().Add(time.Minute)) {
		t.Fatalf("next deadline %v %v", due, ok)
	}
	if n, _ := s.Flush(context.Background()); n != 0 {
		t.Errorf("flushed %d before the deadline", n)
	}
	clk.Add(time.Minute)
	if n, _ := s.Flush(context.Background()); n != 1 {
		t.Errorf("flushed %d at the deadline", n)
	}
	clk.Add(5 * time.Minute)
	h.status = 200
	if n, _ := s.Flush(context.Background()); n != 1 {
		t.Errorf("flushed %d at the second deadline", n)
	}
	if _, ok := s.NextDeadline(); ok {
		t.Error("a redelivery left after success")
	}
	if len(h.bodies) != 3 {
		t.Fatalf("%d tries", len(h.bodies))
	}
	for i, b := range h.bodies {
		redelivered := strings.Contains(string(b), `"isRedelivery":true`)
		if redelivered != (i > 0) || !strings.Contains(string(b), in.EventID) {
			t.Errorf("try %d: %s", i+1, b)
		}
	}
	j := s.Journal()
	if len(j.Webhooks) != 3 || j.Webhooks[2].Try != 3 || j.Webhooks[0].NextTry.IsZero() || !j.Webhooks[2].NextTry.IsZero() {
		t.Errorf("journal %+v", j.Webhooks)
	}
}

func TestNoRedeliveryByDefault(t *testing.T) {
	s, h, _ := newFake(t, Config{})
	h.status = http.StatusServiceUnavailable
	text(t, s, userA, "hello")
	if _, ok := s.NextDeadline(); ok {
		t.Error("redelivery scheduled with redelivery off")
	}
	if err := s.Verify(context.Background()); err == nil {
		t.Error("Verify passed on a 503")
	}
}

func TestCustomerMedia(t *testing.T) {
	s, h, _ := newFake(t, Config{})
	for _, tc := range []struct{ kind, want string }{
		{"image", `"type":"image","quoteToken":`},
		{"video", `"type":"video","quoteToken":`},
		{"audio", `"type":"audio","duration":60000,"contentProvider":{"type":"line"}}`},
		{"file", `"type":"file","fileName":"file.pdf","fileSize":100}`},
		{"sticker", `"stickerId":"1988","packageId":"446","stickerResourceType":"STATIC"}`},
	} {
		if _, err := s.CustomerMedia(context.Background(), userA, "", tc.kind, "pdf", 100); err != nil {
			t.Fatal(err)
		}
		if b := string(h.bodies[len(h.bodies)-1]); !strings.Contains(b, tc.want) {
			t.Errorf("%s: %s lacks %s", tc.kind, b, tc.want)
		}
	}
	if _, err := s.CustomerMedia(context.Background(), userA, "", "location", "", 0); err == nil {
		t.Error("location accepted")
	}
	if _, err := s.CustomerText(context.Background(), "U123", "", "hi"); err == nil {
		t.Error("bad user id accepted")
	}
}

func TestIDs(t *testing.T) {
	g := newIDGen(7)
	for i := 0; i < 100; i++ {
		if k := g.requestID(); !IsRetryKey(k) {
			t.Fatalf("request id %q is not a UUID", k)
		}
	}
	for _, tc := range []struct {
		s  string
		ok bool
	}{{userA, true}, {strings.ToUpper(userA), false}, {"U123", false}, {"X" + userA[1:], false}} {
		if IsUserID(tc.s) != tc.ok {
			t.Errorf("IsUserID(%q) = %v", tc.s, !tc.ok)
		}
	}
}

// TestJournalBodiesAreTheBytesSent holds the journal, which keeps a posted
// webhook's events rather than its bytes, to the bytes and headers the
// webhook URL received: every kind of event, escaping, and redeliveries.
func TestJournalBodiesAreTheBytesSent(t *testing.T) {
	s, h, clk := newFake(t, Config{Redelivery: []time.Duration{time.Minute}})
	ctx := context.Background()
	if err := s.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	h.status = 500 // the text's first try fails and is redelivered
	text(t, s, userA, "Jörg / 100% <ok> & \"q\" 😀\n\u0001")
	h.status = 200
	for _, kind := range []string{"image", "video", "audio", "file", "sticker"} {
		if _, err := s.CustomerMedia(ctx, userA, "Ann", kind, "jpeg", 2138); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CustomerUnfollow(ctx, userA); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CustomerFollow(ctx, userA, "Ann"); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	if n, _ := s.Flush(ctx); n != 1 {
		t.Fatalf("%d redeliveries", n)
	}
	j := s.Journal()
	if len(j.Webhooks) != len(h.bodies) || len(h.bodies) != 10 {
		t.Fatalf("%d webhook tries journaled, %d received: the test no longer covers what it should", len(j.Webhooks), len(h.bodies))
	}
	for i, w := range j.Webhooks {
		if !bytes.Equal(w.Body, h.bodies[i]) {
			t.Errorf("try %d (%s, try %d): journal body\n%s\nwebhook URL got\n%s", i, w.Kind, w.Try, w.Body, h.bodies[i])
		}
		if got := http.Header(w.Header); got.Get(SignatureHeader) != h.sigs[i] || got.Get("User-Agent") != h.agents[i] ||
			got.Get("Content-Type") != "application/json; charset=utf-8" || len(got) != 3 {
			t.Errorf("try %d: journal header %v, sent signature %s", i, got, h.sigs[i])
		}
	}
	if !strings.Contains(string(j.Webhooks[len(j.Webhooks)-1].Body), `"isRedelivery":true`) {
		t.Error("the redelivery's journal body is not marked as one")
	}
}

// TestDirectJournalsNoBytes: on the Direct path no bytes are sent, and the
// journal has none.
func TestDirectJournalsNoBytes(t *testing.T) {
	s, _, _ := newFake(t, Config{Direct: func(context.Context, string, []Event) int { return 200 }})
	text(t, s, userA, "hello")
	j := s.Journal()
	if len(j.Webhooks) != 1 || j.Webhooks[0].Body != nil || j.Webhooks[0].Header != nil || j.Webhooks[0].Status != 200 {
		t.Fatalf("journal %+v", j.Webhooks)
	}
}
