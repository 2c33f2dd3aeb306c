package fuzz

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/omnisim/omnisim/sim/scenario"
)

// TestDdminFindsTheFailingPair: the predicate fails when 3 and 7 are both
// in; ddmin finds exactly those, in far fewer calls than the subsets.
func TestDdminFindsTheFailingPair(t *testing.T) {
	items := indexes(40)
	calls := 0
	fails := func(xs []int) bool {
		calls++
		return slices.Contains(xs, 3) && slices.Contains(xs, 7)
	}
	got := ddmin(items, fails, func() bool { return false })
	if !slices.Equal(got, []int{3, 7}) {
		t.Fatalf("ddmin = %v, want [3 7]", got)
	}
	if calls > 200 {
		t.Fatalf("%d predicate calls", calls)
	}
	t.Logf("%d calls", calls)
}

func TestDdminEdges(t *testing.T) {
	never := func() bool { return false }
	if got := ddmin(indexes(10), func(xs []int) bool { return true }, never); len(got) != 0 {
		t.Errorf("always failing: %v, want nothing", got)
	}
	if got := ddmin(indexes(10), func(xs []int) bool { return slices.Contains(xs, 9) }, never); !slices.Equal(got, []int{9}) {
		t.Errorf("one culprit: %v", got)
	}
	if got := ddmin([]int{}, func(xs []int) bool { return true }, never); len(got) != 0 {
		t.Errorf("empty: %v", got)
	}
	// A stop at once keeps what there is.
	if got := ddmin(indexes(10), func(xs []int) bool { return len(xs) > 0 }, func() bool { return true }); len(got) != 10 {
		t.Errorf("stopped: %v", got)
	}
}

// TestShrinkScenario shrinks a generated case on a synthetic predicate
// (customer u2 writes to the router, agent li is on the roster) without
// running it: what is left is that, and valid.
func TestShrinkScenario(t *testing.T) {
	var sc *scenario.Scenario
	for seed := uint64(1); ; seed++ {
		c := NewCase(seed)
		if c.Validate() != nil || len(c.Scenario.Agents) < 3 || len(c.Scenario.Customers) < 3 || len(c.Scenario.Steps) < 10 {
			continue
		}
		if hasStep(c.Scenario, "u2") {
			sc = c.Scenario
			break
		}
	}
	before := len(sc.Steps)
	fails := func(s *scenario.Scenario) bool {
		li := false
		for _, a := range s.Agents {
			li = li || a.ID == "li"
		}
		return li && hasStep(s, "u2")
	}
	shrunk, runs := Shrink(context.Background(), sc, fails, 1000, time.Time{})
	if !fails(shrunk) {
		t.Fatal("the shrunk scenario passes")
	}
	if len(shrunk.Agents) != 1 || len(shrunk.Customers) != 1 || len(shrunk.Steps) != 1 || len(shrunk.Traffic) != 0 || len(shrunk.Groups) != 0 {
		t.Fatalf("shrunk to %s", describe(shrunk))
	}
	if shrunk.Duration > sc.Duration || len(shrunk.Steps[0].Says) > 1 || shrunk.Agents[0].Capacity != 1 {
		t.Fatalf("not simplified: %s, %+v, %+v", shrunk.Duration, shrunk.Steps[0], shrunk.Agents[0])
	}
	if len(sc.Steps) != before {
		t.Fatal("Shrink changed its input")
	}
	t.Logf("%d runs: %s -> %s", runs, describe(sc), describe(shrunk))
}

func hasStep(sc *scenario.Scenario, customer string) bool {
	for _, st := range sc.Steps {
		if st.Customer == customer {
			return true
		}
	}
	return false
}

// TestShrinkKeepsReferencesWhole: removing an agent or a customer takes
// their steps along, removing a group takes it off the agents.
func TestShrinkKeepsReferencesWhole(t *testing.T) {
	sc := deskScenario("least-loaded", "none")
	sc.Steps = []scenario.Step{
		{At: 0, Customer: "u1", Says: scenario.Strings{"hi"}, Repeat: 1},
		{At: 60e9, Agent: "ana", To: "u1", Says: scenario.Strings{"hello"}, Repeat: 1},
		{At: 120e9, Agent: "bo", Presence: "offline", Repeat: 1},
	}
	c := build(sc, selection{agents: []int{1, 2}, groups: []int{1}, customers: []int{1, 2}, steps: indexes(3), traffic: nil})
	if len(c.Steps) != 1 || c.Steps[0].Agent != "bo" {
		t.Fatalf("steps %+v", c.Steps)
	}
	if !slices.Equal(c.Agents[1].Groups, []string{"vip"}) || len(c.Agents[0].Groups) != 0 {
		t.Fatalf("groups %+v", c.Agents)
	}
	if err := (&Case{Scenario: c}).Validate(); err != nil {
		t.Fatal(err)
	}
}
