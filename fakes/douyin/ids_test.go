package douyin

import (
	"strings"
	"testing"
	"time"
)

// fill, given an alphabet spread over 64, draws
// alphabet[(r&63)%len(alphabet)] for each 6 bits of the stream, ten
// characters per draw.
func TestFillDrawsAsDefined(t *testing.T) {
	for _, c := range []struct{ alphabet, spread string }{
		{b64, b64}, {upperHex, upperHex64}, {lowerHex, lowerHex64}, {alnum, alnum64},
		{"ab", strings.Repeat("ab", 32)}, {"abc", strings.Repeat("abc", 22)[:64]},
	} {
		alphabet := c.alphabet
		got, want := idgen{seed: 7}, idgen{seed: 7}
		for n := 0; n < 50; n++ {
			b := make([]byte, n)
			got.fill(b, streamLog, c.spread)
			var r uint64
			for i := 0; i < n; i++ {
				if i%10 == 0 {
					r = want.next(streamLog)
				}
				if c := alphabet[(r&63)%uint64(len(alphabet))]; b[i] != c {
					t.Fatalf("alphabet %q, %d characters: [%d] = %q, want %q", alphabet, n, i, b[i], c)
				}
				r >>= 6
			}
		}
	}
}

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
		time.Date(10000, 1, 1, 0, 0, 0, 5, time.UTC), time.Date(-1, 6, 1, 0, 0, 0, 0, cst), {}, start} {
		id := g.logID(tm)
		if got, want := id[:len(id)-18], tm.In(cst).Format("20060102150405"); got != want {
			t.Errorf("logID(%v) starts %q, want %q", tm, got, want)
		}
	}
}
