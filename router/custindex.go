package router

import (
	"github.com/omnisim/omnisim/strhash"
)

// customerIndex holds the engine's customer records by key: an
// open-addressing table with linear probing whose slots hold a record and
// the hash it was placed by. It hashes the customer's id alone, what tells
// customers apart (a channel and account are shared by many), and compares
// the whole key; records whose ids are equal, on other channels or
// accounts, sit in one probe sequence.
//
// Each record keeps its own hash (customer.hash), so that growing never
// hashes a key again and removing a record finds its slot without hashing
// or comparing strings. A removed slot is filled by shifting the slots after
// it back: the table has no tombstones, and a lookup stops at the first
// empty slot.
//
// A customer is looked up several times per conversation (its message, each
// reply, the close), and its caller nearly always names it by the very
// string the record keeps: recent remembers, by the address of an id's
// bytes, the slot where that id was last found or placed, so that a later
// lookup of the same string neither hashes it nor probes. A remembered slot
// is only a guess: it is taken when the low bits of the address kept with
// it match the id's and the record there has the key (compared by
// content), and otherwise the lookup hashes as before. Shifting and growing need not forget anything. With the slot it
// keeps the low bits of the address of the record's id, so that a lookup
// of another string (a customer's first message: the record is not held,
// or held under a string of its own) is told apart without reading the
// slot or the record, two lines that nothing else of the lookup reads.
type customerIndex struct {
	seed  uint64     // strhash.String's
	slots []custSlot // a power of two long, never empty
	n     int        // full slots
	// room is how many records the table holds before it grows: half
	// the length it has grown to, which is its array's length or, for a
	// table that started longer, less (see grow).
	room   int
	recent [recentSlots]recentSlot
}

// recentSlot is a place of customerIndex.recent: the slot where a record
// was last found or placed, and the low 32 bits of the address of its
// id's bytes.
type recentSlot struct {
	id, slot uint32
}

// recentSlots is how many slots customerIndex.recent has, 1<<recentBits.
const (
	recentBits  = 8
	recentSlots = 1 << recentBits
)

// remember notes slot i as where the record of id, the record's own
// string, is.
func (x *customerIndex) remember(id string, i uint64) {
	p := strhash.Addr(id)
	x.recent[strhash.AddrSlot(p, recentBits)] = recentSlot{id: uint32(p), slot: uint32(i)}
}

// sameKey is *a == *b without a call: the customer ids first, which tell
// most keys apart, and each string by strhash.Same, which answers at once
// for the shared bytes a lookup nearly always names a record by (== on
// keys was a call comparing each string in a call of its own).
func sameKey(a, b *CustomerKey) bool {
	return strhash.Same(a.Customer, b.Customer) && strhash.Same(a.Channel, b.Channel) && strhash.Same(a.Account, b.Account)
}

// custSlot is one place of a customerIndex: a record (nil: empty) and the
// hash of its customer id.
type custSlot struct {
	hash uint64
	c    *customer
}

// newCustomerIndex returns an empty index. Its table is never empty, so
// that every place recent remembers is a slot.
func newCustomerIndex() customerIndex {
	return customerIndex{seed: strhash.NewSeed(), slots: custSlotArrays.Get(minCustSlots), room: minCustSlots / 2}
}

// minCustSlots is the length of a customerIndex's first table.
const minCustSlots = 16

// hash is the hash of a customer id.
func (x *customerIndex) hash(id string) uint64 { return strhash.String(x.seed, id) }

// get returns the record of key k, or nil. A key named by the record's
// own strings (nearly every lookup) is told by their addresses and
// lengths alone, with no call on the way, so that the lookup needs no
// registers kept across one; any other goes to getSlow.
func (x *customerIndex) get(k *CustomerKey) *customer {
	c := x.guess(k)
	if c != nil && sharesKey(&c.key, k) {
		return c
	}
	return x.getSlow(k, c)
}

// getSlow is get for a key that its guess c (nil for none) did not tell
// by its addresses.
func (x *customerIndex) getSlow(k *CustomerKey, c *customer) *customer {
	if c != nil && sameKey(&c.key, k) {
		return c
	}
	c, _ = x.find(k, x.hash(k.Customer))
	return c
}

// sharesKey reports whether a and b are made of the same strings: the
// same bytes at the same addresses, so that a == b. A false answer says
// nothing.
func sharesKey(a, b *CustomerKey) bool {
	return strhash.Shares(a.Customer, b.Customer) && strhash.Shares(a.Channel, b.Channel) && strhash.Shares(a.Account, b.Account)
}

// guess is the guess of recent for k: the record in the slot remembered
// for the address of k's id, if that slot was remembered for an id at
// that address (its low bits), or nil. It is a record whose key is k only
// when sameKey says so. (The comparison is left to the caller: with it,
// guess would be too large to inline.)
func (x *customerIndex) guess(k *CustomerKey) *customer {
	p := strhash.Addr(k.Customer)
	if r := &x.recent[strhash.AddrSlot(p, recentBits)]; r.id == uint32(p) {
		return x.slots[r.slot].c // the table is never empty, and only grows
	}
	return nil
}

// find returns the record of key k, whose id hashes to h, and remembers
// its slot for the record's own id (which the engine's later lookups
// name); or nil and the empty slot where k goes.
func (x *customerIndex) find(k *CustomerKey, h uint64) (*customer, uint64) {
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.c == nil {
			return nil, i
		}
		if s.hash == h && sameKey(&s.c.key, k) {
			x.remember(s.c.key.Customer, i)
			return s.c, i
		}
	}
}

// insert holds c, whose id hashes to h and whose key find did not find,
// in slot i, the empty one find stopped at: without probing again, unless
// the table must grow first, which puts c as putHashed does.
func (x *customerIndex) insert(c *customer, h, i uint64) {
	if x.n >= x.room {
		x.putHashed(c, h)
		return
	}
	c.hash = h
	x.slots[i] = custSlot{hash: h, c: c}
	x.n++
	x.remember(c.key.Customer, i)
}

// put holds c under its key, in place of the record held there, if any.
func (x *customerIndex) put(c *customer) {
	x.putHashed(c, x.hash(c.key.Customer))
}

// putHashed is put for a record whose id hashes to h.
func (x *customerIndex) putHashed(c *customer, h uint64) {
	c.hash = h
	if x.n >= x.room {
		x.grow()
	}
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.c == nil || s.hash == h && sameKey(&s.c.key, &c.key) {
			if s.c == nil {
				x.n++
			}
			*s = custSlot{hash: h, c: c}
			x.remember(c.key.Customer, i)
			return
		}
	}
}

// grow doubles the length the table has grown to: into a table twice
// as long, placing every record again by the hash it keeps and giving the
// old table back to the pool, or, for a table that started longer, in
// place (below).
//
// Its first growth takes the table with custSlotArrays.Start: as long as
// the one the last index released had grown to, when the pool holds it
// (a process that plays world after world), so that the index spares the
// doublings to it. Such a table doubles only the length it counts (room)
// until that reaches its array's, moving nothing, so that release notes
// the length the index needed.
//
// It is rare, and kept out of its caller's line (go:noinline).
//
//go:noinline
func (x *customerIndex) grow() {
	n := max(4*x.room, minCustSlots) // twice the length grown to
	x.room = n / 2
	old := x.slots
	switch {
	case n <= len(old):
		return
	case len(old) == minCustSlots:
		x.slots = custSlotArrays.Start(n)
	default:
		x.slots = custSlotArrays.Get(n)
	}
	mask := uint64(len(x.slots) - 1)
	for _, s := range old {
		if s.c == nil {
			continue
		}
		i := s.hash & mask
		for x.slots[i].c != nil {
			i = (i + 1) & mask
		}
		x.slots[i] = s
	}
	custSlotArrays.Put(old)
}

// release gives the table back to the pool, noting the length it grew
// to for the next index to start at, and leaves the index without one,
// holding nothing: a lookup then panics (the table is never empty
// otherwise), and all finds nothing.
func (x *customerIndex) release() {
	if x.room > 0 { // it grew: an index that needed no more than the first length notes that too
		custSlotArrays.Ended(2 * x.room)
	}
	custSlotArrays.Put(x.slots)
	*x = customerIndex{}
}

// remove drops c, if the index holds it, moving back the slots after its
// own that probing would no longer reach.
func (x *customerIndex) remove(c *customer) {
	mask := uint64(len(x.slots) - 1)
	hole := c.hash & mask
	for x.slots[hole].c != c {
		if x.slots[hole].c == nil {
			return
		}
		hole = (hole + 1) & mask
	}
	x.slots[hole] = custSlot{}
	x.n--
	for j := (hole + 1) & mask; x.slots[j].c != nil; j = (j + 1) & mask {
		// The slot at j may fill the hole if its home is not in (hole, j],
		// cyclically: probing from its home passes the hole.
		home := x.slots[j].hash & mask
		if (j-home)&mask >= (j-hole)&mask {
			x.slots[hole] = x.slots[j]
			x.slots[j] = custSlot{}
			hole = j
		}
	}
}

// len is how many records the index holds.
func (x *customerIndex) len() int { return x.n }

// all calls fn with every record held, in no particular order.
func (x *customerIndex) all(fn func(*customer)) {
	for _, s := range x.slots {
		if s.c != nil {
			fn(s.c)
		}
	}
}
