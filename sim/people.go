package sim

import (
	"hash/maphash"

	"github.com/omnisim/omnisim/router"
)

// people holds the world's customers by key: an open-addressing table with
// linear probing whose slots hold a person and the hash it was placed by.
// It hashes the customer's id alone, what tells customers apart (a channel
// and account are shared by many), and compares the whole key; people whose
// ids are equal, on other channels or accounts, sit in one probe sequence.
//
// Each person keeps its own hash (person.hash), so that growing never
// hashes a key again, a generated customer's key is hashed once for the
// check that nobody has it and the put, and forgetting a person hashes
// nothing. A removed slot is filled by shifting the slots after it back:
// the table has no tombstones, and a lookup stops at the first empty slot.
// (A map from customer id to person hashed the id for every lookup, put
// and removal, and a run's stream of arrivals and departures left it
// tombstones to clean.)
type people struct {
	seed  maphash.Seed
	slots []personSlot // a power of two long, or empty
	n     int          // full slots
}

// personSlot is one place of people: a person (nil: empty) and the hash
// of its customer id.
type personSlot struct {
	hash uint64
	p    *person
}

func newPeople() people { return people{seed: maphash.MakeSeed()} }

// hash is the hash of a customer id.
func (x *people) hash(id string) uint64 { return maphash.String(x.seed, id) }

// get returns the person of key k, or nil.
func (x *people) get(k router.CustomerKey) *person {
	if x.n == 0 {
		return nil
	}
	return x.find(k, x.hash(k.Customer))
}

// find returns the person of key k, whose id hashes to h, or nil.
func (x *people) find(k router.CustomerKey, h uint64) *person {
	if len(x.slots) == 0 {
		return nil
	}
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.p == nil {
			return nil
		}
		if s.hash == h && s.p.key == k {
			return s.p
		}
	}
}

// put holds p under its key, in place of the person held there, if any.
func (x *people) put(p *person) { x.putHashed(p, x.hash(p.key.Customer)) }

// putHashed is put for a person whose id hashes to h.
func (x *people) putHashed(p *person, h uint64) {
	p.hash = h
	if 2*(x.n+1) > len(x.slots) {
		x.grow()
	}
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.p == nil {
			*s = personSlot{hash: h, p: p}
			x.n++
			return
		}
		if s.hash == h && s.p.key == p.key {
			s.p = p
			return
		}
	}
}

// grow doubles the table (or makes its first), placing every person again
// by the hash it keeps.
func (x *people) grow() {
	old := x.slots
	x.slots = make([]personSlot, max(2*len(old), 16))
	mask := uint64(len(x.slots) - 1)
	for _, s := range old {
		if s.p == nil {
			continue
		}
		i := s.hash & mask
		for x.slots[i].p != nil {
			i = (i + 1) & mask
		}
		x.slots[i] = s
	}
}

// remove drops the person of key k, if any.
func (x *people) remove(k router.CustomerKey) {
	if x.n == 0 {
		return
	}
	x.removeHashed(k, x.hash(k.Customer))
}

// removeHashed is remove for a key whose id hashes to h, moving back the
// slots after the person's own that probing would no longer reach.
func (x *people) removeHashed(k router.CustomerKey, h uint64) {
	if len(x.slots) == 0 {
		return
	}
	mask := uint64(len(x.slots) - 1)
	hole := h & mask
	for {
		s := &x.slots[hole]
		if s.p == nil {
			return
		}
		if s.hash == h && s.p.key == k {
			break
		}
		hole = (hole + 1) & mask
	}
	x.slots[hole] = personSlot{}
	x.n--
	for j := (hole + 1) & mask; x.slots[j].p != nil; j = (j + 1) & mask {
		// The slot at j may fill the hole if its home is not in (hole, j],
		// cyclically: probing from its home passes the hole.
		home := x.slots[j].hash & mask
		if (j-home)&mask >= (j-hole)&mask {
			x.slots[hole] = x.slots[j]
			x.slots[j] = personSlot{}
			hole = j
		}
	}
}

// all calls fn with every person held, in no particular order.
func (x *people) all(fn func(*person)) {
	for _, s := range x.slots {
		if s.p != nil {
			fn(s.p)
		}
	}
}
