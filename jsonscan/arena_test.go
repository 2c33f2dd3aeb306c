package jsonscan

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"
)

// TestArenaStrings: every string an Arena makes keeps the bytes it was
// made of while the arena fills block after block, whatever their length
// (empty, short, up to arenaMax, and longer ones made on their own).
func TestArenaStrings(t *testing.T) {
	var a Arena
	type made struct{ got, want string }
	var all []made
	for i := 0; i < 3*arenaBlock/20; i++ {
		want := strings.Repeat(fmt.Sprintf("%d,", i), i%7*(1+i%40))
		if i%50 == 0 {
			want = strings.Repeat("x", arenaMax+i%3)
		}
		buf := []byte(want)
		all = append(all, made{a.Make(buf), want})
		for j := range buf {
			buf[j] = '!' // the caller's bytes change; the string must not
		}
	}
	for i, m := range all {
		if m.got != m.want {
			t.Fatalf("string %d is %q after the arena filled, want %q", i, m.got, m.want)
		}
	}
}

// TestArenaRoomKeep: bytes appended to Room within its capacity become a
// string in place; a slice grown out of the room, or not made from it,
// is copied; and every string keeps its bytes while the arena fills block
// after block and while the caller's slices change.
func TestArenaRoomKeep(t *testing.T) {
	var a Arena
	type made struct{ got, want string }
	var all []made
	for i := 0; i < 3*arenaBlock/10; i++ {
		want := strings.Repeat(fmt.Sprintf("%d;", i), 1+i%9*(1+i%30))
		room := a.Room(len(want))
		if cap(room) < min(len(want), arenaMax) {
			t.Fatalf("Room(%d) has room for %d", len(want), cap(room))
		}
		var b []byte
		switch i % 3 {
		case 0: // within the room (or grown out of it when long)
			b = append(room, want...)
		case 1: // grown out of the room
			b = append(room[:cap(room)], want...)[cap(room):]
		default: // another slice
			b = []byte(want)
		}
		got := a.Keep(b)
		inPlace := len(b) > 0 && unsafe.StringData(got) == unsafe.SliceData(b)
		if wantInPlace := i%3 == 0 && len(want) <= cap(room); inPlace != wantInPlace {
			t.Fatalf("string %d (%d bytes, room %d, way %d): kept in place %v", i, len(want), cap(room), i%3, inPlace)
		}
		if inPlace {
			clear(room[:cap(room)][len(b):]) // bytes past the string are not its
		} else {
			for j := range b {
				b[j] = '!' // a copied string does not share the caller's bytes
			}
		}
		all = append(all, made{got, want})
	}
	for i, m := range all {
		if m.got != m.want {
			t.Fatalf("string %d is %q after the arena filled, want %q", i, m.got, m.want)
		}
	}
}

// TestArenaCopied: an Arena copied by value and used alongside the
// original never writes the bytes of the other's strings.
func TestArenaCopied(t *testing.T) {
	var a Arena
	first := a.Make([]byte("first"))
	b := a
	x := a.Make([]byte("from a"))
	y := b.Make([]byte("from b"))
	z := b.Keep(append(a.Room(6), "room a"...))
	if first != "first" || x != "from a" || y != "from b" || z != "room a" {
		t.Fatalf("got %q %q %q %q", first, x, y, z)
	}
}
