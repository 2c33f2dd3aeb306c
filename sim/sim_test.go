package sim_test

import (
	"bytes"
	"context"
	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim/result"
	"io/fs"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/report"
	"github.com/omnisim/omnisim/scenarios"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

func parse(t *testing.T, src string) *scenario.Scenario {
	t.Helper()
	sc, err := platforms.Format.Parse("test.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func jsonReport(t *testing.T, res result.Result) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteJSON(&b, []result.Result{res}, report.Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const trafficScenario = `
name = "determinism"
seed = 11
[tenant]
strategy = "longest-idle"
idle_after = "20m"
[channels.whatsapp]
window_errors = "async"
[[agents]]
id = "a"
capacity = 2
[[agents]]
id = "b"
capacity = 2
[[agents]]
id = "c"
[[customers]]
id = "known"
[[steps]]
at = "0s"
customer = "known"
says = "héllo, ça va? 😀 <b>&"
[[steps]]
at = "30m"
agent = "a"
to = "known"
says = "maybe"
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 60/h"
for = "3h"
messages = "1..4"
handle = "exp 7m"
regions = ["north", "south"]
`

// TestDeterministicReport is the determinism promise: the same scenario and
// seed give a byte-identical JSON report, over the in-memory transport and
// over real loopback sockets alike; a different seed gives a different run.
func TestDeterministicReport(t *testing.T) {
	sc := parse(t, trafficScenario)
	first := jsonReport(t, sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Trace: true}))
	again := jsonReport(t, sim.Run(context.Background(), parse(t, trafficScenario), sim.Options{Platforms: platforms.All, Trace: true}))
	if !bytes.Equal(first, again) {
		t.Fatal("two in-memory runs of the same scenario and seed differ")
	}
	loop := jsonReport(t, sim.Run(context.Background(), parse(t, trafficScenario), sim.Options{Platforms: platforms.All, Trace: true, Network: sim.Loopback}))
	if !bytes.Equal(first, loop) {
		t.Fatal("the loopback run differs from the in-memory run")
	}
	seed := uint64(12)
	other := jsonReport(t, sim.Run(context.Background(), parse(t, trafficScenario), sim.Options{Platforms: platforms.All, Trace: true, Seed: &seed}))
	if bytes.Equal(first, other) {
		t.Fatal("another seed gave the same report")
	}
	if !bytes.Contains(first, []byte(`"kind": "assigned"`)) {
		t.Fatal("the trace has no assignments: the test is not exercising the run")
	}
}

// TestVirtualTimeNeverRunsBackwards checks the event loop's order: router
// deadlines and queued events interleave by time, so the trace is sorted.
func TestVirtualTimeNeverRunsBackwards(t *testing.T) {
	res := sim.Run(context.Background(), parse(t, `
name = "order"
seed = 3
[tenant]
missed_after = "2m"
idle_after = "5m"
[[agents]]
id = "a"
capacity = 2
[[agents]]
id = "b"
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 90/h"
for = "6h"
messages = "1..3"
handle = "exp 6m"
`), sim.Options{Platforms: platforms.All, Trace: true})
	closes := 0
	for i, l := range res.Trace {
		if i > 0 && l.At.Before(res.Trace[i-1].At) {
			t.Fatalf("trace line %d at %v comes after %v: time ran backwards", i, l.At, res.Trace[i-1].At)
		}
		if l.Kind == "closed" && l.Detail != "agent" {
			closes++
		}
	}
	if closes == 0 {
		t.Fatal("no timer closed anything: the test is not exercising deadlines")
	}
}

// TestTimersFireAfterTheLastEvent: without a duration, the run goes on
// while the router has deadlines.
func TestTimersFireAfterTheLastEvent(t *testing.T) {
	res := sim.Run(context.Background(), parse(t, `
start = "2026-03-02T09:00:00Z"
[tenant]
missed_after = "10m"
[[agents]]
id = "a"
online = false
[[customers]]
id = "c"
[[steps]]
at = "0s"
customer = "c"
says = "anyone?"
[[expect]]
customer = "c"
state = "closed"
close_reason = "missed"
[[expect]]
metric = "wait.max"
min_duration = "10m"
`), sim.Options{Platforms: platforms.All})
	if !res.Passed {
		t.Fatalf("expectations: %v", res.Expectations)
	}
	if want := time.Date(2026, 3, 2, 9, 10, 0, 0, time.UTC); !res.End.Equal(want) {
		t.Errorf("run ended at %v, want %v", res.End, want)
	}
	if res.Metrics.Jain != 0 {
		t.Errorf("Jain = %v with nothing assigned, want 0", res.Metrics.Jain)
	}
}

// TestLibraryPasses plays every built-in scenario but the month-long load
// scenario (its own benchmark covers it), as 'omnisim run' does.
func TestLibraryPasses(t *testing.T) {
	names, err := fs.Glob(scenarios.Library, "*.toml")
	if err != nil || len(names) < 12 {
		t.Fatalf("library has %d scenarios (%v); want at least 12", len(names), err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			sc, err := platforms.Format.Load(scenarios.Library, name)
			if err != nil {
				t.Fatal(err)
			}
			res := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All})
			if !res.Passed {
				var b bytes.Buffer
				report.WriteText(&b, []result.Result{res}, report.Options{})
				t.Fatalf("scenario failed:\n%s", b.String())
			}
			if len(res.Expectations) == 0 {
				t.Fatal("scenario checks nothing")
			}
		})
	}
}

func TestFailingExpectationFailsTheRun(t *testing.T) {
	res := sim.Run(context.Background(), parse(t, `
[[agents]]
id = "a"
[[customers]]
id = "c"
[[steps]]
at = "0s"
customer = "c"
says = "hi"
[[expect]]
at = "1s"
customer = "c"
state = "waiting"
`), sim.Options{Platforms: platforms.All})
	if res.Passed {
		t.Fatal("the run passed although the conversation was assigned, not waiting")
	}
	c := res.Expectations[0]
	if c.Passed || c.Expected != "waiting" || c.Actual != "assigned" || c.Line != 10 || len(c.Timeline) == 0 {
		t.Errorf("check = %+v", c)
	}
}

// driftScenario: a router that believes in a 48-hour WhatsApp window replies
// 25 hours after the customer wrote, and WhatsApp refuses with 131047.
const driftScenario = `
[channels.whatsapp.router]
window = "48h"
[[agents]]
id = "a"
[[customers]]
id = "c"
[[steps]]
at = "0s"
customer = "c"
says = "hi"
[[steps]]
at = "25h"
agent = "a"
to = "c"
says = "late"
`

func TestUnexpectedDriftFailsTheRun(t *testing.T) {
	src := driftScenario
	for _, mode := range []string{"sync", "async"} {
		t.Run(mode, func(t *testing.T) {
			res := sim.Run(context.Background(), parse(t, src+"[channels.whatsapp]\nwindow_errors = \""+mode+"\"\n"), sim.Options{Platforms: platforms.All})
			if res.Passed || len(res.Drift) != 1 {
				t.Fatalf("passed=%v drift=%+v; want one unexpected drift", res.Passed, res.Drift)
			}
			d := res.Drift[0]
			if d.Kind != result.DriftSentRefused || d.Platform != "131047" || d.Router != "sent" || d.Agent != "a" || d.Expected {
				t.Errorf("drift = %+v", d)
			}
		})
	}
}

// TestDriftExpectationCoversOnlyEarlierFindings: a drift expectation checked
// at 1h does not excuse drift at 25h.
func TestDriftExpectationCoversOnlyEarlierFindings(t *testing.T) {
	src := driftScenario
	for _, tt := range []struct {
		expect string
		pass   bool
	}{
		{"[[expect]]\nat = \"1h\"\ndrift = \"any\"\ncount = 0\n", false},
		{"[[expect]]\nat = \"26h\"\ndrift = \"sent_refused\"\ncount = 1\n", true},
		{"[[expect]]\ndrift = \"refused_accepted\"\ncount = 0\n", false},
		{"[[expect]]\ndrift = \"any\"\ncount = 1\n", true},
	} {
		res := sim.Run(context.Background(), parse(t, src+tt.expect), sim.Options{Platforms: platforms.All})
		if res.Passed != tt.pass {
			t.Errorf("with %q: passed = %v, want %v (drift %+v)", tt.expect, res.Passed, tt.pass, res.Drift)
		}
	}
}

// TestFormatSpellings: the router and the platform agree on how formats are
// spelt (jpg is jpeg, case does not matter), so no drift.
func TestFormatSpellings(t *testing.T) {
	res := sim.Run(context.Background(), parse(t, `
[[agents]]
id = "a"
[[customers]]
id = "c"
[[steps]]
at = "0s"
customer = "c"
says = "photo please"
[[steps]]
at = "1m"
agent = "a"
to = "c"
attaches = { kind = "image", format = "jpg", size = "1MB" }
[[steps]]
at = "2m"
agent = "a"
to = "c"
attaches = { kind = "image", format = "PNG", size = "1MB" }
[[expect]]
customer = "c"
received = 2
`), sim.Options{Platforms: platforms.All})
	if !res.Passed {
		t.Fatalf("drift %+v, checks %v", res.Drift, res.Expectations)
	}
}

// TestUnapprovedTemplateIsNotDrift: the router keeps no template list, so a
// platform's 132001 is the customer's last error, not policy drift.
func TestUnapprovedTemplateIsNotDrift(t *testing.T) {
	res := sim.Run(context.Background(), parse(t, `
[channels.whatsapp]
templates = ["approved"]
[[agents]]
id = "a"
[[customers]]
id = "c"
[[steps]]
at = "0s"
agent = "a"
to = "c"
template = { name = "unheard_of" }
[[expect]]
customer = "c"
last_error = "132001"
received = 0
`), sim.Options{Platforms: platforms.All})
	if !res.Passed || len(res.Drift) != 0 {
		t.Fatalf("passed %v, drift %+v, checks %v", res.Passed, res.Drift, res.Expectations)
	}
}

// TestFirstResponseTime: traffic whose agents first reply after 10 minutes,
// under a 5-minute missed limit, has every conversation closed as missed
// before any reply; with a 1-minute first response none is missed.
func TestFirstResponseTime(t *testing.T) {
	for _, tt := range []struct {
		reply  string
		missed bool
	}{{"10m", true}, {"exp 1m", false}} {
		res := sim.Run(context.Background(), parse(t, `
seed = 4
[tenant]
missed_after = "5m"
[[agents]]
id = "a"
capacity = 50
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 30/h"
for = "2h"
messages = "1..2"
handle = "exp 20m"
reply = "`+tt.reply+`"
`), sim.Options{Platforms: platforms.All, Trace: true})
		missed := 0
		for _, l := range res.Trace {
			if l.Kind == "closed" && l.Detail == "missed" {
				missed++
			}
		}
		c := res.Totals.Conversations
		switch {
		case c < 30:
			t.Fatalf("reply %s: only %d conversations", tt.reply, c)
		case tt.missed && (missed != c || res.Totals.Sent != 0):
			t.Errorf("reply %s: %d of %d missed, %d sent; want all missed, none sent", tt.reply, missed, c, res.Totals.Sent)
		case !tt.missed && missed > c/10:
			t.Errorf("reply %s: %d of %d missed; want almost none", tt.reply, missed, c)
		}
	}
}

// TestRunEndsAtTheLastRealEvent: timers of closed conversations, and missed
// timers of answered ones, do not stretch a run without a duration.
func TestRunEndsAtTheLastRealEvent(t *testing.T) {
	res := sim.Run(context.Background(), parse(t, `
start = "2026-03-02T09:00:00Z"
[tenant]
missed_after = "24h"
idle_after = "24h"
[[agents]]
id = "a"
[[customers]]
id = "u"
[[steps]]
at = "0s"
customer = "u"
says = "hi"
[[steps]]
at = "1m"
agent = "a"
to = "u"
says = "hello"
[[steps]]
at = "2m"
agent = "a"
close = true
to = "u"
`), sim.Options{Platforms: platforms.All})
	if want := time.Date(2026, 3, 2, 9, 2, 0, 0, time.UTC); !res.End.Equal(want) {
		t.Errorf("run ended at %v, want %v", res.End, want)
	}
}

// TestDriftAtTheInstantOfACheck: a drift check counts only the findings made
// before it ran; a finding at the same instant, made after, is not covered.
func TestDriftAtTheInstantOfACheck(t *testing.T) {
	res := sim.Run(context.Background(), parse(t, `
seed = 3
duration = "26m1.182s"
start = "2026-03-02T09:00:00Z"
[channels.whatsapp.router]
window = "1m"
[[agents]]
id = "a1"
capacity = 5
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 6/h"
for = "1h"
messages = "1"
handle = "10m"
reply = "2m"
[[expect]]
at = "26m1.182s"
drift = "any"
count = 0
`), sim.Options{Platforms: platforms.All})
	if len(res.Drift) == 0 || !res.Drift[len(res.Drift)-1].At.Equal(time.Date(2026, 3, 2, 9, 26, 1, 182e6, time.UTC)) {
		t.Fatalf("drift %+v: the scenario no longer makes a finding at the check's instant", res.Drift)
	}
	if res.Passed {
		t.Error("the run passed: a check that counted 0 findings excused one made after it")
	}
}

// TestEmptyTextIsNotDrift: WhatsApp answers code 100 to an empty text; the
// router has no rule about it, so it is the customer's last error, not drift.
func TestEmptyTextIsNotDrift(t *testing.T) {
	res := sim.Run(context.Background(), parse(t, `
[[agents]]
id = "a"
[[customers]]
id = "u"
[[steps]]
at = "0s"
customer = "u"
says = "hi"
[[steps]]
at = "1m"
agent = "a"
to = "u"
says = ""
[[expect]]
customer = "u"
last_error = "100"
`), sim.Options{Platforms: platforms.All})
	if !res.Passed || len(res.Drift) != 0 {
		t.Fatalf("passed %v, drift %+v, checks %v", res.Passed, res.Drift, res.Expectations)
	}
}

func TestTransportRoutesByHost(t *testing.T) {
	tr := sim.NewTransport()
	tr.Handle("a.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Path", r.URL.Path)
		w.WriteHeader(http.StatusTeapot)
		w.Write([]byte("brewed"))
	}))
	c := &http.Client{Transport: tr}
	resp, err := c.Post("http://a.test/pot?x=1", "text/plain", strings.NewReader("tea"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusTeapot || b.String() != "brewed" || resp.Header.Get("X-Path") != "/pot" {
		t.Errorf("got %d %q %q", resp.StatusCode, b.String(), resp.Header.Get("X-Path"))
	}
	if _, err := c.Get("http://nowhere.test/"); err == nil {
		t.Error("unknown host: no error")
	}
}

func TestQueueOrdersByTimeThenInsertion(t *testing.T) {
	var q sim.Queue
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var got []string
	q.At(t0.Add(2*time.Second), func() { got = append(got, "c") })
	q.At(t0.Add(time.Second), func() { got = append(got, "a") })
	q.At(t0.Add(time.Second), func() { got = append(got, "b") })
	for q.Len() > 0 {
		_, fn := q.Pop()
		fn()
	}
	if strings.Join(got, "") != "abc" {
		t.Errorf("order %v, want a b c", got)
	}
}

func TestStreamsAreIndependent(t *testing.T) {
	a1 := sim.Stream(7, "traffic").Uint64()
	b := sim.Stream(7, "router")
	b.Uint64()
	a2 := sim.Stream(7, "traffic").Uint64()
	if a1 != a2 {
		t.Error("the same stream gave different values")
	}
	if sim.Stream(7, "router").Uint64() == a1 || sim.Stream(8, "traffic").Uint64() == a1 {
		t.Error("different streams or seeds gave the same value")
	}
}

func TestJainAndSpread(t *testing.T) {
	// The OptaPlanner schedules of research/routing-engines.md: Jain gives D
	// and E the same score, max-min spread tells them apart.
	tests := []struct {
		loads  []float64
		jain   float64
		spread float64
	}{
		{[]float64{3, 3, 3, 3, 3}, 1.000, 0},
		{[]float64{4, 4, 3, 2, 2}, 0.918, 2},
		{[]float64{5, 3, 3, 2, 2}, 0.882, 3},
		{[]float64{5, 5, 2, 2, 1}, 0.763, 4},
		{[]float64{6, 3, 3, 2, 1}, 0.763, 5},
		{[]float64{6, 5, 2, 1, 1}, 0.672, 5},
		{[]float64{11, 1, 1, 1, 1}, 0.360, 10},
		{nil, 0, 0},
		{[]float64{0, 0}, 0, 0},
	}
	for _, tt := range tests {
		if j := sim.Jain(tt.loads); math.Abs(j-tt.jain) > 0.0005 {
			t.Errorf("Jain(%v) = %.4f, want %.3f", tt.loads, j, tt.jain)
		}
		if s := sim.Spread(tt.loads); s != tt.spread {
			t.Errorf("Spread(%v) = %v, want %v", tt.loads, s, tt.spread)
		}
	}
}

func TestPercentile(t *testing.T) {
	ds := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tt := range []struct {
		p    float64
		want time.Duration
	}{{50, 5}, {90, 9}, {99, 10}, {100, 10}, {0, 1}} {
		if got := sim.Percentile(ds, tt.p); got != tt.want {
			t.Errorf("p%v = %v, want %v", tt.p, got, tt.want)
		}
	}
	if sim.Percentile(nil, 50) != 0 {
		t.Error("percentile of nothing is not 0")
	}
}

// TestWeChatCountsTextInBytes: WeChat's 2048-character limit is in bytes,
// so a long Chinese text is refused by the router as the platform would
// refuse it (45002), without drift; the same count of ASCII goes through.
func TestWeChatCountsTextInBytes(t *testing.T) {
	src := `
[[agents]]
id = "li"
[[customers]]
id = "u"
channel = "wechat"
[[steps]]
customer = "u"
says = "你好"
[[steps]]
at = "1s"
agent = "li"
to = "u"
says = ["` + strings.Repeat("好", 700) + `", "` + strings.Repeat("a", 2048) + `"]
[[expect]]
at = "1s"
customer = "u"
last_refusal = "text_too_long"
last_error = "45002"
[[expect]]
customer = "u"
received = 1
[[expect]]
drift = "any"
count = 0
`
	res := sim.Run(context.Background(), parse(t, src), sim.Options{Platforms: platforms.All})
	if !res.Passed {
		for _, c := range res.Expectations {
			t.Log(c)
		}
		t.Fatalf("drift %+v, error %q", res.Drift, res.Error)
	}
}
