package douyin_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/scenarios"
	"github.com/omnisim/omnisim/sim"
)

// The shipped fault scenario meets every fault of its plan, on the wire
// and on the direct network alike, and passes.
func TestFaultScenario(t *testing.T) {
	sc, err := platforms.Format.Load(scenarios.Library, "douyin-faults.toml")
	if err != nil {
		t.Fatal(err)
	}
	for name, n := range map[string]sim.Network{"memory": sim.Memory, "direct": sim.Direct} {
		t.Run(name, func(t *testing.T) {
			w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: n})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			w.Schedule()
			if err := w.RunUntil(time.Time{}); err != nil { // to the end
				t.Fatal(err)
			}
			b, _ := w.Binding("douyin")
			seen := map[string]int{}
			for _, r := range b.Journal(sim.JournalFilter{}) {
				switch {
				case strings.Contains(r.Text, "no answer within the webhook timeout (fault plan)"):
					seen["timeout"]++
				case strings.Contains(r.Text, "from the webhook URL's edge (fault plan)"):
					seen["edge"]++
				case r.Kind == sim.RecordError && (r.Code == "28003018" || r.Code == "2100004"):
					seen[r.Code]++
				}
			}
			st := b.Stats()
			for _, k := range []string{"timeout", "edge", "28003018", "2100004"} {
				if seen[k] == 0 {
					t.Errorf("no %s in the journal: %v", k, seen)
				}
			}
			if st.Duplicates == 0 || st.Faults == 0 {
				t.Errorf("stats %+v", st)
			}
			res := w.Finish()
			if res.Error != "" || !res.Passed {
				t.Errorf("the scenario failed: %s", res.Error)
			}
		})
	}
}
