package sim

import (
	"math"
	"math/bits"
	"slices"
	"time"
)

// waitHist keeps every conversation's wait for the percentiles of a
// report, deterministically and in bounded memory: exactly while there are
// at most exactLimit waits, then in log-spaced buckets whose percentiles are
// within relErr of the exact value (zero waits, the common case, stay
// exact). The maximum is always exact. While exact, zero waits (in a
// well-staffed run most are) are counted, not kept.
type waitHist struct {
	exact   []time.Duration // the waits but zero ones; nil once buckets are in use
	zeros   int64           // zero waits, while exact
	buckets map[int32]int64 // bucket index -> count; index -1 holds zero waits
	n       int64
	max     time.Duration
}

const (
	// exactLimit is how many waits are kept exactly (8 MiB of them).
	exactLimit = 1 << 20
	// relErr bounds the relative error of a percentile once buckets are
	// in use.
	relErr = 0.01
)

var logBase = math.Log1p(relErr)

// add records one wait. A zero wait while the waits are exact, most of a
// well-staffed run's, is counted inline; any other goes to addRest.
func (h *waitHist) add(d time.Duration) {
	// Below exactLimit waits, the buckets are not in use yet.
	if d == 0 && h.n < exactLimit {
		h.n++ // the maximum is at least zero already
		h.zeros++
		return
	}
	h.addRest(d)
}

// addRest is add for a wait other than a zero one while the waits are
// exact: out of line.
func (h *waitHist) addRest(d time.Duration) {
	h.n++
	h.max = max(h.max, d)
	if h.buckets == nil {
		if h.n <= exactLimit {
			if d == 0 {
				h.zeros++
			} else {
				h.exact = append(h.exact, d)
			}
			return
		}
		h.buckets = map[int32]int64{}
		if h.zeros > 0 {
			h.buckets[bucket(0)] = h.zeros
		}
		for _, e := range h.exact {
			h.buckets[bucket(e)]++
		}
		h.buckets[bucket(d)]++
		h.exact, h.zeros = nil, 0
		return
	}
	h.buckets[bucket(d)]++
}

// bucket is the index of d: -1 for zero, else floor(log(ns)/log(1+relErr)).
func bucket(d time.Duration) int32 {
	if d <= 0 {
		return -1
	}
	return int32(math.Log(float64(d)) / logBase)
}

// lower is the smallest wait of bucket i.
func lower(i int32) time.Duration {
	if i < 0 {
		return 0
	}
	return time.Duration(math.Ceil(math.Exp(float64(i) * logBase)))
}

// percentiles returns the nearest-rank p-th percentile of the waits and of
// extra (waits not recorded yet, such as conversations still waiting), for
// each p in ps; 0 for no waits at all.
func (h *waitHist) percentiles(extra []time.Duration, ps ...float64) []time.Duration {
	out := make([]time.Duration, len(ps))
	n := h.n + int64(len(extra))
	if n == 0 {
		return out
	}
	if h.buckets == nil {
		// The waits in order are those kept and extra, sorted, with the
		// zero waits counted inserted where zero goes: before every
		// positive wait, after the at waits below 1ns.
		all := append(slices.Clone(h.exact), extra...)
		at := 0
		for _, d := range all {
			if d < 1 {
				at++
			}
		}
		// places[i] is the place in all, sorted, of the i-th percentile's
		// wait; -1 for a zero wait counted.
		places := make([]int, len(ps))
		for i, p := range ps {
			// Percentile's rank, over every wait.
			rank := min(max(int(math.Ceil(p/100*float64(n))), 1), int(n))
			switch j := rank - 1; {
			case j < at:
				places[i] = j
			case j < at+int(h.zeros):
				places[i] = -1
			default:
				places[i] = j - int(h.zeros)
			}
		}
		// Only those places are put in order, each found by selection
		// among the waits after the one found before it: a few passes
		// over the waits rather than a sort of them all.
		lo := 0
		for _, j := range slices.Sorted(slices.Values(places)) {
			if j >= lo { // not a zero counted, nor a place found already
				nth(all[lo:], j-lo)
				lo = j + 1
			}
		}
		for i, j := range places {
			if j >= 0 {
				out[i] = all[j]
			}
		}
		return out
	}
	counts := make(map[int32]int64, len(h.buckets)+len(extra))
	for k, v := range h.buckets {
		counts[k] = v
	}
	top := h.max
	for _, d := range extra {
		counts[bucket(d)]++
		top = max(top, d)
	}
	keys := make([]int32, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, p := range ps {
		if p >= 100 {
			out[i] = top
			continue
		}
		rank := min(max(int64(math.Ceil(p/100*float64(n))), 1), n)
		var seen int64
		for _, k := range keys {
			seen += counts[k]
			if seen >= rank {
				out[i] = min(lower(k), top)
				break
			}
		}
	}
	return out
}

// nth puts in s[k] the wait that sorting s would put there, every wait
// before it no greater and every wait after it no less (quickselect, with
// a three-way partition around the median of three, so that equal waits
// cost no more than others). A range that does not shrink as it should is
// sorted instead.
func nth(s []time.Duration, k int) {
	lo, hi := 0, len(s) // s[k] lies within s[lo:hi]
	for budget := 2 * bits.Len(uint(len(s))); hi-lo > 12 && budget > 0; budget-- {
		a, b, c := s[lo], s[lo+(hi-lo)/2], s[hi-1]
		pivot := max(min(a, b), min(max(a, b), c))
		// s[lo:lt] < pivot, s[lt:i] == pivot, s[gt:hi] > pivot.
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch v := s[i]; {
			case v < pivot:
				s[lt], s[i] = v, s[lt]
				lt++
				i++
			case v > pivot:
				gt--
				s[i], s[gt] = s[gt], v
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return
		}
	}
	slices.Sort(s[lo:hi])
}
