package whatsapp

import (
	"container/heap"
	"context"
	"net/http"
	"time"
)

// DefaultRetrySchedule returns the delays between the tries of a failed
// webhook: 15s, 1m, 5m, 15m, 1h, 3h, 6h, 12h, then 24h six times: 14
// retries, the last about 6d22h37m after the first try (within
// [MaxRetryAge]).
func DefaultRetrySchedule() []time.Duration {
	d := []time.Duration{15 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute,
		time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour}
	for i := 0; i < 6; i++ {
		d = append(d, 24*time.Hour)
	}
	return d
}

// maxRetrying bounds the webhooks waiting for a retry; a failed webhook
// beyond it is dropped (journaled without NextTry).
const maxRetrying = 1 << 16

// hook is a signed webhook being delivered: its body and signature are
// the same on every try.
type hook struct {
	kind string // "messages" or "statuses"
	id   string // wamid
	// body is the bytes posted; nil when src gives them, in which case
	// each try encodes them into a buffer of its own and a retry gets a
	// copy.
	body  []byte
	src   bodySource
	first time.Time // Clock time of the first try
	tries int
	due   time.Time // next try; zero when none is scheduled
	seq   uint64    // tie-break of equal due times: scheduling order
	// async is the error a failed status reports; it becomes the
	// customer's LastError at the first try.
	async *pending
}

// retryHeap orders the webhooks waiting for a retry by due time.
type retryHeap []*hook

func (h retryHeap) Len() int { return len(h) }
func (h retryHeap) Less(i, j int) bool {
	if !h[i].due.Equal(h[j].due) {
		return h[i].due.Before(h[j].due)
	}
	return h[i].seq < h[j].seq
}
func (h retryHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *retryHeap) Push(x any)   { *h = append(*h, x.(*hook)) }
func (h *retryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return x
}

// nextTry returns when h, whose try at now failed, is to be retried.
func (s *Server) nextTry(h *hook, now time.Time) (time.Time, bool) {
	i := h.tries - 1
	if i < 0 || i >= len(s.schedule) {
		return time.Time{}, false
	}
	due := now.Add(max(s.schedule[i], time.Nanosecond))
	if due.After(h.first.Add(MaxRetryAge)) {
		return time.Time{}, false
	}
	return due, true
}

// tryResult is the outcome of one try.
type tryResult struct {
	status   int   // the router's HTTP status; 0 when the call failed
	err      error // transport error or timeout
	retry    bool  // the try failed and a retry is scheduled
	canceled bool  // the caller's context ended the call; it did not count
}

// attempt makes one try of h and journals it; a failed try queues a copy
// of h for the next one. When the caller's ctx ends the call and countCancel is false,
// the try does not count: nothing is journaled and h is left as it was.
func (s *Server) attempt(ctx context.Context, h *hook, countCancel bool) tryResult {
	at := s.now()
	status, err := s.tryPost(ctx, h)
	if err != nil && ctx.Err() != nil && !countCancel {
		return tryResult{status: status, err: err, canceled: true}
	}
	h.tries++
	h.due = time.Time{}
	wh := Webhook{At: at, Kind: h.kind, Status: status, ID: h.id, Try: h.tries, Body: h.body}
	if err != nil {
		wh.Err = err.Error()
	}
	res := tryResult{status: status, err: err}
	failed := err != nil || status < 200 || status > 299
	s.mu.Lock()
	if h.tries > 1 {
		s.counts.Retries++
	}
	if p := h.async; p != nil {
		s.addErrorLocked(ErrorEntry{At: p.at, To: p.to, Code: p.err.Code, HTTPStatus: http.StatusOK,
			Details: p.err.Details(), Async: true, ID: p.id}, s.customerLocked(p.to))
		h.async = nil
	}
	if failed {
		if due, ok := s.nextTry(h, s.now()); ok {
			if len(s.retries) < maxRetrying {
				s.hookSeq++
				h.due, h.seq = due, s.hookSeq
				queued := *h // a copy, so that h itself need not escape
				if queued.body == nil {
					queued.body = s.appendSource(nil, &h.src, h.id)
				}
				heap.Push(&s.retries, &queued)
				wh.NextTry = due
				res.retry = true
			} else if wh.Err == "" {
				wh.Err = "retry queue full: webhook dropped"
			}
		}
	}
	s.addWebhookLocked(&wh, &h.src)
	s.mu.Unlock()
	if res.retry {
		s.kick() // AutoFlush: arm the timer for the new retry
	}
	return res
}

// Flush POSTs, in order, the retries that are due at Clock().Now and then
// the queued status webhooks, one status per webhook: "sent" then
// "delivered" for each accepted message (unless Config.DisableStatuses),
// "failed" for each Async window error. It returns how many tries it made.
// A try that fails (non-2xx answer, transport error, or no answer within
// Config.WebhookTimeout) is journaled and scheduled for a retry; Flush goes
// on with the next webhook and returns the first transport error. When ctx
// ends, Flush stops: the webhook being posted and the rest stay queued
// untouched. Errors reported by failed statuses become the customers'
// LastError and enter the journal at their first try.
func (s *Server) Flush(ctx context.Context) (int, error) {
	if s.cfg.WebhookURL == "" {
		return 0, ErrNoWebhookURL
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	return s.drain(ctx)
}

// drain is Flush with s.flushMu held.
func (s *Server) drain(ctx context.Context) (int, error) {
	now := s.now()
	s.mu.Lock()
	s.releaseReadsLocked(now)
	idle := len(s.queue) == 0 && (len(s.retries) == 0 || s.retries[0].due.After(now))
	s.mu.Unlock()
	if idle { // nothing due: the usual case between a world's events
		return 0, nil
	}
	n := 0
	var first error
	note := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	// Retries that are due, oldest first.
	for {
		now := s.now()
		s.mu.Lock()
		if len(s.retries) == 0 || s.retries[0].due.After(now) {
			s.mu.Unlock()
			break
		}
		h := heap.Pop(&s.retries).(*hook)
		s.mu.Unlock()
		res := s.attempt(ctx, h, false)
		if res.canceled {
			s.mu.Lock()
			heap.Push(&s.retries, h)
			s.mu.Unlock()
			return n, ctx.Err()
		}
		n++
		note(res.err)
	}
	// Queued statuses, up to the first one still held by its send.
	s.mu.Lock()
	k := 0
	for k < len(s.queue) && (s.queue[k].hold == nil || s.queue[k].hold.released) {
		k++
	}
	q := s.queue[:k:k]
	if k == len(s.queue) {
		s.queue = nil
	} else {
		s.queue = s.queue[k:]
	}
	s.noteDueLocked()
	s.mu.Unlock()
	for i := range q {
		p := &q[i]
		h := hook{kind: "statuses", id: p.id, first: s.now()}
		if p.err != nil {
			h.async = p
			h.body = s.appendStatusWebhook(nil, p)
		} else {
			h.src = statusSource(p)
		}
		res := s.attempt(ctx, &h, false)
		if res.canceled {
			s.mu.Lock()
			s.queue = append(q[i:len(q):len(q)], s.queue...)
			s.due.queued()
			s.mu.Unlock()
			return n, ctx.Err()
		}
		n++
		note(res.err)
		q[i] = pending{} // release strings
	}
	return n, first
}

// NextRetry returns when the earliest webhook waiting for a retry is due
// (Clock time); false when none is waiting.
func (s *Server) NextRetry() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.retries) == 0 {
		return time.Time{}, false
	}
	return s.retries[0].due, true
}

// Retrying returns how many webhooks wait for a retry.
func (s *Server) Retrying() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.retries)
}

// worker is the AutoFlush goroutine.
type worker struct {
	cancel context.CancelFunc
	wake   chan struct{}
	done   chan struct{}
}

func (w *worker) stop() {
	w.cancel()
	<-w.done
}

// kick wakes the AutoFlush goroutine, starting it the first time; it does
// nothing without AutoFlush or after Close.
func (s *Server) kick() {
	if !s.cfg.AutoFlush || s.cfg.WebhookURL == "" {
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	w := s.worker
	if w == nil {
		ctx, cancel := context.WithCancel(context.Background())
		w = &worker{cancel: cancel, wake: make(chan struct{}, 1), done: make(chan struct{})}
		s.worker = w
		go s.run(ctx, w)
	}
	s.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// minRetryWait keeps the AutoFlush timer from spinning when the Clock does
// not move in real time.
const minRetryWait = time.Millisecond

// run posts queued statuses when woken and retries when they fall due.
func (s *Server) run(ctx context.Context, w *worker) {
	defer close(w.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		s.flushMu.Lock()
		s.drain(ctx) //nolint:errcheck // tries are journaled
		s.flushMu.Unlock()
		if ctx.Err() != nil {
			return
		}
		var due <-chan time.Time
		if next, ok := s.nextWake(); ok {
			timer.Reset(max(next.Sub(s.now()), minRetryWait))
			due = timer.C
		}
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-w.wake:
		case <-due:
		}
		timer.Stop()
	}
}
