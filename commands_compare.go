package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// parseStrategies reads -compare's list: router strategies, comma
// separated, each once.
func parseStrategies(s string) ([]string, error) {
	var out []string
	known := router.Strategies()
	if strings.TrimSpace(s) == "" {
		var names []string
		for _, k := range known {
			names = append(names, string(k))
		}
		return nil, fmt.Errorf("want a list of strategies, comma separated: %s", strings.Join(names, ", "))
	}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(known, router.Strategy(name)) {
			var names []string
			for _, k := range known {
				names = append(names, string(k))
			}
			return nil, fmt.Errorf("unknown strategy %q (want %s)", name, strings.Join(names, ", "))
		}
		if slices.Contains(out, name) {
			return nil, fmt.Errorf("strategy %q is listed twice", name)
		}
		out = append(out, name)
	}
	return out, nil
}

// Comparison is one scenario played once per strategy: the same traffic
// (same scenario, same seed), only the tenant's strategy replaced. It is
// the JSON form of 'omnisim run -compare'.
type Comparison struct {
	Name string        `json:"name"`
	File string        `json:"file"`
	Seed uint64        `json:"seed"`
	Runs []CompareFigs `json:"runs"`
}

// CompareFigs are the figures of one strategy's run.
type CompareFigs struct {
	Strategy string        `json:"strategy"`
	Jain     float64       `json:"fairness_jain"`
	Spread   float64       `json:"fairness_spread"`
	WaitP50  time.Duration `json:"wait_p50_ns"`
	WaitP90  time.Duration `json:"wait_p90_ns"`
	WaitMax  time.Duration `json:"wait_max_ns"`
	// The service figures, as result.Service has them.
	WaitProbability float64       `json:"wait_probability"`
	ASA             time.Duration `json:"asa_ns"`
	ServiceLevel    float64       `json:"service_level"`
	Target          time.Duration `json:"target_ns"`
	Abandoned       int           `json:"abandoned"`
	// UtilizationSpread is the largest minus the smallest agent
	// utilization.
	UtilizationSpread float64 `json:"utilization_spread"`
	Assigned          int     `json:"assigned"`
	Conversations     int     `json:"conversations"`
	// Passed says whether the scenario's expectations held under this
	// strategy; Error is a run that could not complete.
	Passed bool   `json:"passed"`
	Error  string `json:"error,omitempty"`
}

// compareFigs takes a run's figures.
func compareFigs(strategy string, r *result.Result) CompareFigs {
	m := r.Metrics
	f := CompareFigs{Strategy: strategy, Jain: m.Jain, Spread: m.Spread, WaitP50: m.WaitP50, WaitP90: m.WaitP90, WaitMax: m.WaitMax,
		Assigned: m.Assigned, Conversations: r.Totals.Conversations, Passed: r.Passed, Error: r.Error}
	if s := m.Service; s != nil {
		f.WaitProbability, f.ASA, f.ServiceLevel, f.Target, f.Abandoned = s.WaitProbability, s.ASA, s.ServiceLevel, s.Target, s.Abandoned
	}
	var us []float64
	for _, a := range r.Agents {
		if a.OnlineTime > 0 {
			us = append(us, a.Utilization)
		}
	}
	f.UtilizationSpread = sim.Spread(us)
	return f
}

// runCompare plays each scenario once per strategy, p runs at a time
// whose estimated memory keeps within memory together (memoryGate), and
// writes the figures side by side: a table per scenario in text, a JSON
// array with json. The expectations are not judged (a scenario written for
// one strategy may not hold under another): the exit status is 1 only when
// a run could not complete. An opt.Network of "" (no -transport) plays
// direct, and memory for a scenario with a fault plan, which the direct
// network refuses.
func runCompare(ctx context.Context, out io.Writer, scs []*scenario.Scenario, strategies []string, opt sim.Options, p int, timeout time.Duration, memory int64, asJSON bool) int {
	opt.Service = true
	opt.Series = false
	cmp := make([]Comparison, len(scs))
	type task struct{ i, k int }
	var tasks []task
	for i, sc := range scs {
		seed := sc.Seed
		if opt.Seed != nil {
			seed = *opt.Seed
		}
		cmp[i] = Comparison{Name: sc.Name, File: sc.File, Seed: seed, Runs: make([]CompareFigs, len(strategies))}
		for k := range strategies {
			tasks = append(tasks, task{i, k})
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(p, 1))
	gate := newMemoryGate(memory)
	for n, t := range tasks {
		sem <- struct{}{}
		release := gate.acquire(ctx, n, memoryNeed(scs[t.i])) // ctx done: the run stops at once
		wg.Go(func() {
			defer func() { <-sem }()
			defer release()
			sc := *scs[t.i] // a shallow copy: only the tenant, a value, changes
			sc.Tenant.Strategy = strategies[t.k]
			o := opt
			if o.Network == "" {
				o.Network = sim.Direct // no -transport: the wire is not the question
			}
			res := sim.Run(ctx, &sc, o)
			if res.Error != "" && ctx.Err() != nil {
				// The whole run stopped: say why, not "context canceled".
				res.Error = stopReason(ctx, timeout, memory) + ", before the scenario finished"
			}
			cmp[t.i].Runs[t.k] = compareFigs(strategies[t.k], &res)
		})
	}
	wg.Wait()
	code := exitOK
	for _, c := range cmp {
		for _, r := range c.Runs {
			if r.Error != "" {
				code = exitFailed
			}
		}
	}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(cmp); err != nil {
			return exitUsage
		}
		return code
	}
	for i, c := range cmp {
		if i > 0 {
			fmt.Fprintln(out)
		}
		writeComparison(out, &c)
	}
	return code
}

// writeComparison writes one scenario's table.
func writeComparison(out io.Writer, c *Comparison) {
	fmt.Fprintf(out, "COMPARE  %s\n  file  %s\n  seed  %d\n", c.Name, c.File, c.Seed)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	target := compareTarget(c)
	fmt.Fprintf(tw, "  strategy\tjain\tspread\tp50\tp90\tmax\tP(wait)\tASA\tSL(%s)\tutil spread\tassigned\texpect\t\n", scenario.FormatDuration(target))
	for _, r := range c.Runs {
		verdict := "ok"
		switch {
		case r.Error != "":
			verdict = "error: " + r.Error
		case !r.Passed:
			verdict = "FAIL"
		}
		fmt.Fprintf(tw, "  %s\t%.3f\t%.3f\t%s\t%s\t%s\t%.4f\t%s\t%.4f\t%.3f\t%d/%d\t%s\t\n", r.Strategy, r.Jain, r.Spread,
			short(r.WaitP50), short(r.WaitP90), short(r.WaitMax), r.WaitProbability, short(r.ASA), r.ServiceLevel, r.UtilizationSpread,
			r.Assigned, r.Conversations, verdict)
	}
	tw.Flush()
}

// compareTarget is the service-level target of a comparison's runs.
func compareTarget(c *Comparison) time.Duration {
	for _, r := range c.Runs {
		if r.Target > 0 {
			return r.Target
		}
	}
	return sim.DefaultServiceTarget
}

// short formats a duration for a table: to the millisecond below a minute,
// to the second above.
func short(d time.Duration) string {
	if d < time.Minute {
		return scenario.FormatDuration(d.Round(time.Millisecond))
	}
	return scenario.FormatDuration(d.Round(time.Second))
}
