package whatsapp

import "time"

// stamp is a time as the journals keep it: Unix seconds and nanoseconds,
// and the index of its location in the server's zoneTable. A time.Time
// points to its location; a journal entry that holds a stamp instead
// holds one pointer fewer, which the collector neither scans nor bars
// when the entry is written or overwritten in its ring. zoneTable.time
// gives back the same time.Time, in the same location, without the
// monotonic clock reading a time.Now value carries (as t.Round(0)).
type stamp struct {
	sec  int64
	nsec int32
	zone int32 // index in zoneTable.locs
}

// zoneTable holds the locations of the times the server has stamped,
// each once; the Clock gives them all in one as a rule. s.mu guards it.
type zoneTable struct {
	locs  []*time.Location
	index map[*time.Location]int32 // the index of each of locs
	last  int32                    // the index of the location stamped last
}

// stamp is t as a stamp, its location added to z when it is new.
func (z *zoneTable) stamp(t time.Time) stamp {
	loc := t.Location()
	i := z.last
	if int(i) >= len(z.locs) || z.locs[i] != loc {
		i = z.add(loc)
	}
	return stamp{sec: t.Unix(), nsec: int32(t.Nanosecond()), zone: i}
}

// add is the index of loc in z, added when it is not there, which it
// keeps as the last one stamped: out of stamp's way, which finds the
// last one again as a rule.
//
//go:noinline
func (z *zoneTable) add(loc *time.Location) int32 {
	i, ok := z.index[loc]
	if !ok {
		if z.index == nil {
			z.index = map[*time.Location]int32{}
		}
		i = int32(len(z.locs))
		z.locs = append(z.locs, loc)
		z.index[loc] = i
	}
	z.last = i
	return i
}

// time is the time st stamps, which z made.
func (z *zoneTable) time(st stamp) time.Time {
	return time.Unix(st.sec, int64(st.nsec)).In(z.locs[st.zone])
}
