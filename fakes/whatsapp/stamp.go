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
// each once; the Clock gives them all in one as a rule. A Clock that makes
// a new location for each time (time.FixedZone called in it) would add one
// per stamp: past maxZones locations, a time in a location not held is
// kept in one held that shows it alike (the same zone name and offset at
// that time), else in UTC. The instant is always kept. s.mu guards it.
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
		i = z.add(t)
	}
	return stamp{sec: t.Unix(), nsec: int32(t.Nanosecond()), zone: i}
}

// maxZones is how many locations a zoneTable holds before it keeps times
// of a location it does not hold in one it does (zoneTable).
const maxZones = 64

// add is the index of t's location in z, added when it is not there and z
// holds fewer than maxZones (else alike's), which it keeps as the last one
// stamped: out of stamp's way, which finds the last one again as a rule.
//
//go:noinline
func (z *zoneTable) add(t time.Time) int32 {
	loc := t.Location()
	i, ok := z.index[loc]
	if !ok {
		if len(z.locs) >= maxZones {
			return z.alike(t)
		}
		i = z.put(loc)
	}
	z.last = i
	return i
}

// put adds loc to z and returns its index.
func (z *zoneTable) put(loc *time.Location) int32 {
	if z.index == nil {
		z.index = map[*time.Location]int32{}
	}
	i := int32(len(z.locs))
	z.locs = append(z.locs, loc)
	z.index[loc] = i
	return i
}

// alike is the index of a location z holds that shows t as t's own does,
// or else of UTC (added, past maxZones, when z does not hold it).
func (z *zoneTable) alike(t time.Time) int32 {
	name, offset := t.Zone()
	for i, loc := range z.locs {
		if n, o := t.In(loc).Zone(); n == name && o == offset {
			return int32(i)
		}
	}
	if i, ok := z.index[time.UTC]; ok {
		return i
	}
	return z.put(time.UTC)
}

// time is the time st stamps, which z made.
func (z *zoneTable) time(st stamp) time.Time {
	return time.Unix(st.sec, int64(st.nsec)).In(z.locs[st.zone])
}
