package router

import (
	"context"
	"fmt"
	"time"
)

// Split is how a tenant classifies conversations to groups.
type Split string

// The split methods. A tenant uses exactly one.
const (
	SplitNone      Split = "none"       // every conversation goes to the default group
	SplitEntryPage Split = "entry_page" // by the customer's entry page ([Profile.EntryPage])
	SplitRegion    Split = "region"     // by the customer's region ([Profile.Region])
	SplitStore     Split = "store"      // by the customer's store ([Profile.Store]), with headquarters fallback
)

// Splits lists the split methods in documentation order. The slice is a new
// copy on every call.
func Splits() []Split { return []Split{SplitNone, SplitEntryPage, SplitRegion, SplitStore} }

// Strategy orders the eligible agents of a group; the first is assigned.
type Strategy string

// The assignment strategies; see the package documentation for their keys.
const (
	LeastLoaded Strategy = "least-loaded" // the least saturated agent first
	LongestIdle Strategy = "longest-idle" // the agent assigned longest ago first
	RoundRobin  Strategy = "round-robin"  // a fixed rotation per group, skipping ineligible agents
	// MostFreeCapacity: the agent with the most free slots first.
	MostFreeCapacity Strategy = "most-free-capacity"
)

// Strategies lists the assignment strategies in documentation order. The
// slice is a new copy on every call.
func Strategies() []Strategy {
	return []Strategy{LeastLoaded, LongestIdle, RoundRobin, MostFreeCapacity}
}

// Overflow says where a conversation goes when its group has nobody eligible.
type Overflow string

// The overflow rules.
const (
	// OverflowNone keeps the conversation waiting in its own group.
	OverflowNone Overflow = "none"
	// OverflowDefault sends it to the default group when that group has an
	// eligible agent.
	OverflowDefault Overflow = "default"
)

// Overflows lists the overflow rules in documentation order. The slice is a
// new copy on every call.
func Overflows() []Overflow { return []Overflow{OverflowNone, OverflowDefault} }

// DefaultGroup is the name of the group that always exists.
const DefaultGroup = "default"

// DefaultStatusHorizon is the shortest [Config.StatusHorizon] a zero
// Config gets: the horizon is the longest reply window among the policies
// plus [StatusMargin], and at least a day.
const DefaultStatusHorizon = 24 * time.Hour

// StatusMargin is what a zero [Config.StatusHorizon] adds to the longest
// reply window among the policies.
const StatusMargin = time.Hour

// DefaultEventLog is the [Config.EventLog] history of a zero Config.
const DefaultEventLog = 1 << 16

// MaxIdleAfter is the longest [Config.IdleAfter] (and [Bot.IdleAfter]) New
// accepts: Zoho SalesIQ closes idle chats after at most 24 hours.
const MaxIdleAfter = 24 * time.Hour

// MaxCapacity is the largest [AgentConfig.Capacity] New accepts: loads
// (active over capacity) are ordered exactly up to it.
const MaxCapacity = 1 << 26

// Config is everything an [Engine] is built from.
type Config struct {
	Split    Split    // classification method; "" means [SplitNone]
	Strategy Strategy // assignment strategy; "" means [LeastLoaded]
	Overflow Overflow // "" means [OverflowNone]
	// OverflowAfter is how long a conversation waits in its own group
	// before it overflows to the default group, under [OverflowDefault].
	// Zero overflows at once.
	OverflowAfter time.Duration

	// Schedules are the tenant's named working-hours schedules; agents
	// name theirs in [AgentConfig.Schedule].
	Schedules []Schedule
	// Location is the tenant's time zone: working hours are read in it
	// unless the agent or the schedule has its own. Nil means UTC.
	Location *time.Location
	// OnlineByHours makes a scheduled agent's presence follow its working
	// hours: online when a shift starts, offline when it ends (the web
	// shop's reading, where staff have no presence of their own). Without
	// it an agent must be online and inside its hours to be assigned.
	OnlineByHours bool

	// ReassignAfter sends a conversation back to routing when its agent has
	// not answered it this long after the assignment, excluding that agent
	// ([EventReassigned]). Zero disables it.
	ReassignAfter time.Duration

	// Bot, when set, answers new conversations first on its channels and
	// hands them to a human on a keyword, a request or a timeout.
	Bot *Bot

	// Workstreams bind channels to routing rules and a fallback group; a
	// conversation on a bound channel is classified by its workstream
	// instead of by [Config.Split].
	Workstreams []Workstream

	// Groups are the tenant's groups. A group named [DefaultGroup] replaces
	// the implicit default group (which holds every agent with reception
	// permission).
	Groups []GroupConfig
	// Agents are the tenant's agents; each starts offline.
	Agents []AgentConfig

	// Policies holds each channel's policy by channel name.
	Policies map[string]Policy

	// MissedAfter is the response limit: a conversation that no agent has
	// replied to this long after it opened becomes missed ([EventMissed],
	// [Conversation.Missed]). Zero disables it.
	MissedAfter time.Duration
	// CloseMissedAfter is how long a missed conversation stays open before it
	// closes with reason [ClosedMissed], unless an agent replies first. Zero
	// closes it at the moment it becomes missed. Ignored when MissedAfter is
	// zero.
	CloseMissedAfter time.Duration
	// IdleAfter closes a conversation after this long with no message either
	// way. Zero disables it; at most [MaxIdleAfter]. On a channel where the
	// [Bot] is on, the bot's IdleAfter applies instead.
	IdleAfter time.Duration

	// StatusHorizon is how long, in engine time, the engine remembers which
	// conversation each sent message belongs to, so that a platform's status
	// for it is logged against that conversation. A status for a message
	// older than that (or never sent through the engine) is logged against
	// the customer's latest conversation (0 once the engine no longer
	// holds the customer). Zero means the longest Window among Policies
	// plus [StatusMargin], and at least [DefaultStatusHorizon]: platforms
	// report sent and delivered within seconds and read mostly while the
	// window is open. WhatsApp retries a failing webhook for up to 7 days;
	// a horizon of 7 days credits those late statuses too, at the cost of
	// remembering a week of message ids.
	StatusHorizon time.Duration
	// EventLog is the history the event log keeps for readers of
	// [Engine.EventsSince], in events: at least the latest EventLog
	// events, so that a reader at most that far behind loses nothing (one
	// further behind is told how many it lost). Zero means
	// [DefaultEventLog]. The log's memory follows what its readers need:
	// an owner whose only reader is [Engine.Events] (with Consumer) asks
	// for a small history, and the log then stays about as small as the
	// most events logged between two calls of Events.
	EventLog int
	// Consumer says that the engine's owner reads every event with
	// [Engine.Events]: the log then also keeps each event Events has not
	// handed out yet, growing past EventLog if it must, so that Events
	// never loses one however many are logged between two calls (a clock
	// jump that closes thousands of conversations at once). The log's
	// memory is then the larger of EventLog and the most events logged
	// between two calls, and it does not shrink. Without it Events is one
	// more reader of the history, and skips what it no longer holds.
	Consumer bool

	// Retain keeps every customer and conversation for the engine's life,
	// so that [Engine.Conversation], [Engine.Latest] and
	// [Engine.Conversations] answer for all of them (a server listing
	// every conversation, tests). Without it the engine releases what no
	// decision can need any more (see the package documentation, Memory),
	// and its memory follows the open conversations, not the length of
	// the run.
	Retain bool
	// Solo promises that one goroutine at a time calls the engine, each
	// call ordered with the others (a world on the memory or the direct
	// network, which the goroutine playing it drives): the engine then
	// takes no lock (package solo).
	Solo bool

	// Seed seeds the engine's random source (the random pick among
	// never-assigned agents).
	Seed uint64
}

// GroupConfig describes one group.
type GroupConfig struct {
	Name       string   // unique; [DefaultGroup] defines the default group
	Priority   int      // the lower first (0 before 1); ties go by definition order
	Regions    []string // matched when the tenant splits by region
	EntryPages []string // matched when the tenant splits by entry page
	Stores     []string // matched when the tenant splits by store
	// IgnoreHours makes the group's members eligible in it outside their
	// working hours too.
	IgnoreHours bool
}

// AgentConfig describes one agent.
type AgentConfig struct {
	ID       string   // unique, non-empty
	Capacity int      // concurrent conversations; 1 to [MaxCapacity]
	Groups   []string // groups the agent belongs to, besides the default group
	// NoReception removes the agent from the implicit default group: an
	// account without reception permission is never assigned there.
	// Agents start offline; bring them online with [Engine.SetOnline].
	NoReception bool
	// Store is the agent's scope: "" for the headquarters, or the store it
	// belongs to. Under [SplitStore] a store's agent is left out of the
	// implicit default group (the headquarters group) and may only join
	// groups that serve its store alone.
	Store string
	// Schedule names the agent's working hours in [Config.Schedules]; ""
	// means always inside working hours.
	Schedule string
	// Location is the agent's time zone for its schedule; nil means the
	// schedule's, then the tenant's.
	Location *time.Location
}

// Schedule is a named set of working hours: intervals per weekday, read in
// a time zone, with holidays.
type Schedule struct {
	Name string // unique, non-empty
	// Location is the schedule's time zone; nil means the tenant's
	// ([Config.Location]). An agent's own Location comes first.
	Location *time.Location
	// Days holds each weekday's intervals; a weekday without any is a day
	// off.
	Days map[time.Weekday][]Interval
	// Holidays are dates (in the schedule's zone) on which no interval
	// starts. A shift that started the day before runs to its end.
	Holidays []Date
}

// Interval is a span of working time within a day, as clock times (time
// since midnight, in wall-clock terms). An End at or before Start ends on
// the next day (an overnight shift); End may be 24h (midnight).
type Interval struct {
	Start time.Duration // 0 to 24h (exclusive)
	End   time.Duration // 0 to 24h; not equal to Start
}

// Date is a civil date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Bot is the robot service that answers conversations before a human.
type Bot struct {
	// Channels lists the channels the bot is on; empty means every channel.
	Channels []string
	// Keywords hand the conversation to a human when a customer message
	// contains one (case-insensitive).
	Keywords []string
	// HandoffAfter hands the conversation to a human this long after it
	// opened, if it is still with the bot. Zero: no timeout.
	HandoffAfter time.Duration
	// IdleAfter replaces [Config.IdleAfter] for every conversation on the
	// bot's channels (Zoho: the bot's idle settings apply when a bot is
	// on). Zero disables idle closing there; at most [MaxIdleAfter].
	IdleAfter time.Duration
}

// BotID is the agent id of the bot's messages in the event log
// ([Engine.BotSend]); no agent may have it.
const BotID = "(bot)"

// AutoID is the agent id of automatic replies in the event log
// ([Engine.AutoSend]); no agent may use it.
const AutoID = "(auto)"

// Workstream binds channels to routing rules and a fallback group
// (Dynamics 365 unified routing).
type Workstream struct {
	Name string // unique, non-empty
	// Channels lists the channels bound to it; a channel is bound to the
	// first workstream listing it. Empty binds every channel not bound to
	// an earlier workstream.
	Channels []string
	// Rules are tried in order; the first that matches names the group.
	Rules []Rule
	// Fallback is the group of a conversation no rule matches; "" means
	// [DefaultGroup].
	Fallback string
}

// Rule is one routing rule of a [Workstream]. Every non-empty field must
// match; within a field, any listed value matches.
type Rule struct {
	Name       string   // for the log ([EventOpened]'s Detail); optional
	Group      string   // where matching conversations go
	Channels   []string // the conversation's channel
	EntryPages []string // [Profile.EntryPage]
	Regions    []string // [Profile.Region]
	Stores     []string // [Profile.Store]
	Languages  []string // [Profile.Language]
	AdSources  []string // [Profile.AdSource]
	// Attributes must all equal the customer's ([Engine.SetAttributes]);
	// the key "name" matches the customer's display name ([Inbound.Name])
	// when the customer has no "name" attribute.
	Attributes map[string]string
}

// Anchor is what starts (and restarts) a channel's reply window.
type Anchor string

// The window anchors.
const (
	// AnchorLastInbound: every customer message restarts the window.
	AnchorLastInbound Anchor = "last_inbound"
	// AnchorFirstInbound: the window runs from the customer's first message
	// after the previous window expired.
	AnchorFirstInbound Anchor = "first_inbound"
)

// Reset is what gives back the reply-count allowance.
type Reset string

// The reply-count resets.
const (
	// ResetOnInbound: a customer message resets the count.
	ResetOnInbound Reset = "inbound"
	// ResetOnWindow: the count resets only when a new window opens.
	ResetOnWindow Reset = "window"
)

// Policy is the router's idea of a channel's rules.
type Policy struct {
	Window       time.Duration // 0: no window
	WindowAnchor Anchor        // "" means [AnchorLastInbound]
	// ReplyLimit caps the messages sent per allowance; 0 is unlimited.
	ReplyLimit      int
	ReplyLimitReset Reset // "" means [ResetOnInbound]
	// TemplatesOutsideWindow allows templates when the window is closed.
	// Templates never reopen the window.
	TemplatesOutsideWindow bool
	// ManualAssignment turns auto-assignment off for the channel: its new
	// conversations wait in the unassigned inbox until an agent takes one
	// ([Engine.Take]). The web shop auto-assigns social messages only.
	ManualAssignment bool
	// NewConversationAfterWindow closes an open conversation when its window
	// expires (reason [ClosedWindow]); the customer's next message opens a
	// new one.
	NewConversationAfterWindow bool
	// ReactionsOpenWindow lets a customer's reaction to a message (an
	// [Inbound] with a Reaction, or a removed one) open or restart the
	// window and reset the reply allowance like a message. Off, a reaction
	// continues the conversation and moves no window: what WhatsApp's fake
	// does by default, since Meta's documents do not say.
	ReactionsOpenWindow bool
	MaxTextLength       int // in characters; 0 is unlimited
	// MaxTextBytes limits a text's length in bytes of UTF-8, for
	// platforms that count bytes (WeChat); 0 is unlimited.
	MaxTextBytes int
	// Attachments lists the allowed attachment kinds; a kind not listed is
	// refused. Nil allows every kind without limits.
	Attachments map[string]AttachmentRule
}

// AttachmentRule is what a channel accepts for one attachment kind.
type AttachmentRule struct {
	// Formats lists the allowed formats as lower-case file extensions (an
	// attachment's format is compared in lower case); empty allows all.
	Formats  []string
	MaxBytes int64 // 0 is unlimited
}

// Reason is why the router refused to send a message.
type Reason string

// The refusal reasons.
const (
	ReasonWindowClosed   Reason = "window_closed"
	ReasonReplyLimit     Reason = "reply_limit"
	ReasonAttachmentType Reason = "attachment_type"
	ReasonAttachmentSize Reason = "attachment_size"
	ReasonTextTooLong    Reason = "text_too_long"
	ReasonNotAssigned    Reason = "not_assigned"
	ReasonNoConversation Reason = "no_conversation"
)

// Reasons lists the refusal reasons in documentation order. The slice is a
// new copy on every call.
func Reasons() []Reason {
	return []Reason{ReasonWindowClosed, ReasonReplyLimit, ReasonAttachmentType, ReasonAttachmentSize,
		ReasonTextTooLong, ReasonNotAssigned, ReasonNoConversation}
}

// CloseReason is why a conversation closed.
type CloseReason string

// The close reasons.
const (
	ClosedByAgent CloseReason = "agent"
	ClosedIdle    CloseReason = "idle"
	ClosedMissed  CloseReason = "missed"
	ClosedWindow  CloseReason = "window"
	// ClosedAbandoned: the customer gave up waiting ([Engine.Abandon]).
	ClosedAbandoned CloseReason = "abandoned"
)

// CloseReasons lists the close reasons in documentation order. The slice is
// a new copy on every call.
func CloseReasons() []CloseReason {
	return []CloseReason{ClosedByAgent, ClosedIdle, ClosedMissed, ClosedWindow, ClosedAbandoned}
}

// State is where a conversation is in its lifecycle.
type State string

// The conversation states.
const (
	WithBot  State = "bot" // the bot answers it; no human yet
	Waiting  State = "waiting"
	Assigned State = "assigned"
	Closed   State = "closed"
)

// States lists the conversation states in lifecycle order. The slice is a
// new copy on every call.
func States() []State { return []State{WithBot, Waiting, Assigned, Closed} }

// CustomerKey identifies a customer on one business account of one channel.
type CustomerKey struct {
	Channel  string // the channel's name, as in [Config.Policies] and [Engine.Handle]
	Account  string // the business account (phone number id, app id, ...)
	Customer string // the platform's customer id (wa_id, openid, ...)
}

// String formats the key as channel/account/customer.
func (k CustomerKey) String() string {
	return k.Channel + "/" + k.Account + "/" + k.Customer
}

// Profile holds what the tenant knows of a customer, for classification.
type Profile struct {
	Region    string // matched against [GroupConfig.Regions]
	EntryPage string // matched against [GroupConfig.EntryPages]
	// Store is the customer's store, from location permission; "" when the
	// customer gave none (the conversation goes to the headquarters).
	Store string
	// Language and AdSource are for workstream rules, with the attributes
	// set by [Engine.SetAttributes].
	Language string
	AdSource string // e.g. the Facebook ad the customer came from
}

// update applies a profile that came with a message: see [Inbound.Profile].
func (pr *Profile) update(p Profile) {
	pr.Region, pr.EntryPage, pr.Store = p.Region, p.EntryPage, p.Store
	if p.Language != "" {
		pr.Language = p.Language
	}
	if p.AdSource != "" {
		pr.AdSource = p.AdSource
	}
}

// Attachment is a file in a message.
type Attachment struct {
	Kind   string // image, audio, video, document, sticker
	Format string // file extension in lower case: jpeg, png, mp4, ...
	Size   int64  // bytes
	Name   string // file name, optional
}

// Inbound is a customer message as an adapter normalizes it.
type Inbound struct {
	Customer   CustomerKey // who wrote, on which channel and account
	MessageID  string      // the platform's message id
	Name       string      // the customer's display name, when the platform gives one
	Text       string      // the text, or an attachment's caption
	Attachment *Attachment // nil for a text message
	// AdSource is the ad the customer came from, when the platform reports
	// one with the message (a Messenger ad referral's ad id). The engine
	// records it as the customer's [Profile.AdSource] before routing, so
	// that workstream rules match it, and logs it as the inbound event's
	// Detail, where the inbox lists it.
	AdSource string
	// ReplyTo is the platform's id of the earlier message this one replies
	// to (a quoted reply, a tapped button) or reacts to; "" when none.
	ReplyTo string
	// Reaction is the emoji of a reaction to ReplyTo. A reaction carries
	// no Text; a removed reaction has ReplyTo and no Reaction.
	Reaction string
	// Payload is the id of a chosen reply button or list row, or the
	// payload of a tapped template button; its title is the Text.
	Payload string
	// Attributes is the context the platform sent with the message (for
	// Business Messages: the entry point, the place, the locale). Each
	// key is set on the customer's attributes ([Engine.SetAttributes])
	// before the message is routed, so that workstream rules
	// ([Rule.Attributes]) match on it; keys not present are left alone.
	Attributes map[string]string
	// Sent is the platform's time of the message (its timestamp, in whole
	// seconds), zero when the platform gives none. A message delivered late
	// (held back, retried, overtaken by a later one) anchors the reply
	// window at Sent, as the platform does, not at its arrival; see
	// [Engine.Receive].
	Sent time.Time
	// Profile, when the platform tells what it knows of the customer with
	// each message (Douyin's entry page, region and store), updates the
	// customer's profile before the message is routed: its Region,
	// EntryPage and Store replace the customer's, empty ones included (a
	// customer who gave no location has no store), and a non-empty
	// Language or AdSource replaces the customer's. Nil leaves the profile
	// as [Engine.SetProfile] gave it. A profile that comes with every
	// message does not hold the customer in memory.
	Profile *Profile
}

// Kind is the kind of an outbound message.
type Kind string

// The outbound message kinds.
const (
	KindText       Kind = "text"       // Text
	KindTemplate   Kind = "template"   // Template
	KindAttachment Kind = "attachment" // Attachment, with Text as its caption
)

// Template is a pre-approved message template with its parameters.
type Template struct {
	Name     string   // the approved template's name
	Language string   // its language code, e.g. "en"
	Params   []string // the values of its placeholders, in order
}

// Outbound is a message an agent sends.
type Outbound struct {
	Kind       Kind        // what the message is
	Text       string      // text, or the caption of an attachment
	Template   *Template   // for [KindTemplate]
	Attachment *Attachment // for [KindAttachment]
}

// PlatformError is an error a channel's platform answered a send with.
type PlatformError struct {
	Code       string // the platform's own error code, e.g. "131047"
	HTTPStatus int    // the HTTP status of the platform's answer
	Message    string // the platform's error message
}

// Error formats the code, status and message.
func (e *PlatformError) Error() string {
	return fmt.Sprintf("platform error %s (HTTP %d): %s", e.Code, e.HTTPStatus, e.Message)
}

// Sender delivers outbound messages to one channel's platform. Adapters
// implement it; a returned *PlatformError is the platform's refusal, any
// other error a transport failure.
type Sender interface {
	Send(ctx context.Context, to CustomerKey, m Outbound) (messageID string, err error)
}

// SendResult is what became of an agent's send.
type SendResult struct {
	Conversation ConversationID // 0 when no conversation was involved
	// Refusal is set when the router's policy refused the message; nothing
	// was sent.
	Refusal Reason
	// MessageID is the platform's id for a message it accepted.
	MessageID string
	// Err is the platform's refusal, or a transport error.
	Err error
}

// ConversationID numbers conversations from 1 in the order they open.
type ConversationID int64

// String formats the id as c<N>.
func (id ConversationID) String() string { return fmt.Sprintf("c%d", int64(id)) }

// Conversation is a snapshot of one conversation.
type Conversation struct {
	ID          ConversationID // numbered from 1 in opening order
	Customer    CustomerKey    // whose conversation it is
	Group       string         // the group it waits in, or was assigned in
	State       State          // waiting, assigned or closed
	Agent       string         // the assigned (or last assigned) agent
	OpenedAt    time.Time      // when the customer's first message opened it
	AssignedAt  time.Time      // when it was first assigned; zero until then
	ClosedAt    time.Time      // zero while open
	CloseReason CloseReason    // "" while open
	Inbound     int            // customer messages
	Outbound    int            // messages sent by agents
	// Missed is set once no agent replied within [Config.MissedAfter]; it
	// stays set if an agent replies later.
	Missed   bool
	MissedAt time.Time // when it became missed; zero if never
	// Inbox is set while it waits in the unassigned inbox (a channel with
	// [Policy.ManualAssignment]) for an agent to take it.
	Inbox bool
	// Excluded lists the agents routing skips for it: those it was
	// reassigned away from or transferred away by.
	Excluded []string
}

// Wait is how long the conversation waited for its first assignment; ok is
// false when it was never assigned.
func (c Conversation) Wait() (d time.Duration, ok bool) {
	if c.AssignedAt.IsZero() {
		return 0, false
	}
	return c.AssignedAt.Sub(c.OpenedAt), true
}

// AgentStats is a snapshot of one agent's figures.
type AgentStats struct {
	ID          string // the agent's id
	Capacity    int    // concurrent conversations
	Online      bool   // online at the snapshot
	InHours     bool   // inside working hours (always, without a schedule)
	Active      int    // open conversations assigned now
	Assignments int    // conversations ever assigned
	PeakActive  int    // the most conversations assigned at once
	// OnlineTime is how long the agent has been online up to the snapshot.
	OnlineTime time.Duration
	// BusyTime integrates active conversations over the time the agent
	// was online (conversation-time): at most Capacity × OnlineTime, and
	// math.MaxInt64 when more than a Duration holds (292 years: a large
	// capacity over a long run). BusyHours is the same in hours, never
	// cut: the figure to compute with.
	BusyTime  time.Duration
	BusyHours float64
	// EligibleTime is how long the agent could be assigned a conversation
	// up to the snapshot: online, with a free slot, and inside working
	// hours or a member of a group that ignores them (IgnoreHours), which
	// may assign it at any hour. Assignments over it are the agent's
	// assignments per eligible hour, the fair share's measure when agents
	// work different hours.
	EligibleTime time.Duration
	// LastAssigned is the time of the last assignment; zero if never.
	LastAssigned time.Time
}

// Footprint counts what an engine holds; see [Engine.Footprint].
type Footprint struct {
	Customers     int // customers held
	Conversations int // conversations held, open ones included
	Open          int // open conversations
	Messages      int // sent message ids remembered for [Engine.Status]
	Events        int // events the log holds
}

// EventKind names an entry of the engine's event log.
type EventKind string

// The event kinds.
const (
	EventOpened   EventKind = "opened"   // a conversation opened
	EventQueued   EventKind = "queued"   // it waits in Group (Detail "inbox": in the unassigned inbox)
	EventAssigned EventKind = "assigned" // it went to Agent in Group (Detail "take" when the agent took it)
	EventInbound  EventKind = "inbound"  // the customer wrote (Detail: the ad source, when the message came from an ad)
	EventSent     EventKind = "sent"     // an agent's message was accepted by the platform (Message: its id)
	EventRefused  EventKind = "refused"  // the policy refused an agent's message (Detail: reason)
	EventFailed   EventKind = "failed"   // the platform refused or the send failed (Detail: code)
	EventStatus   EventKind = "status"   // the platform reported a message's status (Detail: sent, delivered, read)
	EventMissed   EventKind = "missed"   // no agent replied within [Config.MissedAfter] of its opening
	EventClosed   EventKind = "closed"   // the conversation closed (Detail: reason)
	EventOnline   EventKind = "online"   // an agent came online
	EventOffline  EventKind = "offline"  // an agent went offline
	// EventShiftStarted and EventShiftEnded: an agent's working hours began
	// or ended.
	EventShiftStarted EventKind = "shift_started"
	EventShiftEnded   EventKind = "shift_ended"
	// EventOverflowed: the conversation waited [Config.OverflowAfter] and
	// moved to the default group (Group; Detail: the group it left).
	EventOverflowed EventKind = "overflowed"
	// EventReassigned: its agent (Agent) did not answer within
	// [Config.ReassignAfter]; it goes back to routing without that agent.
	EventReassigned EventKind = "reassigned"
	// EventTransferred: Agent transferred it to Group (Detail: the target
	// agent, if one was named).
	EventTransferred EventKind = "transferred"
	// EventBot: the bot answers it first.
	EventBot EventKind = "bot"
	// EventHandoff: the bot handed it to a human (Detail: keyword, request
	// or timeout).
	EventHandoff EventKind = "handoff"
)

// Event is one entry of the engine's event log.
type Event struct {
	// Seq numbers the events from 1 in the order they were logged, with no
	// gaps; see [Engine.EventsSince].
	Seq          uint64
	At           time.Time      // engine time: never before the previous event's
	Kind         EventKind      // what happened
	Conversation ConversationID // 0 for agent events
	Customer     CustomerKey    // zero for agent events
	Agent        string         // the agent involved, if any
	Group        string         // the conversation's group, where it matters
	// Message is the platform's message id, for inbound, sent and status
	// events.
	Message string
	Detail  string // see the event kinds
}

// Receiver is what a channel adapter hands inbound traffic to; [Engine]
// implements it.
type Receiver interface {
	// Receive takes a customer message that passed the adapter's signature
	// check and dedupe.
	Receive(now time.Time, in Inbound) (ConversationID, error)
	// Status records a platform's delivery status for an outbound message
	// (sent, delivered, read, failed); code is the platform's error code for
	// a failed one.
	Status(now time.Time, to CustomerKey, messageID, status, code string)
}

// isReaction reports whether the message is a reaction to an earlier one,
// or the removal of one: no text, payload or attachment, only what it
// reacts to.
func (in *Inbound) isReaction() bool {
	return in.Reaction != "" || in.ReplyTo != "" && in.Text == "" && in.Payload == "" && in.Attachment == nil
}
