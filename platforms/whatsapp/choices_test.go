package whatsapp

import (
	"context"
	"strconv"
	"testing"
	"time"

	fakewa "github.com/omnisim/omnisim/fakes/whatsapp"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

// TestChoiceSettings: throttle_status, template_missing_status and
// media_ttl are validated (a bad value is one problem at its key, with a
// hint), and reach the fake as they are set, its defaults when unset.
func TestChoiceSettings(t *testing.T) {
	dur := func(d time.Duration) *scenario.Duration { v := scenario.Duration(d); return &v }
	const day = 24 * time.Hour
	for _, tc := range []struct {
		name     string
		s        Settings
		key      string // the problem's key; "": valid
		throttle int    // the fake's effective Config
		missing  int
		ttl      time.Duration
	}{
		{"defaults", Settings{}, "", 429, 404, 30 * day},
		{"throttle 400", Settings{ThrottleStatus: 400}, "", 400, 404, 30 * day},
		{"throttle 429", Settings{ThrottleStatus: 429}, "", 429, 404, 30 * day},
		{"throttle 503", Settings{ThrottleStatus: 503}, "throttle_status", 0, 0, 0},
		{"throttle 404", Settings{ThrottleStatus: 404}, "throttle_status", 0, 0, 0},
		{"template missing 400", Settings{TemplateMissingStatus: 400}, "", 429, 400, 30 * day},
		{"template missing 404", Settings{TemplateMissingStatus: 404}, "", 429, 404, 30 * day},
		{"template missing 429", Settings{TemplateMissingStatus: 429}, "template_missing_status", 0, 0, 0},
		{"media ttl 7d", Settings{MediaTTL: dur(7 * day)}, "", 429, 404, 7 * day},
		{"media ttl 0s: for ever", Settings{MediaTTL: dur(0)}, "", 429, 404, -1},
		{"media ttl negative", Settings{MediaTTL: dur(-time.Second)}, "media_ttl", 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := validate(&tc.s)
			if tc.key != "" {
				if len(ps) != 1 || ps[0].Key != tc.key || ps[0].Hint == "" || ps[0].Msg == "" {
					t.Fatalf("problems %+v, want one at %s with a hint", ps, tc.key)
				}
				return
			}
			if len(ps) != 0 {
				t.Fatalf("valid settings: %+v", ps)
			}
			now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			env := sim.Env{Clock: func() time.Time { return now }, Seed: 1, Network: sim.Direct, Receiver: &recorder{}}
			bi, err := Platform.Open(context.Background(), env, &scenario.Channel{Settings: &tc.s})
			if err != nil {
				t.Fatal(err)
			}
			c := bi.(*binding).fake.Config()
			if c.ThrottleStatus != tc.throttle || c.TemplateMissingStatus != tc.missing || c.MediaTTL != tc.ttl {
				t.Errorf("fake's config: throttle %d, template missing %d, media ttl %v; want %d, %d, %v",
					c.ThrottleStatus, c.TemplateMissingStatus, c.MediaTTL, tc.throttle, tc.missing, tc.ttl)
			}
		})
	}
}

// TestTemplateMissingJudge: the simulator's verdict on an unknown template
// carries the configured HTTP status.
func TestTemplateMissingJudge(t *testing.T) {
	for _, tc := range []struct {
		status, want int
	}{{0, 404}, {400, 400}, {404, 404}} {
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		env := sim.Env{Clock: func() time.Time { return now }, Seed: 1, Network: sim.Direct, Receiver: &recorder{}}
		s := &Settings{Templates: []string{"known"}, TemplateMissingStatus: tc.status}
		bi, err := Platform.Open(context.Background(), env, &scenario.Channel{Settings: s})
		if err != nil {
			t.Fatal(err)
		}
		v := bi.Judge("16505551234", router.Outbound{Kind: router.KindTemplate, Template: &router.Template{Name: "unknown"}})
		if v == nil || v.Code != strconv.Itoa(fakewa.CodeTemplateNotExists) || v.HTTPStatus != tc.want {
			t.Errorf("template_missing_status %d: verdict %+v, want 132001 with HTTP %d", tc.status, v, tc.want)
		}
	}
}
