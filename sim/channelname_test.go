package sim_test

import (
	"context"
	"testing"
	"time"
	"unsafe"

	"github.com/omnisim/omnisim/platforms"
	routerwa "github.com/omnisim/omnisim/router/whatsapp"
	"github.com/omnisim/omnisim/sim"
)

// TestKeysShareThePlatformsChannelName: every customer key the world makes
// (a traffic flow's customers, a scripted customer, Customer's and
// Generated's) names its channel by the platform's own constant, the
// very string the platform's router adapter puts in its keys, not by the
// equal string parsed from the scenario or passed by the caller: the
// engine's lookups with the world's keys then compare the channel without
// comparing bytes (strhash.Same).
func TestKeysShareThePlatformsChannelName(t *testing.T) {
	sc, err := platforms.Format.Parse("shared.toml", []byte(`
name = "shared channel name"
seed = 1
start = "2026-03-02T00:00:00Z"
[[customers]]
id = "c1"
channel = "whatsapp"
phone = "+16505551234"
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 200/h"
for = "1h"
messages = "1"
handle = "exp 20m"
[[agents]]
id = "a"
capacity = 100
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []sim.Network{sim.Direct, sim.Memory} {
		t.Run(string(n), func(t *testing.T) {
			w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: n})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			w.Schedule()
			if err := w.RunUntil(sc.Start.Add(30 * time.Minute)); err != nil {
				t.Fatal(err)
			}
			// A channel name in bytes of its own, as a caller's would be.
			channel := string([]byte(routerwa.Channel))
			gen, err := w.Generated(channel)
			if err != nil {
				t.Fatal(err)
			}
			cust, err := w.Customer(channel, "16505550000")
			if err != nil {
				t.Fatal(err)
			}
			keys := sim.Keys(w)
			if len(keys) < 10 {
				t.Fatalf("the world holds %d customers, want a flow's too", len(keys))
			}
			for _, k := range append(keys, gen, cust) {
				if k.Channel != routerwa.Channel || unsafe.StringData(k.Channel) != unsafe.StringData(routerwa.Channel) {
					t.Errorf("customer %s: channel %q is not the platform's own string", k.Customer, k.Channel)
				}
			}
		})
	}
}
