package whatsapp

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
	"unsafe"
)

// TestCustomerTableMatchesMap drives the table with adds, lookups and
// removals (of records and of records it no longer holds) against a map,
// through growth and with the wa_ids of many collisions a small table
// gives; a record is added after a lookup that missed it, or another.
func TestCustomerTableMatchesMap(t *testing.T) {
	tab := newCustomerTable()
	model := map[string]*customer{}
	var gone []*customer
	rng := rand.New(rand.NewPCG(1, 2))
	for step := 0; step < 20000; step++ {
		id := strconv.Itoa(rng.IntN(3000))
		switch op := rng.IntN(10); {
		case op < 5:
			if model[id] == nil {
				c := &customer{customerHot: customerHot{waID: id}}
				if rng.IntN(2) == 0 {
					tab.get(id) // a miss first, as a new customer's message makes: add reuses its hash
				}
				tab.add(c)
				model[id] = c
			}
		case op < 8:
			if c := model[id]; c != nil {
				tab.remove(c)
				delete(model, id)
				gone = append(gone, c)
			}
		default:
			if len(gone) > 0 { // removing what is not held changes nothing
				tab.remove(gone[rng.IntN(len(gone))])
			}
		}
		if got := tab.get(id); got != model[id] {
			t.Fatalf("step %d: get(%s) = %p, want %p", step, id, got, model[id])
		}
		if tab.len() != len(model) {
			t.Fatalf("step %d: len %d, want %d", step, tab.len(), len(model))
		}
	}
	for id, c := range model {
		if tab.get(id) != c {
			t.Fatalf("get(%s) lost", id)
		}
	}
	for i := 3000; i < 3100; i++ {
		if tab.get(strconv.Itoa(i)) != nil {
			t.Fatalf("get(%d) found a record never added", i)
		}
	}
}

// TestNewRecordHasRoomForThreeParts: a new customer record has room for
// the wamid parts of its first three inbound messages, so that recording
// them allocates nothing, and its later parts are kept in order past them.
func TestNewRecordHasRoomForThreeParts(t *testing.T) {
	s := New(Config{Solo: true})
	c := s.newCustomerLocked("16505551234", true)
	if allocs := testing.AllocsPerRun(10, func() {
		c.hasFirst, c.parts = false, c.parts[:0]
		c.addInbound(7)
		c.addInbound(8)
		c.addInbound(9)
	}); allocs != 0 {
		t.Errorf("the first three parts allocate %v times", allocs)
	}
	c.addInbound(10)
	if !c.hasFirst || c.first != 7 || len(c.parts) != 3 || c.parts[0] != 8 || c.parts[1] != 9 || c.parts[2] != 10 {
		t.Errorf("parts %v then %v, want 7 then [8 9 10]", c.first, c.parts)
	}
}

// TestNewRecordsOfBlocks: records made from the same block and across
// blocks (customerBlock at a time) are each their own, with the room for
// their first part their own: every record keeps the parts given to it.
func TestNewRecordsOfBlocks(t *testing.T) {
	for _, n := range []int{1, customerBlock, customerBlock + 1, 2*customerBlock + 3} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			s := New(Config{Solo: true})
			cs := make([]*customer, n)
			seen := map[*customer]bool{}
			for i := range cs {
				cs[i] = s.newCustomerLocked(strconv.Itoa(16505550000+i), true)
				if seen[cs[i]] {
					t.Fatalf("record %d handed out twice", i)
				}
				seen[cs[i]] = true
				cs[i].addInbound(uint64(i))
			}
			for i, c := range cs {
				if !c.hasFirst || c.first != uint64(i) || len(c.parts) != 0 || c.waID != strconv.Itoa(16505550000+i) {
					t.Fatalf("record %d: wa_id %s, parts %v then %v", i, c.waID, c.first, c.parts)
				}
			}
			if s.customers.len() != n {
				t.Errorf("%d records in the table, want %d", s.customers.len(), n)
			}
		})
	}
}

// TestCustomerTableRecent: get of the very string a record was added
// with finds it by its address (customerTable.recent), and only while the
// table holds it: after the record is removed, after the same string is
// added again with another record, and for an equal string of other
// bytes, which is found by its hash.
func TestCustomerTableRecent(t *testing.T) {
	id := strconv.Itoa(16505551234)
	other := strconv.Itoa(16505551234) // equal, other bytes
	tests := []struct {
		name string
		run  func(tab *customerTable, a, b *customer) (got, want *customer)
	}{
		{"added", func(tab *customerTable, a, b *customer) (*customer, *customer) {
			tab.add(a)
			return tab.get(id), a
		}},
		{"equal string", func(tab *customerTable, a, b *customer) (*customer, *customer) {
			tab.add(a)
			return tab.get(other), a
		}},
		{"removed", func(tab *customerTable, a, b *customer) (*customer, *customer) {
			tab.add(a)
			tab.remove(a)
			return tab.get(id), nil
		}},
		{"removed, another added", func(tab *customerTable, a, b *customer) (*customer, *customer) {
			tab.add(a)
			tab.remove(a)
			tab.add(b)
			return tab.get(id), b
		}},
		{"removed twice", func(tab *customerTable, a, b *customer) (*customer, *customer) {
			tab.add(a)
			tab.remove(a)
			tab.add(b)
			tab.remove(a) // not held: b keeps its place by address
			return tab.recent[recentOf(id)].c, b
		}},
		{"added under another string", func(tab *customerTable, a, b *customer) (*customer, *customer) {
			b.waID = other
			tab.add(b)
			return tab.get(id), b
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := newCustomerTable()
			a, b := &customer{customerHot: customerHot{waID: id}}, &customer{customerHot: customerHot{waID: id}}
			if got, want := tt.run(&tab, a, b); got != want {
				t.Errorf("get = %p, want %p (a %p, b %p)", got, want, a, b)
			}
		})
	}
}

// TestCustomerRecordLayout: a customer record is three cache lines long,
// so that records in a block start on a line, customerHot its first two
// (the fields a send, the forget queue and a reuse read) and
// customerCold, with the room for parts, its third (see customer). A
// field that grows a part past its lines fails it.
func TestCustomerRecordLayout(t *testing.T) {
	const line = 64
	var r customerRecord
	if n := unsafe.Sizeof(r); n != 3*line {
		t.Fatalf("customerRecord is %d bytes, want %d", n, 3*line)
	}
	for _, f := range []struct {
		name        string
		off, size   uintptr
		first, last uintptr // the cache lines of the record it lies in
	}{
		{"customerHot", unsafe.Offsetof(r.c.customerHot), unsafe.Sizeof(r.c.customerHot), 0, 1},
		{"customerCold", unsafe.Offsetof(r.c.customerCold), unsafe.Sizeof(r.c.customerCold), 2, 2},
		{"part", unsafe.Offsetof(r.part), unsafe.Sizeof(r.part), 2, 2},
		// In customerHot, no field across its two lines.
		{"waID", unsafe.Offsetof(r.c.waID), unsafe.Sizeof(r.c.waID), 0, 0},
		{"conv", unsafe.Offsetof(r.c.conv), unsafe.Sizeof(r.c.conv), 0, 0},
		{"lastInbound", unsafe.Offsetof(r.c.lastInbound), unsafe.Sizeof(r.c.lastInbound), 0, 0},
		{"tat", unsafe.Offsetof(r.c.tat), unsafe.Sizeof(r.c.tat), 1, 1},
		{"stem", unsafe.Offsetof(r.c.stem), unsafe.Sizeof(r.c.stem), 1, 1},
	} {
		if f.off/line != f.first || (f.off+f.size-1)/line != f.last {
			t.Errorf("%s at bytes %d to %d, want within lines %d to %d", f.name, f.off, f.off+f.size-1, f.first, f.last)
		}
	}
	// A block of records starts on a line: its size is a size class
	// whose objects are all line-aligned (a multiple of 64 bytes).
	s := New(Config{Solo: true})
	for i := range customerBlock + 1 {
		if p := uintptr(unsafe.Pointer(s.newCustomerLocked(strconv.Itoa(16505550000+i), true))); p%line != 0 {
			t.Fatalf("record %d at %#x, not on a line", i, p)
		}
	}
}

// TestDeliveriesNoneKept: a customer with no kept deliveries (whose
// record holds no ring) has an empty list of them, not nil, as the
// journal's Map makes of an empty ring, and no delivered wamid.
func TestDeliveriesNoneKept(t *testing.T) {
	s := New(Config{Solo: true})
	c := s.newCustomerLocked("16505551234", true)
	if d := s.Deliveries("16505551234"); d == nil || len(d) != 0 {
		t.Errorf("Deliveries = %#v, want an empty list", d)
	}
	if _, ok := s.deliveredLocked(c, s.ids.formatWamid(c.waID, 1, true)); ok {
		t.Error("a wamid delivered to a customer with no deliveries")
	}
}

// TestReusedRecordIsClean: a forgotten customer's record, reused for
// another wa_id, holds nothing of its last use, whether that left its
// third line as it was made (customerCold) or set a field there.
func TestReusedRecordIsClean(t *testing.T) {
	for _, tc := range []struct {
		name string
		use  func(s *Server, c *customer)
	}{
		{"one message", func(s *Server, c *customer) { c.addInbound(1) }},
		{"three messages", func(s *Server, c *customer) { c.addInbound(1); c.addInbound(2); c.addInbound(3) }},
		{"error", func(s *Server, c *customer) { s.addErrorLocked(ErrorEntry{Code: 131047}, c) }},
		{"read", func(s *Server, c *customer) {
			c.addInbound(1)
			s.markReadLocked(time.Unix(1, 0), inboundRec{c: c, seq: 1}, "wamid.x")
		}},
		{"kept delivery", func(s *Server, c *customer) { s.keptDeliveries(c).Add(delivRec{part: 4}) }},
		{"more parts than a reused record keeps room for", func(s *Server, c *customer) {
			for i := range maxReusedParts + 2 { // the first part, then maxReusedParts+1 in parts
				c.addInbound(uint64(i + 1))
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{Solo: true})
			c := s.newCustomerLocked("16505551234", true)
			c.lastInbound, c.hasInbound, c.tat = 5, true, 6
			c.stem.make(c.waID)
			tc.use(s, c)
			room := cap(c.parts)
			d := reuse(t, s, c, "4915112345678")
			want := customerHot{waID: "4915112345678", canonical: true, gen: 1, hash: d.hash}
			if d.customerHot != want {
				t.Errorf("reused record %+v, want %+v", d.customerHot, want)
			}
			if room > maxReusedParts && d.parts != nil {
				t.Errorf("a reused record kept room for %d parts, more than %d", cap(d.parts), maxReusedParts)
			}
			if len(d.parts) != 0 || cap(d.parts) > maxReusedParts || d.lastErr != nil || d.deliveries != nil || d.readSeq != 0 {
				t.Errorf("reused record's third line: %+v", d.customerCold)
			}
			d.addInbound(7)
			d.addInbound(8)
			if in, ok := s.inboundLocked(s.ids.formatWamid(d.waID, 8, false)); !ok || in.seq != 2 {
				t.Errorf("the second part after reuse: %+v %v", in, ok)
			}
		})
	}
}

// TestInboundNeedsAFirstPart: a customer who has not written (a record made
// by a send, or a forgotten one reused) has no inbound message, whatever
// part a wamid names: the record's first part, 0 while there is none, is
// not one.
func TestInboundNeedsAFirstPart(t *testing.T) {
	s := New(Config{Solo: true})
	c := s.newCustomerLocked("16505551234", true)
	if _, ok := s.inboundLocked(s.ids.formatWamid(c.waID, 0, false)); ok {
		t.Error("a new record's part 0 named an inbound message")
	}
	c.addInbound(7)
	d := reuse(t, s, c, "4915112345678")
	for _, part := range []uint64{0, 7} {
		if _, ok := s.inboundLocked(s.ids.formatWamid(d.waID, part, false)); ok {
			t.Errorf("a reused record's part %d named an inbound message", part)
		}
	}
}

// reuse forgets c as noteInboundLocked forgets a customer and makes the
// record of waID, which must be c's, reused.
func reuse(t *testing.T, s *Server, c *customer, waID string) *customer {
	t.Helper()
	s.customers.remove(c)
	c.gen++
	s.free = append(s.free, c)
	d := s.newCustomerLocked(waID, true)
	if d != c {
		t.Fatal("the forgotten record was not reused")
	}
	return d
}
