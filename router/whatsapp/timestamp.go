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
		i := 0
		if len(s) >= 8 {
			// The first eight digits at once (eightDigits); a word with
			// a byte that is not a digit is read byte by byte below.
			w := s[:8]
			x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
			if v, ok := eightDigits(x); ok {
				n, i = int64(v), 8
			}
		}
		for ; i < len(s); i++ {
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

// eightDigits reads x, eight bytes the first of which is the lowest, as
// eight decimal digits, the first the most significant; ok is false when
// a byte is not a digit. A byte under '0' sets its high bit in x less '0'
// in every byte, and a byte from ':' up in x plus 0x46 (0x7f less '9')
// in every byte; no byte that is a digit borrows or carries. The digits
// are then joined in pairs, fours and the eight by multiplying each lane
// and adding the one above it.
func eightDigits(x uint64) (uint64, bool) {
	const ones = 0x0101010101010101
	d := x - '0'*ones
	if (d|(x+(0x7f-'9')*ones))&(0x80*ones) != 0 {
		return 0, false
	}
	d = (d*10 + d>>8) & 0x00ff00ff00ff00ff
	d = (d*100 + d>>16) & 0x0000ffff0000ffff
	return (d*10000 + d>>32) & 0xffffffff, true
}
