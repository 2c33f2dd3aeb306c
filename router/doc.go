// Package router is the production routing engine of an omnichannel
// customer-service desk: it opens conversations from customer messages,
// classifies them to a group, assigns them to agents by a strategy, queues
// them when nobody can take them, marks and closes them on timers, and checks
// every outbound message against the channel's policy before it is sent.
//
// # Time
//
// The engine never reads the wall clock, draws no global randomness and
// starts no goroutines: every call carries the current time, the one random
// choice (among never-assigned agents under [LongestIdle]) comes from a source
// seeded by [Config.Seed], and the same calls give the same events. All
// methods are safe for concurrent use.
//
// Engine time never goes backwards. Every method that acts at a time
// (Receive, Status, Check, Send, SetOnline, Close, Advance) first takes a time
// earlier than the latest one it accepted as that latest time, then fires the
// deadlines due by then; so the event log is in time order whatever order the
// callers' clocks arrive in. Agent and Agents take their snapshot at the
// latest accepted time when given an earlier one. Send logs its outcome at
// the time of its decision, or later if another call moved the engine's time
// on while the [Sender] ran.
//
// [Engine.NextDeadline] is the exact time of the earliest pending timer, so a
// caller that sleeps until then and calls [Engine.Advance] never wakes for
// nothing. A conversation has at most one pending timer of each kind (missed,
// idle, window); a message that moves one moves it in place.
//
// # Routing contract
//
// Conversation identity is (channel, business account, customer). A tenant
// splits conversations by exactly one method ([Splits]): none, entry page or
// region. Groups carry a priority, the lower number first (0 before 1); a
// conversation matching several groups goes to the first by priority, then
// by definition order. The default group always exists; unless defined, it
// holds every agent with reception permission. A conversation that matches no
// group goes to the default group.
//
// An agent is eligible for a conversation in a group when it is a member of
// the group, online, and below capacity. The strategies ([Strategies]) order
// eligible agents by these keys, smallest first:
//
//   - [LeastLoaded]: (active/capacity, active, last assigned at, agent id).
//   - [LongestIdle]: agents never assigned first, chosen uniformly at random
//     among them from the engine's seeded source; then (last assigned at,
//     agent id).
//
// Every group keeps its eligible agents in an indexed heap ordered by the
// strategy's key, so one decision costs O(log n) in the group's size.
//
// With no eligible agent a conversation waits in its group, or overflows to
// the default group when [Config.Overflow] is [OverflowDefault] ([Overflows]).
// Whenever an agent becomes eligible (comes online, or a conversation of
// theirs closes), waiting conversations of that agent's groups drain: groups
// in priority order, oldest conversation first; with overflow, an agent of the
// default group drains every group.
//
// # Lifecycle
//
// A conversation is waiting, then assigned, then closed ([States]); every
// close has a [CloseReason] ([CloseReasons]): agent, idle, missed or window.
//
// Missed chats follow Zoho SalesIQ. [Config.MissedAfter] is the response
// limit: a conversation that no agent has replied to that long after it
// opened becomes missed. The engine logs [EventMissed] and sets
// [Conversation.Missed] and [Conversation.MissedAt]; the conversation stays
// open, and a waiting one stays in its queue and can still be assigned. A
// missed conversation closes with reason [ClosedMissed]
// [Config.CloseMissedAfter] later (Zoho offers 15 minutes to 1 month; the
// engine takes any duration), unless an agent replies first: a reply answers
// it, and it no longer closes as missed (it stays marked missed). With
// CloseMissedAfter 0 it closes at the moment it becomes missed, right after
// the missed event.
//
// An idle conversation (no message either way for [Config.IdleAfter]) closes
// with reason [ClosedIdle]; every message restarts that timer. Under a
// [Policy] with NewConversationAfterWindow, an open conversation closes with
// reason [ClosedWindow] when its reply window ends, and the customer's next
// message opens a new one.
//
// # Event log
//
// Everything the engine does is logged as an [Event]. Events are numbered by
// [Event.Seq] from 1, without gaps, and kept in a ring of the latest
// [Config.EventLog] events ([DefaultEventLog] by default). Any number of
// readers follow the log with [Engine.EventsSince], each with its own
// sequence cursor; a reader that falls more than the ring's capacity behind
// is told how many events it lost. [Engine.Events] is the single-consumer
// convenience: it hands out what was logged since its previous call, from a
// cursor the engine keeps for it.
//
// A platform's status for a sent message ([Engine.Status]) is logged against
// the conversation the message was sent in (0 for a message sent outside
// any conversation), which the engine remembers per message id for [Config.StatusHorizon] of engine time ([DefaultStatusHorizon]
// by default), forgetting the oldest first; a status for a message it does
// not remember is logged against the customer's latest conversation.
//
// # Channel policy
//
// Each channel has a [Policy]: the reply window and what anchors it, the
// reply-count limit and what resets it, whether templates may be sent outside
// the window, the text length limit, and attachment types and sizes. A send
// the policy forbids is refused with a typed [Reason] ([Reasons]) and never
// reaches the channel's [Sender].
package router
