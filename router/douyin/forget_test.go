package douyin

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
)

// TestForgetAfter: a customer's reply context is forgotten once the
// customer's last event is ForgetAfter old (looked at when an event comes,
// at most every eighth of ForgetAfter), after which a reply fails as to
// one who never wrote, until the customer writes again; the contexts held
// stay bounded over a long run.
func TestForgetAfter(t *testing.T) {
	ctx := context.Background()
	clk := now
	var got []SendRequest
	a := New(Config{ClientKey: "awkey", ClientSecret: "s3cret", AccountOpenID: "_000biz", Clock: func() time.Time { return clk },
		ForgetAfter: 49 * time.Hour,
		Post:        func(r SendRequest) (string, error) { got = append(got, r); return "@v", nil }}, &receiver{})
	n := 0
	write := func(openID string) {
		t.Helper()
		n++
		ev := Event{Event: EventReceive, MsgID: fmt.Sprintf("h%d", n), ClientKey: "awkey", FromUserID: openID, ToUserID: "_000biz",
			Content: Content{ConversationShortID: "7" + openID, ServerMessageID: fmt.Sprintf("@m%d", n), MessageType: "text",
				Text: "hi", CreateTime: clk.UnixMilli()}}
		if status, answer := a.Accept(&ev); status != 200 {
			t.Fatalf("event %d: %d %s", n, status, answer)
		}
	}
	reply := func() error {
		_, err := a.Send(ctx, u1, router.Outbound{Kind: router.KindText, Text: "yo"})
		return err
	}
	write("_000u1")
	if err := reply(); err != nil {
		t.Fatal(err)
	}
	clk = clk.Add(48 * time.Hour)
	write("_000u2") // too early to forget _000u1
	if err := reply(); err != nil {
		t.Fatalf("reply 48 h on: %v", err)
	}
	clk = clk.Add(25 * time.Hour)
	write("_000u3") // _000u1 is 73 h old
	if err := reply(); err == nil || !strings.Contains(err.Error(), "has sent no message") {
		t.Fatalf("reply to a forgotten customer: %v", err)
	}
	write("_000u1")
	if err := reply(); err != nil {
		t.Fatalf("reply after the customer wrote again: %v", err)
	}
	if last := got[len(got)-1]; last.MsgID != fmt.Sprintf("@m%d", n) || last.ConversationID != "7_000u1" {
		t.Errorf("reply names %+v", last)
	}
	most := 0
	for i := range 2000 {
		clk = clk.Add(time.Hour)
		write(fmt.Sprintf("_000c%d", i))
		a.mu.Lock()
		most = max(most, len(a.contexts))
		a.mu.Unlock()
	}
	if most > 49*(sweeps+1)/sweeps+2 {
		t.Errorf("%d contexts held at most over 2000 hours of one customer an hour", most)
	}
}

// TestForgetAfterRestart: a restore keeps the time of each customer's last
// event, from which ForgetAfter counts, not the create time of the message
// a reply names; a state without it counts from that create time.
func TestForgetAfterRestart(t *testing.T) {
	for _, tc := range []struct {
		name     string
		restart  bool
		dropSeen bool
		forgot   bool
	}{
		{"no restart", false, false, false},
		{"restart", true, false, false},
		{"restart from a state without the last event", true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t0 := now
			clk := t0
			cfg := Config{ClientKey: "awkey", ClientSecret: "s3cret", AccountOpenID: "_000biz", Clock: func() time.Time { return clk },
				ForgetAfter: 3 * time.Hour, Post: func(SendRequest) (string, error) { return "@v", nil }}
			a := New(cfg, &receiver{})
			n := 0
			accept := func(kind, openID string) {
				t.Helper()
				n++
				ev := Event{Event: kind, MsgID: fmt.Sprintf("h%d", n), ClientKey: "awkey", FromUserID: openID, ToUserID: "_000biz",
					Content: Content{ConversationShortID: "7" + openID, CreateTime: clk.UnixMilli()}}
				if kind == EventReceive {
					ev.Content.ServerMessageID, ev.Content.MessageType, ev.Content.Text = fmt.Sprintf("@m%d", n), "text", "hi"
				}
				if status, answer := a.Accept(&ev); status != 200 {
					t.Fatalf("event %d: %d %s", n, status, answer)
				}
			}
			accept(EventReceive, "_000u1")
			clk = t0.Add(2 * time.Hour)
			accept(EventEnter, "_000u1")
			clk = t0.Add(3*time.Hour + 30*time.Minute)
			if tc.restart {
				state, err := a.SaveState()
				if err != nil {
					t.Fatal(err)
				}
				if tc.dropSeen {
					state = []byte(regexp.MustCompile(`,"seen":\d+`).ReplaceAllString(string(state), ""))
				}
				a = New(cfg, &receiver{})
				if err := a.RestoreState(state); err != nil {
					t.Fatal(err)
				}
			}
			clk = t0.Add(4 * time.Hour)
			accept(EventReceive, "_000u2") // forgets the contexts 3 h old
			_, err := a.Send(context.Background(), u1, router.Outbound{Kind: router.KindText, Text: "yo"})
			if forgot := err != nil && strings.Contains(err.Error(), "has sent no message"); forgot != tc.forgot || err != nil && !forgot {
				t.Errorf("reply: %v; want forgotten %v", err, tc.forgot)
			}
		})
	}
}
