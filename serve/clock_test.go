package serve

import (
	"testing"
	"time"
)

// TestClockRunsToLastTime checks that a running clock reaches lastTime,
// the end docs/serve.md gives it, from any start and at any speed, without
// overflowing on the way, and stops there.
func TestClockRunsToLastTime(t *testing.T) {
	wall := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		virtual time.Time
		speed   float64
		after   time.Duration // of wall time
		want    time.Time
	}{
		{"1e9 from 2026, a second on", time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), 1e9, time.Second, time.Date(2057, 11, 8, 10, 46, 40, 0, time.UTC)},
		{"1e9 from 2026, ten seconds on", time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), 1e9, 10 * time.Second, lastTime},
		{"1e9 from 2026, a day on", time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), 1e9, 24 * time.Hour, lastTime},
		{"the largest speed from 1678", time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC), 1.7976931348623157e308, time.Millisecond, lastTime},
		{"1e9 from 1678, 9 seconds on (lastTime further than a Duration holds)", time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC), 1e9, 9 * time.Second, time.Date(1963, 3, 15, 16, 0, 0, 0, time.UTC)},
		{"1 from the last minute, a minute on", lastTime.Add(-time.Minute), 1, time.Minute, lastTime},
		{"1 from the last minute, a second on", lastTime.Add(-time.Minute), 1, time.Second, lastTime.Add(-59 * time.Second)},
		{"at lastTime", lastTime, 1e9, time.Hour, lastTime},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := virtualClock{speed: tc.speed, virtual: tc.virtual, wall: wall}
			if got := c.at(wall.Add(tc.after)); !got.Equal(tc.want) {
				t.Errorf("at %v: %v, want %v", tc.after, got, tc.want)
			}
		})
	}
	if !lastTime.Equal(time.Date(2261, 12, 31, 23, 59, 59, 999e6, time.UTC)) {
		t.Errorf("lastTime %v, want 2261-12-31T23:59:59.999Z, as docs/serve.md says", lastTime)
	}
}
