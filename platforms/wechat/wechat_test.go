package wechat

import (
	"strings"
	"testing"

	"github.com/omnisim/omnisim/router"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		s    Settings
		want string // "" for valid
	}{
		{"defaults", Settings{}, ""},
		{"every mode", Settings{Mode: "compatible"}, ""},
		{"mode typo", Settings{Mode: "sfae"}, `mode: unknown value "sfae"`},
		{"short key", Settings{EncodingAESKey: "abc"}, "encoding_aes_key"},
		{"key of 43", Settings{EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}, ""},
		{"key not base64", Settings{EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF!"}, "encoding_aes_key"},
		{"app id", Settings{AppID: "12345"}, "app_id"},
		{"original id", Settings{OriginalID: "7f3a"}, "original_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := validate(&tt.s)
			var got []string
			for _, p := range ps {
				got = append(got, p.Key+": "+p.Msg)
			}
			switch {
			case tt.want == "" && len(ps) > 0:
				t.Errorf("problems %v", got)
			case tt.want != "" && (len(ps) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("problems %v, want one with %q", got, tt.want)
			}
		})
	}
}

func TestCheckOpenID(t *testing.T) {
	for _, ok := range []string{"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "a", "o-_9"} {
		if p, _ := checkOpenID(ok); p != "" {
			t.Errorf("%q refused: %s", ok, p)
		}
	}
	for _, bad := range []string{"has space", "中文", "a/b", strings.Repeat("o", 65)} {
		if p, _ := checkOpenID(bad); p == "" {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestModelled(t *testing.T) {
	var b binding
	text := &router.Outbound{Kind: router.KindText, Text: "x"}
	for code, want := range map[string]bool{
		"45015": true, "45047": true, "40004": true, "40005": true, "40006": true, "45002": true,
		"40001": false, "40003": false, "48001": false, "": false,
	} {
		if got := b.Modelled(code, text); got != want {
			t.Errorf("Modelled(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestMediaType(t *testing.T) {
	for kind, want := range map[string]string{"image": "image", "audio": "voice", "video": "video", "document": "document"} {
		if got := mediaType(kind); got != want {
			t.Errorf("mediaType(%q) = %q, want %q", kind, got, want)
		}
	}
}
