package forget

import (
	"math/rand/v2"
	"testing"
)

// The queue takes off exactly the values a slice model says are due, in
// order, with their instants, however pushes and pops interleave, and its
// storage stays near the values in it.
func TestQueueMatchesModel(t *testing.T) {
	tests := []struct {
		name string
		age  int64
		gap  int64 // the most an instant moves between pushes
	}{
		{"zero age", 0, 3},
		{"short age", 5, 3},
		{"long age", 400, 2},
		{"same instants", 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tt.age)))
			var q Queue[int]
			type queued struct {
				v  int
				at int64
			}
			var model []queued
			now := int64(-1000) // instants before 1970 too
			for i := range 20000 {
				if tt.gap > 0 {
					now += rng.Int64N(tt.gap + 1)
				}
				q.Push(i, now)
				model = append(model, queued{i, now})
				var got []queued
				q.Pop(now, tt.age, func(v int, at int64) { got = append(got, queued{v, at}) })
				var want []queued
				for len(model) > 0 && now-model[0].at >= tt.age {
					want, model = append(want, model[0]), model[1:]
				}
				if len(got) != len(want) {
					t.Fatalf("step %d: took off %d values, want %d", i, len(got), len(want))
				}
				for j := range got {
					if got[j] != want[j] {
						t.Fatalf("step %d: took off %v, want %v", i, got[j], want[j])
					}
				}
				if q.Len() != len(model) {
					t.Fatalf("step %d: Len %d, want %d", i, q.Len(), len(model))
				}
			}
			if limit := 2*q.Len() + 1026; len(q.entries) > limit {
				t.Fatalf("%d entries stored for %d queued", len(q.entries), q.Len())
			}
		})
	}
}

// A value taken off is cleared from the queue's storage, so that the
// record it points at can be collected.
func TestPopClears(t *testing.T) {
	var q Queue[*int]
	x := 1
	q.Push(&x, 0)
	q.Push(&x, 10)
	q.Pop(5, 5, func(*int, int64) {})
	if q.entries[0].v != nil {
		t.Fatal("a value taken off is still held")
	}
	if q.Len() != 1 {
		t.Fatalf("Len %d, want 1", q.Len())
	}
}
