package router

import (
	"cmp"
	"slices"
	"time"
)

// Deadline is a timer the engine has pending: what [Engine.Advance] will
// do when the clock reaches At.
type Deadline struct {
	At time.Time
	// Kind says what fires: "missed" (the conversation becomes missed),
	// "missed_close" (a missed conversation closes), "idle" (an idle
	// conversation closes), "window" (the conversation closes at its reply
	// window's end), "overflow" (a waiting conversation moves to the
	// default group), "reassign" (an unanswered assignment goes back to
	// routing), "bot" (the bot hands over to a person) and "shift" (an
	// agent's working hours start or end).
	// "window_end" is no timer but the end of an open conversation's reply
	// window on a channel that keeps the conversation open after it.
	Kind         string
	Conversation ConversationID // 0 for an agent's timer
	Customer     CustomerKey    // zero for an agent's timer
	Agent        string         // the conversation's agent, or the shift's
}

// Deadlines returns the n earliest pending timers in the order Advance
// fires them (time, then the order they were set). An idle or window timer
// is given at the time it will really close the conversation: a message
// since it was set may have moved that later. It costs time in the number
// of pending timers, for a person looking (the web console), not for the
// hot path.
func (e *Engine) Deadlines(n int) []Deadline {
	if n <= 0 {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	type due struct {
		at  int64
		seq uint64
		d   Deadline
	}
	all := make([]due, 0, len(e.deadlines))
	for _, d := range e.deadlines {
		at := d.at
		out := Deadline{}
		if d.conv == nil {
			out.Kind, out.Agent = "shift", d.agent.id
		} else {
			cv := d.conv
			if cv.state == stageClosed {
				continue
			}
			out.Conversation, out.Customer, out.Agent = cv.id, cv.cust.key, agentID(cv.agent)
			switch d.kind {
			case deadlineMissed:
				if cv.answered {
					continue
				}
				out.Kind = "missed"
				if cv.missed {
					out.Kind = "missed_close"
				}
			case deadlineIdle:
				out.Kind = "idle"
				at = max(at, addNano(cv.lastActivity, e.idleOf(cv)))
			case deadlineWindow:
				out.Kind = "window"
				at = max(at, cv.cust.windowEnd)
			case deadlineOverflow:
				out.Kind = "overflow"
			case deadlineReassign:
				if cv.state != stageAssigned || cv.replied {
					continue
				}
				out.Kind = "reassign"
			case deadlineBot:
				if cv.state != stageBot {
					continue
				}
				out.Kind = "bot"
			}
		}
		out.At = time.Unix(0, at)
		all = append(all, due{at, d.seq, out})
	}
	e.convs.all(func(cv *conv) {
		pol := cv.cust.pol
		if cv.state == stageClosed || pol.Window <= 0 || pol.NewConversationAfterWindow {
			return
		}
		if cv.cust.lastInbound.isZero() {
			return
		}
		end := e.windowEndNano(cv.cust, pol)
		if end <= e.now {
			return // ended already: the policy refuses what needs it
		}
		all = append(all, due{end, 0, Deadline{At: time.Unix(0, end), Kind: "window_end",
			Conversation: cv.id, Customer: cv.cust.key, Agent: agentID(cv.agent)}})
	})
	slices.SortFunc(all, func(a, b due) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		if c := cmp.Compare(a.seq, b.seq); c != 0 {
			return c
		}
		return cmp.Compare(a.d.Conversation, b.d.Conversation)
	})
	out := make([]Deadline, 0, min(n, len(all)))
	for _, d := range all[:min(n, len(all))] {
		out = append(out, d.d)
	}
	return out
}
