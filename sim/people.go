package sim

import (
	"github.com/omnisim/omnisim/openaddr"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/strhash"
)

// people holds the world's customers by key, in an open-addressing table.
// It hashes the customer's id alone, what tells customers apart (a channel
// and account are shared by many), and compares the whole key; people whose
// ids are equal, on other channels or accounts, sit in one probe sequence.
// Each person keeps its hash (person.hash): a generated customer's key is
// hashed once, for the check that nobody has it and the put, and
// forgetting a person hashes nothing. (A map from customer id to person
// hashed the id for every lookup, put and removal, and a run's stream of
// arrivals and departures left it tombstones to clean.)
type people struct {
	seed uint64 // strhash's
	t    openaddr.Table[person]
}

func newPeople() people { return people{seed: strhash.NewSeed()} }

// hash is the hash of a customer id.
func (x *people) hash(id string) uint64 { return strhash.String(x.seed, id) }

// get returns the person of key k, or nil.
func (x *people) get(k router.CustomerKey) *person {
	if x.t.Len() == 0 {
		return nil
	}
	return x.find(k, x.hash(k.Customer))
}

// find returns the person of key k, whose id hashes to h, or nil.
func (x *people) find(k router.CustomerKey, h uint64) *person {
	return x.t.Find(h, func(p *person) bool { return sameKey(&p.key, &k) })
}

// put holds p under its key, in place of the person held there, if any.
func (x *people) put(p *person) { x.putHashed(p, x.hash(p.key.Customer)) }

// putHashed is put for a person whose id hashes to h.
func (x *people) putHashed(p *person, h uint64) {
	p.hash = h
	x.t.Put(h, p, func(q *person) bool { return sameKey(&q.key, &p.key) })
}

// remove drops the person of key k, if any.
func (x *people) remove(k router.CustomerKey) {
	if x.t.Len() == 0 {
		return
	}
	x.removeHashed(k, x.hash(k.Customer))
}

// removeHashed is remove for a key whose id hashes to h.
func (x *people) removeHashed(k router.CustomerKey, h uint64) {
	x.t.Remove(h, func(p *person) bool { return sameKey(&p.key, &k) })
}

// drop removes p, which people holds: the very record, found by its
// hash (person.hash) without comparing keys.
func (x *people) drop(p *person) {
	x.t.RemoveRecord(p.hash, p)
}

// all calls fn with every person held, in no particular order.
func (x *people) all(fn func(*person)) { x.t.All(fn) }
