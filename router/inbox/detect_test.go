package inbox

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func e164s(ps []Phone) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.E164)
	}
	return out
}

func TestDetectPhones(t *testing.T) {
	tests := []struct {
		name, text, region string
		want               []string
	}{
		{"dashes", "我的電話 0912-345-678 謝謝", "TW", []string{"+886912345678"}},
		{"dots", "call 0912.345.678", "TW", []string{"+886912345678"}},
		{"spaces", "0912 345 678", "TW", []string{"+886912345678"}},
		{"international with spaces", "+886 912 345 678", "TW", []string{"+886912345678"}},
		{"international dashes", "+886-912-345-678", "TW", []string{"+886912345678"}},
		{"spaced dash", "0912 - 345 - 678", "TW", []string{"+886912345678"}},
		{"glued to CJK", "電話0912345678謝謝", "TW", []string{"+886912345678"}},
		{"full-width", "０９１２－３４５－６７８", "TW", []string{"+886912345678"}},
		{"landline with parentheses", "(02) 2345-6789", "TW", []string{"+886223456789"}},
		{"two numbers in one run", "0912 345 678 0987 654 321", "TW", []string{"+886912345678", "+886987654321"}},
		{"two numbers apart", "0912-345-678 or 02-2345-6789", "TW", []string{"+886912345678", "+886223456789"}},
		{"duplicate", "0912345678, again 0912-345-678", "TW", []string{"+886912345678"}},
		{"other country", "office +1 415 555 2671", "TW", []string{"+14155552671"}},
		{"other region default", "ring 020 7946 0958", "GB", []string{"+442079460958"}},
		{"order number", "order ABC0912345678", "TW", nil},
		{"address", "0912345678@example.com", "TW", nil},
		{"date", "on 2024.01.15", "TW", nil},
		{"price", "NT$ 1,200.00", "TW", nil},
		{"too short", "12-34", "TW", nil},
		{"empty", "", "TW", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e164s(DetectPhones(tt.text, tt.region))
			if !slices.Equal(got, tt.want) {
				t.Errorf("DetectPhones(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func TestDetectPhonesBounded(t *testing.T) {
	// Thousands of candidate runs: the parse budget keeps it short, and the
	// first numbers are still found.
	text := "0912-345-678 " + strings.Repeat("1234 5678 ", 400)
	got := e164s(DetectPhones(text, "TW"))
	if len(got) == 0 || got[0] != "+886912345678" {
		t.Errorf("got %v", got)
	}
}

func TestDetectPhonesNational(t *testing.T) {
	ps := DetectPhones("0912.345.678", "TW")
	if len(ps) != 1 || ps[0].National != "0912345678" {
		t.Fatalf("got %+v, want national 0912345678", ps)
	}
}

func TestDetectEmails(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"mail me at Amy.Lin@Example.COM.", []string{"amy.lin@example.com"}},
		{"我的信箱是abc@example.com謝謝", []string{"abc@example.com"}},
		{"a+tag@mail.example.co.uk, b_c@x.io", []string{"a+tag@mail.example.co.uk", "b_c@x.io"}},
		{"twice a@b.tw and A@B.TW", []string{"a@b.tw"}},
		{"no tld user@localhost", nil},
		{"double dot a..b@example.com", []string{"b@example.com"}},
		{"hyphen label x@-bad.com", nil},
		{"just @ sign", nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := DetectEmails(tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("DetectEmails(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

// contrast is the WCAG 2 contrast ratio of white text on colour c.
func contrast(t *testing.T, c string) float64 {
	lin := func(h string) float64 {
		v, err := strconv.ParseUint(h, 16, 8)
		if err != nil {
			t.Fatal(err)
		}
		s := float64(v) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	l := 0.2126*lin(c[1:3]) + 0.7152*lin(c[3:5]) + 0.0722*lin(c[5:7])
	return 1.05 / (l + 0.05)
}

func TestDefaultPaletteIsAccessible(t *testing.T) {
	p := DefaultPalette()
	seen := map[string]bool{}
	for _, c := range p {
		if n, ok := normColour(c); !ok || n != c {
			t.Errorf("%q is not #RRGGBB in upper case", c)
		}
		if r := contrast(t, c); r < 4.5 {
			t.Errorf("%s: contrast with white %.2f, want at least 4.5", c, r)
		}
		if seen[c] {
			t.Errorf("%s twice", c)
		}
		seen[c] = true
	}
	p[0] = "#000000"
	if DefaultPalette()[0] == "#000000" {
		t.Error("DefaultPalette returned a shared slice")
	}
}
