package whatsapp

import (
	"math/rand/v2"
	"strconv"
	"testing"
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
				c := &customer{waID: id}
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

// TestNewRecordHasRoomForFirstPart: a new customer record has room for
// the wamid part of its first inbound message, so that recording it
// allocates nothing, and its later parts are kept in order past it.
func TestNewRecordHasRoomForFirstPart(t *testing.T) {
	s := New(Config{Solo: true})
	c := s.newCustomerLocked("16505551234", true)
	if allocs := testing.AllocsPerRun(10, func() { c.parts = c.parts[:0]; c.addInbound(7) }); allocs != 0 {
		t.Errorf("the first part allocates %v times", allocs)
	}
	c.addInbound(8)
	c.addInbound(9)
	if len(c.parts) != 3 || c.parts[0] != 7 || c.parts[1] != 8 || c.parts[2] != 9 {
		t.Errorf("parts %v, want [7 8 9]", c.parts)
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
				if len(c.parts) != 1 || c.parts[0] != uint64(i) || c.waID != strconv.Itoa(16505550000+i) {
					t.Fatalf("record %d: wa_id %s, parts %v", i, c.waID, c.parts)
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
			return tab.recent[recentOf(id)], b
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
			a, b := &customer{waID: id}, &customer{waID: id}
			if got, want := tt.run(&tab, a, b); got != want {
				t.Errorf("get = %p, want %p (a %p, b %p)", got, want, a, b)
			}
		})
	}
}

// TestCustomerRecordLayout: a customer record is three cache lines long,
// so that records in a block start on a line, and the fields a send and
// the forget queue read lie in its first two lines, the parts and the
// kept deliveries in the third (see customer). A field added where it
// pushes another across a line, or a record that grows, fails it.
func TestCustomerRecordLayout(t *testing.T) {
	const line = 64
	var r customerRecord
	c := &r.c
	if n := unsafe.Sizeof(r); n != 3*line {
		t.Fatalf("customerRecord is %d bytes, want %d", n, 3*line)
	}
	for _, f := range []struct {
		name      string
		off, size uintptr
		line      uintptr // the cache line of the record it lies in
	}{
		{"waID", unsafe.Offsetof(c.waID), unsafe.Sizeof(c.waID), 0},
		{"conv", unsafe.Offsetof(c.conv), unsafe.Sizeof(c.conv), 0},
		{"lastInbound", unsafe.Offsetof(c.lastInbound), unsafe.Sizeof(c.lastInbound), 0},
		{"tat", unsafe.Offsetof(c.tat), unsafe.Sizeof(c.tat), 1},
		{"hash", unsafe.Offsetof(c.hash), unsafe.Sizeof(c.hash), 1},
		{"lastErr", unsafe.Offsetof(c.lastErr), unsafe.Sizeof(c.lastErr), 1},
		{"gen", unsafe.Offsetof(c.gen), unsafe.Sizeof(c.gen), 1},
		{"readSeq", unsafe.Offsetof(c.readSeq), unsafe.Sizeof(c.readSeq), 1},
		{"hasInbound", unsafe.Offsetof(c.hasInbound), unsafe.Sizeof(c.hasInbound), 1},
		{"canonical", unsafe.Offsetof(c.canonical), unsafe.Sizeof(c.canonical), 1},
		{"stem", unsafe.Offsetof(c.stem), unsafe.Sizeof(c.stem), 1},
		{"parts", unsafe.Offsetof(c.parts), unsafe.Sizeof(c.parts), 2},
		{"deliveries", unsafe.Offsetof(c.deliveries), unsafe.Sizeof(c.deliveries), 2},
		{"part", unsafe.Offsetof(r.part), unsafe.Sizeof(r.part), 2},
	} {
		if f.off/line != f.line || (f.off+f.size-1)/line != f.line {
			t.Errorf("%s at bytes %d to %d, want within line %d", f.name, f.off, f.off+f.size-1, f.line)
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
