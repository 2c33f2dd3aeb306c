package line

import (
	"fmt"
	"testing"

	"github.com/omnisim/omnisim/splitmix"
)

// TestAppendUUID holds appendUUID to the version-4 layout written with
// fmt: the version nibble 4, the variant bits 10, the rest of the bits
// as drawn.
func TestAppendUUID(t *testing.T) {
	for _, v := range [][2]uint64{{0, 0}, {^uint64(0), ^uint64(0)}, {0x0123456789abcdef, 0xfedcba9876543210}, {splitmix.Mix(1), splitmix.Mix(2)}} {
		hi, lo := v[0]&^0xf000|0x4000, v[1]&^(0xc<<60)|0x8<<60
		want := fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, hi>>16&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
		if got := string(appendUUID([]byte("x"), v[0], v[1])); got != "x"+want {
			t.Errorf("appendUUID(%#x, %#x) = %s, want x%s", v[0], v[1], got, want)
		}
	}
}
