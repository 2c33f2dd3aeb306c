package router

import (
	"testing"
	"unsafe"
)

// TestReleaseFieldsFirst holds the layout the release path counts on: what
// sweep, releasable and release read of a customer record on a channel
// with a reply window lies in its first 64-byte line, and what a send and
// a close read besides (the key, the reply count and allowance) in its
// second; what newCustomer and releasable read only on a channel with a
// reply limit, or for a rule that reads the name, lies in the first
// three; the record is three lines, 192 bytes, a size class of the
// allocator (so records start on a line), and a conversation's excluded
// agents lie beside its id.
func TestReleaseFieldsFirst(t *testing.T) {
	var c customer
	checkLines(t, "customer", []field{
		{"relAt", unsafe.Offsetof(c.relAt), unsafe.Sizeof(c.relAt), 1},
		{"pol", unsafe.Offsetof(c.pol), unsafe.Sizeof(c.pol), 1},
		{"open", unsafe.Offsetof(c.open), unsafe.Sizeof(c.open), 1},
		{"last", unsafe.Offsetof(c.last), unsafe.Sizeof(c.last), 1},
		{"pending", unsafe.Offsetof(c.pending), unsafe.Sizeof(c.pending), 1},
		{"count", unsafe.Offsetof(c.count), unsafe.Sizeof(c.count), 1},
		{"hash", unsafe.Offsetof(c.hash), unsafe.Sizeof(c.hash), 1},
		{"relQueued", unsafe.Offsetof(c.relQueued), unsafe.Sizeof(c.relQueued), 1},
		{"released", unsafe.Offsetof(c.released), unsafe.Sizeof(c.released), 1},
		{"hasInbound", unsafe.Offsetof(c.hasInbound), unsafe.Sizeof(c.hasInbound), 1},
		{"pinned", unsafe.Offsetof(c.pinned), unsafe.Sizeof(c.pinned), 1},
		{"windowEnd", unsafe.Offsetof(c.windowEnd), unsafe.Sizeof(c.windowEnd), 1},
		{"key", unsafe.Offsetof(c.key), unsafe.Sizeof(c.key), 2},
		{"sent", unsafe.Offsetof(c.sent), unsafe.Sizeof(c.sent), 2},
		{"allowance", unsafe.Offsetof(c.allowance), unsafe.Sizeof(c.allowance), 2},
		{"sentAt", unsafe.Offsetof(c.sentAt), unsafe.Sizeof(c.sentAt), 3},
		{"name", unsafe.Offsetof(c.name), unsafe.Sizeof(c.name), 3},
	})
	if n := unsafe.Sizeof(c); n != 192 {
		t.Errorf("a customer record is %d bytes, not 192 (three lines)", n)
	}
	var cv conv
	if off := unsafe.Offsetof(cv.excluded); off != unsafe.Sizeof(cv.id) {
		t.Errorf("conv.excluded is at byte %d, not beside the id", off)
	}
}

// TestConvLayout holds the conversation record's layout: two lines, 128
// bytes, a size class of the allocator (so records start on a line), what
// every step after open reads (a send's check and record, the close, the
// release) in its first 64-byte line, the timers' positions and the times
// in its second.
func TestConvLayout(t *testing.T) {
	var cv conv
	if n := unsafe.Sizeof(cv); n != 128 {
		t.Errorf("a conversation record is %d bytes, not 128 (two lines)", n)
	}
	checkLines(t, "conv", []field{
		{"id", unsafe.Offsetof(cv.id), unsafe.Sizeof(cv.id), 1},
		{"excluded", unsafe.Offsetof(cv.excluded), unsafe.Sizeof(cv.excluded), 1},
		{"cust", unsafe.Offsetof(cv.cust), unsafe.Sizeof(cv.cust), 1},
		{"group", unsafe.Offsetof(cv.group), unsafe.Sizeof(cv.group), 1},
		{"agent", unsafe.Offsetof(cv.agent), unsafe.Sizeof(cv.agent), 1},
		{"state", unsafe.Offsetof(cv.state), unsafe.Sizeof(cv.state), 1},
		{"reason", unsafe.Offsetof(cv.reason), unsafe.Sizeof(cv.reason), 1},
		{"answered", unsafe.Offsetof(cv.answered), unsafe.Sizeof(cv.answered), 1},
		{"queued", unsafe.Offsetof(cv.queued), unsafe.Sizeof(cv.queued), 1},
		{"inbox", unsafe.Offsetof(cv.inbox), unsafe.Sizeof(cv.inbox), 1},
		{"replied", unsafe.Offsetof(cv.replied), unsafe.Sizeof(cv.replied), 1},
		{"botIdle", unsafe.Offsetof(cv.botIdle), unsafe.Sizeof(cv.botIdle), 1},
		{"lastActivity", unsafe.Offsetof(cv.lastActivity), unsafe.Sizeof(cv.lastActivity), 1},
		{"inbound", unsafe.Offsetof(cv.inbound), unsafe.Sizeof(cv.inbound), 1},
		{"outbound", unsafe.Offsetof(cv.outbound), unsafe.Sizeof(cv.outbound), 1},
		{"due", unsafe.Offsetof(cv.due), unsafe.Sizeof(cv.due), 2},
		{"dueN", unsafe.Offsetof(cv.dueN), unsafe.Sizeof(cv.dueN), 2},
	})
}

// TestAgentHotFieldsFirst holds the agent record's layout: what an
// assignment and a close read or write of an agent (setActive, reindex,
// the strategies' keys, the events) lies in its first three 64-byte lines.
func TestAgentHotFieldsFirst(t *testing.T) {
	var a agent
	checkLines(t, "agent", []field{
		{"id", unsafe.Offsetof(a.id), unsafe.Sizeof(a.id), 3},
		{"capacity", unsafe.Offsetof(a.capacity), unsafe.Sizeof(a.capacity), 3},
		{"active", unsafe.Offsetof(a.active), unsafe.Sizeof(a.active), 3},
		{"assignments", unsafe.Offsetof(a.assignments), unsafe.Sizeof(a.assignments), 3},
		{"peak", unsafe.Offsetof(a.peak), unsafe.Sizeof(a.peak), 3},
		{"lastAssigned", unsafe.Offsetof(a.lastAssigned), unsafe.Sizeof(a.lastAssigned), 3},
		{"rank", unsafe.Offsetof(a.rank), unsafe.Sizeof(a.rank), 3},
		{"online", unsafe.Offsetof(a.online), unsafe.Sizeof(a.online), 3},
		{"onShift", unsafe.Offsetof(a.onShift), unsafe.Sizeof(a.onShift), 3},
		{"anyHours", unsafe.Offsetof(a.anyHours), unsafe.Sizeof(a.anyHours), 3},
		{"eligible", unsafe.Offsetof(a.eligible), unsafe.Sizeof(a.eligible), 3},
		{"slots", unsafe.Offsetof(a.slots), unsafe.Sizeof(a.slots), 3},
		{"busyHi", unsafe.Offsetof(a.busyHi), unsafe.Sizeof(a.busyHi), 3},
		{"busyLo", unsafe.Offsetof(a.busyLo), unsafe.Sizeof(a.busyLo), 3},
		{"busyAtNano", unsafe.Offsetof(a.busyAtNano), unsafe.Sizeof(a.busyAtNano), 3},
		{"eligibleSinceNano", unsafe.Offsetof(a.eligibleSinceNano), unsafe.Sizeof(a.eligibleSinceNano), 3},
		{"eligibleTotal", unsafe.Offsetof(a.eligibleTotal), unsafe.Sizeof(a.eligibleTotal), 3},
		{"busyAt", unsafe.Offsetof(a.busyAt), unsafe.Sizeof(a.busyAt), 3},
		{"eligibleSince", unsafe.Offsetof(a.eligibleSince), unsafe.Sizeof(a.eligibleSince), 3},
	})
}

// field is a record's field for the layout tests: where it lies, and how
// many of the record's first 64-byte lines it must end within.
type field struct {
	name      string
	off, size uintptr
	lines     uintptr
}

// checkLines reports each of a record's fields that ends past its lines.
func checkLines(t *testing.T, record string, fields []field) {
	t.Helper()
	for _, f := range fields {
		if f.off+f.size > 64*f.lines {
			t.Errorf("%s.%s ends at byte %d, past the record's first %d line(s)", record, f.name, f.off+f.size, f.lines)
		}
	}
}

// TestEngineConfigFirst holds the engine's layout: the configuration every
// customer's conversation reads lies in the record's first three 64-byte
// lines.
func TestEngineConfigFirst(t *testing.T) {
	var e Engine
	checkLines(t, "Engine", []field{
		{"strategy", unsafe.Offsetof(e.strategy), unsafe.Sizeof(e.strategy), 3},
		{"picker", unsafe.Offsetof(e.picker), unsafe.Sizeof(e.picker), 3},
		{"split", unsafe.Offsetof(e.split), unsafe.Sizeof(e.split), 3},
		{"overflow", unsafe.Offsetof(e.overflow), unsafe.Sizeof(e.overflow), 3},
		{"overflowAfter", unsafe.Offsetof(e.overflowAfter), unsafe.Sizeof(e.overflowAfter), 3},
		{"reassign", unsafe.Offsetof(e.reassign), unsafe.Sizeof(e.reassign), 3},
		{"missed", unsafe.Offsetof(e.missed), unsafe.Sizeof(e.missed), 3},
		{"idle", unsafe.Offsetof(e.idle), unsafe.Sizeof(e.idle), 3},
		{"horizon", unsafe.Offsetof(e.horizon), unsafe.Sizeof(e.horizon), 3},
		{"rng", unsafe.Offsetof(e.rng), unsafe.Sizeof(e.rng), 3},
		{"bot", unsafe.Offsetof(e.bot), unsafe.Sizeof(e.bot), 3},
		{"deflt", unsafe.Offsetof(e.deflt), unsafe.Sizeof(e.deflt), 3},
		{"workstreams", unsafe.Offsetof(e.workstreams), unsafe.Sizeof(e.workstreams), 3},
	})
}
