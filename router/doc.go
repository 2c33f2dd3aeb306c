// Package router is the production routing engine of an omnichannel
// customer-service desk: it opens conversations from customer messages,
// classifies them to a group, assigns them to agents by a strategy, queues
// them when nobody can take them, closes them on timers, and checks every
// outbound message against the channel's policy before it is sent.
//
// The engine never reads the wall clock and starts no goroutines: every call
// carries the current time, and [Engine.NextDeadline] tells the caller when
// the engine next wants [Engine.Advance] to run. All methods are safe for
// concurrent use.
//
// # Routing contract
//
// Conversation identity is (channel, business account, customer). A tenant
// splits conversations by exactly one method ([Split]): none, entry page or
// region. Groups carry a priority, the lower number first (0 before 1); a
// conversation matching several groups goes to the first by priority, then
// by definition order. The
// default group always exists; unless defined, it holds every agent with
// reception permission. A conversation that matches no group goes to the
// default group.
//
// An agent is eligible for a conversation in a group when it is a member of
// the group, online, and below capacity. The strategies order eligible agents
// by these keys, smallest first:
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
// the default group when [Config.Overflow] is [OverflowDefault]. Whenever an
// agent becomes eligible (comes online, or a conversation of theirs closes),
// waiting conversations of that agent's groups drain: groups in priority
// order, oldest conversation first.
//
// A conversation is waiting, then assigned, then closed; every close has a
// [CloseReason]. Missed conversations (no agent reply within
// [Config.MissedAfter] of the conversation opening) and idle ones (no message
// either way for [Config.IdleAfter]) close on their own.
//
// # Channel policy
//
// Each channel has a [Policy]: the reply window and what anchors it, the
// reply-count limit and what resets it, whether templates may be sent outside
// the window, the text length limit, and attachment types and sizes. A send
// the policy forbids is refused with a typed [Reason] and never reaches the
// channel's [Sender].
package router
