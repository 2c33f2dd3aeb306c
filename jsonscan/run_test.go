package jsonscan

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/bits"
	"testing"
)

// fillers are the bytes around the stop byte in the run tests: none is
// under 0x20, '"' or '\\', and the second holds bytes that end the plain
// runs of StrBytes and unquote (0x80 and above) without ending the string.
var fillers = []string{"abcdefgh /~\x7f", "a\xc3\xa4b\x80\xffz\xe2\x82\xac/ "}

// stops is every byte at which quotedEnd stops.
func stops() []byte {
	s := []byte{'"', '\\'}
	for c := byte(0); c < 0x20; c++ {
		s = append(s, c)
	}
	return s
}

// runBody is n bytes of filler f, with c at p when p is in range.
func runBody(f string, n, p int, c byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = f[i%len(f)]
	}
	if p >= 0 && p < n {
		b[p] = c
	}
	return b
}

// eachRun calls fn with every body of length 0 to 40 of each filler,
// without a stop byte and with each stop byte at each position, and with
// 0x80 and 0xff (which end only StrBytes' and unquote's plain runs).
func eachRun(fn func(body []byte)) {
	for _, f := range fillers {
		for n := 0; n <= 40; n++ {
			fn(runBody(f, n, -1, 0))
			for _, c := range append(stops(), 0x80, 0xff) {
				for p := 0; p < n; p++ {
					fn(runBody(f, n, p, c))
				}
			}
		}
	}
}

// firstStop is the index of b's first byte under 0x20, '"' or '\\',
// byte by byte, or len(b).
func firstStop(b []byte) int {
	for i, c := range b {
		if c < 0x20 || c == '"' || c == '\\' {
			return i
		}
	}
	return len(b)
}

// firstPlainStop is the index of b's first byte that plain does not
// mark, byte by byte, or len(b).
func firstPlainStop(b []byte) int {
	for i, c := range b {
		if !plain[c] {
			return i
		}
	}
	return len(b)
}

func TestRunEnds(t *testing.T) {
	eachRun(func(b []byte) {
		for i := 0; i <= len(b); i++ {
			if got, want := quotedEnd(b, i), i+firstStop(b[i:]); got != want {
				t.Fatalf("quotedEnd(%q, %d) = %d, byte by byte %d", b, i, got, want)
			}
			want := i + firstPlainStop(b[i:])
			if got := PlainEnd(b, i); got != want {
				t.Fatalf("PlainEnd(%q, %d) = %d, byte by byte %d", b, i, got, want)
			}
			if got := PlainEnd(string(b), i); got != want {
				t.Fatalf("PlainEnd(string %q, %d) = %d, byte by byte %d", b, i, got, want)
			}
		}
	})
}

// TestMemberRuns holds Member's key scan to the byte-by-byte answer: a
// key is read, whole and raw, when it holds no stop byte.
func TestMemberRuns(t *testing.T) {
	eachRun(func(body []byte) {
		in := fmt.Appendf(nil, `{"%s":1}`, body)
		var d Scanner
		d.Reset(in)
		d.Open('{')
		key, ok := d.Member(0)
		if want := firstStop(body) == len(body); ok != want || ok && string(key) != string(body) {
			t.Fatalf("%q: Member %q %v, want %v", in, key, ok, want)
		}
		d.Reset(in)
		d.Skip()
		if got, want := d.OK() && d.End(), firstStop(body) == len(body); got != want {
			t.Fatalf("%q: skipped %v, want %v", in, got, want)
		}
	})
}

// TestStringRuns holds StrBytes, unquote and skipString to encoding/json,
// which reads byte by byte, on every run: the scanner takes a string
// exactly when encoding/json does, and decodes it alike.
func TestStringRuns(t *testing.T) {
	eachRun(func(body []byte) {
		for _, in := range [][]byte{
			fmt.Appendf(nil, `"%s"`, body),
			fmt.Appendf(nil, `"\n%s"`, body), // unquote from the start
			fmt.Appendf(nil, `"%s\t"`, body),
		} {
			var want string
			err := json.Unmarshal(in, &want)
			var d Scanner
			d.Reset(in)
			got := d.Str()
			if ok := d.OK() && d.End(); ok != (err == nil) || ok && got != want {
				t.Fatalf("%q: scanner %q (ok %v), encoding/json %q (%v)", in, got, ok, want, err)
			}
			d.Reset(in)
			d.Skip()
			if ok := d.OK() && d.End(); ok != (err == nil) {
				t.Fatalf("%q: skipped %v, encoding/json %v", in, ok, err)
			}
		}
	})
}

// TestMarks holds stopMark's and plainMark's lowest marks to the
// byte-by-byte answers on every pair of byte values at every pair of
// positions of a word, the other bytes plain.
func TestMarks(t *testing.T) {
	lowest := func(m uint64) int {
		if m == 0 {
			return 8
		}
		return bits.TrailingZeros64(m) >> 3
	}
	for p := 0; p < 8; p++ {
		for q := p + 1; q < 8; q++ {
			for c := 0; c < 256; c++ {
				for e := 0; e < 256; e++ {
					w := []byte("abcdefgh")
					w[p], w[q] = byte(c), byte(e)
					x := binary.LittleEndian.Uint64(w)
					if got, want := lowest(stopMark(x)), firstStop(w); got != want {
						t.Fatalf("stopMark(%q) marks %d first, byte by byte %d", w, got, want)
					}
					if got, want := lowest(plainMark(x)), firstPlainStop(w); got != want {
						t.Fatalf("plainMark(%q) marks %d first, byte by byte %d", w, got, want)
					}
				}
			}
		}
	}
}
