//go:build race

package race

// Enabled reports whether the build has the race detector, under which
// sync.Pool drops what it holds at random and instrumented code
// allocates: tests of pooled memory and of allocation counts relax their
// checks when it is true.
const Enabled = true
