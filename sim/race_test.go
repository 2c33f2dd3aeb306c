//go:build race

package sim_test

// raceEnabled: the race detector, under which sync.Pool drops what it
// holds at random, so allocation counts say nothing.
const raceEnabled = true
