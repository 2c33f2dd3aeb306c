package inbox

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/omnisim/omnisim/router"
)

// Hours says when an auto-reply rule applies, by the caller's reading of
// business hours.
type Hours string

// The hours conditions.
const (
	AnyTime      Hours = ""        // inside or outside business hours
	OutsideHours Hours = "outside" // only outside business hours
	InsideHours  Hours = "inside"  // only inside business hours
)

// AutoReply is a rule that answers a customer's message automatically
// (Zendesk's auto-replies on inbound messages). Every set condition must
// hold.
type AutoReply struct {
	Name     string   // required, unique among the rules
	Channels []string // the conversation's channel; empty: any
	// Keywords: the text contains one of them, case-insensitively; empty:
	// any message (attachments too).
	Keywords []string
	Hours    Hours
	// Every is how long after firing for a conversation the rule may fire
	// again for it; zero: once per conversation.
	Every time.Duration
	// Text is the reply, required; {name} is the customer's name.
	Text string
}

func (r AutoReply) clone() AutoReply {
	r.Channels = slices.Clone(r.Channels)
	r.Keywords = slices.Clone(r.Keywords)
	return r
}

func validateRule(r AutoReply) error {
	switch {
	case strings.TrimSpace(r.Name) == "":
		return fmt.Errorf("%w: no name", ErrAutoReply)
	case strings.TrimSpace(r.Text) == "":
		return fmt.Errorf("%w %q: no text", ErrAutoReply, r.Name)
	case r.Every < 0:
		return fmt.Errorf("%w %q: negative Every", ErrAutoReply, r.Name)
	case r.Hours != AnyTime && r.Hours != OutsideHours && r.Hours != InsideHours:
		return fmt.Errorf("%w %q: hours %q", ErrAutoReply, r.Name, r.Hours)
	}
	return nil
}

func validateRules(rs []AutoReply) error {
	for j, r := range rs {
		if err := validateRule(r); err != nil {
			return err
		}
		for _, s := range rs[:j] {
			if s.Name == r.Name {
				return fmt.Errorf("%w %q: the name is used twice", ErrAutoReply, r.Name)
			}
		}
	}
	return nil
}

// SetAutoReplies replaces the auto-reply rules. On an invalid rule it
// changes nothing and says which.
func (i *Inbox) SetAutoReplies(rules []AutoReply) error {
	if err := validateRules(rules); err != nil {
		return err
	}
	cp := make([]AutoReply, len(rules))
	for j, r := range rules {
		cp[j] = r.clone()
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.rules = cp
	return nil
}

// AutoReplies returns the auto-reply rules in order.
func (i *Inbox) AutoReplies() []AutoReply {
	i.mu.Lock()
	defer i.mu.Unlock()
	out := make([]AutoReply, len(i.rules))
	for j, r := range i.rules {
		out[j] = r.clone()
	}
	return out
}

// Reply is an auto-reply to send.
type Reply struct {
	Rule    string          // the rule that fired
	Message router.Outbound // a text message
}

func (r *AutoReply) matches(in router.Inbound, outsideHours bool) bool {
	if len(r.Channels) > 0 && !slices.Contains(r.Channels, in.Customer.Channel) {
		return false
	}
	switch r.Hours {
	case OutsideHours:
		if !outsideHours {
			return false
		}
	case InsideHours:
		if outsideHours {
			return false
		}
	}
	if len(r.Keywords) == 0 {
		return true
	}
	text := strings.ToLower(in.Text)
	for _, k := range r.Keywords {
		if k = strings.ToLower(strings.TrimSpace(k)); k != "" && strings.Contains(text, k) {
			return true
		}
	}
	return false
}

// AutoReply finds the reply to a customer's message in conversation id:
// the first rule, in order, that matches it and may fire (once per
// conversation, or again after its Every). outsideHours is the caller's
// reading of business hours at now. The inbox records the firing and sends
// nothing: the caller sends the reply through the engine. It works before
// the conversation's first event reaches the inbox. A closed conversation
// takes none (no message comes in one: the engine opens a new
// conversation), so the inbox forgets its firings when it closes.
func (i *Inbox) AutoReply(now time.Time, id router.ConversationID, in router.Inbound, outsideHours bool) (Reply, bool) {
	defer i.deliver()
	i.mu.Lock()
	defer i.mu.Unlock()
	now = i.advance(now)
	var fired map[string]time.Time
	name := in.Name
	if c := i.convs[id]; c != nil {
		if c.state == router.Closed {
			return Reply{}, false
		}
		if c.fired == nil {
			c.fired = make(map[string]time.Time)
		}
		fired = c.fired
		if name == "" {
			name = c.cust.name
		}
	} else {
		p := i.pendingFor(id)
		if p.fired == nil {
			p.fired = make(map[string]time.Time)
		}
		p.key = in.Customer
		fired = p.fired
	}
	if name == "" {
		if cu := i.customers[in.Customer]; cu != nil {
			name = cu.name
		}
	}
	if name == "" {
		name = i.cfg.UnknownName
	}
	for j := range i.rules {
		r := &i.rules[j]
		if !r.matches(in, outsideHours) {
			continue
		}
		if last, ok := fired[r.Name]; ok && (r.Every == 0 || now.Before(last.Add(r.Every))) {
			continue
		}
		fired[r.Name] = now
		return Reply{Rule: r.Name, Message: router.Outbound{Kind: router.KindText, Text: RenderText(r.Text, name)}}, true
	}
	return Reply{}, false
}
