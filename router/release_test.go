package router

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// seqSender numbers the messages it accepts and refuses every failEvery-th
// send with a platform error.
type seqSender struct {
	mu        sync.Mutex
	n         int
	failEvery int
}

func (s *seqSender) Send(context.Context, CustomerKey, Outbound) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if s.failEvery > 0 && s.n%s.failEvery == 0 {
		return "", &PlatformError{Code: "131047", HTTPStatus: 400, Message: "refused"}
	}
	return fmt.Sprintf("m%d", s.n), nil
}

var (
	whatsappLike = Policy{Window: 24 * time.Hour, TemplatesOutsideWindow: true, MaxTextLength: 40}
	wechatLike   = Policy{Window: 48 * time.Hour, ReplyLimit: 5, ReplyLimitReset: ResetOnInbound, NewConversationAfterWindow: true}
	// firstAnchor: a short window from the first message, a count reset by
	// the window only.
	firstAnchor = Policy{Window: 2 * time.Hour, WindowAnchor: AnchorFirstInbound, ReplyLimit: 2, ReplyLimitReset: ResetOnWindow, TemplatesOutsideWindow: true}
	// noWindowCount: no window, a reply count reset by each message.
	noWindowCount = Policy{ReplyLimit: 3, TemplatesOutsideWindow: true}
	// noWindowForGood: no window, a count that only a new window resets,
	// which never comes: it stands for good.
	noWindowForGood = Policy{ReplyLimit: 2, ReplyLimitReset: ResetOnWindow}
	manualInbox     = Policy{Window: time.Hour, ManualAssignment: true}
)

// twin runs the same calls on an engine that releases (the default) and one
// that keeps everything (Retain), and fails the test at the first call whose
// answer or events differ.
type twin struct {
	t          *testing.T
	rel, kept  *Engine
	relS, keep []*seqSender
	log        []string // the calls so far, for the failure message
	maxFewer   int      // the most customers rel held fewer than kept
}

func newTwin(t *testing.T, cfg Config, channels []string, failEvery int) *twin {
	tw := &twin{t: t}
	for _, retain := range []bool{false, true} {
		c := cfg
		c.Retain = retain
		e, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		var senders []*seqSender
		for _, ch := range channels {
			s := &seqSender{failEvery: failEvery}
			e.Handle(ch, s)
			senders = append(senders, s)
		}
		if retain {
			tw.kept, tw.keep = e, senders
		} else {
			tw.rel, tw.relS = e, senders
		}
	}
	return tw
}

// do runs call on both engines and compares the answers (formatted with
// %v), the events logged and the next deadline.
func (tw *twin) do(name string, call func(e *Engine) any) {
	tw.t.Helper()
	tw.log = append(tw.log, name)
	a, b := fmt.Sprintf("%+v", call(tw.rel)), fmt.Sprintf("%+v", call(tw.kept))
	if a != b {
		tw.fail("answers differ:\n  released: %s\n  retained: %s", a, b)
	}
	ea, eb := tw.rel.Events(nil), tw.kept.Events(nil)
	if !reflect.DeepEqual(ea, eb) {
		tw.fail("events differ:\n  released: %+v\n  retained: %+v", ea, eb)
	}
	da, oka := tw.rel.NextDeadline()
	db, okb := tw.kept.NextDeadline()
	if oka != okb || !da.Equal(db) {
		tw.fail("next deadline %v %v, retained %v %v", da, oka, db, okb)
	}
	fr, fk := tw.rel.Footprint(), tw.kept.Footprint()
	if fr.Open != fk.Open || fr.Messages != fk.Messages || fr.Events != fk.Events {
		tw.fail("footprints differ beyond what is released: %+v, retained %+v", fr, fk)
	}
	tw.maxFewer = max(tw.maxFewer, fk.Customers-fr.Customers)
}

func (tw *twin) fail(format string, args ...any) {
	tw.t.Helper()
	from := max(0, len(tw.log)-15)
	tw.t.Fatalf(format+"\nlast calls:\n  %s", append(args, strings.Join(tw.log[from:], "\n  "))...)
}

// TestReleaseChangesNoDecision plays random calls, with time jumping by
// seconds to days past windows and horizons, on an engine that releases
// and one that keeps everything: every answer, event and deadline must be
// the same. Statuses are only sent for messages inside the status horizon:
// past it the fallback to the latest conversation depends, by design, on
// whether the customer is still held.
func TestReleaseChangesNoDecision(t *testing.T) {
	fewer := 0
	for _, tn := range twinTenants {
		for _, pol := range twinPolicies {
			t.Run(tn.name+"/"+pol.name, func(t *testing.T) {
				for seed := uint64(1); seed <= 6; seed++ {
					fewer += playTwin(t, tn.cfg, pol.p, seed)
				}
			})
		}
	}
	if fewer == 0 {
		t.Error("the releasing engine never held fewer customers: nothing was released")
	}
}

// FuzzReleaseChangesNoDecision searches the scripts of
// TestReleaseChangesNoDecision for one where releasing changes anything.
func FuzzReleaseChangesNoDecision(f *testing.F) {
	f.Add(uint64(1), uint8(0), uint8(0))
	f.Add(uint64(7), uint8(3), uint8(4))
	f.Fuzz(func(t *testing.T, seed uint64, tenant, policy uint8) {
		tn := twinTenants[int(tenant)%len(twinTenants)]
		pol := twinPolicies[int(policy)%len(twinPolicies)]
		playTwin(t, tn.cfg, pol.p, seed)
	})
}

var twinTenants = []struct {
	name string
	cfg  Config
}{
	{"plain", Config{}},
	{"idle and missed", Config{IdleAfter: time.Hour, MissedAfter: 5 * time.Minute, CloseMissedAfter: 10 * time.Minute}},
	{"reassign and overflow", Config{ReassignAfter: 3 * time.Minute, Overflow: OverflowDefault, OverflowAfter: 2 * time.Minute,
		Groups: []GroupConfig{{Name: "vip"}}}},
	{"bot and a workstream on the display name", Config{
		Bot:    &Bot{Channels: []string{"whatsapp"}, Keywords: []string{"human"}, HandoffAfter: 10 * time.Minute, IdleAfter: 2 * time.Hour},
		Groups: []GroupConfig{{Name: "vip"}},
		Workstreams: []Workstream{{Name: "ws", Rules: []Rule{
			{Name: "ann", Group: "vip", Attributes: map[string]string{"name": "Ann"}},
			{Name: "north", Group: "vip", Regions: []string{"north"}},
		}}},
	}},
	{"short horizon", Config{StatusHorizon: 30 * time.Minute, IdleAfter: 20 * time.Minute}},
}

var twinPolicies = []struct {
	name string
	p    Policy
}{
	{"whatsapp-like", whatsappLike}, {"wechat-like", wechatLike}, {"first-inbound anchor", firstAnchor},
	{"no window, count per message", noWindowCount}, {"no window, count for good", noWindowForGood},
	{"manual inbox", manualInbox}, {"no rules", Policy{}},
}

func playTwin(t *testing.T, base Config, pol Policy, seed uint64) int {
	cfg := base
	cfg.Seed = seed
	cfg.Agents = []AgentConfig{{ID: "a1", Capacity: 2, Groups: groupNames(base)}, {ID: "a2", Capacity: 1, Groups: groupNames(base)}}
	// A second channel with its own rules: customers of both at once.
	cfg.Policies = map[string]Policy{"whatsapp": pol, "line": noWindowCount}
	channels := []string{"whatsapp", "line"}
	tw := newTwin(t, cfg, channels, 7)
	rng := rand.New(rand.NewPCG(seed, 99))
	customers := make([]CustomerKey, 6)
	for i := range customers {
		customers[i] = CustomerKey{Channel: channels[i%2], Account: "acct", Customer: fmt.Sprintf("u%d", i)}
	}
	agentIDs := []string{"a1", "a2"}
	names := []string{"", "", "Ann", "Bob"}
	type sent struct {
		to CustomerKey
		id string
		at time.Time
	}
	var sends []sent
	horizon := tw.rel.StatusHorizon()
	now := t0
	for _, a := range agentIDs {
		tw.do("online "+a, func(e *Engine) any { return e.SetOnline(now, a, true) })
	}
	for step := range 400 {
		switch r := rng.IntN(100); {
		case r < 70:
			now = now.Add(time.Duration(rng.IntN(600)) * time.Second)
		case r < 90:
			now = now.Add(time.Duration(1+rng.IntN(12)) * time.Hour)
		default:
			now = now.Add(time.Duration(1+rng.IntN(4)) * 24 * time.Hour)
		}
		c := customers[rng.IntN(len(customers))]
		a := agentIDs[rng.IntN(len(agentIDs))]
		name := fmt.Sprintf("%d +%v ", step, now.Sub(t0))
		switch op := rng.IntN(100); {
		case op < 30:
			in := Inbound{Customer: c, MessageID: fmt.Sprintf("in%d", step), Name: names[rng.IntN(len(names))], Text: []string{"hi", "a human please"}[rng.IntN(2)]}
			tw.do(name+"receive "+c.Customer+" "+in.Name, func(e *Engine) any {
				id, err := e.Receive(now, in)
				return fmt.Sprint(id, err)
			})
		case op < 55:
			m := Outbound{Kind: KindText, Text: strings.Repeat("x", rng.IntN(60))}
			switch rng.IntN(4) {
			case 0:
				m = Outbound{Kind: KindTemplate, Template: &Template{Name: "hello", Language: "en"}}
			case 1:
				m = Outbound{Kind: KindAttachment, Attachment: &Attachment{Kind: "image", Format: "png", Size: 10}}
			}
			var res SendResult
			tw.do(name+"send "+a+" to "+c.Customer+" "+string(m.Kind), func(e *Engine) any {
				r, err := e.Send(context.Background(), now, a, c, m)
				res = r
				return fmt.Sprint(r.Conversation, r.Refusal, r.MessageID, r.Err, err)
			})
			if res.MessageID != "" {
				sends = append(sends, sent{c, res.MessageID, now})
			}
		case op < 65:
			tw.do(name+"close "+a+" "+c.Customer, func(e *Engine) any { return fmt.Sprint(e.Close(now, a, c)) })
		case op < 73:
			if len(sends) == 0 {
				continue
			}
			s := sends[rng.IntN(len(sends))]
			if now.Sub(s.at) >= horizon {
				continue // forgotten: the fallback depends on what is held
			}
			status := []string{"delivered", "read", "failed"}[rng.IntN(3)]
			tw.do(name+"status "+s.id+" "+status, func(e *Engine) any {
				e.Status(now, s.to, s.id, status, "131047")
				return nil
			})
		case op < 82:
			tw.do(name+"advance", func(e *Engine) any { e.Advance(now); return nil })
		case op < 87:
			on := rng.IntN(3) > 0
			tw.do(name+fmt.Sprintf("online %s %v", a, on), func(e *Engine) any { return fmt.Sprint(e.SetOnline(now, a, on)) })
		case op < 91:
			tw.do(name+"take "+a+" "+c.Customer, func(e *Engine) any { return fmt.Sprint(e.Take(now, a, c)) })
		case op < 94:
			other := agentIDs[1-slicesIndex(agentIDs, a)]
			tw.do(name+"transfer "+a+" "+c.Customer, func(e *Engine) any { return fmt.Sprint(e.Transfer(now, a, c, "", other)) })
		case op < 96:
			tw.do(name+"handoff "+c.Customer, func(e *Engine) any { return fmt.Sprint(e.Handoff(now, c)) })
		case op < 97:
			p := Profile{Region: []string{"north", "south"}[rng.IntN(2)]}
			tw.do(name+"profile "+c.Customer, func(e *Engine) any { e.SetProfile(c, p); return nil })
		case op < 98:
			// A waiting conversation closes and leaves its queue entry
			// behind, for a record the releasing engine reuses.
			tw.do(name+"abandon "+c.Customer, func(e *Engine) any { return fmt.Sprint(e.Abandon(now, c)) })
		default:
			m := Outbound{Kind: KindText, Text: "check"}
			tw.do(name+"check "+a+" "+c.Customer, func(e *Engine) any {
				r, err := e.Check(now, a, c, m)
				return fmt.Sprint(r, err)
			})
		}
	}
	// The agents' figures come from the same decisions.
	if a, b := tw.rel.Agents(now), tw.kept.Agents(now); !reflect.DeepEqual(a, b) {
		t.Fatalf("agents differ:\n  %+v\n  %+v", a, b)
	}
	return tw.maxFewer
}

func groupNames(cfg Config) []string {
	var out []string
	for _, g := range cfg.Groups {
		out = append(out, g.Name)
	}
	return out
}

func slicesIndex(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// TestLongRunHoldsOpenConversations: a month of customers who each write,
// get a reply and are closed. The engine holds the open conversations and
// the customers of the latest window and status horizon, however long the
// run; with Retain it holds them all.
func TestLongRunHoldsOpenConversations(t *testing.T) {
	const (
		n     = 15000
		every = 3 * time.Minute // 31 days of customers
	)
	for _, retain := range []bool{false, true} {
		t.Run(fmt.Sprintf("retain=%v", retain), func(t *testing.T) {
			e := newEngine(t, Config{Retain: retain, Agents: agents(3, 5), IdleAfter: time.Hour,
				Policies: map[string]Policy{"whatsapp": whatsappLike}}, ids(3)...)
			// Held: a customer stays the status horizon (25h) after its
			// close, which comes after its window opened.
			bound := int(e.StatusHorizon()/every) + 10
			peak := Footprint{}
			for i := range n {
				now := t0.Add(time.Duration(i) * every)
				k := key(fmt.Sprintf("c%d", i))
				id, err := e.Receive(now, Inbound{Customer: k, MessageID: fmt.Sprintf("in%d", i)})
				if err != nil {
					t.Fatal(err)
				}
				c, _ := e.Conversation(id)
				if r, err := e.Send(context.Background(), now.Add(time.Second), c.Agent, k, Outbound{Kind: KindText, Text: "hello"}); err != nil || r.MessageID == "" {
					t.Fatalf("send: %+v %v", r, err)
				}
				if err := e.Close(now.Add(time.Minute), c.Agent, k); err != nil {
					t.Fatal(err)
				}
				if i%256 == 0 {
					e.Events(nil)
				}
				fp := e.Footprint()
				peak.Customers = max(peak.Customers, fp.Customers)
				peak.Conversations = max(peak.Conversations, fp.Conversations)
				peak.Messages = max(peak.Messages, fp.Messages)
				peak.Open = max(peak.Open, fp.Open)
			}
			fp := e.Footprint()
			held := 0
			e.Conversations(func(Conversation) { held++ })
			if held != fp.Conversations {
				t.Errorf("Conversations visits %d, footprint says %d", held, fp.Conversations)
			}
			if peak.Open > 1 || peak.Messages > bound {
				t.Errorf("peak %+v: want at most 1 open and %d messages remembered", peak, bound)
			}
			if !retain {
				if peak.Customers > bound || peak.Conversations > bound {
					t.Errorf("peak %+v over %d customers: want at most %d customers and conversations held", peak, n, bound)
				}
				if _, _, ok := e.Latest(key("c0")); ok {
					t.Error("the first customer is still held a month later")
				}
				if _, ok := e.Conversation(1); ok {
					t.Error("the first conversation is still held a month later")
				}
				return
			}
			if fp.Customers != n || fp.Conversations != n || held != n {
				t.Errorf("retained %+v, %d visited: want all %d", fp, held, n)
			}
			if c, count, ok := e.Latest(key("c0")); !ok || c.ID != 1 || count != 1 || c.State != Closed {
				t.Errorf("Latest(c0) = %+v %d %v", c, count, ok)
			}
		})
	}
}

// TestReturningCustomer: a customer comes back within its window and after
// it; the engine that released it in between decides exactly as the one that
// kept it, for every policy shape.
func TestReturningCustomer(t *testing.T) {
	tests := []struct {
		name    string
		pol     Policy
		back    time.Duration // when the customer comes back, after its first message
		replies int           // the agent's replies in the first conversation
		// what the agent may send before the customer writes again: a
		// text (no conversation) and a template
		wantText, wantTemplate Reason
	}{
		{"whatsapp within the window", whatsappLike, 23 * time.Hour, 4, ReasonNoConversation, ""},
		{"whatsapp after the window and the horizon", whatsappLike, 3 * 24 * time.Hour, 4, ReasonNoConversation, ""},
		{"wechat within the window", wechatLike, 47 * time.Hour, 4, ReasonNoConversation, ""},
		{"wechat after the window", wechatLike, 4 * 24 * time.Hour, 4, ReasonNoConversation, ReasonWindowClosed},
		{"first anchor, count used up, within", firstAnchor, 90 * time.Minute, 4, ReasonNoConversation, ReasonReplyLimit},
		{"first anchor after", firstAnchor, 3 * 24 * time.Hour, 4, ReasonNoConversation, ""},
		{"no window, count stands for good", noWindowForGood, 5 * 24 * time.Hour, 4, ReasonNoConversation, ReasonReplyLimit},
		// The count is zero at the close, but the customer's first message
		// opened the only window: a template counts, and the customer's
		// next message does not give it back.
		{"no window, count for good, nothing sent", noWindowForGood, 5 * 24 * time.Hour, 0, ReasonNoConversation, ""},
		{"no window, count per message", noWindowCount, 5 * 24 * time.Hour, 4, ReasonNoConversation, ReasonReplyLimit},
		{"no window, count per message, nothing sent", noWindowCount, 5 * 24 * time.Hour, 0, ReasonNoConversation, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Agents: agents(1, 5), Policies: map[string]Policy{"whatsapp": tt.pol}}
			tw := newTwin(t, cfg, []string{"whatsapp"}, 0)
			u := key("u")
			tw.do("online", func(e *Engine) any { return e.SetOnline(t0, "a1", true) })
			tw.do("hello", func(e *Engine) any { return fmt.Sprint(e.Receive(t0, Inbound{Customer: u, MessageID: "i1"})) })
			// Use up the reply count where there is one.
			for i := range tt.replies {
				tw.do("reply", func(e *Engine) any {
					r, err := e.Send(context.Background(), at(time.Duration(i+1)*time.Second), "a1", u, Outbound{Kind: KindText, Text: "r"})
					return fmt.Sprint(r.Refusal, r.MessageID, err)
				})
			}
			tw.do("close", func(e *Engine) any { return fmt.Sprint(e.Close(at(time.Minute), "a1", u)) })
			back := at(tt.back)
			tw.do("advance", func(e *Engine) any { e.Advance(back); return nil })
			// Templates first: a text without a conversation is refused
			// before anything else is looked at.
			var got [2]Reason
			tw.do("template", func(e *Engine) any {
				r, err := e.Send(context.Background(), back, "a1", u, Outbound{Kind: KindTemplate, Template: &Template{Name: "t"}})
				got[1] = r.Refusal
				return fmt.Sprint(r.Refusal, r.MessageID, err)
			})
			tw.do("text", func(e *Engine) any {
				r, err := e.Check(back, "a1", u, Outbound{Kind: KindText, Text: "x"})
				got[0] = r
				return fmt.Sprint(r, err)
			})
			if got[0] != tt.wantText || got[1] != tt.wantTemplate {
				t.Errorf("text %q, template %q; want %q and %q", got[0], got[1], tt.wantText, tt.wantTemplate)
			}
			tw.do("writes again", func(e *Engine) any { return fmt.Sprint(e.Receive(back, Inbound{Customer: u, MessageID: "i2"})) })
			for i := range 6 {
				tw.do("reply again", func(e *Engine) any {
					r, err := e.Send(context.Background(), back.Add(time.Duration(i+1)*time.Second), "a1", u, Outbound{Kind: KindText, Text: "r"})
					return fmt.Sprint(r.Refusal, r.MessageID, err)
				})
			}
		})
	}
}

// TestReleaseWaitsForWindowAndHorizon: a closed customer is held until both
// its window has ended and the status horizon has passed since its close;
// meanwhile Latest and the status fallback answer as before.
func TestReleaseWaitsForWindowAndHorizon(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(1, 2), Policies: map[string]Policy{"whatsapp": wechatLike}}, "a1")
	if h := e.StatusHorizon(); h != 49*time.Hour {
		t.Fatalf("horizon %v, want the 48h window plus an hour", h)
	}
	u := key("u")
	receive(t, e, t0, "u")
	if err := e.Close(at(time.Minute), "a1", u); err != nil {
		t.Fatal(err)
	}
	status := func(now time.Time) ConversationID {
		e.Events(nil)
		e.Status(now, u, "never-sent", "read", "")
		evs := e.Events(nil)
		return evs[len(evs)-1].Conversation
	}
	// The window (48h from the message) ends before the horizon (49h from
	// the close).
	for _, d := range []time.Duration{time.Hour, 48 * time.Hour, 49*time.Hour + 59*time.Second} {
		if c, count, ok := e.Latest(u); !ok || c.ID != 1 || count != 1 {
			t.Fatalf("+%v: Latest = %v %d %v", d, c.ID, count, ok)
		}
		if id := status(at(d)); id != 1 {
			t.Errorf("+%v: status for an unknown message logged against %v, want the latest, 1", d, id)
		}
	}
	e.Advance(at(49*time.Hour + time.Minute))
	if _, _, ok := e.Latest(u); ok {
		t.Error("still held past the window and the horizon")
	}
	if id := status(at(50 * time.Hour)); id != 0 {
		t.Errorf("status for an unknown message of a released customer logged against %v, want 0", id)
	}
	if fp := e.Footprint(); fp.Customers != 0 || fp.Conversations != 0 {
		t.Errorf("footprint %+v after the release", fp)
	}
	// Back: a new record, counting from one.
	c := receive(t, e, at(51*time.Hour), "u")
	if _, count, _ := e.Latest(u); c.ID != 2 || count != 1 {
		t.Errorf("back as conversation %v, count %d", c.ID, count)
	}
}

// TestSupersededConversationIsReleased: a closed conversation goes when its
// customer opens the next one, unless Retain.
func TestSupersededConversationIsReleased(t *testing.T) {
	for _, retain := range []bool{false, true} {
		e := newEngine(t, Config{Retain: retain, Agents: agents(1, 2)}, "a1")
		receive(t, e, t0, "u")
		if err := e.Close(at(time.Minute), "a1", key("u")); err != nil {
			t.Fatal(err)
		}
		if _, ok := e.Conversation(1); !ok {
			t.Errorf("retain=%v: the closed latest conversation is gone at once", retain)
		}
		receive(t, e, at(time.Hour), "u")
		_, ok := e.Conversation(1)
		var visited []ConversationID
		e.Conversations(func(c Conversation) { visited = append(visited, c.ID) })
		if ok != retain || len(visited) != map[bool]int{false: 1, true: 2}[retain] || visited[len(visited)-1] != 2 {
			t.Errorf("retain=%v: conversation 1 held %v, visited %v", retain, ok, visited)
		}
		if _, count, _ := e.Latest(key("u")); count != 2 {
			t.Errorf("retain=%v: count %d, want 2", retain, count)
		}
	}
}

// TestPinnedAndPendingCustomersAreHeld: a customer with a profile is held
// for good; one with a send on its way is held until it is recorded.
func TestPinnedAndPendingCustomersAreHeld(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(1, 2)}, "a1")
	e.SetProfile(key("p"), Profile{Region: "north"})
	receive(t, e, t0, "p")
	receive(t, e, t0, "q")
	e.Close(at(time.Minute), "a1", key("p"))
	e.Close(at(time.Minute), "a1", key("q"))
	e.Advance(at(30 * 24 * time.Hour))
	if _, _, ok := e.Latest(key("p")); !ok {
		t.Error("the customer with a profile was released")
	}
	if _, _, ok := e.Latest(key("q")); ok {
		t.Error("the customer without one is held a month later")
	}

	// A template to a stranger, held while the sender runs.
	g := &holdSender{entered: make(chan struct{}), release: make(chan struct{})}
	e.Handle("whatsapp", g)
	done := make(chan SendResult)
	go func() {
		r, _ := e.Send(context.Background(), at(31*24*time.Hour), "a1", key("s"), Outbound{Kind: KindTemplate, Template: &Template{Name: "t"}})
		done <- r
	}()
	<-g.entered
	e.Advance(at(40 * 24 * time.Hour))
	if fp := e.Footprint(); fp.Customers != 2 {
		t.Errorf("footprint %+v while a send is on its way: want p and s", fp)
	}
	close(g.release)
	if r := <-done; r.Refusal != "" || r.Err != nil {
		t.Fatalf("send: %+v", r)
	}
	e.Advance(at(50 * 24 * time.Hour))
	if fp := e.Footprint(); fp.Customers != 1 {
		t.Errorf("footprint %+v after the send was recorded and the horizon passed: want p only", fp)
	}

	// A customer whose time to go comes while a send to it is on its way
	// stays, with its conversation, until the send is recorded.
	e.Handle("whatsapp", &okSender{})
	day := at(60 * 24 * time.Hour)
	receive(t, e, day, "r")
	e.Close(day.Add(time.Minute), "a1", key("r"))
	g = &holdSender{entered: make(chan struct{}), release: make(chan struct{})}
	e.Handle("whatsapp", g)
	go func() {
		r, _ := e.Send(context.Background(), day.Add(time.Hour), "a1", key("r"), Outbound{Kind: KindTemplate, Template: &Template{Name: "t"}})
		done <- r
	}()
	<-g.entered
	e.Advance(day.Add(10 * 24 * time.Hour)) // past the release time set at the close
	close(g.release)
	if r := <-done; r.Refusal != "" || r.Err != nil || r.MessageID == "" {
		t.Fatalf("send: %+v", r)
	}
	if c, _, ok := e.Latest(key("r")); !ok || c.State != Closed {
		t.Errorf("r released while a send to it was on its way: Latest %+v %v", c, ok)
	}
}

// TestRefusedSendReleasesItsCustomer: a stranger whose only message, a
// template, the platform refused is no longer held once its send is
// recorded (failed notes the release): after the horizon the engine
// holds nobody.
func TestRefusedSendReleasesItsCustomer(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(1, 2)}, "a1")
	e.Handle("whatsapp", failSender{})
	if r, _ := e.Send(context.Background(), at(0), "a1", key("s"), Outbound{Kind: KindTemplate, Template: &Template{Name: "t"}}); r.Err == nil {
		t.Fatalf("send: %+v, want the platform's refusal", r)
	}
	e.Advance(at(40 * 24 * time.Hour))
	if fp := e.Footprint(); fp.Customers != 0 {
		t.Errorf("footprint %+v after a refused send and the horizon: want nobody held", fp)
	}
}

// holdSender tells when a send has reached it and waits to be released.
type holdSender struct {
	entered, release chan struct{}
}

func (h *holdSender) Send(context.Context, CustomerKey, Outbound) (string, error) {
	close(h.entered)
	<-h.release
	return "m1", nil
}

func TestDefaultStatusHorizon(t *testing.T) {
	tests := []struct {
		name     string
		horizon  time.Duration
		policies map[string]Policy
		want     time.Duration
	}{
		{"no policies", 0, nil, DefaultStatusHorizon},
		{"a short window", 0, map[string]Policy{"x": {Window: time.Hour}}, DefaultStatusHorizon},
		{"whatsapp", 0, map[string]Policy{"x": whatsappLike}, 25 * time.Hour},
		{"the longest window", 0, map[string]Policy{"x": whatsappLike, "y": wechatLike}, 49 * time.Hour},
		{"an endless window", 0, map[string]Policy{"x": {Window: 1<<63 - 1}}, 1<<63 - 1},
		{"configured", 3 * time.Hour, map[string]Policy{"y": wechatLike}, 3 * time.Hour},
	}
	for _, tt := range tests {
		e, err := New(Config{StatusHorizon: tt.horizon, Policies: tt.policies})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.StatusHorizon(); got != tt.want {
			t.Errorf("%s: horizon %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestReleaseAtOneTime holds advance's sweeps, made only when something is
// due, to what a sweep at every call gives: a customer whose release comes
// due at a time is released by the next call at that time, also when a
// long overdue idle deadline closed its conversation (its release is due
// at once), and one whose release comes due later is not.
func TestReleaseAtOneTime(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(1, 1), IdleAfter: time.Hour, StatusHorizon: time.Hour,
		Policies: map[string]Policy{"whatsapp": {Window: time.Hour}}}, "a1")
	receive(t, e, t0, "early")
	// Three days later the idle deadline (t0+1h) fires: the close at t0+1h
	// makes the release due at t0+2h, long past.
	late := at(72 * time.Hour)
	receive(t, e, late, "later")
	if got := e.Footprint().Customers; got != 2 {
		t.Fatalf("after the overdue close: %d customers held, want 2 (its release is swept by the next call)", got)
	}
	e.Advance(late)
	if got := e.Footprint().Customers; got != 1 {
		t.Fatalf("a call at the same time: %d customers held, want 1", got)
	}
	if _, _, ok := e.Latest(key("early")); ok {
		t.Fatal("the released customer still answers Latest")
	}
	e.Advance(late)
	if _, _, ok := e.Latest(key("later")); !ok {
		t.Fatal("the customer written at that time was released")
	}
}

// TestReleaseWaitsForTheWindow: a customer whose reply window outlasts the
// status horizon is held until the window ends, though the horizon after
// its close has passed: a send inside the window must still find it.
func TestReleaseWaitsForTheWindow(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(1, 1), StatusHorizon: time.Hour,
		Policies: map[string]Policy{"whatsapp": {Window: 24 * time.Hour}}}, ids(1)...)
	k := key("+15550000001")
	if _, err := e.Receive(t0, Inbound{Customer: k, MessageID: "m1", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	cv, _, _ := e.Latest(k)
	if err := e.Close(t0.Add(time.Minute), cv.Agent, k); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at   time.Duration
		held int
	}{
		{2 * time.Hour, 1},                  // past the horizon, inside the window
		{24*time.Hour - time.Second, 1},     // the window's last second
		{24*time.Hour - time.Nanosecond, 1}, // its last nanosecond
		{24 * time.Hour, 0},                 // the window's end, where a send is refused
	} {
		e.Advance(t0.Add(tc.at))
		if got := e.Footprint().Customers; got != tc.held {
			t.Errorf("at +%v: %d customers held, want %d", tc.at, got, tc.held)
		}
	}
}

// TestSweepDueByReleaseQueue: whatever a run does, the engine's next
// sweep is due no later than the release queue's earliest entry, so that
// a customer is released when its time comes, not at a later call that
// happens to sweep; and a customer closed after another is released at
// its own time.
func TestSweepDueByReleaseQueue(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(3, 2), StatusHorizon: time.Hour,
		Policies: map[string]Policy{"whatsapp": {Window: 30 * time.Minute}}}, ids(3)...)
	rng := rand.New(rand.NewPCG(9, 9))
	now := t0
	for i := range 3000 {
		now = now.Add(time.Duration(rng.IntN(20)) * time.Minute)
		k := key(fmt.Sprint("c", rng.IntN(40)))
		switch rng.IntN(3) {
		case 0:
			if _, err := e.Receive(now, Inbound{Customer: k, MessageID: fmt.Sprint(i), Text: "hi"}); err != nil {
				t.Fatal(err)
			}
		case 1:
			if cv, _, ok := e.Latest(k); ok && cv.State == Assigned {
				if err := e.Close(now, cv.Agent, k); err != nil {
					t.Fatal(err)
				}
			}
		default:
			e.Advance(now)
		}
		if at, ok := e.releases.next(); ok && (e.sweepDue > at || e.until > at) {
			t.Fatalf("step %d: sweepDue %d, until %d after the release queue's front %d", i, e.sweepDue, e.until, at)
		}
	}

	// Two customers closed ten minutes apart: each is released at its
	// time, the second by a sweep that the first's set up.
	e = newEngine(t, Config{Agents: agents(2, 1), StatusHorizon: time.Hour}, ids(2)...)
	for i, k := range []CustomerKey{key("+15550000001"), key("+15550000002")} {
		at := t0.Add(time.Duration(10*i) * time.Minute)
		if _, err := e.Receive(at, Inbound{Customer: k, MessageID: fmt.Sprint("m", i), Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		cv, _, _ := e.Latest(k)
		if err := e.Close(at.Add(time.Minute), cv.Agent, k); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		at   time.Duration
		held int
	}{
		{time.Hour + 2*time.Minute, 1},
		{time.Hour + 12*time.Minute, 0},
	} {
		e.Advance(t0.Add(tc.at))
		if got := e.Footprint().Customers; got != tc.held {
			t.Errorf("at +%v: %d customers held, want %d", tc.at, got, tc.held)
		}
	}
}
