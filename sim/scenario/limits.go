package scenario

import (
	"fmt"
	"math"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/omnisim/omnisim/router/inbox"
)

// This file holds the limits that keep a scenario within what a run can do:
// the size of a file, the span of virtual time the engine can represent,
// and the work (messages) a file asks for; and the warnings about parts of
// a file that are never played.

// MaxFileSize is the largest scenario file Parse accepts, in bytes: 4 MiB,
// far above any hand-written scenario (the 200-agent load scenario is
// 3 KB), and small enough to check in about a second.
const MaxFileSize = 4 << 20

// TooLarge is the error for a scenario file of size bytes, more than
// MaxFileSize. A reader that knows a file's size refuses it with this error
// before reading it.
func TooLarge(file string, size int64) *Error {
	return &Error{File: file, Line: 1, Col: 1, Hint: "a scenario that needs more is better generated with [[traffic]] or repeat",
		Msg: fmt.Sprintf("the file is %s bytes; a scenario file may be at most %s bytes (4 MiB)", GroupDigits(size), GroupDigits(MaxFileSize))}
}

// The span of virtual time a run can represent: the engine keeps times as
// nanoseconds since 1970 in 64 bits, which reach from 1677-09-21 to
// 2262-04-11. Scenarios keep to whole years inside that, with a margin:
// every time a run plays is from MinTime up to, not including, EndTime.
var (
	MinTime = time.Date(1678, time.January, 1, 0, 0, 0, 0, time.UTC)
	EndTime = time.Date(2262, time.January, 1, 0, 0, 0, 0, time.UTC)
)

// timeRange names the span for messages.
const timeRange = "1678-01-01 to 2261-12-31"

// DefaultMaxMessages is the default budget of messages one scenario may ask
// for (see [Scenario.Demand]): about five minutes of the full wire path on
// one core.
const DefaultMaxMessages = 20_000_000

// outOfRange reports whether t is before MinTime or at or after EndTime.
func outOfRange(t time.Time) bool { return t.Before(MinTime) || !t.Before(EndTime) }

// stepOffset returns at + k×every, the offset of a step's k-th message,
// or ok false when it overflows what a time.Duration can carry.
func stepOffset(at, every time.Duration, k int) (time.Duration, bool) {
	if k <= 0 || every <= 0 {
		return at, true
	}
	hi, lo := bits.Mul64(uint64(k), uint64(every))
	if hi != 0 || lo > uint64(math.MaxInt64-at) {
		return 0, false
	}
	return at + time.Duration(lo), true
}

// messages is how many messages (or actions) a step sends: says × repeat.
func (st *Step) messages() int {
	n := max(len(st.Says), 1)
	r := max(st.Repeat, 1)
	if r > math.MaxInt/n {
		return math.MaxInt
	}
	return n * r
}

// reach is how long after its start a distribution's draws end, for the
// bounds: exponential draws beyond 50 means are left out (their chance is
// e^-50).
func (d Distribution) reach() time.Duration {
	switch d.Kind {
	case "exp":
		if d.Mean > math.MaxInt64/50 {
			return math.MaxInt64
		}
		return 50 * d.Mean
	case "uniform":
		return d.High
	}
	return d.Mean
}

// bounds checks that every time the scenario plays lies within the span
// the engine can represent, and that a step's repeats do not overflow.
func (v *validator) bounds(s *Scenario) {
	if s.Start.IsZero() && v.r.noPos {
		return // a scenario built in Go without a start: nothing to place
	}
	const hint = "the virtual clock counts nanoseconds since 1970 in 64 bits"
	if outOfRange(s.Start) {
		v.errf("start", hint, "start: %s is outside the years omnisim can simulate, %s", s.Start.Format(time.RFC3339), timeRange)
		return
	}
	at := func(d time.Duration) time.Time { return s.Start.Add(d) }
	late := func(t time.Time) bool { return !t.Before(EndTime) }
	end := time.Time{}
	if s.Duration > 0 {
		end = at(s.Duration.D())
		if late(end) {
			v.errf("duration", hint, "duration: the scenario would end at %s, after 2261-12-31, the last day omnisim can simulate", end.Format(time.RFC3339))
			return
		}
	}
	// played reports whether a time is played at all: not after the end.
	played := func(t time.Time) bool { return end.IsZero() || !t.After(end) }
	var last time.Time // the latest time something is played
	note := func(t time.Time) {
		if played(t) && t.After(last) {
			last = t
		}
	}
	note(s.Start)
	for i := range s.Steps {
		st := &s.Steps[i]
		p := indexPath("steps", i)
		n := st.messages()
		lastOff, ok := stepOffset(st.At.D(), st.Every.D(), n-1)
		if !ok {
			v.errf(p+".every", "", "%s: its last message would come %s × %s after at, past the longest span omnisim can represent (about 292 years)",
				p, st.Every, GroupDigits(int64(n-1)))
			continue
		}
		first, lastAt := at(st.At.D()), at(lastOff)
		switch {
		case played(first) && late(first):
			v.errf(p+".at", hint, "%s.at: the step comes at %s, after 2261-12-31, the last day omnisim can simulate", p, first.Format(time.RFC3339))
			continue
		case played(lastAt) && late(lastAt):
			v.errf(p+".every", hint, "%s: its last message comes at %s, after 2261-12-31, the last day omnisim can simulate", p, lastAt.Format(time.RFC3339))
			continue
		}
		note(first)
		note(lastAt)
	}
	for i := range s.Expect {
		e := &s.Expect[i]
		if !e.HasAt {
			continue
		}
		t := at(e.At.D())
		if late(t) {
			v.errf(indexPath("expect", i)+".at", hint, "%s.at: %s is after 2261-12-31, the last day omnisim can simulate", indexPath("expect", i), t.Format(time.RFC3339))
			continue
		}
		note(t)
	}
	for i := range s.Traffic {
		tr := &s.Traffic[i]
		p := indexPath("traffic", i)
		from := at(tr.Start.D())
		until := from.Add(tr.For.D())
		if !end.IsZero() && until.After(end) {
			until = end
		}
		if late(until) {
			v.errf(p+".for", hint, "%s: arrivals go on until %s, after 2261-12-31, the last day omnisim can simulate", p, until.Format(time.RFC3339))
			continue
		}
		// A generated conversation goes on after its arrival for its handle
		// (or first-response) time.
		tail := until.Add(max(tr.Handle.reach(), tr.Reply.reach(), tr.Patience.reach()))
		if !end.IsZero() && tail.After(end) {
			tail = end
		}
		if late(tail) {
			v.errf(p+".handle", hint, "%s: conversations arriving until %s go on past 2261-12-31, the last day omnisim can simulate", p, until.Format(time.RFC3339))
			continue
		}
		note(tail)
	}
	// The router's timers run from the last thing played: a timer set then
	// must fall within the span too. Some follow one another: the missed
	// timer starts at the bot's hand-off and the close of a missed chat
	// follows it; a conversation handed off waits (overflow_after), is
	// assigned and sent back (reassign_after) once per agent, waiting again
	// each time. Each chain counts as one timer, named by its longest part.
	timer, key, sum := time.Duration(0), "", ""
	consider := func(d time.Duration, k, chain string) {
		if d > timer {
			timer, key, sum = d, k, chain
		}
	}
	var handoff time.Duration
	if s.Bot != nil {
		handoff = s.Bot.HandoffAfter.D()
		consider(handoff, "bot.handoff_after", "")
		consider(s.Bot.IdleAfter.D(), "bot.idle_after", "")
	}
	if m := s.Tenant.MissedAfter.D(); m > 0 {
		missed := satAdd(m, s.Tenant.CloseMissedAfter.D())
		k := "tenant.missed_after"
		if handoff > missed {
			k = "bot.handoff_after"
		}
		chain := ""
		if handoff > 0 {
			chain = "bot.handoff_after, then tenant.missed_after and tenant.close_missed_after"
		}
		consider(satAdd(handoff, missed), k, chain)
	}
	o, r := s.Tenant.OverflowAfter.D(), s.Tenant.ReassignAfter.D()
	if s.Tenant.Overflow != "default" {
		o = 0 // reported on its own: nothing overflows
	}
	if o > 0 || r > 0 {
		// n reassignments, n+1 waits in the conversation's own group.
		n := 0
		if r > 0 {
			n = max(len(s.Agents), 1)
		}
		waits, reassigns := satMul(o, n+1), satMul(r, n)
		k := "tenant.overflow_after"
		if r > o {
			k = "tenant.reassign_after"
		}
		if handoff > max(o, r) {
			k = "bot.handoff_after"
		}
		var parts []string
		if handoff > 0 {
			parts = append(parts, "bot.handoff_after")
		}
		switch {
		case n > 0 && o > 0:
			parts = append(parts, fmt.Sprintf("%d × (tenant.overflow_after + tenant.reassign_after) + tenant.overflow_after", n))
		case n > 0:
			parts = append(parts, fmt.Sprintf("%d × tenant.reassign_after", n))
		default:
			parts = append(parts, "tenant.overflow_after")
		}
		chain := ""
		if len(parts) > 1 || n > 1 {
			chain = strings.Join(parts, " + ")
			if n > 0 {
				chain += ", as a conversation can be sent back once per agent"
			}
		}
		consider(satAdd(handoff, satAdd(waits, reassigns)), k, chain)
	}
	consider(s.Tenant.IdleAfter.D(), "tenant.idle_after", "")
	for _, name := range sortedChannels(s) {
		ch := s.Channels[name]
		if ch == nil {
			continue
		}
		if w := ch.Rules.Window; w != nil {
			consider(w.D(), joinPath("channels", name)+".rules.window", "")
		}
		if w := ch.RouterWindow(); w > 0 {
			consider(w, joinPath("channels", name)+".router.window", "")
		}
	}
	if timer > 0 && late(last.Add(timer)) {
		h := hint
		if sum != "" {
			h = "the timers follow one another: " + sum + "; " + hint
		}
		figure := FormatDuration(timer)
		if timer == math.MaxInt64 {
			figure = "more than 292 years"
		}
		v.errf(key, h, "%s: %s after the last event (%s) is past 2261-12-31, the last day omnisim can simulate",
			key, figure, last.Format(time.RFC3339))
	}
}

// satMul returns d×n, or the longest duration when that overflows.
func satMul(d time.Duration, n int) time.Duration {
	if n <= 0 || d <= 0 {
		return 0
	}
	if d > math.MaxInt64/time.Duration(n) {
		return math.MaxInt64
	}
	return d * time.Duration(n)
}

func satAdd(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func sortedChannels(s *Scenario) []string {
	names := make([]string, 0, len(s.Channels))
	for name := range s.Channels {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// DefaultMaxMemory is the default memory budget of one scenario, in bytes
// (see [Format.Demand]): 4 GiB, about twice the most a run of the default
// message budget keeps when its traffic is spread over a month.
const DefaultMaxMemory = 4 << 30

// RunMemory is what a run keeps of its own, in bytes, whatever it plays
// (what a world keeps with nothing in it):
// the collector's heap floor and room, and the program. A memory budget
// below it refuses every scenario.
const RunMemory = 64 << 20

// What a run keeps, in bytes, for [Format.Demand]'s estimate of its memory.
// Measured as peak RSS of runs of 100,000 and 200,000 generated customers a
// day, of 1, 3 and 8 messages, on every platform and on the memory and the
// direct network, and rounded up: a customer of one message cost 1.5 to
// 2.3 KB and each further message 0.5 to 0.9 KB (the collector's room
// included); a scripted customer's message 0.22 KB while its id is
// remembered and 62 bytes after; a run of almost nothing 40 to 50 MB.
const (
	keptCustomerBytes = 2560    // a generated customer while it is kept (ChannelSpec.Keep)
	keptMessageBytes  = 1 << 10 // each of its messages, with the replies to it
	keptIDBytes       = 160     // a message id remembered for deduplication (idWindow)
	stepMessageBytes  = 256     // a scripted message while its id is remembered
	stepHistoryBytes  = 100     // a scripted message, kept for the whole run
	centerBytes       = 1280    // a conversation in the message center, kept for its retention after it closed
	// idWindow is the longest of the adapters' deduplication windows.
	idWindow = 8 * 24 * time.Hour
	// defaultKeep is a channel's Keep when its spec gives none: the
	// longest window of any platform and an hour.
	defaultKeep = 31 * 24 * time.Hour
)

// Demand is the work a scenario asks for. Messages counts each step's says
// × repeat (one for any other action), and for each traffic flow its
// expected arrivals × the most messages a customer sends; the agents'
// replies to generated customers come on top, so the figure is a bound on
// what the file asks for, not a prediction of the run. Memory estimates
// the bytes a run keeps at once: the run's own (RunMemory); each flow's
// customers kept at once (Little's law: arrivals an hour × how long each is
// kept: the mean of its handle or reply time and its channel's Keep, or to
// the end of the flow when nobody may answer) at their mean messages, with
// the message ids remembered for deduplication, what the platform
// remembers of each arrival (ChannelSpec.Remembers) and the message
// center's conversations; and each step's messages. It cannot foresee
// everything a run keeps: the command also watches a run's memory.
type Demand struct {
	Messages float64
	Memory   float64
	// MostMessages and MostMemory name the part of the file asking for
	// the most of each.
	MostMessages, MostMemory Part
}

// Part is the part of a scenario file asking for the most of something.
type Part struct {
	Path   string  // "steps[3]" or "traffic[0]"; "" when nothing asks
	Line   int     // its line; 0 when unknown
	Count  float64 // what it asks for
	Detail string  // how the figure comes about: "1 × 2,000,000,000 repeats"
}

// note adds n to *sum and makes p the part at path when it asks for more.
func (p *Part) note(sum *float64, n float64, path string, line int, detail func() string) {
	*sum += n
	if n > p.Count {
		*p = Part{Path: path, Line: line, Count: n, Detail: detail()}
	}
}

// Demand counts the messages the scenario asks for and estimates the
// memory a run of it keeps at once.
func (f *Format) Demand(s *Scenario) Demand {
	d := Demand{Memory: RunMemory}
	webhook := f.webhookTries(s)
	channelOf := make(map[string]string, len(s.Customers)) // a scripted customer's channel
	for i := range s.Customers {
		channelOf[s.Customers[i].ID] = s.Customers[i].Channel
	}
	for i := range s.Steps {
		st := &s.Steps[i]
		says, repeat := int64(max(len(st.Says), 1)), int64(max(st.Repeat, 1))
		n := float64(says) * float64(repeat)
		path := indexPath("steps", i)
		tries := 1.0
		if st.Customer != "" && len(st.Says) > 0 {
			tries = webhook.of(channelOf[st.Customer])
		}
		d.MostMessages.note(&d.Messages, n*tries, path, st.Line, func() string {
			return fmt.Sprintf("%s × %s repeats%s", GroupDigits(says), GroupDigits(repeat), triesDetail(tries))
		})
		if len(st.Says) == 0 {
			continue // an action: nothing kept
		}
		remembered := n
		if st.Every > 0 {
			remembered = min(n, float64(idWindow/st.Every.D())+1)
		}
		d.MostMemory.note(&d.Memory, remembered*stepMessageBytes+n*stepHistoryBytes, path, st.Line, func() string {
			of := "of one customer"
			if st.Agent != "" {
				of = "to one customer"
			}
			return fmt.Sprintf("%s %s", plural(n, "message", "messages"), of)
		})
	}
	opened := 0.0 // the traffic's expected arrivals
	unanswered := s.unanswered()
	center, readsClosed := s.UsesCenter(), s.ReadsClosed()
	for i := range s.Traffic {
		tr := &s.Traffic[i]
		span := tr.For.D()
		if s.Duration > 0 {
			span = max(0, min(satAdd(tr.Start.D(), tr.For.D()), s.Duration.D())-tr.Start.D())
		}
		arrivals := tr.Arrivals.PerHour * span.Hours()
		opened += arrivals
		path := indexPath("traffic", i)
		tries := webhook.of(tr.Channel)
		d.MostMessages.note(&d.Messages, arrivals*float64(tr.Messages.Max)*tries, path, tr.Line, func() string {
			return fmt.Sprintf("about %s arrivals × up to %d messages%s", GroupDigits(int64(math.Round(arrivals))), tr.Messages.Max, triesDetail(tries))
		})
		// Kept while the conversation lasts and the platform's keep after;
		// for the whole flow when nobody may answer, unless customers give
		// up or missed chats are closed.
		keep := satAdd(max(tr.Handle.mean(), tr.Reply.mean()), f.keep(s, tr.Channel))
		why := unanswered
		if s.manual(tr.Channel) {
			why = "waiting for an agent to take them"
		}
		if why != "" {
			wait := time.Duration(math.MaxInt64)
			if tr.Patience.Kind != "" {
				wait = tr.Patience.mean()
			}
			if m := s.Tenant.MissedAfter.D(); m > 0 && s.Tenant.CloseMissedAfter > 0 {
				wait = min(wait, satAdd(m, s.Tenant.CloseMissedAfter.D()))
			}
			keep = satAdd(keep, wait)
		}
		kept := tr.Arrivals.PerHour * min(span, keep).Hours()
		messages := float64(tr.Messages.Min+tr.Messages.Max) / 2
		bytes := kept*(keptCustomerBytes+messages*keptMessageBytes) +
			tr.Arrivals.PerHour*min(span, idWindow).Hours()*messages*keptIDBytes
		if spec, ok := f.Channel(tr.Channel); ok {
			bytes += arrivals * float64(spec.Remembers)
		}
		switch {
		case readsClosed:
			// The message center lists every conversation until the
			// inbox's retention after it closed.
			bytes += tr.Arrivals.PerHour * min(span, satAdd(keep, inbox.DefaultRetention)).Hours() * centerBytes
		case center:
			bytes += kept * centerBytes // the open ones, and the closed ones of the keep
		}
		d.MostMemory.note(&d.Memory, bytes, path, tr.Line, func() string {
			if why != "" && keep >= span {
				return fmt.Sprintf("about %s customers kept at once, to the end: %s", GroupDigits(int64(math.Round(kept))), why)
			}
			return fmt.Sprintf("about %s customers kept at once, for %s each", GroupDigits(int64(math.Round(kept))), FormatDuration(keep.Round(time.Minute)))
		})
	}
	s.shiftWork(&d)
	s.expectWork(&d, float64(len(s.Customers))+opened)
	return d
}

// channelTries holds the expected number of tries of one webhook by
// channel (Format.webhookTries).
type channelTries map[string]float64

// of is the expected tries of a webhook of the named channel: 1 for a
// channel the scenario does not configure.
func (t channelTries) of(channel string) float64 {
	if n, ok := t[channel]; ok {
		return n
	}
	return 1
}

// webhookTries is the expected number of tries of one webhook of each
// channel the scenario configures, under its faults (ChannelSpec.Tries):
// 1 without either.
func (f *Format) webhookTries(s *Scenario) channelTries {
	t := make(channelTries, len(s.Channels))
	for name, ch := range s.Channels {
		spec, ok := f.Channel(name)
		if !ok || spec.Tries == nil || ch == nil {
			continue
		}
		p := 0.0
		if fl := ch.Faults; fl != nil {
			p = fl.Timeouts + fl.Errors
		}
		t[name] = spec.Tries(ch.Settings).Expected(p)
	}
	return t
}

// triesDetail words tries, the expected tries of a message's webhook, for
// a demand's detail: nothing for one.
func triesDetail(tries float64) string {
	if tries <= 1 {
		return ""
	}
	n := formatCount(tries)
	if tries < 100 {
		n = strconv.FormatFloat(tries, 'g', 3, 64)
	}
	return fmt.Sprintf(" × about %s webhook tries each", n)
}

// shiftIntervals is how many intervals of its schedule the engine reads
// through for one shift change, at most, counted as one message of work:
// a change with more costs more than one message.
const shiftIntervals = 16

// shiftWork adds the agents' shift changes to d's messages: every start
// and end of an interval of an agent's schedule, each week of the run,
// counted as a message, and one more for each shiftIntervals intervals of
// the schedule's busiest day, which the engine reads through at each
// change. The changes of a schedule's agents are one part of the file,
// named by its first agent. A scenario with working hours has a duration
// (validate).
func (s *Scenario) shiftWork(d *Demand) {
	weeks := math.Ceil(s.Duration.D().Hours()/(7*24)) + 1
	type scheduled struct {
		name          string
		first, agents int // the first agent's index, and how many
	}
	var used []scheduled   // in the order of their first agents
	at := map[string]int{} // a schedule's place in used
	for i := range s.Agents {
		name := s.Agents[i].Schedule
		if _, ok := s.Schedules[name]; name == "" || !ok {
			continue
		}
		j, ok := at[name]
		if !ok {
			j = len(used)
			at[name] = j
			used = append(used, scheduled{name: name, first: i})
		}
		used[j].agents++
	}
	for _, u := range used {
		sch := s.Schedules[u.name]
		changes, busiest := 0, 0
		for _, ivs := range [...][]string{sch.Mon, sch.Tue, sch.Wed, sch.Thu, sch.Fri, sch.Sat, sch.Sun} {
			changes += 2 * len(ivs)
			busiest = max(busiest, len(ivs))
		}
		per := 1 + float64(busiest)/shiftIntervals
		n := float64(changes) * weeks * float64(u.agents)
		d.MostMessages.note(&d.Messages, n*per, indexPath("agents", u.first), s.Agents[u.first].Line, func() string {
			detail := fmt.Sprintf("schedule %q: about %s shift changes, %d a week for %s weeks × %s", u.name,
				formatCount(n), changes, formatCount(weeks), plural(float64(u.agents), "agent", "agents"))
			if per > 1 {
				detail += fmt.Sprintf(", each reading through up to %d intervals", 2*busiest)
			}
			return detail
		})
	}
}

// expectConversations is how many conversations an inbox or history
// expectation looks through for the work of one message.
const expectConversations = 16

// expectWork adds to d's messages the work of the expectations that look
// through every conversation of the message center (inbox and history):
// each looks through the convs conversations a run opens at most (its
// arrivals and scripted customers), expectConversations of them counted
// as a message. They are one part of the file, named by the first.
func (s *Scenario) expectWork(d *Demand, convs float64) {
	n, first := 0, -1
	for i := range s.Expect {
		if ex := &s.Expect[i]; ex.Inbox != "" || ex.History != "" {
			n++
			if first < 0 {
				first = i
			}
		}
	}
	if n == 0 {
		return
	}
	d.MostMessages.note(&d.Messages, float64(n)*convs/expectConversations, indexPath("expect", first), s.Expect[first].Line, func() string {
		return fmt.Sprintf("%s, each looking through up to %s conversations",
			plural(float64(n), "inbox or history expectation", "inbox and history expectations"), formatCount(convs))
	})
}

// unanswered says why the traffic's customers may wait for ever, "" when
// they need not: no agent online at the start (one with working hours
// counts), or the flows' load (arrivals an hour × the mean handle time, in
// agent-hours) at least the agents' capacity.
func (s *Scenario) unanswered() string {
	capacity := 0.0
	for i := range s.Agents {
		a := &s.Agents[i]
		if a.Online == nil || *a.Online || a.Schedule != "" {
			capacity += float64(max(a.Capacity, 1))
		}
	}
	load := 0.0
	for i := range s.Traffic {
		tr := &s.Traffic[i]
		load += tr.Arrivals.PerHour * max(tr.Handle.mean(), tr.Reply.mean()).Hours()
	}
	switch {
	case len(s.Traffic) == 0:
		return ""
	case capacity == 0:
		return "no agent online at the start"
	case load >= capacity:
		return "more load than the agents' capacity"
	}
	return ""
}

// manual reports whether the channel's new conversations wait in the
// unassigned inbox for an agent to take them (manual_assignment).
func (s *Scenario) manual(channel string) bool {
	ch := s.Channels[channel]
	return ch != nil && ch.Router != nil && ch.Router.ManualAssignment != nil && *ch.Router.ManualAssignment
}

// plural writes n and the noun's singular or plural form.
func plural(n float64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return formatCount(n) + " " + many
}

// keep is how long a generated customer of the named channel is kept after
// its conversation: its platform's ChannelSpec.Keep, or longer when the
// channel's rules or router overrides set a longer window (and an hour).
// The engine keeps every customer as long as the longest of its channels
// (its status horizon), so a channel the scenario configures besides
// counts as well.
func (f *Format) keep(s *Scenario, channel string) time.Duration {
	k := f.channelKeep(s, channel)
	for name := range s.Channels {
		k = max(k, f.channelKeep(s, name))
	}
	return k
}

// channelKeep is keep for one channel on its own.
func (f *Format) channelKeep(s *Scenario, channel string) time.Duration {
	k := defaultKeep
	if spec, ok := f.Channel(channel); ok && spec.Keep > 0 {
		k = spec.Keep
	}
	if ch := s.Channels[channel]; ch != nil {
		if ch.Rules.Window != nil {
			k = max(k, satAdd(ch.Rules.Window.D(), time.Hour))
		}
		if w := ch.RouterWindow(); w > 0 {
			k = max(k, satAdd(w, time.Hour))
		}
	}
	return k
}

// CheckMessages returns an error, at the part of the file asking for the
// most, when d, the demand of s, is more than max messages; max 0 is no
// limit. The error has no hint: the caller says how to raise the budget.
func (d Demand) CheckMessages(s *Scenario, max int64) *Error {
	if max <= 0 || d.Messages <= float64(max) {
		return nil
	}
	return s.overBudget(d.MostMessages, fmt.Sprintf("this scenario asks for about %s messages (%s: %s); the budget is %s",
		formatCount(d.Messages), d.MostMessages.Path, d.MostMessages.Detail, GroupDigits(max)))
}

// CheckMemory returns an error, at the part of the file asking for the
// most, when d, the demand of s, keeps more than max bytes at once; max 0
// is no limit. The error has no hint: the caller says how to raise the
// budget.
func (d Demand) CheckMemory(s *Scenario, max int64) *Error {
	if max <= 0 || d.Memory <= float64(max) {
		return nil
	}
	p, why := d.MostMemory, d.MostMemory.Path+": "+d.MostMemory.Detail
	if d.Memory-RunMemory < RunMemory {
		p, why = Part{}, "most of it the run's own "+formatBytes(RunMemory)
	}
	return s.overBudget(p, fmt.Sprintf("a run of this scenario would keep about %s at once (%s); the memory budget is %s",
		formatBytes(d.Memory), why, formatBytes(float64(max))))
}

// overBudget is the error msg at part p of the file.
func (s *Scenario) overBudget(p Part, msg string) *Error {
	e := &Error{File: s.File, Line: p.Line, Col: 1, Field: p.Path, Msg: msg}
	if p.Line == 0 {
		e.Col = 0
	}
	return e
}

// formatBytes writes a count of bytes to three significant digits in the
// largest binary unit it reaches once rounded: "4.5 GiB", "512 MiB",
// "1 MiB" for 1,048,575 bytes.
func formatBytes(f float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for i < len(units)-1 && round3(f) >= 1024 {
		f /= 1024
		i++
	}
	f = round3(f)
	if i == 0 || f >= 100 {
		return fmt.Sprintf("%.0f %s", f, units[i])
	}
	return strconv.FormatFloat(f, 'g', 3, 64) + " " + units[i]
}

// round3 rounds f to three significant digits (whole numbers from 100 on).
func round3(f float64) float64 {
	if f >= 100 {
		return math.Round(f)
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 3, 64), 64)
	return v
}

// formatCount writes a count with thousands separators, or in powers of
// ten when it is too large for an int64.
func formatCount(f float64) string {
	if f >= math.MaxInt64 {
		return strconv.FormatFloat(f, 'g', 3, 64)
	}
	return GroupDigits(int64(math.Round(f)))
}

// GroupDigits writes n with commas between groups of three digits:
// 20000000 is "20,000,000".
func GroupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Warning is something in a scenario file that is allowed but probably not
// meant: a step after the end, a scenario that checks nothing.
type Warning struct {
	File string
	Line int // 1 when it is about the whole file
	Msg  string
}

// String formats the warning as file:line: warning: msg.
func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("%s:%d: warning: %s", w.File, w.Line, w.Msg)
	}
	return fmt.Sprintf("%s: warning: %s", w.File, w.Msg)
}

// Warnings lists what the scenario says that a run does not do: steps and
// traffic after the end of the scenario (never played), and a scenario
// without an expectation (it passes whatever happens, unless the run meets
// unexpected policy drift or cannot complete).
func (s *Scenario) Warnings() []Warning {
	var out []Warning
	add := func(line int, format string, args ...any) {
		out = append(out, Warning{File: s.File, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	if d := s.Duration; d > 0 {
		for i := range s.Steps {
			st := &s.Steps[i]
			p := indexPath("steps", i)
			n := st.messages()
			if st.At > d {
				add(st.Line, "%s at %s comes after the end of the scenario (duration = %q): it is never played", p, st.At, d)
				continue
			}
			if n > 1 && st.Every > 0 {
				// The messages at at + k*every with k > (d-at)/every come
				// after the end.
				inside := int64((d-st.At)/st.Every) + 1
				if inside < int64(n) {
					add(st.Line, "%s: %s of its %s messages come after the end of the scenario (duration = %q): they are never played",
						p, GroupDigits(int64(n)-inside), GroupDigits(int64(n)), d)
				}
			}
		}
		for i := range s.Traffic {
			tr := &s.Traffic[i]
			if tr.Start >= d {
				add(tr.Line, "%s starts at %s, at or after the end of the scenario (duration = %q): it generates nobody", indexPath("traffic", i), tr.Start, d)
			}
		}
	}
	if len(s.Expect) == 0 {
		add(1, "the scenario has no [[expect]]: it passes whatever happens, unless the run meets unexpected policy drift or cannot complete")
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}
