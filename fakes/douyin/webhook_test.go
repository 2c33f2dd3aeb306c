package douyin

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestWebhookBytes(t *testing.T) {
	ctx := context.Background()
	s, rt, _ := newFake(t, Config{})
	in, err := s.CustomerText(ctx, User{OpenID: alice, NickName: "张\"三", EntryPage: "pages/poi/detail", Region: "hangzhou", POIID: "7012345"}, "你好\n<b>&")
	if err != nil || in.Status != 200 || in.Tries != 1 {
		t.Fatalf("CustomerText = %+v, %v", in, err)
	}
	req, body := rt.got[0], rt.bodies[0]
	conv, msg, _ := s.Latest(alice)
	if in.ID != msg {
		t.Errorf("Inbound.ID %q, want the server_message_id %q", in.ID, msg)
	}
	inner := `{"conversation_short_id":"` + conv + `","server_message_id":"` + msg + `","conversation_type":1,"create_time":` +
		"1772416800000" + `,"message_type":"text","text":"你好\n<b>&","source":"","user_infos":[{"open_id":"` + alice +
		`","nick_name":"张\"三","avatar":""}],"entry_page":"pages/poi/detail","region":"hangzhou","poi_id":"7012345"}`
	quoted, _ := json.Marshal(inner)
	// encoding/json escapes <, > and &; Douyin's bytes here do not.
	q := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(quoted))
	journal := s.Journal().Webhooks[0]
	want := `{"event":"im_receive_msg","client_key":"awq3x8kd2m7v5npz","from_user_id":"` + alice + `","to_user_id":"` +
		DefaultAccountOpenID + `","content":` + q + `,"log_id":"` + strings.TrimSuffix(strings.Split(string(body), `"log_id":"`)[1], `"}`) + `"}`
	if string(body) != want {
		t.Fatalf("body\n%s\nwant\n%s", body, want)
	}
	if lid := strings.Split(string(body), `"log_id":"`)[1]; !strings.HasPrefix(lid, "20260302100000") || len(lid) != 14+18+2 {
		t.Errorf("log_id %q", lid)
	}
	sum := sha1.Sum(append([]byte(DefaultClientSecret), body...))
	if got := req.Header.Get("X-Douyin-Signature"); got != hex.EncodeToString(sum[:]) {
		t.Errorf("X-Douyin-Signature %q", got)
	}
	if req.Header.Get("Msg-Id") != in.MsgID || len(in.MsgID) != 19 || req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v, Msg-Id %q", req.Header, in.MsgID)
	}
	if string(journal.Body) != string(body) || journal.Status != 200 || journal.Try != 1 || journal.Event != EventReceive {
		t.Errorf("journal %+v", journal)
	}
}

func TestMediaAndEnter(t *testing.T) {
	ctx := context.Background()
	s, rt, _ := newFake(t, Config{})
	if _, err := s.CustomerEnter(ctx, User{OpenID: alice, Region: "ningbo"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CustomerMedia(ctx, User{OpenID: alice}, "image", "jpeg", 2048); err != nil {
		t.Fatal(err)
	}
	enter, media := string(rt.bodies[0]), string(rt.bodies[1])
	if !strings.Contains(enter, `"event":"im_enter_direct_msg"`) || strings.Contains(enter, "server_message_id") || !strings.Contains(enter, `\"region\":\"ningbo\"`) {
		t.Errorf("enter body %s", enter)
	}
	if !strings.Contains(media, `\"message_type\":\"image\",\"resource_type\":\"jpeg\",\"resource_size\":2048`) || strings.Contains(media, "url") {
		t.Errorf("media body %s", media)
	}
	for _, bad := range []func() error{
		func() error { _, err := s.CustomerText(ctx, User{OpenID: "has space"}, "x"); return err },
		func() error { _, err := s.CustomerText(ctx, User{OpenID: alice}, ""); return err },
		func() error { _, err := s.CustomerMedia(ctx, User{OpenID: alice}, "audio", "mp3", 1); return err },
		func() error { _, err := s.CustomerMedia(ctx, User{OpenID: alice}, "image", "png", -1); return err },
		func() error { _, err := s.CustomerEnter(ctx, User{}); return err },
	} {
		if bad() == nil {
			t.Error("bad input accepted")
		}
	}
	if len(rt.got) != 2 {
		t.Errorf("bad input sent %d webhooks", len(rt.got)-2)
	}
}

func TestVerify(t *testing.T) {
	s, rt, _ := newFake(t, Config{})
	if err := s.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	body := string(rt.bodies[0])
	if !strings.HasPrefix(body, `{"event":"verify_webhook","client_key":"awq3x8kd2m7v5npz","content":{"challenge":`) {
		t.Errorf("body %s", body)
	}
	if rt.got[0].Header.Get("X-Douyin-Signature") != Signature(DefaultClientSecret, rt.bodies[0]) {
		t.Error("verify_webhook is not signed")
	}
	// A router that answers anything but the challenge fails the handshake.
	for _, answer := range []string{"", `{"challenge":1}`, `{"challenge":12,"x":1}`, "success"} {
		s2, _, _ := newFake(t, Config{})
		s2.cfg.WebhookURL = serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(answer)) }))
		if err := s2.Verify(context.Background()); err == nil || !strings.Contains(err.Error(), "want") {
			t.Errorf("answer %q: %v", answer, err)
		}
	}
	if !challengeEqual(`{"challenge":"42"}`, 42) || !challengeEqual(` {"challenge":42}`, 42) || challengeEqual(`{"challenge":42}x`, 42) {
		t.Error("challengeEqual")
	}
}

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// Douyin's schedule: a failed try is retried 5 s later, 3 times; a
// webhook whose answers are lost is retried, and every accepted one can be
// repeated, all with one Msg-Id.
func TestRetriesAndRepeats(t *testing.T) {
	ctx := context.Background()
	t.Run("failing router", func(t *testing.T) {
		s, rt, clk := newFake(t, Config{})
		rt.status = 500
		in, err := s.CustomerText(ctx, User{OpenID: alice}, "x")
		if err != nil || in.Status != 500 || in.Tries != 1 {
			t.Fatalf("first try %+v, %v", in, err)
		}
		var dues []time.Duration
		for {
			due, ok := s.NextDeadline()
			if !ok {
				break
			}
			dues = append(dues, due.Sub(start))
			clk.t = due
			err = s.Flush(ctx)
		}
		if len(dues) != 3 || dues[0] != 5*time.Second || dues[2] != 15*time.Second {
			t.Errorf("retries due at %v", dues)
		}
		if err == nil || !strings.Contains(err.Error(), "gave up after try 4") {
			t.Errorf("last Flush: %v", err)
		}
		for _, r := range rt.got {
			if r.Header.Get("Msg-Id") != in.MsgID {
				t.Errorf("Msg-Id %q, want %q", r.Header.Get("Msg-Id"), in.MsgID)
			}
		}
		if len(rt.got) != 4 || s.Counts().Webhooks != 4 {
			t.Errorf("%d tries", len(rt.got))
		}
	})
	t.Run("lost answers and repeats", func(t *testing.T) {
		s, rt, clk := newFake(t, Config{LostAnswers: 2, Repeats: 2, WebhookTimeout: 5 * time.Second})
		in, err := s.CustomerText(ctx, User{OpenID: alice}, "x")
		if err != nil || in.Status != 200 {
			t.Fatalf("first try %+v, %v", in, err)
		}
		for {
			due, ok := s.NextDeadline()
			if !ok {
				break
			}
			clk.t = due
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
		j := s.Journal().Webhooks
		var kinds []string
		for _, w := range j {
			k := "ok"
			switch {
			case w.Repeat:
				k = "repeat"
			case w.Err != "":
				k = "lost"
			}
			kinds = append(kinds, k)
		}
		if got := strings.Join(kinds, " "); got != "lost lost ok repeat repeat" {
			t.Errorf("tries %s", got)
		}
		if len(rt.got) != 5 || j[4].At.Sub(start) != 20*time.Second {
			t.Errorf("%d calls, the last at %v", len(rt.got), j[4].At.Sub(start))
		}
	})
	t.Run("no URL", func(t *testing.T) {
		s := New(Config{WebhookRetries: -1})
		if _, err := s.CustomerText(ctx, User{OpenID: alice}, "x"); err == nil {
			t.Error("no error without a URL")
		}
	})
}

// The direct path hands the same values to Deliver, with no bytes.
func TestDeliverByValue(t *testing.T) {
	ctx := context.Background()
	var got []*Push
	s := New(Config{Clock: func() time.Time { return start }, Repeats: 1,
		Deliver: func(_ context.Context, p *Push) (int, []byte, error) {
			got = append(got, p)
			if p.Event == EventVerify {
				return 200, fmt.Appendf(nil, `{"challenge":%d}`, p.Challenge), nil
			}
			return 200, nil, nil
		}})
	if err := s.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	in, err := s.CustomerText(ctx, User{OpenID: alice, Region: "hz"}, "你好")
	if err != nil || in.Status != 200 {
		t.Fatal(in, err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d pushes before the repeat is due", len(got))
	}
	p := got[1]
	if p.Event != EventReceive || p.Content.Text != "你好" || p.Content.Region != "hz" || p.Content.ServerMessageID != in.ID || p.MsgID != in.MsgID {
		t.Errorf("push %+v", p)
	}
	if w := s.Journal().Webhooks[1]; w.Body != nil || w.URL != "" {
		t.Errorf("direct journal entry %+v", w)
	}
}

// With SendEvents every delivered reply comes back as im_send_msg, queued
// for Flush.
func TestSendEvents(t *testing.T) {
	ctx := context.Background()
	s, rt, _ := newFake(t, Config{SendEvents: true})
	tok := token(t, s)
	s.CustomerText(ctx, User{OpenID: alice}, "你好")
	if _, v := call(t, s, sendPath(), tok, reply(s, alice, "hi")); errorCode(v) != 0 {
		t.Fatal(v)
	}
	if due, ok := s.NextDeadline(); !ok || !due.Equal(start) {
		t.Fatalf("next deadline %v %v", due, ok)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	body := string(rt.bodies[1])
	for _, want := range []string{`"event":"im_send_msg"`, `"from_user_id":"` + DefaultAccountOpenID + `"`, `"to_user_id":"` + alice + `"`,
		`\"source\":\"` + DefaultClientKey + `\"`, `\"text\":\"hi\"`} {
		if !strings.Contains(body, want) {
			t.Errorf("no %s in %s", want, body)
		}
	}
	if w := s.Journal().Webhooks[1]; w.OpenID != alice || w.Event != EventSend {
		t.Errorf("journal %+v", w)
	}
}

// The journal keeps each try's exact bytes and the headers it was sent
// with (it encodes them again from the event): verify_webhook, a message,
// an entry, and the retries of a refused webhook.
func TestJournalBodiesAreTheBytesSent(t *testing.T) {
	ctx := context.Background()
	s, rt, clk := newFake(t, Config{})
	if err := s.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	s.CustomerText(ctx, User{OpenID: alice, NickName: "张\"三", EntryPage: "pages/poi/detail"}, "你好\n<b>&")
	s.CustomerEnter(ctx, User{OpenID: alice, Region: "ningbo"})
	rt.status = 500
	s.CustomerText(ctx, User{OpenID: alice}, "again")
	for i := 0; i < 2; i++ {
		due, _ := s.NextDeadline()
		clk.t = due
		s.Flush(ctx)
	}
	j := s.Journal().Webhooks
	if len(j) != 6 || len(rt.bodies) != 6 {
		t.Fatalf("%d webhooks journaled, %d received", len(j), len(rt.bodies))
	}
	for i, w := range j {
		if string(w.Body) != string(rt.bodies[i]) {
			t.Errorf("webhook %d: journal body\n%s\nsent\n%s", i, w.Body, rt.bodies[i])
		}
		if len(w.Header) != 3 {
			t.Errorf("webhook %d: header %v", i, w.Header)
		}
		for k, v := range w.Header {
			if got := rt.got[i].Header.Values(k); strings.Join(got, "|") != strings.Join(v, "|") {
				t.Errorf("webhook %d: header %s journaled %q, sent %q", i, k, v, got)
			}
		}
	}
}

// The strings a send body decodes into are its own: decoding the next
// bodies with the pooled scanner leaves them as they were.
func TestFastSendStringsOutliveTheScanner(t *testing.T) {
	body := func(i int) []byte {
		return []byte(fmt.Sprintf(`{"msg_id":"@m%d","conversation_id":"%d","to_user_id":"_000a%d","scene":"im_reply_msg","content":{"msg_type":"text","text":{"text":"h\u00e9llo %d"}}}`, i, i, i, i))
	}
	var first, want SendRequest
	if !fastSend(body(0), &first) || !decodeReference(body(0), &want) || first != want {
		t.Fatalf("fast %+v\nreference %+v", first, want)
	}
	for i := 1; i < 200; i++ {
		var req SendRequest
		if !fastSend(body(i), &req) {
			t.Fatalf("fastSend refused body %d", i)
		}
	}
	if first != want {
		t.Errorf("after more bodies the first is %+v, want %+v", first, want)
	}
}

// A wrong answer to verify_webhook is journaled on the handshake's own
// try, even while customers' webhooks are journaled at the same time (a
// complaint written on the journal's newest entry after the try lands on
// a customer's webhook in most runs).
func TestVerifyComplaintOnItsOwnTry(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newFake(t, Config{})
	s.cfg.WebhookURL = serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if strings.Contains(string(b), EventVerify) {
			w.Write([]byte(`{"challenge":-1}`))
		}
	}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 2000; i++ {
			if err := s.Verify(ctx); err == nil {
				t.Error("a wrong challenge passed")
			}
		}
	}()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			if _, err := s.CustomerText(ctx, User{OpenID: alice}, "在吗"); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, w := range s.Journal().Webhooks {
		if (w.Event == EventVerify) != strings.HasPrefix(w.Err, `answer "{\"challenge\":-1}" is not {"challenge":`) {
			t.Fatalf("%s try journaled with %q", w.Event, w.Err)
		}
	}
}

// Both paths judge the router's answer to verify_webhook the same way: the
// direct path (Deliver) refuses what HTTP refuses, with the same error and
// the same journaled complaint.
func TestVerifyAnswerJudgedOnBothPaths(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		status int
		answer string // %d: the challenge
		err    string // "" for none; else what the error says
		note   string // what the journal's Err says; "" for none
	}{
		{"the challenge", 200, `{"challenge":%d}`, "", ""},
		{"the challenge as a string", 200, `{"challenge":"%d"}`, "", ""},
		{"another number", 200, `{"challenge":-1}`, `the router answered "{\"challenge\":-1}", want {"challenge":`,
			`answer "{\"challenge\":-1}" is not {"challenge":`},
		{"an extra member", 200, `{"challenge":%d,"x":1}`, `want {"challenge":`, `is not {"challenge":`},
		{"nothing", 200, ``, `the router answered "", want {"challenge":`, `answer "" is not {"challenge":`},
		{"HTTP 500", 500, `{"challenge":%d}`, "the router answered HTTP 500", ""},
	} {
		answer := func(p *Push) []byte {
			if strings.Contains(tc.answer, "%d") {
				return fmt.Appendf(nil, tc.answer, p.Challenge)
			}
			return []byte(tc.answer)
		}
		for _, network := range []string{"http", "direct"} {
			t.Run(tc.name+"/"+network, func(t *testing.T) {
				cfg := Config{Clock: func() time.Time { return start }, Seed: 1}
				if network == "direct" {
					cfg.Deliver = func(_ context.Context, p *Push) (int, []byte, error) { return tc.status, answer(p), nil }
				} else {
					cfg.WebhookURL = serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						var v struct{ Content struct{ Challenge int64 } }
						b, _ := io.ReadAll(r.Body)
						json.Unmarshal(b, &v)
						w.WriteHeader(tc.status)
						w.Write(answer(&Push{Challenge: v.Content.Challenge}))
					}))
				}
				s := New(cfg)
				err := s.Verify(ctx)
				if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
					t.Errorf("Verify: %v, want %q", err, tc.err)
				}
				whs := s.Journal().Webhooks
				if len(whs) != 1 || !strings.Contains(whs[0].Err, tc.note) || (tc.note == "") != (whs[0].Err == "") {
					t.Errorf("journal %+v, want Err with %q", whs, tc.note)
				}
			})
		}
	}
}
