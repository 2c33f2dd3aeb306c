package wechat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
)

// This file applies a fault plan (Config.Faults, package fakes/fault) to
// the platform: in the delivery of messages and events to the router and
// in the customer-service send endpoint.
//
// Under a plan with webhook faults, a push is no longer tried
// WebhookTries times at one instant: each failed try (a timeout or 5xx
// the plan makes, or a real failure) is retried WebhookTimeout (5 s, the
// time WeChat waits for an answer) later, up to WebhookTries tries in
// all, as WeChat does; then the platform gives up. Held pushes (late,
// reordered, retried, duplicated) wait in a queue that FlushFaults posts
// when they are due and NextFault tells the time of. A try that times out
// reaches the router, which handles it, but WeChat sees no answer and
// retries the same bytes; a try that errs is answered 502 by the router's
// edge and never reaches it.
//
// A send the plan refuses is answered, after the access token is checked
// and before the message is looked at, with HTTP 200 and WeChat's own
// envelope: errcode 45011 "api minute-quota reach limit" for a throttled
// call (the per-minute API frequency limit; 45009, the daily quota, is
// not what a retry can clear) or errcode -1 "system error" (WeChat's
// "system busy, try again later") for a server error. Nothing is
// delivered, so a client may send it again.

// Send fault codes.
const (
	CodeSystemBusy   = -1    // "system error"
	CodeMinuteQuota  = 45011 // "api minute-quota reach limit"
	msgSystemBusy    = "system error"
	msgMinuteQuota   = "api minute-quota reach limit mustslower retry next minute"
	faultEdgeStatus  = http.StatusBadGateway
	faultTimeoutText = "no answer within the webhook timeout (fault plan)"
)

// The errors journaled for push tries a fault plan failed.
var (
	// ErrFaultTimeout: the router got the push, the platform no answer.
	ErrFaultTimeout = errors.New("wechat: " + faultTimeoutText)
	// ErrFaultEdge: the router's edge answered 502; the router got nothing.
	ErrFaultEdge = errors.New("wechat: HTTP 502 from the webhook URL's edge (fault plan)")
)

// heldPush is a push waiting in the fault queue for its next try.
type heldPush struct {
	kind, openid, msgID, event string
	target                     string
	body                       []byte
	try                        int // the try it waits for, from 1
}

// sendFaultLocked answers a send call the plan refuses; ok reports
// whether it did.
func (s *Server) sendFaultLocked(r *http.Request, now time.Time) (answer, bool) {
	if s.faults == nil {
		return answer{}, false
	}
	var e *Error
	switch s.faults.Send() {
	case fault.SendThrottle:
		e = &Error{Code: CodeMinuteQuota, Message: msgMinuteQuota}
	case fault.SendError:
		e = &Error{Code: CodeSystemBusy, Message: msgSystemBusy}
	default:
		return answer{}, false
	}
	s.faultN++
	return s.failLocked(r, now, http.StatusOK, e, "", nil), true
}

// pushFaulted delivers a push under the plan: held, duplicated, or tried
// now and retried on WeChat's schedule.
func (s *Server) pushFaulted(ctx context.Context, p heldPush, now time.Time) (Inbound, error) {
	in := Inbound{ID: p.msgID}
	s.mu.Lock()
	d := s.faults.Webhook()
	if d.Hold || d.Duplicate {
		s.faultN++
	}
	first := now
	if d.Hold {
		first = now.Add(d.Delay)
		p.try = 1
		s.held.Hold(p, first, d.AfterNext)
		in.Faulted = true
	}
	if d.Duplicate {
		c := p
		c.try = 1
		s.held.Hold(c, first.Add(d.DuplicateAfter), false)
	}
	s.mu.Unlock()
	if d.Hold {
		return in, nil
	}
	p.try = 1
	status, faulted, err := s.tryPush(ctx, p)
	in.Status, in.Tries, in.Faulted = status, 1, faulted
	if faulted {
		err = nil
	}
	return in, err
}

// tryPush makes try p.try of a push, journals it and, when it fails and
// tries are left, queues the next try WebhookTimeout later. faulted
// reports a failure the plan made. Any push tried releases the pushes
// held until the next one.
func (s *Server) tryPush(ctx context.Context, p heldPush) (status int, faulted bool, err error) {
	s.mu.Lock()
	f := s.faults.Try()
	if f != fault.TryOK {
		s.faultN++
	}
	s.mu.Unlock()
	var reply []byte
	var hdr http.Header
	switch f {
	case fault.TryError:
		status, faulted, err = faultEdgeStatus, true, ErrFaultEdge
		hdr = s.sentHeader[1]
	case fault.TryTimeout:
		_, _, hdr, _ = s.call(ctx, http.MethodPost, p.target, p.body)
		status, faulted, err = 0, true, ErrFaultTimeout
	default:
		status, reply, hdr, err = s.call(ctx, http.MethodPost, p.target, p.body)
	}
	now := s.now()
	wh := Webhook{At: now, Kind: p.kind, OpenID: p.openid, MsgID: p.msgID, Event: p.event, Try: p.try,
		URL: p.target, Header: hdr, Body: p.body, Status: status, Reply: reply}
	if err != nil {
		wh.Err = err.Error()
	}
	ok := err == nil && status == http.StatusOK
	s.mu.Lock()
	s.addWebhookLocked(wh)
	if !ok && p.try < s.cfg.WebhookTries {
		next := p
		next.try++
		s.held.Hold(next, now.Add(s.cfg.WebhookTimeout), false)
	}
	s.held.ReleaseNext(now)
	s.mu.Unlock()
	if ok {
		if t := bytes.TrimSpace(reply); len(t) != 0 && string(t) != "success" {
			s.passiveReply(p.openid, reply)
		}
		return status, false, nil
	}
	if err == nil && !faulted {
		err = fmt.Errorf("router answered HTTP %d", status)
	}
	if err != nil && !faulted {
		err = fmt.Errorf("wechat: %s webhook for %s: try %d/%d: %w", p.kind, p.openid, p.try, s.cfg.WebhookTries, err)
	}
	return status, faulted, err
}

// FlushFaults posts the held pushes that are due at Clock().Now, in
// order, and returns the first error of a try the plan did not fail (the
// plan's own failures are retried, not errors). It does nothing without a
// plan.
func (s *Server) FlushFaults(ctx context.Context) error {
	var first error
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.mu.Lock()
		due := s.held.Due(s.now())
		s.mu.Unlock()
		if len(due) == 0 {
			return first
		}
		for _, p := range due {
			if _, faulted, err := s.tryPush(ctx, p); err != nil && !faulted && first == nil {
				first = err
			}
		}
	}
}

// NextFault is when the next held push is due; false when none is held.
func (s *Server) NextFault() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held.Next()
}

// Faults returns the fault plan the platform applies.
func (s *Server) Faults() fault.Plan { return s.faults.Plan() }

// FaultCount is how many faults the plan has caused: pushes held or
// duplicated, tries failed, sends refused.
func (s *Server) FaultCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faultN
}
