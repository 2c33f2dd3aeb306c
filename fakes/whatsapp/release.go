package whatsapp

import (
	"github.com/omnisim/omnisim/internal/blockpool"
	"github.com/omnisim/omnisim/jsonscan"
	"github.com/omnisim/omnisim/openaddr"
)

// The memory a server keeps for its customers goes back to the package's
// pools when it is released (Server.Release), for the next server the
// process makes to take before it allocates: a simulator plays world after
// world in one process, and each world's fake would otherwise allocate its
// customers' memory anew. What a pool holds is zero (a pool clears
// what it is given: package blockpool): a block taken from one is as a new
// allocation. Only the server's own records and arrays go to the pools,
// and nothing the server hands out (wa_ids, wamids, Texts, journal
// entries) points into them; but for the wamids of a server made with
// Config.PoolWamids, whose blocks go back too (wamidBlocks).

// recordBlocks holds released blocks of customer records.
var recordBlocks blockpool.Blocks[[customerBlock]customerRecord]

// tableArrays holds released arrays of customer tables
// (customerTable.t).
var tableArrays openaddr.Arrays[customer]

// forgetBlocks holds released blocks of forget queues.
var forgetBlocks blockpool.Blocks[[forgetBlock]forgetRec]

// newRecordBlockLocked returns a block of customerBlock zero records, from
// recordBlocks, which the server keeps in s.blocks. Out of
// newCustomerLocked's line: one call in customerBlock.
//
//go:noinline
func (s *Server) newRecordBlockLocked() []customerRecord {
	b := recordBlocks.Get()
	s.blocks = append(s.blocks, b)
	return b[:]
}

// Release forgets every customer, as ForgetAfter forgets one (a pair rate
// bucket that is not yet full is kept for the wa_id's next record), and
// gives the memory of their records back to the package's pools for the
// servers the process makes next: the blocks of customer records, the
// customer table's array and the forget queue's blocks. A server whose
// use is over calls it (a simulator's world, once its result is made).
//
// Without Config.PoolWamids the server stays valid and holds no customer,
// as New leaves it; its journal, counts, queued webhooks and uploads stay
// as they were (they hold no customer record). It is used as before
// afterwards (a customer
// who writes again starts afresh), Close works before and after it, and a
// second Release gives back what the server took since the first. A
// server made with Config.PoolWamids gives back the blocks of its wamids
// too: every wamid it made, and with them its journal and queued
// webhooks, is invalid afterwards, and it must not be used again.
func (s *Server) Release() {
	var now int64
	if s.lim.pairInterval > 0 { // fixed by New
		now = s.now().UnixNano()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wamids.Release()
	if s.lim.pairInterval > 0 {
		s.customers.t.All(func(c *customer) { s.forgetTatLocked(c, now) })
	}
	s.customers.release()
	s.forget.release()
	clear(s.free)
	s.free = nil
	for _, b := range s.blocks {
		recordBlocks.Put(b)
	}
	clear(s.blocks)
	s.blocks, s.records = nil, nil
}

// wamidBlocks holds the wamid arenas' blocks, as the last server left
// them: the next writes over each wamid's bytes before it hands it out.
var wamidBlocks blockpool.Raw[jsonscan.Block]
