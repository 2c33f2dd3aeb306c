package router

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s: %v", name, err)
	}
	return loc
}

func weekdays(ivs ...Interval) map[time.Weekday][]Interval {
	m := map[time.Weekday][]Interval{}
	for d := time.Monday; d <= time.Friday; d++ {
		m[d] = ivs
	}
	return m
}

func every(ivs ...Interval) map[time.Weekday][]Interval {
	m := map[time.Weekday][]Interval{}
	for d := time.Sunday; d <= time.Saturday; d++ {
		m[d] = ivs
	}
	return m
}

func iv(start, end time.Duration) Interval { return Interval{Start: start, End: end} }

const h = time.Hour

func TestScheduleAt(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	shanghai := mustZone(t, "Asia/Shanghai")
	newYork := mustZone(t, "America/New_York")
	london := mustZone(t, "Europe/London")
	in := func(loc *time.Location, y int, m time.Month, d, hh, mm int) time.Time {
		return time.Date(y, m, d, hh, mm, 0, 0, loc)
	}
	tests := []struct {
		name     string
		sched    Schedule
		loc      *time.Location
		at       time.Time
		wantOn   bool
		wantNext time.Time
		wantLen  time.Duration // when set: the shift's length from its start, which is wantNext - wantLen
	}{
		{"inside a weekday shift", Schedule{Days: weekdays(iv(9*h, 18*h))}, shanghai,
			in(shanghai, 2026, 3, 2, 10, 0), true, in(shanghai, 2026, 3, 2, 18, 0), 0},
		{"before it", Schedule{Days: weekdays(iv(9*h, 18*h))}, shanghai,
			in(shanghai, 2026, 3, 2, 8, 0), false, in(shanghai, 2026, 3, 2, 9, 0), 0},
		{"the end is outside (half-open)", Schedule{Days: weekdays(iv(9*h, 18*h))}, shanghai,
			in(shanghai, 2026, 3, 2, 18, 0), false, in(shanghai, 2026, 3, 3, 9, 0), 0},
		{"the weekend is off", Schedule{Days: weekdays(iv(9*h, 18*h))}, shanghai,
			in(shanghai, 2026, 3, 6, 19, 0), false, in(shanghai, 2026, 3, 9, 9, 0), 0},
		{"a lunch break between two intervals", Schedule{Days: weekdays(iv(9*h, 12*h), iv(13*h, 18*h))}, shanghai,
			in(shanghai, 2026, 3, 2, 12, 30), false, in(shanghai, 2026, 3, 2, 13, 0), 0},
		{"touching intervals merge", Schedule{Days: weekdays(iv(9*h, 13*h), iv(13*h, 18*h))}, shanghai,
			in(shanghai, 2026, 3, 2, 10, 0), true, in(shanghai, 2026, 3, 2, 18, 0), 0},
		{"an overnight shift from the day before", Schedule{Days: every(iv(22*h, 6*h))}, shanghai,
			in(shanghai, 2026, 3, 2, 3, 0), true, in(shanghai, 2026, 3, 2, 6, 0), 0},
		{"a shift to midnight continues into the next day's", Schedule{Days: every(iv(20*h, 24*h), iv(0, 2*h))}, shanghai,
			in(shanghai, 2026, 3, 2, 21, 0), true, in(shanghai, 2026, 3, 3, 2, 0), 0},
		{"overnight across the spring change lasts 7 hours", Schedule{Days: every(iv(22*h, 6*h))}, berlin,
			in(berlin, 2026, 3, 28, 23, 0), true, in(berlin, 2026, 3, 29, 6, 0), 7 * h},
		{"overnight across the autumn change lasts 9 hours", Schedule{Days: every(iv(22*h, 6*h))}, berlin,
			in(berlin, 2026, 10, 24, 23, 0), true, in(berlin, 2026, 10, 25, 6, 0), 9 * h},
		{"a holiday starts no shift", Schedule{Days: weekdays(iv(9*h, 18*h)), Holidays: []Date{{2026, 3, 3}}}, shanghai,
			in(shanghai, 2026, 3, 2, 18, 0), false, in(shanghai, 2026, 3, 4, 9, 0), 0},
		{"a shift from the eve of a holiday runs to its end", Schedule{Days: every(iv(22*h, 6*h)), Holidays: []Date{{2026, 3, 3}}}, shanghai,
			in(shanghai, 2026, 3, 3, 5, 0), true, in(shanghai, 2026, 3, 3, 6, 0), 0},
		{"after it, the holiday's own shift is skipped", Schedule{Days: every(iv(22*h, 6*h)), Holidays: []Date{{2026, 3, 3}}}, shanghai,
			in(shanghai, 2026, 3, 3, 7, 0), false, in(shanghai, 2026, 3, 4, 22, 0), 0},
		{"a shift from a skipped time starts when the clock jumps past it", Schedule{Days: every(iv(2*h+30*time.Minute, 10*h))}, newYork,
			in(newYork, 2026, 3, 8, 1, 40), false, time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), 0},
		{"a shift listed after one from a skipped time runs from its own start", Schedule{Days: every(iv(h+30*time.Minute, 4*h), iv(2*h, 2*h+20*time.Minute))}, london,
			in(london, 2026, 3, 29, 2, 10), true, in(london, 2026, 3, 29, 4, 0), 0},
		{"a shift from a time shown twice starts at its first showing", Schedule{Days: every(iv(2*h+30*time.Minute, 4*h))}, berlin,
			time.Date(2026, 10, 25, 0, 20, 0, 0, time.UTC), false, time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), 0},
		{"and lasts the hour the clock is set back longer", Schedule{Days: every(iv(2*h+30*time.Minute, 4*h))}, berlin,
			time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC), true, time.Date(2026, 10, 25, 3, 0, 0, 0, time.UTC), 2*h + 30*time.Minute},
		{"the zone is the one given", Schedule{Days: every(iv(9*h, 17*h))}, shanghai,
			time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC), true, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.sched.Name = "s"
			s, err := newSchedule(tt.sched)
			if err != nil {
				t.Fatal(err)
			}
			on, next, ok := s.at(tt.at, tt.loc)
			if !ok || on != tt.wantOn || !next.Equal(tt.wantNext) {
				t.Fatalf("at %v: on %v, next %v (ok %v); want on %v, next %v", tt.at, on, next.In(tt.loc), ok, tt.wantOn, tt.wantNext)
			}
			if tt.wantLen > 0 {
				start := next.Add(-tt.wantLen)
				if on, _, _ := s.at(start, tt.loc); !on {
					t.Errorf("not on shift at %v, %v before the end", start.In(tt.loc), tt.wantLen)
				}
				if on, _, _ := s.at(start.Add(-time.Nanosecond), tt.loc); on {
					t.Errorf("already on shift just before %v: the shift is longer than %v", start.In(tt.loc), tt.wantLen)
				}
			}
		})
	}
	// Every day off: never on shift, no change.
	s, _ := newSchedule(Schedule{Name: "off"})
	if on, _, ok := s.at(t0, time.UTC); on || ok {
		t.Errorf("an empty schedule: on %v, ok %v", on, ok)
	}
}

func TestScheduleErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"unknown schedule", Config{Agents: []AgentConfig{{ID: "a", Capacity: 1, Schedule: "x"}}}},
		{"no name", Config{Schedules: []Schedule{{}}}},
		{"twice", Config{Schedules: []Schedule{{Name: "x"}, {Name: "x"}}}},
		{"empty interval", Config{Schedules: []Schedule{{Name: "x", Days: every(iv(9*h, 9*h))}}}},
		{"past midnight", Config{Schedules: []Schedule{{Name: "x", Days: every(iv(9*h, 25*h))}}}},
		{"start at 24h", Config{Schedules: []Schedule{{Name: "x", Days: every(iv(24*h, 2*h))}}}},
		{"not a date", Config{Schedules: []Schedule{{Name: "x", Holidays: []Date{{2026, 2, 30}}}}}},
		{"not a weekday", Config{Schedules: []Schedule{{Name: "x", Days: map[time.Weekday][]Interval{7: {iv(h, 2*h)}}}}}},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

// TestWorkingHours drives the engine through shift starts and ends. t0 is
// Monday 2026-03-02 09:00 UTC.
func TestWorkingHours(t *testing.T) {
	tokyo := mustZone(t, "Asia/Tokyo")
	type act struct {
		at       time.Duration // from t0
		customer string        // a customer writes
		online   string        // an agent comes online
		want     string        // the agent the customer's chat is with after the step ("" waiting)
	}
	tests := []struct {
		name   string
		cfg    Config
		acts   []act
		final  map[string]string      // customer -> agent at the end
		events []EventKind            // the shift events logged, in order
		next   map[time.Duration]bool // NextDeadline after the acts, from t0
	}{
		{
			name: "nobody in hours: pending, then assigned oldest first when a shift starts",
			cfg: Config{Schedules: []Schedule{{Name: "day", Days: every(iv(10*h, 18*h))}},
				Agents: []AgentConfig{{ID: "a", Capacity: 1, Schedule: "day"}}},
			acts: []act{
				{at: 0, online: "a"},
				{at: 10 * time.Minute, customer: "u1"},
				{at: 20 * time.Minute, customer: "u2"},
				{at: 70 * time.Minute},
			},
			final:  map[string]string{"u1": "a", "u2": ""},
			events: []EventKind{EventShiftStarted},
			next:   map[time.Duration]bool{9 * h: true},
		},
		{
			name: "a shift end keeps open chats and takes no new ones",
			cfg: Config{Schedules: []Schedule{{Name: "am", Days: every(iv(9*h, 10*h))}},
				Agents: []AgentConfig{{ID: "a", Capacity: 5, Schedule: "am"}}},
			acts: []act{
				{at: 0, online: "a"},
				{at: time.Minute, customer: "u1", want: "a"},
				{at: h, customer: "u2"},
			},
			final:  map[string]string{"u1": "a", "u2": ""},
			events: []EventKind{EventShiftEnded},
			next:   map[time.Duration]bool{24 * h: true},
		},
		{
			name: "the agent's own zone: 09-17 in Tokyo is 00-08 UTC",
			cfg: Config{Schedules: []Schedule{{Name: "day", Days: every(iv(9*h, 17*h))}},
				Agents: []AgentConfig{{ID: "tokyo", Capacity: 1, Schedule: "day", Location: tokyo}, {ID: "utc", Capacity: 1, Schedule: "day"}}},
			acts: []act{
				{at: 0, online: "tokyo"}, {at: 0, online: "utc"},
				{at: time.Minute, customer: "u1", want: "utc"},
				{at: 2 * time.Minute, customer: "u2"},
				{at: 15*h + 30*time.Minute},
			},
			final: map[string]string{"u1": "utc", "u2": "tokyo"},
			// utc's shift ends at 17:00 UTC (+8h), tokyo's starts at 00:00 UTC (+15h) and takes u2.
			events: []EventKind{EventShiftEnded, EventShiftStarted},
			next:   map[time.Duration]bool{23 * h: true},
		},
		{
			name: "the tenant's zone by default",
			cfg: Config{Location: tokyo, Schedules: []Schedule{{Name: "day", Days: every(iv(9*h, 17*h))}},
				Agents: []AgentConfig{{ID: "a", Capacity: 1, Schedule: "day"}}},
			acts:  []act{{at: 0, online: "a"}, {at: time.Minute, customer: "u1"}},
			final: map[string]string{"u1": ""},
			next:  map[time.Duration]bool{15 * h: true},
		},
		{
			name: "online by hours: presence follows the shift",
			cfg: Config{OnlineByHours: true, Schedules: []Schedule{{Name: "day", Days: every(iv(10*h, 18*h))}},
				Agents: []AgentConfig{{ID: "a", Capacity: 1, Schedule: "day"}}},
			acts: []act{
				{at: 0, customer: "u1"},
				{at: h},
			},
			final:  map[string]string{"u1": "a"},
			events: []EventKind{EventShiftStarted},
		},
		{
			name: "online by hours: on shift from the engine's first time",
			cfg: Config{OnlineByHours: true, Schedules: []Schedule{{Name: "day", Days: every(iv(8*h, 18*h))}},
				Agents: []AgentConfig{{ID: "a", Capacity: 2, Schedule: "day"}}},
			acts:  []act{{at: 0, customer: "u1", want: "a"}, {at: time.Minute, customer: "u2", want: "a"}},
			final: map[string]string{"u1": "a", "u2": "a"},
		},
		{
			name: "a group that ignores hours",
			cfg: Config{Schedules: []Schedule{{Name: "night", Days: every(iv(22*h, 6*h))}},
				Groups: []GroupConfig{{Name: DefaultGroup, IgnoreHours: true}},
				Agents: []AgentConfig{{ID: "a", Capacity: 1, Schedule: "night", Groups: []string{DefaultGroup}}}},
			acts:  []act{{at: 0, online: "a"}, {at: time.Minute, customer: "u1", want: "a"}},
			final: map[string]string{"u1": "a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, tt.cfg)
			for _, a := range tt.acts {
				now := at(a.at)
				switch {
				case a.online != "":
					if err := e.SetOnline(now, a.online, true); err != nil {
						t.Fatal(err)
					}
				case a.customer != "":
					if c := receive(t, e, now, a.customer); c.Agent != a.want {
						t.Errorf("+%v: %s went to %q, want %q", a.at, a.customer, c.Agent, a.want)
					}
				default:
					e.Advance(now)
				}
			}
			for u, want := range tt.final {
				if c, _, _ := e.Latest(key(u)); c.Agent != want {
					t.Errorf("%s is with %q (%s), want %q", u, c.Agent, c.State, want)
				}
			}
			var shifts []EventKind
			for _, ev := range e.Events(nil) {
				if ev.Kind == EventShiftStarted || ev.Kind == EventShiftEnded {
					shifts = append(shifts, ev.Kind)
				}
			}
			if tt.events != nil && !slices.Equal(shifts, tt.events) {
				t.Errorf("shift events %v, want %v", shifts, tt.events)
			}
			for d := range tt.next {
				if next, ok := e.NextDeadline(); !ok || !next.Equal(at(d)) {
					t.Errorf("next deadline +%v (ok %v), want +%v", next.Sub(t0), ok, d)
				}
			}
		})
	}
}

// TestShiftDrainsGroupPriorityFirst: conversations that waited for the
// shift go out oldest first across the agent's groups, by group priority.
func TestShiftDrainsGroupPriorityFirst(t *testing.T) {
	cfg := Config{
		Split:     SplitRegion,
		Schedules: []Schedule{{Name: "later", Days: every(iv(10*h, 20*h))}},
		Groups:    []GroupConfig{{Name: "vip", Priority: 1, Regions: []string{"vip"}}, {Name: "std", Priority: 2, Regions: []string{"std"}}},
		Agents:    []AgentConfig{{ID: "x", Capacity: 3, Schedule: "later", Groups: []string{"vip", "std"}}},
	}
	e := newEngine(t, cfg, "x")
	for i, r := range []string{"std", "std", "vip", "vip"} {
		u := fmt.Sprintf("u%d", i)
		e.SetProfile(key(u), Profile{Region: r})
		receive(t, e, at(time.Duration(i)*time.Minute), u)
	}
	e.Advance(at(h))
	var got []string
	for _, ev := range e.Events(nil) {
		if ev.Kind == EventAssigned {
			got = append(got, ev.Customer.Customer)
		}
	}
	if want := []string{"u2", "u3", "u0"}; !slices.Equal(got, want) {
		t.Errorf("assigned at the shift start: %v, want %v", got, want)
	}
}
