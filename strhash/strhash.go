// Package strhash is a fast seeded hash of short strings (customer ids,
// message ids, phone numbers) for the project's own hash tables, in the
// manner of wyhash: sixteen bytes at a time, each eight folded in by a
// 64x64->128-bit multiply. On a 12-byte id it takes about a third of
// hash/maphash.String's instructions. The seed keeps a table's layout
// unguessable, as maphash's does; nothing may depend on a hash's value
// beyond one process.
package strhash

import (
	"hash/maphash"
	"math/bits"
	"unsafe"
)

// String hashes s under seed: sixteen bytes at a time, the last one to
// sixteen read as two overlapping halves. The running hash is folded into
// both halves of every multiply, so that no input can zero an operand, and
// with it everything hashed before, without knowing the seed.
func String(seed uint64, s string) uint64 {
	const m1, m2 = 0xa0761d6478bd642f, 0xe7037ed1a0b428db
	n := len(s)
	h := seed
	for len(s) > 16 {
		h = fold(le64(s)^m1^h, le64(s[8:])^h)
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
	return fold(m1^uint64(n), fold(a^m2^h, b^h))
}

// Copy is String(seed, s), and copies s into dst, which must hold it (it
// panics otherwise): for a table that keeps a copy of each key it indexes,
// the one pass that reads s for the hash writes each word it reads, so s
// is read once and no copy is called. Every byte of s is
// read by String (the last one to sixteen as two overlapping halves, or
// one to three bytes as three), so writing what it reads where it read it
// copies s whole.
func Copy(seed uint64, dst []byte, s string) uint64 {
	const m1, m2 = 0xa0761d6478bd642f, 0xe7037ed1a0b428db
	n := len(s)
	// dst holds s (the slice expression panics otherwise, whatever lies
	// past dst's length): the bytes are written through d, a pointer that
	// moves along dst as s along its own, with no bounds check of its own.
	d := unsafe.Pointer(unsafe.SliceData(dst[:n:len(dst)]))
	h := seed
	for len(s) > 16 {
		*(*[16]byte)(d) = *(*[16]byte)(unsafe.Pointer(unsafe.StringData(s)))
		h = fold(le64(s)^m1^h, le64(s[8:])^h)
		s, d = s[16:], unsafe.Add(d, 16)
	}
	var a, b uint64
	p := unsafe.Pointer(unsafe.StringData(s))
	switch r := len(s); {
	case r > 8:
		*(*[8]byte)(d) = *(*[8]byte)(p)
		*(*[8]byte)(unsafe.Add(d, r-8)) = *(*[8]byte)(unsafe.Add(p, r-8))
		a, b = le64(s), le64(s[r-8:])
	case r >= 4:
		*(*[4]byte)(d) = *(*[4]byte)(p)
		*(*[4]byte)(unsafe.Add(d, r-4)) = *(*[4]byte)(unsafe.Add(p, r-4))
		a, b = uint64(le32(s)), uint64(le32(s[r-4:]))
	case r > 0:
		x, y, z := s[0], s[r>>1], s[r-1]
		*(*byte)(d), *(*byte)(unsafe.Add(d, r>>1)), *(*byte)(unsafe.Add(d, r-1)) = x, y, z
		a = uint64(x)<<16 | uint64(y)<<8 | uint64(z)
	}
	return fold(m1^uint64(n), fold(a^m2^h, b^h))
}

// NewSeed is a random seed for String, one per table.
func NewSeed() uint64 { return maphash.String(maphash.MakeSeed(), "") }

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

// Same is a == b, without a call where a and b share their bytes: the
// project's tables are mostly asked with the very strings they keep (a
// customer's key, an agent's id, a message id), and == compares bytes in
// a call of its own, which finds shared bytes only there.
func Same(a, b string) bool {
	return len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}

// Shares reports whether a and b are the same bytes at the same address,
// so that a == b; false says nothing. A table that remembers its records
// by the address of their keys' bytes (Addr, AddrSlot) tells a key it
// holds this way, without reading its bytes.
func Shares(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

// Addr is the address of s's bytes.
func Addr(s string) uintptr { return uintptr(unsafe.Pointer(unsafe.StringData(s))) }

// AddrSlot is the place of the address p in a table of 1<<bits places
// (bits 1 to 63), spread by a multiplicative hash: the addresses of
// strings allocated one after another fall in different places.
func AddrSlot(p uintptr, bits uint) uint {
	return uint((uint64(p) * 0x9e3779b97f4a7c15) >> (64 - bits))
}
