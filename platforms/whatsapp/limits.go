package whatsapp

import (
	"context"
	"fmt"
	"slices"
	"strings"

	fakewa "github.com/omnisim/omnisim/fakes/whatsapp"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

var undeliverableModes = []string{"sync", "async"}

// validateLimits checks the limit, registry, recipient, read and profile
// settings.
func validateLimits(s *Settings) []scenario.SettingsProblem {
	var out []scenario.SettingsProblem
	bad := func(key, hint, format string, args ...any) {
		out = append(out, scenario.SettingsProblem{Key: key, Hint: hint, Msg: fmt.Sprintf(format, args...)})
	}
	seen := map[string]int{}
	for i, t := range s.Template {
		key := fmt.Sprintf("template[%d]", i)
		switch j, dup := seen[t.Name]; {
		case t.Name == "":
			bad(key+".name", "", "missing template name")
		case dup:
			bad(key+".name", "", "template %q is also template[%d]", t.Name, j)
		default:
			seen[t.Name] = i
		}
		for k, l := range t.Languages {
			if l == "" {
				bad(fmt.Sprintf("%s.languages[%d]", key, k), `a language code, e.g. "en_US"`, "empty language code")
			}
		}
		if t.Params != nil && *t.Params < 0 {
			bad(key+".params", "leave params out to accept any number", "must be 0 or more, got %d", *t.Params)
		}
	}
	if s.Throughput != nil && (*s.Throughput == 0 || *s.Throughput < -1) {
		bad("throughput", "-1 is unlimited", "must be at least 1 message per second, or -1, got %d", *s.Throughput)
	}
	if s.PairInterval != nil && s.PairInterval.D() < 0 {
		bad("pair_interval", `"0s" disables the pair rate`, "must not be negative")
	}
	if s.PairBurst != nil && *s.PairBurst < 1 {
		bad("pair_burst", "", "must be at least 1, got %d", *s.PairBurst)
	}
	for i, n := range s.NotOnWhatsApp {
		if problem, hint := checkPhone(n); problem != "" {
			bad(fmt.Sprintf("not_on_whatsapp[%d]", i), hint, "%s", problem)
		}
	}
	if m := s.UndeliverableErrors; m != "" && !slices.Contains(undeliverableModes, m) {
		bad("undeliverable_errors", "", "unknown value %q; want one of: %s", m, strings.Join(undeliverableModes, ", "))
	}
	if r := s.ReadRate; r != nil && !(*r >= 0 && *r <= 1) {
		bad("read_rate", "a share of the delivered messages, e.g. 0.8", "must be between 0 and 1, got %v", *r)
	}
	if s.ReadAfter != nil && s.ReadAfter.D() < 0 {
		bad("read_after", "", "must not be negative")
	}
	if p := s.Profile; p != nil {
		bp, ok := p.profile()
		if !ok {
			hint := ""
			if n, near := scenario.Nearest(p.Vertical, fakewa.VerticalNames()); near {
				hint = fmt.Sprintf("did you mean %q?", n)
			}
			bad("profile", hint, "vertical %q is not a WhatsApp vertical; want one of: %s", p.Vertical, strings.Join(fakewa.VerticalNames(), ", "))
		} else if e := fakewa.CheckProfile(bp, nil); e != nil {
			bad("profile", "", "%s", e.Details())
		}
	}
	return out
}

// limits converts the settings to the fake's Limits.
func (s *Settings) limits() fakewa.Limits {
	var l fakewa.Limits
	for _, t := range s.Template {
		spec := fakewa.TemplateSpec{Name: t.Name, Languages: t.Languages, Params: -1}
		if t.Params != nil {
			spec.Params = *t.Params
		}
		l.Templates = append(l.Templates, spec)
	}
	if s.Throughput != nil {
		l.Throughput = *s.Throughput
	}
	if s.PairInterval != nil {
		l.PairInterval = s.PairInterval.D()
		if l.PairInterval == 0 {
			l.PairInterval = -1
		}
	}
	if s.PairBurst != nil {
		l.PairBurst = *s.PairBurst
	}
	l.NotOnWhatsApp = s.NotOnWhatsApp
	l.UndeliverableSync = s.UndeliverableErrors == "sync"
	if s.ReadRate != nil {
		l.ReadProbability = *s.ReadRate
	}
	if s.ReadAfter != nil {
		l.ReadAfter = s.ReadAfter.D()
	}
	l.ReactionOpensWindow = s.ReactionOpensWindow
	if s.Profile != nil {
		l.Profile, _ = s.Profile.profile()
	}
	return l
}

// The customer events a scenario step may name (event = "...", with
// event_key): each answers the last message the business delivered to the
// customer.
const (
	EventReply       = "reply"        // a text reply quoting it (says is the text)
	EventReaction    = "reaction"     // an emoji reaction to it (event_key: the emoji, default 👍)
	EventButton      = "button"       // a template quick-reply button (event_key: its text)
	EventButtonReply = "button_reply" // an interactive reply button (event_key: its title)
	EventListReply   = "list_reply"   // an interactive list row (event_key: its title)
)

// Events lists the customer events WhatsApp knows.
func Events() []string {
	return []string{EventReply, EventReaction, EventButton, EventButtonReply, EventListReply}
}

// event has the customer send an event message about the last message the
// business delivered to them.
func (b *binding) event(ctx context.Context, customer, name string, m sim.Message) (fakewa.Inbound, error) {
	last, err := b.answered(customer, m.Event)
	if err != nil {
		return fakewa.Inbound{}, err
	}
	switch m.Event {
	case EventReply:
		return b.fake.CustomerReply(ctx, customer, name, m.Text, last)
	case EventReaction:
		return b.fake.CustomerReaction(ctx, customer, name, last, cmpOr(m.EventKey, defaultReaction))
	case EventButton:
		return b.fake.CustomerButton(ctx, customer, name, last, m.EventKey, m.EventKey)
	default:
		return b.fake.CustomerInteractive(ctx, customer, name, last, m.Event, m.EventKey, m.EventKey, "")
	}
}

// defaultReaction is the emoji of a reaction step without one.
const defaultReaction = "\U0001F44D"

// answered checks that event is one of Events and returns the wamid of the
// last message the business sent the customer, which the event answers.
func (b *binding) answered(customer, event string) (string, error) {
	if !slices.Contains(Events(), event) {
		return "", fmt.Errorf("whatsapp has no %q event (events: %s)", event, strings.Join(Events(), ", "))
	}
	ds := b.fake.Deliveries(customer)
	if len(ds) == 0 {
		return "", fmt.Errorf("whatsapp %s: the business has sent the customer nothing to answer", event)
	}
	return ds[len(ds)-1].ID, nil
}
