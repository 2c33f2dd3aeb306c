package fault

import (
	"slices"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		plan Plan
		ok   bool
	}{
		{"zero", Plan{}, true},
		{"all shares at 1 where allowed", Plan{Duplicate: 1, Reorder: 1, Late: 1, Timeouts: 1, Send5xx: 1}, true},
		{"negative share", Plan{Late: -0.1}, false},
		{"share above 1", Plan{Duplicate: 1.5}, false},
		{"NaN share", Plan{Reorder: nan()}, false},
		{"tries over 1", Plan{Timeouts: 0.6, Errors: 0.5}, false},
		{"sends over 1", Plan{Send429: 0.6, Send5xx: 0.5}, false},
		{"negative late_by", Plan{Late: 0.1, LateBy: -time.Second}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.plan.Check(); (err == nil) != tc.ok {
				t.Fatalf("Check() = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func nan() float64 { z := 0.0; return z / z }

func TestNilDeciderDecidesNothing(t *testing.T) {
	d := New(Plan{}, 1)
	if d != nil {
		t.Fatalf("New(zero plan) = %v, want nil", d)
	}
	if got := d.Webhook(); got != (Delivery{}) {
		t.Errorf("Webhook() = %+v", got)
	}
	if got := d.Try(); got != TryOK {
		t.Errorf("Try() = %v", got)
	}
	if got := d.Send(); got != SendOK {
		t.Errorf("Send() = %v", got)
	}
	if d.Webhooks() || !d.Plan().Zero() {
		t.Error("a nil decider has webhook faults")
	}
}

// TestSharesAtTheEnds: a share of 1 always happens, one of 0 never.
func TestSharesAtTheEnds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plan  Plan
		check func(d *Decider) bool
	}{
		{"duplicate always", Plan{Duplicate: 1}, func(d *Decider) bool { w := d.Webhook(); return w.Duplicate && !w.Hold && w.DuplicateAfter == 0 }},
		{"duplicate later", Plan{Duplicate: 1, LateBy: time.Minute}, func(d *Decider) bool {
			w := d.Webhook()
			return w.Duplicate && w.DuplicateAfter > 0 && w.DuplicateAfter <= time.Minute
		}},
		{"reorder always", Plan{Reorder: 1, Late: 1}, func(d *Decider) bool { w := d.Webhook(); return w.Hold && w.AfterNext && w.Delay == DefaultLateBy }},
		{"late within bound", Plan{Late: 1, LateBy: 10 * time.Second}, func(d *Decider) bool {
			w := d.Webhook()
			return w.Hold && !w.AfterNext && w.Delay > 0 && w.Delay <= 10*time.Second && w.Delay%time.Millisecond == 0
		}},
		{"no webhook fault", Plan{Send429: 1}, func(d *Decider) bool { return d.Webhook() == Delivery{} }},
		{"timeouts always", Plan{Timeouts: 1}, func(d *Decider) bool { return d.Try() == TryTimeout }},
		{"errors always", Plan{Errors: 1}, func(d *Decider) bool { return d.Try() == TryError }},
		{"no try fault", Plan{Duplicate: 1}, func(d *Decider) bool { return d.Try() == TryOK }},
		{"429 always", Plan{Send429: 1}, func(d *Decider) bool { return d.Send() == SendThrottle }},
		{"5xx always", Plan{Send5xx: 1}, func(d *Decider) bool { return d.Send() == SendError }},
		{"no send fault", Plan{Errors: 1}, func(d *Decider) bool { return d.Send() == SendOK }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New(tc.plan, 42)
			for i := range 200 {
				if !tc.check(d) {
					t.Fatalf("draw %d broke the rule", i)
				}
			}
		})
	}
}

// TestShareIsAShare: a share of 0.25 happens about a quarter of the time.
func TestShareIsAShare(t *testing.T) {
	d := New(Plan{Timeouts: 0.25, Errors: 0.25}, 7)
	counts := map[Try]int{}
	const n = 20000
	for range n {
		counts[d.Try()]++
	}
	for _, k := range []Try{TryTimeout, TryError} {
		if c := counts[k]; c < n/4-600 || c > n/4+600 {
			t.Errorf("%v: %d of %d, want about %d", k, c, n, n/4)
		}
	}
}

func TestSameSeedSameFaults(t *testing.T) {
	plan := Plan{Duplicate: 0.3, Reorder: 0.2, Late: 0.3, Timeouts: 0.2, Errors: 0.1, Send429: 0.2, Send5xx: 0.1}
	draw := func(seed uint64) []any {
		d := New(plan, seed)
		var out []any
		for range 100 {
			out = append(out, d.Webhook(), d.Try(), d.Send())
		}
		return out
	}
	if !slices.Equal(draw(5), draw(5)) {
		t.Error("the same seed gave different faults")
	}
	if slices.Equal(draw(5), draw(6)) {
		t.Error("different seeds gave the same faults")
	}
}

func TestQueue(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var q Queue[string]
	if _, ok := q.Next(); ok {
		t.Fatal("an empty queue has a next item")
	}
	q.Hold("late", t0.Add(30*time.Second), false)
	q.Hold("reordered", t0.Add(2*time.Minute), true)
	q.Hold("early", t0.Add(10*time.Second), false)
	q.Hold("tie", t0.Add(30*time.Second), false)
	if next, _ := q.Next(); !next.Equal(t0.Add(10 * time.Second)) {
		t.Errorf("Next() = %v", next)
	}
	if got := q.Due(t0); got != nil {
		t.Errorf("Due(t0) = %v, want nothing", got)
	}
	q.ReleaseNext(t0.Add(20 * time.Second))
	for _, tc := range []struct {
		at   time.Duration
		want []string
	}{
		{10 * time.Second, []string{"early"}},
		{25 * time.Second, []string{"reordered"}},
		{time.Hour, []string{"late", "tie"}},
	} {
		if got := q.Due(t0.Add(tc.at)); !slices.Equal(got, tc.want) {
			t.Errorf("Due(+%v) = %v, want %v", tc.at, got, tc.want)
		}
	}
	if q.Len() != 0 {
		t.Errorf("Len() = %d after draining", q.Len())
	}
}
