package sim

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestWaitHistExactWhileSmall(t *testing.T) {
	var h waitHist
	waits := []time.Duration{0, 0, 3 * time.Second, time.Minute, 1500 * time.Millisecond}
	for _, d := range waits {
		h.add(d)
	}
	extra := []time.Duration{2 * time.Minute}
	got := h.percentiles(extra, 50, 90, 100)
	all := append(slices.Clone(waits), extra...)
	slices.Sort(all)
	for i, p := range []float64{50, 90, 100} {
		if want := Percentile(all, p); got[i] != want {
			t.Errorf("p%v = %v, want %v", p, got[i], want)
		}
	}
	if got := (&waitHist{}).percentiles(nil, 50); got[0] != 0 {
		t.Errorf("no waits: %v", got)
	}
}

func TestWaitHistBoundedError(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h waitHist
	n := exactLimit + exactLimit/2
	all := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		d := time.Duration(0)
		if rng.IntN(3) > 0 { // a third wait nothing
			d = time.Duration(rng.ExpFloat64() * float64(40*time.Second))
		}
		h.add(d)
		all = append(all, d)
	}
	if h.exact != nil || len(h.buckets) > 4000 {
		t.Fatalf("still exact, or %d buckets", len(h.buckets))
	}
	slices.Sort(all)
	ps := []float64{10, 50, 90, 99, 99.9, 100}
	got := h.percentiles(nil, ps...)
	for i, p := range ps {
		want := Percentile(all, p)
		if want == 0 {
			if got[i] != 0 {
				t.Errorf("p%v = %v, want exactly 0", p, got[i])
			}
			continue
		}
		if rel := float64(got[i]-want) / float64(want); rel > relErr || rel < -relErr {
			t.Errorf("p%v = %v, want %v within %v (off by %.4f)", p, got[i], want, relErr, rel)
		}
	}
	if got[len(got)-1] != all[len(all)-1] {
		t.Errorf("max %v, want exactly %v", got[len(got)-1], all[len(all)-1])
	}
}

// TestWaitHistZerosCounted: zero waits, which the histogram counts rather
// than keeps while exact, take their places among the others (negative
// ones included, and zeros among extra) at every percentile.
func TestWaitHistZerosCounted(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 200 {
		var h waitHist
		var all []time.Duration
		n := rng.IntN(40)
		for range n {
			var d time.Duration
			switch rng.IntN(4) {
			case 0, 1:
			case 2:
				d = time.Duration(rng.IntN(5)+1) * time.Second
			default:
				d = -time.Duration(rng.IntN(3)+1) * time.Second
			}
			h.add(d)
			all = append(all, d)
		}
		var extra []time.Duration
		for range rng.IntN(4) {
			extra = append(extra, time.Duration(rng.IntN(3))*time.Second)
		}
		all = append(all, extra...)
		slices.Sort(all)
		var ps []float64
		for p := 0.0; p <= 100; p += 2.5 {
			ps = append(ps, p)
		}
		got := h.percentiles(extra, ps...)
		for i, p := range ps {
			if want := Percentile(all, p); got[i] != want {
				t.Fatalf("round %d: p%v = %v, want %v (waits %v)", round, p, got[i], want, all)
			}
		}
	}
}

// TestNth: nth puts at every place k the wait a sort puts there, with no
// greater wait before it and no lesser one after it, whatever the order
// and the repeats of the waits.
func TestNth(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	shapes := map[string]func(i, n int) time.Duration{
		"random":   func(int, int) time.Duration { return time.Duration(rng.Int64N(1 << 40)) },
		"few":      func(int, int) time.Duration { return time.Duration(rng.IntN(3)) },
		"equal":    func(int, int) time.Duration { return time.Second },
		"sorted":   func(i, _ int) time.Duration { return time.Duration(i) },
		"reversed": func(i, n int) time.Duration { return time.Duration(n - i) },
		"organ":    func(i, n int) time.Duration { return time.Duration(min(i, n-i)) },
		"negative": func(int, int) time.Duration { return time.Duration(rng.IntN(21) - 10) },
	}
	for name, shape := range shapes {
		for _, n := range []int{1, 2, 13, 100, 1000, 4097} {
			s := make([]time.Duration, n)
			for i := range s {
				s[i] = shape(i, n)
			}
			sorted := slices.Sorted(slices.Values(s))
			for _, k := range []int{0, n / 2, n * 9 / 10, n * 99 / 100, n - 1, rng.IntN(n)} {
				c := slices.Clone(s)
				nth(c, k)
				if c[k] != sorted[k] {
					t.Fatalf("%s, %d waits: place %d holds %v, want %v", name, n, k, c[k], sorted[k])
				}
				for i, v := range c {
					if i < k && v > c[k] || i > k && v < c[k] {
						t.Fatalf("%s, %d waits: %v at %d, %v at %d", name, n, v, i, c[k], k)
					}
				}
				if !slices.Equal(slices.Sorted(slices.Values(c)), sorted) {
					t.Fatalf("%s, %d waits: not the same waits", name, n)
				}
			}
		}
	}
}

// TestWaitHistManyExact: with thousands of waits kept exactly, every
// percentile is the sorted waits' nearest-rank one, percentiles asked in
// any order.
func TestWaitHistManyExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var h waitHist
	var all []time.Duration
	for range 5000 {
		d := time.Duration(0)
		if rng.IntN(5) == 0 {
			d = time.Duration(rng.ExpFloat64() * float64(8*time.Second)).Round(time.Millisecond)
		}
		h.add(d)
		all = append(all, d)
	}
	extra := []time.Duration{0, time.Minute, 3 * time.Second}
	all = append(all, extra...)
	slices.Sort(all)
	ps := []float64{99, 50, 100, 90, 0, 80, 80, 99.9, 10}
	got := h.percentiles(extra, ps...)
	for i, p := range ps {
		if want := Percentile(all, p); got[i] != want {
			t.Errorf("p%v = %v, want %v", p, got[i], want)
		}
	}
}

// TestWaitHistZeroAtLimit: a zero wait is counted inline only while the
// waits are exact (add); at the limit it goes to the buckets as any wait
// does, and the maximum stays what the other waits made it.
func TestWaitHistZeroAtLimit(t *testing.T) {
	for _, tc := range []struct {
		name    string
		before  int // zero waits added before the one checked
		buckets bool
	}{
		{"first", 0, false},
		{"last exact", exactLimit - 1, false},
		{"first past the limit", exactLimit, true},
		{"in the buckets", exactLimit + 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := waitHist{max: time.Second}
			for range tc.before {
				h.add(0)
			}
			h.add(0)
			if h.n != int64(tc.before+1) || h.max != time.Second {
				t.Fatalf("n %d, max %v; want %d, 1s", h.n, h.max, tc.before+1)
			}
			if tc.buckets {
				if h.exact != nil || h.zeros != 0 || h.buckets[bucket(0)] != h.n {
					t.Fatalf("exact %d, zeros %d, bucket of zero %d; want the buckets alone, %d in it", len(h.exact), h.zeros, h.buckets[bucket(0)], h.n)
				}
			} else if h.buckets != nil || h.zeros != h.n {
				t.Fatalf("buckets %v, zeros %d; want %d zeros counted", h.buckets != nil, h.zeros, h.n)
			}
		})
	}
}
