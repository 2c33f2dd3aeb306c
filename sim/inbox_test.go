package sim_test

import (
	"context"
	"strings"
	"testing"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/router/inbox"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
)

// stepFailures returns the details of the step_failed lines of a run's trace.
func stepFailures(res result.Result) []string {
	var out []string
	for _, l := range res.Trace {
		if l.Kind == "step_failed" {
			out = append(out, l.Detail)
		}
	}
	return out
}

// TestMessageCenterStepsWithoutAConversation: a message-center step on a
// customer who never wrote fails (step_failed) and changes nothing; a
// quick reply to a customer not assigned to the agent is refused by the
// router's policy like any send.
func TestMessageCenterStepsWithoutAConversation(t *testing.T) {
	sc := parse(t, `
[[agents]]
id = "li"
[[agents]]
id = "wang"
[[customers]]
id = "u1"
[[customers]]
id = "u2"
[[quick_replies]]
id = "hi"
title = "Hi"
body = "Hi {name}"
[[steps]]
agent = "li"
to = "u1"
star = true
[[steps]]
at = "1s"
customer = "u2"
says = "hello"
[[steps]]
at = "2s"
agent = "wang"
to = "u2"
quick_reply = "hi"
[[expect]]
inbox = "starred"
listed = 0
[[expect]]
customer = "u2"
last_refusal = "not_assigned"
unread = 1
`)
	res := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Trace: true})
	if !res.Passed {
		t.Fatalf("run failed: %s %+v", res.Error, res.Expectations)
	}
	fails := stepFailures(res)
	if len(fails) != 1 || !strings.Contains(fails[0], "star: ") || !strings.Contains(fails[0], "no conversation") {
		t.Errorf("step failures %q; want one, the star on a customer without a conversation", fails)
	}
}

// TestPatienceSparesTheServedAndTheBot: with patience, a customer served in
// time, or talking to the bot, does not abandon; only one left waiting
// does, and the service figures count it.
func TestPatienceSparesTheServedAndTheBot(t *testing.T) {
	for _, tt := range []struct {
		name, extra string
		agents      int
		abandoned   bool
	}{
		{"nobody online: every customer gives up", "", 0, true},
		{"an agent free: nobody gives up", "", 1, false},
		{"with the bot: nobody gives up", "[bot]\nkeywords = [\"human\"]\n", 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := `
seed = 5
[channels.whatsapp]
status_webhooks = false
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 6/h"
for = "1h"
messages = "1"
handle = "exp 1m"
patience = "30s"
[[expect]]
metric = "abandoned"
min = 0
` + tt.extra
			for range tt.agents {
				src += "[[agents]]\nid = \"li\"\ncapacity = 100\n"
			}
			res := sim.Run(context.Background(), parse(t, src), sim.Options{Platforms: platforms.All, Trace: true})
			if res.Error != "" {
				t.Fatal(res.Error)
			}
			sv := res.Metrics.Service
			closed := 0
			for _, l := range res.Trace {
				if l.Kind == string(router.EventClosed) && l.Detail == string(router.ClosedAbandoned) {
					closed++
				}
			}
			if sv.Abandoned != closed {
				t.Errorf("service figures count %d abandoned, the trace %d", sv.Abandoned, closed)
			}
			if got := sv.Abandoned > 0 && sv.Abandoned == res.Totals.Conversations; got != tt.abandoned || (!tt.abandoned && sv.Abandoned != 0) {
				t.Errorf("abandoned %d of %d conversations; want all: %v", sv.Abandoned, res.Totals.Conversations, tt.abandoned)
			}
		})
	}
}

// TestPhoneRegion: tenant.phone_region is the region the message center
// reads a number written without a country code in; without it, Taiwan's.
func TestPhoneRegion(t *testing.T) {
	for _, tc := range []struct {
		region string
		want   string // the customer's phones expectation
	}{
		{"", `[]`},
		{`phone_region = "TW"`, `[]`},
		{`phone_region = "US"`, `["+12015550123"]`},
		{`phone_region = "jp"`, `["+819012345678", "+812015550123"]`},
	} {
		t.Run(tc.region, func(t *testing.T) {
			sc := parse(t, `
[tenant]
`+tc.region+`
[[agents]]
id = "li"
[[customers]]
id = "u1"
[[steps]]
customer = "u1"
says = "call me at 201-555-0123 or 090-1234-5678"
[[expect]]
customer = "u1"
phones = `+tc.want+`
[[expect]]
inbox = "all"
with_phone = true
listed = `+map[bool]string{true: "0", false: "1"}[tc.want == "[]"]+`
`)
			res := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All})
			if !res.Passed {
				t.Errorf("did not pass: %s %+v", res.Error, res.Expectations)
			}
		})
	}
}

// TestMessageCenterHoldsWhatItReads: where no inbox view or history reads
// them, the message center drops generated customers' conversations as they
// close, the service standard and the auto-replies reading only open ones,
// and keeps the scripted customers', whose rows expectations read; the
// report is the one of a center that keeps everything for its retention.
func TestMessageCenterHoldsWhatItReads(t *testing.T) {
	const base = `
seed = 7
start = "2026-03-02T08:00:00Z"
[tenant]
missed_after = "4m"
close_missed_after = "15m"
idle_after = "20m"
[[agents]]
id = "a"
capacity = 2
[[customers]]
id = "amy"
name = "Amy"
[[steps]]
at = "1m"
customer = "amy"
says = "hi, my number is 0912-345-678"
[[steps]]
at = "2m"
agent = "a"
to = "amy"
star = true
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 40/h"
for = "6h"
messages = "1..3"
handle = "exp 8m"
reply = "exp 3m"
patience = "exp 10m"
[[expect]]
customer = "amy"
starred = true
phones = ["+886912345678"]
`
	tests := []struct {
		name   string
		extra  string
		closed bool // generated customers' closed conversations are held
	}{
		{"service", "[service]\nmax_waiting = 2\nfirst_response_p90 = \"2m\"\nfirst_response_mean = \"1m\"\n" +
			"[[expect]]\nmetric = \"service.warnings\"\nmax = 1000\n", false},
		{"auto-replies", "[[auto_replies]]\nname = \"hello\"\ntext = \"Hi {name}\"\n" +
			"[[auto_replies]]\nname = \"again\"\nevery = \"5m\"\ntext = \"Still here, {name}\"\n", false},
		{"inbox view", "[service]\nmax_waiting = 2\n[[expect]]\ninbox = \"all\"\nlisted = 0\n", true},
		{"history", "[[auto_replies]]\nname = \"hello\"\ntext = \"Hi\"\n[[expect]]\nhistory = \"a\"\nlisted = 0\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := parse(t, base+tt.extra)
			play := func(keep bool) ([]byte, inbox.Stats, result.Result) {
				w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: sim.Direct, Trace: true, NoJournals: true})
				if err != nil {
					t.Fatal(err)
				}
				defer w.Close()
				if keep {
					sim.KeepClosed(w)
				}
				res, _ := sim.PlayReusing(w, true)
				return jsonReport(t, res), sim.CenterStats(w), res
			}
			kept, keptStats, _ := play(true)
			got, st, res := play(false)
			if string(got) != string(kept) {
				t.Errorf("the reports differ:\nkept    %s\ndropped %s", kept, got)
			}
			open := res.Totals.Conversations - res.Totals.Closed
			if tt.closed {
				if st != keptStats {
					t.Errorf("held %+v, want what a center keeping everything holds, %+v", st, keptStats)
				}
			} else if st.Conversations > open+1 || st.Customers > open+1 { // amy's, and what is open
				t.Errorf("held %d conversations of %d customers, with %d open and one scripted customer (a center keeping everything holds %d)",
					st.Conversations, st.Customers, open, keptStats.Conversations)
			}
			if keptStats.Conversations < 100 {
				t.Errorf("the reference held only %d conversations", keptStats.Conversations)
			}
		})
	}
}
