package fuzz

import (
	"fmt"
	"strings"
	"time"

	gofuzz "github.com/google/gofuzz"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim/scenario"
)

// Platform faults in generated cases: now and then a channel gets a fault
// plan ([channels.NAME.faults]: duplicated, reordered, late and failing
// webhooks, refused sends) and the script restarts the router a few
// times. Every invariant must hold under them; two of them are about
// faults and restarts above all: assigned-once and conversations-kept,
// with inbound-once (no customer message counted twice or lost).

// Shares and delays of generated fault plans.
var (
	shares   = []float64{0, 0, 0.1, 0.3, 0.5}
	failures = []float64{0, 0.1, 0.3}
	lateBys  = []time.Duration{0, 30 * time.Second, 5 * time.Minute, time.Hour}
)

// faults draws the channels' fault plans and the router restarts; it runs
// last, so that a case of a seed differs from what it was without faults
// only by them.
func (g *gen) faults(sc *scenario.Scenario, c gofuzz.Continue) {
	for _, name := range g.channels {
		if c.Intn(3) != 0 {
			continue
		}
		f := &scenario.Faults{Duplicate: pick(c, shares), Reorder: pick(c, shares), Late: pick(c, shares),
			Timeouts: pick(c, failures), Errors: pick(c, failures), Send429: pick(c, failures), Send5xx: pick(c, failures)}
		if f.Late > 0 || f.Reorder > 0 || f.Duplicate > 0 {
			f.LateBy = dur(pick(c, lateBys))
		}
		// A copy: fuzzing around a user's scenario leaves its channels be.
		ch := *sc.Channels[name]
		ch.Faults = f
		sc.Channels[name] = &ch
	}
	if c.Intn(4) == 0 {
		for range 1 + c.Intn(3) {
			sc.Steps = append(sc.Steps, scenario.Step{At: dur(g.at(c, -1)), Repeat: 1, RestartRouter: true})
		}
	}
}

// delays reports whether a channel's fault plan can deliver a customer's
// message after the platform made it: the router cannot know of it yet.
func delays(sc *scenario.Scenario, channel string) bool {
	ch := sc.Channels[channel]
	if ch == nil || ch.Faults == nil {
		return false
	}
	f := ch.Faults
	return f.Late > 0 || f.Reorder > 0 || f.Errors > 0
}

// Markers of webhook tries a fault plan failed, in the journal's text.
const (
	markTimeout = "no answer within the webhook timeout (fault plan)"
	markEdge    = "from the webhook URL's edge (fault plan)"
)

// faultTry reads what a fault plan did to a webhook try: reached is set
// when the router got it although the platform saw no answer, edge when
// the router never saw it.
func faultTry(text string) (reached, edge bool) {
	return strings.Contains(text, markTimeout), strings.Contains(text, markEdge)
}

// The fault invariants' names.
const (
	AssignedOnce      = "assigned-once"
	ConversationsKept = "conversations-kept"
)

// checkAssignedOnce: a conversation is never assigned while it is
// assigned: between two assignments it went back to routing (queued,
// reassigned, transferred, overflowed) or closed.
func checkAssignedOnce(tr *Trace) *Violation {
	if tr.Lost > 0 {
		return nil
	}
	holder := map[router.ConversationID]string{}
	for _, ev := range tr.Events {
		switch ev.Kind {
		case router.EventAssigned:
			if a, ok := holder[ev.Conversation]; ok {
				return &Violation{Invariant: AssignedOnce, At: ev.At,
					Message: fmt.Sprintf("%s of %s was assigned to %s at %s while assigned to %s", ev.Conversation, who(tr, ev.Customer), ev.Agent, offset(tr, ev.At), a)}
			}
			holder[ev.Conversation] = ev.Agent
		case router.EventQueued, router.EventReassigned, router.EventTransferred, router.EventOverflowed, router.EventClosed:
			delete(holder, ev.Conversation)
		}
	}
	return nil
}

// checkConversationsKept: every conversation is opened once, under a new
// id, and a customer has one open conversation at a time; every event of a
// conversation comes between its opening and its close.
func checkConversationsKept(tr *Trace) *Violation {
	if tr.Lost > 0 {
		return nil
	}
	opened := map[router.ConversationID]bool{}
	closed := map[router.ConversationID]bool{}
	open := map[router.CustomerKey]router.ConversationID{}
	var last router.ConversationID
	bad := func(ev router.Event, format string, args ...any) *Violation {
		return &Violation{Invariant: ConversationsKept, At: ev.At, Message: fmt.Sprintf("at %s: ", offset(tr, ev.At)) + fmt.Sprintf(format, args...)}
	}
	for _, ev := range tr.Events {
		id := ev.Conversation
		if id == 0 {
			continue
		}
		switch ev.Kind {
		case router.EventOpened:
			switch {
			case opened[id]:
				return bad(ev, "%s was opened twice", id)
			case id <= last:
				return bad(ev, "%s was opened after %s: an id went back", id, last)
			}
			if o, ok := open[ev.Customer]; ok {
				return bad(ev, "%s opened for %s, whose %s is open", id, who(tr, ev.Customer), o)
			}
			opened[id], last, open[ev.Customer] = true, id, id
			continue
		case router.EventStatus, router.EventFailed:
			continue // a status may come for a message of a closed conversation
		}
		switch {
		case !opened[id]:
			return bad(ev, "%s event of %s, a conversation never opened", ev.Kind, id)
		case closed[id] && ev.Kind != router.EventRefused:
			return bad(ev, "%s event of %s after it closed", ev.Kind, id)
		}
		if ev.Kind == router.EventClosed {
			closed[id] = true
			if open[ev.Customer] == id {
				delete(open, ev.Customer)
			}
		}
	}
	return nil
}
