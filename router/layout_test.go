package router

import (
	"testing"
	"unsafe"
)

// TestReleaseFieldsFirst holds the layout the release path counts on: what
// sweep, releasable, release and newCustomer read of a customer record
// lies in its first two 64-byte lines, the record's size rounds up to a
// multiple of 64 in the allocator (so records start on a line), and a
// conversation's excluded agents lie beside its id.
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
	// The allocator's size classes between 192 and 288 bytes: 208, 224, 240, 256.
	if n := unsafe.Sizeof(c); n <= 240 || n > 256 {
		t.Errorf("a customer record is %d bytes, not in the 256-byte size class", n)
	}
	var cv conv
	if off := unsafe.Offsetof(cv.excluded); off != unsafe.Sizeof(cv.id) {
		t.Errorf("conv.excluded is at byte %d, not beside the id", off)
	}
}
