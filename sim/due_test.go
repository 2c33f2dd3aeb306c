package sim

import "testing"

// TestTrackedDue: a binding tracks the world's Due only where its fake and
// adapter answer in the world's goroutine and nothing else reaches them.
func TestTrackedDue(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     Env
		tracked bool
	}{
		{"direct", Env{Network: Direct}, true},
		{"memory", Env{Network: Memory}, true},
		{"memory with an app", Env{Network: Memory, Webhook: "http://127.0.0.1:9/hook"}, false},
		{"loopback", Env{Network: Loopback}, false},
		{"serve", Env{Network: Serve}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &World{}
			d := w.newDue()
			tc.env.Due = d
			got := tc.env.TrackedDue()
			if (got != nil) != tc.tracked || d.tracked != tc.tracked || got != nil && got != d {
				t.Errorf("TrackedDue %p (Due %p), tracked %v; want tracked %v", got, d, d.tracked, tc.tracked)
			}
			got.Stir() // a nil Due's Stir does nothing
		})
	}
	if d := (&Env{Network: Direct}).TrackedDue(); d != nil {
		t.Errorf("outside a world: %p", d)
	}
}

// TestDueStir: a stir marks the channel and the world's summary; the
// deadline NextDeadline answered is due once the clock reaches it.
func TestDueStir(t *testing.T) {
	w := &World{}
	d := w.newDue()
	d.Track()
	w.open = []openChannel{{name: "c", b: nil, due: d}}
	d.flush, d.ask, w.dues = false, false, dues{}
	if w.dues.dueBy(0) {
		t.Fatal("due with nothing stirred")
	}
	d.Stir()
	if !d.flush || !d.ask || !w.dues.flush || !w.dues.ask || !w.dues.dueBy(0) {
		t.Fatalf("after a stir: %+v, world %+v", *d, w.dues)
	}
	d.flush, w.dues.flush = false, false
	d.has, d.ns, w.dues.has, w.dues.ns = true, 100, true, 100
	if w.dues.dueBy(99) || !w.dues.dueBy(100) {
		t.Fatal("a deadline at 100 is due by 100, not by 99")
	}
}
