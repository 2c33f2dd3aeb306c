package sim_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
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
	return withBindings(func(env *sim.Env) {
		if hide {
			env.Due = nil
		}
	}, func(b sim.Binding) sim.Binding { return &countingBinding{Binding: b, n: n} })
}

// withBindings returns the platform table with every binding opened with
// the Env that prepare (when not nil) changed, and handed to the world as
// wrap makes it.
func withBindings(prepare func(*sim.Env), wrap func(sim.Binding) sim.Binding) []*sim.Platform {
	out := make([]*sim.Platform, len(platforms.All))
	for i, p := range platforms.All {
		c := *p
		open := p.Open
		c.Open = func(ctx context.Context, env sim.Env, ch *scenario.Channel) (sim.Binding, error) {
			if prepare != nil {
				prepare(&env)
			}
			b, err := open(ctx, env, ch)
			if err != nil {
				return nil, err
			}
			return wrap(b), nil
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

// TestDueRetriedWebhook: on the Memory network, customers' webhooks that
// the router does not take (the first few, answered 500 here) wait in the
// fake for their retries, which the world's later steps deliver; the
// channel sends no status webhooks, so that nothing else has the fake do
// anything. Played with the world's Due and without, the reports are the
// same, and every retry reached the router.
func TestDueRetriedWebhook(t *testing.T) {
	sc, err := platforms.Format.Parse("retried.toml", []byte(`
name = "webhooks the router does not take at first"
seed = 5
[channels.whatsapp]
status_webhooks = false
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 30/h"
for = "6h"
messages = "1"
handle = "exp 5m"
[[agents]]
id = "a"
capacity = 3
`))
	if err != nil {
		t.Fatal(err)
	}
	const refused = 3
	var reports [2][]byte
	for i, hide := range []bool{false, true} {
		var n asked
		all := counted(&n, hide)
		for j, p := range all {
			c := *p
			open := p.Open
			c.Open = func(ctx context.Context, env sim.Env, ch *scenario.Channel) (sim.Binding, error) {
				mount := env.Mount
				env.Mount = func(part string, h http.Handler) (string, error) {
					if part == "webhook" {
						h = refuseFirst(refused, h)
					}
					return mount(part, h)
				}
				return open(ctx, env, ch)
			}
			all[j] = &c
		}
		w := runWorld(t, sc, sim.Options{Platforms: all, Network: sim.Memory})
		res := w.Finish()
		w.Close()
		if res.Totals.Inbound != res.Totals.Conversations || res.Totals.Conversations < 100 {
			t.Errorf("hide %v: %d messages in, %d conversations", hide, res.Totals.Inbound, res.Totals.Conversations)
		}
		reports[i] = jsonReport(t, res)
	}
	if string(reports[0]) != string(reports[1]) {
		t.Errorf("reports differ:\nwith Due: %s\nwithout: %s", reports[0], reports[1])
	}
}

// refuseFirst answers the first n POSTs to h with 500, and passes the
// others on.
func refuseFirst(n int, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && n > 0 {
			n--
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		h.ServeHTTP(w, r)
	})
}
