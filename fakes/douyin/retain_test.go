package douyin

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// retainFake is a fake on the direct path at clk's time that keeps the
// deliveries of the customer "kept" only and forgets others after
// forgetAfter (0: never).
func retainFake(clk *clock, forgetAfter time.Duration) *Server {
	return New(Config{Clock: clk.Now, Seed: 1,
		Deliver:        func(context.Context, *Push) (int, []byte, error) { return 200, nil, nil },
		KeepDeliveries: func(id string) bool { return id == "kept" },
		ForgetAfter:    forgetAfter})
}

// replyAnswer sends a text reply to the customer's latest message, with
// the conversation Latest names or conv when set, and says what came back.
func replyAnswer(s *Server, to, conv string) string {
	c, msg, _ := s.Latest(to)
	if conv != "" {
		c = conv
	}
	id, e := s.Send(SendRequest{OpenID: DefaultAccountOpenID, MsgID: msg, ConversationID: c, ToUserID: to,
		Scene: "im_reply_msg", MsgType: "text", Text: "hello"})
	if e != nil {
		return fmt.Sprintf("%d %s", e.Code, e.Description)
	}
	return "ok " + id
}

// TestForgottenCustomerReturns plays the same traffic on a fake that
// forgets and one that does not: a customer forgotten after the reply
// window who writes again gets the same answers as one never forgotten.
func TestForgottenCustomerReturns(t *testing.T) {
	ctx := context.Background()
	ca, cb := &clock{t: start}, &clock{t: start}
	a, b := retainFake(ca, time.Hour), retainFake(cb, 0)
	wait := func(d time.Duration) { ca.Add(d); cb.Add(d) }
	write := func(openID string) {
		t.Helper()
		for _, s := range []*Server{a, b} {
			if _, err := s.CustomerText(ctx, User{OpenID: openID}, "hi"); err != nil {
				t.Fatal(err)
			}
		}
	}
	step := 0
	replies := func(to string, n int, conv string) {
		t.Helper()
		for range n {
			step++
			if ga, gb := replyAnswer(a, to, conv), replyAnswer(b, to, conv); ga != gb {
				t.Errorf("step %d, reply to %s: forgetting fake answers %q, keeping fake %q", step, to, ga, gb)
			}
			ea, eb := a.CheckReply(to, "text", "x"), b.CheckReply(to, "text", "x")
			if (ea == nil) != (eb == nil) || ea != nil && *ea != *eb {
				t.Errorf("step %d, check of %s: %v and %v", step, to, ea, eb)
			}
		}
	}
	write("alice")
	write("kept")
	replies("alice", DefaultReplyLimit+1, "")
	replies("kept", 2, "")
	wait(DefaultWindow + time.Minute)
	replies("alice", 1, "") // the window has closed
	wait(time.Hour)
	write("bob") // forgets alice (not kept) on the forgetting fake
	if got := a.Customers(); got != 2 {
		t.Fatalf("forgetting fake holds %d customers, want 2 (kept and bob)", got)
	}
	if got := b.Customers(); got != 3 {
		t.Fatalf("keeping fake holds %d customers, want 3", got)
	}
	wait(time.Minute)
	write("alice")
	write("kept")
	replies("alice", DefaultReplyLimit+1, "")
	replies("alice", 1, "1234567890123456789")
	replies("kept", DefaultReplyLimit+1, "")
	replies("bob", 2, "")
	if ca, cb := a.Counts(), b.Counts(); ca != cb {
		t.Errorf("counts %+v and %+v", ca, cb)
	}
	if ds := a.Deliveries("alice"); len(ds) != 0 {
		t.Errorf("forgetting fake kept alice's deliveries: %+v", ds)
	}
	if da, db := a.Deliveries("kept"), b.Deliveries("kept"); len(da) != 2+DefaultReplyLimit || len(db) != len(da) {
		t.Errorf("kept deliveries: %d and %d, want %d", len(da), len(db), 2+DefaultReplyLimit)
	}
}

// TestCustomersBounded plays 60 days of 20 new customers a day, each
// answered: with ForgetAfter the records held stay within what the window
// allows; without, every customer stays.
func TestCustomersBounded(t *testing.T) {
	ctx := context.Background()
	const days, perDay = 60, 20
	for _, forget := range []bool{true, false} {
		clk := &clock{t: start}
		s := retainFake(clk, 0)
		if forget {
			s = retainFake(clk, time.Hour)
		}
		most := 0
		for d := range days {
			for i := range perDay {
				id := fmt.Sprintf("d%d-%d", d, i)
				if i%2 == 0 { // some only open the chat first
					if _, err := s.CustomerEnter(ctx, User{OpenID: id}); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := s.CustomerText(ctx, User{OpenID: id}, "hi"); err != nil {
					t.Fatal(err)
				}
				if r := replyAnswer(s, id, ""); r[:2] != "ok" {
					t.Fatal(r)
				}
				most = max(most, s.Customers())
				clk.Add(time.Hour)
			}
			clk.Add(4 * time.Hour)
		}
		// A record goes with the first message or entry after it is as
		// old as the window (longer than ForgetAfter).
		bound := perDay * (int(DefaultWindow/(24*time.Hour)) + 2)
		switch {
		case forget && most > bound:
			t.Errorf("with ForgetAfter: %d customers held at most, want <= %d", most, bound)
		case !forget && most != days*perDay:
			t.Errorf("without ForgetAfter: %d customers held, want all %d", most, days*perDay)
		}
		if got := s.Counts().Deliveries; got != days*perDay {
			t.Errorf("forget %v: %d deliveries counted, want %d", forget, got, days*perDay)
		}
	}
}
