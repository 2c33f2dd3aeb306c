package douyin

import "math"

// What the platform keeps of its customers over a long run. By default it
// keeps everything. Config.KeepDeliveries limits the delivery history
// (Server.Deliveries) to the customers it names; the others' deliveries
// are counted (Counts, the journal's newest entries) but not kept.
// Config.ForgetAfter forgets a customer whose deliveries are not kept once
// the customer's last message or entry is ForgetAfter old and the reply
// window (Config.Window) has closed, whichever is later: the customer's
// record (conversation, recent message ids, reply count, last error).
// Records are looked at only when a customer writes or enters, so that
// the work follows the messages. With a window that never closes nothing
// is forgotten, since a reply count lasts until the next message.
//
// A customer who writes again starts afresh, as one whose window closed
// long ago: a message opens the window and resets the reply count, so
// every reply to it is answered as before. What changes, all of it about
// a customer nothing has heard from for longer than the window: the
// returning customer's conversation_short_id is drawn anew (the ids of
// conversations that follow shift by one); a reply naming a message from
// before the customer was forgotten is refused as naming no recent
// message; a send to a forgotten customer who has not written again, and
// the customer's LastError, RepliesLeft and Latest, answer as for one who
// never wrote.

// sweeps is how many times the records are looked at in the time one is
// kept.
const sweeps = 8

// kept reports whether the deliveries of the customer with openID are
// kept: asked once, when the customer's record is made (customer.keep).
func (s *Server) kept(openID string) bool {
	return s.cfg.KeepDeliveries == nil || s.cfg.KeepDeliveries(openID)
}

// firstSweep is when the customers are first looked at to be forgotten:
// never without ForgetAfter or with a window that never closes.
func firstSweep(cfg *Config) int64 {
	if cfg.ForgetAfter <= 0 || cfg.Window < 0 {
		return math.MaxInt64
	}
	return math.MinInt64
}

// forgetLocked forgets, when a customer writes or enters at ns (unix
// nanoseconds, at or after sweepAt), the customers whose time has come. It
// looks at every record once per eighth of the time a record is kept, so
// that the work per message stays constant (amortized) and a record stays
// at most an eighth as long again. s.mu is held.
func (s *Server) forgetLocked(ns int64) {
	after := int64(max(s.cfg.ForgetAfter, s.cfg.Window)) // the window has closed
	for id, c := range s.customers {
		if ns-c.seen >= after && !c.keep {
			delete(s.customers, id)
		}
	}
	s.sweepAt = ns + after/sweeps
	if s.sweepAt < ns { // past the end of time
		s.sweepAt = math.MaxInt64
	}
}

// Customers returns how many customers the platform has a record of.
func (s *Server) Customers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.customers)
}
