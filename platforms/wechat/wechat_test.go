package wechat

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
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
		{"unknown path 200", Settings{UnknownPathStatus: 200}, ""},
		{"unknown path 404", Settings{UnknownPathStatus: 404}, ""},
		{"unknown path 500", Settings{UnknownPathStatus: 500}, "unknown_path_status: 500 is not a status"},
		{"unknown path 400", Settings{UnknownPathStatus: 400}, "unknown_path_status: 400 is not a status"},
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
			case len(ps) == 1 && ps[0].Key == "unknown_path_status" && !strings.Contains(ps[0].Hint, "200"):
				t.Errorf("hint %q names no valid status", ps[0].Hint)
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

// TestUnknownPathStatusSetting: unknown_path_status reaches the fake the
// world opens; left out, an unknown path is answered HTTP 200, errcode
// 48001 either way.
func TestUnknownPathStatusSetting(t *testing.T) {
	for _, tt := range []struct {
		setting, want int
	}{{0, http.StatusOK}, {200, http.StatusOK}, {404, http.StatusNotFound}} {
		t.Run(strconv.Itoa(tt.setting), func(t *testing.T) {
			now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
			tr := sim.NewTransport()
			client := &http.Client{Transport: tr}
			env := sim.Env{Clock: func() time.Time { return now }, Seed: 7, Network: sim.Memory, Receiver: nobody{}, Client: client}
			env.Mount = func(part string, h http.Handler) (string, error) {
				host := part + ".wechat.omnisim"
				tr.Handle(host, h)
				return "http://" + host, nil
			}
			ch := &scenario.Channel{Settings: &Settings{UnknownPathStatus: tt.setting}}
			if _, err := Platform.Open(context.Background(), env, ch); err != nil {
				t.Fatal(err)
			}
			resp, err := client.Get("http://api.wechat.omnisim/cgi-bin/nope")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.want || !strings.HasPrefix(string(body), `{"errcode":48001,`) {
				t.Fatalf("HTTP %d %s, want %d and errcode 48001", resp.StatusCode, body, tt.want)
			}
		})
	}
}
