package router

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// snapshotConfigs are tenants that use every part of the state Save keeps:
// each strategy (the random draw of longest-idle, the round-robin cursor),
// queues, every kind of deadline, the bot, working hours, reply limits and
// windows, and customer release.
func snapshotConfigs() map[string]Config {
	office := Schedule{Name: "office", Days: map[time.Weekday][]Interval{}}
	for d := time.Sunday; d <= time.Saturday; d++ {
		office.Days[d] = []Interval{{Start: 9 * time.Hour, End: 13 * time.Hour}, {Start: 14 * time.Hour, End: 18 * time.Hour}}
	}
	pol := map[string]Policy{"whatsapp": {Window: 3 * time.Hour, ReplyLimit: 3, NewConversationAfterWindow: true}}
	groups := []GroupConfig{{Name: "vip", Priority: 1, Regions: []string{"north"}}, {Name: "rest", Priority: 2, Regions: []string{"south"}}}
	staff := []AgentConfig{
		{ID: "a1", Capacity: 2, Groups: []string{"vip"}},
		{ID: "a2", Capacity: 1, Groups: []string{"vip", "rest"}},
		{ID: "a3", Capacity: 3, Groups: []string{"rest"}, Schedule: "office"},
		{ID: "a4", Capacity: 1},
	}
	base := func(s Strategy) Config {
		return Config{Strategy: s, Split: SplitRegion, Groups: groups, Agents: staff, Policies: pol,
			Schedules: []Schedule{office}, MissedAfter: 20 * time.Minute, CloseMissedAfter: 15 * time.Minute,
			IdleAfter: 40 * time.Minute, ReassignAfter: 7 * time.Minute, Seed: 11}
	}
	out := map[string]Config{}
	for _, s := range Strategies() {
		out[string(s)] = base(s)
	}
	ov := base(LongestIdle)
	ov.Overflow, ov.OverflowAfter = OverflowDefault, 3*time.Minute
	out["overflow"] = ov
	bot := base(RoundRobin)
	bot.Bot = &Bot{Keywords: []string{"human"}, HandoffAfter: 4 * time.Minute}
	bot.OnlineByHours = true
	out["bot and hours"] = bot
	ret := base(LeastLoaded)
	ret.Retain = true
	out["retain"] = ret
	return out
}

// driver plays the same random calls on engines.
type driver struct {
	rng  *rand.Rand
	now  time.Time
	ctx  context.Context
	ids  []string
	cust []string
}

func (d *driver) op(e *Engine) string {
	// Every draw is made before the call, so that both engines see the
	// same calls whatever they answer.
	r := d.rng.IntN(100)
	a := d.ids[d.rng.IntN(len(d.ids))]
	c := key(d.cust[d.rng.IntN(len(d.cust))])
	text := []string{"hi", "human please", "thanks"}[d.rng.IntN(3)]
	step := time.Duration(d.rng.IntN(600)) * time.Second
	groups := []string{"vip", "rest", DefaultGroup}
	g := groups[d.rng.IntN(len(groups))]
	d.now = d.now.Add(step)
	var err error
	switch {
	case r < 35:
		_, err = e.Receive(d.now, Inbound{Customer: c, MessageID: fmt.Sprintf("w%d", d.now.UnixNano()), Text: text})
	case r < 60:
		var res SendResult
		res, err = e.Send(d.ctx, d.now, a, c, Outbound{Kind: KindText, Text: text})
		if err == nil {
			return fmt.Sprintf("%+v", res)
		}
	case r < 70:
		err = e.SetOnline(d.now, a, d.rng.IntN(3) > 0)
	case r < 78:
		err = e.Close(d.now, a, c)
	case r < 84:
		err = e.Transfer(d.now, a, c, g, "")
	case r < 88:
		err = e.Take(d.now, a, c)
	case r < 90:
		e.Status(d.now, c, "m1", "delivered", "")
	default:
		e.Advance(d.now)
	}
	return fmt.Sprint(err)
}

// restarted saves e and returns a new engine restored from it.
func restarted(t *testing.T, cfg Config, e *Engine, s Sender) *Engine {
	t.Helper()
	b, err := e.Save()
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.Handle("whatsapp", s)
	if err := n.Restore(b); err != nil {
		t.Fatal(err)
	}
	again, err := n.Save()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, again) {
		t.Fatalf("a restored engine saves differently:\n%s\n%s", b, again)
	}
	return n
}

// TestRestoreDecidesAlike plays random calls on an engine that runs
// through and on one saved, rebuilt and restored every few calls: every
// answer, event and figure must be the same.
func TestRestoreDecidesAlike(t *testing.T) {
	for name, cfg := range snapshotConfigs() {
		t.Run(name, func(t *testing.T) {
			for seed := range uint64(3) {
				ref, err := New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				ref.Handle("whatsapp", &okSender{})
				re, _ := New(cfg)
				sender := &okSender{}
				re.Handle("whatsapp", sender)
				var cust []string
				for i := range 12 {
					cust = append(cust, fmt.Sprintf("u%d", i))
				}
				for i, c := range cust {
					region := []string{"north", "south", ""}[i%3]
					ref.SetProfile(key(c), Profile{Region: region})
					re.SetProfile(key(c), Profile{Region: region})
				}
				dr := func() *driver {
					return &driver{rng: rand.New(rand.NewPCG(seed, 1)), now: at(0), ctx: context.Background(), ids: ids(4), cust: cust}
				}
				d1, d2 := dr(), dr()
				var ev1, ev2 []Event
				restarts := 0
				for i := range 500 {
					if i%37 == 5 {
						re = restarted(t, cfg, re, sender)
						restarts++
					}
					if got, want := d2.op(re), d1.op(ref); got != want {
						t.Fatalf("seed %d, call %d: restored engine answered %s, the other %s", seed, i, got, want)
					}
					ev1, ev2 = ref.Events(ev1[:0]), re.Events(ev2[:0])
					if !slices.Equal(ev1, ev2) {
						t.Fatalf("seed %d, call %d: events differ:\n%v\n%v", seed, i, ev1, ev2)
					}
				}
				if a, b := ref.Agents(d1.now), re.Agents(d2.now); !slices.Equal(a, b) {
					t.Errorf("agents differ:\n%+v\n%+v", a, b)
				}
				s1, _ := ref.Save()
				s2, _ := re.Save()
				if !bytes.Equal(s1, s2) {
					t.Errorf("final states differ after %d restarts", restarts)
				}
			}
		})
	}
}

func TestRestoreRefuses(t *testing.T) {
	cfg := snapshotConfigs()["least-loaded"]
	e := newEngine(t, cfg, "a1")
	receive(t, e, at(time.Minute), "u1")
	good, err := e.Save()
	if err != nil {
		t.Fatal(err)
	}
	other := cfg
	other.Agents = other.Agents[:1]
	idler := cfg
	idler.IdleAfter += time.Minute
	noHours := cfg
	noHours.Schedules, noHours.Agents = nil, slices.Clone(cfg.Agents)
	for i := range noHours.Agents {
		noHours.Agents[i].Schedule = ""
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		used bool
		snap []byte
		want string
	}{
		{"not JSON", cfg, false, []byte("{"), "restore"},
		{"another version", cfg, false, bytes.Replace(good, []byte(`"version":2`), []byte(`"version":99`), 1), "version 99"},
		{"an engine in use", cfg, true, good, "in use"},
		{"an agent the configuration lacks", other, false, good, `unknown agent "a2"`},
		{"a shift for an agent without hours", noHours, false, good, `for agent "a3", whose hours are false`},
		{"an unknown state", cfg, false, bytes.Replace(good, []byte(`"state":"assigned"`), []byte(`"state":"parked"`), 1), `unknown state "parked"`},
		{"another idle limit", idler, false, good, "idle limit "},
		{"an unknown close reason", cfg, false, bytes.Replace(good, []byte(`"state":"assigned"`), []byte(`"state":"assigned","reason":"lost"`), 1), `unknown close reason "lost"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if tc.used {
				n.Advance(at(0))
			}
			err = n.Restore(tc.snap)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Restore: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// FuzzRestore: no snapshot makes Restore panic, and what an engine
// restored from one saves restores again.
func FuzzRestore(f *testing.F) {
	// No working hours: a snapshot's clock may be years from the time the
	// engine is advanced to, and hours would play every shift between.
	cfg := snapshotConfigs()["least-loaded"]
	cfg.StatusHorizon, cfg.Schedules = time.Hour, nil
	cfg.Agents = slices.Clone(cfg.Agents)
	for i := range cfg.Agents {
		cfg.Agents[i].Schedule = ""
	}
	f.Fuzz(func(t *testing.T, snap []byte) {
		e, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if e.Restore(snap) != nil {
			return
		}
		again, err := e.Save()
		if err != nil {
			t.Fatalf("Save after Restore: %v", err)
		}
		n, _ := New(cfg)
		if err := n.Restore(again); err != nil {
			t.Fatalf("Restore of a restored engine's snapshot: %v", err)
		}
		// The restored engine plays on: a send, its status, time passing.
		k := key("u1")
		n.Status(at(3*time.Hour), k, "m1", "delivered", "")
		n.Advance(at(5 * time.Hour))
	})
}
