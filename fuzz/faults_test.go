package fuzz

import (
	"context"
	"testing"

	"github.com/omnisim/omnisim/router"
)

func TestAssignedOnce(t *testing.T) {
	sc := deskScenario("least-loaded", "none")
	open := []router.Event{online(0, "ana"), online(0, "li"), ev(1, router.EventOpened, 1, "u1", "", "vip"), ev(1, router.EventAssigned, 1, "u1", "ana", "vip")}
	for _, tc := range []struct {
		name      string
		good, bad []router.Event
		want      string
	}{
		{"reassigned in between", []router.Event{ev(5, router.EventReassigned, 1, "u1", "ana", "vip"), ev(5, router.EventAssigned, 1, "u1", "li", "vip")},
			[]router.Event{ev(5, router.EventAssigned, 1, "u1", "li", "vip")}, "c1 of u1 was assigned to li at +5m while assigned to ana"},
		{"transferred in between", []router.Event{ev(5, router.EventTransferred, 1, "u1", "ana", "vip"), ev(5, router.EventAssigned, 1, "u1", "li", "vip")},
			[]router.Event{ev(6, router.EventInbound, 1, "u1", "ana", "vip"), ev(7, router.EventAssigned, 1, "u1", "ana", "vip")}, "while assigned to ana"},
		{"closed, then a new conversation", []router.Event{ev(5, router.EventClosed, 1, "u1", "ana", "vip"), ev(6, router.EventOpened, 2, "u1", "", "vip"), ev(6, router.EventAssigned, 2, "u1", "ana", "vip")},
			[]router.Event{ev(6, router.EventQueued, 2, "u2", "", "vip"), ev(6, router.EventAssigned, 1, "u1", "li", "vip")}, "while assigned"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good := trace(sc, append(append([]router.Event{}, open...), tc.good...)...)
			bad := trace(sc, append(append([]router.Event{}, open...), tc.bad...)...)
			expectViolation(t, AssignedOnce, good, bad, tc.want)
		})
	}
}

func TestConversationsKept(t *testing.T) {
	sc := deskScenario("least-loaded", "none")
	open := []router.Event{online(0, "ana"), ev(1, router.EventOpened, 1, "u1", "", "vip"), ev(1, router.EventAssigned, 1, "u1", "ana", "vip")}
	good := []router.Event{ev(2, router.EventInbound, 1, "u1", "ana", "vip"), ev(3, router.EventClosed, 1, "u1", "ana", "vip"),
		ev(3, router.EventStatus, 1, "u1", "", ""), ev(4, router.EventOpened, 2, "u1", "", "vip")}
	for _, tc := range []struct {
		name string
		bad  []router.Event
		want string
	}{
		{"opened twice", []router.Event{ev(2, router.EventClosed, 1, "u1", "ana", "vip"), ev(3, router.EventOpened, 1, "u1", "", "vip")}, "c1 was opened twice"},
		{"an id going back", []router.Event{ev(2, router.EventOpened, 3, "u2", "", "vip"), ev(3, router.EventOpened, 2, "u3", "", "vip")}, "an id went back"},
		{"two open at once", []router.Event{ev(2, router.EventOpened, 2, "u1", "", "vip")}, "whose c1 is open"},
		{"never opened", []router.Event{ev(2, router.EventInbound, 7, "u2", "", "vip")}, "never opened"},
		{"after its close", []router.Event{ev(2, router.EventClosed, 1, "u1", "ana", "vip"), ev(3, router.EventInbound, 1, "u1", "ana", "vip")}, "after it closed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectViolation(t, ConversationsKept, trace(sc, append(append([]router.Event{}, open...), good...)...),
				trace(sc, append(append([]router.Event{}, open...), tc.bad...)...), tc.want)
		})
	}
}

// TestFaultCasesHold: generated cases with fault plans and router
// restarts are common, valid, and keep every invariant.
func TestFaultCasesHold(t *testing.T) {
	faulty, restarts, checked := 0, 0, 0
	for seed := uint64(1); checked < 40 && seed < 400; seed++ {
		c := NewCase(seed)
		has, restart := false, false
		for _, ch := range c.Scenario.Channels {
			has = has || ch.Faults != nil
		}
		for _, st := range c.Scenario.Steps {
			restart = restart || st.RestartRouter
		}
		if !has && !restart || c.Validate() != nil {
			continue
		}
		checked++
		if has {
			faulty++
		}
		if restart {
			restarts++
		}
		vs, _, err := Check(context.Background(), c.Scenario, Invariants())
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			t.Errorf("seed %d: %v", seed, v)
		}
	}
	if faulty < 10 || restarts < 5 {
		t.Errorf("%d cases with faults and %d with restarts of %d", faulty, restarts, checked)
	}
}

// TestMessengerFaultCases: generated cases give Messenger fault plans and
// router restarts with Messenger customers writing, and keep every
// invariant under them.
func TestMessengerFaultCases(t *testing.T) {
	checked, restarts := 0, 0
	for seed := uint64(1); checked < 15 && seed < 600; seed++ {
		c := NewCase(seed)
		ch := c.Scenario.Channels["messenger"]
		if ch == nil || ch.Faults == nil || c.Validate() != nil {
			continue
		}
		writes := false
		for _, cu := range c.Scenario.Customers {
			writes = writes || cu.Channel == "messenger"
		}
		if !writes {
			continue
		}
		checked++
		for _, st := range c.Scenario.Steps {
			if st.RestartRouter {
				restarts++
				break
			}
		}
		vs, _, err := Check(context.Background(), c.Scenario, Invariants())
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			t.Errorf("seed %d: %v", seed, v)
		}
	}
	if checked < 15 || restarts < 3 {
		t.Errorf("%d cases with Messenger faults, %d with restarts", checked, restarts)
	}
}
