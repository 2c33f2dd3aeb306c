package router

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// TestSentIndex plays random sends (remembered), forgets of the oldest
// entry and lookups on a sentIndex over a log, and on a map, with few
// distinct ids (so that keys are taken over and probe runs collide and
// wrap) and, in two cases, the hash cut to a few values (so that lookups
// compare keys), and compares them.
func TestSentIndex(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ids   int
		fold  uint64 // hash values kept: hash % fold, or all when 0
		steps int
	}{
		{"spread", 300, 0, 20000},
		{"colliding", 40, 5, 20000},
		{"one hash", 20, 1, 5000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			x := newSentIndex()
			hash := func(id string) uint64 {
				h := x.hash(id)
				if tc.fold > 0 {
					h %= tc.fold
				}
				return h
			}
			want := map[sentKey]uint64{} // the live entry's number
			log := newSentLog()
			for step := 0; step < tc.steps; step++ {
				switch op := rng.IntN(10); {
				case op < 5: // remember
					ch := []string{"a", "b"}[rng.IntN(2)]
					k := sentKey{channel: ch, id: "m" + strconv.Itoa(rng.IntN(tc.ids))}
					n, p := log.add()
					*p = sentEntry{key: k, hash: hash(k.id), conv: ConversationID(n)}
					x.put(&log, k, hash(k.id), n)
					want[k] = n
				case op < 8 && log.len() > 0: // forget the oldest
					en, n := *log.oldest(), log.first
					i := x.findN(en.hash, n)
					if want[en.key] == n {
						if i < 0 {
							t.Fatalf("step %d: entry %d of %v not found", step, n, en.key)
						}
						x.remove(i)
						delete(want, en.key)
					} else if i >= 0 {
						t.Fatalf("step %d: stale entry %d of %v found", step, n, en.key)
					}
					*log.oldest() = sentEntry{}
					log.pop()
				default: // look up
					k := sentKey{channel: []string{"a", "b"}[rng.IntN(2)], id: "m" + strconv.Itoa(rng.IntN(tc.ids+5))}
					p := x.find(&log, k, hash(k.id))
					wn, ok := want[k]
					switch {
					case ok != (p != 0):
						t.Fatalf("step %d: %v found %v, want %v", step, k, p != 0, ok)
					case ok && (p != wn || log.at(p).conv != ConversationID(wn) || log.at(p).key != k):
						t.Fatalf("step %d: %v found entry %d of %v, want %d", step, k, p, log.at(p).key, wn)
					}
				}
				if x.len() != len(want) {
					t.Fatalf("step %d: %d ids held, want %d", step, x.len(), len(want))
				}
			}
		})
	}
}

// poolSender gives each message an id drawn from a small pool, as a
// platform whose ids repeat would.
type poolSender struct{ rng *rand.Rand }

func (s poolSender) Send(context.Context, CustomerKey, Outbound) (string, error) {
	return "m" + strconv.Itoa(s.rng.IntN(6)), nil
}

// TestFindSentIsFind holds the engine's look-up of a sent message, which
// answers from the entry remembered or found last when it can, to a
// look-up in the index: random sends whose ids repeat, statuses and time
// passing past the horizon, with every id looked up both ways after each
// step.
func TestFindSentIsFind(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	e := newEngine(t, Config{StatusHorizon: time.Hour, Agents: agents(1, 10)}, "a1")
	e.Handle("whatsapp", poolSender{rng})
	now := t0
	for step := range 3000 {
		now = now.Add(time.Duration(rng.IntN(600)) * time.Second)
		c := "u" + strconv.Itoa(rng.IntN(4))
		switch rng.IntN(3) {
		case 0:
			receive(t, e, now, c)
		case 1:
			if _, err := e.Send(context.Background(), now, "a1", key(c), Outbound{Kind: KindText, Text: "x"}); err != nil {
				t.Fatal(err)
			}
		case 2:
			e.Status(now, key(c), "m"+strconv.Itoa(rng.IntN(6)), "delivered", "")
		}
		e.mu.Lock()
		for i := range 6 {
			id := "m" + strconv.Itoa(i)
			got := e.findSent("whatsapp", id)
			e.indexSent() // the index covers every entry the log holds
			want := e.sent.find(&e.sentLog, sentKey{channel: "whatsapp", id: id}, e.sent.hash(id))
			if want == 0 && got != nil || want != 0 && got != e.sentLog.at(want) {
				e.mu.Unlock()
				t.Fatalf("step %d: findSent(%s) = %p, find = %d", step, id, got, want)
			}
		}
		e.mu.Unlock()
	}
}

// sentModel is one entry of TestLazySentIndexIsTheLog's plain log.
type sentModel struct {
	key  sentKey
	at   int64
	conv ConversationID
	cust string
}

// TestLazySentIndexIsTheLog plays random remembers, forgets, look-ups,
// footprints and save-restore-saves on an engine, with few distinct ids on
// two channels (so that keys are taken over, and entries forgotten before
// the index has taken them), and holds them to a plain log: findSent finds
// the newest entry of its key, the footprint counts the distinct keys held,
// and a restored engine saves the same bytes.
func TestLazySentIndexIsTheLog(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewPCG(seed, 77))
		cfg := Config{StatusHorizon: time.Hour, Agents: agents(1, 10)}
		e := newEngine(t, cfg)
		var model []sentModel
		now := t0.UnixNano()
		ids := 2 + rng.IntN(40)
		for step := range 4000 {
			now += int64(rng.IntN(300)) * int64(time.Second)
			switch op := rng.IntN(20); {
			case op < 9:
				ch := []string{"whatsapp", "line"}[rng.IntN(2)]
				id := "m" + strconv.Itoa(rng.IntN(ids))
				c := "u" + strconv.Itoa(rng.IntN(5))
				to := CustomerKey{Channel: ch, Account: "acct", Customer: c}
				cv := ConversationID(step + 1)
				e.mu.Lock()
				if e.sentLog.next%sentBlock == 0 {
					// remember forgets at a block's first entry
					model = forgetModel(model, now-int64(time.Hour))
				}
				e.remember(now, &to, id, cv)
				e.mu.Unlock()
				model = append(model, sentModel{sentKey{ch, id}, now, cv, c})
			case op < 12:
				e.mu.Lock()
				e.forget(now)
				e.mu.Unlock()
				model = forgetModel(model, now-int64(time.Hour))
			case op < 18:
				ch := []string{"whatsapp", "line"}[rng.IntN(2)]
				id := "m" + strconv.Itoa(rng.IntN(ids+3))
				e.mu.Lock()
				got := e.findSent(ch, id)
				var gotE sentModel
				if got != nil {
					gotE = sentModel{got.key, got.at, got.conv, got.customer}
				}
				e.mu.Unlock()
				var want *sentModel
				for i := len(model) - 1; i >= 0; i-- {
					if model[i].key == (sentKey{ch, id}) {
						want = &model[i]
						break
					}
				}
				if (want == nil) != (got == nil) || want != nil && *want != gotE {
					t.Fatalf("seed %d step %d: findSent(%s,%s) = %+v, want %+v", seed, step, ch, id, gotE, want)
				}
			case op < 19:
				distinct := map[sentKey]bool{}
				for _, m := range model {
					distinct[m.key] = true
				}
				if f := e.Footprint(); f.Messages != len(distinct) {
					t.Fatalf("seed %d step %d: footprint %d, want %d", seed, step, f.Messages, len(distinct))
				}
			default:
				b, err := e.Save()
				if err != nil {
					t.Fatal(err)
				}
				e2 := newEngine(t, cfg)
				if err := e2.Restore(b); err != nil {
					t.Fatal(err)
				}
				b2, err := e2.Save()
				if err != nil {
					t.Fatal(err)
				}
				if string(b) != string(b2) {
					t.Fatalf("seed %d step %d: save/restore/save differs", seed, step)
				}
				e = e2
			}
		}
	}
}

// forgetModel drops the model's entries sent before cut, as forget does.
func forgetModel(model []sentModel, cut int64) []sentModel {
	for len(model) > 0 && model[0].at < cut {
		model = model[1:]
	}
	return model
}
