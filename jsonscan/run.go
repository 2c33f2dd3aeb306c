package jsonscan

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// ones and highs are the byte-wise constants of the word tests.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// stopMark marks with its high bit each byte of the word x (eight bytes of
// a string, the first the lowest) that is under 0x20, '"' or '\\'. A byte
// above a marked one may be marked too (a borrow), never one below: the
// lowest mark is exact. A byte of 0x80 and above starts no borrow, and
// the one mask with x unmarks it.
func stopMark(x uint64) uint64 {
	return ((x - 0x20*ones) | (x ^ '"'*ones - ones) | (x ^ '\\'*ones - ones)) &^ x & highs
}

// plainMark marks with its high bit each byte of x that plain does not
// mark, as stopMark | x&highs does: a byte of 0x80 and above is marked by
// its own high bit, so no difference needs masking with its byte, and a
// borrow starts only at a byte marked in its own right.
func plainMark(x uint64) uint64 {
	return ((x - 0x20*ones) | (x ^ '"'*ones - ones) | (x ^ '\\'*ones - ones) | x) & highs
}

// quotedEnd is the index of the first byte of s from i on that is under
// 0x20, '"' or '\\', or len(s): the end of the run of a string's bytes
// that a scan checking only the syntax (Member's keys, skipString) steps
// over. It reads eight bytes a step and the last len(s)-i mod 8 one by one.
func quotedEnd(s []byte, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if m := stopMark(binary.LittleEndian.Uint64(s[i : i+8 : i+8])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for i < len(s) && quoted[s[i]] {
		i++
	}
	return i
}

// quoted marks the bytes quotedEnd steps over: plain ones, and 0x80 and
// above.
var quoted = func() (t [256]bool) {
	for c := range t {
		t[c] = plain[c] || c >= utf8.RuneSelf
	}
	return t
}()

// PlainEnd is the index of the first byte of s from i on (i at most
// len(s)) that a JSON string does not hold as itself: a control character
// (under 0x20), '"', '\\', or a byte from 0x80 up (a multi-byte
// character's, which an encoder may escape and a decoder must check);
// len(s) when there is none. The bytes from i up to it are printable ASCII
// (0x7f included) other than '"' and '\\': a string holds them as they
// are, and they decode as themselves. Decoders take such a run without
// looking at its bytes one by one, and encoders copy it whole.
//
// It reads eight bytes a step (plainMark). The last few of a string of at
// least eight are read in the word that ends the string, shifted down so
// that the byte at i is its lowest: the zero bytes shifted in at its top
// are marked, which stops the run at len(s) at the latest, and no byte
// before i is left to mark anything. A shorter string is read byte by byte.
func PlainEnd[S ~string | ~[]byte](s S, i int) int {
	n := len(s)
	for ; i <= n-8; i += 8 {
		if m := plainMark(le64(s[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	switch {
	case i >= n:
		return n
	case n >= 8:
		return i + bits.TrailingZeros64(plainMark(le64(s[n-8:])>>(8*(i-(n-8))&63)))>>3
	}
	for i < n && plain[s[i]] {
		i++
	}
	return i
}

// le64 is the little-endian value of the first eight bytes of s, read in
// one load.
func le64[S ~string | ~[]byte](s S) uint64 {
	s = s[:8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
