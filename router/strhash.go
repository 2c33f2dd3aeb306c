package router

import (
	"hash/maphash"
	"math/bits"
)

// strHash hashes the short strings the engine's indexes are keyed by
// (customer ids, message ids) with a per-index seed, as wyhash does:
// sixteen bytes at a time, each eight folded in by a 64x64->128-bit
// multiply, the last one to sixteen bytes read as two overlapping halves
// (about a third of maphash.String's instructions on a 12-byte id). The
// seed keeps an index's layout unguessable, as maphash's does.
func strHash(seed uint64, s string) uint64 {
	const m1, m2 = 0xa0761d6478bd642f, 0xe7037ed1a0b428db
	n := len(s)
	h := seed
	for len(s) > 16 {
		h = fold(le64(s)^m1, le64(s[8:])^h)
		s = s[16:]
	}
	var a, b uint64
	switch r := len(s); {
	case r > 8:
		a, b = le64(s), le64(s[r-8:])
	case r >= 4:
		a, b = uint64(le32(s)), uint64(le32(s[r-4:]))
	case r > 0:
		a = uint64(s[0])<<16 | uint64(s[r>>1])<<8 | uint64(s[r-1])
	}
	return fold(m1^uint64(n), fold(a^m2, b^h))
}

// newSeed is a random seed for strHash.
func newSeed() uint64 { return maphash.String(maphash.MakeSeed(), "") }

// fold multiplies a by b to 128 bits and returns the halves xored.
func fold(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// le64 is the first eight bytes of s, little-endian.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// le32 is the first four bytes of s, little-endian.
func le32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}
