//go:build !race

// Package race tells tests whether the build has the race detector.
package race

// Enabled reports whether the build has the race detector: see race.go.
const Enabled = false
