package sim

import (
	"math"
	"testing"
	"time"
)

func TestServiceFigures(t *testing.T) {
	f := serviceFigures{target: 20 * time.Second}
	if r := f.result(); r.WaitProbability != 0 || r.ASA != 0 || r.ServiceLevel != 0 || r.Abandonment != 0 {
		t.Fatalf("empty figures = %+v, want zeros", r)
	}
	f.assign(0)
	f.assign(0)
	f.assign(10 * time.Second)
	f.assign(30 * time.Second)     // beyond the target
	f.unassigned(40 * time.Second) // closed while waiting
	f.unassigned(0)
	r := f.result()
	if r.Ended != 6 || r.Waited != 3 {
		t.Errorf("ended %d, waited %d; want 6, 3", r.Ended, r.Waited)
	}
	if r.WaitProbability != 0.5 {
		t.Errorf("P(wait) = %v, want 0.5", r.WaitProbability)
	}
	if r.ASA != 10*time.Second {
		t.Errorf("ASA = %v, want 10s (mean over the assigned)", r.ASA)
	}
	if r.ServiceLevel != 0.75 {
		t.Errorf("service level = %v, want 0.75 (3 of 4 assigned within 20s)", r.ServiceLevel)
	}
	if r.Target != 20*time.Second {
		t.Errorf("target = %v", r.Target)
	}
}

// TestASAPastInt64: the mean wait is right when the waits add up to more
// than a Duration holds (292 years): 1.3 million conversations of two
// hours each, and waits near the largest Duration.
func TestASAPastInt64(t *testing.T) {
	tests := []struct {
		name  string
		waits func(f *serviceFigures)
		want  time.Duration
	}{
		{"1.3 million of two hours", func(f *serviceFigures) {
			for i := 0; i < 1_300_000; i++ {
				f.assign(2 * time.Hour)
			}
		}, 2 * time.Hour},
		{"the largest waits", func(f *serviceFigures) {
			for i := 0; i < 4; i++ {
				f.assign(math.MaxInt64)
			}
		}, time.Duration(math.MaxInt64).Round(time.Millisecond)},
		{"a long and a short", func(f *serviceFigures) {
			f.assign(math.MaxInt64 - 1)
			f.assign(1)
		}, (time.Duration(math.MaxInt64) / 2).Round(time.Millisecond)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := serviceFigures{target: DefaultServiceTarget}
			tc.waits(&f)
			if got := f.result().ASA; got != tc.want {
				t.Errorf("ASA = %v, want %v", got, tc.want)
			}
		})
	}
}

// erlangA returns the probabilities that an arrival waits and that it
// abandons in an M/M/c+M queue (Erlang A): arrival rate lambda, service rate
// mu, c servers and exponential patience of rate theta (all per the same
// unit of time), from the birth-death chain's stationary distribution,
// summed until its terms vanish.
func erlangA(lambda, mu float64, c int, theta float64) (pWait, pAbandon float64) {
	term, below := 1.0, 0.0 // term: pi_k / pi_0
	for k := 0; k < c; k++ {
		if k > 0 {
			term *= lambda / (float64(k) * mu)
		}
		below += term
	}
	term *= lambda / (float64(c) * mu) // pi_c / pi_0
	var queued, length float64         // sum of pi_k and of (k-c) pi_k over k >= c, / pi_0
	for j := 0; term > 1e-300 && j < 1_000_000; j++ {
		queued += term
		length += float64(j) * term
		term *= lambda / (float64(c)*mu + float64(j+1)*theta)
	}
	total := below + queued
	return queued / total, theta / lambda * length / total
}

func TestErlangA(t *testing.T) {
	// With patience that never runs out, Erlang A is Erlang C: the golden
	// vector of 100 contacts per 30 minutes, 180 s handle time, 14 agents.
	if p, a := erlangA(200, 20, 14, 1e-12); math.Abs(p-0.1741319) > 1e-6 || a > 1e-9 {
		t.Errorf("erlangA with no abandonment = %.7f, %.3g; want 0.1741319, 0", p, a)
	}
	// An overloaded queue still has a stationary distribution: everything
	// beyond the agents' capacity abandons.
	p, a := erlangA(300, 20, 14, 60) // a = 15 > 14 agents, mean patience 1 minute
	if p <= 0 || p >= 1 || a <= 0 || a >= p {
		t.Errorf("erlangA(300/h, 14 agents, patience 1m) = %.4f, %.4f", p, a)
	}
	// Throughput balance: what is not abandoned is served, at most c*mu.
	if served := 300 * (1 - a); served > 14*20 {
		t.Errorf("served %.1f/h, above the capacity 280/h", served)
	}
	p60, a60 := erlangA(200, 20, 14, 60)
	t.Logf("M/M/14+M, 200/h, 180 s, patience exp 60 s: P(wait) %.4f, P(abandon) %.4f", p60, a60)
	t.Logf("M/M/14+M, 300/h, 180 s, patience exp 60 s: P(wait) %.4f, P(abandon) %.4f", p, a)
}
