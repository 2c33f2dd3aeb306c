// Package dedupe is a channel adapter's memory of the message ids (or
// event keys) it has handed on, for its dedupe window: a platform that
// retries a webhook, or sends it twice, must not give the router the same
// message twice.
//
// A [Set] keeps its ids in the order they were remembered, a FIFO of
// entries numbered by sequence, and an open-addressing index from each
// id's tag (31 bits of its hash) to the sequence number of its newest
// entry, in slots of eight bytes, with a control byte for each slot in an
// array of its own, which a probe reads first: a new id, whose place in
// the index is random, is looked for in an array an eighth of the slots'
// size, more often in the cache. Looking an id up and remembering a new
// one share one probe; forgetting the oldest entry finds its slot by the
// tag kept with it, without hashing or comparing the id again; ids are
// compared only when their tags are equal. (A Go map from id to time
// hashes each id twice and probes three times: lookup, insert, and the
// delete when it expires.) The FIFO is in blocks that never move, and the
// ids' bytes are copied into blocks of their own, by the pass that hashes
// them (strhash.Copy): neither holds a pointer, so the collector does not
// scan them, and the Set keeps none of the strings it is given (a
// webhook's strings may share an allocation that would otherwise live as
// long as the window).
package dedupe

import (
	"iter"
	"math"
	"time"
	"unsafe"

	"github.com/omnisim/omnisim/internal/blockpool"
	"github.com/omnisim/omnisim/internal/prefetch"
	"github.com/omnisim/omnisim/strhash"
)

// Set remembers ids for a window of time. Make one with [New]. A Set is
// not safe for concurrent use.
type Set struct {
	window int64  // nanoseconds
	seed   uint64 // strhash's, for the index's layout only: nothing depends on it
	// The FIFO is in blocks of fifoBlock entries: entry seq is in
	// blocks[seq/fifoBlock-base], which the FIFO gains at its end and
	// loses at its start, so an entry never moves (a FIFO in one ring
	// copied every entry each time it doubled).
	blocks []*[fifoBlock]entry
	base   uint64            // the block number of blocks[0]
	spare  *[fifoBlock]entry // the last block let go, empty, for the next
	tail   *[fifoBlock]entry // the block entry next goes in, when next%fifoBlock > 0
	first  uint64            // seq of the oldest entry
	next   uint64            // seq of the next entry
	// expires is when the oldest entry leaves the window, at the
	// earliest (see leaves): before it, Add need not look at the FIFO.
	expires int64
	// The index is in two arrays of the same length, a power of two (<
	// 2^31), at most three quarters full: a probe reads ctrl, a byte a
	// slot, and slots only where the byte matches (see find).
	ctrl  []uint8
	slots []slot
	used  int // occupied slots: the ids remembered
	// pend is the slot of the id Add remembered last, written to
	// slots[pendAt] by the next call (flush), not by Add: a new id's slot
	// is on a line of slots that no probe has read, most likely not in
	// the cache, and a store to it would hold up the stores after it
	// until that line came. Add asks for the line instead, and the next
	// call finds it there. Its tag is 0 when there is none.
	pend   slot
	pendAt uint32
	// room is how many ids the index holds before it grows: three
	// quarters of the length it has grown to, which is its array's
	// length or, for an index that started longer, less (see growIndex).
	room int
	// The ids' bytes are copied, in the order of their entries, into
	// blocks of idBlock bytes (or one of an id's own size, when it is
	// longer), numbered from idBase on and let go with their last entry.
	// Each block is as long as it is large; the last one holds idLen
	// bytes.
	ids    [][]byte
	idBase uint32 // the number of ids[0]
	idLen  int    // the bytes used in the last block of ids
	idFree []byte // the last block of idBlock bytes let go, for the next
}

// idBlock is the size of a block of id bytes.
const idBlock = 16 << 10

// fifoBlock is the number of entries in a block of the FIFO.
const fifoBlock = 256

type entry struct {
	at  int64  // the time it was remembered (nanoseconds)
	tag uint32 // of the id
	blk uint32 // the number of the block of the id's bytes
	off uint32 // where they start in it
	n   uint32 // how many
}

// The pools of the blocks and indexes that Sets let go ([Set.Release],
// and the blocks and index a Set drops while it runs), for the Sets made
// after them, in this process, to take instead of allocating their own.
// A Blocks or Arrays clears what it is given (package blockpool), so what
// a Set takes from one is zero, as a new allocation; the blocks of id
// bytes are kept as they were, and a Set writes an id's bytes before it
// reads them.
var (
	// fifoBlocks holds the FIFO's blocks.
	fifoBlocks blockpool.Blocks[[fifoBlock]entry]
	// idBlocks holds the blocks of id bytes of idBlock bytes.
	idBlocks blockpool.Raw[[idBlock]byte]
	// indexes holds the indexes' arrays of slots.
	indexes blockpool.Arrays[slot]
	// ctrls holds the indexes' arrays of control bytes.
	ctrls blockpool.Arrays[uint8]
)

// slot is an index slot: the tag of an id (0: the slot is empty), and the
// low 32 bits of the sequence number of its newest entry. The entries in
// the FIFO, fewer than 2^32, differ in those bits, and the oldest one's
// sequence number gives the rest (see indexed).
type slot struct {
	tag uint32
	seq uint32
}

// ctrlOf is the control byte of an id of tag t, ctrl's byte of the slot
// that holds it (0: the slot is empty): the tag's top eight bits, the set
// top bit and seven bits of the hash that an index of up to 2^24 slots
// does not place by.
func ctrlOf(t uint32) uint8 { return uint8(t >> 24) }

// New returns an empty Set that remembers each id for window.
func New(window time.Duration) Set {
	return Set{window: int64(window), seed: strhash.NewSeed(), expires: math.MaxInt64}
}

// Len is the number of ids remembered.
func (s *Set) Len() int { return s.used }

// Add remembers id at now (nanoseconds on the adapter's clock) and
// reports true, unless id was remembered less than the window before now:
// then it reports false, a duplicate, and changes nothing. Ids whose
// window has passed are forgotten first.
func (s *Set) Add(id string, now int64) bool {
	s.flush() // before prune and find read the index
	s.pruneDue(now)
	if s.used >= s.room {
		s.growIndex()
	}
	t := s.tag(id)
	i, found := s.find(id, t)
	if !found {
		s.used++
		s.ctrl[i] = ctrlOf(t)
		// The slot's line of slots, which find did not read, for the
		// next call to write it in (see pend).
		prefetch.Line(unsafe.Pointer(&s.slots[i]))
		s.pend, s.pendAt = slot{tag: t, seq: uint32(s.push(id, now, t))}, i
		return true
	}
	if young(now, s.indexed(&s.slots[i]).at, s.window) {
		return false
	}
	s.slots[i] = slot{tag: t, seq: uint32(s.push(id, now, t))} // a line find has read
	return true
}

// flush writes the slot Add left pending (pend) to slots, for the calls
// that read the index.
func (s *Set) flush() {
	if s.pend.tag != 0 {
		s.slots[s.pendAt], s.pend = s.pend, slot{}
	}
}

// Has reports whether id was remembered less than the window before now,
// as Add would: without remembering it.
func (s *Set) Has(id string, now int64) bool {
	if s.used == 0 {
		return false
	}
	s.flush()
	i, found := s.find(id, s.tagOf(id))
	return found && young(now, s.indexed(&s.slots[i]).at, s.window)
}

// Restore remembers id as remembered at at, as a saved state lists it:
// oldest first, with no pruning and no duplicate check (a later Restore of
// the same id supersedes an earlier one).
func (s *Set) Restore(id string, at int64) {
	s.flush()
	if s.used >= s.room {
		s.growIndex()
	}
	t := s.tag(id)
	i, found := s.find(id, t)
	if !found {
		s.used++
	}
	s.ctrl[i] = ctrlOf(t)
	s.slots[i] = slot{tag: t, seq: uint32(s.push(id, at, t))}
}

// All yields each id remembered with the time it was remembered, oldest
// first: the newest remembrance of each id, for a saved state that
// Restore reads back.
func (s *Set) All() iter.Seq2[string, int64] {
	return func(yield func(string, int64) bool) {
		for seq := s.first; seq < s.next; seq++ {
			// At each step: a loop body that adds an id leaves its slot
			// pending, and the id is yielded in its turn.
			s.flush()
			e := s.entry(seq)
			id := string(s.id(e))
			if i, _ := s.find(id, e.tag); s.slots[i].seq != uint32(seq) {
				continue // superseded by a later remembrance
			}
			if !yield(id, e.at) {
				return
			}
		}
	}
}

// tagOf is the tag of id: 31 bits of its hash, which place it in the
// index, and the top bit set, which tells a used slot from an empty one.
func (s *Set) tagOf(id string) uint32 { return uint32(strhash.String(s.seed, id)) | 1<<31 }

// tag is the tag of id, as tagOf, and copies id's bytes to the end of the
// last block of ids (making a new one when it has no room), in the pass
// that hashes id (strhash.Copy), so id is read once. The bytes are the
// block's once push counts them; an id found already remembered leaves
// them to be written over.
func (s *Set) tag(id string) uint32 {
	last := len(s.ids) - 1
	if last < 0 || len(s.ids[last])-s.idLen < len(id) {
		last = s.newIDBlock(len(id))
	}
	return uint32(strhash.Copy(s.seed, s.ids[last][s.idLen:], id)) | 1<<31
}

// leaves is the earliest instant at which an id remembered at at is no
// longer young: at + window where int64 holds it, math.MaxInt64 where it
// never leaves (young at every instant but, perhaps, the last) and
// math.MinInt64 where it never was in the window.
func leaves(at, window int64) int64 {
	if window >= 0 {
		if at > math.MaxInt64-window {
			return math.MaxInt64
		}
		return at + window
	}
	if at < math.MinInt64-window {
		return math.MinInt64
	}
	return at + window
}

// young reports whether now - at < window, instants in nanoseconds,
// computed without overflow: now - at wraps for instants more than 292
// years apart (an adapter's Clock may be any), so it compares now with
// at + window where int64 holds the sum, as it holds every instant.
func young(now, at, window int64) bool {
	if window >= 0 {
		return at > math.MaxInt64-window || now < at+window
	}
	return at >= math.MinInt64-window && now < at+window
}

// entry is the entry with sequence number seq.
func (s *Set) entry(seq uint64) *entry {
	return &s.blocks[seq/fifoBlock-s.base][seq%fifoBlock]
}

// indexed is the entry an index slot points to: the one in the FIFO whose
// sequence number has the slot's low 32 bits.
func (s *Set) indexed(sl *slot) *entry {
	return s.entry(s.first + uint64(sl.seq-uint32(s.first)))
}

// find returns the slot of id (tag t) or, when id is not indexed, the
// empty slot where it goes. It reads the control bytes, and a slot only
// where its byte is the tag's: a new id, the usual one, is looked for in
// the ctrl array alone, an eighth of the slots' size, whose lines a
// long window's random-looking ids find in the cache more often.
func (s *Set) find(id string, t uint32) (i uint32, found bool) {
	mask := uint32(len(s.ctrl) - 1)
	c := ctrlOf(t)
	for i := t & mask; ; i = (i + 1) & mask {
		switch s.ctrl[i] {
		case 0:
			return i, false
		case c:
			if sl := &s.slots[i]; sl.tag == t && string(s.id(s.indexed(sl))) == id {
				return i, true
			}
		}
	}
}

// id is the bytes of e's id.
func (s *Set) id(e *entry) []byte {
	return s.ids[e.blk-s.idBase][e.off : e.off+e.n]
}

// push appends an entry of id (tag t) remembered at at to the FIFO and
// returns its sequence number. The id's bytes are those tag copied to the
// end of the last block of ids.
func (s *Set) push(id string, at int64, t uint32) uint64 {
	seq := s.next
	i := seq % fifoBlock
	if i == 0 {
		s.newFIFOBlock()
	}
	if seq == s.first { // the FIFO was empty: this entry is its oldest
		s.expires = leaves(at, s.window)
	}
	off := s.idLen
	e := &s.tail[i]
	e.at, e.tag, e.blk, e.off, e.n = at, t, s.idBase+uint32(len(s.ids)-1), uint32(off), uint32(len(id))
	s.next = seq + 1
	s.idLen = off + len(id)
	return seq
}

// newIDBlock adds a block of id bytes that has room for n of them and
// returns its index in ids: tag's rare path, out of its line.
//
//go:noinline
func (s *Set) newIDBlock(n int) int {
	var b []byte
	if n <= idBlock {
		b, s.idFree = s.idFree, nil
		if b == nil {
			b = idBlocks.Get()[:]
		}
	} else {
		b = make([]byte, n)
	}
	s.ids = append(s.ids, b)
	s.idLen = 0
	return len(s.ids) - 1
}

// newFIFOBlock adds the block of the FIFO that entry next goes in, a
// multiple of fifoBlock, and makes it the tail: push's rare path, out of
// its line.
//
//go:noinline
func (s *Set) newFIFOBlock() {
	b := s.spare
	if b == nil {
		b = fifoBlocks.Get()
	}
	s.spare = nil
	if len(s.blocks) == 0 {
		s.base = s.next / fifoBlock
	}
	s.blocks = append(s.blocks, b)
	s.tail = b
}

// pruneDue prunes at now unless the oldest entry is sure to be young
// then: before expires, Add does not look at the FIFO.
func (s *Set) pruneDue(now int64) {
	if now >= s.expires {
		s.prune(now)
	}
}

// prune forgets the oldest entries whose window has passed. Entries are
// visited in the order they were remembered and pruning stops at the first
// one still in its window, so the cost is proportional to what is
// forgotten. (With a clock that moves backwards an expired id can stay
// behind a younger one for a while; Add checks the age itself, so that is
// harmless.) It sets expires from the oldest entry left. Add calls it only
// from expires on (pruneDue), when the oldest entry may have left the
// window: out of Add's line.
//
//go:noinline
func (s *Set) prune(now int64) {
	first := s.first
	for s.first < s.next {
		e := s.entry(s.first)
		if young(now, e.at, s.window) {
			break
		}
		s.prefetchUnindex(s.first + pruneAhead)
		s.unindex(e.tag, s.first)
		*e = entry{}
		s.first++
		if s.first%fifoBlock == 0 { // its block is empty
			s.dropFIFOBlock()
		}
	}
	if s.first != first {
		s.releaseIDs()
	}
	s.expires = math.MaxInt64
	if s.first < s.next {
		s.expires = leaves(s.entry(s.first).at, s.window)
	}
}

// pruneAhead is how many entries ahead of the one it forgets prune asks
// for the index lines of one (prefetchUnindex).
const pruneAhead = 2

// prefetchUnindex asks for the lines unindex reads for entry seq, if the
// FIFO holds it: its home's control byte and slot, a random place in an
// index that a long window makes larger than the caches. A window's ids
// expire about one per Add, so prune forgets entry seq a few calls later,
// when the lines are there.
func (s *Set) prefetchUnindex(seq uint64) {
	if seq >= s.next {
		return
	}
	i := s.entry(seq).tag & uint32(len(s.ctrl)-1)
	prefetch.Line(unsafe.Pointer(&s.ctrl[i]))
	prefetch.Line(unsafe.Pointer(&s.slots[i]))
}

// dropFIFOBlock lets go of the FIFO's first block, empty, keeping it for
// the next (and giving the one it kept before to fifoBlocks): prune's rare
// path, out of its line.
//
//go:noinline
func (s *Set) dropFIFOBlock() {
	fifoBlocks.Put(s.spare) // nil: none
	s.spare = s.blocks[0]
	s.blocks[0] = nil
	s.blocks = s.blocks[1:]
	s.base++
}

// releaseIDs lets go of the blocks of id bytes before the oldest entry's
// (all of them when the FIFO is empty), keeping one of idBlock bytes for
// the next and giving the others of that size to idBlocks.
//
//go:noinline
func (s *Set) releaseIDs() {
	drop := uint32(len(s.ids))
	if s.first < s.next {
		drop = s.entry(s.first).blk - s.idBase
	}
	for range drop {
		if b := s.ids[0]; len(b) == idBlock {
			if s.idFree != nil {
				idBlocks.Put((*[idBlock]byte)(s.idFree))
			}
			s.idFree = b
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
func (s *Set) unindex(t uint32, seq uint64) {
	mask := uint32(len(s.ctrl) - 1)
	c := ctrlOf(t)
	i := t & mask
	for {
		ci := s.ctrl[i]
		if ci == 0 {
			return // not indexed: a newer entry of the id replaced it
		}
		if ci == c && s.slots[i].seq == uint32(seq) {
			break
		}
		i = (i + 1) & mask
	}
	s.used--
	for j := (i + 1) & mask; ; j = (j + 1) & mask {
		cj := s.ctrl[j]
		if cj == 0 {
			break
		}
		// slot j may fill the hole at i unless its home lies cyclically
		// in (i, j].
		if sl := s.slots[j]; (j-sl.tag&mask)&mask >= (j-i)&mask {
			s.ctrl[i], s.slots[i] = cj, sl
			i = j
		}
	}
	s.ctrl[i], s.slots[i] = 0, slot{}
}

// growIndex doubles the index (from 64 slots), when it would be more than
// three quarters full: a probe reads control bytes, 64 to a cache line
// (and slots, eight to a line, only where a byte matches), so the longer
// probe runs of a fuller table stay within a line, while a table of up to
// half the size for the same ids (a long window's is a megabyte or more)
// leaves more of itself in the cache, and the last doubling, the
// costliest, comes later or not at all. It and the other rare paths above
// are kept out of line (go:noinline): inlined, their code would sit
// between the lines of Add that every call runs, in the instruction
// cache.
//
// The first index is taken with indexes.Start: as long as the index of
// the last Set released, when the pool holds it (a process that plays
// world after world), so that the Set spares the doublings to it; its
// control bytes are an array of that length from ctrls. Such an
// index doubles only the length it counts (room) until that reaches its
// array's, moving nothing, so that Release notes the length the Set
// needed.
//
//go:noinline
func (s *Set) growIndex() {
	n := max(64, 2*(s.room/3*4)) // twice the length grown to
	s.room = n / 4 * 3
	old, oldCtrl := s.slots, s.ctrl
	switch {
	case n <= len(old):
		return
	case len(old) == 0:
		s.slots = indexes.Start(n)
		s.ctrl = ctrls.Get(len(s.slots))
		return
	}
	s.slots, s.ctrl = indexes.Get(n), ctrls.Get(n)
	mask := uint32(len(s.slots) - 1)
	for _, sl := range old {
		if sl.tag == 0 {
			continue
		}
		i := sl.tag & mask
		for s.ctrl[i] != 0 {
			i = (i + 1) & mask
		}
		s.ctrl[i], s.slots[i] = ctrlOf(sl.tag), sl
	}
	indexes.Put(old)
	ctrls.Put(oldCtrl)
}

// Release gives the Set's FIFO blocks, its blocks of id bytes and its
// index to the package's pools, for the Sets made after it to take (and
// notes the length its index grew to, for theirs to start at), and
// leaves it empty, as [New] made it, with the same window: it remembers
// nothing and may be used again. It may be called more than once. Nothing
// the Set has handed out refers to that memory: the ids All yields are
// copies.
func (s *Set) Release() {
	for _, b := range s.blocks {
		fifoBlocks.Put(b)
	}
	// tail is the last of blocks, or the block the FIFO let go of last
	// (spare), or nil: it is given back with them, not by itself.
	fifoBlocks.Put(s.spare) // nil: none
	for _, b := range s.ids {
		if len(b) == idBlock {
			idBlocks.Put((*[idBlock]byte)(b))
		}
	}
	if s.idFree != nil {
		idBlocks.Put((*[idBlock]byte)(s.idFree))
	}
	if s.room > 0 { // it grew: a Set that needed no more than the first length notes that too
		indexes.Ended(s.room / 3 * 4) // the length the Set grew to, for the next
	}
	indexes.Put(s.slots)
	ctrls.Put(s.ctrl)
	*s = Set{window: s.window, seed: s.seed, expires: math.MaxInt64}
}
