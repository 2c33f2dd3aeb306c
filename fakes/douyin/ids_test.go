package douyin

import (
	"testing"
	"time"
)

// appendStamp writes what the layout "20060102150405" writes.
func TestAppendStamp(t *testing.T) {
	for _, tm := range []time.Time{start, start.Add(-time.Hour * 24 * 400), time.Date(9, 1, 2, 3, 4, 5, 6, cst),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, cst), time.Date(10000, 1, 1, 0, 0, 0, 0, cst), time.Date(-1, 6, 1, 0, 0, 0, 0, cst), {}} {
		if got, want := string(appendStamp(nil, tm)), tm.Format("20060102150405"); got != want {
			t.Errorf("appendStamp(%v) = %q, want %q", tm, got, want)
		}
	}
}

// A log id starts with the stamp of its own second, whichever second the
// log id before it was made in.
func TestLogIDStampPerSecond(t *testing.T) {
	var g idgen
	for _, tm := range []time.Time{start, start.Add(999 * time.Millisecond), start.Add(time.Second),
		start.Add(time.Second + 1), start, start.Add(-time.Nanosecond), time.Date(10000, 1, 1, 0, 0, 0, 0, cst),
		time.Date(10000, 1, 1, 0, 0, 0, 5, time.UTC), time.Date(-1, 6, 1, 0, 0, 0, 0, cst), {}, start,
		time.Date(2026, 3, 4, 23, 59, 58, 0, cst), time.Date(2026, 3, 4, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 3, 5, 0, 0, 0, 0, cst), time.Date(2026, 3, 5, 0, 0, 1, 0, cst), time.Date(2026, 3, 4, 23, 59, 59, 0, cst),
		time.Date(1, 1, 1, 23, 59, 59, 0, cst), time.Date(1, 1, 2, 0, 0, 0, 0, cst), time.Date(1, 1, 2, 12, 34, 56, 0, cst)} {
		id := g.logID(tm)
		if got, want := id[:len(id)-18], tm.In(cst).Format("20060102150405"); got != want {
			t.Errorf("logID(%v) starts %q, want %q", tm, got, want)
		}
	}
}
