package router

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A profile that comes with a message classifies the conversation it opens:
// region, entry page and store replace the customer's (an empty store is
// no store), and language and ad source only when given.
func TestInboundProfile(t *testing.T) {
	e := newEngine(t, Config{Split: SplitStore,
		Groups: []GroupConfig{{Name: "xihu", Stores: []string{"poi-1"}}},
		Agents: []AgentConfig{{ID: "hq", Capacity: 5}, {ID: "s1", Capacity: 5, Store: "poi-1", Groups: []string{"xihu"}}}},
		"hq", "s1")
	e.SetProfile(key("u"), Profile{Language: "zh", Store: "poi-9"})
	msg := func(at time.Duration, p *Profile) Conversation {
		id, err := e.Receive(t0.Add(at), Inbound{Customer: key("u"), MessageID: at.String(), Text: "hi", Profile: p})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := e.Conversation(id)
		return c
	}
	if c := msg(0, &Profile{Store: "poi-1", Region: "hangzhou"}); c.Group != "xihu" || c.Agent != "s1" {
		t.Fatalf("with a store: %+v", c)
	}
	if err := e.Close(t0.Add(time.Minute), "s1", key("u")); err != nil {
		t.Fatal(err)
	}
	if c := msg(2*time.Minute, &Profile{}); c.Group != DefaultGroup || c.Agent != "hq" {
		t.Fatalf("without a store: %+v", c)
	}
	e.mu.Lock()
	k := key("u")
	p := *e.customers.get(&k).profileOf()
	e.mu.Unlock()
	if p != (Profile{Language: "zh"}) {
		t.Errorf("profile %+v, want the language kept and the rest replaced", p)
	}
	// Nil leaves the profile.
	e.Close(t0.Add(3*time.Minute), "hq", key("u"))
	e.SetProfile(key("u"), Profile{Store: "poi-1"})
	if c := msg(4*time.Minute, nil); c.Group != "xihu" {
		t.Fatalf("nil profile: %+v", c)
	}
}

// The bot sends through the channel's sender under its policy, to its own
// conversations only.
func TestBotSend(t *testing.T) {
	cfg := Config{Bot: &Bot{Keywords: []string{"human"}}, Agents: agents(1, 3),
		Policies: map[string]Policy{"whatsapp": {Window: time.Hour, ReplyLimit: 2}}}
	e := newEngine(t, cfg, "a1")
	ctx := context.Background()
	receive(t, e, t0, "u")
	hi := Outbound{Kind: KindText, Text: "hello, I am the bot"}
	for i, want := range []Reason{"", "", ReasonReplyLimit} {
		r, err := e.BotSend(ctx, t0, key("u"), hi)
		if err != nil || r.Refusal != want {
			t.Fatalf("bot send %d: %+v, %v; want refusal %q", i, r, err, want)
		}
	}
	var sent int
	for _, ev := range e.Events(nil) {
		if ev.Kind == EventSent && ev.Agent == BotID {
			sent++
		}
	}
	if sent != 2 {
		t.Errorf("%d sends by %s logged", sent, BotID)
	}
	// After the hand-off the bot has no say; an agent cannot use its id.
	if _, err := e.Receive(t0.Add(time.Second), Inbound{Customer: key("u"), MessageID: "h", Text: "a human please"}); err != nil {
		t.Fatal(err)
	}
	if r, _ := e.BotSend(ctx, t0.Add(time.Second), key("u"), hi); r.Refusal != ReasonNotAssigned {
		t.Errorf("after the hand-off: %+v", r)
	}
	if r, _ := e.BotSend(ctx, t0, key("nobody"), hi); r.Refusal != ReasonNotAssigned && r.Refusal != ReasonNoConversation {
		t.Errorf("to nobody: %+v", r)
	}
	if _, err := New(Config{Agents: []AgentConfig{{ID: BotID, Capacity: 1}}}); err == nil || !strings.Contains(err.Error(), "bot") {
		t.Errorf("agent %q: %v", BotID, err)
	}
	noBot := newEngine(t, Config{Agents: agents(1, 1)}, "a1")
	receive(t, noBot, t0, "u")
	if _, err := noBot.BotSend(ctx, t0, key("u"), hi); err == nil {
		t.Error("BotSend without a bot")
	}
}

// A customer without a profile reads the shared zero profile, which no
// message, ad source or SetProfile writes: each customer given one gets
// its own, and a customer without one (or given an empty one by a
// message) still reads the zero Profile.
func TestProfileOwnRecord(t *testing.T) {
	tests := []struct {
		name string
		in   Inbound
		set  *Profile
		want Profile
	}{
		{"none", Inbound{}, nil, Profile{}},
		{"message profile", Inbound{Profile: &Profile{Region: "r", Store: "s"}}, nil, Profile{Region: "r", Store: "s"}},
		{"empty message profile", Inbound{Profile: &Profile{}}, nil, Profile{}},
		{"ad source", Inbound{AdSource: "ad"}, nil, Profile{AdSource: "ad"}},
		{"set", Inbound{}, &Profile{Language: "zh"}, Profile{Language: "zh"}},
		{"set then message", Inbound{Profile: &Profile{EntryPage: "p"}}, &Profile{Language: "zh", Region: "x"}, Profile{Language: "zh", EntryPage: "p"}},
	}
	e := newEngine(t, Config{Agents: []AgentConfig{{ID: "a", Capacity: 100}}}, "a")
	for i, tt := range tests {
		k := key(tt.name)
		if tt.set != nil {
			e.SetProfile(k, *tt.set)
		}
		in := tt.in
		in.Customer, in.MessageID, in.Text = k, tt.name, "hi"
		if _, err := e.Receive(t0.Add(time.Duration(i)*time.Second), in); err != nil {
			t.Fatal(err)
		}
		if in.Profile != nil {
			in.Profile.Region = "changed after" // the engine keeps its own copy
		}
		e.mu.Lock()
		got := *e.customers.get(&k).profileOf()
		e.mu.Unlock()
		if got != tt.want {
			t.Errorf("%s: profile %+v, want %+v", tt.name, got, tt.want)
		}
		if noProfile != (Profile{}) {
			t.Fatalf("%s: the shared zero profile was written: %+v", tt.name, noProfile)
		}
	}
	e.mu.Lock()
	for _, name := range []string{"none", "empty message profile"} {
		k := key(name)
		if p := e.customers.get(&k).profileOf(); p != &noProfile {
			t.Errorf("%s: a customer without a profile has one of its own: %p", name, p)
		}
	}
	e.mu.Unlock()
}
