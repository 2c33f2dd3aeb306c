package whatsapp

import (
	"context"
	"fmt"
	"strconv"
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

// TestWaIDAgreesWithLibphonenumber: whatever path answers (a known
// customer, the cache, a parse), waID says what libphonenumber says.
func TestWaIDAgreesWithLibphonenumber(t *testing.T) {
	s, _ := newTest(Config{Window: -1})
	var numbers []string
	for n := 0; n < 300; n++ { // the simulator's numbers: 1 + area + exchange + line
		numbers = append(numbers, fmt.Sprintf("1%s%03d%04d", []string{"650", "415", "408", "510"}[n%4], 200+n%800, n*37%10000))
	}
	numbers = append(numbers, cust, cust2, "+"+cust, "+1 (650) 555-1234", "4407911123456", "+44 (0)7911 123456",
		"390612345678", "+39 06 1234 5678", "12345", "1", "", "+", "1650555123", "999999999999999", "16505551234x",
		"861012345678", "8613800138000", "+49 30 123456", "4930123456", "0016505551234")
	check := func(stage string) {
		for _, n := range numbers {
			want := parsePhone(n)
			got, ok := s.waID(n)
			if got != want || ok != (want != "") {
				t.Fatalf("%s: waID(%q) = %q, %v; libphonenumber %q", stage, n, got, ok, want)
			}
		}
	}
	check("unknown numbers")
	for _, n := range numbers { // they become customers
		if v := parsePhone(n); v != "" {
			s.CustomerText(context.Background(), n, "c", "hi") //nolint:errcheck // no webhook URL
		}
	}
	check("known customers")
	s.customers.t.All(func(c *customer) {
		if !c.canonical {
			t.Errorf("customer %s is not canonical", c.waID)
		}
	})
	s.phones = phoneCache{} // forgotten spellings are parsed again
	check("empty cache")
}

// TestPhoneCacheBounded: the cache keeps at most two generations, and the
// spellings in use stay cached.
func TestPhoneCacheBounded(t *testing.T) {
	var c phoneCache
	for i := 0; i < 5*phoneCacheGeneration; i++ {
		k := strconv.Itoa(i)
		c.put(k, k)
		if i%1000 == 0 {
			c.put("hot", "v") // used now and then: it moves to the current generation
		}
		if _, ok := c.get("hot"); !ok && i > 0 {
			t.Fatalf("hot spelling forgotten at %d", i)
		}
		if c.len() > 2*phoneCacheGeneration {
			t.Fatalf("%d entries", c.len())
		}
	}
	if v, ok := c.get(strconv.Itoa(5*phoneCacheGeneration - 1)); !ok || v != strconv.Itoa(5*phoneCacheGeneration-1) {
		t.Fatalf("newest entry: %q %v", v, ok)
	}
	if _, ok := c.get("0"); ok {
		t.Fatal("the oldest entry is still there")
	}
}

// TestDeliveriesByAnySpelling: a customer is found by any accepted
// spelling of the number, whether or not it was used before.
func TestDeliveriesByAnySpelling(t *testing.T) {
	s, _ := newTest(Config{})
	openWindow(t, s, cust)
	wantOK(t, sendReq(s, text(cust, "hi")))
	for _, sp := range []string{cust, "+" + cust, "+1 (650) 555-1234", "1.650.555.1234"} {
		if d := s.Deliveries(sp); len(d) != 1 {
			t.Errorf("%q: %d deliveries", sp, len(d))
		}
	}
}
