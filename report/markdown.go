package report

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// The Markdown summary's limits keep it well under the 1 MiB that GitHub
// takes for a step summary; the text, JSON and HTML reports have the rest.
const (
	// mdMaxDetails is the number of failed scenarios given a section.
	mdMaxDetails = 20
	// mdMaxChecks is the number of failed checks listed per scenario.
	mdMaxChecks = 30
	// mdMaxTimelines is the number of timelines shown per scenario, and
	// mdMaxTimeline the number of entries shown per timeline: the last
	// ones, up to the check.
	mdMaxTimelines = 5
	mdMaxTimeline  = 30
	// mdMaxDrift is the number of unexpected drift findings listed per
	// scenario.
	mdMaxDrift = 30
	// mdMaxValue is the number of runes of a value shown; a longer one is
	// cut there and ends in "…". mdMaxError is the same for a run's error,
	// whose lines are then cut to mdMaxValue each.
	mdMaxValue = 200
	mdMaxError = 2000
	// mdBudget is the size in bytes that neither the table nor a scenario
	// section may take the summary past: the rows and sections that would
	// are left out and counted instead.
	mdBudget = 512 << 10
)

// WriteMarkdown writes results as a compact GitHub-flavoured Markdown
// summary, for CI step summaries ($GITHUB_STEP_SUMMARY): a heading, a totals
// line, a table of scenarios (PASS or FAIL, name, file, checks passed and
// failed, drift), then a section per failed scenario with why it failed, its
// failed checks (expected, actual, virtual time), the timeline of each
// check's conversation, its unexpected drift and its error. Every value is
// escaped so that it reads as plain text, in table cells too, and a value
// longer than 200 runes is cut there and ends in "…". The table rows and
// sections that would take the summary past 512 KiB are left out and
// counted, as are the failed scenarios past the first 20.
func WriteMarkdown(w io.Writer, results []result.Result, opt Options) error {
	cw := &countWriter{w: w}
	b := bufio.NewWriter(cw)
	// size is the number of bytes written so far.
	size := func() int { return cw.n + b.Buffered() }
	sum := summarize(results)
	fmt.Fprintf(b, "## %s\n\n", mdText(cmp.Or(opt.Title, "omnisim report")))
	verdict := "PASS"
	if sum.Failed > 0 {
		verdict = "FAIL"
	}
	fmt.Fprintf(b, "**%s**: %s, %d passed, %d failed", verdict, plural(sum.Scenarios, "scenario", "scenarios"), sum.Passed, sum.Failed)
	if sum.Skipped > 0 {
		fmt.Fprintf(b, " (%d not run)", sum.Skipped)
	}
	b.WriteString(".")
	if opt.Version != "" {
		fmt.Fprintf(b, " omnisim %s.", mdText(opt.Version))
	}
	if opt.Generated != "" {
		fmt.Fprintf(b, " Generated %s.", mdText(opt.Generated))
	}
	b.WriteString("\n")
	if len(results) == 0 {
		return b.Flush()
	}

	b.WriteString("\n| result | scenario | file | checks passed | checks failed | drift |\n|---|---|---|--:|--:|---|\n")
	var row strings.Builder
	for i := range results {
		r := &results[i]
		v := "PASS"
		switch {
		case r.Skipped != "":
			v = "**SKIP**"
		case !passed(r):
			v = "**FAIL**"
		}
		ok := len(r.Expectations) - failedChecks(r)
		row.Reset()
		fmt.Fprintf(&row, "| %s | %s | %s | %d | %d | %s |\n", v, mdText(cmp.Or(r.Name, "(unnamed scenario)")), mdText(show(r.File)),
			ok, failedChecks(r), mdDrift(r))
		if size()+row.Len() > mdBudget {
			fmt.Fprintf(b, "\n%d more scenarios are not listed here; the full report has them.\n", len(results)-i)
			break
		}
		b.WriteString(row.String())
	}

	shown := 0
	var section bytes.Buffer
	for i := range results {
		r := &results[i]
		if passed(r) {
			continue
		}
		section.Reset()
		sb := bufio.NewWriter(&section)
		writeMarkdownFailure(sb, r)
		sb.Flush()
		if shown == mdMaxDetails || size()+section.Len() > mdBudget {
			fmt.Fprintf(b, "\n%d more failed scenarios are not detailed here; the full report has them.\n", sum.Failed-shown)
			break
		}
		shown++
		b.Write(section.Bytes())
	}
	return b.Flush()
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

// mdDrift summarizes a scenario's drift findings for its table row.
func mdDrift(r *result.Result) string {
	total := driftTotal(r)
	if total == 0 {
		return "none"
	}
	u := unexpectedDrift(r)
	if u == 0 {
		return fmt.Sprintf("%d expected", total)
	}
	return fmt.Sprintf("**%d unexpected** of %d", u, total)
}

func writeMarkdownFailure(b *bufio.Writer, r *result.Result) {
	if r.Skipped != "" {
		fmt.Fprintf(b, "\n### SKIP: %s\n\n", mdText(cmp.Or(r.Name, "(unnamed scenario)")))
		fmt.Fprintf(b, "Not run: %s. File %s, seed %d.\n", mdText(r.Skipped), mdText(show(r.File)), r.Seed)
		return
	}
	fmt.Fprintf(b, "\n### FAIL: %s\n\n", mdText(cmp.Or(r.Name, "(unnamed scenario)")))
	fmt.Fprintf(b, "Why: %s.\n", mdText(strings.Join(failReasons(r), ", ")))
	if r.Start.IsZero() {
		fmt.Fprintf(b, "File %s, seed %d; the run did not start.\n", mdText(show(r.File)), r.Seed)
	} else {
		fmt.Fprintf(b, "File %s, seed %d, virtual %s.\n", mdText(show(r.File)), r.Seed, mdText(span(r)))
	}

	var failed []result.Check
	for _, c := range r.Expectations {
		if !c.Passed {
			failed = append(failed, c)
		}
	}
	if len(failed) > 0 {
		b.WriteString("\n| line | checked at | check | expected | actual |\n|--:|---|---|---|---|\n")
		for i, c := range failed {
			if i == mdMaxChecks {
				break
			}
			line := "?"
			if c.Line > 0 {
				line = strconv.Itoa(c.Line)
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", line, offset(r.Start, c.At),
				mdText(strings.TrimSpace(c.Subject+" "+c.Field)), mdText(show(c.Expected)), mdText(show(c.Actual)))
		}
		if n := len(failed) - mdMaxChecks; n > 0 {
			fmt.Fprintf(b, "\nand %d more failed checks.\n", n)
		}
		// Each conversation's timeline once per [[expect]], as in the text
		// report.
		type key struct {
			line int
			at   time.Time
			conv string
		}
		seen := map[key]bool{}
		for i, c := range failed {
			if i == mdMaxChecks {
				break
			}
			k := key{c.Line, c.At, c.Conversation}
			if len(c.Timeline) == 0 || seen[k] {
				continue
			}
			if len(seen) == mdMaxTimelines {
				b.WriteString("\nMore timelines are in the full report.\n")
				break
			}
			seen[k] = true
			writeMarkdownTimeline(b, r.Start, c)
		}
	}

	var drift []result.Drift
	for _, d := range r.Drift {
		if !d.Expected {
			drift = append(drift, d)
		}
	}
	if len(drift) > 0 || r.DriftDroppedUnexpected > 0 {
		b.WriteString("\nUnexpected policy drift:\n\n| at | kind | channel | customer | agent | router | platform |\n|---|---|---|---|---|---|---|\n")
		for i, d := range drift {
			if i == mdMaxDrift {
				break
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", offset(r.Start, d.At), mdText(d.Kind), mdText(show(d.Channel)),
				mdText(show(d.Customer)), mdText(show(d.Agent)), mdText(show(d.Router)), mdText(show(d.Platform)))
		}
		if n := unexpectedDrift(r) - min(len(drift), mdMaxDrift); n > 0 {
			fmt.Fprintf(b, "\nand %d more unexpected findings.\n", n)
		}
	}
	if r.Error != "" {
		b.WriteString("\nThe run did not complete:\n\n")
		for _, l := range strings.Split(clip(r.Error, mdMaxError), "\n") {
			fmt.Fprintf(b, "> %s\n", mdText(l))
		}
	}
}

// writeMarkdownTimeline writes a check's timeline as a collapsed table.
func writeMarkdownTimeline(b *bufio.Writer, start time.Time, c result.Check) {
	what := "timeline"
	if c.Conversation != "" {
		what = "timeline of conversation " + c.Conversation
	}
	fmt.Fprintf(b, "\n<details><summary>%s (%s)</summary>\n\n", html.EscapeString(oneLine(clip(what, mdMaxValue))), html.EscapeString(mdLine(c.Line)))
	lines := c.Timeline
	if n := len(lines) - mdMaxTimeline; n > 0 {
		fmt.Fprintf(b, "%d earlier entries left out.\n\n", n)
		lines = lines[n:]
	}
	b.WriteString("| at | event | details |\n|---|---|---|\n")
	for _, l := range lines {
		var parts []string
		if l.Conversation != "" && l.Conversation != c.Conversation {
			parts = append(parts, "conversation "+l.Conversation)
		}
		if l.Customer != "" {
			parts = append(parts, "customer "+l.Customer)
		}
		if l.Agent != "" {
			parts = append(parts, "agent "+l.Agent)
		}
		if l.Group != "" {
			parts = append(parts, "group "+l.Group)
		}
		if l.Detail != "" {
			parts = append(parts, l.Detail)
		}
		for i, p := range parts {
			parts[i] = mdText(oneLine(p))
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", offset(start, l.At), mdText(oneLine(l.Kind)), strings.Join(parts, ", "))
	}
	b.WriteString("\n</details>\n")
}

func mdLine(n int) string {
	if n <= 0 {
		return "line ?"
	}
	return "line " + strconv.Itoa(n)
}

// mdEscaper backslash-escapes the characters that Markdown (with GitHub's
// tables, strikethrough and math) would read as syntax, so that a value
// reads as plain text wherever it is put, table cells included.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, `<`, `\<`, `>`, `\>`,
	`|`, `\|`, `~`, `\~`, `&`, `\&`, `$`, `\$`, `#`, `\#`, `!`, `\!`,
)

// mdText makes s safe as plain text on one line of Markdown: it is cut to
// mdMaxValue runes, control characters are quoted away (a newline would end
// a table row), then the syntax characters escaped.
func mdText(s string) string {
	return mdEscaper.Replace(oneLine(clip(s, mdMaxValue)))
}

// clip cuts s after n runes, ending it in "…" when it was longer.
func clip(s string, n int) string {
	cut, _ := scenario.CutRunes(s, n)
	return cut
}
