package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MaxReactionAge is how old a message may be for a reaction to it to reach
// the business: Meta sends no webhook for a reaction to an older message.
const MaxReactionAge = 30 * 24 * time.Hour

// The kinds of interactive replies.
const (
	ButtonReply = "button_reply"
	ListReply   = "list_reply"
)

// CustomerReply makes the customer reply to the business message
// contextID (a wamid the fake delivered to them) with text: a text message
// whose context names that message. It opens the window as any message.
func (s *Server) CustomerReply(ctx context.Context, from, name, text, contextID string) (Inbound, error) {
	if contextID == "" {
		return Inbound{}, errors.New("whatsapp: a reply needs the id of the message it replies to")
	}
	return s.customerSend(ctx, from, name, InboundMessage{Type: "text", Text: &Text{Body: text}}, contextID, true)
}

// CustomerButton makes the customer tap a quick-reply button of the
// template message contextID: a "button" message with the button's text
// and payload, replying to that message. It opens the window.
func (s *Server) CustomerButton(ctx context.Context, from, name, contextID, text, payload string) (Inbound, error) {
	if contextID == "" {
		return Inbound{}, errors.New("whatsapp: a button reply needs the id of the template message")
	}
	return s.customerSend(ctx, from, name, InboundMessage{Type: "button", Button: &InboundButton{Text: text, Payload: payload}}, contextID, true)
}

// CustomerInteractive makes the customer answer the interactive message
// contextID: kind [ButtonReply] (a reply button: id and title) or
// [ListReply] (a list row: id, title and description). It opens the
// window.
func (s *Server) CustomerInteractive(ctx context.Context, from, name, contextID, kind, id, title, description string) (Inbound, error) {
	if contextID == "" {
		return Inbound{}, errors.New("whatsapp: an interactive reply needs the id of the interactive message")
	}
	it := &InboundInteractive{Type: kind}
	item := &ReplyItem{ID: id, Title: title}
	switch kind {
	case ButtonReply:
		it.ButtonReply = item
	case ListReply:
		item.Description = description
		it.ListReply = item
	default:
		return Inbound{}, fmt.Errorf("whatsapp: interactive reply kind %q: want %s or %s", kind, ButtonReply, ListReply)
	}
	return s.customerSend(ctx, from, name, InboundMessage{Type: "interactive", Interactive: it}, contextID, true)
}

// CustomerReaction makes the customer react with emoji ("" removes the
// reaction) to the business message messageID, which must be a wamid the
// fake delivered to them at most [MaxReactionAge] ago. A reaction opens
// the window only with Limits.ReactionOpensWindow.
func (s *Server) CustomerReaction(ctx context.Context, from, name, messageID, emoji string) (Inbound, error) {
	if messageID == "" {
		return Inbound{}, errors.New("whatsapp: a reaction needs the id of the message it reacts to")
	}
	m := InboundMessage{Type: "reaction", Reaction: &Reaction{MessageID: messageID, Emoji: emoji}}
	return s.customerSend(ctx, from, name, m, messageID, s.lim.reactionOpens)
}

// customerSend posts an inbound message of the customer from whose content
// m holds. ref, when not empty, must be a message the fake delivered to
// that customer: a reply's context (set in m unless m is a reaction) or
// the message reacted to. opens says whether the message opens the window.
func (s *Server) customerSend(ctx context.Context, from, name string, m InboundMessage, ref string, opens bool) (Inbound, error) {
	waID, ok := s.waID(from)
	if !ok {
		return Inbound{}, fmt.Errorf("whatsapp: customer number %q is not a valid phone number", from)
	}
	now := s.now()
	s.mu.Lock()
	c := s.customers[waID]
	if ref != "" {
		at, ok := s.deliveredLocked(c, ref)
		if !ok {
			s.mu.Unlock()
			return Inbound{}, fmt.Errorf("whatsapp: %q is not a message delivered to %s", ref, waID)
		}
		if m.Reaction != nil && now.Sub(at) > MaxReactionAge {
			s.mu.Unlock()
			return Inbound{}, fmt.Errorf("whatsapp: message %q is older than %s: a reaction to it is not delivered", ref, MaxReactionAge)
		}
		if m.Reaction == nil {
			m.Context = &MessageContext{From: s.cfg.DisplayPhoneNumber, ID: ref}
		}
	}
	c = s.customerLocked(waID)
	if opens {
		c.lastInbound = now
	}
	part := s.ids.wamidPart()
	m.From, m.ID = waID, s.ids.formatWamid(waID, part, false)
	c.inSeq++
	s.inbound[part] = inboundRec{c: c, seq: c.inSeq}
	s.mu.Unlock()
	return s.postInbound(ctx, now, name, &m)
}

// deliveredLocked finds the business message wamid among those delivered
// to customer c and returns when it was sent. s.mu must be held.
func (s *Server) deliveredLocked(c *customer, wamid string) (time.Time, bool) {
	if c == nil {
		return time.Time{}, false
	}
	waID, part, outbound, ok := s.ids.parseWamid(wamid)
	if !ok || !outbound || waID != c.waID {
		return time.Time{}, false
	}
	for i := len(c.deliveries) - 1; i >= 0; i-- {
		if c.deliveries[i].part == part {
			return c.deliveries[i].at, true
		}
	}
	return time.Time{}, false
}
