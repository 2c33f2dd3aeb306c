package jsonscan

import (
	"unsafe"

	"github.com/omnisim/omnisim/internal/blockpool"
)

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
// the same bytes. An Arena given a pool (UsePool) is the exception: its
// Release gives its blocks to the next user, which writes over every
// string made in them, and it must not be copied.
type Arena struct {
	// b is the current block: b[:len(b)] handed out, b[len(b):cap(b)]
	// free. addr is the Arena that owns b (nil: none yet).
	b    []byte
	addr *Arena
	// pool, when set (UsePool), is where a takes its blocks, and blocks
	// the blocks it took, for Release to give back: fewer than maxKept
	// (an arena that needs more lets them go and stops using its pool).
	pool   *blockpool.Raw[Block]
	blocks []*Block
}

// Block is an arena's block of bytes.
type Block [arenaBlock]byte

// maxKept bounds the blocks (8 MiB) an arena with a pool keeps for
// Release: fewer than maxKept. An arena that would keep more is a
// long-lived one whose
// strings mostly die long before its owner's use ends: it lets the blocks
// it kept go with their strings and stops using its pool, so that it
// never holds memory its strings no longer need.
const maxKept = 2048

// UsePool makes a take its blocks from p and keep them for Release to give
// back as they are (until it would keep maxKept: see there): for an arena
// whose strings nothing reads once its owner's use ends. An arena with a
// pool must not be copied.
func (a *Arena) UsePool(p *blockpool.Raw[Block]) { a.pool = p }

// Release gives the blocks a took from its pool back to it (none when it
// has no pool), and leaves a empty. Every string a made in them is then
// invalid: the pool's next taker writes over it, so nothing may hold one.
func (a *Arena) Release() {
	if a.pool == nil {
		return
	}
	for _, b := range a.blocks {
		a.pool.Put(b)
	}
	clear(a.blocks)
	a.blocks, a.b, a.addr = a.blocks[:0], nil, nil
}

// newBlock makes a's current block a new one: from its pool while it keeps
// fewer than maxKept, else an allocation of its own.
func (a *Arena) newBlock() {
	if a.pool != nil {
		if len(a.blocks) < maxKept-1 {
			b := a.pool.Get()
			a.blocks = append(a.blocks, b)
			a.b, a.addr = b[:0:arenaBlock], a
			return
		}
		a.letGo()
	}
	a.b, a.addr = make([]byte, 0, arenaBlock), a
}

// letGo drops the blocks a kept, to the collector with their strings, and
// its pool: newBlock's rare path, out of its line.
//
//go:noinline
func (a *Arena) letGo() {
	clear(a.blocks)
	a.blocks, a.pool = nil, nil
}

// Make returns a string of the bytes of b: made in a, or, when a is nil or
// b is long, in an allocation of its own.
func (a *Arena) Make(b []byte) string {
	n := len(b)
	if a == nil || uint(n-1) >= arenaMax { // none, empty or long
		return string(b)
	}
	if a.addr != a || cap(a.b)-len(a.b) < n {
		a.newBlock()
	}
	from := len(a.b)
	a.b = a.b[:from+n]
	copy(a.b[from:], b)
	return unsafe.String(&a.b[from], n)
}

// Room returns a's free bytes, at least n of them (n at most arenaMax; a
// longer n gets arenaMax): a string's bytes written at their start and
// handed out by [Arena.Take] become a string without a copy. Bytes written
// there but not taken are overwritten by the arena's next string.
func (a *Arena) Room(n int) []byte {
	return a.room(min(n, arenaMax))
}

// Free returns the free bytes of a's block as an empty slice with their
// capacity, which may be less than a string needs: none when a has no
// block of its own yet, as a copied Arena has not. It is Room's fast
// path, inlined where Room's call of room is not, for a caller that calls
// Room only when Free has too few: bytes written there are taken by Take
// as Room's are.
func (a *Arena) Free() []byte {
	if a.addr != a {
		return nil
	}
	return a.b[len(a.b):]
}

// Take hands out as a string the first n bytes of the room the last Room
// (or Free) returned, which the caller has written since (n at most that
// room's capacity; Take panics when n goes past a's block, or when a has
// made no room, as a copied Arena has not). They must not be written
// afterwards.
func (a *Arena) Take(n int) string {
	if a.addr != a {
		panic("jsonscan: Arena.Take without a Room")
	}
	from := len(a.b)
	a.b = a.b[:from+n]
	if n == 0 {
		return ""
	}
	return unsafe.String(&a.b[from], n)
}

// room returns the free bytes of a block with at least n of them, n at
// most arenaBlock.
func (a *Arena) room(n int) []byte {
	if a.addr != a || cap(a.b)-len(a.b) < n {
		a.newBlock()
	}
	return a.b[len(a.b):cap(a.b)]
}
