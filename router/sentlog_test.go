package router

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestSentLogIsAFIFO plays random pushes and pops on a sentLog, numbered
// from a start that is not a block's (as a restored log's may be), through
// runs that empty it at and off block boundaries, against a slice: every
// entry it holds is found by its number, it holds no other, it keeps
// no more blocks than its entries need, and a block it lets go holds
// nothing.
func TestSentLogIsAFIFO(t *testing.T) {
	for _, start := range []uint64{1, sentBlock - 1, sentBlock, 5*sentBlock + 7} {
		rng := rand.New(rand.NewPCG(start, 9))
		var l sentLog
		l.reset(start)
		var want []sentEntry // entry i numbered want[0].at+i: at is the number
		n := start
		emptied := 0
		for step := range 40000 {
			// Long runs of one kind, so that the log grows over many
			// blocks and empties again.
			if rng.IntN(4) < 1+2*(step/3000%2) || len(want) == 0 {
				en := sentEntry{at: int64(n), conv: ConversationID(3 * n)}
				got, p := l.add()
				if got != n {
					t.Fatalf("start %d, step %d: added entry %d, want %d", start, step, got, n)
				}
				*p = en
				want = append(want, en)
				n++
			} else {
				blk := l.blocks[0]
				l.pop()
				if l.first%sentBlock == 0 { // the block was let go
					for i, en := range blk {
						if en != (sentEntry{}) {
							t.Fatalf("start %d, step %d: entry %d of a block let go still holds %+v", start, step, i, en)
						}
					}
				}
				want = want[1:]
			}
			if l.len() != len(want) {
				t.Fatalf("start %d, step %d: %d entries, want %d", start, step, l.len(), len(want))
			}
			if len(want) == 0 {
				emptied++
				continue
			}
			if got := *l.oldest(); got != want[0] {
				t.Fatalf("start %d, step %d: oldest %+v, want %+v", start, step, got, want[0])
			}
			for _, i := range []int{0, len(want) / 2, len(want) - 1, rng.IntN(len(want))} {
				if w, wn := want[i], uint64(want[i].at); !l.holds(wn) || *l.at(wn) != w {
					t.Fatalf("start %d, step %d: entry %d is %+v, want %+v", start, step, wn, *l.at(wn), w)
				}
			}
			if w0 := uint64(want[0].at); l.holds(w0-1) || l.holds(n) {
				t.Fatalf("start %d, step %d: holds %d or %d, outside %d to %d", start, step, w0-1, n, w0, n-1)
			}
			if limit := len(want)/sentBlock + 2; len(l.blocks) > limit {
				t.Fatalf("start %d, step %d: %d blocks for %d entries", start, step, len(l.blocks), len(want))
			}
		}
		if emptied < 5 || n-start < 10*sentBlock {
			t.Errorf("start %d: emptied %d times, %d entries pushed: the walk did not cover the cases", start, emptied, n-start)
		}
	}
}

// TestSweepDueBySentLog holds what remember counts on when it leaves
// sweepDue alone: whenever the sent log holds an entry, sweepDue (and so
// until) is at or before the time its oldest entry is due to be forgotten,
// through sends, statuses and time passing beyond the horizon and the
// release of customers.
func TestSweepDueBySentLog(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(3, 2), StatusHorizon: time.Hour,
		Policies: map[string]Policy{"whatsapp": {Window: 30 * time.Minute}}}, ids(3)...)
	s := &idSender{ids: []string{"m1", "m2", "m3", "m4", "m5"}}
	e.Handle("whatsapp", s)
	rng := rand.New(rand.NewPCG(8, 8))
	now := t0
	for i := range 3000 {
		now = now.Add(time.Duration(rng.IntN(20)) * time.Minute)
		k := key(fmt.Sprint("c", rng.IntN(40)))
		switch rng.IntN(4) {
		case 0:
			if _, err := e.Receive(now, Inbound{Customer: k, MessageID: fmt.Sprint(i), Text: "hi"}); err != nil {
				t.Fatal(err)
			}
		case 1:
			if cv, _, ok := e.Latest(k); ok && cv.State == Assigned {
				if _, err := e.Send(context.Background(), now, cv.Agent, k, Outbound{Kind: KindText, Text: "hello"}); err != nil {
					t.Fatal(err)
				}
			}
		case 2:
			if cv, _, ok := e.Latest(k); ok && cv.State == Assigned {
				if err := e.Close(now, cv.Agent, k); err != nil {
					t.Fatal(err)
				}
			}
		default:
			e.Advance(now)
		}
		if l := &e.sentLog; l.len() > 0 {
			if due := forgetAt(l.oldest().at, e.horizon); e.sweepDue > due || e.until > due {
				t.Fatalf("step %d: sweepDue %d, until %d after the oldest sent entry's due %d", i, e.sweepDue, e.until, due)
			}
		}
	}
}

// TestSweepDueByReleaseQueue: whatever a run does, the engine's next
// sweep is due no later than the release queue's earliest entry, so that
// a customer is released when its time comes, not at a later call that
// happens to sweep; and a customer closed after another is released at
// its own time.
func TestSweepDueByReleaseQueue(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(3, 2), StatusHorizon: time.Hour,
		Policies: map[string]Policy{"whatsapp": {Window: 30 * time.Minute}}}, ids(3)...)
	rng := rand.New(rand.NewPCG(9, 9))
	now := t0
	for i := range 3000 {
		now = now.Add(time.Duration(rng.IntN(20)) * time.Minute)
		k := key(fmt.Sprint("c", rng.IntN(40)))
		switch rng.IntN(3) {
		case 0:
			if _, err := e.Receive(now, Inbound{Customer: k, MessageID: fmt.Sprint(i), Text: "hi"}); err != nil {
				t.Fatal(err)
			}
		case 1:
			if cv, _, ok := e.Latest(k); ok && cv.State == Assigned {
				if err := e.Close(now, cv.Agent, k); err != nil {
					t.Fatal(err)
				}
			}
		default:
			e.Advance(now)
		}
		if at, ok := e.releases.next(); ok && (e.sweepDue > at || e.until > at) {
			t.Fatalf("step %d: sweepDue %d, until %d after the release queue's front %d", i, e.sweepDue, e.until, at)
		}
	}

	// Two customers closed ten minutes apart: each is released at its
	// time, the second by a sweep that the first's set up.
	e = newEngine(t, Config{Agents: agents(2, 1), StatusHorizon: time.Hour}, ids(2)...)
	for i, k := range []CustomerKey{key("+15550000001"), key("+15550000002")} {
		at := t0.Add(time.Duration(10*i) * time.Minute)
		if _, err := e.Receive(at, Inbound{Customer: k, MessageID: fmt.Sprint("m", i), Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		cv, _, _ := e.Latest(k)
		if err := e.Close(at.Add(time.Minute), cv.Agent, k); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		at   time.Duration
		held int
	}{
		{time.Hour + 2*time.Minute, 1},
		{time.Hour + 12*time.Minute, 0},
	} {
		e.Advance(t0.Add(tc.at))
		if got := e.Footprint().Customers; got != tc.held {
			t.Errorf("at +%v: %d customers held, want %d", tc.at, got, tc.held)
		}
	}
}
