package messenger

import (
	"strings"
	"testing"

	fakems "github.com/omnisim/omnisim/fakes/messenger"
	"github.com/omnisim/omnisim/router"
	routerms "github.com/omnisim/omnisim/router/messenger"
	"github.com/omnisim/omnisim/sim/scenario"
)

func TestValidate(t *testing.T) {
	zero := scenario.Duration(0)
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
	}
	for _, tt := range tests {
		ps := validate(&tt.s)
		switch {
		case tt.want == "" && len(ps) > 0:
			t.Errorf("%s: %+v", tt.name, ps)
		case tt.want != "" && (len(ps) != 1 || ps[0].Key != tt.want):
			t.Errorf("%s: %+v, want one for %s", tt.name, ps, tt.want)
		}
	}
}

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
