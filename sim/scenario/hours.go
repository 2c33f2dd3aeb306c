package scenario

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/omnisim/omnisim/router"

	// The zone database is embedded so that zone names in [tenant],
	// [schedules.NAME] and [[agents]] resolve on any machine, with or
	// without a system zoneinfo: the binary imports this package, so the
	// single binary carries the database (about 450KB).
	_ "time/tzdata"
)

// The weekday keys of a schedule, Monday first, and their weekdays.
var (
	weekdayKeys = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	weekdays    = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
)

// commonZones are offered as hints for a zone name that does not resolve.
var commonZones = []string{
	"UTC", "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Tokyo", "Asia/Seoul", "Asia/Singapore",
	"Asia/Kolkata", "Asia/Dubai", "Asia/Jakarta", "Asia/Bangkok", "Asia/Manila", "Asia/Ho_Chi_Minh",
	"Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Rome", "Europe/Amsterdam",
	"Europe/Moscow", "Europe/Istanbul", "Africa/Lagos", "Africa/Johannesburg", "Africa/Cairo",
	"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo",
	"America/Mexico_City", "America/Bogota", "America/Toronto", "Australia/Sydney", "Pacific/Auckland",
}

// LoadZone resolves an IANA zone name; "" is nil (the default: the
// tenant's zone, or UTC for the tenant).
func LoadZone(name string) (*time.Location, error) {
	if name == "" {
		return nil, nil
	}
	// time.LoadLocation reads "Local" as the machine's zone, which would
	// make a scenario depend on where it runs.
	if name == "Local" {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return loc, nil
}

// zoneHint suggests a zone for a name that does not resolve.
func zoneHint(name string) string {
	for _, z := range commonZones {
		if strings.EqualFold(z, name) {
			return fmt.Sprintf("did you mean %q? zone names are case-sensitive", z)
		}
	}
	if n, ok := Nearest(name, commonZones); ok {
		return fmt.Sprintf("did you mean %q?", n)
	}
	return `an IANA zone name, e.g. "Asia/Shanghai", "Europe/Berlin" or "UTC"`
}

// ParseInterval reads "HH:MM-HH:MM" (24-hour clock; "24:00" as an end is
// midnight). An end at or before the start is an overnight interval.
func ParseInterval(s string) (router.Interval, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return router.Interval{}, fmt.Errorf("bad interval %q: want \"HH:MM-HH:MM\", e.g. \"09:00-18:00\"", s)
	}
	start, err := parseClock(a, false)
	if err != nil {
		return router.Interval{}, fmt.Errorf("bad interval %q: %v", s, err)
	}
	end, err := parseClock(b, true)
	if err != nil {
		return router.Interval{}, fmt.Errorf("bad interval %q: %v", s, err)
	}
	if start == end {
		return router.Interval{}, fmt.Errorf("bad interval %q: it starts where it ends; for the whole day write \"00:00-24:00\"", s)
	}
	return router.Interval{Start: start, End: end}, nil
}

// parseClock reads "HH:MM"; "24:00" only when end is set.
func parseClock(s string, end bool) (time.Duration, error) {
	s = strings.TrimSpace(s)
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) == 0 || len(h) > 2 || len(m) != 2 {
		return 0, fmt.Errorf("%q is not a clock time HH:MM", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || h[0] == '+' || m[0] == '+' {
		return 0, fmt.Errorf("%q is not a clock time HH:MM", s)
	}
	if mm > 59 || hh > 24 || hh == 24 && (mm != 0 || !end) {
		return 0, fmt.Errorf("%q is out of range: clock times run from 00:00 to 23:59 (24:00 as an end)", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// ParseDate reads a civil date "YYYY-MM-DD".
func ParseDate(s string) (router.Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return router.Date{}, fmt.Errorf("bad date %q: want YYYY-MM-DD, e.g. \"2026-10-01\"", s)
	}
	return router.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
}

// days returns the schedule's interval strings by weekday key.
func (s *Schedule) days() [][]string {
	return [][]string{s.Mon, s.Tue, s.Wed, s.Thu, s.Fri, s.Sat, s.Sun}
}

// Router converts the schedule for the engine. The scenario has been
// validated, so errors only come from a Schedule built in Go.
func (s *Schedule) Router(name string) (router.Schedule, error) {
	loc, err := LoadZone(s.Zone)
	if err != nil {
		return router.Schedule{}, err
	}
	out := router.Schedule{Name: name, Location: loc, Days: map[time.Weekday][]router.Interval{}}
	for i, ivs := range s.days() {
		for _, iv := range ivs {
			r, err := ParseInterval(iv)
			if err != nil {
				return router.Schedule{}, err
			}
			out.Days[weekdays[i]] = append(out.Days[weekdays[i]], r)
		}
	}
	for _, h := range s.Holidays {
		d, err := ParseDate(h)
		if err != nil {
			return router.Schedule{}, err
		}
		out.Holidays = append(out.Holidays, d)
	}
	return out, nil
}

// zone checks an optional zone name at path p.
func (v *validator) zone(p, name string) {
	v.nonEmpty(p, name)
	if name == "" {
		return
	}
	if _, err := LoadZone(name); err != nil {
		v.errf(p, zoneHint(name), "%s: %v", p, err)
	}
}

// schedules checks the schedules and returns their names, sorted.
func (v *validator) schedules(ss map[string]Schedule) []string {
	names := make([]string, 0, len(ss))
	for name := range ss {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		p := joinPath("schedules", name)
		s := ss[name]
		v.zone(p+".zone", s.Zone)
		// Each weekday's intervals as spans within that day; an overnight
		// interval also covers the start of the next day.
		type span struct {
			from, to time.Duration
			path     string
		}
		spans := make([][]span, 7)
		for i, ivs := range s.days() {
			for k, iv := range ivs {
				ip := indexPath(p+"."+weekdayKeys[i], k)
				r, err := ParseInterval(iv)
				if err != nil {
					v.errf(ip, "", "%s: %v", ip, err)
					continue
				}
				if r.End > r.Start {
					spans[i] = append(spans[i], span{r.Start, r.End, ip})
					continue
				}
				spans[i] = append(spans[i], span{r.Start, 24 * time.Hour, ip})
				if r.End > 0 {
					next := (i + 1) % 7
					spans[next] = append(spans[next], span{0, r.End, ip})
				}
			}
		}
		for i := range spans {
			sp := spans[i]
			slices.SortStableFunc(sp, func(a, b span) int { return int(a.from - b.from) })
			for k := 1; k < len(sp); k++ {
				if sp[k].from < sp[k-1].to {
					a, b := sp[k-1], sp[k]
					v.errf(b.path, "merge them into one interval", "%s: overlaps %s on %s", b.path, a.path, weekdayKeys[i])
				}
			}
		}
		seen := map[string]bool{}
		for k, d := range s.Off {
			op := indexPath(p+".off", k)
			i := slices.Index(weekdayKeys, d)
			switch {
			case i < 0:
				v.errf(op, suggest(d, weekdayKeys, "weekdays"), "%s: unknown weekday %q", op, d)
			case seen[d]:
				v.errf(op, "", "%s: %q listed twice", op, d)
			case len(s.days()[i]) > 0:
				v.errf(op, "remove it from off, or remove its intervals", "%s: %s is off but has intervals", op, d)
			}
			seen[d] = true
		}
		hols := map[string]bool{}
		for k, h := range s.Holidays {
			hp := indexPath(p+".holidays", k)
			d, err := ParseDate(h)
			switch {
			case err != nil:
				v.errf(hp, "", "%s: %v", hp, err)
			case hols[d.String()]:
				v.errf(hp, "", "%s: %s listed twice", hp, d)
			}
			hols[d.String()] = true
		}
	}
	return names
}
