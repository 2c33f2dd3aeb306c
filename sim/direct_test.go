package sim_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/scenarios"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// played is what a world did: its report, with the wire counters zeroed,
// a digest of its whole event log, and what each scripted customer's
// device received.
type played struct {
	report    []byte
	trace     [sha256.Size]byte
	lines     int
	devices   map[string][]sim.Delivery
	delivered int
}

func play(t *testing.T, sc *scenario.Scenario, n sim.Network, trace bool) played {
	t.Helper()
	h := sha256.New()
	var p played
	opt := sim.Options{Platforms: platforms.All, Network: n, Trace: trace, TraceTo: func(l result.Line) {
		fmt.Fprintf(h, "%v\n", l)
		p.lines++
	}}
	w := runWorld(t, sc, opt)
	defer w.Close()
	p.devices = map[string][]sim.Delivery{}
	for _, c := range sc.Customers {
		key, err := w.Customer(c.Channel, c.ID)
		if err != nil {
			t.Fatalf("%s: customer %s: %v", n, c.ID, err)
		}
		b, _ := w.Binding(key.Channel)
		p.devices[c.ID] = b.Device(key.Customer)
	}
	res := w.Finish()
	p.delivered = res.Totals.Delivered
	// The wire counters: webhooks the fakes sent (the direct network
	// makes no verification handshake), webhooks the adapters refused or
	// dropped as duplicates.
	res.Totals.Webhooks, res.Totals.Rejected, res.Totals.Duplicates = 0, 0, 0
	p.report = jsonReport(t, res)
	copy(p.trace[:], h.Sum(nil))
	return p
}

// runWorld plays sc with opt to its end (its duration's, when it has one)
// and returns the world, which the caller closes.
func runWorld(t *testing.T, sc *scenario.Scenario, opt sim.Options) *sim.World {
	t.Helper()
	w, err := sim.NewWorld(context.Background(), sc, opt)
	if err != nil {
		t.Fatalf("%s: %v", opt.Network, err)
	}
	w.Schedule()
	var end time.Time
	if sc.Duration > 0 {
		end = sc.Start.Add(sc.Duration.D())
	}
	if err := w.RunUntil(end); err != nil {
		w.Close()
		t.Fatalf("%s: %v", opt.Network, err)
	}
	return w
}

// libraryNames lists the scenario files of the library.
func libraryNames(t *testing.T) []string {
	t.Helper()
	var names []string
	err := fs.WalkDir(scenarios.Library, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".toml") {
			names = append(names, path)
		}
		return err
	})
	if err != nil || len(names) == 0 {
		t.Fatalf("the library: %d files, %v", len(names), err)
	}
	return names
}

// TestDirectMatchesMemory plays every scenario of the library, as the
// library holds them now, on the memory and the direct network: the
// reports (routing, deliveries, refusals, drift, expectations, figures)
// agree but for the wire counters, the event logs agree line by line
// (but for the load scenarios', too long to keep), and so do the devices
// of the scripted customers.
func TestDirectMatchesMemory(t *testing.T) {
	for _, name := range libraryNames(t) {
		t.Run(name, func(t *testing.T) {
			if testing.Short() && strings.HasPrefix(name, "load/") {
				t.Skip("a load scenario; run without -short")
			}
			sc, err := platforms.Format.Load(scenarios.Library, name)
			if err != nil {
				t.Fatal(err)
			}
			// A load scenario's event log is millions of lines: its
			// report, with every figure, stands for it.
			trace := !strings.HasPrefix(name, "load/")
			mem, dir := play(t, sc, sim.Memory, trace), play(t, sc, sim.Direct, trace)
			if string(mem.report) != string(dir.report) {
				t.Errorf("reports differ:\nmemory: %s\ndirect: %s", mem.report, dir.report)
			}
			if mem.trace != dir.trace || mem.lines != dir.lines {
				t.Errorf("event logs differ: memory %d lines, direct %d", mem.lines, dir.lines)
			}
			if mem.delivered != dir.delivered {
				t.Errorf("delivered: memory %d, direct %d", mem.delivered, dir.delivered)
			}
			for id, md := range mem.devices {
				if dd := dir.devices[id]; !slices.Equal(md, dd) {
					t.Errorf("customer %s's device: memory %v, direct %v", id, md, dd)
				}
			}
		})
	}
}

// TestDirectPlaysFaultsOnTheWire: a WhatsApp or WeChat channel with a
// fault plan, whose faults act on the wire, plays on the memory network
// inside a direct world: its fake makes the verification handshake and
// real webhooks, and its plan's faults, and the report is the memory
// network's byte for byte. Without the plan the channel plays direct.
func TestDirectPlaysFaultsOnTheWire(t *testing.T) {
	type run struct {
		report []byte
		stats  sim.Stats
	}
	play := func(t *testing.T, sc *scenario.Scenario, channel string, n sim.Network) run {
		t.Helper()
		w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: n})
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		defer w.Close()
		w.Schedule()
		if err := w.RunUntil(time.Time{}); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		b, _ := w.Binding(channel)
		return run{jsonReport(t, w.Finish()), b.Stats()}
	}
	for _, tc := range []struct{ name, channel string }{
		{"whatsapp-faults.toml", "whatsapp"},
		{"wechat-faults.toml", "wechat"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := platforms.Format.Load(scenarios.Library, tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if len(sc.Channels) != 1 || sc.Channels[tc.channel].Faults.Plan().Zero() {
				t.Fatalf("%s: want one channel, %s, with a fault plan", tc.name, tc.channel)
			}
			mem, dir := play(t, sc, tc.channel, sim.Memory), play(t, sc, tc.channel, sim.Direct)
			if string(mem.report) != string(dir.report) {
				t.Errorf("reports differ:\nmemory: %s\ndirect: %s", mem.report, dir.report)
			}
			if dir.stats != mem.stats || dir.stats.Faults == 0 {
				t.Errorf("the channel's figures: memory %+v, direct %+v", mem.stats, dir.stats)
			}
			sc.Channels[tc.channel].Faults = nil
			plain := play(t, sc, tc.channel, sim.Direct)
			if plain.stats.Faults != 0 || plain.stats.Webhooks >= dir.stats.Webhooks {
				t.Errorf("without the plan, direct: %+v; with it: %+v", plain.stats, dir.stats)
			}
		})
	}
}

// TestDirectRestarts plays router-restart.toml without its fault plans on
// the memory and the direct network: the router restarts four times on
// WhatsApp and WeChat, the restarted adapters keep the configuration and
// the values path of the first ones, and the two networks agree as in
// TestDirectMatchesMemory, with the scenario's expectations met.
func TestDirectRestarts(t *testing.T) {
	sc, err := platforms.Format.Load(scenarios.Library, "router-restart.toml")
	if err != nil {
		t.Fatal(err)
	}
	restarts := 0
	for _, st := range sc.Steps {
		if st.RestartRouter {
			restarts++
		}
	}
	if restarts == 0 {
		t.Fatal("router-restart.toml restarts nothing")
	}
	for _, ch := range sc.Channels {
		ch.Faults = nil
	}
	mem, dir := play(t, sc, sim.Memory, true), play(t, sc, sim.Direct, true)
	if string(mem.report) != string(dir.report) {
		t.Errorf("reports differ:\nmemory: %s\ndirect: %s", mem.report, dir.report)
	}
	if mem.trace != dir.trace || mem.lines != dir.lines {
		t.Errorf("event logs differ: memory %d lines, direct %d", mem.lines, dir.lines)
	}
	for id, md := range mem.devices {
		if dd := dir.devices[id]; !slices.Equal(md, dd) {
			t.Errorf("customer %s's device: memory %v, direct %v", id, md, dd)
		}
	}
	res := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: sim.Direct, Trace: true})
	if res.Error != "" {
		t.Fatal(res.Error)
	}
	n := 0
	for _, l := range res.Trace {
		switch l.Kind {
		case "restart":
			n++
		case "error":
			t.Errorf("error line: %+v", l)
		}
	}
	if n != restarts {
		t.Errorf("%d restarts, want %d", n, restarts)
	}
	if !res.Passed {
		t.Errorf("expectations failed on the direct network: %s", jsonReport(t, res))
	}
}
