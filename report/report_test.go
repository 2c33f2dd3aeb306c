package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/omnisim/omnisim/sim/result"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

var (
	cst   = time.FixedZone("CST", 8*60*60)
	start = time.Date(2026, 3, 2, 9, 0, 0, 0, cst)
)

func at(d time.Duration) time.Time { return start.Add(d) }

// passing is a run where everything held.
func passing() result.Result {
	return result.Result{
		Name:        "WhatsApp: 24-hour customer service window",
		File:        "scenarios/whatsapp_window.toml",
		Description: "Replies inside the window are delivered.",
		Seed:        7,
		Start:       start,
		End:         at(30 * 24 * time.Hour),
		Passed:      true,
		Expectations: []result.Check{
			{Line: 31, At: at(2 * time.Minute), Subject: "customer u1", Field: "received", Expected: "2", Actual: "2", Passed: true, Conversation: "wa-1"},
			{Line: 38, At: at(30 * 24 * time.Hour), Subject: "metric fairness.jain", Field: "min", Expected: ">= 0.95", Actual: "0.987", Passed: true},
		},
		Totals: result.Totals{Conversations: 3, Closed: 2, Waiting: 1, Inbound: 12, Sent: 10, Delivered: 10, Webhooks: 22},
		Metrics: result.Metrics{
			Jain: 0.98712, Spread: 0.12,
			WaitP50: 90 * time.Second, WaitP90: 5 * time.Minute, WaitP99: 12*time.Minute + 250*time.Millisecond, WaitMax: 15 * time.Minute,
			Assigned: 3,
		},
		Agents: []result.Agent{
			{ID: "ana", Capacity: 3, Assignments: 2, PeakActive: 2, OnlineTime: 8 * time.Hour, PerCapacityHour: 0.0833, Utilization: 0.41},
			{ID: "li", Capacity: 2, Assignments: 1, PeakActive: 1, OnlineTime: 4*time.Hour + 30*time.Minute, PerCapacityHour: 0.111, Utilization: 0.2},
		},
		Trace: []result.Line{
			{At: at(0), Kind: "inbound", Conversation: "wa-1", Customer: "u1", Detail: "hello"},
			{At: at(0), Kind: "assigned", Conversation: "wa-1", Customer: "u1", Agent: "ana", Group: "default"},
			{At: at(time.Minute + 5*time.Second), Kind: "sent", Conversation: "wa-1", Agent: "ana", Detail: "Hi, how can I help?"},
		},
	}
}

// failing is a run with a failed customer expectation and its timeline.
func failing() result.Result {
	return result.Result{
		Name:   "WeChat: 5 replies per customer message, then the 48-hour window",
		File:   "scenarios/wechat_replies.toml",
		Seed:   42,
		Start:  start,
		End:    at(49*time.Hour + 2*time.Minute + 3*time.Second),
		Passed: false,
		Expectations: []result.Check{
			{Line: 12, At: at(2 * time.Minute), Subject: "customer u1", Field: "received", Expected: "5", Actual: "6", Passed: false, Conversation: "wc-1",
				Timeline: []result.Line{
					{At: at(0), Kind: "inbound", Conversation: "wc-1", Customer: "u1", Detail: "Is the shop open today?"},
					{At: at(0), Kind: "assigned", Conversation: "wc-1", Customer: "u1", Agent: "li", Group: "hangzhou"},
					{At: at(time.Minute), Kind: "sent", Conversation: "wc-1", Agent: "li", Detail: "1"},
					{At: at(time.Minute + 1500*time.Millisecond), Kind: "refused", Conversation: "wc-1", Agent: "li", Detail: "reply_limit <\"6\"> & more\nsecond line"},
				}},
			{Line: 18, At: at(2 * time.Minute), Subject: "customer u1", Field: "last_error", Expected: "45047", Actual: "", Passed: false, Conversation: "wc-1"},
			{Line: 25, At: at(49*time.Hour + 2*time.Minute + 3*time.Second), Subject: "agent li", Field: "state", Expected: "online", Actual: "online", Passed: true},
		},
		Drift:   []result.Drift{},
		Totals:  result.Totals{Conversations: 1, Closed: 1, Inbound: 1, Sent: 6, Delivered: 6, Webhooks: 1},
		Metrics: result.Metrics{Jain: 1, WaitP50: 0, WaitP90: 0, WaitP99: 0, WaitMax: 0, Assigned: 1},
		Agents:  []result.Agent{{ID: "li", Capacity: 3, Assignments: 1, PeakActive: 1, OnlineTime: 49 * time.Hour, PerCapacityHour: 0.0068, Utilization: 0.5}},
	}
}

// drifting is a run where the router and the platform disagreed.
func drifting() result.Result {
	return result.Result{
		Name:   "LINE: reply token expiry drift",
		File:   "scenarios/line_drift.toml",
		Seed:   3,
		Start:  start,
		End:    at(2 * time.Hour),
		Passed: false,
		Expectations: []result.Check{
			{Line: 40, At: at(2 * time.Hour), Subject: "drift any", Field: "count", Expected: "1", Actual: "1", Passed: true},
		},
		Drift: []result.Drift{
			{At: at(time.Hour + 2*time.Minute + 3*time.Second), Kind: result.DriftSentRefused, Channel: "line", Customer: "u7", Agent: "mei", Router: "sent", Platform: "400 Invalid reply token", Expected: true},
			{At: at(time.Hour + 30*time.Minute), Kind: result.DriftRefusedAccepted, Channel: "line", Customer: "u8", Agent: "mei", Router: "window_closed", Platform: "accepted", Expected: false},
		},
		Totals:  result.Totals{Conversations: 2, Inbound: 2, Sent: 1, Delivered: 1, Refused: 1, Failed: 1, Webhooks: 3, Rejected: 1, Duplicates: 1},
		Metrics: result.Metrics{Jain: 1, WaitP50: time.Second, WaitP90: time.Second, WaitP99: time.Second, WaitMax: time.Second, Assigned: 2},
		Agents:  []result.Agent{{ID: "mei", Capacity: 5, Assignments: 2, PeakActive: 2, OnlineTime: 2 * time.Hour, PerCapacityHour: 0.2, Utilization: 0.15}},
	}
}

// broken is a run that could not complete.
func broken() result.Result {
	return result.Result{
		Name:  "Douyin: bad webhook secret",
		File:  "scenarios/douyin_secret.toml",
		Seed:  1,
		Error: "router: webhook setup for douyin: verify challenge: status 403\nthe app secret does not match the fake's",
	}
}

// crowded is a passing run with 200 agents.
func crowded() result.Result {
	r := result.Result{
		Name:   "Load: 200 agents, least-loaded",
		File:   "scenarios/load_200.toml",
		Seed:   99,
		Start:  start,
		End:    at(8 * time.Hour),
		Passed: true,
		Expectations: []result.Check{
			{Line: 9, At: at(8 * time.Hour), Subject: "metric fairness.jain", Field: "min", Expected: ">= 0.9", Actual: "0.993", Passed: true},
		},
		Totals:  result.Totals{Conversations: 1600, Closed: 1600, Inbound: 5000, Sent: 5000, Delivered: 5000, Webhooks: 10000},
		Metrics: result.Metrics{Jain: 0.9931, Spread: 0.25, WaitP50: 0, WaitP90: 2 * time.Second, WaitP99: 30 * time.Second, WaitMax: time.Minute, Assigned: 1600},
	}
	for i := range 200 {
		n := 5 + i%7
		r.Agents = append(r.Agents, result.Agent{
			ID: fmt.Sprintf("agent-%03d", i), Capacity: 2, Assignments: n, PeakActive: 2,
			OnlineTime: 8 * time.Hour, PerCapacityHour: float64(n) / 16, Utilization: 0.5,
		})
	}
	return r
}

func all() []result.Result {
	return []result.Result{passing(), failing(), drifting(), broken(), crowded()}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report/ -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run go test ./report/ -update to accept it)\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name    string
		format  Format
		results []result.Result
		opt     Options
	}{
		{"text", Text, all(), Options{Version: "v0.1.0"}},
		{"text_verbose", Text, []result.Result{passing(), crowded()}, Options{Version: "v0.1.0", Verbose: true}},
		{"text_empty", Text, nil, Options{}},
		{"json", JSON, all(), Options{Version: "v0.1.0"}},
		{"json_empty", JSON, nil, Options{Version: "v0.1.0"}},
		{"junit", JUnit, append(withWalls(all()), skipped()), Options{Version: "v0.1.0"}},
		{"junit_verbose", JUnit, withWalls([]result.Result{passing()}), Options{Version: "v0.1.0", Verbose: true}},
		{"text_skipped", Text, []result.Result{passing(), skipped()}, Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tt.format, tt.results, tt.opt); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, buf.Bytes())

			// Equal inputs give byte-identical output.
			var again bytes.Buffer
			if err := Write(&again, tt.format, tt.results, tt.opt); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Error("two writes of the same results differ")
			}
		})
	}
}

func TestTextSummaryLine(t *testing.T) {
	tests := []struct {
		results []result.Result
		want    string
	}{
		{nil, "0 scenarios, 0 passed, 0 failed"},
		{[]result.Result{passing()}, "1 scenarios, 1 passed, 0 failed"},
		{all(), "5 scenarios, 2 passed, 3 failed"},
		// An error fails a run even when Passed is set.
		{[]result.Result{func() result.Result { r := broken(); r.Passed = true; return r }()}, "1 scenarios, 0 passed, 1 failed"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := WriteText(&buf, tt.results, Options{}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		if got := lines[len(lines)-1]; got != tt.want {
			t.Errorf("last line = %q, want %q", got, tt.want)
		}
	}
}

func TestTextContent(t *testing.T) {
	tests := []struct {
		name    string
		result  result.Result
		opt     Options
		want    []string
		notWant []string
	}{
		{"passing", passing(), Options{},
			[]string{"PASS  WhatsApp", "virtual  2026-03-02T09:00:00+08:00 → 2026-04-01T09:00:00+08:00 (30d)",
				"jain 0.987, spread 0.120", "p50 1m30s", "p99 12m,",
				"ok    line 31  +2m00s         customer u1 received: 2 (expected 2)", "ok    line 38  +30d00h00m00s"},
			[]string{"trace", "FAIL"}},
		{"passing verbose", passing(), Options{Verbose: true},
			[]string{"  trace\n", "+1m05s  sent      conversation wa-1  agent ana  Hi, how can I help?"}, nil},
		{"failing", failing(), Options{},
			[]string{"FAIL  WeChat", "why      2 of 3 expectations failed",
				"FAIL  line 12  +2m00s        customer u1 received\n            expected: 5\n            actual:   6\n            timeline of conversation wc-1:\n              +0s",
				"+1m02s  refused   agent li  \"reply_limit <\\\"6\\\"> & more\\nsecond line\"",
				"actual:   \"\""},
			nil},
		{"drift", drifting(), Options{},
			[]string{"why      1 unexpected policy drift finding",
				"ok    +1h02m03s  sent_refused      channel line, customer u7, agent mei: router sent, platform 400 Invalid reply token (expected)",
				"FAIL  +1h30m00s  refused_accepted  channel line, customer u8, agent mei: router window_closed, platform accepted (unexpected)"},
			nil},
		{"error", broken(), Options{},
			[]string{"FAIL  Douyin", "why      the run did not complete", "virtual  not started",
				"error    router: webhook setup for douyin: verify challenge: status 403\n           the app secret"},
			nil},
		{"200 agents", crowded(), Options{},
			[]string{"agents   200 agents, assignments min 5, median 8, max 11"},
			[]string{"agent-000"}},
		{"200 agents verbose", crowded(), Options{Verbose: true},
			[]string{"agent-000", "agent-199"},
			[]string{"200 agents, assignments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteText(&buf, []result.Result{tt.result}, tt.opt); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("output has %q\n%s", w, out)
				}
			}
		})
	}
}

func TestJSONDecodes(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, all(), Options{Version: "v1.2.3"}); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(buf.Bytes(), []byte("}\n")) {
		t.Error("JSON report does not end in a newline")
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("{\n  \"schema\": \"omnisim.report/v1\",\n")) {
		t.Errorf("JSON report does not start with the schema, 2-space indented:\n%.80s", buf.Bytes())
	}

	var got struct {
		Schema    string
		Version   string
		Passed    bool
		Summary   map[string]int
		Scenarios []map[string]any
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Schema != Schema || got.Version != "v1.2.3" || got.Passed {
		t.Errorf("schema, version, passed = %q, %q, %v", got.Schema, got.Version, got.Passed)
	}
	want := map[string]int{"scenarios": 5, "passed": 2, "failed": 3}
	if fmt.Sprint(got.Summary) != fmt.Sprint(want) {
		t.Errorf("summary = %v, want %v", got.Summary, want)
	}
	if len(got.Scenarios) != 5 {
		t.Fatalf("%d scenarios, want 5", len(got.Scenarios))
	}
	for i, s := range got.Scenarios {
		for _, k := range []string{"expectations", "drift", "agents"} {
			if _, ok := s[k].([]any); !ok {
				t.Errorf("scenario %d: %s is %#v, want an array", i, k, s[k])
			}
		}
	}
	m := got.Scenarios[0]["metrics"].(map[string]any)
	if m["wait_p50_ns"] != float64(90*time.Second) {
		t.Errorf("wait_p50_ns = %v, want %d", m["wait_p50_ns"], 90*time.Second)
	}
	if got.Scenarios[0]["start"] != "2026-03-02T09:00:00+08:00" {
		t.Errorf("start = %v", got.Scenarios[0]["start"])
	}

	// Decoding into the report's own types and encoding again is lossless.
	var rep jsonReport
	if err := json.Unmarshal(buf.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := WriteJSON(&again, rep.Scenarios, Options{Version: rep.Version}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("decoding and re-encoding the JSON report changed it")
	}

	// Every result passing makes the report pass.
	buf.Reset()
	if err := WriteJSON(&buf, []result.Result{passing(), crowded()}, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(buf.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Passed || rep.Summary != (summary{Scenarios: 2, Passed: 2}) {
		t.Errorf("passed, summary = %v, %+v", rep.Passed, rep.Summary)
	}
}

func TestJSONNonFinite(t *testing.T) {
	for _, tt := range []struct {
		name   string
		mutate func(*result.Result)
		want   string
	}{
		{"jain", func(r *result.Result) { r.Metrics.Jain = math.NaN() }, "fairness_jain is NaN"},
		{"spread", func(r *result.Result) { r.Metrics.Spread = math.Inf(1) }, "fairness_spread is +Inf"},
		{"agent", func(r *result.Result) { r.Agents[1].Utilization = math.NaN() }, `agent "li": utilization is NaN`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := passing()
			tt.mutate(&r)
			var buf bytes.Buffer
			err := WriteJSON(&buf, []result.Result{r}, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "whatsapp_window.toml") {
				t.Errorf("err = %v, want it to name the file and %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes despite the error", buf.Len())
			}
		})
	}
}

// parsedJUnit mirrors the JUnit XML for the tests, independent of the
// writer's types.
type parsedJUnit struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     string   `xml:"time,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Time     string `xml:"time,attr"`
		Props    []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Props     []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
			Failures []struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// withWalls gives results wall times, as the CLI records them.
func withWalls(rs []result.Result) []result.Result {
	for i := range rs {
		rs[i].Wall = time.Duration(i+1)*1250*time.Millisecond + 7*time.Microsecond
	}
	return rs
}

// skipped is a scenario an interrupted run never started.
func skipped() result.Result {
	return result.Result{Name: "Load: a month", File: "scenarios/load/month.toml", Seed: 30, Skipped: "interrupted"}
}

func TestJUnitParses(t *testing.T) {
	var buf bytes.Buffer
	rs := withWalls(all())
	// A second seed of the first scenario's file joins its suite.
	again := passing()
	again.Name += " (seed 8)"
	again.Seed = 8
	again.Wall = 500 * time.Millisecond
	rs = append(rs, again, skipped())
	if err := WriteJUnit(&buf, rs, Options{Version: "v0.1.0"}); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte(xml.Header)) {
		t.Error("no XML header")
	}
	var doc parsedJUnit
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	// Times are the wall times, in seconds: 1.25+2.5+3.75+5+6.25+0.5.
	if doc.Name != "omnisim" || doc.Time != "19.250" {
		t.Errorf("testsuites name, time = %q, %q", doc.Name, doc.Time)
	}

	type counts struct{ tests, failures, errors, skipped int }
	want := []struct {
		name  string
		cases []string
		counts
	}{
		// One suite per file; one case per scenario run.
		{"scenarios/whatsapp_window.toml", []string{"WhatsApp: 24-hour customer service window", "WhatsApp: 24-hour customer service window (seed 8)"}, counts{2, 0, 0, 0}},
		{"scenarios/wechat_replies.toml", []string{"WeChat: 5 replies per customer message, then the 48-hour window"}, counts{1, 1, 0, 0}},
		{"scenarios/line_drift.toml", []string{"LINE: reply token expiry drift"}, counts{1, 1, 0, 0}},
		{"scenarios/douyin_secret.toml", []string{"Douyin: bad webhook secret"}, counts{1, 0, 1, 0}},
		{"scenarios/load_200.toml", []string{"Load: 200 agents, least-loaded"}, counts{1, 0, 0, 0}},
		{"scenarios/load/month.toml", []string{"Load: a month"}, counts{1, 0, 0, 1}},
	}
	if len(doc.Suites) != len(want) {
		t.Fatalf("%d suites, want %d", len(doc.Suites), len(want))
	}
	var total counts
	for i, s := range doc.Suites {
		var seen counts
		var names []string
		for _, c := range s.Cases {
			names = append(names, c.Name)
			seen.tests++
			switch {
			case c.Skipped != nil:
				seen.skipped++
			case c.Error != nil:
				seen.errors++
			case len(c.Failures) > 0:
				seen.failures++
			}
			if strings.Contains(c.Classname, ".") {
				t.Errorf("suite %d case %q: classname %q has a dot", i, c.Name, c.Classname)
			}
		}
		if s.Name != want[i].name || fmt.Sprint(names) != fmt.Sprint(want[i].cases) {
			t.Errorf("suite %d = %q with %q, want %q with %q", i, s.Name, names, want[i].name, want[i].cases)
		}
		if seen != want[i].counts || (counts{s.Tests, s.Failures, s.Errors, s.Skipped}) != want[i].counts {
			t.Errorf("suite %q: attributes %d/%d/%d/%d, testcases %+v, want %+v", s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, seen, want[i].counts)
		}
		total.tests += seen.tests
		total.failures += seen.failures
		total.errors += seen.errors
		total.skipped += seen.skipped
	}
	if (counts{doc.Tests, doc.Failures, doc.Errors, doc.Skipped}) != total {
		t.Errorf("testsuites counts %d/%d/%d/%d, want %+v", doc.Tests, doc.Failures, doc.Errors, doc.Skipped, total)
	}
	if s := doc.Suites[0]; s.Time != "1.750" || s.Cases[0].Time != "1.250" || s.Cases[1].Time != "0.500" {
		t.Errorf("suite time %q, case times %q %q; want 1.750, 1.250, 0.500", s.Time, s.Cases[0].Time, s.Cases[1].Time)
	}

	// The failing scenario: one testcase, a failure per failed expectation
	// with the virtual time, expected and actual.
	wc := doc.Suites[1]
	c := wc.Cases[0]
	if c.Classname != "scenarios/wechat_replies_toml" {
		t.Errorf("classname = %q", c.Classname)
	}
	if len(c.Failures) != 2 {
		t.Fatalf("failures = %+v", c.Failures)
	}
	if m := c.Failures[0].Message; m != "line 12 at +2m00s: customer u1 received: expected 5, got 6" {
		t.Errorf("failure message %q", m)
	}
	// Escaped markup and newlines survive the round trip.
	if !strings.Contains(c.Failures[0].Text, "timeline of conversation wc-1:\n  +0s") ||
		!strings.Contains(c.Failures[0].Text, `reply_limit <\"6\"> & more\nsecond line`) {
		t.Errorf("failure text:\n%s", c.Failures[0].Text)
	}
	if m := c.Failures[1].Message; m != `line 18 at +2m00s: customer u1 last_error: expected 45047, got ""` {
		t.Errorf("empty actual: message %q", m)
	}
	// Passed expectations are listed in system-out.
	if !strings.Contains(c.SystemOut, "ok    line 25  +2d01h02m03s  agent li state: online (expected online)") {
		t.Errorf("system-out:\n%s", c.SystemOut)
	}
	if got := doc.Suites[2].Cases[0].Failures; len(got) != 1 || got[0].Type != "drift" ||
		got[0].Message != "1 unexpected policy drift finding" {
		t.Errorf("drift failures = %+v", got)
	}
	if got := doc.Suites[3].Cases[0]; got.Error == nil || !strings.Contains(got.Error.Message, "status 403\nthe app secret") {
		t.Errorf("error case = %+v", got)
	}
	if got := doc.Suites[5].Cases[0]; got.Skipped == nil || got.Skipped.Message != "not run: interrupted" {
		t.Errorf("skipped case = %+v", got)
	}
	if p := doc.Suites[0].Props; len(p) == 0 || p[0].Name != "omnisim.version" || p[0].Value != "v0.1.0" {
		t.Errorf("properties = %+v", p)
	}
	if p := doc.Suites[0].Cases[1].Props; len(p) == 0 || p[0].Name != "seed" || p[0].Value != "8" {
		t.Errorf("case properties = %+v", p)
	}
}

// Characters XML cannot carry do not make the document unparseable.
func TestJUnitInvalidCharacters(t *testing.T) {
	r := broken()
	r.Error = "bad byte \x00 and escape \x1b[31m]]> <end>"
	r.Name = "name with \x01"
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, []result.Result{r}, Options{}); err != nil {
		t.Fatal(err)
	}
	var doc parsedJUnit
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
	if e := doc.Suites[0].Cases[0].Error; e == nil || !strings.Contains(e.Message, "]]> <end>") {
		t.Errorf("error = %+v", e)
	}
}

// A failed run with nothing to pin the failure on still fails in JUnit.
func TestJUnitBareFailure(t *testing.T) {
	r := passing()
	r.Passed = false
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, []result.Result{r}, Options{}); err != nil {
		t.Fatal(err)
	}
	var doc parsedJUnit
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Failures != 1 || doc.Tests != 1 || doc.Suites[0].Cases[0].Failures[0].Type != "verdict" {
		t.Errorf("tests, failures = %d, %d; want 1, 1 (a verdict failure)", doc.Tests, doc.Failures)
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    Format
		wantErr bool
	}{
		{"text", Text, false},
		{"json", JSON, false},
		{"junit", JUnit, false},
		{" JSON ", JSON, false},
		{"", Text, false},
		{"xml", "", true},
		{"html", HTML, false},
		{"Markdown", Markdown, false},
		{"md", "", true},
		{"jsonl", "", true},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil {
			for _, name := range []string{"text", "json", "junit", fmt.Sprintf("%q", tt.in)} {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("ParseFormat(%q) error %q does not mention %s", tt.in, err, name)
				}
			}
		}
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, "yaml", all(), Options{})
	if err == nil || !strings.Contains(err.Error(), "valid formats are text, json, junit") {
		t.Errorf("err = %v", err)
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %d bytes", buf.Len())
	}
	// The zero Format is text.
	buf.Reset()
	if err := Write(&buf, "", []result.Result{passing()}, Options{}); err != nil || !strings.HasPrefix(buf.String(), "PASS  ") {
		t.Errorf("zero format: %v\n%s", err, buf.String())
	}
}

type failWriter struct{}

var errWrite = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestWriteError(t *testing.T) {
	for _, f := range []Format{Text, JSON, JUnit} {
		if err := Write(failWriter{}, f, all(), Options{}); !errors.Is(err, errWrite) {
			t.Errorf("%s: err = %v, want %v", f, err, errWrite)
		}
	}
}

func TestOffset(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "+0s"},
		{45 * time.Second, "+45s"},
		{250 * time.Millisecond, "+0.250s"},
		{2*time.Minute + 5*time.Second, "+2m05s"},
		{time.Hour + 2*time.Minute + 3*time.Second, "+1h02m03s"},
		{2*24*time.Hour + 3*time.Hour, "+2d03h00m00s"},
		// Rounded for people: to the millisecond below a minute, to the
		// second above.
		{time.Minute + 5*time.Second + 250*time.Millisecond, "+1m05s"},
		{3*time.Minute + 3*time.Second + 371666666, "+3m03s"},
		{time.Minute + 59*time.Second + 600*time.Millisecond, "+2m00s"},
		{59*time.Second + 999600*time.Microsecond, "+1m00s"},
		{time.Second + 7, "+1s"},
		{time.Second + 1500*time.Microsecond, "+1.002s"},
		{-90 * time.Second, "-1m30s"},
	}
	for _, tt := range tests {
		if got := offset(start, start.Add(tt.d)); got != tt.want {
			t.Errorf("offset(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
	// No time checked gives "?"; no start, or one too far for a Duration,
	// the absolute time.
	for _, tt := range []struct {
		name      string
		start, at time.Time
		want      string
	}{
		{"no start", time.Time{}, start, "2026-03-02T09:00:00+08:00"},
		{"no time", start, time.Time{}, "?"},
		{"neither", time.Time{}, time.Time{}, "?"},
		{"300 years before", start, start.AddDate(-300, 0, 0), "1726-03-02T09:00:00+08:00"},
		{"300 years after", start, start.AddDate(300, 0, 0), "2326-03-02T09:00:00+08:00"},
		{"292 years before", start, start.Add(math.MinInt64 + time.Second), "-106751d23h47m16s"},
	} {
		if got := offset(tt.start, tt.at); got != tt.want {
			t.Errorf("%s: offset = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestNoCheckTime: a check with no time shows "?" in every format, never a
// garbled offset or the zero time.
func TestNoCheckTime(t *testing.T) {
	r := failing()
	for i := range r.Expectations {
		r.Expectations[i].At = time.Time{}
	}
	for _, f := range formats {
		if f == JSON {
			continue
		}
		var buf bytes.Buffer
		if err := Write(&buf, f, []result.Result{r}, Options{}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, bad := range []string{"--1", ".-8", "0001-01-01"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s report holds %q", f, bad)
			}
		}
		want := map[Format]string{
			Text:     "FAIL  line 12  ?  ",
			JUnit:    "line 12 at ?: ",
			Markdown: "| 12 | ? | ",
			HTML:     "<time>?</time>",
		}[f]
		if !strings.Contains(out, want) {
			t.Errorf("%s report lacks %q", f, want)
		}
	}
}

// TestTextControlCharacters: a run's error and why it was not run keep
// their lines, and a line with control characters is quoted, so none
// reaches the terminal.
func TestTextControlCharacters(t *testing.T) {
	for _, tt := range []struct {
		name, value, want string
	}{
		{"plain", "status 403\nbad secret", "status 403\n           bad secret\n"},
		{"escape", "\x1b[31mred\x1b[0m", `"\x1b[31mred\x1b[0m"` + "\n"},
		{"nul and return", "a\x00b\nc\rd", `"a\x00b"` + "\n           " + `"c\rd"` + "\n"},
		{"crlf", "one\r\ntwo", `"one\r"` + "\n           two\n"},
		{"tab", "\tindented", `"\tindented"` + "\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			broken := failing()
			broken.Error = tt.value
			unstarted := result.Result{Name: "unstarted", Error: tt.value}
			skipped := result.Result{Name: "skipped", Skipped: tt.value}
			for _, c := range []struct {
				r     result.Result
				label string
			}{{broken, "  error    "}, {unstarted, "  error    "}, {skipped, "  why      not run: "}} {
				var buf bytes.Buffer
				if err := WriteText(&buf, []result.Result{c.r}, Options{}); err != nil {
					t.Fatal(err)
				}
				out := buf.String()
				if !strings.Contains(out, c.label+tt.want) {
					t.Errorf("%s: report lacks %q\n%s", c.r.Name, c.label+tt.want, out)
				}
				if i := strings.IndexFunc(out, func(r rune) bool { return r != '\n' && unicode.IsControl(r) }); i >= 0 {
					t.Errorf("%s: report holds control character %q", c.r.Name, out[i])
				}
			}
		})
	}
}

// TestHumanDuration: lengths of time in text reports are rounded for
// people and drop zero units; JSON keeps them exact.
func TestHumanDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{250 * time.Millisecond, "250ms"},
		{1500*time.Millisecond + 400*time.Microsecond, "1s500ms"},
		{12*time.Minute + 250*time.Millisecond, "12m"},
		{3*time.Minute + 6*time.Second + 781*time.Millisecond, "3m7s"},
		{5*24*time.Hour + 4*time.Hour + 18*time.Minute + 51*time.Second + 566*time.Millisecond + 625000, "5d4h18m52s"},
		{8*time.Hour + 7*time.Minute + 59*time.Second + 316*time.Millisecond, "8h7m59s"},
		{2 * 24 * time.Hour, "2d"},
	} {
		if got := human(tt.d); got != tt.want {
			t.Errorf("human(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
	// The JSON report keeps the exact figure.
	r := passing()
	r.Metrics.WaitP99 = 12*time.Minute + 250*time.Millisecond
	var buf bytes.Buffer
	if err := WriteJSON(&buf, []result.Result{r}, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"wait_p99_ns": 720250000000`) {
		t.Errorf("JSON lost the exact wait:\n%s", buf.String())
	}
}

// TestTextTimelineOncePerExpectation: the failed checks of one [[expect]]
// share the conversation's timeline, printed once.
func TestTextTimelineOncePerExpectation(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tl := []result.Line{{At: start, Kind: "opened", Conversation: "c1", Customer: "u"}}
	r := result.Result{Name: "x", File: "x.toml", Start: start, End: start,
		Expectations: []result.Check{
			{Line: 7, At: start, Subject: "customer u", Field: "state", Expected: "closed", Actual: "assigned", Conversation: "c1", Timeline: tl},
			{Line: 7, At: start, Subject: "customer u", Field: "received", Expected: "2", Actual: "1", Conversation: "c1", Timeline: tl},
			{Line: 9, At: start, Subject: "customer u", Field: "received", Expected: "3", Actual: "1", Conversation: "c1", Timeline: tl},
		}}
	var b bytes.Buffer
	if err := WriteText(&b, []result.Result{r}, Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if n := strings.Count(out, "timeline of conversation c1:"); n != 2 {
		t.Errorf("timeline printed %d times, want 2 (once for each of lines 7 and 9):\n%s", n, out)
	}
	if !strings.Contains(out, "(timeline of conversation c1 above)") {
		t.Errorf("the second check of line 7 does not refer to the timeline above:\n%s", out)
	}
}

// TestTextWaitsCountUnassigned: waits are shown whenever there were
// conversations, assigned or not.
func TestTextWaitsCountUnassigned(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		convs, assigned int
		want            string
	}{
		{0, 0, "waits none (no conversations)"},
		{1, 0, "max 10m (0 of 1 assigned)"},
	} {
		r := result.Result{Name: "x", Start: start, End: start.Add(10 * time.Minute),
			Totals: result.Totals{Conversations: tt.convs}, Metrics: result.Metrics{WaitMax: 10 * time.Minute, Assigned: tt.assigned}}
		var b bytes.Buffer
		if err := WriteText(&b, []result.Result{r}, Options{}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tt.want) {
			t.Errorf("%d conversations: no %q in\n%s", tt.convs, tt.want, b.String())
		}
	}
}
