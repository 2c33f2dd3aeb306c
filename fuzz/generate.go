package fuzz

import (
	"fmt"
	"slices"
	"sort"
	"time"

	gofuzz "github.com/google/gofuzz"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/platforms/douyin"
	"github.com/omnisim/omnisim/platforms/line"
	"github.com/omnisim/omnisim/platforms/wechat"
	"github.com/omnisim/omnisim/platforms/whatsapp"
	"github.com/omnisim/omnisim/sim/scenario"
)

// Case is one fuzz case: a scenario to play and the seed it came from.
type Case struct {
	// Seed is the seed the case was generated from: [NewCase] (or
	// [NewCaseAround] with the same rules) gives the same scenario again.
	// It is also the scenario's own seed. Zero for a case made from raw
	// fuzzing bytes.
	Seed uint64
	// Scenario is the generated scenario. Now and then the generator writes
	// a value outside its documented range on purpose, so that validation
	// is exercised too: see [Case.Validate].
	Scenario *scenario.Scenario
}

// Validate checks the case's scenario as a scenario file is checked.
func (c *Case) Validate() error { return platforms.Format.Validate(c.Scenario) }

// NewCase generates the case of a seed: a tenant (groups, split, strategy,
// overflow, timers), a roster, customers on every platform of the table,
// a script and traffic. The same seed gives the same case.
func NewCase(seed uint64) *Case {
	return &Case{Seed: seed, Scenario: generate(gofuzz.NewWithSeed(int64(seed)), nil, seed)}
}

// NewCaseAround generates a case around a user's own scenario: its tenant,
// groups, agents (with the schedules they name) and channels are kept;
// traffic, presence, customers (with the user's regions, entry pages and,
// under the store split, stores), the script and the time span are
// generated. base is not modified. The same base and seed give the same
// case.
func NewCaseAround(base *scenario.Scenario, seed uint64) *Case {
	return &Case{Seed: seed, Scenario: generate(gofuzz.NewWithSeed(int64(seed)), base, seed)}
}

// NewCaseFromBytes generates a case from the raw bytes of native Go fuzzing
// (go test -fuzz), around base when it is not nil: the bytes drive every
// draw, so the same bytes give the same case.
func NewCaseFromBytes(data []byte, base *scenario.Scenario) *Case {
	return &Case{Scenario: generate(gofuzz.NewFromGoFuzz(data), base, 0)}
}

// The vocabularies of generated scenarios.
var (
	// epoch is the start of generated scenarios (a Monday morning).
	epoch      = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	zones      = []int{0, 8 * 3600, 3600, -5 * 3600} // offsets of the start's zone
	strategies = []string{"least-loaded", "longest-idle", "round-robin", "most-free-capacity"}
	groupNames = []string{"sales", "support", "vip", "billing", "night", "default"}
	agentIDs   = []string{"ana", "li", "wei", "maria", "omar", "kim", "sam", "jo"}
	regions    = []string{"north", "south", "hangzhou", "wenzhou"}
	pages      = []string{"home", "product", "order", "cart"}
	// unknown is a region and an entry page that no group lists.
	unknown   = "mars"
	texts     = []string{"hello", "¿Tenéis la talla 38?", "你好，在吗？", "order #1234 😀", "<b>&amp; ]]></b>", "ok", "thanks!"}
	templates = []string{"order_update", "hello_world", "reminder"}
	// files are attachments, most of them within every platform's limits.
	files = []scenario.File{
		{Kind: "image", Format: "jpeg", Size: 200 << 10},
		{Kind: "image", Format: "png", Size: 6 << 20},
		{Kind: "image", Format: "gif", Size: 1 << 10},
		{Kind: "audio", Format: "mp3", Size: 1 << 20},
		{Kind: "audio", Format: "amr", Size: 3 << 20},
		{Kind: "video", Format: "mp4", Size: 12 << 20},
		{Kind: "document", Format: "pdf", Size: 2 << 20},
		{Kind: "sticker", Format: "webp", Size: 100 << 10},
	}
	// windows are the reply windows rules may set: around and between the
	// platforms' own 24 and 48 hours.
	windows = []time.Duration{time.Hour, 2 * time.Hour, 12 * time.Hour, 24 * time.Hour, 30 * time.Hour, 48 * time.Hour}
	// spans are the durations of generated scenarios.
	spans = []time.Duration{30 * time.Minute, 2 * time.Hour, 8 * time.Hour, 25 * time.Hour, 49 * time.Hour, 72 * time.Hour}
)

// Bounds of generated scenarios: small enough that a case runs in
// milliseconds, big enough that queues form.
const (
	maxGroups    = 5
	maxAgents    = 8 // len(agentIDs)
	maxCustomers = 8
	maxSteps     = 40
	maxFlows     = 2
	// maxArrivals bounds the customers a traffic flow generates.
	maxArrivals = 30
)

// gen is the state of one generation: what has been generated so far, for
// the parts that refer to it.
type gen struct {
	base *scenario.Scenario // fuzzing around a user's scenario; nil for none

	sc       *scenario.Scenario
	span     time.Duration
	channels []string // the channels in use, in table order
	channel  string   // the channel whose settings are being generated
	groups   []string
	agents   []string
	// customers are the scripted customers' ids; custAt the times they
	// wrote, for steps timed at window boundaries.
	customers []string
	custAt    []time.Duration
	regions   []string // the regions and entry pages customers draw from
	pages     []string
	// stores are the stores customers draw from, around a user's scenario
	// that splits by store: those its groups, agents, customers and flows
	// name, and one that none does; nil otherwise.
	stores []string
}

// generate runs the fuzzer with the domain's generator functions.
func generate(f *gofuzz.Fuzzer, base *scenario.Scenario, seed uint64) *scenario.Scenario {
	g := &gen{base: base}
	var sc scenario.Scenario
	f.Funcs(g.funcs()...).Fuzz(&sc)
	if seed != 0 {
		sc.Seed = seed
		sc.Name = fmt.Sprintf("fuzz case %d", seed)
	}
	return &sc
}

// funcs are the gofuzz custom functions, one for each part of a scenario.
func (g *gen) funcs() []any {
	return []any{
		func(sc *scenario.Scenario, c gofuzz.Continue) { g.scenario(sc, c) },
		func(t *scenario.Tenant, c gofuzz.Continue) { g.tenant(t, c) },
		func(gr *scenario.Group, c gofuzz.Continue) { g.group(gr, c) },
		func(a *scenario.Agent, c gofuzz.Continue) { g.agent(a, c) },
		func(ch *scenario.Channel, c gofuzz.Continue) { g.channelSettings(ch, c) },
		func(r *scenario.Rules, c gofuzz.Continue) { g.rules(r, c) },
		func(cu *scenario.Customer, c gofuzz.Continue) { g.customer(cu, c) },
		func(st *scenario.Step, c gofuzz.Continue) { g.step(st, c) },
		func(f *scenario.File, c gofuzz.Continue) { *f = pick(c, files) },
		func(t *scenario.Template, c gofuzz.Continue) {
			*t = scenario.Template{Name: pick(c, templates), Language: "en_US"}
		},
		func(tr *scenario.Traffic, c gofuzz.Continue) { g.traffic(tr, c) },
	}
}

// pick returns a random element of xs.
func pick[T any](c gofuzz.Continue, xs []T) T { return xs[c.Intn(len(xs))] }

// subset returns the elements of xs each kept with probability 1/den, in
// order; nil for none.
func subset[T any](c gofuzz.Continue, xs []T, den int) []T {
	var out []T
	for _, x := range xs {
		if c.Intn(den) == 0 {
			out = append(out, x)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func dur(d time.Duration) scenario.Duration { return scenario.Duration(d) }

// scenario generates a whole scenario, or one around g.base.
func (g *gen) scenario(sc *scenario.Scenario, c gofuzz.Continue) {
	*sc = scenario.Scenario{Seed: c.Uint64()}
	g.sc = sc
	g.span = pick(c, spans)
	if c.Intn(4) == 0 {
		g.span += time.Duration(c.Intn(3600)) * time.Second
	}
	sc.Duration = dur(g.span)
	if g.base != nil {
		g.around(sc, c)
	} else {
		sc.Start = epoch.Add(time.Duration(c.Intn(24)) * time.Hour)
		if off := pick(c, zones); off != 0 {
			sc.Start = sc.Start.In(time.FixedZone("", off))
		}
		c.Fuzz(&sc.Tenant)
		perm := c.Perm(len(groupNames))
		for _, i := range perm[:c.Intn(maxGroups+1)] {
			gr := scenario.Group{Name: groupNames[i]}
			c.Fuzz(&gr)
			sc.Groups = append(sc.Groups, gr)
			g.groups = append(g.groups, gr.Name)
		}
		n := 1 + c.Intn(maxAgents)
		if c.Intn(30) == 0 {
			n = 0 // a desk with nobody: everything waits
		}
		for i := range n {
			a := scenario.Agent{ID: agentIDs[i]}
			c.Fuzz(&a)
			sc.Agents = append(sc.Agents, a)
			g.agents = append(g.agents, a.ID)
		}
		sc.Channels = map[string]*scenario.Channel{}
		for _, p := range platforms.All {
			if c.Intn(10) < 7 {
				g.channels = append(g.channels, p.Name())
			}
		}
		if len(g.channels) == 0 {
			g.channels = []string{pick(c, platforms.All).Name()}
		}
		for _, name := range g.channels {
			ch := &scenario.Channel{}
			g.channel = name
			c.Fuzz(ch)
			sc.Channels[name] = ch
		}
		g.regions, g.pages = vocabulary(sc.Groups)
	}
	g.script(sc, c)
}

// around copies the user's tenant, groups, agents and channels into sc,
// with the schedules the agents name, and varies who is online at the
// start.
func (g *gen) around(sc *scenario.Scenario, c gofuzz.Continue) {
	b := g.base
	sc.Start = b.Start
	sc.Tenant = b.Tenant
	sc.Schedules = cloneSchedules(b.Schedules)
	for _, gr := range b.Groups {
		gr.Regions = slices.Clone(gr.Regions)
		gr.EntryPages = slices.Clone(gr.EntryPages)
		gr.Stores = slices.Clone(gr.Stores)
		sc.Groups = append(sc.Groups, gr)
		g.groups = append(g.groups, gr.Name)
	}
	for _, a := range b.Agents {
		a.Groups = slices.Clone(a.Groups)
		// Presence at the start varies; the rest is the user's.
		switch c.Intn(4) {
		case 0:
			a.Online = ptr(false)
		case 1:
			a.Online = ptr(true)
		}
		sc.Agents = append(sc.Agents, a)
		g.agents = append(g.agents, a.ID)
	}
	sc.Channels = map[string]*scenario.Channel{}
	for _, p := range platforms.All {
		if ch, ok := b.Channels[p.Name()]; ok {
			sc.Channels[p.Name()] = ch
			g.channels = append(g.channels, p.Name())
		}
	}
	if len(g.channels) == 0 {
		name := platforms.Format.DefaultChannel()
		sc.Channels[name] = &scenario.Channel{}
		if spec, ok := platforms.Format.Channel(name); ok && spec.Settings != nil {
			sc.Channels[name].Settings = spec.Settings()
		}
		g.channels = []string{name}
	}
	g.regions, g.pages = vocabulary(sc.Groups)
	// The user's own regions and pages, from their customers and flows too.
	for _, cu := range b.Customers {
		g.regions = addWord(g.regions, cu.Region)
		g.pages = addWord(g.pages, cu.EntryPage)
	}
	for _, tr := range b.Traffic {
		for _, r := range tr.Regions {
			g.regions = addWord(g.regions, r)
		}
		for _, p := range tr.Pages {
			g.pages = addWord(g.pages, p)
		}
	}
	if b.Tenant.Split == "store" {
		for _, gr := range b.Groups {
			for _, st := range gr.Stores {
				g.stores = addWord(g.stores, st)
			}
		}
		for _, a := range b.Agents {
			g.stores = addWord(g.stores, a.Store)
		}
		for _, cu := range b.Customers {
			g.stores = addWord(g.stores, cu.Store)
		}
		for _, tr := range b.Traffic {
			for _, st := range tr.Stores {
				g.stores = addWord(g.stores, st)
			}
		}
		g.stores = append(g.stores, unknown)
	}
}

// cloneSchedules copies a scenario's schedules, so that a case leaves the
// user's own be; nil for none.
func cloneSchedules(in map[string]scenario.Schedule) map[string]scenario.Schedule {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]scenario.Schedule, len(in))
	for name, s := range in {
		for _, day := range []*[]string{&s.Mon, &s.Tue, &s.Wed, &s.Thu, &s.Fri, &s.Sat, &s.Sun, &s.Off, &s.Holidays} {
			*day = slices.Clone(*day)
		}
		out[name] = s
	}
	return out
}

func addWord(xs []string, w string) []string {
	if w == "" || slices.Contains(xs, w) {
		return xs
	}
	return append(xs, w)
}

// vocabulary is the regions and entry pages customers draw from: those the
// groups list, and one that none does.
func vocabulary(groups []scenario.Group) (regs, pgs []string) {
	for _, gr := range groups {
		for _, r := range gr.Regions {
			regs = addWord(regs, r)
		}
		for _, p := range gr.EntryPages {
			pgs = addWord(pgs, p)
		}
	}
	sort.Strings(regs)
	sort.Strings(pgs)
	return append(regs, unknown), append(pgs, unknown)
}

// script generates the customers, the steps and the traffic.
func (g *gen) script(sc *scenario.Scenario, c gofuzz.Continue) {
	for i := range c.Intn(maxCustomers + 1) {
		cu := scenario.Customer{ID: fmt.Sprintf("u%d", i+1)}
		c.Fuzz(&cu)
		sc.Customers = append(sc.Customers, cu)
		g.customers = append(g.customers, cu.ID)
		g.custAt = append(g.custAt, 0)
	}
	for range c.Intn(maxSteps + 1) {
		var st scenario.Step
		c.Fuzz(&st)
		if st.Customer != "" || st.Agent != "" {
			sc.Steps = append(sc.Steps, st)
		}
	}
	for range c.Intn(maxFlows + 1) {
		var tr scenario.Traffic
		c.Fuzz(&tr)
		sc.Traffic = append(sc.Traffic, tr)
	}
	g.faults(sc, c)
}

// tenant draws the routing settings within their documented ranges, and
// now and then a close_missed_after or an idle_after outside its range,
// which validation must reject.
func (g *gen) tenant(t *scenario.Tenant, c gofuzz.Continue) {
	*t = scenario.Tenant{
		Split:    pick(c, []string{"none", "region", "region", "entry_page"}),
		Strategy: pick(c, strategies),
		Overflow: pick(c, []string{"none", "default"}),
	}
	if c.Intn(3) == 0 {
		t.MissedAfter = dur(time.Duration(1+c.Intn(120)) * time.Minute)
		switch n := c.Intn(25); {
		case n == 0:
			t.CloseMissedAfter = dur(time.Duration(1+c.Intn(14)) * time.Minute) // out of range: invalid
		case n < 10:
			t.CloseMissedAfter = dur(15*time.Minute + time.Duration(c.Intn(24*60))*time.Minute)
		}
	}
	if c.Intn(3) == 0 {
		t.IdleAfter = dur(time.Duration(5+c.Intn(24*60-5)) * time.Minute) // 5m to 24h
		if c.Intn(40) == 0 {
			t.IdleAfter = dur(time.Duration(25+c.Intn(48)) * time.Hour) // no documented bound
		}
	}
}

// group draws a group's priority and the keys it matches, of the tenant's
// split method (a tenant splits by one method); its name is set.
//
// Now and then (one group in sixty) it also lists keys of another method,
// which validation must reject (the engine refuses such a tenant).
func (g *gen) group(gr *scenario.Group, c gofuzz.Continue) {
	gr.Priority = c.Intn(4)
	split := g.sc.Tenant.Split
	other := c.Intn(60) == 0
	if split == "region" || other && split != "region" && c.Intn(2) == 0 {
		gr.Regions = subset(c, regions, 3)
	}
	if split == "entry_page" || other && split != "entry_page" && len(gr.Regions) == 0 {
		gr.EntryPages = subset(c, pages, 3)
	}
}

// agent draws an agent's capacity, groups, reception and presence at the
// start; its id is set.
func (g *gen) agent(a *scenario.Agent, c gofuzz.Continue) {
	a.Capacity = 1 + c.Intn(4)
	for _, i := range c.Perm(len(g.groups)) {
		if c.Intn(2) == 0 {
			a.Groups = append(a.Groups, g.groups[i])
		}
	}
	if c.Intn(8) == 0 {
		a.Groups = append(a.Groups, "default")
		slices.Sort(a.Groups)
		a.Groups = slices.Compact(a.Groups)
	}
	a.Reception = ptr(c.Intn(5) != 0)
	a.Online = ptr(c.Intn(4) != 0)
}

// channelSettings draws the settings of channel g.channel: the platform's
// own keys where the generator knows them, and rule overrides.
func (g *gen) channelSettings(ch *scenario.Channel, c gofuzz.Continue) {
	*ch = scenario.Channel{}
	switch g.channel {
	case whatsapp.Platform.Name():
		s := &whatsapp.Settings{WindowErrors: pick(c, []string{"", "sync", "async"})}
		if c.Intn(8) == 0 {
			s.StatusWebhooks = ptr(false)
		}
		if c.Intn(4) == 0 {
			s.Templates = []string{"order_update"}
		}
		ch.Settings = s
	case wechat.Platform.Name():
		ch.Settings = &wechat.Settings{Mode: pick(c, []string{"", "plaintext", "compatible", "safe"})}
	case douyin.Platform.Name():
		// Douyin's own delivery knobs: repeats of accepted webhooks and
		// lost answers, on the same schedule as a fault plan's.
		ch.Settings = &douyin.Settings{Repeats: pick(c, []int{0, 0, 0, 1, 2}), LostAnswers: pick(c, []int{0, 0, 0, 1, 4}),
			SendEvents: c.Intn(3) == 0}
	case line.Platform.Name():
		// The platform's reply-token expiry, shorter than the router's
		// minute now and then (the router then pushes after a 400), and a
		// redelivery schedule of its own.
		s := &line.Settings{}
		if c.Intn(3) == 0 {
			s.ReplyTokenExpiry = ptr(scenario.Duration(pick(c, []time.Duration{30 * time.Second, time.Minute, 5 * time.Minute})))
		}
		if c.Intn(4) == 0 {
			s.Redelivery = pick(c, [][]scenario.Duration{{scenario.Duration(time.Minute)}, {scenario.Duration(10 * time.Second), scenario.Duration(30 * time.Minute)}})
		}
		ch.Settings = s
	default:
		if spec, ok := platforms.Format.Channel(g.channel); ok && spec.Settings != nil {
			ch.Settings = spec.Settings()
		}
	}
	if c.Intn(4) == 0 {
		c.Fuzz(&ch.Rules)
	}
	// Rarely, rules for the router only: a router whose idea of the
	// platform's rules differs, which the drift findings must show.
	if c.Intn(16) == 0 {
		ch.Router = &scenario.Rules{}
		c.Fuzz(ch.Router)
	}
}

// rules draws overrides of a channel's rules.
func (g *gen) rules(r *scenario.Rules, c gofuzz.Continue) {
	*r = scenario.Rules{}
	if c.Intn(2) == 0 {
		r.Window = ptr(dur(pick(c, windows)))
	}
	if c.Intn(6) == 0 {
		r.WindowAnchor = pick(c, []string{"last_inbound", "first_inbound"})
	}
	if c.Intn(2) == 0 {
		r.ReplyLimit = ptr(c.Intn(7))
	}
	if c.Intn(6) == 0 {
		r.ReplyLimitReset = pick(c, []string{"inbound", "window"})
	}
	if c.Intn(8) == 0 {
		r.TemplatesOutsideWindow = ptr(c.Intn(2) == 0)
	}
	if c.Intn(4) == 0 {
		r.MaxTextLength = ptr(1 + c.Intn(40))
	}
	if c.Intn(5) == 0 {
		f := pick(c, files)
		r.Media = map[string]*scenario.MediaRule{f.Kind: {MaxSize: ptr(scenario.Size(int64(f.Size) / 2))}}
	}
}

// customer draws a customer's channel, handle and profile; its id is set.
func (g *gen) customer(cu *scenario.Customer, c gofuzz.Continue) {
	cu.Channel = pick(c, g.channels)
	n := len(g.customers) + 1
	if c.Intn(3) == 0 {
		switch cu.Channel {
		case whatsapp.Platform.Name():
			cu.Handle = fmt.Sprintf("+346123456%02d", n)
		case wechat.Platform.Name():
			cu.Handle = fmt.Sprintf("oFuzzCustomer_%02d", n)
		case douyin.Platform.Name():
			cu.Handle = fmt.Sprintf("_000FuzzCustomer%02d", n)
		case line.Platform.Name():
			cu.Handle = fmt.Sprintf("U0f0f0f0f0f0f0f0f0f0f0f0f0f0f%04x", n)
		}
	}
	if c.Intn(3) == 0 {
		cu.Name = pick(c, []string{"María", "王伟", "Sam O'Neil"})
	}
	if c.Intn(5) != 0 {
		cu.Region = pick(c, g.regions)
	}
	if c.Intn(5) != 0 {
		cu.EntryPage = pick(c, g.pages)
	}
	if len(g.stores) > 0 && c.Intn(5) != 0 {
		cu.Store = pick(c, g.stores)
	}
}

// at draws a step's time: anywhere in the span, or just around a window's
// end after a customer's earlier message.
func (g *gen) at(c gofuzz.Continue, customer int) time.Duration {
	if customer >= 0 && g.custAt[customer] > 0 && c.Intn(4) == 0 {
		t := g.custAt[customer] + pick(c, windows) + pick(c, []time.Duration{-time.Minute, -time.Second, 0, time.Second, time.Minute})
		if t > 0 && t < g.span {
			return t
		}
	}
	return time.Duration(c.Int63n(int64(g.span/time.Second))) * time.Second
}

// step draws one scripted step: a customer's message or attachment, or an
// agent's message, attachment, template, close or presence change. It
// leaves the step empty when there is nobody to act.
func (g *gen) step(st *scenario.Step, c gofuzz.Continue) {
	*st = scenario.Step{Repeat: 1}
	n := c.Intn(100)
	switch {
	case len(g.customers) == 0 && len(g.agents) == 0:
		return
	case len(g.customers) == 0 || n >= 88 && len(g.agents) > 0:
		st.Agent = pick(c, g.agents)
		st.At = dur(g.at(c, -1))
		st.Presence = pick(c, []string{"online", "offline", "online"})
		return
	case n < 45 || len(g.agents) == 0:
		i := c.Intn(len(g.customers))
		st.Customer = g.customers[i]
		at := g.at(c, i)
		st.At = dur(at)
		if c.Intn(8) == 0 {
			st.Attaches = new(scenario.File)
			c.Fuzz(st.Attaches)
			if c.Intn(2) == 0 {
				st.Caption = pick(c, texts)
			}
		} else {
			st.Says = g.says(c)
			if c.Intn(10) == 0 {
				st.Repeat = 2 + c.Intn(3)
				st.Every = dur(time.Duration(1+c.Intn(120)) * time.Minute)
			}
		}
		if at > g.custAt[i] {
			g.custAt[i] = at
		}
		return
	}
	i := c.Intn(len(g.customers))
	st.Agent = pick(c, g.agents)
	st.To = g.customers[i]
	st.At = dur(g.at(c, i))
	switch n := c.Intn(100); {
	case n < 60:
		st.Says = g.says(c)
	case n < 72:
		st.Attaches = new(scenario.File)
		c.Fuzz(st.Attaches)
	case n < 84:
		st.Template = new(scenario.Template)
		c.Fuzz(st.Template)
	default:
		st.Close = true
	}
}

// says draws one to three messages, now and then repeated or spread out.
func (g *gen) says(c gofuzz.Continue) scenario.Strings {
	var out scenario.Strings
	for range 1 + c.Intn(3) {
		t := pick(c, texts)
		if c.Intn(12) == 0 {
			t = longText(5 + c.Intn(60))
		}
		out = append(out, t)
	}
	return out
}

// longText is n characters of mixed widths.
func longText(n int) string {
	rs := []rune("ab é中😀 ")
	out := make([]rune, n)
	for i := range out {
		out[i] = rs[i%len(rs)]
	}
	return string(out)
}

// traffic draws a flow of generated customers on a channel in use.
func (g *gen) traffic(tr *scenario.Traffic, c gofuzz.Continue) {
	*tr = scenario.Traffic{Channel: pick(c, g.channels)}
	start := time.Duration(c.Int63n(int64(g.span/2/time.Minute)+1)) * time.Minute
	length := 10*time.Minute + time.Duration(c.Int63n(int64(min(g.span-start, 12*time.Hour)/time.Minute)+1))*time.Minute
	tr.Start, tr.For = dur(start), dur(length)
	rate := float64(2 + c.Intn(119))
	if n := rate * length.Hours(); n > maxArrivals {
		rate = float64(int(maxArrivals / length.Hours()))
		rate = max(rate, 1)
	}
	tr.Arrivals = scenario.Rate{PerHour: rate}
	lo := 1 + c.Intn(4)
	tr.Messages = scenario.IntRange{Min: lo, Max: lo + c.Intn(3)}
	mean := time.Duration(1+c.Intn(30)) * time.Minute
	switch c.Intn(3) {
	case 0:
		tr.Handle = scenario.Distribution{Kind: "exp", Mean: mean}
	case 1:
		tr.Handle = scenario.Distribution{Kind: "uniform", Low: mean / 2, High: mean * 2}
	default:
		tr.Handle = scenario.Distribution{Kind: "const", Mean: mean}
	}
	if c.Intn(3) == 0 {
		tr.Reply = scenario.Distribution{Kind: "exp", Mean: time.Duration(10+c.Intn(300)) * time.Second}
	}
	tr.Regions = subset(c, g.regions, 2)
	tr.Pages = subset(c, g.pages, 2)
	if len(g.stores) > 0 {
		tr.Stores = subset(c, g.stores, 2)
	}
}
