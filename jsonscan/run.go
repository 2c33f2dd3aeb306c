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

// plainEnd is the index of the first byte of s from i on that plain does
// not mark (0x80 and above too), or len(s): the end of the run of a
// string's bytes that StrBytes and unquote take as they are. It reads as
// quotedEnd does.
func plainEnd(s []byte, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if m := plainMark(binary.LittleEndian.Uint64(s[i : i+8 : i+8])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for i < len(s) && plain[s[i]] {
		i++
	}
	return i
}
