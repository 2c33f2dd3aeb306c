package sim

import "github.com/omnisim/omnisim/router"

// people holds the world's customers by key. It hashes the customer's
// id alone, what tells customers apart (a channel and account are shared
// by many), and compares the whole key: people whose ids are equal, on
// other channels or accounts, follow one another through person.sameID.
type people struct {
	m map[string]*person // by key.Customer
}

func newPeople() people { return people{m: make(map[string]*person)} }

// get returns the person of key k, or nil.
func (x people) get(k router.CustomerKey) *person {
	for p := x.m[k.Customer]; p != nil; p = p.sameID {
		if p.key == k {
			return p
		}
	}
	return nil
}

// put holds p under its key, in place of the person held there, if any.
func (x people) put(p *person) {
	id := p.key.Customer
	head := x.m[id]
	for q := &head; *q != nil; q = &(*q).sameID {
		if old := *q; old.key == p.key {
			p.sameID, old.sameID = old.sameID, nil
			*q = p
			x.m[id] = head
			return
		}
	}
	p.sameID = head
	x.m[id] = p
}

// remove drops the person of key k, if any.
func (x people) remove(k router.CustomerKey) {
	head := x.m[k.Customer]
	for q := &head; *q != nil; q = &(*q).sameID {
		if p := *q; p.key == k {
			*q, p.sameID = p.sameID, nil
			if head == nil {
				delete(x.m, k.Customer)
			} else {
				x.m[k.Customer] = head
			}
			return
		}
	}
}

// all calls fn with every person held, in no particular order.
func (x people) all(fn func(*person)) {
	for _, p := range x.m {
		for ; p != nil; p = p.sameID {
			fn(p)
		}
	}
}
