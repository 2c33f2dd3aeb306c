//go:build race

package whatsapp

// raceEnabled: the race detector, under which sync.Pool drops what it is
// given at random.
const raceEnabled = true
