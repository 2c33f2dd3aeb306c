package sim_test

import (
	"context"
	"strings"
	"testing"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/router"
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
