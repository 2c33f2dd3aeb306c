package wechat

import (
	"encoding/base64"
	"time"
)

// What the platform keeps of its customers over a long run: see the
// package comment. Config.ForgetAfter forgets a customer whose deliveries
// are not kept once the customer's last message or event is ForgetAfter
// old (never less than the longer of Window and EventWindow, so that every
// grant of the customer has closed; nothing is forgotten when either
// window never closes): the record (grants, last error) goes, and the
// openid stays in a set of the customers who once wrote, 20 bytes for an
// openid of WeChat's form. A send or passive reply to a forgotten customer
// is judged as one to a customer whose every grant closed, which is what
// the record would have said (45015 for a send the rules otherwise
// accept); WindowOpen is false and RepliesLeft 0 as they would be, and
// LastError is nil. A forgotten customer who writes again starts afresh.

// openidEncoding decodes an openid of WeChat's form ("o" and 27 url-safe
// base64 characters) into the 20 bytes it spells, rejecting a non-canonical
// last character so that one key is one openid.
var openidEncoding = base64.RawURLEncoding.Strict()

// openidKey is the 20 bytes an openid of WeChat's form spells.
func openidKey(openid string) (k [20]byte, ok bool) {
	if len(openid) != 28 || openid[0] != 'o' {
		return k, false
	}
	n, err := openidEncoding.Decode(k[:], []byte(openid[1:]))
	return k, err == nil && n == len(k)
}

// forgetting reports whether the configuration forgets customers.
func (s *Server) forgetting() bool {
	return s.cfg.ForgetAfter > 0 && s.cfg.Window >= 0 && s.cfg.EventWindow >= 0
}

// forgottenLocked reports whether openid is a customer the platform forgot.
func (s *Server) forgottenLocked(openid string) bool {
	if len(s.goneKeys)+len(s.goneIDs) == 0 {
		return false
	}
	if k, ok := openidKey(openid); ok {
		_, ok = s.goneKeys[k]
		return ok
	}
	_, ok := s.goneIDs[openid]
	return ok
}

// returnLocked forgets that openid was forgotten: the customer writes
// again.
func (s *Server) returnLocked(openid string) {
	if len(s.goneKeys)+len(s.goneIDs) == 0 {
		return
	}
	if k, ok := openidKey(openid); ok {
		delete(s.goneKeys, k)
	} else {
		delete(s.goneIDs, openid)
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
			if k, ok := openidKey(c.openid); ok {
				s.goneKeys[k] = struct{}{}
			} else {
				s.goneIDs[c.openid] = struct{}{}
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
