package douyin

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
)

// This file applies a fault plan (Config.Faults, package fakes/fault) to
// the platform: in the one webhook-delivery function (deliver) and in the
// IM send API. The plan and the Douyin-specific knobs Repeats and
// LostAnswers drive the same schedule: a try that fails is retried
// WebhookTimeout (5 s) later while retries are left (3), then Douyin gives
// up.
//
// A webhook the plan holds (late, reordered) waits in the delivery queue
// until it is due, a reordered one at most until right after the fake's
// next webhook try; a duplicate is the same body, signature and Msg-Id
// sent again, with a schedule of its own. A try that times out reaches
// the router, which handles it, but Douyin sees no answer and retries the
// same bytes; a try that errs is answered 502 by the router's edge and
// never reaches it. verify_webhook is never faulted.
//
// A send the plan refuses is answered after the access-token is checked
// and before the request is looked at, with HTTP 200 and Douyin's
// envelope: 28003018 "请求频率过高" for a throttled call (the code of the
// status-code table for calling too often) and 2100004 "系统繁忙,此时请开发
// 者稍候再试" for a server error (the code Douyin's OpenAPI pages give for an
// internal error the developer should retry). Nothing is delivered, so a
// client may send it again.

// The errors journaled for webhook tries a fault plan failed.
var (
	// ErrFaultTimeout: the router got the webhook, the platform no answer.
	ErrFaultTimeout = errors.New("douyin: no answer within the webhook timeout (fault plan)")
	// ErrFaultEdge: the router's edge answered 502; the router got nothing.
	ErrFaultEdge = errors.New("douyin: HTTP 502 from the webhook URL's edge (fault plan)")
)

// faultEdgeStatus is the status the router's edge answers a try the plan
// fails.
const faultEdgeStatus = http.StatusBadGateway

// holdLocked applies the plan's decision for a new webhook: it may be
// held (the queue sends it when due) and duplicated. It reports whether
// the first try waits.
func (s *Server) holdLocked(o *outgoing, now time.Time) (held bool) {
	if !s.faults.Webhooks() || o.push.Event == EventVerify {
		return false
	}
	d := s.faults.Webhook()
	if d.Hold || d.Duplicate {
		s.faultN++
	}
	first := now
	if d.Hold {
		first = now.Add(d.Delay)
		o.afterNext = d.AfterNext
		s.scheduleLocked(o, first)
	}
	if d.Duplicate {
		dup := &outgoing{push: o.push, hv: o.hv, retriesLeft: s.cfg.WebhookRetries}
		s.scheduleLocked(dup, first.Add(d.DuplicateAfter))
	}
	return d.Hold
}

// tryFaultLocked decides the fault of one try of o.
func (s *Server) tryFaultLocked(o *outgoing) fault.Try {
	if !s.faults.Webhooks() || o.push.Event == EventVerify {
		return fault.TryOK
	}
	f := s.faults.Try()
	if f != fault.TryOK {
		s.faultN++
	}
	return f
}

// releaseNextLocked makes the webhooks held until the next one due now:
// a webhook try has just been made.
func (s *Server) releaseNextLocked(now time.Time) {
	changed := false
	for _, o := range s.queue {
		if o.afterNext {
			o.afterNext = false
			if o.due.After(now) {
				o.due = now
				changed = true
			}
		}
	}
	if changed {
		slices.SortStableFunc(s.queue, compareOutgoing)
	}
}

// sendFaultLocked is the plan's refusal of a send call; nil lets it
// through.
func (s *Server) sendFaultLocked() *Error {
	switch s.faults.Send() {
	case fault.SendThrottle:
		s.faultN++
		return newError(CodeRate, "too many calls (fault plan)")
	case fault.SendError:
		s.faultN++
		return newError(CodeBusy, "internal error (fault plan)")
	}
	return nil
}

// Faults returns the fault plan the platform applies.
func (s *Server) Faults() fault.Plan { return s.faults.Plan() }

// FaultCount is how many faults the plan has caused: webhooks held or
// duplicated, tries failed, sends refused.
func (s *Server) FaultCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faultN
}
