package douyin

import (
	"strconv"
	"testing"
)

// TestKnowsRecent: a customer knows the ids of its last recentMessages
// messages, newest or oldest, and no older one, nor "".
func TestKnowsRecent(t *testing.T) {
	for _, n := range []int{0, 1, recentMessages - 1, recentMessages, recentMessages + 3, 3*recentMessages + 1} {
		var c customer
		for i := range n {
			c.recent[c.nrecent%recentMessages] = "m" + strconv.Itoa(i)
			c.nrecent++
		}
		for i := -1; i <= n; i++ {
			want := i >= 0 && i < n && i >= n-recentMessages
			if got := c.knows("m" + strconv.Itoa(i)); got != want {
				t.Errorf("%d messages: knows m%d = %v, want %v", n, i, got, want)
			}
		}
		if c.knows("") {
			t.Errorf("%d messages: knows the empty id", n)
		}
	}
}
