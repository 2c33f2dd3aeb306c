package messenger

import "testing"

// TestReleaseForgets: after Release (once or twice) the adapter's dedupe
// window is empty: a message it handed on before is handed on again, once,
// and the counts go on.
func TestReleaseForgets(t *testing.T) {
	a, rec, _ := newAdapter(Config{})
	deliver := func() { postHook(a, msgBody, map[string]string{SignatureHeader: sig256(msgBody)}) }
	for _, step := range []struct {
		release  bool
		received int // messages handed to the Receiver so far
		stats    Stats
	}{
		{false, 1, Stats{Received: 1}},
		{false, 1, Stats{Received: 1, Duplicates: 1}},
		{true, 2, Stats{Received: 2, Duplicates: 1}},
		{false, 2, Stats{Received: 2, Duplicates: 2}},
		{true, 3, Stats{Received: 3, Duplicates: 2}},
	} {
		if step.release {
			a.Release()
			a.Release()
		}
		deliver()
		if got, s := len(rec.in), a.Stats(); got != step.received || s.Received != step.stats.Received || s.Duplicates != step.stats.Duplicates {
			t.Fatalf("after %+v: %d received, stats %+v", step, got, s)
		}
	}
}
