package router

import (
	"testing"
	"unsafe"
)

// TestReleaseFieldsFirst holds the layout the release path counts on: what
// sweep, releasable, release and newCustomer read of a customer record
// lies in its first two 64-byte lines, records carved from a block start
// on a line (a customer record is a multiple of 64 bytes long), and a
// conversation's excluded agents lie beside its id, in the same 32 bytes of
// a line (a conversation's cell is a multiple of 32 bytes long).
func TestReleaseFieldsFirst(t *testing.T) {
	var c customer
	fields := []struct {
		name      string
		off, size uintptr
	}{
		{"relAt", unsafe.Offsetof(c.relAt), unsafe.Sizeof(c.relAt)},
		{"pol", unsafe.Offsetof(c.pol), unsafe.Sizeof(c.pol)},
		{"open", unsafe.Offsetof(c.open), unsafe.Sizeof(c.open)},
		{"last", unsafe.Offsetof(c.last), unsafe.Sizeof(c.last)},
		{"pending", unsafe.Offsetof(c.pending), unsafe.Sizeof(c.pending)},
		{"hash", unsafe.Offsetof(c.hash), unsafe.Sizeof(c.hash)},
		{"relQueued", unsafe.Offsetof(c.relQueued), unsafe.Sizeof(c.relQueued)},
		{"released", unsafe.Offsetof(c.released), unsafe.Sizeof(c.released)},
		{"hasInbound", unsafe.Offsetof(c.hasInbound), unsafe.Sizeof(c.hasInbound)},
		{"pinned", unsafe.Offsetof(c.pinned), unsafe.Sizeof(c.pinned)},
		{"sent", unsafe.Offsetof(c.sent), unsafe.Sizeof(c.sent)},
		{"windowEnd", unsafe.Offsetof(c.windowEnd), unsafe.Sizeof(c.windowEnd)},
		{"sentAt", unsafe.Offsetof(c.sentAt), unsafe.Sizeof(c.sentAt)},
		{"name", unsafe.Offsetof(c.name), unsafe.Sizeof(c.name)},
	}
	for _, f := range fields {
		if f.off+f.size > 128 {
			t.Errorf("customer.%s ends at byte %d, past the record's first two lines", f.name, f.off+f.size)
		}
	}
	if n := unsafe.Sizeof(c); n%64 != 0 {
		t.Errorf("a customer record is %d bytes, not a multiple of 64", n)
	}
	var cv conv
	if off := unsafe.Offsetof(cv.excluded); off != unsafe.Sizeof(cv.id) {
		t.Errorf("conv.excluded is at byte %d, not beside the id", off)
	}
	if n := unsafe.Sizeof(convCell{}); n%32 != 0 || n-unsafe.Sizeof(cv) >= 32 {
		t.Errorf("a conversation's cell is %d bytes for a %d-byte record: want the next multiple of 32", n, unsafe.Sizeof(cv))
	}
	// Records carved from blocks, over more than a block of each.
	e := &Engine{}
	for i := range 3 * recordSlab {
		if p := uintptr(unsafe.Pointer(e.newCustomer())); p%64 != 0 {
			t.Fatalf("customer record %d at %#x, not on a line", i, p)
		}
		if p := uintptr(unsafe.Pointer(e.newConv())); p%32 != 0 {
			t.Fatalf("conversation record %d at %#x, not on 32 bytes", i, p)
		}
	}
}

// TestCarvedRecordsAreApart: records carved from blocks are zero and
// distinct, across the blocks' ends, and released records are reused
// before any is carved.
func TestCarvedRecordsAreApart(t *testing.T) {
	e := &Engine{}
	seen := map[*customer]bool{}
	seenConv := map[*conv]bool{}
	for i := range 2*recordSlab + 3 {
		c, cv := e.newCustomer(), e.newConv()
		if seen[c] || seenConv[cv] {
			t.Fatalf("record %d handed out twice", i)
		}
		if c.count != 0 || c.hash != 0 || cv.id != 0 || cv.cust != nil {
			t.Fatalf("record %d is not zero", i)
		}
		seen[c], seenConv[cv] = true, true
		c.count, c.hash, cv.id = 7, 9, 11 // written, as the engine writes them
	}
	c, cv := &customer{count: 3}, &conv{id: 4}
	e.freeCusts, e.freeConvs = append(e.freeCusts, c), append(e.freeConvs, cv)
	if got := e.newCustomer(); got != c || got.count != 0 {
		t.Errorf("newCustomer gave %p (count %d), want the released %p, zeroed", got, got.count, c)
	}
	if got := e.newConv(); got != cv || got.id != 0 {
		t.Errorf("newConv gave %p (id %d), want the released %p, zeroed", got, got.id, cv)
	}
}
