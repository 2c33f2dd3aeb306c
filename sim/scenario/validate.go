package scenario

import (
	"fmt"
	"time"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/router/inbox"
	"golang.org/x/text/language"
	"slices"
	"sort"
	"strings"
)

// The allowed values of the enumerated keys.
var (
	splitMethods     = names(router.Splits())
	strategies       = names(router.Strategies())
	overflows        = names(router.Overflows())
	presences        = []string{"online", "offline"}
	states           = names(router.States())
	closeReasons     = names(router.CloseReasons())
	refusalReasons   = names(router.Reasons())
	metrics          = []string{"service.warnings", "fairness.jain", "fairness.spread", "fairness.eligible_jain", "fairness.eligible_spread", "wait.p50", "wait.p90", "wait.p99", "wait.max", "wait.asa", "wait.probability", "service_level", "abandoned", "abandonment", "conversations", "messages", "closed", "waiting"}
	driftKinds       = []string{"sent_refused", "refused_accepted", "any"}
	fileKinds        = []string{"image", "audio", "video", "document", "sticker"}
	windowAnchors    = []string{"last_inbound", "first_inbound"}
	replyLimitResets = []string{"inbound", "window"}
	inboxViews       = names(inbox.Views())
	tagColours       = inbox.DefaultPalette()
)

// names turns the router's enumerated values into the strings a scenario
// writes: the router is their one source of truth.
func names[T ~string](vals []T) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return out
}

// The checks each expectation subject takes, in documentation order.
var subjectChecks = map[string][]string{
	"customer": {"state", "assigned_to", "group", "close_reason", "received", "last_received", "last_error", "last_refusal", "conversations", "same_agent_as", "other_agent_than", "never_assigned_to",
		"starred", "archived", "unread", "tags", "tag_colours", "phones", "from_ad", "rating"},
	"agent":   {"assignments", "active", "assigned_order", "in_hours"},
	"metric":  {"min", "max", "min_duration", "max_duration"},
	"drift":   {"count"},
	"inbox":   {"listed", "with_phone", "with_ad", "with_tag", "search"},
	"history": {"listed", "all_conversations", "nickname", "keyword", "rating", "unrated", "closed_only"},
}

var subjects = []string{"customer", "agent", "metric", "drift", "inbox", "history"}

type validator struct {
	r      *reporter
	given  map[string]bool
	format *Format
	// channels is the format's channel names, for references.
	channels *nameSet
}

// nameSet is the names a reference may use: the list, in the file's order,
// for hints, and a set for looking names up.
type nameSet struct {
	list []string
	set  map[string]struct{}
}

func newNameSet(list []string) *nameSet {
	n := &nameSet{list: list, set: make(map[string]struct{}, len(list))}
	for _, s := range list {
		n.set[s] = struct{}{}
	}
	return n
}

func (v *validator) errf(path, hint, format string, args ...any) {
	v.r.atVal(path, hint, format, args...)
}

// enum checks an optional enumerated value.
func (v *validator) enum(path, val string, allowed []string) {
	if val == "" && !v.given[path] || slices.Contains(allowed, val) {
		return
	}
	hint := ""
	if n, ok := Nearest(val, allowed); ok {
		hint = fmt.Sprintf("did you mean %q?", n)
	}
	v.errf(path, hint, "%s: unknown value %q; want one of: %s", path, val, strings.Join(allowed, ", "))
}

// phoneRegion checks an optional phone region at path p: a region code
// the message center can read numbers in, in either case.
func (v *validator) phoneRegion(p, region string) {
	v.nonEmpty(p, region)
	if region == "" || (inbox.Config{Region: region}).Validate() == nil {
		return
	}
	hint := "a region code such as TW, US or JP"
	switch up := strings.ToUpper(region); {
	case up == "UK":
		hint = `did you mean "GB"? the United Kingdom's region code is GB`
	case strings.Trim(up, "+0123456789") == "":
		hint = "a region code such as TW, US or JP, not a country calling code"
	case len(up) == 3:
		// An ISO 3166 alpha-3 code: its alpha-2 code is the one.
		if r, err := language.ParseRegion(up); err == nil && r.IsCountry() {
			hint = fmt.Sprintf("did you mean %q? region codes have two letters", r.String())
			break
		}
		fallthrough
	default:
		if n, ok := Nearest(up, inbox.Regions()); ok {
			hint = fmt.Sprintf("did you mean %q?", n)
		}
	}
	v.errf(p, hint, "%s: unknown region %q: want the region code of a country or territory", p, region)
}

// ref checks a reference to a named thing. The hint, which compares the
// name with every known one, is written only if the error is reported (see
// [reporter.list]).
func (v *validator) ref(path, val string, names *nameSet, what string) {
	if _, ok := names.set[val]; ok {
		return
	}
	v.errf(path, "", "%s: unknown %s %q", path, what, val)
	v.r.hintLater(v.r.errs[len(v.r.errs)-1], val, names.list, what+"s")
}

// nonEmpty rejects a string key that is present but empty.
func (v *validator) nonEmpty(path, val string) {
	if val == "" && v.given[path] {
		v.errf(path, "leave the key out instead", "%s: empty value", path)
	}
}

func (v *validator) nonNegative(path string, n *int) {
	if n != nil && *n < 0 {
		v.errf(path, "", "%s: must be 0 or more, got %d", path, *n)
	}
}

// validate checks references, ranges and the combinations of keys.
func (s *Scenario) validate(r *reporter, f *Format, given map[string]bool) {
	known := f.Names()
	v := &validator{r: r, given: given, format: f, channels: newNameSet(known)}

	v.enum("tenant.split", s.Tenant.Split, splitMethods)
	if c := s.Tenant.CloseMissedAfter; c != 0 {
		switch {
		case s.Tenant.MissedAfter == 0:
			v.errf("tenant.close_missed_after", "set missed_after, the response limit after which a chat is missed",
				"tenant.close_missed_after: no chat is ever missed without missed_after")
		case c.D() < minCloseMissed || c.D() > maxCloseMissed:
			v.errf("tenant.close_missed_after", "leave it out to close missed chats at once",
				"tenant.close_missed_after: %s is out of range: a missed chat closes after 15m to 30d", c)
		}
	}
	v.enum("tenant.strategy", s.Tenant.Strategy, strategies)
	v.enum("tenant.overflow", s.Tenant.Overflow, overflows)
	if s.Tenant.OverflowAfter > 0 && s.Tenant.Overflow != "default" {
		v.errf("tenant.overflow_after", `set overflow = "default"`,
			"tenant.overflow_after: nothing overflows with overflow = %q", s.Tenant.Overflow)
	}
	v.zone("tenant.zone", s.Tenant.Zone)
	v.phoneRegion("tenant.phone_region", s.Tenant.PhoneRegion)
	schedules := newNameSet(v.schedules(s.Schedules))

	names := make([]string, 0, len(s.Channels))
	for name := range s.Channels {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := joinPath("channels", name)
		spec, ok := f.Channel(name)
		if !ok {
			r.atKey(p, suggest(name, known, "known channels"), "unknown channel %q", name)
			continue
		}
		ch := s.Channels[name]
		if ch == nil {
			continue
		}
		if spec.Validate != nil && ch.Settings != nil {
			for _, pr := range spec.Validate(ch.Settings) {
				kp := joinPath(p, pr.Key)
				v.errf(kp, pr.Hint, "%s: %s", kp, pr.Msg)
			}
		}
		v.rules(p+".rules", &ch.Rules)
		if ch.Rules.ManualAssignment != nil {
			v.errf(p+".rules.manual_assignment", "auto-assignment is the router's: put it under [channels."+name+".router]",
				"%s.rules.manual_assignment: not a platform rule", p)
		}
		if ch.Router != nil {
			v.rules(p+".router", ch.Router)
		}
		v.faults(p+".faults", ch.Faults)
	}

	groups := newNameSet(v.groups(s.Groups))
	v.oneSplit(s.Tenant.Split, s.Groups)
	if d := s.Tenant.IdleAfter; d.D() > router.MaxIdleAfter {
		v.errf("tenant.idle_after", "the Zoho document closes idle chats after at most 24 hours",
			"tenant.idle_after: %s is out of range: idle chats close after at most 24h", d)
	}
	v.bot(s.Bot)
	v.workstreams(s.Workstreams, groups)
	agents := newNameSet(v.agents(s.Agents, groups, schedules))
	if s.Duration == 0 {
		for i, a := range s.Agents {
			if a.Schedule != "" {
				p := indexPath("agents", i)
				v.errf(p+".schedule", `set duration, e.g. duration = "3d"`,
					"%s.schedule: a scenario with working hours needs a duration: shifts start and end for ever", p)
				break
			}
		}
	}
	customers := newNameSet(v.customers(s.Customers))
	quick := newNameSet(v.quickReplies(s.QuickReplies))
	v.autoReplies(s.AutoReplies)
	v.service(s.Service)
	for i := range s.Steps {
		v.step(indexPath("steps", i), &s.Steps[i], agents, customers, groups, quick)
	}
	for i := range s.Expect {
		v.expect(indexPath("expect", i), &s.Expect[i], s, agents, customers, groups)
	}
	for i := range s.Traffic {
		v.traffic(indexPath("traffic", i), &s.Traffic[i])
	}
	v.bounds(s)
}

func (v *validator) rules(p string, r *Rules) {
	v.enum(p+".window_anchor", r.WindowAnchor, windowAnchors)
	v.enum(p+".reply_limit_reset", r.ReplyLimitReset, replyLimitResets)
	v.nonNegative(p+".reply_limit", r.ReplyLimit)
	if r.Window != nil && *r.Window <= 0 {
		v.errf(p+".window", "leave it out to keep the platform's window", "%s.window: must be longer than 0s", p)
	}
	if n := r.MaxTextLength; n != nil && *n < 1 {
		v.errf(p+".max_text_length", "leave it out to keep the platform's limit", "%s.max_text_length: must be at least 1, got %d", p, *n)
	}
	kinds := make([]string, 0, len(r.Media))
	for k := range r.Media {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		mp := joinPath(p+".media", k)
		if !slices.Contains(fileKinds, k) {
			v.r.atKey(mp, suggest(k, fileKinds, "attachment kinds"), "%s: unknown attachment kind %q", mp, k)
		}
		if m := r.Media[k].MaxSize; m != nil && *m <= 0 {
			v.errf(mp+".max_size", "leave it out to keep the platform's limit", "%s.max_size: must be more than 0B", mp)
		}
		for i, f := range r.Media[k].Formats {
			if f == "" {
				v.errf(indexPath(mp+".formats", i), "", "%s: empty format", indexPath(mp+".formats", i))
			}
		}
	}
}

// unique checks the name (or id) of the i-th entry at path p: it must be
// given and not taken by an earlier entry. It reports whether the name is
// new, and records it in first.
func (v *validator) unique(p, key, val string, i int, first map[string]int, what, example string) bool {
	j, dup := first[val]
	switch {
	case val == "":
		a := "a"
		if strings.ContainsRune("aeiou", rune(key[0])) {
			a = "an"
		}
		v.errf(p+"."+key, "e.g. "+example, "%s.%s: missing; every %s needs %s %s", p, key, what, a, key)
	case dup:
		v.errf(p+"."+key, "", "%s.%s: duplicate %s %s %q (also %s[%d])", p, key, what, key, val, strings.SplitN(p, "[", 2)[0], j)
	default:
		first[val] = i
		return true
	}
	return false
}

// groups checks the groups and returns the names a reference may use.
func (v *validator) groups(gs []Group) []string {
	var names []string
	first := map[string]int{}
	for i, g := range gs {
		p := indexPath("groups", i)
		if v.unique(p, "name", g.Name, i, first, "group", `name = "vip"`) {
			names = append(names, g.Name)
		}
		if g.Priority < 0 {
			v.errf(p+".priority", "the lower number comes first", "%s.priority: must be 0 or more, got %d", p, g.Priority)
		}
	}
	if !slices.Contains(names, "default") {
		names = append(names, "default")
	}
	return names
}

// splitKeys names the group key each split method classifies by.
var splitKeys = map[string]string{"region": "regions", "entry_page": "entry_pages", "store": "stores"}

// oneSplit checks that the groups list only the keys of the tenant's split
// method: a shop has exactly one (the Douyin document, FAQ 2 and 3).
func (v *validator) oneSplit(split string, gs []Group) {
	for i, g := range gs {
		p := indexPath("groups", i)
		for key, set := range map[string]bool{"regions": g.Regions != nil, "entry_pages": g.EntryPages != nil, "stores": g.Stores != nil} {
			if !set || splitKeys[split] == key {
				continue
			}
			method := ""
			for m, k := range splitKeys {
				if k == key {
					method = m
				}
			}
			v.errf(p+"."+key, fmt.Sprintf("a tenant splits by one method; to split by %s, remove the groups of the old method and set split = %q", method, method),
				"%s.%s: this tenant splits by %s, but the group lists %s, which only split = %q uses", p, key, split, strings.ReplaceAll(key, "_", " "), method)
		}
	}
}

// agents checks the agents and returns their ids.
func (v *validator) agents(as []Agent, groups, schedules *nameSet) []string {
	var ids []string
	first := map[string]int{}
	for i, a := range as {
		p := indexPath("agents", i)
		if v.unique(p, "id", a.ID, i, first, "agent", `id = "li"`) {
			ids = append(ids, a.ID)
		}
		switch {
		case a.Capacity < 1:
			v.errf(p+".capacity", "", "%s.capacity: must be at least 1, got %d", p, a.Capacity)
		case a.Capacity > router.MaxCapacity:
			v.errf(p+".capacity", fmt.Sprintf("at most %d", router.MaxCapacity), "%s.capacity: %d is more than an agent can hold", p, a.Capacity)
		}
		seen := map[string]bool{}
		for k, g := range a.Groups {
			gp := indexPath(p+".groups", k)
			if seen[g] {
				v.errf(gp, "", "%s: group %q listed twice", gp, g)
				continue
			}
			seen[g] = true
			v.ref(gp, g, groups, "group")
		}
		v.nonEmpty(p+".schedule", a.Schedule)
		if a.Schedule != "" {
			v.ref(p+".schedule", a.Schedule, schedules, "schedule")
		}
		v.zone(p+".zone", a.Zone)
		if a.Zone != "" && a.Schedule == "" {
			v.errf(p+".zone", "give the agent a schedule, or leave zone out", "%s.zone: the zone applies to the agent's schedule, and it has none", p)
		}
	}
	return ids
}

// customers checks the customers and returns their ids.
func (v *validator) customers(cs []Customer) []string {
	var ids []string
	first := map[string]int{}
	handles := map[string]int{}
	for i, c := range cs {
		p := indexPath("customers", i)
		if v.unique(p, "id", c.ID, i, first, "customer", `id = "u1"`) {
			ids = append(ids, c.ID)
		}
		v.ref(p+".channel", c.Channel, v.channels, "channel")
		spec, ok := v.format.Channel(c.Channel)
		if !ok {
			continue
		}
		for _, k := range v.format.handleKeys() {
			if k != spec.Handle && v.given[p+"."+k] {
				v.errf(p+"."+k, fmt.Sprintf("%s customers are named by %s, e.g. %s = %q", c.Channel, spec.Handle, spec.Handle, spec.HandleExample),
					"%s.%s: a %s customer has no %s", p, k, c.Channel, k)
			}
		}
		hp := p + "." + spec.Handle
		if c.Handle == "" {
			if v.given[hp] {
				v.errf(hp, "leave the key out to have one generated", "%s: empty value", hp)
			}
			continue
		}
		if spec.CheckHandle != nil {
			if problem, hint := spec.CheckHandle(c.Handle); problem != "" {
				v.errf(hp, hint, "%s: %s", hp, problem)
				continue
			}
		}
		key := c.Channel + "\x00" + c.Handle
		if j, dup := handles[key]; dup {
			v.errf(hp, "each customer needs a "+spec.Handle+" of its own", "%s: %s is also customers[%d]'s %s", hp, c.Handle, j, spec.Handle)
			continue
		}
		handles[key] = i
	}
	return ids
}

func (v *validator) step(p string, st *Step, agents, customers, groups, quick *nameSet) {
	if st.RestartRouter {
		v.restartStep(p, st)
		return
	}
	for _, k := range []struct{ key, val string }{{"customer", st.Customer}, {"agent", st.Agent}, {"to", st.To}, {"presence", st.Presence}} {
		v.nonEmpty(p+"."+k.key, k.val)
	}
	if st.Customer != "" {
		v.ref(p+".customer", st.Customer, customers, "customer")
	}
	if st.Agent != "" {
		v.ref(p+".agent", st.Agent, agents, "agent")
	}
	if st.Says != nil && len(st.Says) == 0 {
		v.errf(p+".says", "", "%s.says: empty array", p)
	}
	if st.Repeat < 0 {
		v.errf(p+".repeat", "", "%s.repeat: must be 0 or more, got %d", p, st.Repeat)
	}
	if st.Repeat > 1 && st.Says == nil {
		v.errf(p+".repeat", "", "%s.repeat: repeat applies to says", p)
	}
	if st.Every > 0 && st.Says == nil {
		v.errf(p+".every", "", "%s.every: every applies to says", p)
	}
	if st.Caption != "" && st.Attaches == nil {
		v.errf(p+".caption", "", "%s.caption: a caption goes with attaches", p)
	}
	if f := st.Attaches; f != nil {
		fp := p + ".attaches"
		if f.Kind == "" {
			v.errf(fp+".kind", "one of: "+strings.Join(fileKinds, ", "), "%s.kind: missing", fp)
		} else {
			v.enum(fp+".kind", f.Kind, fileKinds)
		}
		if f.Format == "" {
			v.errf(fp+".format", `a file extension, e.g. "jpeg", "pdf"`, "%s.format: missing", fp)
		}
	}
	if t := st.Template; t != nil && t.Name == "" {
		v.errf(p+".template.name", "", "%s.template.name: missing", p)
	}
	v.enum(p+".presence", st.Presence, presences)

	switch {
	case st.Customer != "" && st.Agent != "":
		v.errf(p+".agent", "use one step for each", "%s: a step is either a customer's or an agent's, not both", p)
		return
	case st.Customer == "" && st.Agent == "":
		if !v.given[p+".customer"] && !v.given[p+".agent"] {
			v.errf(p, `customer = "ID" for a customer message, agent = "ID" for an agent action`, "%s: a step needs customer or agent", p)
		}
		return
	case st.Customer != "":
		if st.EventKey != "" && st.Event == "" {
			v.errf(p+".event_key", "", "%s.event_key: an event_key goes with event", p)
		}
		for _, k := range []string{"template", "close", "presence", "to", "take", "transfer", "star", "archive", "tag", "colour", "read", "quick_reply", "rate"} {
			if v.given[p+"."+k] {
				v.errf(p+"."+k, "", "%s.%s: only agent steps use %s", p, k, k)
			}
		}
		switch {
		case st.Abandon && (st.Says != nil || st.Attaches != nil || st.Event != ""):
			v.errf(p+".abandon", "use one step for each", "%s: a customer step that abandons sends nothing", p)
		case st.Abandon:
		case v.given[p+".abandon"] && st.Says == nil && st.Attaches == nil && st.Event == "":
			v.errf(p+".abandon", "abandon = true, or says to write", "%s.abandon: false does nothing; a customer step needs says, attaches, event or abandon = true", p)
		case st.Says == nil && st.Attaches == nil && st.Event == "":
			v.errf(p, "", "%s: a customer step needs says, attaches, event or abandon = true", p)
		case st.Says != nil && st.Attaches != nil:
			v.errf(p+".attaches", "use one step for each", "%s: a customer step has says and attaches", p)
		case st.Event != "" && st.Attaches != nil:
			v.errf(p+".event", "use one step for each", "%s: a customer step has event and attaches", p)
		}
		return
	}
	for _, k := range []string{"event", "event_key"} {
		if v.given[p+"."+k] {
			v.errf(p+"."+k, "", "%s.%s: only customer steps use %s", p, k, k)
		}
	}

	// An agent step.
	if v.given[p+".abandon"] {
		v.errf(p+".abandon", "a customer step gives up waiting", "%s.abandon: only customer steps use abandon", p)
	}
	var actions []string
	if st.Says != nil {
		actions = append(actions, "says")
	}
	if st.Attaches != nil {
		actions = append(actions, "attaches")
	}
	if st.Template != nil {
		actions = append(actions, "template")
	}
	if st.Close {
		actions = append(actions, "close")
	}
	if st.Presence != "" {
		actions = append(actions, "presence")
	}
	if st.Take {
		actions = append(actions, "take")
	}
	actions = append(actions, v.inboxStep(p, st, quick)...)
	if st.Transfer != nil {
		actions = append(actions, "transfer")
		tp := p + ".transfer"
		t := st.Transfer
		v.nonEmpty(tp+".group", t.Group)
		v.nonEmpty(tp+".agent", t.Agent)
		switch {
		case t.Group == "" && t.Agent == "":
			if !v.given[tp+".group"] && !v.given[tp+".agent"] {
				v.errf(tp, `transfer = {group = "vip"} or transfer = {agent = "li"}`, "%s: a transfer needs group or agent", tp)
			}
		case t.Agent != "" && t.Agent == st.Agent:
			v.errf(tp+".agent", "", "%s.agent: %q transfers to itself", tp, t.Agent)
		}
		if t.Group != "" {
			v.ref(tp+".group", t.Group, groups, "group")
		}
		if t.Agent != "" {
			v.ref(tp+".agent", t.Agent, agents, "agent")
		}
	}
	switch len(actions) {
	case 0:
		v.errf(p, "", "%s: an agent step needs one of says, attaches, template, close = true, presence, take = true, transfer, star, archive, tag, read, quick_reply, rate", p)
		return
	case 1:
	default:
		v.errf(p+"."+actions[1], "use one step for each", "%s: an agent step does one thing, got %s", p, strings.Join(actions, " and "))
		return
	}
	if actions[0] == "presence" {
		if v.given[p+".to"] {
			v.errf(p+".to", "", "%s.to: a presence step has no to", p)
		}
		return
	}
	switch {
	case st.To != "":
		v.ref(p+".to", st.To, customers, "customer")
	case !v.given[p+".to"]:
		v.errf(p, `to = "CUSTOMER"`, "%s: missing to: the customer the agent's %s is for", p, actions[0])
	}
}

func (v *validator) expect(p string, e *Expect, s *Scenario, agents, customers, groups *nameSet) {
	for _, k := range []struct{ key, val string }{
		{"customer", e.Customer}, {"agent", e.Agent}, {"metric", e.Metric}, {"drift", e.Drift},
		{"state", e.State}, {"assigned_to", e.AssignedTo}, {"group", e.Group}, {"close_reason", e.CloseReason},
		{"last_received", e.LastReceived}, {"last_error", e.LastError}, {"last_refusal", e.LastRefusal},
		{"same_agent_as", e.SameAgentAs}, {"other_agent_than", e.OtherAgentThan},
		{"inbox", e.Inbox}, {"with_tag", e.WithTag}, {"search", e.Search},
		{"history", e.History}, {"nickname", e.Nickname}, {"keyword", e.Keyword},
	} {
		v.nonEmpty(p+"."+k.key, k.val)
	}
	set := map[string]bool{
		"customer": e.Customer != "", "agent": e.Agent != "", "metric": e.Metric != "", "drift": e.Drift != "",
		"state": e.State != "", "assigned_to": e.AssignedTo != "", "group": e.Group != "", "close_reason": e.CloseReason != "",
		"received": e.Received != nil, "last_received": e.LastReceived != "", "last_error": e.LastError != "",
		"last_refusal": e.LastRefusal != "", "conversations": e.Conversations != nil,
		"assignments": e.Assignments != nil, "active": e.Active != nil,
		"same_agent_as": e.SameAgentAs != "", "other_agent_than": e.OtherAgentThan != "", "never_assigned_to": e.NeverAssignedTo != nil || v.given[p+".never_assigned_to"],
		"assigned_order": e.AssignedOrder != nil || v.given[p+".assigned_order"], "in_hours": e.InHours != nil,
		"min": e.Min != nil, "max": e.Max != nil, "min_duration": e.MinDuration != nil, "max_duration": e.MaxDuration != nil,
		"count":   e.Count != nil,
		"starred": e.Starred != nil, "archived": e.Archived != nil, "unread": e.Unread != nil,
		"tags": e.Tags != nil || v.given[p+".tags"], "tag_colours": e.TagColours != nil || v.given[p+".tag_colours"],
		"phones": e.Phones != nil || v.given[p+".phones"], "from_ad": e.FromAd != nil, "rating": e.Rating != nil,
		"inbox": e.Inbox != "", "listed": e.Listed != nil, "with_phone": e.WithPhone || v.given[p+".with_phone"],
		"with_ad": e.WithAd || v.given[p+".with_ad"], "with_tag": e.WithTag != "", "search": e.Search != "",
		"history": e.History != "", "all_conversations": e.AllConversations || v.given[p+".all_conversations"],
		"nickname": e.Nickname != "", "keyword": e.Keyword != "", "unrated": e.Unrated || v.given[p+".unrated"],
		"closed_only": e.ClosedOnly || v.given[p+".closed_only"],
	}
	if e.HasAt && s.Duration > 0 && e.At > s.Duration {
		v.errf(p+".at", "", "%s.at: %s is after the end of the scenario (duration = %q)", p, e.At, s.Duration)
	}

	var subj []string
	for _, k := range subjects {
		if set[k] {
			subj = append(subj, k)
		}
	}
	switch len(subj) {
	case 0:
		if !v.given[p+".customer"] && !v.given[p+".agent"] && !v.given[p+".metric"] && !v.given[p+".drift"] && !v.given[p+".inbox"] && !v.given[p+".history"] {
			v.errf(p, "", "%s: an expectation needs a subject: one of customer, agent, metric, drift, inbox, history", p)
		}
		return
	case 1:
	default:
		v.errf(p+"."+subj[1], "use one [[expect]] for each", "%s: an expectation has one subject, got %s", p, strings.Join(subj, " and "))
		return
	}
	subject := subj[0]
	own := subjectChecks[subject]
	for _, other := range subjects {
		if other == subject {
			continue
		}
		for _, k := range subjectChecks[other] {
			if set[k] && !slices.Contains(own, k) {
				v.errf(p+"."+k, "checks for "+subject+": "+strings.Join(own, ", "),
					"%s.%s: %s is a check for %s expectations, not %s ones", p, k, k, other, subject)
			}
		}
	}
	n := 0
	for _, k := range own {
		if set[k] {
			n++
		}
	}
	if n == 0 {
		v.errf(p, "set one of: "+strings.Join(own, ", "), "%s: nothing to check for %s", p, subject)
	}

	switch subject {
	case "customer":
		v.ref(p+".customer", e.Customer, customers, "customer")
		v.enum(p+".state", e.State, states)
		v.enum(p+".close_reason", e.CloseReason, closeReasons)
		v.enum(p+".last_refusal", e.LastRefusal, refusalReasons)
		if e.AssignedTo != "" {
			v.ref(p+".assigned_to", e.AssignedTo, agents, "agent")
		}
		if e.Group != "" {
			v.ref(p+".group", e.Group, groups, "group")
		}
		v.nonNegative(p+".received", e.Received)
		v.nonNegative(p+".conversations", e.Conversations)
		for _, k := range []struct{ key, val string }{{"same_agent_as", e.SameAgentAs}, {"other_agent_than", e.OtherAgentThan}} {
			if k.val == "" {
				continue
			}
			v.ref(p+"."+k.key, k.val, customers, "customer")
			if k.val == e.Customer {
				v.errf(p+"."+k.key, "name another customer", "%s.%s: compares %q with itself", p, k.key, k.val)
			}
		}
		if v.given[p+".never_assigned_to"] && len(e.NeverAssignedTo) == 0 {
			v.errf(p+".never_assigned_to", "list at least one agent", "%s.never_assigned_to: empty array", p)
		}
		for k, a := range e.NeverAssignedTo {
			v.ref(indexPath(p+".never_assigned_to", k), a, agents, "agent")
		}
		v.inboxChecks(p, e)
	case "agent":
		v.ref(p+".agent", e.Agent, agents, "agent")
		v.nonNegative(p+".assignments", e.Assignments)
		v.nonNegative(p+".active", e.Active)
		if v.given[p+".assigned_order"] && len(e.AssignedOrder) == 0 {
			v.errf(p+".assigned_order", "for an agent that got nothing, check assignments = 0", "%s.assigned_order: empty array", p)
		}
		for k, c := range e.AssignedOrder {
			v.ref(indexPath(p+".assigned_order", k), c, customers, "customer")
		}
	case "metric":
		if !slices.Contains(metrics, e.Metric) {
			v.enum(p+".metric", e.Metric, metrics)
			return
		}
		if strings.HasPrefix(e.Metric, "wait.") && e.Metric != "wait.probability" {
			for _, k := range []string{"min", "max"} {
				if set[k] {
					v.errf(p+"."+k, "use "+k+"_duration", "%s.%s: %s is a duration", p, k, e.Metric)
				}
			}
		} else {
			for _, k := range []string{"min_duration", "max_duration"} {
				if set[k] {
					v.errf(p+"."+k, "use "+strings.TrimSuffix(k, "_duration"), "%s.%s: only wait.* metrics are durations", p, k)
				}
			}
		}
		if e.Min != nil && e.Max != nil && *e.Min > *e.Max {
			v.errf(p+".max", "", "%s: min %v is above max %v", p, *e.Min, *e.Max)
		}
		if e.MinDuration != nil && e.MaxDuration != nil && *e.MinDuration > *e.MaxDuration {
			v.errf(p+".max_duration", "", "%s: min_duration %s is above max_duration %s", p, *e.MinDuration, *e.MaxDuration)
		}
	case "drift":
		v.enum(p+".drift", e.Drift, driftKinds)
		v.nonNegative(p+".count", e.Count)
	case "inbox":
		v.enum(p+".inbox", e.Inbox, inboxViews)
		if e.Listed == nil {
			v.errf(p, "e.g. listed = 2", "%s: an inbox expectation checks listed: the number of conversations in the view", p)
		}
		v.nonNegative(p+".listed", e.Listed)
		for _, k := range []string{"with_phone", "with_ad"} {
			if v.given[p+"."+k] && !(k == "with_phone" && e.WithPhone || k == "with_ad" && e.WithAd) {
				v.errf(p+"."+k, "leave the key out to count every conversation", "%s.%s: false filters nothing", p, k)
			}
		}
	case "history":
		v.ref(p+".history", e.History, agents, "agent")
		if e.Listed == nil {
			v.errf(p, "e.g. listed = 2", "%s: a history expectation checks listed: the number of conversations the agent finds", p)
		}
		v.nonNegative(p+".listed", e.Listed)
		for _, k := range []struct {
			key string
			on  bool
		}{{"all_conversations", e.AllConversations}, {"unrated", e.Unrated}, {"closed_only", e.ClosedOnly}} {
			if v.given[p+"."+k.key] && !k.on {
				v.errf(p+"."+k.key, "leave the key out", "%s.%s: false is the default", p, k.key)
			}
		}
		if e.Rating != nil && (*e.Rating < 1 || *e.Rating > 5) {
			v.errf(p+".rating", "a rating is 1 to 5", "%s.rating: %d is not a rating", p, *e.Rating)
		}
		if e.Rating != nil && e.Unrated {
			v.errf(p+".unrated", "use one of rating and unrated", "%s: rating and unrated together find nothing", p)
		}
	}
}

func (v *validator) traffic(p string, t *Traffic) {
	required := []struct {
		key, example string
		ok           bool
	}{
		{"channel", fmt.Sprintf("channel = %q", v.format.DefaultChannel()), t.Channel != ""},
		{"arrivals", `arrivals = "poisson 120/h"`, t.Arrivals.PerHour > 0},
		{"for", `for = "8h"`, t.For > 0},
		{"messages", `messages = "2..6"`, t.Messages.Min > 0},
		{"handle", `handle = "exp 6m"`, t.Handle.Kind != ""},
	}
	for _, k := range required {
		switch {
		case k.ok:
		case v.given[p+"."+k.key]:
			v.errf(p+"."+k.key, k.example, "%s.%s: must not be empty or zero", p, k.key)
		default:
			v.errf(p, k.example, "%s: missing %s", p, k.key)
		}
	}
	if t.Channel != "" {
		v.ref(p+".channel", t.Channel, v.channels, "channel")
	}
	if n := t.Arrivals.PerHour * t.For.D().Hours(); n > maxArrivals {
		v.errf(p+".arrivals", "lower the rate or shorten for", "%s: %s for %s is about %.0f customers; a flow may generate at most %d", p, t.Arrivals, t.For, n, maxArrivals)
	}
}

// The range of tenant.close_missed_after (the Zoho document: 15 minutes to
// one month).
const (
	minCloseMissed = 15 * time.Minute
	maxCloseMissed = 30 * 24 * time.Hour
)

// maxArrivals bounds the customers one traffic flow may generate.
const maxArrivals = 10_000_000

// bot checks the [bot] table.
func (v *validator) bot(b *Bot) {
	if b == nil {
		return
	}
	seen := map[string]bool{}
	for k, c := range b.Channels {
		cp := indexPath("bot.channels", k)
		if seen[c] {
			v.errf(cp, "", "%s: channel %q listed twice", cp, c)
			continue
		}
		seen[c] = true
		v.ref(cp, c, v.channels, "channel")
	}
	for k, w := range b.Keywords {
		if strings.TrimSpace(w) == "" {
			kp := indexPath("bot.keywords", k)
			v.errf(kp, "", "%s: empty keyword", kp)
		}
	}
	if len(b.Keywords) == 0 && b.HandoffAfter == 0 {
		v.errf("bot", `set keywords = ["human"] or handoff_after = "5m"`,
			"bot: no conversation ever reaches a human: the bot needs keywords or handoff_after")
	}
	if d := b.IdleAfter; d.D() > router.MaxIdleAfter {
		v.errf("bot.idle_after", "the Zoho document closes idle chats after at most 24 hours",
			"bot.idle_after: %s is out of range: idle chats close after at most 24h", d)
	}
}

// workstreams checks the [[workstreams]].
func (v *validator) workstreams(ws []Workstream, groups *nameSet) {
	first := map[string]int{}
	bound := map[string]string{}
	for i, w := range ws {
		p := indexPath("workstreams", i)
		v.unique(p, "name", w.Name, i, first, "workstream", `name = "sales"`)
		for k, c := range w.Channels {
			cp := indexPath(p+".channels", k)
			v.ref(cp, c, v.channels, "channel")
			if prev, dup := bound[c]; dup {
				v.errf(cp, "a channel belongs to one workstream", "%s: channel %q is already bound to workstream %q", cp, c, prev)
				continue
			}
			bound[c] = w.Name
		}
		if w.Fallback != "" {
			v.ref(p+".fallback", w.Fallback, groups, "group")
		}
		v.nonEmpty(p+".fallback", w.Fallback)
		for k, r := range w.Rules {
			rp := indexPath(p+".rules", k)
			switch {
			case r.Group == "":
				v.errf(rp+".group", `e.g. group = "vip"`, "%s.group: missing; a rule names the group its conversations go to", rp)
			default:
				v.ref(rp+".group", r.Group, groups, "group")
			}
			for j, c := range r.Channels {
				v.ref(indexPath(rp+".channels", j), c, v.channels, "channel")
			}
			for key, vals := range map[string][]string{"entry_pages": r.EntryPages, "regions": r.Regions, "stores": r.Stores, "languages": r.Languages, "ad_sources": r.AdSources} {
				for j, val := range vals {
					if val == "" {
						vp := indexPath(rp+"."+key, j)
						v.errf(vp, "", "%s: empty value", vp)
					}
				}
			}
		}
	}
}
