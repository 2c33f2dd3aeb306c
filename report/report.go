// Package report renders the results of scenario runs ([result.Result]) as
// text for people, as versioned JSON for programs, as JUnit XML for CI
// dashboards, as a self-contained HTML page with charts and as a Markdown
// summary for CI step summaries.
//
// Every format is deterministic: equal results give byte-identical output,
// so reports can be diffed, golden-tested and cached. Times are the run's
// virtual times; nothing here reads the wall clock. The one real time is
// Result.Wall, measured by the caller, which only the JUnit report shows
// (its time attributes); the JSON report never holds it.
//
// A scenario counts as passed when its Result.Passed is set and it has no
// Result.Error: a run that could not complete never passes. A result with
// Result.Skipped was not run at all; it counts as failed.
//
// [TextWriter] writes the text report a scenario at a time, for a run that
// prints results as they finish.
//
// The JSON form is a stable contract identified by [Schema]; the text form
// is for humans and may change. docs/report.md documents all three formats.
package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/omnisim/omnisim/sim/result"
)

// Format names an output format.
type Format string

// The output formats.
const (
	// Text is the human-readable report for terminals and CI logs; the default.
	Text Format = "text"
	// JSON is the stable, versioned machine-readable report (see Schema).
	JSON Format = "json"
	// JUnit is JUnit XML for CI dashboards.
	JUnit Format = "junit"
	// HTML is a self-contained HTML page with charts, for people.
	HTML Format = "html"
	// Markdown is a compact GitHub-flavoured Markdown summary, for CI step
	// summaries.
	Markdown Format = "markdown"
)

// formats lists the valid formats in the order error messages name them.
var formats = []Format{Text, JSON, JUnit, HTML, Markdown}

// ParseFormat returns the format named s ("text", "json", "junit", "html"
// or "markdown", in any case). The empty string means Text. The error for
// any other name lists the valid formats.
func ParseFormat(s string) (Format, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	if name == "" {
		return Text, nil
	}
	for _, f := range formats {
		if name == string(f) {
			return f, nil
		}
	}
	return "", unknownFormat(s)
}

func unknownFormat(s string) error {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = string(f)
	}
	return fmt.Errorf("unknown report format %q: valid formats are %s", s, strings.Join(names, ", "))
}

// Schema is the JSON report's schema id.
const Schema = "omnisim.report/v1"

// Options tune a report.
type Options struct {
	// Version is the omnisim version printed in reports.
	Version string
	// Verbose makes the text report print each result's Trace and every
	// agent's row however many agents there are; the JUnit report then adds
	// the Trace as each suite's system-out.
	Verbose bool
	// Title heads the HTML and Markdown reports; empty means
	// "omnisim report".
	Title string
	// Generated, when set, is printed in the HTML and Markdown reports as
	// when they were made. It is empty by default, so that equal results
	// give byte-identical reports.
	Generated string
	// ChartAgents caps the per-agent charts of the HTML report to that many
	// of the busiest agents; 0 means 24.
	ChartAgents int
}

// Write writes results to w in format f. The zero Format means Text.
func Write(w io.Writer, f Format, results []result.Result, opt Options) error {
	switch f {
	case Text, "":
		return WriteText(w, results, opt)
	case JSON:
		return WriteJSON(w, results, opt)
	case JUnit:
		return WriteJUnit(w, results, opt)
	case HTML:
		return WriteHTML(w, results, opt)
	case Markdown:
		return WriteMarkdown(w, results, opt)
	}
	return unknownFormat(string(f))
}

// passed reports whether a scenario counts as passed.
func passed(r *result.Result) bool { return r.Passed && r.Error == "" }

// summary counts scenarios by verdict.
type summary struct {
	Scenarios int `json:"scenarios"`
	Passed    int `json:"passed"`
	Failed    int `json:"failed"`
	// Skipped counts the failed scenarios that were not run at all (the run
	// was interrupted or timed out first); left out when zero.
	Skipped int `json:"skipped,omitempty"`
}

func summarize(results []result.Result) summary {
	s := summary{Scenarios: len(results)}
	for i := range results {
		if passed(&results[i]) {
			s.Passed++
		} else {
			s.Failed++
		}
		if results[i].Skipped != "" {
			s.Skipped++
		}
	}
	return s
}

// unexpectedDrift counts the drift findings no expectation covers, listed
// or not.
func unexpectedDrift(r *result.Result) int {
	n := r.DriftDroppedUnexpected
	for _, d := range r.Drift {
		if !d.Expected {
			n++
		}
	}
	return n
}

// failedChecks counts the expectations that did not hold.
func failedChecks(r *result.Result) int {
	n := 0
	for _, c := range r.Expectations {
		if !c.Passed {
			n++
		}
	}
	return n
}

// driftTotal counts a run's drift findings, listed or not.
func driftTotal(r *result.Result) int {
	return len(r.Drift) + r.DriftDropped
}
