package sim_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/scenarios"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// asked counts a world's calls of its bindings' Flush and NextDeadline.
type asked struct{ flush, next int }

// countingBinding is a binding whose Flush and NextDeadline calls are
// counted.
type countingBinding struct {
	sim.Binding
	n *asked
}

func (b *countingBinding) Flush(ctx context.Context) error {
	b.n.flush++
	return b.Binding.Flush(ctx)
}

func (b *countingBinding) NextDeadline() (time.Time, bool) {
	b.n.next++
	return b.Binding.NextDeadline()
}

func (b *countingBinding) RestartRouter(rcv router.Receiver) error {
	return b.Binding.(sim.Restarter).RestartRouter(rcv)
}

// counted returns the platform table with each binding's calls counted in
// n; hide opens each without the world's Due, as a binding that does not
// track what its fake has due is: asked at every step.
func counted(n *asked, hide bool) []*sim.Platform {
	out := make([]*sim.Platform, len(platforms.All))
	for i, p := range platforms.All {
		c := *p
		open := p.Open
		c.Open = func(ctx context.Context, env sim.Env, ch *scenario.Channel) (sim.Binding, error) {
			if hide {
				env.Due = nil
			}
			b, err := open(ctx, env, ch)
			if err != nil {
				return nil, err
			}
			return &countingBinding{Binding: b, n: n}, nil
		}
		out[i] = &c
	}
	return out
}

// playCounted plays sc on network nw with the counted platforms and
// returns its report, a digest of its event log (when trace) and the calls
// counted.
func playCounted(t *testing.T, sc *scenario.Scenario, nw sim.Network, hide, trace bool) ([]byte, [sha256.Size]byte, asked) {
	t.Helper()
	var n asked
	h := sha256.New()
	opt := sim.Options{Platforms: counted(&n, hide), Network: nw, Trace: trace,
		TraceTo: func(l result.Line) { fmt.Fprintf(h, "%v\n", l) }}
	w := runWorld(t, sc, opt)
	defer w.Close()
	report := jsonReport(t, w.Finish())
	var sum [sha256.Size]byte
	copy(sum[:], h.Sum(nil))
	return report, sum, n
}

// TestDueQuietChannel plays a day of the M/M/14 scenario, whose WhatsApp
// channel sends no status webhooks, on the Direct network: nothing is
// ever due on the platform, so the world asks its binding only at the
// start (NextDeadline before the first step, Flush after it, NextDeadline
// after that Flush), rather than at every step.
func TestDueQuietChannel(t *testing.T) {
	sc, err := platforms.Format.Load(scenarios.Library, "erlang-c.toml")
	if err != nil {
		t.Fatal(err)
	}
	c := *sc
	c.Traffic = append([]scenario.Traffic(nil), sc.Traffic...)
	c.Traffic[0].For = scenario.Duration(24 * time.Hour)
	c.Expect = nil
	_, _, n := playCounted(t, &c, sim.Direct, false, false)
	if n.flush != 1 || n.next != 2 {
		t.Errorf("calls %+v, want one Flush and two NextDeadline", n)
	}
	_, _, every := playCounted(t, &c, sim.Direct, true, false)
	if every.flush < 1000 || every.next < 1000 {
		t.Errorf("without Due: calls %+v, want one per step", every)
	}
}
