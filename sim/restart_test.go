package sim_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/scenarios"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// withoutRestarts drops the trace lines of router restarts.
func withoutRestarts(res result.Result) result.Result {
	var kept []result.Line
	for _, l := range res.Trace {
		if l.Kind != "restart" {
			kept = append(kept, l)
		}
	}
	res.Trace = kept
	return res
}

// TestRestartChangesNothing plays every shipped scenario as it is and
// with the router restarted several times along the run (between events,
// and at the very times of its steps): the JSON reports, traces included,
// must be byte-identical but for the restart lines, on the memory network
// and, for a scenario without fault plans, on the direct network.
func TestRestartChangesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("plays the library twice over")
	}
	names, err := fs.Glob(scenarios.Library, "*.toml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	opt := sim.Options{Platforms: platforms.All, Trace: true}
	for _, name := range names {
		t.Run(strings.TrimSuffix(name, ".toml"), func(t *testing.T) {
			src, err := fs.ReadFile(scenarios.Library, name)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := platforms.Format.Parse(name, src)
			if err != nil {
				t.Fatal(err)
			}
			plain := sim.Run(ctx, sc, opt)
			if plain.Error != "" {
				t.Fatalf("run: %s", plain.Error)
			}
			if len(plain.Trace) > 20000 {
				t.Skip("a long run; the smaller ones cover restarts")
			}
			// Restarts at seven points of the run and at the time of every
			// third step.
			span := plain.End.Sub(sc.Start)
			var extra strings.Builder
			restart := func(at time.Duration) {
				fmt.Fprintf(&extra, "\n[[steps]]\nat = %q\nrestart_router = true\n", at.String())
			}
			for i := 1; i <= 7; i++ {
				restart((span * time.Duration(i) / 8).Truncate(time.Millisecond))
			}
			for i, st := range sc.Steps {
				if i%3 == 0 {
					restart(st.At.D())
				}
			}
			src2 := append(bytes.Clone(src), extra.String()...)
			sc2, err := platforms.Format.Parse(name, src2)
			if err != nil {
				t.Fatalf("%v\n%s", err, extra.String())
			}
			restarted := sim.Run(ctx, sc2, opt)
			if restarted.Error != "" {
				t.Fatalf("run with restarts: %s", restarted.Error)
			}
			// A scenario may have error lines of its own (a customer writing
			// to a platform that has shut down): only new ones are the
			// restarts' doing.
			own := map[string]int{}
			for _, l := range plain.Trace {
				if l.Kind == "error" {
					own[fmt.Sprint(l)]++
				}
			}
			n := 0
			for _, l := range restarted.Trace {
				if l.Kind == "restart" {
					n++
				}
				if l.Kind == "error" {
					if k := fmt.Sprint(l); own[k] > 0 {
						own[k]--
					} else {
						t.Errorf("error line: %+v", l)
					}
				}
			}
			if n == 0 {
				t.Fatal("no restart happened")
			}
			a, b := jsonReport(t, withoutRestarts(plain)), jsonReport(t, withoutRestarts(restarted))
			if !bytes.Equal(a, b) {
				t.Errorf("%d restarts changed the run:\n%s", n, firstDiff(a, b))
			}
			// The same on the direct network (a channel whose faults act
			// on the wire plays on memory inside it).
			dopt := opt
			dopt.Network = sim.Direct
			dplain, drestarted := sim.Run(ctx, sc, dopt), sim.Run(ctx, sc2, dopt)
			if dplain.Error != "" || drestarted.Error != "" {
				t.Fatalf("direct: %q, with restarts %q", dplain.Error, drestarted.Error)
			}
			a, b = jsonReport(t, withoutRestarts(dplain)), jsonReport(t, withoutRestarts(drestarted))
			if !bytes.Equal(a, b) {
				t.Errorf("direct: %d restarts changed the run:\n%s", n, firstDiff(a, b))
			}
		})
	}
}

// firstDiff shows where two reports part.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(i-300, 0)
	return fmt.Sprintf("at byte %d:\n--- without restarts\n%s\n--- with restarts\n%s", i, a[lo:min(i+300, len(a))], b[lo:min(i+300, len(b))])
}

// unrestartable hides a binding's Restarter: its router cannot restart.
type unrestartable struct{ sim.Binding }

// TestFailedRestartStopsTheRun: a router restart that fails (here a
// channel whose router cannot restart) stops the run with its error, at
// the step: nothing after it plays, and the result does not pass.
func TestFailedRestartStopsTheRun(t *testing.T) {
	var table []*sim.Platform
	for _, p := range platforms.All {
		if p.Name() == "whatsapp" {
			q, open := *p, p.Open
			q.Open = func(ctx context.Context, env sim.Env, ch *scenario.Channel) (sim.Binding, error) {
				b, err := open(ctx, env, ch)
				if err != nil {
					return nil, err
				}
				return unrestartable{b}, nil
			}
			p = &q
		}
		table = append(table, p)
	}
	sc, err := platforms.Format.Parse("restart.toml", []byte(`
name = "restart"
[[agents]]
id = "ana"
[[customers]]
id = "bo"
[[steps]]
at = "0s"
customer = "bo"
says = "hello"
[[steps]]
at = "1m"
restart_router = true
[[steps]]
at = "2m"
agent = "ana"
to = "bo"
says = "hi"
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []sim.Network{sim.Memory, sim.Direct} {
		t.Run(string(n), func(t *testing.T) {
			res := sim.Run(context.Background(), sc, sim.Options{Platforms: table, Network: n})
			if want := "restart: channel whatsapp cannot restart its router"; res.Error != want {
				t.Errorf("error %q, want %q", res.Error, want)
			}
			if res.Passed || res.Totals.Sent != 0 || res.Totals.Inbound != 1 {
				t.Errorf("passed %v, %d inbound, %d sent: the run went on after the failed restart", res.Passed, res.Totals.Inbound, res.Totals.Sent)
			}
			if want := time.Minute; res.End.Sub(sc.Start) != want {
				t.Errorf("the run ended at %v, want at the restart, %v", res.End.Sub(sc.Start), want)
			}
			// The same table without the restart step plays to its end.
			plain := *sc
			plain.Steps = append(plain.Steps[:1:1], sc.Steps[2])
			if res := sim.Run(context.Background(), &plain, sim.Options{Platforms: table, Network: n}); res.Error != "" || res.Totals.Sent != 1 {
				t.Errorf("without the restart: error %q, %d sent", res.Error, res.Totals.Sent)
			}
		})
	}
}
