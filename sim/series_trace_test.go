package sim_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/scenarios"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// traceSeries recomputes a run's time series from its event log with a
// model of its own: each open conversation waits in one group's queue, is
// with one agent, or neither (just opened, with the bot, or between a
// reassignment, transfer or overflow and where it goes next). Every change
// of a count is kept with its time, and the buckets are made at the end
// from the series' width.
type traceSeries struct {
	convs           map[string]*tracedConv
	waiting, active tracedCount
	groups, agents  map[string]*tracedCount
	waits           []time.Duration // of the conversations assigned or closed
	odd             []string        // events the model cannot place
}

type tracedConv struct {
	opened       time.Time
	group, agent string
	assigned     bool
}

type tracedCount struct {
	cur    int
	points []tracedPoint
}

type tracedPoint struct {
	at time.Time
	v  int
}

func newTraceSeries() *traceSeries {
	return &traceSeries{convs: map[string]*tracedConv{}, groups: map[string]*tracedCount{}, agents: map[string]*tracedCount{}}
}

func (c *tracedCount) step(at time.Time, d int) {
	c.cur += d
	c.points = append(c.points, tracedPoint{at, c.cur})
}

func count(m map[string]*tracedCount, k string) *tracedCount {
	if m[k] == nil {
		m[k] = &tracedCount{}
	}
	return m[k]
}

// line reads one line of the event log.
func (ts *traceSeries) line(l result.Line) {
	if l.Kind == "opened" {
		ts.convs[l.Conversation] = &tracedConv{opened: l.At}
		return
	}
	cv := ts.convs[l.Conversation]
	switch l.Kind {
	case "queued", "assigned", "reassigned", "transferred", "overflowed", "closed":
		if cv == nil {
			ts.odd = append(ts.odd, fmt.Sprintf("%s %s of conversation %q never opened", l.At, l.Kind, l.Conversation))
			return
		}
	default:
		return
	}
	switch l.Kind {
	case "queued":
		ts.move(cv, l.At, l.Group, "")
	case "assigned":
		if cv.agent != "" {
			ts.odd = append(ts.odd, fmt.Sprintf("%s conversation %s assigned to %s while with %s", l.At, l.Conversation, l.Agent, cv.agent))
		}
		ts.move(cv, l.At, "", l.Agent)
		if !cv.assigned {
			cv.assigned = true
			ts.waits = append(ts.waits, l.At.Sub(cv.opened))
		}
	case "reassigned", "transferred":
		if cv.agent != l.Agent {
			ts.odd = append(ts.odd, fmt.Sprintf("%s conversation %s %s by %s while with %q", l.At, l.Conversation, l.Kind, l.Agent, cv.agent))
		}
		ts.move(cv, l.At, "", "")
	case "overflowed":
		ts.move(cv, l.At, "", "")
	case "closed":
		ts.move(cv, l.At, "", "")
		if !cv.assigned {
			ts.waits = append(ts.waits, l.At.Sub(cv.opened))
		}
		delete(ts.convs, l.Conversation)
	}
}

// move puts a conversation in group's queue, with agent, or neither.
func (ts *traceSeries) move(cv *tracedConv, at time.Time, group, agent string) {
	if cv.group != "" {
		ts.waiting.step(at, -1)
		count(ts.groups, cv.group).step(at, -1)
	}
	if cv.agent != "" {
		ts.active.step(at, -1)
		count(ts.agents, cv.agent).step(at, -1)
	}
	cv.group, cv.agent = group, agent
	if group != "" {
		ts.waiting.step(at, 1)
		count(ts.groups, group).step(at, 1)
	}
	if agent != "" {
		ts.active.step(at, 1)
		count(ts.agents, agent).step(at, 1)
	}
}

// buckets is the largest value of each of n buckets of width from start:
// the value a bucket starts with counts unless a change comes at its first
// instant, each value after a change counts, and the last bucket takes
// every change from its start on (the run's end belongs to it).
func (c *tracedCount) buckets(start time.Time, width time.Duration, n int) []int {
	out := make([]int, n)
	cur, j := 0, 0
	for k := range n {
		lo := start.Add(time.Duration(k) * width)
		hi := lo.Add(width)
		v := -1
		if k == 0 || j == len(c.points) || !c.points[j].at.Equal(lo) {
			v = cur
		}
		for j < len(c.points) && (k == n-1 || c.points[j].at.Before(hi)) {
			cur = c.points[j].v
			v = max(v, cur)
			j++
		}
		out[k] = v
	}
	return out
}

// check compares a run's series with the event log's, bucket by bucket,
// its waits with the log's, and the log's end with the run's totals.
func (ts *traceSeries) check(t *testing.T, res *result.Result) {
	t.Helper()
	for _, o := range ts.odd {
		t.Error(o)
	}
	s := res.Series
	if s == nil {
		t.Fatal("no series")
	}
	// The model's end agrees with the totals: the conversations still
	// open, and those of them held by an agent.
	held := 0
	for _, cv := range ts.convs {
		if cv.agent != "" {
			held++
		}
	}
	tot := res.Totals
	if open := tot.Conversations - tot.Closed; len(ts.convs) != open || held != open-tot.Waiting {
		t.Errorf("the log ends with %d open, %d held; the totals %d open, %d waiting", len(ts.convs), held, open, tot.Waiting)
	}
	if ts.active.cur != held {
		t.Errorf("the log ends with %d active, %d held", ts.active.cur, held)
	}

	start, w, n := res.Start, s.Bucket, s.Buckets
	same := func(name string, got []int, c *tracedCount) {
		t.Helper()
		if c == nil {
			c = &tracedCount{}
		}
		want := c.buckets(start, w, n)
		if len(got) != n {
			t.Errorf("%s: %d values, want %d", name, len(got), n)
			return
		}
		for k := range want {
			if got[k] != want[k] {
				t.Errorf("%s: bucket %d of %d (%v from the start) is %d, the log says %d (end value %d)", name, k, n, time.Duration(k)*w, got[k], want[k], c.cur)
				return
			}
		}
	}
	same("waiting", s.Waiting, &ts.waiting)
	same("active", s.Active, &ts.active)
	seen := map[string]bool{}
	for _, g := range s.Groups {
		same("group "+g.Name, g.Waiting, ts.groups[g.Name])
		seen["g "+g.Name] = true
	}
	for _, a := range s.Agents {
		same("agent "+a.ID, a.Active, ts.agents[a.ID])
		seen["a "+a.ID] = true
	}
	for g := range ts.groups {
		if !seen["g "+g] {
			t.Errorf("group %s has no series", g)
		}
	}
	for a := range ts.agents {
		if !seen["a "+a] {
			t.Errorf("agent %s has no series", a)
		}
	}

	// The waits: one per conversation, each in its bin.
	waits := ts.waits
	for _, cv := range ts.convs {
		if !cv.assigned {
			waits = append(waits, res.End.Sub(cv.opened))
		}
	}
	if len(waits) != tot.Conversations {
		t.Errorf("the log has %d waits for %d conversations", len(waits), tot.Conversations)
	}
	binned := 0
	for i, b := range s.Waits {
		n := 0
		for _, d := range waits {
			if d <= b.High && (i == 0 || d > b.Low) {
				n++
			}
		}
		if n != b.Count {
			t.Errorf("waits in (%v, %v]: %d, the log has %d", b.Low, b.High, b.Count, n)
		}
		binned += n
	}
	if binned != len(waits) {
		t.Errorf("%d of the log's %d waits are in no bin of %+v", len(waits)-binned, len(waits), s.Waits)
	}
}

// playTraced runs a scenario with its series, reading its event log into a
// traceSeries as it is made.
func playTraced(sc *scenario.Scenario) (result.Result, *traceSeries) {
	ts := newTraceSeries()
	res := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: sim.Direct, Series: true, Trace: true, TraceTo: ts.line})
	return res, ts
}

// TestSeriesFollowTheLogLibrary: for every scenario of the library, the
// series are those its event log makes.
func TestSeriesFollowTheLogLibrary(t *testing.T) {
	for _, name := range libraryNames(t) {
		t.Run(name, func(t *testing.T) {
			if testing.Short() && strings.HasPrefix(name, "load/") {
				t.Skip("a load scenario; run without -short")
			}
			sc, err := platforms.Format.Load(scenarios.Library, name)
			if err != nil {
				t.Fatal(err)
			}
			res, ts := playTraced(sc)
			if res.Error != "" {
				t.Fatalf("run: %s", res.Error)
			}
			ts.check(t, &res)
		})
	}
}

// TestSeriesFollowTheLogGenerated: the same for generated scenarios that
// reassign, transfer, take, overflow after a wait, hand over from a bot
// and close conversations in every state, at random.
func TestSeriesFollowTheLogGenerated(t *testing.T) {
	n := 60
	if testing.Short() {
		n = 20
	}
	kinds := map[string]int{}
	for seed := range uint64(n) {
		src := seriesScenario(seed)
		sc, err := platforms.Format.Parse(fmt.Sprintf("series-%d.toml", seed), []byte(src))
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, src)
		}
		kept := map[string]int{}
		ts := newTraceSeries()
		res := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: sim.Direct, Series: true, Trace: true,
			TraceTo: func(l result.Line) { kept[l.Kind]++; ts.line(l) }})
		if res.Error != "" {
			t.Fatalf("seed %d: run: %s\n%s", seed, res.Error, src)
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			ts.check(t, &res)
			if t.Failed() {
				t.Logf("the scenario:\n%s", src)
			}
		})
		for k, c := range kept {
			kinds[k] += c
		}
	}
	// The scenarios reach every move the series follow.
	for _, k := range []string{"queued", "assigned", "reassigned", "transferred", "overflowed", "closed", "bot", "handoff"} {
		if kinds[k] == 0 {
			t.Errorf("no %s event in %d scenarios", k, n)
		}
	}
}

// seriesScenario generates the scenario of a seed: two groups split by
// region, a bot on WhatsApp and hand assignment on WeChat now and then,
// reassignment and overflow after a wait, and an hour of customers writing
// while agents reply, take, transfer, close and go on and off line, with
// traffic besides in half of them.
func seriesScenario(seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 13))
	var b strings.Builder
	fmt.Fprintf(&b, "name = \"series %d\"\nseed = %d\nstart = \"2026-03-02T09:00:00Z\"\n", seed, seed+1)
	if r.IntN(2) == 0 {
		b.WriteString("duration = \"70m\"\n")
	}
	b.WriteString("[tenant]\nsplit = \"region\"\n")
	if r.IntN(4) != 0 {
		fmt.Fprintf(&b, "reassign_after = \"%dm\"\n", 1+r.IntN(4))
	}
	if r.IntN(4) != 0 {
		fmt.Fprintf(&b, "overflow = \"default\"\noverflow_after = \"%ds\"\n", 30*(1+r.IntN(6)))
	}
	if r.IntN(3) == 0 {
		b.WriteString("[bot]\nchannels = [\"whatsapp\"]\nkeywords = [\"human\"]\nhandoff_after = \"3m\"\n")
	}
	if r.IntN(3) == 0 {
		b.WriteString("[channels.wechat.router]\nmanual_assignment = true\n")
	}
	groups := []string{"north", "south"}
	for _, g := range groups {
		fmt.Fprintf(&b, "[[groups]]\nname = %q\nregions = [%q]\n", g, g)
	}
	agents := []string{"a", "b", "c", "d"}
	for _, a := range agents {
		fmt.Fprintf(&b, "[[agents]]\nid = %q\ncapacity = %d\n", a, 1+r.IntN(2))
		switch r.IntN(4) {
		case 0:
			fmt.Fprintf(&b, "groups = [%q]\nreception = false\n", groups[r.IntN(2)])
		case 1:
			fmt.Fprintf(&b, "groups = [%q]\n", groups[r.IntN(2)])
		}
	}
	customers := []string{"u1", "u2", "u3", "u4", "u5", "u6", "u7"}
	regions := []string{"north", "south", "east"}
	for _, c := range customers {
		fmt.Fprintf(&b, "[[customers]]\nid = %q\nchannel = %q\nregion = %q\n", c, []string{"whatsapp", "wechat"}[r.IntN(2)], regions[r.IntN(3)])
	}
	if r.IntN(2) == 0 {
		// Generated customers too, some giving up, some answered late.
		fmt.Fprintf(&b, "[[traffic]]\nchannel = %q\narrivals = \"poisson %d/h\"\nfor = \"1h\"\nmessages = \"1..3\"\nhandle = \"exp 6m\"\nreply = \"exp 2m\"\npatience = \"exp 3m\"\nregions = [\"north\", \"south\", \"east\"]\n",
			[]string{"whatsapp", "wechat"}[r.IntN(2)], 10+r.IntN(30))
	}
	says := []string{"hello", "human", "where is my order?"}
	for i := range 45 {
		at := time.Duration(i)*80*time.Second + time.Duration(r.IntN(4))*15*time.Second
		fmt.Fprintf(&b, "[[steps]]\nat = %q\n", at.String())
		c, a := customers[r.IntN(len(customers))], agents[r.IntN(len(agents))]
		switch x := r.IntN(20); {
		case x < 7:
			fmt.Fprintf(&b, "customer = %q\nsays = %q\n", c, says[r.IntN(len(says))])
		case x < 9:
			fmt.Fprintf(&b, "agent = %q\nto = %q\nsays = \"ok\"\n", a, c)
		case x < 11:
			fmt.Fprintf(&b, "agent = %q\nto = %q\nclose = true\n", a, c)
		case x < 13:
			fmt.Fprintf(&b, "agent = %q\nto = %q\ntake = true\n", a, c)
		case x < 15:
			fmt.Fprintf(&b, "agent = %q\nto = %q\ntransfer = {group = %q}\n", a, c, append(groups, "default")[r.IntN(3)])
		case x < 17:
			to := agents[r.IntN(len(agents)-1)]
			if to == a {
				to = agents[len(agents)-1] // not to itself
			}
			fmt.Fprintf(&b, "agent = %q\nto = %q\ntransfer = {agent = %q}\n", a, c, to)
		case x < 18:
			fmt.Fprintf(&b, "customer = %q\nabandon = true\n", c)
		default:
			fmt.Fprintf(&b, "agent = %q\npresence = %q\n", a, []string{"online", "offline"}[r.IntN(2)])
		}
	}
	return b.String()
}
