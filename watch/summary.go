package watch

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/omnisim/omnisim/sim/result"
)

// ANSI colours, used only with Options.Color.
const (
	bold   = "\x1b[1m"
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	reset  = "\x1b[0m"
)

func (w *Watcher) paint(colour, s string) string {
	if !w.opt.Color {
		return s
	}
	return colour + s + reset
}

// printf writes to Out; each call is one write, so a reader of a file
// sees whole lines.
func (w *Watcher) printf(format string, args ...any) {
	fmt.Fprintf(w.out, format, args...)
}

// passed is the report's verdict: the simulator's, and a run that could
// not complete never passes.
func passed(r *result.Result) bool { return r.Passed && r.Error == "" }

// printResult writes a scenario's line, and for a failure one line per
// reason: each failed expectation in its one-line form, unexpected policy
// drift, the run's error.
func (w *Watcher) printResult(r *result.Result) {
	name := r.Name
	if name == "" {
		name = "(unnamed scenario)"
	}
	var b strings.Builder
	if passed(r) {
		fmt.Fprintf(&b, "%s  %s (%s)\n", w.paint(green, "PASS"), oneLine(name), oneLine(r.File))
		w.printf("%s", b.String())
		return
	}
	fmt.Fprintf(&b, "%s  %s (%s)\n", w.paint(red, "FAIL"), oneLine(name), oneLine(r.File))
	reasons := 0
	for _, c := range r.Expectations {
		if !c.Passed {
			fmt.Fprintf(&b, "      %s\n", oneLine(c.String()))
			reasons++
		}
	}
	for _, d := range r.Drift {
		if !d.Expected {
			fmt.Fprintf(&b, "      FAIL drift %s: channel %s, customer %s, agent %s: router %s, platform %s\n",
				oneLine(d.Kind), oneLine(d.Channel), oneLine(d.Customer), oneLine(d.Agent), oneLine(d.Router), oneLine(d.Platform))
			reasons++
		}
	}
	if more := r.DriftNotListed(); more != "" {
		// Findings past the listed ones are counted only.
		fmt.Fprintf(&b, "      drift: %s\n", more)
		if r.DriftDroppedUnexpected > 0 {
			reasons++
		}
	}
	if r.Error != "" {
		fmt.Fprintf(&b, "      error: %s\n", oneLine(r.Error))
		reasons++
	}
	if reasons == 0 {
		b.WriteString("      the simulator marked the run failed without a failed expectation\n")
	}
	w.printf("%s", b.String())
}

// oneLine keeps a name or message on one line, quoting it if it would
// break the line.
func oneLine(s string) string {
	if strings.ContainsFunc(s, unicode.IsControl) {
		return strconv.Quote(s)
	}
	return s
}
