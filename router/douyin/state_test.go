package douyin

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
)

// An adapter restored from another's state drops what that one handed on,
// replies in the conversations it knew, with its token, and counts on.
func TestStateRoundTrip(t *testing.T) {
	ctx := context.Background()
	srv := &api{}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	clk := now
	cfg := Config{ClientKey: "awkey", ClientSecret: "s3cret", AccountOpenID: "_000biz", BaseURL: hs.URL, Clock: func() time.Time { return clk }}
	rcv := &receiver{}
	old := New(cfg, rcv)
	if w := post(old, textBody, textSig, "6000000000000000001"); w.Code != 200 || len(rcv.in) != 1 {
		t.Fatalf("HTTP %d, %d received", w.Code, len(rcv.in))
	}
	if _, err := old.Send(ctx, u1, router.Outbound{Kind: router.KindText, Text: "在的"}); err != nil {
		t.Fatal(err)
	}
	state, err := old.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := old.SaveState()
	if string(state) != string(again) {
		t.Error("SaveState is not deterministic")
	}

	rcv2 := &receiver{}
	a := New(cfg, rcv2)
	if err := a.RestoreState(state); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.SaveState(); string(got) != string(state) {
		t.Errorf("restored state\n%s\nwant\n%s", got, state)
	}
	clk = clk.Add(5 * time.Second)
	// The same webhook again (Douyin's retry), and the same message under
	// another Msg-Id (a repeat that got a new header): both dropped.
	for _, id := range []string{"6000000000000000001", "6000000000000000002"} {
		if w := post(a, textBody, textSig, id); w.Code != 200 {
			t.Fatalf("HTTP %d", w.Code)
		}
	}
	if len(rcv2.in) != 0 || a.Stats().Duplicates != 2 || a.Stats().Received != 1 {
		t.Errorf("%d received after the restore, stats %+v", len(rcv2.in), a.Stats())
	}
	// A reply needs the conversation and message the old adapter saw, and
	// uses the cached token.
	if _, err := a.Send(ctx, u1, router.Outbound{Kind: router.KindText, Text: "还在吗"}); err != nil {
		t.Fatal(err)
	}
	if srv.tokens != 1 || len(srv.sends) != 2 || !strings.Contains(srv.bodies[1], `"msg_id":"@m1","conversation_id":"7000000000000000001"`) {
		t.Errorf("%d token fetches, %d sends, body %s", srv.tokens, len(srv.sends), srv.bodies[len(srv.bodies)-1])
	}
	if s := a.Stats(); s.Sent != 2 || s.TokenFetches != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestRestoreStateRefuses(t *testing.T) {
	used := newAdapter(&receiver{})
	post(used, textBody, textSig, "1")
	good, _ := used.SaveState()
	for _, tt := range []struct {
		name  string
		a     *Adapter
		state string
	}{
		{"not JSON", newAdapter(&receiver{}), "{"},
		{"another version", newAdapter(&receiver{}), `{"version":2}`},
		{"an empty key", newAdapter(&receiver{}), `{"version":1,"seen":[{"id":"","at":1}]}`},
		{"a context without a customer", newAdapter(&receiver{}), `{"version":1,"contexts":[{"open_id":""}]}`},
		{"an adapter in use", used, string(good)},
	} {
		if err := tt.a.RestoreState([]byte(tt.state)); err == nil {
			t.Errorf("%s: restored", tt.name)
		}
	}
}

// A late message (an older create_time) does not replace the newer one a
// reply names, and carries Douyin's time to the engine.
func TestLateMessage(t *testing.T) {
	rcv := &receiver{}
	a := newAdapter(rcv)
	ev := func(id string, created time.Time) *Event {
		return &Event{Event: EventReceive, MsgID: "h" + id, ClientKey: "awkey", FromUserID: "_000u1", ToUserID: "_000biz",
			Content: Content{ConversationShortID: "7", ServerMessageID: id, MessageType: "text", Text: "hi", CreateTime: created.UnixMilli()}}
	}
	a.Accept(ev("@new", now))
	a.Accept(ev("@old", now.Add(-time.Minute)))
	if rc := a.contexts["_000u1"]; rc.msgID != "@new" {
		t.Errorf("reply context names %q, want the newer message", rc.msgID)
	}
	if len(rcv.in) != 2 || !rcv.in[1].Sent.Equal(now.Add(-time.Minute)) || !rcv.in[0].Sent.Equal(now) {
		t.Errorf("inbound Sent %v", rcv.in)
	}
}
