package router

// convIndex holds the engine's conversation records by id. Ids are
// numbered from 1 in opening order, records are put in that order and
// mostly removed in it (a status horizon after their customer's last
// message): so the index keeps the records of a window of the latest ids,
// [base, top), in a ring, where id's record (or nil) is at id modulo the
// ring's length, found and put without hashing or probing and removed
// without moving anything; and the records of ids before the window in a
// table, older. An id's record is in the ring when the id is in the
// window, else in older, and a slot of the ring holds nil or the record
// of the one id of the window that falls on it.
//
// The window moves on as ids are put past its end. When the ring cannot
// span them, it doubles if a quarter of it or more is held, else the
// window's start moves on to leave half the ring free, and the records
// left before it (conversations that outlive the window: a customer held
// for good, or long after most) go to older. So the span a window grows
// to is at most eight slots per record held then (the ring itself may be
// longer: one the last index released, below); like the table before it,
// it does not shrink.
//
// The first ring is taken with convRingArrays.Start: as long as the one
// the last index released had grown to, when the pool holds it (a process
// that plays world after world), so that the index spares the doublings
// to it. The window then spans at most what the ring has grown to (span),
// which doubles, moving nothing, as the ring itself would, until it
// reaches the ring's length: the index keeps the same records in its
// window, and release notes the length it needed.
type convIndex struct {
	ring      []*conv // a power of two long, or empty
	span      int     // the ids the window may span: a power of two, at most len(ring)
	base, top ConversationID
	live      int // records in the ring
	older     convTable
}

// minConvRing is the length of a convIndex's first ring.
const minConvRing = 64

// slot is where id's record is in the ring, for an id in the window.
func (x *convIndex) slot(id ConversationID) *(*conv) {
	return &x.ring[uint64(id)&uint64(len(x.ring)-1)]
}

// get returns the record of conversation id, or nil.
func (x *convIndex) get(id ConversationID) *conv {
	if id >= x.base && id < x.top {
		return *x.slot(id)
	}
	if id < x.base {
		return x.older.get(id)
	}
	return nil
}

// put holds cv under its id, in place of the record held there, if any.
// The ids from top to an id the ring spans have no record: their slots
// are nil, and the window just ends after it.
func (x *convIndex) put(cv *conv) {
	id := cv.id
	if id < x.base || uint64(id-x.base) >= uint64(x.span) {
		x.putFar(cv)
		return
	}
	x.top = max(x.top, id+1)
	x.store(cv)
}

// store puts cv in its slot of the ring; its id is in the window.
func (x *convIndex) store(cv *conv) {
	s := x.slot(cv.id)
	if *s == nil {
		x.live++
	}
	*s = cv
}

// putFar is put for an id the window cannot span: one before the window,
// which goes to older, or one past what the ring spans, for which it makes
// the first ring, doubles it, or moves the window's start on.
//
// It is rare, and kept out of put's line (go:noinline).
//
//go:noinline
func (x *convIndex) putFar(cv *conv) {
	id := cv.id
	if id < x.base {
		x.older.put(cv)
		return
	}
	if len(x.ring) == 0 {
		x.ring, x.span, x.base = convRingArrays.Start(minConvRing), minConvRing, id
	}
	for uint64(id-x.base) >= uint64(x.span) {
		if 4*x.live >= x.span {
			x.grow()
		} else {
			x.moveOn(id + 1 - ConversationID(x.span/2))
		}
	}
	x.top = id + 1
	x.store(cv)
}

// grow doubles the ring, placing every record again. It does not read a
// record's id: the one id of the window that falls on slot j is base plus
// j-base modulo the ring's length (the window spans at most the ring):
// most records were opened long before, and reading each would miss the
// cache. The old ring goes back to the pool. A ring longer than the
// window's span (see convIndex) doubles the span alone.
func (x *convIndex) grow() {
	x.span *= 2
	if x.span <= len(x.ring) {
		return
	}
	ring := convRingArrays.Get(2 * len(x.ring))
	old, mask := uint64(len(x.ring)-1), uint64(len(ring)-1)
	base := uint64(x.base)
	for j, cv := range x.ring {
		if cv != nil {
			ring[(base+(uint64(j)-base)&old)&mask] = cv
		}
	}
	convRingArrays.Put(x.ring)
	x.ring = ring
}

// release gives the ring and the table back to the pools, noting the
// length the ring grew to for the next index to start at, and leaves the
// index empty, as a zero convIndex.
func (x *convIndex) release() {
	if x.span > 0 { // it grew: a ring that needed no more than the first length notes that too
		convRingArrays.Ended(x.span)
	}
	convRingArrays.Put(x.ring)
	x.older.release()
	*x = convIndex{}
}

// moveOn starts the window at base, later than its start, moving the
// records of the ids it leaves to older.
func (x *convIndex) moveOn(base ConversationID) {
	mask := uint64(len(x.ring) - 1)
	n := min(uint64(base-x.base), mask+1) // the slots of the ids left
	for i, j := uint64(0), uint64(x.base)&mask; i < n; i, j = i+1, (j+1)&mask {
		if cv := x.ring[j]; cv != nil && cv.id < base {
			x.older.put(cv)
			x.ring[j] = nil
			x.live--
		}
	}
	x.base = base
	x.top = max(x.top, base)
}

// remove drops the record of conversation id, if any.
func (x *convIndex) remove(id ConversationID) {
	if id >= x.base && id < x.top {
		if s := x.slot(id); *s != nil {
			*s = nil
			x.live--
		}
		return
	}
	if id < x.base {
		x.older.remove(id)
	}
}

// len is how many records the index holds.
func (x *convIndex) len() int { return x.live + x.older.len() }

// all calls fn with every record held, in no particular order.
func (x *convIndex) all(fn func(*conv)) {
	for _, cv := range x.ring {
		if cv != nil {
			fn(cv)
		}
	}
	x.older.all(fn)
}

// convTable holds conversation records by id (a convIndex's records
// before its window): an open-addressing table with linear probing. Ids
// are numbered from 1 in opening order, so a multiplicative (Fibonacci)
// hash of the id spreads them over the table without hashing bytes. It
// hashes ids four at a time: ids 4k to 4k+3 have the four slots of one
// 64-byte line as their homes, in order, so that records put and removed
// in id order mostly find the line the one before brought into the cache.
// A removed slot is filled by shifting the slots after it back: the table
// has no tombstones, and a lookup stops at the first empty slot.
type convTable struct {
	slots []convSlot // a power of two long, or empty
	shift uint       // 64 minus log2(len(slots)): the hash's top bits are the home
	n     int        // full slots
}

// convSlot is one place of a convTable: a record (nil: empty) and its id.
type convSlot struct {
	id ConversationID
	cv *conv
}

// home is the slot where probing for id starts: the place of id among
// its four in the line their hash chooses.
func (x *convTable) home(id ConversationID) uint64 {
	return ((uint64(id)>>2)*0x9e3779b97f4a7c15)>>x.shift&^3 | uint64(id)&3
}

// get returns the record of conversation id, or nil.
func (x *convTable) get(id ConversationID) *conv {
	if len(x.slots) == 0 {
		return nil
	}
	mask := uint64(len(x.slots) - 1)
	for i := x.home(id); ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.cv == nil || s.id == id {
			return s.cv
		}
	}
}

// put holds cv under its id, in place of the record held there, if any.
func (x *convTable) put(cv *conv) {
	if 2*(x.n+1) > len(x.slots) {
		x.grow()
	}
	mask := uint64(len(x.slots) - 1)
	for i := x.home(cv.id); ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.cv == nil {
			*s = convSlot{id: cv.id, cv: cv}
			x.n++
			return
		}
		if s.id == cv.id {
			s.cv = cv
			return
		}
	}
}

// grow doubles the table (or makes its first), placing every record
// again, and gives the old table back to the pool.
//
// It is rare, and kept out of its caller's line (go:noinline).
//
//go:noinline
func (x *convTable) grow() {
	old := x.slots
	n := max(2*len(old), 16)
	x.slots = convSlotArrays.Get(n)
	x.shift = 64
	for m := n; m > 1; m >>= 1 {
		x.shift--
	}
	mask := uint64(n - 1)
	for _, s := range old {
		if s.cv == nil {
			continue
		}
		i := x.home(s.id)
		for x.slots[i].cv != nil {
			i = (i + 1) & mask
		}
		x.slots[i] = s
	}
	convSlotArrays.Put(old)
}

// release gives the table back to the pool and leaves it empty, as a zero
// convTable.
func (x *convTable) release() {
	convSlotArrays.Put(x.slots)
	*x = convTable{}
}

// remove drops the record of conversation id, if any, moving back the
// slots after its own that probing would no longer reach.
func (x *convTable) remove(id ConversationID) {
	if len(x.slots) == 0 {
		return
	}
	mask := uint64(len(x.slots) - 1)
	hole := x.home(id)
	for x.slots[hole].id != id || x.slots[hole].cv == nil {
		if x.slots[hole].cv == nil {
			return
		}
		hole = (hole + 1) & mask
	}
	x.slots[hole] = convSlot{}
	x.n--
	for j := (hole + 1) & mask; x.slots[j].cv != nil; j = (j + 1) & mask {
		// The slot at j may fill the hole if its home is not in (hole, j],
		// cyclically: probing from its home passes the hole.
		home := x.home(x.slots[j].id)
		if (j-home)&mask >= (j-hole)&mask {
			x.slots[hole] = x.slots[j]
			x.slots[j] = convSlot{}
			hole = j
		}
	}
}

// len is how many records the index holds.
func (x *convTable) len() int { return x.n }

// all calls fn with every record held, in no particular order.
func (x *convTable) all(fn func(*conv)) {
	for _, s := range x.slots {
		if s.cv != nil {
			fn(s.cv)
		}
	}
}
