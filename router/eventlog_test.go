package router

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"
)

// burst opens n conversations with no agent online, reading Events after
// each, and returns the engine: the clock jump past IdleAfter that follows
// closes all n in one call.
func burst(t *testing.T, cfg Config, n int) *Engine {
	t.Helper()
	cfg.IdleAfter = 10 * time.Minute
	cfg.Agents = agents(1, 1)
	e := newEngine(t, cfg)
	for i := range n {
		receive(t, e, at(time.Duration(i)*time.Millisecond), fmt.Sprintf("u%d", i))
		e.Events(nil)
	}
	return e
}

// checkSeqs fails unless evs carry the Seqs from, from+1, ... to.
func checkSeqs(t *testing.T, what string, evs []Event, from, to uint64) {
	t.Helper()
	if uint64(len(evs)) != to-from+1 {
		t.Fatalf("%s: %d events, want %d (seq %d to %d)", what, len(evs), to-from+1, from, to)
	}
	for i, ev := range evs {
		if ev.Seq != from+uint64(i) {
			t.Fatalf("%s: event %d has seq %d, want %d", what, i, ev.Seq, from+uint64(i))
		}
	}
}

// TestConsumerLosesNothing: with Consumer, Events hands out every event
// of a burst far bigger than the history (a clock jump closing thousands
// of conversations at once), and the log shrinks back to the history once
// they are read, in what it holds.
func TestConsumerLosesNothing(t *testing.T) {
	const n, history = 3000, 16
	e := burst(t, Config{EventLog: history, Consumer: true}, n)
	if got := e.Footprint().Events; got > history {
		t.Errorf("the log holds %d events with everything read; want at most the history, %d", got, history)
	}
	_, last, _ := e.EventsSince(0, nil)
	e.Advance(at(time.Hour)) // every conversation closes as idle
	evs := e.Events(nil)
	checkSeqs(t, "Events after the jump", evs, last+1, last+n)
	for _, ev := range evs {
		if ev.Kind != EventClosed || ev.Detail != string(ClosedIdle) {
			t.Fatalf("event %d: %s %s, want closed idle", ev.Seq, ev.Kind, ev.Detail)
		}
	}
	if got := e.Events(nil); len(got) != 0 {
		t.Errorf("Events again: %d events", len(got))
	}

	// A reader of the history meanwhile: it finds what the log holds and
	// is told what it lost.
	got, next, lost := e.EventsSince(0, nil)
	if next != last+n || lost+uint64(len(got)) != next || len(got) < n {
		t.Errorf("EventsSince(0) after the burst: %d events, next %d, lost %d; want at least %d, next %d, none missing", len(got), next, lost, n, last+n)
	}

	// The next event lets the log forget what Events handed out.
	receive(t, e, at(2*time.Hour), "late")
	e.Events(nil)
	if got := e.Footprint().Events; got > history {
		t.Errorf("the log holds %d events after the burst was read; want at most %d", got, history)
	}
	got, next, lost = e.EventsSince(0, nil)
	checkSeqs(t, "EventsSince(0) after the burst was read", got, next-uint64(history)+1, next)
	if lost != next-history {
		t.Errorf("lost %d, want %d", lost, next-history)
	}
}

// TestConsumerHoldsUnread: with Consumer, the log holds events Events has
// not handed out past the history, for Events and for every other
// reader; without it, Events loses them like any reader does.
func TestConsumerHoldsUnread(t *testing.T) {
	for _, consumer := range []bool{true, false} {
		t.Run(fmt.Sprint("consumer=", consumer), func(t *testing.T) {
			e := newEngine(t, Config{EventLog: 4, Consumer: consumer, Agents: agents(1, 100)}, "a1")
			for i := range 10 {
				receive(t, e, t0, fmt.Sprintf("u%d", i))
			}
			// 1 online + 10 x (opened, assigned, inbound) = 31 events.
			other, next, lost := e.EventsSince(5, nil)
			evs := e.Events(nil)
			if consumer {
				checkSeqs(t, "Events", evs, 1, 31)
				checkSeqs(t, "EventsSince(5)", other, 6, 31)
				if next != 31 || lost != 0 {
					t.Errorf("EventsSince(5): next %d lost %d, want 31 and 0", next, lost)
				}
				return
			}
			checkSeqs(t, "Events", evs, 28, 31)
			checkSeqs(t, "EventsSince(5)", other, 28, 31)
			if next != 31 || lost != 22 {
				t.Errorf("EventsSince(5): next %d lost %d, want 31 and 22", next, lost)
			}
		})
	}
}

// TestEventLogGrowsAcrossTheWrap: the ring grows while the oldest events
// it holds are not in slot order from zero, and readers still see them in
// order.
func TestEventLogGrowsAcrossTheWrap(t *testing.T) {
	e := newEngine(t, Config{EventLog: 3, Consumer: true, Agents: agents(1, 1000)}, "a1")
	var all []Event
	for round := range 5 {
		for i := range 50 * (round + 1) {
			receive(t, e, t0, fmt.Sprintf("r%d-%d", round, i))
		}
		all = e.Events(all)
	}
	checkSeqs(t, "Events", all, 1, uint64(len(all)))
}

// TestSnapshotKeepsUnreadEvents: a consumer's unread events, more than the
// history, survive a save and restore, and the restored log saves the same.
func TestSnapshotKeepsUnreadEvents(t *testing.T) {
	const n = 500
	cfg := Config{EventLog: 8, Consumer: true, IdleAfter: 10 * time.Minute, Agents: agents(1, 1)}
	e := burst(t, cfg, n)
	e.Advance(at(time.Hour))
	n2 := restarted(t, cfg, e, &okSender{})
	want := e.Events(nil)
	if got := n2.Events(nil); len(want) != n || !slices.Equal(got, want) {
		t.Fatalf("restored Events: %d events, the original %d (want %d)", len(got), len(want), n)
	}
	for _, eng := range []*Engine{e, n2} {
		receive(t, eng, at(2*time.Hour), "late")
	}
	if a, b := e.Events(nil), n2.Events(nil); !slices.Equal(a, b) {
		t.Errorf("after the restore: %v, want %v", b, a)
	}
}

// TestRestoreVersion1 restores a snapshot version 1 wrote (its event log a
// ring of 8 in slot order, wrapped): testdata/snapshot-v1.json, saved after
// the calls below. The engine restored from it saves what an engine that
// made the same calls saves, and goes on alike.
func TestRestoreVersion1(t *testing.T) {
	old, err := os.ReadFile("testdata/snapshot-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg := snapshotConfigs()["least-loaded"]
	cfg.EventLog = 8
	var cust []string
	for i := range 12 {
		cust = append(cust, fmt.Sprintf("u%d", i))
	}
	d := &driver{rng: rand.New(rand.NewPCG(7, 1)), now: at(0), ctx: context.Background(), ids: ids(4), cust: cust}
	ref := newEngine(t, cfg)
	for i := range 60 {
		d.op(ref)
		if i < 57 {
			ref.Events(nil)
		}
	}
	re, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	re.Handle("whatsapp", &okSender{})
	if err := re.Restore(old); err != nil {
		t.Fatal(err)
	}
	a, _ := ref.Save()
	b, _ := re.Save()
	if !bytes.Equal(a, b) {
		t.Fatalf("restored from version 1, the engine saves\n%s\nwant\n%s", b, a)
	}
	// Events lost what the ring of 8 had overwritten (139 and 140), as
	// version 1 did, and both go on alike.
	if x, y := ref.Events(nil), re.Events(nil); len(x) != 8 || !slices.Equal(x, y) {
		t.Fatalf("Events: %d events, restored %d", len(x), len(y))
	}
	d2 := *d
	d2.rng = rand.New(rand.NewPCG(8, 1))
	d.rng = rand.New(rand.NewPCG(8, 1))
	for i := range 100 {
		if x, y := d.op(ref), d2.op(re); x != y {
			t.Fatalf("call %d: %s, restored %s", i, y, x)
		}
		if x, y := ref.Events(nil), re.Events(nil); !slices.Equal(x, y) {
			t.Fatalf("call %d: events differ", i)
		}
	}
}

// TestRestoreRefusesBrokenLogs: a log whose Seqs do not end at last_seq
// or leave a gap is refused.
func TestRestoreRefusesBrokenLogs(t *testing.T) {
	for _, tc := range []struct {
		name string
		snap string
	}{
		{"a gap", `{"version":2,"last_seq":3,"log":[{"Seq":1},{"Seq":3}]}`},
		{"past last_seq", `{"version":2,"last_seq":1,"log":[{"Seq":1},{"Seq":2}]}`},
		{"cursor past last_seq", `{"version":2,"last_seq":1,"cursor":5,"log":[{"Seq":1}]}`},
		{"version 1 ring_next", `{"version":1,"last_seq":1,"ring":[{"Seq":1}],"ring_next":3}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := New(Config{})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Restore([]byte(tc.snap)); err == nil {
				t.Error("restored")
			}
		})
	}
}

// unread is what Unread returns, copied out, in one slice.
func unread(e *Engine) []Event {
	a, b := e.Unread()
	return append(slices.Clone(a), b...)
}

// TestUnreadInPlace: Unread returns the events after the consumer's
// cursor, and they stay as they are while the engine logs more (across
// the log's wrap and its growth) until Read; Read(n) consumes the oldest n
// only, and Events and Unread share the cursor.
func TestUnreadInPlace(t *testing.T) {
	for _, tc := range []struct {
		name          string
		before, while int  // conversations opened before Unread and while its parts are held
		read          int  // events Read consumes; -1: all Unread returned
		wraps         bool // Unread's events wrap around the log's end
		warm          int  // conversations opened and read first
	}{
		{"none", 0, 3, -1, false, 20},
		{"no wrap", 2, 0, -1, false, 5},
		{"more while held", 2, 2, -1, false, 5},
		{"growth while held", 2, 40, -1, false, 5},
		{"wrapped parts", 3, 50, -1, true, 20},
		{"part read", 3, 9, 5, true, 20},
		{"nothing read", 3, 9, 0, true, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, Config{EventLog: 4, Consumer: true, Agents: agents(1, 1000)}, "a1")
			// Push the ring's start around so that later events wrap.
			for i := range tc.warm { // read as they come: the ring stays 64 long
				receive(t, e, at(time.Duration(i)*time.Second), fmt.Sprintf("w%d", i))
				e.Events(nil)
			}
			for i := range tc.before {
				receive(t, e, at(time.Minute+time.Duration(i)*time.Second), fmt.Sprintf("b%d", i))
			}
			c0 := e.cursor
			want, _, _ := e.EventsSince(c0, nil)
			a, b := e.Unread()
			if (len(b) > 0) != tc.wraps {
				t.Fatalf("Unread returned parts of %d and %d events; want a second part: %v", len(a), len(b), tc.wraps)
			}
			got := append(slices.Clone(a), b...)
			if !slices.Equal(got, want) {
				t.Fatalf("Unread returned %d events, want the %d unread ones", len(got), len(want))
			}
			for i := range tc.while {
				receive(t, e, at(time.Hour+time.Duration(i)*time.Second), fmt.Sprintf("c%d", i))
			}
			if held := append(slices.Clone(a), b...); !slices.Equal(held, want) {
				t.Fatalf("the unread events changed while held: %v, want %v", held, want)
			}
			n := tc.read
			if n < 0 {
				n = len(a) + len(b)
			}
			e.Read(n)
			after, _, _ := e.EventsSince(c0+uint64(n), nil)
			if got := unread(e); !slices.Equal(got, after) {
				t.Fatalf("after Read(%d), Unread returned seqs %v, want %v", n, seqs(got), seqs(after))
			}
			if got := e.Events(nil); !slices.Equal(got, after) {
				t.Fatalf("after Read(%d), Events returned seqs %v, want %v", n, seqs(got), seqs(after))
			}
			if a, b := e.Unread(); len(a)+len(b) != 0 {
				t.Fatalf("Unread after Events returned %d events, want none", len(a)+len(b))
			}
		})
	}
}

// TestUnreadNeedsConsumer: without Config.Consumer the log may drop what
// Unread would hand out, so Unread hands out nothing.
func TestUnreadNeedsConsumer(t *testing.T) {
	e := newEngine(t, Config{EventLog: 4, Agents: agents(1, 10)}, "a1")
	receive(t, e, at(0), "u1")
	if a, b := e.Unread(); len(a)+len(b) != 0 {
		t.Fatalf("Unread without a consumer returned %d events", len(a)+len(b))
	}
	e.Read(5)
	if evs := e.Events(nil); len(evs) == 0 {
		t.Fatal("Read without a consumer moved the cursor")
	}
}

func seqs(evs []Event) []uint64 {
	s := make([]uint64, len(evs))
	for i, ev := range evs {
		s[i] = ev.Seq
	}
	return s
}

// echoSender accepts everything and names each message after its
// customer, so that two engines name a customer's messages alike.
type echoSender struct{}

func (echoSender) Send(_ context.Context, to CustomerKey, _ Outbound) (string, error) {
	return "out-" + to.Customer, nil
}

// TestReusedSlotsHoldOnlyTheirEvent: the events of a customer's life
// (opened, assigned, inbound, sent, statuses, closed), logged into ring
// slots that each held an event with every field set, are the events the
// same life logs into a new engine's empty slots: no field keeps an older
// event's value.
func TestReusedSlotsHoldOnlyTheirEvent(t *testing.T) {
	life := func(e *Engine, now time.Time) []Event {
		t.Helper()
		k := key("c")
		if _, err := e.Receive(now, Inbound{Customer: k, MessageID: "in-c", Text: "hi", AdSource: "ad"}); err != nil {
			t.Fatal(err)
		}
		r, err := e.Send(context.Background(), now, "a1", k, Outbound{Kind: KindText, Text: "reply"})
		if err != nil || r.Refusal != "" {
			t.Fatal(r, err)
		}
		e.Status(now, k, r.MessageID, "delivered", "")
		e.Status(now, k, r.MessageID, "failed", "131047")
		if err := e.Close(now, "a1", k); err != nil {
			t.Fatal(err)
		}
		return e.Events(nil)
	}
	newOne := func() *Engine {
		e, err := New(Config{Agents: agents(1, 1), EventLog: 4, Consumer: true})
		if err != nil {
			t.Fatal(err)
		}
		e.Handle("whatsapp", echoSender{})
		e.SetOnline(t0, "a1", true)
		e.Events(nil)
		return e
	}
	// Every slot of the used engine's ring holds an inbound event of an
	// assigned conversation: agent, group, message and detail all set.
	used := newOne()
	p := key("p")
	for i := range 3 * minRing {
		if _, err := used.Receive(at(time.Second), Inbound{Customer: p, MessageID: fmt.Sprintf("in-p%d", i), AdSource: "ad-p"}); err != nil {
			t.Fatal(err)
		}
		used.Events(nil)
	}
	for _, ev := range used.ring {
		if ev.Kind != EventInbound || ev.Agent == "" || ev.Group == "" || ev.Message == "" || ev.Detail == "" {
			t.Fatalf("the ring holds %+v", ev)
		}
	}
	if err := used.Close(at(time.Second), "a1", p); err != nil {
		t.Fatal(err)
	}
	used.Events(nil)
	got, want := life(used, at(time.Minute)), life(newOne(), at(time.Minute))
	if len(got) != len(want) || len(got) < 6 {
		t.Fatalf("%d events in the used engine, %d in a new one", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		g.Seq, g.Conversation, w.Seq, w.Conversation = 0, 0, 0, 0
		if g != w {
			t.Errorf("event %d: %+v in a used ring, %+v in a new one", i, g, w)
		}
	}
}

// TestConsumeInPlace: Consume returns the events after the consumer's
// cursor and marks them read at once (Unread and Events no longer return
// them); they stay as they are while the engine logs more (across the
// log's wrap and its growth) until the next Consume, which returns what
// was logged meanwhile.
func TestConsumeInPlace(t *testing.T) {
	for _, tc := range []struct {
		name          string
		before, while int  // conversations opened before Consume and while its parts are held
		wraps         bool // Consume's events wrap around the log's end
		warm          int  // conversations opened and read first
	}{
		{"none", 0, 3, false, 20},
		{"no wrap", 2, 0, false, 5},
		{"more while held", 2, 2, false, 5},
		{"growth while held", 2, 40, false, 5},
		{"wrapped parts", 3, 50, true, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, Config{EventLog: 4, Consumer: true, Agents: agents(1, 1000)}, "a1")
			for i := range tc.warm { // consumed as they come: the ring stays 64 long
				receive(t, e, at(time.Duration(i)*time.Second), fmt.Sprintf("w%d", i))
				e.Consume()
			}
			for i := range tc.before {
				receive(t, e, at(time.Minute+time.Duration(i)*time.Second), fmt.Sprintf("b%d", i))
			}
			want, _, _ := e.EventsSince(e.cursor, nil)
			a, b := e.Consume()
			if (len(b) > 0) != tc.wraps {
				t.Fatalf("Consume returned parts of %d and %d events; want a second part: %v", len(a), len(b), tc.wraps)
			}
			if got := append(slices.Clone(a), b...); !slices.Equal(got, want) {
				t.Fatalf("Consume returned seqs %v, want the unread %v", seqs(got), seqs(want))
			}
			if got := unread(e); len(got) != 0 {
				t.Fatalf("Unread after Consume returned seqs %v, want none", seqs(got))
			}
			c1 := e.lastSeq
			for i := range tc.while {
				receive(t, e, at(time.Hour+time.Duration(i)*time.Second), fmt.Sprintf("c%d", i))
			}
			if held := append(slices.Clone(a), b...); !slices.Equal(held, want) {
				t.Fatalf("the consumed events changed while held: %v, want %v", seqs(held), seqs(want))
			}
			after, _, _ := e.EventsSince(c1, nil)
			if got := unread(e); !slices.Equal(got, after) {
				t.Fatalf("Unread while held returned seqs %v, want %v", seqs(got), seqs(after))
			}
			a, b = e.Consume()
			if got := append(slices.Clone(a), b...); !slices.Equal(got, after) {
				t.Fatalf("the next Consume returned seqs %v, want %v", seqs(got), seqs(after))
			}
			if a, b := e.Consume(); len(a)+len(b) != 0 || e.held != 0 {
				t.Fatalf("Consume with nothing new returned %d events, holds from %d", len(a)+len(b), e.held)
			}
			if evs := e.Events(nil); len(evs) != 0 {
				t.Fatalf("Events after Consume returned seqs %v, want none", seqs(evs))
			}
		})
	}
	e := newEngine(t, Config{EventLog: 4, Agents: agents(1, 10)}, "a1")
	receive(t, e, at(0), "u1")
	if a, b := e.Consume(); len(a)+len(b) != 0 {
		t.Fatalf("Consume without a consumer returned %d events", len(a)+len(b))
	}
}

// TestLogKeepsWhatEachEventAllows holds the log's oldest event to the rule
// applied at every event logged: the latest EventLog events and, for a
// consumer, what Consume holds or Events and Read have not handed out, as
// they stood when the event was logged. Random calls of every reader
// between bursts of events; the log may drop nothing sooner and keep
// nothing longer than the rule says, and every event it holds reads back
// (EventsSince) in order. A history of 5 is under the ring's least length,
// one of 200 over it, so the ring grows while it holds less than the
// history.
func TestLogKeepsWhatEachEventAllows(t *testing.T) {
	for _, history := range []uint64{5, 200} {
		for _, consumer := range []bool{false, true} {
			for seed := range uint64(20) {
				testLogKeeps(t, history, consumer, seed)
			}
		}
	}
}

func testLogKeeps(t *testing.T, history uint64, consumer bool, seed uint64) {
	t.Helper()
	e := newEngine(t, Config{Agents: agents(2, 2), EventLog: int(history), IdleAfter: time.Minute, Consumer: consumer}, "a1", "a2")
	rng := rand.New(rand.NewPCG(seed, 3))
	first := e.firstHeld()
	now := t0
	for i := range 300 {
		held, cursor, last := e.held, e.cursor, e.lastSeq
		switch op := rng.IntN(7); op {
		case 0, 1:
			now = now.Add(time.Duration(rng.IntN(90)) * time.Second)
			e.Receive(now, Inbound{Customer: key(fmt.Sprintf("u%d", rng.IntN(6))), Text: "x"})
		case 2:
			e.Consume()
		case 3:
			a, b := e.Unread()
			e.Read(rng.IntN(len(a) + len(b) + 2))
		case 4:
			e.Events(nil)
		case 5:
			e.EventsSince(uint64(rng.IntN(int(last)+1)), nil)
		case 6:
			now = now.Add(2 * time.Minute)
			e.Advance(now) // idle closes
		}
		// The rule at each event the call logged, with the readers'
		// marks as they stood (no call both logs and reads).
		for s := last + 1; s <= e.lastSeq; s++ {
			keep := uint64(1)
			if s > history {
				keep = s - history + 1
			}
			if consumer {
				if held != 0 {
					keep = min(keep, held)
				} else {
					keep = min(keep, cursor+1)
				}
			}
			first = max(first, keep)
		}
		if got := e.firstHeld(); got != first {
			t.Fatalf("history %d, consumer %v, seed %d, call %d: the log starts at seq %d, want %d", history, consumer, seed, i, got, first)
		}
		evs, _, lost := e.EventsSince(first-1, nil)
		if lost != 0 || uint64(len(evs)) != e.lastSeq-first+1 {
			t.Fatalf("history %d, consumer %v, seed %d, call %d: %d events from seq %d (%d lost), want %d", history, consumer, seed, i, len(evs), first, lost, e.lastSeq-first+1)
		}
		for j, ev := range evs {
			if ev.Seq != first+uint64(j) {
				t.Fatalf("history %d, consumer %v, seed %d, call %d: event %d has seq %d, want %d", history, consumer, seed, i, j, ev.Seq, first+uint64(j))
			}
		}
	}
}
