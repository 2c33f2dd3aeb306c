package jsonscan

import "unsafe"

// arenaBlock is the size of the blocks an Arena carves strings from, and
// arenaMax the longest string it carves (longer ones are allocated on
// their own, so that a block is not left mostly empty).
const (
	arenaBlock = 4096
	arenaMax   = arenaBlock / 8
)

// Arena makes short strings that a decoder or encoder hands out one at a
// time (an id, a signature, the strings of one message) in shared blocks,
// dozens to an allocation instead of one each. Bytes once handed out are
// never written again, so each string is an ordinary immutable one, valid
// for as long as anything holds it; a block lives as long as any of its
// strings. Keep in an Arena only strings whose lives are alike and short
// (about a conversation's). The zero Arena is ready to use; it is not safe
// for concurrent use, and is kept with the state it serves (a pooled
// scanner, a server under its lock). An Arena copied by value starts a
// block of its own at its first string, so that two copies never write
// the same bytes.
type Arena struct {
	// b is the current block: b[:len(b)] handed out, b[len(b):cap(b)]
	// free. addr is the Arena that owns b (nil: none yet).
	b    []byte
	addr *Arena
}

// Make returns a string of the bytes of b: made in a, or, when a is nil or
// b is long, in an allocation of its own.
func (a *Arena) Make(b []byte) string {
	if a == nil || len(b) > arenaMax {
		return string(b)
	}
	if len(b) == 0 {
		return ""
	}
	free := a.room(len(b))
	return a.take(append(free, b...))
}

// Room returns an empty slice of a's free bytes with room for at least n
// (n at most arenaMax; a longer n gets room for arenaMax): a string's bytes
// appended to it within its capacity and handed to [Arena.Keep] become a
// string without a copy. Bytes written to it but not kept are overwritten
// by the arena's next string.
func (a *Arena) Room(n int) []byte {
	return a.room(min(n, arenaMax))
}

// Keep returns a string of the bytes of b: in place when b is what the
// last Room returned with bytes appended within its capacity, and as Make
// makes it otherwise (b grew out of the room, or was not made from it).
// b must not be written to afterwards.
func (a *Arena) Keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	n := len(a.b)
	if a.addr != a || n >= cap(a.b) || len(b) > cap(a.b)-n || unsafe.SliceData(b) != unsafe.SliceData(a.b[n:n+1]) {
		return a.Make(b)
	}
	return a.take(b)
}

// room returns a[len:len] of a block with at least n free bytes, n at
// most arenaBlock.
func (a *Arena) room(n int) []byte {
	if a.addr != a || cap(a.b)-len(a.b) < n {
		a.b, a.addr = make([]byte, 0, arenaBlock), a
	}
	return a.b[len(a.b):len(a.b)]
}

// take hands out the string of b, made of the bytes that follow a's
// handed-out ones and within its block, and marks them handed out.
func (a *Arena) take(b []byte) string {
	a.b = a.b[:len(a.b)+len(b)]
	return unsafe.String(unsafe.SliceData(b), len(b))
}
