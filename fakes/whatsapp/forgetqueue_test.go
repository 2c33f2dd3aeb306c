package whatsapp

import (
	"testing"
	"time"
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
