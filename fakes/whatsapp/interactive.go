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

// event is a customer's message that refers to a business message: its
// content, the message it refers to (ref, which must be one the fake
// delivered to the customer) and whether it opens the window.
type event struct {
	m     InboundMessage
	ref   string
	opens bool
}

// replyEvent is a text reply to contextID.
func replyEvent(text, contextID string) (event, error) {
	if contextID == "" {
		return event{}, errors.New("whatsapp: a reply needs the id of the message it replies to")
	}
	return event{m: InboundMessage{Type: "text", Text: &Text{Body: text}}, ref: contextID, opens: true}, nil
}

// buttonEvent is a tap on a quick-reply button of the template contextID.
func buttonEvent(contextID, text, payload string) (event, error) {
	if contextID == "" {
		return event{}, errors.New("whatsapp: a button reply needs the id of the template message")
	}
	return event{m: InboundMessage{Type: "button", Button: &InboundButton{Text: text, Payload: payload}}, ref: contextID, opens: true}, nil
}

// interactiveEvent is an answer to the interactive message contextID.
func interactiveEvent(contextID, kind, id, title, description string) (event, error) {
	if contextID == "" {
		return event{}, errors.New("whatsapp: an interactive reply needs the id of the interactive message")
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
		return event{}, fmt.Errorf("whatsapp: interactive reply kind %q: want %s or %s", kind, ButtonReply, ListReply)
	}
	return event{m: InboundMessage{Type: "interactive", Interactive: it}, ref: contextID, opens: true}, nil
}

// reactionEvent is a reaction with emoji to messageID.
func (s *Server) reactionEvent(messageID, emoji string) (event, error) {
	if messageID == "" {
		return event{}, errors.New("whatsapp: a reaction needs the id of the message it reacts to")
	}
	m := InboundMessage{Type: "reaction", Reaction: &Reaction{MessageID: messageID, Emoji: emoji}}
	return event{m: m, ref: messageID, opens: s.lim.reactionOpens}, nil
}

// CustomerReply makes the customer reply to the business message
// contextID (a wamid the fake delivered to them) with text: a text message
// whose context names that message. It opens the window as any message.
func (s *Server) CustomerReply(ctx context.Context, from, name, text, contextID string) (Inbound, error) {
	e, err := replyEvent(text, contextID)
	return s.customerSend(ctx, from, name, e, err)
}

// CustomerButton makes the customer tap a quick-reply button of the
// template message contextID: a "button" message with the button's text
// and payload, replying to that message. It opens the window.
func (s *Server) CustomerButton(ctx context.Context, from, name, contextID, text, payload string) (Inbound, error) {
	e, err := buttonEvent(contextID, text, payload)
	return s.customerSend(ctx, from, name, e, err)
}

// CustomerInteractive makes the customer answer the interactive message
// contextID: kind [ButtonReply] (a reply button: id and title) or
// [ListReply] (a list row: id, title and description). It opens the
// window.
func (s *Server) CustomerInteractive(ctx context.Context, from, name, contextID, kind, id, title, description string) (Inbound, error) {
	e, err := interactiveEvent(contextID, kind, id, title, description)
	return s.customerSend(ctx, from, name, e, err)
}

// CustomerReaction makes the customer react with emoji ("" removes the
// reaction) to the business message messageID, which must be a wamid the
// fake delivered to them at most [MaxReactionAge] ago. A reaction opens
// the window only with Limits.ReactionOpensWindow.
func (s *Server) CustomerReaction(ctx context.Context, from, name, messageID, emoji string) (Inbound, error) {
	e, err := s.reactionEvent(messageID, emoji)
	return s.customerSend(ctx, from, name, e, err)
}

// customerSend posts the inbound message of event e (unless err, the
// event's own error, is set) from the customer from.
func (s *Server) customerSend(ctx context.Context, from, name string, e event, err error) (Inbound, error) {
	if err != nil {
		return Inbound{}, err
	}
	m, now, err := s.recordEvent(from, e)
	if err != nil {
		return Inbound{}, err
	}
	return s.postInbound(ctx, now, name, &m)
}

// recordEvent records the customer from's message of event e on the
// platform (the window when it opens it, the wamid) and returns the
// message as its webhook carries it, and the platform's time. e.ref must
// be a message the fake delivered to that customer: a reply's context
// (set in the message unless it is a reaction) or the message reacted to.
func (s *Server) recordEvent(from string, e event) (InboundMessage, time.Time, error) {
	m := e.m
	waID, ok := s.waID(from)
	if !ok {
		return m, time.Time{}, fmt.Errorf("whatsapp: customer number %q is not a valid phone number", from)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.customers.get(waID)
	if e.ref != "" {
		at, ok := s.deliveredLocked(c, e.ref)
		if !ok {
			return m, now, fmt.Errorf("whatsapp: %q is not a message delivered to %s", e.ref, waID)
		}
		if m.Reaction != nil && now.Sub(at) > MaxReactionAge {
			return m, now, fmt.Errorf("whatsapp: message %q is older than %s: a reaction to it is not delivered", e.ref, MaxReactionAge)
		}
		if m.Reaction == nil {
			m.Context = &MessageContext{From: s.cfg.DisplayPhoneNumber, ID: e.ref}
		}
	}
	c = s.customerLocked(waID)
	if e.opens {
		c.lastInbound, c.hasInbound = now.UnixNano(), true
	}
	part := s.ids.wamidPart()
	m.From, m.ID = waID, s.wamidLocked(c, part, false)
	c.addInbound(part)
	return m, now, nil
}

// deliveredLocked finds the business message wamid among those delivered
// to customer c and returns when it was sent. s.mu must be held.
func (s *Server) deliveredLocked(c *customer, wamid string) (time.Time, bool) {
	if c == nil || c.deliveries == nil {
		return time.Time{}, false
	}
	waID, part, outbound, ok := s.ids.parseWamid(wamid)
	if !ok || !outbound || waID != c.waID {
		return time.Time{}, false
	}
	for i := c.deliveries.Len() - 1; i >= 0; i-- {
		if r := c.deliveries.At(i); r.part == part {
			return s.zones.time(r.at), true
		}
	}
	return time.Time{}, false
}
