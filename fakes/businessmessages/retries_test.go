package businessmessages

import (
	"context"
	"testing"
	"time"
)

// TestMaxRetries holds MaxRetries to the schedule it counts, retried one
// by one as reschedule retries: the next try a delay after the last, the
// delay doubling up to the most, none later than retryFor after the first;
// and, for a schedule of up to 7 days, to the fake's own retries of a
// webhook whose every try fails.
func TestMaxRetries(t *testing.T) {
	retries := func(retryFor, delay, maxDelay time.Duration) int {
		c := &clock{t0}
		tries := 0
		s := New(Config{Clock: c.now, Seed: 1, RetryFor: retryFor, RetryDelay: delay, RetryMaxDelay: maxDelay,
			Direct: func(*UserMessage) int { tries++; return 500 }})
		if _, err := s.CustomerText(context.Background(), "c1", Context{}, "hi"); err != nil {
			t.Fatal(err)
		}
		for {
			next, ok := s.NextDeadline()
			if !ok {
				return tries - 1
			}
			c.t = next
			s.Flush(context.Background())
		}
	}
	count := func(retryFor, delay, maxDelay time.Duration) int {
		n, at := 0, time.Duration(0)
		for at+delay <= retryFor {
			at += delay
			n++
			delay = min(2*delay, maxDelay)
		}
		return n
	}
	for _, c := range []struct {
		retryFor, delay, maxDelay time.Duration
		want                      int
	}{
		{0, 0, 0, -1}, // the defaults: 7 days
		{-1, 0, 0, 0},
		{time.Second, 0, 0, 0},
		{10 * time.Second, 0, 0, 1},
		{30 * time.Second, 0, 0, 2},
		{2 * time.Hour, 0, 0, -1},
		{36500 * 24 * time.Hour, 0, 0, -1},
		{time.Hour, time.Minute, time.Minute, 60},
		{time.Hour, 2 * time.Minute, time.Minute, -1}, // a first delay past the most
		{5 * time.Hour, 7 * time.Second, 50 * time.Minute, -1},
	} {
		got := MaxRetries(c.retryFor, c.delay, c.maxDelay)
		want := c.want
		if want < 0 {
			rf, d, m := c.retryFor, c.delay, c.maxDelay
			if rf == 0 {
				rf = DefaultRetryFor
			}
			if d == 0 {
				d = DefaultRetryDelay
			}
			if m == 0 {
				m = DefaultRetryMaxDelay
			}
			want = count(rf, d, m)
		}
		if got != want {
			t.Errorf("MaxRetries(%v, %v, %v) = %d, want %d", c.retryFor, c.delay, c.maxDelay, got, want)
		}
		if c.retryFor <= DefaultRetryFor {
			if fake := retries(c.retryFor, c.delay, c.maxDelay); got != fake {
				t.Errorf("MaxRetries(%v, %v, %v) = %d; the fake retries %d times", c.retryFor, c.delay, c.maxDelay, got, fake)
			}
		}
	}
	if got := MaxRetries(0, 0, 0); got < 160 || got > 180 {
		t.Errorf("the default schedule retries %d times; about 7 days of hourly retries after the first few", got)
	}
}
