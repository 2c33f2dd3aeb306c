package whatsapp

import (
	"strings"
	"testing"
)

func TestFormattedNumbers(t *testing.T) {
	tests := []struct {
		to   string
		waID string // "" means refused with code 100
	}{
		{"16505551234", cust},
		{"+16505551234", cust},
		{"+1 (650) 555-1234", cust},
		{"1-650-555-1234", cust},
		{"+1.650.555.1234", cust},
		{"1 650 555 1234", cust},
		{" +16505551234 ", cust},
		{"+44 7911 123456", cust2},
		{"+44 (0)7911 123456", cust2}, // libphonenumber drops the trunk 0
		{"+1 650 555 12ab", ""},
		{"+1/650/555/1234", ""},
		{"++16505551234", ""},
		{"1+6505551234", ""},
		{"+1 650_555_1234", ""},
		{"+1\t650 555 1234", ""},
		{"+１６５０５５５１２３４", ""}, // full-width digits
		{"+", ""},
		{"(  )", ""},
	}
	for _, tc := range tests {
		t.Run(tc.to, func(t *testing.T) {
			s, _ := newTest(Config{Window: -1})
			w := sendReq(s, text(tc.to, "hi"))
			if tc.waID == "" {
				e := wantError(t, w, 400, 100)
				if !strings.Contains(e.Details(), "valid phone number") {
					t.Errorf("details %q", e.Details())
				}
				if s.Check(text(tc.to, "hi")) == nil {
					t.Error("Check accepted it")
				}
				return
			}
			r := wantOK(t, w)
			if r.Contacts[0].Input != tc.to || r.Contacts[0].WaID != tc.waID {
				t.Fatalf("contacts %+v", r.Contacts)
			}
			if d := s.Deliveries(tc.to); len(d) != 1 || d[0].To != tc.waID {
				t.Fatalf("deliveries by the formatted number: %+v", d)
			}
			if s.Check(text(tc.to, "hi")) != nil {
				t.Error("Check refused it")
			}
		})
	}
}

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"+1 (650) 555-1234": "16505551234",
		"16505551234":       "16505551234",
		" 1.650.555.1234 ":  "16505551234",
		"+":                 "",
		"1a":                "",
		"1+2":               "",
	} {
		if got := normalizePhone(in); got != want {
			t.Errorf("normalizePhone(%q) = %q, want %q", in, got, want)
		}
	}
}
