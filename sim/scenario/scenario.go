package scenario

import "time"

// Scenario is one parsed and validated scenario file.
type Scenario struct {
	// File is the path the scenario was read from (as given to Parse).
	File        string `toml:"-"`
	Name        string `toml:"name,omitempty"`
	Description string `toml:"description,omitempty"`
	Seed        uint64 `toml:"seed,omitzero"`
	// Start is the virtual time the scenario begins at.
	Start time.Time `toml:"start"`
	// Duration bounds the run: no event later than Start+Duration is played.
	// Zero means "until the last step, expectation or generated arrival, plus
	// whatever follows from them".
	Duration Duration `toml:"duration,omitzero"`

	Tenant    Tenant              `toml:"tenant"`
	Schedules map[string]Schedule `toml:"schedules,omitempty"` // working hours by name
	Bot       *Bot                `toml:"bot"`                 // the bot that answers first; nil: none
	// Workstreams bind channels to routing rules and a fallback group.
	Workstreams []Workstream        `toml:"workstreams,omitempty"`
	Channels    map[string]*Channel `toml:"channels,omitempty"`
	Agents      []Agent             `toml:"agents,omitempty"`
	Groups      []Group             `toml:"groups,omitempty"`
	Customers   []Customer          `toml:"customers,omitempty"`
	Steps       []Step              `toml:"steps,omitempty"`
	Expect      []Expect            `toml:"expect,omitempty"`
	Traffic     []Traffic           `toml:"traffic,omitempty"`
	// QuickReplies are the message center's saved replies, sent by a
	// quick_reply step.
	QuickReplies []QuickReply `toml:"quick_replies,omitempty"`
	// AutoReplies answer customers' messages automatically (Zendesk's
	// auto-replies on inbound messages), tried in order.
	AutoReplies []AutoReply `toml:"auto_replies,omitempty"`
	// Service is the service standard the message center's live figures
	// are held to; a breach raises a warning (the Douyin document's
	// service warnings), counted by the service.warnings metric.
	Service *Service `toml:"service"`
}

// AutoReply is one automatic reply ([[auto_replies]]): every set condition
// must hold for a customer's message. Text is required; {name} is the
// customer's name.
type AutoReply struct {
	Name     string   `toml:"name,omitempty"`     // required, unique
	Channels []string `toml:"channels,omitempty"` // empty: every channel
	Keywords []string `toml:"keywords,omitempty"` // empty: every message
	// Hours: "inside" or "outside" working hours (outside: no agent of the
	// tenant is in hours), "" any time.
	Hours string   `toml:"hours,omitempty"`
	Every Duration `toml:"every,omitzero"` // 0: once per conversation
	Text  string   `toml:"text,omitempty"`
}

// Service is the service standard ([service]); a zero limit is not checked.
type Service struct {
	FirstResponseP90  Duration `toml:"first_response_p90,omitzero"`
	FirstResponseMean Duration `toml:"first_response_mean,omitzero"`
	MaxWaiting        int      `toml:"max_waiting,omitzero"`
	// MinAnswered is how many first responses the figures' hour must hold
	// before the first-response limits are read; 0 means 1.
	MinAnswered int `toml:"min_answered,omitzero"`
}

// QuickReply is one saved reply of the message center ([[quick_replies]]):
// a title and a body, both required, the body's {name} replaced by the
// customer's name, and at most 10 images sent after it.
type QuickReply struct {
	ID     string  `toml:"id,omitempty"` // what a quick_reply step names
	Title  string  `toml:"title,omitempty"`
	Body   string  `toml:"body,omitempty"`
	Images []Image `toml:"images,omitempty"`
}

// Image is one image of a quick reply.
type Image struct {
	Format string `toml:"format,omitempty"` // jpeg, png, ...
	Size   Size   `toml:"size,omitzero"`
	Name   string `toml:"name,omitempty"`
}

// Tenant is the routing configuration.
type Tenant struct {
	Split    string `toml:"split,omitempty"`    // see router.Splits
	Strategy string `toml:"strategy,omitempty"` // see router.Strategies
	Overflow string `toml:"overflow,omitempty"` // none | default
	// OverflowAfter is how long a conversation waits in its own group
	// before it moves to the default group (overflow = "default"); 0
	// overflows at once.
	OverflowAfter Duration `toml:"overflow_after,omitzero"`
	// ReassignAfter sends a conversation its agent has not answered this
	// long after the assignment back to routing, without that agent. 0
	// disables.
	ReassignAfter Duration `toml:"reassign_after,omitzero"`
	// MissedAfter is the response limit: a conversation no agent has
	// answered this long after it opened becomes missed. 0 disables.
	MissedAfter Duration `toml:"missed_after,omitzero"`
	// CloseMissedAfter closes a missed conversation this long after it
	// became missed; 0 closes it at once.
	CloseMissedAfter Duration `toml:"close_missed_after,omitzero"`
	IdleAfter        Duration `toml:"idle_after,omitzero"` // 0 disables
	// Zone is the tenant's IANA time zone ("Asia/Shanghai"): working hours
	// are read in it unless the schedule or the agent has its own. "" is
	// UTC.
	Zone string `toml:"zone,omitempty"`
	// OnlineByHours makes a scheduled agent's presence follow its working
	// hours: online when a shift starts, offline when it ends.
	OnlineByHours bool `toml:"online_by_hours,omitempty"`
	// PhoneRegion is the region ("US", "JP") the message center reads a
	// phone number in when a customer writes it without a country code;
	// "" is the web shop's, Taiwan's (router/inbox.DefaultRegion).
	PhoneRegion string `toml:"phone_region,omitempty"`
}

// Workstream binds channels to routing rules and a fallback group
// (Dynamics 365 unified routing): a conversation on a bound channel is
// classified by the first rule that matches instead of by tenant.split.
type Workstream struct {
	Name string `toml:"name,omitempty"`
	// Channels bound to it; a channel is bound to the first workstream
	// listing it. Empty binds every channel no earlier workstream binds.
	Channels []string `toml:"channels,omitempty"`
	Rules    []Rule   `toml:"rules,omitempty"`
	Fallback string   `toml:"fallback,omitempty"` // group of unmatched conversations; "" is default
}

// Rule is one routing rule of a workstream: every key given must match,
// any listed value within a key.
type Rule struct {
	Name       string            `toml:"name,omitempty"`
	Group      string            `toml:"group,omitempty"` // where matching conversations go
	Channels   []string          `toml:"channels,omitempty"`
	EntryPages []string          `toml:"entry_pages,omitempty"`
	Regions    []string          `toml:"regions,omitempty"`
	Stores     []string          `toml:"stores,omitempty"`
	Languages  []string          `toml:"languages,omitempty"`
	AdSources  []string          `toml:"ad_sources,omitempty"`
	Attributes map[string]string `toml:"attributes,omitempty"` // all must equal the customer's
}

// Bot is the robot service that answers new conversations before a human
// ([bot]). It hands a conversation to routing when a customer message
// contains one of its keywords (case-insensitive) or handoff_after after
// the conversation opened.
type Bot struct {
	Channels     []string `toml:"channels,omitempty"` // the channels it is on; empty: every channel
	Keywords     []string `toml:"keywords,omitempty"`
	HandoffAfter Duration `toml:"handoff_after,omitzero"` // 0: no timeout
	// IdleAfter replaces tenant.idle_after on the bot's channels (for
	// every conversation there, also after the hand-off); 0 disables idle
	// closing there.
	IdleAfter Duration `toml:"idle_after,omitzero"`
	// Reply is the bot's answer to each customer message it keeps (not
	// one that hands the conversation over), sent through the channel's
	// platform under the channel's policy; "" answers nothing.
	Reply string `toml:"reply,omitempty"`
}

// Schedule is one named set of working hours ([schedules.NAME]). Each
// weekday lists its intervals as "HH:MM-HH:MM" clock times; an end at or
// before the start ends on the next day (an overnight shift), and "24:00"
// is midnight. A weekday without intervals is a day off.
type Schedule struct {
	Zone     string   `toml:"zone,omitempty"` // IANA zone; "" is the tenant's
	Mon      []string `toml:"mon,omitempty"`
	Tue      []string `toml:"tue,omitempty"`
	Wed      []string `toml:"wed,omitempty"`
	Thu      []string `toml:"thu,omitempty"`
	Fri      []string `toml:"fri,omitempty"`
	Sat      []string `toml:"sat,omitempty"`
	Sun      []string `toml:"sun,omitempty"`
	Off      []string `toml:"off,omitempty"`      // weekdays off ("sat"), which must list no intervals
	Holidays []string `toml:"holidays,omitempty"` // dates "YYYY-MM-DD" in the schedule's zone
}

// Channel holds one channel's settings and rule overrides. Settings are
// the platform's own keys of [channels.NAME] (credentials, platform
// behaviour), decoded by the platform's [ChannelSpec]. Rules apply to the
// platform (the fake) and the router alike; Router overrides apply to the
// router's policy only, to model a router whose idea of the rules differs
// from the platform's.
type Channel struct {
	// Settings is a pointer to the platform's settings struct (as its
	// ChannelSpec.Settings returns it), nil when the platform has none.
	Settings any `toml:"-"`

	Rules  Rules  `toml:"rules,omitempty"`
	Router *Rules `toml:"router"`
	// Faults makes the channel's fake platform misbehave: duplicated,
	// reordered, late and failing webhooks, refused send calls. nil: none.
	Faults *Faults `toml:"faults"`
}

// RouterWindow is the window the channel's Router overrides set for the
// router's policy, 0 when they set none. It may outlast the platform's:
// the router then still sends to customers whose window is closed on the
// platform, and the platform refuses.
func (c *Channel) RouterWindow() time.Duration {
	if c.Router == nil || c.Router.Window == nil {
		return 0
	}
	return c.Router.Window.D()
}

// Rules overrides a channel's rules; unset fields keep the platform default.
type Rules struct {
	Window                 *Duration             `toml:"window"`
	WindowAnchor           string                `toml:"window_anchor,omitempty"` // last_inbound | first_inbound
	ReplyLimit             *int                  `toml:"reply_limit"`
	ReplyLimitReset        string                `toml:"reply_limit_reset,omitempty"` // inbound | window
	TemplatesOutsideWindow *bool                 `toml:"templates_outside_window"`
	MaxTextLength          *int                  `toml:"max_text_length"`
	Media                  map[string]*MediaRule `toml:"media,omitempty"` // by kind: image, audio, video, document, sticker
	// ManualAssignment turns auto-assignment off for the channel: its new
	// conversations wait in the unassigned inbox until an agent takes one
	// (a take step). The router's setting: only [channels.NAME.router]
	// takes it.
	ManualAssignment *bool `toml:"manual_assignment"`
}

// MediaRule overrides one attachment kind's limits.
type MediaRule struct {
	Formats []string `toml:"formats,omitempty"`
	MaxSize *Size    `toml:"max_size"`
}

// Agent is one scripted agent.
type Agent struct {
	ID        string   `toml:"id,omitempty"`
	Capacity  int      `toml:"capacity,omitzero"` // default 1
	Groups    []string `toml:"groups,omitempty"`
	Reception *bool    `toml:"reception"` // default true
	Online    *bool    `toml:"online"`    // presence at the start; default true
	// Store is the agent's scope when the tenant splits by store: the store
	// it serves, or "" for the headquarters.
	Store string `toml:"store,omitempty"`
	// Schedule names the agent's working hours in [schedules]; "" means
	// always in hours.
	Schedule string `toml:"schedule,omitempty"`
	// Zone is the agent's own IANA time zone for its schedule.
	Zone string `toml:"zone,omitempty"`
	Line int    `toml:"-"` // source line of the [[agents]] header
}

// Group is one routing group.
type Group struct {
	Name       string   `toml:"name,omitempty"`
	Priority   int      `toml:"priority,omitzero"`
	Regions    []string `toml:"regions,omitempty"`
	EntryPages []string `toml:"entry_pages,omitempty"`
	Stores     []string `toml:"stores,omitempty"` // matched when the tenant splits by store
	// IgnoreHours makes the members eligible here outside their working
	// hours too.
	IgnoreHours bool `toml:"ignore_hours,omitempty"`
}

// Customer is one scripted customer.
type Customer struct {
	ID      string `toml:"id,omitempty"`
	Channel string `toml:"channel,omitempty"`
	// Handle names the customer on its channel: the value of the channel's
	// handle key (phone, openid, ...). Empty: the simulator generates one.
	Handle    string `toml:"-"`
	Name      string `toml:"name,omitempty"`
	Region    string `toml:"region,omitempty"`
	EntryPage string `toml:"entry_page,omitempty"`
	// Store is the customer's store, known from location permission; ""
	// when the customer gave none.
	Store string `toml:"store,omitempty"`
	// Language, AdSource and Attributes are matched by workstream rules.
	Language   string            `toml:"language,omitempty"`
	AdSource   string            `toml:"ad_source,omitempty"`
	Attributes map[string]string `toml:"attributes,omitempty"`
}

// Step is one scripted action at a virtual time. Exactly one of Customer and
// Agent is set.
type Step struct {
	At Duration `toml:"at,omitzero"`

	Customer string    `toml:"customer,omitempty"` // a customer acts
	Agent    string    `toml:"agent,omitempty"`    // an agent acts
	To       string    `toml:"to,omitempty"`       // the customer an agent's message is for
	Says     Strings   `toml:"says,omitempty"`     // one message per string
	Attaches *File     `toml:"attaches"`           // an attachment
	Template *Template `toml:"template"`           // agent only
	Close    bool      `toml:"close,omitempty"`    // agent closes the conversation with To
	Abandon  bool      `toml:"abandon,omitempty"`  // customer gives up waiting (customer only)
	Take     bool      `toml:"take,omitempty"`     // agent takes To's waiting conversation
	Transfer *Transfer `toml:"transfer"`           // agent hands its conversation with To on
	Presence string    `toml:"presence,omitempty"` // agent only: online | offline
	Caption  string    `toml:"caption,omitempty"`  // caption of Attaches
	// Event is a platform event a customer sends instead of (or, for a
	// reply, with) a message, with its key: a reaction, a tapped button,
	// ... The platform names its events.
	Event    string   `toml:"event,omitempty"`
	EventKey string   `toml:"event_key,omitempty"`
	Repeat   int      `toml:"repeat,omitzero"` // send Says this many times (default 1)
	Every    Duration `toml:"every,omitzero"`  // spacing of repeats and of several Says
	Line     int      `toml:"-"`               // source line of the [[steps]] header
	// RestartRouter restarts the router at At: the engine's and the
	// adapters' state is saved, the router is dropped and built again, and
	// the state restored, as a production router survives a deploy. Such a
	// step has no customer or agent.
	RestartRouter bool `toml:"restart_router,omitempty"`

	// The message center's actions on the latest conversation of To
	// (agent only): star or unstar, archive or unarchive, tag the customer
	// (Colour sets the tag's colour, shared by every customer with it),
	// mark read or unread, send a saved quick reply, record a rating.
	Star       *bool  `toml:"star"`
	Archive    *bool  `toml:"archive"`
	Tag        string `toml:"tag,omitempty"`
	Colour     string `toml:"colour,omitempty"`
	Read       *bool  `toml:"read"`
	QuickReply string `toml:"quick_reply,omitempty"`
	Rate       *int   `toml:"rate"`
}

// Transfer is where an agent step hands a conversation: a group, an
// agent, or an agent in a group.
type Transfer struct {
	Group string `toml:"group,omitempty"` // routed in this group, without the transferring agent
	Agent string `toml:"agent,omitempty"` // taken by this agent at once (online, in hours, below capacity)
}

// File is an attachment in a step.
type File struct {
	Kind   string `toml:"kind,omitempty"`   // image | audio | video | document | sticker
	Format string `toml:"format,omitempty"` // jpeg, png, mp4, pdf, ...
	Size   Size   `toml:"size,omitzero"`    // "6MB", "512KB", "100B"
	Name   string `toml:"name,omitempty"`
}

// Template is a template send in a step.
type Template struct {
	Name     string   `toml:"name,omitempty"`
	Language string   `toml:"language,omitempty"` // default en_US
	Params   []string `toml:"params,omitempty"`
}

// Expect is one expectation, checked at At (or at the end when At is unset).
// Exactly one subject is set: Customer, Agent, Metric or Drift.
type Expect struct {
	At    Duration `toml:"at"`
	HasAt bool     `toml:"-"` // At was given
	Line  int      `toml:"-"` // source line of the [[expect]] header

	// Customer subject: the customer's current (or last) conversation and
	// device.
	Customer      string `toml:"customer,omitempty"`
	State         string `toml:"state,omitempty"`         // bot | waiting | assigned | closed
	AssignedTo    string `toml:"assigned_to,omitempty"`   // agent id; "" unchecked
	Group         string `toml:"group,omitempty"`         // group the conversation is in
	CloseReason   string `toml:"close_reason,omitempty"`  // agent | idle | missed | window
	Received      *int   `toml:"received"`                // messages delivered to the device
	LastReceived  string `toml:"last_received,omitempty"` // text (or template name) of the last delivery
	LastError     string `toml:"last_error,omitempty"`    // platform error code of the last failed send
	LastRefusal   string `toml:"last_refusal,omitempty"`  // router refusal reason of the last refused send
	Conversations *int   `toml:"conversations"`           // conversations opened for this customer
	// SameAgentAs and OtherAgentThan compare the agent of this customer's
	// latest conversation with another customer's: both must be assigned.
	SameAgentAs    string `toml:"same_agent_as,omitempty"`
	OtherAgentThan string `toml:"other_agent_than,omitempty"`
	// NeverAssignedTo lists agents none of the customer's conversations
	// was ever assigned to, over the whole run up to the check.
	NeverAssignedTo []string `toml:"never_assigned_to,omitempty"`

	// Agent subject.
	Agent       string `toml:"agent,omitempty"`
	Assignments *int   `toml:"assignments"` // conversations ever assigned
	Active      *int   `toml:"active"`      // open conversations now
	// AssignedOrder lists scripted customers in the order the agent was
	// assigned their conversations, over the run up to the check (generated
	// customers are left out; a customer assigned twice appears twice).
	AssignedOrder []string `toml:"assigned_order,omitempty"`
	InHours       *bool    `toml:"in_hours"` // inside working hours now

	// Customer subject, the message center's row of the customer's latest
	// conversation.
	Starred    *bool             `toml:"starred"`
	Archived   *bool             `toml:"archived"`
	Unread     *int              `toml:"unread"`      // unread customer messages
	Tags       []string          `toml:"tags"`        // the customer's tags, in the order added
	TagColours map[string]string `toml:"tag_colours"` // tag -> "#RRGGBB"
	Phones     []string          `toml:"phones"`      // detected numbers (E.164), newest first
	FromAd     *bool             `toml:"from_ad"`     // the ad mark
	Rating     *int              `toml:"rating"`      // 0: not rated

	// Inbox subject: the number of conversations (Listed) in a view of
	// the message center (all, unread, starred, archived), narrowed by the
	// filters WithPhone, WithAd, WithTag and Search.
	Inbox     string `toml:"inbox,omitempty"`
	Listed    *int   `toml:"listed"`
	WithPhone bool   `toml:"with_phone,omitempty"`
	WithAd    bool   `toml:"with_ad,omitempty"`
	WithTag   string `toml:"with_tag,omitempty"`
	Search    string `toml:"search,omitempty"`

	// History subject: the number of conversations (Listed) the agent
	// History finds in the message center's history (the Douyin
	// document's history search): without AllConversations, the
	// permission to see everyone's, an agent sees only the conversations
	// it was ever assigned. Filters: Nickname (a substring of the
	// customer's name), Keyword (a substring of a kept message), Rating
	// (also a customer check) or Unrated, ClosedOnly.
	History          string `toml:"history,omitempty"`
	AllConversations bool   `toml:"all_conversations,omitempty"`
	Nickname         string `toml:"nickname,omitempty"`
	Keyword          string `toml:"keyword,omitempty"`
	Unrated          bool   `toml:"unrated,omitempty"`
	ClosedOnly       bool   `toml:"closed_only,omitempty"`

	// Metric subject: one of fairness.jain, fairness.spread, wait.p50,
	// wait.p90, wait.p99, wait.max, conversations, messages, closed, waiting.
	Metric string   `toml:"metric,omitempty"`
	Min    *float64 `toml:"min"`
	Max    *float64 `toml:"max"`
	// MinDuration and MaxDuration bound duration metrics (wait.*).
	MinDuration *Duration `toml:"min_duration"`
	MaxDuration *Duration `toml:"max_duration"`

	// Drift subject: the number of policy-drift findings of a kind
	// (sent_refused, refused_accepted, or any).
	Drift string `toml:"drift,omitempty"`
	Count *int   `toml:"count"`
}

// Traffic generates customers: Poisson arrivals at a rate over a period,
// each with a number of messages and a handle time.
type Traffic struct {
	Channel  string       `toml:"channel,omitempty"`
	Start    Duration     `toml:"start,omitzero"`     // offset from the scenario start
	For      Duration     `toml:"for,omitzero"`       // arrivals stop after this long
	Arrivals Rate         `toml:"arrivals,omitempty"` // "poisson 120/h"
	Messages IntRange     `toml:"messages,omitempty"` // customer messages per conversation, "2..6"
	Handle   Distribution `toml:"handle,omitempty"`   // handle time from assignment to close, "exp 6m"
	// Reply is the agent's first-response time, from assignment to the
	// first reply, "exp 40s"; unset spreads the replies evenly over Handle.
	Reply   Distribution `toml:"reply,omitempty"`
	Regions []string     `toml:"regions,omitempty"` // drawn uniformly for each customer
	Pages   []string     `toml:"entry_pages,omitempty"`
	Stores  []string     `toml:"stores,omitempty"`
	Line    int          `toml:"-"` // source line of the [[traffic]] header

	// Patience is how long each customer waits for an agent before giving
	// up, "exp 60s": a conversation not yet assigned that long after the
	// customer's arrival closes as abandoned. Unset: customers wait as
	// long as it takes.
	Patience Distribution `toml:"patience,omitempty"`
}
