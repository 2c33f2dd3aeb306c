package sim_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
)

// refusingBinding is a binding that refuses some customer messages before
// they reach the platform, with an error or as a router that answered the
// webhook with 503: the first message of every other customer (in the
// order they first write) and the second of the others. It counts the
// messages it refused by the customer's id on the platform and by their
// place among the customer's messages.
type refusingBinding struct {
	sim.Binding
	withError bool
	order     map[string]int // customers in the order they first wrote
	sent      map[string]int // messages by customer
	refused   map[string]int
	byPlace   [3]int // refused firsts and seconds, at [1] and [2]
}

func (b *refusingBinding) Inbound(ctx context.Context, customer, name string, m sim.Message) (sim.Inbound, error) {
	if _, ok := b.order[customer]; !ok {
		b.order[customer] = len(b.order)
	}
	b.sent[customer]++
	k := b.sent[customer]
	if k != 1+b.order[customer]%2 {
		return b.Binding.Inbound(ctx, customer, name, m)
	}
	b.refused[customer]++
	b.byPlace[k]++
	if b.withError {
		return sim.Inbound{}, errRefusedByTest
	}
	return sim.Inbound{Status: http.StatusServiceUnavailable}, nil
}

var errRefusedByTest = errors.New("refused by the test")

// refusing returns the platform table with each binding wrapped in a
// refusingBinding, which *b is set to.
func refusing(b **refusingBinding, withError bool) []*sim.Platform {
	return withBindings(nil, func(inner sim.Binding) sim.Binding {
		*b = &refusingBinding{Binding: inner, withError: withError,
			order: map[string]int{}, sent: map[string]int{}, refused: map[string]int{}}
		return *b
	})
}

// TestRefusedCustomerMessages: a customer message the router does not
// take (the platform call fails, or the router answers the webhook with
// other than 200) is noted in the event log for the customer who sent it,
// whether the scenario lists the customer (customerSays) or a traffic
// flow generates them (customerText, which makes the message again only
// for such a note).
func TestRefusedCustomerMessages(t *testing.T) {
	sc := parse(t, `
name = "refused messages"
seed = 3
start = "2026-03-02T09:00:00Z"
duration = "2h"
[[customers]]
id = "c1"
channel = "whatsapp"
phone = "+16505551234"
[[steps]]
at = "1m"
customer = "c1"
says = "hello"
[[steps]]
at = "2m"
customer = "c1"
says = "anyone?"
[[steps]]
at = "3m"
customer = "c1"
says = "still here"
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 60/h"
for = "1h"
messages = "1..3"
handle = "exp 5m"
[[agents]]
id = "a"
capacity = 100
`)
	for _, tc := range []struct {
		name      string
		withError bool
		kind      string
		detail    string
	}{
		{"status", false, "rejected", "router answered the webhook with HTTP 503"},
		{"error", true, "error", "customer message: refused by the test"},
	} {
		for _, n := range []sim.Network{sim.Direct, sim.Memory} {
			t.Run(tc.name+"/"+string(n), func(t *testing.T) {
				var b *refusingBinding
				noted := map[string]int{}
				opt := sim.Options{Platforms: refusing(&b, tc.withError), Network: n, Trace: true,
					TraceTo: func(l result.Line) {
						if l.Kind == tc.kind && l.Detail == tc.detail {
							noted[l.Customer]++
						}
					}}
				w := runWorld(t, sc, opt)
				defer w.Close()
				w.Finish()
				listed, generated := 0, 0
				for customer, k := range b.refused {
					if customer == "16505551234" {
						listed += k
					} else {
						generated += k
					}
				}
				if listed == 0 || generated < 5 || b.byPlace[1] < 3 || b.byPlace[2] < 3 {
					t.Fatalf("refused %d of the listed customer's messages and %d generated ones (%d firsts, %d seconds), want some of each",
						listed, generated, b.byPlace[1], b.byPlace[2])
				}
				total := 0
				for _, k := range noted {
					total += k
				}
				if total != listed+generated || noted["c1"] != listed {
					t.Errorf("noted %d refusals (%d for c1), want %d (%d for c1)", total, noted["c1"], listed+generated, listed)
				}
			})
		}
	}
}
