package whatsapp

import (
	"github.com/omnisim/omnisim/openaddr"
	"github.com/omnisim/omnisim/strhash"
)

// customerTable holds the customer records by wa_id, in an open-addressing
// table (openaddr). Each record keeps its hash (customer.hash), so that
// forgetting a record finds its slot without hashing or comparing strings.
// (A map from wa_id to record hashed a customer's wa_id for every lookup,
// the insert and the delete.) Nothing iterates it: the seed shapes the
// layout alone.
//
// A customer is nearly always named by the very string its record keeps:
// the wa_id a customer's message returned, which the business sends back
// to. recent holds the records last added by the address of their wa_id's
// bytes, so that get of that string neither hashes it nor probes: a
// record there is the one asked for when its wa_id has the same address
// and length (the same bytes), and otherwise get hashes as before. Each
// place keeps that address beside its record, so that get of another
// string (a new customer's, whose place mostly holds another customer)
// tells it from the address alone, without reading a record the cache
// has likely lost.
type customerTable struct {
	seed uint64 // strhash's
	t    openaddr.Table[customer]
	// missed is the wa_id of the last get that found no record (when
	// hasMissed), and missedHash its hash: a record made for it next is
	// added without hashing its wa_id again.
	missed     string
	missedHash uint64
	hasMissed  bool
	// recent holds records the table holds (c nil: none) at recentOf of
	// the address of their wa_id's bytes; remove takes a record out.
	recent [recentSlots]recentRec
}

// recentRec is a place of customerTable.recent: a record and the address
// of its wa_id's bytes (strhash.Addr), one cache line holding four.
type recentRec struct {
	addr uintptr
	c    *customer
}

// recentSlots is how many places customerTable.recent has,
// 1<<recentBits: more than the customers a busy world has in play at once.
const (
	recentBits  = 8
	recentSlots = 1 << recentBits
)

// recentOf is the place in customerTable.recent of a wa_id, by the
// address of its bytes.
func recentOf(waID string) uint { return strhash.AddrSlot(strhash.Addr(waID), recentBits) }

// newCustomerTable returns an empty table, which grows into arrays from
// tableArrays.
func newCustomerTable() customerTable {
	t := customerTable{seed: strhash.NewSeed()}
	t.t.UseArrays(&tableArrays)
	return t
}

// get returns the record of waID, or nil.
func (t *customerTable) get(waID string) *customer {
	// A record's place keeps the address of its wa_id's bytes: the same
	// address and length are the same bytes.
	if r := &t.recent[recentOf(waID)]; r.addr == strhash.Addr(waID) && r.c != nil && len(r.c.waID) == len(waID) {
		return r.c
	}
	h := strhash.String(t.seed, waID)
	if c := t.t.Find(h, func(c *customer) bool { return c.waID == waID }); c != nil {
		return c
	}
	t.missed, t.missedHash, t.hasMissed = waID, h, true
	return nil
}

// add holds c, whose wa_id the table does not hold.
func (t *customerTable) add(c *customer) {
	if t.hasMissed && strhash.Same(c.waID, t.missed) {
		c.hash = t.missedHash
	} else {
		c.hash = strhash.String(t.seed, c.waID)
	}
	t.missed, t.hasMissed = "", false
	t.t.Insert(c.hash, c)
	t.recent[recentOf(c.waID)] = recentRec{strhash.Addr(c.waID), c}
}

// remove drops c, if the table holds it.
func (t *customerTable) remove(c *customer) {
	if r := &t.recent[recentOf(c.waID)]; r.c == c {
		*r = recentRec{}
	}
	t.t.RemoveRecord(c.hash, c)
}

// len is how many records the table holds.
func (t *customerTable) len() int { return t.t.Len() }

// release empties the table, as newCustomerTable leaves one, and gives its
// array back to tableArrays.
func (t *customerTable) release() {
	t.t.Release()
	t.recent = [recentSlots]recentRec{}
	t.missed, t.missedHash, t.hasMissed = "", 0, false
}
