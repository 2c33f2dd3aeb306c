package router

import (
	"math"
	"sync"

	"github.com/omnisim/omnisim/internal/blockpool"
)

// An engine's records and tables outlive it in package-level pools:
// [Engine.Release] gives them back, reset, and the engines built after it
// take them before they allocate. A process that plays world after world
// (seeds, fuzzing, comparisons) then allocates the engine's memory about
// once rather than once a world. Whatever a pool holds is as its
// allocation would make it: records reset as newCustomer and newConv
// reset them, arrays cleared. Nothing an engine hands out (snapshots,
// events, ids) points into them.

// recordBatch is a batch of records of one kind: recs[:n], the rest nil.
// The pools hold records in batches, so that a record costs no pool call
// of its own: Release fills them, and an engine's empty free list takes
// a whole one (refill).
type recordBatch[T any] struct {
	n    int
	recs [maxFree]*T
}

// batchPool holds batches of reset records of one kind: full ones
// (n > 0), whose records engines take into their free lists, and empty
// ones, which Release fills.
type batchPool[T any] struct {
	full  sync.Pool                        // *recordBatch[T], n > 0
	empty blockpool.Blocks[recordBatch[T]] // zero batches
}

// custBatches holds reset customer records in batches, for newCustomer.
var custBatches batchPool[customer]

// convBatches holds reset conversation records in batches, for newConv.
var convBatches batchPool[conv]

// put gives back b, whose records are reset: as a full batch, or as an
// empty one when it holds none.
func (p *batchPool[T]) put(b *recordBatch[T]) {
	if b.n == 0 {
		p.empty.Put(b)
		return
	}
	p.full.Put(b)
}

// refill fills the empty free list *list (an engine's freeCusts or
// freeConvs) with the records of a full batch from pool, and returns how
// many it now holds: 0 when the pool has none. It is the rare path of
// newCustomer and newConv, out of their line.
//
//go:noinline
func refill[T any](list *[]*T, pool *batchPool[T]) int {
	v := pool.full.Get()
	if v == nil {
		return 0
	}
	b := v.(*recordBatch[T])
	*list = append((*list)[:0], b.recs[:b.n]...)
	pool.empty.Put(b)
	return len(*list)
}

// batchFiller gives records back to a pool in batches, for Release.
type batchFiller[T any] struct {
	pool *batchPool[T]
	b    *recordBatch[T]
}

// add gives back r, reset.
func (w *batchFiller[T]) add(r *T) {
	if w.b == nil {
		w.b = w.pool.empty.Get()
	}
	w.b.recs[w.b.n] = r
	w.b.n++
	if w.b.n == maxFree {
		w.pool.full.Put(w.b)
		w.b = nil
	}
}

// flush gives back the batch being filled.
func (w *batchFiller[T]) flush() {
	if w.b != nil {
		w.pool.put(w.b)
		w.b = nil
	}
}

// custSlotArrays holds the arrays of customerIndex.slots.
var custSlotArrays blockpool.Arrays[custSlot]

// convRingArrays holds the arrays of convIndex.ring.
var convRingArrays blockpool.Arrays[*conv]

// convSlotArrays holds the arrays of convTable.slots.
var convSlotArrays blockpool.Arrays[convSlot]

// sentSlotArrays holds the arrays of sentIndex.slots.
var sentSlotArrays blockpool.Arrays[sentSlot]

// relArrays holds the arrays of releaseQueue.fifo and releaseQueue.heap.
var relArrays blockpool.Arrays[relEntry]

// sentBlocks holds the sent log's blocks.
var sentBlocks blockpool.Blocks[[sentBlock]sentEntry]

// Release gives back to the package's pools what the engine holds for its
// customers and conversations: their records (those it holds and those it
// released and keeps for reuse), reset; the customer and conversation
// indexes, the sent messages' log and index and the release queue's
// arrays, cleared. Engines built later take them before they allocate.
//
// Call it once nothing calls the engine any more and no call is in
// progress (a world played to its end, its result made). Release drops the
// engine's customers and conversations, the sent messages it remembers,
// its queues and its pending timers: it keeps no pointer to what it gave
// back, so that it cannot read or write memory another engine took from
// the pools. Afterwards a call that looks up a customer (Receive, Send,
// Check, Status, Close, Transfer, Take, Handoff, Abandon, SetProfile,
// SetAttributes) panics at once, on the customer index Release dropped;
// the agents' figures, the event log and the snapshots that read only
// them (Agent, Agents, Events, Footprint) still answer, though the message
// ids in the event log are invalid when their platform's memory went back
// too (a WhatsApp fake's wamids under its Config.PoolWamids). Calling
// Release again does nothing.
func (e *Engine) Release() {
	e.mu.Lock()
	defer e.mu.Unlock()
	// The records the indexes hold, then those kept for reuse: released
	// here (reset now) or taken from the pool (reset already, with no
	// policy or id). No record is in both.
	custs := batchFiller[customer]{pool: &custBatches}
	e.customers.all(func(c *customer) {
		if c.pol != nil {
			c.reset(true)
			custs.add(c)
		}
	})
	for _, c := range e.freeCusts {
		if c.pol != nil {
			c.reset(true)
		}
		custs.add(c)
	}
	custs.flush()
	convs := batchFiller[conv]{pool: &convBatches}
	e.convs.all(func(cv *conv) {
		if cv.id != 0 {
			cv.clear()
			convs.add(cv)
		}
	})
	for _, cv := range e.freeConvs {
		if cv.id != 0 {
			cv.clear()
		}
		convs.add(cv)
	}
	convs.flush()
	clear(e.freeCusts)
	clear(e.freeConvs)
	e.freeCusts, e.freeConvs = nil, nil
	e.customers.release()
	e.convs.release()
	e.openN = 0
	e.releases.release()
	e.sweepDue = math.MaxInt64
	e.sent.release()
	e.sentLog.release()
	e.sentLast = 0
	for _, g := range e.groups {
		g.waiting, g.head, g.live = nil, 0, 0
	}
	e.deadlines = nil
	for _, a := range e.agents {
		a.due = noDues
	}
	e.noteNext()
}

// clear resets cv for the pool: its excluded agents' array is cleared
// whole first, so that the pooled record keeps no agent.
func (cv *conv) clear() {
	if x := cv.excluded; x != nil {
		clear((*x)[:cap(*x)])
	}
	cv.reset()
}
