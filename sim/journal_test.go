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
			sc, err := platforms.Format.Parse("t.toml", []byte(fmt.Sprintf("[channels.%s]\n[[agents]]\nid = \"a\"\n", p.Name())))
			if err != nil {
				t.Fatal(err)
			}
			for _, run := range []bool{false, true} {
				w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, NoJournals: run})
				if err != nil {
					t.Fatal(err)
				}
				b, _ := w.Binding(p.Name())
				key, err := w.Customer(p.Name(), b.NewHandle(1))
				if err != nil {
					t.Fatal(err)
				}
				if in, err := w.Say(key, sim.Message{Text: "Hello"}); err != nil || in.Status != 200 {
					t.Fatalf("Say = %+v, %v", in, err)
				}
				if res, err := w.Send("a", key, router.Outbound{Kind: router.KindText, Text: "Hi there"}); err != nil || res.Err != nil || res.Refusal != "" {
					t.Fatalf("Send = %+v, %v", res, err)
				}
				if err := w.RunUntil(w.Now().Add(time.Minute)); err != nil {
					t.Fatal(err)
				}
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
				w.Close()
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
			sc, err := platforms.Format.Parse("t.toml", []byte(fmt.Sprintf("[channels.%s]\n[[agents]]\nid = \"a\"\ncapacity = 2\n", p.Name())))
			if err != nil {
				t.Fatal(err)
			}
			w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			b, _ := w.Binding(p.Name())
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
			for _, key := range []router.CustomerKey{scripted, gen} {
				if in, err := w.Say(key, sim.Message{Text: "Hello"}); err != nil || in.Status != 200 {
					t.Fatalf("Say = %+v, %v", in, err)
				}
				if res, err := w.Send("a", key, router.Outbound{Kind: router.KindText, Text: "Hi there"}); err != nil || res.Err != nil || res.Refusal != "" {
					t.Fatalf("Send = %+v, %v", res, err)
				}
			}
			if err := w.RunUntil(w.Now().Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
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
	sc, err := platforms.Format.Parse("t.toml", []byte("[channels.whatsapp]\n[[agents]]\nid = \"a\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Generated("line"); err == nil {
		t.Error("Generated on a channel the world has not opened: no error")
	}
}
