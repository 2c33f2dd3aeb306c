package report

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// maxAgentRows is the number of agents the text report lists one per row;
// above it, it prints a summary unless Options.Verbose is set.
const maxAgentRows = 20

// WriteText writes results as the human-readable report: one block per
// scenario (verdict, file, seed, virtual span, totals, metrics, agents,
// expectations, drift, error and, when verbose, the trace) and a last line
// "N scenarios, N passed, N failed". It writes what [TextWriter] writes
// when given the same results one by one.
func WriteText(w io.Writer, results []result.Result, opt Options) error {
	t := NewTextWriter(w, opt)
	for i := range results {
		t.Result(&results[i])
	}
	return t.Close()
}

// TextWriter writes the text report a scenario at a time, as runs finish:
// [NewTextWriter] writes the header, [TextWriter.Result] a scenario's
// block, [TextWriter.Close] the summary line. Each call writes whole
// lines, so a block appears as soon as its run ends.
type TextWriter struct {
	b   *bufio.Writer
	opt Options
	sum summary
	err error
}

// NewTextWriter starts a text report on w.
func NewTextWriter(w io.Writer, opt Options) *TextWriter {
	t := &TextWriter{b: bufio.NewWriter(w), opt: opt}
	if opt.Version != "" {
		fmt.Fprintf(t.b, "omnisim %s\n\n", opt.Version)
	}
	t.flush()
	return t
}

func (t *TextWriter) flush() {
	if err := t.b.Flush(); err != nil && t.err == nil {
		t.err = err
	}
}

// Result writes one scenario's block. It returns the first write error so
// far.
func (t *TextWriter) Result(r *result.Result) error {
	one := summarize([]result.Result{*r})
	t.sum.Scenarios++
	t.sum.Passed += one.Passed
	t.sum.Failed += one.Failed
	t.sum.Skipped += one.Skipped
	writeTextResult(t.b, r, t.opt)
	t.b.WriteString("\n")
	t.flush()
	return t.err
}

// Close writes the summary line and returns the first write error.
func (t *TextWriter) Close() error {
	s := t.sum
	fmt.Fprintf(t.b, "%d scenarios, %d passed, %d failed", s.Scenarios, s.Passed, s.Failed)
	if s.Skipped > 0 {
		fmt.Fprintf(t.b, " (%d not run)", s.Skipped)
	}
	t.b.WriteString("\n")
	t.flush()
	return t.err
}

// field writes one labelled line of a scenario block; further lines of value
// are indented under the first.
func field(b *bufio.Writer, label, value string) {
	value = strings.ReplaceAll(value, "\n", "\n"+strings.Repeat(" ", 11))
	fmt.Fprintf(b, "  %-8s %s\n", label, value)
}

func writeTextResult(b *bufio.Writer, r *result.Result, opt Options) {
	verdict := "PASS"
	if !passed(r) {
		verdict = "FAIL"
	}
	if r.Skipped != "" {
		verdict = "SKIP"
	}
	name := r.Name
	if name == "" {
		name = "(unnamed scenario)"
	}
	fmt.Fprintf(b, "%s  %s\n", verdict, oneLine(name))
	if r.Skipped != "" {
		field(b, "why", "not run: "+keepLines(r.Skipped))
		field(b, "file", show(r.File))
		field(b, "seed", strconv.FormatUint(r.Seed, 10))
		return
	}
	if !passed(r) {
		field(b, "why", strings.Join(failReasons(r), ", "))
	}
	field(b, "file", show(r.File))
	field(b, "seed", strconv.FormatUint(r.Seed, 10))
	field(b, "virtual", span(r))
	if r.Start.IsZero() {
		// The run never started: there are no figures to show.
		if r.Error != "" {
			field(b, "error", keepLines(r.Error))
		}
		return
	}
	t := r.Totals
	field(b, "totals", fmt.Sprintf("conversations %d (closed %d, waiting %d), inbound %d, sent %d, delivered %d, refused %d, failed %d, webhooks %d, rejected %d, duplicates %d",
		t.Conversations, t.Closed, t.Waiting, t.Inbound, t.Sent, t.Delivered, t.Refused, t.Failed, t.Webhooks, t.Rejected, t.Duplicates))
	field(b, "metrics", metricsLine(r))
	if sv := r.Metrics.Service; sv != nil {
		field(b, "service", serviceLine(sv))
	}
	writeAgents(b, r.Agents, opt.Verbose)
	writeChecks(b, r)
	writeDrift(b, r)
	if r.Error != "" {
		field(b, "error", keepLines(r.Error))
	}
	if opt.Verbose {
		if len(r.Trace) == 0 {
			field(b, "trace", "none recorded")
		} else {
			b.WriteString("  trace\n")
			writeLines(b, "    ", r.Start, "", r.Trace)
		}
	}
}

// failReasons says why a scenario failed.
func failReasons(r *result.Result) []string {
	var why []string
	if n := failedChecks(r); n > 0 {
		why = append(why, fmt.Sprintf("%d of %d expectations failed", n, len(r.Expectations)))
	}
	if n := unexpectedDrift(r); n > 0 {
		why = append(why, plural(n, "unexpected policy drift finding", "unexpected policy drift findings"))
	}
	if r.Error != "" {
		why = append(why, "the run did not complete")
	}
	if len(why) == 0 {
		why = append(why, "the simulator marked the run failed without a failed expectation")
	}
	return why
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// span writes the virtual time span of a run.
func span(r *result.Result) string {
	if r.Start.IsZero() {
		return "not started"
	}
	s := r.Start.Format(time.RFC3339Nano)
	if r.End.IsZero() {
		return s + " → (no end)"
	}
	return fmt.Sprintf("%s → %s (%s)", s, r.End.Format(time.RFC3339Nano), human(r.End.Sub(r.Start)))
}

// metricsLine writes the fairness figures and the waits of the run's
// conversations (never-assigned ones included, counted until they closed or
// the run ended).
func metricsLine(r *result.Result) string {
	m := &r.Metrics
	s := fmt.Sprintf("jain %.3f, spread %.3f, ", m.Jain, m.Spread)
	if r.Totals.Conversations == 0 {
		return s + "waits none (no conversations)"
	}
	f := human
	return s + fmt.Sprintf("waits p50 %s, p90 %s, p99 %s, max %s (%d of %d assigned)",
		f(m.WaitP50), f(m.WaitP90), f(m.WaitP99), f(m.WaitMax), m.Assigned, r.Totals.Conversations)
}

// serviceLine writes the queueing figures of a run that reports them.
func serviceLine(sv *result.Service) string {
	return fmt.Sprintf("P(wait) %.4f, ASA %s, service level %.4f within %s, abandoned %d (%.4f) of %d",
		sv.WaitProbability, human(sv.ASA), sv.ServiceLevel, human(sv.Target), sv.Abandoned, sv.Abandonment, sv.Ended)
}

// writeAgents writes the agent table, or a summary of it when there are more
// than maxAgentRows agents and the report is not verbose.
func writeAgents(b *bufio.Writer, agents []result.Agent, verbose bool) {
	if len(agents) == 0 {
		field(b, "agents", "none")
		return
	}
	if len(agents) > maxAgentRows && !verbose {
		n := make([]int, len(agents))
		for i, a := range agents {
			n[i] = a.Assignments
		}
		slices.Sort(n)
		var median string
		if k := len(n); k%2 == 1 {
			median = strconv.Itoa(n[k/2])
		} else {
			median = strconv.FormatFloat(float64(n[k/2-1]+n[k/2])/2, 'f', -1, 64)
		}
		field(b, "agents", fmt.Sprintf("%d agents, assignments min %d, median %s, max %d (verbose lists each)",
			len(agents), n[0], median, n[len(n)-1]))
		return
	}
	rows := [][]string{{"agent", "cap", "assigned", "peak", "online", "per cap-h", "util", "eligible", "per elig-h"}}
	for _, a := range agents {
		rows = append(rows, []string{
			oneLine(a.ID),
			strconv.Itoa(a.Capacity),
			strconv.Itoa(a.Assignments),
			strconv.Itoa(a.PeakActive),
			human(a.OnlineTime),
			strconv.FormatFloat(a.PerCapacityHour, 'f', 3, 64),
			strconv.FormatFloat(a.Utilization, 'f', 3, 64),
			human(a.EligibleTime),
			strconv.FormatFloat(a.PerEligibleHour, 'f', 3, 64),
		})
	}
	b.WriteString("  agents\n")
	writeTable(b, "    ", rows, map[int]bool{0: true, 4: true, 7: true})
}

// writeTable writes rows as columns two spaces apart; columns in left are
// left-aligned, the others right-aligned.
func writeTable(b *bufio.Writer, indent string, rows [][]string, left map[int]bool) {
	var width []int
	for _, row := range rows {
		for i, c := range row {
			if i == len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, row := range rows {
		var line strings.Builder
		line.WriteString(indent)
		for i, c := range row {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if left[i] {
				line.WriteString(c + pad)
			} else {
				line.WriteString(pad + c)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}

// writeChecks writes one line per expectation; a failed one also gets its
// expected and actual values and the timeline of its conversation.
func writeChecks(b *bufio.Writer, r *result.Result) {
	if len(r.Expectations) == 0 {
		field(b, "expect", "none")
		return
	}
	b.WriteString("  expect\n")
	lineW, atW := 0, 0
	for _, c := range r.Expectations {
		lineW = max(lineW, len(lineLabel(c.Line)))
		atW = max(atW, len(offset(r.Start, c.At)))
	}
	// A timeline is printed once per expectation and conversation: the
	// other failed checks of the same [[expect]] refer to it.
	type shownKey struct {
		line int
		at   time.Time
		conv string
	}
	shown := map[shownKey]bool{}
	for _, c := range r.Expectations {
		what := oneLine(strings.TrimSpace(c.Subject + " " + c.Field))
		head := fmt.Sprintf("%-*s  %-*s  %s", lineW, lineLabel(c.Line), atW, offset(r.Start, c.At), what)
		if c.Passed {
			fmt.Fprintf(b, "    ok    %s: %s (expected %s)\n", head, show(c.Actual), show(c.Expected))
			continue
		}
		fmt.Fprintf(b, "    FAIL  %s\n", head)
		fmt.Fprintf(b, "            expected: %s\n", show(c.Expected))
		fmt.Fprintf(b, "            actual:   %s\n", show(c.Actual))
		k := shownKey{c.Line, c.At, c.Conversation}
		if len(c.Timeline) > 0 && shown[k] {
			fmt.Fprintf(b, "            (timeline of conversation %s above)\n", oneLine(c.Conversation))
			continue
		}
		shown[k] = true
		if len(c.Timeline) > 0 {
			if c.Conversation != "" {
				fmt.Fprintf(b, "            timeline of conversation %s:\n", oneLine(c.Conversation))
			} else {
				b.WriteString("            timeline:\n")
			}
			writeLines(b, "              ", r.Start, c.Conversation, c.Timeline)
		} else if c.Conversation != "" {
			fmt.Fprintf(b, "            conversation %s (no timeline recorded)\n", oneLine(c.Conversation))
		}
	}
}

func lineLabel(n int) string {
	if n <= 0 {
		return "line ?"
	}
	return "line " + strconv.Itoa(n)
}

// writeDrift writes each drift finding; unexpected ones are marked FAIL.
func writeDrift(b *bufio.Writer, r *result.Result) {
	if len(r.Drift) == 0 {
		field(b, "drift", "none")
		return
	}
	b.WriteString("  drift\n")
	text := formatDrift("    ", r.Start, r.Drift, func(d *result.Drift) string {
		if d.Expected {
			return "ok    "
		}
		return "FAIL  "
	})
	b.WriteString(text)
	if more := r.DriftNotListed(); more != "" {
		b.WriteString("    " + more + "\n")
	}
}

// formatDrift writes one line per drift finding, prefixed by mark.
func formatDrift(indent string, start time.Time, drift []result.Drift, mark func(*result.Drift) string) string {
	atW, kindW := 0, 0
	for _, d := range drift {
		atW = max(atW, len(offset(start, d.At)))
		kindW = max(kindW, len([]rune(oneLine(d.Kind))))
	}
	var s strings.Builder
	for i := range drift {
		d := &drift[i]
		note := "unexpected"
		if d.Expected {
			note = "expected"
		}
		kind := oneLine(d.Kind)
		fmt.Fprintf(&s, "%s%s%-*s  %s%s  channel %s, customer %s, agent %s: router %s, platform %s (%s)\n",
			indent, mark(d), atW, offset(start, d.At), kind, strings.Repeat(" ", kindW-len([]rune(kind))),
			show(d.Channel), show(d.Customer), show(d.Agent), show(d.Router), show(d.Platform), note)
	}
	return s.String()
}

// writeLines writes a timeline or trace, one entry a line: offset from the
// run's start, kind, and the entry's details. The conversation is named only
// when it differs from conv.
func writeLines(b *bufio.Writer, indent string, start time.Time, conv string, lines []result.Line) {
	b.WriteString(formatLines(indent, start, conv, lines))
}

func formatLines(indent string, start time.Time, conv string, lines []result.Line) string {
	atW, kindW := 0, 0
	for _, l := range lines {
		atW = max(atW, len(offset(start, l.At)))
		kindW = max(kindW, len([]rune(oneLine(l.Kind))))
	}
	var s strings.Builder
	for _, l := range lines {
		var parts []string
		if l.Conversation != "" && l.Conversation != conv {
			parts = append(parts, "conversation "+oneLine(l.Conversation))
		}
		if l.Customer != "" {
			parts = append(parts, "customer "+oneLine(l.Customer))
		}
		if l.Agent != "" {
			parts = append(parts, "agent "+oneLine(l.Agent))
		}
		if l.Group != "" {
			parts = append(parts, "group "+oneLine(l.Group))
		}
		if l.Detail != "" {
			parts = append(parts, oneLine(l.Detail))
		}
		kind := oneLine(l.Kind)
		line := fmt.Sprintf("%s%-*s  %s%s  %s", indent, atW, offset(start, l.At),
			kind, strings.Repeat(" ", kindW-len([]rune(kind))), strings.Join(parts, "  "))
		s.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return s.String()
}

// human writes a length of time for people, in the units scenario files
// use: rounded to the millisecond below a minute and to the second above,
// without zero units: 5d4h18m52s, 1m30s, 1s250ms, 0s. JSON keeps the exact
// figure.
func human(d time.Duration) string {
	return scenario.FormatDuration(roundHuman(d))
}

// roundHuman rounds d to the millisecond below a minute, to the second
// above.
func roundHuman(d time.Duration) time.Duration {
	if d > -time.Minute && d < time.Minute {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}

// offset formats at as an offset from the run's start with fixed two-digit
// fields after the first: +0s, +45s, +2m05s, +1h02m03s, +2d03h00m00s,
// +0.250s. It is rounded like human: to the millisecond below a minute, to
// the second above. With no at it gives "?"; with no start, or one too far
// from at for a time.Duration (about 292 years), the absolute time.
func offset(start, at time.Time) string {
	if at.IsZero() {
		return "?"
	}
	d := at.Sub(start)
	if start.IsZero() || d == math.MinInt64 || d == math.MaxInt64 {
		return at.Format(time.RFC3339Nano)
	}
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	d = roundHuman(d)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	d -= m * time.Minute
	sec := d / time.Second
	frac := d - sec*time.Second
	var s string
	switch {
	case days > 0:
		s = fmt.Sprintf("%dd%02dh%02dm%02d", days, h, m, sec)
	case h > 0:
		s = fmt.Sprintf("%dh%02dm%02d", h, m, sec)
	case m > 0:
		s = fmt.Sprintf("%dm%02d", m, sec)
	default:
		s = strconv.Itoa(int(sec))
	}
	if frac != 0 {
		s += fmt.Sprintf(".%03d", frac/time.Millisecond)
	}
	return sign + s + "s"
}

// show writes a value so that it cannot be mistaken: the empty string as "",
// a value with control characters or surrounding spaces quoted.
func show(s string) string {
	if s == "" || strings.TrimSpace(s) != s || strings.ContainsFunc(s, unicode.IsControl) {
		return strconv.Quote(s)
	}
	return s
}

// keepLines writes each line of s through oneLine: the newlines stay, and a
// line with other control characters is quoted.
func keepLines(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && unicode.IsControl(r) }) {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = oneLine(l)
	}
	return strings.Join(lines, "\n")
}

// oneLine keeps a name or detail on one line, quoting it if it would break
// the line.
func oneLine(s string) string {
	if strings.ContainsFunc(s, unicode.IsControl) {
		return strconv.Quote(s)
	}
	return s
}
