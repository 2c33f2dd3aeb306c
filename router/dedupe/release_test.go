package dedupe

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/omnisim/omnisim/internal/race"
)

// op is a call on a Set: Add, Has or Restore of id at now, or (all) a
// check of Len and All.
type op struct {
	kind byte // 'a' Add, 'h' Has, 'r' Restore, 'l' Len and All
	id   string
	now  int64
}

// script is a random sequence of calls on a Set with the given window:
// some Restores first (a saved state read back), then Adds and Has, the
// clock mostly moving forward a little, sometimes back, sometimes by whole
// windows (which empties the FIFO and the ids' blocks), with bursts that
// grow the index, ids longer than a block of id bytes, and a check of Len
// and All every so often.
func script(seed uint64, window int64, n int) []op {
	rng := rand.New(rand.NewPCG(seed, 1))
	ids := 1 + rng.IntN(4000)
	id := func() string {
		k := rng.IntN(ids)
		s := fmt.Sprintf("wamid.%d.%d", seed, k)
		if k%211 == 0 {
			s = strings.Repeat("L", idBlock+k%5) + s
		}
		return s
	}
	var ops []op
	now := int64(0)
	for range rng.IntN(300) {
		now += int64(rng.IntN(3))
		ops = append(ops, op{kind: 'r', id: id(), now: now - window/2})
	}
	for i := range n {
		switch r := rng.IntN(1000); {
		case r < 20:
			now -= int64(rng.IntN(50))
		case r < 24:
			now += window * int64(1+rng.IntN(3))
		default:
			now += int64(rng.IntN(3))
		}
		kind := byte('a')
		if rng.IntN(4) == 0 {
			kind = 'h'
		}
		ops = append(ops, op{kind: kind, id: id(), now: now})
		if i%1500 == 0 {
			ops = append(ops, op{kind: 'l'})
		}
	}
	return append(ops, op{kind: 'l'})
}

// transcript is what a Set answers to ops: every Add's and Has's result,
// and at each check its Len and all that All yields.
type transcript []string

// step runs the i-th call of ops on s and appends the answer to tr.
func (tr *transcript) step(s *Set, o op) {
	switch o.kind {
	case 'a':
		*tr = append(*tr, fmt.Sprint(s.Add(o.id, o.now)))
	case 'h':
		*tr = append(*tr, fmt.Sprint(s.Has(o.id, o.now)))
	case 'r':
		s.Restore(o.id, o.now)
	case 'l':
		var b strings.Builder
		fmt.Fprintf(&b, "len %d:", s.Len())
		for id, at := range s.All() {
			fmt.Fprintf(&b, " %s@%d", id, at)
		}
		*tr = append(*tr, b.String())
	}
}

func play(s *Set, ops []op) transcript {
	var tr transcript
	for _, o := range ops {
		tr.step(s, o)
	}
	return tr
}

// blocksOf is the addresses of the memory s holds (FIFO blocks, blocks of
// id bytes, the index), for telling whether another Set took them.
func blocksOf(s *Set) map[uintptr]bool {
	m := map[uintptr]bool{}
	for _, b := range s.blocks {
		m[uintptr(unsafe.Pointer(b))] = true
	}
	if s.spare != nil {
		m[uintptr(unsafe.Pointer(s.spare))] = true
	}
	for _, b := range s.ids {
		m[uintptr(unsafe.Pointer(unsafe.SliceData(b)))] = true
	}
	if s.idFree != nil {
		m[uintptr(unsafe.Pointer(unsafe.SliceData(s.idFree)))] = true
	}
	if len(s.slots) > 0 {
		m[uintptr(unsafe.Pointer(&s.slots[0]))] = true
	}
	if len(s.ctrl) > 0 {
		m[uintptr(unsafe.Pointer(&s.ctrl[0]))] = true
	}
	return m
}

// checkEmpty fails unless s is as New(window) made it, but for its seed.
func checkEmpty(t *testing.T, name string, s *Set, window int64) {
	t.Helper()
	if want := (Set{window: window, seed: s.seed, expires: math.MaxInt64}); !equalSets(s, &want) {
		t.Errorf("%s: released Set holds %d FIFO blocks (spare %v, tail %v), entries %d to %d, %d slots, %d blocks of ids from %d (%d bytes used, free %v), expires %d, window %d",
			name, len(s.blocks), s.spare != nil, s.tail != nil, s.first, s.next, len(s.slots), len(s.ids), s.idBase, s.idLen, s.idFree != nil, s.expires, s.window)
	}
	if s.Len() != 0 {
		t.Errorf("%s: released Set remembers %d ids", name, s.Len())
	}
	for id := range s.All() {
		t.Errorf("%s: released Set yields %s", name, id)
	}
}

func equalSets(a, b *Set) bool {
	return a.window == b.window && a.seed == b.seed && a.blocks == nil && b.blocks == nil &&
		a.base == b.base && a.spare == b.spare && a.tail == b.tail && a.first == b.first &&
		a.next == b.next && a.expires == b.expires && a.slots == nil && b.slots == nil &&
		a.used == b.used && a.room == b.room && a.ids == nil && b.ids == nil && a.idBase == b.idBase &&
		a.idLen == b.idLen && a.idFree == nil && b.idFree == nil &&
		a.ctrl == nil && b.ctrl == nil && a.pend == (slot{}) && b.pend == (slot{}) && a.pendAt == b.pendAt
}

// TestReleaseReuse: a Set filled and released is empty and usable, and a
// Set that takes its blocks (and one that takes them as the first plays on,
// interleaved with it) answers every call exactly as a fresh Set does:
// Add, Has, Restore, Len and All, through index growth, window expiry and
// ids longer than a block. The ids All yielded before Release are as they
// were after the blocks are written over.
func TestReleaseReuse(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // the pools keep what they hold
	reused := 0
	for _, c := range []struct {
		name   string
		window int64
		fill   int // calls that fill the first Set
		n      int // calls of the script the others play
	}{
		{"long window", 1 << 40, 20000, 20000},
		{"short window", 40, 20000, 20000},
		{"small then large", 1 << 40, 300, 30000},
		{"large then small", 1 << 40, 30000, 500},
		{"window of one", 1, 5000, 5000},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := New(time.Duration(c.window))
			play(&a, script(1, c.window, c.fill))
			var held []string // the ids All yielded, and copies of them
			for id := range a.All() {
				held = append(held, id, strings.Clone(id))
			}
			given := blocksOf(&a)
			a.Release()
			checkEmpty(t, "first Release", &a, c.window)

			ops := script(2, c.window, c.n)
			fresh := play(new(New(time.Duration(c.window))), ops)

			b := New(time.Duration(c.window))
			if got := play(&b, ops); !slices.Equal(got, fresh) {
				t.Fatalf("a Set on released blocks: %s", diff(got, fresh))
			}
			for p := range blocksOf(&b) {
				if given[p] {
					reused++
				}
			}
			// The released Set, and a new one that takes b's blocks as
			// a plays, interleaved.
			b.Release()
			checkEmpty(t, "second Release", &b, c.window)
			d := New(time.Duration(c.window))
			var ta, td transcript
			for _, o := range ops {
				ta.step(&a, o)
				td.step(&d, o)
			}
			if !slices.Equal(ta, fresh) {
				t.Fatalf("the released Set used again: %s", diff(ta, fresh))
			}
			if !slices.Equal(td, fresh) {
				t.Fatalf("a Set interleaved with another on released blocks: %s", diff(td, fresh))
			}
			for i := 0; i < len(held); i += 2 {
				if held[i] != held[i+1] {
					t.Fatalf("an id All yielded before Release is now %.40q, was %.40q", held[i], held[i+1])
				}
			}
			a.Release()
			d.Release()
		})
	}
	if reused == 0 && !race.Enabled {
		t.Error("no Set took a block another gave back")
	}
}

// diff describes the first difference between a transcript and a fresh
// Set's.
func diff(got, want transcript) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("answer %d is %.200q, a fresh Set's %.200q", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("%d answers, a fresh Set's %d", len(got), len(want))
}

// TestReleaseTwice: Release on an empty Set, and twice on a filled one,
// leaves it empty; nothing is given back twice: two Sets that then fill
// at once, interleaved, hold no block in common and each answers as a
// fresh one.
func TestReleaseTwice(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	const window = 1 << 40
	e := New(window)
	e.Release()
	e.Release()
	checkEmpty(t, "empty Set released twice", &e, window)

	s := New(window)
	play(&s, script(3, window, 20000))
	s.Release()
	s.Release()
	checkEmpty(t, "filled Set released twice", &s, window)

	ops1, ops2 := script(4, window, 20000), script(5, window, 20000)
	want1, want2 := play(new(New(window)), ops1), play(new(New(window)), ops2)
	x, y := New(window), New(window)
	var t1, t2 transcript
	for i := range max(len(ops1), len(ops2)) {
		if i < len(ops1) {
			t1.step(&x, ops1[i])
		}
		if i < len(ops2) {
			t2.step(&y, ops2[i])
		}
	}
	if !slices.Equal(t1, want1) {
		t.Errorf("first Set: %s", diff(t1, want1))
	}
	if !slices.Equal(t2, want2) {
		t.Errorf("second Set: %s", diff(t2, want2))
	}
	bx := blocksOf(&x)
	for p := range blocksOf(&y) {
		if bx[p] {
			t.Fatalf("two Sets hold the block at %#x", p)
		}
	}
}

// FuzzRelease drives two Sets, which share the pools, and a model of each
// with the calls the input spells, Release among them, and compares every
// answer.
func FuzzRelease(f *testing.F) {
	f.Add([]byte("0p0")) // Release of a Set that holds an id, which it then takes again
	f.Add([]byte{0, 1, 2, 3, 0xf0, 4, 5, 0x80, 0x81, 0xff, 7, 0xf8, 1, 2})
	f.Add([]byte(strings.Repeat("\x01\x13\x25\x37\x49\x5b\x6d\x7f", 40) + "\xf0\xf8" + strings.Repeat("\x03\x15", 60)))
	long := strings.Repeat("x", idBlock)
	f.Fuzz(func(t *testing.T, in []byte) {
		const window = 64
		sets := [2]Set{New(window), New(window)}
		models := [2]*model{{seen: map[string]int64{}}, {seen: map[string]int64{}}}
		now := [2]int64{}
		for i, c := range in {
			k := int(c >> 7) // which Set
			s, m := &sets[k], models[k]
			switch {
			case c&0x78 == 0x70: // Release
				s.Release()
				models[k] = &model{seen: map[string]int64{}}
				if s.Len() != 0 {
					t.Fatalf("call %d: %d ids after Release", i, s.Len())
				}
			case c&0x78 == 0x78: // a gap of a window
				now[k] += window
			default:
				now[k] += int64(c & 3)
				id := fmt.Sprintf("id%d", c&0x7c)
				if c&0x40 != 0 { // a long id: a block of its own
					id = long + id
				}
				if got, want := s.Has(id, now[k]), m.has(id, now[k], window); got != want {
					t.Fatalf("call %d: Set %d Has(%.20s, %d) = %v, model %v", i, k, id, now[k], got, want)
				}
				if got, want := s.Add(id, now[k]), m.add(id, now[k], window); got != want {
					t.Fatalf("call %d: Set %d Add(%.20s, %d) = %v, model %v", i, k, id, now[k], got, want)
				}
			}
			if got, want := all(s), models[k].live(); !slices.Equal(got, want) {
				t.Fatalf("call %d: Set %d holds %d ids, model %d", i, k, len(got), len(want))
			}
		}
	})
}

// TestIndexStartsAtReleasedLength: a Set made after one released takes,
// at its first Add, the index that one gave back (but under the race
// detector, whose pools drop what they like), grows by counting until it
// needs more than that index, moving nothing, and answers as a fresh Set;
// its Release notes the length it needed, not the one it started at: the
// next Set starts there.
func TestIndexStartsAtReleasedLength(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	const window = 1 << 40
	for _, c := range []struct {
		name      string
		fill, n   int // the ids Added to the first Set, and to the second
		wantStart int // the length of the second's index after its first Add
	}{
		{"larger first", 20000, 300, 32768},
		{"smaller first", 300, 20000, 512},
		{"first never grew", 10, 20000, 64},
	} {
		t.Run(c.name, func(t *testing.T) {
			indexes.Ended(0)
			a := New(window)
			for i := range c.fill {
				a.Add(fmt.Sprintf("a%d", i), 0)
			}
			a.Release()

			b, fresh := New(window), New(window)
			b.Add("b0", 0)
			fresh.Add("b0", 0)
			if len(b.slots) != c.wantStart && !race.Enabled {
				t.Fatalf("the first Add took an index of %d slots, want %d", len(b.slots), c.wantStart)
			}
			// Under the race detector the pool may have dropped the
			// index: b then started shorter and moved as it doubled.
			start, started := &b.slots[0], len(b.slots) == c.wantStart
			for i := 1; i < c.n; i++ {
				id := fmt.Sprintf("b%d", i%(c.n-c.n/4)) // a quarter are duplicates
				if got, want := b.Add(id, int64(i)), fresh.Add(id, int64(i)); got != want {
					t.Fatalf("Add(%s) = %v, a fresh Set's %v", id, got, want)
				}
				if b.room != fresh.room {
					t.Fatalf("after %d Adds the Set has grown to %d, a fresh one to %d", i+1, b.room/3*4, fresh.room/3*4)
				}
				if n := len(b.slots); !race.Enabled && n != max(c.wantStart, b.room/3*4) || started && n == c.wantStart && start != &b.slots[0] {
					t.Fatalf("after %d Adds the Set grown to %d has an index of %d slots (moved: %v)", i+1, b.room/3*4, n, start != &b.slots[0])
				}
			}
			if b.Len() != fresh.Len() || !slices.Equal(all(&b), all(&fresh)) {
				t.Fatalf("the Set holds %d ids, a fresh one %d", b.Len(), fresh.Len())
			}
			need := len(fresh.slots)
			b.Release()
			fresh.Release()
			next := New(window)
			next.Add("c", 0)
			if len(next.slots) != max(need, 64) && !race.Enabled {
				t.Fatalf("the Set after them took an index of %d slots, want the %d the Set needed", len(next.slots), need)
			}
			next.Release()
		})
	}
}
