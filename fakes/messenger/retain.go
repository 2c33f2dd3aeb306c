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
// PSID stays only in a set of the customers who once wrote, eight bytes
// each. A send to a forgotten customer is judged as one to a customer
// whose every window closed long ago, which is what the record would have
// said: RESPONSE, UPDATE and HUMAN_AGENT answer 10/2018278, the other tags
// are accepted. A forgotten customer who writes again starts afresh.

// forgetRec is a customer message, looked at ForgetAfter later: the
// message of customer record c at at. The record is forgotten when the
// message looked at is still its last.
type forgetRec struct {
	c  *customer
	at int64 // unix nanoseconds
}

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
	if len(s.wrote) == 0 {
		return false
	}
	k, ok := psidKey(psid)
	if !ok {
		return false
	}
	_, ok = s.wrote[k]
	return ok
}

// noteInboundLocked records that c wrote at now and forgets the customers
// whose time has come.
func (s *Server) noteInboundLocked(c *customer, now time.Time) {
	if s.cfg.ForgetAfter <= 0 || c.keep {
		return
	}
	ns := now.UnixNano()
	s.forget = append(s.forget, forgetRec{c: c, at: ns})
	for s.forgetHead < len(s.forget) {
		r := &s.forget[s.forgetHead]
		if ns-r.at < int64(s.cfg.ForgetAfter) {
			break
		}
		if c := r.c; c.lastInbound.UnixNano() == r.at && s.customers[c.psid] == c {
			if k, ok := psidKey(c.psid); ok {
				delete(s.customers, c.psid)
				s.wrote[k] = struct{}{}
			}
		}
		*r = forgetRec{}
		s.forgetHead++
	}
	// The queue's front is dropped once it is half of the queue, so that
	// its storage follows the customers in play.
	if s.forgetHead > 1024 && 2*s.forgetHead >= len(s.forget) {
		n := copy(s.forget, s.forget[s.forgetHead:])
		clear(s.forget[n:])
		s.forget, s.forgetHead = s.forget[:n], 0
	}
}

// Customers returns how many customers the platform holds a record of
// (forgotten ones are not counted).
func (s *Server) Customers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.customers)
}
