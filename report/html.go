package report

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// defaultChartAgents is how many agents get a chart of their own when
// Options.ChartAgents is 0.
const defaultChartAgents = 24

// maxChartGroups is how many groups the queue chart draws a line for.
const maxChartGroups = 6

// The palette. Text colours reach WCAG AA (4.5:1) on the backgrounds they
// are used on, and chart colours reach 3:1 on white (TestHTMLContrast).
const (
	colText      = "#1f2328"
	colMuted     = "#57606a"
	colBG        = "#ffffff"
	colSubtle    = "#f6f8fa"
	colBorder    = "#d0d7de"
	colPass      = "#116329"
	colFail      = "#a40e26"
	colFailBG    = "#ffebe9"
	colFailText  = "#82071e"
	colLink      = "#0550ae"
	colSeriesRef = "#57606a"
)

// seriesColours are the chart lines' colours, s0 first.
var seriesColours = []string{"#0550ae", "#bc4c00", "#1a7f37", "#8250df", "#cf222e", "#6e7781"}

var htmlTemplate = template.Must(template.New("page").Parse(htmlTemplateText))

// WriteHTML writes results as one self-contained HTML page: inline CSS and
// SVG charts, no network, a few lines of script that open every collapsed
// section before printing. Per scenario: the verdict, file, seed and
// virtual span; totals, fairness and waits; charts of the waiting queue,
// the agents' load and the wait distribution when the run recorded time
// series (result.Series); every failing expectation with the timeline of
// its conversation; drift findings; the agents table; with Options.Verbose
// the trace. Every value is HTML-escaped, and equal results and options
// give byte-identical pages.
func WriteHTML(w io.Writer, results []result.Result, opt Options) error {
	page := htmlPage{
		Title:     cmp.Or(opt.Title, "omnisim report"),
		Version:   opt.Version,
		Generated: opt.Generated,
		Summary:   summarize(results),
		CSS:       template.CSS(htmlCSS()),
		JS:        template.JS(htmlJS),
	}
	page.Passed = page.Summary.Failed == 0
	page.Count = plural(page.Summary.Scenarios, "scenario", "scenarios")
	for i := range results {
		page.Scenarios = append(page.Scenarios, htmlScenarioOf(&results[i], i+1, len(results), opt))
	}
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, page); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// htmlJS opens every collapsed section before printing and closes them
// again after.
const htmlJS = `addEventListener("beforeprint",function(){document.querySelectorAll("details:not([open])").forEach(function(d){d.setAttribute("data-print","");d.open=true})});` +
	`addEventListener("afterprint",function(){document.querySelectorAll("details[data-print]").forEach(function(d){d.removeAttribute("data-print");d.open=false})});`

type htmlPage struct {
	Title     string
	Version   string
	Generated string
	Summary   summary
	Count     string // "3 scenarios"
	Passed    bool
	CSS       template.CSS
	JS        template.JS
	Scenarios []htmlScenario
}

type htmlScenario struct {
	ID          string // anchor; every other id of the scenario starts with it
	Passed      bool
	Verdict     string // PASS, FAIL, or SKIP for a scenario that was not run
	Class       string // pass, fail or skip
	Open        bool
	Name        string
	File        string
	Description string
	Seed        string
	Why         []string
	Span        string
	Length      string
	Started     bool
	Error       string

	Totals  result.Totals
	Service []htmlFigure
	Waits   bool // there were conversations to wait

	SeriesNote   string
	Queue        *chart
	NoQueue      bool // nobody ever waited
	QueueLegend  []legendItem
	QueueNote    string
	Active       *chart
	WaitHist     *chart
	AgentCharts  []agentChart
	AgentNote    string
	ChecksPassed int
	ChecksFailed int
	Failing      []htmlCheck
	Checks       []htmlCheckRow
	Drift        []htmlDrift
	DriftCount   string // "2 findings"
	DriftSummary string // "none", "2 expected", "1 unexpected of 2"
	DriftMore    string // "and 2 more findings not listed, 1 unexpected", or ""
	Unexpected   int
	Agents       []htmlAgent
	AgentCount   string // "3 agents"
	AgentsOpen   bool
	Trace        *htmlLines
	TraceCount   string // "12 events"
	ShowTrace    bool
}

type htmlFigure struct{ Label, Value string }

type legendItem struct{ Class, Label string }

type agentChart struct {
	ID, Facts string
	Chart     *chart
}

type htmlTime struct{ Offset, Abs string }

type htmlCheck struct {
	Line, What         string
	At                 htmlTime
	Expected, Actual   string
	Conversation       string
	Timeline           *htmlLines
	TimelineShownAbove bool
}

type htmlCheckRow struct {
	Passed                                 bool
	Line                                   string
	At                                     htmlTime
	Subject, Field, Expected, Actual, Conv string
}

type htmlDrift struct {
	Expected                                         bool
	At                                               htmlTime
	Kind, Channel, Customer, Agent, Router, Platform string
}

type htmlAgent struct {
	ID, Capacity, Assignments, Peak, Online, PerCapHour, Util, Eligible, PerEligHour string
}

type htmlLine struct {
	At                                         htmlTime
	Kind, Conversation, Customer, Agent, Group string
	Detail                                     string
}

// timeOf is at as an offset from start and as an absolute time; with no at,
// the offset is "?" and there is no absolute time.
func timeOf(start, at time.Time) htmlTime {
	if at.IsZero() {
		return htmlTime{Offset: offset(start, at)}
	}
	return htmlTime{Offset: offset(start, at), Abs: at.Format(time.RFC3339Nano)}
}

func htmlScenarioOf(r *result.Result, n, of int, opt Options) htmlScenario {
	id := "s" + strconv.Itoa(n)
	s := htmlScenario{
		ID:          id,
		Passed:      passed(r) && r.Skipped == "",
		Name:        cmp.Or(r.Name, "(unnamed scenario)"),
		File:        show(r.File),
		Description: r.Description,
		Seed:        strconv.FormatUint(r.Seed, 10),
		Started:     !r.Start.IsZero(),
		Error:       r.Error,
		Totals:      r.Totals,
	}
	// Failing scenarios are open; so is everything of a short report.
	s.Open = !s.Passed || of <= 3
	s.Verdict, s.Class = "PASS", "pass"
	switch {
	case r.Skipped != "":
		s.Verdict, s.Class = "SKIP", "skip"
		s.Why = []string{"not run: " + r.Skipped}
	case !s.Passed:
		s.Verdict, s.Class = "FAIL", "fail"
		s.Why = failReasons(r)
	}
	s.Span = span(r)
	if s.Started && !r.End.IsZero() {
		s.Length = human(r.End.Sub(r.Start))
	}
	m := &r.Metrics
	f := human // rounded for people, as in the text report
	s.Waits = r.Totals.Conversations > 0
	s.Service = []htmlFigure{
		{"Jain's fairness index", strconv.FormatFloat(m.Jain, 'f', 3, 64)},
		{"fairness spread", strconv.FormatFloat(m.Spread, 'f', 3, 64)},
	}
	if s.Waits {
		s.Service = append(s.Service,
			htmlFigure{"wait p50", f(m.WaitP50)}, htmlFigure{"wait p90", f(m.WaitP90)},
			htmlFigure{"wait p99", f(m.WaitP99)}, htmlFigure{"wait max", f(m.WaitMax)},
			htmlFigure{"assigned", fmt.Sprintf("%d of %d", m.Assigned, r.Totals.Conversations)})
	} else {
		s.Service = append(s.Service, htmlFigure{"waits", "none (no conversations)"})
	}

	if s.Started {
		htmlCharts(&s, r, opt)
	}

	// Expectations.
	type shownKey struct {
		line int
		at   time.Time
		conv string
	}
	shown := map[shownKey]bool{}
	for _, c := range r.Expectations {
		row := htmlCheckRow{Passed: c.Passed, Line: lineLabel(c.Line), At: timeOf(r.Start, c.At), Subject: c.Subject,
			Field: c.Field, Expected: show(c.Expected), Actual: show(c.Actual), Conv: c.Conversation}
		s.Checks = append(s.Checks, row)
		if c.Passed {
			s.ChecksPassed++
			continue
		}
		s.ChecksFailed++
		hc := htmlCheck{Line: lineLabel(c.Line), What: strings.TrimSpace(c.Subject + " " + c.Field), At: row.At,
			Expected: row.Expected, Actual: row.Actual, Conversation: c.Conversation}
		k := shownKey{c.Line, c.At, c.Conversation}
		if len(c.Timeline) > 0 && shown[k] {
			hc.TimelineShownAbove = true
		} else {
			shown[k] = true
			if len(c.Timeline) > 0 {
				caption := "Timeline"
				if c.Conversation != "" {
					caption = "Timeline of conversation " + c.Conversation
				}
				hc.Timeline = linesOf(caption, r.Start, c.Timeline)
			}
		}
		s.Failing = append(s.Failing, hc)
	}
	s.Unexpected = unexpectedDrift(r)
	for _, d := range r.Drift {
		s.Drift = append(s.Drift, htmlDrift{Expected: d.Expected, At: timeOf(r.Start, d.At), Kind: d.Kind, Channel: show(d.Channel),
			Customer: show(d.Customer), Agent: show(d.Agent), Router: show(d.Router), Platform: show(d.Platform)})
	}
	total := driftTotal(r)
	s.DriftCount = plural(total, "finding", "findings")
	s.DriftMore = r.DriftNotListed()
	switch {
	case total == 0:
		s.DriftSummary = "none"
	case s.Unexpected == 0:
		s.DriftSummary = fmt.Sprintf("%d expected", total)
	default:
		s.DriftSummary = fmt.Sprintf("%d unexpected of %d", s.Unexpected, total)
	}
	for _, a := range r.Agents {
		s.Agents = append(s.Agents, htmlAgent{ID: a.ID, Capacity: strconv.Itoa(a.Capacity), Assignments: strconv.Itoa(a.Assignments),
			Peak: strconv.Itoa(a.PeakActive), Online: human(a.OnlineTime),
			PerCapHour: strconv.FormatFloat(a.PerCapacityHour, 'f', 3, 64), Util: strconv.FormatFloat(a.Utilization, 'f', 3, 64),
			Eligible: human(a.EligibleTime), PerEligHour: strconv.FormatFloat(a.PerEligibleHour, 'f', 3, 64)})
	}
	s.AgentCount = plural(len(r.Agents), "agent", "agents")
	s.AgentsOpen = len(r.Agents) <= maxAgentRows || opt.Verbose
	if opt.Verbose {
		s.ShowTrace = true
		if len(r.Trace) > 0 {
			s.Trace = linesOf("Every event of the run", r.Start, r.Trace)
			s.TraceCount = plural(len(r.Trace), "event", "events")
		}
	}
	return s
}

// htmlLines is a timeline or trace table.
type htmlLines struct {
	Caption string
	Lines   []htmlLine
}

func linesOf(caption string, start time.Time, lines []result.Line) *htmlLines {
	out := &htmlLines{Caption: caption, Lines: make([]htmlLine, len(lines))}
	for i, l := range lines {
		out.Lines[i] = htmlLine{At: timeOf(start, l.At), Kind: l.Kind, Conversation: l.Conversation, Customer: l.Customer,
			Agent: l.Agent, Group: l.Group, Detail: l.Detail}
	}
	return out
}

// htmlCharts adds the charts of a run's time series.
func htmlCharts(s *htmlScenario, r *result.Result, opt Options) {
	sr := r.Series
	if sr == nil || sr.Buckets <= 0 || sr.Bucket <= 0 {
		s.SeriesNote = "This run did not record time series, so there are no charts over time."
		return
	}
	bucket := scenario.FormatDuration(sr.Bucket)
	s.SeriesNote = fmt.Sprintf("Each point is the largest value within its %s of virtual time (%d buckets from the start); times are offsets from %s.",
		bucket, sr.Buckets, r.Start.Format(time.RFC3339Nano))
	ts := timeScale{bucket: sr.Bucket, n: sr.Buckets}

	// The queue: the total, and each group that ever had a queue when more
	// than one did.
	var groups []result.GroupSeries
	for _, g := range sr.Groups {
		if slices.Max(append([]int{0}, g.Waiting...)) > 0 {
			groups = append(groups, g)
		}
	}
	lines := []chartLine{{Vals: sr.Waiting, Class: "s0", Area: true}}
	switch {
	case len(groups) == 1:
		s.QueueNote = fmt.Sprintf("Every conversation that waited was in group %s.", show(groups[0].Name))
	case len(groups) > 1:
		s.QueueLegend = append(s.QueueLegend, legendItem{"s0", "all groups"})
		if len(groups) > maxChartGroups-1 {
			slices.SortStableFunc(groups, func(a, b result.GroupSeries) int { return slices.Max(b.Waiting) - slices.Max(a.Waiting) })
			s.QueueNote = fmt.Sprintf("Lines for the %d groups with the longest queues of the %d that had one.", maxChartGroups-1, len(groups))
			groups = groups[:maxChartGroups-1]
		}
		for i, g := range groups {
			class := "s" + strconv.Itoa(i+1)
			lines = append(lines, chartLine{Vals: g.Waiting, Class: class})
			s.QueueLegend = append(s.QueueLegend, legendItem{class, "group " + show(g.Name)})
		}
	}
	if slices.Max(append([]int{0}, sr.Waiting...)) == 0 {
		s.QueueLegend, s.QueueNote = nil, ""
		s.NoQueue = true
	} else {
		s.Queue = ts.stepChart(s.ID+"-queue", "Conversations waiting for an agent over time", "waiting", lines, 0, false)
	}

	capacity := 0
	caps := map[string]int{}
	for _, a := range r.Agents {
		capacity += a.Capacity
		caps[a.ID] = a.Capacity
	}
	s.Active = ts.stepChart(s.ID+"-active", "Conversations assigned to agents over time, all agents", "active",
		[]chartLine{{Vals: sr.Active, Class: "s0", Area: true}}, capacity, false)

	if len(sr.Waits) > 0 {
		s.WaitHist = waitChart(s.ID+"-waits", sr.Waits)
	}

	// One small chart per agent, for the busiest when there are many.
	type pick struct {
		i           int
		assignments int
		peak        int
	}
	assigned := map[string]int{}
	for _, a := range r.Agents {
		assigned[a.ID] = a.Assignments
	}
	picks := make([]pick, len(sr.Agents))
	for i, a := range sr.Agents {
		picks[i] = pick{i, assigned[a.ID], slices.Max(append([]int{0}, a.Active...))}
	}
	limit := opt.ChartAgents
	if limit <= 0 {
		limit = defaultChartAgents
	}
	if len(picks) > limit {
		slices.SortStableFunc(picks, func(a, b pick) int {
			if a.assignments != b.assignments {
				return b.assignments - a.assignments
			}
			return b.peak - a.peak
		})
		picks = picks[:limit]
		s.AgentNote = fmt.Sprintf("The %d busiest of %d agents (most assignments, then highest peak); the agents table lists every agent.", limit, len(sr.Agents))
	}
	for n, p := range picks {
		a := sr.Agents[p.i]
		c := caps[a.ID]
		ch := ts.stepChart(fmt.Sprintf("%s-a%d", s.ID, n+1), "Active conversations of agent "+a.ID+" over time", "active",
			[]chartLine{{Vals: a.Active, Class: "s0", Area: true}}, c, true)
		facts := fmt.Sprintf("capacity %d, peak %d, %d assigned", c, p.peak, p.assignments)
		s.AgentCharts = append(s.AgentCharts, agentChart{ID: a.ID, Facts: facts, Chart: ch})
	}
}

// chart is an SVG chart, laid out in its own units (W by H), with every
// coordinate written out as text.
type chart struct {
	ID     string // its title's and description's ids start with it
	Title  string
	Desc   string
	Mini   bool
	W, H   int
	Grid   []seg
	Axis   []seg
	YTicks []label
	XTicks []label
	Areas  []path
	Lines  []path
	Refs   []path
	Bars   []bar
	Labels []label
}

type seg struct{ X1, Y1, X2, Y2 string }

type label struct {
	X, Y, Text, Anchor string
}

type path struct{ D, Class string }

type bar struct{ X, Y, W, H string }

type chartLine struct {
	Vals  []int
	Class string
	Area  bool
}

// num writes a coordinate with one decimal at most.
func num(v float64) string {
	v = math.Round(v*10) / 10
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// timeScale maps buckets onto a chart's x axis.
type timeScale struct {
	bucket time.Duration
	n      int
}

// tickSteps are the x axis's candidate steps.
var tickSteps = []time.Duration{
	time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 5 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 30 * 24 * time.Hour,
}

func tickLabel(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return "+" + scenario.FormatDuration(d)
}

// niceMax rounds v up to a multiple of a step of 1, 2 or 5 times a power of
// ten, with at most ticks steps; it returns the top and the step.
func niceMax(v, ticks int) (top, step int) {
	if v <= 0 {
		return 1, 1
	}
	for mag := 1; ; mag *= 10 {
		for _, m := range []int{1, 2, 5} {
			step = m * mag
			top = (v + step - 1) / step * step
			if top/step <= ticks {
				return top, step
			}
		}
	}
}

// stepChart draws the series of lines as step functions over the buckets,
// with a dashed reference line at ref when it is above zero.
func (ts timeScale) stepChart(id, title, what string, lines []chartLine, ref int, mini bool) *chart {
	c := &chart{ID: id, Title: title, Mini: mini, W: 960, H: 220}
	ml, mr, mt, mb := 44.0, 14.0, 12.0, 28.0
	yticks, xticks := 4, 8
	if mini {
		c.W, c.H = 260, 110
		ml, mr, mt, mb = 30, 10, 8, 22
		yticks, xticks = 3, 3
	}
	pw, ph := float64(c.W)-ml-mr, float64(c.H)-mt-mb
	peak, peakAt := 0, 0
	for _, l := range lines[:1] {
		for i, v := range l.Vals {
			if v > peak {
				peak, peakAt = v, i
			}
		}
	}
	top := 0
	for _, l := range lines {
		top = max(top, slices.Max(append([]int{0}, l.Vals...)))
	}
	if ref > 0 && top <= ref {
		// Room above the capacity line, so that a run at capacity shows it.
		top = ref + 1
	}
	top, step := niceMax(top, yticks)
	x := func(i int) float64 { return ml + pw*float64(i)/float64(ts.n) }
	y := func(v int) float64 { return mt + ph - ph*float64(v)/float64(top) }
	for v := 0; v <= top; v += step {
		c.Grid = append(c.Grid, seg{num(ml), num(y(v)), num(ml + pw), num(y(v))})
		c.YTicks = append(c.YTicks, label{X: num(ml - 6), Y: num(y(v) + 4), Text: strconv.Itoa(v), Anchor: "end"})
	}
	c.Axis = []seg{{num(ml), num(mt + ph), num(ml + pw), num(mt + ph)}}
	span := ts.bucket * time.Duration(ts.n)
	tstep := tickSteps[len(tickSteps)-1]
	for _, s := range tickSteps {
		if span/s <= time.Duration(xticks) {
			tstep = s
			break
		}
	}
	for t := time.Duration(0); t <= span; t += tstep {
		xx := ml + pw*float64(t)/float64(span)
		anchor := "middle"
		if t == 0 {
			anchor = "start"
		}
		c.Axis = append(c.Axis, seg{num(xx), num(mt + ph), num(xx), num(mt + ph + 4)})
		c.XTicks = append(c.XTicks, label{X: num(xx), Y: num(mt + ph + 16), Text: tickLabel(t), Anchor: anchor})
	}
	for _, l := range lines {
		var d strings.Builder
		n := min(len(l.Vals), ts.n)
		for i := 0; i < n; i++ {
			v := l.Vals[i]
			switch {
			case i == 0:
				fmt.Fprintf(&d, "M%s %s", num(x(0)), num(y(v)))
			case v != l.Vals[i-1]:
				fmt.Fprintf(&d, "H%sV%s", num(x(i)), num(y(v)))
			}
		}
		if n > 0 {
			fmt.Fprintf(&d, "H%s", num(x(n)))
			if l.Area {
				c.Areas = append(c.Areas, path{D: fmt.Sprintf("M%s %s", num(x(0)), num(y(0))) + "L" + d.String()[1:] + fmt.Sprintf("V%sZ", num(y(0))), Class: l.Class})
			}
		}
		c.Lines = append(c.Lines, path{D: d.String(), Class: l.Class})
	}
	if ref > 0 {
		c.Refs = append(c.Refs, path{D: fmt.Sprintf("M%s %sH%s", num(ml), num(y(ref)), num(ml+pw))})
	}
	from := ts.bucket * time.Duration(peakAt)
	desc := fmt.Sprintf("Step chart of %s conversations, the largest value in each of %d buckets of %s. Peak %d between %s and %s",
		what, ts.n, scenario.FormatDuration(ts.bucket), peak, tickLabel(from), tickLabel(from+ts.bucket))
	if peak == 0 {
		desc = fmt.Sprintf("Step chart of %s conversations over %d buckets of %s: zero throughout", what, ts.n, scenario.FormatDuration(ts.bucket))
	}
	if len(lines[0].Vals) > 0 {
		desc += fmt.Sprintf("; %d at the end", lines[0].Vals[len(lines[0].Vals)-1])
	}
	if ref > 0 {
		desc += fmt.Sprintf("; the dashed line is the capacity, %d", ref)
	}
	c.Desc = desc + "."
	return c
}

// waitLabel names a wait histogram bin.
func waitLabel(b result.WaitBin) string {
	if b.High == 0 {
		return "0 (at once)"
	}
	if b.Low == 0 {
		return "up to " + human(b.High)
	}
	return human(b.Low) + " – " + human(b.High)
}

// waitChart draws the wait histogram as horizontal bars, one row a bin,
// each labelled with its range and its count.
func waitChart(id string, bins []result.WaitBin) *chart {
	const rowH, ml, mr, mt = 22.0, 150.0, 110.0, 6.0
	c := &chart{ID: id, Title: "Distribution of waits for an agent", W: 960}
	c.H = int(mt*2 + rowH*float64(len(bins)))
	total, most := 0, 0
	for _, b := range bins {
		total += b.Count
		most = max(most, b.Count)
	}
	pw := float64(c.W) - ml - mr
	var parts []string
	for i, b := range bins {
		y := mt + rowH*float64(i)
		c.Labels = append(c.Labels, label{X: num(ml - 8), Y: num(y + 15), Text: waitLabel(b), Anchor: "end"})
		w := 0.0
		if most > 0 {
			w = pw * float64(b.Count) / float64(most)
		}
		if b.Count > 0 {
			w = max(w, 1)
			c.Bars = append(c.Bars, bar{X: num(ml), Y: num(y + 3), W: num(w), H: num(rowH - 6)})
		}
		pct := 0.0
		if total > 0 {
			pct = 100 * float64(b.Count) / float64(total)
		}
		text := fmt.Sprintf("%d (%s%%)", b.Count, strconv.FormatFloat(pct, 'f', 1, 64))
		c.Labels = append(c.Labels, label{X: num(ml + w + 6), Y: num(y + 15), Text: text, Anchor: "start"})
		parts = append(parts, fmt.Sprintf("%s: %d", waitLabel(b), b.Count))
	}
	c.Axis = []seg{{num(ml), num(mt), num(ml), num(float64(c.H) - mt)}}
	c.Desc = fmt.Sprintf("Bar chart of %d conversations by how long they waited for an agent. %s.", total, strings.Join(parts, "; "))
	return c
}

// htmlCSS is the page's style sheet.
func htmlCSS() string {
	var b strings.Builder
	fmt.Fprintf(&b, `:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:%[1]s;color:%[2]s;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:24px 20px 48px}
a{color:%[6]s}
h1{font-size:1.6rem;margin:0 0 4px}
h2{font-size:1.25rem;margin:0;display:inline}
h3{font-size:1.05rem;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid %[4]s}
h4{font-size:.95rem;margin:14px 0 4px}
p{margin:6px 0}
.muted{color:%[3]s}
.badge{display:inline-block;min-width:3.4em;text-align:center;padding:0 6px;margin-right:8px;border-radius:4px;font-size:.8rem;font-weight:700;letter-spacing:.05em;color:%[1]s;vertical-align:.15em}
.badge.pass{background:%[7]s}
.badge.fail{background:%[8]s}
.badge.skip{background:%[3]s}
.verdict{font-weight:700}
.verdict.pass{color:%[7]s}
.verdict.fail{color:%[8]s}
section.scenario{border:1px solid %[4]s;border-left:6px solid %[7]s;border-radius:6px;margin:20px 0}
section.scenario.fail{border-left-color:%[8]s}
section.scenario.skip{border-left-color:%[3]s}
section.scenario>details>summary{padding:12px 16px;cursor:pointer}
section.scenario>details>summary .muted{display:block;font-size:.9rem;margin-left:1.2em}
section.scenario>details[open]>summary{border-bottom:1px solid %[4]s}
.body{padding:4px 16px 16px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}
dl.facts dt{color:%[3]s}
dl.facts dd{margin:0;overflow-wrap:anywhere}
ul.why{margin:4px 0;padding-left:1.2em;color:%[9]s}
.tablewrap{overflow-x:auto}
table{border-collapse:collapse;margin:8px 0;font-size:.875rem}
caption{text-align:left;font-weight:600;padding:2px 0}
th,td{border:1px solid %[4]s;padding:3px 8px;text-align:left;vertical-align:top}
th{background:%[5]s;font-weight:600}
thead th{white-space:nowrap}
td{overflow-wrap:anywhere}
td.detail{white-space:pre-wrap}
.num{text-align:right;font-variant-numeric:tabular-nums}
tr.fail td{background:%[10]s}
figure{margin:12px 0 20px}
figcaption{font-weight:600}
figcaption .muted{font-weight:400}
svg{display:block;width:100%%;max-width:960px;height:auto;overflow:visible}
svg text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:%[3]s}
.grid{stroke:%[4]s;stroke-width:1}
.axis{stroke:%[3]s;stroke-width:1}
.line{fill:none;stroke-width:1.6;stroke-linejoin:round}
.area{stroke:none;fill-opacity:.14}
.ref{fill:none;stroke:%[11]s;stroke-width:1.2;stroke-dasharray:5 4}
.bar{fill:%[12]s}
.minis{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:4px 20px}
.minis figure{margin:4px 0}
.minis figcaption{font-size:.85rem}
.legend{list-style:none;padding:0;margin:4px 0;display:flex;flex-wrap:wrap;gap:2px 18px;font-size:.85rem}
.sw{display:inline-block;width:18px;height:4px;margin-right:6px;vertical-align:middle}
.check{border:1px solid %[4]s;border-left:4px solid %[8]s;border-radius:4px;padding:6px 12px;margin:12px 0}
.check h4{margin:4px 0}
pre.error{white-space:pre-wrap;overflow-wrap:anywhere;background:%[10]s;color:%[9]s;padding:8px 12px;border-radius:4px;font-size:.875rem}
details.more>summary{cursor:pointer;color:%[6]s;margin:8px 0}
nav table{width:100%%}
@media print{
body{font-size:10.5pt}
main{max-width:none;padding:0}
figure,table,.check{break-inside:avoid}
summary{list-style:none}
summary::-webkit-details-marker{display:none}
.badge,.bar,tr.fail td,pre.error,th{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`, colBG, colText, colMuted, colBorder, colSubtle, colLink, colPass, colFail, colFailText, colFailBG, colSeriesRef, seriesColours[0])
	for i, c := range seriesColours {
		fmt.Fprintf(&b, ".s%[1]d{stroke:%[2]s;fill:%[2]s}\n.line.s%[1]d{fill:none}\n.sw.s%[1]d{background:%[2]s}\n", i, c)
	}
	return b.String()
}

// htmlTemplateText is the page. html/template escapes every value for the
// context it lands in (text, attribute, SVG).
const htmlTemplateText = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="generator" content="omnisim{{with .Version}} {{.}}{{end}}">
<title>{{.Title}}: {{if .Passed}}PASS{{else}}FAIL{{end}}</title>
<style>
{{.CSS}}</style>
</head>
<body>
<main>
<header>
<h1>{{.Title}}</h1>
<p><span class="verdict {{if .Passed}}pass{{else}}fail{{end}}">{{if .Passed}}PASS{{else}}FAIL{{end}}</span>: {{.Count}}, {{.Summary.Passed}} passed, {{.Summary.Failed}} failed{{with .Summary.Skipped}} ({{.}} not run){{end}}.
{{- with .Version}} omnisim {{.}}.{{end}}{{with .Generated}} Generated {{.}}.{{end}}</p>
<p class="muted">Times are virtual times of the simulation; offsets such as +1h02m03s count from each scenario's start.</p>
</header>
{{- if .Scenarios}}
<nav aria-labelledby="toc">
<h2 id="toc" class="muted">Scenarios</h2>
<div class="tablewrap"><table>
<thead><tr><th scope="col">result</th><th scope="col">scenario</th><th scope="col">file</th><th scope="col" class="num">checks ok</th><th scope="col" class="num">checks failed</th><th scope="col">drift</th></tr></thead>
<tbody>
{{- range .Scenarios}}
<tr{{if not .Passed}} class="fail"{{end}}><td>{{.Verdict}}</td><td><a href="#{{.ID}}">{{.Name}}</a></td><td>{{.File}}</td><td class="num">{{.ChecksPassed}}</td><td class="num">{{.ChecksFailed}}</td><td>{{.DriftSummary}}</td></tr>
{{- end}}
</tbody>
</table></div>
</nav>
{{- else}}
<p>No scenarios were run.</p>
{{- end}}
{{- range .Scenarios}}{{$s := .}}
<section class="scenario {{.Class}}" id="{{.ID}}" aria-labelledby="{{.ID}}-h">
<details{{if .Open}} open{{end}}>
<summary><h2 id="{{.ID}}-h"><span class="badge {{.Class}}">{{.Verdict}}</span>{{.Name}}</h2>
<span class="muted">{{.File}}, seed {{.Seed}}{{with .Length}}, {{.}} virtual{{end}}</span></summary>
<div class="body">
{{- with .Description}}
<p>{{.}}</p>
{{- end}}
{{- if .Why}}
<ul class="why">{{range .Why}}<li>{{.}}</li>{{end}}</ul>
{{- end}}
<dl class="facts">
<dt>file</dt><dd>{{.File}}</dd>
<dt>seed</dt><dd>{{.Seed}}</dd>
<dt>virtual span</dt><dd>{{.Span}}</dd>
</dl>
{{- if .Started}}
<h3>Totals</h3>
<div class="tablewrap"><table>
<thead><tr><th scope="col" class="num">conversations</th><th scope="col" class="num">closed</th><th scope="col" class="num">waiting at end</th><th scope="col" class="num">inbound</th><th scope="col" class="num">sent</th><th scope="col" class="num">delivered</th><th scope="col" class="num">refused</th><th scope="col" class="num">failed</th><th scope="col" class="num">webhooks</th><th scope="col" class="num">rejected</th><th scope="col" class="num">duplicates</th></tr></thead>
<tbody><tr>{{with .Totals}}<td class="num">{{.Conversations}}</td><td class="num">{{.Closed}}</td><td class="num">{{.Waiting}}</td><td class="num">{{.Inbound}}</td><td class="num">{{.Sent}}</td><td class="num">{{.Delivered}}</td><td class="num">{{.Refused}}</td><td class="num">{{.Failed}}</td><td class="num">{{.Webhooks}}</td><td class="num">{{.Rejected}}</td><td class="num">{{.Duplicates}}</td>{{end}}</tr></tbody>
</table></div>
<h3>Fairness and service</h3>
<div class="tablewrap"><table>
<thead><tr>{{range .Service}}<th scope="col" class="num">{{.Label}}</th>{{end}}</tr></thead>
<tbody><tr>{{range .Service}}<td class="num">{{.Value}}</td>{{end}}</tr></tbody>
</table></div>
<p class="muted">Fairness is over each agent's assignments per capacity-hour online (1 is perfectly fair). Waits are over every conversation: the time to its first assignment, or for one never assigned, until it closed or the run ended.</p>
<h3>Over time</h3>
<p class="muted">{{.SeriesNote}}</p>
{{- if .NoQueue}}
<p><strong>Waiting queue:</strong> no conversation waited for an agent.</p>
{{- end}}
{{- with .Queue}}
<figure>
<figcaption>Waiting queue{{with $s.QueueNote}} <span class="muted">{{.}}</span>{{end}}</figcaption>
{{- with $s.QueueLegend}}
<ul class="legend">{{range .}}<li><span class="sw {{.Class}}"></span>{{.Label}}</li>{{end}}</ul>
{{- end}}
{{template "chart" .}}
</figure>
{{- end}}
{{- with .Active}}
<figure>
<figcaption>Active conversations, all agents <span class="muted">(dashed: the agents' total capacity)</span></figcaption>
{{template "chart" .}}
</figure>
{{- end}}
{{- with .WaitHist}}
<figure>
<figcaption>Wait-time distribution</figcaption>
{{template "chart" .}}
</figure>
{{- end}}
{{- if .AgentCharts}}
<h4>Active conversations per agent</h4>
<p class="muted">{{with .AgentNote}}{{.}} {{end}}The dashed line is the agent's capacity.</p>
<div class="minis">
{{- range .AgentCharts}}
<figure>
<figcaption>{{.ID}} <span class="muted">{{.Facts}}</span></figcaption>
{{template "chart" .Chart}}
</figure>
{{- end}}
</div>
{{- end}}
{{- end}}
{{- if .Failing}}
<h3>Failing expectations ({{len .Failing}})</h3>
{{- range .Failing}}
<div class="check">
<h4>{{.Line}}: {{.What}}</h4>
<dl class="facts">
<dt>expected</dt><dd>{{.Expected}}</dd>
<dt>actual</dt><dd>{{.Actual}}</dd>
<dt>checked at</dt><dd><time{{with .At.Abs}} datetime="{{.}}"{{end}}>{{.At.Offset}}</time>{{with .At.Abs}} <span class="muted">({{.}})</span>{{end}}</dd>
{{- with .Conversation}}
<dt>conversation</dt><dd>{{.}}</dd>
{{- end}}
</dl>
{{- if .TimelineShownAbove}}
<p class="muted">The timeline of conversation {{.Conversation}} is shown above.</p>
{{- else if .Timeline}}
{{template "lines" .Timeline}}
{{- else if .Conversation}}
<p class="muted">No timeline was recorded for conversation {{.Conversation}}.</p>
{{- end}}
</div>
{{- end}}
{{- end}}
<h3>Expectations</h3>
{{- if .Checks}}
<p>{{.ChecksPassed}} held, {{.ChecksFailed}} failed.</p>
<div class="tablewrap"><table>
<thead><tr><th scope="col">result</th><th scope="col">line</th><th scope="col">checked at</th><th scope="col">subject</th><th scope="col">field</th><th scope="col">expected</th><th scope="col">actual</th></tr></thead>
<tbody>
{{- range .Checks}}
<tr{{if not .Passed}} class="fail"{{end}}><td>{{if .Passed}}ok{{else}}FAIL{{end}}</td><td>{{.Line}}</td><td><time{{with .At.Abs}} datetime="{{.}}"{{end}}>{{.At.Offset}}</time></td><td>{{.Subject}}</td><td>{{.Field}}</td><td>{{.Expected}}</td><td>{{.Actual}}</td></tr>
{{- end}}
</tbody>
</table></div>
{{- else}}
<p>None.</p>
{{- end}}
{{- if or .Started .Drift}}
<h3>Policy drift</h3>
{{- if .Drift}}
<p>{{.DriftCount}}, {{.Unexpected}} unexpected. An expected finding is covered by an [[expect]] drift entry; unexpected drift fails the scenario.</p>
<div class="tablewrap"><table>
<thead><tr><th scope="col">result</th><th scope="col">at</th><th scope="col">kind</th><th scope="col">channel</th><th scope="col">customer</th><th scope="col">agent</th><th scope="col">router said</th><th scope="col">platform said</th></tr></thead>
<tbody>
{{- range .Drift}}
<tr{{if not .Expected}} class="fail"{{end}}><td>{{if .Expected}}expected{{else}}FAIL: unexpected{{end}}</td><td><time{{with .At.Abs}} datetime="{{.}}"{{end}}>{{.At.Offset}}</time></td><td>{{.Kind}}</td><td>{{.Channel}}</td><td>{{.Customer}}</td><td>{{.Agent}}</td><td>{{.Router}}</td><td>{{.Platform}}</td></tr>
{{- end}}
</tbody>
</table></div>
{{- with .DriftMore}}
<p>{{.}}.</p>
{{- end}}
{{- else}}
<p>None: the router and the platforms agreed on every message.</p>
{{- end}}
{{- end}}
{{- if .Started}}
<h3>Agents</h3>
{{- if .Agents}}
<details class="more"{{if .AgentsOpen}} open{{end}}>
<summary>{{.AgentCount}}</summary>
<div class="tablewrap"><table>
<thead><tr><th scope="col">agent</th><th scope="col" class="num">capacity</th><th scope="col" class="num">assigned</th><th scope="col" class="num">peak</th><th scope="col">online</th><th scope="col" class="num">per capacity-hour</th><th scope="col" class="num">utilization</th><th scope="col">eligible</th><th scope="col" class="num">per eligible hour</th></tr></thead>
<tbody>
{{- range .Agents}}
<tr><th scope="row">{{.ID}}</th><td class="num">{{.Capacity}}</td><td class="num">{{.Assignments}}</td><td class="num">{{.Peak}}</td><td>{{.Online}}</td><td class="num">{{.PerCapHour}}</td><td class="num">{{.Util}}</td><td>{{.Eligible}}</td><td class="num">{{.PerEligHour}}</td></tr>
{{- end}}
</tbody>
</table></div>
</details>
{{- else}}
<p>None.</p>
{{- end}}
{{- end}}
{{- with .Error}}
<h3>Error</h3>
<p>The run did not complete:</p>
<pre class="error">{{.}}</pre>
{{- end}}
{{- if .ShowTrace}}
<h3>Trace</h3>
{{- if .Trace}}
<details class="more">
<summary>{{.TraceCount}}</summary>
{{template "lines" .Trace}}
</details>
{{- else}}
<p>None recorded.</p>
{{- end}}
{{- end}}
</div>
</details>
</section>
{{- end}}
</main>
<script>{{.JS}}</script>
</body>
</html>
{{define "lines"}}<div class="tablewrap"><table>
<caption>{{.Caption}}</caption>
<thead><tr><th scope="col">at</th><th scope="col">event</th><th scope="col">conversation</th><th scope="col">customer</th><th scope="col">agent</th><th scope="col">group</th><th scope="col">detail</th></tr></thead>
<tbody>
{{- range .Lines}}
<tr><td><time{{with .At.Abs}} datetime="{{.}}"{{end}}>{{.At.Offset}}</time></td><td>{{.Kind}}</td><td>{{.Conversation}}</td><td>{{.Customer}}</td><td>{{.Agent}}</td><td>{{.Group}}</td><td class="detail">{{.Detail}}</td></tr>
{{- end}}
</tbody>
</table></div>{{end}}
{{define "chart"}}<svg viewBox="0 0 {{.W}} {{.H}}" role="img" aria-labelledby="{{.ID}}-t {{.ID}}-d"{{if .Mini}} class="mini"{{end}}>
<title id="{{.ID}}-t">{{.Title}}</title>
<desc id="{{.ID}}-d">{{.Desc}}</desc>
{{- range .Grid}}
<line class="grid" x1="{{.X1}}" y1="{{.Y1}}" x2="{{.X2}}" y2="{{.Y2}}"/>
{{- end}}
{{- range .Areas}}
<path class="area {{.Class}}" d="{{.D}}"/>
{{- end}}
{{- range .Bars}}
<rect class="bar" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"/>
{{- end}}
{{- range .Axis}}
<line class="axis" x1="{{.X1}}" y1="{{.Y1}}" x2="{{.X2}}" y2="{{.Y2}}"/>
{{- end}}
{{- range .Lines}}
<path class="line {{.Class}}" d="{{.D}}"/>
{{- end}}
{{- range .Refs}}
<path class="ref" d="{{.D}}"/>
{{- end}}
{{- range .YTicks}}
<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>
{{- end}}
{{- range .XTicks}}
<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>
{{- end}}
{{- range .Labels}}
<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>
{{- end}}
</svg>{{end}}
`
