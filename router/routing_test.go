package router

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestStoreSplit(t *testing.T) {
	cfg := Config{
		Split:  SplitStore,
		Groups: []GroupConfig{{Name: "west-lake", Priority: 1, Stores: []string{"s1"}}, {Name: "empty", Priority: 2, Stores: []string{"s3"}}},
		Agents: []AgentConfig{
			{ID: "hq", Capacity: 5},
			{ID: "s1a", Capacity: 5, Store: "s1", Groups: []string{"west-lake"}},
			{ID: "s2a", Capacity: 5, Store: "s2"},
		},
	}
	tests := []struct {
		name      string
		store     string
		wantGroup string
		wantAgent string
	}{
		{"a store's group takes its customers", "s1", "west-lake", "s1a"},
		{"a store no group lists gets its agents' implicit group", "s2", StoreGroup("s2"), "s2a"},
		{"no location permission: headquarters", "", DefaultGroup, "hq"},
		{"a store without agents: headquarters", "s4", DefaultGroup, "hq"},
		{"a store whose group has no agents: headquarters", "s3", DefaultGroup, "hq"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, cfg, "hq", "s1a", "s2a")
			e.SetProfile(key("u"), Profile{Store: tt.store})
			if c := receive(t, e, t0, "u"); c.Group != tt.wantGroup || c.Agent != tt.wantAgent {
				t.Errorf("went to %s/%s, want %s/%s", c.Group, c.Agent, tt.wantGroup, tt.wantAgent)
			}
		})
	}
	// Store agents are not in the headquarters group: with hq full, a
	// customer without a store waits.
	e := newEngine(t, Config{Split: SplitStore, Agents: []AgentConfig{{ID: "hq", Capacity: 1}, {ID: "s1a", Capacity: 5, Store: "s1"}}}, "hq", "s1a")
	receive(t, e, t0, "u1")
	if c := receive(t, e, t0, "u2"); c.State != Waiting {
		t.Errorf("second headquarters chat went to %q; store agents must not take it", c.Agent)
	}
	// A store's agent may only join its own store's groups.
	if _, err := New(Config{Split: SplitStore, Groups: []GroupConfig{{Name: "g", Stores: []string{"s1", "s2"}}},
		Agents: []AgentConfig{{ID: "a", Capacity: 1, Store: "s1", Groups: []string{"g"}}}}); err == nil || !strings.Contains(err.Error(), "s1") {
		t.Errorf("store agent in a two-store group: err %v", err)
	}
}

func TestOverflow(t *testing.T) {
	// hz has one agent, g, offline; d is in the default group.
	base := Config{
		Split:  SplitRegion,
		Groups: []GroupConfig{{Name: "hz", Priority: 1, Regions: []string{"hangzhou"}}},
		Agents: []AgentConfig{{ID: "g", Capacity: 1, Groups: []string{"hz"}, NoReception: true}, {ID: "d", Capacity: 1}},
	}
	tests := []struct {
		name     string
		overflow Overflow
		after    time.Duration
		online   []string
		advance  time.Duration
		want     State
		wantIn   string
		wantWith string
	}{
		{"wait", OverflowNone, 0, []string{"d"}, time.Hour, Waiting, "hz", ""},
		{"at once", OverflowDefault, 0, []string{"d"}, 0, Assigned, DefaultGroup, "d"},
		{"after a stated wait: not yet", OverflowDefault, 2 * time.Minute, []string{"d"}, 2*time.Minute - 1, Waiting, "hz", ""},
		{"after a stated wait", OverflowDefault, 2 * time.Minute, []string{"d"}, 2 * time.Minute, Assigned, DefaultGroup, "d"},
		{"after a stated wait, nobody in the default group either", OverflowDefault, 2 * time.Minute, nil, time.Hour, Waiting, DefaultGroup, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			cfg.Overflow, cfg.OverflowAfter = tt.overflow, tt.after
			e := newEngine(t, cfg, tt.online...)
			e.SetProfile(key("u"), Profile{Region: "hangzhou"})
			receive(t, e, t0, "u")
			e.Advance(at(tt.advance))
			c, _, _ := e.Latest(key("u"))
			if c.State != tt.want || c.Group != tt.wantIn || c.Agent != tt.wantWith {
				t.Errorf("%s in %s with %q; want %s in %s with %q", c.State, c.Group, c.Agent, tt.want, tt.wantIn, tt.wantWith)
			}
		})
	}
	// The overflow deadline is the conversation's own and is dropped when
	// its group's agent takes it first.
	cfg := base
	cfg.Overflow, cfg.OverflowAfter = OverflowDefault, 5*time.Minute
	e := newEngine(t, cfg, "d")
	e.SetProfile(key("u"), Profile{Region: "hangzhou"})
	receive(t, e, t0, "u")
	if next, ok := e.NextDeadline(); !ok || !next.Equal(at(5*time.Minute)) {
		t.Fatalf("next deadline +%v, want +5m", next.Sub(t0))
	}
	e.SetOnline(at(time.Minute), "g", true)
	if _, ok := e.NextDeadline(); ok {
		t.Error("an overflow deadline is left after the group's agent took the chat")
	}
	e.Advance(at(time.Hour))
	if c, _, _ := e.Latest(key("u")); c.Agent != "g" || c.Group != "hz" {
		t.Errorf("with %s in %s, want g in hz", c.Agent, c.Group)
	}
	if _, err := New(Config{OverflowAfter: time.Minute}); err == nil {
		t.Error("OverflowAfter without overflow: no error")
	}
}

func send(t *testing.T, e *Engine, now time.Time, agent, customer string) {
	t.Helper()
	if r, err := e.Send(context.Background(), now, agent, key(customer), Outbound{Kind: KindText, Text: "hello"}); err != nil || r.Refusal != "" {
		t.Fatalf("send: %v %v", r.Refusal, err)
	}
}

func TestReassignment(t *testing.T) {
	tests := []struct {
		name      string
		online    []string
		reply     bool // the first agent answers in time
		wantAgent string
		wantState State
	}{
		{"unanswered: to another agent, without the first", []string{"a1", "a2"}, false, "a2", Assigned},
		{"answered in time: stays", []string{"a1", "a2"}, true, "a1", Assigned},
		{"nobody else: waits, never back to the first", []string{"a1"}, false, "a1", Waiting},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, Config{ReassignAfter: 3 * time.Minute, Agents: agents(2, 5)}, tt.online...)
			if c := receive(t, e, t0, "u"); c.Agent != "a1" {
				t.Fatalf("first assignment to %s", c.Agent)
			}
			if tt.reply {
				send(t, e, at(time.Minute), "a1", "u")
			}
			e.Advance(at(5 * time.Minute)) // before the second agent's own limit
			c, _, _ := e.Latest(key("u"))
			if c.Agent != tt.wantAgent || c.State != tt.wantState {
				t.Errorf("with %s (%s), want %s (%s)", c.Agent, c.State, tt.wantAgent, tt.wantState)
			}
			var re []Event
			for _, ev := range e.Events(nil) {
				if ev.Kind == EventReassigned {
					re = append(re, ev)
				}
			}
			if tt.reply != (len(re) == 0) || len(re) > 1 {
				t.Fatalf("reassigned events %v", re)
			}
			if !tt.reply {
				if re[0].Agent != "a1" || !re[0].At.Equal(at(3*time.Minute)) || !slices.Equal(c.Excluded, []string{"a1"}) {
					t.Errorf("event %+v, excluded %v", re[0], c.Excluded)
				}
				if s, _ := e.Agent(at(10*time.Minute), "a1"); s.Active != 0 {
					t.Errorf("a1 still counts %d active", s.Active)
				}
			}
		})
	}
}

func TestTransfer(t *testing.T) {
	cfg := Config{
		Groups: []GroupConfig{{Name: "vip"}, {Name: "full"}},
		Agents: []AgentConfig{
			{ID: "a", Capacity: 5},
			{ID: "v", Capacity: 5, Groups: []string{"vip"}, NoReception: true},
			{ID: "f", Capacity: 1, Groups: []string{"full"}, NoReception: true},
			{ID: "off", Capacity: 5, NoReception: true},
		},
	}
	tests := []struct {
		name      string
		group     string
		agent     string
		wantErr   bool
		wantState State
		wantAgent string
		wantGroup string
	}{
		{"to a group", "vip", "", false, Assigned, "v", "vip"},
		{"to a saturated group: waits there", "full", "", false, Waiting, "a", "full"},
		{"to an agent", "", "v", false, Assigned, "v", DefaultGroup},
		{"to an agent at capacity: refused", "", "f", true, Assigned, "a", DefaultGroup},
		{"to an offline agent: refused", "", "off", true, Assigned, "a", DefaultGroup},
		{"to an unknown group", "nope", "", true, Assigned, "a", DefaultGroup},
		{"nowhere", "", "", true, Assigned, "a", DefaultGroup},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, cfg, "a", "v", "f")
			e.SetProfile(key("busy"), Profile{})
			// f's only slot is taken.
			if err := e.SetOnline(t0, "a", false); err != nil {
				t.Fatal(err)
			}
			receive(t, e, t0, "busy") // waits: nobody in default
			if err := e.Take(t0, "f", key("busy")); err != nil {
				t.Fatal(err)
			}
			e.SetOnline(t0, "a", true)
			if c := receive(t, e, t0, "u"); c.Agent != "a" {
				t.Fatalf("u went to %s", c.Agent)
			}
			err := e.Transfer(at(time.Minute), "a", key("u"), tt.group, tt.agent)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			c, _, _ := e.Latest(key("u"))
			if c.State != tt.wantState || c.Agent != tt.wantAgent || c.Group != tt.wantGroup {
				t.Errorf("%s with %s in %s; want %s with %s in %s", c.State, c.Agent, c.Group, tt.wantState, tt.wantAgent, tt.wantGroup)
			}
			if s, _ := e.Agent(at(time.Minute), "a"); (s.Active == 0) == tt.wantErr {
				t.Errorf("a has %d active after the transfer (err %v)", s.Active, err)
			}
		})
	}
	e := newEngine(t, cfg, "a", "v")
	receive(t, e, t0, "u")
	if err := e.Transfer(t0, "v", key("u"), "vip", ""); err == nil {
		t.Error("a transfer by an agent the chat is not assigned to: no error")
	}
}

func TestManualAssignmentAndTake(t *testing.T) {
	cfg := Config{
		Policies: map[string]Policy{"web": {ManualAssignment: true}},
		Agents:   []AgentConfig{{ID: "a", Capacity: 1}, {ID: "b", Capacity: 1}},
	}
	e := newEngine(t, cfg, "a", "b")
	web := CustomerKey{Channel: "web", Account: "shop", Customer: "w"}
	id, err := e.Receive(t0, Inbound{Customer: web, Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := e.Conversation(id); c.State != Waiting || !c.Inbox || c.Agent != "" {
		t.Fatalf("web chat: %s inbox=%v agent=%q; want waiting in the inbox", c.State, c.Inbox, c.Agent)
	}
	// Social messages are still auto-assigned; closes do not drain the inbox.
	if c := receive(t, e, t0, "social"); c.Agent != "a" {
		t.Fatalf("whatsapp chat went to %q, want a", c.Agent)
	}
	e.Close(at(time.Minute), "a", key("social"))
	if c, _ := e.Conversation(id); c.State != Waiting {
		t.Fatalf("the inbox was drained: %s", c.State)
	}
	tests := []struct {
		agent   string
		wantErr bool
	}{{"ghost", true}, {"b", false}, {"a", true}}
	for _, tt := range tests {
		if err := e.Take(at(2*time.Minute), tt.agent, web); (err != nil) != tt.wantErr {
			t.Errorf("take by %s: err %v, want error %v", tt.agent, err, tt.wantErr)
		}
	}
	c, _ := e.Conversation(id)
	if c.State != Assigned || c.Agent != "b" || c.Inbox {
		t.Errorf("after take: %s with %q inbox=%v", c.State, c.Agent, c.Inbox)
	}
	evs := e.Events(nil)
	last := evs[len(evs)-1]
	if last.Kind != EventAssigned || last.Detail != "take" {
		t.Errorf("last event %+v, want assigned (take)", last)
	}
}

func TestBotFirst(t *testing.T) {
	bot := &Bot{Keywords: []string{"human", "人工"}, HandoffAfter: 10 * time.Minute, IdleAfter: 30 * time.Minute}
	tests := []struct {
		name     string
		texts    []string      // customer messages, one a minute from t0
		request  time.Duration // Handoff at this offset; 0 for none
		advance  time.Duration
		want     State
		why      string // the handoff's Detail
		handedAt time.Duration
	}{
		{"stays with the bot", []string{"where is my order?"}, 0, 9 * time.Minute, WithBot, "", 0},
		{"a keyword", []string{"hello", "I want a HUMAN please"}, 0, 2 * time.Minute, Assigned, "keyword", time.Minute},
		{"a keyword in Chinese", []string{"转人工"}, 0, 0, Assigned, "keyword", 0},
		{"a request", []string{"hello"}, 3 * time.Minute, 4 * time.Minute, Assigned, "request", 3 * time.Minute},
		{"the timeout", []string{"hello"}, 0, 10 * time.Minute, Assigned, "timeout", 10 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, Config{Bot: bot, MissedAfter: 5 * time.Minute, Agents: agents(1, 1)}, "a1")
			for i, text := range tt.texts {
				if _, err := e.Receive(at(time.Duration(i)*time.Minute), Inbound{Customer: key("u"), Text: text}); err != nil {
					t.Fatal(err)
				}
			}
			if tt.request > 0 {
				if err := e.Handoff(at(tt.request), key("u")); err != nil {
					t.Fatal(err)
				}
			}
			e.Advance(at(tt.advance))
			c, _, _ := e.Latest(key("u"))
			if c.State != tt.want {
				t.Fatalf("state %s, want %s", c.State, tt.want)
			}
			var hand []Event
			for _, ev := range e.Events(nil) {
				if ev.Kind == EventHandoff {
					hand = append(hand, ev)
				}
			}
			if tt.why == "" {
				if len(hand) > 0 {
					t.Errorf("handed off: %+v", hand)
				}
				return
			}
			if len(hand) != 1 || hand[0].Detail != tt.why || !hand[0].At.Equal(at(tt.handedAt)) {
				t.Errorf("handoffs %+v, want one (%s) at +%v", hand, tt.why, tt.handedAt)
			}
			if w, _ := c.Wait(); w != tt.handedAt {
				t.Errorf("assigned after %v, want at the handoff", w)
			}
		})
	}
	// The bot's idle limit overrides the tenant's; the missed timer starts
	// at the handoff; channels without the bot keep the tenant's rules.
	e := newEngine(t, Config{Bot: &Bot{Channels: []string{"whatsapp"}, IdleAfter: 30 * time.Minute}, IdleAfter: 2 * time.Hour, MissedAfter: 5 * time.Minute, Agents: agents(1, 1)})
	receive(t, e, t0, "u")
	if next, _ := e.NextDeadline(); !next.Equal(at(30 * time.Minute)) {
		t.Errorf("next deadline +%v, want the bot's idle at +30m (no missed timer before the handoff)", next.Sub(t0))
	}
	other := CustomerKey{Channel: "line", Account: "x", Customer: "v"}
	id, _ := e.Receive(t0, Inbound{Customer: other})
	if c, _ := e.Conversation(id); c.State != Waiting {
		t.Errorf("a chat on a channel without the bot: %s", c.State)
	}
	e.Handoff(at(time.Minute), key("u"))
	e.Advance(at(6 * time.Minute))
	if c, _, _ := e.Latest(key("u")); !c.Missed || !c.MissedAt.Equal(at(6*time.Minute)) {
		t.Errorf("missed %v at +%v, want missed 5m after the handoff", c.Missed, c.MissedAt.Sub(t0))
	}
	e.Advance(at(31 * time.Minute))
	if c, _, _ := e.Latest(key("u")); c.State != Closed || c.CloseReason != ClosedMissed && c.CloseReason != ClosedIdle {
		t.Errorf("u: %s (%s)", c.State, c.CloseReason)
	}
	if c, _ := e.Conversation(id); c.State == Closed && c.CloseReason == ClosedIdle {
		t.Errorf("the line chat closed idle at the bot's limit")
	}
}

func TestWorkstreams(t *testing.T) {
	cfg := Config{
		Split: SplitRegion,
		Groups: []GroupConfig{
			{Name: "regional", Regions: []string{"north"}},
			{Name: "vip"}, {Name: "ads"}, {Name: "jp"}, {Name: "gbm-fallback"}, {Name: "named"},
		},
		Workstreams: []Workstream{
			{Name: "gbm", Channels: []string{"gbm"}, Fallback: "gbm-fallback", Rules: []Rule{
				{Name: "by name", Group: "named", Attributes: map[string]string{"name": "Google's Business Messages"}},
				{Name: "vip", Group: "vip", Attributes: map[string]string{"tier": "gold"}},
				{Name: "ads", Group: "ads", AdSources: []string{"fb-ad-1"}},
				{Name: "japanese", Group: "jp", Languages: []string{"ja"}, Regions: []string{"north"}},
				{Name: "japanese too", Group: "vip", Languages: []string{"ja"}},
			}},
		},
		Agents: []AgentConfig{{ID: "a", Capacity: 99}},
	}
	tests := []struct {
		name      string
		channel   string
		display   string
		profile   Profile
		attrs     map[string]string
		wantGroup string
		wantRule  string
	}{
		{"first match wins over later ones", "gbm", "", Profile{AdSource: "fb-ad-1"}, map[string]string{"tier": "gold"}, "vip", "gbm/vip"},
		{"the customer's name", "gbm", "Google's Business Messages", Profile{}, map[string]string{"tier": "gold"}, "named", "gbm/by name"},
		{"every field of a rule must match", "gbm", "", Profile{Language: "ja", Region: "south"}, nil, "vip", "gbm/japanese too"},
		{"all fields match", "gbm", "", Profile{Language: "ja", Region: "north"}, nil, "jp", "gbm/japanese"},
		{"no rule: the fallback", "gbm", "", Profile{Region: "north"}, nil, "gbm-fallback", "gbm/fallback"},
		{"a channel without a workstream uses the split", "whatsapp", "", Profile{Region: "north", Language: "ja"}, nil, "regional", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, cfg, "a")
			k := CustomerKey{Channel: tt.channel, Account: "x", Customer: "u"}
			e.SetProfile(k, tt.profile)
			e.SetAttributes(k, tt.attrs)
			id, err := e.Receive(t0, Inbound{Customer: k, Name: tt.display})
			if err != nil {
				t.Fatal(err)
			}
			c, _ := e.Conversation(id)
			if c.Group != tt.wantGroup {
				t.Errorf("group %s, want %s", c.Group, tt.wantGroup)
			}
			if ev := e.Events(nil)[1]; ev.Kind != EventOpened || ev.Detail != tt.wantRule {
				t.Errorf("opened event %+v, want detail %q", ev, tt.wantRule)
			}
		})
	}
	for _, bad := range []Workstream{
		{Name: "x", Rules: []Rule{{Group: "nope"}}},
		{Name: "x", Fallback: "nope"},
		{},
	} {
		if _, err := New(Config{Workstreams: []Workstream{bad}}); err == nil {
			t.Errorf("workstream %+v: no error", bad)
		}
	}
}

// The attributes a platform sends with a message join the customer's
// attributes before the conversation is classified; keys it does not
// send keep their values, and the caller's map is not written.
func TestInboundAttributes(t *testing.T) {
	cfg := Config{
		Groups: []GroupConfig{{Name: "maps"}, {Name: "gold-maps"}, {Name: "fallback"}},
		Workstreams: []Workstream{{Name: "gbm", Fallback: "fallback", Rules: []Rule{
			{Group: "gold-maps", Attributes: map[string]string{"tier": "gold", "entry_point": "MAPS"}},
			{Group: "maps", Attributes: map[string]string{"entry_point": "MAPS"}},
		}}},
		Agents:    []AgentConfig{{ID: "a", Capacity: 99}},
		IdleAfter: time.Hour,
	}
	tests := []struct {
		name      string
		set, sent map[string]string
		wantGroup string
	}{
		{"context alone", nil, map[string]string{"entry_point": "MAPS"}, "maps"},
		{"context and the scenario's attributes", map[string]string{"tier": "gold"}, map[string]string{"entry_point": "MAPS"}, "gold-maps"},
		{"other context", map[string]string{"tier": "gold"}, map[string]string{"entry_point": "PLACESHEET"}, "fallback"},
		{"no context", nil, nil, "fallback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, cfg, "a")
			k := CustomerKey{Channel: "gbm", Account: "x", Customer: "u"}
			if tt.set != nil {
				e.SetAttributes(k, tt.set)
			}
			sent := maps.Clone(tt.sent)
			id, err := e.Receive(t0, Inbound{Customer: k, Attributes: sent})
			if err != nil {
				t.Fatal(err)
			}
			if c, _ := e.Conversation(id); c.Group != tt.wantGroup {
				t.Errorf("group %s, want %s", c.Group, tt.wantGroup)
			}
			if !maps.Equal(sent, tt.sent) {
				t.Errorf("the inbound's map was written: %v", sent)
			}
		})
	}
}

// TestCloseByTheAgentThatHoldsIt: only the agent a conversation is
// assigned to closes it; one it was taken from (a transfer back to its
// group, a reassignment for not answering) is refused, and the
// conversation waits on for the next agent.
func TestCloseByTheAgentThatHoldsIt(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		taken func(e *Engine) // takes u's conversation from a
	}{
		{"transferred back to its group", Config{Agents: []AgentConfig{{ID: "a", Capacity: 1}, {ID: "b", Capacity: 1}}},
			func(e *Engine) {
				if err := e.Transfer(at(time.Minute), "a", key("u"), DefaultGroup, ""); err != nil {
					t.Fatal(err)
				}
			}},
		{"reassigned for not answering", Config{ReassignAfter: time.Minute, Agents: []AgentConfig{{ID: "a", Capacity: 1}, {ID: "b", Capacity: 1}}},
			func(e *Engine) { e.Advance(at(2 * time.Minute)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, tc.cfg, "a") // b is offline: the conversation waits
			if c := receive(t, e, at(0), "u"); c.Agent != "a" {
				t.Fatalf("assigned to %q", c.Agent)
			}
			tc.taken(e)
			if err := e.Close(at(3*time.Minute), "a", key("u")); err == nil {
				t.Error("a closed the conversation it no longer holds")
			}
			if c, _, _ := e.Latest(key("u")); c.State != Waiting {
				t.Errorf("the conversation is %s, want waiting", c.State)
			}
		})
	}
}

// TestBusyTimeWhileOnline: an agent's conversation-time counts while it is
// online only, so that its utilization (BusyTime over Capacity ×
// OnlineTime) stays within 0 and 1 when it goes offline holding
// conversations.
func TestBusyTimeWhileOnline(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(1, 2)}, "a1")
	receive(t, e, at(0), "u")
	receive(t, e, at(0), "v")
	if err := e.SetOnline(at(h), "a1", false); err != nil {
		t.Fatal(err)
	}
	check := func(when time.Duration, busy, online time.Duration) {
		t.Helper()
		st, _ := e.Agent(at(when), "a1")
		if st.BusyTime != busy || st.OnlineTime != online {
			t.Errorf("+%v: busy %v, online %v; want %v, %v", when, st.BusyTime, st.OnlineTime, busy, online)
		}
	}
	check(3*h, 2*h, h) // two conversations for the hour online
	if err := e.SetOnline(at(4*h), "a1", true); err != nil {
		t.Fatal(err)
	}
	check(5*h, 4*h, 2*h)
	if err := e.Close(at(5*h), "a1", key("u")); err != nil {
		t.Fatal(err)
	}
	check(6*h, 5*h, 3*h)

	// Presence that follows the hours alike: a shift that ends while the
	// agent holds a conversation.
	e = newEngine(t, Config{OnlineByHours: true, Schedules: []Schedule{{Name: "s", Days: every(iv(9*h, 10*h))}},
		Agents: []AgentConfig{{ID: "a1", Capacity: 1, Schedule: "s"}}})
	receive(t, e, at(0), "u")
	e.Advance(at(3 * h))
	check(3*h, h, h)
}

// TestBusyTimePastInt64: an agent of large capacity held busy for years
// passes what a Duration holds in conversation-time: BusyHours stays
// exact, BusyTime stops at its largest value, and the total kept once the
// agent goes offline survives a Save and Restore whole.
func TestBusyTimePastInt64(t *testing.T) {
	const n = 400
	e := newEngine(t, Config{Agents: agents(1, n)}, "a1")
	for i := 0; i < n; i++ {
		receive(t, e, at(0), fmt.Sprintf("u%d", i))
	}
	later := 3 * 365 * 24 * h // 400 conversations for 3 years: 1,200 years of conversation-time
	want := float64(n) * later.Hours()
	st, _ := e.Agent(at(later), "a1")
	if st.BusyHours != want || st.BusyTime != math.MaxInt64 {
		t.Errorf("busy %v h (%v), want %v h (the largest Duration)", st.BusyHours, st.BusyTime, want)
	}
	if u := st.BusyHours / (float64(st.Capacity) * st.OnlineTime.Hours()); u != 1 {
		t.Errorf("utilization %v, want 1", u)
	}
	// Going offline ends the busy span: its 128-bit sum is now the kept
	// total, which the snapshot carries (busy_total_hi).
	if err := e.SetOnline(at(later), "a1", false); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.Agent(at(later+h), "a1"); st.BusyHours != want {
		t.Errorf("offline: busy %v h, want %v h", st.BusyHours, want)
	}
	snap, err := e.Save()
	if err != nil {
		t.Fatal(err)
	}
	r := newEngine(t, Config{Agents: agents(1, n)})
	if err := r.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if st, _ := r.Agent(at(later+h), "a1"); st.BusyHours != want {
		t.Errorf("restored: busy %v h, want %v h", st.BusyHours, want)
	}
}

// TestTransferToAgentOutsideHours: a transfer to a named agent outside its
// working hours is taken in a group that ignores hours when the agent is a
// member there, as routing would assign it; elsewhere it is refused and
// nothing changes.
func TestTransferToAgentOutsideHours(t *testing.T) {
	cfg := Config{
		Schedules: []Schedule{{Name: "morning", Days: every(iv(8*time.Hour, 10*time.Hour))}},
		Groups:    []GroupConfig{{Name: "night", IgnoreHours: true}, {Name: "day"}},
		Agents: []AgentConfig{
			{ID: "a", Capacity: 5},
			{ID: "owl", Capacity: 1, Schedule: "morning", Groups: []string{"night"}, NoReception: true},
			{ID: "lark", Capacity: 1, Schedule: "morning", Groups: []string{"day"}, NoReception: true},
		},
	}
	tests := []struct {
		name, group, agent string
		wantErr            bool
		wantAgent          string
	}{
		{"a member of a group that ignores hours, in it", "night", "owl", false, "owl"},
		{"the same agent in the current group", "", "owl", true, "a"},
		{"a member of a group that keeps hours", "day", "lark", true, "a"},
		{"not a member of the group that ignores hours", "night", "lark", true, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// t0 is Monday 09:00 UTC: owl and lark are in hours until 10:00.
			e := newEngine(t, cfg, "a", "owl", "lark")
			if c := receive(t, e, t0, "u"); c.Agent != "a" {
				t.Fatalf("u went to %s", c.Agent)
			}
			err := e.Transfer(at(2*time.Hour), "a", key("u"), tt.group, tt.agent)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if c, _, _ := e.Latest(key("u")); c.State != Assigned || c.Agent != tt.wantAgent {
				t.Errorf("%s with %s; want assigned to %s", c.State, c.Agent, tt.wantAgent)
			}
		})
	}
}
