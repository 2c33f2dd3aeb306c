package line

import (
	"time"

	"github.com/omnisim/omnisim/fakes/forget"
)

// What the platform keeps of its users over a long run: see the package
// comment. Config.ForgetAfter forgets a user whose deliveries are not kept
// and who has not blocked the account once the user's last event is
// ForgetAfter old (never less than the reply-token expiry, so that no token
// of the user can still be used) and no webhook of the user's events is
// still to be delivered (its first try, a redelivery, a try a fault plan
// holds, a duplicate), so that a router handling a late message never asks
// the profile of a forgotten user: the record goes, and the user id stays,
// for the rest of the run, as its 64-bit hash in a set of the users who once
// talked to the account (forget.Set, forget.Hash). A push to a forgotten
// user is accepted and delivered as it would be with the record, and GET
// /v2/bot/profile answers the user id as the display name; a forgotten user
// who writes again starts afresh, named by the id unless a name is given.

// forgetRec is a user's event, looked at ForgetAfter later: an event of
// user record u (of id), queued at its instant. The record is forgotten
// when the event looked at is still the user's last.
type forgetRec struct {
	u  *user
	id string
}

// userOfLocked returns the record of the user with id, or, for a user the
// platform forgot, a record made for the call (named by the id, not
// blocked, deliveries not kept); nil for a user the account does not know.
func (s *Server) userOfLocked(id string) *user {
	if u := s.users[id]; u != nil || s.friends.Len() == 0 {
		return u
	}
	return s.friendLocked(id)
}

// friendLocked returns a record made for the call for a user the platform
// forgot; nil for a user it does not know.
func (s *Server) friendLocked(id string) *user {
	if s.friends.Has(forget.Hash(id)) {
		return &user{name: id}
	}
	return nil
}

// befriendLocked names the new record u of a user (of id) the platform
// forgot by the id, and forgets that the user was forgotten.
func (s *Server) befriendLocked(u *user, id string) {
	if s.friends.Remove(forget.Hash(id)) {
		u.name = id
	}
}

// noteEventLocked records that u (of id) had an event at now, to be
// delivered in a webhook (see hooksLocked), and forgets the users whose
// time has come; a user with a webhook still to deliver is forgotten once
// the last is delivered or given up.
func (s *Server) noteEventLocked(u *user, id string, now time.Time) {
	if s.cfg.ForgetAfter <= 0 || u.keep {
		return
	}
	ns := now.UnixNano()
	u.last, u.due = ns, false
	u.hooks++
	s.forget.Push(forgetRec{u: u, id: id}, ns)
	s.forget.Pop(ns, int64(s.cfg.ForgetAfter), func(r forgetRec, at int64) {
		if u := r.u; u.last == at && !u.blocked && s.users[r.id] == u {
			if u.hooks > 0 {
				u.due = true
			} else {
				s.forgetLocked(r.id)
			}
		}
	})
}

// hooksLocked counts d more (or, negative, fewer) webhooks to deliver of
// events, for the users the platform may forget; a user due to be
// forgotten is forgotten when the count falls to zero.
func (s *Server) hooksLocked(events []Event, d int32) {
	if s.cfg.ForgetAfter <= 0 {
		return
	}
	for i := range events {
		id := events[i].UserID
		if u := s.users[id]; u != nil && !u.keep {
			if u.hooks += d; u.hooks == 0 && u.due && !u.blocked {
				s.forgetLocked(id)
			}
		}
	}
}

// forgetLocked drops the record of the user id, remembering that the user
// talked to the account.
func (s *Server) forgetLocked(id string) {
	delete(s.users, id)
	s.friends.Add(forget.Hash(id))
}

// Users returns how many users the platform holds a record of (forgotten
// ones are not counted).
func (s *Server) Users() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.users)
}
