package serve

import "time"

// SetWriteTimeout makes the servers started from now on time writes out
// after d; the returned function undoes it.
func SetWriteTimeout(d time.Duration) func() {
	old := writeTimeout
	writeTimeout = d
	return func() { writeTimeout = old }
}
