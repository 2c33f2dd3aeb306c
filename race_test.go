//go:build race

package main

// raceEnabled: the race detector, under which sync.Pool drops what it
// holds at random and instrumented code allocates, so allocation counts
// say nothing.
const raceEnabled = true
