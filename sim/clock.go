package sim

import (
	"container/heap"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"time"
)

// Clock is the virtual clock of a run. It only moves when the run sets it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the virtual time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Stream returns the random stream of one subsystem: a source derived from
// the run's seed and the subsystem's name, independent of every other
// stream, so adding draws in one subsystem never shifts another's.
func Stream(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// Queue holds the events of a run ordered by time, then by insertion.
type Queue struct {
	items queueItems
	seq   uint64
}

type queued struct {
	at  time.Time
	seq uint64
	fn  func()
}

type queueItems []queued

func (q queueItems) Len() int { return len(q) }
func (q queueItems) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q queueItems) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queueItems) Push(x any)   { *q = append(*q, x.(queued)) }
func (q *queueItems) Pop() any {
	old := *q
	n := len(old) - 1
	it := old[n]
	old[n] = queued{}
	*q = old[:n]
	return it
}

// At schedules fn at t.
func (q *Queue) At(t time.Time, fn func()) {
	q.seq++
	heap.Push(&q.items, queued{at: t, seq: q.seq, fn: fn})
}

// Reserve sets aside n places in the order of events at equal times and
// returns the first: [Queue.AtSeq] with base, base+1, ... base+n-1 later
// queues events exactly where n calls to [Queue.At] now would have. A
// source of many events (a step's repeats) queues one at a time this way,
// keeping the queue small and the order unchanged.
func (q *Queue) Reserve(n uint64) (base uint64) {
	base = q.seq + 1
	q.seq += n
	return base
}

// AtSeq schedules fn at t in a place set aside by [Queue.Reserve].
func (q *Queue) AtSeq(t time.Time, seq uint64, fn func()) {
	heap.Push(&q.items, queued{at: t, seq: seq, fn: fn})
}

// Len is the number of events waiting.
func (q *Queue) Len() int { return len(q.items) }

// Peek returns the time of the next event; ok is false when the queue is
// empty.
func (q *Queue) Peek() (t time.Time, ok bool) {
	if len(q.items) == 0 {
		return time.Time{}, false
	}
	return q.items[0].at, true
}

// Pop removes the next event and returns its time and action.
func (q *Queue) Pop() (time.Time, func()) {
	it := heap.Pop(&q.items).(queued)
	return it.at, it.fn
}
