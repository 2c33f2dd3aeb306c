package sim_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim"
)

// mm1 is a small queue: one agent, traffic that sometimes waits.
const mm1 = `
name = "queue"
seed = 3
start = "2026-03-02T00:00:00Z"
[channels.whatsapp]
status_webhooks = false
[[agents]]
id = "a"
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 10/h"
for = "1d"
messages = "1"
handle = "exp 3m"
`

// TestServiceOnlyWhenAsked checks that a run reports the service figures
// when an expectation reads them, and that other runs' reports leave them
// out, so that they stay as they were.
func TestServiceOnlyWhenAsked(t *testing.T) {
	run := func(src string, opt sim.Options) []byte {
		t.Helper()
		sc, err := platforms.Format.Parse("q.toml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		opt.Platforms = platforms.All
		res := sim.Run(context.Background(), sc, opt)
		if res.Error != "" {
			t.Fatal(res.Error)
		}
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	plain := run(mm1, sim.Options{})
	if strings.Contains(string(plain), `"service"`) {
		t.Errorf("a run that does not ask reports service figures:\n%s", plain)
	}
	asked := run(mm1+"[[expect]]\nmetric = \"wait.probability\"\nmin = 0.01\nmax = 0.5\n[[expect]]\nmetric = \"wait.asa\"\nmax_duration = \"5m\"\n[[expect]]\nmetric = \"service_level\"\nmin = 0.5\n", sim.Options{})
	var r struct {
		Passed  bool
		Metrics struct {
			Assigned int
			Service  *struct {
				Ended           int     `json:"ended"`
				WaitProbability float64 `json:"wait_probability"`
				ASA             int64   `json:"asa_ns"`
				ServiceLevel    float64 `json:"service_level"`
			}
		}
	}
	if err := json.Unmarshal(asked, &r); err != nil {
		t.Fatal(err)
	}
	s := r.Metrics.Service
	if s == nil {
		t.Fatalf("no service figures:\n%s", asked)
	}
	if !r.Passed || s.Ended != r.Metrics.Assigned || s.WaitProbability <= 0 || s.ASA <= 0 || s.ServiceLevel <= 0 || s.ServiceLevel >= 1 {
		t.Errorf("passed %v, figures %+v (assigned %d)", r.Passed, *s, r.Metrics.Assigned)
	}
	opted := run(mm1, sim.Options{Service: true})
	if !strings.Contains(string(opted), `"service"`) {
		t.Errorf("sim.Options.Service did not report the figures")
	}
}
