package router

import "github.com/omnisim/omnisim/strhash"

// sentIndex finds a remembered sent message's entry in the engine's sent
// log by its key, for Status: an open-addressing table with linear probing
// whose slots hold only a hash and an entry's number, small enough that the
// table of a day's messages stays in cache. It hashes the message id alone
// (what tells messages apart) and compares the whole key in the log.
//
// The log holds consecutively numbered entries, found by their numbers.
// The index covers the log's entries up to a number (upto) and is caught
// up, in sending order, only when it is asked (Engine.indexSent). Each
// slot keeps the hash it was placed by and each log entry it covers its
// own, so that growing never hashes a key again and forgetting an entry
// finds its slot without hashing or comparing strings.
// A removed slot is filled by shifting the slots after it back: the table
// has no tombstones, and a lookup stops at the first empty slot.
type sentIndex struct {
	seed  uint64     // strhash.String's
	slots []sentSlot // a power of two long, or empty
	count int        // full slots
	// upto is the number of the first log entry the index does not cover:
	// the entries before it are in the index (or stale), those from it on
	// are not placed yet (see Engine.indexSent).
	upto uint64
}

// sentSlot is one place of a sentIndex: the number of the log entry it
// points at (0: empty) and the hash of that entry's id.
type sentSlot struct {
	hash, n uint64
}

func newSentIndex() sentIndex { return sentIndex{seed: strhash.NewSeed()} }

// hash is the hash of a message id.
func (x *sentIndex) hash(id string) uint64 { return strhash.String(x.seed, id) }

// len is how many message ids the index holds.
func (x *sentIndex) len() int { return x.count }

// find returns the number of the live entry of key k, of hash h, or 0.
func (x *sentIndex) find(log *sentLog, k sentKey, h uint64) uint64 {
	if len(x.slots) == 0 {
		return 0
	}
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s.n == 0 {
			return 0
		}
		if s.hash == h && log.at(s.n).key == k {
			return s.n
		}
	}
}

// findN returns the slot that points at the entry numbered n, of hash h,
// or -1 when a later entry took its key over or it was removed.
func (x *sentIndex) findN(h, n uint64) int {
	if len(x.slots) == 0 {
		return -1
	}
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s.n == 0 {
			return -1
		}
		if s.n == n && s.hash == h {
			return int(i)
		}
	}
}

// put makes the entry numbered n, of key k and hash h, its key's live
// entry; the key's previous entry, if any, is stale from now on. The log
// holds every entry a slot points at; the new entry need not be in it yet.
func (x *sentIndex) put(log *sentLog, k sentKey, h, n uint64) {
	if 2*(x.count+1) > len(x.slots) {
		x.grow()
	}
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.n == 0 {
			*s = sentSlot{hash: h, n: n}
			x.count++
			return
		}
		if s.hash == h && log.at(s.n).key == k {
			s.n = n
			return
		}
	}
}

// grow doubles the table (or makes its first), placing every slot again by
// the hash it keeps, and gives the old table back to the pool.
//
// It is rare, and kept out of its caller's line (go:noinline).
//
//go:noinline
func (x *sentIndex) grow() {
	old := x.slots
	x.slots = sentSlotArrays.Get(max(2*len(old), 16))
	mask := uint64(len(x.slots) - 1)
	for _, s := range old {
		if s.n == 0 {
			continue
		}
		i := s.hash & mask
		for x.slots[i].n != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = s
	}
	sentSlotArrays.Put(old)
}

// release gives the table back to the pool and leaves the index empty,
// covering the entries before upto as before.
func (x *sentIndex) release() {
	sentSlotArrays.Put(x.slots)
	x.slots, x.count = nil, 0
}

// remove empties slot i, moving back the slots after it that probing
// would no longer reach.
func (x *sentIndex) remove(i int) {
	mask := uint64(len(x.slots) - 1)
	hole := uint64(i)
	x.slots[hole] = sentSlot{}
	x.count--
	for j := (hole + 1) & mask; x.slots[j].n != 0; j = (j + 1) & mask {
		// The slot at j may fill the hole if its home is not in (hole, j],
		// cyclically: probing from its home passes the hole.
		home := x.slots[j].hash & mask
		if (j-home)&mask >= (j-hole)&mask {
			x.slots[hole] = x.slots[j]
			x.slots[j] = sentSlot{}
			hole = j
		}
	}
}
