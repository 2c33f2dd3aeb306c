package fuzz

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
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
// timestamp, read from the body; Douyin's create_time, Messenger's
// timestamp and Business Messages' sendTime, from the journal record), at
// the payload's resolution, before its first webhook; without delays the
// made time is the first webhook's. The customer writes at times that are
// not whole seconds, so that a platform's time cut to a coarser
// resolution than its payload's fails.
func TestMadeFromPayload(t *testing.T) {
	for _, tt := range []struct {
		channel, faults string
	}{
		{"wechat", "late = 1\nlate_by = \"10m\""},
		{"whatsapp", "late = 1\nlate_by = \"10m\""},
		{"douyin", "late = 1\nlate_by = \"10m\""},
		{"messenger", "late = 1\nlate_by = \"10m\""},
		{"businessmessages", "late = 1\nlate_by = \"10m\""},
		{"wechat", "send_5xx = 0.5"}, // delays nothing
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
at = "1m0.123456789s"
customer = "c"
says = ["hi", "again"]
every = "90.5s"
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
			wrote := sc.Start.Add(time.Minute + 123456789*time.Nanosecond + time.Duration(i)*90500*time.Millisecond)
			switch {
			case tt.faults[:4] != "late" && (!m.Made.Equal(m.At) || !m.MadeBy.Equal(m.At)):
				t.Errorf("%s %s: message %d made %v..%v, want its first webhook's time %v", tt.channel, tt.faults, i, m.Made, m.MadeBy, m.At)
			case m.Made.After(wrote) || m.MadeBy.Before(wrote) || m.MadeBy.After(m.At):
				t.Errorf("%s %s: message %d made %v..%v, first webhook %v; the customer wrote at %v", tt.channel, tt.faults, i, m.Made, m.MadeBy, m.At, wrote)
			case tt.faults[:4] == "late" && !m.At.After(wrote.Add(time.Second)):
				t.Errorf("%s: message %d written at %v reached the router at %v, want it late", tt.channel, i, wrote, m.At)
			}
		}
	}
}

// TestMadeSpan: a webhook record's Made, where the platform's journal gives
// it, bounds when the platform made the message without reading the body,
// to the end of the payload's resolution or the record's time; without it
// WeChat's and WhatsApp's bodies are read; otherwise nothing is known.
func TestMadeSpan(t *testing.T) {
	made := t0.Add(time.Minute + 1500*time.Millisecond + 250*time.Microsecond)
	late := t0.Add(10 * time.Minute)
	cst := time.FixedZone("CST", 8*3600)
	for _, tt := range []struct {
		name, platform string
		r              sim.Record
		made, by       time.Time
	}{
		{"douyin create_time", "douyin", sim.Record{At: late, Made: made.Truncate(time.Millisecond)},
			made.Truncate(time.Millisecond), made.Truncate(time.Millisecond).Add(time.Millisecond - 1)},
		{"messenger timestamp", "messenger", sim.Record{At: late, Made: made.Truncate(time.Millisecond)},
			made.Truncate(time.Millisecond), made.Truncate(time.Millisecond).Add(time.Millisecond - 1)},
		{"business messages sendTime", "businessmessages", sim.Record{At: late, Made: made}, made, made},
		{"wechat Made before the body", "wechat", sim.Record{At: late, Made: made.Truncate(time.Second), Body: "<CreateTime>1</CreateTime>"},
			made.Truncate(time.Second), made.Truncate(time.Second).Add(time.Second - 1)},
		{"the webhook within the resolution", "douyin", sim.Record{At: made, Made: made.Truncate(time.Millisecond)},
			made.Truncate(time.Millisecond), made},
		{"in the webhook's zone", "businessmessages", sim.Record{At: late.In(cst), Made: made}, made.In(cst), made.In(cst)},
		{"wechat body", "wechat", sim.Record{At: late, Body: fmt.Sprintf("<xml><CreateTime>%d</CreateTime></xml>", made.Unix())},
			made.Truncate(time.Second), made.Truncate(time.Second).Add(time.Second - 1)},
		{"whatsapp body", "whatsapp", sim.Record{At: late, Body: fmt.Sprintf(`{"messages":[{"id":"m1","timestamp":"%d"}]}`, made.Unix())},
			made.Truncate(time.Second), made.Truncate(time.Second).Add(time.Second - 1)},
		{"douyin without Made", "douyin", sim.Record{At: late, Body: fmt.Sprintf(`{"create_time":"%d"}`, made.UnixMilli())}, time.Time{}, time.Time{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, by := madeSpan(tt.platform, "m1", tt.r)
			if !m.Equal(tt.made) || !by.Equal(tt.by) || m.Location() != tt.made.Location() && !m.IsZero() {
				t.Errorf("made %v..%v, want %v..%v", m, by, tt.made, tt.by)
			}
		})
	}

	// A Douyin customer on a channel with late webhooks is checked from
	// the records' Made: six replies to the first message are past its
	// limit of five, although both messages reached the router later.
	sc := deskScenario("least-loaded", "none")
	sc.Channels["douyin"] = &scenario.Channel{Faults: &scenario.Faults{Late: 1, LateBy: dur(time.Hour)}}
	k := router.CustomerKey{Channel: "douyin", Account: "acct", Customer: "d1"}
	mk := func(replies int) *Trace {
		tr := trace(sc)
		c := &Customer{}
		for i, at := range []time.Duration{time.Minute, 2 * time.Minute} {
			r := sim.Record{At: late, Made: t0.Add(at)}
			lo, hi := madeSpan("douyin", "m", r)
			c.Inbound = append(c.Inbound, Message{ID: fmt.Sprint(i), At: late, Made: lo, MadeBy: hi, Accepted: true, Tries: 1})
		}
		for i := range replies {
			c.Device = append(c.Device, sim.Delivery{At: t0.Add(time.Minute + time.Duration(i+1)*5*time.Second), Kind: "text", Text: "x"})
		}
		tr.Customers[k], tr.Keys = c, append(tr.Keys, k)
		return tr
	}
	expectViolation(t, PlatformRules, mk(5), mk(6), "past the limit of 5 messages per customer message (the customer's message at +1m)")
}
