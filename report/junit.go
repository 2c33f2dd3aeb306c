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
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  junitText       `xml:"system-out,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut junitText     `xml:"system-out,omitempty"`
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
// holding one <testsuite> per scenario, one <testcase> per expectation
// (failed ones carry a <failure> with the conversation's timeline), a
// "policy drift" testcase that fails on unexpected drift, and an <error>
// testcase for a run that could not complete. Every time attribute is "0":
// runs are virtual.
func WriteJUnit(w io.Writer, results []result.Result, opt Options) error {
	doc := junitSuites{Name: "omnisim", Time: "0", Suites: make([]junitSuite, 0, len(results))}
	for i := range results {
		s := junitSuiteOf(&results[i], opt)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Suites = append(doc.Suites, s)
	}
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

func junitSuiteOf(r *result.Result, opt Options) junitSuite {
	name := r.Name
	if r.File != "" {
		name += " (" + r.File + ")"
	}
	s := junitSuite{Name: name, Time: "0"}
	if opt.Version != "" {
		s.Properties = append(s.Properties, junitProperty{"omnisim.version", opt.Version})
	}
	s.Properties = append(s.Properties,
		junitProperty{"file", r.File},
		junitProperty{"seed", strconv.FormatUint(r.Seed, 10)},
	)
	if !r.Start.IsZero() {
		s.Properties = append(s.Properties, junitProperty{"start", r.Start.Format(time.RFC3339Nano)})
	}
	if !r.End.IsZero() {
		s.Properties = append(s.Properties, junitProperty{"end", r.End.Format(time.RFC3339Nano)})
	}
	newCase := func(name string) junitCase {
		return junitCase{Name: name, Classname: r.File, Time: "0"}
	}

	if r.Error != "" {
		c := newCase("scenario run")
		c.Error = &junitProblem{Message: r.Error, Type: "error", Text: junitText(r.Error)}
		s.Cases = append(s.Cases, c)
	}
	for _, ch := range r.Expectations {
		name := strings.TrimSpace(ch.Subject + " " + ch.Field)
		if ch.Line > 0 {
			name = fmt.Sprintf("line %d: %s", ch.Line, name)
		}
		c := newCase(name)
		if !ch.Passed {
			c.Failure = &junitProblem{
				Message: fmt.Sprintf("expected %s, got %s", show(ch.Expected), show(ch.Actual)),
				Type:    "expectation",
				Text:    junitText(checkDetail(r, &ch)),
			}
		}
		s.Cases = append(s.Cases, c)
	}

	drift := newCase("policy drift")
	if len(r.Drift) > 0 {
		text := formatDrift("", r.Start, r.Drift, func(*result.Drift) string { return "" })
		if n := unexpectedDrift(r); n > 0 {
			drift.Failure = &junitProblem{
				Message: plural(n, "unexpected policy drift finding", "unexpected policy drift findings"),
				Type:    "drift",
				Text:    junitText(text),
			}
		} else {
			drift.SystemOut = junitText(text)
		}
	}
	s.Cases = append(s.Cases, drift)

	// A failed scenario always shows as a failure, even when the simulator
	// gave no failing expectation, drift or error to pin it on.
	if !passed(r) && failedChecks(r) == 0 && unexpectedDrift(r) == 0 && r.Error == "" {
		c := newCase("scenario verdict")
		c.Failure = &junitProblem{
			Message: "the simulator marked the run failed without a failed expectation",
			Type:    "verdict",
		}
		s.Cases = append(s.Cases, c)
	}

	for _, c := range s.Cases {
		switch {
		case c.Error != nil:
			s.Errors++
		case c.Failure != nil:
			s.Failures++
		}
	}
	s.Tests = len(s.Cases)
	if opt.Verbose && len(r.Trace) > 0 {
		s.SystemOut = junitText(formatLines("", r.Start, "", r.Trace))
	}
	return s
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
