package fuzz

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim/scenario"
)

// tenant is the routing contract of a scenario's tenant, built from the
// scenario alone (the router's package documentation is its source): who
// is in which group, the groups' order, and how a profile is classified.
type tenant struct {
	split    router.Split
	strategy router.Strategy
	overflow router.Overflow
	// overflowAfter is how long a conversation waits in its own group
	// before it moves to the default group (EventOverflowed); 0 overflows
	// at once.
	overflowAfter time.Duration
	// groups lists the group names in priority order (priority, then
	// definition order); under the store split the implicit groups of
	// stores no defined group serves ([router.StoreGroup]) come after
	// the defined groups; the implicit default group comes last.
	groups   []string
	rank     map[string]int
	defs     []scenario.Group // as defined
	members  map[string]map[string]bool
	capacity map[string]int
	agents   []string // in definition order
	// anyHours lists the groups that ignore working hours.
	anyHours map[string]bool
	// scheduled lists the agents with working hours.
	scheduled map[string]bool
	// stores is the group of each store under the store split: the first
	// group by priority that lists it, or its implicit group.
	stores      map[string]string
	workstreams []scenario.Workstream
}

func newTenant(sc *scenario.Scenario) *tenant {
	t := &tenant{
		split:         router.Split(sc.Tenant.Split),
		strategy:      router.Strategy(sc.Tenant.Strategy),
		overflow:      router.Overflow(sc.Tenant.Overflow),
		overflowAfter: sc.Tenant.OverflowAfter.D(),
		rank:          map[string]int{},
		defs:          sc.Groups,
		members:       map[string]map[string]bool{},
		capacity:      map[string]int{},
		anyHours:      map[string]bool{},
		scheduled:     map[string]bool{},
		stores:        map[string]string{},
		workstreams:   sc.Workstreams,
	}
	if t.split == "" {
		t.split = router.SplitNone
	}
	if t.strategy == "" {
		t.strategy = router.LeastLoaded
	}
	if t.overflow == "" {
		t.overflow = router.OverflowNone
	}
	order := make([]int, len(sc.Groups))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return sc.Groups[i].Priority - sc.Groups[j].Priority })
	defined := false
	add := func(name string) {
		t.rank[name] = len(t.groups)
		t.groups = append(t.groups, name)
		t.members[name] = map[string]bool{}
	}
	for _, i := range order {
		g := sc.Groups[i]
		add(g.Name)
		t.anyHours[g.Name] = g.IgnoreHours
		defined = defined || g.Name == router.DefaultGroup
		for _, st := range g.Stores {
			if _, ok := t.stores[st]; !ok {
				t.stores[st] = g.Name
			}
		}
	}
	store := t.split == router.SplitStore
	if store {
		// A store that no defined group serves but that has agents of
		// its own gets an implicit group, after the defined ones.
		for _, a := range sc.Agents {
			if _, ok := t.stores[a.Store]; a.Store != "" && !ok {
				name := router.StoreGroup(a.Store)
				add(name)
				t.stores[a.Store] = name
			}
		}
	}
	if !defined {
		add(router.DefaultGroup)
	}
	for _, a := range sc.Agents {
		t.agents = append(t.agents, a.ID)
		t.capacity[a.ID] = max(a.Capacity, 1)
		t.scheduled[a.ID] = a.Schedule != ""
		for _, g := range a.Groups {
			if t.members[g] != nil {
				t.members[g][a.ID] = true
			}
		}
		reception := a.Reception == nil || *a.Reception
		switch {
		case store && a.Store != "":
			// A store's agent joins its store's implicit group; the
			// implicit default group is the headquarters'.
			if g := router.StoreGroup(a.Store); t.stores[a.Store] == g && reception {
				t.members[g][a.ID] = true
			}
		case !defined && reception:
			t.members[router.DefaultGroup][a.ID] = true
		}
	}
	return t
}

// workstreamOf is the workstream a channel is bound to: the first that
// lists it, or else the first that lists no channel; nil for none.
func (t *tenant) workstreamOf(channel string) *scenario.Workstream {
	var all *scenario.Workstream
	for i := range t.workstreams {
		ws := &t.workstreams[i]
		if slices.Contains(ws.Channels, channel) {
			return ws
		}
		if len(ws.Channels) == 0 && all == nil {
			all = ws
		}
	}
	return all
}

// byRule checks the group a workstream's rule gave a conversation: the
// opened event names the rule ("workstream/rule", or "workstream/fallback"
// for none), and the conversation must be in that rule's group, or in the
// fallback group. Which rule matches first is not judged: rules read what
// the platforms send (attributes, ad referrals, display names). It returns
// what is wrong, or "".
func (t *tenant) byRule(ws *scenario.Workstream, detail, group string) string {
	name, ok := strings.CutPrefix(detail, ws.Name+"/")
	if !ok {
		return fmt.Sprintf("classified to %q by %q, but its channel is bound to workstream %q", group, detail, ws.Name)
	}
	want := ""
	for i, r := range ws.Rules {
		rn := r.Name
		if rn == "" {
			rn = fmt.Sprintf("rule %d", i+1)
		}
		if rn == name {
			want = r.Group
			break
		}
	}
	if want == "" && name == "fallback" {
		want = cmp.Or(ws.Fallback, router.DefaultGroup)
	}
	switch {
	case want == "":
		return fmt.Sprintf("classified to %q by rule %q, which workstream %q does not have", group, name, ws.Name)
	case group != want:
		return fmt.Sprintf("classified to %q by %q, whose group is %q", group, detail, want)
	}
	return ""
}

// classify is the group a conversation of a customer with profile p
// belongs to, by the tenant's split.
func (t *tenant) classify(p router.Profile) string {
	if t.split == router.SplitStore {
		// No location permission, no group for the store, or a store
		// whose group has no agents: the default group.
		if g, ok := t.stores[p.Store]; ok && len(t.members[g]) > 0 {
			return g
		}
		return router.DefaultGroup
	}
	best := ""
	for _, g := range t.defs {
		var keys []string
		var k string
		switch t.split {
		case router.SplitRegion:
			keys, k = g.Regions, p.Region
		case router.SplitEntryPage:
			keys, k = g.EntryPages, p.EntryPage
		default:
			continue
		}
		if slices.Contains(keys, k) && (best == "" || t.rank[g.Name] < t.rank[best]) {
			best = g.Name
		}
	}
	if best == "" {
		return router.DefaultGroup
	}
	return best
}

// candidates is the set of groups a generated customer of channel may be
// classified to: its region and entry page were drawn from one of the
// channel's traffic flows.
func (t *tenant) candidates(sc *scenario.Scenario, channel string) map[string]bool {
	out := map[string]bool{}
	for _, tr := range sc.Traffic {
		if tr.Channel != channel {
			continue
		}
		regs, pgs, sts := tr.Regions, tr.Pages, tr.Stores
		if len(regs) == 0 {
			regs = []string{""}
		}
		if len(pgs) == 0 {
			pgs = []string{""}
		}
		if len(sts) == 0 {
			sts = []string{""}
		}
		for _, r := range regs {
			for _, p := range pgs {
				for _, st := range sts {
					out[t.classify(router.Profile{Region: r, EntryPage: p, Store: st})] = true
				}
			}
		}
	}
	return out
}

// overflowsAtOnce reports whether the default group's agents take a
// conversation waiting in another group whenever its own group has nobody
// eligible: overflow to the default group without overflow_after. With
// overflow_after the conversation moves to the default group once it has
// waited that long (EventOverflowed), and only then.
func (t *tenant) overflowsAtOnce() bool {
	return t.overflow == router.OverflowDefault && t.overflowAfter == 0
}

// desk is the state of the desk as the event log tells it, replayed one
// event at a time.
type desk struct {
	t      *tenant
	agents map[string]*deskAgent
	convs  map[router.ConversationID]*deskConv
	// order lists the conversations in opening order.
	order []*deskConv
}

type deskAgent struct {
	id          string
	online      bool
	inHours     bool // inside its working hours (always, without a schedule)
	anyHours    bool // a member of a group that ignores working hours
	active      int
	assignments int
	last        time.Time // of the last assignment
	// eligibleSince is when the agent last became eligible (online, below
	// capacity, in working hours or in a group that ignores them); zero
	// while it is not.
	eligibleSince time.Time
}

type deskConv struct {
	id       router.ConversationID
	customer router.CustomerKey
	// class is the group whose queue it waits in: the group it was
	// classified to, the default group once it overflowed.
	class  string
	state  router.State
	queued bool
	agent  string
	opened time.Time
}

// newDesk is the desk where the trace's log starts: every agent offline
// (the log says who comes online) and idle; a scheduled agent inside its
// working hours as the log's first shift event of the agent tells (its
// start: it was out; its end: it was in), or else as the engine's last
// figures say (Trace.InHours: no shift changed during the run).
func newDesk(t *tenant, tr *Trace) *desk {
	d := &desk{t: t, agents: map[string]*deskAgent{}, convs: map[router.ConversationID]*deskConv{}}
	for _, id := range t.agents {
		a := &deskAgent{id: id, inHours: true}
		for g, any := range t.anyHours {
			a.anyHours = a.anyHours || any && t.members[g][id]
		}
		if t.scheduled[id] {
			if in, ok := tr.InHours[id]; ok {
				a.inHours = in
			}
			for _, ev := range tr.Events {
				if ev.Agent == id && (ev.Kind == router.EventShiftStarted || ev.Kind == router.EventShiftEnded) {
					a.inHours = ev.Kind == router.EventShiftEnded
					break
				}
			}
		}
		d.agents[id] = a
	}
	return d
}

// eligible reports whether the agent can take a conversation in some
// group now.
func (d *desk) eligible(id string) bool {
	a := d.agents[id]
	return a != nil && a.online && a.active < d.t.capacity[id] && (a.inHours || a.anyHours)
}

// eligibleFor reports whether the agent can take a conversation in group
// g now: a member, online, below capacity, and inside its working hours
// unless g ignores them.
func (d *desk) eligibleFor(id, g string) bool {
	a := d.agents[id]
	return a != nil && d.t.members[g][id] && a.online && a.active < d.t.capacity[id] && (a.inHours || d.t.anyHours[g])
}

// eligibleIn is an eligible member of group g, in definition order.
func (d *desk) eligibleIn(g string) (string, bool) {
	for _, id := range d.t.agents {
		if d.eligibleFor(id, g) {
			return id, true
		}
	}
	return "", false
}

// anyoneFor is an agent who could take a conversation waiting in g: one of
// g's, or with overflow at once one of the default group's.
func (d *desk) anyoneFor(g string) (string, bool) {
	if id, ok := d.eligibleIn(g); ok {
		return id, true
	}
	if d.t.overflowsAtOnce() && g != router.DefaultGroup {
		return d.eligibleIn(router.DefaultGroup)
	}
	return "", false
}

// canTake reports whether an agent could take a conversation waiting in g
// now: eligible in g, or with overflow at once in the default group.
func (d *desk) canTake(id, g string) bool {
	return d.eligibleFor(id, g) || d.t.overflowsAtOnce() && g != router.DefaultGroup && d.eligibleFor(id, router.DefaultGroup)
}

// apply moves the desk past one event.
func (d *desk) apply(ev router.Event) {
	a := d.agents[ev.Agent]
	mark := func(a *deskAgent) {
		switch el := d.eligible(a.id); {
		case el && a.eligibleSince.IsZero():
			a.eligibleSince = ev.At
		case !el:
			a.eligibleSince = time.Time{}
		}
	}
	switch ev.Kind {
	case router.EventOnline, router.EventOffline:
		if a != nil {
			a.online = ev.Kind == router.EventOnline
			mark(a)
		}
	case router.EventShiftStarted, router.EventShiftEnded:
		if a != nil {
			a.inHours = ev.Kind == router.EventShiftStarted
			mark(a)
		}
	case router.EventOpened:
		cv := &deskConv{id: ev.Conversation, customer: ev.Customer, class: ev.Group, state: router.Waiting, opened: ev.At}
		d.convs[ev.Conversation] = cv
		d.order = append(d.order, cv)
	case router.EventQueued:
		if cv := d.convs[ev.Conversation]; cv != nil {
			cv.queued = true
		}
	case router.EventOverflowed:
		if cv := d.convs[ev.Conversation]; cv != nil {
			cv.class, cv.queued = ev.Group, true
		}
	case router.EventAssigned:
		if cv := d.convs[ev.Conversation]; cv != nil {
			cv.state, cv.agent = router.Assigned, ev.Agent
		}
		if a != nil {
			a.active++
			a.assignments++
			a.last = ev.At
			mark(a)
		}
	case router.EventClosed:
		cv := d.convs[ev.Conversation]
		if cv == nil || cv.state == router.Closed {
			return
		}
		if cv.state == router.Assigned {
			if a := d.agents[cv.agent]; a != nil {
				a.active--
				mark(a)
			}
		}
		cv.state = router.Closed
	}
}

// waiting lists the conversations that wait, oldest first.
func (d *desk) waiting() []*deskConv {
	var out []*deskConv
	for _, cv := range d.order {
		if cv.state == router.Waiting {
			out = append(out, cv)
		}
	}
	return out
}

// replay runs the desk over the trace's events. before is called with each
// event before the desk applies it; settled after the last event of each
// instant, when every call made at that instant has returned.
//
// The replay judges what [deskScope] leaves it: nothing of a log that lost
// its oldest events, and the events before the first of a kind the desk
// does not model.
func replay(tr *Trace, before func(i int, ev router.Event, d *desk) *Violation, settled func(at time.Time, d *desk) *Violation) *Violation {
	n, _ := deskScope(tr)
	d := newDesk(newTenant(tr.Scenario), tr)
	for i, ev := range tr.Events[:n] {
		if before != nil {
			if v := before(i, ev, d); v != nil {
				return v
			}
		}
		d.apply(ev)
		// An instant settles once its last event is applied: not the
		// instant of an event the desk stops at.
		if settled != nil && (i+1 == len(tr.Events) || !tr.Events[i+1].At.Equal(ev.At)) {
			if v := settled(ev.At, d); v != nil {
				return v
			}
		}
	}
	return nil
}

// deskScope is how many of the trace's events the desk can replay, and
// why not all when it cannot: none of a log that lost its oldest events
// (the desk's state where it starts, who is online, who holds what, what
// waits, is unknown), and those before the first event the desk does not
// model ([modelled]).
func deskScope(tr *Trace) (n int, why string) {
	if tr.Lost > 0 {
		return 0, lostReason(tr)
	}
	return modelledScope(tr)
}

// modelledScope is how many of the trace's events come before the first
// the invariants do not model, and what it was ("" when they model all).
func modelledScope(tr *Trace) (n int, why string) {
	for i, ev := range tr.Events {
		if !modelled(ev) {
			return i, fmt.Sprintf("what follows %s at %s, which it does not model", unmodelled(ev), offset(tr, ev.At))
		}
	}
	return len(tr.Events), ""
}

// modelled reports whether the desk models an event: the routing of the
// scenario format, working hours and overflow after a wait included. Bots,
// the unassigned inbox, conversations taken by hand, reassignment and
// transfers are not modelled; a trace that has them is judged up to its
// first such event.
func modelled(ev router.Event) bool {
	switch ev.Kind {
	case router.EventOpened, router.EventInbound, router.EventSent, router.EventRefused, router.EventFailed,
		router.EventStatus, router.EventMissed, router.EventClosed, router.EventOnline, router.EventOffline,
		router.EventShiftStarted, router.EventShiftEnded, router.EventOverflowed:
		return true
	case router.EventQueued, router.EventAssigned:
		return ev.Detail == "" // not the inbox, not taken by hand
	}
	return false
}

// unmodelled names an event [modelled] refuses, for the reason an
// invariant gives.
func unmodelled(ev router.Event) string {
	switch ev.Kind {
	case router.EventBot:
		return "the bot taking a conversation"
	case router.EventHandoff:
		return "the bot handing a conversation off"
	case router.EventReassigned:
		return "a reassignment (reassign_after)"
	case router.EventTransferred:
		return "a transfer"
	case router.EventQueued:
		return "a conversation put in the unassigned inbox (manual assignment)"
	case router.EventAssigned:
		return "a conversation taken by hand"
	}
	return fmt.Sprintf("an event of kind %q", ev.Kind)
}
