package fuzz

import (
	"context"
	"reflect"
	"slices"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim/scenario"
)

// ddmin is Zeller's delta debugging: it returns a subset of items (in their
// order) on which fails still holds, 1-minimal as far as the budget
// allows: removing any one item makes it pass. fails(items) must hold.
// fails is never called with the same subset twice in a row, and stop, when
// it reports true, ends the search with the smallest failing subset so far.
func ddmin[T any](items []T, fails func([]T) bool, stop func() bool) []T {
	if len(items) == 0 {
		return items
	}
	if fails(nil) {
		return nil
	}
	n := 2
	for len(items) >= 2 && !stop() {
		chunk := (len(items) + n - 1) / n
		reduced := false
		// A chunk alone.
		for i := 0; i < len(items) && !stop(); i += chunk {
			sub := items[i:min(i+chunk, len(items))]
			if len(sub) < len(items) && fails(sub) {
				items, n, reduced = slices.Clone(sub), 2, true
				break
			}
		}
		if reduced {
			continue
		}
		// Everything but a chunk.
		for i := 0; i < len(items) && !stop(); i += chunk {
			rest := slices.Concat(items[:i], items[min(i+chunk, len(items)):])
			if len(rest) > 0 && fails(rest) {
				items, n, reduced = rest, max(n-1, 2), true
				break
			}
		}
		if reduced {
			continue
		}
		if n >= len(items) {
			break
		}
		n = min(2*n, len(items))
	}
	return items
}

// shrinker reduces a failing scenario.
type shrinker struct {
	ctx   context.Context
	fails func(*scenario.Scenario) bool
	runs  int // predicate calls that ran a scenario
	max   int // the budget of runs
	until time.Time
}

func (s *shrinker) stop() bool {
	return s.ctx.Err() != nil || s.runs >= s.max || !s.until.IsZero() && time.Now().After(s.until)
}

// try reports whether a candidate is valid and still fails.
func (s *shrinker) try(sc *scenario.Scenario) bool {
	if s.stop() || platforms.Format.Validate(sc) != nil {
		return false
	}
	s.runs++
	return s.fails(sc)
}

// selection is which items of each list of the original scenario a
// candidate keeps, by index.
type selection struct {
	agents, groups, customers, steps, traffic []int
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// build makes the candidate of a selection: the kept items, and the
// references among them made whole (an agent loses the groups that are gone,
// a step goes with its agent or customer, an expectation with what it
// names).
func build(orig *scenario.Scenario, sel selection) *scenario.Scenario {
	sc := *orig
	sc.Groups, sc.Agents, sc.Customers, sc.Steps, sc.Traffic, sc.Expect = nil, nil, nil, nil, nil, nil
	groups := map[string]bool{"default": true}
	for _, i := range sel.groups {
		sc.Groups = append(sc.Groups, orig.Groups[i])
		groups[orig.Groups[i].Name] = true
	}
	agents := map[string]bool{}
	for _, i := range sel.agents {
		a := orig.Agents[i]
		var gs []string
		for _, g := range a.Groups {
			if groups[g] {
				gs = append(gs, g)
			}
		}
		a.Groups = gs
		sc.Agents = append(sc.Agents, a)
		agents[a.ID] = true
	}
	customers := map[string]bool{}
	for _, i := range sel.customers {
		sc.Customers = append(sc.Customers, orig.Customers[i])
		customers[orig.Customers[i].ID] = true
	}
	for _, i := range sel.steps {
		st := orig.Steps[i]
		if st.Agent != "" && !agents[st.Agent] || st.Customer != "" && !customers[st.Customer] || st.To != "" && !customers[st.To] {
			continue
		}
		sc.Steps = append(sc.Steps, st)
	}
	for _, i := range sel.traffic {
		sc.Traffic = append(sc.Traffic, orig.Traffic[i])
	}
	for _, e := range orig.Expect {
		if e.Customer != "" && !customers[e.Customer] || e.Agent != "" && !agents[e.Agent] ||
			e.AssignedTo != "" && !agents[e.AssignedTo] || e.Group != "" && !groups[e.Group] {
			continue
		}
		sc.Expect = append(sc.Expect, e)
	}
	return &sc
}

// Shrink reduces a scenario on which fails holds to a small one on which
// it still holds: delta debugging over the traffic flows, customers,
// agents, groups and steps (each removal taking with it what refers to the
// removed item), then a shorter duration, then simpler values (capacity 1,
// no timers, no rule overrides, one message per step). Each candidate is
// validated and run through fails. At most budget runs are made, and none
// after deadline (zero: none); the smallest failing scenario so far is
// returned with the number of runs made. sc is not modified.
func Shrink(ctx context.Context, sc *scenario.Scenario, fails func(*scenario.Scenario) bool, budget int, deadline time.Time) (*scenario.Scenario, int) {
	s := &shrinker{ctx: ctx, fails: fails, max: budget, until: deadline}
	cur := clone(sc)
	for round := 0; round < 4 && !s.stop(); round++ {
		before := size(cur)
		cur = s.lists(cur)
		cur = s.duration(cur)
		var simpler bool
		cur, simpler = s.simplify(cur)
		if size(cur) == before && !simpler {
			break
		}
	}
	cur = s.channels(cur)
	return cur, s.runs
}

// size counts a scenario's items and the hours of its duration, to tell
// whether a round of shrinking made progress.
func size(sc *scenario.Scenario) int {
	n := len(sc.Agents) + len(sc.Groups) + len(sc.Customers) + len(sc.Steps) + len(sc.Traffic) + len(sc.Channels)
	for _, st := range sc.Steps {
		n += len(st.Says)
	}
	return n + int(sc.Duration.D()/time.Minute)
}

// clone copies a scenario deeply enough that changing a candidate's lists
// and their elements' slices leaves the original alone.
func clone(sc *scenario.Scenario) *scenario.Scenario {
	out := *sc
	out.Agents = slices.Clone(sc.Agents)
	for i := range out.Agents {
		out.Agents[i].Groups = slices.Clone(out.Agents[i].Groups)
	}
	out.Groups = slices.Clone(sc.Groups)
	out.Customers = slices.Clone(sc.Customers)
	out.Steps = slices.Clone(sc.Steps)
	out.Traffic = slices.Clone(sc.Traffic)
	out.Expect = slices.Clone(sc.Expect)
	out.Channels = make(map[string]*scenario.Channel, len(sc.Channels))
	for k, v := range sc.Channels {
		if v != nil {
			c := *v
			v = &c
		}
		out.Channels[k] = v
	}
	return &out
}

// lists runs ddmin over each list of the scenario in turn.
func (s *shrinker) lists(cur *scenario.Scenario) *scenario.Scenario {
	sel := selection{agents: indexes(len(cur.Agents)), groups: indexes(len(cur.Groups)),
		customers: indexes(len(cur.Customers)), steps: indexes(len(cur.Steps)), traffic: indexes(len(cur.Traffic))}
	for _, list := range []*[]int{&sel.traffic, &sel.customers, &sel.agents, &sel.groups, &sel.steps} {
		*list = ddmin(*list, func(keep []int) bool {
			saved := *list
			*list = keep
			ok := s.try(build(cur, sel))
			*list = saved
			return ok
		}, s.stop)
	}
	return build(cur, sel)
}

// duration ends the scenario as early as it still fails: halving, then the
// latest time anything is scheduled.
func (s *shrinker) duration(cur *scenario.Scenario) *scenario.Scenario {
	if cur.Duration == 0 {
		return cur
	}
	for d := (cur.Duration.D() / 2).Truncate(time.Minute); d >= time.Minute && !s.stop(); d = (d / 2).Truncate(time.Minute) {
		c := truncate(cur, d)
		if !s.try(c) {
			break
		}
		cur = c
	}
	// Just past the last scripted step or traffic arrival window.
	var last time.Duration
	for _, st := range cur.Steps {
		last = max(last, st.At.D()+time.Duration(max(st.Repeat, 1)*max(len(st.Says), 1))*st.Every.D())
	}
	if d := (last + time.Second).Truncate(time.Second); d < cur.Duration.D() && len(cur.Traffic) == 0 {
		if c := truncate(cur, d); s.try(c) {
			cur = c
		}
	}
	return cur
}

// truncate ends a scenario after d, dropping the steps and flows that
// would start later and the expectations timed later.
func truncate(sc *scenario.Scenario, d time.Duration) *scenario.Scenario {
	out := clone(sc)
	out.Duration = scenario.Duration(d)
	out.Steps = slices.DeleteFunc(out.Steps, func(st scenario.Step) bool { return st.At.D() > d })
	out.Traffic = slices.DeleteFunc(out.Traffic, func(tr scenario.Traffic) bool { return tr.Start.D() >= d })
	for i := range out.Traffic {
		if tr := &out.Traffic[i]; tr.Start.D()+tr.For.D() > d {
			tr.For = scenario.Duration(d - tr.Start.D())
		}
	}
	out.Expect = slices.DeleteFunc(out.Expect, func(e scenario.Expect) bool { return e.HasAt && e.At.D() > d })
	return out
}

// simplify tries one simpler value at a time and keeps each that still
// fails; it reports whether it kept any.
func (s *shrinker) simplify(cur *scenario.Scenario) (*scenario.Scenario, bool) {
	kept := false
	attempt := func(change func(*scenario.Scenario) bool) {
		if s.stop() {
			return
		}
		c := clone(cur)
		if change(c) && s.try(c) {
			cur, kept = c, true
		}
	}
	// set tries one field at its simpler value.
	set := func(get func(*scenario.Scenario) any, simpler any, put func(*scenario.Scenario)) {
		attempt(func(c *scenario.Scenario) bool {
			if reflect.DeepEqual(get(c), simpler) {
				return false
			}
			put(c)
			return true
		})
	}
	set(func(c *scenario.Scenario) any { return c.Tenant.MissedAfter + c.Tenant.IdleAfter }, scenario.Duration(0),
		func(c *scenario.Scenario) {
			c.Tenant.MissedAfter, c.Tenant.CloseMissedAfter, c.Tenant.IdleAfter = 0, 0, 0
		})
	set(func(c *scenario.Scenario) any { return c.Tenant.CloseMissedAfter }, scenario.Duration(0),
		func(c *scenario.Scenario) { c.Tenant.CloseMissedAfter = 0 })
	set(func(c *scenario.Scenario) any { return c.Tenant.Overflow }, "none", func(c *scenario.Scenario) { c.Tenant.Overflow = "none" })
	set(func(c *scenario.Scenario) any { return c.Tenant.Strategy }, "least-loaded", func(c *scenario.Scenario) { c.Tenant.Strategy = "least-loaded" })
	for i := range cur.Agents {
		set(func(c *scenario.Scenario) any { return c.Agents[i].Capacity }, 1, func(c *scenario.Scenario) { c.Agents[i].Capacity = 1 })
		set(func(c *scenario.Scenario) any { return len(c.Agents[i].Groups) }, 0, func(c *scenario.Scenario) { c.Agents[i].Groups = nil })
		set(func(c *scenario.Scenario) any { return c.Agents[i].Online == nil || *c.Agents[i].Online }, true,
			func(c *scenario.Scenario) { c.Agents[i].Online = ptr(true) })
		set(func(c *scenario.Scenario) any { return c.Agents[i].Reception == nil || *c.Agents[i].Reception }, true,
			func(c *scenario.Scenario) { c.Agents[i].Reception = ptr(true) })
	}
	for i := range cur.Groups {
		set(func(c *scenario.Scenario) any { return c.Groups[i].Priority }, 0, func(c *scenario.Scenario) { c.Groups[i].Priority = 0 })
	}
	for _, name := range sortedChannels(cur) {
		// Each rule alone, then the router's own rules and the settings.
		rule := func(get func(r *scenario.Rules) any, zero any, clear func(r *scenario.Rules)) {
			set(func(c *scenario.Scenario) any {
				if ch := c.Channels[name]; ch != nil {
					return get(&ch.Rules)
				}
				return zero
			}, zero, func(c *scenario.Scenario) {
				ch := *c.Channels[name]
				clear(&ch.Rules)
				c.Channels[name] = &ch
			})
		}
		rule(func(r *scenario.Rules) any { return r.Window }, (*scenario.Duration)(nil), func(r *scenario.Rules) { r.Window = nil })
		rule(func(r *scenario.Rules) any { return r.WindowAnchor }, "", func(r *scenario.Rules) { r.WindowAnchor = "" })
		rule(func(r *scenario.Rules) any { return r.ReplyLimit }, (*int)(nil), func(r *scenario.Rules) { r.ReplyLimit = nil })
		rule(func(r *scenario.Rules) any { return r.ReplyLimitReset }, "", func(r *scenario.Rules) { r.ReplyLimitReset = "" })
		rule(func(r *scenario.Rules) any { return r.TemplatesOutsideWindow }, (*bool)(nil), func(r *scenario.Rules) { r.TemplatesOutsideWindow = nil })
		rule(func(r *scenario.Rules) any { return r.MaxTextLength }, (*int)(nil), func(r *scenario.Rules) { r.MaxTextLength = nil })
		rule(func(r *scenario.Rules) any { return len(r.Media) }, 0, func(r *scenario.Rules) { r.Media = nil })
		set(func(c *scenario.Scenario) any { return c.Channels[name] == nil || c.Channels[name].Router == nil }, true,
			func(c *scenario.Scenario) {
				ch := *c.Channels[name]
				ch.Router = nil
				c.Channels[name] = &ch
			})
		if spec, ok := platforms.Format.Channel(name); ok && spec.Settings != nil {
			set(func(c *scenario.Scenario) any {
				if ch := c.Channels[name]; ch != nil && ch.Settings != nil {
					return ch.Settings
				}
				return spec.Settings()
			}, spec.Settings(), func(c *scenario.Scenario) {
				ch := *c.Channels[name]
				ch.Settings = spec.Settings()
				c.Channels[name] = &ch
			})
		}
	}
	for i := range cur.Customers {
		set(func(c *scenario.Scenario) any { return c.Customers[i].Name + c.Customers[i].Handle }, "",
			func(c *scenario.Scenario) { c.Customers[i].Name, c.Customers[i].Handle = "", "" })
		set(func(c *scenario.Scenario) any { return c.Customers[i].Region }, "", func(c *scenario.Scenario) { c.Customers[i].Region = "" })
		set(func(c *scenario.Scenario) any { return c.Customers[i].EntryPage }, "", func(c *scenario.Scenario) { c.Customers[i].EntryPage = "" })
	}
	// Earlier steps: all of them, so that the first is at 0s (flows too);
	// then each as early as the one before it, in time order, so that the
	// scenario ends sooner.
	attempt(func(c *scenario.Scenario) bool {
		if len(c.Steps) == 0 {
			return false
		}
		first := c.Steps[0].At
		for _, st := range c.Steps {
			first = min(first, st.At)
		}
		for _, tr := range c.Traffic {
			first = min(first, tr.Start)
		}
		for i := range c.Steps {
			c.Steps[i].At -= first
		}
		for i := range c.Traffic {
			c.Traffic[i].Start -= first
		}
		return first > 0
	})
	byTime := indexes(len(cur.Steps))
	slices.SortStableFunc(byTime, func(i, j int) int { return int(cur.Steps[i].At - cur.Steps[j].At) })
	for k, i := range byTime {
		for _, after := range []scenario.Duration{0, scenario.Duration(time.Second)} {
			attempt(func(c *scenario.Scenario) bool {
				var prev scenario.Duration
				if k > 0 {
					prev = c.Steps[byTime[k-1]].At
				}
				changed := c.Steps[i].At > prev+after
				c.Steps[i].At = prev + after
				return changed
			})
		}
	}
	for i := range cur.Steps {
		attempt(func(c *scenario.Scenario) bool {
			st := &c.Steps[i]
			changed := len(st.Says) > 1 || st.Repeat > 1
			if len(st.Says) > 1 {
				st.Says = st.Says[:1]
			}
			st.Repeat, st.Every = 1, 0
			return changed
		})
	}
	for i := range cur.Traffic {
		// From the start, so that a shorter duration keeps it.
		set(func(c *scenario.Scenario) any { return c.Traffic[i].Start }, scenario.Duration(0), func(c *scenario.Scenario) { c.Traffic[i].Start = 0 })
		attempt(func(c *scenario.Scenario) bool {
			tr := &c.Traffic[i]
			changed := tr.Messages != (scenario.IntRange{Min: 1, Max: 1}) || tr.Reply.Kind != ""
			tr.Messages, tr.Reply = scenario.IntRange{Min: 1, Max: 1}, scenario.Distribution{}
			return changed
		})
		set(func(c *scenario.Scenario) any { return len(c.Traffic[i].Regions) + len(c.Traffic[i].Pages) }, 0,
			func(c *scenario.Scenario) { c.Traffic[i].Regions, c.Traffic[i].Pages = nil, nil })
	}
	return cur, kept
}

func isZeroRules(r scenario.Rules) bool {
	return r.Window == nil && r.WindowAnchor == "" && r.ReplyLimit == nil && r.ReplyLimitReset == "" &&
		r.TemplatesOutsideWindow == nil && r.MaxTextLength == nil && len(r.Media) == 0
}

// channels drops the channels no customer and no flow uses.
func (s *shrinker) channels(cur *scenario.Scenario) *scenario.Scenario {
	for _, name := range sortedChannels(cur) {
		used := false
		for _, c := range cur.Customers {
			used = used || c.Channel == name
		}
		for _, t := range cur.Traffic {
			used = used || t.Channel == name
		}
		if used || len(cur.Channels) == 1 || s.stop() {
			continue
		}
		c := clone(cur)
		delete(c.Channels, name)
		if s.try(c) {
			cur = c
		}
	}
	return cur
}

func sortedChannels(sc *scenario.Scenario) []string {
	var names []string
	for _, p := range platforms.All {
		if _, ok := sc.Channels[p.Name()]; ok {
			names = append(names, p.Name())
		}
	}
	return names
}
