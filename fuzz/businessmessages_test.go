package fuzz

import (
	"context"
	"strings"
	"testing"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim"
)

// TestBusinessMessagesFaultCases: generated cases give Business Messages
// fault plans and router restarts like the other platforms; they keep
// every invariant, and the router restarts with the channel in the world
// (a restart that fails may name another channel, never this one).
func TestBusinessMessagesFaultCases(t *testing.T) {
	if testing.Short() {
		t.Skip("plays generated worlds")
	}
	const channel = "businessmessages"
	faulty, restarted := 0, 0
	for seed := uint64(1); (faulty < 25 || restarted == 0) && seed < 2000; seed++ {
		c := NewCase(seed)
		ch, ok := c.Scenario.Channels[channel]
		if !ok || ch.Faults == nil || c.Validate() != nil {
			continue
		}
		customers := 0
		for _, cu := range c.Scenario.Customers {
			if cu.Channel == channel {
				customers++
			}
		}
		if customers == 0 && len(c.Scenario.Traffic) == 0 {
			continue
		}
		faulty++
		vs, _, err := Check(context.Background(), c.Scenario, Invariants())
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			t.Errorf("seed %d: %v", seed, v)
		}
		res := sim.Run(context.Background(), c.Scenario, sim.Options{Platforms: platforms.All, Trace: true})
		for _, l := range res.Trace {
			switch {
			case l.Kind == "restart":
				restarted++
			case l.Kind == "error" && strings.HasPrefix(l.Detail, "restart:") && strings.Contains(l.Detail, channel):
				t.Errorf("seed %d: %s", seed, l.Detail)
			}
		}
	}
	if faulty < 25 || restarted == 0 {
		t.Errorf("%d cases with a Business Messages fault plan, %d restarts", faulty, restarted)
	}
}
