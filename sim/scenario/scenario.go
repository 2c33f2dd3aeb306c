package scenario

import "time"

// Scenario is one parsed and validated scenario file.
type Scenario struct {
	// File is the path the scenario was read from (as given to Parse).
	File        string `toml:"-"`
	Name        string `toml:"name"`
	Description string `toml:"description"`
	Seed        uint64 `toml:"seed"`
	// Start is the virtual time the scenario begins at.
	Start time.Time `toml:"start"`
	// Duration bounds the run: no event later than Start+Duration is played.
	// Zero means "until the last step, expectation or generated arrival, plus
	// whatever follows from them".
	Duration Duration `toml:"duration"`

	Tenant    Tenant              `toml:"tenant"`
	Channels  map[string]*Channel `toml:"channels"`
	Agents    []Agent             `toml:"agents"`
	Groups    []Group             `toml:"groups"`
	Customers []Customer          `toml:"customers"`
	Steps     []Step              `toml:"steps"`
	Expect    []Expect            `toml:"expect"`
	Traffic   []Traffic           `toml:"traffic"`
}

// Tenant is the routing configuration.
type Tenant struct {
	Split       string   `toml:"split"`        // none | entry_page | region
	Strategy    string   `toml:"strategy"`     // least-loaded | longest-idle
	Overflow    string   `toml:"overflow"`     // none | default
	MissedAfter Duration `toml:"missed_after"` // 0 disables
	IdleAfter   Duration `toml:"idle_after"`   // 0 disables
}

// Channel holds one channel's account settings and rule overrides. The
// top-level overrides apply to the platform (the fake) and the router alike;
// Router overrides apply to the router's policy only, to model a router whose
// idea of the rules differs from the platform's.
type Channel struct {
	// Account credentials (WhatsApp).
	PhoneNumberID      string `toml:"phone_number_id"`
	DisplayPhoneNumber string `toml:"display_phone_number"`
	BusinessAccountID  string `toml:"business_account_id"`
	AccessToken        string `toml:"access_token"`
	AppSecret          string `toml:"app_secret"`
	VerifyToken        string `toml:"verify_token"`
	APIVersion         string `toml:"api_version"`

	// Platform behaviour.
	Templates      []string `toml:"templates"`       // approved template names; empty approves any
	WindowErrors   string   `toml:"window_errors"`   // sync | async
	StatusWebhooks *bool    `toml:"status_webhooks"` // send sent/delivered statuses; default true

	Rules  Rules  `toml:"rules"`
	Router *Rules `toml:"router"`
}

// Rules overrides a channel's rules; unset fields keep the platform default.
type Rules struct {
	Window                 *Duration             `toml:"window"`
	WindowAnchor           string                `toml:"window_anchor"` // last_inbound | first_inbound
	ReplyLimit             *int                  `toml:"reply_limit"`
	ReplyLimitReset        string                `toml:"reply_limit_reset"` // inbound | window
	TemplatesOutsideWindow *bool                 `toml:"templates_outside_window"`
	MaxTextLength          *int                  `toml:"max_text_length"`
	Media                  map[string]*MediaRule `toml:"media"` // by kind: image, audio, video, document, sticker
}

// MediaRule overrides one attachment kind's limits.
type MediaRule struct {
	Formats []string `toml:"formats"`
	MaxSize *Size    `toml:"max_size"`
}

// Agent is one scripted agent.
type Agent struct {
	ID        string   `toml:"id"`
	Capacity  int      `toml:"capacity"` // default 1
	Groups    []string `toml:"groups"`
	Reception *bool    `toml:"reception"` // default true
	Online    *bool    `toml:"online"`    // presence at the start; default true
}

// Group is one routing group.
type Group struct {
	Name       string   `toml:"name"`
	Priority   int      `toml:"priority"`
	Regions    []string `toml:"regions"`
	EntryPages []string `toml:"entry_pages"`
}

// Customer is one scripted customer.
type Customer struct {
	ID        string `toml:"id"`
	Channel   string `toml:"channel"`
	Phone     string `toml:"phone"` // E.164 (WhatsApp); generated when empty
	Name      string `toml:"name"`
	Region    string `toml:"region"`
	EntryPage string `toml:"entry_page"`
}

// Step is one scripted action at a virtual time. Exactly one of Customer and
// Agent is set.
type Step struct {
	At Duration `toml:"at"`

	Customer string    `toml:"customer"` // a customer acts
	Agent    string    `toml:"agent"`    // an agent acts
	To       string    `toml:"to"`       // the customer an agent's message is for
	Says     Strings   `toml:"says"`     // one message per string
	Attaches *File     `toml:"attaches"` // an attachment
	Template *Template `toml:"template"` // agent only
	Close    bool      `toml:"close"`    // agent closes the conversation with To
	Presence string    `toml:"presence"` // agent only: online | offline
	Caption  string    `toml:"caption"`  // caption of Attaches
	Repeat   int       `toml:"repeat"`   // send Says this many times (default 1)
	Every    Duration  `toml:"every"`    // spacing of repeats and of several Says
	Line     int       `toml:"-"`        // source line of the [[steps]] header
}

// File is an attachment in a step.
type File struct {
	Kind   string `toml:"kind"`   // image | audio | video | document | sticker
	Format string `toml:"format"` // jpeg, png, mp4, pdf, ...
	Size   Size   `toml:"size"`   // "6MB", "512KB", "100B"
	Name   string `toml:"name"`
}

// Template is a template send in a step.
type Template struct {
	Name     string   `toml:"name"`
	Language string   `toml:"language"` // default en_US
	Params   []string `toml:"params"`
}

// Expect is one expectation, checked at At (or at the end when At is unset).
// Exactly one subject is set: Customer, Agent, Metric or Drift.
type Expect struct {
	At    Duration `toml:"at"`
	HasAt bool     `toml:"-"` // At was given
	Line  int      `toml:"-"` // source line of the [[expect]] header

	// Customer subject: the customer's current (or last) conversation and
	// device.
	Customer      string `toml:"customer"`
	State         string `toml:"state"`         // waiting | assigned | closed
	AssignedTo    string `toml:"assigned_to"`   // agent id; "" unchecked
	Group         string `toml:"group"`         // group the conversation is in
	CloseReason   string `toml:"close_reason"`  // agent | idle | missed | window
	Received      *int   `toml:"received"`      // messages delivered to the device
	LastReceived  string `toml:"last_received"` // text (or template name) of the last delivery
	LastError     string `toml:"last_error"`    // platform error code of the last failed send
	LastRefusal   string `toml:"last_refusal"`  // router refusal reason of the last refused send
	Conversations *int   `toml:"conversations"` // conversations opened for this customer

	// Agent subject.
	Agent       string `toml:"agent"`
	Assignments *int   `toml:"assignments"` // conversations ever assigned
	Active      *int   `toml:"active"`      // open conversations now

	// Metric subject: one of fairness.jain, fairness.spread, wait.p50,
	// wait.p90, wait.p99, wait.max, conversations, messages, closed, waiting.
	Metric string   `toml:"metric"`
	Min    *float64 `toml:"min"`
	Max    *float64 `toml:"max"`
	// MinDuration and MaxDuration bound duration metrics (wait.*).
	MinDuration *Duration `toml:"min_duration"`
	MaxDuration *Duration `toml:"max_duration"`

	// Drift subject: the number of policy-drift findings of a kind
	// (sent_refused, refused_accepted, or any).
	Drift string `toml:"drift"`
	Count *int   `toml:"count"`
}

// Traffic generates customers: Poisson arrivals at a rate over a period,
// each with a number of messages and a handle time.
type Traffic struct {
	Channel  string       `toml:"channel"`
	Start    Duration     `toml:"start"`    // offset from the scenario start
	For      Duration     `toml:"for"`      // arrivals stop after this long
	Arrivals Rate         `toml:"arrivals"` // "poisson 120/h"
	Messages IntRange     `toml:"messages"` // customer messages per conversation, "2..6"
	Handle   Distribution `toml:"handle"`   // handle time from assignment to close, "exp 6m"
	Regions  []string     `toml:"regions"`  // drawn uniformly for each customer
	Pages    []string     `toml:"entry_pages"`
	Line     int          `toml:"-"`
}
