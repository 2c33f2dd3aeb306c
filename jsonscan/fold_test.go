package jsonscan

import (
	"bytes"
	"testing"
)

// TestMayFold: mayFold never rules out a key that bytes.EqualFold takes
// for a name (so Unknown fails exactly as before), on every key of up to
// three pieces drawn from ASCII bytes of every kind and the characters
// that fold to ASCII letters (the Kelvin sign to k, the long s to s), in
// keys and in names.
func TestMayFold(t *testing.T) {
	pieces := []string{"", "k", "K", "s", "S", "a", "@", "`", "[", "{", "_", "0", "\u212a", "\u017f", "\xc5", "\xe2\x84", "é"}
	names := []string{"", "k", "s", "ks", "sk", "kelvin", "a", "@", "`", "id", "type", "_k", "é", "\u212a", "x\u017f"}
	skipped := 0
	for _, a := range pieces {
		for _, b := range pieces {
			for _, c := range pieces {
				key := []byte(a + b + c)
				for _, n := range names {
					fold := bytes.EqualFold(key, []byte(n))
					if may := mayFold(key, n); fold && !may {
						t.Fatalf("mayFold(%q, %q) = false, but bytes.EqualFold takes them", key, n)
					} else if !may {
						skipped++
					}
				}
			}
		}
	}
	if skipped == 0 {
		t.Error("mayFold rules out nothing")
	}
}
