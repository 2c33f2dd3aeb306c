package wechat

import "testing"

// TestSortedSumBytes: the byte-slice version gives the generic one's sum,
// with and without a buffer, for any number of parts, and leaves the parts
// in their order.
func TestSortedSumBytes(t *testing.T) {
	for _, parts := range [][]string{
		nil,
		{"a"},
		{"token", "1749416383", "nonce"},
		{"b", "a", "c", "ab"},
		{"z", "y", "x", "w", "v", "", "x"},
		{"same", "same", "sam", "samf"},
	} {
		bs := make([][]byte, len(parts))
		for i, p := range parts {
			bs[i] = []byte(p)
		}
		want, _ := sortedSum(parts, nil)
		got, _ := sortedSumBytes(bs, nil)
		got2, _ := sortedSumBytes(bs, make([]byte, 0, 4))
		if got != want || got2 != want {
			t.Errorf("%q: %x / %x, want %x", parts, got, got2, want)
		}
		for i, p := range parts {
			if string(bs[i]) != p {
				t.Errorf("%q: parts reordered", parts)
			}
		}
	}
}
