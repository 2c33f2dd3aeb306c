package router

// convIndex holds the engine's conversation records by id: an
// open-addressing table with linear probing. Ids are numbered from 1 in
// opening order, so a multiplicative (Fibonacci) hash of the id spreads
// them over the table without hashing bytes. It hashes ids four at a
// time: ids 4k to 4k+3 have the four slots of one 64-byte line as their
// homes, in order. Records are put in id order and mostly removed in it
// (a status horizon after their customer's last message), so three of
// four puts and removals find the line the one before brought into the
// cache, where a hash of each id sent each to a line of its own, a miss
// to memory in a table of a horizon's conversations. A removed slot is
// filled by shifting the slots after it back: the table has no
// tombstones, and a lookup stops at the first empty slot.
type convIndex struct {
	slots []convSlot // a power of two long, or empty
	shift uint       // 64 minus log2(len(slots)): the hash's top bits are the home
	n     int        // full slots
}

// convSlot is one place of a convIndex: a record (nil: empty) and its id.
type convSlot struct {
	id ConversationID
	cv *conv
}

// home is the slot where probing for id starts: the place of id among
// its four in the line their hash chooses.
func (x *convIndex) home(id ConversationID) uint64 {
	return ((uint64(id)>>2)*0x9e3779b97f4a7c15)>>x.shift&^3 | uint64(id)&3
}

// get returns the record of conversation id, or nil.
func (x *convIndex) get(id ConversationID) *conv {
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
func (x *convIndex) put(cv *conv) {
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

// grow doubles the table (or makes its first), placing every record again.
//
// It is rare, and kept out of its caller's line (go:noinline).
//
//go:noinline
func (x *convIndex) grow() {
	old := x.slots
	n := max(2*len(old), 16)
	x.slots = make([]convSlot, n)
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
}

// remove drops the record of conversation id, if any, moving back the
// slots after its own that probing would no longer reach.
func (x *convIndex) remove(id ConversationID) {
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
func (x *convIndex) len() int { return x.n }

// all calls fn with every record held, in no particular order.
func (x *convIndex) all(fn func(*conv)) {
	for _, s := range x.slots {
		if s.cv != nil {
			fn(s.cv)
		}
	}
}
