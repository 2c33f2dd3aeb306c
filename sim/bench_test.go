package sim_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/internal/heapfloor"
	"github.com/omnisim/omnisim/internal/wirepair"
	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/scenarios"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

// BenchmarkWirePath measures the full wire path in memory (package
// wirepair): the fake signs and posts a customer's webhook, the router's
// adapter verifies and parses it, the engine routes it, the agent's reply
// passes the policy and goes through the adapter's send client to the
// fake's send API, which delivers it. Each iteration is two messages (one
// in, one out); msgs/s is reported. Run it on one core with -cpu 1.
//
// WhatsApp runs without status webhooks, which WeChat does not have, so
// that both measure one message in and one reply out; wechat-safe is
// WeChat in safe mode: every webhook encrypted with AES-256-CBC and signed
// with msg_signature. LINE runs without its rate limit.
//
// The world is played as a run plays a scenario's traffic (generated
// customers, no journals), and the virtual clock moves one second after
// each pair. Before the timer starts, the pair is warmed for
// wirepair.Steady (694,800 pairs), longer than the windows that keep what
// a pair leaves (the dedupe windows are 48 hours to 8 days), so that the
// pairs timed are those of a channel that has carried this traffic for
// longer than its windows remember any of it: the figure is the steady
// state, not a first week in which the windows still fill, and it does not
// fall with b.N. (Business Messages' engine keeps sent messages for its
// 30-day window and an hour, and a pair's conversation, which never ends,
// keeps its message ids: its heap still grows, its time per pair not.)
// The warmed pair is kept for every b.N of one sub-benchmark.
func BenchmarkWirePath(b *testing.B) {
	for _, c := range wirepair.Cases() {
		var p *wirepair.Pair
		b.Run(c.Name, func(b *testing.B) {
			if p == nil {
				var err error
				if p, err = wirepair.New(c, 500); err != nil {
					b.Fatal(err)
				}
				if err := p.Warm(wirepair.Steady); err != nil {
					b.Fatal(err)
				}
			}
			before := p.Delivered()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := p.Play(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "msgs/s")
			if got := p.Delivered() - before; got != b.N {
				b.Fatalf("%d deliveries for %d replies", got, b.N)
			}
		})
		if p != nil {
			p.Close()
		}
	}
}

// BenchmarkMM14 plays scenarios/erlang-c.toml, the M/M/14 queue (Poisson
// arrivals at 200/h for 7 days, exponential handle times of mean 180 s, 14
// agents of capacity 1, about 33,600 customers), once per iteration with
// seeds 1, 2, ..., on the direct and the memory network, and reports
// customers played per second and the wall time per customer. Each
// customer sends one message and gets one reply.
func BenchmarkMM14(b *testing.B) {
	sc, err := platforms.Format.Load(scenarios.Library, "erlang-c.toml")
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []sim.Network{sim.Direct, sim.Memory} {
		b.Run(string(n), func(b *testing.B) { benchScenario(b, sc, n, "customers") })
	}
}

// benchScenario plays sc once per iteration on network n, seeds 1, 2, ...,
// and reports conversations per second (named unit) and per conversation.
// It keeps the heap floor the omnisim command keeps (GOGC=100 in the
// environment turns it off, as for the command).
func benchScenario(b *testing.B, sc *scenario.Scenario, n sim.Network, unit string) {
	defer heapfloor.Keep(heapfloor.Default)()
	conversations := 0
	b.ReportAllocs()
	cpu0, cpuOK := cpuTime()
	for i := 0; i < b.N; i++ {
		seed := uint64(i + 1)
		res := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: n, Seed: &seed})
		if res.Error != "" {
			b.Fatal(res.Error)
		}
		conversations += res.Totals.Conversations
	}
	cpu1, _ := cpuTime()
	one := strings.TrimSuffix(unit, "s")
	b.ReportMetric(float64(conversations)/b.Elapsed().Seconds(), unit+"/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(conversations), "ns/"+one)
	if cpuOK {
		// The process's CPU time (every goroutine, the collector's
		// included): on a shared machine the figure to compare.
		b.ReportMetric(float64(conversations)/(cpu1-cpu0).Seconds(), unit+"/cpu-s")
	}
	b.ReportMetric(0, "ns/op")
}

// BenchmarkLoad plays the load scenario (scenarios/load/month.toml: 200
// agents, about 139 conversations an hour of 2 to 4 customer messages,
// each answered, with status webhooks) with its traffic lasting 1, 30 and
// 365 days, on the direct and the memory network, and reports the cost per
// conversation: a run whose memory follows the conversations in play, not
// the length of the run, costs the same per conversation whatever its
// length. The 365-day memory run takes minutes; select with -bench.
func BenchmarkLoad(b *testing.B) {
	sc, err := platforms.Format.Load(scenarios.Library, "load/month.toml")
	if err != nil {
		b.Fatal(err)
	}
	for _, days := range []int{1, 30, 365} {
		for _, n := range []sim.Network{sim.Direct, sim.Memory} {
			b.Run(fmt.Sprintf("%dd/%s", days, n), func(b *testing.B) {
				c := *sc
				c.Traffic = append([]scenario.Traffic(nil), sc.Traffic...)
				for i := range c.Traffic {
					c.Traffic[i].For = scenario.Duration(time.Duration(days) * 24 * time.Hour)
				}
				benchScenario(b, &c, n, "conversations")
			})
		}
	}
}
