package scenario

import (
	"slices"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// testSettings stands in for a platform's [channels.NAME] keys.
type testSettings struct {
	PhoneNumberID      string   `toml:"phone_number_id,omitempty"`
	DisplayPhoneNumber string   `toml:"display_phone_number,omitempty"`
	BusinessAccountID  string   `toml:"business_account_id,omitempty"`
	AccessToken        string   `toml:"access_token,omitempty"`
	AppSecret          string   `toml:"app_secret,omitempty"`
	VerifyToken        string   `toml:"verify_token,omitempty"`
	APIVersion         string   `toml:"api_version,omitempty"`
	Templates          []string `toml:"templates,omitempty"`
	WindowErrors       string   `toml:"window_errors,omitempty"`
	StatusWebhooks     *bool    `toml:"status_webhooks"`
}

func (s *testSettings) Normalize() { s.Templates = nilIfEmpty(s.Templates) }

// testOpenIDSettings is a second platform's settings, shaped like WeChat's.
type testOpenIDSettings struct {
	AppID          string `toml:"app_id,omitempty"`
	AppSecret      string `toml:"app_secret,omitempty"`
	Token          string `toml:"token,omitempty"`
	EncodingAESKey string `toml:"encoding_aes_key,omitempty"`
	OriginalID     string `toml:"original_id,omitempty"`
	Mode           string `toml:"mode,omitempty"`
}

// testFormat is the format the package's tests parse with: a phone-number
// platform named whatsapp, first (the default channel), and an openid one.
// The docs' examples are parsed with the real platform table
// (platforms.TestDocExamples).
var testFormat = &Format{Channels: []ChannelSpec{
	{
		Name: "whatsapp", Handle: "phone", HandleExample: "+16505551234",
		CheckHandle: func(h string) (string, string) {
			n, err := phonenumbers.Parse(h, "")
			if !strings.HasPrefix(h, "+") || err != nil || !phonenumbers.IsValidNumber(n) {
				return "\"" + h + "\" is not a valid phone number", `write it in E.164 form, e.g. "+8613800138000"`
			}
			return "", ""
		},
		Settings: func() any { return &testSettings{} },
		Validate: func(v any) []SettingsProblem {
			s := v.(*testSettings)
			var out []SettingsProblem
			if s.WindowErrors != "" && !slices.Contains([]string{"sync", "async"}, s.WindowErrors) {
				out = append(out, SettingsProblem{Key: "window_errors", Msg: "unknown value \"" + s.WindowErrors + "\"; want one of: sync, async"})
			}
			return out
		},
	},
	{
		Name: "wechat", Handle: "openid", HandleExample: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
		Settings: func() any { return &testOpenIDSettings{} },
	},
}}

func TestHandleKeyBelongsToTheChannel(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"openid on a phone platform", "[[customers]]\nid = \"a\"\nopenid = \"o1\"\n", `customers[0].openid: a whatsapp customer has no openid (whatsapp customers are named by phone`},
		{"phone on an openid platform", "[[customers]]\nid = \"a\"\nchannel = \"wechat\"\nphone = \"+16505551234\"\n", `customers[0].phone: a wechat customer has no phone`},
		{"bad phone", "[[customers]]\nid = \"a\"\nphone = \"+1650\"\n", `customers[0].phone: "+1650" is not a valid phone number`},
		{"duplicate openid", "[[customers]]\nid = \"a\"\nchannel = \"wechat\"\nopenid = \"o1\"\n[[customers]]\nid = \"b\"\nchannel = \"wechat\"\nopenid = \"o1\"\n", `customers[1].openid: o1 is also customers[0]'s openid`},
		{"unknown channel setting", "[channels.wechat]\napp_idd = \"x\"\n", `unknown key "app_idd" in [channels.wechat] (did you mean "app_id"?)`},
		{"unknown channel setting, far from any", "[channels.wechat]\nfavourite = \"x\"\n", `unknown key "favourite" in [channels.wechat]`},
		{"other platform's setting", "[channels.wechat]\ntemplates = [\"x\"]\n", `unknown key "templates" in [channels.wechat]`},
		{"platform validation", "[channels.whatsapp]\nwindow_errors = \"later\"\n", `channels.whatsapp.window_errors: unknown value "later"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := testFormat.Parse("h.toml", []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestHandlesAndSettingsDecode(t *testing.T) {
	src := "[channels.wechat]\napp_id = \"wx1\"\n[[customers]]\nid = \"a\"\nchannel = \"wechat\"\nopenid = \"o1\"\n[[customers]]\nid = \"b\"\nphone = \"+16505551234\"\n"
	s, err := testFormat.Parse("h.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Channels["wechat"].Settings.(*testOpenIDSettings).AppID; got != "wx1" {
		t.Errorf("app_id = %q", got)
	}
	if s.Customers[0].Handle != "o1" || s.Customers[1].Handle != "+16505551234" || s.Customers[1].Channel != "whatsapp" {
		t.Errorf("customers = %+v", s.Customers)
	}
	if _, ok := s.Channels["whatsapp"].Settings.(*testSettings); !ok {
		t.Errorf("a channel in use gets its default settings, got %#v", s.Channels["whatsapp"])
	}
}

func TestValidateBuiltInGo(t *testing.T) {
	s := &Scenario{
		File:      "built",
		Start:     DefaultStart,
		Tenant:    Tenant{Split: "none", Strategy: "least-loaded", Overflow: "none"},
		Agents:    []Agent{{ID: "li", Capacity: 0, Groups: []string{"nope"}}},
		Customers: []Customer{{ID: "u1", Channel: "line"}},
	}
	err := testFormat.Validate(s)
	if err == nil {
		t.Fatal("Validate accepted a broken scenario")
	}
	for _, want := range []string{"built: agents[0].capacity: must be at least 1", `agents[0].groups[0]: unknown group "nope"`, `customers[0].channel: unknown channel "line"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	s.Agents[0] = Agent{ID: "li", Capacity: 1}
	s.Customers[0].Channel = "wechat"
	if err := testFormat.Validate(s); err != nil {
		t.Errorf("a valid scenario: %v", err)
	}
}
