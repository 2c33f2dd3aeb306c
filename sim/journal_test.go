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

// TestRunWorldsKeepNoJournal: the world Run makes, which nothing inspects,
// has every platform's fake journal nothing, and plays as a world that
// keeps its journals (which the same conversation fills).
func TestRunWorldsKeepNoJournal(t *testing.T) {
	for _, p := range platforms.All {
		t.Run(p.Name(), func(t *testing.T) {
			sc, err := platforms.Format.Parse("t.toml", []byte(fmt.Sprintf("[channels.%s]\n[[agents]]\nid = \"a\"\n", p.Name())))
			if err != nil {
				t.Fatal(err)
			}
			for _, run := range []bool{false, true} {
				newWorld := sim.NewWorld
				if run {
					newWorld = sim.NewRunWorld
				}
				w, err := newWorld(context.Background(), sc, sim.Options{Platforms: platforms.All})
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
