package line

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestStateRoundTrip: after a restore, a redelivery of an event the saved
// adapter handed on is a duplicate, the unused reply token is replied
// with, the display name is not fetched again, and the retry keys go on
// where they stopped.
func TestStateRoundTrip(t *testing.T) {
	a, rcv, api, clk := newAdapter(t, Config{Profiles: true})
	ctx := context.Background()
	receive(t, a, "E1", "tok1")
	if _, err := a.Send(ctx, key, textOut("reply")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Send(ctx, key, textOut("push")); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(10 * time.Second)
	receive(t, a, "E2", "tok2")
	state, err := a.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := a.SaveState()
	if string(again) != string(state) {
		t.Errorf("two saves differ:\n%s\n%s", state, again)
	}
	if !strings.Contains(string(state), `"token":"tok2"`) || strings.Contains(string(state), "tok1") || !strings.Contains(string(state), `"Kenji"`) {
		t.Errorf("state %s: want the unused token tok2 and the name, not the used tok1", state)
	}

	b := New(a.cfg, rcv)
	if err := b.RestoreState(state); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(20 * time.Second)
	// LINE redelivers E2 (isRedelivery true): a duplicate.
	body := payload(strings.Replace(messageEvent("mE2", "E2", "tok2", "hi"), `"isRedelivery":false`, `"isRedelivery":true`, 1))
	if st := post(b, body, sign(secret, body)); st != 200 {
		t.Fatalf("HTTP %d", st)
	}
	if len(rcv.ins) != 2 {
		t.Fatalf("%d inbound, want 2", len(rcv.ins))
	}
	if _, err := b.Send(ctx, key, textOut("second reply")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Send(ctx, key, textOut("second push")); err != nil {
		t.Fatal(err)
	}
	var paths, keys []string
	for _, c := range api.calls {
		paths = append(paths, c.path)
		if c.retryKey != "" {
			keys = append(keys, c.retryKey)
		}
	}
	want := []string{"/v2/bot/profile/" + userA, "/v2/bot/message/reply", "/v2/bot/message/push", "/v2/bot/message/reply", "/v2/bot/message/push"}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("calls %v, want %v (one profile fetch, the saved token replied with)", paths, want)
	}
	if len(keys) != 2 || keys[0] == keys[1] {
		t.Errorf("retry keys %v: the restored adapter drew a used one", keys)
	}
	if s := b.Stats(); s.Received != 2 || s.Duplicates != 1 || s.Replies != 2 || s.Pushes != 2 {
		t.Errorf("stats %+v", s)
	}
	if rcv.ins[1].Sent.UnixMilli() != 1462629479859 {
		t.Errorf("Sent %v, want the event's timestamp", rcv.ins[1].Sent)
	}
}

func TestRestoreStateRefuses(t *testing.T) {
	a, _, _, _ := newAdapter(t, Config{})
	receive(t, a, "E1", "tok1")
	good, _ := a.SaveState()
	for _, tc := range []struct {
		name  string
		state string
		used  bool
		want  string
	}{
		{"not JSON", "[", false, "restore state"},
		{"another version", strings.Replace(string(good), `"version":1`, `"version":2`, 1), false, "version 2"},
		{"an empty id", strings.Replace(string(good), `"id":"E1"`, `"id":""`, 1), false, "seen[0]"},
		{"a token without its user", strings.Replace(string(good), `"user":"`+userA+`"`, `"user":""`, 1), false, "reply token"},
		{"an adapter in use", string(good), true, "in use"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _, _, _ := newAdapter(t, Config{})
			if tc.used {
				receive(t, b, "E9", "tok9")
			}
			if err := b.RestoreState([]byte(tc.state)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("RestoreState: %v, want %q", err, tc.want)
			}
		})
	}
}

// FuzzRestoreState: any bytes restore or are refused with an error, and a
// state restored saves again to a state that restores.
func FuzzRestoreState(f *testing.F) {
	f.Add([]byte(`{"version":1,"seen":[{"id":"E1","at":1}],"tokens":[{"user":"U1","token":"t","at":"2026-03-02T01:00:00Z"}],"names":{"U1":"Kenji"},"blocked":["U2"],"keys":3,"stats":{}}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"seen":[{"id":"E2","at":5},{"id":"E1","at":1}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a := New(Config{ChannelSecret: secret, BotUserID: bot}, &receiver{})
		if a.RestoreState(b) != nil {
			return
		}
		state, err := a.SaveState()
		if err != nil {
			t.Fatal(err)
		}
		if err := New(Config{ChannelSecret: secret, BotUserID: bot}, &receiver{}).RestoreState(state); err != nil {
			t.Fatalf("a saved state does not restore: %v\n%s", err, state)
		}
	})
}

// TestStateKeepsNameAge holds that a restore keeps the time of each
// user's last message, from which Config.NameTTL counts: a name fetched
// 70 minutes before the user writes again, 50 of them before a restart,
// is fetched again as it would be without the restart; and a state
// without those times counts from the restore.
func TestStateKeepsNameAge(t *testing.T) {
	for _, tc := range []struct {
		name     string
		restart  bool
		dropAges bool
		profiles int
	}{
		{"no restart", false, false, 2},
		{"restart", true, false, 2},
		{"restart from a state without ages", true, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, rcv, api, clk := newAdapter(t, Config{Profiles: true, NameTTL: time.Hour})
			receive(t, a, "E1", "tok1")
			clk.t = clk.t.Add(50 * time.Minute)
			if tc.restart {
				state, err := a.SaveState()
				if err != nil {
					t.Fatal(err)
				}
				if tc.dropAges {
					var m map[string]any
					if err := json.Unmarshal(state, &m); err != nil {
						t.Fatal(err)
					}
					delete(m, "name_at")
					state, _ = json.Marshal(m)
				}
				b := New(a.cfg, rcv)
				if err := b.RestoreState(state); err != nil {
					t.Fatal(err)
				}
				a = b
			}
			clk.t = clk.t.Add(20 * time.Minute)
			receive(t, a, "E2", "tok2")
			n := 0
			for _, c := range api.calls {
				if strings.HasPrefix(c.path, "/v2/bot/profile/") {
					n++
				}
			}
			if n != tc.profiles {
				t.Errorf("%d profile fetches, want %d", n, tc.profiles)
			}
		})
	}
}

// TestStateRestoresWhatItSaves holds that a state lists its remembered
// events in the order remembered, even when their times are not (a clock
// stepped back, or webhooks served at once), and restores; and that a
// state refused changes nothing in the adapter.
func TestStateRestoresWhatItSaves(t *testing.T) {
	a, rcv, _, clk := newAdapter(t, Config{})
	receive(t, a, "E1", "tok1")
	clk.t = clk.t.Add(-time.Second)
	receive(t, a, "E2", "tok2")
	state, err := a.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	if err := New(a.cfg, rcv).RestoreState(state); err != nil {
		t.Fatalf("RestoreState of a saved state: %v", err)
	}

	for _, bad := range []string{
		strings.Replace(string(state), `"user":"`+userA+`"`, `"user":""`, 1),
		strings.Replace(string(state), `"id":"E2"`, `"id":""`, 1),
	} {
		b := New(a.cfg, rcv)
		empty, _ := b.SaveState()
		if err := b.RestoreState([]byte(bad)); err == nil {
			t.Fatalf("RestoreState of %s: no error", bad)
		}
		if after, _ := b.SaveState(); string(after) != string(empty) {
			t.Errorf("a refused state changed the adapter:\n%s\nwant\n%s", after, empty)
		}
		if err := b.RestoreState(state); err != nil {
			t.Errorf("RestoreState after a refused one: %v", err)
		}
	}
}
