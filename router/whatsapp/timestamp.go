package whatsapp

import (
	"strconv"
	"time"
)

// unixTime reads a webhook timestamp (Unix seconds, as a decimal string);
// zero when it is absent or not a positive number.
func unixTime(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0)
}
