package inbox

import (
	"testing"
	"unsafe"
)

// TestConvSize holds a conversation's record, which the inbox keeps for
// the retention, in the allocator's 448-byte size class (the classes
// around it: 416, 448, 480, 512).
func TestConvSize(t *testing.T) {
	if n := unsafe.Sizeof(conv{}); n <= 416 || n > 448 {
		t.Errorf("a conversation's record is %d bytes, not in the 448-byte size class", n)
	}
}
