package fuzz

import (
	"slices"
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
	// groups lists the group names in priority order (priority, then
	// definition order); the implicit default group comes last.
	groups   []string
	rank     map[string]int
	defs     []scenario.Group // as defined
	members  map[string]map[string]bool
	capacity map[string]int
	agents   []string // in definition order
}

func newTenant(sc *scenario.Scenario) *tenant {
	t := &tenant{
		split:    router.Split(sc.Tenant.Split),
		strategy: router.Strategy(sc.Tenant.Strategy),
		overflow: router.Overflow(sc.Tenant.Overflow),
		rank:     map[string]int{},
		defs:     sc.Groups,
		members:  map[string]map[string]bool{},
		capacity: map[string]int{},
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
	for _, i := range order {
		name := sc.Groups[i].Name
		t.rank[name] = len(t.groups)
		t.groups = append(t.groups, name)
		t.members[name] = map[string]bool{}
		defined = defined || name == router.DefaultGroup
	}
	if !defined {
		t.rank[router.DefaultGroup] = len(t.groups)
		t.groups = append(t.groups, router.DefaultGroup)
		t.members[router.DefaultGroup] = map[string]bool{}
	}
	for _, a := range sc.Agents {
		t.agents = append(t.agents, a.ID)
		t.capacity[a.ID] = max(a.Capacity, 1)
		for _, g := range a.Groups {
			if t.members[g] != nil {
				t.members[g][a.ID] = true
			}
		}
		if !defined && (a.Reception == nil || *a.Reception) {
			t.members[router.DefaultGroup][a.ID] = true
		}
	}
	return t
}

// classify is the group a conversation of a customer with profile p
// belongs to.
func (t *tenant) classify(p router.Profile) string {
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
		regs, pgs := tr.Regions, tr.Pages
		if len(regs) == 0 {
			regs = []string{""}
		}
		if len(pgs) == 0 {
			pgs = []string{""}
		}
		for _, r := range regs {
			for _, p := range pgs {
				out[t.classify(router.Profile{Region: r, EntryPage: p})] = true
			}
		}
	}
	return out
}

// serves reports whether an agent may take a conversation waiting in g:
// as a member, or with overflow as a member of the default group.
func (t *tenant) serves(agent, g string) bool {
	return t.members[g][agent] || t.overflow == router.OverflowDefault && t.members[router.DefaultGroup][agent]
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
	active      int
	assignments int
	last        time.Time // of the last assignment
	// eligibleSince is when the agent last became eligible (online and
	// below capacity); zero while it is not.
	eligibleSince time.Time
}

type deskConv struct {
	id       router.ConversationID
	customer router.CustomerKey
	group    string // classified to, then the group it was assigned in
	class    string // the group it was classified to
	state    router.State
	queued   bool
	agent    string
	opened   time.Time
}

func newDesk(t *tenant) *desk {
	d := &desk{t: t, agents: map[string]*deskAgent{}, convs: map[router.ConversationID]*deskConv{}}
	for _, id := range t.agents {
		d.agents[id] = &deskAgent{id: id}
	}
	return d
}

// eligible reports whether the agent can take a conversation now.
func (d *desk) eligible(id string) bool {
	a := d.agents[id]
	return a != nil && a.online && a.active < d.t.capacity[id]
}

// eligibleIn is an eligible member of group g, in definition order.
func (d *desk) eligibleIn(g string) (string, bool) {
	for _, id := range d.t.agents {
		if d.t.members[g][id] && d.eligible(id) {
			return id, true
		}
	}
	return "", false
}

// anyoneFor is an agent who could take a conversation waiting in g: one of
// g's, or with overflow one of the default group's.
func (d *desk) anyoneFor(g string) (string, bool) {
	if id, ok := d.eligibleIn(g); ok {
		return id, true
	}
	if d.t.overflow == router.OverflowDefault && g != router.DefaultGroup {
		return d.eligibleIn(router.DefaultGroup)
	}
	return "", false
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
	case router.EventOpened:
		cv := &deskConv{id: ev.Conversation, customer: ev.Customer, group: ev.Group, class: ev.Group, state: router.Waiting, opened: ev.At}
		d.convs[ev.Conversation] = cv
		d.order = append(d.order, cv)
	case router.EventQueued:
		if cv := d.convs[ev.Conversation]; cv != nil {
			cv.queued = true
		}
	case router.EventAssigned:
		if cv := d.convs[ev.Conversation]; cv != nil {
			cv.state, cv.agent, cv.group = router.Assigned, ev.Agent, ev.Group
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
// The replay stops, judging nothing further, at the first event it does
// not model (see [modelled]).
func replay(tr *Trace, before func(i int, ev router.Event, d *desk) *Violation, settled func(at time.Time, d *desk) *Violation) *Violation {
	d := newDesk(newTenant(tr.Scenario))
	for i, ev := range tr.Events {
		if !modelled(ev) {
			return nil
		}
		if before != nil {
			if v := before(i, ev, d); v != nil {
				return v
			}
		}
		d.apply(ev)
		if settled != nil && (i+1 == len(tr.Events) || !tr.Events[i+1].At.Equal(ev.At)) {
			if v := settled(ev.At, d); v != nil {
				return v
			}
		}
	}
	return nil
}

// modelled reports whether the desk models an event: the routing of the
// scenario format. Working hours, the unassigned inbox, bots, overflow
// after a wait, reassignment and transfers are not in scenarios yet; a
// trace that has them is judged up to its first such event.
func modelled(ev router.Event) bool {
	switch ev.Kind {
	case router.EventOpened, router.EventInbound, router.EventSent, router.EventRefused, router.EventFailed,
		router.EventStatus, router.EventMissed, router.EventClosed, router.EventOnline, router.EventOffline:
		return true
	case router.EventQueued, router.EventAssigned:
		return ev.Detail == "" // not the inbox, not taken by hand
	}
	return false
}
