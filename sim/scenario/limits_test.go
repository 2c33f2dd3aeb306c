package scenario

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFileSizeLimit(t *testing.T) {
	src := []byte("name = \"x\"\n" + strings.Repeat("#", MaxFileSize))
	_, err := testFormat.Parse("big.toml", src)
	want := "big.toml:1:1: the file is 4,194,315 bytes; a scenario file may be at most 4,194,304 bytes (4 MiB)"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v, want %s", err, want)
	}
	if _, err := testFormat.Parse("ok.toml", src[:MaxFileSize]); err != nil {
		t.Errorf("a file of exactly MaxFileSize: %v", err)
	}
}

// Every time a run plays must lie within what the engine can represent;
// check refuses the rest with the time in the message.
func TestTimeBounds(t *testing.T) {
	steps := "[[agents]]\nid = \"a\"\n[[customers]]\nid = \"c\"\n"
	for _, tt := range []struct{ name, src, want string }{
		{"start far ahead", "start = 9999-01-01T00:00:00Z\n", "t.toml:1:9: start: 9999-01-01T00:00:00Z is outside the years omnisim can simulate, 1678-01-01 to 2261-12-31"},
		{"start long ago", "start = 1677-12-31T23:59:59Z\n", "start: 1677-12-31T23:59:59Z is outside"},
		{"start at the last instant", "start = 2262-01-01T00:00:00Z\n", "start: 2262-01-01T00:00:00Z is outside"},
		{"duration", "start = 2261-01-01T00:00:00Z\nduration = \"400d\"\n", "duration: the scenario would end at 2262-02-05T00:00:00Z"},
		{"step", "start = 2261-01-01T00:00:00Z\n" + steps + "[[steps]]\nat = \"400d\"\ncustomer = \"c\"\nsays = \"x\"\n", "steps[0].at: the step comes at 2262-02-05T00:00:00Z"},
		{"repeats", "start = 2261-01-01T00:00:00Z\n" + steps + "[[steps]]\ncustomer = \"c\"\nsays = [\"x\", \"y\"]\nrepeat = 300\nevery = \"1d\"\n", "steps[0]: its last message comes at 2262-08-23T00:00:00Z"},
		{"overflow", steps + "[[steps]]\ncustomer = \"c\"\nsays = \"x\"\nrepeat = 9000000\nevery = \"100000d\"\n", "steps[0]: its last message would come 100000d × 8,999,999 after at, past the longest span omnisim can represent"},
		{"expect", "start = 2261-01-01T00:00:00Z\n[[expect]]\nat = \"400d\"\nmetric = \"closed\"\nmax = 0\n", "expect[0].at: 2262-02-05T00:00:00Z is after 2261-12-31"},
		{"traffic", "start = 2261-01-01T00:00:00Z\n[[traffic]]\nchannel = \"whatsapp\"\narrivals = \"poisson 1/d\"\nfor = \"400d\"\nmessages = 1\nhandle = \"1m\"\n", "traffic[0]: arrivals go on until 2262-02-05T00:00:00Z"},
		{"idle timer", "start = 2261-12-31T00:00:00Z\n[tenant]\nmissed_after = \"2d\"\n", "tenant.missed_after: 2d after the last event (2261-12-31T00:00:00Z) is past 2261-12-31"},
		{"window", "start = 2261-12-01T00:00:00Z\n[channels.whatsapp.router]\nwindow = \"90d\"\n", "channels.whatsapp.router.window: 90d after the last event"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := testFormat.Parse("t.toml", []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v\nwant %q", err, tt.want)
			}
		})
	}
	// The edges are fine, and so is what duration cuts off.
	for _, src := range []string{
		"start = 1678-01-01T00:00:00Z\n",
		"start = 2261-12-31T23:59:59Z\n",
		"start = 2261-01-01T00:00:00Z\nduration = \"300d\"\n" + steps + "[[steps]]\nat = \"400d\"\ncustomer = \"c\"\nsays = \"x\"\n",
	} {
		if _, err := testFormat.Parse("t.toml", []byte(src)); err != nil {
			t.Errorf("%s: %v", src, err)
		}
	}
}

func TestDemandAndBudget(t *testing.T) {
	s, err := testFormat.Parse("b.toml", []byte(`
[[agents]]
id = "a"
[[customers]]
id = "c"
[[steps]]
customer = "c"
says = ["x", "y"]
repeat = 1000
[[steps]]
at = "1m"
agent = "a"
to = "c"
close = true
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 100/h"
for = "10h"
messages = "2..6"
handle = "1m"
`))
	if err != nil {
		t.Fatal(err)
	}
	d := testFormat.Demand(s)
	if d.Messages != 2000+1+6000 || d.MostMessages.Path != "traffic[0]" || d.MostMessages.Line != 15 {
		t.Errorf("demand = %+v, want 8001 messages, the most from traffic[0] at line 15", d)
	}
	if e := testFormat.Demand(s).CheckMessages(s, 8001); e != nil {
		t.Errorf("a budget of exactly the demand: %v", e)
	}
	if e := testFormat.Demand(s).CheckMessages(s, 0); e != nil {
		t.Errorf("budget 0 (no limit): %v", e)
	}
	e := testFormat.Demand(s).CheckMessages(s, 8000)
	want := "b.toml:15:1: this scenario asks for about 8,001 messages (traffic[0]: about 1,000 arrivals × up to 6 messages); the budget is 8,000"
	if e == nil || e.Error() != want {
		t.Errorf("CheckMessages(8000) = %v, want %s", e, want)
	}

	// The two files: 2,000,000,000 repeats, and 7 million
	// customers of 1000 messages.
	for _, tt := range []struct{ src, want string }{
		{"[[customers]]\nid = \"c\"\n[[steps]]\ncustomer = \"c\"\nsays = \"x\"\nrepeat = 2000000000\nevery = \"1ms\"\n",
			"about 2,000,000,000 messages (steps[0]: 1 × 2,000,000,000 repeats); the budget is 20,000,000"},
		{"[[traffic]]\nchannel = \"whatsapp\"\narrivals = \"poisson 7000000/d\"\nfor = \"1d\"\nmessages = \"1000\"\nhandle = \"1m\"\n",
			"about 7,000,000,000 messages (traffic[0]: about 7,000,000 arrivals × up to 1000 messages)"},
	} {
		s, err := testFormat.Parse("i.toml", []byte(tt.src))
		if err != nil {
			t.Fatal(err)
		}
		if e := testFormat.Demand(s).CheckMessages(s, DefaultMaxMessages); e == nil || !strings.Contains(e.Error(), tt.want) {
			t.Errorf("CheckMessages = %v, want %q", e, tt.want)
		}
	}
}

func TestWarnings(t *testing.T) {
	s, err := testFormat.Parse("w.toml", []byte(`duration = "1h"
[[customers]]
id = "c"
[[steps]]
at = "2h"
customer = "c"
says = "late"
[[steps]]
customer = "c"
says = "x"
repeat = 10
every = "10m"
[[steps]]
at = "1h"
customer = "c"
says = "just in time"
[[traffic]]
channel = "whatsapp"
start = "1h"
arrivals = "poisson 1/h"
for = "1h"
messages = 1
handle = "1m"
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range s.Warnings() {
		got = append(got, w.String())
	}
	want := []string{
		`w.toml:1: warning: the scenario has no [[expect]]: it passes whatever happens, unless the run meets unexpected policy drift or cannot complete`,
		`w.toml:4: warning: steps[0] at 2h comes after the end of the scenario (duration = "1h"): it is never played`,
		`w.toml:8: warning: steps[1]: 3 of its 10 messages come after the end of the scenario (duration = "1h"): they are never played`,
		`w.toml:17: warning: traffic[0] starts at 1h, at or after the end of the scenario (duration = "1h"): it generates nobody`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	s, err = testFormat.Parse("ok.toml", []byte("[[expect]]\nmetric = \"closed\"\nmax = 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if w := s.Warnings(); len(w) != 0 {
		t.Errorf("warnings %v", w)
	}
}

// Formats in rules are lower case whatever the file says, for the router
// and the platform alike.
func TestRuleFormatsLowerCase(t *testing.T) {
	s, err := testFormat.Parse("f.toml", []byte("[channels.whatsapp.rules.media.image]\nformats = [\"JPEG\", \" Png \"]\n[channels.whatsapp.router.media.video]\nformats = [\"MP4\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	ch := s.Channels["whatsapp"]
	if got := ch.Rules.Media["image"].Formats; !reflect.DeepEqual(got, []string{"jpeg", "png"}) {
		t.Errorf("rules formats = %q", got)
	}
	if got := ch.Router.Media["video"].Formats; !reflect.DeepEqual(got, []string{"mp4"}) {
		t.Errorf("router formats = %q", got)
	}
}

// A scenario built in Go without a start is not placed in time.
func TestBoundsSkipUnplacedGoScenario(t *testing.T) {
	if err := testFormat.Validate(&Scenario{Name: "go"}); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if err := testFormat.Validate(&Scenario{Name: "go", Start: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Error("a start in 3000 validates")
	}
}

// Every duration the router turns into a timer is bounded: a timer set at
// the last event must run out within the span, or the engine's deadline
// wraps past 2262 and fires before the start. Timers that follow one
// another count as one.
func TestTimerBounds(t *testing.T) {
	const edge = "start = 2261-12-31T00:00:00Z\n" // one day before EndTime
	two := "[[agents]]\nid = \"a\"\n[[agents]]\nid = \"b\"\n[[customers]]\nid = \"c\"\n[[steps]]\ncustomer = \"c\"\nsays = \"hi\"\n"
	for _, tt := range []struct {
		name, src string
		want      string // "" when the file is fine
	}{
		{"reassign_after, far", "[tenant]\nreassign_after = \"100000d\"\n" + two,
			"t.toml:2:18: tenant.reassign_after: more than 292 years after the last event (2026-01-05T09:00:00Z) is past 2261-12-31"},
		{"reassign_after, once per agent", edge + "[tenant]\nreassign_after = \"12h\"\n" + two,
			"tenant.reassign_after: 1d after the last event (2261-12-31T00:00:00Z) is past 2261-12-31, the last day omnisim can simulate (the timers follow one another: 2 × tenant.reassign_after"},
		{"reassign_after, just inside", edge + "[tenant]\nreassign_after = \"11h59m59s\"\n" + two, ""},
		{"overflow_after, far", "[tenant]\noverflow = \"default\"\noverflow_after = \"100000d\"\n" + two,
			"t.toml:3:18: tenant.overflow_after: 100000d after the last event (2026-01-05T09:00:00Z) is past 2261-12-31"},
		{"overflow_after", edge + "[tenant]\noverflow = \"default\"\noverflow_after = \"1d\"\n" + two,
			"tenant.overflow_after: 1d after the last event"},
		{"overflow_after, just inside", edge + "[tenant]\noverflow = \"default\"\noverflow_after = \"23h59m59s\"\n" + two, ""},
		{"overflow and reassign", edge + "[tenant]\noverflow = \"default\"\noverflow_after = \"4h\"\nreassign_after = \"6h\"\n" + two,
			"tenant.reassign_after: 1d after the last event"},
		{"overflow and reassign, just inside", edge + "[tenant]\noverflow = \"default\"\noverflow_after = \"4h\"\nreassign_after = \"5h59m59s\"\n" + two, ""},
		{"handoff_after, far", "[bot]\nhandoff_after = \"100000d\"\n" + two,
			"t.toml:2:17: bot.handoff_after: 100000d after the last event (2026-01-05T09:00:00Z) is past 2261-12-31"},
		{"handoff_after", edge + "[bot]\nhandoff_after = \"1d\"\n" + two, "bot.handoff_after: 1d after the last event"},
		{"handoff_after, just inside", edge + "[bot]\nhandoff_after = \"23h59m59s\"\n" + two, ""},
		{"handoff then missed", edge + "[bot]\nhandoff_after = \"12h\"\n[tenant]\nmissed_after = \"12h\"\n" + two,
			"tenant.missed_after: 1d after the last event"},
		{"handoff then missed, just inside", edge + "[bot]\nhandoff_after = \"12h\"\n[tenant]\nmissed_after = \"11h59m59s\"\n" + two, ""},
		{"handoff then reassign", edge + "[bot]\nhandoff_after = \"14h\"\n[tenant]\nreassign_after = \"5h\"\n" + two,
			"bot.handoff_after: 1d after the last event"},
		{"bot idle_after", edge + "[bot]\nkeywords = [\"human\"]\nidle_after = \"24h\"\n" + two, "bot.idle_after: 1d after the last event"},
		{"bot idle_after, just inside", edge + "[bot]\nkeywords = [\"human\"]\nidle_after = \"23h59m59s\"\n" + two, ""},
		{"tenant idle_after", edge + "[tenant]\nidle_after = \"24h\"\n" + two, "tenant.idle_after: 1d after the last event"},
		{"missed and close_missed", edge + "[tenant]\nmissed_after = \"8h\"\nclose_missed_after = \"16h\"\n" + two, "tenant.missed_after: 1d after the last event"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := testFormat.Parse("t.toml", []byte(tt.src))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("err = %v\nwant %q", err, tt.want)
			}
		})
	}
}

// refsFile is a scenario of n agents and n steps whose agents are unknown
// (bad) or known.
func refsFile(n int, bad bool) []byte {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "[[agents]]\nid = \"a%d\"\n", i)
	}
	b.WriteString("[[customers]]\nid = \"c\"\n")
	prefix := "a"
	if bad {
		prefix = "x"
	}
	for i := range n {
		fmt.Fprintf(&b, "[[steps]]\nagent = \"%s%d\"\nto = \"c\"\nsays = \"hi\"\n", prefix, i)
	}
	return []byte(b.String())
}

// Checking references takes work linear in the file: names are looked up
// in a set, and the "did you mean" hint, which compares a name with every
// known one, is written only for the errors reported. Counted in
// allocations, not time: each comparison allocates, so comparing every
// unknown name with every known one (n² comparisons) overruns the bound.
func TestReferencesLinear(t *testing.T) {
	const n = 3000
	bad := refsFile(n, true)
	_, err := testFormat.Parse("r.toml", bad)
	var l ErrorList
	if !errors.As(err, &l) || len(l) != maxErrors+1 {
		t.Fatalf("err = %v, want %d errors and a last line", err, maxErrors)
	}
	if want := `r.toml:6004:9: steps[0].agent: unknown agent "x0" (did you mean "a0"?)`; l[0].Error() != want {
		t.Errorf("first error = %s\nwant %s", l[0], want)
	}
	for _, tt := range []struct {
		name string
		src  []byte
	}{{"unknown", bad}, {"known", refsFile(n, false)}} {
		allocs := testing.AllocsPerRun(1, func() { testFormat.Parse("r.toml", tt.src) })
		if allocs > 500*n {
			t.Errorf("%s references: %.0f allocations for %d agents and steps, want at most %d", tt.name, allocs, n, 500*n)
		}
		t.Logf("%s: %.0f allocations", tt.name, allocs)
	}
}

// TestDemandMemory: the memory estimate counts each flow's customers kept
// at once (arrivals an hour × its mean handle time and its channel's keep,
// cut to the flow's span) at their mean messages, the message ids
// remembered for deduplication, each step's messages, and the run's own.
func TestDemandMemory(t *testing.T) {
	f := *testFormat
	f.Channels = slices.Clone(f.Channels)
	f.Channels[0].Keep = 25 * time.Hour // whatsapp; wechat keeps no Keep: 31 days
	const flow = "[[agents]]\nid = \"a\"\ncapacity = 1000\n[[traffic]]\nchannel = \"whatsapp\"\narrivals = \"poisson 100/h\"\nfor = \"10d\"\n"
	customers := func(kept, messages float64) float64 {
		return kept*(keptCustomerBytes+messages*keptMessageBytes) + 100*192*messages*keptIDBytes // ids for 8 days
	}
	for _, tt := range []struct {
		name, src string
		want      float64
		detail    string
	}{
		{"one message", flow + "messages = \"1\"\nhandle = \"1m\"\n",
			customers(100*(25+1.0/60), 1), "about 2,502 customers kept at once, for 1d1h1m each"},
		{"mean messages", flow + "messages = \"2..4\"\nhandle = \"1m\"\n",
			customers(100*(25+1.0/60), 3), "about 2,502 customers kept at once, for 1d1h1m each"},
		{"mean handle time", flow + "messages = \"1\"\nhandle = \"uniform 20m..100m\"\n",
			customers(100*26, 1), "about 2,600 customers kept at once, for 1d2h each"},
		{"cut at the duration", "duration = \"2h\"\n" + flow + "messages = \"1\"\nhandle = \"1m\"\n",
			200*(keptCustomerBytes+keptMessageBytes) + 200*keptIDBytes, "about 200 customers kept at once, for 1d1h1m each"},
		{"a longer window in the rules", "[channels.whatsapp.rules]\nwindow = \"30d\"\n" + flow + "messages = \"1\"\nhandle = \"1m\"\n",
			customers(100*240, 1), "about 24,000 customers kept at once, for 30d1h1m each"},
		{"a longer window in the router's", "[channels.whatsapp.router]\nwindow = \"2d\"\n" + flow + "messages = \"1\"\nhandle = \"1m\"\n",
			customers(100*(49+1.0/60), 1), "about 4,902 customers kept at once, for 2d1h1m each"},
		{"the longest channel keeps every flow", "[channels.wechat]\n" + flow + "messages = \"1\"\nhandle = \"1m\"\n",
			customers(100*240, 1), "about 24,000 customers kept at once, for 31d1m each"},
		{"the reply's mean when longer than the handle time", flow + "messages = \"1\"\nhandle = \"1m\"\nreply = \"const 3h\"\n",
			customers(100*28, 1), "about 2,800 customers kept at once, for 1d4h each"},
		{"more load than the agents' capacity: to the end", "[[agents]]\nid = \"a\"\ncapacity = 1\n" + flow[len("[[agents]]\nid = \"a\"\ncapacity = 1000\n"):] + "messages = \"1\"\nhandle = \"1m\"\n",
			customers(100*240, 1), "about 24,000 customers kept at once, to the end: more load than the agents' capacity"},
		{"nobody online", "[[agents]]\nid = \"a\"\nonline = false\ncapacity = 1000\n" + flow[len("[[agents]]\nid = \"a\"\ncapacity = 1000\n"):] + "messages = \"1\"\nhandle = \"1m\"\n",
			customers(100*240, 1), "about 24,000 customers kept at once, to the end: no agent online at the start"},
		{"nobody online, but customers give up", "[[agents]]\nid = \"a\"\nonline = false\n" + flow[len("[[agents]]\nid = \"a\"\ncapacity = 1000\n"):] + "messages = \"1\"\nhandle = \"1m\"\npatience = \"exp 2h\"\n",
			customers(100*(27+1.0/60), 1), "about 2,702 customers kept at once, for 1d3h1m each"},
		{"nobody online, but missed chats close", "[tenant]\nmissed_after = \"1h\"\nclose_missed_after = \"3h\"\n[[agents]]\nid = \"a\"\nonline = false\n" + flow[len("[[agents]]\nid = \"a\"\ncapacity = 1000\n"):] + "messages = \"1\"\nhandle = \"1m\"\n",
			customers(100*(29+1.0/60), 1), "about 2,902 customers kept at once, for 1d5h1m each"},
		{"manual assignment", "[channels.whatsapp.router]\nmanual_assignment = true\n" + flow + "messages = \"1\"\nhandle = \"1m\"\n",
			customers(100*240, 1), "about 24,000 customers kept at once, to the end: waiting for an agent to take them"},
		{"a step's messages", "[[agents]]\nid = \"a\"\n[[customers]]\nid = \"c\"\n[[steps]]\ncustomer = \"c\"\nsays = \"x\"\nrepeat = 1000\nevery = \"1h\"\n",
			193*stepMessageBytes + 1000*stepHistoryBytes, "1,000 messages of one customer"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := f.Parse("m.toml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			d := f.Demand(s)
			if got := d.Memory - RunMemory; math.Abs(got-tt.want) > 1e-6*tt.want {
				t.Errorf("memory = run + %.0f, want run + %.0f", got, tt.want)
			}
			if d.MostMemory.Detail != tt.detail {
				t.Errorf("detail = %q, want %q", d.MostMemory.Detail, tt.detail)
			}
		})
	}
}

// TestCheckMemory: the memory budget's error names the part of the file
// keeping the most, with the estimate and the budget; 0 is no limit.
func TestCheckMemory(t *testing.T) {
	s, err := testFormat.Parse("c.toml", []byte(`[[agents]]
id = "a"
capacity = 1000
[[customers]]
id = "c"
[[steps]]
customer = "c"
says = "x"
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 1000000/d"
for = "1d"
messages = "1"
handle = "1m"
`))
	if err != nil {
		t.Fatal(err)
	}
	d := testFormat.Demand(s)
	if e := testFormat.Demand(s).CheckMemory(s, int64(d.Memory)+1); e != nil {
		t.Errorf("a budget above the estimate: %v", e)
	}
	if e := testFormat.Demand(s).CheckMemory(s, 0); e != nil {
		t.Errorf("budget 0 (no limit): %v", e)
	}
	want := "c.toml:9:1: a run of this scenario would keep about 3.55 GiB at once (traffic[0]: about 1,000,000 customers kept at once, for 31d1m each); the memory budget is 1 GiB"
	if e := testFormat.Demand(s).CheckMemory(s, 1<<30); e == nil || e.Error() != want {
		t.Errorf("CheckMemory(1 GiB) = %v\nwant %s", e, want)
	}
}

func TestFormatBytes(t *testing.T) {
	for _, tt := range []struct {
		in   float64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1 KiB"}, {1536, "1.5 KiB"}, {100 << 20, "100 MiB"},
		{1023.5 * (1 << 20), "1 GiB"}, {1048575, "1 MiB"}, {99.96 * (1 << 20), "100 MiB"}, {4 << 30, "4 GiB"}, {3.561 * (1 << 30), "3.56 GiB"}, {1 << 62, "4 EiB"}, {1e30, "867361737988 EiB"},
	} {
		if got := formatBytes(tt.in); got != tt.want {
			t.Errorf("formatBytes(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCheckMemoryWording: what the memory budget's error and the parts'
// details say at the edges: a file asking for nothing but the run's own,
// a step of one message, an agent's step, a count past int64.
func TestCheckMemoryWording(t *testing.T) {
	for _, tt := range []struct{ name, src, detail, err string }{
		{"nothing but the run", "name = \"e\"\n", "",
			"e.toml: a run of this scenario would keep about 64 MiB at once (most of it the run's own 64 MiB); the memory budget is 1 MiB"},
		{"one message", "[[agents]]\nid = \"a\"\n[[customers]]\nid = \"c\"\n[[steps]]\ncustomer = \"c\"\nsays = \"x\"\n", "1 message of one customer", ""},
		{"an agent's", "[[agents]]\nid = \"a\"\n[[customers]]\nid = \"c\"\n[[steps]]\nagent = \"a\"\nto = \"c\"\nsays = [\"x\", \"y\"]\n", "2 messages to one customer", ""},
		{"many small parts", "[[agents]]\nid = \"a\"\ncapacity = 1000\n[[traffic]]\nchannel = \"whatsapp\"\narrivals = \"poisson 8/h\"\nfor = \"60d\"\nmessages = \"1\"\nhandle = \"1m\"\n[[traffic]]\nchannel = \"whatsapp\"\narrivals = \"poisson 8/h\"\nfor = \"60d\"\nmessages = \"1\"\nhandle = \"1m\"\n[[traffic]]\nchannel = \"whatsapp\"\narrivals = \"poisson 8/h\"\nfor = \"60d\"\nmessages = \"1\"\nhandle = \"1m\"\n[[traffic]]\nchannel = \"whatsapp\"\narrivals = \"poisson 8/h\"\nfor = \"60d\"\nmessages = \"1\"\nhandle = \"1m\"\n[[traffic]]\nchannel = \"whatsapp\"\narrivals = \"poisson 8/h\"\nfor = \"60d\"\nmessages = \"1\"\nhandle = \"1m\"\n", "about 5,952 customers kept at once, for 31d1m each",
			"e.toml:4:1: a run of this scenario would keep about 167 MiB at once (traffic[0]: about 5,952 customers kept at once, for 31d1m each); the memory budget is 1 MiB"},
		{"past int64", "[[agents]]\nid = \"a\"\n[[customers]]\nid = \"c\"\n[[steps]]\ncustomer = \"c\"\nsays = [\"a\", \"b\"]\nrepeat = 9223372036854775807\n",
			"1.84e+19 messages of one customer", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := testFormat.Parse("e.toml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if d := testFormat.Demand(s); d.MostMemory.Detail != tt.detail {
				t.Errorf("detail %q, want %q", d.MostMemory.Detail, tt.detail)
			}
			if tt.err != "" {
				if e := testFormat.Demand(s).CheckMemory(s, 1<<20); e == nil || e.Error() != tt.err {
					t.Errorf("CheckMemory = %v\nwant %s", e, tt.err)
				}
			}
		})
	}
}

// TestDemandRemembers: what a platform keeps of every customer it forgot
// (ChannelSpec.Remembers) is counted for every arrival of the flow.
func TestDemandRemembers(t *testing.T) {
	src := []byte("[[agents]]\nid = \"a\"\ncapacity = 1000\n[[traffic]]\nchannel = \"whatsapp\"\narrivals = \"poisson 100/h\"\nfor = \"10d\"\nmessages = \"1\"\nhandle = \"1m\"\n")
	f := *testFormat
	f.Channels = slices.Clone(f.Channels)
	s, err := f.Parse("r.toml", src)
	if err != nil {
		t.Fatal(err)
	}
	without := f.Demand(s).Memory
	f.Channels[0].Remembers = 40
	if got := f.Demand(s).Memory - without; math.Abs(got-100*240*40) > 1e-3 {
		t.Errorf("remembering 40 bytes of 24,000 arrivals adds %.0f bytes, want 960000", got)
	}
}

// TestDemandMessageCenter: an inbox view or a history reads every
// conversation the message center holds, closed ones for its retention,
// so the estimate counts them for it; a center used otherwise holds the
// kept customers' conversations.
func TestDemandMessageCenter(t *testing.T) {
	const flow = "[[agents]]\nid = \"a\"\ncapacity = 1000\n[[traffic]]\nchannel = \"whatsapp\"\narrivals = \"poisson 100/h\"\nfor = \"60d\"\nmessages = \"1\"\nhandle = \"1m\"\n"
	demand := func(src string) float64 {
		s, err := testFormat.Parse("i.toml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return testFormat.Demand(s).Memory
	}
	without := demand(flow)
	// Kept 31 days and a minute, and 30 days in the center after that: the
	// flow's 60 days.
	want := 100 * 60 * 24 * float64(centerBytes)
	for _, ex := range []string{"[[expect]]\ninbox = \"all\"\nlisted = 0\n", "[[expect]]\nhistory = \"a\"\nlisted = 0\n"} {
		if got := demand(flow+ex) - without; math.Abs(got-want) > 1e-3*want {
			t.Errorf("%q adds %.0f bytes, want %.0f", ex, got, want)
		}
	}
	// Without them, the center holds the conversations of the customers
	// kept: 100 an hour for 31 days and a minute.
	want = 100 * (31*24 + 1.0/60) * float64(centerBytes)
	if got := demand(flow+"[service]\nmax_waiting = 10\n") - without; math.Abs(got-want) > 1e-3*want {
		t.Errorf("[service] adds %.0f bytes, want %.0f", got, want)
	}
}

// TestUsesCenter: each thing that reaches the message center alone makes a
// scenario use it (a run builds one for it, and the memory estimate counts
// it); a scenario without any does not.
func TestUsesCenter(t *testing.T) {
	yes, one := true, 1
	steps := func(st Step) []Step { return []Step{st} }
	expect := func(ex Expect) []Expect { return []Expect{ex} }
	for _, tt := range []struct {
		name string
		s    Scenario
	}{
		{"a quick reply", Scenario{QuickReplies: []QuickReply{{}}}},
		{"an auto-reply", Scenario{AutoReplies: []AutoReply{{}}}},
		{"a service standard", Scenario{Service: &Service{}}},
		{"a star step", Scenario{Steps: steps(Step{Star: &yes})}},
		{"an archive step", Scenario{Steps: steps(Step{Archive: &yes})}},
		{"a tag step", Scenario{Steps: steps(Step{Tag: "vip"})}},
		{"a read step", Scenario{Steps: steps(Step{Read: &yes})}},
		{"a quick reply step", Scenario{Steps: steps(Step{QuickReply: "hi"})}},
		{"a rate step", Scenario{Steps: steps(Step{Rate: &one})}},
		{"an inbox expectation", Scenario{Expect: expect(Expect{Inbox: "all"})}},
		{"a history expectation", Scenario{Expect: expect(Expect{History: "a"})}},
		{"starred", Scenario{Expect: expect(Expect{Starred: &yes})}},
		{"archived", Scenario{Expect: expect(Expect{Archived: &yes})}},
		{"unread", Scenario{Expect: expect(Expect{Unread: &one})}},
		{"tags", Scenario{Expect: expect(Expect{Tags: []string{}})}},
		{"tag colours", Scenario{Expect: expect(Expect{TagColours: map[string]string{}})}},
		{"phones", Scenario{Expect: expect(Expect{Phones: []string{}})}},
		{"from an ad", Scenario{Expect: expect(Expect{FromAd: &yes})}},
		{"a rating", Scenario{Expect: expect(Expect{Rating: &one})}},
	} {
		if !tt.s.UsesCenter() {
			t.Errorf("%s: the scenario does not use the message center", tt.name)
		}
	}
	plain := Scenario{Steps: steps(Step{Customer: "c", Says: Strings{"hi"}}), Expect: expect(Expect{Customer: "c"})}
	if plain.UsesCenter() {
		t.Error("a scenario without any: uses the message center")
	}
}

// TestDemandWork holds the work a scenario asks for besides its messages,
// counted as messages: webhook tries under a channel's faults, the
// agents' shift changes, and the expectations that look through every
// conversation of the message center.
func TestDemandWork(t *testing.T) {
	f := *testFormat
	f.Channels = slices.Clone(f.Channels)
	f.Channels[0].Tries = func(any) Tries { return Tries{Retries: 3} } // whatsapp
	const flow = "[[agents]]\nid = \"a\"\ncapacity = 1000\n[[traffic]]\nchannel = \"whatsapp\"\narrivals = \"poisson 100/h\"\nfor = \"10h\"\nmessages = \"1\"\nhandle = \"1m\"\n"
	const office = "duration = \"14d\"\n[schedules.office]\nmon = [\"09:00-12:00\", \"13:00-18:00\"]\ntue = [\"09:00-18:00\"]\n"
	var many strings.Builder
	for h := range 24 {
		fmt.Fprintf(&many, "%q, %q, ", fmt.Sprintf("%02d:00-%02d:10", h, h), fmt.Sprintf("%02d:20-%02d:30", h, h))
	}
	for _, tt := range []struct {
		name, src string
		messages  float64
		part      string
		detail    string
	}{
		{"no faults: one try", flow, 1000, "traffic[0]", "about 1,000 arrivals × up to 1 messages"},
		{"nearly every try fails", flow + "[channels.whatsapp.faults]\nerrors = 0.99\n", 1000 * (1 - math.Pow(0.99, 4)) / 0.01, "traffic[0]",
			"about 1,000 arrivals × up to 1 messages × about 3.94 webhook tries each"},
		{"half of them fail", flow + "[channels.whatsapp.faults]\nerrors = 0.25\ntimeouts = 0.25\n", 1875, "traffic[0]",
			"× about 1.88 webhook tries each"},
		{"a scripted customer's messages", "[[customers]]\nid = \"c\"\n[[steps]]\ncustomer = \"c\"\nsays = \"x\"\nrepeat = 10\n[channels.whatsapp.faults]\nerrors = 0.5\n",
			10 * 1.875, "steps[0]", "1 × 10 repeats × about 1.88 webhook tries each"},
		{"an agent's messages", "[[customers]]\nid = \"c\"\n[[agents]]\nid = \"a\"\n[[steps]]\nagent = \"a\"\nto = \"c\"\nsays = \"x\"\nrepeat = 10\n[channels.whatsapp.faults]\nerrors = 0.5\n",
			10, "steps[0]", "1 × 10 repeats"},
		// 6 changes a week, for 3 weeks (two and the one begun), two agents.
		{"shift changes", office + "[[agents]]\nid = \"a\"\nschedule = \"office\"\n[[agents]]\nid = \"b\"\nschedule = \"office\"\n", 36 * (1 + 2.0/16), "agents[0]",
			`schedule "office": about 36 shift changes, 6 a week for 3 weeks × 2 agents, each reading through up to 4 intervals`},
		{"a schedule of many intervals", "duration = \"7d\"\n[schedules.busy]\nmon = [" + strings.TrimSuffix(many.String(), ", ") + "]\n[[agents]]\nid = \"a\"\nschedule = \"busy\"\n",
			192 * (1 + 48.0/16), "agents[0]", `about 192 shift changes, 96 a week for 2 weeks × 1 agent, each reading through up to 96 intervals`},
		{"inbox expectations", flow + "[[expect]]\ninbox = \"all\"\nlisted = 0\n[[expect]]\nhistory = \"a\"\nlisted = 0\n[[expect]]\nmetric = \"conversations\"\nmin = 0\n",
			1000 + 2*1000.0/16, "traffic[0]", "about 1,000 arrivals"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := f.Parse("w.toml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			d := f.Demand(s)
			if math.Abs(d.Messages-tt.messages) > 1e-6*tt.messages || d.MostMessages.Path != tt.part || !strings.Contains(d.MostMessages.Detail, tt.detail) {
				t.Errorf("demand %v messages, the most from %s: %s; want %v from %s: ...%s...", d.Messages, d.MostMessages.Path, d.MostMessages.Detail, tt.messages, tt.part, tt.detail)
			}
		})
	}

	// The expectations are one part, named by the first, once they ask
	// for the most.
	var src strings.Builder
	src.WriteString(flow)
	for range 40 {
		src.WriteString("[[expect]]\ninbox = \"all\"\nsearch = \"zzz\"\nlisted = 0\n")
	}
	s, err := f.Parse("e.toml", []byte(src.String()))
	if err != nil {
		t.Fatal(err)
	}
	e := f.Demand(s).CheckMessages(s, 3000)
	want := "e.toml:10:1: this scenario asks for about 3,500 messages (expect[0]: 40 inbox and history expectations, each looking through up to 1,000 conversations); the budget is 3,000"
	if e == nil || e.Error() != want {
		t.Errorf("CheckMessages = %v, want %s", e, want)
	}
}

// TestTriesExpected holds the expected tries of a webhook to the
// schedule: the first, and a retry after each failure while retries last,
// for the webhook and each repeat.
func TestTriesExpected(t *testing.T) {
	for _, tt := range []struct {
		tries Tries
		p     float64
		want  float64
	}{
		{Tries{}, 0, 1},
		{Tries{}, 1, 1},
		{Tries{Retries: 3}, 0, 1},
		{Tries{Retries: 3}, 1, 4},
		{Tries{Retries: 3}, 2, 4}, // clamped
		{Tries{Retries: 3}, -1, 1},
		{Tries{Retries: 2}, 0.5, 1.75},
		{Tries{Retries: 2, Repeats: 2}, 0.5, 3 * 1.75},
		{Tries{Retries: 1 << 40}, 0.5, 2},
		{Tries{Retries: 3, Lost: 2}, 0, 3},     // two lost, the third answered
		{Tries{Retries: 3, Lost: 2}, 0.5, 3.5}, // two lost, then 1 + 0.5
		{Tries{Retries: 3, Lost: 9}, 0, 4},     // every try lost
		{Tries{Retries: 3, Lost: 4, Repeats: 1}, 0.5, 8},
	} {
		if got := tt.tries.Expected(tt.p); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%+v.Expected(%v) = %v, want %v", tt.tries, tt.p, got, tt.want)
		}
	}
}
