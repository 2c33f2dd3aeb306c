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
// methods are safe for concurrent use, unless the engine was made with
// [Config.Solo] for one goroutine at a time.
//
// Engine time never goes backwards. Every method that acts at a time
// (Receive, Status, Check, Send, SetOnline, Close, Transfer, Take, Handoff,
// Advance) first takes a time earlier than the latest one it accepted as
// that latest time, then fires the deadlines due by then; so the event log
// is in time order whatever order the callers' clocks arrive in. Agent and
// Agents take their snapshot at the latest accepted time when given an
// earlier one. Send logs its outcome at the time of its decision, or later
// if another call moved the engine's time on while the [Sender] ran.
//
// [Engine.NextDeadline] is the exact time of the earliest pending timer, so a
// caller that sleeps until then and calls [Engine.Advance] never wakes for
// nothing. The timers belong to conversations (missed, idle, window,
// overflow, reassignment, bot hand-off) and to agents (shift start or end);
// an owner has at most one pending timer of each kind, and a change that
// moves one moves it in place. [Engine.NextDeadlineChanges] moves whenever
// that time may have changed, so that a caller that asks before every step
// it plays (a simulation) asks again only then.
//
// # Routing contract
//
// Conversation identity is (channel, business account, customer). A tenant
// splits conversations by exactly one method ([Splits]): none, entry page,
// region or store. A group listing keys of another method (entry pages
// under the region split, regions under none, ...) is a configuration
// error naming both methods. Groups carry a priority, the lower number
// first (0 before 1); a conversation matching several groups goes to the
// first by priority, then by definition order. The default group always
// exists; unless defined, it holds every agent with reception permission. A
// conversation that matches no group goes to the default group.
//
// The store split follows Douyin (1.4.4 and FAQ 9). An agent's scope is the
// headquarters ([AgentConfig.Store] "") or one store. A conversation goes
// to the first group listing the customer's store ([Profile.Store],
// [GroupConfig.Stores]); a store that no defined group lists but that has
// agents of its own gets an implicit group, [StoreGroup] ("store/<id>"),
// holding them. A customer without location permission (no store), a store
// with no group, or a store whose group has no agents goes to the
// headquarters' default group. Under the store split the implicit default
// group holds the headquarters' agents only, and a store's agent may join
// only groups that serve its store alone (New refuses other memberships).
//
// Workstreams (Dynamics 365) come before the split: a conversation on a
// channel bound to a [Workstream] is classified by its rules, tried in
// order, the first match winning, and goes to the workstream's fallback
// group when none matches. A [Rule] matches on channel, entry page, region,
// store, language, ad source and customer attributes (the key "name" also
// matches the display name the platform sent, [Inbound.Name]). The opened
// event's Detail says which rule matched ("workstream/rule name", or
// "workstream/fallback").
//
// # Eligibility and strategies
//
// Eligibility and strategies are separate seams. An agent is eligible for
// a conversation in a group when it is a member of the group, online,
// inside its working hours (unless the group has
// [GroupConfig.IgnoreHours]), below capacity, and not excluded by the
// conversation (see Reassignment and transfers). Each group keeps its
// eligible agents in an index of the tenant's strategy; the engine tells
// the index when an agent's eligibility or key changes, and one decision
// costs O(log n) in the group's size (plus O(log n) for each agent the
// conversation excludes). The strategies ([Strategies]) order eligible
// agents by these keys, smallest first:
//
//   - [LeastLoaded]: (active/capacity, active, last assigned at, agent id).
//     Never-assigned agents have the earliest last-assigned time.
//   - [LongestIdle]: agents never assigned first, chosen uniformly at random
//     among them from the engine's seeded source; then (last assigned at,
//     agent id). The web shop's rule.
//   - [RoundRobin]: a fixed rotation per group, the members in the order of
//     [Config.Agents]; the group's cursor sits at the member it assigned
//     last, and the next conversation goes to the first eligible member
//     after it, wrapping around. Ineligible members (offline, out of hours,
//     full) are skipped and keep their place; assignments in one group do
//     not move another group's cursor. Load does not count.
//   - [MostFreeCapacity]: (free slots descending, last assigned at, agent
//     id), free slots being capacity minus active; never-assigned agents
//     have the earliest last-assigned time, so a tie between them goes by
//     id.
//
// The key-based strategies share one index: a 4-ary heap per group whose
// items hold the key (the load as the bits of the float64 quotient
// active/capacity, exactly ordered for capacities up to 2^26; the
// last-assigned time; the agent's rank among the ids) and whose positions
// live in an array of the group's own, so that a decision reads and writes
// only the heap's arrays. Under [LongestIdle] an assignment gives the agent
// the newest key of all, so beside the heap each group keeps a tail of
// agents in key order that such an agent joins at its end in O(1); the
// first agent is the first of the heap's top and the tail's first.
//
// Each agent's eligible time ([AgentStats.EligibleTime]) is the time it was
// online, below capacity, and inside its working hours or a member of a
// group that ignores them: the measure of assignments per eligible hour,
// fair across agents of different shifts.
//
// # Waiting and overflow
//
// With no eligible agent a conversation waits in its group. Whenever an
// agent becomes eligible (comes online, a shift starts, a conversation of
// theirs closes or leaves them), waiting conversations of that agent's
// groups drain: groups in priority order, oldest conversation first (by
// opening; a conversation that comes back to a queue takes its place by
// age). A waiting conversation only excluded agents could take is passed
// over for the next.
//
// Overflow follows Douyin FAQ 8 (a rule group with nobody online, or
// everyone saturated). [Config.Overflow] [OverflowNone] waits.
// [OverflowDefault] with [Config.OverflowAfter] zero overflows at once: the
// conversation stays in its group, and the default group's agents can take
// it whenever its own group has nobody (an agent of the default group
// drains every group). With OverflowAfter set, the conversation waits that
// long in its group first; then it moves to the default group
// ([EventOverflowed]), is assigned there if someone is eligible, and
// otherwise waits there from then on.
//
// # Working hours
//
// Working hours follow the web shop's automatic assignment (SHOPLINE,
// section 10). A [Schedule] is named and holds intervals per weekday
// (several per day; a weekday without any is a day off), overnight
// intervals (End at or before Start ends the next day), and holidays. An
// agent names its schedule ([AgentConfig.Schedule]) and is inside working
// hours during the union of its intervals, half-open: from a start to just
// before an end. Intervals are clock times read in the agent's time zone
// ([AgentConfig.Location]), else the schedule's, else the tenant's
// ([Config.Location], UTC by default), as *time.Location values (the binary
// embeds the zone database). Clock times are wall-clock times, so across a
// daylight-saving change an overnight shift 22:00-06:00 lasts 7 or 9 hours;
// a clock time the change skips is the instant of the change (02:30 on the
// day New York springs forward is 03:00 EDT), and one the change shows
// twice is its first showing. A holiday is a date in that zone on which no
// interval starts; a shift that started the evening before runs to its end.
// An agent without a schedule is always inside working hours.
//
// The engine reads each scheduled agent's hours at its first call and then
// keeps one timer per agent at its next shift start or end (an engine
// deadline, so [Engine.NextDeadline] includes it), logging
// [EventShiftStarted] and [EventShiftEnded]. A shift that starts drains the
// agent's groups: with auto-assignment on and nobody in hours,
// conversations stay pending and are assigned when a shift starts, oldest
// first. A shift that ends keeps the agent's open conversations; it just
// gets no new ones. By default an agent must also be online; with
// [Config.OnlineByHours] the agent's presence follows its hours instead
// (online at a shift's start, offline at its end; the web shop's staff
// have no presence of their own).
//
// # Reassignment, transfers and the unassigned inbox
//
// With [Config.ReassignAfter], an assigned conversation its agent has not
// answered (no message sent by that agent) that long after the assignment
// goes back to routing in its group ([EventReassigned]); that agent is
// excluded from it for the rest of its life, so it waits if nobody else can
// take it. [Engine.Transfer] is an agent handing its conversation to a
// group (routed there without the transferring agent, waiting if the group
// is saturated) or to a named agent (who must be online, in hours, or a
// member of the group it is taken in when that group ignores hours, and
// below capacity, or the transfer fails and nothing changes).
//
// Auto-assignment is per channel: on a channel whose [Policy] has
// ManualAssignment (the web shop auto-assigns only social messages), new
// conversations wait in the unassigned inbox ([Conversation.Inbox]; the
// queued event's Detail is "inbox") until an agent takes one with
// [Engine.Take]. Take also takes a conversation waiting in a queue; it
// needs a free slot but ignores presence, hours, membership and exclusions.
//
// # Bot first
//
// With a [Bot] (Douyin's robot service), a new conversation on the bot's
// channels is answered by the bot first: state [WithBot], [EventBot]. It
// goes to routing ([EventHandoff]) when a customer message contains one of
// the bot's keywords (case-insensitive), on request ([Engine.Handoff]), or
// [Bot.HandoffAfter] after it opened. The missed timer starts at the
// hand-off. The bot's idle limit replaces the tenant's for every
// conversation on its channels (Zoho: when a bot is on, the bot's idle
// settings apply).
//
// # Lifecycle
//
// A conversation is with the bot (if any), waiting, then assigned, then
// closed ([States]); reassignment and transfers may take it back to
// waiting. Every close has a [CloseReason] ([CloseReasons]): agent, idle,
// missed, window or abandoned.
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
// with reason [ClosedIdle]; every message restarts that timer. Zoho allows
// idle closing after up to 24 hours: New refuses a longer IdleAfter (or
// [Bot.IdleAfter]), stating the allowed range ([MaxIdleAfter]). Under a
// [Policy] with NewConversationAfterWindow, an open conversation closes with
// reason [ClosedWindow] when its reply window ends, and the customer's next
// message opens a new one.
//
// A customer who gives up waiting ([Engine.Abandon]) closes the
// conversation with reason [ClosedAbandoned]. Only a conversation waiting
// for an agent (in a queue or the unassigned inbox) can be abandoned; the
// engine holds no patience of its own (the caller knows when its customer
// gives up), and the queue moves on as if the conversation had never been
// there.
//
// # Event log
//
// Everything the engine does is logged as an [Event]. Events are numbered by
// [Event.Seq] from 1, without gaps. Any number of readers follow the log
// with [Engine.EventsSince], each with its own sequence cursor; the log
// keeps the latest [Config.EventLog] events for them ([DefaultEventLog] by
// default), and a reader that falls further behind is told how many events
// it lost. [Engine.Events] is the single-consumer convenience: it hands out
// what was logged since its previous call, from a cursor the engine keeps
// for it. An owner that reads every event with Events says so
// ([Config.Consumer]): the log then keeps every event Events has not handed
// out yet, growing past its history if it must, so that Events never loses
// one (a clock jump may close thousands of conversations between two
// calls); such an owner, with no other reader, asks for a small history.
// [Engine.Unread] and [Engine.Read] are the same consumer's reads in place,
// copying nothing, and [Engine.Consume] is both in one call for an owner
// that consumes everything it is handed.
//
// A platform's status for a sent message ([Engine.Status]) is logged against
// the conversation the message was sent in (0 for a message sent outside
// any conversation), which the engine remembers per message id for
// [Config.StatusHorizon] of engine time, forgetting the oldest first (as it
// sends or looks one up: it holds at most a horizon's sends and 128 more,
// and what it holds when sends stop stays until the next). By
// default the horizon is the longest reply window among the policies plus
// [StatusMargin], and at least [DefaultStatusHorizon] (25 hours for
// WhatsApp's 24-hour window, 49 for WeChat's 48). A status for a message the
// engine does not remember is logged against the customer's latest
// conversation, or 0 once the engine no longer holds the customer (see
// Memory).
//
// The log's memory is what it holds times 168 bytes (on 64-bit platforms),
// rounded up to a power of two, plus the strings its events name: 10.5 MiB
// at [DefaultEventLog] once that many events were logged, whatever the
// length of the run; with a small history and a consumer, about the most
// events logged between two calls of Events.
//
// # Memory
//
// Without [Config.Retain] the engine holds what a decision, a timer or a
// status can still need, and its memory follows the open conversations and
// the traffic of the latest reply window and status horizon, not the
// length of the run. It releases:
//
//   - a closed conversation, when its customer opens the next one (its
//     timers went with its close, and statuses name it by id);
//   - a customer, with its latest conversation, once it has no open
//     conversation and no send on its way, the status horizon has passed
//     since its conversation closed (or since the last send to it), and
//     its reply window is over. On a channel without a window but with a
//     reply limit, a customer whose count is not zero is held until its
//     next message resets it, and one whose count only a window resets
//     (ResetOnWindow) is held for good once it has written. A customer
//     given a profile or attributes ([Engine.SetProfile],
//     [Engine.SetAttributes]) is held for good, and so is one with a
//     display name when a workstream rule reads the name.
//
// Releasing changes no decision: a released customer who writes again (or
// is sent a template) gets a new record that answers every check, routes
// and counts exactly as the old one would have. What changes is what the
// snapshots see: [Engine.Conversation] and [Engine.Conversations] find only
// the conversations held, [Engine.Latest] finds nothing for a released
// customer and its count starts over when the customer comes back, and a
// status the engine cannot credit by message id is logged against
// conversation 0. [Engine.Footprint] counts what is held. Count totals from
// the event log; keep everything with [Config.Retain] where a caller needs
// every conversation (a server listing them, tests).
//
// [Engine.Release] gives an engine's records and tables back to the
// package's pools once its owner is done with it, and the engines built
// later take them before they allocate: a process that plays one world
// after another (seeds, fuzzing, comparisons) allocates them about once.
//
// # Channel policy
//
// Each channel has a [Policy]: the reply window and what anchors it, the
// reply-count limit and what resets it, whether templates may be sent outside
// the window, the text length limit, and attachment types and sizes. A send
// the policy forbids is refused with a typed [Reason] ([Reasons]) and never
// reaches the channel's [Sender].
//
// # Late messages and restarts
//
// Platforms deliver webhooks late, out of order and more than once. A
// message's [Inbound.Sent] (the platform's timestamp) anchors the reply
// window when the message arrives a second or more after it was made, and
// its reply allowance then counts the replies sent after it, as the
// platform counts them; the anchor never moves back. Everything else
// happens at the time of arrival: the engine's time never goes backwards.
//
// [Engine.Save] writes the engine's state as a versioned JSON snapshot and
// [Engine.Restore] loads it into a new engine built from the same
// [Config]: a router survives a deploy and decides on exactly as before.
package router
