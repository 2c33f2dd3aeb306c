package douyin

import (
	"testing"
)

// FuzzRestoreState loads arbitrary bytes as a saved state: RestoreState
// never panics, and a state it takes saves again to a state that restores
// to the same.
func FuzzRestoreState(f *testing.F) {
	used := newAdapter(&receiver{})
	post(used, textBody, textSig, "6000000000000000001")
	good, _ := used.SaveState()
	f.Add(string(good))
	f.Add(`{"version":1}`)
	f.Add(`{"version":1,"seen":[{"message":true,"id":"@m","at":-1}],"contexts":[{"open_id":"_000u","conversation":"7"}],"token":"clt.x","refresh_at":"2026-03-02T10:00:00Z"}`)
	f.Add(`{"version":2}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, state string) {
		a := newAdapter(&receiver{})
		if err := a.RestoreState([]byte(state)); err != nil {
			return
		}
		saved, err := a.SaveState()
		if err != nil {
			t.Fatal(err)
		}
		b := newAdapter(&receiver{})
		if err := b.RestoreState(saved); err != nil {
			t.Fatalf("a saved state does not restore: %v\n%s", err, saved)
		}
		again, _ := b.SaveState()
		if string(again) != string(saved) {
			t.Fatalf("round trip changed the state:\n%s\n%s", saved, again)
		}
	})
}
