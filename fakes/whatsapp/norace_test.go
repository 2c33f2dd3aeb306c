//go:build !race

package whatsapp

// raceEnabled: the race detector, under which sync.Pool drops at random
// what it is given, so memory given back need not be taken again.
const raceEnabled = false
