package businessmessages

import (
	"errors"
	"net/http"

	"github.com/omnisim/omnisim/fakes/fault"
)

// This file applies a fault plan (Config.Faults, package fakes/fault) to
// the platform: in the delivery of webhooks (send and try, the one place
// every webhook goes through) and in the send API
// (POST /v1/conversations/{id}/messages).
//
// Webhooks: a payload the plan holds back (late, or reordered behind the
// next webhook) waits in the same queue as retries and gets its first try
// when due; a duplicate is a second delivery of the same bytes, the same
// requestId and the same signature, queued after the first. A try that
// times out reaches the receiver, which handles it, but Google sees no
// answer and retries the same payload on its own schedule (10 s, doubling
// up to 1 h, for 7 days); a try that errs is answered 502 by the
// partner's edge and never reaches the receiver, and is retried the same
// way. Every retry and duplicate keeps the requestId, which is what the
// receiver dedupes by.
//
// Sends: a call the plan refuses is answered after the bearer token is
// checked and before the message is looked at, with Google's error
// envelope: 429 RESOURCE_EXHAUSTED for a throttled call (Google's quota
// answer), and for a server error 503 UNAVAILABLE and 500 INTERNAL in
// turn (the two transient server statuses of Google's APIs; which one a
// real outage gives is not documented for this API, so the fake gives
// both). The message is not accepted, so a client may send it again with
// the same messageId; it is not ALREADY_EXISTS then.
//
// On the Direct network the plan applies the same way: the held, retried
// and duplicated payloads are handed to Config.Direct, a try that errs is
// not, and [Server.SendFault] draws the send API's refusals for a sender by
// value, in the same order of draws, so that Direct plays as Memory.

// The errors journaled for webhook tries a fault plan failed.
var (
	// ErrFaultTimeout: the receiver got the webhook, Google no answer.
	ErrFaultTimeout = errors.New("businessmessages: no answer within the webhook timeout (fault plan)")
	// ErrFaultEdge: the partner's edge answered 502; the receiver got
	// nothing.
	ErrFaultEdge = errors.New("businessmessages: HTTP 502 from the webhook URL's edge (fault plan)")
)

// faultEdgeStatus is the edge's answer to a try that errs.
const faultEdgeStatus = http.StatusBadGateway

// The send API's transient refusals.
var (
	errResourceExhausted = Error{HTTPStatus: http.StatusTooManyRequests, Status: "RESOURCE_EXHAUSTED",
		Message: "Quota exceeded for quota metric 'Send requests' and limit 'Send requests per minute' of service 'businessmessages.googleapis.com'."}
	errUnavailable = Error{HTTPStatus: http.StatusServiceUnavailable, Status: "UNAVAILABLE",
		Message: "The service is currently unavailable."}
	errInternal = Error{HTTPStatus: http.StatusInternalServerError, Status: "INTERNAL",
		Message: "Internal error encountered."}
)

// hold decides the fate of a new payload under the plan: held back (it
// is queued and hold reports true), and or duplicated (a copy queued
// after the first try).
func (s *Server) hold(p *pending) bool {
	now := s.cfg.Clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.faults.Webhook()
	if d.Hold || d.Duplicate {
		s.faultN++
	}
	first := now
	if d.Hold {
		first = now.Add(d.Delay)
		s.queue.Hold(p, first, d.AfterNext)
	}
	if d.Duplicate {
		c := &pending{um: p.um, delay: s.cfg.RetryDelay}
		s.queue.Hold(c, first.Add(d.DuplicateAfter), false)
	}
	return d.Hold
}

// tryFault draws the fault of one webhook try.
func (s *Server) tryFault() fault.Try {
	if !s.faults.Webhooks() {
		return fault.TryOK
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults.Try()
	if f != fault.TryOK {
		s.faultN++
	}
	return f
}

// sendFault draws the fault of one send API call: the refusal, or nil.
func (s *Server) sendFault() *Error {
	if s.faults == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var e Error
	switch s.faults.Send() {
	case fault.SendThrottle:
		e = errResourceExhausted
	case fault.SendError:
		e = errUnavailable
		if s.sendErrN%2 == 1 {
			e = errInternal
		}
		s.sendErrN++
	default:
		return nil
	}
	s.faultN++
	return &e
}

// SendFault draws the fault plan's answer to a send to conversation conv
// made by value (the Direct network's sender, before [Server.Accept]): a
// refusal, journaled as the HTTP path journals it, or nil.
func (s *Server) SendFault(conv string) *Error {
	e := s.sendFault()
	if e != nil {
		s.logValueError(s.cfg.Clock(), conv, e)
	}
	return e
}

// Faults returns the fault plan the platform applies.
func (s *Server) Faults() fault.Plan { return s.faults.Plan() }

// FaultCount is how many faults the plan has caused: payloads held or
// duplicated, tries failed, sends refused.
func (s *Server) FaultCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faultN
}
