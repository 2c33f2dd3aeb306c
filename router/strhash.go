package router

import (
	"hash/maphash"
	"math/bits"
)

// strHash hashes the short strings the engine's indexes are keyed by
// (customer ids, message ids) with a per-index seed: eight bytes at a
// time, each folded in by a 64x64->128-bit multiply (as wyhash does), the
// last one to eight bytes read as two overlapping halves: about a third
// of maphash.String's instructions on a 12-byte id. The seed keeps an
// index's layout unguessable, as maphash's does.
func strHash(seed uint64, s string) uint64 {
	const m1, m2 = 0xa0761d6478bd642f, 0xe7037ed1a0b428db
	h := seed ^ uint64(len(s))*m1
	for len(s) > 8 {
		h = fold(h^le64(s), m2)
		s = s[8:]
	}
	var w uint64
	switch n := len(s); {
	case n >= 4:
		w = uint64(le32(s))<<32 | uint64(le32(s[n-4:]))
	case n > 0:
		w = uint64(s[0])<<16 | uint64(s[n>>1])<<8 | uint64(s[n-1])
	}
	return fold(h^w^m1, m2^seed)
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
