package sim_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
)

// TestRunWorldsKeepNoJournal: a world with NoJournals, as Run makes, which
// nothing inspects, has every platform's fake journal nothing, and plays
// as a world that keeps its journals (which the same conversation fills).
func TestRunWorldsKeepNoJournal(t *testing.T) {
	for _, p := range platforms.All {
		t.Run(p.Name(), func(t *testing.T) {
			for _, run := range []bool{false, true} {
				w, b := oneChannel(t, p.Name(), 1, sim.Options{Platforms: platforms.All, NoJournals: run})
				key, err := w.Customer(p.Name(), b.NewHandle(1))
				if err != nil {
					t.Fatal(err)
				}
				converse(t, w, key)
				if dev := b.Device(key.Customer); len(dev) != 1 || dev[0].Text != "Hi there" {
					t.Errorf("run %v: device received %+v", run, dev)
				}
				if s := b.Stats(); s.Delivered != 1 || s.Webhooks < 1 {
					t.Errorf("run %v: stats %+v", run, s)
				}
				recs := b.Journal(sim.JournalFilter{})
				if run != (len(recs) == 0) {
					t.Errorf("run %v: %d journal records", run, len(recs))
				}
			}
		})
	}
}

// TestGenerated: a customer World.Generated makes is one a traffic flow
// would: a customer id nobody has (not even a scripted customer who took
// the first generated one), whose replies are delivered but not kept for
// a device to read back, as a scripted customer's are.
func TestGenerated(t *testing.T) {
	for _, p := range platforms.All {
		t.Run(p.Name(), func(t *testing.T) {
			w, b := oneChannel(t, p.Name(), 2, sim.Options{Platforms: platforms.All})
			scripted, err := w.Customer(p.Name(), b.NewHandle(1))
			if err != nil {
				t.Fatal(err)
			}
			gen, err := w.Generated(p.Name())
			if err != nil {
				t.Fatal(err)
			}
			gen2, err := w.Generated(p.Name())
			if err != nil {
				t.Fatal(err)
			}
			if gen == scripted || gen2 == scripted || gen == gen2 {
				t.Fatalf("keys %v, %v and %v are not all different", scripted, gen, gen2)
			}
			converse(t, w, scripted)
			converse(t, w, gen)
			if s := b.Stats(); s.Delivered != 2 {
				t.Errorf("%d deliveries, want 2", s.Delivered)
			}
			if dev := b.Device(scripted.Customer); len(dev) != 1 {
				t.Errorf("the scripted customer's device holds %d messages, want 1", len(dev))
			}
			if dev := b.Device(gen.Customer); len(dev) != 0 {
				t.Errorf("the generated customer's device holds %d messages, want none kept", len(dev))
			}
		})
	}
	w, _ := oneChannel(t, "whatsapp", 1, sim.Options{Platforms: platforms.All})
	if _, err := w.Generated("line"); err == nil {
		t.Error("Generated on a channel the world has not opened: no error")
	}
}

// oneChannel opens a world of one channel and one agent, "a", of the given
// capacity, closed when the test ends, and returns it with the channel's
// binding.
func oneChannel(t *testing.T, channel string, capacity int, opt sim.Options) (*sim.World, sim.Binding) {
	t.Helper()
	sc, err := platforms.Format.Parse("t.toml", []byte(fmt.Sprintf("[channels.%s]\n[[agents]]\nid = \"a\"\ncapacity = %d\n", channel, capacity)))
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.NewWorld(context.Background(), sc, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	b, _ := w.Binding(channel)
	return w, b
}

// converse has the customer of key say hello and agent "a" reply, and
// moves the world a minute on.
func converse(t *testing.T, w *sim.World, key router.CustomerKey) {
	t.Helper()
	if in, err := w.Say(key, sim.Message{Text: "Hello"}); err != nil || in.Status != 200 {
		t.Fatalf("Say = %+v, %v", in, err)
	}
	if res, err := w.Send("a", key, router.Outbound{Kind: router.KindText, Text: "Hi there"}); err != nil || res.Err != nil || res.Refusal != "" {
		t.Fatalf("Send = %+v, %v", res, err)
	}
	if err := w.RunUntil(w.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
}
