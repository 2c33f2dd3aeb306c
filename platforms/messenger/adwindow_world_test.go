package messenger_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
)

// adWindowScenario is a page not approved for HUMAN_AGENT with a
// customer from a Click-to-Messenger ad and one who came by no ad, each
// answered at 30 hours. The first %s holds settings of
// [channels.messenger], the second a [channels.messenger.router] table,
// the third the expectations.
const adWindowScenario = `name = "messenger ad window"
seed = 7
start = "2026-03-02T10:00:00+08:00"

[channels.messenger]
human_agent = false
%s

[channels.messenger.ad_referrals]
"7240412345678901" = "120210000000000042"

%s

[[agents]]
id = "mei"
capacity = 2

[[customers]]
id = "from-ad"
channel = "messenger"
psid = "7240412345678901"

[[customers]]
id = "walk-in"
channel = "messenger"
psid = "7240498765432109"

[[steps]]
at = "0s"
customer = "from-ad"
says = "廣告上的外套還有貨嗎？"

[[steps]]
at = "1m"
customer = "walk-in"
says = "請問營業時間？"

[[steps]]
at = "30h"
agent = "mei"
to = "from-ad"
says = "還有貨。"

[[steps]]
at = "30h1m"
agent = "mei"
to = "walk-in"
says = "每天十點到十點。"

%s
`

// TestAdWindowWorld: the setting ad_window reaches the platform and the
// router's adapter alike. Left out (the default), an ad customer's reply
// at 30 hours is refused like anyone's (sent_refused drift for both).
// Set, the platform takes it and the adapter sends it as RESPONSE, which
// the router's 7-day policy allows: no drift for the ad customer. With the
// router's window set to 24 hours (what fixes the page's drift for other
// customers) the router refuses the ad customer's reply, which the
// platform would take: refused_accepted drift, the difference a router
// with one window for every customer cannot avoid. Memory and Direct give
// the same outcome.
func TestAdWindowWorld(t *testing.T) {
	tests := []struct {
		name, settings, router, expect string
		drift                          map[string]int
	}{
		{"default: not modelled", "", "", `
[[expect]]
at = "31h"
customer = "from-ad"
received = 0
last_error = "10/2018278"

[[expect]]
at = "31h"
customer = "walk-in"
received = 0
last_error = "10/2018278"

[[expect]]
drift = "sent_refused"
count = 2
`, map[string]int{result.DriftSentRefused: 2}},
		{"ad window", `ad_window = "168h"`, "", `
[[expect]]
at = "31h"
customer = "from-ad"
received = 1
last_received = "還有貨。"

[[expect]]
at = "31h"
customer = "walk-in"
received = 0
last_error = "10/2018278"

[[expect]]
drift = "sent_refused"
count = 1
`, map[string]int{result.DriftSentRefused: 1}},
		{"ad window, router window 24h", `ad_window = "168h"`, "[channels.messenger.router]\nwindow = \"24h\"", `
[[expect]]
at = "31h"
customer = "from-ad"
received = 0
last_refusal = "window_closed"

[[expect]]
at = "31h"
customer = "walk-in"
received = 0
last_refusal = "window_closed"
last_error = "10/2018278"

[[expect]]
drift = "refused_accepted"
count = 1

[[expect]]
drift = "sent_refused"
count = 0
`, map[string]int{result.DriftRefusedAccepted: 1}},
		{"ad window cut to rules.window", `ad_window = "168h"`, "[channels.messenger.rules]\nwindow = \"26h\"", `
[[expect]]
at = "31h"
customer = "from-ad"
received = 0
last_refusal = "window_closed"
last_error = "10/2018278"

[[expect]]
drift = "any"
count = 0
`, map[string]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := fmt.Sprintf(adWindowScenario, tt.settings, tt.router, tt.expect)
			sc, err := platforms.Format.Parse("ad-window.toml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			var outs [2][]byte
			for i, n := range []sim.Network{sim.Memory, sim.Direct} {
				res := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: n})
				if res.Error != "" || !res.Passed {
					b, _ := json.MarshalIndent(res.Expectations, "", " ")
					t.Fatalf("network %v: error %q, passed %v\n%s", n, res.Error, res.Passed, b)
				}
				got := map[string]int{}
				for _, d := range res.Drift {
					got[d.Kind]++
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.drift) {
					t.Errorf("network %v: drift %v, want %v", n, got, tt.drift)
				}
				totals := res.Totals
				totals.Webhooks = 0 // a wire counter: the networks differ
				outs[i], _ = json.Marshal([]any{res.Expectations, res.Drift, totals})
			}
			if string(outs[0]) != string(outs[1]) {
				t.Errorf("memory\n%s\ndirect\n%s", outs[0], outs[1])
			}
		})
	}
}
