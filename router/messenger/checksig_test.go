package messenger

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// TestCheckSig holds the signature header check to its digest: either
// case of hex, the prefix required, and anything else refused.
func TestCheckSig(t *testing.T) {
	body := []byte(`{"object":"page"}`)
	m256 := hmac.New(sha256.New, []byte("secret"))
	m256.Write(body)
	sum256 := m256.Sum(nil)
	m1 := hmac.New(sha1.New, []byte("secret"))
	m1.Write(body)
	sum1 := m1.Sum(nil)
	h256, h1 := hex.EncodeToString(sum256), hex.EncodeToString(sum1)
	tests := []struct {
		name, sig, prefix string
		sum               []byte
		want              bool
	}{
		{"sha256", "sha256=" + h256, "sha256=", sum256, true},
		{"sha256 upper case", "sha256=" + strings.ToUpper(h256), "sha256=", sum256, true},
		{"sha1", "sha1=" + h1, "sha1=", sum1, true},
		{"wrong prefix", "sha1=" + h256, "sha256=", sum256, false},
		{"no prefix", h256, "sha256=", sum256, false},
		{"short", "sha256=" + h256[2:], "sha256=", sum256, false},
		{"long", "sha256=" + h256 + "00", "sha256=", sum256, false},
		{"not hex", "sha256=" + "zz" + h256[2:], "sha256=", sum256, false},
		{"other digest", "sha256=" + strings.Repeat("0", 64), "sha256=", sum256, false},
	}
	for _, tt := range tests {
		if got := checkSig(tt.sig, tt.prefix, tt.sum); got != tt.want {
			t.Errorf("%s: checkSig = %v, want %v", tt.name, got, tt.want)
		}
	}
}
