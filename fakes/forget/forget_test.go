package forget

import (
	"math"
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

// A value is taken off by how far apart its instant and now are, however
// far: instants more than 292 years apart (the ends of int64, in 1677 and
// 2262) included, where now minus the instant wraps.
func TestPopFarApart(t *testing.T) {
	const hour = int64(3600e9)
	tests := []struct {
		name         string
		now, at, age int64
		want         bool
	}{
		{"queued 1677, now 2262, age an hour", math.MaxInt64, math.MinInt64, hour, true},
		{"queued 1677, now 2262, age 292 years (the largest)", math.MaxInt64, math.MinInt64, math.MaxInt64, true},
		{"queued 1970, now 2262, age an hour", math.MaxInt64, 0, hour, true},
		{"queued 1677, now 1970, the largest age", 0, math.MinInt64, math.MaxInt64, true},
		{"queued 1677, now 2262, the largest age", math.MaxInt64 - 1, math.MinInt64, math.MaxInt64, true},
		{"queued 2262, now 1677, age an hour", math.MinInt64, math.MaxInt64, hour, false},
		{"queued 2262, now 1677, age 0", math.MinInt64, math.MaxInt64, 0, false},
		{"queued 2262, now 2262, age an hour", math.MaxInt64, math.MaxInt64 - hour + 1, hour, false},
		{"queued 2262, now 2262, age exactly an hour", math.MaxInt64, math.MaxInt64 - hour, hour, true},
		{"queued 1677, now 1677, age an hour", math.MinInt64 + hour - 1, math.MinInt64, hour, false},
		{"queued 1677, now 1677, age exactly an hour", math.MinInt64 + hour, math.MinInt64, hour, true},
		{"queued 2262, now 2262, the largest age", math.MaxInt64, math.MaxInt64, math.MaxInt64, false},
		{"queued 2262, now 1677, age minus an hour", math.MinInt64, math.MaxInt64, -hour, false},
		{"queued 2262, now 1677, the smallest age", math.MinInt64, math.MaxInt64, math.MinInt64, false},
		{"queued 1969, now 1677, the smallest age", math.MinInt64, -1, math.MinInt64, true},
		{"queued 2262, now 2262, the smallest age", math.MaxInt64, math.MaxInt64, math.MinInt64, true},
	}
	for _, tt := range tests {
		var q Queue[int]
		q.Push(1, tt.at)
		got := false
		q.Pop(tt.now, tt.age, func(int, int64) { got = true })
		if got != tt.want {
			t.Errorf("%s: at %d, now %d, age %d: taken off %v, want %v", tt.name, tt.at, tt.now, tt.age, got, tt.want)
		}
	}
}
