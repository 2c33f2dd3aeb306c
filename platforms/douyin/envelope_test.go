package douyin_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim"
)

// The envelope and the window's code reach the wire, and the router's
// adapter reads both envelopes: a router that believes in a 72-hour window
// sends at 48 hours, Douyin refuses with the window's code, and the refusal
// is drift, the same in memory (bytes) and directly (values).
func TestEnvelopeAndWindowCodeThroughTheWorld(t *testing.T) {
	const src = `seed = 48
start = "2026-03-02T10:00:00+08:00"
[channels.douyin]
%s
[channels.douyin.router]
window = "72h"
[[agents]]
id = "kefu1"
[[customers]]
id = "sun"
channel = "douyin"
[[steps]]
at = "0s"
customer = "sun"
says = "我想改一下预约时间"
[[steps]]
at = "1m"
agent = "kefu1"
to = "sun"
says = "请问改到哪天？"
[[steps]]
at = "48h"
agent = "kefu1"
to = "sun"
says = "在吗？"
[[expect]]
at = "48h1m"
customer = "sun"
received = 1
last_error = "%s"
[[expect]]
drift = "sent_refused"
count = 1
`
	for _, c := range []struct{ settings, code string }{
		{"", "28003017"},
		{`envelope = "data"`, "28003017"},
		{`envelope = "err_no"`, "28003017"},
		{"envelope = \"err_no\"\nwindow_code = 28003019", "28003019"},
		{"window_code = 28003019", "28003019"},
	} {
		t.Run(c.settings, func(t *testing.T) {
			sc, err := platforms.Format.Parse("t.toml", []byte(fmt.Sprintf(src, c.settings, c.code)))
			if err != nil {
				t.Fatal(err)
			}
			for _, net := range []sim.Network{sim.Memory, sim.Direct} {
				res := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: net})
				if res.Error != "" || !res.Passed {
					t.Fatalf("%s: %s %+v %+v", net, res.Error, res.Expectations, res.Drift)
				}
			}
		})
	}
}
