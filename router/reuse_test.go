package router

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestReusedRecordSkipsItsStaleQueueEntry: a conversation abandoned in a
// queue leaves its entry there; once its customer is released, the next
// new conversation reuses its record and waits behind the ones that were
// already waiting, and the stale entry is skipped.
func TestReusedRecordSkipsItsStaleQueueEntry(t *testing.T) {
	e := newEngine(t, Config{StatusHorizon: time.Hour, Agents: agents(1, 3)})
	c1 := receive(t, e, at(0), "u1")
	receive(t, e, at(time.Second), "u2")
	if err := e.Abandon(at(2*time.Second), key("u1")); err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	old := e.convs.get(c1.ID)
	e.mu.Unlock()
	// Past the horizon u1 goes, and its records are reused by u3.
	c3 := receive(t, e, at(2*time.Hour), "u3")
	e.mu.Lock()
	reused := e.convs.get(c3.ID) == old
	e.mu.Unlock()
	if !reused {
		t.Fatal("the released conversation's record was not reused; the test shows nothing")
	}
	e.Events(nil)
	if err := e.SetOnline(at(3*time.Hour), "a1", true); err != nil {
		t.Fatal(err)
	}
	var got []ConversationID
	for _, ev := range e.Events(nil) {
		if ev.Kind == EventAssigned {
			got = append(got, ev.Conversation)
		}
	}
	if want := []ConversationID{2, c3.ID}; !slices.Equal(got, want) {
		t.Errorf("assigned %v, want %v (oldest first, each once)", got, want)
	}
	if c, _ := e.Conversation(c3.ID); c.State != Assigned || c.Customer != key("u3") {
		t.Errorf("c%d: %+v", c3.ID, c)
	}
}

// hookSender runs hook while a message is on its way, as another
// goroutine may while Send runs the sender unlocked.
type hookSender struct{ hook func() }

func (s *hookSender) Send(context.Context, CustomerKey, Outbound) (string, error) {
	if s.hook != nil {
		s.hook()
	}
	return "m1", nil
}

// TestSendOnItsWayKeepsItsConversation: while a send is on its way, its
// conversation closes and the customer opens the next one; the record of
// the closed one is not reused (here by another customer's new
// conversation) before the send is recorded against it.
func TestSendOnItsWayKeepsItsConversation(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(1, 5)}, "a1")
	s := &hookSender{}
	e.Handle("whatsapp", s)
	c1 := receive(t, e, at(0), "u1")
	var c3 Conversation
	s.hook = func() {
		if err := e.Close(at(time.Second), "a1", key("u1")); err != nil {
			t.Error(err)
		}
		receive(t, e, at(2*time.Second), "u1")
		c3 = receive(t, e, at(3*time.Second), "u2")
	}
	res, err := e.Send(context.Background(), at(time.Second), "a1", key("u1"), Outbound{Kind: KindText, Text: "hello"})
	if err != nil || res.Conversation != c1.ID || res.MessageID != "m1" {
		t.Fatalf("send: %+v, %v", res, err)
	}
	if c, _ := e.Conversation(c3.ID); c.Outbound != 0 || c.Customer != key("u2") {
		t.Errorf("u2's conversation after u1's send: %+v", c)
	}
}

// constSender gives every message the same id, as a platform that reuses
// ids would.
type constSender struct{}

func (constSender) Send(context.Context, CustomerKey, Outbound) (string, error) { return "m1", nil }

// TestMessageIDRememberedTwice: a message id sent again (to another
// customer) speaks for the later send until that one is forgotten, also
// after the earlier one expired, and across a save and restore.
func TestMessageIDRememberedTwice(t *testing.T) {
	cfg := Config{StatusHorizon: 2 * time.Hour, Agents: agents(1, 5)}
	for _, restart := range []bool{false, true} {
		e := newEngine(t, cfg, "a1")
		e.Handle("whatsapp", constSender{})
		send := func(now time.Time, c string) {
			if r, err := e.Send(context.Background(), now, "a1", key(c), Outbound{Kind: KindText, Text: "x"}); err != nil || r.MessageID != "m1" {
				t.Fatalf("send to %s: %+v %v", c, r, err)
			}
		}
		receive(t, e, at(0), "u1")
		send(at(0), "u1")
		c2 := receive(t, e, at(10*time.Minute), "u2")
		send(at(10*time.Minute), "u2")
		if err := e.Close(at(20*time.Minute), "a1", key("u2")); err != nil {
			t.Fatal(err)
		}
		c3 := receive(t, e, at(30*time.Minute), "u2")
		if restart {
			e = restarted(t, cfg, e, constSender{})
		}
		status := func(now time.Time) ConversationID {
			e.Events(nil)
			e.Status(now, key("u2"), "m1", "read", "")
			evs := e.Events(nil)
			return evs[len(evs)-1].Conversation
		}
		// The first send is past the horizon, the second is not.
		if got := status(at(2*time.Hour + 5*time.Minute)); got != c2.ID {
			t.Errorf("restart %v: status of the second send logged for %v, want %v", restart, got, c2.ID)
		}
		// Both past it: the customer's latest conversation.
		if got := status(at(2*time.Hour + 15*time.Minute)); got != c3.ID {
			t.Errorf("restart %v: status after both expired logged for %v, want %v", restart, got, c3.ID)
		}
		e.mu.Lock()
		e.indexSent()
		n, logged := e.sent.len(), e.sentLog.len()
		e.mu.Unlock()
		if n != 0 || logged != 0 {
			t.Errorf("restart %v: %d ids and %d log entries remembered after the horizon", restart, n, logged)
		}
	}
}
