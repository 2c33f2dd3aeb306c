// Package jsonplain finds, eight bytes at a time, the run of bytes at the
// start of a string that a JSON string writer copies as they are: the
// fakes' and adapters' append encoders copy that run whole and read byte
// by byte only from the first byte that may need escaping.
package jsonplain

// ones and highs are the byte-wise constants of the word tests.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// word is the first eight bytes of s (at least eight long), the first the
// lowest.
func word[T ~string | ~[]byte](s T) uint64 {
	w := s[:8]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// has marks with its high bit each byte of x equal to c, and the bytes of
// 0x80 and above but c^0x80, and may mark bytes above one it marks (the
// borrow): the mark is exact in whether any byte under 0x80 is c. Every
// caller marks the bytes of 0x80 and above anyway, so no difference is
// masked with its byte.
func has(x uint64, c byte) uint64 {
	return x ^ uint64(c)*ones - ones
}

// special marks (exactly in whether any byte is) the bytes of x that no
// writer copies as they are: 0x80 and above, under 0x20, '"' and '\\'.
// The difference with 0x20 marks the bytes under 0x20 and from 0xa0 on;
// has(x, '\\') marks every byte from 0x80 on but 0xdc (whose difference
// with '\\' is 0x80), so no term of x itself is needed. A borrow starts
// only at a byte marked in its own right.
func special(x uint64) uint64 {
	return (x - 0x20*ones) | has(x, '"') | has(x, '\\')
}

// hasEither marks each byte of x equal to c or to c|bit (bit one bit
// that c does not have) as has marks each byte equal to c.
func hasEither(x uint64, c, bit byte) uint64 {
	return (x^uint64(c)*ones)&^(uint64(bit)*ones) - ones
}

// Prefix is the length of s's longest prefix of printable ASCII other
// than '"' and '\\' (0x7f included), rounded down to a multiple of
// eight.
func Prefix[T ~string | ~[]byte](s T) int {
	n := len(s)
	for ; len(s) >= 8; s = s[8:] {
		if special(word(s))&highs != 0 {
			break
		}
	}
	return n - len(s)
}

// HTMLPrefix is Prefix stopping at '<', '>' and '&' too, which
// encoding/json's HTML-safe strings escape.
func HTMLPrefix[T ~string | ~[]byte](s T) int {
	n := len(s)
	for ; len(s) >= 8; s = s[8:] {
		x := word(s)
		// '<' and '>' differ in one bit, as do '"' and '&'.
		if ((x-0x20*ones)|hasEither(x, '<', 2)|hasEither(x, '"', 4)|has(x, '\\'))&highs != 0 {
			break
		}
	}
	return n - len(s)
}

// MetaPrefix is HTMLPrefix stopping at '/', '%' and '@' too, which Meta's
// escaped form of a string writes as escapes.
func MetaPrefix[T ~string | ~[]byte](s T) int {
	n := len(s)
	for ; len(s) >= 8; s = s[8:] {
		x := word(s)
		if ((x-0x20*ones)|hasEither(x, '<', 2)|hasEither(x, '"', 4)|has(x, '\\')|has(x, '/')|has(x, '%')|has(x, '@'))&highs != 0 {
			break
		}
	}
	return n - len(s)
}
