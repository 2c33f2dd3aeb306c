package businessmessages

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestAppendTime holds appendTime to AppendFormat with time.RFC3339Nano
// in UTC: whole seconds, fractions with and without trailing zeros, other
// zones, leap days, the ends of the four-digit years and past them.
func TestAppendTime(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	times := []time.Time{
		{},
		time.Unix(0, 0),
		time.Date(2024, 7, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2024, 2, 29, 1, 2, 3, 100, time.UTC),
		time.Date(2024, 2, 29, 1, 2, 3, 120000000, time.UTC),
		time.Date(2024, 2, 29, 1, 2, 3, 999999999, time.UTC),
		time.Date(2024, 2, 29, 1, 2, 3, 1, time.UTC),
		time.Date(2024, 1, 1, 0, 30, 0, 5000, shanghai),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(0, 2, 29, 23, 59, 59, 0, time.UTC),
		time.Date(0, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1600, 2, 29, 12, 0, 0, 0, time.UTC),
		time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(-1, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, shanghai),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		sec := r.Int64N(253402300800+62167219200) - 62167219200 // from the start of year 0 to the end of 9999
		ns := r.Int64N(1e9)
		switch r.IntN(3) {
		case 0:
			ns = 0
		case 1:
			ns -= ns % 1000000
		}
		times = append(times, time.Unix(sec, ns))
	}
	for _, tt := range times {
		want := `"` + tt.UTC().Format(time.RFC3339Nano) + `"`
		if got := string(appendTime([]byte("x"), tt)); got != "x"+want {
			t.Fatalf("%v: appendTime wrote %s, want %s", tt, got[1:], want)
		}
	}
}
