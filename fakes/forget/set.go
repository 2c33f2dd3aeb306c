package forget

import (
	"github.com/omnisim/omnisim/splitmix"
	"github.com/omnisim/omnisim/strhash"
)

// Set is a set of 64-bit keys (a customer's number, or the hash of its
// id) by which a fake remembers, for the whole run, the customers it
// forgot: open addressing with linear probing in one slice of keys (a
// key's slot chosen by splitmix.Mix of it, since a customer's number, a
// PSID, is not a hash and its low bits may follow a pattern), eight
// bytes a slot, at most three quarters full (so 11 to 21 bytes a key, with
// no pointer for the collector to scan), where a Go map of the same keys
// takes about twice that. A removed key's slot is filled by shifting the
// keys after it back, so the set has no tombstones. The zero value is an
// empty set. It is not safe for concurrent use: the fakes hold their lock.
type Set struct {
	slots []uint64 // a power of two long, or empty; 0 is an empty slot
	n     int      // keys held, the zero key aside
	zero  bool     // whether the key 0 is held
}

// Len returns how many keys the set holds.
func (s *Set) Len() int {
	if s.zero {
		return s.n + 1
	}
	return s.n
}

// Has reports whether the set holds k.
func (s *Set) Has(k uint64) bool {
	if k == 0 {
		return s.zero
	}
	if s.n == 0 {
		return false
	}
	mask := uint64(len(s.slots) - 1)
	for i := splitmix.Mix(k) & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case k:
			return true
		case 0:
			return false
		}
	}
}

// Add puts k in the set.
func (s *Set) Add(k uint64) {
	if k == 0 {
		s.zero = true
		return
	}
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := splitmix.Mix(k) & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case k:
			return
		case 0:
			s.slots[i] = k
			s.n++
			return
		}
	}
}

// Remove takes k out of the set and reports whether the set held it; the
// keys after its slot that probing would no longer reach move back.
func (s *Set) Remove(k uint64) bool {
	if k == 0 {
		had := s.zero
		s.zero = false
		return had
	}
	if s.n == 0 {
		return false
	}
	mask := uint64(len(s.slots) - 1)
	hole := splitmix.Mix(k) & mask
	for ; s.slots[hole] != k; hole = (hole + 1) & mask {
		if s.slots[hole] == 0 {
			return false
		}
	}
	s.slots[hole] = 0
	s.n--
	for j := (hole + 1) & mask; s.slots[j] != 0; j = (j + 1) & mask {
		// The key at j may fill the hole if its home is not in (hole, j],
		// cyclically: probing from its home passes the hole.
		home := splitmix.Mix(s.slots[j]) & mask
		if (j-home)&mask >= (j-hole)&mask {
			s.slots[hole], s.slots[j] = s.slots[j], 0
			hole = j
		}
	}
	return true
}

// grow doubles the set (or makes its first slots), placing every key
// again.
//
//go:noinline
func (s *Set) grow() {
	old := s.slots
	s.slots = make([]uint64, max(2*len(old), 16))
	mask := uint64(len(s.slots) - 1)
	for _, k := range old {
		if k == 0 {
			continue
		}
		i := splitmix.Mix(k) & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = k
	}
}

// hashSeed is Hash's seed: fixed, so that a run's answers do not depend on
// the process.
const hashSeed = 0x6f6d6e6973696d21

// Hash is the key in a Set of a customer id that does not spell a number:
// its 64-bit hash. Two ids hash alike with a chance of one in 2^64, so
// that a stranger is taken for a forgotten customer with a chance of the
// set's length in 2^64 (one in eighteen million million for a million
// customers forgotten).
func Hash(id string) uint64 { return strhash.String(hashSeed, id) }
