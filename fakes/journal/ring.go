// Package journal holds the bounded lists of a fake's journal: each keeps
// the newest entries added, in order, and grows without copying what it
// already holds.
package journal

// The first block grows by append from nothing up to blockLen entries (so a
// short run pays for what it keeps and no more); every later block is made
// once at its full size, blockLen entries or what the limit leaves.
const (
	blockBits = 8
	blockLen  = 1 << blockBits
	blockMask = blockLen - 1
)

// Ring keeps the newest Limit entries added, all of them when the limit is
// 0, or none when it is negative. The zero Ring keeps everything.
//
// Entries live in blocks of blockLen: a growing Ring allocates one new
// block at a time and never copies the entries it holds, so a full Ring of
// n entries has allocated n entries' room (plus the first block's growth),
// not the several times n a doubling slice allocates on its way there.
type Ring[T any] struct {
	blocks [][]T
	n      int // entries held
	next   int // once full: index of the oldest entry, the next one overwritten
	limit  int
}

// SetLimit sets how many entries r keeps: the newest n, all when n is 0,
// none when it is negative (a journal nobody reads). It is meant
// for a Ring not yet added to; on one that holds entries it takes effect
// only while r is not yet full.
func (r *Ring[T]) SetLimit(n int) { r.limit = n }

// Keeps reports whether r keeps entries (its limit is not negative): a
// caller may skip building an entry that Add would drop.
func (r *Ring[T]) Keeps() bool { return r.limit >= 0 }

// At is the entry i places after the oldest (0 <= i < Len), which the
// caller may change in place.
func (r *Ring[T]) At(i int) *T {
	if r.limit > 0 && r.n == r.limit {
		if i += r.next; i >= r.n {
			i -= r.n
		}
	}
	return r.at(i)
}

// Len is the number of entries r holds.
func (r *Ring[T]) Len() int { return r.n }

// Add appends v, dropping the oldest entry when r holds its limit.
func (r *Ring[T]) Add(v T) {
	if r.limit < 0 {
		return
	}
	if r.limit > 0 && r.n == r.limit {
		r.blocks[r.next>>blockBits][r.next&blockMask] = v
		if r.next++; r.next == r.limit {
			r.next = 0
		}
		return
	}
	last := len(r.blocks) - 1
	if last < 0 || len(r.blocks[last]) == blockLen {
		var b []T // the first block grows by append
		if last >= 0 {
			size := blockLen
			if r.limit > 0 && r.limit-r.n < size {
				size = r.limit - r.n
			}
			b = make([]T, 0, size)
		}
		r.blocks = append(r.blocks, b)
		last++
	}
	r.blocks[last] = append(r.blocks[last], v)
	r.n++
}

// at is the entry at storage index i.
func (r *Ring[T]) at(i int) *T { return &r.blocks[i>>blockBits][i&blockMask] }

// Last is the newest entry, which the caller may change in place; nil
// when r holds none (it is empty, or keeps none).
func (r *Ring[T]) Last() *T {
	if r.n == 0 {
		return nil
	}
	i := r.n - 1
	if r.limit > 0 && r.n == r.limit {
		i = (r.next + r.n - 1) % r.n
	}
	return r.at(i)
}

// Snapshot is a copy of the entries, oldest first.
func (r *Ring[T]) Snapshot() []T {
	out := make([]T, 0, r.n)
	out = r.appendRange(out, r.next, r.n)
	return r.appendRange(out, 0, r.next)
}

// Map is the entries of r, oldest first, each as f makes it from the entry
// r keeps: a fake's compact records read back as the values its journal
// reports.
func Map[T, U any](r *Ring[T], f func(*T) U) []U {
	out := make([]U, r.Len())
	for i := range out {
		out[i] = f(r.At(i))
	}
	return out
}

// appendRange appends the entries at storage indexes [from, to) to out.
func (r *Ring[T]) appendRange(out []T, from, to int) []T {
	for from < to {
		b, off := r.blocks[from>>blockBits], from&blockMask
		end := min(off+to-from, len(b))
		out = append(out, b[off:end]...)
		from += end - off
	}
	return out
}
