package businessmessages

import (
	"fmt"
	"testing"
)

// TestAppendUUID holds appendUUID to the version-4 layout written with
// fmt: the version nibble 4, the variant bits 10, the rest as given.
func TestAppendUUID(t *testing.T) {
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
		if got := string(appendUUID([]byte("x"), b)); got != "x"+want {
			t.Errorf("appendUUID(%x) = %s, want x%s", b, got, want)
		}
	}
}
