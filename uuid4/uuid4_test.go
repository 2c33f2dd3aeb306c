package uuid4

import (
	"encoding/binary"
	"fmt"
	"testing"
)

// TestAppend holds Append to the version-4 layout written with fmt: the
// version nibble 4, the variant bits 10, the rest of the bits as given.
func TestAppend(t *testing.T) {
	for _, v := range [][2]uint64{{0, 0}, {^uint64(0), ^uint64(0)}, {0x0123456789abcdef, 0xfedcba9876543210}, {0xd1b54a32d192ed03, 0x9e3779b97f4a7c15}} {
		hi, lo := v[0]&^0xf000|0x4000, v[1]&^(0xc<<60)|0x8<<60
		want := fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, hi>>16&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
		if got := string(Append([]byte("x"), v[0], v[1])); got != "x"+want {
			t.Errorf("Append(%#x, %#x) = %s, want x%s", v[0], v[1], got, want)
		}
		if len(want) != Len {
			t.Fatalf("%s is %d long, Len is %d", want, len(want), Len)
		}
	}
}

// TestAppendBytes: the bytes in order, the version and variant set in
// bytes 6 and 8, as RFC 9562 places them.
func TestAppendBytes(t *testing.T) {
	var ascending, ones [16]byte
	for i := range ascending {
		ascending[i] = byte(i * 17)
		ones[i] = 0xff
	}
	for _, b := range [][16]byte{{}, ones, ascending} {
		v := b
		v[6] = v[6]&0x0f | 0x40
		v[8] = v[8]&0x3f | 0x80
		want := fmt.Sprintf("%x-%x-%x-%x-%x", v[0:4], v[4:6], v[6:8], v[8:10], v[10:16])
		if got := string(AppendBytes(nil, b)); got != want {
			t.Errorf("AppendBytes(%x) = %s, want %s", b, got, want)
		}
		if got, want := string(AppendBytes(nil, b)), string(Append(nil, binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:]))); got != want {
			t.Errorf("AppendBytes(%x) = %s, Append of its halves %s", b, got, want)
		}
	}
}
