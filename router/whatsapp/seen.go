package whatsapp

import "hash/maphash"

// seenSet is the message ids remembered for dedupe, in the order they were
// remembered: a FIFO of entries numbered by sequence, and an
// open-addressing index from each id's hash to the sequence number of its
// newest entry, in slots of eight bytes. Looking an id up and remembering a new one share one probe,
// and forgetting the oldest entry finds its slot by the tag (31 bits of
// the hash) kept with it, without hashing or comparing the id again; ids
// are compared only when their tags are equal. (A Go map from id to time hashed each id twice and
// probed three times: lookup, insert, and the delete when it expired.)
type seenSet struct {
	seed maphash.Seed // the index's layout only: nothing depends on it
	// The FIFO is in blocks of seenBlock entries: entry seq is in
	// blocks[seq/seenBlock-base], which the FIFO gains at its end and
	// loses at its start, so an entry never moves (a FIFO in one ring
	// copied every entry each time it doubled).
	blocks []*[seenBlock]seenEntry
	base   uint64                // the block number of blocks[0]
	spare  *[seenBlock]seenEntry // the last block let go, empty, for the next
	first  uint64                // seq of the oldest entry
	next   uint64                // seq of the next entry
	slots  []seenSlot            // the index; len a power of two (< 2^31), at most half full
	used   int                   // occupied slots: the ids remembered
}

// seenBlock is the number of entries in a block of the FIFO.
const seenBlock = 256

type seenEntry struct {
	id  string
	at  int64  // Clock time (UnixNano) it was remembered
	tag uint32 // of id
}

// seenSlot is an index slot: the tag of an id (0: the slot is empty), and
// the low 32 bits of the sequence number of its newest entry. The entries
// in the FIFO, fewer than 2^32, differ in those bits, and the oldest one's
// sequence number gives the rest (see indexed).
type seenSlot struct {
	tag uint32
	seq uint32
}

func newSeenSet() seenSet { return seenSet{seed: maphash.MakeSeed()} }

// tag is the tag of id: 31 bits of its hash, which place it in the index,
// and the top bit set, which tells a used slot from an empty one.
func (s *seenSet) tag(id string) uint32 { return uint32(maphash.String(s.seed, id)) | 1<<31 }

// len is the number of entries (older remembrances of an id included).
func (s *seenSet) len() int { return int(s.next - s.first) }

// entry is the entry with sequence number seq.
func (s *seenSet) entry(seq uint64) *seenEntry {
	return &s.blocks[seq/seenBlock-s.base][seq%seenBlock]
}

// indexed is the entry an index slot points to: the one in the FIFO whose
// sequence number has the slot's low 32 bits.
func (s *seenSet) indexed(sl *seenSlot) *seenEntry {
	return s.entry(s.first + uint64(sl.seq-uint32(s.first)))
}

// find returns the slot of id (tag t) or, when id is not indexed, the
// empty slot where it goes.
func (s *seenSet) find(id string, t uint32) (slot *seenSlot, found bool) {
	mask := uint32(len(s.slots) - 1)
	for i := t & mask; ; i = (i + 1) & mask {
		sl := &s.slots[i]
		if sl.tag == 0 {
			return sl, false
		}
		if sl.tag == t && s.indexed(sl).id == id {
			return sl, true
		}
	}
}

// add remembers id at now unless its newest entry is younger than window
// (which it reports as false), first forgetting the entries whose window
// has passed.
func (s *seenSet) add(id string, now, window int64) bool {
	s.prune(now, window)
	if s.used+1 > len(s.slots)/2 {
		s.growIndex()
	}
	t := s.tag(id)
	sl, found := s.find(id, t)
	if found && now-s.indexed(sl).at < window {
		return false
	}
	if !found {
		s.used++
	}
	*sl = seenSlot{tag: t, seq: uint32(s.push(seenEntry{id: id, at: now, tag: t}))}
	return true
}

// put indexes an entry restored from a saved state (newest last).
func (s *seenSet) put(id string, at int64) {
	if s.used+1 > len(s.slots)/2 {
		s.growIndex()
	}
	t := s.tag(id)
	sl, found := s.find(id, t)
	if !found {
		s.used++
	}
	*sl = seenSlot{tag: t, seq: uint32(s.push(seenEntry{id: id, at: at, tag: t}))}
}

// push appends e to the FIFO and returns its sequence number.
func (s *seenSet) push(e seenEntry) uint64 {
	if s.next/seenBlock-s.base == uint64(len(s.blocks)) {
		b := s.spare
		if b == nil {
			b = new([seenBlock]seenEntry)
		}
		s.spare = nil
		if len(s.blocks) == 0 {
			s.base = s.next / seenBlock
		}
		s.blocks = append(s.blocks, b)
	}
	seq := s.next
	*s.entry(seq) = e
	s.next++
	return seq
}

// prune forgets the oldest entries whose window has passed. Entries are
// visited in the order they were remembered and pruning stops at the first
// one still in its window, so the cost is proportional to what is
// forgotten. (With a clock that moves backwards an expired id can stay
// behind a younger one for a while; add checks the age itself, so that is
// harmless.)
func (s *seenSet) prune(now, window int64) {
	for s.first < s.next {
		e := s.entry(s.first)
		if now-e.at < window {
			return
		}
		s.unindex(e.tag, s.first)
		*e = seenEntry{}
		s.first++
		if s.first%seenBlock == 0 { // its block is empty
			s.spare = s.blocks[0]
			s.blocks[0] = nil
			s.blocks = s.blocks[1:]
			s.base++
		}
	}
}

// unindex empties the slot of entry seq (tag t), when the index still
// points to it and not to a newer entry of the same id, and closes the gap
// (backward-shift deletion: the entries after it in the probe sequence
// that may move into it do).
func (s *seenSet) unindex(t uint32, seq uint64) {
	mask := uint32(len(s.slots) - 1)
	i := t & mask
	for {
		sl := &s.slots[i]
		if sl.tag == 0 {
			return // not indexed: a newer entry of the id replaced it
		}
		if sl.seq == uint32(seq) {
			break
		}
		i = (i + 1) & mask
	}
	s.used--
	for j := (i + 1) & mask; ; j = (j + 1) & mask {
		sl := s.slots[j]
		if sl.tag == 0 {
			break
		}
		// sl may fill the hole at i unless its home lies cyclically in
		// (i, j].
		if home := sl.tag & mask; (j-home)&mask >= (j-i)&mask {
			s.slots[i] = sl
			i = j
		}
	}
	s.slots[i] = seenSlot{}
}

// growIndex doubles the index (from 64 slots).
func (s *seenSet) growIndex() {
	old := s.slots
	s.slots = make([]seenSlot, max(64, 2*len(old)))
	mask := uint32(len(s.slots) - 1)
	for _, sl := range old {
		if sl.tag == 0 {
			continue
		}
		i := sl.tag & mask
		for s.slots[i].tag != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = sl
	}
}
