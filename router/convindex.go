package router

// convIndex holds the engine's conversation records by id: an
// open-addressing table with linear probing in Robin Hood order. Ids are
// numbered from 1 in opening order and the engine holds a recent run of
// them (and a few older ones still open), so an id's home is its low bits:
// consecutive ids sit in consecutive slots, and the records opened and
// released in one stretch of a run touch neighbouring slots instead of one
// cache line each anywhere in the table. Along a run of full slots the
// homes never decrease (Robin Hood: an entry farther from its home takes
// the place of one nearer to its own), so a lookup stops at a slot nearer
// to its home than the probe is to the id's, and a removal shifts back
// only the slots up to the next empty one or one at its home: the table
// has no tombstones.
type convIndex struct {
	slots []convSlot // a power of two long, or empty
	n     int        // full slots
}

// convSlot is one place of a convIndex: a record (nil: empty) and its id.
type convSlot struct {
	id ConversationID
	cv *conv
}

// dist is how far slot i is from the home of id, along the probe.
func (x *convIndex) dist(id ConversationID, i uint64) uint64 {
	mask := uint64(len(x.slots) - 1)
	return (i - uint64(id)) & mask
}

// find returns the slot holding id, or -1.
func (x *convIndex) find(id ConversationID) int {
	if len(x.slots) == 0 {
		return -1
	}
	mask := uint64(len(x.slots) - 1)
	for i, d := uint64(id)&mask, uint64(0); ; i, d = (i+1)&mask, d+1 {
		s := &x.slots[i]
		if s.cv == nil || x.dist(s.id, i) < d {
			return -1
		}
		if s.id == id {
			return int(i)
		}
	}
}

// get returns the record of conversation id, or nil.
func (x *convIndex) get(id ConversationID) *conv {
	if i := x.find(id); i >= 0 {
		return x.slots[i].cv
	}
	return nil
}

// put holds cv under its id, in place of the record held there, if any.
func (x *convIndex) put(cv *conv) {
	if i := x.find(cv.id); i >= 0 {
		x.slots[i].cv = cv
		return
	}
	if 2*(x.n+1) > len(x.slots) {
		x.grow()
	}
	x.insert(convSlot{id: cv.id, cv: cv})
	x.n++
}

// insert places s, whose id the table does not hold, in Robin Hood order.
func (x *convIndex) insert(s convSlot) {
	mask := uint64(len(x.slots) - 1)
	for i, d := uint64(s.id)&mask, uint64(0); ; i, d = (i+1)&mask, d+1 {
		t := &x.slots[i]
		if t.cv == nil {
			*t = s
			return
		}
		if td := x.dist(t.id, i); td < d {
			*t, s = s, *t
			d = td
		}
	}
}

// grow doubles the table (or makes its first), placing every record again.
func (x *convIndex) grow() {
	old := x.slots
	x.slots = make([]convSlot, max(2*len(old), 16))
	for _, s := range old {
		if s.cv != nil {
			x.insert(s)
		}
	}
}

// remove drops the record of conversation id, if any, moving back the
// slots after its own that are away from their homes.
func (x *convIndex) remove(id ConversationID) {
	i := x.find(id)
	if i < 0 {
		return
	}
	mask := uint64(len(x.slots) - 1)
	hole := uint64(i)
	for j := (hole + 1) & mask; x.slots[j].cv != nil && x.dist(x.slots[j].id, j) > 0; j = (j + 1) & mask {
		x.slots[hole] = x.slots[j]
		hole = j
	}
	x.slots[hole] = convSlot{}
	x.n--
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
