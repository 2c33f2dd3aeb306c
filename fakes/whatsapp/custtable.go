package whatsapp

import (
	"hash/maphash"

	"github.com/omnisim/omnisim/openaddr"
)

// customerTable holds the customer records by wa_id, in an open-addressing
// table (openaddr). Each record keeps its hash (customer.hash), so that
// forgetting a record finds its slot without hashing or comparing strings.
// (A map from wa_id to record hashed a customer's wa_id for every lookup,
// the insert and the delete.) Nothing iterates it: the seed shapes the
// layout alone.
type customerTable struct {
	seed maphash.Seed
	t    openaddr.Table[customer]
}

func newCustomerTable() customerTable { return customerTable{seed: maphash.MakeSeed()} }

// get returns the record of waID, or nil.
func (t *customerTable) get(waID string) *customer {
	if t.t.Len() == 0 {
		return nil
	}
	return t.t.Find(maphash.String(t.seed, waID), func(c *customer) bool { return c.waID == waID })
}

// add holds c, whose wa_id the table does not hold.
func (t *customerTable) add(c *customer) {
	c.hash = maphash.String(t.seed, c.waID)
	t.t.Put(c.hash, c, func(*customer) bool { return false })
}

// remove drops c, if the table holds it.
func (t *customerTable) remove(c *customer) {
	t.t.Remove(c.hash, func(held *customer) bool { return held == c })
}

// len is how many records the table holds.
func (t *customerTable) len() int { return t.t.Len() }
