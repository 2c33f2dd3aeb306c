package jsonscan

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/omnisim/omnisim/internal/blockpool"
	"github.com/omnisim/omnisim/internal/blockpool/pooltest"
	"github.com/omnisim/omnisim/internal/race"
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

// TestArenaRoomTake: bytes written to Room become a string in place, and
// every string keeps its bytes while the arena fills block after block
// and while the bytes after it are written; Take past the block panics.
func TestArenaRoomTake(t *testing.T) {
	var a Arena
	type made struct{ got, want string }
	var all []made
	for i := 0; i < 3*arenaBlock/10; i++ {
		want := strings.Repeat(fmt.Sprintf("%d;", i), i%9*(1+i%30))[:min(arenaMax, i%9*(1+i%30)*2)]
		room := a.Room(len(want))
		if len(room) < len(want) || len(room) != cap(room) {
			t.Fatalf("Room(%d) is %d bytes (capacity %d)", len(want), len(room), cap(room))
		}
		copy(room, want)
		clear(room[len(want):]) // bytes past the string are not its
		got := a.Take(len(want))
		if len(want) > 0 && unsafe.StringData(got) != unsafe.SliceData(room) {
			t.Fatalf("string %d (%d bytes) not made in its room", i, len(want))
		}
		all = append(all, made{got, want})
	}
	for i, m := range all {
		if m.got != m.want {
			t.Fatalf("string %d is %q after the arena filled, want %q", i, m.got, m.want)
		}
	}
	room := a.Room(10)
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("Take past the block did not panic")
			}
		}()
		a.Take(len(room) + 1)
	}()
}

// TestArenaCopied: an Arena copied by value and used alongside the
// original never writes the bytes of the other's strings, and Take on a
// copy that made no room panics.
func TestArenaCopied(t *testing.T) {
	var a Arena
	first := a.Make([]byte("first"))
	b := a
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("Take on a copy without a Room did not panic")
			}
		}()
		b.Take(1)
	}()
	x := a.Make([]byte("from a"))
	y := b.Make([]byte("from b"))
	copy(a.Room(6), "room a")
	z := a.Take(6)
	copy(b.Room(6), "room b")
	w := b.Take(6)
	if first != "first" || x != "from a" || y != "from b" || z != "room a" || w != "room b" {
		t.Fatalf("got %q %q %q %q %q", first, x, y, z, w)
	}
}

// TestArenaFree: Free is the free bytes of the arena's own block, as an
// empty slice whose capacity is what Room would return when it is enough:
// none before the first block and none on a copy, which has no block of
// its own; bytes written there are taken by Take as Room's are.
func TestArenaFree(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(a *Arena) *Arena // the arena Free is asked, made from a
		free    int                   // its capacity
	}{
		{"zero", func(a *Arena) *Arena { return a }, 0},
		{"after a string", func(a *Arena) *Arena { a.Make([]byte("abc")); return a }, arenaBlock - 3},
		{"after a room", func(a *Arena) *Arena { a.Room(10); return a }, arenaBlock},
		{"copied", func(a *Arena) *Arena { a.Make([]byte("abc")); b := *a; return &b }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a Arena
			b := tt.prepare(&a)
			f := b.Free()
			if len(f) != 0 || cap(f) != tt.free {
				t.Fatalf("Free is %d bytes of capacity %d, want 0 of %d", len(f), cap(f), tt.free)
			}
			if tt.free == 0 {
				return
			}
			if r := b.Room(1); unsafe.SliceData(r) != unsafe.SliceData(f) || cap(r) != cap(f) {
				t.Fatalf("Room after Free is other bytes")
			}
			f = f[:6]
			copy(f, "in free")
			if got := b.Take(6); got != "in fre" || unsafe.StringData(got) != unsafe.SliceData(f) {
				t.Fatalf("Take after Free = %q, not made in place", got)
			}
		})
	}
}

// TestArenaPool: an arena with a pool makes the same strings as one
// without and takes its blocks from the pool; Release gives back exactly
// the blocks it took, as it left them, and leaves it empty and usable. One that
// would keep maxKept blocks lets them go instead and stops using the pool,
// so that its Release gives nothing back; without a pool Release does
// nothing.
func TestArenaPool(t *testing.T) {
	pooltest.Steady(t) // the pool gives back all it holds
	var pool blockpool.Raw[Block]
	var plain, pooled, long Arena
	pooled.UsePool(&pool)
	long.UsePool(&pool)
	const perBlock = arenaBlock / 99 // strings of 99 bytes a block
	var keep []string
	for i := range (maxKept + 10) * perBlock {
		b := []byte(fmt.Sprintf("%099d", i))
		p, l := plain.Make(b), long.Make(b)
		if i < (maxKept/2)*perBlock {
			if q := pooled.Make(b); q != p {
				t.Fatalf("string %d: %q with a pool, %q without", i, q, p)
			}
		}
		if p != l {
			t.Fatalf("string %d: %q with a pool, %q without", i, l, p)
		}
		if i%1000 == 0 {
			keep = append(keep, l)
		}
	}
	if len(long.blocks) != 0 || long.pool != nil {
		t.Fatalf("an arena past maxKept blocks keeps %d and its pool", len(long.blocks))
	}
	long.Release() // its pool let go: nothing to give back, its strings stay
	for i, s := range keep {
		if want := fmt.Sprintf("%099d", i*1000); s != want {
			t.Fatalf("a string of an arena past maxKept changed to %q", s)
		}
	}
	if len(pooled.blocks) != maxKept/2 {
		t.Fatalf("the arena keeps %d blocks, want %d", len(pooled.blocks), maxKept/2)
	}
	taken := map[*Block]bool{}
	for _, b := range pooled.blocks {
		if taken[b] {
			t.Fatal("a block kept twice")
		}
		taken[b] = true
	}
	pooled.Release()
	pooled.Release() // twice: nothing more to give back
	if len(pooled.blocks) != 0 || pooled.b != nil {
		t.Fatal("Release left blocks in the arena")
	}
	for range 2 * maxKept {
		// A block the arena gave back holds what it wrote (the pool
		// does not clear it): its first string's digits.
		b := pool.Get()
		if taken[b] && strings.Trim(string(b[:99]), "0123456789") != "" {
			t.Fatalf("a block given back starts %q", b[:99])
		}
		delete(taken, b)
	}
	if len(taken) > 0 && !race.Enabled {
		t.Fatalf("%d blocks the arena took did not go back to the pool", len(taken))
	}
	if s := pooled.Make([]byte("again")); s != "again" {
		t.Fatalf("after Release the arena made %q", s)
	}
	plain.Release() // no pool: nothing to do
}
