package router

import "math"

// member is an agent's place in one group: the agent, and which of the
// agent's memberships this is (its index in agent.slots).
type member struct {
	a    *agent
	slot int
}

// heapItem is an agent in a group's heap with its strategy key, copied
// out of the agent so that comparisons read the heap's own array and not
// the agents: (k1, k2, last, rank), smallest first, with rank standing for
// the agent's id (agents ordered by id). pos is the agent's place in the
// group's members.
type heapItem struct {
	k1   uint64
	last int64 // the agent's lastAssigned
	k2   int32
	rank int32
	pos  int32
}

// less orders heap items by their key. It is one inlined comparison chain
// whatever the strategy: each strategy only chooses k1 and k2 ([keyFunc]).
func (x *heapItem) less(y *heapItem) bool {
	if x.k1 != y.k1 {
		return x.k1 < y.k1
	}
	if x.k2 != y.k2 {
		return x.k2 < y.k2
	}
	if x.last != y.last {
		return x.last < y.last
	}
	return x.rank < y.rank
}

// sameKey reports whether x and y have the same key.
func (x *heapItem) sameKey(y *heapItem) bool {
	return x.k1 == y.k1 && x.k2 == y.k2 && x.last == y.last && x.rank == y.rank
}

// keyFunc gives the leading components of an agent's key under a strategy;
// the last assigned time and the id rank follow.
type keyFunc func(a *agent) (k1 uint64, k2 int32)

// leastLoadedKey orders by (active/capacity, active, last assigned at, id).
// The load is compared as the bits of the float64 quotient: IEEE division
// rounds correctly and monotonically, and two different quotients of
// integers up to 2^26 differ by more than a rounding step, so the order is
// the exact order of the fractions for any capacity up to 67 million.
func leastLoadedKey(a *agent) (uint64, int32) {
	return math.Float64bits(float64(a.active) / float64(a.capacity)), int32(a.active)
}

// longestIdleKey orders assigned-before agents by (last assigned at, id).
// Never-assigned agents are kept apart and drawn at random.
func longestIdleKey(*agent) (uint64, int32) { return 0, 0 }

// mostFreeCapacityKey orders by (free slots descending, last assigned at,
// id).
func mostFreeCapacityKey(a *agent) (uint64, int32) {
	return ^uint64(a.capacity - a.active), 0
}

// agentHeap is the index of a group's eligible agents ordered by the
// group's strategy key: a min-heap and, for a strategy whose keys only
// grow to the newest (ordered), a tail. at holds each member's place (by
// its place in the group's members): i >= 0 at items[i] of the heap, -2-t
// at tail[t], -1 for none, so a change of key is fixed without leaving the
// index's own arrays.
//
// The tail holds items in key order from tailHead on, with holes (pos -1)
// where items left; tailHead is live whenever the tail holds any. An item
// that comes at or after the tail's last is appended there in O(1), so
// under longest-idle, where an assignment gives the agent the newest key
// of all, the agents just assigned do not sink through the heap: they queue
// in the tail. An agent that comes back with an older key (below capacity
// again, online, in hours) goes into the heap. The first agent is the first
// of the heap's top and the tail's first.
type agentHeap struct {
	items   []heapItem
	at      []int32
	members []member // the group's, to name the agent of an item
	key     keyFunc
	ordered bool // keys only grow to the newest: use the tail

	tail     []heapItem
	tailHead int
	tailLive int
}

// init sizes the position index for the group's members.
func (h *agentHeap) init(members []member) {
	h.members = members
	h.at = make([]int32, len(members))
	for i := range h.at {
		h.at[i] = -1
	}
}

// has reports whether the member at pos is in the index.
func (h *agentHeap) has(pos int) bool { return h.at[pos] != -1 }

func (h *agentHeap) top() *agent {
	var first *heapItem
	if len(h.items) > 0 {
		first = &h.items[0]
	}
	if h.tailHead < len(h.tail) {
		if t := &h.tail[h.tailHead]; first == nil || t.less(first) {
			first = t
		}
	}
	if first == nil {
		return nil
	}
	return h.members[first.pos].a
}

// load sets the item's key from its agent a.
func (h *agentHeap) load(it *heapItem, a *agent) {
	it.k1, it.k2 = h.key(a)
	it.last, it.rank = a.lastAssigned, a.rank
}

// set puts member m in the index with its agent's key now, or moves it
// to its place for that key.
func (h *agentHeap) set(m member) {
	pos := m.a.slots[m.slot].pos
	it := heapItem{pos: int32(pos)}
	h.load(&it, m.a)
	switch i := int(h.at[pos]); {
	case i >= 0:
		cur := &h.items[i]
		if cur.sameKey(&it) {
			return
		}
		if h.takesTail(&it) {
			h.remove(i)
			h.appendTail(it)
			return
		}
		*cur = it
		if !h.down(i) {
			h.up(i)
		}
	case i <= -2:
		t := -2 - i
		if h.tail[t].sameKey(&it) {
			return
		}
		h.dropTail(t)
		h.insert(it)
	default:
		h.insert(it)
	}
}

// drop takes the member at pos out of the index, if it is there.
func (h *agentHeap) drop(pos int) {
	switch i := int(h.at[pos]); {
	case i >= 0:
		h.remove(i)
	case i <= -2:
		h.dropTail(-2 - i)
	}
}

// insert adds an item that is not in the index: to the tail when it can go
// there, else to the heap.
func (h *agentHeap) insert(it heapItem) {
	if h.takesTail(&it) {
		h.appendTail(it)
		return
	}
	h.items = append(h.items, it)
	h.up(len(h.items) - 1)
}

// takesTail reports whether it can be appended to the tail: the index is
// ordered and it does not come before the tail's last item.
func (h *agentHeap) takesTail(it *heapItem) bool {
	if !h.ordered {
		return false
	}
	n := len(h.tail)
	return n == 0 || !it.less(&h.tail[n-1])
}

// appendTail puts it at the end of the tail, first dropping the holes when
// they are most of a full tail.
func (h *agentHeap) appendTail(it heapItem) {
	if len(h.tail) == cap(h.tail) && 2*h.tailLive < len(h.tail) {
		n := 0
		for _, x := range h.tail[h.tailHead:] {
			if x.pos >= 0 {
				h.tail[n] = x
				h.at[x.pos] = int32(-2 - n)
				n++
			}
		}
		h.tail, h.tailHead = h.tail[:n], 0
	}
	h.tail = append(h.tail, it)
	h.at[it.pos] = int32(-2 - (len(h.tail) - 1))
	h.tailLive++
}

// dropTail takes the item at tail[t] out, leaving a hole; the tail's ends
// stay live.
func (h *agentHeap) dropTail(t int) {
	h.at[h.tail[t].pos] = -1
	h.tail[t].pos = -1
	h.tailLive--
	if h.tailLive == 0 {
		h.tail, h.tailHead = h.tail[:0], 0
		return
	}
	for h.tail[len(h.tail)-1].pos < 0 {
		h.tail = h.tail[:len(h.tail)-1]
	}
	for h.tail[h.tailHead].pos < 0 {
		h.tailHead++
	}
}

// remove takes the item at i out of the heap.
func (h *agentHeap) remove(i int) {
	n := len(h.items) - 1
	h.at[h.items[i].pos] = -1
	// The last item fills the hole and moves to its place from there.
	// Items hold no pointers: the one past the end is left as it is.
	last := h.items[n]
	h.items = h.items[:n]
	if i != n {
		h.put(i, last)
		if !h.down(i) {
			h.up(i)
		}
	}
}

// put places it at position i of the heap and records where it is.
func (h *agentHeap) put(i int, it heapItem) {
	h.items[i] = it
	h.at[it.pos] = int32(i)
}

// The heap is 4-ary: the children of i are arity*i+1 to arity*i+arity.
// Half the levels of a binary heap, with a node's children side by side in
// memory.
const arity = 4

// up moves the item at j towards the root while it comes before its
// parent, shifting the parents down into the hole it leaves.
func (h *agentHeap) up(j int) {
	it := h.items[j]
	for j > 0 {
		i := (j - 1) / arity
		if !it.less(&h.items[i]) {
			break
		}
		h.put(j, h.items[i])
		j = i
	}
	h.put(j, it)
}

// first is the child of i that comes first, or -1 for a leaf.
func (h *agentHeap) first(i int) int {
	n := len(h.items)
	l := arity*i + 1
	if l >= n {
		return -1
	}
	j := l
	for c := l + 1; c < l+arity && c < n; c++ {
		if h.items[c].less(&h.items[j]) {
			j = c
		}
	}
	return j
}

// down moves the item at i0 towards the leaves while a child comes before
// it, and reports whether it moved. An item that sinks (an agent just
// assigned has the latest last-assigned time) is taken down the path of
// the first children to a leaf, then back up to its place: it usually
// belongs near the bottom, so this compares it far less often than
// testing it at every level.
func (h *agentHeap) down(i0 int) bool {
	j := h.first(i0)
	it := h.items[i0]
	if j < 0 || !h.items[j].less(&it) {
		return false
	}
	i := i0
	for j >= 0 {
		h.put(i, h.items[j])
		i = j
		j = h.first(i)
	}
	for i > i0 {
		p := (i - 1) / arity
		if !it.less(&h.items[p]) {
			break
		}
		h.put(i, h.items[p])
		i = p
	}
	h.put(i, it)
	return true
}

// deadlineKind says what a deadline is for.
type deadlineKind uint8

const (
	// deadlineMissed: the conversation becomes missed, or (once missed) it
	// closes as missed.
	deadlineMissed deadlineKind = iota
	deadlineIdle
	deadlineWindow
	// deadlineOverflow: a waiting conversation overflows to the default
	// group.
	deadlineOverflow
	// deadlineReassign: an assigned conversation its agent has not answered
	// goes back to routing.
	deadlineReassign
	// deadlineBot: the bot hands the conversation to a human.
	deadlineBot
	// deadlineShift: an agent's working hours start or end (an agent timer).
	deadlineShift

	numDeadlineKinds = iota
)

// dues holds, for each deadline kind, the heap position of its owner's
// pending deadline of that kind, or -1.
type dues [numDeadlineKinds]int32

func newDues() dues { return noDues }

// noDues is the dues of an owner without a pending deadline.
var noDues = func() dues {
	var d dues
	for k := range d {
		d[k] = -1
	}
	return d
}()

// deadline is a pending timer of one kind, owned by a conversation (conv)
// or an agent (agent; conv is nil). An owner has at most one of each kind;
// its position in the heap is owner.due[kind].
type deadline struct {
	at    int64 // unix nanoseconds
	seq   uint64
	conv  *conv
	agent *agent
	kind  deadlineKind
}

// pos is where the owner records the deadline's heap position.
func (d *deadline) pos() *int32 {
	if d.conv != nil {
		return &d.conv.due[d.kind]
	}
	return &d.agent.due[d.kind]
}

// count counts the deadline in (delta 1) or out of (-1) its conversation's
// pending ones (conv.dueN); an agent's are not counted.
func (d *deadline) count(delta int32) {
	if d.conv != nil {
		d.conv.dueN += delta
	}
}

// deadlineHeap is an indexed binary min-heap of deadlines ordered by time,
// then by the order they were (last) set. Every entry is live: a deadline
// that moves is fixed in place, and one that can no longer fire is removed.
type deadlineHeap []deadline

func (h deadlineHeap) less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}

func (h deadlineHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	*h[i].pos() = int32(i)
	*h[j].pos() = int32(j)
}

func (h deadlineHeap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h deadlineHeap) down(i0 int) bool {
	i := i0
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && h.less(r, l) {
			j = r
		}
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}

// set puts the owner's deadline of d.kind at d.at: it moves the pending
// one, or adds one.
func (h *deadlineHeap) set(d deadline) {
	if i := int(*d.pos()); i >= 0 {
		(*h)[i].at, (*h)[i].seq = d.at, d.seq
		if !h.down(i) {
			h.up(i)
		}
		return
	}
	*h = append(*h, d)
	i := len(*h) - 1
	*d.pos() = int32(i)
	d.count(1)
	h.up(i)
}

// remove takes the deadline at i out of the heap and returns it.
func (h *deadlineHeap) remove(i int) deadline {
	s := *h
	n := len(s) - 1
	gone := s[i]
	if i != n {
		s.swap(i, n)
	}
	s[n] = deadline{}
	*h = s[:n]
	*gone.pos() = -1
	gone.count(-1)
	if i != n && !h.down(i) {
		h.up(i)
	}
	return gone
}

// pop removes and returns the earliest deadline.
func (h *deadlineHeap) pop() deadline { return h.remove(0) }

// releaseQueue orders the customers that may be released by the time
// from which they may be. A customer has at most one entry (relQueued),
// at a time no later than its relAt: a customer whose time moves on keeps
// its entry, which, once due, goes back in at relAt. Times only move on:
// the horizon counts from the engine's time, and a window's end never
// moves back. Release is invisible to decisions, so the order among equal
// times does not matter.
//
// Entries mostly come in time order (the status horizon after now): those
// go to the back of a FIFO, in O(1); one earlier than the FIFO's back goes
// to a binary min-heap. The earliest entry is at the front of one of the
// two.
type releaseQueue struct {
	fifo []relEntry // in time order, from head
	head int
	// room is how many entries the FIFO holds before it grows: the length
	// it has grown to, which is its array's length or, for a FIFO that
	// started longer, less (see growFifo).
	room int
	heap []relEntry
}

// relEntry is a customer's entry in the release queue.
type relEntry struct {
	at int64 // unix ns
	c  *customer
}

// len counts the entries.
func (q *releaseQueue) len() int { return len(q.fifo) - q.head + len(q.heap) }

// set puts c in the queue at time at, or moves it there if it is in the
// queue already at an earlier time.
func (q *releaseQueue) set(c *customer, at int64) {
	if c.relQueued {
		c.relAt = max(c.relAt, at)
		return
	}
	c.relAt, c.relQueued = at, true
	q.push(relEntry{at, c})
}

func (q *releaseQueue) push(en relEntry) {
	if n := len(q.fifo); n == q.head || q.fifo[n-1].at <= en.at {
		if n == q.room {
			q.growFifo()
		}
		q.fifo = append(q.fifo, en)
		return
	}
	if len(q.heap) == cap(q.heap) {
		q.heap = growRel(q.heap)
	}
	q.heap = append(q.heap, en)
	h := q.heap
	for j := len(h) - 1; j > 0; {
		i := (j - 1) / 2
		if h[i].at <= h[j].at {
			break
		}
		h[i], h[j] = h[j], h[i]
		j = i
	}
}

// minRel is the length of the release queue's first arrays.
const minRel = 64

// growRel returns s in an array of twice its capacity (at least minRel),
// from the pool (relArrays), and gives s's array back to it: the rare
// path of push (the heap's growth) and of growFifo, out of their line
// (go:noinline).
//
//go:noinline
func growRel(s []relEntry) []relEntry {
	t := relArrays.Get(max(2*cap(s), minRel))[:len(s)]
	copy(t, s)
	relArrays.Put(s[:cap(s)])
	return t
}

// growFifo doubles the length the FIFO has grown to (room): into an
// array twice as long, from the pool (growRel), or, for a FIFO that started
// longer, in place.
//
// Its first growth takes the array with relArrays.Start: as long as the
// one the last queue's FIFO released had grown to, when the pool holds it
// (a process that plays world after world), so that the queue spares the
// doublings to it. Such a FIFO doubles only the length it counts (room)
// until that reaches its array's, moving nothing, so that release notes
// the length the queue needed. It is push's rare path, out of its line
// (go:noinline).
//
//go:noinline
func (q *releaseQueue) growFifo() {
	n := max(2*q.room, minRel)
	q.room = n
	switch {
	case n <= cap(q.fifo): // its array holds that many already
	case cap(q.fifo) == 0:
		q.fifo = relArrays.Start(n)[:0]
	default:
		q.fifo = growRel(q.fifo)
	}
}

// release gives the queue's arrays back to the pool, noting the length
// its FIFO grew to for the next queue to start at, and leaves it empty.
// Only the FIFO notes it: the heap, which holds the few entries that come
// out of time order, grows by doubling (growRel) in every queue.
func (q *releaseQueue) release() {
	if q.room > 0 { // it grew: a FIFO that needed no more than the first length notes that too
		relArrays.Ended(q.room)
	}
	relArrays.Put(q.fifo[:cap(q.fifo)])
	relArrays.Put(q.heap[:cap(q.heap)])
	*q = releaseQueue{}
}

// next is the time of the earliest entry; ok is false when there is none.
// The engine learns it from popDue; tests ask it.
func (q *releaseQueue) next() (at int64, ok bool) {
	switch {
	case q.head < len(q.fifo) && (len(q.heap) == 0 || q.fifo[q.head].at <= q.heap[0].at):
		return q.fifo[q.head].at, true
	case len(q.heap) > 0:
		return q.heap[0].at, true
	}
	return 0, false
}

// popDue removes and returns the earliest entry if it is due at now; ok
// is false when none is, and en then holds no customer and the time of
// the earliest entry (math.MaxInt64 for none), when the queue is next
// due. A sweep calls it once for each entry it releases and once more,
// which tells it when to sweep next.
func (q *releaseQueue) popDue(now int64) (en relEntry, ok bool) {
	if q.head < len(q.fifo) && (len(q.heap) == 0 || q.fifo[q.head].at <= q.heap[0].at) {
		if en = q.fifo[q.head]; en.at > now {
			return relEntry{at: en.at}, false
		}
		q.fifo[q.head] = relEntry{}
		q.head++
		switch {
		case q.head == len(q.fifo):
			q.fifo, q.head = q.fifo[:0], 0
		case q.head > 64 && q.head*2 > len(q.fifo):
			n := copy(q.fifo, q.fifo[q.head:])
			clear(q.fifo[n:])
			q.fifo, q.head = q.fifo[:n], 0
		}
		return en, true
	}
	if len(q.heap) == 0 {
		return relEntry{at: math.MaxInt64}, false
	}
	if at := q.heap[0].at; at > now {
		return relEntry{at: at}, false
	}
	h := q.heap
	en = h[0]
	n := len(h) - 1
	h[0] = h[n]
	h[n] = relEntry{}
	h = h[:n]
	for i := 0; ; {
		j := 2*i + 1
		if j >= n {
			break
		}
		if r := j + 1; r < n && h[r].at < h[j].at {
			j = r
		}
		if h[i].at <= h[j].at {
			break
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
	q.heap = h
	return en, true
}

// all calls fn with each customer in the queue.
func (q *releaseQueue) all(fn func(*customer)) {
	for _, en := range q.fifo[q.head:] {
		fn(en.c)
	}
	for _, en := range q.heap {
		fn(en.c)
	}
}
