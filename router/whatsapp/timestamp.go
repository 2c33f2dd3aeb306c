package whatsapp

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// stamp is a webhook timestamp (Unix seconds, as a decimal string) as the
// adapter reads it: its seconds, 0 when it is absent or not a positive
// number. A decoded webhook keeps it so, not as the string: the statuses'
// timestamps are read by nobody, and a message's only as Sent.
type stamp int64

// time is the stamp's time: the zero time for 0.
func (t stamp) time() time.Time {
	if t == 0 {
		return time.Time{}
	}
	return time.Unix(int64(t), 0)
}

// UnmarshalJSON decodes a timestamp as encoding/json would decode it into a
// string that unixTime then reads: a JSON string, or null, which leaves
// the stamp as it is; any other value is an error.
func (t *stamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) == 0 || b[0] != '"' {
		return errors.New("whatsapp: timestamp is not a string")
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = stampOf(s)
	return nil
}

// unixTime reads a webhook timestamp; zero when it is absent or not a
// positive number.
func unixTime(s string) time.Time { return stampOf(s).time() }

// stampOf reads a webhook timestamp s (zero when it is absent or not a
// positive number). The usual forms (none, or up to 18 digits) are read
// without strconv, whose error for an empty string is an allocation per
// message on the direct network, which sends no timestamp.
func stampOf[T string | []byte](s T) stamp {
	if len(s) == 0 {
		return 0
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
			return stamp(max(n, 0))
		}
	}
	n, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return stamp(n)
}
