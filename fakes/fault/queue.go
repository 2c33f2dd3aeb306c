package fault

import (
	"slices"
	"time"
)

// Queue holds the webhooks a fault delays, each until its due time; one
// held until the next webhook is also released by [Queue.ReleaseNext]. Items
// come out in due-time order, ties in the order they were held. The zero
// Queue is empty and ready. It is not safe for concurrent use.
type Queue[T any] struct {
	items []held[T]
	seq   uint64
}

type held[T any] struct {
	due       time.Time
	seq       uint64
	afterNext bool
	v         T
}

// Hold queues v until due; with afterNext, [Queue.ReleaseNext] releases it
// earlier.
func (q *Queue[T]) Hold(v T, due time.Time, afterNext bool) {
	q.seq++
	h := held[T]{due: due, seq: q.seq, afterNext: afterNext, v: v}
	i, _ := slices.BinarySearchFunc(q.items, h, func(a, b held[T]) int {
		if c := a.due.Compare(b.due); c != 0 {
			return c
		}
		return compareSeq(a.seq, b.seq)
	})
	q.items = slices.Insert(q.items, i, h)
}

func compareSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Len is how many items are held.
func (q *Queue[T]) Len() int { return len(q.items) }

// Next is when the earliest item is due; false when none is held.
func (q *Queue[T]) Next() (time.Time, bool) {
	if len(q.items) == 0 {
		return time.Time{}, false
	}
	return q.items[0].due, true
}

// Due removes and returns the items due at or before now, in order.
func (q *Queue[T]) Due(now time.Time) []T {
	n := 0
	for n < len(q.items) && !q.items[n].due.After(now) {
		n++
	}
	if n == 0 {
		return nil
	}
	out := make([]T, n)
	for i := range n {
		out[i] = q.items[i].v
	}
	q.items = slices.Delete(q.items, 0, n)
	return out
}

// ReleaseNext makes the items held until the next webhook due at now: a
// webhook has just gone out.
func (q *Queue[T]) ReleaseNext(now time.Time) {
	changed := false
	for i := range q.items {
		if it := &q.items[i]; it.afterNext {
			it.afterNext = false
			if it.due.After(now) {
				it.due = now
				changed = true
			}
		}
	}
	if changed {
		slices.SortStableFunc(q.items, func(a, b held[T]) int {
			if c := a.due.Compare(b.due); c != 0 {
				return c
			}
			return compareSeq(a.seq, b.seq)
		})
	}
}
