package router

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
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

// TestSentLogForgetsWhereRead holds the sent log, which is not swept on
// the clock, to what sweeping it at every call would leave, through sends,
// statuses, closes and time passing beyond the horizon: Footprint, which
// forgets first, counts the distinct messages sent within the horizon of
// the engine's time; and the log never holds an entry sent more than the
// horizon before its newest block's first entry, when remember forgets, so
// that it holds at most a horizon's sends and a block.
func TestSentLogForgetsWhereRead(t *testing.T) {
	const horizon = time.Hour
	e := newEngine(t, Config{Agents: agents(3, 2), StatusHorizon: horizon,
		Policies: map[string]Policy{"whatsapp": {Window: 30 * time.Minute}}}, ids(3)...)
	s := &idSender{ids: []string{"m1", "m2", "m3", "m4", "m5", "m6", "m7"}}
	e.Handle("whatsapp", s)
	type sent struct {
		id string
		at int64
	}
	var model []sent
	rng := rand.New(rand.NewPCG(8, 8))
	now := t0
	blocks := 0
	for i := range 20000 {
		now = now.Add(time.Duration(rng.IntN(300)) * time.Second)
		k := key(fmt.Sprint("c", rng.IntN(12)))
		// Statuses and footprints, which forget, are rare: the log's
		// length is remember's to keep.
		op := 1 + rng.IntN(4)
		switch {
		case i%61 == 0:
			op = 5
		case rng.IntN(6) == 0:
			op = 0
		}
		switch op {
		case 0:
			if _, err := e.Receive(now, Inbound{Customer: k, MessageID: fmt.Sprint(i), Text: "hi"}); err != nil {
				t.Fatal(err)
			}
		case 1, 2:
			if cv, _, ok := e.Latest(k); ok && cv.State == Assigned {
				res, err := e.Send(context.Background(), now, cv.Agent, k, Outbound{Kind: KindText, Text: "hello"})
				if err != nil {
					t.Fatal(err)
				}
				if res.MessageID != "" {
					model = append(model, sent{res.MessageID, now.UnixNano()})
				}
			}
		case 3:
			if cv, _, ok := e.Latest(k); ok && cv.State == Assigned && rng.IntN(3) == 0 {
				if err := e.Close(now, cv.Agent, k); err != nil {
					t.Fatal(err)
				}
			}
		case 5:
			e.Status(now, k, s.ids[rng.IntN(len(s.ids))], "delivered", "")
		default:
			e.Advance(now)
		}
		e.mu.Lock()
		if l := &e.sentLog; l.len() > 0 {
			if b := (l.next - 1) / sentBlock * sentBlock; b >= l.first {
				blocks++
				if first := l.oldest().at; first < l.at(b).at-int64(horizon) {
					t.Fatalf("step %d: the log holds an entry sent at %d, a horizon before its block's first at %d", i, first, l.at(b).at)
				}
			}
		}
		e.mu.Unlock()
		if i%97 == 0 {
			// Footprint reads at the engine's time: the latest a call
			// gave it, not now when this step called nothing.
			e.mu.Lock()
			cut := e.now - int64(horizon)
			e.mu.Unlock()
			distinct := map[string]bool{}
			for _, m := range model {
				if m.at >= cut {
					distinct[m.id] = true
				}
			}
			if f := e.Footprint(); f.Messages != len(distinct) {
				t.Fatalf("step %d: footprint counts %d messages, want %d", i, f.Messages, len(distinct))
			}
		}
	}
	if blocks == 0 {
		t.Fatal("the log never started a block: the walk did not cover the case")
	}
}

// TestSaveForgetsPastHorizon: a snapshot holds the sent messages the
// engine remembers at its time, as Status would find them: one sent more
// than the horizon before the engine's latest call is not in it, though
// no call since has read the log.
func TestSaveForgetsPastHorizon(t *testing.T) {
	const horizon = time.Hour
	e := newEngine(t, Config{Agents: agents(1, 1), StatusHorizon: horizon}, ids(1)...)
	e.Handle("whatsapp", &idSender{ids: []string{"m1", "m2"}})
	k := key("c")
	send := func(at time.Time, text string) string {
		t.Helper()
		if _, err := e.Receive(at, Inbound{Customer: k, MessageID: text, Text: text}); err != nil {
			t.Fatal(err)
		}
		cv, _, ok := e.Latest(k)
		if !ok || cv.State != Assigned {
			t.Fatalf("at %v: no assigned conversation (%+v)", at, cv)
		}
		res, err := e.Send(context.Background(), at, cv.Agent, k, Outbound{Kind: KindText, Text: "hello"})
		if err != nil || res.MessageID == "" {
			t.Fatalf("at %v: send %+v, %v", at, res, err)
		}
		return res.MessageID
	}
	send(t0, "in1")
	late := send(t0.Add(90*time.Minute), "in2")
	e.Advance(t0.Add(2 * time.Hour)) // the first is past the horizon
	b, err := e.Save()
	if err != nil {
		t.Fatal(err)
	}
	var s snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range s.Sent {
		got = append(got, st.ID)
	}
	if !slices.Equal(got, []string{late}) {
		t.Errorf("the snapshot's sent messages are %q, want [%s]", got, late)
	}
}
