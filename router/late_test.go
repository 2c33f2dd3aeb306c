package router

import (
	"context"
	"fmt"
	"math/rand/v2"
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
		{"on time, in the same second: arrival", Policy{Window: time.Hour}, []msg{{10*time.Minute + 900*time.Millisecond, 10 * time.Minute}}, 70*time.Minute + 900*time.Millisecond - time.Nanosecond},
		{"a second late: the platform's time", Policy{Window: time.Hour}, []msg{{10 * time.Minute, 10*time.Minute - time.Second}}, 70*time.Minute - time.Second - time.Nanosecond},
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

// TestLateMessageKeepsLaterSends: the platform resets a reply allowance
// when the customer writes, so the sends made after a message that reaches
// the router late count against the new allowance; a message on time
// gives the whole allowance.
func TestLateMessageKeepsLaterSends(t *testing.T) {
	ctx := context.Background()
	text := Outbound{Kind: KindText, Text: "hi"}
	for _, tc := range []struct {
		name    string
		sent    time.Duration // the second message's platform time; it arrives at 3m
		allowed int           // sends allowed from 4m on
	}{
		{"on time", 3 * time.Minute, 3},
		{"made at 90s: the 2m send counts", 90 * time.Second, 2},
		{"made at 2m: the send of that second counts", 2 * time.Minute, 2},
		{"made before both sends", 30 * time.Second, 1},
		{"no timestamp", -1, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, Config{Agents: agents(1, 5), Policies: map[string]Policy{"whatsapp": {Window: time.Hour, ReplyLimit: 3}}}, "a1")
			if _, err := e.Receive(at(0), Inbound{Customer: key("u"), MessageID: "m1", Sent: at(0)}); err != nil {
				t.Fatal(err)
			}
			for _, d := range []time.Duration{time.Minute, 2 * time.Minute} {
				if res, err := e.Send(ctx, at(d), "a1", key("u"), text); err != nil || res.Refusal != "" {
					t.Fatalf("send at %v: %+v %v", d, res, err)
				}
			}
			in := Inbound{Customer: key("u"), MessageID: "m2"}
			if tc.sent >= 0 {
				in.Sent = at(tc.sent)
			}
			if _, err := e.Receive(at(3*time.Minute), in); err != nil {
				t.Fatal(err)
			}
			allowed := 0
			for i := range 5 {
				res, err := e.Send(ctx, at(4*time.Minute+time.Duration(i)*time.Second), "a1", key("u"), text)
				if err != nil {
					t.Fatal(err)
				}
				if res.Refusal == "" {
					allowed++
				} else if res.Refusal != ReasonReplyLimit {
					t.Fatalf("refusal %q", res.Refusal)
				}
			}
			if allowed != tc.allowed {
				t.Errorf("%d sends allowed, want %d", allowed, tc.allowed)
			}
		})
	}
}

// TestLateByIsAddAfter holds lateBy to what it stands for, sent plus
// lateAfter not after now, at the boundary to the nanosecond, in other
// zones, with a monotonic reading on now, and far from the present.
func TestLateByIsAddAfter(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tokyo := time.FixedZone("JST", 9*3600)
	bases := []time.Time{t0, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(3000, 6, 1, 12, 0, 0, 999999999, tokyo),
		time.Now()}
	for _, base := range bases {
		for i := range 2000 {
			sent := base.Add(time.Duration(rng.Int64N(int64(4*time.Second))) - 2*time.Second).Round(0)
			var now time.Time
			switch i % 4 {
			case 0: // the boundary itself, and a nanosecond either side
				now = sent.Add(lateAfter + time.Duration(rng.IntN(3)-1))
			case 1:
				now = sent.In(tokyo).Add(time.Duration(rng.Int64N(int64(3 * time.Second))))
			default:
				now = base.Add(time.Duration(rng.Int64N(int64(4*time.Second))) - 2*time.Second)
			}
			if got, want := lateBy(sent, now), !sent.Add(lateAfter).After(now); got != want {
				t.Fatalf("lateBy(%v, %v) = %v, want %v", sent, now, got, want)
			}
		}
	}
}

// TestWindowEndKept holds the window's end each customer keeps to the one
// its anchor gives (windowEndNano): random messages, on time, late, older
// than one seen and reactions, under both anchors, with and without a
// window that reactions open, and after a snapshot is restored.
func TestWindowEndKept(t *testing.T) {
	for _, pol := range []Policy{
		{Window: time.Hour},
		{Window: time.Hour, WindowAnchor: AnchorFirstInbound},
		{Window: 24 * time.Hour, ReactionsOpenWindow: true, ReplyLimit: 3, ReplyLimitReset: ResetOnWindow},
		{},
	} {
		e := newEngine(t, Config{Agents: agents(2, 5), Policies: map[string]Policy{"whatsapp": pol}}, "a1", "a2")
		rng := rand.New(rand.NewPCG(3, uint64(pol.Window)))
		check := func(when string) {
			t.Helper()
			e.customers.all(func(c *customer) {
				if want := e.windowEndNano(c, c.pol); c.hasInbound && c.windowEnd != want {
					t.Fatalf("%+v, %s: %s keeps the window's end %d, want %d", pol, when, c.key.Customer, c.windowEnd, want)
				}
			})
		}
		now := t0
		for i := range 400 {
			now = now.Add(time.Duration(rng.IntN(40)) * time.Minute)
			in := Inbound{Customer: key(string(rune('a' + rng.IntN(5)))), MessageID: fmt.Sprint(i), Text: "hi"}
			switch rng.IntN(4) {
			case 0:
				in.Sent = now.Add(-time.Duration(rng.IntN(3*3600)) * time.Second)
			case 1:
				in.Text, in.Reaction = "", "👍"
			}
			if _, err := e.Receive(now, in); err != nil {
				t.Fatal(err)
			}
			check(fmt.Sprintf("message %d", i))
		}
		snap, err := e.Save()
		if err != nil {
			t.Fatal(err)
		}
		e = newEngine(t, Config{Agents: agents(2, 5), Policies: map[string]Policy{"whatsapp": pol}})
		if err := e.Restore(snap); err != nil {
			t.Fatal(err)
		}
		check("restored")
	}
}
