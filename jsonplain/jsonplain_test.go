package jsonplain

import (
	"strings"
	"testing"
)

// TestPrefixes holds Prefix and HTMLPrefix to a byte-by-byte reading: the
// longest prefix of bytes each copies, rounded down to whole words of
// eight bytes, for every byte value at every place of a word and across
// words, in strings and in bytes.
func TestPrefixes(t *testing.T) {
	plain := func(c byte) bool { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' }
	html := func(c byte) bool { return plain(c) && c != '<' && c != '>' && c != '&' }
	meta := func(c byte) bool { return html(c) && c != '/' && c != '%' && c != '@' }
	for _, f := range []struct {
		name  string
		keep  func(byte) bool
		str   func(string) int
		bytes func([]byte) int
	}{
		{"Prefix", plain, Prefix[string], Prefix[[]byte]},
		{"HTMLPrefix", html, HTMLPrefix[string], HTMLPrefix[[]byte]},
		{"MetaPrefix", meta, MetaPrefix[string], MetaPrefix[[]byte]},
	} {
		for n := range 20 {
			for at := range n {
				for c := range 256 {
					b := []byte(strings.Repeat("a~ Z\x7f", 4)[:n])
					b[at] = byte(c)
					ref := 0
					for ref < len(b) && f.keep(b[ref]) {
						ref++
					}
					want := ref / 8 * 8
					if got := f.str(string(b)); got != want {
						t.Fatalf("%s(%q) = %d, want %d", f.name, b, got, want)
					}
					if got := f.bytes(b); got != want {
						t.Fatalf("%s(%q) bytes = %d, want %d", f.name, b, got, want)
					}
				}
			}
		}
	}
}

// FuzzPrefixes holds all three to the byte-by-byte reading on any input.
func FuzzPrefixes(f *testing.F) {
	f.Add("0123456789abcdef\"x")
	f.Add("<html>&amp;</html>!")
	f.Add("https://example.com/a%20b@c")
	f.Fuzz(func(t *testing.T, s string) {
		ref, html := 0, 0
		for ref < len(s) && s[ref] >= 0x20 && s[ref] < 0x80 && s[ref] != '"' && s[ref] != '\\' {
			ref++
		}
		for html < ref && s[html] != '<' && s[html] != '>' && s[html] != '&' {
			html++
		}
		if got := Prefix(s); got != ref/8*8 {
			t.Fatalf("Prefix(%q) = %d, want %d", s, got, ref/8*8)
		}
		if got := HTMLPrefix(s); got != html/8*8 {
			t.Fatalf("HTMLPrefix(%q) = %d, want %d", s, got, html/8*8)
		}
		meta := 0
		for meta < html && s[meta] != '/' && s[meta] != '%' && s[meta] != '@' {
			meta++
		}
		if got := MetaPrefix(s); got != meta/8*8 {
			t.Fatalf("MetaPrefix(%q) = %d, want %d", s, got, meta/8*8)
		}
	})
}
