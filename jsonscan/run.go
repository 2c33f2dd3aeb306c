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
// lowest mark is exact.
func stopMark(x uint64) uint64 {
	q := x ^ '"'*ones
	b := x ^ '\\'*ones
	return ((x-0x20*ones)&^x | (q-ones)&^q | (b-ones)&^b) & highs
}

// quotedEnd is the index of the first byte of s from i on that is under
// 0x20, '"' or '\\', or len(s): the end of the run of a string's bytes
// that a scan checking only the syntax (Member's keys, skipString) steps
// over. It reads eight bytes a step and the last len(s)-i mod 8 one by one.
func quotedEnd(s []byte, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if m := stopMark(binary.LittleEndian.Uint64(s[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for i < len(s) && (plain[s[i]] || s[i] >= utf8.RuneSelf) {
		i++
	}
	return i
}

// plainEnd is the index of the first byte of s from i on that plain does
// not mark (0x80 and above too), or len(s): the end of the run of a
// string's bytes that StrBytes and unquote take as they are. It reads as
// quotedEnd does.
func plainEnd(s []byte, i int) int {
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64(s[i:])
		if m := stopMark(x) | x&highs; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for i < len(s) && plain[s[i]] {
		i++
	}
	return i
}
