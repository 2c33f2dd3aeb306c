// Package dedupe is a channel adapter's memory of the message ids (or
// event keys) it has handed on, for its dedupe window: a platform that
// retries a webhook, or sends it twice, must not give the router the same
// message twice.
//
// A [Set] keeps its ids in the order they were remembered, a FIFO of
// entries numbered by sequence, and an open-addressing index from each
// id's hash to the sequence number of its newest entry. Looking an id up
// and remembering a new one share one probe; forgetting the oldest entry
// finds its slot by the hash kept with it, without hashing or comparing
// the id again; ids are compared only when their hashes are equal. (A Go
// map from id to time hashes each id twice and probes three times: lookup,
// insert, and the delete when it expires.)
package dedupe

import (
	"hash/maphash"
	"iter"
	"time"
)

// Set remembers ids for a window of time. The zero Set is not usable;
// make one with [New]. A Set is not safe for concurrent use.
type Set struct {
	window int64        // nanoseconds
	seed   maphash.Seed // the index's layout only: nothing depends on it
	ring   []entry      // entry seq at ring[seq&(len(ring)-1)]; len a power of two
	first  uint64       // seq of the oldest entry
	next   uint64       // seq of the next entry
	slots  []slot       // the index; len a power of two, at most half full
	used   int          // occupied slots: the ids remembered
}

type entry struct {
	id   string
	at   int64  // the time it was remembered (nanoseconds)
	hash uint64 // of id
}

// slot is an index slot: seq+1 of an id's newest entry (0: empty), and the
// id's hash.
type slot struct {
	hash uint64
	ref  uint64
}

// New returns an empty Set that remembers each id for window.
func New(window time.Duration) Set {
	return Set{window: int64(window), seed: maphash.MakeSeed()}
}

// Len is the number of ids remembered.
func (s *Set) Len() int { return s.used }

// Add remembers id at now (nanoseconds on the adapter's clock) and
// reports true, unless id was remembered less than the window before now:
// then it reports false, a duplicate, and changes nothing. Ids whose
// window has passed are forgotten first.
func (s *Set) Add(id string, now int64) bool {
	s.prune(now)
	if s.used+1 > len(s.slots)/2 {
		s.growIndex()
	}
	h := maphash.String(s.seed, id)
	sl, found := s.find(id, h)
	if found && now-s.entry(sl.ref-1).at < s.window {
		return false
	}
	if !found {
		s.used++
	}
	*sl = slot{hash: h, ref: s.push(entry{id: id, at: now, hash: h}) + 1}
	return true
}

// Restore remembers id as remembered at at, as a saved state lists it:
// oldest first, with no pruning and no duplicate check (a later Restore of
// the same id supersedes an earlier one).
func (s *Set) Restore(id string, at int64) {
	if s.used+1 > len(s.slots)/2 {
		s.growIndex()
	}
	h := maphash.String(s.seed, id)
	sl, found := s.find(id, h)
	if !found {
		s.used++
	}
	*sl = slot{hash: h, ref: s.push(entry{id: id, at: at, hash: h}) + 1}
}

// All yields each id remembered with the time it was remembered, oldest
// first: the newest remembrance of each id, for a saved state that
// Restore reads back.
func (s *Set) All() iter.Seq2[string, int64] {
	return func(yield func(string, int64) bool) {
		for seq := s.first; seq < s.next; seq++ {
			e := s.entry(seq)
			if sl, _ := s.find(e.id, e.hash); sl.ref != seq+1 {
				continue // superseded by a later remembrance
			}
			if !yield(e.id, e.at) {
				return
			}
		}
	}
}

// entry is the entry with sequence number seq.
func (s *Set) entry(seq uint64) *entry { return &s.ring[seq&uint64(len(s.ring)-1)] }

// find returns the slot of id (hash h) or, when id is not indexed, the
// empty slot where it goes.
func (s *Set) find(id string, h uint64) (sl *slot, found bool) {
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		sl := &s.slots[i]
		if sl.ref == 0 {
			return sl, false
		}
		if sl.hash == h && s.entry(sl.ref-1).id == id {
			return sl, true
		}
	}
}

// push appends e to the FIFO and returns its sequence number.
func (s *Set) push(e entry) uint64 {
	if int(s.next-s.first) == len(s.ring) {
		grown := make([]entry, max(64, 2*len(s.ring)))
		for seq := s.first; seq < s.next; seq++ {
			grown[seq&uint64(len(grown)-1)] = *s.entry(seq)
		}
		s.ring = grown
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
// behind a younger one for a while; Add checks the age itself, so that is
// harmless.)
func (s *Set) prune(now int64) {
	for s.first < s.next {
		e := s.entry(s.first)
		if now-e.at < s.window {
			return
		}
		s.unindex(e.hash, s.first)
		*e = entry{}
		s.first++
	}
}

// unindex empties the slot of entry seq (hash h), when the index still
// points to it and not to a newer entry of the same id, and closes the gap
// (backward-shift deletion: the entries after it in the probe sequence
// that may move into it do).
func (s *Set) unindex(h, seq uint64) {
	mask := uint64(len(s.slots) - 1)
	i := h & mask
	for {
		sl := &s.slots[i]
		if sl.ref == 0 {
			return // not indexed: a newer entry of the id replaced it
		}
		if sl.ref == seq+1 {
			break
		}
		i = (i + 1) & mask
	}
	s.used--
	for j := (i + 1) & mask; ; j = (j + 1) & mask {
		sl := s.slots[j]
		if sl.ref == 0 {
			break
		}
		// sl may fill the hole at i unless its home lies cyclically in
		// (i, j].
		if home := sl.hash & mask; (j-home)&mask >= (j-i)&mask {
			s.slots[i] = sl
			i = j
		}
	}
	s.slots[i] = slot{}
}

// growIndex doubles the index (from 64 slots).
func (s *Set) growIndex() {
	old := s.slots
	s.slots = make([]slot, max(64, 2*len(old)))
	mask := uint64(len(s.slots) - 1)
	for _, sl := range old {
		if sl.ref == 0 {
			continue
		}
		i := sl.hash & mask
		for s.slots[i].ref != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = sl
	}
}
