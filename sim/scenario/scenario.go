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
	Channels  map[string]*Channel `toml:"channels,omitempty"`
	Agents    []Agent             `toml:"agents,omitempty"`
	Groups    []Group             `toml:"groups,omitempty"`
	Customers []Customer          `toml:"customers,omitempty"`
	Steps     []Step              `toml:"steps,omitempty"`
	Expect    []Expect            `toml:"expect,omitempty"`
	Traffic   []Traffic           `toml:"traffic,omitempty"`
}

// Tenant is the routing configuration.
type Tenant struct {
	Split    string `toml:"split,omitempty"`    // see router.Splits
	Strategy string `toml:"strategy,omitempty"` // see router.Strategies
	Overflow string `toml:"overflow,omitempty"` // none | default
	// MissedAfter is the response limit: a conversation no agent has
	// answered this long after it opened becomes missed. 0 disables.
	MissedAfter Duration `toml:"missed_after,omitzero"`
	// CloseMissedAfter closes a missed conversation this long after it
	// became missed; 0 closes it at once.
	CloseMissedAfter Duration `toml:"close_missed_after,omitzero"`
	IdleAfter        Duration `toml:"idle_after,omitzero"` // 0 disables
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
}

// Group is one routing group.
type Group struct {
	Name       string   `toml:"name,omitempty"`
	Priority   int      `toml:"priority,omitzero"`
	Regions    []string `toml:"regions,omitempty"`
	EntryPages []string `toml:"entry_pages,omitempty"`
	Stores     []string `toml:"stores,omitempty"` // matched when the tenant splits by store
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
	Presence string    `toml:"presence,omitempty"` // agent only: online | offline
	Caption  string    `toml:"caption,omitempty"`  // caption of Attaches
	Repeat   int       `toml:"repeat,omitzero"`    // send Says this many times (default 1)
	Every    Duration  `toml:"every,omitzero"`     // spacing of repeats and of several Says
	Line     int       `toml:"-"`                  // source line of the [[steps]] header
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
	State         string `toml:"state,omitempty"`         // waiting | assigned | closed
	AssignedTo    string `toml:"assigned_to,omitempty"`   // agent id; "" unchecked
	Group         string `toml:"group,omitempty"`         // group the conversation is in
	CloseReason   string `toml:"close_reason,omitempty"`  // agent | idle | missed | window
	Received      *int   `toml:"received"`                // messages delivered to the device
	LastReceived  string `toml:"last_received,omitempty"` // text (or template name) of the last delivery
	LastError     string `toml:"last_error,omitempty"`    // platform error code of the last failed send
	LastRefusal   string `toml:"last_refusal,omitempty"`  // router refusal reason of the last refused send
	Conversations *int   `toml:"conversations"`           // conversations opened for this customer

	// Agent subject.
	Agent       string `toml:"agent,omitempty"`
	Assignments *int   `toml:"assignments"` // conversations ever assigned
	Active      *int   `toml:"active"`      // open conversations now

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
}
