package router

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestClockAcrossDaylightSaving: a clock time a daylight-saving change
// skips is the instant of the change, and one it shows twice is its first
// showing, east and west of UTC alike.
func TestClockAcrossDaylightSaving(t *testing.T) {
	m := time.Minute
	tests := []struct {
		name, zone string
		y          int
		mo         time.Month
		d          int
		c          time.Duration
		want       string // RFC 3339, in the zone
	}{
		{"an ordinary day", "Europe/Berlin", 2026, 3, 2, 9 * h, "2026-03-02T09:00:00+01:00"},
		{"a zone without changes", "Asia/Shanghai", 2026, 3, 8, 2*h + 30*m, "2026-03-08T02:30:00+08:00"},
		{"skipped, west of UTC", "America/New_York", 2026, 3, 8, 2*h + 30*m, "2026-03-08T03:00:00-04:00"},
		{"the first skipped minute", "America/New_York", 2026, 3, 8, 2 * h, "2026-03-08T03:00:00-04:00"},
		{"the clock after the jump", "America/New_York", 2026, 3, 8, 3 * h, "2026-03-08T03:00:00-04:00"},
		{"skipped, at UTC", "Europe/London", 2026, 3, 29, h + 30*m, "2026-03-29T02:00:00+01:00"},
		{"skipped, east of UTC", "Europe/Berlin", 2026, 3, 29, 2*h + 30*m, "2026-03-29T03:00:00+02:00"},
		{"skipped at midnight", "America/Santiago", 2026, 9, 6, 30 * m, "2026-09-06T01:00:00-03:00"},
		{"a half-hour change", "Australia/Lord_Howe", 2026, 10, 4, 2*h + 15*m, "2026-10-04T02:30:00+11:00"},
		{"shown twice, west of UTC", "America/New_York", 2026, 11, 1, h + 30*m, "2026-11-01T01:30:00-04:00"},
		{"shown twice, at UTC", "Europe/London", 2026, 10, 25, h + 30*m, "2026-10-25T01:30:00+01:00"},
		{"shown twice, east of UTC", "Europe/Berlin", 2026, 10, 25, 2*h + 30*m, "2026-10-25T02:30:00+02:00"},
		{"shown twice, southern hemisphere", "Australia/Sydney", 2026, 4, 5, 2*h + 30*m, "2026-04-05T02:30:00+11:00"},
		{"after the clock is set back", "Europe/Berlin", 2026, 10, 25, 3 * h, "2026-10-25T03:00:00+01:00"},
		{"midnight of the next day", "Europe/Berlin", 2026, 3, 28, 24 * h, "2026-03-29T00:00:00+01:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustZone(t, tc.zone)
			if got := clock(tc.y, tc.mo, tc.d, tc.c, loc).In(loc).Format(time.RFC3339); got != tc.want {
				t.Errorf("clock(%d-%02d-%02d %v) in %s = %s, want %s", tc.y, tc.mo, tc.d, tc.c, tc.zone, got, tc.want)
			}
		})
	}
}

// TestScheduleAtMatchesAMinuteScan: around daylight-saving changes in
// zones east and west of UTC, with half-hour and 45-minute offsets and
// changes, whether a time is on shift and when that next changes agree
// with a scan, minute by minute, of the documented reading: on from a
// shift's start on its day to its end (on the next day when it ends at or
// before its start), holidays off.
func TestScheduleAtMatchesAMinuteScan(t *testing.T) {
	zones := []string{"America/New_York", "Europe/London", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham",
		"America/Sao_Paulo", "America/St_Johns", "Asia/Tehran", "Pacific/Kiritimati", "America/Santiago"}
	r := rand.New(rand.NewPCG(1, 2))
	runs := 300
	if testing.Short() {
		runs = 40
	}
	for run := 0; run < runs; run++ {
		loc := mustZone(t, zones[r.IntN(len(zones))])
		sc := Schedule{Name: "s", Days: map[time.Weekday][]Interval{}}
		for wd := time.Sunday; wd <= time.Saturday; wd++ {
			for k := r.IntN(3); k > 0; k-- {
				start := time.Duration(r.IntN(96)) * 15 * time.Minute
				if r.IntN(3) == 0 { // in the small hours, where the changes are
					start = time.Duration(r.IntN(16)) * 15 * time.Minute
				}
				end := time.Duration(r.IntN(97)) * 15 * time.Minute
				if start != end {
					sc.Days[wd] = append(sc.Days[wd], Interval{Start: start, End: end})
				}
			}
		}
		base := time.Date(2026, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, loc)
		if r.IntN(4) != 0 { // a day and a half before the next change
			_, off := base.Zone()
			for x := base; x.Before(base.AddDate(1, 0, 0)); x = x.Add(time.Hour) {
				if _, o := x.Zone(); o != off {
					base = x.Add(-36 * time.Hour)
					break
				}
			}
		}
		if r.IntN(4) == 0 {
			y, m, d := base.Add(24 * time.Hour).Date()
			sc.Holidays = append(sc.Holidays, Date{y, m, d})
		}
		s, err := newSchedule(sc)
		if err != nil {
			t.Fatal(err)
		}
		// onAt reads the schedule from its definition.
		onAt := func(x time.Time) bool {
			y, m, d := x.In(loc).Date()
			for off := -2; off <= 1; off++ {
				dy, dm, dd := time.Date(y, m, d+off, 12, 0, 0, 0, loc).Date()
				if s.holidays[Date{dy, dm, dd}] {
					continue
				}
				for _, iv := range s.days[time.Date(dy, dm, dd, 12, 0, 0, 0, loc).Weekday()] {
					endDay := dd
					if iv.End <= iv.Start {
						endDay++
					}
					if !clock(dy, dm, dd, iv.Start, loc).After(x) && clock(dy, dm, endDay, iv.End, loc).After(x) {
						return true
					}
				}
			}
			return false
		}
		const span = 3 * 24 * 60 // minutes asked about; the scan looks as far again for the next change
		on := make([]bool, 2*span)
		for i := range on {
			on[i] = onAt(base.Add(time.Duration(i) * time.Minute))
		}
		for q := 0; q < 10; q++ {
			i := r.IntN(span)
			at := base.Add(time.Duration(i) * time.Minute)
			gotOn, gotNext, ok := s.at(at, loc)
			var wantNext time.Time
			for j := i + 1; j < len(on); j++ {
				if on[j] != on[i] {
					wantNext = base.Add(time.Duration(j) * time.Minute)
					break
				}
			}
			if gotOn != on[i] || !wantNext.IsZero() && (!ok || !gotNext.Equal(wantNext)) {
				t.Fatalf("%s, %v, holidays %v, at %s: on %v until %s (%v), want on %v until %s", loc, sc.Days, sc.Holidays,
					at.In(loc).Format(time.RFC3339), gotOn, gotNext.In(loc).Format(time.RFC3339), ok, on[i], wantNext.In(loc).Format(time.RFC3339))
			}
		}
	}
}
