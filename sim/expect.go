package sim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// expect checks one expectation now and records every comparison it makes.
// final is the run's metrics when Finish judges the expectations at the
// end, made once for all that read them; nil for a timed expectation,
// which makes them at its time. The timelines of failing checks come from
// tl: checks judged at the same time share one per customer and
// conversation.
func (w *World) expect(ex *scenario.Expect, final *result.Metrics, tl *timelines) {
	now := w.clock.nowLocal()
	add := func(subject, field, expected, actual string, ok bool, p *person, conv string) {
		c := result.Check{Line: ex.Line, At: now, Subject: subject, Field: field, Expected: expected, Actual: actual, Passed: ok}
		if !ok && p != nil && p.listed {
			c.Conversation = conv
			c.Timeline = tl.get(p, conv)
		}
		w.res.Expectations = append(w.res.Expectations, c)
	}
	eq := func(subject, field, want, got string, p *person, conv string) {
		add(subject, field, want, got, want == got, p, conv)
	}
	switch {
	case ex.Customer != "":
		p := w.byID[ex.Customer]
		subject := "customer " + p.id
		c, count, ok := w.engine.Latest(p.key)
		conv, state, agent, group, reason := "", "none", "", "", ""
		if ok {
			conv, state, agent, group, reason = c.ID.String(), string(c.State), c.Agent, c.Group, string(c.CloseReason)
		}
		if ex.State != "" {
			eq(subject, "state", ex.State, state, p, conv)
		}
		if ex.AssignedTo != "" {
			eq(subject, "assigned_to", ex.AssignedTo, orNone(agent), p, conv)
		}
		if ex.Group != "" {
			eq(subject, "group", ex.Group, orNone(group), p, conv)
		}
		if ex.CloseReason != "" {
			eq(subject, "close_reason", ex.CloseReason, orNone(reason), p, conv)
		}
		if ex.Conversations != nil {
			eq(subject, "conversations", strconv.Itoa(*ex.Conversations), strconv.Itoa(count), p, conv)
		}
		if ex.Received != nil || ex.LastReceived != "" {
			got := w.bindings[p.key.Channel].Device(p.key.Customer)
			if ex.Received != nil {
				eq(subject, "received", strconv.Itoa(*ex.Received), strconv.Itoa(len(got)), p, conv)
			}
			if ex.LastReceived != "" {
				last := "none"
				if n := len(got); n > 0 {
					last = firstNonEmpty(got[n-1].Text, got[n-1].Kind)
				}
				eq(subject, "last_received", ex.LastReceived, last, p, conv)
			}
		}
		if ex.LastError != "" {
			eq(subject, "last_error", ex.LastError, orNone(p.lastError), p, conv)
		}
		if ex.LastRefusal != "" {
			eq(subject, "last_refusal", ex.LastRefusal, orNone(p.lastRefusal), p, conv)
		}
		if ex.SameAgentAs != "" || ex.OtherAgentThan != "" {
			other := firstNonEmpty(ex.SameAgentAs, ex.OtherAgentThan)
			oc, _, ook := w.engine.Latest(w.byID[other].key)
			oagent := ""
			if ook {
				oagent = oc.Agent
			}
			mine, theirs := orNone(agent), orNone(oagent)
			both := agent != "" && oagent != ""
			if ex.SameAgentAs != "" {
				add(subject, "same_agent_as", "the agent of "+other+" ("+theirs+")", mine, both && agent == oagent, p, conv)
			} else {
				add(subject, "other_agent_than", "not the agent of "+other+" ("+theirs+")", mine, both && agent != oagent, p, conv)
			}
		}
		if ex.NeverAssignedTo != nil {
			var hit []string
			for _, a := range w.assignments(p) {
				if slices.Contains(ex.NeverAssignedTo, a.Agent) && !slices.Contains(hit, a.Agent) {
					hit = append(hit, a.Agent)
				}
			}
			add(subject, "never_assigned_to", "never "+strings.Join(ex.NeverAssignedTo, ", "), orNone(strings.Join(hit, ", ")), len(hit) == 0, p, conv)
		}
		w.expectInboxRow(ex, subject, p, c.ID, ok, eq)
	case ex.Agent != "":
		s, _ := w.engine.Agent(now, ex.Agent)
		subject := "agent " + ex.Agent
		if ex.Assignments != nil {
			eq(subject, "assignments", strconv.Itoa(*ex.Assignments), strconv.Itoa(s.Assignments), nil, "")
		}
		if ex.Active != nil {
			eq(subject, "active", strconv.Itoa(*ex.Active), strconv.Itoa(s.Active), nil, "")
		}
		if ex.InHours != nil {
			eq(subject, "in_hours", strconv.FormatBool(*ex.InHours), strconv.FormatBool(s.InHours), nil, "")
		}
		if ex.AssignedOrder != nil {
			var got []string
			for _, l := range w.assignedOrder(ex.Agent) {
				got = append(got, l.Customer)
			}
			eq(subject, "assigned_order", strings.Join(ex.AssignedOrder, ", "), orNone(strings.Join(got, ", ")), nil, "")
		}
	case ex.Metric != "":
		subject := "metric " + ex.Metric
		m := final
		if m == nil {
			mm := w.metrics(now)
			m = &mm
		}
		t := w.totals()
		var v float64
		var d time.Duration
		isDur := false
		switch ex.Metric {
		case "fairness.jain":
			v = m.Jain
		case "fairness.spread":
			v = m.Spread
		case "fairness.eligible_jain":
			v = m.EligibleJain
		case "fairness.eligible_spread":
			v = m.EligibleSpread
		case "wait.p50":
			d, isDur = m.WaitP50, true
		case "wait.p90":
			d, isDur = m.WaitP90, true
		case "wait.p99":
			d, isDur = m.WaitP99, true
		case "wait.max":
			d, isDur = m.WaitMax, true
		case "wait.probability":
			v = m.Service.WaitProbability
		case "wait.asa":
			d, isDur = m.Service.ASA, true
		case "service_level":
			v = m.Service.ServiceLevel
		case "abandoned":
			v = float64(m.Service.Abandoned)
		case "abandonment":
			v = m.Service.Abandonment
		case "conversations":
			v = float64(t.Conversations)
		case "messages":
			v = float64(t.Inbound + t.Sent)
		case "closed":
			v = float64(t.Closed)
		case "waiting":
			v = float64(t.Waiting)
		case "service.warnings":
			if w.center != nil {
				w.center.ib.Advance(w.clock.nowLocal())
				v = float64(w.center.warnings)
			}
		}
		if isDur {
			v = d.Seconds()
		}
		actual := formatFloat(v)
		exact := strconv.FormatFloat(v, 'g', -1, 64)
		if isDur {
			actual, exact = scenario.FormatDuration(d.Round(time.Millisecond)), scenario.FormatDuration(d)
		}
		// A failed bound whose value, rounded, reads as the bound itself
		// shows it unrounded ("expected <= 20s, got 20s400000ns", not "got
		// 20s").
		bound := func(field string, ok bool, op, limit string) {
			shown := actual
			if !ok && actual == limit {
				shown = exact
			}
			add(subject, field, op+limit, shown, ok, nil, "")
		}
		if ex.Min != nil {
			bound("min", v >= *ex.Min, ">= ", formatFloat(*ex.Min))
		}
		if ex.Max != nil {
			bound("max", v <= *ex.Max, "<= ", formatFloat(*ex.Max))
		}
		if ex.MinDuration != nil {
			bound("min_duration", d >= ex.MinDuration.D(), ">= ", ex.MinDuration.String())
		}
		if ex.MaxDuration != nil {
			bound("max_duration", d <= ex.MaxDuration.D(), "<= ", ex.MaxDuration.String())
		}
	case ex.Inbox != "":
		w.expectInboxView(ex, eq)
	case ex.History != "":
		w.expectHistory(ex, eq)
	case ex.Drift != "":
		// The findings so far are the ones this check counted (and covers).
		w.driftChecks = append(w.driftChecks, driftCheck{kind: ex.Drift, seen: w.driftN})
		n := w.driftN.total()
		if ex.Drift != "any" {
			n = w.driftN[driftKind(ex.Drift)]
		}
		if ex.Count != nil {
			eq("drift "+ex.Drift, "count", strconv.Itoa(*ex.Count), strconv.Itoa(n), nil, "")
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func formatFloat(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// timelines are the timelines of failing checks judged at one time, made
// once per customer and conversation and shared by every check that shows
// them (a check only reads its timeline). The zero value is empty.
type timelines struct {
	m map[timelineKey][]result.Line
}

// timelineKey is a customer and one of its conversations.
type timelineKey struct {
	p    *person
	conv string
}

// get returns the timeline of p's conversation conv, making it the first
// time it is asked for.
func (tl *timelines) get(p *person, conv string) []result.Line {
	k := timelineKey{p, conv}
	if lines, ok := tl.m[k]; ok {
		return lines
	}
	if tl.m == nil {
		tl.m = map[timelineKey][]result.Line{}
	}
	lines := conversationTimeline(p, conv)
	tl.m[k] = lines
	return lines
}

// conversationTimeline keeps the lines of one conversation of a listed
// customer, plus the customer's lines that belong to no conversation
// (rejected webhooks), from the customer's last lines (lastLines, at most
// timelineKeep). When earlier lines of them were left out, a timeline_cut
// line comes first, at the time of the first of the last lines, saying how
// many.
func conversationTimeline(p *person, conv string) []result.Line {
	last := p.lastLines()
	n := 0
	for i := range last {
		if l := &last[i]; l.Conversation == conv || l.Conversation == "" {
			n++
		}
	}
	cut := p.cutLines(conv)
	if n+cut == 0 {
		return nil
	}
	out := make([]result.Line, 0, n+min(cut, 1))
	if cut > 0 {
		out = append(out, result.Line{At: last[0].At, Kind: "timeline_cut", Conversation: conv,
			Detail: fmt.Sprintf("%s earlier events not kept: a failing check's timeline shows the customer's last %s; -trace customer=%s keeps every one",
				scenario.GroupDigits(int64(cut)), scenario.GroupDigits(timelineKeep), p.id)})
	}
	for i := range last {
		if l := &last[i]; l.Conversation == conv || l.Conversation == "" {
			out = append(out, *l)
		}
	}
	return out
}

// metrics computes fairness and waits at now.
func (w *World) metrics(now time.Time) result.Metrics {
	var m result.Metrics
	var xs, es []float64
	for _, a := range w.engine.Agents(now) {
		if a.EligibleTime > 0 {
			es = append(es, float64(a.Assignments)/a.EligibleTime.Hours())
		}
		if a.OnlineTime <= 0 {
			continue
		}
		xs = append(xs, float64(a.Assignments)/(float64(a.Capacity)*a.OnlineTime.Hours()))
	}
	m.Jain, m.Spread = Jain(xs), Spread(xs)
	m.EligibleJain, m.EligibleSpread = Jain(es), Spread(es)
	// A conversation never assigned counts with the time it waited until it
	// closed or until now, so a queue nobody serves cannot look fast.
	var pending []time.Duration
	w.eachLive(func(c liveConv) {
		if !c.assigned {
			pending = append(pending, since(c.opened, now))
		}
	})
	ps := w.waits.percentiles(pending, 50, 90, 99, 100)
	m.WaitP50, m.WaitP90, m.WaitP99, m.WaitMax = ps[0], ps[1], ps[2], ps[3]
	m.Assigned = w.assigned
	if w.service != nil {
		m.Service = w.service.result()
	}
	return m
}

// Jain is Jain's fairness index (sum x)^2 / (n * sum x^2): 1 when all are
// equal, 1/n when one takes everything. With nothing to compare (no values,
// or all zero) it is 0, so a fairness bound cannot pass on an empty run.
func Jain(xs []float64) float64 {
	var sum, sq float64
	for _, x := range xs {
		sum += x
		sq += x * x
	}
	if len(xs) == 0 || sq == 0 {
		return 0
	}
	return sum * sum / (float64(len(xs)) * sq)
}

// Spread is max minus min; 0 for no values.
func Spread(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	return slices.Max(xs) - slices.Min(xs)
}

// Percentile returns the nearest-rank p-th percentile of sorted values; 0
// for none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

func (w *World) totals() result.Totals {
	var t result.Totals
	t.Conversations = w.counts.opened
	t.Closed = w.counts.closed
	w.eachLive(func(c liveConv) {
		if c.waiting {
			t.Waiting++
		}
	})
	t.Inbound, t.Sent, t.Refused, t.Failed = w.counts.inbound, w.counts.sent, w.counts.refused, w.counts.failed
	for _, b := range w.bindings {
		s := b.Stats()
		t.Delivered += s.Delivered
		t.Webhooks += s.Webhooks
		t.Rejected += s.Rejected
		t.Duplicates += s.Duplicates
	}
	return t
}

// Finish checks the end-of-run expectations and returns the result with
// its figures at the world's time.
func (w *World) Finish() result.Result {
	now := w.clock.nowLocal()
	w.res.End = now
	// The run's metrics, made once for the expectations that read them
	// and the result: nothing judged at the end changes them.
	m := w.metrics(now)
	if w.res.Error == "" {
		var tl timelines
		for i := range w.sc.Expect {
			if ex := &w.sc.Expect[i]; !ex.HasAt {
				w.expect(ex, &m, &tl)
			}
		}
	}
	w.res.Totals = w.totals()
	w.res.Metrics = m
	w.res.Series = w.seriesResult(now)
	for _, a := range w.engine.Agents(now) {
		ag := result.Agent{ID: a.ID, Capacity: a.Capacity, Assignments: a.Assignments, PeakActive: a.PeakActive, OnlineTime: a.OnlineTime,
			EligibleTime: a.EligibleTime}
		if h := a.EligibleTime.Hours(); h > 0 {
			ag.PerEligibleHour = float64(a.Assignments) / h
		}
		if h := a.OnlineTime.Hours(); h > 0 {
			ag.PerCapacityHour = float64(a.Assignments) / (float64(a.Capacity) * h)
			ag.Utilization = a.BusyHours / (float64(a.Capacity) * h)
		}
		w.res.Agents = append(w.res.Agents, ag)
	}
	unexpected := w.markExpectedDrift()
	w.res.Passed = w.res.Error == "" && unexpected == 0
	for _, c := range w.res.Expectations {
		w.res.Passed = w.res.Passed && c.Passed
	}
	return w.res
}

// markExpectedDrift marks the drift findings a [[expect]] drift entry
// covers: one of its kind (or "any") that counted the finding, because it
// was checked after the finding was made. It returns how many findings,
// listed or not, no entry covers, and counts those past the listed ones
// in the result (DriftDroppedUnexpected).
func (w *World) markExpectedDrift() int {
	// Findings of a kind are made in order, so an entry covers the first
	// seen[k] of kind k, and the last entry covering k covers the most.
	var covered driftCounts
	for _, c := range w.driftChecks {
		for k := range covered {
			if c.kind == "any" || driftKind(c.kind) == k {
				covered[k] = max(covered[k], c.seen[k])
			}
		}
	}
	var listed driftCounts // findings of each kind listed so far
	listedUnexpected := 0
	for i := range w.res.Drift {
		d := &w.res.Drift[i]
		k := driftKind(d.Kind)
		d.Expected = listed[k] < covered[k]
		listed[k]++
		if !d.Expected {
			listedUnexpected++
		}
	}
	unexpected := 0
	for k, n := range w.driftN {
		unexpected += n - covered[k]
	}
	w.res.DriftDroppedUnexpected = unexpected - listedUnexpected
	return unexpected
}

// driftCheck records a drift expectation that ran: its kind, and how many
// findings of each kind there were when it did.
type driftCheck struct {
	kind string
	seen driftCounts
}

// driftCounts counts drift findings by kind, indexed by driftKind.
type driftCounts [2]int

// total returns the findings of every kind.
func (c driftCounts) total() int { return c[0] + c[1] }

// driftKind returns the index of a drift kind in driftCounts.
func driftKind(kind string) int {
	switch kind {
	case result.DriftSentRefused:
		return 0
	case result.DriftRefusedAccepted:
		return 1
	}
	panic("sim: drift kind " + kind + " has no count") // a kind added to result needs its own
}

// assignments returns the "assigned" lines of a scripted customer's
// timeline: every assignment of any of its conversations, in order.
func (w *World) assignments(p *person) []result.Line {
	var out []result.Line
	for _, l := range p.timeline {
		if l.Kind == string(router.EventAssigned) {
			out = append(out, l)
		}
	}
	return out
}

// assignedOrder returns the assignments of scripted customers to agent, in
// time order; assignments at the same instant go in the order their
// conversations opened.
func (w *World) assignedOrder(agent string) []result.Line {
	var out []result.Line
	for _, c := range w.sc.Customers {
		p := w.byID[c.ID]
		if p == nil {
			continue
		}
		for _, l := range w.assignments(p) {
			if l.Agent == agent {
				out = append(out, l)
			}
		}
	}
	convNum := func(id string) int { n, _ := strconv.Atoi(strings.TrimPrefix(id, "c")); return n }
	slices.SortStableFunc(out, func(a, b result.Line) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return convNum(a.Conversation) - convNum(b.Conversation)
	})
	return out
}
