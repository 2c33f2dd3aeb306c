package douyin

// What the platform keeps of its customers over a long run. By default it
// keeps everything; a positive Config.JournalLimit keeps only each
// customer's newest deliveries. Config.KeepDeliveries limits the delivery
// history (Server.Deliveries) to the customers it names; the others'
// deliveries are counted (Counts, the journal's newest entries) but not
// kept. Config.ForgetAfter forgets a customer whose deliveries are not kept
// once the customer's last message or entry is ForgetAfter old and the reply
// window (Config.Window) has closed, whichever is later: the customer's
// record (conversation, recent message ids, reply count, last error). Each
// message and entry is queued (fakes/forget) and looked at once that old,
// when a later one comes, so that the work follows the messages. With a
// window that never closes nothing is forgotten, since a reply count lasts
// until the next message.
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

// kept reports whether the deliveries of the customer with openID are
// kept: asked once, when the customer's record is made (customer.keep).
func (s *Server) kept(openID string) bool {
	return s.cfg.KeepDeliveries == nil || s.cfg.KeepDeliveries(openID)
}

// noteLocked records that customer c wrote or entered at ns (unix
// nanoseconds, c.seen), and forgets the customers whose time has come.
// Each of c's messages and entries is queued; the record is forgotten when
// the one looked at is still its last. s.mu is held.
func (s *Server) noteLocked(c *customer, ns int64) {
	if s.cfg.ForgetAfter <= 0 || s.cfg.Window < 0 || c.keep {
		return
	}
	s.forget.Push(c, ns)
	after := int64(max(s.cfg.ForgetAfter, s.cfg.Window)) // the window has closed
	s.forget.Pop(ns, after, func(c *customer, at int64) {
		if c.seen == at && s.customers[c.openID] == c {
			delete(s.customers, c.openID)
		}
	})
}

// Customers returns how many customers the platform has a record of.
func (s *Server) Customers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.customers)
}
