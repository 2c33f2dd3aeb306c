package whatsapp

import (
	"encoding/json"
	"testing"
	"time"
)

// TestStampKeepsTimeAndLocation: a stamp gives back the very time it
// stamped, location included (== on time.Time compares the location), but
// for a monotonic clock reading, which it drops as t.Round(0) does.
func TestStampKeepsTimeAndLocation(t *testing.T) {
	var z zoneTable
	east := time.FixedZone("EAST", 5*3600+1800)
	times := []time.Time{
		t0,
		t0.Add(123456789).In(east),
		t0.In(time.Local),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), // before Unix nanoseconds reach
		time.Date(2999, 12, 31, 23, 59, 59, 999999999, east),
		{},
		time.Now(),
		t0.Add(-1).In(east),
	}
	stamps := make([]stamp, len(times))
	for i, tm := range times {
		stamps[i] = z.stamp(tm)
	}
	for i, tm := range times {
		if got, want := z.time(stamps[i]), tm.Round(0); got != want {
			t.Errorf("time %d: got %v (%v), want %v (%v)", i, got, got.Location(), want, want.Location())
		}
	}
	if len(z.locs) != 3 {
		t.Errorf("%d locations kept, want 3 (UTC, EAST, Local)", len(z.locs))
	}
}

// TestZoneTableIsBounded: a Clock that makes a location per time adds at
// most maxZones locations (and UTC); past them a time keeps its instant, in
// a held location that shows it alike, else in UTC.
func TestZoneTableIsBounded(t *testing.T) {
	for _, c := range []struct {
		name   string
		zone   func(i int) *time.Location
		inUTC  bool // past maxZones, times come back in UTC
		maxLen int
	}{
		{"one zone made again each time", func(int) *time.Location { return time.FixedZone("CET", 3600) }, false, maxZones},
		{"a new offset each time", func(i int) *time.Location { return time.FixedZone("Z", 60*i) }, true, maxZones + 1},
	} {
		var z zoneTable
		for i := range 1000 {
			tm := t0.Add(time.Duration(i) * time.Second).In(c.zone(i))
			got := z.time(z.stamp(tm))
			if !got.Equal(tm) {
				t.Fatalf("%s: time %d came back as %v, want %v", c.name, i, got, tm)
			}
			gotName, gotOffset := got.Zone()
			name, offset := tm.Zone()
			switch {
			case i >= maxZones && c.inUTC:
				if got.Location() != time.UTC {
					t.Fatalf("%s: time %d in %v, want UTC", c.name, i, got.Location())
				}
			case gotName != name || gotOffset != offset:
				t.Fatalf("%s: time %d in %s%+d, want %s%+d", c.name, i, gotName, gotOffset, name, offset)
			}
		}
		if len(z.locs) > c.maxLen {
			t.Errorf("%s: %d locations kept, want at most %d", c.name, len(z.locs), c.maxLen)
		}
	}
}

// TestDeliveryTimesKeepTheClockLocation: the journal's and the history's
// deliveries are at the Clock's times in the Clock's location.
func TestDeliveryTimesKeepTheClockLocation(t *testing.T) {
	east := time.FixedZone("EAST", 5*3600+1800)
	at := t0.Add(1500 * time.Millisecond).In(east)
	s := New(Config{Clock: func() time.Time { return at }})
	openWindow(t, s, cust)
	b, _ := json.Marshal(text(cust, "hello"))
	wantOK(t, do(s, "POST", msgs, "", b, bearer))
	d := s.Deliveries(cust)
	j := s.Journal().Deliveries
	if len(d) != 1 || len(j) != 1 || d[0].At != at || j[0].At != at {
		t.Fatalf("deliveries %+v, journal %+v; want at %v", d, j, at)
	}
}
