package whatsapp

import (
	"unsafe"

	"github.com/omnisim/omnisim/fakes/forget"
	"github.com/omnisim/omnisim/internal/prefetch"
)

// What the platform keeps of its customers over a long run. By default it
// keeps everything; a positive Config.JournalLimit keeps only each
// customer's newest deliveries. Config.KeepDeliveries limits the delivery history
// (Server.Deliveries) to the customers it names; the others' deliveries
// are counted (Counts, the journal's newest entries) but not kept.
// Config.ForgetAfter forgets a customer whose deliveries are not kept once
// the customer's last message is that old and the customer's billing
// conversation has expired: the customer's record (window, conversation,
// last error) and the wamids of the customer's messages, which can no
// longer be marked as read. A customer who writes again starts afresh, as
// one whose window closed long ago: the rules answer every send as before,
// since a window and a conversation that have ended leave nothing a later
// send depends on, and a pair rate bucket that is not yet full is kept
// aside for the wa_id's next record (limits.go).

// forgetRec is a customer message, queued to be looked at ForgetAfter
// later: the message of customer record c in generation gen at at. A
// record leaves the customer table only when the record of its last
// message is looked at, after which the queue holds no other record of
// that generation but ones of the same instant, so that a record of the
// current generation names the table's record of its wa_id.
type forgetRec struct {
	c   *customer
	gen uint32
	// hash is the low half of c's hash (customer.hash) when it was
	// queued: enough to place c's slot in s.customers, which the loop
	// asks for ahead without reading c.
	hash uint32
	at   int64 // unix nanoseconds: the record holds one pointer, c
}

// kept reports whether c's deliveries are kept.
func (s *Server) kept(c *customer) bool {
	return s.cfg.KeepDeliveries == nil || s.cfg.KeepDeliveries(c.waID)
}

// noteInboundLocked records that c wrote at ns (Unix nanoseconds), and
// forgets the customers whose time has come.
func (s *Server) noteInboundLocked(c *customer, ns int64) {
	age := int64(s.cfg.ForgetAfter)
	if age <= 0 {
		return
	}
	q := &s.forget
	q.push(forgetRec{c: c, gen: c.gen, hash: uint32(c.hash), at: ns})
	// The record just pushed is not old (ns - ns < age): the loop stops
	// at it at the latest, with the queue never empty.
	for r := q.front(); forget.Old(ns, r.at, age); r = q.front() {
		// Ask for what the loop reads of the record forgetAhead after r,
		// which it mostly forgets too (its customer wrote a day earlier,
		// and the cache has lost the lines since): the customer's two
		// hot lines (customerHot: the check reads both, gen on the
		// second) and its slot in s.customers, placed by the hash the
		// record keeps, without reading the customer. The loop takes a
		// record off about once per customer message (a customer's work
		// apart), at times several in one call: the distance keeps the
		// lines ahead of it then too. It looks in the front block alone,
		// past whose end it skips.
		if b, i := q.blocks[0], q.head+forgetAhead; i < len(b) {
			prefetch.Lines(unsafe.Pointer(b[i].c), 2)
			s.customers.t.Prefetch(uint64(b[i].hash))
		}
		if c := r.c; c.gen == r.gen && c.lastInbound == r.at && (c.conv.id == "" || c.conv.expired(ns)) && !s.kept(c) {
			s.customers.remove(c) // and with it the wamids of its messages
			s.forgetTatLocked(c, ns)
			c.gen++
			s.free = append(s.free, c)
		}
		q.pop()
	}
}

// forgetAhead is how many records ahead of the one it looks at the loop
// of noteInboundLocked asks for a customer's lines.
const forgetAhead = 3

// forgetBlock is the number of records in each block of a forgetQueue.
const forgetBlock = 256

// forgetQueue is a FIFO of forgetRecs kept in blocks of forgetBlock
// records, taken from forgetBlocks; a block emptied at the front is
// reused at the back, so the queue's storage follows the records it holds
// and is never copied. release gives the blocks back to forgetBlocks.
type forgetQueue struct {
	blocks [][]forgetRec // each a block of forgetBlock records, its records so far
	head   int           // index of the front record in blocks[0]
	spare  []forgetRec   // a block emptied at the front, for the next; nil: none
}

// len is how many records the queue holds.
func (q *forgetQueue) len() int {
	n := -q.head
	for _, b := range q.blocks {
		n += len(b)
	}
	return n
}

func (q *forgetQueue) front() *forgetRec { return &q.blocks[0][q.head] }

// push queues r at the back: in place when the last block has room, the
// usual case, which takes no frame; else through pushBlock.
func (q *forgetQueue) push(r forgetRec) {
	if last := len(q.blocks) - 1; last >= 0 {
		b := &q.blocks[last]
		if n := len(*b); n < cap(*b) {
			*b = (*b)[:n+1]
			(*b)[n] = r
			return
		}
	}
	q.pushBlock(r)
}

// pushBlock is push where the last block is full (or there is none): it
// starts a new block with r, the spare one, if any, else one of
// forgetBlocks.
//
//go:noinline
func (q *forgetQueue) pushBlock(r forgetRec) {
	b := q.spare
	q.spare = nil
	if b == nil {
		b = forgetBlocks.Get()[:0]
	}
	q.blocks = append(q.blocks, append(b, r))
}

func (q *forgetQueue) pop() {
	b := q.blocks[0]
	b[q.head] = forgetRec{}
	q.head++
	if q.head < len(b) {
		return
	}
	q.head = 0
	if len(q.blocks) == 1 {
		q.blocks[0] = b[:0]
		return
	}
	q.spare = b[:0]
	q.blocks[0] = nil
	q.blocks = append(q.blocks[:0], q.blocks[1:]...)
}

// release empties the queue, as its zero value, and gives its blocks back
// to forgetBlocks, which clears them.
func (q *forgetQueue) release() {
	for _, b := range q.blocks {
		forgetBlocks.Put((*[forgetBlock]forgetRec)(b[:forgetBlock]))
	}
	if q.spare != nil {
		forgetBlocks.Put((*[forgetBlock]forgetRec)(q.spare[:forgetBlock]))
	}
	*q = forgetQueue{}
}

// Customers returns how many customers the platform has a record of.
func (s *Server) Customers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.customers.len()
}
