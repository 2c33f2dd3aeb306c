// Package pooltest holds what tests of pooled memory (blockpool and its
// users) need to make a sync.Pool's behaviour predictable.
package pooltest

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// Steady makes a pool give back, in a non-race build, what it was given
// last, until tb ends: one P, so that a Get looks where the Put left it
// (a pool keeps a P's last entry where a goroutine on another P cannot
// take it), and no collection, which would empty the pools. Under the
// race detector a pool still drops entries at random.
func Steady(tb testing.TB) {
	procs := runtime.GOMAXPROCS(1)
	gc := debug.SetGCPercent(-1)
	tb.Cleanup(func() {
		debug.SetGCPercent(gc)
		runtime.GOMAXPROCS(procs)
	})
}

// Drain empties every sync.Pool: a collection moves what a pool holds to
// its victim cache, and the next drops it. What is allocated next comes
// fresh, or from what is put back after Drain.
func Drain() {
	runtime.GC()
	runtime.GC()
}
