// Package blockpool keeps memory that one user lets go for the next user
// to take instead of allocating: arrays whose length is a power of two
// ([Arrays]) and blocks of a fixed size ([Blocks], [Raw]), each in
// sync.Pools (so that the collector may drop what nobody takes).
//
// Arrays and Blocks follow one rule: Put clears what it keeps, so that a
// pool holds only zero memory. A pool keeps nothing alive that its memory
// pointed to, and whatever Get returns is as a new allocation, whether it
// comes from the pool or not. A Raw keeps its blocks as they were given
// back, for blocks that hold no pointer and whose users write every byte
// before they read it (the bytes of strings made in an arena): clearing
// them would write a whole world's worth of cold memory once more, for
// the next user to write over. With any of them, the caller of Put gives
// up the memory it puts: it keeps no pointer into it.
//
// An Arrays also carries a table's size from one user to the next: a
// table that ends notes the length it grew to ([Arrays.Ended]), and the
// next table's first growth takes an array of that length from the pool
// ([Arrays.Start]), when the pool holds one, rather than growing to it by
// doubling, moving its entries at each step.
package blockpool

import (
	"math/bits"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Arrays holds zero arrays of T whose length is a power of two, one
// sync.Pool per length. A pool holds the address of an array's first
// element, which keeps the whole array alive and costs Put no allocation.
// The zero Arrays is empty and ready to use; it must not be copied after
// its first use.
type Arrays[T any] struct {
	p [bits.UintSize]sync.Pool // p[k]: *T, the first element of an array of 1<<k
	// ended is the length the last table to end noted (Ended), for Start;
	// 0: none.
	ended atomic.Int64
}

// Get returns a zero array of n elements rounded up to a power of two (at
// least one): one from the pool when it holds one of that length, else a
// new one. Its length and capacity are equal.
func (a *Arrays[T]) Get(n int) []T {
	k := bits.Len(uint(max(n, 1) - 1)) // 1<<k >= n
	if v := a.p[k].Get(); v != nil {
		return unsafe.Slice(v.(*T), 1<<k)
	}
	return make([]T, 1<<k)
}

// Ended notes n, a power of two, as the length the table that ends now
// grew to (the one it would have grown to by doubling, when it started
// longer: see Start), for the first growth of the tables after it; any
// other n forgets what was noted. The last note wins: with several tables
// of a kind, the next ones start at the length of the last to end.
func (a *Arrays[T]) Ended(n int) {
	if n <= 0 || n&(n-1) != 0 {
		n = 0
	}
	a.ended.Store(int64(n))
}

// Start returns the array of a table's first growth, to n elements: an
// array of the length noted last (Ended), when it is longer than n and
// the pool holds one of it, else Get(n). It allocates no array longer
// than Get(n) would: what it returns longer is one the pool holds
// already. A table that starts longer grows by doubling its own
// count of the length it has grown to, not its array, until that count
// reaches its array's length, so that what it notes at its end (Ended) is
// the length it needed, not the one it started at.
func (a *Arrays[T]) Start(n int) []T {
	if m := a.ended.Load(); m > int64(n) {
		k := bits.TrailingZeros64(uint64(m))
		if v := a.p[k].Get(); v != nil {
			return unsafe.Slice(v.(*T), 1<<k)
		}
	}
	return a.Get(n)
}

// Put clears s and keeps it for Get when its length is a power of two and
// equals its capacity, as the arrays Get makes; it drops any other slice
// (nil, empty, or of another length or capacity) untouched. The caller
// holds nothing of s afterwards.
func (a *Arrays[T]) Put(s []T) {
	n := len(s)
	if n == 0 || n&(n-1) != 0 || cap(s) != n {
		return
	}
	clear(s)
	a.p[bits.TrailingZeros(uint(n))].Put(&s[0])
}

// Blocks holds zero blocks of type B (an array type, say), in a
// sync.Pool. The zero Blocks is empty and ready to use; it must not be
// copied after its first use.
type Blocks[B any] struct {
	p sync.Pool // *B
}

// Get returns a zero block: one from the pool when it holds one, else
// new(B).
func (p *Blocks[B]) Get() *B {
	if v := p.p.Get(); v != nil {
		return v.(*B)
	}
	return new(B)
}

// Put clears *b, every byte of it, and keeps b for Get; a nil b is
// ignored. It clears every block alike, one that holds no pointer and
// whose next user writes it before reading it too, so that a block from
// Get is always as new(B). The caller holds nothing of b afterwards.
func (p *Blocks[B]) Put(b *B) {
	if b == nil {
		return
	}
	clear(unsafe.Slice(b, 1))
	p.p.Put(b)
}

// Raw holds blocks of type B, which holds no pointer (an array of bytes,
// say), in a sync.Pool, as their last user left them: Put does not clear
// them, and Get returns one with whatever its last user wrote in it. It is
// for users that write every byte of a block before they read it (an
// arena that hands out strings from its blocks), for whom a cleared block
// is worth nothing. A Raw of a B that holds a pointer panics when its Get
// allocates (the first Get of a Raw given nothing yet). The zero Raw is
// empty and ready to use; it must not be copied after its first use.
type Raw[B any] struct {
	p sync.Pool // *B
}

// Get returns a block: one from the pool, as its last user left it, when
// the pool holds one, else new(B), or a panic when B holds a pointer.
func (p *Raw[B]) Get() *B {
	if v := p.p.Get(); v != nil {
		return v.(*B)
	}
	return newRaw[B]()
}

// newRaw is new(B) for Raw.Get, which first checks that B holds no
// pointer: out of Get's line, as the pool mostly answers.
//
//go:noinline
func newRaw[B any]() *B {
	if t := reflect.TypeFor[B](); holdsPointer(t) {
		panic("blockpool: Raw of " + t.String() + ", which holds pointers")
	}
	return new(B)
}

// holdsPointer reports whether a value of type t holds a pointer the
// collector follows: a pointer, string, slice, map, channel, function or
// interface, in it or in an array or struct it is made of.
func holdsPointer(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Array:
		return t.Len() > 0 && holdsPointer(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if holdsPointer(t.Field(i).Type) {
				return true
			}
		}
		return false
	case reflect.Pointer, reflect.UnsafePointer, reflect.String, reflect.Slice, reflect.Map,
		reflect.Chan, reflect.Func, reflect.Interface:
		return true
	}
	return false
}

// Put keeps b, as it is, for Get; a nil b is ignored. The caller holds
// nothing of b afterwards.
func (p *Raw[B]) Put(b *B) {
	if b != nil {
		p.p.Put(b)
	}
}
