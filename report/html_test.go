package report

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/sim/result"
)

// The HTML and Markdown reports' fixtures: a passing run, a failing one
// with timelines, drift and queues in two groups, a run that could not
// complete and a crowded one with more agents than get a chart, all but the
// broken one with time series.

var (
	pageZone  = time.FixedZone("CST", 8*60*60)
	pageStart = time.Date(2026, 3, 2, 9, 0, 0, 0, pageZone)
)

func pageAt(d time.Duration) time.Time { return pageStart.Add(d) }

// wave is a deterministic series of n values between 0 and top.
func wave(n, top, phase int) []int {
	v := make([]int, n)
	for i := range v {
		x := (i*7 + phase*13) % (4 * top)
		v[i] = min(x/3, top)
		if (i/9+phase)%5 == 0 {
			v[i] = 0
		}
	}
	return v
}

func sumSeries(ss ...[]int) []int {
	out := make([]int, len(ss[0]))
	for _, s := range ss {
		for i, v := range s {
			out[i] += v
		}
	}
	return out
}

func pageSeries(bucket time.Duration, n int, groups []string, agents []result.Agent) *result.Series {
	s := &result.Series{Bucket: bucket, Buckets: n}
	var gs, as [][]int
	for i, g := range groups {
		w := wave(n, 3+i, i+1)
		for j := range w {
			if j < n/3 || j > 2*n/3 {
				w[j] = 0 // queues in the middle of the run only
			}
		}
		gs = append(gs, w)
		s.Groups = append(s.Groups, result.GroupSeries{Name: g, Waiting: w})
	}
	for i, a := range agents {
		v := wave(n, a.Capacity, i)
		as = append(as, v)
		s.Agents = append(s.Agents, result.AgentSeries{ID: a.ID, Active: v})
	}
	if len(gs) > 0 {
		s.Waiting = sumSeries(gs...)
	} else {
		s.Waiting = make([]int, n)
	}
	s.Active = sumSeries(as...)
	return s
}

func pageWaits() []result.WaitBin {
	return []result.WaitBin{
		{Low: 0, High: 0, Count: 40},
		{Low: 0, High: 100 * time.Millisecond, Count: 2},
		{Low: 100 * time.Millisecond, High: time.Second, Count: 5},
		{Low: time.Second, High: 2 * time.Second, Count: 0},
		{Low: 2 * time.Second, High: 5 * time.Second, Count: 7},
		{Low: 5 * time.Second, High: 10 * time.Second, Count: 3},
		{Low: 10 * time.Second, High: 30 * time.Second, Count: 1},
	}
}

func pagePassing() result.Result {
	agents := []result.Agent{
		{ID: "ana", Capacity: 3, Assignments: 30, PeakActive: 3, OnlineTime: 8 * time.Hour, PerCapacityHour: 1.25, Utilization: 0.41},
		{ID: "li", Capacity: 2, Assignments: 28, PeakActive: 2, OnlineTime: 8 * time.Hour, PerCapacityHour: 1.75, Utilization: 0.52},
	}
	s := pageSeries(2*time.Minute, 240, []string{"default"}, agents)
	s.Waits = pageWaits()
	return result.Result{
		Name:        "WhatsApp: a working day",
		File:        "scenarios/day.toml",
		Description: "Eight hours of traffic over two agents.",
		Seed:        7,
		Start:       pageStart,
		End:         pageAt(8 * time.Hour),
		Passed:      true,
		Expectations: []result.Check{
			{Line: 31, At: pageAt(8 * time.Hour), Subject: "metric fairness.jain", Field: "min", Expected: ">= 0.95", Actual: "0.987", Passed: true},
		},
		Drift:   []result.Drift{},
		Totals:  result.Totals{Conversations: 58, Closed: 58, Inbound: 160, Sent: 150, Delivered: 150, Webhooks: 310},
		Metrics: result.Metrics{Jain: 0.98712, Spread: 0.5, WaitP50: 0, WaitP90: 4 * time.Second, WaitP99: 12 * time.Second, WaitMax: 25 * time.Second, Assigned: 58},
		Agents:  agents,
		Series:  s,
	}
}

func pageFailing() result.Result {
	agents := []result.Agent{{ID: "li", Capacity: 3, Assignments: 4, PeakActive: 3, OnlineTime: 49 * time.Hour, PerCapacityHour: 0.027, Utilization: 0.5}}
	s := pageSeries(12*time.Minute+15*time.Second, 240, []string{"hangzhou", "wenzhou", "default"}, agents)
	s.Waits = append(pageWaits(), result.WaitBin{Low: 30 * time.Second, High: 3*time.Minute + 20*time.Second, Count: 2})
	timeline := []result.Line{
		{At: pageAt(0), Kind: "opened", Conversation: "4", Customer: "u1", Group: "hangzhou"},
		{At: pageAt(0), Kind: "inbound", Conversation: "4", Customer: "u1", Group: "hangzhou", Detail: `"Is the shop open today?"`},
		{At: pageAt(0), Kind: "assigned", Conversation: "4", Customer: "u1", Agent: "li", Group: "hangzhou"},
		{At: pageAt(time.Minute), Kind: "sent", Conversation: "4", Customer: "u1", Agent: "li", Detail: `"Yes | until 9pm"`},
		{At: pageAt(time.Minute + 1500*time.Millisecond), Kind: "refused", Conversation: "4", Customer: "u1", Agent: "li", Detail: "reply_limit <\"6\"> & *more*\nsecond line"},
	}
	return result.Result{
		Name:   "WeChat: 5 replies per customer message, then the 48-hour window",
		File:   "scenarios/wechat_replies.toml",
		Seed:   42,
		Start:  pageStart,
		End:    pageAt(49 * time.Hour),
		Passed: false,
		Expectations: []result.Check{
			{Line: 12, At: pageAt(2 * time.Minute), Subject: "customer u1", Field: "received", Expected: "5", Actual: "6", Passed: false, Conversation: "4", Timeline: timeline},
			{Line: 12, At: pageAt(2 * time.Minute), Subject: "customer u1", Field: "last_error", Expected: "45047", Actual: "", Passed: false, Conversation: "4", Timeline: timeline},
			{Line: 25, At: pageAt(49 * time.Hour), Subject: "agent li", Field: "state", Expected: "online", Actual: "online", Passed: true},
			{Line: 30, At: pageAt(49 * time.Hour), Subject: "metric wait.max", Field: "max_duration", Expected: "<= 1m", Actual: "3m20s", Passed: false},
		},
		Drift: []result.Drift{
			{At: pageAt(time.Minute + 1500*time.Millisecond), Kind: result.DriftRefusedAccepted, Channel: "wechat", Customer: "u1", Agent: "li", Router: "reply_limit", Platform: "accepted", Expected: true},
			{At: pageAt(48*time.Hour + 5*time.Second), Kind: result.DriftSentRefused, Channel: "wechat", Customer: "u1", Agent: "li", Router: "sent", Platform: "45047", Expected: false},
		},
		Totals:  result.Totals{Conversations: 60, Closed: 58, Waiting: 2, Inbound: 61, Sent: 6, Delivered: 5, Refused: 1, Failed: 1, Webhooks: 70},
		Metrics: result.Metrics{Jain: 1, WaitP50: 0, WaitP90: 5 * time.Second, WaitP99: 3 * time.Minute, WaitMax: 3*time.Minute + 20*time.Second, Assigned: 58},
		Agents:  agents,
		Series:  s,
	}
}

func pageBroken() result.Result {
	return result.Result{
		Name:  "Douyin: bad webhook secret",
		File:  "scenarios/douyin_secret.toml",
		Seed:  1,
		Error: "router: webhook setup for douyin: verify challenge: status 403\nthe app secret does not match the fake's",
	}
}

func pageCrowded() result.Result {
	var agents []result.Agent
	for i := range 30 {
		n := 5 + i%7
		agents = append(agents, result.Agent{ID: fmt.Sprintf("agent-%03d", i+1), Capacity: 2, Assignments: n, PeakActive: 2,
			OnlineTime: 8 * time.Hour, PerCapacityHour: float64(n) / 16, Utilization: 0.5})
	}
	s := pageSeries(20*time.Minute, 24, nil, agents)
	s.Waits = []result.WaitBin{{Count: 150}}
	return result.Result{
		Name:    "Load: 30 agents",
		File:    "scenarios/load_30.toml",
		Seed:    99,
		Start:   pageStart,
		End:     pageAt(8 * time.Hour),
		Passed:  true,
		Drift:   []result.Drift{},
		Totals:  result.Totals{Conversations: 150, Closed: 150, Inbound: 400, Sent: 400, Delivered: 400, Webhooks: 800},
		Metrics: result.Metrics{Jain: 0.9931, Spread: 0.25, Assigned: 150},
		Agents:  agents,
		Series:  s,
	}
}

// pageSkipped is a scenario an interrupted run never started.
func pageSkipped() result.Result {
	return result.Result{Name: "Load: a month", File: "scenarios/load/month.toml", Seed: 30, Skipped: "interrupted"}
}

func pageResults() []result.Result {
	return []result.Result{pagePassing(), pageFailing(), pageBroken(), pageCrowded(), pageSkipped()}
}

// goldenFile compares got with testdata/name, or rewrites it with -update.
func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
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
		t.Errorf("%s differs from the output (run go test ./report/ -update to accept it)", path)
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			if i >= len(gl) || i >= len(wl) || gl[i] != wl[i] {
				g, w := "(none)", "(none)"
				if i < len(gl) {
					g = gl[i]
				}
				if i < len(wl) {
					w = wl[i]
				}
				t.Errorf("first difference at line %d:\ngot:  %s\nwant: %s", i+1, g, w)
				break
			}
		}
	}
}

func writeHTML(t *testing.T, results []result.Result, opt Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, results, opt); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestHTMLGolden(t *testing.T) {
	for _, tt := range []struct {
		name    string
		results []result.Result
		opt     Options
	}{
		{"report.html", pageResults(), Options{Version: "v0.1.0"}},
		{"report_empty.html", nil, Options{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := writeHTML(t, tt.results, tt.opt)
			goldenFile(t, tt.name, []byte(got))
			if again := writeHTML(t, tt.results, tt.opt); again != got {
				t.Error("two writes of the same results differ")
			}
			// Through Write, by format.
			var buf bytes.Buffer
			if err := Write(&buf, HTML, tt.results, tt.opt); err != nil || buf.String() != got {
				t.Errorf("Write(HTML) differs from WriteHTML (err %v)", err)
			}
		})
	}
}

// TestHTMLContent checks what each scenario shows.
func TestHTMLContent(t *testing.T) {
	page := writeHTML(t, pageResults(), Options{Version: "v0.1.0", Generated: "2026-03-02 10:00 UTC", Title: "Nightly"})
	for _, want := range []string{
		"<title>Nightly: FAIL</title>",
		"<h1>Nightly</h1>",
		"5 scenarios, 2 passed, 3 failed (1 not run).",
		`<span class="badge skip">SKIP</span>Load: a month</h2>`,
		"<li>not run: interrupted</li>",
		"Generated 2026-03-02 10:00 UTC.",
		// Per scenario: verdict, name, file, seed, span.
		`<span class="badge fail">FAIL</span>WeChat: 5 replies per customer message, then the 48-hour window</h2>`,
		"<dt>seed</dt><dd>42</dd>",
		"2026-03-02T09:00:00&#43;08:00 → 2026-03-04T10:00:00&#43;08:00 (2d1h)",
		// Fairness and service.
		`<td class="num">0.987</td>`, `<td class="num">25s</td>`, `<td class="num">58 of 58</td>`,
		// Failing expectations with expected, actual, time and timeline.
		"<h3>Failing expectations (3)</h3>",
		"<h4>line 12: customer u1 received</h4>",
		"<dt>expected</dt><dd>5</dd>\n<dt>actual</dt><dd>6</dd>",
		`<time datetime="2026-03-02T09:02:00&#43;08:00">&#43;2m00s</time>`,
		"<caption>Timeline of conversation 4</caption>",
		"reply_limit &lt;&#34;6&#34;&gt; &amp; *more*\nsecond line",
		"The timeline of conversation 4 is shown above.",
		"<dt>actual</dt><dd>&#34;&#34;</dd>", // empty shown as ""
		// Drift.
		"2 findings, 1 unexpected.",
		"<td>FAIL: unexpected</td>",
		// Charts: queue with a line per group, active, waits, agents.
		`<span class="sw s1"></span>group hangzhou`,
		`aria-labelledby="s2-queue-t s2-queue-d"`,
		`<title id="s2-active-t">Conversations assigned to agents over time, all agents</title>`,
		`<title id="s2-waits-t">Distribution of waits for an agent</title>`,
		"30s – 3m20s",
		`<title id="s1-a2-t">Active conversations of agent li over time</title>`,
		"The 24 busiest of 30 agents (most assignments, then highest peak); the agents table lists every agent.",
		// The broken run.
		"The run did not complete:",
		"the app secret does not match the fake&#39;s",
		// Agents table.
		`<th scope="row">agent-030</th>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// 24 of the crowded run's 30 agents get a chart: the busiest first.
	if got := len(regexp.MustCompile(`id="s4-a\d+-t"`).FindAllString(page, -1)); got != 24 {
		t.Errorf("crowded run has %d agent charts, want 24", got)
	}
	if !strings.Contains(page, "<title id=\"s4-a1-t\">Active conversations of agent agent-007 over time</title>") {
		t.Error("the first agent chart of the crowded run is not the busiest agent's")
	}
	// The failing run is open, the others closed in a report of four.
	if !strings.Contains(page, "id=\"s2\" aria-labelledby=\"s2-h\">\n<details open>") ||
		!strings.Contains(page, "id=\"s1\" aria-labelledby=\"s1-h\">\n<details>") {
		t.Error("failing scenarios should be open and passing ones closed")
	}
	// A run without time series says so.
	noSeries := pagePassing()
	noSeries.Series = nil
	if p := writeHTML(t, []result.Result{noSeries}, Options{}); !strings.Contains(p, "did not record time series") || strings.Contains(p, "<svg") {
		t.Error("a run without series should say so and draw nothing")
	}
	// Verbose adds the trace.
	traced := pagePassing()
	traced.Trace = []result.Line{{At: pageAt(time.Second), Kind: "inbound", Customer: "u9", Detail: "hi"}}
	if p := writeHTML(t, []result.Result{traced}, Options{Verbose: true}); !strings.Contains(p, "<summary>1 event</summary>") {
		t.Error("verbose report lacks the trace")
	}
}

// externalRef finds anything that would make the page reach the network.
// Values are escaped, so every < of the page starts a tag of its own.
var (
	pageTag     = regexp.MustCompile(`<[^>]*>`)
	externalRef = regexp.MustCompile(`(?i)\s(src|href|action|poster|data|srcset|xlink:href)\s*=\s*["']?\s*([a-z][a-z0-9+.-]*:|//)|^<(link|iframe|object|embed|img|base|frame|audio|video|source)\b`)
	cssRef      = regexp.MustCompile(`(?i)@import|url\(`)
)

func TestHTMLSelfContained(t *testing.T) {
	for tag, external := range map[string]bool{
		`<img src="x.png">`: true, `<script src="https://cdn.example/x.js">`: true, `<a href="http://example.com/">`: true,
		`<link rel="stylesheet" href="//fonts.example/css">`: true, `<use xlink:href="file:///etc/passwd">`: true,
		`<a href="#s1">`: false, `<path class="line s0" d="M0 0H10">`: false,
	} {
		if externalRef.MatchString(tag) != external {
			t.Errorf("externalRef.MatchString(%s) = %v", tag, !external)
		}
	}
	for _, results := range [][]result.Result{pageResults(), hostileResults(), nil} {
		page := writeHTML(t, results, Options{Version: "v0.1.0", Verbose: true})
		for _, tag := range pageTag.FindAllString(page, -1) {
			if externalRef.MatchString(tag) {
				t.Errorf("page refers outside itself: %s", tag)
			}
		}
		if m := cssRef.FindString(page); m != "" {
			t.Errorf("page refers outside itself: %q", m)
		}
		// The hostile names mention URLs as text; the others none at all.
		if results != nil && results[0].Name == pagePassing().Name && regexp.MustCompile(`https?:`).MatchString(page) {
			t.Error("page mentions http: or https:")
		}
		if n := strings.Count(page, "<script"); n != 1 {
			t.Errorf("page has %d scripts, want just its own", n)
		}
		if strings.Contains(page, "<script src") {
			t.Error("script with a source")
		}
	}
}

// hostileResults has names and values that try to break out of HTML,
// attributes, SVG and Markdown.
func hostileResults() []result.Result {
	r := pageFailing()
	r.Name = `</title><script>alert("name")</script><img src=x onerror=alert(1)>`
	r.File = `"><script>alert('file')</script>.toml`
	r.Description = "<style>body{display:none}</style>"
	r.Agents[0].ID = `</text></svg><script>alert("agent")</script>`
	r.Series.Agents[0].ID = r.Agents[0].ID
	r.Series.Groups[0].Name = `<a href="https://evil.example/">group</a>`
	r.Expectations[0].Expected = "</td></tr></table><script>alert(2)</script>"
	r.Expectations[0].Actual = "` | **bold** | [link](https://evil.example/) <b>x</b> $x$ ~~s~~"
	r.Expectations[0].Timeline[0].Detail = "</caption><iframe src=//evil.example></iframe>"
	r.Drift[1].Platform = `<svg onload=alert(3)>`
	r.Error = "</pre><script>alert(4)</script>"
	return []result.Result{r}
}

func TestHTMLEscapesHostileNames(t *testing.T) {
	page := writeHTML(t, hostileResults(), Options{Title: "<b>title</b>", Version: `"><script>v</script>`})
	for _, bad := range []string{"<script>alert", "<img", "<iframe", "<style>body", "<svg onload", "</title><script>", "<b>", `<a href="https`} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	for _, want := range []string{
		"&lt;/title&gt;&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;",
		"&lt;/text&gt;&lt;/svg&gt;&lt;script&gt;alert(&#34;agent&#34;)&lt;/script&gt;",
		"&lt;/pre&gt;&lt;script&gt;alert(4)&lt;/script&gt;",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks the escaped %q", want)
		}
	}
}

// TestHTMLChartsBounded: a run with many agents and groups still draws a
// bounded number of charts and lines.
func TestHTMLChartsBounded(t *testing.T) {
	var agents []result.Agent
	var groups []string
	for i := range 200 {
		agents = append(agents, result.Agent{ID: "a" + strconv.Itoa(i), Capacity: 3, Assignments: i % 17})
	}
	for i := range 12 {
		groups = append(groups, "g"+strconv.Itoa(i))
	}
	r := pagePassing()
	r.Agents = agents
	r.Series = pageSeries(3*time.Hour, 240, groups, agents)
	page := writeHTML(t, []result.Result{r}, Options{ChartAgents: 10})
	if got := strings.Count(page, "Active conversations of agent "); got != 10 {
		t.Errorf("%d agent charts, want 10", got)
	}
	if got := strings.Count(page, `<path class="line s`); got != maxChartGroups+1+10 {
		t.Errorf("%d lines drawn", got)
	}
	if !strings.Contains(page, "Lines for the 5 groups with the longest queues of the 12 that had one.") {
		t.Error("group cap not stated")
	}
	if len(page) > 1<<20 {
		t.Errorf("page is %d bytes", len(page))
	}
}

// contrast is the WCAG contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	lum := func(h string) float64 {
		var c [3]float64
		for i := range c {
			v, _ := strconv.ParseUint(h[1+2*i:3+2*i], 16, 8)
			x := float64(v) / 255
			if x <= 0.03928 {
				c[i] = x / 12.92
			} else {
				c[i] = math.Pow((x+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
	}
	x, y := lum(a), lum(b)
	return (max(x, y) + 0.05) / (min(x, y) + 0.05)
}

// TestHTMLContrast: text reaches WCAG AA (4.5:1) and chart marks 3:1
// against what they are drawn on.
func TestHTMLContrast(t *testing.T) {
	for _, p := range []struct {
		what   string
		fg, bg string
		min    float64
	}{
		{"text", colText, colBG, 4.5},
		{"muted text", colMuted, colBG, 4.5},
		{"table header", colText, colSubtle, 4.5},
		{"link", colLink, colBG, 4.5},
		{"PASS badge", colBG, colPass, 4.5},
		{"FAIL badge", colBG, colFail, 4.5},
		{"PASS verdict", colPass, colBG, 4.5},
		{"FAIL verdict", colFail, colBG, 4.5},
		{"failed row", colText, colFailBG, 4.5},
		{"error text", colFailText, colFailBG, 4.5},
		{"chart labels", colMuted, colBG, 4.5},
		{"capacity line", colSeriesRef, colBG, 3},
	} {
		if c := contrast(p.fg, p.bg); c < p.min {
			t.Errorf("%s: contrast %s on %s is %.2f, want %.1f", p.what, p.fg, p.bg, c, p.min)
		}
	}
	for i, c := range seriesColours {
		if r := contrast(c, colBG); r < 3 {
			t.Errorf("series colour s%d %s: contrast %.2f on white, want 3", i, c, r)
		}
	}
}
