package router

import "time"

// stamp is a time an engine record keeps: its unix nanoseconds, saturated
// (unixNano), with the sign bit flipped, so that the zero stamp stands for
// the zero time and a record reset to zero holds zero times. Eight bytes
// where a time.Time is twenty-four: a conversation record keeps five times
// and a customer record two, and a record reused a day cold is written
// whole, one cache line a miss. A stamp has no location: the engine gives
// its times back in the location of the latest time it was given
// (Engine.loc), which is the one every caller's clock keeps.
type stamp uint64

// stampAt is the stamp of n unix nanoseconds. The one time it cannot stand
// for, math.MinInt64 ns (in 1677), is the zero time's.
func stampAt(n int64) stamp { return stamp(uint64(n) ^ 1<<63) }

// stampOf is the stamp of t; the zero time's is zero.
func stampOf(t time.Time) stamp {
	if t.IsZero() {
		return 0
	}
	return stampAt(unixNano(t))
}

// isZero reports whether s stands for the zero time.
func (s stamp) isZero() bool { return s == 0 }

// nano is s in unix nanoseconds.
func (s stamp) nano() int64 { return int64(uint64(s) ^ 1<<63) }

// in is s as a time in loc; the zero stamp is the zero time.
func (s stamp) in(loc *time.Location) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(0, s.nano()).In(loc)
}
