package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/omnisim/omnisim/sim/result"
)

// WriteJSON writes results as the versioned JSON report: one object with the
// schema id ("schema"), the omnisim version ("version"), the overall verdict
// ("passed"), a summary ("summary") and every result in result.Result's JSON
// form ("scenarios"), in that order, indented by two spaces and ending in a
// newline. Arrays that are not optional are written as [] rather than null.
// It fails, writing nothing, when a figure is NaN or infinite, which JSON
// cannot represent.
//
// The document is streamed: each result is encoded in turn and written
// through a buffer, so no more than one result's encoding is held at once.
// An error from w stops it at once, leaving the document cut short.
func WriteJSON(w io.Writer, results []result.Result, opt Options) error {
	for i := range results {
		r := &results[i]
		if err := checkFinite(r); err != nil {
			return fmt.Errorf("json report: scenario %d %q (%s): %w", i+1, r.Name, r.File, err)
		}
	}
	sum := summarize(results)
	b := bufio.NewWriter(w)
	enc := json.NewEncoder(withoutNewline{b})
	enc.SetEscapeHTML(false)
	// encode writes v as the value of a member at depth 1 (the summary) or
	// an element at depth 2 (a result), as one Encode of the whole
	// document would indent it.
	encode := func(prefix string, v any) error {
		enc.SetIndent(prefix, "  ")
		if err := enc.Encode(v); err != nil {
			if _, werr := b.Write(nil); werr != nil {
				return werr // w failed: its error, as it was
			}
			return fmt.Errorf("json report: %w", err)
		}
		return nil
	}
	b.WriteString("{\n  \"schema\": ")
	if err := encode("", Schema); err != nil {
		return err
	}
	b.WriteString(",\n  \"version\": ")
	if err := encode("", opt.Version); err != nil {
		return err
	}
	b.WriteString(",\n  \"passed\": " + strconv.FormatBool(sum.Failed == 0) + ",\n  \"summary\": ")
	if err := encode("  ", sum); err != nil {
		return err
	}
	b.WriteString(",\n  \"scenarios\": [")
	for i, r := range results {
		if r.Expectations == nil {
			r.Expectations = []result.Check{}
		}
		if r.Drift == nil {
			r.Drift = []result.Drift{}
		}
		if r.Agents == nil {
			r.Agents = []result.Agent{}
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n    ")
		if err := encode("    ", &r); err != nil {
			return err
		}
	}
	if len(results) > 0 {
		b.WriteString("\n  ")
	}
	b.WriteString("]\n}\n")
	return b.Flush()
}

// withoutNewline writes what a json.Encoder writes, one value a call,
// without the newline that ends it, so that a comma can follow.
type withoutNewline struct{ w io.Writer }

func (x withoutNewline) Write(p []byte) (int, error) {
	q := p
	if n := len(q); n > 0 && q[n-1] == '\n' {
		q = q[:n-1]
	}
	if _, err := x.w.Write(q); err != nil {
		return 0, err
	}
	return len(p), nil
}

// checkFinite names the first float of r that JSON cannot encode.
func checkFinite(r *result.Result) error {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	switch {
	case bad(r.Metrics.Jain):
		return fmt.Errorf("metrics.fairness_jain is %v, which JSON cannot represent", r.Metrics.Jain)
	case bad(r.Metrics.Spread):
		return fmt.Errorf("metrics.fairness_spread is %v, which JSON cannot represent", r.Metrics.Spread)
	case bad(r.Metrics.EligibleJain):
		return fmt.Errorf("metrics.fairness_eligible_jain is %v, which JSON cannot represent", r.Metrics.EligibleJain)
	case bad(r.Metrics.EligibleSpread):
		return fmt.Errorf("metrics.fairness_eligible_spread is %v, which JSON cannot represent", r.Metrics.EligibleSpread)
	}
	for _, a := range r.Agents {
		switch {
		case bad(a.PerCapacityHour):
			return fmt.Errorf("agent %q: per_capacity_hour is %v, which JSON cannot represent", a.ID, a.PerCapacityHour)
		case bad(a.Utilization):
			return fmt.Errorf("agent %q: utilization is %v, which JSON cannot represent", a.ID, a.Utilization)
		case bad(a.PerEligibleHour):
			return fmt.Errorf("agent %q: per_eligible_hour is %v, which JSON cannot represent", a.ID, a.PerEligibleHour)
		}
	}
	return nil
}
