package sim_test

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
)

// TestTimelineKeepsLastLines: a listed customer's timeline keeps its last
// lines and every assignment, whatever the number of messages, so that the
// assignment expectations still read every assignment; the lines let go of
// are counted by conversation.
func TestTimelineKeepsLastLines(t *testing.T) {
	const k = sim.TimelineKeep
	for _, replies := range []int{1, k / 8, k / 4, k / 2, k, 3 * k} {
		t.Run(fmt.Sprint(replies), func(t *testing.T) {
			sc := parse(t, fmt.Sprintf(`
name = "many replies"
seed = 1
start = "2024-03-04T09:00:00Z"
duration = "3d"
[tenant]
strategy = "round-robin"
[[agents]]
id = "a"
[[agents]]
id = "b"
[[customers]]
id = "u1"
[[steps]]
at = "0s"
customer = "u1"
says = "hello"
[[steps]]
at = "1m"
agent = "a"
to = "u1"
says = ["one", "two"]
repeat = %[1]d
every = "1s"
[[steps]]
at = "3h"
agent = "a"
to = "u1"
transfer = {agent = "b"}
[[steps]]
at = "4h"
agent = "b"
to = "u1"
says = "three"
repeat = %[1]d
every = "1s"
[[steps]]
at = "8h"
agent = "b"
to = "u1"
transfer = {agent = "a"}
[[steps]]
at = "9h"
agent = "a"
to = "u1"
close = true
[[steps]]
at = "10h"
customer = "u1"
says = "again"
[[steps]]
at = "10h1m"
agent = "b"
to = "u1"
says = "four"
repeat = %[1]d
every = "1s"
[[expect]]
customer = "u1"
never_assigned_to = ["a"]
`, replies))
			var all []result.Line
			opt := sim.Options{Platforms: platforms.All, Network: sim.Direct, Trace: true, TraceTo: func(l result.Line) {
				if l.Customer == "u1" {
					all = append(all, l)
				}
			}}
			w := runWorld(t, sc, opt)
			defer w.Close()
			res := w.Finish()
			kept, last, cut := sim.Timeline(w, "u1")
			var assigned, keptAssigned []result.Line
			for _, l := range all {
				if l.Kind == "assigned" {
					assigned = append(assigned, l)
				}
			}
			for _, l := range kept {
				if l.Kind == "assigned" {
					keptAssigned = append(keptAssigned, l)
				}
			}
			if len(assigned) != 4 {
				t.Fatalf("%d assignments, want 4: %v", len(assigned), assigned)
			}
			if !reflect.DeepEqual(keptAssigned, assigned) {
				t.Errorf("kept assignments %v, want %v", keptAssigned, assigned)
			}
			before := all[:max(len(all)-k, 0)]
			if want := all[len(before):]; !reflect.DeepEqual(last, want) {
				t.Errorf("the last %d lines differ from the last %d of %d", len(last), len(want), len(all))
			}
			for _, conv := range []string{"", "c1", "c2"} {
				n := 0
				for _, l := range before {
					if l.Conversation == conv || l.Conversation == "" {
						n++
					}
				}
				if got := cut(conv); got != n {
					t.Errorf("%d lines of %q cut, want %d", got, conv, n)
				}
			}
			if len(kept) > len(assigned)+2*k {
				t.Errorf("%d lines kept of %d", len(kept), len(all))
			}
			if len(res.Expectations) != 1 || res.Expectations[0].Passed {
				t.Errorf("never_assigned_to a passed: %v", res.Expectations)
			}
			t.Logf("%d lines, %d kept", len(all), len(kept))
		})
	}
}

// TestTimelineCutsLongTexts: a line shows a message's text cut to 200
// runes, ending in "…", and the messages of a step share their text's
// quote rather than each holding a copy.
func TestTimelineCutsLongTexts(t *testing.T) {
	for _, tc := range []struct{ name, says, shows string }{
		{"short", "hello", `"hello"`},
		{"200 runes", strings.Repeat("é", 200), strconv.Quote(strings.Repeat("é", 200))},
		{"201 runes", strings.Repeat("é", 201), strconv.Quote(strings.Repeat("é", 200) + "…")},
		{"long", strings.Repeat("😀\n", 5000), strconv.Quote(strings.Repeat("😀\n", 100) + "…")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := parse(t, fmt.Sprintf(`
name = "long texts"
seed = 1
start = "2024-03-04T09:00:00Z"
[channels.whatsapp.rules]
max_text_length = 20000
[channels.whatsapp.router]
max_text_length = 20000
[[agents]]
id = "a"
[[customers]]
id = "u1"
[[steps]]
at = "0s"
customer = "u1"
says = %[1]s
repeat = 3
every = "1s"
[[steps]]
at = "1m"
agent = "a"
to = "u1"
says = %[1]s
repeat = 3
every = "1s"
`, strconv.Quote(tc.says)))
			w := runWorld(t, sc, sim.Options{Platforms: platforms.All, Network: sim.Direct})
			defer w.Close()
			kept, _, _ := sim.Timeline(w, "u1")
			var shown []string
			for _, l := range kept {
				if l.Kind == "inbound" || l.Kind == "sent" {
					shown = append(shown, l.Detail)
				}
			}
			if len(shown) != 6 {
				t.Fatalf("%d messages in the timeline, want 6: %v", len(shown), kept)
			}
			for _, d := range shown {
				if d != tc.shows {
					t.Fatalf("a line shows …%s, want …%s", d[max(len(d)-20, 0):], tc.shows[max(len(tc.shows)-20, 0):])
				}
				if unsafe.StringData(d) != unsafe.StringData(shown[0]) {
					t.Fatal("the lines hold copies of the text")
				}
			}
		})
	}
}
