package businessmessages

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/forget/forgettest"
)

// retainFake is a fake on the Direct network at c's time that keeps the
// deliveries of conversation "kept" only and forgets others after
// forgetAfter (0: never).
func retainFake(c *clock, forgetAfter time.Duration) *Server {
	return New(Config{Clock: c.now, Seed: 1, NoRetirement: true, WebhookTimeout: -1,
		Direct:         func(*UserMessage) int { return 200 },
		KeepDeliveries: func(id string) bool { return id == "kept" },
		ForgetAfter:    forgetAfter})
}

// answer is what a send got: the message's fields, or the error's status.
func answer(m Message, e *Error) string {
	if e != nil {
		return fmt.Sprintf("%d %s %s", e.HTTPStatus, e.Status, e.Message)
	}
	return fmt.Sprintf("ok %s %s %s %s", m.Conversation, m.MessageID, m.Type, m.Text)
}

func textTo(id, text string) SendRequest {
	return SendRequest{MessageID: id, Representative: &Representative{RepresentativeType: "BOT"}, Text: text}
}

// TestForgottenConversationReturns plays the same traffic on a fake that
// forgets and one that does not: a conversation forgotten after its window
// whose user writes again gets the same answers as one never forgotten,
// and the counts are the same.
func TestForgottenConversationReturns(t *testing.T) {
	ctx := context.Background()
	ca, cb := &clock{t0}, &clock{t0}
	a, b := retainFake(ca, time.Hour), retainFake(cb, 0)
	at := func(d time.Duration) { ca.t, cb.t = t0.Add(d), t0.Add(d) }
	write := func(conv string) {
		t.Helper()
		for _, s := range []*Server{a, b} {
			if _, err := s.CustomerText(ctx, conv, Context{}, "hi"); err != nil {
				t.Fatal(err)
			}
		}
	}
	step := 0
	send := func(conv string, req SendRequest) {
		t.Helper()
		step++
		ga, gb := answer(a.Accept(conv, req)), answer(b.Accept(conv, req))
		if ga != gb {
			t.Errorf("step %d, send to %s: forgetting fake answers %q, keeping fake %q", step, conv, ga, gb)
		}
		if ea, eb := answer(Message{}, a.Check(conv, req)), answer(Message{}, b.Check(conv, req)); ea != eb {
			t.Errorf("step %d, check of %s: %q and %q", step, conv, ea, eb)
		}
	}
	long := string(make([]byte, DefaultMaxTextLength+1))
	write("c1")
	write("kept")
	send("c1", textTo("m1", "one"))
	send("c1", textTo("m1", "again"))
	send("kept", textTo("k1", "one"))
	at(DefaultWindow + time.Minute)
	send("c1", textTo("m2", "window closed"))
	at(DefaultWindow + 2*time.Hour)
	write("c2") // forgets c1 (not kept) on the forgetting fake
	if got, want := a.Conversations(), 2; got != want {
		t.Fatalf("forgetting fake holds %d conversations, want %d (kept and c2)", got, want)
	}
	if got := b.Conversations(); got != 3 {
		t.Fatalf("keeping fake holds %d conversations, want 3", got)
	}
	at(DefaultWindow + 3*time.Hour)
	write("c1")
	write("kept")
	send("c1", textTo("m3", "back"))
	send("c1", textTo("m3", "back again"))
	send("c1", textTo("m4", long))
	send("c1", textTo("", "no id"))
	send("kept", textTo("k1", "reused in a kept conversation"))
	send("kept", textTo("k2", "new"))
	send("c2", textTo("m5", "other"))
	if ca, cb := a.Counts(), b.Counts(); ca != cb {
		t.Errorf("counts %+v and %+v", ca, cb)
	}
	if ds := a.Deliveries("c1"); len(ds) != 0 {
		t.Errorf("forgetting fake kept c1's deliveries: %+v", ds)
	}
	if da, db := a.Deliveries("kept"), b.Deliveries("kept"); len(da) != 2 || len(db) != 2 {
		t.Errorf("kept deliveries: %d and %d, want 2", len(da), len(db))
	}
}

// TestConversationsBounded plays 200 days of 10 new conversations a day,
// each answered: with ForgetAfter the records held stay within what the
// window and the sweep's period allow; without, every conversation stays.
func TestConversationsBounded(t *testing.T) {
	ctx := context.Background()
	const days, perDay = 200, 10
	// Before 1970 too, where Unix nanoseconds are negative: the first
	// sweep is not taken for one made at 0.
	for _, tc := range []struct {
		start  time.Time
		forget bool
	}{{t0, true}, {t0, false}, {time.Date(1900, 3, 4, 9, 0, 0, 0, time.UTC), true}} {
		forget, t0 := tc.forget, tc.start
		c := &clock{t0}
		s := retainFake(c, 0)
		if forget {
			s = retainFake(c, time.Hour)
		}
		most := 0
		for d := range days {
			for i := range perDay {
				c.t = t0.Add(time.Duration(d)*24*time.Hour + time.Duration(i)*time.Hour)
				id := fmt.Sprintf("d%d-%d", d, i)
				if _, err := s.CustomerText(ctx, id, Context{}, "hi"); err != nil {
					t.Fatal(err)
				}
				if _, e := s.Accept(id, textTo("r-"+id, "hello")); e != nil {
					t.Fatal(e)
				}
				most = max(most, s.Conversations())
			}
		}
		// A record is looked at once it is window+ForgetAfter old, and
		// the sweep comes at least every eighth of that.
		bound := perDay * (int((DefaultWindow+time.Hour)*(sweeps+1)/sweeps/(24*time.Hour)) + 2)
		switch {
		case forget && most > bound:
			t.Errorf("with ForgetAfter: %d conversations held at most, want <= %d", most, bound)
		case !forget && most != days*perDay:
			t.Errorf("without ForgetAfter: %d conversations held, want all %d", most, days*perDay)
		}
		if got := s.Counts().Deliveries; got != days*perDay {
			t.Errorf("forget %v: %d deliveries counted, want %d", forget, got, days*perDay)
		}
	}
}

// Instants more than 292 years apart, whose difference in Unix nanoseconds
// would wrap, up to the two ends of the range (1677 and 2262): what
// started then has run out now. Each check runs over each span.
func TestInstantsFarApart(t *testing.T) {
	ctx := context.Background()
	spans := forgettest.FarApart
	checks := []struct {
		name string
		run  func(t *testing.T, then, now time.Time)
	}{
		{"an access token issued then is refused", func(t *testing.T, then, now time.Time) {
			s := retainFake(&clock{then}, 0)
			s.mu.Lock()
			tok := s.issueTokenLocked(then.UnixNano())
			s.mu.Unlock()
			r := httptest.NewRequest("POST", "/v1/conversations/c1/messages", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			if err := s.authorize(r, now); err == nil {
				t.Error("authorized")
			}
		}},
		{"an access token issued then is dropped at the next issue", func(t *testing.T, then, now time.Time) {
			s := retainFake(&clock{then}, 0)
			s.mu.Lock()
			defer s.mu.Unlock()
			tok := s.issueTokenLocked(then.UnixNano())
			s.issueTokenLocked(now.UnixNano())
			if _, kept := s.tokens[tok]; kept {
				t.Error("kept")
			}
		}},
		{"a conversation whose user wrote then is closed", func(t *testing.T, then, now time.Time) {
			c := &clock{then}
			s := retainFake(c, 0)
			if _, err := s.CustomerText(ctx, "c1", Context{}, "hi"); err != nil {
				t.Fatal(err)
			}
			c.t = now
			if _, e := s.Accept("c1", textTo("m1", "hello")); e == nil || e.Status != "FAILED_PRECONDITION" {
				t.Errorf("send: %v, want FAILED_PRECONDITION", e)
			}
		}},
		{"a conversation whose user wrote then is forgotten", func(t *testing.T, then, now time.Time) {
			c := &clock{then}
			s := retainFake(c, time.Hour)
			if _, err := s.CustomerText(ctx, "c1", Context{}, "hi"); err != nil {
				t.Fatal(err)
			}
			c.t = now
			if _, err := s.CustomerText(ctx, "c2", Context{}, "hi"); err != nil {
				t.Fatal(err)
			}
			if n := s.Conversations(); n != 1 {
				t.Errorf("%d conversations held, want c2's alone", n)
			}
		}},
		{"a webhook first tried then is given up", func(t *testing.T, then, now time.Time) {
			c := &clock{then}
			s := New(Config{Clock: c.now, Seed: 1, NoRetirement: true, Direct: func(*UserMessage) int { return 500 }})
			if in, _ := s.CustomerText(ctx, "c1", Context{}, "hi"); in.Status != 500 || s.Pending() != 1 {
				t.Fatalf("first try %d, %d pending", in.Status, s.Pending())
			}
			c.t = now
			if n, _ := s.Flush(ctx); n != 1 || s.Pending() != 0 {
				t.Errorf("%d tries, %d pending, want the retry made and none queued", n, s.Pending())
			}
		}},
	}
	for _, sp := range spans {
		for _, ck := range checks {
			t.Run(sp.Name+": "+ck.name, func(t *testing.T) { ck.run(t, sp.Then, sp.Now) })
		}
	}
}
