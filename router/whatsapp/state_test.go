package whatsapp

import (
	"strings"
	"testing"
	"time"
)

// TestStateCarriesDedupe: a message the saved adapter handed on is a
// duplicate to the restored one, under reordering and late retries alike;
// one it never saw is not.
func TestStateCarriesDedupe(t *testing.T) {
	a, rec, clock := newTestAdapter(t)
	for _, id := range []string{"wamid.2", "wamid.1", "wamid.3"} { // out of order
		if st := postSigned(a, textMessage("16505551234", id, "hi")); st != 200 {
			t.Fatalf("status %d", st)
		}
	}
	postSigned(a, textMessage("16505551234", "wamid.1", "hi")) // a duplicate before the restart
	state, err := a.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	b, rec2, _ := newTestAdapter(t)
	b.cfg.Clock = clock.Now
	if err := b.RestoreState(state); err != nil {
		t.Fatal(err)
	}
	clock.Advance(6 * 24 * time.Hour) // a platform retry days later
	for _, id := range []string{"wamid.3", "wamid.4", "wamid.1", "wamid.4"} {
		postSigned(b, textMessage("16505551234", id, "hi"))
	}
	if len(rec.received) != 3 || len(rec2.received) != 1 || rec2.received[0].In.MessageID != "wamid.4" {
		t.Fatalf("received %d then %v", len(rec.received), rec2.received)
	}
	if s := b.Stats(); s.Received != 4 || s.Duplicates != 4 {
		t.Errorf("stats %+v: the counts go on", s)
	}
	again, _ := b.SaveState()
	c, _, _ := newTestAdapter(t)
	if err := c.RestoreState(again); err != nil {
		t.Fatal(err)
	}
	if saved, _ := c.SaveState(); string(saved) != string(again) {
		t.Errorf("a restored state saves differently:\n%s\n%s", again, saved)
	}
}

func TestRestoreStateRefuses(t *testing.T) {
	a, _, _ := newTestAdapter(t)
	postSigned(a, textMessage("16505551234", "wamid.1", "hi"))
	good, _ := a.SaveState()
	for _, tc := range []struct {
		name  string
		state string
		used  bool
		want  string
	}{
		{"not JSON", "{", false, "restore state"},
		{"another version", strings.Replace(string(good), `"version":1`, `"version":2`, 1), false, "version 2"},
		{"an adapter in use", string(good), true, "in use"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _, _ := newTestAdapter(t)
			if tc.used {
				postSigned(b, textMessage("16505551234", "wamid.9", "hi"))
			}
			if err := b.RestoreState([]byte(tc.state)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("RestoreState: %v, want %q", err, tc.want)
			}
		})
	}
}
