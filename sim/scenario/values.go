package scenario

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a span of virtual time written as a string of numbers with
// the units d, h, m, s and ms: "90s", "1h30m", "2d", "0s".
type Duration time.Duration

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats the duration with days where they fit.
func (d Duration) String() string { return FormatDuration(time.Duration(d)) }

// UnmarshalText parses a duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText formats the duration.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// ParseDuration parses "2d", "1h30m", "45s", "250ms" and sums of them (also
// "us" and "ns", which FormatDuration writes for sub-millisecond parts);
// spaces between the parts are allowed ("1h 30m"). The result is never
// negative.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("empty duration: write a number and a unit, e.g. \"30s\", \"5m\", \"2h\", \"1d\"")
	}
	if strings.HasPrefix(in, "-") {
		return 0, fmt.Errorf("duration %q is negative", s)
	}
	var total time.Duration
	rest := in
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("bad duration %q: expected a number at %q (units: d, h, m, s, ms)", s, rest)
		}
		num, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("bad duration %q: %q is not a number", s, rest[:i])
		}
		rest = strings.TrimLeft(rest[i:], " \t")
		j := 0
		for j < len(rest) && (rest[j] >= 'a' && rest[j] <= 'z') {
			j++
		}
		var unit time.Duration
		switch rest[:j] {
		case "d":
			unit = 24 * time.Hour
		case "h":
			unit = time.Hour
		case "m":
			unit = time.Minute
		case "s":
			unit = time.Second
		case "ms":
			unit = time.Millisecond
		case "us":
			unit = time.Microsecond
		case "ns":
			unit = time.Nanosecond
		case "":
			return 0, fmt.Errorf("bad duration %q: %v has no unit (d, h, m, s, ms)", s, num)
		default:
			return 0, fmt.Errorf("bad duration %q: unknown unit %q (d, h, m, s, ms)", s, rest[:j])
		}
		rest = strings.TrimLeft(rest[j:], " \t")
		// float64(math.MaxInt64) is 2^63, which no Duration holds.
		v := num * float64(unit)
		if v >= float64(math.MaxInt64) || time.Duration(v) > math.MaxInt64-total {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		total += time.Duration(v)
	}
	return total, nil
}

// FormatDuration writes d in the units ParseDuration reads: "1d2h", "90s"
// becomes "1m30s", zero is "0s".
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	for _, u := range []struct {
		name string
		d    time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}} {
		if n := d / u.d; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.name)
			d -= n * u.d
		}
	}
	if d > 0 {
		fmt.Fprintf(&b, "%dns", int64(d))
	}
	return b.String()
}

// Size is a number of bytes written with a unit: "100B", "512KB", "5MB",
// "1GB". KB, MB and GB are powers of 1024 (KiB, MiB and GiB are accepted as
// the same).
type Size int64

// String formats the size in the largest unit that divides it.
func (s Size) String() string {
	switch {
	case s != 0 && s%(1<<30) == 0:
		return fmt.Sprintf("%dGB", s>>30)
	case s != 0 && s%(1<<20) == 0:
		return fmt.Sprintf("%dMB", s>>20)
	case s != 0 && s%(1<<10) == 0:
		return fmt.Sprintf("%dKB", s>>10)
	}
	return fmt.Sprintf("%dB", int64(s))
}

// UnmarshalText parses a size string.
func (s *Size) UnmarshalText(b []byte) error {
	in := strings.TrimSpace(string(b))
	i := 0
	for i < len(in) && (in[i] >= '0' && in[i] <= '9' || in[i] == '.') {
		i++
	}
	if i == 0 {
		return fmt.Errorf("bad size %q: write a number and a unit, e.g. \"512KB\", \"5MB\"", string(b))
	}
	num, err := strconv.ParseFloat(in[:i], 64)
	if err != nil {
		return fmt.Errorf("bad size %q: %q is not a number", string(b), in[:i])
	}
	var unit float64
	switch strings.ToUpper(strings.TrimSpace(in[i:])) {
	case "B":
		unit = 1
	case "KB", "KIB":
		unit = 1 << 10
	case "MB", "MIB":
		unit = 1 << 20
	case "GB", "GIB":
		unit = 1 << 30
	case "":
		return fmt.Errorf("bad size %q: no unit (B, KB, MB, GB)", string(b))
	default:
		return fmt.Errorf("bad size %q: unknown unit %q (B, KB, MB, GB)", string(b), strings.TrimSpace(in[i:]))
	}
	v := num * unit
	if v > 1<<40 {
		return fmt.Errorf("size %q is larger than 1TB", string(b))
	}
	if v > 0 && v < 1 {
		return fmt.Errorf("bad size %q: less than a byte", string(b))
	}
	*s = Size(v)
	return nil
}

// MarshalText formats the size.
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Strings is a string or an array of strings.
type Strings []string

// UnmarshalTOML accepts a string or an array of strings.
func (s *Strings) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case string:
		*s = Strings{v}
		return nil
	case []any:
		out := make(Strings, 0, len(v))
		for i, e := range v {
			str, ok := e.(string)
			if !ok {
				return fmt.Errorf("element %d is %T, want a string", i, e)
			}
			out = append(out, str)
		}
		*s = out
		return nil
	}
	return fmt.Errorf("want a string or an array of strings, got %T", v)
}

// Rate is an arrival process: "poisson 120/h" (also /s, /m, /d).
// The rate is between one a century and 1000 per second.
type Rate struct {
	PerHour float64
}

// The bounds of a Rate, per hour: about once a century, and 1000/s.
const (
	minPerHour = 1.0 / (100 * 365 * 24)
	maxPerHour = 1000 * 3600
)

// String formats the rate.
func (r Rate) String() string {
	if r.PerHour == 0 {
		return ""
	}
	return "poisson " + strconv.FormatFloat(r.PerHour, 'f', -1, 64) + "/h"
}

// Mean returns the mean time between arrivals.
func (r Rate) Mean() time.Duration {
	return time.Duration(float64(time.Hour) / r.PerHour)
}

// UnmarshalText parses "poisson N/unit".
func (r *Rate) UnmarshalText(b []byte) error {
	f := strings.Fields(string(b))
	if len(f) != 2 || f[0] != "poisson" {
		return fmt.Errorf("bad arrivals %q: write \"poisson N/h\" (or /s, /m, /d)", string(b))
	}
	num, per, ok := strings.Cut(f[1], "/")
	if !ok {
		return fmt.Errorf("bad arrivals %q: rate %q has no period (e.g. 120/h)", string(b), f[1])
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n <= 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return fmt.Errorf("bad arrivals %q: rate %q must be a positive number", string(b), num)
	}
	var mul float64
	switch per {
	case "s":
		mul = 3600
	case "m":
		mul = 60
	case "h":
		mul = 1
	case "d":
		mul = 1.0 / 24
	default:
		return fmt.Errorf("bad arrivals %q: unknown period %q (s, m, h, d)", string(b), per)
	}
	perHour := n * mul
	if perHour < minPerHour || perHour > maxPerHour || math.IsInf(perHour, 0) {
		return fmt.Errorf("bad arrivals %q: the rate must be between one a century and 1000/s", string(b))
	}
	r.PerHour = perHour
	return nil
}

// MarshalText formats the rate.
func (r Rate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// IntRange is an inclusive range of whole numbers, "2..6", or one number "3".
type IntRange struct {
	Min, Max int
}

// String formats the range.
func (r IntRange) String() string {
	if r.Min == r.Max {
		return strconv.Itoa(r.Min)
	}
	return fmt.Sprintf("%d..%d", r.Min, r.Max)
}

// UnmarshalText parses "A..B" or "N".
func (r *IntRange) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	lo, hi, ok := strings.Cut(s, "..")
	if !ok {
		hi = lo
	}
	a, err1 := strconv.Atoi(strings.TrimSpace(lo))
	c, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil {
		return fmt.Errorf("bad range %q: write \"A..B\" or one number", s)
	}
	if a < 1 || c < a || c > 1000 {
		return fmt.Errorf("bad range %q: need 1 <= A <= B <= 1000", s)
	}
	r.Min, r.Max = a, c
	return nil
}

// MarshalText formats the range.
func (r IntRange) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Distribution is a distribution of durations: "exp 6m" (exponential with
// mean 6m), "uniform 1m..5m", or a fixed "30s" (also "const 30s").
type Distribution struct {
	Kind string        // exp | uniform | const
	Mean time.Duration // exp and const
	Low  time.Duration // uniform
	High time.Duration // uniform
}

// String formats the distribution.
func (d Distribution) String() string {
	switch d.Kind {
	case "exp":
		return "exp " + FormatDuration(d.Mean)
	case "uniform":
		return "uniform " + FormatDuration(d.Low) + ".." + FormatDuration(d.High)
	case "const":
		return FormatDuration(d.Mean)
	}
	return ""
}

// UnmarshalText parses a distribution string.
func (d *Distribution) UnmarshalText(b []byte) error {
	f := strings.Fields(string(b))
	bad := func(why string) error {
		return fmt.Errorf("bad distribution %q: %s (write \"exp 6m\", \"uniform 1m..5m\" or \"30s\")", string(b), why)
	}
	switch {
	case len(f) == 1:
		v, err := ParseDuration(f[0])
		if err != nil {
			return bad(err.Error())
		}
		*d = Distribution{Kind: "const", Mean: v}
	case len(f) == 2 && (f[0] == "exp" || f[0] == "const"):
		v, err := ParseDuration(f[1])
		if err != nil {
			return bad(err.Error())
		}
		if f[0] == "exp" && v <= 0 {
			return bad("the mean must be positive")
		}
		*d = Distribution{Kind: f[0], Mean: v}
	case len(f) == 2 && f[0] == "uniform":
		lo, hi, ok := strings.Cut(f[1], "..")
		if !ok {
			return bad("uniform needs LOW..HIGH")
		}
		l, err := ParseDuration(lo)
		if err != nil {
			return bad(err.Error())
		}
		h, err := ParseDuration(hi)
		if err != nil {
			return bad(err.Error())
		}
		if h < l {
			return bad("HIGH is below LOW")
		}
		*d = Distribution{Kind: "uniform", Low: l, High: h}
	default:
		return bad("unknown form")
	}
	return nil
}

// MarshalText formats the distribution.
func (d Distribution) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// CutRunes cuts s after n runes, ending it in "…", and reports whether s
// was longer (a report's way to show a long value).
func CutRunes(s string, n int) (string, bool) {
	k := 0
	for i := range s {
		if k == n {
			return s[:i] + "…", true
		}
		k++
	}
	return s, false
}

// mean is the distribution's mean.
func (d Distribution) mean() time.Duration {
	if d.Kind == "uniform" {
		return d.Low + (d.High-d.Low)/2
	}
	return d.Mean
}
