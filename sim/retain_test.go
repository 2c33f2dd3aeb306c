package sim_test

import (
	"fmt"
	"testing"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim"
)

// TestReleaseMatchesRetain: a run that releases the records of finished
// conversations reports what a run that keeps everything reports, also
// where the router's window outlasts the platform's, so that the router
// still sends (and is refused: drift) to customers whose conversation is
// over on the platform. LINE has no window, so its router is never
// refused there: it shows that a run without drift matches too.
func TestReleaseMatchesRetain(t *testing.T) {
	for _, channel := range []string{"whatsapp", "wechat", "businessmessages", "douyin", "line", "messenger"} {
		t.Run(channel, func(t *testing.T) {
			sc, err := platforms.Format.Parse(channel+".toml", []byte(fmt.Sprintf(`
name = "the router's window outlasts the platform's"
seed = 5
start = "2024-03-04T09:00:00Z"
duration = "12h"
[channels.%[1]s.rules]
window = "1h"
[channels.%[1]s.router]
window = "48h"
[[traffic]]
channel = "%[1]s"
arrivals = "poisson 6/h"
for = "8h"
messages = "1"
handle = "20m"
[[agents]]
id = "a"
capacity = 1
`, channel)))
			if err != nil {
				t.Fatal(err)
			}
			play := func(retain bool) ([]byte, int) {
				w := runWorld(t, sc, sim.Options{Platforms: platforms.All, Network: sim.Direct, Retain: retain})
				defer w.Close()
				res := w.Finish()
				return jsonReport(t, res), len(res.Drift)
			}
			kept, drift := play(true)
			released, _ := play(false)
			if string(kept) != string(released) {
				t.Errorf("the reports differ:\nkept     %s\nreleased %s", kept, released)
			}
			if (drift > 0) != (channel != "line") {
				t.Errorf("%d drift findings, want some unless on LINE", drift)
			}
		})
	}
}
