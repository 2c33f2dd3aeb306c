package sim

import (
	"hash/fnv"
	"math/bits"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// Clock is the virtual clock of a run. It only moves when the run sets it.
//
// It may be read from other goroutines than the one that sets it (a fake's
// handlers under serve or the loopback network): each time set is then
// also published as unix nanoseconds and a location, each read and written
// atomically, so that reading it, which the platforms, the engine and the
// world do several times per message, takes no lock. Every time a run holds
// lies within int64 nanoseconds of 1970 (scenario.MinTime to 2261, as the
// queue's keys), and a time read back is the time set, without its
// monotonic reading, which a virtual time never has. A reader racing a Set
// that also changes the location may see the new instant in the old
// location: the same instant, written in another zone; a run keeps one
// location.
//
// The goroutine that sets the clock, and the code it calls (the world, and
// the platforms of a world whose fakes and adapters answer in its
// goroutine: the Direct and Memory networks), read it through nowLocal:
// the time set, made by the set and kept until the next one, rather than
// made at every read. A local clock (newLocalClock), which only such
// readers read, publishes nothing: a set is plain stores (the instant, and
// the time nowLocal gives back), not an atomic store, which is a full
// memory barrier on most processors, at every event a run plays.
type Clock struct {
	// ns and loc are the time set, which the setting goroutine alone
	// reads and writes.
	ns  int64
	loc *time.Location
	// local: only the setting goroutine, and what it calls, reads the
	// clock; else every set is published in pubNS and pubLoc for Now.
	local  bool
	pubNS  atomic.Int64
	pubLoc atomic.Pointer[time.Location]
	// at is the time set as Now gives it back, made by each set for
	// nowLocal. The setting goroutine alone reads and writes it.
	at time.Time
}

// NewClock returns a clock standing at t, which any goroutine may read.
func NewClock(t time.Time) *Clock {
	c := &Clock{}
	c.Set(t)
	return c
}

// newLocalClock returns a clock standing at t that only the goroutine
// that sets it, and the code it calls, reads.
func newLocalClock(t time.Time) *Clock {
	c := &Clock{local: true}
	c.Set(t)
	return c
}

// Now returns the virtual time. A zero Clock stands at 1970-01-01 UTC.
func (c *Clock) Now() time.Time {
	if c.local {
		return timeAt(c.ns, c.loc)
	}
	return timeAt(c.pubNS.Load(), c.pubLoc.Load())
}

// timeAt is the time of unix nanoseconds ns in loc, UTC for a nil loc.
func timeAt(ns int64, loc *time.Location) time.Time {
	t := time.Unix(ns/1e9, ns%1e9)
	if loc != nil {
		return t.In(loc)
	}
	return t.UTC()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.setNanos(t.UnixNano(), t.Location()) }

// setNanos moves the clock to the time of unix nanoseconds ns in loc, and
// makes the time nowLocal gives back: every event a run plays reads the
// clock, so making it here, once, leaves nowLocal and localReader's
// closure a load, with no check and no call. On a local clock whose
// location stays the same, the common case, nothing else is written.
func (c *Clock) setNanos(ns int64, loc *time.Location) {
	c.ns = ns
	if c.loc != loc || !c.local {
		c.setRest(loc)
	}
	// timeAt, written out: too large to be inlined, it would cost a call
	// and a frame more at every event.
	t := time.Unix(ns/1e9, ns%1e9)
	if loc != nil {
		t = t.In(loc)
	} else {
		t = t.UTC()
	}
	c.at = t
}

// setRest is the rest of setNanos, out of its line: a new location, and
// the publishing of a clock that other goroutines read, for Now.
//
//go:noinline
func (c *Clock) setRest(loc *time.Location) {
	if c.loc != loc {
		// A publishing clock's is mostly the same: no pointer written.
		c.loc = loc
	}
	if !c.local {
		if c.pubLoc.Load() != loc {
			c.pubLoc.Store(loc)
		}
		c.pubNS.Store(c.ns)
	}
}

// nanos is the time set in unix nanoseconds, for the setting goroutine.
func (c *Clock) nanos() int64 { return c.ns }

// nowLocal is Now for a reader that every set of the clock happens before
// (the goroutine that sets it, or one that the setter waits for, such as a
// handler it calls): the time set, made once per set (setNanos). Every
// clock but the zero Clock, which nothing but Now reads, has been set.
func (c *Clock) nowLocal() time.Time { return c.at }

// localReader returns nowLocal as a function, for the platforms of a world
// whose fakes and adapters answer in its goroutine (Env.Clock), which read
// the clock several times per event: a closure that gives back the time
// made, where the method value c.nowLocal called nowLocal from a wrapper
// at each read.
func (c *Clock) localReader() func() time.Time {
	return func() time.Time { return c.at }
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
//
// It is a 4-ary heap ordered by the time in unix nanoseconds (every time a
// scenario may hold, 1678 to 2261, fits) and then by sequence number. The
// heap's entries hold no pointers: an event's time and action wait in a
// slot of their own, which the entry names, so that sifting an entry
// through the heap moves 24 bytes the collector need not see (no write
// barriers). A time is kept as the entry's key and the slot's location,
// and given back as the time queued (as the Clock does): a run plays the
// queue in nanoseconds. Queuing and playing an event allocate nothing but the growth
// of the heap and of the slots.
//
// An event played leaves its entry at the top of the heap, marked spent
// (Queue.spent), until the queue is next used: an event queued then takes
// the spent entry's place and its slot, and sinks from the top, one pass
// through the heap where taking the entry out and adding the new one took
// two, and no trip through the free slots. Playing an event mostly queues
// the next action of what it played (a conversation's next message, a
// flow's next arrival).
//
// A source of many events, one queued at a time (a conversation's script,
// a flow's arrivals), keeps a slot of its own (Queue.keep) with its action
// in it: queuing one of its events writes the entry alone (and the
// location, when it changes), and playing it frees nothing, where a slot
// taken for each event wrote the action's pointers, under the collector's
// write barrier while it marks, and cleared them again.
type Queue struct {
	items []queued
	acts  []action // by slot
	free  []uint32 // slots not in use
	seq   uint64
	spent bool // items[0] was played; its slot is the next push's
}

// queued is an entry of the heap.
type queued struct {
	key  int64 // at.UnixNano()
	seq  uint64
	slot uint32 // of Queue.acts, with the bit kept for a kept slot
}

// kept marks the slot of an entry as one that a source keeps (Queue.keep):
// not freed when its event is played. Slot numbers stay below it: there
// are as many slots as events ever waiting at once plus the kept ones,
// which memory bounds far below two billion.
const kept = 1 << 31

// action is the location of a queued event's time (the instant is the
// entry's key) and what it does: fn, or for the kept slot of a
// conversation's script (keepScript), whose fn is nil, script.next, which
// RunUntil calls directly with the event's time and place.
type action struct {
	loc *time.Location
	fn  func()
	s   *script
}

func (a *queued) before(b *queued) bool {
	return a.key < b.key || a.key == b.key && a.seq < b.seq
}

// earlier reports whether the time of unix nanoseconds a, in place sa,
// comes before b, in place sb (as the queue orders its entries), computed
// without a branch: the borrow out of the 128-bit difference of (a, sa)
// and (b, sb), each time's sign bit flipped to order it as unsigned. The
// run's loop decides with it whether the lane's arrival comes before the
// queue's head, their order random: one branch on its result, which the
// loop's later test of the same choice follows, so that the choice costs
// at most one mispredicted branch.
func earlier(a int64, sa uint64, b int64, sb uint64) bool {
	const sign = 1 << 63
	_, borrow := bits.Sub64(sa, sb, 0)
	_, borrow = bits.Sub64(uint64(a)^sign, uint64(b)^sign, borrow)
	return borrow != 0
}

func (q *Queue) push(at time.Time, seq uint64, fn func()) {
	q.pushNanos(at.UnixNano(), at.Location(), seq, fn)
}

// pushNanos is push for the time of unix nanoseconds ns in loc.
func (q *Queue) pushNanos(ns int64, loc *time.Location, seq uint64, fn func()) {
	if q.spent {
		// In the place of the entry played, and in its slot unless a
		// source keeps that.
		q.spent = false
		slot := q.items[0].slot
		if slot&kept == 0 {
			q.acts[slot] = action{loc: loc, fn: fn}
		} else {
			slot = q.newSlot(loc, fn)
		}
		q.sink(queued{key: ns, seq: seq, slot: slot})
		return
	}
	q.up(queued{key: ns, seq: seq, slot: q.newSlot(loc, fn)})
}

// newSlot returns a free slot holding loc and fn.
func (q *Queue) newSlot(loc *time.Location, fn func()) uint32 {
	if n := len(q.free); n > 0 {
		slot := q.free[n-1]
		q.free = q.free[:n-1]
		q.acts[slot] = action{loc: loc, fn: fn}
		return slot
	}
	q.acts = append(q.acts, action{loc: loc, fn: fn})
	return uint32(len(q.acts) - 1)
}

// keep returns a slot that holds fn until unkeep: the slot of a source
// whose events, one queued at a time, all do fn (pushKept).
func (q *Queue) keep(fn func()) uint32 {
	return q.newSlot(nil, fn)
}

// keepScript is keep for the actions of script s, played by s.next, to
// which RunUntil, the only player of a world's queue, gives the time and
// the place of the action: the slot holds no fn.
func (q *Queue) keepScript(s *script) uint32 {
	slot := q.newSlot(nil, nil)
	q.acts[slot].s = s
	return slot
}

// unkeep frees a kept slot, which no queued event names any more. (An
// event played may still name it, spent: its slot is kept, so neither
// pushNanos nor drop reuse or free it.)
func (q *Queue) unkeep(slot uint32) {
	q.acts[slot] = action{}
	q.free = append(q.free, slot)
}

// locate sets the location of the events of the kept slot slot: a
// conversation's, once per conversation, rather than at each event.
func (q *Queue) locate(slot uint32, loc *time.Location) {
	if a := &q.acts[slot]; a.loc != loc {
		a.loc = loc
	}
}

// pushKept queues the event of the kept slot slot at the time of unix
// nanoseconds ns, in the slot's location (locate), in place seq.
func (q *Queue) pushKept(ns int64, seq uint64, slot uint32) {
	it := queued{key: ns, seq: seq, slot: slot | kept}
	if q.spent {
		// In the place of the entry played; its slot, unless kept, is
		// free.
		q.spent = false
		q.freeSlot(q.items[0].slot)
		q.sink(it)
		return
	}
	q.up(it)
}

// freeSlot frees the slot of an entry taken out of the heap, unless a
// source keeps it. The action is not kept alive; the location, which
// lives as long as the run, is left for the next event queued in the
// slot.
func (q *Queue) freeSlot(slot uint32) {
	if slot&kept == 0 {
		q.acts[slot].fn = nil
		q.free = append(q.free, slot)
	}
}

// up adds it to the heap and lets it rise to its place.
func (q *Queue) up(it queued) {
	q.items = append(q.items, it)
	items := q.items
	i := len(items) - 1
	for i > 0 {
		parent := (i - 1) / 4
		if !it.before(&items[parent]) {
			break
		}
		items[i] = items[parent]
		i = parent
	}
	items[i] = it
}

// pop removes the heap's first entry and returns its slot, which the
// caller frees.
func (q *Queue) pop() uint32 {
	items := q.items
	top := items[0].slot
	n := len(items) - 1
	last := items[n]
	q.items = items[:n]
	if n > 0 {
		q.sink(last)
	}
	return top
}

// sink puts it in the place of the heap's first entry and lets it sink to
// its place.
func (q *Queue) sink(it queued) {
	items := q.items
	n := len(items)
	i := 0
	for {
		first := 4*i + 1
		if first >= n {
			break
		}
		// m is the least child, at least.
		least, m := first, &items[first]
		if first+3 < n {
			// Four children, the common case, compared without a loop
			// and checked against the heap's bounds once.
			c := items[first : first+4 : first+4]
			if c[1].before(m) {
				least, m = first+1, &c[1]
			}
			if c[2].before(m) {
				least, m = first+2, &c[2]
			}
			if c[3].before(m) {
				least, m = first+3, &c[3]
			}
		} else {
			for c := first + 1; c < n; c++ {
				if items[c].before(m) {
					least, m = c, &items[c]
				}
			}
		}
		if !m.before(&it) {
			break
		}
		items[i] = *m
		i = least
	}
	items[i] = it
}

// drop takes out the entry last played, if it is still at the top, and
// frees its slot.
func (q *Queue) drop() {
	if q.spent {
		q.dropSpent()
	}
}

// dropSpent is drop for a spent entry: out of line, so that drop is
// inlined in the run's loop.
//
//go:noinline
func (q *Queue) dropSpent() {
	q.spent = false
	q.freeSlot(q.pop())
}

// At schedules fn at t.
func (q *Queue) At(t time.Time, fn func()) {
	q.seq++
	q.push(t, q.seq, fn)
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
	q.push(t, seq, fn)
}

// Len is the number of events waiting.
func (q *Queue) Len() int {
	q.drop()
	return len(q.items)
}

// Peek returns the time of the next event; ok is false when the queue is
// empty.
func (q *Queue) Peek() (t time.Time, ok bool) {
	ns, ok := q.peekNanos()
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(0, ns).In(q.acts[q.items[0].slot&^kept].loc), true
}

// peekNanos returns the time of the next event in unix nanoseconds.
func (q *Queue) peekNanos() (ns int64, ok bool) {
	q.drop()
	ns, _, ok = q.head()
	return ns, ok
}

// head is peekNanos for a queue whose spent entry is dropped, with the
// next event's place among events at equal times: small enough to be
// inlined in the run's loop, which calls drop itself.
func (q *Queue) head() (ns int64, seq uint64, ok bool) {
	if len(q.items) == 0 {
		return 0, 0, false
	}
	return q.items[0].key, q.items[0].seq, true
}

// Pop removes the next event and returns its time and action: nil for a
// conversation's script (keepScript), which only the world's run plays.
func (q *Queue) Pop() (time.Time, func()) {
	ns, loc, fn := q.popNanos()
	return time.Unix(0, ns).In(loc), fn
}

// popNanos is Pop, with the time in unix nanoseconds and its location.
func (q *Queue) popNanos() (ns int64, loc *time.Location, fn func()) {
	q.drop()
	ns, a := q.take()
	return ns, a.loc, a.fn
}

// take is popNanos for a queue whose spent entry is dropped, with the
// event's action as the queue holds it: read it before anything is queued.
func (q *Queue) take() (ns int64, a *action) {
	ns = q.items[0].key
	// Taken out when the queue is next used; its slot goes to the next
	// event queued, or back to the free slots then.
	q.spent = true
	return ns, &q.acts[q.items[0].slot&^kept]
}
