package wechat

import (
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"testing"
)

// TestSumEqual holds the signature comparison to its digest: either case
// of hex, and anything else refused.
func TestSumEqual(t *testing.T) {
	sum := sha1.Sum([]byte("token1700000000nonce"))
	h := hex.EncodeToString(sum[:])
	tests := []struct {
		name, got string
		want      bool
	}{
		{"lower case", h, true},
		{"upper case", strings.ToUpper(h), true},
		{"short", h[1:], false},
		{"long", h + "0", false},
		{"not hex", "g" + h[1:], false},
		{"other digest", strings.Repeat("0", 40), false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		if got := sumEqual(tt.got, &sum); got != tt.want {
			t.Errorf("%s: sumEqual = %v, want %v", tt.name, got, tt.want)
		}
	}
}
