package router

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func TestDeadlinesListWhatAdvanceFires(t *testing.T) {
	cfg := Config{
		Agents:           agents(1, 1),
		MissedAfter:      10 * time.Minute,
		CloseMissedAfter: 30 * time.Minute,
		IdleAfter:        time.Hour,
	}
	e := newEngine(t, cfg, "a1")
	if got := e.Deadlines(5); len(got) != 0 {
		t.Fatalf("no conversation: got %v, want none", got)
	}
	receive(t, e, at(0), "alice")             // assigned to a1
	receive(t, e, at(time.Minute), "bob")     // waits: a1 is full
	receive(t, e, at(5*time.Minute), "alice") // moves alice's idle close later

	got := e.Deadlines(10)
	want := []struct {
		at       time.Duration
		kind     string
		customer string
	}{
		{10 * time.Minute, "missed", "alice"},
		{11 * time.Minute, "missed", "bob"},
		{61 * time.Minute, "idle", "bob"},
		{65 * time.Minute, "idle", "alice"},
	}
	var kinds []string
	for _, d := range got {
		if d.Kind == "window" {
			continue // the default policy's window; its own test is below
		}
		kinds = append(kinds, d.Kind)
	}
	if len(kinds) != len(want) {
		t.Fatalf("deadlines %+v, want %d besides windows", got, len(want))
	}
	i := 0
	for _, d := range got {
		if d.Kind == "window" {
			continue
		}
		w := want[i]
		if !d.At.Equal(at(w.at)) || d.Kind != w.kind || d.Customer.Customer != w.customer {
			t.Errorf("deadline %d = %s %s %s, want %s %s %s", i, d.At.Sub(t0), d.Kind, d.Customer.Customer, w.at, w.kind, w.customer)
		}
		i++
	}
	for j := 1; j < len(got); j++ {
		if got[j].At.Before(got[j-1].At) {
			t.Errorf("deadlines out of order: %v before %v", got[j-1].At, got[j].At)
		}
	}
	if n := len(e.Deadlines(2)); n != 2 {
		t.Errorf("Deadlines(2) returned %d", n)
	}
	if e.Deadlines(0) != nil {
		t.Error("Deadlines(0) returned some")
	}

	// Once bob's conversation is missed, its next timer is the missed close.
	e.Advance(at(11 * time.Minute))
	for _, d := range e.Deadlines(10) {
		if d.Customer.Customer == "bob" && d.Kind == "missed" {
			t.Errorf("bob is missed already, yet %+v is listed", d)
		}
	}
	var close bool
	for _, d := range e.Deadlines(10) {
		if d.Customer.Customer == "bob" && d.Kind == "missed_close" && d.At.Equal(at(41*time.Minute)) {
			close = true
		}
	}
	if !close {
		t.Errorf("no missed close for bob at 41m in %+v", e.Deadlines(10))
	}
}

func TestDeadlinesWindow(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(1, 5),
		Policies: map[string]Policy{"whatsapp": {Window: 24 * time.Hour, NewConversationAfterWindow: true}}}, "a1")
	receive(t, e, at(0), "alice")
	receive(t, e, at(2*time.Hour), "alice")
	var found bool
	for _, d := range e.Deadlines(10) {
		if d.Kind == "window" {
			found = true
			if !d.At.Equal(at(26 * time.Hour)) {
				t.Errorf("window closes at %v, want 26h after the start (the latest message plus 24h)", d.At.Sub(t0))
			}
		}
	}
	if !found {
		t.Fatalf("no window deadline in %+v", e.Deadlines(10))
	}
}

func TestDeadlinesWindowEnd(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(1, 5),
		Policies: map[string]Policy{"whatsapp": {Window: 24 * time.Hour, TemplatesOutsideWindow: true}}}, "a1")
	receive(t, e, at(0), "alice")
	receive(t, e, at(3*time.Hour), "alice")
	got := e.Deadlines(10)
	if len(got) != 1 || got[0].Kind != "window_end" || !got[0].At.Equal(at(27*time.Hour)) || got[0].Customer.Customer != "alice" {
		t.Fatalf("deadlines %+v, want alice's window_end 27h after the start", got)
	}
	e.Advance(at(28 * time.Hour))
	if got := e.Deadlines(10); len(got) != 0 {
		t.Errorf("after the window's end: %+v, want none", got)
	}
}

// lockedNext is the earliest pending deadline, read under the lock from
// the heap itself.
func lockedNext(e *Engine) (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.deadlines) == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, e.deadlines[0].at), true
}

// TestNextDeadlineFollowsEveryChange: NextDeadline, which reads a
// published time without the lock, answers as the heap does after every
// kind of change: deadlines set, moved and cleared by calls, fired by
// Advance, restored from a snapshot, and one at the instant 0, which it
// reads under the lock; NextDeadlineNanos answers the same in unix
// nanoseconds. NextDeadlineChanges, never 0, moves whenever the answer
// does: an owner that asks again only then always has the answer.
func TestNextDeadlineFollowsEveryChange(t *testing.T) {
	// The answer last seen of each engine, with the count then.
	type seen struct {
		changes uint64
		at      time.Time
		ok      bool
	}
	last := map[*Engine]seen{}
	check := func(t *testing.T, e *Engine, what string) {
		t.Helper()
		changes := e.NextDeadlineChanges()
		got, ok := e.NextDeadline()
		want, wantOK := lockedNext(e)
		if ok != wantOK || !got.Equal(want) {
			t.Fatalf("%s: NextDeadline %v %v, want %v %v", what, got, ok, want, wantOK)
		}
		if ns, nsOK := e.NextDeadlineNanos(); nsOK != wantOK || (ok && ns != want.UnixNano()) {
			t.Fatalf("%s: NextDeadlineNanos %d %v, want %v %v", what, ns, nsOK, want, wantOK)
		}
		if changes == 0 {
			t.Fatalf("%s: NextDeadlineChanges is 0", what)
		}
		if s, asked := last[e]; asked && s.changes == changes && (s.ok != ok || !s.at.Equal(got)) {
			t.Fatalf("%s: NextDeadline moved from %v %v to %v %v, NextDeadlineChanges stayed %d", what, s.at, s.ok, got, ok, changes)
		}
		last[e] = seen{changes, got, ok}
	}
	cfg := Config{Agents: agents(2, 1), MissedAfter: 10 * time.Minute, CloseMissedAfter: 20 * time.Minute,
		IdleAfter: time.Hour, Consumer: true}
	e := newEngine(t, cfg, "a1")
	check(t, e, "new")
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Duration(0)
	for i := range 400 {
		now += time.Duration(rng.IntN(600)) * time.Second
		c := fmt.Sprintf("u%d", rng.IntN(12))
		switch rng.IntN(5) {
		case 0, 1:
			receive(t, e, at(now), c)
		case 2:
			e.Advance(at(now))
		case 3:
			_ = e.SetOnline(at(now), "a2", rng.IntN(2) == 0)
		case 4:
			_ = e.Close(at(now), "a1", key(c))
		}
		check(t, e, fmt.Sprintf("step %d", i))
		if i%100 == 99 {
			e = restarted(t, cfg, e, &okSender{})
			check(t, e, fmt.Sprintf("restored at step %d", i))
		}
	}
	e.Advance(at(now + 24*time.Hour))
	check(t, e, "everything closed")
	if _, ok := e.NextDeadline(); ok {
		t.Fatal("a deadline with everything closed")
	}

	// A deadline fires and sets none: the published one goes with it.
	o := newEngine(t, Config{Agents: agents(1, 1), IdleAfter: time.Hour}, "a1")
	receive(t, o, at(0), "o")
	check(t, o, "one idle close pending")
	o.Advance(at(2 * time.Hour))
	check(t, o, "the idle close fired")

	z := newEngine(t, Config{Agents: agents(1, 1), IdleAfter: time.Hour})
	if _, err := z.Receive(time.Unix(0, 0).Add(-time.Hour), Inbound{Customer: key("z"), MessageID: "m", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	check(t, z, "a close at the instant 0")
	if d, ok := z.NextDeadline(); !ok || d.UnixNano() != 0 {
		t.Fatalf("NextDeadline %v %v, want the instant 0", d, ok)
	}
	if ns, ok := z.NextDeadlineNanos(); !ok || ns != 0 {
		t.Fatalf("NextDeadlineNanos %d %v, want the instant 0", ns, ok)
	}
	z.Advance(time.Unix(0, 0))
	check(t, z, "the close at the instant 0 fired")
}

// TestDueCountFollowsTheHeap holds every conversation's count of pending
// deadlines (conv.dueN, which close reads to skip clearing none) to its
// entries in the heap, through random messages, replies, closes and time
// passing under every kind of conversation timer.
func TestDueCountFollowsTheHeap(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	e := newEngine(t, Config{Agents: agents(2, 1), MissedAfter: 10 * time.Minute, CloseMissedAfter: 20 * time.Minute,
		IdleAfter: 30 * time.Minute, ReassignAfter: 5 * time.Minute,
		Policies: map[string]Policy{"whatsapp": {Window: time.Hour, NewConversationAfterWindow: true}}}, "a1", "a2")
	e.Handle("whatsapp", &idSender{ids: []string{"m1", "m2", "m3"}})
	now := t0
	for step := range 2000 {
		now = now.Add(time.Duration(rng.IntN(240)) * time.Second)
		k := key(fmt.Sprintf("u%d", rng.IntN(5)))
		switch rng.IntN(4) {
		case 0, 1:
			if _, err := e.Receive(now, Inbound{Customer: k, Text: "x"}); err != nil {
				t.Fatal(err)
			}
		case 2:
			if c, _, ok := e.Latest(k); ok && c.State == Assigned {
				e.Send(context.Background(), now, c.Agent, k, Outbound{Kind: KindText, Text: "y"})
			}
		case 3:
			if c, _, ok := e.Latest(k); ok && c.State == Assigned {
				e.Close(now, c.Agent, k)
			}
		}
		e.mu.Lock()
		inHeap := map[*conv]int32{}
		for _, d := range e.deadlines {
			if d.conv != nil {
				inHeap[d.conv]++
			}
		}
		e.convs.all(func(cv *conv) {
			n := int32(0)
			for _, i := range cv.due {
				if i >= 0 {
					n++
				}
			}
			if cv.dueN != n || n != inHeap[cv] {
				t.Errorf("step %d: %v counts %d deadlines, has %d positions and %d entries in the heap", step, cv.id, cv.dueN, n, inHeap[cv])
			}
		})
		e.mu.Unlock()
		if t.Failed() {
			return
		}
	}
}

// TestFarTimersDoNotWrap: a timer set past what Unix nanoseconds hold
// (after 2262) waits for good instead of firing at once as a time long
// past.
func TestFarTimersDoNotWrap(t *testing.T) {
	const far = 100000 * 24 * time.Hour
	tests := []struct {
		name string
		cfg  Config
		want State
	}{
		{"reassign", Config{ReassignAfter: far, Agents: agents(2, 1)}, Assigned},
		{"bot handoff", Config{Bot: &Bot{HandoffAfter: far}, Agents: agents(2, 1)}, WithBot},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, tc.cfg, "a1", "a2")
			receive(t, e, at(0), "u")
			if next, ok := e.NextDeadline(); ok && next.Before(at(0)) {
				t.Errorf("next deadline %v, before the message", next)
			}
			e.Advance(at(time.Hour))
			if c, _, _ := e.Latest(key("u")); c.State != tc.want {
				t.Errorf("after an hour the conversation is %s, want %s", c.State, tc.want)
			}
		})
	}
}

// TestLateAdvanceIsOnTime: a deadline fired by a later call leaves the
// engine as one fired at its time. Here a conversation idles out while
// another waits for its agent: the close frees the agent, and the waiting
// one is assigned at the deadline's time, whether the engine is advanced
// to the deadline and then on, or straight past it.
func TestLateAdvanceIsOnTime(t *testing.T) {
	cfg := Config{Agents: agents(1, 1), IdleAfter: 10 * time.Minute}
	run := func(onTime bool) []byte {
		e := newEngine(t, cfg, "a1")
		receive(t, e, t0, "p")
		receive(t, e, at(time.Minute), "q") // waits: a1 is full
		if onTime {
			e.Advance(at(10 * time.Minute))
		}
		e.Advance(at(30 * time.Minute))
		b, err := e.Save()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if a, b := run(true), run(false); string(a) != string(b) {
		t.Errorf("advanced on time and late, the engines differ:\n%s\n%s", a, b)
	}
}
