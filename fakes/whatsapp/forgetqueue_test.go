package whatsapp

import (
	"math"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/forget"
)

// TestForgetQueueIsFIFO drives the queue with bursts of pushes and pops of
// varied sizes against a plain slice, across block boundaries.
func TestForgetQueueIsFIFO(t *testing.T) {
	var q forgetQueue
	var model []forgetRec
	next := 0
	for round, burst := range []int{1, 3, 255, 256, 257, 600, 2, 1000, 5, 513} {
		for range burst {
			r := forgetRec{gen: uint32(next), at: int64(next) * int64(time.Second)}
			q.push(r)
			model = append(model, r)
			next++
		}
		// pop all but a round-dependent remainder
		keep := round * 7 % (len(model) + 1)
		for len(model) > keep {
			if q.len() != len(model) {
				t.Fatalf("round %d: len %d, want %d", round, q.len(), len(model))
			}
			if got := *q.front(); got != model[0] {
				t.Fatalf("round %d: front %+v, want %+v", round, got, model[0])
			}
			q.pop()
			model = model[1:]
		}
	}
	if q.len() != len(model) {
		t.Fatalf("len %d, want %d", q.len(), len(model))
	}
	for len(model) > 0 {
		if got := *q.front(); got != model[0] {
			t.Fatalf("front %+v, want %+v", got, model[0])
		}
		q.pop()
		model = model[1:]
	}
	if q.len() != 0 || len(q.blocks) != 1 {
		t.Fatalf("empty queue: len %d, %d blocks", q.len(), len(q.blocks))
	}
}

// TestNewRecordIsNeverOld: a record is not old at its own instant for any
// positive ForgetAfter, however far the instant lies, so that
// noteInboundLocked's loop stops at the record it has just pushed and
// never finds the queue empty.
func TestNewRecordIsNeverOld(t *testing.T) {
	for _, age := range []int64{1, int64(25 * time.Hour), math.MaxInt64} {
		for _, ns := range []int64{math.MinInt64, -1, 0, 1, math.MaxInt64 - int64(25*time.Hour), math.MaxInt64} {
			if forget.Old(ns, ns, age) {
				t.Errorf("a record at %d is old at once for ForgetAfter %d", ns, age)
			}
		}
	}
	s, clk := newTest(Config{KnownValid: func(string) bool { return true },
		KeepDeliveries: func(string) bool { return false }, ForgetAfter: time.Nanosecond})
	d := s.Direct("v21.0")
	for i, who := range []string{"16505551234", "16505551235", "16505551236"} {
		if _, _, _, err := d.CustomerText(who); err != nil {
			t.Fatal(err)
		}
		if n := s.Customers(); n != 1 {
			t.Fatalf("after customer %d: %d customers, want the last one", i, n)
		}
		clk.Add(time.Second)
	}
}
