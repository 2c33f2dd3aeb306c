package messenger

import (
	"context"
	"strings"
	"testing"
	"time"

	fakems "github.com/omnisim/omnisim/fakes/messenger"
	"github.com/omnisim/omnisim/router"
	routerms "github.com/omnisim/omnisim/router/messenger"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

func TestValidate(t *testing.T) {
	zero := scenario.Duration(0)
	dur := func(d time.Duration) *scenario.Duration { v := scenario.Duration(d); return &v }
	tests := []struct {
		name string
		s    Settings
		want string
	}{
		{"defaults", Settings{}, ""},
		{"page id", Settings{PageID: "abc"}, "page_id"},
		{"version", Settings{APIVersion: "25"}, "api_version"},
		{"window", Settings{StandardWindow: &zero}, "standard_window"},
		{"ad key", Settings{AdReferrals: map[string]string{"123": "9"}}, "ad_referrals"},
		{"ad value", Settings{AdReferrals: map[string]string{"7240412345678901": ""}}, "ad_referrals"},
		{"throttle 400", Settings{ThrottleStatus: 400}, ""},
		{"throttle 503", Settings{ThrottleStatus: 503}, "throttle_status"},
		{"ad window 168h", Settings{AdWindow: dur(168 * time.Hour)}, ""},
		{"ad window 1s", Settings{AdWindow: dur(time.Second)}, ""},
		{"ad window 0", Settings{AdWindow: &zero}, "ad_window"},
		{"ad window negative", Settings{AdWindow: dur(-time.Hour)}, "ad_window"},
		{"ad window over 7 days", Settings{AdWindow: dur(168*time.Hour + time.Second)}, "ad_window"},
	}
	for _, tt := range tests {
		ps := validate(&tt.s)
		switch {
		case tt.want == "" && len(ps) > 0:
			t.Errorf("%s: %+v", tt.name, ps)
		case tt.want != "" && (len(ps) != 1 || ps[0].Key != tt.want):
			t.Errorf("%s: %+v, want one for %s", tt.name, ps, tt.want)
		case tt.want == "ad_window" && !strings.Contains(ps[0].Hint, `"7d"`):
			t.Errorf("%s: hint %q", tt.name, ps[0].Hint)
		}
	}
}

// TestAdWindowSettings: ad_window reaches the fake and the adapter (0,
// not modelled, when left out), cut to rules.window when that is
// shorter.
func TestAdWindowSettings(t *testing.T) {
	const day = 24 * time.Hour
	for _, tc := range []struct {
		name   string
		set    time.Duration // 0: left out
		rules  time.Duration // rules.window; 0: left out
		fake   time.Duration
		forget time.Duration // the fake's ForgetAfter when the world keeps some customers
	}{
		{"left out", 0, 0, 0, 7*day + time.Hour},
		{"7 days", 7 * day, 0, 7 * day, 7*day + time.Hour},
		{"3 days", 3 * day, 0, 3 * day, 7*day + time.Hour},
		{"cut to rules.window", 7 * day, 2 * day, 2 * day, 7*day + time.Hour},
		{"rules.window longer", 3 * day, 10 * day, 3 * day, 10*day + time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Settings
			if tc.set != 0 {
				v := scenario.Duration(tc.set)
				s.AdWindow = &v
			}
			ch := &scenario.Channel{Settings: &s}
			if tc.rules != 0 {
				v := scenario.Duration(tc.rules)
				ch.Rules.Window = &v
			}
			env := sim.Env{Clock: func() time.Time { return time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) }, Network: sim.Direct,
				Receiver: nobody{}, Keep: func(string) bool { return false }}
			sb, err := Platform.Open(context.Background(), env, ch)
			if err != nil {
				t.Fatal(err)
			}
			b := sb.(*binding)
			if got := b.fake.Config().AdWindow; got != tc.fake {
				t.Errorf("fake AdWindow %v, want %v", got, tc.fake)
			}
			if got := b.acfg.AdWindow; got != tc.fake {
				t.Errorf("adapter AdWindow %v, want %v", got, tc.fake)
			}
			if got := b.fake.Config().ForgetAfter; got != tc.forget {
				t.Errorf("fake ForgetAfter %v, want %v", got, tc.forget)
			}
		})
	}
}

// nobody is a Receiver that takes every inbound message.
type nobody struct{}

func (nobody) Receive(time.Time, router.Inbound) (router.ConversationID, error) { return 1, nil }
func (nobody) Status(time.Time, router.CustomerKey, string, string, string)     {}

func TestPSIDs(t *testing.T) {
	var b binding
	seen := map[string]bool{}
	for _, n := range []int{1, 2, 3, 999_999, 1 << 40} {
		h := b.NewHandle(n)
		if p, _ := checkPSID(h); p != "" || seen[h] {
			t.Errorf("NewHandle(%d) = %s: %s", n, h, p)
		}
		seen[h] = true
	}
	for _, bad := range []string{"123", "0724041234567890", "72404123456789012x", "724041234567890123"} {
		if p, _ := checkPSID(bad); p == "" {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestModelled(t *testing.T) {
	var b binding
	for c, want := range map[string]bool{"10/2018278": true, "100/2018047": true, "190": false, "100/2018001": false, "": false} {
		if got := b.Modelled(c, &router.Outbound{Kind: router.KindTemplate}); got != want {
			t.Errorf("Modelled(%q) = %v", c, got)
		}
	}
	if !strings.Contains(Platform.Title, "Messenger") {
		t.Error(Platform.Title)
	}
}

// fileFormat reads, without building it, the format of the name the
// adapter uploads an attachment under, as the fake reads it on the wire.
func TestFileFormatIsTheUploadName(t *testing.T) {
	for _, name := range []string{"", "backup", "backup.tar", "backup.TAR", "backup.tar.gz", "backup.gz", "tar", ".tar", "contract.pdf", "scan.JPG", "a.", "logo.svg"} {
		for _, format := range []string{"", "pdf", "PDF", "gz", "tar.gz", "TAR.GZ", "svg.gz", "jpeg", "jpg", "bz2", ".gz"} {
			a := &router.Attachment{Kind: "document", Name: name, Format: format}
			if got, want := fileFormat(a), fakems.FileFormat(routerms.UploadName(a)); got != want {
				t.Errorf("name %q, format %q: fileFormat %q, FileFormat(%q) %q", name, format, got, routerms.UploadName(a), want)
			}
		}
	}
}
