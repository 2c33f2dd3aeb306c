package sim_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"maps"
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
// and those counters; a digest of its whole event log; what each scripted
// customer's device received; and the calls of its bindings' Flush and
// NextDeadline.
type played struct {
	report    []byte
	wire      [3]int // webhooks, rejected, duplicates
	trace     [sha256.Size]byte
	lines     int
	devices   map[string][]sim.Delivery
	delivered int
	calls     asked
}

// play plays sc on network n, with its event log when trace, and with the
// platforms' bindings counted (counted); hide opens them without the
// world's Due.
func play(t *testing.T, sc *scenario.Scenario, n sim.Network, trace, hide bool) played {
	t.Helper()
	h := sha256.New()
	var p played
	opt := sim.Options{Platforms: counted(&p.calls, hide), Network: n, Trace: trace, TraceTo: func(l result.Line) {
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
	p.wire = [3]int{res.Totals.Webhooks, res.Totals.Rejected, res.Totals.Duplicates}
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
// library holds them now, on the memory and the direct network, each
// twice: with each channel's Due as its binding keeps it, so that the
// world asks a binding's Flush and NextDeadline only when the fake may
// have something new due, and with none, so that it asks them at every
// step.
//
// The two networks agree: the reports (routing, deliveries, refusals,
// drift, expectations, figures) but for the wire counters, the event logs
// line by line (but for the load scenarios', too long to keep), and the
// devices of the scripted customers. The Due changes nothing on either:
// the same reports, wire counters included, event logs and devices; and
// the world with Due asks no more often, and less often over the library.
func TestDirectMatchesMemory(t *testing.T) {
	var tracked, every asked
	for _, name := range libraryNames(t) {
		t.Run(name, func(t *testing.T) {
			load := strings.HasPrefix(name, "load/")
			if testing.Short() && load {
				t.Skip("a load scenario; run without -short")
			}
			sc, err := platforms.Format.Load(scenarios.Library, name)
			if err != nil {
				t.Fatal(err)
			}
			var runs [2]played
			for i, n := range []sim.Network{sim.Memory, sim.Direct} {
				// A load scenario's event log is millions of lines: its
				// report, with every figure, stands for it.
				got, want := play(t, sc, n, !load, false), play(t, sc, n, !load, true)
				if d := differ(&got, &want); d != "" || got.wire != want.wire {
					t.Errorf("%s, with Due and without: %s, wire counters %v and %v", n, d, got.wire, want.wire)
				}
				if got.calls.flush > want.calls.flush || got.calls.next > want.calls.next {
					t.Errorf("%s: with Due %+v calls, without %+v: more", n, got.calls, want.calls)
				}
				tracked.flush += got.calls.flush
				tracked.next += got.calls.next
				every.flush += want.calls.flush
				every.next += want.calls.next
				runs[i] = got
			}
			if d := differ(&runs[0], &runs[1]); d != "" {
				t.Errorf("memory and direct: %s", d)
			}
		})
	}
	if tracked.flush >= every.flush || tracked.next >= every.next {
		t.Errorf("the library: with Due %+v calls, without %+v: not fewer", tracked, every)
	}
}

// differ says how two plays of a scenario differ, but for their wire
// counters and calls; "" when they do not.
func differ(a, b *played) string {
	var out []string
	if string(a.report) != string(b.report) {
		out = append(out, fmt.Sprintf("reports differ:\n%s\n%s", a.report, b.report))
	}
	if a.trace != b.trace || a.lines != b.lines {
		out = append(out, fmt.Sprintf("event logs differ: %d lines and %d", a.lines, b.lines))
	}
	if a.delivered != b.delivered {
		out = append(out, fmt.Sprintf("delivered %d and %d", a.delivered, b.delivered))
	}
	for _, id := range slices.Sorted(maps.Keys(a.devices)) {
		if ad, bd := a.devices[id], b.devices[id]; !slices.Equal(ad, bd) {
			out = append(out, fmt.Sprintf("customer %s's device: %v and %v", id, ad, bd))
		}
	}
	return strings.Join(out, "; ")
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
	mem, dir := play(t, sc, sim.Memory, true, false), play(t, sc, sim.Direct, true, false)
	if d := differ(&mem, &dir); d != "" {
		t.Errorf("memory and direct: %s", d)
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
