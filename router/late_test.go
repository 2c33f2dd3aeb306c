package router

import (
	"testing"
	"time"
)

// TestLateMessagesAnchorAtThePlatformsTime: a message delivered late
// anchors the window at the platform's time; one on time (a timestamp in
// whole seconds) at its arrival; an older one than already seen moves
// nothing back, and still reaches its conversation.
func TestLateMessagesAnchorAtThePlatformsTime(t *testing.T) {
	type msg struct {
		arrives, sent time.Duration // sent < 0: no timestamp
	}
	for _, tc := range []struct {
		name    string
		policy  Policy
		msgs    []msg
		openTil time.Duration // the last instant a text is allowed
	}{
		{"no timestamp: arrival", Policy{Window: time.Hour}, []msg{{10 * time.Minute, -1}}, 70*time.Minute - time.Nanosecond},
		{"on time: arrival", Policy{Window: time.Hour}, []msg{{10 * time.Minute, 10*time.Minute - time.Second}}, 70*time.Minute - time.Nanosecond},
		{"late: the platform's time", Policy{Window: time.Hour}, []msg{{10 * time.Minute, 0}}, time.Hour - time.Nanosecond},
		{"two seconds late", Policy{Window: time.Hour}, []msg{{10 * time.Minute, 10*time.Minute - 2*time.Second}}, 70*time.Minute - 2*time.Second - time.Nanosecond},
		{"an older message overtaken by a newer", Policy{Window: time.Hour},
			[]msg{{21 * time.Minute, 20 * time.Minute}, {22 * time.Minute, 5 * time.Minute}}, 80*time.Minute - time.Nanosecond},
		{"first-inbound anchor", Policy{Window: time.Hour, WindowAnchor: AnchorFirstInbound},
			[]msg{{10 * time.Minute, 0}, {20 * time.Minute, 15 * time.Minute}}, time.Hour - time.Nanosecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, Config{Agents: agents(1, 5), Policies: map[string]Policy{"whatsapp": tc.policy}}, "a1")
			var conv ConversationID
			for i, m := range tc.msgs {
				in := Inbound{Customer: key("u"), MessageID: string(rune('a' + i))}
				if m.sent >= 0 {
					in.Sent = at(m.sent)
				}
				id, err := e.Receive(at(m.arrives), in)
				if err != nil {
					t.Fatal(err)
				}
				if conv != 0 && id != conv {
					t.Fatalf("message %d opened %s beside %s", i, id, conv)
				}
				conv = id
			}
			text := Outbound{Kind: KindText, Text: "hi"}
			if r, err := e.Check(at(tc.openTil), "a1", key("u"), text); err != nil || r != "" {
				t.Errorf("at +%v: %q %v, want allowed", tc.openTil, r, err)
			}
			if r, _ := e.Check(at(tc.openTil+time.Nanosecond), "a1", key("u"), text); r != ReasonWindowClosed {
				t.Errorf("at +%v: %q, want %s", tc.openTil+time.Nanosecond, r, ReasonWindowClosed)
			}
			// The engine's own time went on: the late message's events are
			// logged at its arrival.
			for _, ev := range e.Events(nil) {
				if ev.Kind == EventInbound && ev.At.Before(at(tc.msgs[0].arrives)) {
					t.Errorf("inbound logged at %v, before its arrival", ev.At)
				}
			}
		})
	}
}
