package whatsapp

import (
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/omnisim/omnisim/splitmix"
)

// Read statuses: the customer reads a delivered message (Limits.
// ReadProbability, drawn from the Seed and the message) ReadAfter after its
// delivery, and the business gets a "read" status webhook then.

// readDraw is a uniform draw in [0, 1) for the message with wamid counter
// part part: a function of the seed and the message alone, so the same
// seed and sends give the same reads, whatever else happens.
func readDraw(seed, part uint64) float64 {
	return float64(splitmix.Mix(seed^splitmix.Mix(part^0x5eadbeef))>>11) / (1 << 53)
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
	if i == 0 {
		s.noteDueLocked()
	}
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
	s.noteDueLocked()
}

// statusDue is when the status queue and the read statuses waiting next
// have something due, for Statuses and NextRead to see "nothing" without
// the lock. Only holders of Server.mu store it, after each change to the
// queue or the reads, so a reader sees the state of the last change.
type statusDue struct {
	// at is the unix nanoseconds from which something is due:
	// math.MinInt64 while a status is queued, read otherwise.
	at atomic.Int64
	// read is the unix nanoseconds of the first waiting read status:
	// noDue when none waits, math.MinInt64 when its time has no unix
	// nanoseconds (outside the years 1678 to 2262).
	read atomic.Int64
}

// noDue is statusDue's value for nothing waiting. The zero statusDue
// reads as "ask under the lock" until New sets it.
const noDue = math.MaxInt64

// queued notes that a status is queued.
func (d *statusDue) queued() { d.at.Store(math.MinInt64) }

// dueBy reports whether a status is queued or a read status is due at
// now; false only when nothing is.
func (s *Server) dueBy(now time.Time) bool {
	at := s.due.at.Load()
	switch at {
	case noDue:
		return false
	case math.MinInt64:
		return true
	}
	if sec := now.Unix(); sec <= minNanoSec || sec >= maxNanoSec {
		return true // the caller compares whole times
	}
	return now.UnixNano() >= at
}

// minNanoSec and maxNanoSec bound the unix seconds strictly within which
// every time has unix nanoseconds.
const minNanoSec, maxNanoSec = math.MinInt64/int64(time.Second) - 1, math.MaxInt64 / int64(time.Second)

// noteDueLocked sets s.due from the queue and the reads waiting. s.mu
// must be held.
func (s *Server) noteDueLocked() {
	read := int64(noDue)
	if len(s.lim.reads) > 0 {
		read = math.MinInt64
		if t := s.lim.reads[0].at; t.Unix() > minNanoSec && t.Unix() < maxNanoSec {
			read = t.UnixNano()
		}
	}
	at := read
	if len(s.queue) > 0 {
		at = math.MinInt64
	}
	s.due.at.Store(at)
	s.due.read.Store(read)
}

// NextReadNanos is NextRead in unix nanoseconds, read without the lock
// (for a caller that may ask as often as between every two events); ok is false when no
// read status waits. A read status due outside the years 1678 to 2262 has
// no unix nanoseconds: ns is math.MinInt64 then, and NextRead has its
// time.
func (s *Server) NextReadNanos() (ns int64, ok bool) {
	ns = s.due.read.Load()
	return ns, ns != noDue
}

// NextRead returns when the earliest read status not yet queued is due
// (Clock time); false when none waits.
func (s *Server) NextRead() (at time.Time, ok bool) {
	if s.due.read.Load() == noDue {
		return at, false
	}
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
