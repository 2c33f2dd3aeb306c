package inbox

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func key(c string) router.CustomerKey {
	return router.CustomerKey{Channel: "whatsapp", Account: "acct", Customer: c}
}

// okSender accepts every message and numbers them.
type okSender struct {
	mu sync.Mutex
	n  int
}

func (s *okSender) Send(_ context.Context, to router.CustomerKey, _ router.Outbound) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return fmt.Sprintf("%s-m%d", to.Customer, s.n), nil
}

// world is a real engine and an inbox following it.
type world struct {
	t  testing.TB
	e  *router.Engine
	ib *Inbox
	n  int // message ids
}

// newWorld builds an engine with agents a1..aN (capacity 10, online) on
// the channels whatsapp and webshop, and an inbox on it.
func newWorld(t testing.TB, agents int, cfg Config) *world {
	t.Helper()
	var acs []router.AgentConfig
	for k := range agents {
		acs = append(acs, router.AgentConfig{ID: fmt.Sprintf("a%d", k+1), Capacity: 10})
	}
	e, err := router.New(router.Config{Retain: true,
		Agents:   acs,
		Policies: map[string]router.Policy{"whatsapp": {}, "webshop": {}},
		Seed:     1,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Handle("whatsapp", &okSender{})
	e.Handle("webshop", &okSender{})
	for k := range agents {
		if err := e.SetOnline(t0, fmt.Sprintf("a%d", k+1), true); err != nil {
			t.Fatal(err)
		}
	}
	w := &world{t: t, e: e, ib: New(cfg)}
	w.ib.Sync(e)
	return w
}

// receive delivers a customer message on whatsapp and tells the inbox.
func (w *world) receive(d time.Duration, customer, name, text string) router.ConversationID {
	return w.receiveOn(d, key(customer), name, text)
}

func (w *world) receiveOn(d time.Duration, k router.CustomerKey, name, text string) router.ConversationID {
	w.t.Helper()
	w.n++
	in := router.Inbound{Customer: k, MessageID: fmt.Sprintf("in%d", w.n), Name: name, Text: text}
	id, err := w.e.Receive(at(d), in)
	if err != nil {
		w.t.Fatal(err)
	}
	w.ib.Sync(w.e)
	w.ib.AddInbound(at(d), id, in)
	return id
}

// send sends an agent's text to the customer's open conversation.
func (w *world) send(d time.Duration, agent, customer, text string) router.ConversationID {
	return w.sendTo(d, agent, key(customer), text)
}

func (w *world) sendTo(d time.Duration, agent string, k router.CustomerKey, text string) router.ConversationID {
	w.t.Helper()
	res, err := w.e.Send(context.Background(), at(d), agent, k, router.Outbound{Kind: router.KindText, Text: text})
	if err != nil || res.Refusal != "" || res.Err != nil {
		w.t.Fatalf("send by %s to %s: %v %v %v", agent, k, err, res.Refusal, res.Err)
	}
	w.ib.Sync(w.e)
	w.ib.AddMessage(at(d), res.Conversation, FromAgent, text)
	return res.Conversation
}

// agentOf is the agent the conversation is assigned to.
func (w *world) agentOf(id router.ConversationID) string {
	w.t.Helper()
	c, ok := w.e.Conversation(id)
	if !ok {
		w.t.Fatalf("no conversation %v", id)
	}
	return c.Agent
}

func (w *world) row(id router.ConversationID) Row {
	w.t.Helper()
	r, ok := w.ib.Conversation(id)
	if !ok {
		w.t.Fatalf("inbox has no conversation %v", id)
	}
	return r
}

func ids(rs []Row) []router.ConversationID {
	out := make([]router.ConversationID, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// ev builds an event by hand.
func ev(d time.Duration, kind router.EventKind, id router.ConversationID, customer, agent string) router.Event {
	e := router.Event{At: at(d), Kind: kind, Conversation: id, Agent: agent}
	if id != 0 {
		e.Customer = key(customer)
	}
	return e
}
