package sim

import (
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
