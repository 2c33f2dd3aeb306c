package router

// customerIndex holds the engine's customer records by key. It hashes the
// customer's id alone, what tells customers apart (a channel and account
// are shared by many), and compares the whole key: records whose ids are
// equal, on other channels or accounts, follow one another through
// customer.sameID.
type customerIndex struct {
	m map[string]*customer // by key.Customer
	n int
}

func newCustomerIndex() customerIndex { return customerIndex{m: make(map[string]*customer)} }

// get returns the record of key k, or nil.
func (x *customerIndex) get(k CustomerKey) *customer {
	for c := x.m[k.Customer]; c != nil; c = c.sameID {
		if c.key == k {
			return c
		}
	}
	return nil
}

// put holds c under its key, in place of the record held there, if any.
func (x *customerIndex) put(c *customer) {
	id := c.key.Customer
	head := x.m[id]
	for p := &head; *p != nil; p = &(*p).sameID {
		if old := *p; old.key == c.key {
			c.sameID, old.sameID = old.sameID, nil
			*p = c
			x.m[id] = head
			return
		}
	}
	c.sameID = head
	x.m[id] = c
	x.n++
}

// remove drops the record of key k, if any.
func (x *customerIndex) remove(k CustomerKey) {
	head := x.m[k.Customer]
	for p := &head; *p != nil; p = &(*p).sameID {
		if c := *p; c.key == k {
			*p, c.sameID = c.sameID, nil
			if head == nil {
				delete(x.m, k.Customer)
			} else {
				x.m[k.Customer] = head
			}
			x.n--
			return
		}
	}
}

// len is how many records the index holds.
func (x *customerIndex) len() int { return x.n }

// all calls fn with every record held, in no particular order.
func (x *customerIndex) all(fn func(*customer)) {
	for _, c := range x.m {
		for ; c != nil; c = c.sameID {
			fn(c)
		}
	}
}
