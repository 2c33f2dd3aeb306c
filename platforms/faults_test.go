package platforms

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/omnisim/omnisim/scenarios"
	"github.com/omnisim/omnisim/sim"
)

// TestFaultScenariosMisbehave: the shipped fault scenarios pass, and their
// platforms did misbehave (held, duplicated and failed webhooks, refused
// sends): what they prove was put to the test.
func TestFaultScenariosMisbehave(t *testing.T) {
	for _, tc := range []struct {
		file, channel string
	}{
		{"whatsapp-faults.toml", "whatsapp"},
		{"wechat-faults.toml", "wechat"},
		{"line-faults.toml", "line"},
		{"messenger-faults.toml", "messenger"},
		{"router-restart.toml", "whatsapp"},
		{"router-restart.toml", "wechat"},
	} {
		t.Run(tc.file+"/"+tc.channel, func(t *testing.T) {
			src, err := fs.ReadFile(scenarios.Library, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := Format.Parse(tc.file, src)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			w, err := sim.NewWorld(ctx, sc, sim.Options{Platforms: All})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			w.Schedule()
			if err := w.RunUntil(time.Time{}); err != nil {
				t.Fatal(err)
			}
			res := w.Finish()
			if !res.Passed {
				t.Errorf("the scenario fails: %s", res.Error)
			}
			b, _ := w.Binding(tc.channel)
			s := b.Stats()
			if s.Faults == 0 || s.Duplicates == 0 {
				t.Errorf("stats %+v: no faults, or nothing for dedupe to drop", s)
			}
			if s.Webhooks <= res.Totals.Inbound {
				t.Errorf("%d webhooks for %d messages: nothing was retried or duplicated", s.Webhooks, res.Totals.Inbound)
			}
		})
	}
}
