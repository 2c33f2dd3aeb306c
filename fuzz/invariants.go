package fuzz

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/omnisim/omnisim/platforms/messenger"
	"github.com/omnisim/omnisim/router"
	routerms "github.com/omnisim/omnisim/router/messenger"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// Invariant is a property every run of every valid scenario has.
type Invariant struct {
	// Name is the invariant's short name, as violations and shrunk files
	// give it ("eligible-agent").
	Name string
	// Doc says what holds, in one line.
	Doc string
	// Check returns the first violation in a trace, or nil.
	Check func(tr *Trace) *Violation
	// Twice makes the runner play the scenario a second time and keep that
	// run's report in [Trace.Again].
	Twice bool
	// Limits, when set, says what of a trace the invariant does not judge
	// (a feature it does not model, a log or a journal that kept only its
	// newest entries), or nil when it judges all of it. Check itself
	// judges nothing there: Limits only says so.
	Limits func(tr *Trace) *Unjudged
}

// Unjudged is what an invariant left unjudged in a trace, and why: all of
// it, or (Part) a part, which Reason says.
type Unjudged struct {
	Invariant string
	Part      bool
	Reason    string
}

// String formats the note on one line: "eligible-agent not judged: WHY",
// or "timers judged in part, not judging WHAT".
func (u Unjudged) String() string {
	if u.Part {
		return u.Invariant + " judged in part, not judging " + u.Reason
	}
	return u.Invariant + " not judged: " + u.Reason
}

// notJudged and judgedInPart make the notes of Limits; a part with no
// reason is none.
func notJudged(reason string) *Unjudged { return &Unjudged{Reason: reason} }

func judgedInPart(reasons ...string) *Unjudged {
	var rs []string
	for _, r := range reasons {
		if r != "" {
			rs = append(rs, r)
		}
	}
	if len(rs) == 0 {
		return nil
	}
	return &Unjudged{Part: true, Reason: strings.Join(rs, "; ")}
}

// Violation is one failure of an invariant.
type Violation struct {
	Invariant string
	// At is the virtual time of the violation; zero when it has none (a
	// whole-run property).
	At      time.Time
	Message string
	// Expect holds expectations that fail while the violation happens and
	// hold once it is fixed, for a shrunk scenario file to fail on under
	// 'omnisim run'; nil when no expectation captures it.
	Expect []scenario.Expect
}

// Error formats the violation on one line.
func (v *Violation) Error() string {
	return fmt.Sprintf("%s: %s", v.Invariant, v.Message)
}

// The invariants' names.
const (
	NoPanic        = "no-panic"
	RunError       = "run-error"
	EligibleAgent  = "eligible-agent"
	GroupPriority  = "group-priority"
	WorkConserving = "work-conserving"
	StrategyOrder  = "strategy-order"
	LongestIdle    = "longest-idle"
	InboundOnce    = "inbound-once"
	PlatformRules  = "platform-rules"
	SentDelivered  = "sent-delivered"
	Timers         = "timers"
	NoDrift        = "no-drift"
	Deterministic  = "deterministic"
)

// Invariants returns every invariant, in the order they are checked. The
// slice is a new copy on every call.
func Invariants() []Invariant {
	return []Invariant{
		{Name: NoPanic, Doc: "nothing panics: not the engine, an adapter, a fake or the simulator", Check: checkNoPanic},
		{Name: RunError, Doc: "a valid scenario runs to its end: every platform starts, every webhook handshake succeeds and every router restart restores the router", Check: checkRunError},
		{Name: EligibleAgent, Doc: "no conversation is assigned to an agent who is offline, outside its working hours (unless the group ignores them), at capacity, or not a member of the group", Check: checkEligibleAgent, Limits: deskLimits},
		{Name: GroupPriority, Doc: "a conversation goes to the highest-priority group it matches (or the group its workstream's rule names), is assigned there (or in the default group by overflow, when its own has nobody eligible, or once it waited overflow_after), and queues drain by group priority, oldest first", Check: checkGroupPriority, Limits: groupLimits},
		{Name: WorkConserving, Doc: "nobody waits while an eligible agent of its group (or, with overflow, of the default group) has room", Check: checkWorkConserving, Limits: deskLimits},
		{Name: StrategyOrder, Doc: "the agent assigned comes first by the strategy's keys among the group's eligible agents", Check: checkStrategyOrder, Limits: deskLimits},
		{Name: LongestIdle, Doc: "under longest-idle no agent gets a second conversation while an eligible agent of the group has had none", Check: checkLongestIdle, Limits: deskLimits},
		{Name: InboundOnce, Doc: "every customer message the platform sent the router is logged as inbound exactly once, and nothing else is", Check: checkInboundOnce, Limits: inboundLimits},
		{Name: PlatformRules, Doc: "no message reaches a device outside its reply window or past the reply limit (WhatsApp: 24h since the customer's last message; WeChat: 48h, 5 per customer message; Douyin: 48h, 5 per customer message; Business Messages: 30 days; Messenger: 7 days with the HUMAN_AGENT tag; LINE: neither)", Check: checkPlatformRules, Limits: journalLimits},
		{Name: SentDelivered, Doc: "what the router logs as sent (and not failed) is what reached the customer's device: it never reports as sent what the platform refused", Check: checkSentDelivered, Limits: sentLimits},
		{Name: Timers, Doc: "missed and idle chats are marked and closed exactly when the tenant's timers say (missed_after, close_missed_after, idle_after), and none is left overdue", Check: checkTimers, Limits: timerLimits},
		{Name: NoDrift, Doc: "router and platform never disagree on a policy, unless the scenario sets router-only rules for the channel or counts the drift in its expectations", Check: checkNoDrift},
		{Name: AssignedOnce, Doc: "no conversation is assigned while it is assigned, under duplicated, reordered and late webhooks and router restarts alike", Check: checkAssignedOnce, Limits: wholeLogLimits},
		{Name: ConversationsKept, Doc: "every conversation opens once under a new id, a customer has one open at a time, and none has events before its opening or after its close: none is lost or doubled by faults or restarts", Check: checkConversationsKept, Limits: wholeLogLimits},
		{Name: Deterministic, Doc: "the same scenario and seed give byte-identical JSON reports", Check: checkDeterministic, Twice: true},
	}
}

// Lookup returns the invariant with the given name.
func Lookup(name string) (Invariant, bool) {
	for _, inv := range Invariants() {
		if inv.Name == name {
			return inv, true
		}
	}
	return Invariant{}, false
}

// offset formats t as an offset from the scenario's start.
func offset(tr *Trace, t time.Time) string {
	return "+" + scenario.FormatDuration(t.Sub(tr.Scenario.Start))
}

// who names a customer for messages.
func who(tr *Trace, key router.CustomerKey) string {
	return tr.Customers[key].name(key)
}

func checkNoPanic(tr *Trace) *Violation {
	if tr.Panic == "" {
		return nil
	}
	return &Violation{Invariant: NoPanic, Message: "panic: " + tr.Panic}
}

func checkRunError(tr *Trace) *Violation {
	if tr.Result.Error == "" {
		return nil
	}
	return &Violation{Invariant: RunError, At: tr.Result.End, Message: "the run stopped: " + tr.Result.Error}
}

func checkEligibleAgent(tr *Trace) *Violation {
	return replay(tr, func(_ int, ev router.Event, d *desk) *Violation {
		if ev.Kind != router.EventAssigned {
			return nil
		}
		bad := func(format string, args ...any) *Violation {
			return &Violation{Invariant: EligibleAgent, At: ev.At,
				Message: fmt.Sprintf("%s of %s at %s: assigned in %q to %s, who ", ev.Conversation, who(tr, ev.Customer), offset(tr, ev.At), ev.Group, ev.Agent) + fmt.Sprintf(format, args...)}
		}
		a := d.agents[ev.Agent]
		switch {
		case a == nil:
			return bad("is not an agent of the tenant")
		case !a.online:
			return bad("is offline")
		case !a.inHours && !d.t.anyHours[ev.Group]:
			return bad("is outside its working hours (and %q does not ignore them)", ev.Group)
		case a.active >= d.t.capacity[a.id]:
			return bad("is at capacity (%d of %d)", a.active, d.t.capacity[a.id])
		case !d.t.members[ev.Group][a.id]:
			return bad("is not a member of %q", ev.Group)
		}
		return nil
	}, nil)
}

func checkGroupPriority(tr *Trace) *Violation {
	return replay(tr, func(_ int, ev router.Event, d *desk) *Violation {
		bad := func(format string, args ...any) *Violation {
			return &Violation{Invariant: GroupPriority, At: ev.At,
				Message: fmt.Sprintf("%s of %s at %s: ", ev.Conversation, who(tr, ev.Customer), offset(tr, ev.At)) + fmt.Sprintf(format, args...)}
		}
		switch ev.Kind {
		case router.EventOpened:
			if ws := d.t.workstreamOf(ev.Customer.Channel); ws != nil {
				if problem := d.t.byRule(ws, ev.Detail, ev.Group); problem != "" {
					return bad("%s", problem)
				}
				return nil
			}
			c := tr.Customers[ev.Customer]
			if c != nil && c.Profile != nil {
				if want := d.t.classify(*c.Profile); ev.Group != want {
					return bad("classified to %q; a customer with region %q, entry page %q and store %q belongs to %q under split %q",
						ev.Group, c.Profile.Region, c.Profile.EntryPage, c.Profile.Store, want, d.t.split)
				}
				return nil
			}
			if cands := d.t.candidates(tr.Scenario, ev.Customer.Channel); len(cands) > 0 && !cands[ev.Group] {
				return bad("classified to %q, which no profile of the customer's traffic flows belongs to (want one of %s)", ev.Group, setString(cands))
			}
		case router.EventAssigned:
			cv := d.convs[ev.Conversation]
			if cv == nil {
				return bad("assigned, but it never opened")
			}
			if ev.Group != cv.class {
				switch {
				case d.t.overflow != router.OverflowDefault || ev.Group != router.DefaultGroup:
					return bad("assigned in %q, but it belongs to %q (overflow %q)", ev.Group, cv.class, d.t.overflow)
				case !d.t.overflowsAtOnce():
					return bad("assigned in %q before it overflowed from %q (overflow_after %s)", ev.Group, cv.class, tr.Scenario.Tenant.OverflowAfter)
				}
				if id, ok := d.eligibleIn(cv.class); ok {
					return bad("overflowed to %q although %s of %q was eligible", ev.Group, id, cv.class)
				}
			}
			for _, x := range d.waiting() {
				if x == cv || !x.queued || !d.canTake(ev.Agent, x.class) {
					continue
				}
				if !cv.queued || d.t.rank[x.class] < d.t.rank[cv.class] || x.class == cv.class && x.id < cv.id {
					return bad("%s took it (group %q) while %s, opened %s, waited ahead of it in %q",
						ev.Agent, cv.class, x.id, offset(tr, x.opened), x.class)
				}
			}
		}
		return nil
	}, nil)
}

func setString(m map[string]bool) string {
	var out []string
	for k := range m {
		out = append(out, fmt.Sprintf("%q", k))
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

func checkWorkConserving(tr *Trace) *Violation {
	return replay(tr, nil, func(at time.Time, d *desk) *Violation {
		for _, cv := range d.waiting() {
			if id, ok := d.anyoneFor(cv.class); ok {
				return &Violation{Invariant: WorkConserving, At: at,
					Message: fmt.Sprintf("at %s %s of %s waits in %q (opened %s) although %s is eligible for it (online, %d of %d)",
						offset(tr, at), cv.id, who(tr, cv.customer), cv.class, offset(tr, cv.opened), id, d.agents[id].active, d.t.capacity[id])}
			}
		}
		return nil
	})
}

// first reports whether the strategy puts agent a strictly before b, for
// the strategies ordered by keys. Under longest-idle two agents never
// assigned are unordered (a random pick). Never-assigned agents have the
// earliest last-assigned time.
func (d *desk) first(a, b *deskAgent) bool {
	ca, cb := d.t.capacity[a.id], d.t.capacity[b.id]
	switch d.t.strategy {
	case router.LongestIdle:
		switch {
		case a.assignments == 0 && b.assignments == 0:
			return false
		case a.assignments == 0 || b.assignments == 0:
			return a.assignments == 0
		}
	case router.MostFreeCapacity:
		if x, y := ca-a.active, cb-b.active; x != y {
			return x > y
		}
		if (a.assignments == 0) != (b.assignments == 0) {
			return a.assignments == 0
		}
	default:
		if x, y := a.active*cb, b.active*ca; x != y {
			return x < y
		}
		if a.active != b.active {
			return a.active < b.active
		}
		if (a.assignments == 0) != (b.assignments == 0) {
			return a.assignments == 0
		}
	}
	if !a.last.Equal(b.last) {
		return a.last.Before(b.last)
	}
	return a.id < b.id
}

func (a *deskAgent) lastString(tr *Trace) string {
	if a.assignments == 0 {
		return "never"
	}
	return offset(tr, a.last)
}

// rotation lists a group's members in their rotation order: the order of
// the agents' definitions.
func (t *tenant) rotation(g string) []string {
	var out []string
	for _, id := range t.agents {
		if t.members[g][id] {
			out = append(out, id)
		}
	}
	return out
}

func checkStrategyOrder(tr *Trace) *Violation {
	strategy := router.Strategy(tr.Scenario.Tenant.Strategy)
	switch strategy {
	case "", router.LeastLoaded, router.LongestIdle, router.MostFreeCapacity, router.RoundRobin:
	default:
		return nil // a strategy this invariant does not know
	}
	cursor := map[string]string{} // round-robin: the agent each group assigned last
	return replay(tr, func(_ int, ev router.Event, d *desk) *Violation {
		if ev.Kind != router.EventAssigned {
			return nil
		}
		a := d.agents[ev.Agent]
		if a == nil || !d.eligibleFor(a.id, ev.Group) {
			return nil // eligible-agent's to report
		}
		if strategy == router.RoundRobin {
			members := d.t.rotation(ev.Group)
			from := slices.Index(members, cursor[ev.Group]) + 1 // 0 when none yet
			cursor[ev.Group] = a.id
			for k := range members {
				id := members[(from+k)%len(members)]
				if !d.eligibleFor(id, ev.Group) {
					continue
				}
				if id == a.id {
					return nil
				}
				return &Violation{Invariant: StrategyOrder, At: ev.At,
					Message: fmt.Sprintf("%s at %s: round-robin in %q (rotation %s, last assigned %s) picked %s over %s, the next eligible member",
						ev.Conversation, offset(tr, ev.At), ev.Group, strings.Join(members, ", "), orNobody(members, from), a.id, id)}
			}
			return nil
		}
		for _, id := range d.t.agents {
			b := d.agents[id]
			if id == a.id || !d.eligibleFor(id, ev.Group) || !d.first(b, a) {
				continue
			}
			return &Violation{Invariant: StrategyOrder, At: ev.At,
				Message: fmt.Sprintf("%s at %s: %s picked %s (active %d of %d, last assigned %s) over %s (active %d of %d, last assigned %s) in %q",
					ev.Conversation, offset(tr, ev.At), d.t.strategy, a.id, a.active, d.t.capacity[a.id], a.lastString(tr),
					b.id, b.active, d.t.capacity[b.id], b.lastString(tr), ev.Group)}
		}
		return nil
	}, nil)
}

// orNobody names the member before position from, or "nobody" at 0.
func orNobody(members []string, from int) string {
	if from == 0 {
		return "nobody"
	}
	return members[from-1]
}

func checkLongestIdle(tr *Trace) *Violation {
	if router.Strategy(tr.Scenario.Tenant.Strategy) != router.LongestIdle {
		return nil
	}
	return replay(tr, func(_ int, ev router.Event, d *desk) *Violation {
		if ev.Kind != router.EventAssigned {
			return nil
		}
		a := d.agents[ev.Agent]
		if a == nil || a.assignments == 0 {
			return nil
		}
		for _, id := range d.t.agents {
			b := d.agents[id]
			if id == a.id || !d.eligibleFor(id, ev.Group) || b.assignments > 0 {
				continue
			}
			return &Violation{Invariant: LongestIdle, At: ev.At,
				Message: fmt.Sprintf("%s at %s: %s got conversation number %d in %q while %s, eligible since %s, had none",
					ev.Conversation, offset(tr, ev.At), a.id, a.assignments+1, ev.Group, b.id, offset(tr, b.eligibleSince))}
		}
		return nil
	}, nil)
}

func checkInboundOnce(tr *Trace) *Violation {
	logged := map[router.CustomerKey]map[string]int{}
	firstAt := map[string]time.Time{}
	for _, ev := range tr.Events {
		if ev.Kind != router.EventInbound {
			continue
		}
		if logged[ev.Customer] == nil {
			logged[ev.Customer] = map[string]int{}
		}
		logged[ev.Customer][ev.Message]++
		if _, ok := firstAt[ev.Message]; !ok {
			firstAt[ev.Message] = ev.At
		}
	}
	// A log that lost its oldest events may have lost the inbound event of
	// a message the platform sent at or before the oldest one it holds.
	held := tr.EventsFrom()
	for _, key := range tr.Keys {
		c := tr.Customers[key]
		// A journal that kept only its newest webhooks may have lost any
		// at or before its oldest: the messages sent then, and the first
		// tries of those it holds a later try of.
		from := tr.Journals[key.Channel]
		sent := map[string]bool{}
		for _, m := range c.Inbound {
			sent[m.ID] = true
			bad := func(format string, args ...any) *Violation {
				return &Violation{Invariant: InboundOnce, At: m.At,
					Message: fmt.Sprintf("%s's message %s sent at %s ", who(tr, key), m.ID, offset(tr, m.At)) + fmt.Sprintf(format, args...)}
			}
			if at, ok := firstAt[m.ID]; !from.IsZero() && (!m.At.After(from) || ok && !at.After(from)) {
				continue // tries of it may be among those the journal lost
			}
			switch n := logged[key][m.ID]; {
			case !m.Accepted && m.Edge == m.Tries:
				// Every try failed at the edge under the channel's fault
				// plan: the platform has not delivered it (or gave up).
				continue
			case !m.Accepted && !m.Reached:
				return bad("was never accepted by the router (%d webhook tries)", m.Tries)
			case n == 0 && tr.Lost > 0 && !m.At.After(held):
				continue // its event may be among those the log lost
			case n == 0:
				return bad("was accepted but never logged as inbound (lost)")
			case n > 1:
				return bad("was logged as inbound %d times", n)
			}
		}
		ids := make([]string, 0, len(logged[key]))
		for id := range logged[key] {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			if !sent[id] && (from.IsZero() || firstAt[id].After(from)) {
				return &Violation{Invariant: InboundOnce, At: firstAt[id],
					Message: fmt.Sprintf("the router logged an inbound message %q from %s at %s that the platform never sent", id, who(tr, key), offset(tr, firstAt[id]))}
			}
		}
	}
	return nil
}

// platformRule is a platform's own reply window and limit, as the
// platform's documentation states them (docs in research/platforms.md),
// independent of the router's policy.
type platformRule struct {
	window time.Duration
	// limit is the number of messages per customer message; 0 is none.
	limit int
	// templatesExempt: templates may be sent outside the window.
	templatesExempt bool
	// firstInbound anchors the window on the customer message that opened
	// it, not the latest one (window_anchor = "first_inbound");
	// perWindow gives the allowance back only when a new window opens
	// (reply_limit_reset = "window"), not at every customer message.
	firstInbound, perWindow bool
}

// knownRules are the platforms whose rules the invariant knows.
var knownRules = map[string]platformRule{
	"whatsapp": {window: 24 * time.Hour, templatesExempt: true},
	"wechat":   {window: 48 * time.Hour, limit: 5},
	// Google's Business Messages: 30 days after the user's last message.
	"businessmessages": {window: 30 * 24 * time.Hour},
	"douyin":           {window: 48 * time.Hour, limit: 5},
	// Messenger: RESPONSE for 24 hours, then the HUMAN_AGENT tag for 7
	// days after the customer's last message; no reply limit. A page not
	// approved for the tag keeps to the standard window (ruleOf).
	"messenger": {window: 7 * 24 * time.Hour},
}

// ruleOf is a channel's platform rule with the scenario's overrides (the
// [channels.NAME.rules] that bind the platform too). The window anchor and
// the reply limit's reset, which only the router enforces, are the
// scenario's rules when it has no router-only rules for the channel (with
// them, the router may keep rules of its own on purpose).
func ruleOf(sc *scenario.Scenario, channel string) (platformRule, bool) {
	r, ok := knownRules[channel]
	if !ok {
		return r, false
	}
	if ch := sc.Channels[channel]; ch != nil {
		if ch.Rules.Window != nil {
			r.window = ch.Rules.Window.D()
		}
		if s, ok := ch.Settings.(*messenger.Settings); ok && s.HumanAgent != nil && !*s.HumanAgent {
			r.window = 24 * time.Hour // the tag extends nothing
			if s.StandardWindow != nil {
				r.window = s.StandardWindow.D()
			}
		}
		if ch.Rules.ReplyLimit != nil && r.limit > 0 {
			r.limit = *ch.Rules.ReplyLimit // 0: unlimited
		}
		if ch.Router == nil {
			r.firstInbound = ch.Rules.WindowAnchor == string(router.AnchorFirstInbound)
			r.perWindow = ch.Rules.ReplyLimitReset == string(router.ResetOnWindow)
		}
	}
	return r, true
}

func checkPlatformRules(tr *Trace) *Violation {
	for _, key := range tr.Keys {
		rule, ok := ruleOf(tr.Scenario, key.Channel)
		if !ok {
			continue
		}
		c := tr.Customers[key]
		if v := checkDevice(tr, key, c, rule); v != nil {
			return v
		}
	}
	return nil
}

// made is when the platform may have made a customer message: from lo to
// hi, both included.
type made struct{ lo, hi time.Time }

// madeTimes lists when the platform made each of a customer's messages,
// oldest first: at its first webhook on a channel whose fault plan delays
// none, within its payload's resolution otherwise. ok is false when a
// message on a delaying channel has no payload time: its allowance cannot
// be told.
func madeTimes(tr *Trace, key router.CustomerKey, c *Customer) (ms []made, ok bool) {
	ms = make([]made, len(c.Inbound))
	for i, m := range c.Inbound {
		switch {
		case !m.Made.IsZero():
			ms[i] = made{m.Made, m.MadeBy}
		case delays(tr.Scenario, key.Channel):
			return nil, false
		default:
			ms[i] = made{m.At, m.At}
		}
	}
	slices.SortStableFunc(ms, func(a, b made) int { return a.lo.Compare(b.lo) })
	return ms, true
}

// checkDevice checks one customer's deliveries against the platform's
// window and limit, counted from when the platform made each customer
// message (a late webhook does not move them). A delivery at the same
// instant as a customer message, or within the span a late message's
// payload time gives (a second on WeChat and WhatsApp), is given the
// benefit of the doubt about which came first. A customer on a channel
// whose fault plan delays webhooks without a payload time to read is not
// checked.
//
// When the channel's journal kept only its newest webhooks (from, see
// [Trace.Journals]), the customer's messages made at or before its oldest
// may be missing: a delivery is judged only when the message it answers
// was made after it (every later message is then held, and a missing
// earlier one could only have closed its window sooner or used an
// allowance that the count leaves out).
func checkDevice(tr *Trace, key router.CustomerKey, c *Customer, rule platformRule) *Violation {
	ms, ok := madeTimes(tr, key, c)
	if !ok {
		return nil
	}
	from := tr.Journals[key.Channel]
	// Each message's window end and allowance: a message made at or after
	// the window's end opens a new window; the allowance is the message's
	// own, or the window's when only a new window gives it back.
	end := make([]time.Time, len(ms))
	allowance := make([]int, len(ms))
	opened := -1
	for j, m := range ms {
		if opened < 0 || !m.hi.Before(end[j-1]) {
			opened = j
		}
		end[j] = m.hi.Add(rule.window)
		if rule.firstInbound {
			end[j] = ms[opened].hi.Add(rule.window)
		}
		allowance[j] = j
		if rule.perWindow {
			allowance[j] = opened
		}
	}
	count := make([]int, len(ms))
	valid := 0
	var first *Violation
	for _, dl := range c.Device {
		if rule.templatesExempt && dl.Kind == "template" {
			valid++
			continue
		}
		open := func(i int) bool { return i >= 0 && dl.At.Before(end[i]) }
		room := func(i int) bool { return rule.limit == 0 || count[allowance[i]] < rule.limit }
		// The allowances it may have used: the customer's latest message
		// before it, and every message that may have come before or after
		// it; the earliest with room is charged.
		tied := func(j int) bool { return j >= 0 && !dl.At.Before(ms[j].lo) && !dl.At.After(ms[j].hi) }
		i, last := -1, -1
		for j, m := range ms {
			switch {
			case m.hi.Before(dl.At):
				last = j
			case tied(j):
				if i < 0 && !tied(j-1) && last >= 0 && open(last) && room(last) {
					i = last
				}
				if i < 0 && room(j) {
					i = j
				}
				last = j
			}
		}
		if i < 0 {
			i = last
		}
		if !from.IsZero() && (i < 0 || !ms[i].lo.After(from)) {
			valid++ // it may answer a message the journal lost
			continue
		}
		var problem string
		switch {
		case i < 0:
			problem = "before the customer ever wrote"
		case !open(i):
			problem = fmt.Sprintf("outside the %s window of the customer's message at %s", hours(rule.window), offset(tr, ms[i].lo))
		case !room(i):
			problem = fmt.Sprintf("past the limit of %d messages per customer message (the customer's message at %s)", rule.limit, offset(tr, ms[i].lo))
			if rule.perWindow {
				problem = fmt.Sprintf("past the limit of %d messages per window (the window opened by the customer's message at %s)", rule.limit, offset(tr, ms[allowance[i]].lo))
			}
		}
		if problem == "" {
			count[allowance[i]]++
			valid++
			continue
		}
		if first == nil {
			first = &Violation{Invariant: PlatformRules, At: dl.At,
				Message: fmt.Sprintf("%s's device received %s %q at %s, %s", who(tr, key), dl.Kind, dl.Text, offset(tr, dl.At), problem)}
		}
	}
	if first != nil && c.ID != "" {
		first.Expect = []scenario.Expect{{Customer: c.ID, Received: ptr(valid)}}
	}
	return first
}

// hours formats a window in hours when it is whole hours ("24h").
func hours(d time.Duration) string {
	if d > 0 && d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return scenario.FormatDuration(d)
}

// convTimes is what the timers of one conversation run from.
type convTimes struct {
	id       router.ConversationID
	customer router.CustomerKey
	opened   time.Time
	activity time.Time // the latest message either way
	answered bool      // an agent's message was accepted
	missed   bool
	missedAt time.Time
	closed   bool
}

func checkTimers(tr *Trace) *Violation {
	t := tr.Scenario.Tenant
	missedAfter, closeMissed, idleAfter := t.MissedAfter.D(), t.CloseMissedAfter.D(), t.IdleAfter.D()
	convs := map[router.ConversationID]*convTimes{}
	var order []*convTimes
	bad := func(cv *convTimes, at time.Time, format string, args ...any) *Violation {
		return &Violation{Invariant: Timers, At: at,
			Message: fmt.Sprintf("%s of %s (opened %s): ", cv.id, who(tr, cv.customer), offset(tr, cv.opened)) + fmt.Sprintf(format, args...)}
	}
	// Judged up to the first event the invariants do not model; with a
	// log that lost its oldest events, the conversations whose opening it
	// holds.
	n, _ := modelledScope(tr)
	for _, ev := range tr.Events[:n] {
		cv := convs[ev.Conversation]
		if ev.Kind == router.EventOpened {
			cv = &convTimes{id: ev.Conversation, customer: ev.Customer, opened: ev.At, activity: ev.At}
			convs[ev.Conversation] = cv
			order = append(order, cv)
			continue
		}
		if cv == nil || cv.closed {
			continue
		}
		switch ev.Kind {
		case router.EventInbound:
			cv.activity = ev.At
		case router.EventSent:
			if ev.Agent == router.AutoID {
				break // an automatic reply answers nobody and moves no timer
			}
			cv.activity, cv.answered = ev.At, true
		case router.EventMissed:
			switch want := cv.opened.Add(missedAfter); {
			case missedAfter == 0:
				return bad(cv, ev.At, "marked missed at %s without missed_after", offset(tr, ev.At))
			case cv.answered:
				return bad(cv, ev.At, "marked missed at %s after an agent answered it", offset(tr, ev.At))
			case !ev.At.Equal(want):
				return bad(cv, ev.At, "marked missed at %s; missed_after %s says %s", offset(tr, ev.At), t.MissedAfter, offset(tr, want))
			}
			cv.missed, cv.missedAt = true, ev.At
		case router.EventClosed:
			cv.closed = true
			switch router.CloseReason(ev.Detail) {
			case router.ClosedIdle:
				if want := cv.activity.Add(idleAfter); idleAfter == 0 || !ev.At.Equal(want) {
					return bad(cv, ev.At, "closed idle at %s; the last message was at %s and idle_after is %s", offset(tr, ev.At), offset(tr, cv.activity), t.IdleAfter)
				}
			case router.ClosedMissed:
				if want := cv.missedAt.Add(closeMissed); !cv.missed || cv.answered || !ev.At.Equal(want) {
					return bad(cv, ev.At, "closed as missed at %s (missed=%v at %s, answered=%v, close_missed_after %s)",
						offset(tr, ev.At), cv.missed, offset(tr, cv.missedAt), cv.answered, t.CloseMissedAfter)
				}
			}
		}
	}
	// Nothing is left overdue at the end of the run (of a log judged to
	// its end).
	end := tr.Result.End
	if end.IsZero() || n < len(tr.Events) {
		return nil
	}
	for _, cv := range order {
		switch {
		case cv.closed:
		case idleAfter > 0 && !cv.activity.Add(idleAfter).After(end):
			return bad(cv, end, "still open at the end (%s), idle since %s with idle_after %s", offset(tr, end), offset(tr, cv.activity), t.IdleAfter)
		case missedAfter > 0 && !cv.answered && !cv.missed && !cv.opened.Add(missedAfter).After(end):
			return bad(cv, end, "not marked missed by the end (%s), unanswered with missed_after %s", offset(tr, end), t.MissedAfter)
		case missedAfter > 0 && !cv.answered && cv.missed && !cv.missedAt.Add(closeMissed).After(end):
			return bad(cv, end, "still open at the end (%s), missed since %s with close_missed_after %s", offset(tr, end), offset(tr, cv.missedAt), t.CloseMissedAfter)
		}
	}
	return nil
}

// captionApart lists the platforms whose media messages have no caption:
// the adapter sends an attachment's caption as a text message of its own,
// right after the file, in the same request (LINE), so that one message
// logged as sent reaches the device as two.
var captionApart = map[string]bool{"line": true}

// checkSentDelivered compares, per customer, the messages the router
// logged as sent (and not failed later) with those the device received.
// Where the event log lost its oldest events or the device holds only its
// newest deliveries, both are counted after the later of the two points
// (a message reaches the device at the instant the router logs it sent).
// On a platform that sends captions apart, a text delivered at the same
// instant right after a file may be its caption: the sends then number
// between the deliveries less those texts and the deliveries.
func checkSentDelivered(tr *Trace) *Violation {
	type sent struct {
		id string
		at time.Time
	}
	type account struct {
		sent   []sent
		failed map[string]bool
		lastAt time.Time
	}
	byKey := map[router.CustomerKey]*account{}
	get := func(k router.CustomerKey) *account {
		a := byKey[k]
		if a == nil {
			a = &account{failed: map[string]bool{}}
			byKey[k] = a
		}
		return a
	}
	for _, ev := range tr.Events {
		switch {
		case ev.Kind == router.EventSent:
			if ev.Message == "" {
				return &Violation{Invariant: SentDelivered, At: ev.At,
					Message: fmt.Sprintf("%s's message to %s at %s is logged as sent without the platform's message id", ev.Agent, who(tr, ev.Customer), offset(tr, ev.At))}
			}
			a := get(ev.Customer)
			a.sent = append(a.sent, sent{ev.Message, ev.At})
			a.lastAt = ev.At
		case ev.Kind == router.EventFailed && ev.Agent == "" && ev.Message != "":
			a := get(ev.Customer)
			a.failed[ev.Message] = true
			a.lastAt = ev.At
		}
	}
	for _, key := range tr.Keys {
		a, c := get(key), tr.Customers[key]
		from := tr.EventsFrom()
		if c.DeviceFrom.After(from) {
			from = c.DeviceFrom
		}
		after := func(t time.Time) bool { return from.IsZero() || t.After(from) }
		logged, ok := 0, 0
		for _, s := range a.sent {
			if after(s.at) {
				logged++
				if !a.failed[s.id] {
					ok++
				}
			}
		}
		got, captions := 0, 0
		for i, dl := range c.Device {
			if !after(dl.At) {
				continue
			}
			got++
			if captionApart[key.Channel] && i > 0 && dl.Kind == "text" {
				if prev := c.Device[i-1]; prev.Kind != "text" && prev.At.Equal(dl.At) && after(prev.At) {
					captions++
				}
			}
		}
		if ok < got-captions || ok > got {
			since := ""
			if !from.IsZero() {
				since = fmt.Sprintf(" after %s", offset(tr, from))
			}
			apart := ""
			if captions > 0 {
				apart = fmt.Sprintf(" (%d of them texts that may be captions sent apart)", captions)
			}
			return &Violation{Invariant: SentDelivered, At: a.lastAt,
				Message: fmt.Sprintf("the router logged %d messages to %s as sent%s (%d of them failed later), but the device received %d%s",
					logged, who(tr, key), since, logged-ok, got, apart)}
		}
	}
	return nil
}

// platformKeys are, for each platform whose glue the invariants know, the
// keys of [channels.NAME.rules] that bind the platform as well as the
// router, and the attachment kinds the platform has rules for. Any other
// rule binds the router alone (WhatsApp has no reply limit and no choice of
// window anchor; neither platform resets its reply limit by window), so
// setting it makes a router that deliberately disagrees with the platform.
var platformKeys = map[string]struct {
	replyLimit bool
	noWindow   bool // the platform has no reply window: a window binds the router alone
	media      []string
}{
	"whatsapp":         {media: []string{"image", "audio", "video", "document", "sticker"}},
	"wechat":           {replyLimit: true, media: []string{"image", "audio", "video"}},
	"businessmessages": {media: []string{"image"}},
	// LINE has no reply window and no reply count (a reply token or a
	// push reaches a friend at any time); its fake takes the text length
	// and the media limits of images, videos and audio.
	"line":      {noWindow: true, media: []string{"image", "audio", "video"}},
	"messenger": {media: []string{"image", "audio", "video", "document"}},
}

// routerOnly reports whether a scenario sets rules for a channel that bind
// its router alone: [channels.NAME.router], or rules the platform does not
// follow.
func routerOnly(sc *scenario.Scenario, channel string) bool {
	ch := sc.Channels[channel]
	if ch == nil {
		return false
	}
	if ch.Router != nil {
		return true
	}
	keys, known := platformKeys[channel]
	r := ch.Rules
	if !known {
		return !isZeroRules(r)
	}
	if r.WindowAnchor == "first_inbound" || r.ReplyLimitReset == "window" || r.TemplatesOutsideWindow != nil ||
		r.ReplyLimit != nil && !keys.replyLimit || r.Window != nil && keys.noWindow {
		return true
	}
	for kind := range r.Media {
		if !slices.Contains(keys.media, kind) {
			return true
		}
	}
	return false
}

// driftExcused reports whether a drift finding of kind on channel is one
// the scenario asks for or the faults explain: any finding on a channel
// with router-only rules, one of a kind the scenario's expectations count
// ([expectsDrift]), a refused_accepted on one whose fault plan delays
// webhooks (a message the platform has and the router not yet), and a
// sent_refused on a Messenger page without the HUMAN_AGENT tag
// ([untaggedPage]).
func driftExcused(sc *scenario.Scenario, channel, kind string) bool {
	return routerOnly(sc, channel) || expectsDrift(sc, kind) ||
		kind == result.DriftRefusedAccepted && delays(sc, channel) ||
		kind == result.DriftSentRefused && untaggedPage(sc, channel)
}

// untaggedPage reports whether a channel is a Messenger page that is not
// approved for the HUMAN_AGENT tag (human_agent = false), whose router
// allows more than its standard window: Messenger then refuses what the
// router sends after that window, on purpose (the router is not told of
// the page's approval, see messenger.Settings.HumanAgent).
func untaggedPage(sc *scenario.Scenario, channel string) bool {
	ch := sc.Channels[channel]
	if ch == nil {
		return false
	}
	s, ok := ch.Settings.(*messenger.Settings)
	if !ok || s.HumanAgent == nil || *s.HumanAgent {
		return false
	}
	// The platform's standard window, cut to the rules' window; the
	// router's the tag's, or the rules' window (a channel with rules of
	// the router's own, [channels.NAME.router], is excused by routerOnly
	// before it comes here).
	std, tagged := 24*time.Hour, routerms.DefaultHumanAgentWindow
	if s.StandardWindow != nil {
		std = s.StandardWindow.D()
	}
	if w := ch.Rules.Window; w != nil {
		std, tagged = min(std, w.D()), w.D()
	}
	return tagged > std
}

// expectsDrift reports whether the scenario declares drift of a kind: an
// expectation of that kind's findings (or of "any") with a count above
// zero, as a scenario written to show drift has ('omnisim run' holds the
// run to that count). A platform setting the router is not told of (a
// Messenger page with human_agent = false) makes such drift on purpose.
func expectsDrift(sc *scenario.Scenario, kind string) bool {
	for _, ex := range sc.Expect {
		if (ex.Drift == kind || ex.Drift == "any") && ex.Count != nil && *ex.Count > 0 {
			return true
		}
	}
	return false
}

// checkNoDrift judges every drift finding of the run by its channel and
// kind: the listed ones, and those past them, which the report only
// counts (Trace.Unlisted).
func checkNoDrift(tr *Trace) *Violation {
	anyRouterOnly := false
	for name := range tr.Scenario.Channels {
		anyRouterOnly = anyRouterOnly || routerOnly(tr.Scenario, name)
	}
	bad := func(at time.Time, msg string) *Violation {
		v := &Violation{Invariant: NoDrift, At: at, Message: msg}
		if !anyRouterOnly {
			v.Expect = []scenario.Expect{{Drift: "any", Count: ptr(0)}}
		}
		return v
	}
	listed := map[string]int{} // excused findings listed, by channel
	for _, d := range tr.Result.Drift {
		if driftExcused(tr.Scenario, d.Channel, d.Kind) {
			listed[d.Channel]++
			continue
		}
		return bad(d.At, fmt.Sprintf("%s drift on %s at %s: the router said %q to %s's message from %s, the platform %q",
			d.Kind, d.Channel, offset(tr, d.At), d.Router, d.Customer, d.Agent, d.Platform))
	}
	for _, u := range tr.Unlisted {
		if !driftExcused(tr.Scenario, u.Channel, u.Kind) {
			return bad(time.Time{}, fmt.Sprintf("%d %s drift findings on %s past the %d listed, which the report only counts: the router and the platform disagree",
				u.Count, u.Kind, u.Channel, len(tr.Result.Drift)))
		}
	}
	return nil
}

func checkDeterministic(tr *Trace) *Violation {
	if tr.Again == nil || bytes.Equal(tr.Report, tr.Again) {
		return nil
	}
	a, b := strings.Split(string(tr.Report), "\n"), strings.Split(string(tr.Again), "\n")
	line := 0
	for line < len(a) && line < len(b) && a[line] == b[line] {
		line++
	}
	at := func(xs []string) string {
		if line < len(xs) {
			return strings.TrimSpace(xs[line])
		}
		return "(end)"
	}
	return &Violation{Invariant: Deterministic,
		Message: fmt.Sprintf("two runs of the same scenario and seed gave different JSON reports; line %d: %q, then %q", line+1, at(a), at(b))}
}
