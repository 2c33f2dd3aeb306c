package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/omnisim/omnisim/sim/result"
)

// jsonReport is the top-level object of the JSON report. Field order is the
// output order.
type jsonReport struct {
	Schema    string          `json:"schema"`
	Version   string          `json:"version"`
	Passed    bool            `json:"passed"`
	Summary   summary         `json:"summary"`
	Scenarios []result.Result `json:"scenarios"`
}

// WriteJSON writes results as the versioned JSON report: one object with the
// schema id, the omnisim version, the overall verdict, a summary and every
// result in result.Result's JSON form, indented by two spaces and ending in a
// newline. Arrays that are not optional are written as [] rather than null.
// It fails, writing nothing, when a figure is NaN or infinite, which JSON
// cannot represent.
func WriteJSON(w io.Writer, results []result.Result, opt Options) error {
	rep := jsonReport{
		Schema:    Schema,
		Version:   opt.Version,
		Summary:   summarize(results),
		Scenarios: make([]result.Result, len(results)),
	}
	rep.Passed = rep.Summary.Failed == 0
	for i, r := range results {
		if err := checkFinite(&r); err != nil {
			return fmt.Errorf("json report: scenario %d %q (%s): %w", i+1, r.Name, r.File, err)
		}
		if r.Expectations == nil {
			r.Expectations = []result.Check{}
		}
		if r.Drift == nil {
			r.Drift = []result.Drift{}
		}
		if r.Agents == nil {
			r.Agents = []result.Agent{}
		}
		rep.Scenarios[i] = r
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep); err != nil { // Encode ends with a newline
		return fmt.Errorf("json report: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
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
