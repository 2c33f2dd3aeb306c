//go:build !race

package sim_test

// raceEnabled: see race_test.go.
const raceEnabled = false
