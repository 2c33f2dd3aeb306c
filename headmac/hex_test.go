package headmac

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

// equalHexByDecoding is EqualHex as encoding/hex and hmac.Equal answer it.
func equalHexByDecoding(s string, sum []byte) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(s) == 2*len(sum) && hmac.Equal(b, sum)
}

func TestEqualHex(t *testing.T) {
	sum := []byte{0x00, 0x9f, 0xa5, 0x3c, 0xff, 0x10}
	lower := hex.EncodeToString(sum)
	tests := []struct {
		name string
		s    string
		want bool
	}{
		{"lower case", lower, true},
		{"upper case", strings.ToUpper(lower), true},
		{"mixed case", "009Fa53CfF10", true},
		{"empty for none", "", false},
		{"short", lower[1:], false},
		{"long", lower + "0", false},
		{"a byte more", lower + "00", false},
		{"other digest", strings.Repeat("0", len(lower)), false},
		{"not hex", "0g" + lower[2:], false},
		{"space", " 0" + lower[2:], false},
		{"sign", "+0" + lower[2:], false},
	}
	for _, tt := range tests {
		if got := EqualHex(tt.s, sum); got != tt.want {
			t.Errorf("%s: EqualHex(%q) = %v, want %v", tt.name, tt.s, got, tt.want)
		}
		if got := equalHexByDecoding(tt.s, sum); got != tt.want {
			t.Errorf("%s: encoding/hex says %v, the table says %v", tt.name, got, tt.want)
		}
	}
	if !EqualHex("", nil) {
		t.Error("no digits are not the hex of no bytes")
	}
	// Every byte value at every digit of digests of every length up to
	// 40 bytes (a SHA-256 digest and past it, so that each step of
	// EqualHex's loops and its tail is reached): only the right digit, of
	// either case, is taken.
	all := sha256.Sum256([]byte("headmac"))
	long := append(all[:], all[:8]...)
	for n := 0; n <= len(long); n++ {
		sum := long[:n]
		lower := hex.EncodeToString(sum)
		for i := range lower {
			for c := 0; c < 256; c++ {
				s := lower[:i] + string([]byte{byte(c)}) + lower[i+1:]
				if got, want := EqualHex(s, sum), equalHexByDecoding(s, sum); got != want {
					t.Fatalf("%d bytes, %q: EqualHex %v, encoding/hex %v", n, s, got, want)
				}
			}
		}
	}
}

// FuzzEqualHex holds EqualHex to decoding with encoding/hex and comparing
// with hmac.Equal.
func FuzzEqualHex(f *testing.F) {
	f.Add("009fa53cff10", []byte{0x00, 0x9f, 0xa5, 0x3c, 0xff, 0x10})
	f.Add("009FA53CFF10", []byte{0x00, 0x9f, 0xa5, 0x3c, 0xff, 0x10})
	f.Add("0g", []byte{0})
	f.Add("3bf7374433906636bed1653bc7c64affb42fa5da9a39e251ab95c2e3a9c06923",
		[]byte("\x0b\xf7\x37\x44\x33\x90\x66\x36\xbe\xd1\x65\x3b\xc7\xc6\x4a\xff\xb4\x2f\xa5\xda\x9a\x39\xe2\x51\xab\x95\xc2\xe3\xa9\xc0\x69\x23"))
	f.Fuzz(func(t *testing.T, s string, sum []byte) {
		if got, want := EqualHex(s, sum), equalHexByDecoding(s, sum); got != want {
			t.Fatalf("EqualHex(%q, %x) = %v, encoding/hex %v", s, sum, got, want)
		}
		// The digest's own digits, either case, always match.
		enc := hex.EncodeToString(sum)
		if !EqualHex(enc, sum) || !EqualHex(strings.ToUpper(enc), sum) {
			t.Fatalf("%x: its own hex is not taken", sum)
		}
	})
}

func TestAppendHex(t *testing.T) {
	// Every byte value in every position of a word and of the tail, and
	// every length up to two SHA-512 digests, against encoding/hex.
	var all [256]byte
	for i := range all {
		all[i] = byte(i)
	}
	for off := 0; off < 4; off++ {
		for n := 0; n+off <= len(all); n++ {
			sum := all[off : off+n]
			if got, want := string(AppendHex(nil, sum)), hex.EncodeToString(sum); got != want {
				t.Fatalf("AppendHex(% x) = %q, want %q", sum, got, want)
			}
		}
	}
	if got := string(AppendHex([]byte("sha256="), []byte{0xab, 0x01})); got != "sha256=ab01" {
		t.Errorf("after a prefix: %q, want %q", got, "sha256=ab01")
	}
	if got := AppendHex(nil, nil); len(got) != 0 {
		t.Errorf("no bytes: %q", got)
	}
}

func FuzzAppendHex(f *testing.F) {
	f.Add([]byte("sha1="), []byte{0x00, 0x9f, 0xa5, 0x3c, 0xff})
	f.Add([]byte{}, []byte("0123456789abcdefghijklmnopqrstuvwxyz"))
	f.Fuzz(func(t *testing.T, prefix, sum []byte) {
		want := hex.AppendEncode(append([]byte(nil), prefix...), sum)
		// A fresh dst: the fuzzer's two arguments may share an array, and
		// sum may not overlap the room dst grows into.
		if got := AppendHex(append([]byte(nil), prefix...), sum); string(got) != string(want) {
			t.Fatalf("AppendHex(%q, % x) = %q, encoding/hex %q", prefix, sum, got, want)
		}
	})
}

func TestAppendBase64(t *testing.T) {
	// Every length up to past a SHA-512 sum, every byte value in every
	// place of a six-byte load, and the ends of one to three bytes.
	var all [256 + 7]byte
	for i := range all {
		all[i] = byte(i * 7)
	}
	for off := 0; off < 6; off++ {
		for n := 0; off+n <= len(all); n++ {
			src := all[off : off+n]
			if got, want := string(AppendBase64(nil, src)), base64.StdEncoding.EncodeToString(src); got != want {
				t.Fatalf("AppendBase64(% x) = %q, want %q", src, got, want)
			}
		}
	}
	if got := string(AppendBase64([]byte("sig="), []byte{0xfb, 0xff})); got != "sig=+/8=" {
		t.Errorf("after a prefix: %q, want %q", got, "sig=+/8=")
	}
}

func FuzzAppendBase64(f *testing.F) {
	f.Add([]byte("sig="), []byte{0x00, 0x9f, 0xa5, 0x3c, 0xff})
	f.Add([]byte{}, []byte("0123456789abcdefghijklmnopqrstuvwxyz"))
	f.Fuzz(func(t *testing.T, prefix, src []byte) {
		want := base64.StdEncoding.AppendEncode(append([]byte(nil), prefix...), src)
		// A fresh dst: src may not overlap the room dst grows into.
		if got := AppendBase64(append([]byte(nil), prefix...), src); string(got) != string(want) {
			t.Fatalf("AppendBase64(%q, % x) = %q, encoding/base64 %q", prefix, src, got, want)
		}
	})
}
