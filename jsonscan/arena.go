package jsonscan

import "strings"

// arenaBlock is the size of the blocks an Arena carves strings from, and
// arenaMax the longest string it carves (longer ones are allocated on
// their own, so that a block is not left mostly empty).
const (
	arenaBlock = 4096
	arenaMax   = arenaBlock / 8
)

// Arena makes short strings that a decoder or encoder hands out one at a
// time (an id, a signature, the strings of one message) in shared blocks,
// dozens to an allocation instead of one each. Bytes once written are
// never written again, so each string is an ordinary immutable one, valid
// for as long as anything holds it; a block lives as long as any of its
// strings. Keep in an Arena only strings whose lives are alike and short
// (about a conversation's). The zero Arena is ready to use; it is not safe
// for concurrent use, and is kept with the state it serves (a pooled
// scanner, a server under its lock).
type Arena struct{ b strings.Builder }

// Make returns a string of the bytes of b: made in a, or, when a is nil or
// b is long, in an allocation of its own.
func (a *Arena) Make(b []byte) string {
	if a == nil || len(b) > arenaMax {
		return string(b)
	}
	if a.b.Cap()-a.b.Len() < len(b) {
		a.b = strings.Builder{}
		a.b.Grow(arenaBlock)
	}
	from := a.b.Len()
	a.b.Write(b)
	return a.b.String()[from:]
}
