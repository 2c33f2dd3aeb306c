package scenario

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"90s", 90 * time.Second, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"1h 30m", 90 * time.Minute, ""},
		{"2d", 48 * time.Hour, ""},
		{"1.5h", 90 * time.Minute, ""},
		{"250ms", 250 * time.Millisecond, ""},
		{"1ms500us7ns", 1500007, ""},
		{"106751d23h47m16s854ms775us807ns", math.MaxInt64, ""},
		{"106751d23h47m16s854ms775us808ns", 0, "too long"},
		{"2562047.788015215502h", 0, "too long"},
		{"", 0, "empty duration"},
		{"-1s", 0, "negative"},
		{"5", 0, "no unit"},
		{"5x", 0, `unknown unit "x"`},
		{"1 week", 0, `unknown unit "week"`},
		{"1..2s", 0, "not a number"},
	} {
		got, err := ParseDuration(tt.in)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ParseDuration(%q) error = %v, want %q", tt.in, err, tt.err)
		}
	}
}

// TestDurationRoundTrip checks that FormatDuration writes what
// ParseDuration reads back exactly.
func TestDurationRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	values := []time.Duration{0, 1, time.Microsecond, 1500 * time.Microsecond, 24 * time.Hour, math.MaxInt64}
	for range 10000 {
		values = append(values, time.Duration(r.Int64()), time.Duration(r.Int64N(int64(48*time.Hour))))
	}
	for _, d := range values {
		s := FormatDuration(d)
		back, err := ParseDuration(s)
		if err != nil || back != d {
			t.Fatalf("FormatDuration(%d) = %q, parsed back as %d, %v", d, s, back, err)
		}
	}
}

func TestRate(t *testing.T) {
	for _, tt := range []struct {
		in      string
		perHour float64
		err     string
	}{
		{"poisson 120/h", 120, ""},
		{"poisson 2/m", 120, ""},
		{"poisson 1/s", 3600, ""},
		{"poisson 24/d", 1, ""},
		{"poisson 1000/s", 3.6e6, ""},
		{"poisson 1001/s", 0, "between"},
		{"poisson 1e308/s", 0, "between"},
		{"poisson 1e-9/d", 0, "between"},
		{"poisson 0/h", 0, "positive"},
		{"poisson NaN/h", 0, "positive"},
		{"poisson 5", 0, "no period"},
		{"120/h", 0, "write"},
		{"poisson 5/w", 0, "unknown period"},
	} {
		var r Rate
		err := r.UnmarshalText([]byte(tt.in))
		switch {
		case tt.err == "" && (err != nil || r.PerHour != tt.perHour):
			t.Errorf("%q: %v, %v; want %v", tt.in, r.PerHour, err, tt.perHour)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%q: error %v, want %q", tt.in, err, tt.err)
		}
		if err == nil {
			var back Rate
			if err := back.UnmarshalText([]byte(r.String())); err != nil || back != r {
				t.Errorf("%q: String %q reads back as %v, %v", tt.in, r.String(), back, err)
			}
		}
	}
}

func TestValueRoundTrips(t *testing.T) {
	for _, in := range []string{"0B", "100B", "512KB", "5MB", "1GB", "1.5KB", "1024GB"} {
		var s, back Size
		if err := s.UnmarshalText([]byte(in)); err != nil {
			t.Fatalf("size %q: %v", in, err)
		}
		if err := back.UnmarshalText([]byte(s.String())); err != nil || back != s {
			t.Errorf("size %q: %q reads back as %d, %v", in, s.String(), back, err)
		}
	}
	for _, in := range []string{"3", "2..6", " 1 .. 1000 "} {
		var r, back IntRange
		if err := r.UnmarshalText([]byte(in)); err != nil {
			t.Fatalf("range %q: %v", in, err)
		}
		if err := back.UnmarshalText([]byte(r.String())); err != nil || back != r {
			t.Errorf("range %q: %q reads back as %v, %v", in, r.String(), back, err)
		}
	}
	for _, in := range []string{"exp 6m", "uniform 1m..5m", "30s", "const 1h", "exp 1ns", "uniform 0s..0s"} {
		var d, back Distribution
		if err := d.UnmarshalText([]byte(in)); err != nil {
			t.Fatalf("distribution %q: %v", in, err)
		}
		if err := back.UnmarshalText([]byte(d.String())); err != nil || back != d {
			t.Errorf("distribution %q: %q reads back as %v, %v", in, d.String(), back, err)
		}
	}
}

func TestCutRunes(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
		cut  bool
	}{
		{"", 3, "", false},
		{"abc", 3, "abc", false},
		{"abcd", 3, "abc…", true},
		{"éééé", 3, "ééé…", true},
		{"😀😀", 1, "😀…", true},
		{"abc", 0, "…", true},
		{"\xff\xfe\xfd\xfc", 2, "\xff\xfe…", true}, // an invalid byte is a rune
	} {
		if got, cut := CutRunes(tc.s, tc.n); got != tc.want || cut != tc.cut {
			t.Errorf("CutRunes(%q, %d) = %q, %v; want %q, %v", tc.s, tc.n, got, cut, tc.want, tc.cut)
		}
	}
}

// TestSizeErrors: a size needs a number and a unit, from a whole byte (or
// none) up to 1TB.
func TestSizeErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"5", "no unit"},
		{"5TB", `unknown unit "TB"`},
		{"1025GB", "larger than 1TB"},
		{"0.5B", "less than a byte"},
		{"0.0001KB", "less than a byte"},
		{"MB", "write a number and a unit"},
	} {
		var s Size
		if err := s.UnmarshalText([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("size %q: %v, want an error saying %q", tt.in, err, tt.want)
		}
	}
	var s Size = 7
	if err := s.UnmarshalText([]byte("0B")); err != nil || s != 0 {
		t.Errorf(`size "0B": %d, %v`, s, err)
	}
}
