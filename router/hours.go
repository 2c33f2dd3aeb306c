package router

import (
	"fmt"
	"slices"
	"time"
)

// scanDays bounds how far ahead the engine looks for the next shift change:
// a schedule with no interval in that many days (all holidays) has none.
const scanDays = 400

// schedule is a checked [Schedule].
type schedule struct {
	name     string
	loc      *time.Location // nil: the tenant's
	days     [7][]Interval  // by weekday, sorted by start
	holidays map[Date]bool
}

func newSchedule(s Schedule) (*schedule, error) {
	if s.Name == "" {
		return nil, fmt.Errorf("a schedule has no name")
	}
	sc := &schedule{name: s.Name, loc: s.Location, holidays: make(map[Date]bool, len(s.Holidays))}
	for wd, ivs := range s.Days {
		if wd < time.Sunday || wd > time.Saturday {
			return nil, fmt.Errorf("schedule %q: no weekday %d", s.Name, int(wd))
		}
		for _, iv := range ivs {
			if iv.Start < 0 || iv.Start >= 24*time.Hour || iv.End < 0 || iv.End > 24*time.Hour {
				return nil, fmt.Errorf("schedule %q, %s: interval %v-%v out of range (clock times from 0 to 24h, start before 24h)", s.Name, wd, iv.Start, iv.End)
			}
			if iv.Start == iv.End {
				return nil, fmt.Errorf("schedule %q, %s: empty interval %v-%v", s.Name, wd, iv.Start, iv.End)
			}
			sc.days[wd] = append(sc.days[wd], iv)
		}
		slices.SortStableFunc(sc.days[wd], func(a, b Interval) int {
			switch {
			case a.Start < b.Start:
				return -1
			case a.Start > b.Start:
				return 1
			}
			return 0
		})
	}
	for _, d := range s.Holidays {
		if t := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC); t.Year() != d.Year || t.Month() != d.Month || t.Day() != d.Day {
			return nil, fmt.Errorf("schedule %q: holiday %s is not a date", s.Name, d)
		}
		sc.holidays[d] = true
	}
	return sc, nil
}

// clock is the instant the wall clock in loc reads c on the civil date
// y-m-d. Across a daylight-saving change the wall clock counts: a clock
// time the change skips is the instant of the change (the clock jumps
// past it then), and one it shows twice is its first showing. Both are
// the same whichever side of UTC loc is, and a day's clock times keep
// their order as instants. (time.Date leaves the choice unspecified, and
// in practice makes it differently east and west of UTC.)
func clock(y int, m time.Month, d int, c time.Duration, loc *time.Location) time.Time {
	h := int(c / time.Hour)
	c -= time.Duration(h) * time.Hour
	mi := int(c / time.Minute)
	c -= time.Duration(mi) * time.Minute
	t := time.Date(y, m, d, h, mi, 0, int(c), loc)
	// How far the wall clock at t is from c: 0 unless c was skipped.
	want := time.Date(y, m, d, h, mi, 0, int(c), time.UTC)
	got := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	start, end := t.ZoneBounds()
	switch {
	case got.After(want): // normalized past the change
		return start
	case got.Before(want): // normalized before it
		return end
	}
	if start.IsZero() {
		return t
	}
	// Shown twice when the clock was set back at start: the first
	// showing is in the period before.
	_, before := start.Add(-1).Zone()
	if _, off := t.Zone(); before > off {
		if first := t.Add(-time.Duration(before-off) * time.Second); first.Before(start) {
			return first
		}
	}
	return t
}

// at reports whether t is inside the working hours read in loc, and when
// that next changes: the end of the (merged) shift t is in, or the start of
// the next one. ok is false when it never changes within [scanDays].
func (s *schedule) at(t time.Time, loc *time.Location) (on bool, next time.Time, ok bool) {
	y, m, d := t.In(loc).Date()
	var runEnd time.Time
	for off := -1; off <= scanDays; off++ {
		dy, dm, dd := time.Date(y, m, d+off, 12, 0, 0, 0, loc).Date()
		if s.holidays[Date{dy, dm, dd}] {
			continue
		}
		wd := time.Date(dy, dm, dd, 12, 0, 0, 0, loc).Weekday()
		for _, iv := range s.days[wd] {
			start := clock(dy, dm, dd, iv.Start, loc)
			endDay := dd
			if iv.End <= iv.Start {
				endDay++
			}
			end := clock(dy, dm, endDay, iv.End, loc)
			if !end.After(start) || !end.After(t) {
				continue
			}
			switch {
			case !start.After(t):
				on = true
				if end.After(runEnd) {
					runEnd = end
				}
			case on && !start.After(runEnd):
				// A shift that starts as (or before) the current one ends
				// continues it.
				if end.After(runEnd) {
					runEnd = end
				}
			case on:
				return true, runEnd, true
			default:
				return false, start, true
			}
		}
	}
	if on {
		return true, runEnd, true
	}
	return false, time.Time{}, false
}
