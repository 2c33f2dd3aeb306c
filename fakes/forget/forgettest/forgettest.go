// Package forgettest holds the instants the fakes' tests of their age
// comparisons (forget.Old) share.
package forgettest

import (
	"math"
	"time"
)

// Span is two instants whose difference in Unix nanoseconds wraps an
// int64: something started Then and is looked at Now.
type Span struct {
	Name      string
	Then, Now time.Time
}

// FarApart are the spans a fake's windows, tokens and records are tested
// over: instants more than 292 years apart, up to the two ends of the
// range Unix nanoseconds hold (1677 and 2262).
var FarApart = []Span{
	{"1800 to 2200", time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)},
	{"the first instant to the last", time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)},
}
