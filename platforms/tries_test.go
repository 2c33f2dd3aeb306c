package platforms_test

import (
	"strings"
	"testing"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim/scenario"
)

// TestWebhookTries holds each platform's count of the tries one webhook
// may take (ChannelSpec.Tries) to its fake's retry schedule and the
// settings that change it, and the demand of a scenario whose webhooks
// nearly all fail to those tries: a platform that retries for as long as
// a scenario asks cannot take a run past its budget.
func TestWebhookTries(t *testing.T) {
	tries := func(channel, settings string) scenario.Tries {
		t.Helper()
		src := "[channels." + channel + "]\n" + settings
		sc, err := platforms.Format.Parse("t.toml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		spec, _ := platforms.Format.Channel(channel)
		if spec.Tries == nil {
			t.Fatalf("%s: no Tries", channel)
		}
		return spec.Tries(sc.Channels[channel].Settings)
	}
	for _, tt := range []struct {
		channel, settings string
		want              scenario.Tries
	}{
		{"whatsapp", "", scenario.Tries{Retries: 14}},
		{"messenger", "", scenario.Tries{Retries: 4}},
		{"wechat", "", scenario.Tries{Retries: 2}},
		{"douyin", "", scenario.Tries{Retries: 3}},
		{"douyin", "repeats = 2\n", scenario.Tries{Retries: 3, Repeats: 2}},
		{"douyin", "lost_answers = 4\n", scenario.Tries{Retries: 3, Lost: 4}},
		{"line", "", scenario.Tries{Retries: 3}}, // the fake's schedule under faults, which alone fail tries
		{"line", "redelivery = [\"1m\", \"5m\", \"1h\"]\n", scenario.Tries{Retries: 3}},
		{"businessmessages", "", scenario.Tries{Retries: 175}}, // 10 s doubling 9 times (85 min), then hourly to 7 days
		{"businessmessages", "retry_for = \"0s\"\n", scenario.Tries{}},
		{"businessmessages", "retry_for = \"1m\"\n", scenario.Tries{Retries: 2}}, // 10 s, then 20 s later
	} {
		if got := tries(tt.channel, tt.settings); got != tt.want {
			t.Errorf("%s %q: tries %+v, want %+v", tt.channel, tt.settings, got, tt.want)
		}
	}

	sc, err := platforms.Format.Parse("bm.toml", []byte(`start = 2026-01-01T00:00:00Z
[channels.businessmessages]
retirement = "off"
retry_for = "36500d"
[channels.businessmessages.faults]
errors = 0.99999
[[agents]]
id = "a"
capacity = 100
[[traffic]]
channel = "businessmessages"
arrivals = "poisson 10000/h"
for = "1h"
messages = "1"
handle = "1m"
`))
	if err != nil {
		t.Fatal(err)
	}
	e := platforms.Format.Demand(sc).CheckMessages(sc, scenario.DefaultMaxMessages)
	if e == nil || !strings.Contains(e.Error(), "bm.toml:10:1: this scenario asks for about ") ||
		!strings.Contains(e.Error(), "(traffic[0]: about 10,000 arrivals × up to 1 messages × about 99,") {
		t.Errorf("CheckMessages = %v, want the traffic's webhook tries counted", e)
	}
}
