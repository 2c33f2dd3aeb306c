package sim

import (
	"math/rand/v2"
	"testing"
	"time"
)

// Places set aside with Reserve order as if queued when they were set
// aside.
func TestQueueReserve(t *testing.T) {
	var q Queue
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var got []string
	add := func(s string) func() { return func() { got = append(got, s) } }
	q.At(at, add("a"))
	base := q.Reserve(2)
	q.At(at, add("d"))
	q.AtSeq(at, base+1, add("c"))
	q.AtSeq(at, base, add("b"))
	q.At(at.Add(-time.Second), add("first"))
	for q.Len() > 0 {
		_, fn := q.Pop()
		fn()
	}
	if s := join(got); s != "first a b c d" {
		t.Errorf("order %q", s)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

// The queue plays any mix of times, equal ones and times before 1970
// included, least time first and in insertion order among equal times,
// also when pops and pushes interleave.
func TestQueueOrderAgainstModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(1969, 12, 31, 23, 59, 58, 0, time.UTC)
	for round := 0; round < 100; round++ {
		var q Queue
		type ev struct {
			at time.Time
			id int
		}
		var pending []ev // the model: what is queued, in insertion order
		popped := -1
		pop := func() {
			// The model's next event: the least time, the first inserted.
			best := 0
			for k, e := range pending {
				if e.at.Before(pending[best].at) {
					best = k
				}
			}
			want := pending[best]
			pending = append(pending[:best], pending[best+1:]...)
			at, fn := q.Pop()
			fn()
			if popped != want.id || !at.Equal(want.at) {
				t.Fatalf("round %d: popped %d at %v, want %d at %v", round, popped, at, want.id, want.at)
			}
		}
		n := rng.IntN(300)
		for i := 0; i < n; i++ {
			at := base.Add(time.Duration(rng.IntN(5)) * time.Second)
			pending = append(pending, ev{at, i})
			id := i
			q.At(at, func() { popped = id })
			if rng.IntN(3) == 0 {
				pop()
			}
		}
		for len(pending) > 0 {
			pop()
		}
		if q.Len() != 0 {
			t.Fatalf("round %d: %d events left", round, q.Len())
		}
	}
}
