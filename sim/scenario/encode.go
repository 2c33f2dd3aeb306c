package scenario

import (
	"bytes"
	"fmt"
	"maps"
	"time"

	"github.com/BurntSushi/toml"
)

// Encode writes the scenario as TOML that [Format.Parse] reads back to an
// equal scenario (File and the Line fields aside). Defaults are written out.
func (f *Format) Encode(s *Scenario) ([]byte, error) {
	channels, err := f.encodeChannels(s.Channels)
	if err != nil {
		return nil, fmt.Errorf("scenario: encode %s: %w", s.Name, err)
	}
	customers, err := f.encodeCustomers(s.Customers)
	if err != nil {
		return nil, fmt.Errorf("scenario: encode %s: %w", s.Name, err)
	}
	out := encScenario{
		Name:        s.Name,
		Description: s.Description,
		Seed:        s.Seed,
		Start:       s.Start,
		Duration:    s.Duration,
		Tenant:      s.Tenant,
		Schedules:   s.Schedules,
		Bot:         s.Bot,
		Workstreams: s.Workstreams,
		Channels:    channels,
		Agents:      s.Agents,
		Groups:      s.Groups,
		Customers:   customers,
		Steps:       s.Steps,
		Traffic:     s.Traffic,
	}
	out.QuickReplies = s.QuickReplies
	out.AutoReplies, out.Service = s.AutoReplies, s.Service
	for _, e := range s.Expect {
		x := encExpect{
			Customer: e.Customer, State: e.State, AssignedTo: e.AssignedTo, Group: e.Group,
			CloseReason: e.CloseReason, Received: e.Received, LastReceived: e.LastReceived,
			LastError: e.LastError, LastRefusal: e.LastRefusal, Conversations: e.Conversations,
			SameAgentAs: e.SameAgentAs, OtherAgentThan: e.OtherAgentThan, NeverAssignedTo: e.NeverAssignedTo,
			Agent: e.Agent, Assignments: e.Assignments, Active: e.Active, AssignedOrder: e.AssignedOrder, InHours: e.InHours,
			Metric: e.Metric, Min: e.Min, Max: e.Max, MinDuration: e.MinDuration, MaxDuration: e.MaxDuration,
			Drift: e.Drift, Count: e.Count,
			Starred: e.Starred, Archived: e.Archived, Unread: e.Unread, Tags: e.Tags, TagColours: e.TagColours,
			Phones: e.Phones, FromAd: e.FromAd, Rating: e.Rating,
			Inbox: e.Inbox, Listed: e.Listed, WithPhone: e.WithPhone, WithAd: e.WithAd, WithTag: e.WithTag, Search: e.Search,
			History: e.History, AllConversations: e.AllConversations, Nickname: e.Nickname, Keyword: e.Keyword,
			Unrated: e.Unrated, ClosedOnly: e.ClosedOnly,
		}
		if e.HasAt {
			x.At = ptr(e.At)
		}
		out.Expect = append(out.Expect, x)
	}
	var buf bytes.Buffer
	enc := toml.NewEncoder(&buf)
	enc.Indent = ""
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("scenario: encode %s: %w", s.Name, err)
	}
	return buf.Bytes(), nil
}

// encScenario is Scenario as Encode writes it: the same keys, with
// expectations that write at whenever it was given (even "0s").
type encScenario struct {
	Name        string                    `toml:"name,omitempty"`
	Description string                    `toml:"description,omitempty"`
	Seed        uint64                    `toml:"seed,omitzero"`
	Start       time.Time                 `toml:"start"`
	Duration    Duration                  `toml:"duration,omitzero"`
	Tenant      Tenant                    `toml:"tenant"`
	Schedules   map[string]Schedule       `toml:"schedules,omitempty"`
	Bot         *Bot                      `toml:"bot"`
	Workstreams []Workstream              `toml:"workstreams,omitempty"`
	Channels    map[string]map[string]any `toml:"channels,omitempty"`
	Agents      []Agent                   `toml:"agents,omitempty"`
	Groups      []Group                   `toml:"groups,omitempty"`
	Customers   []map[string]any          `toml:"customers,omitempty"`
	Steps       []Step                    `toml:"steps,omitempty"`
	Expect      []encExpect               `toml:"expect,omitempty"`
	Traffic     []Traffic                 `toml:"traffic,omitempty"`

	// The message center.
	QuickReplies []QuickReply `toml:"quick_replies,omitempty"`
	AutoReplies  []AutoReply  `toml:"auto_replies,omitempty"`
	Service      *Service     `toml:"service"`
}

// encExpect is Expect as Encode writes it.
type encExpect struct {
	At *Duration `toml:"at"`

	Customer      string `toml:"customer,omitempty"`
	State         string `toml:"state,omitempty"`
	AssignedTo    string `toml:"assigned_to,omitempty"`
	Group         string `toml:"group,omitempty"`
	CloseReason   string `toml:"close_reason,omitempty"`
	Received      *int   `toml:"received"`
	LastReceived  string `toml:"last_received,omitempty"`
	LastError     string `toml:"last_error,omitempty"`
	LastRefusal   string `toml:"last_refusal,omitempty"`
	Conversations *int   `toml:"conversations"`

	SameAgentAs     string   `toml:"same_agent_as,omitempty"`
	OtherAgentThan  string   `toml:"other_agent_than,omitempty"`
	NeverAssignedTo []string `toml:"never_assigned_to,omitempty"`

	Agent         string   `toml:"agent,omitempty"`
	Assignments   *int     `toml:"assignments"`
	Active        *int     `toml:"active"`
	AssignedOrder []string `toml:"assigned_order,omitempty"`
	InHours       *bool    `toml:"in_hours"`

	Starred    *bool             `toml:"starred"`
	Archived   *bool             `toml:"archived"`
	Unread     *int              `toml:"unread"`
	Tags       []string          `toml:"tags"`
	TagColours map[string]string `toml:"tag_colours"`
	Phones     []string          `toml:"phones"`
	FromAd     *bool             `toml:"from_ad"`
	Rating     *int              `toml:"rating"`

	Inbox     string `toml:"inbox,omitempty"`
	Listed    *int   `toml:"listed"`
	WithPhone bool   `toml:"with_phone,omitempty"`
	WithAd    bool   `toml:"with_ad,omitempty"`
	WithTag   string `toml:"with_tag,omitempty"`
	Search    string `toml:"search,omitempty"`

	History          string `toml:"history,omitempty"`
	AllConversations bool   `toml:"all_conversations,omitempty"`
	Nickname         string `toml:"nickname,omitempty"`
	Keyword          string `toml:"keyword,omitempty"`
	Unrated          bool   `toml:"unrated,omitempty"`
	ClosedOnly       bool   `toml:"closed_only,omitempty"`

	Metric      string    `toml:"metric,omitempty"`
	Min         *float64  `toml:"min"`
	Max         *float64  `toml:"max"`
	MinDuration *Duration `toml:"min_duration"`
	MaxDuration *Duration `toml:"max_duration"`

	Drift string `toml:"drift,omitempty"`
	Count *int   `toml:"count"`
}

// encodeChannels writes each channel as one table: the platform's settings
// beside the rules.
func (f *Format) encodeChannels(chans map[string]*Channel) (map[string]map[string]any, error) {
	if len(chans) == 0 {
		return nil, nil
	}
	out := make(map[string]map[string]any, len(chans))
	for name, ch := range chans {
		table := map[string]any{}
		if ch != nil {
			if ch.Settings != nil {
				m, err := asTable(ch.Settings)
				if err != nil {
					return nil, fmt.Errorf("channel %s: %w", name, err)
				}
				table = m
			}
			rules, err := asTable(struct {
				Rules  Rules   `toml:"rules,omitempty"`
				Router *Rules  `toml:"router"`
				Faults *Faults `toml:"faults"`
			}{ch.Rules, ch.Router, ch.Faults})
			if err != nil {
				return nil, fmt.Errorf("channel %s: %w", name, err)
			}
			maps.Copy(table, rules)
		}
		out[name] = table
	}
	return out, nil
}

// encodeCustomers writes each customer with its handle under its channel's
// handle key.
func (f *Format) encodeCustomers(cs []Customer) ([]map[string]any, error) {
	out := make([]map[string]any, 0, len(cs))
	for _, c := range cs {
		m, err := asTable(c)
		if err != nil {
			return nil, fmt.Errorf("customer %s: %w", c.ID, err)
		}
		if spec, ok := f.Channel(c.Channel); ok && c.Handle != "" {
			m[spec.Handle] = c.Handle
		}
		out = append(out, m)
	}
	return out, nil
}

// asTable turns a struct with toml tags into the generic table the decoder
// would read from its encoding.
func asTable(v any) (map[string]any, error) {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(v); err != nil {
		return nil, err
	}
	m := map[string]any{}
	if _, err := toml.Decode(b.String(), &m); err != nil {
		return nil, err
	}
	return m, nil
}
