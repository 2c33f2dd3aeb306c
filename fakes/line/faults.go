package line

import (
	"errors"
	"net/http"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
)

// This file applies a fault plan (Config.Faults, package fakes/fault) to
// the platform: in the one webhook-delivery function (deliver) and in the
// reply and push endpoints. The package documentation says what each fault
// does on LINE's wire.

// DefaultFaultRedelivery is the redelivery schedule under a fault plan
// with webhook faults when Config.Redelivery is empty: a failed try is
// redelivered 10 seconds, 1 minute and 5 minutes after the try before it,
// four tries in all; then LINE gives up.
var DefaultFaultRedelivery = []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute}

// MsgInternalError is the message of the fake's 500 answer to a send a
// fault plan fails.
const MsgInternalError = "Internal server error"

// faultEdgeStatus is what the router's edge answers to a webhook try a
// fault plan fails before it reaches the router.
const faultEdgeStatus = http.StatusBadGateway

// The errors journaled (Webhook.Err) for webhook tries a fault plan failed.
var (
	// ErrFaultTimeout: the router got the webhook, the platform no answer.
	ErrFaultTimeout = errors.New("no answer within the webhook timeout (fault plan)")
	// ErrFaultEdge: the router's edge answered 502; the router got nothing.
	ErrFaultEdge = errors.New("HTTP 502 from the webhook URL's edge (fault plan)")
)

// hold draws the fate of a new webhook under the plan: a duplicate is
// queued, and a held webhook waits in the queue for its first try. It
// reports whether p is held.
func (s *Server) hold(p *pending) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.drawn = true
	d := s.faults.Webhook()
	if d.Hold || d.Duplicate {
		s.faultN++
	}
	now := s.now()
	first := now
	if d.Hold {
		first = now.Add(d.Delay)
		s.held.Hold(p, first, d.AfterNext)
	}
	if d.Duplicate {
		// The same event again, the same bytes: LINE's at-least-once
		// delivery, which webhookEventId lets a bot see through.
		c := &pending{kind: p.kind, events: p.events, try: 1, drawn: true}
		s.held.Hold(c, first.Add(d.DuplicateAfter), false)
		s.hooksLocked(c.events, 1)
	}
	return d.Hold
}

// drawTry draws the fault of one webhook try.
func (s *Server) drawTry() fault.Try {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.faults.Try()
	if t != fault.TryOK {
		s.faultN++
	}
	return t
}

// redeliveryLocked is the redelivery schedule in force: Config.Redelivery,
// or DefaultFaultRedelivery under a plan with webhook faults when that is
// empty.
func (s *Server) redeliveryLocked() []time.Duration {
	if len(s.cfg.Redelivery) == 0 && s.faults.Webhooks() {
		return DefaultFaultRedelivery
	}
	return s.cfg.Redelivery
}

// sendFaultLocked draws the fault of one reply or push call.
func (s *Server) sendFaultLocked() fault.Send {
	return s.faults.Send()
}

// Faults returns the fault plan the platform applies.
func (s *Server) Faults() fault.Plan { return s.faults.Plan() }

// FaultCount is how many faults the plan has caused: webhooks held or
// duplicated, webhook tries failed, sends refused or answered 500.
func (s *Server) FaultCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faultN
}
