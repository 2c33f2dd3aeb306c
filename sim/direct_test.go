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
	w, err := sim.NewWorld(context.Background(), sc, opt)
	if err != nil {
		t.Fatalf("%s: %v", n, err)
	}
	defer w.Close()
	w.Schedule()
	var end time.Time
	if sc.Duration > 0 {
		end = sc.Start.Add(sc.Duration.D())
	}
	if err := w.RunUntil(end); err != nil {
		t.Fatalf("%s: %v", n, err)
	}
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

// TestDirectMatchesMemory plays every scenario of the library, as the
// library holds them now, on the memory and the direct network: the
// reports (routing, deliveries, refusals, drift, expectations, figures)
// agree but for the wire counters, the event logs agree line by line
// (but for the load scenarios', too long to keep), and so do the devices
// of the scripted customers.
func TestDirectMatchesMemory(t *testing.T) {
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
	for _, name := range names {
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
