package whatsapp

import (
	"strings"
	"testing"

	"github.com/omnisim/omnisim/router"
)

func TestCheckPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+16505551234", ""},
		{"+8613800138000", ""},
		{"16505551234", "not a phone number in E.164 form"},
		{"+1 650 555 1234", "not a phone number in E.164 form"},
		{"+10005551234", "not a valid number of its country's numbering plan"},
		{"+123456789012345678", "not a phone number in E.164 form"},
	}
	for _, tt := range tests {
		got, _ := checkPhone(tt.in)
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("checkPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	if ps := validate(&Settings{WindowErrors: "async", Templates: []string{"a"}}); len(ps) != 0 {
		t.Errorf("valid settings: %v", ps)
	}
	ps := validate(&Settings{WindowErrors: "asnyc", Templates: []string{"a", ""}})
	if len(ps) != 2 || ps[0].Key != "window_errors" || ps[0].Hint != `did you mean "async"?` || ps[1].Key != "templates[1]" {
		t.Errorf("problems %+v", ps)
	}
}

func TestNewHandleIsAValidNumber(t *testing.T) {
	var b binding
	for _, n := range []int{1, 9999, 10000, 7_999_999, 8_000_000, 79_999_999} {
		h := b.NewHandle(n)
		if p, _ := checkPhone("+" + h); p != "" {
			t.Errorf("NewHandle(%d) = %s: %s", n, h, p)
		}
	}
	if b.Handle("+16505551234") != "16505551234" {
		t.Error("Handle keeps the +")
	}
}

func TestModelledText(t *testing.T) {
	b := binding{}
	// Codes the router's policy models, whatever the message.
	for _, code := range []string{"131047", "131053"} {
		if !b.Modelled(code, nil) {
			t.Errorf("%s is not modelled", code)
		}
	}
	if b.Modelled("132001", &router.Outbound{Kind: router.KindTemplate}) {
		t.Error("an unknown template is the platform's business, not drift")
	}
}
