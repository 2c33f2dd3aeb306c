package sim_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/scenarios"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// TestReusedRecordsChangeNothing: reusing generated customers' records
// changes no report, also when actions are still queued for a record whose
// conversation ended (idle closes cutting scripts short, patience timers
// of customers served or gone): played with and without reuse, the
// reports are byte-identical, and records were reused.
func TestReusedRecordsChangeNothing(t *testing.T) {
	cut, err := platforms.Format.Parse("cut.toml", []byte(`
name = "scripts cut short"
seed = 3
[tenant]
idle_after = "5m"
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 40/h"
for = "12h"
messages = "2..4"
handle = "exp 40m"
patience = "exp 10m"
[[agents]]
id = "a"
capacity = 2
[[agents]]
id = "b"
capacity = 3
`))
	if err != nil {
		t.Fatal(err)
	}
	erlangA, err := platforms.Format.Load(scenarios.Library, "erlang-a.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range []*scenario.Scenario{cut, erlangA} {
		for _, n := range []sim.Network{sim.Direct, sim.Memory} {
			t.Run(sc.Name+"/"+string(n), func(t *testing.T) {
				var reports [2][]byte
				for i, reuse := range []bool{false, true} {
					w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: n})
					if err != nil {
						t.Fatal(err)
					}
					res, released := sim.PlayReusing(w, reuse)
					w.Close()
					if res.Error != "" {
						t.Fatal(res.Error)
					}
					if reuse && released < res.Totals.Conversations/2 {
						t.Errorf("%d records released for reuse over %d conversations", released, res.Totals.Conversations)
					}
					reports[i] = jsonReport(t, res)
				}
				if string(reports[0]) != string(reports[1]) {
					t.Errorf("reports differ:\nwithout reuse: %s\nwith reuse:    %s", reports[0], reports[1])
				}
			})
		}
	}
}

// A generated customer never gets the handle of a scripted one: a world
// whose first generated handle a customer met through the API already has
// skips it, and the traffic's customers write from other numbers. (Only
// scripted customers are looked up when a handle is made.)
func TestGeneratedHandlesSkipScripted(t *testing.T) {
	sc, err := platforms.Format.Parse("skip.toml", []byte(`
name = "a scripted customer holds the first generated number"
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 60/h"
for = "2h"
messages = "1"
handle = "5m"
[[agents]]
id = "a"
capacity = 100
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, scripted := range []bool{false, true} {
		w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: sim.Direct, Retain: true})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := w.Binding("whatsapp")
		first := b.NewHandle(1)
		if scripted {
			if _, err := w.Customer("whatsapp", first); err != nil {
				t.Fatal(err)
			}
		}
		w.Schedule()
		if err := w.RunUntil(sc.Start.Add(3 * time.Hour)); err != nil {
			t.Fatal(err)
		}
		evs, _, _ := w.Engine().EventsSince(0, nil)
		inbound := 0
		took := false
		for _, ev := range evs {
			if ev.Kind == router.EventInbound {
				inbound++
				took = took || ev.Customer.Customer == first
			}
		}
		w.Close()
		if inbound < 10 {
			t.Fatalf("scripted=%v: %d messages in", scripted, inbound)
		}
		// Without a scripted customer the first arrival writes from the
		// first number; with one, nobody does.
		if took == scripted {
			t.Errorf("scripted=%v: a generated customer wrote from %s: %v", scripted, first, took)
		}
	}
}

// TestLaneChangesNothing: the first traffic flow's arrivals, which wait
// outside the queue (World.lane), play in the order the queue would have
// played them: with and without the lane, the reports and the event logs
// are the same. The scenarios have several flows and scripted steps, and
// arrivals several a second, some at the same millisecond as another
// flow's arrival or a patience timer: ties, which play in the order they
// were queued.
func TestLaneChangesNothing(t *testing.T) {
	busy, err := platforms.Format.Parse("busy.toml", []byte(`
name = "arrivals several a second, two flows and steps"
seed = 9
duration = "3h"
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 3600/h"
for = "2h"
messages = "1..3"
handle = "exp 20s"
patience = "exp 30s"
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 7200/h"
for = "2h"
messages = "1"
handle = "1s"
[[customers]]
id = "ann"
channel = "whatsapp"
phone = "+16505550100"
[[steps]]
at = "10m"
customer = "ann"
says = ["hello"]
repeat = 60
every = "1s"
[[agents]]
id = "a"
capacity = 20
[[agents]]
id = "b"
capacity = 20
`))
	if err != nil {
		t.Fatal(err)
	}
	var scs []*scenario.Scenario
	for _, name := range []string{"eligible-hours.toml", "erlang-a.toml", "traffic-day.toml"} {
		sc, err := platforms.Format.Load(scenarios.Library, name)
		if err != nil {
			t.Fatal(err)
		}
		scs = append(scs, sc)
	}
	for _, sc := range append(scs, busy) {
		t.Run(sc.Name, func(t *testing.T) {
			var reports [2][]byte
			var logs [2][sha256.Size]byte
			for i, lane := range []bool{false, true} {
				h := sha256.New()
				w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: sim.Direct, Trace: true,
					TraceTo: func(l result.Line) { fmt.Fprintf(h, "%v\n", l) }})
				if err != nil {
					t.Fatal(err)
				}
				res := sim.PlayLane(w, lane)
				w.Close()
				if res.Error != "" {
					t.Fatal(res.Error)
				}
				reports[i] = jsonReport(t, res)
				copy(logs[i][:], h.Sum(nil))
			}
			if string(reports[0]) != string(reports[1]) {
				t.Errorf("reports differ:\nwithout the lane: %s\nwith it:          %s", reports[0], reports[1])
			}
			if logs[0] != logs[1] {
				t.Error("event logs differ")
			}
		})
	}
}

// TestKeepCoversRelease: each platform's ChannelSpec.Keep, by which check
// estimates a run's memory, is at least how long a run keeps what it
// knows of a generated customer after its conversation, everywhere (the
// world, the fake, the adapter, the engine): a Keep after a flow of 20,000
// customers ends, the live heap has let go of at least 256 bytes for each
// (a customer of one message frees about 310 to 790, by platform).
func TestKeepCoversRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("plays 20,000 customers on each platform")
	}
	const customers = 20000
	for _, spec := range platforms.Format.Channels {
		t.Run(spec.Name, func(t *testing.T) {
			sc, err := platforms.Format.Parse("keep.toml", fmt.Appendf(nil, `
seed = 1
start = "2026-03-01T00:00:00Z"
[channels.%s]
[[traffic]]
channel = "%[1]s"
arrivals = "poisson %d/h"
for = "1h"
messages = "1"
handle = "1m"
[[agents]]
id = "a"
capacity = 1000
`, spec.Name, customers))
			if err != nil {
				t.Fatal(err)
			}
			w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: sim.Direct})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			w.Schedule()
			live := func(at time.Duration) uint64 {
				if err := w.RunUntil(sc.Start.Add(at)); err != nil {
					t.Fatal(err)
				}
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				return ms.HeapAlloc
			}
			ended := live(time.Hour + 10*time.Minute) // every conversation closed
			kept := live(time.Hour + 10*time.Minute + spec.Keep)
			t.Logf("%s frees %d bytes a customer", spec.Name, (int64(ended)-int64(kept))/customers)
			if kept+customers*256 > ended {
				t.Errorf("live heap %d MB when the flow ended, %d MB a Keep (%v) later: want at least %d MB less", ended>>20, kept>>20, spec.Keep, customers*256>>20)
			}
		})
	}
}
