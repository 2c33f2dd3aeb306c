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
type customerTable struct {
	seed uint64 // strhash's
	t    openaddr.Table[customer]
	// missed is the wa_id of the last get that found no record (when
	// hasMissed), and missedHash its hash: a record made for it next is
	// added without hashing its wa_id again.
	missed     string
	missedHash uint64
	hasMissed  bool
}

func newCustomerTable() customerTable { return customerTable{seed: strhash.NewSeed()} }

// get returns the record of waID, or nil.
func (t *customerTable) get(waID string) *customer {
	h := strhash.String(t.seed, waID)
	if c := t.t.Find(h, func(c *customer) bool { return c.waID == waID }); c != nil {
		return c
	}
	t.missed, t.missedHash, t.hasMissed = waID, h, true
	return nil
}

// add holds c, whose wa_id the table does not hold.
func (t *customerTable) add(c *customer) {
	if t.hasMissed && c.waID == t.missed {
		c.hash = t.missedHash
	} else {
		c.hash = strhash.String(t.seed, c.waID)
	}
	t.missed, t.hasMissed = "", false
	t.t.Insert(c.hash, c)
}

// remove drops c, if the table holds it.
func (t *customerTable) remove(c *customer) {
	t.t.RemoveRecord(c.hash, c)
}

// len is how many records the table holds.
func (t *customerTable) len() int { return t.t.Len() }
