package sim_test

import (
	"context"
	"testing"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/scenarios"
	"github.com/omnisim/omnisim/sim"
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
