package whatsapp

import (
	"container/heap"
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
)

// This file applies a fault plan (Config.Faults, package fakes/fault) to
// the platform: in the delivery of the customers' "messages" webhooks and
// in the send endpoint. Status webhooks are delivered as without a plan.
//
//   - A held webhook (late, reordered) and a duplicate wait in the retry
//     queue with no try made yet: Flush posts them when due, and
//     NextRetry tells when that is. A reordered one is due right after the
//     next "messages" webhook's first try, or LateBy later.
//   - A try that times out reaches the router, which handles it, but is
//     journaled as failed ("no answer within the webhook timeout"); a try
//     that errs is answered 502 by the router's edge and never reaches the
//     router. Both are retried on Config.RetrySchedule, until it gives up.
//   - A send refused by the plan is answered before the message is looked
//     at: HTTP 429 (Config.ThrottleStatus) with code 130429 "Rate limit
//     hit" (details "Cloud API message throughput has been reached.", as
//     Meta's throughput page words it), or HTTP 500 with code 131000
//     "Something went wrong". No message is accepted, so a client may
//     send it again.

// The errors journaled for webhook tries a fault plan failed.
var (
	// ErrFaultTimeout: the router got the webhook, the platform no answer.
	ErrFaultTimeout = errors.New("whatsapp: no answer within the webhook timeout (fault plan)")
	// ErrFaultEdge: the router's edge answered 502; the router got nothing.
	ErrFaultEdge = errors.New("whatsapp: HTTP 502 from the webhook URL's edge (fault plan)")
)

// Codes of the send faults.
const (
	CodeRateLimit    = 130429
	CodeGenericError = 131000
)

// faultThrottled is the answer to a send the plan throttles: the
// throughput limit's error, with HTTP status Config.ThrottleStatus.
func (s *Server) faultThrottled() *Error {
	return newError(s.cfg.ThrottleStatus, CodeRateLimit, 0, titleThroughput, DetailsThroughput)
}

// faultServerError is the answer to a send the plan fails.
func faultServerError() *Error {
	return newError(http.StatusInternalServerError, CodeGenericError, 0, "Something went wrong", "Something went wrong")
}

// sendFault answers a send call the plan refuses and reports whether it
// did.
func (s *Server) sendFault(w http.ResponseWriter, r *http.Request) bool {
	if s.faults == nil {
		return false
	}
	s.mu.Lock()
	f := s.faults.Send()
	s.mu.Unlock()
	var e *Error
	switch f {
	case fault.SendThrottle:
		e = s.faultThrottled()
	case fault.SendError:
		e = faultServerError()
	default:
		return false
	}
	s.mu.Lock()
	s.faultN++
	s.mu.Unlock()
	s.fail(w, r, e, "")
	return true
}

// tryPost makes one try of h, failing it as the plan says for a
// "messages" webhook.
func (s *Server) tryPost(ctx context.Context, h *hook) (int, error) {
	if s.faults == nil || h.kind != "messages" {
		return s.post(ctx, h)
	}
	s.mu.Lock()
	f := s.faults.Try()
	if f != fault.TryOK {
		s.faultN++
	}
	s.mu.Unlock()
	switch f {
	case fault.TryError:
		return http.StatusBadGateway, ErrFaultEdge
	case fault.TryTimeout:
		s.post(ctx, h) //nolint:errcheck // the platform never sees the answer
		return 0, ErrFaultTimeout
	}
	return s.post(ctx, h)
}

// deliverFaulted delivers a new "messages" webhook under the plan: held,
// duplicated, or tried now. A try the plan failed is no error: the
// platform retries it.
func (s *Server) deliverFaulted(ctx context.Context, h *hook) (Inbound, error) {
	now := s.now()
	s.mu.Lock()
	d := s.faults.Webhook()
	if d.Hold || d.Duplicate {
		s.faultN++
	}
	s.mu.Unlock()
	in := Inbound{ID: h.id}
	var err error
	first := now
	if d.Hold {
		first = now.Add(d.Delay)
		q := *h
		s.queueHook(&q, first, d.AfterNext)
		in.Faulted = true
	} else {
		res := s.attempt(ctx, h, true)
		in.Status, in.Retrying = res.status, res.retry
		if errors.Is(res.err, ErrFaultTimeout) || errors.Is(res.err, ErrFaultEdge) {
			in.Faulted, res.err = true, nil
		}
		err = res.err
		s.releaseReordered(now)
	}
	if d.Duplicate {
		q := *h
		q.tries, q.due = 0, time.Time{}
		s.queueHook(&q, first.Add(d.DuplicateAfter), false)
	}
	return in, err
}

// queueHook puts a webhook with no try made yet in the retry queue, due
// at due; a reordered one is remembered to be released early.
func (s *Server) queueHook(h *hook, due time.Time, afterNext bool) {
	s.mu.Lock()
	s.hookSeq++
	h.due, h.seq = due, s.hookSeq
	heap.Push(&s.retries, h)
	if afterNext {
		s.reordered = append(s.reordered, h)
	}
	s.mu.Unlock()
	s.kick()
}

// releaseReordered makes the reordered webhooks still waiting due at now:
// a "messages" webhook has just been tried.
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

// Faults returns the fault plan the platform applies.
func (s *Server) Faults() fault.Plan { return s.faults.Plan() }

// FaultCount is how many faults the plan has caused: webhooks held or
// duplicated, tries failed, sends refused.
func (s *Server) FaultCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faultN
}
