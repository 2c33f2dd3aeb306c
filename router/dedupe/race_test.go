//go:build race

package dedupe

// raceEnabled: the race detector, under which sync.Pool drops at random
// what it is given, so a block given back need not be taken again.
const raceEnabled = true
