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
	SplitNone      Split = "none"
	SplitEntryPage Split = "entry_page"
	SplitRegion    Split = "region"
)

// Strategy orders the eligible agents of a group; the first is assigned.
type Strategy string

// The assignment strategies; see the package documentation for their keys.
const (
	LeastLoaded Strategy = "least-loaded"
	LongestIdle Strategy = "longest-idle"
)

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

// DefaultGroup is the name of the group that always exists.
const DefaultGroup = "default"

// Config is everything an [Engine] is built from.
type Config struct {
	Split    Split    // classification method; "" means [SplitNone]
	Strategy Strategy // assignment strategy; "" means [LeastLoaded]
	Overflow Overflow // "" means [OverflowNone]

	// Groups are the tenant's groups. A group named [DefaultGroup] replaces
	// the implicit default group (which holds every agent with reception
	// permission).
	Groups []GroupConfig
	Agents []AgentConfig

	// Policies holds each channel's policy by channel name.
	Policies map[string]Policy

	// MissedAfter closes a conversation whose customer has waited this long
	// for an agent's reply. Zero disables it.
	MissedAfter time.Duration
	// IdleAfter closes a conversation after this long with no message either
	// way. Zero disables it.
	IdleAfter time.Duration

	// Seed seeds the engine's random source (the random pick among
	// never-assigned agents).
	Seed uint64
}

// GroupConfig describes one group.
type GroupConfig struct {
	Name       string
	Priority   int      // 1 is first; ties go by definition order
	Regions    []string // matched when the tenant splits by region
	EntryPages []string // matched when the tenant splits by entry page
}

// AgentConfig describes one agent.
type AgentConfig struct {
	ID       string
	Capacity int      // concurrent conversations; at least 1
	Groups   []string // groups the agent belongs to, besides the default group
	// NoReception removes the agent from the implicit default group: an
	// account without reception permission is never assigned there.
	// Agents start offline; bring them online with [Engine.SetOnline].
	NoReception bool
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
	// NewConversationAfterWindow closes an open conversation when its window
	// expires (reason [ClosedWindow]); the customer's next message opens a
	// new one.
	NewConversationAfterWindow bool
	MaxTextLength              int // in characters; 0 is unlimited
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

// CloseReason is why a conversation closed.
type CloseReason string

// The close reasons.
const (
	ClosedByAgent CloseReason = "agent"
	ClosedIdle    CloseReason = "idle"
	ClosedMissed  CloseReason = "missed"
	ClosedWindow  CloseReason = "window"
)

// State is where a conversation is in its lifecycle.
type State string

// The conversation states.
const (
	Waiting  State = "waiting"
	Assigned State = "assigned"
	Closed   State = "closed"
)

// CustomerKey identifies a customer on one business account of one channel.
type CustomerKey struct {
	Channel  string
	Account  string // the business account (phone number id, app id, ...)
	Customer string // the platform's customer id (wa_id, openid, ...)
}

// String formats the key as channel/account/customer.
func (k CustomerKey) String() string {
	return k.Channel + "/" + k.Account + "/" + k.Customer
}

// Profile holds what the tenant knows of a customer, for classification.
type Profile struct {
	Region    string
	EntryPage string
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
	Customer   CustomerKey
	MessageID  string
	Name       string // the customer's display name, when the platform gives one
	Text       string
	Attachment *Attachment
}

// Kind is the kind of an outbound message.
type Kind string

// The outbound message kinds.
const (
	KindText       Kind = "text"
	KindTemplate   Kind = "template"
	KindAttachment Kind = "attachment"
)

// Template is a pre-approved message template with its parameters.
type Template struct {
	Name     string
	Language string
	Params   []string
}

// Outbound is a message an agent sends.
type Outbound struct {
	Kind       Kind
	Text       string // text, or the caption of an attachment
	Template   *Template
	Attachment *Attachment
}

// PlatformError is an error a channel's platform answered a send with.
type PlatformError struct {
	Code       string // the platform's own error code, e.g. "131047"
	HTTPStatus int
	Message    string
}

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
	ID          ConversationID
	Customer    CustomerKey
	Group       string
	State       State
	Agent       string // the assigned (or last assigned) agent
	OpenedAt    time.Time
	AssignedAt  time.Time // zero while waiting
	ClosedAt    time.Time
	CloseReason CloseReason
	Inbound     int // customer messages
	Outbound    int // messages sent by agents
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
	ID          string
	Capacity    int
	Online      bool
	Active      int // open conversations assigned now
	Assignments int // conversations ever assigned
	PeakActive  int
	// OnlineTime is how long the agent has been online up to the snapshot.
	OnlineTime time.Duration
	// BusyTime integrates active conversations over time (conversation-time).
	BusyTime time.Duration
	// LastAssigned is the time of the last assignment; zero if never.
	LastAssigned time.Time
}

// EventKind names an entry of the engine's event log.
type EventKind string

// The event kinds.
const (
	EventOpened   EventKind = "opened"   // a conversation opened
	EventQueued   EventKind = "queued"   // it waits in Group
	EventAssigned EventKind = "assigned" // it went to Agent in Group
	EventInbound  EventKind = "inbound"  // the customer wrote
	EventSent     EventKind = "sent"     // an agent's message was accepted by the platform (Message: its id)
	EventRefused  EventKind = "refused"  // the policy refused an agent's message (Detail: reason)
	EventFailed   EventKind = "failed"   // the platform refused or the send failed (Detail: code)
	EventStatus   EventKind = "status"   // the platform reported a message's status (Detail: sent, delivered, read)
	EventClosed   EventKind = "closed"   // the conversation closed (Detail: reason)
	EventOnline   EventKind = "online"   // an agent came online
	EventOffline  EventKind = "offline"  // an agent went offline
)

// Event is one entry of the engine's event log.
type Event struct {
	At           time.Time
	Kind         EventKind
	Conversation ConversationID // 0 for agent events
	Customer     CustomerKey
	Agent        string
	Group        string
	// Message is the platform's message id, for inbound, sent and status
	// events.
	Message string
	Detail  string
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
