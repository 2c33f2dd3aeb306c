package fuzz

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms/messenger"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// The invariants model what the scenario format routes by: working hours,
// stores, workstreams, overflow after a wait, automatic replies, drift a
// scenario declares, captions sent apart; and they judge what a long run
// still holds of its logs and journals. Each test gives an invariant a
// trace that uses the feature rightly and one that breaks it.

// shift is an agent's shift change m minutes in.
func shift(m float64, agent string, start bool) router.Event {
	kind := router.EventShiftEnded
	if start {
		kind = router.EventShiftStarted
	}
	return ev(m, kind, 0, "", agent, "")
}

// hoursScenario is deskScenario with ana on a schedule (its hours are what
// the trace's shift events say).
func hoursScenario(strategy string) *scenario.Scenario {
	sc := deskScenario(strategy, "none")
	sc.Schedules = map[string]scenario.Schedule{"office": {Mon: []string{"10:00-18:00"}}}
	sc.Agents[0].Schedule = "office"
	return sc
}

func TestWorkingHours(t *testing.T) {
	sc := hoursScenario("least-loaded")
	assign := []router.Event{ev(1, router.EventOpened, 1, "u1", "", "vip"), ev(1, router.EventAssigned, 1, "u1", "ana", "vip")}
	// ana's first shift event is its end: it was in hours until then.
	inHours := trace(sc, append([]router.Event{online(0, "ana")}, append(assign, shift(60, "ana", false))...)...)
	// Its first is a start: it was out of hours until then.
	outOfHours := trace(sc, append([]router.Event{online(0, "ana")}, append(assign, shift(60, "ana", true))...)...)
	expectViolation(t, EligibleAgent, inHours, outOfHours, `ana, who is outside its working hours (and "vip" does not ignore them)`)
	// With no shift change in the run, the engine's last figures say.
	all := func(in bool) *Trace {
		tr := trace(sc, append([]router.Event{online(0, "ana")}, assign...)...)
		tr.InHours = map[string]bool{"ana": in}
		return tr
	}
	expectViolation(t, EligibleAgent, all(true), all(false), "outside its working hours")
	// A group that ignores hours takes ana outside them.
	ignoring := hoursScenario("least-loaded")
	ignoring.Groups[1].IgnoreHours = true // vip
	if v := checkEligibleAgent(trace(ignoring, outOfHours.Events...)); v != nil {
		t.Errorf("vip ignores hours: %v", v)
	}
	// and may not leave a conversation of vip waiting while ana has room.
	ignored := []router.Event{online(0, "ana"), shift(0, "ana", false), ev(1, router.EventOpened, 1, "u1", "", "vip")}
	expectViolation(t, WorkConserving, trace(ignoring, append(ignored, ev(1, router.EventAssigned, 1, "u1", "ana", "vip"))...),
		trace(ignoring, append(ignored, ev(1, router.EventQueued, 1, "u1", "", "vip"))...), "although ana is eligible")

	// Waiting while the only member of the group is out of hours is right;
	// once its shift starts it is not.
	wait := []router.Event{online(0, "ana"), shift(0, "ana", false), ev(1, router.EventOpened, 1, "u1", "", "vip"), ev(1, router.EventQueued, 1, "u1", "", "vip")}
	waits := trace(sc, wait...)
	drained := trace(sc, append(wait, shift(60, "ana", true), ev(60, router.EventAssigned, 1, "u1", "ana", "vip"))...)
	expectViolation(t, WorkConserving, waits, trace(sc, append(wait, shift(60, "ana", true))...), "although ana is eligible")
	if v := checkWorkConserving(drained); v != nil {
		t.Errorf("the shift's start drains: %v", v)
	}
	if v := checkEligibleAgent(drained); v != nil {
		t.Errorf("assigned in hours: %v", v)
	}

	// The strategy picks among the agents in hours: ana comes before cy by
	// id, but not while its shift is over.
	pick := func(ended bool) *Trace {
		evs := []router.Event{online(0, "ana"), online(0, "cy")}
		if ended {
			evs = append(evs, shift(0, "ana", false))
		}
		return trace(sc, append(evs, ev(1, router.EventOpened, 1, "u1", "", "vip"), ev(1, router.EventAssigned, 1, "u1", "cy", "vip"))...)
	}
	expectViolation(t, StrategyOrder, pick(true), pick(false), "picked cy")
}

// TestRoundRobinSkipsOutOfHours: the rotation skips a member out of its
// hours, which keeps its place.
func TestRoundRobinSkipsOutOfHours(t *testing.T) {
	sc := hoursScenario("round-robin")
	// vip's rotation: ana, cy. ana is out of hours: cy takes both.
	evs := []router.Event{online(0, "ana"), online(0, "cy"), shift(0, "ana", false),
		ev(1, router.EventOpened, 1, "u1", "", "vip"), ev(1, router.EventAssigned, 1, "u1", "cy", "vip"),
		ev(2, router.EventClosed, 1, "u1", "cy", "vip"),
		ev(3, router.EventOpened, 2, "u3", "", "vip"), ev(3, router.EventAssigned, 2, "u3", "cy", "vip")}
	good := trace(sc, evs...)
	bad := trace(sc, append(evs[:6:6], shift(2.5, "ana", true), evs[6], evs[7])...)
	expectViolation(t, StrategyOrder, good, bad, "picked cy over ana, the next eligible member")
}

func TestOverflowAfter(t *testing.T) {
	sc := deskScenario("least-loaded", "default")
	sc.Tenant.OverflowAfter = scenario.Duration(2 * time.Minute)
	// Nobody of vip is online; bo, of the default group, is.
	wait := []router.Event{online(0, "bo"), ev(1, router.EventOpened, 1, "u1", "", "vip"), ev(1, router.EventQueued, 1, "u1", "", "vip")}
	overflowed := ev(3, router.EventOverflowed, 1, "u1", "", "default")
	overflowed.Detail = "vip"
	moved := append(wait[:3:3], overflowed, ev(3, router.EventAssigned, 1, "u1", "bo", "default"))
	// It waits in vip for two minutes, then goes to bo.
	expectViolation(t, WorkConserving, trace(sc, moved...), trace(sc, append(wait[:3:3], overflowed)...), "waits in \"default\"")
	if v := checkWorkConserving(trace(sc, wait...)); v != nil {
		t.Errorf("waiting out overflow_after: %v", v)
	}
	early := append(wait[:3:3], ev(2, router.EventAssigned, 1, "u1", "bo", "default"))
	expectViolation(t, GroupPriority, trace(sc, moved...), trace(sc, early...), `assigned in "default" before it overflowed from "vip" (overflow_after 2m)`)
	// Without overflow_after the default group takes it at once.
	now := deskScenario("least-loaded", "default")
	atOnce := append(wait[:2:2], ev(1, router.EventAssigned, 1, "u1", "bo", "default"))
	expectViolation(t, WorkConserving, trace(now, atOnce...), trace(now, wait...), "bo is eligible")
	if v := checkGroupPriority(trace(now, atOnce...)); v != nil {
		t.Errorf("overflow at once: %v", v)
	}
	// With overflow at once, bo, of the default group alone here, drains
	// vip's queue before its own, vip coming first by priority.
	now.Customers = append(now.Customers, scenario.Customer{ID: "u4", Channel: "whatsapp", Region: "south"})
	busy := []router.Event{online(0, "bo"),
		ev(1, router.EventOpened, 1, "u2", "", "default"), ev(1, router.EventAssigned, 1, "u2", "bo", "default"),
		ev(2, router.EventOpened, 2, "u1", "", "vip"), ev(2, router.EventAssigned, 2, "u1", "bo", "default"),
		ev(3, router.EventOpened, 3, "u3", "", "vip"), ev(3, router.EventQueued, 3, "u3", "", "vip"),
		ev(4, router.EventOpened, 4, "u4", "", "default"), ev(4, router.EventQueued, 4, "u4", "", "default"),
		ev(5, router.EventClosed, 1, "u2", "bo", "default")}
	takes := func(conv int, customer string) *Trace {
		return trace(now, append(slices.Clone(busy), ev(5, router.EventAssigned, conv, customer, "bo", "default"))...)
	}
	expectViolation(t, GroupPriority, takes(3, "u3"), takes(4, "u4"), `waited ahead of it in "vip"`)
}

func TestStoreSplit(t *testing.T) {
	sc := &scenario.Scenario{
		Start: t0, Duration: scenario.Duration(time.Hour),
		Tenant:   scenario.Tenant{Split: "store"},
		Channels: map[string]*scenario.Channel{"douyin": {}},
		Groups: []scenario.Group{
			{Name: "xihu-late", Priority: 2, Stores: []string{"poi-xihu"}},
			{Name: "empty", Stores: []string{"poi-empty"}},
			{Name: "xihu", Priority: 1, Stores: []string{"poi-xihu"}}, // before xihu-late by priority
		},
		Agents: []scenario.Agent{
			{ID: "hq", Capacity: 2},
			{ID: "x1", Store: "poi-xihu", Groups: []string{"xihu"}},
			{ID: "b1", Store: "poi-bj"},                        // no group lists its store: store/poi-bj
			{ID: "s1", Store: "poi-sh", Reception: ptr(false)}, // store/poi-sh, without s1
		},
	}
	opened := func(store, group string) *Trace {
		k := router.CustomerKey{Channel: "douyin", Account: "acct", Customer: "c-" + store}
		tr := &Trace{Scenario: sc, Customers: map[router.CustomerKey]*Customer{k: {ID: "c", Profile: &router.Profile{Store: store}}}, Keys: []router.CustomerKey{k}}
		tr.Events = []router.Event{{Seq: 1, At: t0, Kind: router.EventOpened, Conversation: 1, Customer: k, Group: group}}
		return tr
	}
	for _, tt := range []struct{ store, group string }{
		{"poi-xihu", "xihu"},
		{"poi-bj", "store/poi-bj"}, // its agents' implicit group
		{"poi-empty", "default"},   // its group has no agents
		{"poi-sh", "default"},      // its agents take no reception
		{"poi-nowhere", "default"}, // no group, no agents
		{"", "default"},            // no location permission
	} {
		if v := checkGroupPriority(opened(tt.store, tt.group)); v != nil {
			t.Errorf("store %q to %q: %v", tt.store, tt.group, v)
		}
		wrong := "xihu"
		if tt.group == "xihu" {
			wrong = "default"
		}
		if v := checkGroupPriority(opened(tt.store, wrong)); v == nil || !strings.Contains(v.Message, `belongs to "`+tt.group+`"`) {
			t.Errorf("store %q to %q: %v", tt.store, wrong, v)
		}
	}
	// The implicit default group is the headquarters': a store's agent is
	// not in it, nor the headquarters' agent in a store's group.
	assigned := func(agent, group string) *Trace {
		tr := opened("", group)
		k := tr.Keys[0]
		tr.Events = append([]router.Event{{Seq: 1, At: t0, Kind: router.EventOnline, Agent: agent}}, tr.Events...)
		tr.Events = append(tr.Events, router.Event{Seq: 3, At: t0, Kind: router.EventAssigned, Conversation: 1, Customer: k, Agent: agent, Group: group})
		return tr
	}
	expectViolation(t, EligibleAgent, assigned("hq", "default"), assigned("x1", "default"), `not a member of "default"`)
	expectViolation(t, EligibleAgent, assigned("b1", "store/poi-bj"), assigned("hq", "store/poi-bj"), `not a member of "store/poi-bj"`)

	// A customer of a traffic flow, whose profile is drawn, belongs to a
	// group of some profile of the flows on its channel.
	flows := func(stores ...string) func(group string) *Trace {
		return func(group string) *Trace {
			s := *sc
			s.Traffic = []scenario.Traffic{{Channel: "douyin", Stores: stores}}
			tr := opened("", group)
			tr.Scenario = &s
			tr.Customers[tr.Keys[0]].Profile = nil
			return tr
		}
	}
	expectViolation(t, GroupPriority, flows("poi-xihu", "poi-bj")("store/poi-bj"), flows("poi-xihu", "poi-bj")("default"),
		`classified to "default", which no profile of the customer's traffic flows belongs to (want one of "store/poi-bj", "xihu")`)
	expectViolation(t, GroupPriority, flows()("default"), flows()("xihu"), `(want one of "default")`)
}

func TestWorkstreamRule(t *testing.T) {
	sc := deskScenario("least-loaded", "none")
	sc.Workstreams = []scenario.Workstream{{Name: "social", Channels: []string{"whatsapp"}, Fallback: "sales",
		Rules: []scenario.Rule{{Name: "gold", Group: "vip", Attributes: map[string]string{"tier": "gold"}}, {Group: "default"}}}}
	opened := func(detail, group string) *Trace {
		e := ev(0, router.EventOpened, 1, "u1", "", group)
		e.Detail = detail
		return trace(sc, e)
	}
	good := opened("social/gold", "vip")
	for _, tt := range []struct{ detail, group, want string }{
		{"social/gold", "sales", `classified to "sales" by "social/gold", whose group is "vip"`},
		{"social/fallback", "vip", `whose group is "sales"`},
		{"social/silver", "vip", `by rule "silver", which workstream "social" does not have`},
		{"", "vip", `its channel is bound to workstream "social"`},
	} {
		expectViolation(t, GroupPriority, good, opened(tt.detail, tt.group), tt.want)
	}
	for _, ok := range []*Trace{opened("social/fallback", "sales"), opened("social/rule 2", "default")} {
		if v := checkGroupPriority(ok); v != nil {
			t.Error(v)
		}
	}
	// WeChat is bound to no workstream: the split classifies it.
	expectViolation(t, GroupPriority, trace(sc, ev(0, router.EventOpened, 1, "u3", "", "vip")), trace(sc, ev(0, router.EventOpened, 1, "u3", "", "sales")), `belongs to "vip"`)
	// Which rule matches first is said not to be judged.
	if u := groupLimits(good); u == nil || !u.Part || !strings.Contains(u.Reason, `which rule of workstream "social"`) {
		t.Errorf("limits %+v", u)
	}
	if u := groupLimits(trace(deskScenario("least-loaded", "none"))); u != nil {
		t.Errorf("no workstream: %+v", u)
	}
	bare := deskScenario("least-loaded", "none")
	bare.Workstreams = []scenario.Workstream{{Name: "social", Fallback: "sales"}}
	if u := groupLimits(trace(bare)); u != nil {
		t.Errorf("a workstream without rules: %+v", u)
	}
}

// TestAutoReplyAnswersNobody: an automatic reply is the router's message,
// but no agent's answer: the chat still becomes missed.
func TestAutoReplyAnswersNobody(t *testing.T) {
	sc := deskScenario("least-loaded", "none")
	sc.Tenant.MissedAfter = scenario.Duration(10 * time.Minute)
	sc.Tenant.CloseMissedAfter = scenario.Duration(20 * time.Minute)
	reply := func(agent string) *Trace {
		s := ev(1, router.EventSent, 1, "u1", agent, "")
		s.Message = "m1"
		closed := ev(30, router.EventClosed, 1, "u1", "", "vip")
		closed.Detail = string(router.ClosedMissed)
		return trace(sc, ev(0, router.EventOpened, 1, "u1", "", "vip"), s, ev(10, router.EventMissed, 1, "u1", "", "vip"), closed)
	}
	expectViolation(t, Timers, reply(router.AutoID), reply("ana"), "after an agent answered it")
}

func TestDeclaredDrift(t *testing.T) {
	sc := deskScenario("least-loaded", "none")
	refused := result.Drift{At: t0, Kind: result.DriftSentRefused, Channel: "wechat", Customer: "u3", Agent: "ana", Router: "sent", Platform: "45047"}
	mk := func(kind string, count int, d result.Drift) *Trace {
		s := *sc
		s.Expect = []scenario.Expect{{Drift: kind, Count: ptr(count)}}
		tr := trace(&s)
		tr.Result.Drift = []result.Drift{d}
		return tr
	}
	// A scenario that counts the drift it shows declares it.
	good := mk("sent_refused", 1, refused)
	expectViolation(t, NoDrift, good, mk("sent_refused", 0, refused), "sent_refused drift on wechat")
	if v := checkNoDrift(mk("any", 2, refused)); v != nil {
		t.Errorf("any: %v", v)
	}
	accepted := refused
	accepted.Kind = result.DriftRefusedAccepted
	expectViolation(t, NoDrift, good, mk("sent_refused", 1, accepted), "refused_accepted drift on wechat")

	// A Messenger page without the HUMAN_AGENT tag refuses what its router
	// sends after the standard window.
	page := func(rules scenario.Rules) *Trace {
		s := deskScenario("least-loaded", "none")
		s.Channels["messenger"] = &scenario.Channel{Settings: &messenger.Settings{HumanAgent: ptr(false)}, Rules: rules}
		tr := trace(s)
		d := refused
		d.Channel = "messenger"
		tr.Result.Drift = []result.Drift{d}
		return tr
	}
	expectViolation(t, NoDrift, page(scenario.Rules{}), page(scenario.Rules{Window: ptr(scenario.Duration(12 * time.Hour))}), "sent_refused drift on messenger")
	// A standard window as long as the tag's leaves the router nothing
	// more to allow.
	long := page(scenario.Rules{})
	long.Scenario.Channels["messenger"].Settings.(*messenger.Settings).StandardWindow = ptr(scenario.Duration(8 * 24 * time.Hour))
	expectViolation(t, NoDrift, page(scenario.Rules{}), long, "sent_refused drift on messenger")
}

// TestTruncatedLogs: a long run's engine log keeps its newest events, a
// journal its newest webhooks, a device its newest deliveries; the
// invariants judge what is left and say what they did not.
func TestTruncatedLogs(t *testing.T) {
	sc := deskScenario("least-loaded", "none")
	// ana went online before the oldest event held: the desk cannot know.
	lost := trace(sc, ev(100, router.EventOpened, 1, "u1", "", "vip"), ev(100, router.EventAssigned, 1, "u1", "ana", "vip"))
	lost.Lost = 1000
	for _, inv := range Invariants() {
		if inv.Name == Deterministic || inv.Name == NoPanic || inv.Name == RunError {
			continue
		}
		if v := inv.Check(lost); v != nil {
			t.Errorf("%s judged a log that lost its oldest events: %v", inv.Name, v)
		}
	}
	for _, name := range []string{EligibleAgent, GroupPriority, WorkConserving, StrategyOrder, LongestIdle, AssignedOnce, ConversationsKept} {
		inv, _ := Lookup(name)
		if u := inv.Limits(lost); u == nil || u.Part || !strings.Contains(u.Reason, "lost the 1000 before them (from +1h40m on)") {
			t.Errorf("%s: %+v", name, u)
		}
	}
	for _, name := range []string{SentDelivered, Timers, InboundOnce} {
		inv, _ := Lookup(name)
		if u := inv.Limits(lost); u == nil || !u.Part || !strings.Contains(u.Reason, "at or before +1h40m") {
			t.Errorf("%s: %+v", name, u)
		}
	}

	// A journal that kept its newest webhooks from +1h on: a message
	// logged before it may be among those it lost.
	journal := func(loggedAt float64, from time.Duration) *Trace {
		in := ev(loggedAt, router.EventInbound, 1, "u1", "", "vip")
		in.Message = "wamid.old"
		tr := trace(sc, in)
		if from > 0 {
			tr.Journals = map[string]time.Time{"whatsapp": t0.Add(from)}
		}
		return tr
	}
	expectViolation(t, InboundOnce, journal(30, time.Hour), journal(90, time.Hour), `"wamid.old" from u1 at +1h30m that the platform never sent`)
	expectViolation(t, InboundOnce, journal(30, time.Hour), journal(30, 0), "never sent")
	if u := inboundLimits(journal(30, time.Hour)); u == nil || !strings.Contains(u.Reason, "the messages sent on whatsapp at or before +1h, where its journal of webhooks begins") {
		t.Errorf("limits %+v", u)
	}
	// A message whose oldest try held is after the journal begins, but
	// which the router logged before: its first tries were lost, and
	// what the held ones say of its acceptance is not all.
	retried := func(from time.Duration) *Trace {
		tr := journal(30, from)
		tr.Customers[key("u1")].Inbound = []Message{{ID: "wamid.old", At: t0.Add(90 * time.Minute), Tries: 1}}
		return tr
	}
	expectViolation(t, InboundOnce, retried(time.Hour), retried(0), "was never accepted by the router")
	if u := journalLimits(journal(30, time.Hour)); u == nil || !u.Part || !strings.Contains(u.Reason, "the deliveries answering messages made on whatsapp at or before +1h") {
		t.Errorf("platform-rules limits %+v", u)
	}

	// A delivery answering a message the journal may have lost is not
	// judged; one answering a message it holds is.
	device := func(from time.Duration, msgAt, dlAt float64) *Trace {
		tr := trace(sc)
		c := tr.Customers[key("u1")]
		at := t0.Add(time.Duration(msgAt * float64(time.Minute)))
		c.Inbound = []Message{{ID: "wamid.1", At: at, Made: at, MadeBy: at, Accepted: true, Tries: 1}}
		c.Device = []sim.Delivery{{At: t0.Add(time.Duration(dlAt * float64(time.Minute))), Kind: "text", Text: "hi"}}
		if from > 0 {
			tr.Journals = map[string]time.Time{"whatsapp": t0.Add(from)}
		}
		return tr
	}
	day := 24 * 60.0
	expectViolation(t, PlatformRules, device(time.Hour, 2*day, 30), device(0, 2*day, 30), "before the customer ever wrote")
	expectViolation(t, PlatformRules, device(time.Hour, 90, 100), device(time.Hour, 90, 90+day+1), "outside the 24h window")
	expectViolation(t, PlatformRules, device(time.Hour, 30, 30+day+1), device(0, 30, 30+day+1), "outside the 24h window")

	// A log judged up to an event the desk does not model is not held to
	// leave nothing overdue at its end.
	timed := deskScenario("least-loaded", "none")
	timed.Tenant.MissedAfter = scenario.Duration(10 * time.Minute)
	overdue := func(evs ...router.Event) *Trace {
		tr := trace(timed, append([]router.Event{ev(0, router.EventOpened, 1, "u1", "", "vip")}, evs...)...)
		tr.Result.End = t0.Add(time.Hour)
		return tr
	}
	expectViolation(t, Timers, overdue(ev(5, router.EventTransferred, 1, "u1", "ana", "vip")), overdue(), "not marked missed by the end")
}

// TestNoValidCase: a session whose every case is invalid checked nothing,
// and says why the first was.
func TestNoValidCase(t *testing.T) {
	base := deskScenario("least-loaded", "none")
	base.Agents[0].Schedule = "nights" // no such schedule
	sum, err := Fuzz(context.Background(), Options{Seed: 1, Runs: 3, Rules: base, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.NoneValid() || sum.Invalid != 3 || sum.InvalidSeed != 1 || sum.FirstInvalid == nil || !strings.Contains(sum.FirstInvalid.Error(), `unknown schedule "nights"`) {
		t.Fatalf("%+v", sum)
	}
	// Schedules the agents name are kept.
	base.Schedules = map[string]scenario.Schedule{"nights": {Mon: []string{"22:00-06:00"}}}
	sum, err = Fuzz(context.Background(), Options{Seed: 1, Runs: 3, Rules: base, Dir: t.TempDir()})
	if err != nil || sum.NoneValid() || sum.Invalid != 0 || sum.FirstInvalid != nil {
		t.Fatalf("%+v, %v", sum, err)
	}
}
