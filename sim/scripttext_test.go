package sim_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/omnisim/omnisim/sim"
)

// textsBinding is a binding that keeps the text of every customer message
// it is handed, by the customer's id on the platform.
type textsBinding struct {
	sim.Binding
	said map[string][]string
}

func (b *textsBinding) Inbound(ctx context.Context, customer, name string, m sim.Message) (sim.Inbound, error) {
	b.said[customer] = append(b.said[customer], m.Text)
	return b.Binding.Inbound(ctx, customer, name, m)
}

// TestGeneratedConversationTexts: a generated customer of n messages says
// "message 1" to "message n", and its agent answers each, "reply 1" to
// "reply n", in that order, on both networks.
func TestGeneratedConversationTexts(t *testing.T) {
	sc := parse(t, `
name = "generated texts"
seed = 5
start = "2026-03-02T09:00:00Z"
duration = "3h"
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 30/h"
for = "1h"
messages = "1..4"
handle = "exp 5m"
[[agents]]
id = "a"
capacity = 100
`)
	for _, n := range []sim.Network{sim.Direct, sim.Memory} {
		t.Run(string(n), func(t *testing.T) {
			var b *textsBinding
			table := withBindings(func(env *sim.Env) {
				env.Keep = func(string) bool { return true } // every device kept, a generated customer's too
			}, func(inner sim.Binding) sim.Binding {
				b = &textsBinding{Binding: inner, said: map[string][]string{}}
				return b
			})
			w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: table, Network: n})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			w.Schedule()
			// Before the fake forgets anyone: an hour after the last
			// customer could be reached.
			if err := w.RunUntil(sc.Start.Add(90 * time.Minute)); err != nil {
				t.Fatal(err)
			}
			longest := 0
			for customer, said := range b.said {
				want := make([]string, len(said))
				for i := range said {
					want[i] = fmt.Sprint("message ", i+1)
				}
				if !slices.Equal(said, want) {
					t.Errorf("customer %s said %q, want %q", customer, said, want)
				}
				var replies []string
				for _, d := range b.Device(customer) {
					replies = append(replies, d.Text)
				}
				for i := range want {
					want[i] = fmt.Sprint("reply ", i+1)
				}
				if !slices.Equal(replies, want) {
					t.Errorf("customer %s received %q, want %q", customer, replies, want)
				}
				longest = max(longest, len(said))
			}
			if len(b.said) < 10 || longest < 3 {
				t.Errorf("%d customers, the longest of %d messages: want more", len(b.said), longest)
			}
		})
	}
}
