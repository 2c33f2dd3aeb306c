package sim_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
)

// TestDriftListCapped: a run lists its first result.MaxDrift drift findings
// and only counts the later ones, yet its drift expectations count every
// finding, and findings no expectation covers fail the run, listed or not.
func TestDriftListCapped(t *testing.T) {
	const sent = 3000 // the agent's texts, each one a sent_refused finding
	for _, tc := range []struct {
		name   string
		expect string // the [[expect]] entries
		count  int    // the count its check finds, 0 for none
		passed bool
		// unexpected is how many findings past the listed ones no
		// expectation covers.
		unexpected int
	}{
		{"all expected", `[[expect]]
at = "3h"
drift = "sent_refused"
count = 3000
`, sent, true, 0},
		{"all expected, any", `[[expect]]
at = "3h"
drift = "any"
count = 3000
`, sent, true, 0},
		{"none expected", "", 0, false, sent - result.MaxDrift},
		{"other kind expected", `[[expect]]
at = "3h"
drift = "refused_accepted"
count = 0
`, 0, false, sent - result.MaxDrift},
		// The check at 1h00m01s counts the texts sent at 1m, 1m02s, ...,
		// 1h00m00s: the listed findings and 771 more are expected, the
		// later 1,229 are not.
		{"later ones unexpected", `[[expect]]
at = "1h0m1s"
drift = "sent_refused"
count = 1771
`, 1771, false, sent - 1771},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := parse(t, fmt.Sprintf(`
name = "drift past the cap"
seed = 1
start = "2024-03-04T09:00:00Z"
duration = "4h"
[channels.wechat.rules]
max_text_length = 1
[channels.wechat.router]
max_text_length = 100
[[agents]]
id = "a"
[[customers]]
id = "u1"
channel = "wechat"
[[steps]]
at = "0s"
customer = "u1"
says = "hi"
[[steps]]
at = "1m"
agent = "a"
to = "u1"
says = "hello"
repeat = %d
every = "2s"
%s`, sent, tc.expect))
			for _, net := range []sim.Network{sim.Memory, sim.Direct} {
				res := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: net})
				if res.Error != "" {
					t.Fatalf("%s: %s", net, res.Error)
				}
				if len(res.Drift) != result.MaxDrift || res.DriftDropped != sent-result.MaxDrift {
					t.Errorf("%s: %d findings listed, %d dropped, want %d and %d", net, len(res.Drift), res.DriftDropped,
						result.MaxDrift, sent-result.MaxDrift)
				}
				if res.DriftDroppedUnexpected != tc.unexpected {
					t.Errorf("%s: %d dropped findings unexpected, want %d", net, res.DriftDroppedUnexpected, tc.unexpected)
				}
				if res.Passed != tc.passed {
					t.Errorf("%s: passed %v, want %v", net, res.Passed, tc.passed)
				}
				for _, c := range res.Expectations {
					if c.Actual != fmt.Sprint(tc.count) || !c.Passed {
						t.Errorf("%s: %v", net, c)
					}
				}
			}
		})
	}
}

// TestUnlistedDrift: a world counts the findings past the listed ones by
// channel and kind, in the order each first came, for a fuzzer to judge
// them as it judges the listed ones.
func TestUnlistedDrift(t *testing.T) {
	sc := parse(t, `
name = "drift past the cap on two channels"
seed = 1
start = "2024-03-04T09:00:00Z"
duration = "4h"
[channels.wechat.rules]
max_text_length = 1
[channels.wechat.router]
max_text_length = 100
[channels.whatsapp.rules]
max_text_length = 1
[channels.whatsapp.router]
max_text_length = 100
[[agents]]
id = "a"
capacity = 2
[[customers]]
id = "u1"
channel = "wechat"
[[customers]]
id = "u2"
channel = "whatsapp"
phone = "+16505551234"
[[steps]]
at = "0s"
customer = "u1"
says = "hi"
[[steps]]
at = "0s"
customer = "u2"
says = "hi"
[[steps]]
at = "1m"
agent = "a"
to = "u1"
says = "hello"
repeat = 1200
every = "2s"
[[steps]]
at = "2h"
agent = "a"
to = "u2"
says = "hello"
repeat = 50
every = "2s"
`)
	for _, net := range []sim.Network{sim.Memory, sim.Direct} {
		w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: net})
		if err != nil {
			t.Fatal(err)
		}
		w.Schedule()
		if err := w.RunUntil(sc.Start.Add(sc.Duration.D())); err != nil {
			t.Fatal(err)
		}
		res := w.Finish()
		got := w.UnlistedDrift()
		w.Close()
		want := []sim.UnlistedDrift{{Channel: "wechat", Kind: result.DriftSentRefused, Count: 200}, {Channel: "whatsapp", Kind: result.DriftSentRefused, Count: 50}}
		if !slices.Equal(got, want) || res.DriftDropped != 250 {
			t.Errorf("%s: unlisted %+v (%d dropped), want %+v", net, got, res.DriftDropped, want)
		}
	}
}
