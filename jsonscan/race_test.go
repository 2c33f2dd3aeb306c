//go:build race

package jsonscan

// raceEnabled: the race detector, under which sync.Pool drops what it is
// given at random.
const raceEnabled = true
