package wechat

import "testing"

// TestNameBytes holds the name table to the rule it encodes, on every byte:
// a name starts with an ASCII letter or '_' and goes on with those, digits,
// '-' and '.'.
func TestNameBytes(t *testing.T) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		start := b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_'
		rest := start || b >= '0' && b <= '9' || b == '-' || b == '.'
		if nameStart(b) != start || nameByte(b) != rest {
			t.Errorf("%q: nameStart %v nameByte %v, want %v %v", b, nameStart(b), nameByte(b), start, rest)
		}
	}
}
