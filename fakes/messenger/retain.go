package messenger

import (
	"strconv"
	"time"
)

// What the platform keeps of its customers over a long run: see the
// package comment. Config.ForgetAfter forgets a customer whose deliveries
// are not kept once the customer's last message is ForgetAfter old, and
// ForgetAfter is never shorter than the longest window (Window,
// HumanAgentWindow): the record (last message, last error) goes, and the
// PSID stays only in a set of the customers who once wrote, as the number
// it spells (forget.Set: 11 to 21 bytes each, no string). A send to a forgotten customer is judged as one to a customer
// whose every window closed long ago, which is what the record would have
// said: RESPONSE, UPDATE and HUMAN_AGENT answer 10/2018278, the other tags
// are accepted. A forgotten customer who writes again starts afresh.

// psidKey is the number a PSID (15 to 17 digits, no leading zero) spells:
// one number per PSID.
func psidKey(psid string) (uint64, bool) {
	if !validPSID(psid) {
		return 0, false
	}
	n, err := strconv.ParseUint(psid, 10, 64)
	return n, err == nil
}

// forgottenLocked reports whether psid is a customer the platform forgot.
func (s *Server) forgottenLocked(psid string) bool {
	if s.wrote.Len() == 0 {
		return false
	}
	k, ok := psidKey(psid)
	return ok && s.wrote.Has(k)
}

// noteInboundLocked records that c wrote at now and forgets the customers
// whose time has come.
func (s *Server) noteInboundLocked(c *customer, now time.Time) {
	if s.cfg.ForgetAfter <= 0 || c.keep {
		return
	}
	ns := now.UnixNano()
	// Each message of record c is queued; the record is forgotten when
	// the message looked at is still its last.
	s.forget.Push(c, ns)
	s.forget.Pop(ns, int64(s.cfg.ForgetAfter), func(c *customer, at int64) {
		if c.lastInbound == at && s.customers[c.psid] == c {
			if k, ok := psidKey(c.psid); ok {
				delete(s.customers, c.psid)
				s.wrote.Add(k)
			}
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
