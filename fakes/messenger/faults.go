package messenger

import (
	"container/heap"
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
)

// This file applies a fault plan (Config.Faults, package fakes/fault) to
// the platform: in the delivery of the customers' message and postback
// webhooks and in the Send API. Delivery receipts are delivered as
// without a plan.
//
//   - A held webhook (late, reordered) and a duplicate (the same bytes,
//     the same mid, the same signature) wait in the retry queue with no
//     try made yet: Flush posts them when due, and NextRetry tells when
//     that is. A reordered one is due right after the next customer
//     webhook's first try, or LateBy later; once tried, its retries keep
//     the retry schedule's times.
//   - A try that times out reaches the router, which handles it, but is
//     journaled as failed ("no answer within the webhook timeout"); a try
//     that errs is answered 502 by the router's edge and never reaches the
//     router. Both are retried on Config.RetrySchedule, until it gives up.
//   - A send refused by the plan is answered before the message is looked
//     at, with Graph's error envelope and "is_transient":true: throttled,
//     code 613 "(#613) Calls to this api have exceeded the rate limit."
//     with HTTP Config.ThrottleStatus (429 by default); a server error,
//     HTTP 500 with code 2 "An unexpected error has occurred. Please retry
//     your request later.". No message is accepted, so a client may send
//     it again. The attachment upload endpoint is not refused.
//
// On the Direct network (Config.Deliver, Server.Send) the plan acts the
// same: the same decisions, drawn in the same order, on the values handed
// over instead of bytes, so that a Direct run matches one on the wire.

// The errors journaled for webhook tries a fault plan failed.
var (
	// ErrFaultTimeout: the router got the webhook, the platform no answer.
	ErrFaultTimeout = errors.New("messenger: no answer within the webhook timeout (fault plan)")
	// ErrFaultEdge: the router's edge answered 502; the router got nothing.
	ErrFaultEdge = errors.New("messenger: HTTP 502 from the webhook URL's edge (fault plan)")
)

// Codes and messages of the send faults.
const (
	// CodeRateLimit is the Send API's rate limit ("Calls to this API have
	// exceeded the rate limit" in Meta's Send API error table).
	CodeRateLimit = 613
	// CodeServiceUnavailable is Graph's temporary service error ("Please
	// retry your request later").
	CodeServiceUnavailable = 2
	// RateLimitMessage is the message of a throttled send.
	RateLimitMessage = "(#613) Calls to this api have exceeded the rate limit."
	// ServiceUnavailableMessage is the message of a send failed by a
	// temporary server error.
	ServiceUnavailableMessage = "An unexpected error has occurred. Please retry your request later."
)

// sendFaultLocked draws the plan's fault of a Send API call and returns the
// error it is answered with, journaled; nil when the call goes through.
func (s *Server) sendFaultLocked(now time.Time, method, path string) *Error {
	if s.faults == nil {
		return nil
	}
	var e *Error
	switch s.faults.Send() {
	case fault.SendThrottle:
		e = s.graphErrorLocked(s.throttleStatus, CodeRateLimit, 0, "OAuthException", RateLimitMessage)
	case fault.SendError:
		e = s.graphErrorLocked(http.StatusInternalServerError, CodeServiceUnavailable, 0, "OAuthException", ServiceUnavailableMessage)
	default:
		return nil
	}
	e.IsTransient = true
	s.faultN++
	// The message was not looked at: the error names no customer.
	s.recordErrorLocked(now, method, path, e, "")
	return e
}

// customerHook reports whether h is a webhook the plan acts on.
func customerHook(h *hook) bool { return h.ev.Kind == "message" || h.ev.Kind == "postback" }

// bodies recycles the buffers webhook bodies are encoded in, one per try.
var bodies = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// tryHook makes one try of h, failing it as the plan says for a customer
// webhook: the delivery function's only call of the receiver.
func (s *Server) tryHook(ctx context.Context, h *hook) (int, error) {
	f := fault.TryOK
	if s.faults != nil && customerHook(h) {
		s.mu.Lock()
		if f = s.faults.Try(); f != fault.TryOK {
			s.faultN++
		}
		s.mu.Unlock()
	}
	if f == fault.TryError {
		return http.StatusBadGateway, ErrFaultEdge
	}
	var status int
	var err error
	if s.cfg.Deliver != nil {
		status = s.cfg.Deliver(ctx, h.ev)
	} else {
		bp := bodies.Get().(*[]byte)
		body := AppendWebhook((*bp)[:0], s.cfg.PageID, &h.ev)
		h.sent = true
		status, err = s.post(ctx, body)
		if err == nil && cap(body) <= 64<<10 {
			// After an error the transport may still be reading body.
			*bp = body
			bodies.Put(bp)
		}
	}
	if f == fault.TryTimeout {
		return 0, ErrFaultTimeout // the router handled it; the platform never sees the answer
	}
	return status, err
}

// deliverFaulted delivers a new customer webhook under the plan: held,
// duplicated, or tried now. A try the plan failed is no error: the
// platform retries it.
//
// Once h is in the retry queue (held, or queued for a retry by deliver) a
// concurrent Flush may take it and try it, so h is not read after that:
// its duplicate is made before, and learns from deliver's result whether
// h's bytes went out.
func (s *Server) deliverFaulted(ctx context.Context, h *hook) (Inbound, error) {
	now := s.now()
	s.mu.Lock()
	d := s.faults.Webhook()
	if d.Hold || d.Duplicate {
		s.faultN++
	}
	s.mu.Unlock()
	in := Inbound{ID: h.ev.MID}
	var dup *hook
	if d.Duplicate {
		dup = &hook{ev: h.ev} // h untried: nothing sent yet
	}
	var err error
	first := now
	if d.Hold {
		first = now.Add(d.Delay)
		s.queueHook(h, first, d.AfterNext)
		in.Faulted = true
	} else {
		res := s.deliver(ctx, h)
		in.Status, in.Retrying = res.status, res.retry
		if errors.Is(res.err, ErrFaultTimeout) || errors.Is(res.err, ErrFaultEdge) {
			in.Faulted, res.err = true, nil
		}
		err = res.err
		if dup != nil {
			dup.sent = res.sent
		}
		s.releaseReordered(now)
	}
	if dup != nil {
		s.queueHook(dup, first.Add(d.DuplicateAfter), false)
	}
	return in, err
}

// queueHook puts a webhook with no try made yet in the retry queue, due
// at due; a reordered one is remembered to be released early.
func (s *Server) queueHook(h *hook, due time.Time, afterNext bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hookSeq++
	h.due, h.seq = due, s.hookSeq
	heap.Push(&s.retries, h)
	if afterNext {
		s.reordered = append(s.reordered, h)
	}
}

// releaseReordered makes the reordered webhooks still waiting (none tried
// yet: deliver forgets one it tries) due at now: a customer webhook has
// just been tried.
func (s *Server) releaseReordered(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reordered) == 0 {
		return
	}
	for _, h := range s.reordered {
		for _, q := range s.retries {
			if q == h && h.due.After(now) {
				h.due = now
			}
		}
	}
	s.reordered = s.reordered[:0]
	heap.Init(&s.retries)
}

// dropReorderedLocked forgets h as a reordered webhook: it has been tried.
func (s *Server) dropReorderedLocked(h *hook) {
	for i, r := range s.reordered {
		if r == h {
			s.reordered = slices.Delete(s.reordered, i, i+1)
			return
		}
	}
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
