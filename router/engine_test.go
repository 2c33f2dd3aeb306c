package router

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func key(c string) CustomerKey { return CustomerKey{Channel: "whatsapp", Account: "acct", Customer: c} }

// okSender accepts everything and numbers the messages.
type okSender struct {
	mu   sync.Mutex
	sent []string
}

func (s *okSender) Send(_ context.Context, to CustomerKey, m Outbound) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, to.Customer+":"+m.Text)
	return fmt.Sprintf("m%d", len(s.sent)), nil
}

func newEngine(t testing.TB, cfg Config, online ...string) *Engine {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.Handle("whatsapp", &okSender{})
	for _, id := range online {
		if err := e.SetOnline(t0, id, true); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func receive(t testing.TB, e *Engine, now time.Time, customer string) Conversation {
	t.Helper()
	id, err := e.Receive(now, Inbound{Customer: key(customer), MessageID: customer + now.String(), Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	c, ok := e.Conversation(id)
	if !ok {
		t.Fatalf("conversation %v not found", id)
	}
	return c
}

func agents(n, capacity int, groups ...string) []AgentConfig {
	var out []AgentConfig
	for i := range n {
		out = append(out, AgentConfig{ID: fmt.Sprintf("a%d", i+1), Capacity: capacity, Groups: groups})
	}
	return out
}

func ids(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("a%d", i+1))
	}
	return out
}

func TestLeastLoadedSpreadsByLoad(t *testing.T) {
	tests := []struct {
		name       string
		agents     []AgentConfig
		customers  int
		wantActive map[string]int
	}{
		{"five agents share ten chats evenly", agents(5, 3), 10,
			map[string]int{"a1": 2, "a2": 2, "a3": 2, "a4": 2, "a5": 2}},
		{"saturation is active over capacity", []AgentConfig{{ID: "big", Capacity: 4}, {ID: "small", Capacity: 2}}, 3,
			map[string]int{"big": 2, "small": 1}},
		{"full agents take nothing", []AgentConfig{{ID: "a", Capacity: 1}, {ID: "b", Capacity: 1}}, 3,
			map[string]int{"a": 1, "b": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var online []string
			for _, a := range tt.agents {
				online = append(online, a.ID)
			}
			e := newEngine(t, Config{Agents: tt.agents}, online...)
			for i := range tt.customers {
				receive(t, e, at(time.Duration(i)*time.Second), fmt.Sprintf("u%d", i))
			}
			for id, want := range tt.wantActive {
				s, _ := e.Agent(at(time.Hour), id)
				if s.Active != want {
					t.Errorf("agent %s active = %d, want %d", id, s.Active, want)
				}
			}
		})
	}
}

func TestLeastLoadedTieBreaks(t *testing.T) {
	// Equal load: the agent assigned longest ago goes first, then by id.
	e := newEngine(t, Config{Agents: agents(3, 5)}, "a1", "a2", "a3")
	var got []string
	for i := range 6 {
		c := receive(t, e, at(time.Duration(i)*time.Minute), fmt.Sprintf("u%d", i))
		got = append(got, c.Agent)
	}
	if want := []string{"a1", "a2", "a3", "a1", "a2", "a3"}; !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}

func TestClassificationByRegionAndPriority(t *testing.T) {
	cfg := Config{
		Split: SplitRegion,
		Groups: []GroupConfig{
			{Name: "hz-nb", Priority: 2, Regions: []string{"hangzhou", "ningbo"}},
			{Name: "hz-wz", Priority: 1, Regions: []string{"hangzhou", "wenzhou"}},
		},
		Agents: []AgentConfig{
			{ID: "li", Capacity: 5, Groups: []string{"hz-wz"}},
			{ID: "wang", Capacity: 5, Groups: []string{"hz-nb"}},
			{ID: "both", Capacity: 5, Groups: []string{"hz-wz", "hz-nb"}, NoReception: true},
			{ID: "zhao", Capacity: 5},
		},
	}
	tests := []struct {
		region    string
		wantGroup string
		wantIn    []string
	}{
		{"hangzhou", "hz-wz", []string{"li", "both"}},
		{"wenzhou", "hz-wz", []string{"li", "both"}},
		{"ningbo", "hz-nb", []string{"wang", "both"}},
		{"shanghai", DefaultGroup, []string{"li", "wang", "zhao"}},
		{"", DefaultGroup, []string{"li", "wang", "zhao"}},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			e := newEngine(t, cfg, "li", "wang", "both", "zhao")
			e.SetProfile(key("u"), Profile{Region: tt.region})
			c := receive(t, e, t0, "u")
			if c.Group != tt.wantGroup || !slices.Contains(tt.wantIn, c.Agent) {
				t.Errorf("routed to %s/%s, want group %s and one of %v", c.Group, c.Agent, tt.wantGroup, tt.wantIn)
			}
		})
	}
}

func TestEntryPageSplit(t *testing.T) {
	cfg := Config{
		Split:  SplitEntryPage,
		Groups: []GroupConfig{{Name: "presale", Priority: 1, EntryPages: []string{"product"}}, {Name: "aftersale", Priority: 2, EntryPages: []string{"order"}}},
		Agents: []AgentConfig{{ID: "p", Capacity: 1, Groups: []string{"presale"}}, {ID: "o", Capacity: 1, Groups: []string{"aftersale"}}},
	}
	e := newEngine(t, cfg, "p", "o")
	e.SetProfile(key("u1"), Profile{EntryPage: "order", Region: "product"})
	if c := receive(t, e, t0, "u1"); c.Agent != "o" || c.Group != "aftersale" {
		t.Errorf("got %s/%s, want aftersale/o", c.Group, c.Agent)
	}
}

func TestDefinedDefaultGroupReplacesImplicit(t *testing.T) {
	cfg := Config{
		Groups: []GroupConfig{{Name: DefaultGroup}},
		Agents: []AgentConfig{{ID: "in", Capacity: 1, Groups: []string{DefaultGroup}}, {ID: "out", Capacity: 1}},
	}
	e := newEngine(t, cfg, "in", "out")
	receive(t, e, t0, "u1")
	c := receive(t, e, t0, "u2")
	if c.State != Waiting {
		t.Errorf("second chat is %s with %q; only %q is in the defined default group", c.State, c.Agent, "in")
	}
}

func TestWaitingDrainsOldestFirstGroupPriorityFirst(t *testing.T) {
	cfg := Config{
		Split: SplitRegion,
		Groups: []GroupConfig{
			{Name: "vip", Priority: 1, Regions: []string{"vip"}},
			{Name: "std", Priority: 2, Regions: []string{"std"}},
		},
		Agents: []AgentConfig{{ID: "x", Capacity: 1, Groups: []string{"vip", "std"}}},
	}
	e := newEngine(t, cfg)
	for i, r := range []string{"std", "std", "vip", "vip"} {
		k := fmt.Sprintf("u%d", i)
		e.SetProfile(key(k), Profile{Region: r})
		if c := receive(t, e, at(time.Duration(i)*time.Minute), k); c.State != Waiting {
			t.Fatalf("%s: state %s, want waiting (nobody online)", k, c.State)
		}
	}
	var order []string
	if err := e.SetOnline(at(time.Hour), "x", true); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		var cur string
		for _, u := range []string{"u0", "u1", "u2", "u3"} {
			if c, _, _ := e.Latest(key(u)); c.State == Assigned {
				cur = u
			}
		}
		if cur == "" {
			t.Fatal("nobody assigned")
		}
		order = append(order, cur)
		if err := e.Close(at(2*time.Hour), "x", key(cur)); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"u2", "u3", "u0", "u1"}; !slices.Equal(order, want) {
		t.Errorf("drain order %v, want %v", order, want)
	}
}

func TestOverflowToDefault(t *testing.T) {
	for _, tt := range []struct {
		overflow Overflow
		want     State
	}{{OverflowNone, Waiting}, {OverflowDefault, Assigned}} {
		t.Run(string(tt.overflow), func(t *testing.T) {
			cfg := Config{
				Split: SplitRegion, Overflow: tt.overflow,
				Groups: []GroupConfig{{Name: "hz", Priority: 1, Regions: []string{"hangzhou"}}},
				Agents: []AgentConfig{{ID: "g", Capacity: 1, Groups: []string{"hz"}, NoReception: true}, {ID: "d", Capacity: 1}},
			}
			e := newEngine(t, cfg, "d")
			e.SetProfile(key("u"), Profile{Region: "hangzhou"})
			if c := receive(t, e, t0, "u"); c.State != tt.want {
				t.Errorf("state %s, want %s", c.State, tt.want)
			}
		})
	}
}

func TestLongestIdleNeverAssignedFirstAtRandom(t *testing.T) {
	firsts := map[string]bool{}
	for seed := range uint64(20) {
		e := newEngine(t, Config{Strategy: LongestIdle, Seed: seed, Agents: agents(4, 10)}, ids(4)...)
		var got []string
		for i := range 8 {
			got = append(got, receive(t, e, at(time.Duration(i)*time.Minute), fmt.Sprintf("u%d", i)).Agent)
		}
		first4 := slices.Clone(got[:4])
		slices.Sort(first4)
		if !slices.Equal(first4, ids(4)) {
			t.Fatalf("seed %d: first four %v are not each agent once", seed, got[:4])
		}
		if !slices.Equal(got[4:], got[:4]) {
			t.Fatalf("seed %d: after everyone was assigned, order %v should repeat %v (oldest last assignment first)", seed, got[4:], got[:4])
		}
		firsts[got[0]] = true
		again := newEngine(t, Config{Strategy: LongestIdle, Seed: seed, Agents: agents(4, 10)}, ids(4)...)
		if a := receive(t, again, t0, "u0").Agent; a != got[0] {
			t.Fatalf("seed %d: first pick %s then %s: not deterministic", seed, got[0], a)
		}
	}
	if len(firsts) < 3 {
		t.Errorf("first picks over 20 seeds: %v; the never-assigned pick is not random", firsts)
	}
}

func TestCapacityFullThenFreed(t *testing.T) {
	e := newEngine(t, Config{Agents: []AgentConfig{{ID: "a", Capacity: 2}}}, "a")
	receive(t, e, t0, "u1")
	receive(t, e, t0, "u2")
	if c := receive(t, e, at(time.Second), "u3"); c.State != Waiting {
		t.Fatalf("third chat %s, want waiting", c.State)
	}
	if err := e.Close(at(time.Minute), "a", key("u1")); err != nil {
		t.Fatal(err)
	}
	c, _, _ := e.Latest(key("u3"))
	if c.State != Assigned || c.Agent != "a" {
		t.Fatalf("after a close, u3 is %s/%s; want assigned to a", c.State, c.Agent)
	}
	if w, _ := c.Wait(); w != time.Minute-time.Second {
		t.Errorf("wait = %v, want 59s", w)
	}
}

func TestAutoClose(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		online  bool
		reply   time.Duration // agent replies at this offset; 0 = never
		check   time.Duration
		want    State
		wantWhy CloseReason
	}{
		{"missed while waiting", Config{MissedAfter: 15 * time.Minute}, false, 0, 15 * time.Minute, Closed, ClosedMissed},
		{"missed when assigned but unanswered", Config{MissedAfter: 15 * time.Minute}, true, 0, 20 * time.Minute, Closed, ClosedMissed},
		{"answered is not missed", Config{MissedAfter: 15 * time.Minute}, true, 10 * time.Minute, 20 * time.Minute, Assigned, ""},
		{"not yet missed", Config{MissedAfter: 15 * time.Minute}, false, 0, 15*time.Minute - time.Second, Waiting, ""},
		{"idle", Config{IdleAfter: time.Hour}, true, 0, time.Hour, Closed, ClosedIdle},
		{"a reply resets idle", Config{IdleAfter: time.Hour}, true, 30 * time.Minute, 89 * time.Minute, Assigned, ""},
		{"idle after the reset", Config{IdleAfter: time.Hour}, true, 30 * time.Minute, 90 * time.Minute, Closed, ClosedIdle},
		{"window", Config{Policies: map[string]Policy{"whatsapp": {Window: 48 * time.Hour, NewConversationAfterWindow: true}}}, true, 0, 48 * time.Hour, Closed, ClosedWindow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Agents = []AgentConfig{{ID: "a", Capacity: 1}}
			e := newEngine(t, tt.cfg)
			if tt.online {
				e.SetOnline(t0, "a", true)
			}
			receive(t, e, t0, "u")
			if tt.reply > 0 {
				if r, err := e.Send(context.Background(), at(tt.reply), "a", key("u"), Outbound{Kind: KindText, Text: "hello"}); err != nil || r.Refusal != "" {
					t.Fatalf("reply: %v %v", r.Refusal, err)
				}
			}
			e.Advance(at(tt.check))
			c, _, _ := e.Latest(key("u"))
			if c.State != tt.want || c.CloseReason != tt.wantWhy {
				t.Errorf("state %s (%q), want %s (%q)", c.State, c.CloseReason, tt.want, tt.wantWhy)
			}
			if tt.want == Closed && !c.ClosedAt.Equal(at(tt.check)) && tt.name != "missed when assigned but unanswered" {
				t.Errorf("closed at %v, want %v", c.ClosedAt.Sub(t0), tt.check)
			}
		})
	}
}

func TestNextDeadline(t *testing.T) {
	e := newEngine(t, Config{MissedAfter: 15 * time.Minute, IdleAfter: time.Hour, Agents: agents(1, 1)})
	if _, ok := e.NextDeadline(); ok {
		t.Fatal("deadline before any conversation")
	}
	receive(t, e, t0, "u")
	if d, ok := e.NextDeadline(); !ok || !d.Equal(at(15*time.Minute)) {
		t.Fatalf("next deadline %v, want +15m", d.Sub(t0))
	}
}

func TestPolicy(t *testing.T) {
	wa := Policy{
		Window: 24 * time.Hour, TemplatesOutsideWindow: true, MaxTextLength: 10,
		Attachments: map[string]AttachmentRule{"image": {Formats: []string{"jpeg", "png"}, MaxBytes: 5 << 20}},
	}
	wechat := Policy{Window: 48 * time.Hour, ReplyLimit: 5}
	text := Outbound{Kind: KindText, Text: "ok"}
	tmpl := Outbound{Kind: KindTemplate, Template: &Template{Name: "hello"}}
	img := func(format string, size int64) Outbound {
		return Outbound{Kind: KindAttachment, Attachment: &Attachment{Kind: "image", Format: format, Size: size}}
	}
	type send struct {
		at   time.Duration
		who  string
		m    Outbound
		want Reason
	}
	tests := []struct {
		name   string
		policy Policy
		// inbound customer messages at these offsets
		inbound []time.Duration
		sends   []send
	}{
		{"window open then closed", wa, []time.Duration{0}, []send{
			{time.Hour, "a", text, ""},
			{24*time.Hour - time.Second, "a", text, ""},
			{24 * time.Hour, "a", text, ReasonWindowClosed},
		}},
		{"template outside the window, which stays closed", wa, []time.Duration{0}, []send{
			{30 * time.Hour, "a", tmpl, ""},
			{30*time.Hour + time.Second, "a", text, ReasonWindowClosed},
		}},
		{"a customer message reopens the window", wa, []time.Duration{0, 30 * time.Hour}, []send{
			{31 * time.Hour, "a", text, ""},
		}},
		{"text too long", wa, []time.Duration{0}, []send{{time.Minute, "a", Outbound{Kind: KindText, Text: "ééééééééééé"}, ReasonTextTooLong}}},
		{"text at the limit", wa, []time.Duration{0}, []send{{time.Minute, "a", Outbound{Kind: KindText, Text: "éééééééééé"}, ""}}},
		{"attachments", wa, []time.Duration{0}, []send{
			{time.Minute, "a", img("jpeg", 5<<20), ""},
			{time.Minute, "a", img("gif", 10), ReasonAttachmentType},
			{time.Minute, "a", img("png", 5<<20+1), ReasonAttachmentSize},
			{time.Minute, "a", Outbound{Kind: KindAttachment, Attachment: &Attachment{Kind: "video", Format: "mp4"}}, ReasonAttachmentType},
		}},
		{"reply limit and its reset", wechat, []time.Duration{0, time.Hour}, []send{
			{time.Minute, "a", text, ""}, {time.Minute, "a", text, ""}, {time.Minute, "a", text, ""},
			{time.Minute, "a", text, ""}, {time.Minute, "a", text, ""},
			{2 * time.Minute, "a", text, ReasonReplyLimit},
			{time.Hour + time.Minute, "a", text, ""},
		}},
		{"another agent's conversation", wa, []time.Duration{0}, []send{{time.Minute, "b", text, ReasonNotAssigned}}},
		{"first_inbound: later messages do not extend the window", Policy{Window: 48 * time.Hour, WindowAnchor: AnchorFirstInbound},
			[]time.Duration{0, 40 * time.Hour}, []send{
				{47 * time.Hour, "a", text, ""},
				{48 * time.Hour, "a", text, ReasonWindowClosed},
			}},
		{"last_inbound: every message restarts the window", Policy{Window: 48 * time.Hour},
			[]time.Duration{0, 40 * time.Hour}, []send{{87 * time.Hour, "a", text, ""}}},
		{"reset on window: a message inside the window gives nothing back", Policy{Window: 24 * time.Hour, WindowAnchor: AnchorFirstInbound, ReplyLimit: 2, ReplyLimitReset: ResetOnWindow},
			[]time.Duration{0, time.Hour, 30 * time.Hour}, []send{
				{time.Minute, "a", text, ""}, {time.Minute, "a", text, ""},
				{2 * time.Hour, "a", text, ReasonReplyLimit},
				{31 * time.Hour, "a", text, ""},
			}},
		{"reply limit with no window", Policy{ReplyLimit: 1}, []time.Duration{0}, []send{
			{time.Minute, "a", text, ""}, {time.Minute, "a", text, ReasonReplyLimit},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, Config{Policies: map[string]Policy{"whatsapp": tt.policy},
				Agents: []AgentConfig{{ID: "a", Capacity: 1}, {ID: "b", Capacity: 1}}}, "a")
			// Interleave inbound messages and sends by time.
			in := slices.Clone(tt.inbound)
			for i, s := range tt.sends {
				for len(in) > 0 && in[0] <= s.at {
					receive(t, e, at(in[0]), "u")
					in = in[1:]
				}
				r, err := e.Send(context.Background(), at(s.at), s.who, key("u"), s.m)
				if err != nil {
					t.Fatal(err)
				}
				if r.Refusal != s.want {
					t.Errorf("send %d at +%v: refusal %q, want %q", i, s.at, r.Refusal, s.want)
				}
			}
		})
	}
}

func TestSendWithoutConversation(t *testing.T) {
	e := newEngine(t, Config{Policies: map[string]Policy{"whatsapp": {Window: 24 * time.Hour, TemplatesOutsideWindow: true}}, Agents: agents(1, 1)}, "a1")
	r, err := e.Send(context.Background(), t0, "a1", key("nobody"), Outbound{Kind: KindText, Text: "hi"})
	if err != nil || r.Refusal != ReasonNoConversation {
		t.Errorf("text to a stranger: %q %v, want no_conversation", r.Refusal, err)
	}
	r, err = e.Send(context.Background(), t0, "a1", key("nobody"), Outbound{Kind: KindTemplate, Template: &Template{Name: "hello"}})
	if err != nil || r.Refusal != "" || r.MessageID == "" {
		t.Errorf("proactive template: %q %q %v, want sent", r.Refusal, r.MessageID, err)
	}
	if _, err := e.Send(context.Background(), t0, "ghost", key("nobody"), Outbound{Kind: KindText}); err == nil {
		t.Error("unknown agent: no error")
	}
}

// gateSender blocks every send until its gate opens.
type gateSender struct {
	gate chan struct{}
	mu   sync.Mutex
	n    int
}

func (g *gateSender) Send(context.Context, CustomerKey, Outbound) (string, error) {
	<-g.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n++
	return fmt.Sprintf("m%d", g.n), nil
}

// TestReplyLimitHoldsUnderConcurrentSends: the engine is unlocked while a
// sender runs, so the limit's slot is taken before the send.
func TestReplyLimitHoldsUnderConcurrentSends(t *testing.T) {
	e := newEngine(t, Config{Policies: map[string]Policy{"whatsapp": {ReplyLimit: 2}}, Agents: agents(1, 1)}, "a1")
	g := &gateSender{gate: make(chan struct{})}
	e.Handle("whatsapp", g)
	receive(t, e, t0, "u")
	results := make(chan SendResult, 5)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			r, _ := e.Send(context.Background(), at(time.Minute), "a1", key("u"), Outbound{Kind: KindText, Text: "x"})
			results <- r
		})
	}
	// Let the refused sends return (a broken limit refuses none: then give
	// up waiting after a while), then release the allowed ones.
	for range 2000 {
		time.Sleep(time.Millisecond)
		refused := 0
		for _, ev := range e.Events(nil) {
			if ev.Kind == EventRefused {
				refused++
			}
		}
		if refused > 0 || len(results) == 3 {
			break
		}
	}
	close(g.gate)
	wg.Wait()
	close(results)
	sent := 0
	for r := range results {
		if r.Refusal == "" {
			sent++
		}
	}
	if sent != 2 {
		t.Errorf("%d of 5 concurrent sends went out; the limit is 2", sent)
	}
}

// TestProactiveTemplateWithoutWindow: a template to a customer never seen,
// under a policy with a reply limit and no window, is allowed (and does not
// crash the engine).
func TestProactiveTemplateWithoutWindow(t *testing.T) {
	e := newEngine(t, Config{Policies: map[string]Policy{"whatsapp": {ReplyLimit: 3}}, Agents: agents(1, 1)}, "a1")
	r, err := e.Send(context.Background(), t0, "a1", key("stranger"), Outbound{Kind: KindTemplate, Template: &Template{Name: "hi"}})
	if err != nil || r.Refusal != "" {
		t.Fatalf("refusal %q, err %v", r.Refusal, err)
	}
}

type failSender struct{}

func (failSender) Send(context.Context, CustomerKey, Outbound) (string, error) {
	return "", &PlatformError{Code: "131047", HTTPStatus: 400, Message: "Re-engagement message"}
}

func TestPlatformErrorIsLogged(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(1, 1)}, "a1")
	e.Handle("whatsapp", failSender{})
	receive(t, e, t0, "u")
	r, err := e.Send(context.Background(), at(time.Minute), "a1", key("u"), Outbound{Kind: KindText, Text: "x"})
	if err != nil || r.Err == nil {
		t.Fatalf("want a platform error in the result, got %v / %v", r.Err, err)
	}
	evs := e.Events(nil)
	last := evs[len(evs)-1]
	if last.Kind != EventFailed || last.Detail != "131047" {
		t.Errorf("last event %+v, want failed 131047", last)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  Config
	}{
		{"strategy", Config{Strategy: "fastest"}},
		{"split", Config{Split: "store-ish"}},
		{"overflow", Config{Overflow: "anywhere"}},
		{"capacity", Config{Agents: []AgentConfig{{ID: "a"}}}},
		{"duplicate agent", Config{Agents: []AgentConfig{{ID: "a", Capacity: 1}, {ID: "a", Capacity: 1}}}},
		{"unknown group", Config{Agents: []AgentConfig{{ID: "a", Capacity: 1, Groups: []string{"x"}}}}},
		{"duplicate group", Config{Groups: []GroupConfig{{Name: "x"}, {Name: "x"}}}},
		{"negative priority", Config{Groups: []GroupConfig{{Name: "x", Priority: -1}}}},
		{"negative idle", Config{IdleAfter: -time.Second}},
	} {
		if _, err := New(tt.cfg); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

func TestStats(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(1, 2)}, "a1")
	receive(t, e, t0, "u1")
	receive(t, e, at(time.Hour), "u2")
	e.Close(at(2*time.Hour), "a1", key("u1"))
	s, _ := e.Agent(at(3*time.Hour), "a1")
	if s.OnlineTime != 3*time.Hour || s.Assignments != 2 || s.PeakActive != 2 || s.Active != 1 {
		t.Errorf("stats %+v", s)
	}
	// u1 open 2h, u2 open 2h so far.
	if s.BusyTime != 4*time.Hour {
		t.Errorf("busy %v, want 4h", s.BusyTime)
	}
}

func TestConcurrentCallers(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(20, 5)}, ids(20)...)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				c := fmt.Sprintf("g%d-u%d", g, i)
				id, err := e.Receive(t0, Inbound{Customer: key(c), Text: "x"})
				if err != nil {
					t.Error(err)
					return
				}
				if cv, _ := e.Conversation(id); cv.State == Assigned {
					e.Send(context.Background(), t0, cv.Agent, key(c), Outbound{Kind: KindText, Text: "y"})
					e.Close(t0, cv.Agent, key(c))
				}
				e.Events(nil)
			}
		})
	}
	wg.Wait()
	for _, s := range e.Agents(t0) {
		if s.Active < 0 || s.Active > s.Capacity {
			t.Errorf("agent %s active %d out of range", s.ID, s.Active)
		}
	}
}

// BenchmarkAssign measures one assignment decision (a new conversation
// routed to the least-loaded agent of a group) and its release.
func BenchmarkAssign(b *testing.B) {
	for _, strategy := range []Strategy{LeastLoaded, LongestIdle} {
		for _, n := range []int{10, 1000, 10000} {
			b.Run(fmt.Sprintf("%s/agents=%d", strategy, n), func(b *testing.B) {
				e := newEngine(b, Config{Strategy: strategy, Agents: agents(n, 4)}, ids(n)...)
				// Preload so agents carry mixed loads.
				keys := make([]CustomerKey, 2*n)
				for i := range keys {
					keys[i] = key(fmt.Sprintf("u%d", i))
					if i < n {
						e.Receive(t0, Inbound{Customer: keys[i]})
					}
				}
				e.Events(nil)
				now := t0
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					k := keys[n+i%n]
					now = now.Add(time.Millisecond)
					id, _ := e.Receive(now, Inbound{Customer: k})
					cv := e.convs[id-1]
					e.Close(now, cv.agent.id, k)
					if i%1024 == 0 {
						e.Events(nil)
					}
				}
			})
		}
	}
}
