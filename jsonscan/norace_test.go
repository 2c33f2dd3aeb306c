//go:build !race

package jsonscan

// raceEnabled: see race_test.go.
const raceEnabled = false
