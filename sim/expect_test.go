package sim_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
)

// A failing check's timeline is its conversation's lines among the
// customer's last 1,000, after a timeline_cut line counting the earlier
// ones, and the checks judged at one time share one timeline per
// conversation.
func TestFailingTimelineKeepsTheLastLinesShared(t *testing.T) {
	for _, tc := range []struct {
		name   string
		repeat int
		cut    bool
	}{
		{"short", 20, false},
		{"long", 1500, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := fmt.Sprintf(`
[[customers]]
id = "c1"
[[steps]]
at = "0s"
customer = "c1"
says = "hello"
repeat = %d
every = "1s"
`, tc.repeat)
			failing := `
[[expect]]
customer = "c1"
state = "waiting"
close_reason = "idle"
conversations = 7
`
			src += failing + failing + failing + `
[[expect]]
at = "5s"
customer = "c1"
conversations = 7
`
			res := sim.Run(context.Background(), parse(t, src), sim.Options{Platforms: platforms.All, Trace: true})
			if res.Error != "" {
				t.Fatal(res.Error)
			}
			// The whole conversation, from the trace.
			var conv string
			var fails []result.Check
			for _, c := range res.Expectations {
				if !c.Passed && c.At.Equal(res.End) {
					fails = append(fails, c)
					conv = c.Conversation
				}
			}
			if len(fails) != 6 {
				t.Fatalf("%d failing end checks, want 6: %v", len(fails), res.Expectations)
			}
			var all []result.Line
			for _, l := range res.Trace {
				if l.Customer == "c1" && (l.Conversation == conv || l.Conversation == "") && !l.At.After(fails[0].At) {
					all = append(all, l)
				}
			}
			want := all
			if tc.cut {
				if len(all) <= 1000 {
					t.Fatalf("the conversation has %d lines, want more than 1,000", len(all))
				}
				want = all[len(all)-1000:]
			}
			for i, c := range fails {
				tl := c.Timeline
				if tc.cut {
					if len(tl) == 0 || tl[0].Kind != "timeline_cut" || !strings.HasPrefix(tl[0].Detail, fmt.Sprintf("%d earlier events not kept", len(all)-1000)) ||
						!tl[0].At.Equal(all[len(all)-1000].At) {
						t.Fatalf("check %d: timeline starts %+v, want a timeline_cut line counting %d earlier events", i, tl[:min(len(tl), 1)], len(all)-1000)
					}
					tl = tl[1:]
				}
				if len(tl) != len(want) {
					t.Fatalf("check %d: %d timeline lines after the cut, want %d", i, len(tl), len(want))
				}
				for j := range tl {
					if tl[j] != want[j] {
						t.Fatalf("check %d line %d: %+v, want %+v", i, j, tl[j], want[j])
					}
				}
				if &c.Timeline[0] != &fails[0].Timeline[0] {
					t.Errorf("check %d has its own copy of the timeline; the checks judged at one time share it", i)
				}
			}
		})
	}
}
