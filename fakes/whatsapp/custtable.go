package whatsapp

import "hash/maphash"

// customerTable holds the customer records by wa_id: an open-addressing
// table with linear probing whose slots hold a record and the hash it was
// placed by. Each record keeps its hash too (customer.hash), so that
// growing never hashes a wa_id again and forgetting a record finds its
// slot without hashing or comparing strings; a removed slot is filled by
// shifting the slots after it back, so the table has no tombstones and a
// lookup stops at the first empty slot. (A map from wa_id to record hashed
// a customer's wa_id for every lookup, the insert and the delete.) Nothing
// iterates it: the seed shapes the layout alone.
type customerTable struct {
	seed  maphash.Seed
	slots []custSlot // a power of two long, or empty
	n     int        // full slots
}

// custSlot is one place of a customerTable: a record (nil: empty) and the
// hash of its wa_id.
type custSlot struct {
	hash uint64
	c    *customer
}

func newCustomerTable() customerTable { return customerTable{seed: maphash.MakeSeed()} }

// hash is the hash of a wa_id.
func (t *customerTable) hash(waID string) uint64 { return maphash.String(t.seed, waID) }

// get returns the record of waID, or nil.
func (t *customerTable) get(waID string) *customer {
	if t.n == 0 {
		return nil
	}
	h := t.hash(waID)
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.c == nil {
			return nil
		}
		if s.hash == h && s.c.waID == waID {
			return s.c
		}
	}
}

// add holds c, whose wa_id the table does not hold.
func (t *customerTable) add(c *customer) {
	h := t.hash(c.waID)
	c.hash = h
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	mask := uint64(len(t.slots) - 1)
	i := h & mask
	for t.slots[i].c != nil {
		i = (i + 1) & mask
	}
	t.slots[i] = custSlot{hash: h, c: c}
	t.n++
}

// grow doubles the table (or makes its first), placing every record again
// by the hash it keeps.
func (t *customerTable) grow() {
	old := t.slots
	t.slots = make([]custSlot, max(2*len(old), 16))
	mask := uint64(len(t.slots) - 1)
	for _, s := range old {
		if s.c == nil {
			continue
		}
		i := s.hash & mask
		for t.slots[i].c != nil {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

// remove drops c, if the table holds it, moving back the slots after its
// own that probing would no longer reach.
func (t *customerTable) remove(c *customer) {
	if t.n == 0 {
		return
	}
	mask := uint64(len(t.slots) - 1)
	hole := c.hash & mask
	for t.slots[hole].c != c {
		if t.slots[hole].c == nil {
			return
		}
		hole = (hole + 1) & mask
	}
	t.slots[hole] = custSlot{}
	t.n--
	for j := (hole + 1) & mask; t.slots[j].c != nil; j = (j + 1) & mask {
		// The slot at j may fill the hole if its home is not in (hole, j],
		// cyclically: probing from its home passes the hole.
		home := t.slots[j].hash & mask
		if (j-home)&mask >= (j-hole)&mask {
			t.slots[hole] = t.slots[j]
			t.slots[j] = custSlot{}
			hole = j
		}
	}
}

// len is how many records the table holds.
func (t *customerTable) len() int { return t.n }
