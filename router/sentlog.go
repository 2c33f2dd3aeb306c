package router

// sentBlock is the number of entries in a block of the sent log.
const sentBlock = 128

// sentLog is the engine's sent messages remembered for Status, in sending
// order, numbered consecutively from first to next-1 (an entry's number is
// its place in that order, and no entry is numbered 0): a FIFO in blocks
// of sentBlock entries, entry n in blocks[n/sentBlock-base], which the log
// gains at its end and loses at its start. An entry never moves: a log in
// one slice was copied whole each time it doubled, and again when its
// forgotten head was cut off, every copy of its strings under the
// collector's write barrier while it marked, and each doubling left the old
// array behind as garbage (about 3 MB allocated in a 7-day M/M/14 run
// whose log holds about 5,000 entries). Make one with newSentLog.
type sentLog struct {
	blocks []*[sentBlock]sentEntry
	base   uint64 // the block number of blocks[0]: first/sentBlock
	first  uint64 // the number of the oldest entry held
	next   uint64 // the number of the next entry: first == next when none is held
	// spare is a block let go, emptied, for the next; the others let go
	// go to the pool (sentBlocks).
	spare *[sentBlock]sentEntry
}

// newSentLog returns an empty log whose first entry is numbered 1.
func newSentLog() sentLog {
	var l sentLog
	l.reset(1)
	return l
}

// reset empties the log and numbers its next entry n (a restored log's
// numbering goes on from the saved one's).
func (l *sentLog) reset(n uint64) {
	for len(l.blocks) > 0 {
		l.dropBlock()
	}
	l.first, l.next, l.base = n, n, n/sentBlock
}

// len is how many entries the log holds.
func (l *sentLog) len() int { return int(l.next - l.first) }

// holds reports whether the log holds the entry numbered n.
func (l *sentLog) holds(n uint64) bool { return n >= l.first && n < l.next }

// at is the entry numbered n, which the log holds.
func (l *sentLog) at(n uint64) *sentEntry {
	return &l.blocks[n/sentBlock-l.base][n%sentBlock]
}

// oldest is the oldest entry, when the log holds any.
func (l *sentLog) oldest() *sentEntry { return l.at(l.first) }

// add appends an entry and returns its number and the entry, for the
// caller to fill in place, every field of it.
func (l *sentLog) add() (uint64, *sentEntry) {
	n := l.next
	i := n/sentBlock - l.base
	if i == uint64(len(l.blocks)) {
		l.room()
	}
	l.next++
	return n, &l.blocks[i][n%sentBlock]
}

// room appends a block for the next entry: the spare one, else one from
// the pool, else a new one. It is add's rare path, out of its line
// (go:noinline).
//
//go:noinline
func (l *sentLog) room() {
	b := l.spare
	if b == nil {
		b = sentBlocks.Get()
	}
	l.spare = nil
	l.blocks = append(l.blocks, b)
}

// pop drops the oldest entry, which the log holds, and its block with
// its last entry. The block is cleared when it is let go (and kept for
// the next), so that nothing it held stays reachable: clearing each entry
// as it goes cleared its pointer slots one entry at a time, each a bulk
// barrier while the collector marks.
func (l *sentLog) pop() {
	l.first++
	if l.first%sentBlock == 0 {
		l.dropBlock()
	}
}

// dropBlock lets go of the first block, emptied, keeping it for the next
// (or giving it to the pool, which clears it, when a spare is kept
// already): pop's rare path, out of its line (go:noinline).
//
//go:noinline
func (l *sentLog) dropBlock() {
	b := l.blocks[0]
	if l.spare == nil {
		clear(b[:])
		l.spare = b
	} else {
		sentBlocks.Put(b)
	}
	l.blocks[0] = nil
	l.blocks = l.blocks[1:]
	l.base++
}

// release gives every block to the pool, which clears it, and leaves the
// log empty, its numbering going on from where it was.
func (l *sentLog) release() {
	for _, b := range l.blocks {
		sentBlocks.Put(b)
	}
	sentBlocks.Put(l.spare) // nil: none
	l.blocks, l.spare = nil, nil
	l.first, l.base = l.next, l.next/sentBlock
}
