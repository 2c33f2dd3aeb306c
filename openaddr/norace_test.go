//go:build !race

package openaddr

// raceEnabled: the race detector, under which sync.Pool drops at random
// what it is given, so an array given back need not be taken again.
const raceEnabled = false
