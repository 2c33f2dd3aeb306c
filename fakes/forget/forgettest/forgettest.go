// Package forgettest holds what the fakes' tests of forgetting share: the
// instants their age comparisons (forget.Old) are tested over, and the
// measure of what a forgotten customer leaves behind.
package forgettest

import (
	"math"
	"runtime"
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

// BytesPerForgotten is what a fake keeps, in bytes of live heap, for each
// customer it has forgotten: it calls write for warm new customers, so
// that the records in play and the forgetting queue reach their size,
// then for n more, and divides the heap's growth by how many more
// customers forgotten reports. write(i) has the i-th customer write (and
// the clock move on); forgotten counts the customers the fake remembers
// as forgotten.
func BytesPerForgotten(write func(i int), forgotten func() int, warm, n int) float64 {
	next := 0
	run := func(k int) (heap uint64, gone int) {
		for ; k > 0; k-- {
			write(next)
			next++
		}
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc, forgotten()
	}
	heap0, gone0 := run(warm)
	heap, gone := run(n)
	return float64(int64(heap)-int64(heap0)) / float64(gone-gone0)
}
