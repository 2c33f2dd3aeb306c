// Package uuid4 writes version-4 UUIDs (RFC 9562) from 128 drawn bits:
// the ids of the fakes and adapters whose platforms send UUIDs (Business
// Messages' messageId and requestId, LINE's X-Line-Request-Id and
// X-Line-Retry-Key). It appends to the caller's buffer, so that an id
// carved from a shared block costs no allocation of its own.
package uuid4

import (
	"encoding/binary"
	"encoding/hex"
)

// Len is the length of a UUID's text.
const Len = 36

// Append appends the UUID of the bits hi (the first eight bytes, big
// endian) and lo (the last eight) with the version nibble set to 4 and
// the variant bits to 10: 32 lower-case hex digits in groups of
// 8-4-4-4-12.
func Append(dst []byte, hi, lo uint64) []byte {
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], hi&^0xf000|0x4000)
	binary.BigEndian.PutUint64(raw[8:], lo&^(0xc<<60)|0x8<<60)
	var b [Len]byte
	hex.Encode(b[0:8], raw[0:4])
	hex.Encode(b[9:13], raw[4:6])
	hex.Encode(b[14:18], raw[6:8])
	hex.Encode(b[19:23], raw[8:10])
	hex.Encode(b[24:36], raw[10:16])
	b[8], b[13], b[18], b[23] = '-', '-', '-', '-'
	return append(dst, b[:]...)
}

// AppendBytes is Append of the 16 bytes b, hi first.
func AppendBytes(dst []byte, b [16]byte) []byte {
	return Append(dst, binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:]))
}
