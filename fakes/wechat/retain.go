package wechat

import (
	"time"

	"github.com/omnisim/omnisim/fakes/forget"
)

// What the platform keeps of its customers over a long run: see the
// package comment. Config.ForgetAfter forgets a customer whose deliveries
// are not kept once the customer's last message or event is ForgetAfter
// old (never less than the longer of Window and EventWindow, so that every
// grant of the customer has closed; nothing is forgotten when either
// window never closes): the record (grants, last error) goes, and the
// openid stays, for the rest of the run, in a set of the customers who
// once wrote, as its 64-bit hash (forget.Set, forget.Hash). A send or passive reply to a forgotten customer
// is judged as one to a customer whose every grant closed, which is what
// the record would have said (45015 for a send the rules otherwise
// accept); WindowOpen is false and RepliesLeft 0 as they would be, and
// LastError is nil. A forgotten customer who writes again starts afresh.

// forgetting reports whether the configuration forgets customers.
func (s *Server) forgetting() bool {
	return s.cfg.ForgetAfter > 0 && s.cfg.Window >= 0 && s.cfg.EventWindow >= 0
}

// forgottenLocked reports whether openid is a customer the platform forgot.
func (s *Server) forgottenLocked(openid string) bool {
	return s.gone.Len() > 0 && s.gone.Has(forget.Hash(openid))
}

// returnLocked forgets that openid was forgotten: the customer writes
// again.
func (s *Server) returnLocked(openid string) {
	if s.gone.Len() > 0 {
		s.gone.Remove(forget.Hash(openid))
	}
}

// lookupLocked returns the record of customer openid, or, for a customer
// the platform forgot, a record made for the call (every grant closed, no
// delivery kept); nil for a customer who never wrote.
func (s *Server) lookupLocked(openid string) *customer {
	if c := s.customers[openid]; c != nil || !s.forgottenLocked(openid) {
		return c
	}
	return &customer{openid: openid}
}

// noteInboundLocked records that c wrote (a message or an event) at now
// and forgets the customers whose time has come.
func (s *Server) noteInboundLocked(c *customer, now time.Time) {
	if !s.forgetting() || c.keep {
		return
	}
	ns := now.UnixNano()
	c.last = ns
	// Each inbound of record c is queued; the record is forgotten when
	// the inbound looked at is still its last.
	s.forget.Push(c, ns)
	after := int64(max(s.cfg.ForgetAfter, s.cfg.Window, s.cfg.EventWindow))
	s.forget.Pop(ns, after, func(c *customer, at int64) {
		if c.last == at && s.customers[c.openid] == c {
			delete(s.customers, c.openid)
			s.gone.Add(forget.Hash(c.openid))
		}
	})
}

// Customers returns how many customers the platform holds a record of
// (forgotten ones are not counted).
func (s *Server) Customers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.customers)
}
