// Package openaddr is an open-addressing hash table of records by a hash
// the caller computes: linear probing, each slot holding a record and the
// hash it was placed by, so that growing never hashes a key again and a
// probe compares keys only where the hashes agree. A removed slot is filled
// by shifting the slots after it back: the table has no tombstones, and a
// probe stops at the first empty slot.
//
// The caller hashes a record's key (package strhash, once per call, or kept
// with the record) and says which record is the one it looks for (eq);
// records whose keys hash alike sit in one probe sequence. A Table is not
// safe for concurrent use. Its zero value is an empty table.
package openaddr

// Table holds records *R by hash.
type Table[R any] struct {
	slots []slot[R] // a power of two long, or empty
	n     int       // full slots
}

// slot is one place of a Table: a record (nil: empty) and its hash.
type slot[R any] struct {
	hash uint64
	r    *R
}

// Len is how many records the table holds.
func (t *Table[R]) Len() int { return t.n }

// Find returns the first record of hash h for which eq is true, or nil.
func (t *Table[R]) Find(h uint64, eq func(*R) bool) *R {
	if t.n == 0 {
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.r == nil {
			return nil
		}
		if s.hash == h && eq(s.r) {
			return s.r
		}
	}
}

// Put holds r under hash h, in place of the first record of hash h for
// which eq is true, if any.
func (t *Table[R]) Put(h uint64, r *R, eq func(*R) bool) {
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.r == nil {
			*s = slot[R]{hash: h, r: r}
			t.n++
			return
		}
		if s.hash == h && eq(s.r) {
			s.r = r
			return
		}
	}
}

// Insert holds r under hash h, for a caller that knows the table holds no
// record of r's key: Put with no eq to call, since no slot can be r's own.
// It places r at the first empty slot of h's probe sequence.
func (t *Table[R]) Insert(h uint64, r *R) {
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	mask := uint64(len(t.slots) - 1)
	i := h & mask
	for t.slots[i].r != nil {
		i = (i + 1) & mask
	}
	t.slots[i] = slot[R]{hash: h, r: r}
	t.n++
}

// grow doubles the table (or makes its first), placing every record again
// by the hash it keeps.
//
// It is rare, and kept out of its caller's line (go:noinline).
//
//go:noinline
func (t *Table[R]) grow() {
	t.move(make([]slot[R], max(2*len(t.slots), MinSlots)))
}

// move places every record held in to, which is empty and a power of two
// long, by the hash it keeps, and makes to the table's array; it returns
// the former array, which still holds its records.
func (t *Table[R]) move(to []slot[R]) []slot[R] {
	old := t.slots
	t.slots = to
	mask := uint64(len(t.slots) - 1)
	for _, s := range old {
		if s.r == nil {
			continue
		}
		i := s.hash & mask
		for t.slots[i].r != nil {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
	return old
}

// MinSlots is the length of the first array a table makes.
const MinSlots = 16

// Slots holds an array of slots outside any table, for a caller that
// keeps a table's arrays to reuse them (in a sync.Pool for each length,
// say), since a generic package cannot keep a pool for each record type:
// a table hands its arrays out emptied (Take, Adopt), and grows into one
// it is given (Adopt). Nothing a table hands out holds a record. The zero
// Slots holds no array.
type Slots[R any] struct {
	s []slot[R] // every slot empty
}

// NewSlots returns Slots holding a new array of n empty slots, for Adopt;
// n is a power of two (GrowLen's answer).
func NewSlots[R any](n int) *Slots[R] {
	if n <= 0 || n&(n-1) != 0 {
		panic("openaddr: NewSlots of a length that is not a power of two")
	}
	return &Slots[R]{s: make([]slot[R], n)}
}

// Len is the length of the array a holds; 0 when it holds none.
func (a *Slots[R]) Len() int { return len(a.s) }

// GrowLen is the length of the array the table grows to before it holds
// one more record (Put or Insert of a new key grows it then): 0 when its
// own array has room for one more.
func (t *Table[R]) GrowLen() int {
	if 2*(t.n+1) > len(t.slots) {
		return max(2*len(t.slots), MinSlots)
	}
	return 0
}

// Adopt makes a's array the table's: it places every record the table
// holds there, as growing does, and leaves in a the table's former array,
// emptied (none when the table had none). a's array is empty (as NewSlots,
// Adopt and Take leave one) and a power of two long, with room for one
// more record than the table holds (GrowLen's length, or longer); Adopt
// panics if it is not long enough. A table grown so places its records in
// the same slots as one grown by itself to the same length.
func (t *Table[R]) Adopt(a *Slots[R]) {
	n := len(a.s)
	if n&(n-1) != 0 || 2*(t.n+1) > n {
		panic("openaddr: Adopt of an array that is too short or not a power of two long")
	}
	old := t.move(a.s)
	clear(old)
	a.s = old
}

// Take empties the table, leaving it as its zero value, and returns its
// array, emptied; nil when it had none.
func (t *Table[R]) Take() *Slots[R] {
	if t.slots == nil {
		return nil
	}
	a := &Slots[R]{s: t.slots}
	clear(a.s)
	*t = Table[R]{}
	return a
}

// Remove drops the first record of hash h for which eq is true, if any,
// and reports whether there was one; the slots after its own that probing
// would no longer reach move back.
func (t *Table[R]) Remove(h uint64, eq func(*R) bool) bool {
	if t.n == 0 {
		return false
	}
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.r == nil {
			return false
		}
		if s.hash == h && eq(s.r) {
			t.vacate(i)
			return true
		}
	}
}

// RemoveRecord drops r itself, held under hash h, if the table holds it,
// and reports whether it did: Remove for a caller that has the very record
// (compared by address, not by key), with no eq to call.
func (t *Table[R]) RemoveRecord(h uint64, r *R) bool {
	if t.n == 0 {
		return false
	}
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch t.slots[i].r {
		case nil:
			return false
		case r:
			t.vacate(i)
			return true
		}
	}
}

// vacate empties the full slot at hole and moves back the slots after it
// that probing would no longer reach.
func (t *Table[R]) vacate(hole uint64) {
	mask := uint64(len(t.slots) - 1)
	t.slots[hole] = slot[R]{}
	t.n--
	for j := (hole + 1) & mask; t.slots[j].r != nil; j = (j + 1) & mask {
		// The slot at j may fill the hole if its home is not in (hole, j],
		// cyclically: probing from its home passes the hole.
		home := t.slots[j].hash & mask
		if (j-home)&mask >= (j-hole)&mask {
			t.slots[hole] = t.slots[j]
			t.slots[j] = slot[R]{}
			hole = j
		}
	}
}

// All calls fn with every record held, in no particular order; fn must not
// change the table.
func (t *Table[R]) All(fn func(*R)) {
	for _, s := range t.slots {
		if s.r != nil {
			fn(s.r)
		}
	}
}
