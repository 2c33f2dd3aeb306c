package wechat

import (
	"context"
	"strings"
	"testing"
)

// TestStateCarriesDedupeIdsAndToken: after a restore, a push the saved
// adapter handed on is a duplicate, message ids go on where they stopped,
// and the cached access token is used without a fetch.
func TestStateCarriesDedupeIdsAndToken(t *testing.T) {
	g, srv := newAPI(t)
	a, clock := newSendAdapter(t, srv)
	rec := &recorder{}
	a.rcv = rec
	postPlain(a, textMsg("o1", "2", "b")) // out of order
	postPlain(a, textMsg("o1", "1", "a"))
	postPlain(a, eventMsg("o1", 1348831860, "subscribe", ""))
	if id, err := a.Send(context.Background(), customer("o1"), text("x")); err != nil || id != "wechat-1" {
		t.Fatalf("%q %v", id, err)
	}
	state, err := a.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := newSendAdapter(t, srv)
	b.cfg.Clock = clock.Now
	rec2 := &recorder{}
	b.rcv = rec2
	if err := b.RestoreState(state); err != nil {
		t.Fatal(err)
	}
	postPlain(b, textMsg("o1", "1", "a"))
	postPlain(b, eventMsg("o1", 1348831860, "subscribe", ""))
	postPlain(b, textMsg("o1", "3", "c"))
	if len(rec.received) != 2 || len(rec2.received) != 1 || rec2.received[0].In.MessageID != "3" {
		t.Fatalf("received %d, then %v", len(rec.received), rec2.received)
	}
	if id, err := b.Send(context.Background(), customer("o1"), text("y")); err != nil || id != "wechat-2" {
		t.Fatalf("%q %v, want wechat-2", id, err)
	}
	if tokens, sends, _ := g.counts(); tokens != 1 || sends != 2 {
		t.Errorf("%d token fetches, %d sends: the restored adapter should use the saved token", tokens, sends)
	}
	if s := b.Stats(); s.Received != 3 || s.Duplicates != 2 || s.Events != 1 || s.Sent != 2 || s.TokenFetches != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestRestoreStateRefuses(t *testing.T) {
	a, _, _ := newTestAdapter(t)
	postPlain(a, textMsg("o1", "1", "a"))
	good, _ := a.SaveState()
	for _, tc := range []struct {
		name  string
		state string
		used  bool
		want  string
	}{
		{"not JSON", "[", false, "restore state"},
		{"another version", strings.Replace(string(good), `"version":1`, `"version":0`, 1), false, "version 0"},
		{"an adapter in use", string(good), true, "in use"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _, _ := newTestAdapter(t)
			if tc.used {
				postPlain(b, textMsg("o1", "9", "z"))
			}
			if err := b.RestoreState([]byte(tc.state)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("RestoreState: %v, want %q", err, tc.want)
			}
		})
	}
}

// TestRestoreStateRefusedKeepsToken: a restore refused because the adapter
// is in use leaves its access token as it was.
func TestRestoreStateRefusedKeepsToken(t *testing.T) {
	a := New(Config{}, nil)
	a.tok = accessToken{value: "live-token"}
	a.sent.Store(3)
	if err := a.RestoreState([]byte(`{"version":1,"token":"stale"}`)); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("RestoreState: %v, want in use", err)
	}
	if a.tok.value != "live-token" {
		t.Errorf("token %q after a refused restore, want live-token", a.tok.value)
	}
}
