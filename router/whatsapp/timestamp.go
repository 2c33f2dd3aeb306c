package whatsapp

import (
	"strconv"
	"time"
)

// unixTime reads a webhook timestamp (Unix seconds, as a decimal string);
// zero when it is absent or not a positive number. The usual forms (none,
// or up to 18 digits) are read without strconv, whose error for an empty
// string is an allocation per message on the direct network, which sends
// no timestamp.
func unixTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	if len(s) <= 18 {
		var n int64
		digits := true
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				digits = false
				break
			}
			n = n*10 + int64(c-'0')
		}
		if digits {
			if n <= 0 {
				return time.Time{}
			}
			return time.Unix(n, 0)
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0)
}
