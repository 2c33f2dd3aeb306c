package whatsapp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestGeneratedNumbers holds the fake's shortcut to libphonenumber: every
// number of the form generated accepts (each area code, each exchange,
// line numbers at both ends) is valid and its own E.164 form, every
// handle NewHandle makes has that form, and numbers of other forms are
// not vouched for.
func TestGeneratedNumbers(t *testing.T) {
	for _, area := range areaCodes {
		for ex := 200; ex <= 999; ex++ {
			for _, line := range []string{"0000", "4321", "9999"} {
				d := fmt.Sprintf("1%s%03d%s", area, ex, line)
				if !generated(d) {
					t.Fatalf("generated(%q) = false", d)
				}
				n, err := phonenumbers.Parse("+"+d, "ZZ")
				if err != nil || !phonenumbers.IsValidNumber(n) {
					t.Fatalf("+%s: libphonenumber says it is not valid (%v)", d, err)
				}
				if e := strings.TrimPrefix(phonenumbers.Format(n, phonenumbers.E164), "+"); e != d {
					t.Fatalf("+%s: E.164 form %s", d, e)
				}
			}
		}
	}
	b := &binding{}
	for _, n := range []int{1, 9999, 10000, 123_456, 7_999_999, 8_000_000, 79_999_999, 80_000_000} {
		area := areaCodes[(n/8_000_000)%len(areaCodes)]
		want := fmt.Sprintf("1%s%03d%04d", area, 200+(n/10000)%800, n%10000)
		if h := b.NewHandle(n); h != want || !generated(h) {
			t.Errorf("NewHandle(%d) = %q, want %q, of the generated form", n, h, want)
		}
	}
	for _, d := range []string{"16501991234", "1212200123", "165020012345", "26502001234", "8613800138000", "16662001234", "1/502001234"} {
		if generated(d) {
			t.Errorf("generated(%q) = true", d)
		}
	}
}

// TestGeneratedAreaCodes: of the numbers "1", a three-digit code and a
// valid exchange and line, generated takes those whose code is one of
// areaCodes, and no other, whichever slot of areaSlots the code's word
// falls in; nor a number of another first digit with one of them.
func TestGeneratedAreaCodes(t *testing.T) {
	area := map[string]bool{}
	for _, a := range areaCodes {
		area[a] = true
	}
	for code := 0; code < 1000; code++ {
		c := fmt.Sprintf("%03d", code)
		if d := "1" + c + "2001234"; generated(d) != area[c] {
			t.Errorf("generated(%q) = %v", d, !area[c])
		}
		for _, first := range "0293" {
			if d := string(first) + c + "2001234"; generated(d) {
				t.Errorf("generated(%q) = true", d)
			}
		}
	}
}

// TestNewHandleInAnyOrder: the numbers made a block at a time are those of
// the formula, whichever order they are asked for in (ascending as the
// world does, with gaps another channel leaves, back to an earlier one).
func TestNewHandleInAnyOrder(t *testing.T) {
	b := &binding{}
	ns := []int{}
	for n := 1; n <= 100; n++ {
		ns = append(ns, n)
	}
	ns = append(ns, 5, 31, 32, 33, 64, 63, 1000, 1031, 1032, 2, 79_999_990, 80_000_010, 7_999_999, 8_000_000)
	for _, n := range ns {
		area := areaCodes[(n/8_000_000)%len(areaCodes)]
		want := fmt.Sprintf("1%s%03d%04d", area, 200+(n/10000)%800, n%10000)
		if h := b.NewHandle(n); h != want {
			t.Errorf("NewHandle(%d) = %q, want %q", n, h, want)
		}
	}
}

// TestNewHandleAcrossCarries: every number of a block, made from the one
// before it, is the formula's, through lines that carry into every digit
// and blocks that cross a new exchange and a new area code.
func TestNewHandleAcrossCarries(t *testing.T) {
	b := &binding{}
	for _, from := range []int{0, 9_950, 19_990, 7_999_900, 79_999_900, 123_456_780} {
		for n := from; n < from+200; n++ {
			area := areaCodes[(n/8_000_000)%len(areaCodes)]
			want := fmt.Sprintf("1%s%03d%04d", area, 200+(n/10000)%800, n%10000)
			if h := b.NewHandle(n); h != want {
				t.Fatalf("NewHandle(%d) = %q, want %q", n, h, want)
			}
		}
	}
}

// TestNextLine: for every line from 0000 to 9998, nextLine of its digits
// is the digits of the line after it, as fill counts numbers up.
func TestNextLine(t *testing.T) {
	digits := func(v int) uint32 {
		return uint32(v/1000)<<24 | uint32(v/100%10)<<16 | uint32(v/10%10)<<8 | uint32(v%10)
	}
	for v := range 9999 {
		if got, want := nextLine(digits(v)), digits(v+1); got != want {
			t.Fatalf("nextLine(%04d) = %#08x, want %#08x", v, got, want)
		}
	}
}
