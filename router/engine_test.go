package router

import (
	"context"
	"fmt"
	"slices"
	"strings"
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
		{"ascii text too long", wa, []time.Duration{0}, []send{{time.Minute, "a", Outbound{Kind: KindText, Text: "abcdefghijk"}, ReasonTextTooLong}}},
		{"ascii text at the limit", wa, []time.Duration{0}, []send{{time.Minute, "a", Outbound{Kind: KindText, Text: "abcdefghij"}, ""}}},
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

// benchTenant is the benchmark's tenant: n agents of capacity 4 under the
// strategy, split by region into four groups (each agent in two of them and
// the default group), working hours for everyone (a quarter of the agents
// are off shift during the run), in two time zones.
func benchTenant(b testing.TB, strategy Strategy, n int) Config {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		b.Fatal(err)
	}
	cfg := Config{
		Strategy: strategy,
		Split:    SplitRegion,
		Schedules: []Schedule{
			// t0 is 17:00 in Shanghai: inside 08:00-20:00, outside 22:00-06:00.
			{Name: "day", Location: shanghai, Days: every(iv(8*time.Hour, 20*time.Hour))},
			{Name: "night", Location: shanghai, Days: every(iv(22*time.Hour, 6*time.Hour))},
		},
	}
	for g := range 4 {
		cfg.Groups = append(cfg.Groups, GroupConfig{Name: fmt.Sprintf("g%d", g), Priority: g, Regions: []string{fmt.Sprintf("r%d", g)}})
	}
	for i := range n {
		a := AgentConfig{ID: fmt.Sprintf("a%d", i+1), Capacity: 4, Schedule: "day",
			Groups: []string{fmt.Sprintf("g%d", i%4), fmt.Sprintf("g%d", (i+1)%4)}}
		if i%4 == 3 {
			a.Schedule = "night"
		}
		cfg.Agents = append(cfg.Agents, a)
	}
	return cfg
}

// BenchmarkAssign measures one assignment decision (a new conversation
// classified by region and routed to the first eligible agent of its group
// by the strategy, with working hours and several groups in play) and its
// release.
func BenchmarkAssign(b *testing.B) {
	for _, strategy := range Strategies() {
		for _, n := range []int{10, 1000, 10000} {
			b.Run(fmt.Sprintf("%s/agents=%d", strategy, n), func(b *testing.B) {
				e := newEngine(b, benchTenant(b, strategy, n), ids(n)...)
				// Preload so agents carry mixed loads.
				keys := make([]CustomerKey, 2*n)
				for i := range keys {
					keys[i] = key(fmt.Sprintf("u%d", i))
					e.SetProfile(keys[i], Profile{Region: fmt.Sprintf("r%d", i%5)})
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
					cv := e.convs.get(id)
					if cv.state == stageAssigned {
						e.Close(now, cv.agent.id, k)
					}
					if i%1024 == 0 {
						e.Events(nil)
					}
				}
			})
		}
	}
}

// deadlinesOf counts the pending deadlines of conversation id, by kind.
func deadlinesOf(e *Engine, id ConversationID) map[deadlineKind]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := map[deadlineKind]int{}
	for _, d := range e.deadlines {
		if d.conv.id == id {
			n[d.kind]++
		}
	}
	return n
}

// TestOneLiveDeadlinePerKind: every message moves the conversation's window
// and idle deadlines; NextDeadline is the real next one, and the heap holds
// one entry per kind.
func TestOneLiveDeadlinePerKind(t *testing.T) {
	window := func(d time.Duration, anchor Anchor) map[string]Policy {
		return map[string]Policy{"whatsapp": {Window: d, WindowAnchor: anchor, NewConversationAfterWindow: true}}
	}
	hours := func(n int) []time.Duration {
		var out []time.Duration
		for i := range n {
			out = append(out, time.Duration(i)*time.Hour)
		}
		return out
	}
	tests := []struct {
		name    string
		cfg     Config
		inbound []time.Duration
		want    time.Duration // NextDeadline after the messages
		wantWhy CloseReason   // what closes the conversation then
	}{
		{"last_inbound window: three messages", Config{Policies: window(24*time.Hour, "")},
			hours(3), 26 * time.Hour, ClosedWindow},
		{"last_inbound window: a hundred messages", Config{Policies: window(24*time.Hour, AnchorLastInbound)},
			hours(100), 123 * time.Hour, ClosedWindow},
		{"first_inbound window", Config{Policies: window(24*time.Hour, AnchorFirstInbound)},
			hours(3), 24 * time.Hour, ClosedWindow},
		{"idle", Config{IdleAfter: 30 * time.Minute},
			[]time.Duration{0, 10 * time.Minute, 20 * time.Minute}, 50 * time.Minute, ClosedIdle},
		{"idle before the window", Config{IdleAfter: 3 * time.Hour, Policies: window(24*time.Hour, "")},
			hours(3), 5 * time.Hour, ClosedIdle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Agents = agents(1, 1)
			e := newEngine(t, tt.cfg, "a1")
			var c Conversation
			for _, d := range tt.inbound {
				c = receive(t, e, at(d), "u")
			}
			if got, ok := e.NextDeadline(); !ok || !got.Equal(at(tt.want)) {
				t.Errorf("NextDeadline = +%v (ok=%v), want +%v", got.Sub(t0), ok, tt.want)
			}
			for kind, n := range deadlinesOf(e, c.ID) {
				if n > 1 {
					t.Errorf("%d pending deadlines of kind %d for %v; want at most one", n, kind, c.ID)
				}
			}
			e.Advance(at(tt.want - time.Nanosecond))
			if c, _ := e.Conversation(c.ID); c.State == Closed {
				t.Fatalf("closed (%s) before its deadline", c.CloseReason)
			}
			e.Advance(at(tt.want))
			if c, _ := e.Conversation(c.ID); c.State != Closed || c.CloseReason != tt.wantWhy || !c.ClosedAt.Equal(at(tt.want)) {
				t.Errorf("at +%v: %s (%q) at +%v; want closed (%q)", tt.want, c.State, c.CloseReason, c.ClosedAt.Sub(t0), tt.wantWhy)
			}
			if n := len(deadlinesOf(e, c.ID)); n != 0 {
				t.Errorf("%d deadlines left for a closed conversation", n)
			}
			if _, ok := e.NextDeadline(); ok {
				t.Error("a deadline is pending with no open conversation")
			}
		})
	}
}

// TestAnswerDropsMissedDeadline: once answered, the missed limit is no
// longer the next deadline.
func TestAnswerDropsMissedDeadline(t *testing.T) {
	e := newEngine(t, Config{MissedAfter: 15 * time.Minute, IdleAfter: time.Hour, Agents: agents(1, 1)}, "a1")
	c := receive(t, e, t0, "u")
	if r, err := e.Send(context.Background(), at(time.Minute), "a1", key("u"), Outbound{Kind: KindText, Text: "hi"}); err != nil || r.Refusal != "" {
		t.Fatal(r.Refusal, err)
	}
	if d, ok := e.NextDeadline(); !ok || !d.Equal(at(61*time.Minute)) {
		t.Errorf("NextDeadline = +%v, want +61m (idle)", d.Sub(t0))
	}
	if n := deadlinesOf(e, c.ID)[deadlineMissed]; n != 0 {
		t.Errorf("%d missed deadlines pending for an answered conversation", n)
	}
}

// TestEarlierTimeIsClamped: a call with a time before the engine's last
// accepted time is treated as made at that time.
func TestEarlierTimeIsClamped(t *testing.T) {
	ctx := context.Background()
	text := Outbound{Kind: KindText, Text: "hi"}
	late, early := at(10*time.Minute), at(5*time.Minute)
	tests := []struct {
		name string
		cfg  Config
		// call is made at early, after the setup (u writes at late, a1 is
		// online and has it).
		call     func(e *Engine) error
		wantKind EventKind // the event the call logs at late; "" for none
		check    func(t *testing.T, e *Engine)
	}{
		{"Send", Config{}, func(e *Engine) error {
			_, err := e.Send(ctx, early, "a1", key("u"), text)
			return err
		}, EventSent, nil},
		{"Receive", Config{}, func(e *Engine) error {
			_, err := e.Receive(early, Inbound{Customer: key("u"), MessageID: "w2"})
			return err
		}, EventInbound, nil},
		{"Receive opening a conversation", Config{}, func(e *Engine) error {
			_, err := e.Receive(early, Inbound{Customer: key("v"), MessageID: "w2"})
			return err
		}, EventOpened, func(t *testing.T, e *Engine) {
			c, _, _ := e.Latest(key("v"))
			if !c.OpenedAt.Equal(late) {
				t.Errorf("opened at +%v, want +10m", c.OpenedAt.Sub(t0))
			}
		}},
		{"Status", Config{}, func(e *Engine) error {
			e.Status(early, key("u"), "m1", "delivered", "")
			return nil
		}, EventStatus, nil},
		{"SetOnline", Config{}, func(e *Engine) error { return e.SetOnline(early, "a2", true) }, EventOnline, nil},
		{"SetOnline offline", Config{}, func(e *Engine) error { return e.SetOnline(early, "a1", false) }, EventOffline,
			func(t *testing.T, e *Engine) {
				if s, _ := e.Agent(late, "a1"); s.OnlineTime != 10*time.Minute {
					t.Errorf("online time %v, want 10m", s.OnlineTime)
				}
			}},
		{"Close", Config{}, func(e *Engine) error { return e.Close(early, "a1", key("u")) }, EventClosed,
			func(t *testing.T, e *Engine) {
				if c, _, _ := e.Latest(key("u")); !c.ClosedAt.Equal(late) {
					t.Errorf("closed at +%v, want +10m", c.ClosedAt.Sub(t0))
				}
				if s, _ := e.Agent(late, "a1"); s.BusyTime != 0 {
					t.Errorf("busy time %v, want 0 (assigned and closed at +10m)", s.BusyTime)
				}
			}},
		{"Advance", Config{}, func(e *Engine) error { e.Advance(early); return nil }, "", nil},
		{"Check sees the window as at the last accepted time",
			Config{Policies: map[string]Policy{"whatsapp": {Window: 8 * time.Minute}}},
			func(e *Engine) error {
				r, err := e.Check(early, "a1", key("u"), text)
				if err == nil && r != ReasonWindowClosed {
					err = fmt.Errorf("Check at +5m after +10m: refusal %q, want %q (window closed at +8m)", r, ReasonWindowClosed)
				}
				return err
			}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Agents = agents(2, 2)
			e := newEngine(t, tt.cfg, "a1")
			if tt.name == "Check sees the window as at the last accepted time" {
				receive(t, e, t0, "u")
				e.Advance(late)
			} else {
				receive(t, e, late, "u")
			}
			before := e.Events(nil)
			if err := tt.call(e); err != nil {
				t.Fatal(err)
			}
			evs := e.Events(nil)
			all := append(before, evs...)
			for i := 1; i < len(all); i++ {
				if all[i].At.Before(all[i-1].At) {
					t.Errorf("event %d (%s at +%v) before event %d (%s at +%v)", i, all[i].Kind, all[i].At.Sub(t0), i-1, all[i-1].Kind, all[i-1].At.Sub(t0))
				}
			}
			if tt.wantKind != "" {
				found := false
				for _, ev := range evs {
					if ev.Kind == tt.wantKind {
						found = true
						if !ev.At.Equal(late) {
							t.Errorf("%s logged at +%v, want +10m", ev.Kind, ev.At.Sub(t0))
						}
					}
				}
				if !found {
					t.Errorf("no %s event in %v", tt.wantKind, evs)
				}
			}
			if tt.check != nil {
				tt.check(t, e)
			}
		})
	}
}

// TestStatusCreditsSendingConversation: a status is logged against the
// conversation its message was sent in, as long as the engine remembers it.
func TestStatusCreditsSendingConversation(t *testing.T) {
	tests := []struct {
		name    string
		horizon time.Duration
		message string        // the status is for this message id
		status  string        // sent, delivered, read, failed
		after   time.Duration // after the second conversation opened (at +1h)
		want    ConversationID
	}{
		{"delivered after the conversation closed", 0, "m1", "delivered", time.Minute, 1},
		{"failed after the conversation closed", 0, "m1", "failed", time.Minute, 1},
		{"unknown message: the latest conversation", 0, "zz", "read", time.Minute, 2},
		{"inside the default horizon of a day", 0, "m1", "read", 23 * time.Hour, 1},
		{"past the default horizon of a day", 0, "m1", "read", 24*time.Hour + time.Minute, 2},
		{"at a configured horizon", 2 * time.Hour, "m1", "read", time.Hour, 1},
		{"past a configured horizon", 2 * time.Hour, "m1", "read", time.Hour + time.Second, 2},
		{"a nanosecond past a configured horizon", 2 * time.Hour, "m1", "read", time.Hour + time.Nanosecond, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, Config{StatusHorizon: tt.horizon, Agents: agents(1, 2)}, "a1")
			receive(t, e, t0, "u")
			r, err := e.Send(context.Background(), t0, "a1", key("u"), Outbound{Kind: KindText, Text: "hi"})
			if err != nil || r.MessageID != "m1" || r.Conversation != 1 {
				t.Fatalf("send: %+v %v", r, err)
			}
			if err := e.Close(at(time.Minute), "a1", key("u")); err != nil {
				t.Fatal(err)
			}
			if c := receive(t, e, at(time.Hour), "u"); c.ID != 2 {
				t.Fatalf("second conversation is %v", c.ID)
			}
			e.Events(nil)
			e.Status(at(time.Hour+tt.after), key("u"), tt.message, tt.status, "131047")
			evs := e.Events(nil)
			last := evs[len(evs)-1]
			if last.Conversation != tt.want || last.Message != tt.message {
				t.Errorf("status logged as %s for %v (message %q), want %v", last.Kind, last.Conversation, last.Message, tt.want)
			}
		})
	}
}

// TestStatusMemoryIsBounded: message ids are forgotten once older than the
// horizon. Each send but the first is followed by a status for the message
// before it, which is not the message sent last: the index takes the log at
// every step, so forgetting must take entries out of the index too.
func TestStatusMemoryIsBounded(t *testing.T) {
	e := newEngine(t, Config{StatusHorizon: time.Hour, Agents: agents(1, 1)}, "a1")
	receive(t, e, t0, "u")
	prev := ""
	for i := range 24 * 60 {
		now := at(time.Duration(i) * time.Minute)
		r, err := e.Send(context.Background(), now, "a1", key("u"), Outbound{Kind: KindText, Text: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if prev != "" {
			e.Status(now, key("u"), prev, "delivered", "")
		}
		prev = r.MessageID
	}
	e.mu.Lock()
	e.indexSent()
	n := e.sent.len()
	e.mu.Unlock()
	if n < 1 || n > 61 {
		t.Errorf("%d message ids remembered with a 1h horizon and one send a minute; want 1 to 61", n)
	}
}

// TestEventsSince: several readers, each with its own cursor, over a
// bounded log.
func TestEventsSince(t *testing.T) {
	kinds := func(evs []Event) []EventKind {
		var out []EventKind
		for _, ev := range evs {
			out = append(out, ev.Kind)
		}
		return out
	}
	seqs := func(evs []Event) []uint64 {
		var out []uint64
		for _, ev := range evs {
			out = append(out, ev.Seq)
		}
		return out
	}
	// Setup logs: online(1) opened(2) assigned(3) inbound(4) opened(5)
	// assigned(6) inbound(7).
	tests := []struct {
		name     string
		capacity int
		since    uint64
		wantSeqs []uint64
		wantNext uint64
		wantLost uint64
	}{
		{"from the start", 0, 0, []uint64{1, 2, 3, 4, 5, 6, 7}, 7, 0},
		{"from the middle", 0, 4, []uint64{5, 6, 7}, 7, 0},
		{"up to date", 0, 7, nil, 7, 0},
		{"ahead of the log", 0, 9, nil, 9, 0},
		{"overflow from the start", 3, 0, []uint64{5, 6, 7}, 7, 4},
		{"overflow from the middle", 3, 2, []uint64{5, 6, 7}, 7, 2},
		{"just kept", 3, 4, []uint64{5, 6, 7}, 7, 0},
		{"capacity one", 1, 0, []uint64{7}, 7, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, Config{EventLog: tt.capacity, Agents: agents(1, 2)}, "a1")
			receive(t, e, t0, "u1")
			receive(t, e, t0, "u2")
			got, next, lost := e.EventsSince(tt.since, nil)
			if !slices.Equal(seqs(got), tt.wantSeqs) || next != tt.wantNext || lost != tt.wantLost {
				t.Errorf("EventsSince(%d) = seqs %v next %d lost %d; want %v %d %d", tt.since, seqs(got), next, lost, tt.wantSeqs, tt.wantNext, tt.wantLost)
			}
		})
	}

	t.Run("two readers and the single consumer", func(t *testing.T) {
		e := newEngine(t, Config{Agents: agents(1, 2)}, "a1")
		receive(t, e, t0, "u1")
		a, na, _ := e.EventsSince(0, nil)
		receive(t, e, t0, "u2")
		b, nb, _ := e.EventsSince(0, nil)
		a2, na2, _ := e.EventsSince(na, nil)
		if want := []EventKind{EventOnline, EventOpened, EventAssigned, EventInbound}; !slices.Equal(kinds(a), want) || na != 4 {
			t.Errorf("reader A: %v next %d", kinds(a), na)
		}
		if !slices.Equal(seqs(b), []uint64{1, 2, 3, 4, 5, 6, 7}) || nb != 7 {
			t.Errorf("reader B: %v next %d", seqs(b), nb)
		}
		if !slices.Equal(seqs(a2), []uint64{5, 6, 7}) || na2 != 7 || !slices.Equal(a2, b[4:]) {
			t.Errorf("reader A again: %v next %d", seqs(a2), na2)
		}
		// Events is one more reader, with its own cursor.
		if got := e.Events(nil); !slices.Equal(got, b) {
			t.Errorf("Events = %v, want %v", seqs(got), seqs(b))
		}
		if got := e.Events(nil); len(got) != 0 {
			t.Errorf("Events again = %v, want none", seqs(got))
		}
		if got, _, _ := e.EventsSince(0, nil); len(got) != 7 {
			t.Errorf("Events consumed the log for the other readers: %d left", len(got))
		}
	})

	t.Run("concurrent readers", func(t *testing.T) {
		const writes = 300
		e := newEngine(t, Config{EventLog: 16, Agents: agents(4, 1000)}, ids(4)...)
		var wg sync.WaitGroup
		done := make(chan struct{})
		for r := range 4 {
			wg.Go(func() {
				var cursor, seen, lost uint64
				var buf []Event
				for finished := false; !finished; {
					select {
					case <-done:
						finished = true
					default:
					}
					evs, next, l := e.EventsSince(cursor, buf[:0])
					for i, ev := range evs {
						if want := cursor + l + uint64(i) + 1; ev.Seq != want {
							t.Errorf("reader %d: seq %d, want %d", r, ev.Seq, want)
							return
						}
					}
					seen += uint64(len(evs))
					lost += l
					cursor, buf = next, evs
				}
				if seen+lost != cursor {
					t.Errorf("reader %d: %d seen + %d lost != %d", r, seen, lost, cursor)
				}
			})
		}
		for i := range writes {
			receive(t, e, t0, fmt.Sprintf("u%d", i))
		}
		close(done)
		wg.Wait()
	})
}

// TestMissed: a conversation nobody answers within MissedAfter becomes
// missed, and closes CloseMissedAfter later unless answered by then.
func TestMissed(t *testing.T) {
	const limit = 15 * time.Minute
	type step struct {
		at   time.Duration
		what string // "reply", "online"
	}
	tests := []struct {
		name        string
		closeAfter  time.Duration
		idle        time.Duration
		online      bool // the agent is online from the start
		steps       []step
		check       time.Duration
		wantState   State
		wantWhy     CloseReason
		wantMissed  bool
		wantClosed  time.Duration // when closed
		wantNext    time.Duration // NextDeadline at check; 0 for none
		wantMissedN int           // missed events logged
	}{
		{"closes when missed by default", 0, 0, false, nil, limit, Closed, ClosedMissed, true, limit, 0, 1},
		{"missed, open until the close limit", 30 * time.Minute, 0, false, nil, limit, Waiting, "", true, 0, 45 * time.Minute, 1},
		{"missed, then closed", 30 * time.Minute, 0, false, nil, 45 * time.Minute, Closed, ClosedMissed, true, 45 * time.Minute, 0, 1},
		{"missed while assigned", 30 * time.Minute, 0, true, nil, 45 * time.Minute, Closed, ClosedMissed, true, 45 * time.Minute, 0, 1},
		{"answered after it was missed", 30 * time.Minute, 0, true, []step{{20 * time.Minute, "reply"}}, 24 * time.Hour, Assigned, "", true, 0, 0, 1},
		{"answered in time", 30 * time.Minute, 0, true, []step{{10 * time.Minute, "reply"}}, 24 * time.Hour, Assigned, "", false, 0, 0, 0},
		{"a missed waiting chat can still be assigned", 30 * time.Minute, 0, false, []step{{20 * time.Minute, "online"}}, 30 * time.Minute, Assigned, "", true, 0, 45 * time.Minute, 1},
		{"assigned after it was missed, then answered", 30 * time.Minute, 0, false, []step{{20 * time.Minute, "online"}, {25 * time.Minute, "reply"}}, 24 * time.Hour, Assigned, "", true, 0, 0, 1},
		{"assigned after it was missed, still unanswered", 30 * time.Minute, 0, false, []step{{20 * time.Minute, "online"}}, 45 * time.Minute, Closed, ClosedMissed, true, 45 * time.Minute, 0, 1},
		{"idle closes it first", 30 * time.Minute, 20 * time.Minute, false, nil, time.Hour, Closed, ClosedIdle, true, 20 * time.Minute, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{MissedAfter: limit, CloseMissedAfter: tt.closeAfter, IdleAfter: tt.idle, Agents: agents(1, 1)}
			var online []string
			if tt.online {
				online = append(online, "a1")
			}
			e := newEngine(t, cfg, online...)
			c := receive(t, e, t0, "u")
			for _, s := range tt.steps {
				switch s.what {
				case "reply":
					if r, err := e.Send(context.Background(), at(s.at), "a1", key("u"), Outbound{Kind: KindText, Text: "sorry"}); err != nil || r.Refusal != "" {
						t.Fatalf("reply at +%v: %q %v", s.at, r.Refusal, err)
					}
				case "online":
					if err := e.SetOnline(at(s.at), "a1", true); err != nil {
						t.Fatal(err)
					}
				}
			}
			e.Advance(at(tt.check))
			c, _ = e.Conversation(c.ID)
			if c.State != tt.wantState || c.CloseReason != tt.wantWhy || c.Missed != tt.wantMissed {
				t.Errorf("%s (%q) missed=%v; want %s (%q) missed=%v", c.State, c.CloseReason, c.Missed, tt.wantState, tt.wantWhy, tt.wantMissed)
			}
			if tt.wantMissed && !c.MissedAt.Equal(at(limit)) || !tt.wantMissed && !c.MissedAt.IsZero() {
				t.Errorf("missed at %v", c.MissedAt)
			}
			if tt.wantState == Closed && !c.ClosedAt.Equal(at(tt.wantClosed)) {
				t.Errorf("closed at +%v, want +%v", c.ClosedAt.Sub(t0), tt.wantClosed)
			}
			d, ok := e.NextDeadline()
			if tt.wantNext == 0 && ok || tt.wantNext != 0 && (!ok || !d.Equal(at(tt.wantNext))) {
				t.Errorf("NextDeadline +%v (ok=%v), want +%v", d.Sub(t0), ok, tt.wantNext)
			}
			var missed []Event
			for _, ev := range e.Events(nil) {
				if ev.Kind == EventMissed {
					missed = append(missed, ev)
				}
			}
			if len(missed) != tt.wantMissedN {
				t.Fatalf("%d missed events, want %d", len(missed), tt.wantMissedN)
			}
			if len(missed) == 1 && (!missed[0].At.Equal(at(limit)) || missed[0].Conversation != c.ID) {
				t.Errorf("missed event %+v", missed[0])
			}
		})
	}
}

// TestMissedEventComesBeforeItsClose: with CloseMissedAfter 0 the missed
// event and the close are logged together, missed first.
func TestMissedEventComesBeforeItsClose(t *testing.T) {
	e := newEngine(t, Config{MissedAfter: time.Minute, Agents: agents(1, 1)})
	receive(t, e, t0, "u")
	e.Advance(at(time.Hour))
	evs := e.Events(nil)
	var got []EventKind
	for _, ev := range evs[len(evs)-2:] {
		got = append(got, ev.Kind)
	}
	if want := []EventKind{EventMissed, EventClosed}; !slices.Equal(got, want) {
		t.Errorf("last events %v, want %v", got, want)
	}
}

func TestEnumerations(t *testing.T) {
	str := func(xs any) string { return fmt.Sprint(xs) }
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"Splits", Splits(), []Split{SplitNone, SplitEntryPage, SplitRegion, SplitStore}},
		{"Strategies", Strategies(), []Strategy{LeastLoaded, LongestIdle, RoundRobin, MostFreeCapacity}},
		{"Overflows", Overflows(), []Overflow{OverflowNone, OverflowDefault}},
		{"Reasons", Reasons(), []Reason{ReasonWindowClosed, ReasonReplyLimit, ReasonAttachmentType, ReasonAttachmentSize, ReasonTextTooLong, ReasonNotAssigned, ReasonNoConversation}},
		{"CloseReasons", CloseReasons(), []CloseReason{ClosedByAgent, ClosedIdle, ClosedMissed, ClosedWindow, ClosedAbandoned}},
		{"States", States(), []State{WithBot, Waiting, Assigned, Closed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if str(tt.got) != str(tt.want) {
				t.Errorf("%s() = %v, want %v", tt.name, tt.got, tt.want)
			}
		})
	}
	// The lists are copies: a caller cannot change the engine's.
	Splits()[0] = "x"
	if Splits()[0] != SplitNone {
		t.Error("Splits returns the package's own slice")
	}
	// New names every allowed value when it refuses one.
	for _, tt := range []struct {
		cfg  Config
		want []string
	}{
		{Config{Strategy: "fastest"}, []string{"least-loaded", "longest-idle", "round-robin", "most-free-capacity"}},
		{Config{Split: "store-ish"}, []string{"none", "entry_page", "region", "store"}},
		{Config{Overflow: "anywhere"}, []string{"none", "default"}},
	} {
		_, err := New(tt.cfg)
		if err == nil {
			t.Fatalf("%+v: no error", tt.cfg)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not name %q", err, w)
			}
		}
	}
}

func TestReactionsMoveNoWindow(t *testing.T) {
	for _, tt := range []struct {
		name   string
		opens  bool
		in     Inbound
		closed bool // the window is closed at 25h
	}{
		{"a reaction", false, Inbound{ReplyTo: "m1", Reaction: "👍"}, true},
		{"a removed reaction", false, Inbound{ReplyTo: "m1"}, true},
		{"a quoted reply", false, Inbound{ReplyTo: "m1", Text: "yes"}, false},
		{"a button", false, Inbound{ReplyTo: "m1", Text: "Confirm", Payload: "Confirm"}, false},
		{"a reaction where reactions open the window", true, Inbound{ReplyTo: "m1", Reaction: "👍"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pol := Policy{Window: 24 * time.Hour, ReactionsOpenWindow: tt.opens}
			e := newEngine(t, Config{Agents: agents(1, 5), Policies: map[string]Policy{"whatsapp": pol}}, "a1")
			receive(t, e, at(0), "lee")
			in := tt.in
			in.Customer, in.MessageID = key("lee"), "later"
			if _, err := e.Receive(at(20*time.Hour), in); err != nil {
				t.Fatal(err)
			}
			reason, err := e.Check(at(25*time.Hour), "a1", key("lee"), Outbound{Kind: KindText, Text: "hi"})
			if err != nil {
				t.Fatal(err)
			}
			if got := reason == ReasonWindowClosed; got != tt.closed {
				t.Errorf("window closed at 25h: %v (reason %q), want %v", got, reason, tt.closed)
			}
		})
	}
}

func TestAutoSendAnswersNobody(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(1, 1), MissedAfter: 10 * time.Minute}, "a1")
	if _, err := New(Config{Agents: []AgentConfig{{ID: AutoID, Capacity: 1}}}); err == nil {
		t.Error("an agent named (auto) was accepted")
	}
	res, err := e.AutoSend(context.Background(), at(0), key("nobody"), Outbound{Kind: KindText, Text: "hi"})
	if err != nil || res.Refusal != ReasonNoConversation {
		t.Fatalf("to a customer without a conversation: %+v %v", res, err)
	}
	receive(t, e, at(0), "lee")
	receive(t, e, at(time.Minute), "kim") // waits: a1 is full
	for _, who := range []string{"lee", "kim"} {
		res, err := e.AutoSend(context.Background(), at(2*time.Minute), key(who), Outbound{Kind: KindText, Text: "We answer soon."})
		if err != nil || res.Refusal != "" || res.MessageID == "" {
			t.Fatalf("auto-reply to %s: %+v %v", who, res, err)
		}
	}
	e.Advance(at(11 * time.Minute))
	for _, who := range []string{"lee", "kim"} {
		c, _, _ := e.Latest(key(who))
		if !c.Missed {
			t.Errorf("%s's conversation is not missed: an auto-reply answered it", who)
		}
	}
	var autos int
	for _, ev := range e.Events(nil) {
		if ev.Kind == EventSent && ev.Agent == AutoID {
			autos++
		}
	}
	if autos != 2 {
		t.Errorf("%d sent events by %s, want 2", autos, AutoID)
	}
}

// namedSender answers every send with its own name as the message id.
type namedSender string

func (s namedSender) Send(context.Context, CustomerKey, Outbound) (string, error) {
	return string(s), nil
}

// TestSendersAndPoliciesByChannel: sends alternate between channels, each
// reaching its own sender under its own policy, and a sender registered
// again takes the next send.
func TestSendersAndPoliciesByChannel(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(1, 4), Policies: map[string]Policy{
		"whatsapp": {MaxTextLength: 3}, "line": {}}}, "a1")
	e.Handle("whatsapp", namedSender("wa1"))
	e.Handle("line", namedSender("line1"))
	wa, line := key("u1"), CustomerKey{Channel: "line", Account: "acct", Customer: "u2"}
	for _, k := range []CustomerKey{wa, line} {
		if _, err := e.Receive(t0, Inbound{Customer: k, MessageID: "in-" + k.Channel, Text: "hi"}); err != nil {
			t.Fatal(err)
		}
	}
	send := func(k CustomerKey, text, want string, refusal Reason) {
		t.Helper()
		r, err := e.Send(context.Background(), t0, "a1", k, Outbound{Kind: KindText, Text: text})
		if err != nil || r.MessageID != want || r.Refusal != refusal {
			t.Fatalf("send %q to %s: %+v %v, want id %q refusal %q", text, k, r, err, want, refusal)
		}
	}
	send(wa, "hey", "wa1", "")
	send(line, "a longer text", "line1", "")
	send(wa, "a longer text", "", ReasonTextTooLong)
	send(line, "hey", "line1", "")
	e.Handle("line", namedSender("line2"))
	send(line, "hey", "line2", "")
	send(wa, "hey", "wa1", "")
	send(line, "hey", "line2", "")
}

// TestAgentsInIDOrder: Agents answers every agent once, in id order,
// whatever order the configuration defined them in.
func TestAgentsInIDOrder(t *testing.T) {
	var cfg Config
	cfg.Groups = []GroupConfig{{Name: DefaultGroup}}
	for _, id := range []string{"m", "b", "zz", "a10", "a2", "A", "a1", "z"} {
		cfg.Agents = append(cfg.Agents, AgentConfig{ID: id, Capacity: 1 + len(id)})
	}
	e := newEngine(t, cfg, "z", "a2")
	var got []string
	for _, s := range e.Agents(t0) {
		got = append(got, s.ID)
		if want := 1 + len(s.ID); s.Capacity != want {
			t.Errorf("agent %s: capacity %d, want %d", s.ID, s.Capacity, want)
		}
		if want := s.ID == "z" || s.ID == "a2"; s.Online != want {
			t.Errorf("agent %s: online %v, want %v", s.ID, s.Online, want)
		}
	}
	if want := []string{"A", "a1", "a10", "a2", "b", "m", "z", "zz"}; !slices.Equal(got, want) {
		t.Fatalf("Agents in order %q, want %q", got, want)
	}
}

// TestTimesComeBackInTheCallersLocation: the times the engine keeps of a
// conversation and a customer come back as the instants they were, in the
// location of the latest time a call gave it, whatever location they were
// given in.
func TestTimesComeBackInTheCallersLocation(t *testing.T) {
	taipei := time.FixedZone("CST", 8*60*60)
	e := newEngine(t, Config{Agents: agents(1, 1), Policies: map[string]Policy{"whatsapp": {Window: 24 * time.Hour}}}, ids(1)...)
	opened := at(time.Minute).In(taipei)
	c := receive(t, e, opened, "u1")
	closed := at(2 * time.Minute)
	if err := e.Close(closed, c.Agent, key("u1")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		loc   *time.Location
		touch time.Time
	}{
		{time.UTC, at(3 * time.Minute)},
		{taipei, at(4 * time.Minute).In(taipei)},
	} {
		e.Advance(tc.touch)
		got, _, ok := e.Latest(key("u1"))
		if !ok {
			t.Fatal("the customer's conversation is gone")
		}
		for _, tt := range []struct {
			name      string
			got, want time.Time
		}{
			{"OpenedAt", got.OpenedAt, opened},
			{"AssignedAt", got.AssignedAt, opened},
			{"ClosedAt", got.ClosedAt, closed},
		} {
			if !tt.got.Equal(tt.want) || tt.got.Location() != tc.loc {
				t.Errorf("after a call in %v: %s %v, want %v in %v", tc.loc, tt.name, tt.got, tt.want, tc.loc)
			}
		}
		if !got.MissedAt.IsZero() {
			t.Errorf("MissedAt %v, want the zero time", got.MissedAt)
		}
	}
}
