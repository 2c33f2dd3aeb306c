// Package openaddr is an open-addressing hash table of records by a hash
// the caller computes: linear probing, each slot holding a record and the
// hash it was placed by, so that growing never hashes a key again and a
// probe compares keys only where the hashes agree. A removed slot is filled
// by shifting the slots after it back: the table has no tombstones, and a
// probe stops at the first empty slot.
//
// Each slot has a control byte, in an array of its own beside the slots,
// which a probe reads first: 0 for an empty slot, else seven bits of its
// record's hash that its home slot is not placed by, and a set top bit
// (ctrlOf). A probe reads a slot only where its byte is the hash's, so
// that one for a key the table does not hold, whose home is a random
// place in it, mostly reads the control bytes alone: an array a
// sixteenth of the slots' size, which a large table finds in the cache
// far more often than its slots.
//
// The caller hashes a record's key (package strhash, once per call, or kept
// with the record) and says which record is the one it looks for (eq);
// records whose keys hash alike sit in one probe sequence. A Table is not
// safe for concurrent use. Its zero value is an empty table.
//
// A table makes its arrays and lets go of those it outgrows, unless it is
// given [Arrays] to take them from and give them back to (UseArrays), for
// the tables made after it to reuse.
package openaddr

import (
	"unsafe"

	"github.com/omnisim/omnisim/internal/blockpool"
	"github.com/omnisim/omnisim/internal/prefetch"
)

// Table holds records *R by hash.
type Table[R any] struct {
	// ctrl and slots are as long as each other, a power of two, or
	// empty: ctrl[i] is the control byte of slots[i] (see ctrlOf).
	ctrl  []uint8
	slots []slot[R]
	n     int // full slots
	// room is how many records the table holds before it grows: half
	// the length it has grown to, which is its array's length or, for a
	// table that started longer, less (see grow).
	room   int
	arrays *Arrays[R] // where grow takes arrays from and gives them back; nil: none
}

// Arrays holds tables' arrays for reuse, emptied, one sync.Pool per
// length: a table given it (UseArrays) takes the arrays it grows into
// from it and gives back the ones it outgrows, and its last at Release.
// It remembers the length the last table released had grown to, and a
// table's first growth goes straight to it when the pool holds an array
// of that length (see grow).
// Nothing an Arrays holds keeps a record alive. Declare one as a package
// variable for each record type whose tables come and go; the zero Arrays
// is empty and ready to use, and must not be copied after its first use.
type Arrays[R any] struct {
	p blockpool.Arrays[slot[R]]
	c blockpool.Arrays[uint8] // the control bytes' arrays
}

// UseArrays makes the table take the arrays it grows into from a and give
// back to a those it outgrows and, at Release, its own. A table grown so
// places its records in the same slots as one that makes its arrays, but
// from a first growth that took a longer array (see grow).
func (t *Table[R]) UseArrays(a *Arrays[R]) { t.arrays = a }

// Release empties the table and gives its array back to its Arrays
// (UseArrays), noting there the length the table grew to for the next
// table's first growth, or lets go of it when it has none. The table
// stays valid, empty, with the same Arrays: it grows again from there.
func (t *Table[R]) Release() {
	if t.arrays != nil {
		if t.room > 0 { // it grew: a table that needed no more than the first length notes that too
			t.arrays.p.Ended(2 * t.room)
		}
		t.arrays.p.Put(t.slots)
		t.arrays.c.Put(t.ctrl)
	}
	t.ctrl, t.slots, t.n, t.room = nil, nil, 0, 0
}

// slot is one place of a Table: a record (nil: empty) and its hash.
type slot[R any] struct {
	hash uint64
	r    *R
}

// ctrlOf is the control byte of a record of hash h, ctrl's byte of the
// slot that holds it (0: the slot is empty): the set top bit and the
// hash's top seven bits, which a table of up to 2^57 slots does not place
// by.
func ctrlOf(h uint64) uint8 { return uint8(h>>57) | 0x80 }

// Len is how many records the table holds.
func (t *Table[R]) Len() int { return t.n }

// Find returns the first record of hash h for which eq is true, or nil.
// It reads the control bytes, and a slot only where its byte is h's: a
// key the table does not hold is mostly looked for in the control bytes
// alone.
func (t *Table[R]) Find(h uint64, eq func(*R) bool) *R {
	if t.n == 0 {
		return nil
	}
	// The loop is written to stay within the inlining budget: the mask
	// and ctrlOf(h) written out (not held in variables) cost less.
	for i := h; ; i++ {
		i &= uint64(len(t.ctrl) - 1)
		switch t.ctrl[i] {
		case 0:
			return nil
		case uint8(h>>57) | 0x80: // ctrlOf(h)
			if s := &t.slots[i]; s.hash == h && eq(s.r) {
				return s.r
			}
		}
	}
}

// Prefetch asks for the cache line of the slot where a probe for hash h
// starts, for a caller that knows a step ahead the hash its next Find,
// Insert, Remove or RemoveRecord probes for: in a table larger than the
// caches, that line is mostly cold. (Its control byte's line, in an array
// a sixteenth of the slots' size, is far more often in the cache.) It
// changes nothing (prefetch.Line); on an empty table it does nothing.
func (t *Table[R]) Prefetch(h uint64) {
	if s := t.slots; len(s) > 0 {
		prefetch.Line(unsafe.Pointer(&s[h&uint64(len(s)-1)]))
	}
}

// Put holds r under hash h, in place of the first record of hash h for
// which eq is true, if any.
func (t *Table[R]) Put(h uint64, r *R, eq func(*R) bool) {
	if t.n >= t.room {
		t.grow()
	}
	mask := uint64(len(t.ctrl) - 1)
	c := ctrlOf(h)
	for i := h & mask; ; i = (i + 1) & mask {
		switch t.ctrl[i] {
		case 0:
			t.ctrl[i], t.slots[i] = c, slot[R]{hash: h, r: r}
			t.n++
			return
		case c:
			if s := &t.slots[i]; s.hash == h && eq(s.r) {
				s.r = r
				return
			}
		}
	}
}

// Insert holds r under hash h, for a caller that knows the table holds no
// record of r's key: Put with no eq to call, since no slot can be r's own.
// It places r at the first empty slot of h's probe sequence.
func (t *Table[R]) Insert(h uint64, r *R) {
	if t.n >= t.room {
		t.grow()
	}
	mask := uint64(len(t.ctrl) - 1)
	i := h & mask
	for t.ctrl[i] != 0 {
		i = (i + 1) & mask
	}
	t.ctrl[i], t.slots[i] = ctrlOf(h), slot[R]{hash: h, r: r}
	t.n++
}

// grow doubles the table (or makes its first), placing every record again
// by the hash it keeps. It takes the new arrays (of slots and of control
// bytes) from the table's Arrays and gives the former ones back there,
// when it has Arrays; else it makes the new ones and lets go of the
// former.
//
// With Arrays, the first array is taken with Start: as long as the one the
// last table released had grown to, when the pool holds it (a process
// that plays world after world), so that the table spares the doublings
// to it. Such a table doubles only the length it counts (room) until that
// reaches its array's, moving nothing, so that Release notes the length
// the table needed. Its control bytes are an array of its slots' length.
//
// It is rare, and kept out of its caller's line (go:noinline).
//
//go:noinline
func (t *Table[R]) grow() {
	n := max(4*t.room, minSlots) // twice the length grown to
	t.room = n / 2
	switch {
	case n <= len(t.slots):
	case t.arrays == nil:
		t.move(make([]uint8, n), make([]slot[R], n))
	case len(t.slots) == 0:
		t.slots = t.arrays.p.Start(n)
		t.ctrl = t.arrays.c.Get(len(t.slots))
	default:
		ctrl, slots := t.move(t.arrays.c.Get(n), t.arrays.p.Get(n))
		t.arrays.c.Put(ctrl)
		t.arrays.p.Put(slots)
	}
}

// move places every record held in slots, with its control byte in ctrl,
// both empty and of one length, a power of two, by the hash it keeps, and
// makes them the table's arrays; it returns the former ones, which still
// hold their records.
func (t *Table[R]) move(ctrl []uint8, slots []slot[R]) ([]uint8, []slot[R]) {
	oldCtrl, old := t.ctrl, t.slots
	t.ctrl, t.slots = ctrl, slots
	mask := uint64(len(ctrl) - 1)
	for _, s := range old {
		if s.r == nil {
			continue
		}
		i := s.hash & mask
		for ctrl[i] != 0 {
			i = (i + 1) & mask
		}
		ctrl[i], slots[i] = ctrlOf(s.hash), s
	}
	return oldCtrl, old
}

// minSlots is the length of the first array a table makes.
const minSlots = 16

// Remove drops the first record of hash h for which eq is true, if any,
// and reports whether there was one; the slots after its own that probing
// would no longer reach move back.
func (t *Table[R]) Remove(h uint64, eq func(*R) bool) bool {
	if t.n == 0 {
		return false
	}
	mask := uint64(len(t.ctrl) - 1)
	c := ctrlOf(h)
	for i := h & mask; ; i = (i + 1) & mask {
		switch t.ctrl[i] {
		case 0:
			return false
		case c:
			if s := &t.slots[i]; s.hash == h && eq(s.r) {
				t.vacate(i)
				return true
			}
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
	mask, c := uint64(len(t.ctrl)-1), ctrlOf(h)
	for i := h & mask; ; i = (i + 1) & mask {
		switch {
		case t.ctrl[i] == 0:
			return false
		case t.ctrl[i] == c && t.slots[i].r == r:
			t.vacate(i)
			return true
		}
	}
}

// vacate empties the full slot at hole and moves back the slots after it
// that probing would no longer reach.
func (t *Table[R]) vacate(hole uint64) {
	mask := uint64(len(t.ctrl) - 1)
	t.n--
	for j := (hole + 1) & mask; ; j = (j + 1) & mask {
		cj := t.ctrl[j]
		if cj == 0 {
			break
		}
		// The slot at j may fill the hole if its home is not in (hole, j],
		// cyclically: probing from its home passes the hole.
		if s := t.slots[j]; (j-s.hash&mask)&mask >= (j-hole)&mask {
			t.ctrl[hole], t.slots[hole] = cj, s
			hole = j
		}
	}
	t.ctrl[hole], t.slots[hole] = 0, slot[R]{}
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
