package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/omnisim/omnisim/sim/result"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	wall       time.Duration
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name       string          `xml:"name,attr"`
	Classname  string          `xml:"classname,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Skipped    *junitSkipped   `xml:"skipped,omitempty"`
	Error      *junitProblem   `xml:"error,omitempty"`
	Failures   []*junitProblem `xml:"failure"`
	SystemOut  junitText       `xml:"system-out,omitempty"`
}

// junitSkipped is a <skipped>: a scenario that was not run.
type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// junitProblem is a <failure> or <error>.
type junitProblem struct {
	Message string
	Type    string
	Text    junitText
}

// MarshalXML writes the problem with its text's newlines kept as newlines.
func (p *junitProblem) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	start.Attr = append(start.Attr,
		xml.Attr{Name: xml.Name{Local: "message"}, Value: p.Message},
		xml.Attr{Name: xml.Name{Local: "type"}, Value: p.Type})
	return p.Text.MarshalXML(e, start)
}

// junitText is element text written with real newlines, which the encoder
// writes as &#xA; in struct fields; it is still escaped.
type junitText string

// MarshalXML writes the element with t as its text.
func (t junitText) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if t != "" {
		if err := e.EncodeToken(xml.CharData(t)); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// WriteJUnit writes results as JUnit XML: a <testsuites name="omnisim">
// holding one <testsuite> per scenario file and one <testcase> per
// scenario run (a file run with several seeds has one per seed). A
// failing expectation is a <failure> of its testcase, with the virtual
// time it was checked, expected and actual, and the conversation's
// timeline; unexpected policy drift is one more <failure>; a run that
// could not complete is an <error>, and a scenario not run (an interrupted
// or timed-out run) is <skipped>. Time attributes are the runs' wall
// times (result.Result.Wall) in seconds, so unlike the other formats the
// JUnit report differs from one run to the next in its times.
//
// The classname is the file's path with every "." replaced by "_"
// (load/month.toml is load/month_toml), so that tools that split a
// classname at its last dot into package and class (Jenkins) keep it
// whole.
func WriteJUnit(w io.Writer, results []result.Result, opt Options) error {
	doc := junitSuites{Name: "omnisim"}
	var order []string
	suites := map[string]*junitSuite{}
	for i := range results {
		r := &results[i]
		key := r.File
		if key == "" {
			key = r.Name
		}
		s := suites[key]
		if s == nil {
			s = &junitSuite{Name: key}
			if opt.Version != "" {
				s.Properties = append(s.Properties, junitProperty{"omnisim.version", opt.Version})
			}
			s.Properties = append(s.Properties, junitProperty{"file", r.File})
			suites[key] = s
			order = append(order, key)
		}
		c := junitCaseOf(r, opt)
		s.Cases = append(s.Cases, c)
		s.Tests++
		switch {
		case c.Skipped != nil:
			s.Skipped++
		case c.Error != nil:
			s.Errors++
		case len(c.Failures) > 0:
			s.Failures++
		}
		s.wall += r.Wall
	}
	var total time.Duration
	doc.Suites = make([]junitSuite, 0, len(order))
	for _, key := range order {
		s := suites[key]
		s.Time = seconds(s.wall)
		total += s.wall
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
		doc.Suites = append(doc.Suites, *s)
	}
	doc.Time = seconds(total)
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	out := make([]byte, 0, len(xml.Header)+len(b)+1)
	out = append(out, xml.Header...)
	out = append(out, b...)
	out = append(out, '\n')
	_, err = w.Write(out)
	return err
}

// seconds writes a wall time as JUnit does: seconds, to the millisecond.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

// JUnitClassname is the classname of a scenario file's testcases: its
// path with every "." replaced by "_".
func JUnitClassname(file string) string {
	return strings.ReplaceAll(file, ".", "_")
}

func junitCaseOf(r *result.Result, opt Options) junitCase {
	name := r.Name
	if name == "" {
		name = "(unnamed scenario)"
	}
	cls := r.File
	if cls == "" {
		cls = name
	}
	c := junitCase{Name: name, Classname: JUnitClassname(cls), Time: seconds(r.Wall)}
	c.Properties = append(c.Properties, junitProperty{"seed", strconv.FormatUint(r.Seed, 10)})
	if r.Skipped != "" {
		c.Skipped = &junitSkipped{Message: "not run: " + r.Skipped}
		return c
	}
	if !r.Start.IsZero() {
		c.Properties = append(c.Properties, junitProperty{"start", r.Start.Format(time.RFC3339Nano)})
	}
	if !r.End.IsZero() {
		c.Properties = append(c.Properties, junitProperty{"end", r.End.Format(time.RFC3339Nano)})
	}
	if r.Error != "" {
		c.Error = &junitProblem{Message: r.Error, Type: "error", Text: junitText(r.Error)}
	}
	for i := range r.Expectations {
		ch := &r.Expectations[i]
		if ch.Passed {
			continue
		}
		c.Failures = append(c.Failures, &junitProblem{
			Message: fmt.Sprintf("%s at %s: %s: expected %s, got %s", lineLabel(ch.Line), offset(r.Start, ch.At),
				strings.TrimSpace(ch.Subject+" "+ch.Field), show(ch.Expected), show(ch.Actual)),
			Type: "expectation",
			Text: junitText(checkDetail(r, ch)),
		})
	}
	if n := unexpectedDrift(r); n > 0 {
		c.Failures = append(c.Failures, &junitProblem{
			Message: plural(n, "unexpected policy drift finding", "unexpected policy drift findings"),
			Type:    "drift",
			Text:    junitText(formatDrift("", r.Start, r.Drift, func(*result.Drift) string { return "" }) + moreDrift("", r)),
		})
	}
	// A failed scenario always shows as a failure, even when the simulator
	// gave no failing expectation, drift or error to pin it on.
	if !passed(r) && c.Error == nil && len(c.Failures) == 0 {
		c.Failures = append(c.Failures, &junitProblem{
			Message: "the simulator marked the run failed without a failed expectation",
			Type:    "verdict",
		})
	}
	c.SystemOut = junitText(junitSummary(r, opt))
	return c
}

// junitSummary is a testcase's <system-out>: the virtual span, every
// expectation with its verdict, the drift findings and, when verbose, the
// trace.
func junitSummary(r *result.Result, opt Options) string {
	var s strings.Builder
	fmt.Fprintf(&s, "virtual %s\n", span(r))
	if len(r.Expectations) > 0 {
		s.WriteString("expect\n")
		for _, ch := range r.Expectations {
			verdict := "ok  "
			if !ch.Passed {
				verdict = "FAIL"
			}
			fmt.Fprintf(&s, "  %s  %s  %s  %s: %s (expected %s)\n", verdict, lineLabel(ch.Line), offset(r.Start, ch.At),
				oneLine(strings.TrimSpace(ch.Subject+" "+ch.Field)), show(ch.Actual), show(ch.Expected))
		}
	}
	if len(r.Drift) > 0 {
		s.WriteString("drift\n")
		s.WriteString(formatDrift("  ", r.Start, r.Drift, func(d *result.Drift) string {
			if d.Expected {
				return "ok    "
			}
			return "FAIL  "
		}))
		s.WriteString(moreDrift("  ", r))
	}
	if opt.Verbose && len(r.Trace) > 0 {
		s.WriteString("trace\n")
		s.WriteString(formatLines("  ", r.Start, "", r.Trace))
	}
	return s.String()
}

// checkDetail is the body of a failed expectation's <failure>.
func checkDetail(r *result.Result, c *result.Check) string {
	var s strings.Builder
	where := lineLabel(c.Line)
	fmt.Fprintf(&s, "%s: %s, checked at %s", where, strings.TrimSpace(c.Subject+" "+c.Field), offset(r.Start, c.At))
	if !c.At.IsZero() {
		fmt.Fprintf(&s, " (%s)", c.At.Format(time.RFC3339Nano))
	}
	fmt.Fprintf(&s, "\nexpected: %s\nactual:   %s\n", show(c.Expected), show(c.Actual))
	if len(c.Timeline) > 0 {
		if c.Conversation != "" {
			fmt.Fprintf(&s, "timeline of conversation %s:\n", oneLine(c.Conversation))
		} else {
			s.WriteString("timeline:\n")
		}
		s.WriteString(formatLines("  ", r.Start, c.Conversation, c.Timeline))
	}
	return s.String()
}

// moreDrift is a line saying how many drift findings are not listed, or ""
// when all are.
func moreDrift(indent string, r *result.Result) string {
	if more := r.DriftNotListed(); more != "" {
		return indent + more + "\n"
	}
	return ""
}
