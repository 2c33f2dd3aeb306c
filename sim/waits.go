package sim

import (
	"math"
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

// add records one wait.
func (h *waitHist) add(d time.Duration) {
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
		// positive wait.
		all := append(slices.Clone(h.exact), extra...)
		slices.Sort(all)
		at, _ := slices.BinarySearch(all, 1)
		for i, p := range ps {
			// Percentile's rank, over every wait.
			rank := min(max(int(math.Ceil(p/100*float64(n))), 1), int(n))
			switch j := rank - 1; {
			case j < at:
				out[i] = all[j]
			case j < at+int(h.zeros):
				out[i] = 0
			default:
				out[i] = all[j-int(h.zeros)]
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
