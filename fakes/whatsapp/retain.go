package whatsapp

import "time"

// What the platform keeps of its customers over a long run. By default it
// keeps everything. Config.KeepDeliveries limits the delivery history
// (Server.Deliveries) to the customers it names; the others' deliveries
// are counted (Counts, the journal's newest entries) but not kept.
// Config.ForgetAfter forgets a customer whose deliveries are not kept once
// the customer's last message is that old and the customer's billing
// conversation has expired: the customer's record (window, conversation,
// last error) and the wamids of the customer's messages, which can no
// longer be marked as read. A customer who writes again starts afresh, as
// one whose window closed long ago: the rules answer every send as before,
// since a window and a conversation that have ended leave nothing a later
// send depends on.

// forgetRec is a customer message, queued to be looked at ForgetAfter
// later.
type forgetRec struct {
	waID string
	at   time.Time
}

// kept reports whether c's deliveries are kept.
func (s *Server) kept(c *customer) bool {
	return s.cfg.KeepDeliveries == nil || s.cfg.KeepDeliveries(c.waID)
}

// noteInboundLocked records that c wrote at now, with the wamid counter
// part, and forgets the customers whose time has come.
func (s *Server) noteInboundLocked(c *customer, part uint64, now time.Time) {
	if s.cfg.ForgetAfter <= 0 {
		return
	}
	c.parts = append(c.parts, part)
	s.forget = append(s.forget, forgetRec{waID: c.waID, at: now})
	for s.forgetHead < len(s.forget) {
		r := &s.forget[s.forgetHead]
		if now.Sub(r.at) < s.cfg.ForgetAfter {
			break
		}
		if c := s.customers[r.waID]; c != nil && c.lastInbound.Equal(r.at) && !now.Before(c.conv.expires) && !s.kept(c) {
			for _, p := range c.parts {
				delete(s.inbound, p)
			}
			delete(s.customers, r.waID)
		}
		*r = forgetRec{}
		s.forgetHead++
	}
	if s.forgetHead > 1024 && s.forgetHead*2 > len(s.forget) {
		n := copy(s.forget, s.forget[s.forgetHead:])
		clear(s.forget[n:])
		s.forget, s.forgetHead = s.forget[:n], 0
	}
}

// Customers returns how many customers the platform has a record of.
func (s *Server) Customers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.customers)
}
