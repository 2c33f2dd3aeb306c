// Package forget is the queue by which a fake forgets the customers that
// nothing can reach any more: each customer message or event is queued
// with its instant, oldest first, and taken off once it is old enough,
// when the fake looks whether it is still the customer's last and, if so,
// drops the customer's record. A [Set] holds, compactly, the customers
// forgotten whom the platform still answers differently from strangers.
package forget

import "math"

// Queue is a first-in, first-out queue of values, each queued at an
// instant (unix nanoseconds) no earlier than the one before. Its storage
// follows the values in it: the taken-off front is dropped once it is
// half of the queue. The zero value is an empty queue. It is not safe for
// concurrent use: the fakes hold their lock.
type Queue[T any] struct {
	entries []entry[T]
	head    int // entries before head are taken off
}

type entry[T any] struct {
	v  T
	at int64
}

// Push queues v at instant at, which is no earlier than the last value's.
func (q *Queue[T]) Push(v T, at int64) {
	q.entries = append(q.entries, entry[T]{v: v, at: at})
}

// Pop takes off, oldest first, every value at least age old at instant
// now (now minus its instant at least age, compared without overflow, so
// instants more than 292 years apart are as far apart as they are) and
// calls f with it and its instant. f must not push.
func (q *Queue[T]) Pop(now, age int64, f func(v T, at int64)) {
	for q.head < len(q.entries) {
		e := &q.entries[q.head]
		if !Old(now, e.at, age) {
			break
		}
		v, at := e.v, e.at
		*e = entry[T]{} // the value goes with its customer
		q.head++
		f(v, at)
	}
	if q.head > 1024 && 2*q.head >= len(q.entries) {
		n := copy(q.entries, q.entries[q.head:])
		clear(q.entries[n:])
		q.entries, q.head = q.entries[:n], 0
	}
}

// Len returns how many values are queued.
func (q *Queue[T]) Len() int { return len(q.entries) - q.head }

// Old reports whether now - at >= age, instants in Unix nanoseconds,
// computed without overflow: at + age is compared with now only where int64
// holds it, as now - at wraps for instants more than 292 years apart (the
// clock spans 1678 to 2261). A fake judges with it whether a window, a
// token or a record has run out.
func Old(now, at, age int64) bool {
	if age >= 0 {
		return at <= math.MaxInt64-age && now >= at+age
	}
	return at < math.MinInt64-age || now >= at+age
}
