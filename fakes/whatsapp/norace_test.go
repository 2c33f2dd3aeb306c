//go:build !race

package whatsapp

// raceEnabled: see race_test.go.
const raceEnabled = false
