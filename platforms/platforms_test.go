package platforms_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
)

// Every platform of the table: its generated handles are valid and
// distinct, and a customer can write to an agent and get a reply, over
// memory and loopback alike.
func TestEveryPlatform(t *testing.T) {
	names := map[string]bool{}
	for _, p := range platforms.All {
		t.Run(p.Name(), func(t *testing.T) {
			if names[p.Name()] {
				t.Fatalf("channel %q listed twice", p.Name())
			}
			names[p.Name()] = true
			if _, ok := platforms.Format.Channel(p.Name()); !ok {
				t.Fatalf("the format does not know %q", p.Name())
			}
			if got, ok := platforms.Lookup(p.Name()); !ok || got != p {
				t.Fatalf("Lookup(%q) = %v, %v", p.Name(), got, ok)
			}
			if problem, _ := p.Spec.CheckHandle(p.Spec.HandleExample); problem != "" {
				t.Errorf("the handle example %q is refused: %s", p.Spec.HandleExample, problem)
			}
			for _, network := range []sim.Network{sim.Memory, sim.Loopback} {
				t.Run(string(network), func(t *testing.T) { converse(t, p, network) })
			}
		})
	}
}

func converse(t *testing.T, p *sim.Platform, network sim.Network) {
	sc, err := platforms.Format.Parse("t.toml", []byte(fmt.Sprintf("[channels.%s]\n[[agents]]\nid = \"a\"\n", p.Name())))
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: network})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	b, _ := w.Binding(p.Name())
	seen := map[string]bool{}
	for n := 1; n <= 2000; n++ {
		h := b.NewHandle(n)
		if seen[h] {
			t.Fatalf("NewHandle(%d) = %q again", n, h)
		}
		seen[h] = true
		if n%97 == 0 {
			written := h
			if p.Spec.Handle == "phone" {
				written = "+" + h
			}
			if problem, _ := p.Spec.CheckHandle(written); problem != "" {
				t.Fatalf("NewHandle(%d) = %q: %s", n, h, problem)
			}
		}
	}
	key, err := w.Customer(p.Name(), b.NewHandle(1))
	if err != nil {
		t.Fatal(err)
	}
	in, err := w.Say(key, sim.Message{Text: "Hello, ünïcödé and 中文 </xml>]]>"})
	if err != nil || in.Status != 200 || in.ID == "" {
		t.Fatalf("Say = %+v, %v", in, err)
	}
	res, err := w.Send("a", key, router.Outbound{Kind: router.KindText, Text: "Hi there"})
	if err != nil || res.Err != nil || res.Refusal != "" || res.MessageID == "" {
		t.Fatalf("Send = %+v, %v", res, err)
	}
	dev := b.Device(key.Customer)
	if len(dev) != 1 || dev[0].Text != "Hi there" {
		t.Fatalf("device received %+v", dev)
	}
	if s := b.Stats(); s.Delivered != 1 || s.Rejected != 0 || s.Webhooks < 2 {
		t.Errorf("stats %+v", s)
	}
	// The platform's journal saw the webhook and the delivery.
	recs := b.Journal(sim.JournalFilter{})
	var kinds []string
	last := uint64(0)
	for _, r := range recs {
		if r.Seq <= last || r.Platform != p.Name() {
			t.Fatalf("record %+v after Seq %d", r, last)
		}
		last = r.Seq
		kinds = append(kinds, r.Kind)
	}
	for _, k := range []string{sim.RecordWebhook, sim.RecordRequest, sim.RecordDelivery} {
		if !strings.Contains(strings.Join(kinds, " "), k) {
			t.Errorf("journal has no %s record: %v", k, kinds)
		}
	}
	if again := b.Journal(sim.JournalFilter{Since: last}); len(again) != 0 {
		t.Errorf("nothing new, yet Since gives %v", again)
	}
}

// A webhook record carries the exact bytes sent and their headers, on
// every platform.
func TestJournalKeepsWebhookBytes(t *testing.T) {
	for _, p := range platforms.All {
		t.Run(p.Name(), func(t *testing.T) {
			sc, err := platforms.Format.Parse("t.toml", []byte(fmt.Sprintf("[channels.%s]\n[[agents]]\nid = \"a\"\n", p.Name())))
			if err != nil {
				t.Fatal(err)
			}
			w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			b, _ := w.Binding(p.Name())
			key, _ := w.Customer(p.Name(), b.NewHandle(7))
			if _, err := w.Say(key, sim.Message{Text: "héllo"}); err != nil {
				t.Fatal(err)
			}
			recs := b.Journal(sim.JournalFilter{Kind: sim.RecordWebhook})
			var got *sim.Record
			for i := range recs {
				if recs[i].Method == "POST" {
					got = &recs[i]
				}
			}
			if got == nil || got.Body == "" || len(got.Header) == 0 {
				t.Fatalf("webhook records %+v", recs)
			}
		})
	}
}
