package whatsapp

import (
	"slices"
	"time"
)

// Read statuses: the customer reads a delivered message (Limits.
// ReadProbability, drawn from the Seed and the message) ReadAfter after its
// delivery, and the business gets a "read" status webhook then.

// readDraw is a uniform draw in [0, 1) for the message with wamid counter
// part part: a function of the seed and the message alone, so the same
// seed and sends give the same reads, whatever else happens.
func readDraw(seed, part uint64) float64 {
	return float64(mix64(seed^mix64(part^0x5eadbeef))>>11) / (1 << 53)
}

// scheduleReadLocked decides whether the customer reads the message whose
// "sent" and "delivered" statuses were just queued, and queues its "read"
// status: in place of "delivered" when it is read at once (Meta sends no
// delivered event then), else for ReadAfter later. s.mu must be held.
func (s *Server) scheduleReadLocked(part uint64) {
	l := &s.lim
	if l.readP <= 0 || len(s.queue) == 0 {
		return
	}
	if l.readP < 1 && readDraw(s.cfg.Seed, part) >= l.readP {
		return
	}
	d := s.queue[len(s.queue)-1] // the delivered status
	d.status = "read"
	l.readN++
	if l.readAfter == 0 {
		s.queue[len(s.queue)-1] = d
		return
	}
	d.at, d.hold = d.at.Add(l.readAfter), nil
	i := len(l.reads)
	for i > 0 && l.reads[i-1].at.After(d.at) {
		i--
	}
	l.reads = slices.Insert(l.reads, i, d)
}

// releaseReadsLocked moves the read statuses due at now to the queue.
// s.mu must be held.
func (s *Server) releaseReadsLocked(now time.Time) {
	l := &s.lim
	k := 0
	for k < len(l.reads) && !l.reads[k].at.After(now) {
		k++
	}
	if k == 0 {
		return
	}
	s.queue = append(s.queue, l.reads[:k]...)
	clear(l.reads[:k])
	l.reads = l.reads[k:]
	if len(l.reads) == 0 {
		l.reads = nil
	}
}

// NextRead returns when the earliest read status not yet queued is due
// (Clock time); false when none waits.
func (s *Server) NextRead() (at time.Time, ok bool) {
	s.mu.Lock()
	if len(s.lim.reads) > 0 {
		at, ok = s.lim.reads[0].at, true
	}
	s.mu.Unlock()
	return at, ok
}

// ReadStatuses returns how many read statuses the customers' reads have
// produced so far (queued, waiting or posted).
func (s *Server) ReadStatuses() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lim.readN
}

// nextWake is when the AutoFlush goroutine must next wake: the earliest
// retry or read status due.
func (s *Server) nextWake() (time.Time, bool) {
	r, rok := s.NextRetry()
	d, dok := s.NextRead()
	switch {
	case rok && dok:
		if d.Before(r) {
			return d, true
		}
		return r, true
	case dok:
		return d, true
	}
	return r, rok
}
