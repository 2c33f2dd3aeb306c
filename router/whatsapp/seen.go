package whatsapp

import "hash/maphash"

// seenSet is the message ids remembered for dedupe, in the order they were
// remembered: a FIFO of entries numbered by sequence, and an
// open-addressing index from each id's hash to the sequence number of its
// newest entry, in slots of eight bytes. Looking an id up and remembering
// a new one share one probe, and forgetting the oldest entry finds its
// slot by the tag (31 bits of the hash) kept with it, without hashing or
// comparing the id again; ids are compared only when their tags are
// equal. (A Go map from id to time hashed each id twice and probed three
// times: lookup, insert, and the delete when it expired.)
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
	// The ids' bytes are copied, in the order of their entries, into
	// blocks of idBlock bytes (or one of an id's own size, when it is
	// longer), numbered from idBase on and let go with their last entry:
	// neither the entries nor the blocks hold a pointer, so the collector
	// does not scan them, and the FIFO does not keep the strings it was
	// given (a webhook's strings share an allocation, see whole).
	ids    [][]byte
	idBase uint32 // the number of ids[0]
	idFree []byte // the last block of idBlock bytes let go, for the next
}

// idBlock is the size of a block of id bytes.
const idBlock = 16 << 10

// seenBlock is the number of entries in a block of the FIFO.
const seenBlock = 256

type seenEntry struct {
	at  int64  // Clock time (UnixNano) it was remembered
	tag uint32 // of the id
	blk uint32 // the number of the block of the id's bytes
	off uint32 // where they start in it
	n   uint32 // how many
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
		if sl.tag == t && string(s.id(s.indexed(sl))) == id {
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
	*sl = seenSlot{tag: t, seq: uint32(s.push(id, now, t))}
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
	*sl = seenSlot{tag: t, seq: uint32(s.push(id, at, t))}
}

// id is the bytes of e's id.
func (s *seenSet) id(e *seenEntry) []byte {
	return s.ids[e.blk-s.idBase][e.off : e.off+e.n]
}

// push appends an entry of id (tag t) remembered at at to the FIFO and
// returns its sequence number.
func (s *seenSet) push(id string, at int64, t uint32) uint64 {
	e := seenEntry{at: at, tag: t, n: uint32(len(id))}
	last := len(s.ids) - 1
	if last < 0 || cap(s.ids[last])-len(s.ids[last]) < len(id) {
		var b []byte
		if len(id) <= idBlock {
			b, s.idFree = s.idFree, nil
			if b == nil {
				b = make([]byte, 0, idBlock)
			}
		} else {
			b = make([]byte, 0, len(id))
		}
		s.ids = append(s.ids, b)
		last++
	}
	e.blk, e.off = s.idBase+uint32(last), uint32(len(s.ids[last]))
	s.ids[last] = append(s.ids[last], id...) // within its capacity
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
	first := s.first
	for s.first < s.next {
		e := s.entry(s.first)
		if now-e.at < window {
			break
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
	if s.first != first {
		s.releaseIDs()
	}
}

// releaseIDs lets go of the blocks of id bytes before the oldest entry's
// (all of them when the FIFO is empty).
func (s *seenSet) releaseIDs() {
	drop := uint32(len(s.ids))
	if s.first < s.next {
		drop = s.entry(s.first).blk - s.idBase
	}
	for range drop {
		if b := s.ids[0]; cap(b) == idBlock {
			s.idFree = b[:0]
		}
		s.ids[0] = nil
		s.ids = s.ids[1:]
		s.idBase++
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
