package fuzz

import (
	"context"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
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

// TestMadeFromPayload: on a channel whose fault plan delays webhooks, a
// message's made time is its payload's (WeChat's CreateTime, WhatsApp's
// timestamp), before its first webhook; the other platforms' payloads are
// not read, and without delays the made time is the first webhook's.
func TestMadeFromPayload(t *testing.T) {
	for _, tt := range []struct {
		channel, faults string
		read            bool
	}{
		{"wechat", "late = 1\nlate_by = \"10m\"", true},
		{"whatsapp", "late = 1\nlate_by = \"10m\"", true},
		{"douyin", "late = 1\nlate_by = \"10m\"", false},
		{"wechat", "send_5xx = 0.5", true},
	} {
		src := `name = "made"
seed = 1
start = "2026-03-02T09:00:00Z"
duration = "1h"
[channels.` + tt.channel + `.faults]
` + tt.faults + `
[[agents]]
id = "a"
[[customers]]
id = "c"
channel = "` + tt.channel + `"
[[steps]]
at = "1m"
customer = "c"
says = ["hi", "again"]
every = "90s"
`
		sc, err := platforms.Format.Parse("made.toml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		tr, err := play(context.Background(), sc, sim.Direct)
		if err != nil {
			t.Fatal(err)
		}
		var c *Customer
		for _, k := range tr.Keys {
			if tr.Customers[k].ID == "c" {
				c = tr.Customers[k]
			}
		}
		if c == nil || len(c.Inbound) != 2 {
			t.Fatalf("%s %s: customer %+v", tt.channel, tt.faults, c)
		}
		for i, m := range c.Inbound {
			wrote := sc.Start.Add(time.Minute + time.Duration(i)*90*time.Second)
			switch {
			case !tt.read && (!m.Made.IsZero() || !m.MadeBy.IsZero()):
				t.Errorf("%s: message %d made %v..%v, want unread", tt.channel, i, m.Made, m.MadeBy)
			case tt.read && (m.Made.After(wrote) || m.MadeBy.Before(wrote) || m.MadeBy.After(m.At)):
				t.Errorf("%s %s: message %d made %v..%v, first webhook %v; the customer wrote at %v", tt.channel, tt.faults, i, m.Made, m.MadeBy, m.At, wrote)
			case tt.faults[:4] == "late" && !m.At.After(wrote.Add(time.Second)):
				t.Errorf("%s: message %d written at %v reached the router at %v, want it late", tt.channel, i, wrote, m.At)
			}
		}
	}
}
