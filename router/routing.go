package router

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// startShifts reads every scheduled agent's working hours at the engine's
// first time and sets its first shift-change timer.
func (e *Engine) startShifts(now time.Time) {
	for _, a := range e.scheduled {
		on, next, ok := a.sched.at(now, a.loc)
		a.onShift = on
		if e.onlineByHours && on {
			e.setOnline(now, a, true, "hours")
		}
		// In its groups' picks too: an agent on shift (and online by
		// its hours) takes conversations from the first.
		e.reindex(now, now.UnixNano(), a)
		if ok {
			e.setAgentDeadline(next, a, deadlineShift)
		}
	}
}

// shiftChange fires an agent's shift timer: the agent's working hours
// started or ended at at.
func (e *Engine) shiftChange(at time.Time, a *agent) {
	on, next, ok := a.sched.at(at, a.loc)
	if on != a.onShift {
		a.onShift = on
		kind := EventShiftEnded
		if on {
			kind = EventShiftStarted
		}
		e.log(at, kind, 0, nil, a.id, "", "", "")
		if e.onlineByHours {
			e.setOnline(at, a, on, "hours")
		}
		e.reindex(at, at.UnixNano(), a)
		if on {
			e.drain(at, at.UnixNano(), a)
		}
	}
	if ok {
		e.setAgentDeadline(next, a, deadlineShift)
	}
}

// overflowNow moves a conversation that waited [Config.OverflowAfter] in
// its group to the default group: assigned there at once when someone is
// eligible, otherwise waiting there.
func (e *Engine) overflowNow(at time.Time, cv *conv) {
	if cv.state != stageWaiting || !cv.queued || cv.group == e.deflt {
		return
	}
	from := cv.group
	e.dequeue(cv)
	e.log(at, EventOverflowed, cv.id, &cv.cust.key, "", e.deflt.name, "", from.name)
	if a := e.pick(e.deflt, cv.skips()); a != nil {
		e.assign(at, at.UnixNano(), cv, a, e.deflt, "")
	} else {
		e.enqueue(at, cv, e.deflt)
	}
}

// reassignNow sends an unanswered conversation back to routing in its
// group, excluding the agent that did not answer.
func (e *Engine) reassignNow(at time.Time, cv *conv) {
	a := cv.agent
	e.log(at, EventReassigned, cv.id, &cv.cust.key, a.id, cv.group.name, "", "unanswered")
	e.exclude(cv, a)
	e.unassign(at, cv)
	e.route(at, at.UnixNano(), cv, cv.group)
	if a.online {
		e.drain(at, at.UnixNano(), a)
	}
}

func (e *Engine) exclude(cv *conv, a *agent) {
	if cv.excluded == nil {
		cv.excluded = new([]*agent)
	}
	if !slices.Contains(*cv.excluded, a) {
		*cv.excluded = append(*cv.excluded, a)
	}
}

// unassign takes an assigned conversation from its agent; the caller routes
// it again.
func (e *Engine) unassign(now time.Time, cv *conv) {
	a := cv.agent
	e.clearDeadline(cv, deadlineReassign)
	cv.state = stageWaiting
	e.setActive(now, now.UnixNano(), a, a.active-1)
}

// openOf returns the customer's open conversation, or an error.
func (e *Engine) openOf(key CustomerKey) (*conv, error) {
	c := e.customers.get(&key)
	if c == nil || c.open == nil {
		return nil, fmt.Errorf("router: %s has no open conversation", key)
	}
	return c.open, nil
}

// Transfer hands the customer's open conversation, assigned to agent by,
// to another group or agent. With toAgent set, that agent takes it at once
// (in toGroup, if set, else in its current group); it must be online, in
// working hours (or a member of that group when the group ignores hours)
// and below capacity, or Transfer fails and nothing changes.
// With only toGroup set, the conversation is routed in that group without
// the transferring agent, and waits there if nobody can take it. Both are
// logged as [EventTransferred].
func (e *Engine) Transfer(now time.Time, by string, key CustomerKey, toGroup, toAgent string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	now = e.begin(now)
	from, ok := e.agents[by]
	if !ok {
		return fmt.Errorf("router: unknown agent %q", by)
	}
	cv, err := e.openOf(key)
	if err != nil {
		return err
	}
	if cv.state != stageAssigned || cv.agent != from {
		return fmt.Errorf("router: conversation %s of %s is not assigned to %s", cv.id, key, by)
	}
	if toGroup == "" && toAgent == "" {
		return fmt.Errorf("router: transfer of %s names no group or agent", cv.id)
	}
	g := cv.group
	if toGroup != "" {
		if g = e.byName[toGroup]; g == nil {
			return fmt.Errorf("router: transfer to unknown group %q", toGroup)
		}
	}
	var to *agent
	if toAgent != "" {
		if to = e.agents[toAgent]; to == nil {
			return fmt.Errorf("router: transfer to unknown agent %q", toAgent)
		}
		if to == from {
			return fmt.Errorf("router: %s transfers %s to itself", by, cv.id)
		}
		// In hours, or a member of a group that ignores them, as
		// routing there would assign it.
		inHours := to.onShift || g.ignoreHours && to.slotIn(g) >= 0
		if !to.online || !inHours || to.active >= to.capacity {
			return fmt.Errorf("router: agent %q cannot take %s now (online %v, in hours %v, %d of %d)", toAgent, cv.id, to.online, to.onShift, to.active, to.capacity)
		}
	}
	e.log(now, EventTransferred, cv.id, &key, by, g.name, "", toAgent)
	e.exclude(cv, from)
	e.unassign(now, cv)
	if to != nil {
		e.assign(now, e.now, cv, to, g, "transfer") // now is begin's
	} else {
		e.route(now, e.now, cv, g)
	}
	if from.online {
		e.drain(now, e.now, from)
	}
	return nil
}

// Take assigns the customer's waiting conversation (in the unassigned inbox
// or in a queue) to the agent, who must be below capacity. Taking is an
// agent's own act: it ignores presence, working hours, group membership
// and exclusions.
func (e *Engine) Take(now time.Time, agentID string, key CustomerKey) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	now = e.begin(now)
	a, ok := e.agents[agentID]
	if !ok {
		return fmt.Errorf("router: unknown agent %q", agentID)
	}
	cv, err := e.openOf(key)
	if err != nil {
		return err
	}
	if cv.state != stageWaiting {
		return fmt.Errorf("router: conversation %s of %s is %s, not waiting", cv.id, key, cv.state.state())
	}
	if a.active >= a.capacity {
		return fmt.Errorf("router: agent %q is at capacity (%d)", agentID, a.capacity)
	}
	e.assign(now, e.now, cv, a, cv.group, "take") // now is begin's
	return nil
}

// Handoff hands the customer's conversation from the bot to a human at the
// customer's or the bot's request; it is a no-op for a conversation no
// longer with the bot.
func (e *Engine) Handoff(now time.Time, key CustomerKey) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	now = e.begin(now)
	cv, err := e.openOf(key)
	if err != nil {
		return err
	}
	if cv.state == stageBot {
		e.handoff(now, cv, "request")
	}
	return nil
}

// handoff gives a bot conversation to routing; the missed timer starts now.
func (e *Engine) handoff(now time.Time, cv *conv, why string) {
	e.clearDeadline(cv, deadlineBot)
	e.log(now, EventHandoff, cv.id, &cv.cust.key, "", cv.group.name, "", why)
	if e.missed > 0 {
		e.setDeadline(now.Add(e.missed), cv, deadlineMissed)
	}
	e.route(now, now.UnixNano(), cv, cv.group)
}

// bot is a checked [Bot]; a nil *bot is no bot.
type bot struct {
	channels map[string]bool // nil: every channel
	keywords []string        // lower case
	after    time.Duration
	idle     time.Duration
}

func (e *Engine) configureBot(b *Bot) error {
	if b == nil {
		return nil
	}
	if b.HandoffAfter < 0 || b.IdleAfter < 0 {
		return fmt.Errorf("router: negative bot HandoffAfter %v or IdleAfter %v", b.HandoffAfter, b.IdleAfter)
	}
	if b.IdleAfter > MaxIdleAfter {
		return fmt.Errorf("router: bot IdleAfter %v is out of range: idle chats close after 0 (never) to %v", b.IdleAfter, MaxIdleAfter)
	}
	e.bot = &bot{after: b.HandoffAfter, idle: b.IdleAfter}
	if len(b.Channels) > 0 {
		e.bot.channels = make(map[string]bool, len(b.Channels))
		for _, ch := range b.Channels {
			e.bot.channels[ch] = true
		}
	}
	for _, k := range b.Keywords {
		if k == "" {
			return fmt.Errorf("router: empty bot keyword")
		}
		e.bot.keywords = append(e.bot.keywords, strings.ToLower(k))
	}
	return nil
}

func (b *bot) on(channel string) bool {
	return b != nil && (b.channels == nil || b.channels[channel])
}

func (b *bot) matches(text string) bool {
	if b == nil || len(b.keywords) == 0 {
		return false
	}
	t := strings.ToLower(text)
	for _, k := range b.keywords {
		if strings.Contains(t, k) {
			return true
		}
	}
	return false
}

// workstream is a checked [Workstream].
type workstream struct {
	name     string
	channels []string // empty: every channel
	rules    []rule
	fallback *group
}

type rule struct {
	Rule
	name  string
	group *group
}

func (e *Engine) configureWorkstreams(wss []Workstream) error {
	seen := map[string]bool{}
	for _, w := range wss {
		if w.Name == "" {
			return fmt.Errorf("router: a workstream has no name")
		}
		if seen[w.Name] {
			return fmt.Errorf("router: workstream %q defined twice", w.Name)
		}
		seen[w.Name] = true
		ws := &workstream{name: w.Name, channels: w.Channels, fallback: e.deflt}
		if w.Fallback != "" {
			if ws.fallback = e.byName[w.Fallback]; ws.fallback == nil {
				return fmt.Errorf("router: workstream %q falls back to unknown group %q", w.Name, w.Fallback)
			}
		}
		for i, r := range w.Rules {
			g := e.byName[r.Group]
			if g == nil {
				return fmt.Errorf("router: workstream %q, rule %d: unknown group %q", w.Name, i+1, r.Group)
			}
			name := r.Name
			if name == "" {
				name = fmt.Sprintf("rule %d", i+1)
			}
			ws.rules = append(ws.rules, rule{Rule: r, name: name, group: g})
			if _, ok := r.Attributes["name"]; ok {
				e.usesName = true
			}
		}
		e.workstreams = append(e.workstreams, ws)
	}
	return nil
}

// workstreamOf is the workstream a channel is bound to: the first listing
// it, or else the first listing no channel; nil for none.
func (e *Engine) workstreamOf(channel string) *workstream {
	var all *workstream
	for _, ws := range e.workstreams {
		if slices.Contains(ws.channels, channel) {
			return ws
		}
		if len(ws.channels) == 0 && all == nil {
			all = ws
		}
	}
	return all
}

// classify applies the first matching rule, or the fallback.
func (ws *workstream) classify(c *customer) (*group, string) {
	for _, r := range ws.rules {
		if r.matches(c) {
			return r.group, ws.name + "/" + r.name
		}
	}
	return ws.fallback, ws.name + "/fallback"
}

func (r *rule) matches(c *customer) bool {
	p := c.profileOf()
	in := func(xs []string, v string) bool { return len(xs) == 0 || slices.Contains(xs, v) }
	if !in(r.Channels, c.key.Channel) || !in(r.EntryPages, p.EntryPage) || !in(r.Regions, p.Region) ||
		!in(r.Stores, p.Store) || !in(r.Languages, p.Language) || !in(r.AdSources, p.AdSource) {
		return false
	}
	for k, want := range r.Attributes {
		got, ok := c.attrsOf()[k]
		if !ok && k == "name" {
			got = c.name
		}
		if got != want {
			return false
		}
	}
	return true
}
