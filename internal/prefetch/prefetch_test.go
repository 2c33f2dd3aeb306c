package prefetch

import (
	"testing"
	"unsafe"
)

// A prefetch never faults and changes nothing, whatever the address (of
// one line, or of none to four from it):
// nil (nothing is mapped there), an object's first and last bytes, and a
// stack variable.
func TestLineIsAHint(t *testing.T) {
	buf := make([]byte, 256)
	for i := range buf {
		buf[i] = byte(i)
	}
	var local [4]uint64
	tests := []struct {
		name string
		p    unsafe.Pointer
	}{
		{"nil", nil},
		{"heap start", unsafe.Pointer(&buf[0])},
		{"heap last byte", unsafe.Pointer(&buf[len(buf)-1])},
		{"stack", unsafe.Pointer(&local)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Line(tt.p)
			for _, n := range []int{-1, 0, 1, 4} {
				Lines(tt.p, n)
			}
			for i := range buf {
				if buf[i] != byte(i) {
					t.Fatalf("buf[%d] = %d after a prefetch", i, buf[i])
				}
			}
			if local != [4]uint64{} {
				t.Fatalf("local = %v after a prefetch", local)
			}
		})
	}
}

// A prefetch of a local's address does not move the local to the heap.
func TestLineDoesNotEscape(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		var x [8]uint64
		Line(unsafe.Pointer(&x))
		Lines(unsafe.Pointer(&x), 1)
	})
	if allocs != 0 {
		t.Fatalf("Line of a local allocates %v times a call", allocs)
	}
}
