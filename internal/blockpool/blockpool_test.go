package blockpool

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/omnisim/omnisim/internal/blockpool/pooltest"
	"github.com/omnisim/omnisim/internal/race"
)

// item is an element with a pointer and a scalar, so that a test sees
// both cleared.
type item struct {
	p *int
	n int
}

// first is the address of s's first element, or nil.
func first[T any](s []T) *T {
	if cap(s) == 0 {
		return nil
	}
	return &s[:1][0]
}

// TestArraysGet: Get returns a zero array of n rounded up to a power of
// two, at least one, whose capacity is its length, whether new or taken
// from the pool after a Put of a filled one.
func TestArraysGet(t *testing.T) {
	pooltest.Steady(t)
	x := 7
	for _, c := range []struct{ n, want int }{
		{-5, 1}, {0, 1}, {1, 1}, {2, 2}, {3, 4}, {4, 4}, {5, 8}, {16, 16}, {17, 32}, {1000, 1024}, {1024, 1024}, {1025, 2048},
	} {
		var a Arrays[item]
		for round := range 3 { // new, then (but under -race) reused twice
			s := a.Get(c.n)
			if len(s) != c.want || cap(s) != c.want {
				t.Fatalf("Get(%d), round %d: len %d cap %d, want %d", c.n, round, len(s), cap(s), c.want)
			}
			for i := range s {
				if s[i] != (item{}) {
					t.Fatalf("Get(%d), round %d: element %d is %+v", c.n, round, i, s[i])
				}
				s[i] = item{p: &x, n: i + 1}
			}
			a.Put(s)
		}
	}
}

// TestArraysPut: Put clears a whole power-of-two array and keeps it: the
// next Get of its length (rounded up or not) returns it, and a Get of
// another length does not. A slice that is not a whole power-of-two
// array is dropped as it is: not cleared, and never returned by Get.
func TestArraysPut(t *testing.T) {
	pooltest.Steady(t)
	x := 7
	fill := func(s []item) {
		for i := range s {
			s[i] = item{p: &x, n: i + 1}
		}
	}
	for _, c := range []struct {
		name string
		s    []item
		get  int  // the length to Get afterwards
		kept bool // Put keeps s: the Get returns it
	}{
		{"one", make([]item, 1), 1, true},
		{"eight", make([]item, 8), 8, true},
		{"eight, asked for five", make([]item, 8), 5, true},
		{"1024", make([]item, 1024), 1024, true},
		{"from Get", new(Arrays[item]).Get(60), 64, true},
		{"eight, another length asked", make([]item, 8), 16, false},
		{"three", make([]item, 3), 4, false},
		{"three, asked for three", make([]item, 3), 3, false},
		{"four of eight", make([]item, 8)[:4], 4, false},
		{"four, capacity eight", make([]item, 4, 8), 4, false},
		{"empty", make([]item, 0, 1), 1, false},
		{"nil", nil, 1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var a Arrays[item]
			fill(c.s)
			a.Put(c.s)
			whole := power(len(c.s)) && cap(c.s) == len(c.s)
			for i, e := range c.s {
				if zero := e == (item{}); zero != whole {
					t.Fatalf("element %d after Put is %+v", i, e)
				}
			}
			got := a.Get(c.get)
			same := first(c.s) != nil && first(got) == first(c.s)
			if same && !c.kept {
				t.Fatalf("Get(%d) returned the slice Put was to drop", c.get)
			}
			if !same && c.kept && !race.Enabled {
				t.Fatalf("Get(%d) after Put of %d did not return it", c.get, len(c.s))
			}
			for i, e := range got {
				if e != (item{}) {
					t.Fatalf("Get(%d): element %d is %+v", c.get, i, e)
				}
			}
		})
	}
}

// power reports whether n is a power of two.
func power(n int) bool { return n > 0 && n&(n-1) == 0 }

// TestBlocks: Get returns a zero block, new or given back; Put clears the
// block, every field, and keeps it for the next Gets; Put(nil) does
// nothing.
func TestBlocks(t *testing.T) {
	pooltest.Steady(t)
	x := 7
	type block [300]item
	for _, c := range []struct {
		name string
		put  int // blocks filled and put before the Gets
		nils int // Put(nil) calls after them
	}{
		{"empty pool", 0, 0},
		{"nil only", 0, 2},
		{"one", 1, 0},
		{"one and nil", 1, 2},
		{"several", 5, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			var p Blocks[block]
			given := map[*block]bool{}
			var blocks []*block
			for range c.put {
				blocks = append(blocks, p.Get())
			}
			for _, b := range blocks {
				for i := range b {
					b[i] = item{p: &x, n: i + 1}
				}
				p.Put(b)
				if *b != (block{}) {
					t.Fatal("Put left the block as it was")
				}
				given[b] = true
			}
			for range c.nils {
				p.Put(nil)
			}
			taken := map[*block]bool{}
			for range c.put + 2 {
				b := p.Get()
				if b == nil || *b != (block{}) {
					t.Fatal("Get returned a block that is not zero")
				}
				if taken[b] {
					t.Fatal("Get returned one block twice")
				}
				taken[b] = true
			}
			if !race.Enabled {
				for b := range given {
					if !taken[b] {
						t.Fatalf("Gets after %d Puts did not return every block put", c.put)
					}
				}
			}
		})
	}
}

// TestArraysStart: Start returns an array of the length Ended noted last,
// taken from the pool, when that is longer than asked for and the pool
// holds one; otherwise (nothing noted, a note that is not a power of two,
// one no longer than asked for, or none of its length pooled) what Get
// returns: never a new array longer than Get's.
func TestArraysStart(t *testing.T) {
	pooltest.Steady(t)
	for _, c := range []struct {
		name  string
		put   int // the length of the array Put first (0: none)
		ended int // the length noted with Ended (0: no call)
		n     int // Start's argument
		want  int // the length Start returns
		taken bool
	}{
		{"nothing noted", 1024, 0, 64, 64, false},
		{"noted and pooled", 1024, 1024, 64, 1024, true},
		{"noted, asked for more", 1024, 1024, 2048, 2048, false},
		{"noted, asked for as much", 1024, 1024, 1024, 1024, true}, // Get takes it too
		{"noted, none of its length pooled", 512, 1024, 64, 64, false},
		{"noted, nothing pooled", 0, 1024, 64, 64, false},
		{"noted, not a power of two", 1024, 1000, 64, 64, false},
		{"noted zero", 1024, -1, 64, 64, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var a Arrays[item]
			var put *item
			if c.put > 0 {
				s := a.Get(c.put)
				put = &s[0]
				a.Put(s)
			}
			if c.ended != 0 {
				a.Ended(1024)
				a.Ended(max(c.ended, 0)) // the last note wins
			}
			s := a.Start(c.n)
			want := c.want
			if race.Enabled && c.taken && first(s) != put {
				want = c.n // the pool dropped the array (race detector): Get's length
			}
			if len(s) != want || cap(s) != want {
				t.Fatalf("Start(%d): len %d cap %d, want %d", c.n, len(s), cap(s), want)
			}
			if taken := first(s) == put; taken != c.taken && !(race.Enabled && c.taken) {
				t.Fatalf("Start(%d) took the pooled array: %v, want %v", c.n, taken, c.taken)
			}
			for i := range s {
				if s[i] != (item{}) {
					t.Fatalf("Start(%d): element %d is %+v", c.n, i, s[i])
				}
			}
		})
	}
}

// TestRaw: a Raw gives back the blocks put, as they were put (in a
// non-race build: see pooltest.Steady), ignores nil, and makes a new zero
// block when it holds none.
func TestRaw(t *testing.T) {
	pooltest.Steady(t)
	var p Raw[[64]byte]
	if b := p.Get(); *b != ([64]byte{}) {
		t.Fatalf("a new block is %v", b)
	}
	put := map[*[64]byte]byte{}
	for i := range 3 {
		b := new([64]byte)
		for j := range b {
			b[j] = byte(i + 1)
		}
		p.Put(b)
		put[b] = byte(i + 1)
	}
	p.Put(nil)
	for range 3 {
		b := p.Get()
		v, ok := put[b]
		if !ok {
			if race.Enabled {
				continue // the pool dropped it
			}
			t.Fatal("Get returned a block that was not put")
		}
		if *b != [64]byte(bytes.Repeat([]byte{v}, 64)) {
			t.Fatalf("a block put with %d's came back as %v", v, b)
		}
		delete(put, b)
	}
	if len(put) > 0 && !race.Enabled {
		t.Fatalf("%d blocks put were not given back", len(put))
	}
	if b := p.Get(); b == nil || *b != ([64]byte{}) {
		t.Fatalf("Get of an empty pool returned %v", b)
	}
}

// TestRawRefusesPointers: a Raw of a type that holds a pointer panics
// when its Get allocates (holdsPointer), so that its pool keeps nothing
// alive.
func TestRawRefusesPointers(t *testing.T) {
	get := func(f func()) (msg string) {
		defer func() {
			if r := recover(); r != nil {
				msg = fmt.Sprint(r)
			}
		}()
		f()
		return ""
	}
	type plain struct {
		a   [3]uint64
		b   [0]*int // no element: nothing to follow
		c   float64
		tag [4]byte
	}
	type nested struct {
		n [2]struct {
			x int
			s []byte
		}
	}
	for _, c := range []struct {
		name   string
		get    func()
		panics bool
	}{
		{"bytes", func() { new(Raw[[16]byte]).Get() }, false},
		{"plain struct", func() { new(Raw[plain]).Get() }, false},
		{"array of plain", func() { new(Raw[[4]plain]).Get() }, false},
		{"pointer", func() { new(Raw[*int]).Get() }, true},
		{"string", func() { new(Raw[[2]string]).Get() }, true},
		{"slice in nested arrays and structs", func() { new(Raw[nested]).Get() }, true},
		{"map", func() { new(Raw[struct{ m map[int]int }]).Get() }, true},
		{"interface", func() { new(Raw[[1]any]).Get() }, true},
		{"func", func() { new(Raw[struct{ f func() }]).Get() }, true},
		{"channel", func() { new(Raw[struct{ c chan int }]).Get() }, true},
		{"unsafe pointer", func() { new(Raw[struct{ p unsafe.Pointer }]).Get() }, true},
	} {
		msg := get(c.get)
		if (msg != "") != c.panics {
			t.Errorf("%s: panic %q", c.name, msg)
		}
		if c.panics && !strings.Contains(msg, "holds pointers") {
			t.Errorf("%s: panic %q does not say why", c.name, msg)
		}
	}
}
