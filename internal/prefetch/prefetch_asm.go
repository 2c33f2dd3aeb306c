//go:build amd64 || arm64

package prefetch

import "unsafe"

// Line hints that the cache line holding p will be read soon.
//
//go:noescape
func Line(p unsafe.Pointer)

// Lines hints that the n cache lines from the one holding p on (p, p+64,
// and so on) will be read soon: a record of several lines in one call.
//
//go:noescape
func Lines(p unsafe.Pointer, n int)
