package fuzz

import (
	"fmt"
	"maps"
	"slices"

	"github.com/omnisim/omnisim/sim"
)

// What the invariants leave unjudged ([Invariant.Limits]). A replayed
// scenario may use what the invariants do not model (bots, transfers,
// reassignment, the unassigned inbox, the rules of workstreams), and a
// long one outgrows what the run keeps for judging: the engine's event
// log keeps its newest router.DefaultEventLog events, each platform's
// journal its newest sim.JournalDepth webhooks, each device its newest
// sim.JournalDepth deliveries, so that a fuzz world's memory stays bounded
// however long the scenario. The invariants judge what is left and say
// what they did not.

// deskLimits: the invariants that replay the desk judge what [deskScope]
// leaves them: nothing of a log that lost its oldest events, and a log up
// to its first event they do not model.
func deskLimits(tr *Trace) *Unjudged { return deskLimitsAnd(tr, "") }

// groupLimits: group-priority is deskLimits', and leaves out which rule of
// a workstream a conversation matches.
func groupLimits(tr *Trace) *Unjudged { return deskLimitsAnd(tr, workstreamReason(tr)) }

// deskLimitsAnd is deskLimits with a further part left out ("" for none)
// where the desk is judged at all.
func deskLimitsAnd(tr *Trace, more string) *Unjudged {
	_, why := deskScope(tr)
	if tr.Lost > 0 {
		return notJudged(why)
	}
	return judgedInPart(why, more)
}

// workstreamReason names the workstreams with rules that the trace's
// conversations may have been classified by, "" for none.
func workstreamReason(tr *Trace) string {
	t := newTenant(tr.Scenario)
	var names []string
	for _, key := range tr.Keys {
		if ws := t.workstreamOf(key.Channel); ws != nil && len(ws.Rules) > 0 && !slices.Contains(names, ws.Name) {
			names = append(names, ws.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names)
	return fmt.Sprintf("which rule of workstream %s a conversation matches first, as its rules read what the platforms send (attributes, ad referrals, display names); its group is held to the rule the router names", quoteList(names))
}

// inboundLimits: inbound-once leaves out the messages a journal of
// webhooks may have lost tries of, and those whose inbound event may be
// among the log's lost events.
func inboundLimits(tr *Trace) *Unjudged {
	reasons := journalReasons(tr, "the messages sent")
	if tr.Lost > 0 {
		reasons = append(reasons, fmt.Sprintf("whether the messages sent at or before %s were logged, where the engine's event log begins (it lost the %d events before)", offset(tr, tr.EventsFrom()), tr.Lost))
	}
	return judgedInPart(reasons...)
}

// journalLimits: platform-rules leaves out the deliveries answering
// messages a journal of webhooks may have lost.
func journalLimits(tr *Trace) *Unjudged {
	return judgedInPart(journalReasons(tr, "the deliveries answering messages made")...)
}

// journalReasons says, for each channel whose journal of webhooks kept
// only its newest records, what of it is left out: what, at or before
// where the journal begins.
func journalReasons(tr *Trace, what string) []string {
	var out []string
	for _, ch := range slices.Sorted(maps.Keys(tr.Journals)) {
		out = append(out, fmt.Sprintf("%s on %s at or before %s, where its journal of webhooks begins (a fake keeps the newest %d)",
			what, ch, offset(tr, tr.Journals[ch]), sim.JournalDepth))
	}
	return out
}

// sentLimits: sent-delivered counts after where the event log and each
// device begin.
func sentLimits(tr *Trace) *Unjudged {
	var reasons []string
	if tr.Lost > 0 {
		reasons = append(reasons, "the messages sent at or before "+logBegins(tr))
	}
	n := 0
	for _, key := range tr.Keys {
		if !tr.Customers[key].DeviceFrom.IsZero() {
			n++
		}
	}
	if n > 0 {
		reasons = append(reasons, fmt.Sprintf("the oldest messages of %d customers whose devices hold their newest %d", n, sim.JournalDepth))
	}
	return judgedInPart(reasons...)
}

// timerLimits: timers judges a log up to its first event the invariants
// do not model, and the conversations whose opening the log holds.
func timerLimits(tr *Trace) *Unjudged {
	_, why := modelledScope(tr)
	lost := ""
	if tr.Lost > 0 {
		lost = "the conversations opened at or before " + logBegins(tr)
	}
	return judgedInPart(why, lost)
}

// wholeLogLimits: assigned-once and conversations-kept need every event of
// a conversation's life.
func wholeLogLimits(tr *Trace) *Unjudged {
	if tr.Lost > 0 {
		return notJudged(logLost(tr) + ", so no conversation's life before then is known")
	}
	return nil
}

// logLost says what the engine's event log lost, for a trace that lost
// its oldest events (Lost).
func logLost(tr *Trace) string {
	return fmt.Sprintf("the engine's event log kept its newest %d events and lost the %d before them (from %s on)",
		len(tr.Events), tr.Lost, offset(tr, tr.EventsFrom()))
}

// lostReason says why a trace whose log lost its oldest events is not
// judged by an invariant that needs the whole log.
func lostReason(tr *Trace) string {
	return logLost(tr) + ", so the desk's state where it starts (presence, load, queues) is unknown"
}

// logBegins says where the log of a trace that lost its oldest events
// begins, what was before it being unknown, after "at or before".
func logBegins(tr *Trace) string {
	return fmt.Sprintf("%s, where the engine's event log begins (it lost the %d events before)", offset(tr, tr.EventsFrom()), tr.Lost)
}

func quoteList(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%q", x)
	}
	return out
}
