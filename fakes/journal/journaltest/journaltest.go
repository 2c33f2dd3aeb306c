// Package journaltest holds every fake's test of its bounded delivery
// histories to one shape: the fakes' tests call DeliveriesBounded with
// their own ways to open a customer, send, and read back.
package journaltest

import (
	"fmt"
	"slices"
	"testing"
)

// Fake is what DeliveriesBounded asks of a fake made with one
// JournalLimit. Each function fails the test itself when the fake refuses.
type Fake[D any] struct {
	// Open makes customer to one the business may send to (a message
	// from the customer, a follow).
	Open func(to string)
	// Send delivers text to customer to through the fake's send API.
	Send func(to, text string)
	// Deliveries are customer to's kept deliveries, oldest first (the
	// fake's Deliveries), and Text a delivery's text.
	Deliveries func(to string) []D
	Text       func(D) string
	// Delivered is the fake's count of deliveries (its Counts).
	Delivered func() int
	// Held, when set, is how many deliveries the fake holds for every
	// customer's history together: no more than the histories keep.
	Held func() int
}

// sends is how many texts DeliveriesBounded sends to each customer.
const sends = 7

// DeliveriesBounded makes a fake with each JournalLimit of -1, 0, 2 and 5,
// sends seven texts to each of two customers, and checks that a positive
// limit keeps each customer's newest limit deliveries and 0 or a negative
// limit every one, and that every delivery is counted.
func DeliveriesBounded[D any](t *testing.T, customers [2]string, newFake func(limit int) Fake[D]) {
	t.Helper()
	for _, limit := range []int{-1, 0, 2, 5} {
		f := newFake(limit)
		want := map[string][]string{}
		held := 0
		for c, to := range customers {
			f.Open(to)
			for i := range sends {
				text := fmt.Sprintf("to %d, text %d", c, i)
				f.Send(to, text)
				want[to] = append(want[to], text)
			}
			if limit > 0 {
				want[to] = want[to][len(want[to])-limit:]
			}
			held += len(want[to])
		}
		for _, to := range customers {
			var got []string
			for _, d := range f.Deliveries(to) {
				got = append(got, f.Text(d))
			}
			if !slices.Equal(got, want[to]) {
				t.Errorf("limit %d: %s's deliveries %q, want %q", limit, to, got, want[to])
			}
		}
		if got := f.Delivered(); got != len(customers)*sends {
			t.Errorf("limit %d: counted %d deliveries, want %d", limit, got, len(customers)*sends)
		}
		if f.Held != nil {
			if got := f.Held(); got != held {
				t.Errorf("limit %d: %d deliveries held for the histories, want %d", limit, got, held)
			}
		}
	}
}
