package line

import (
	"encoding/hex"
	"time"
)

// What the platform keeps of its users over a long run: see the package
// comment. Config.ForgetAfter forgets a user whose deliveries are not kept
// and who has not blocked the account once the user's last event is
// ForgetAfter old (never less than the reply-token expiry, so that no
// token of the user can still be used): the record goes, and the user id
// stays, as 16 bytes with the display name, in a table of the users who
// once talked to the account. A push to a forgotten user is accepted and
// delivered, and GET /v2/bot/profile answers the name, as they would
// with the record; a forgotten user who writes again starts afresh.

// forgetRec is a user's event, looked at ForgetAfter later: an event of
// user record u (of id), queued at its instant. The record is forgotten
// when the event looked at is still the user's last.
type forgetRec struct {
	u  *user
	id string
}

// friendKey is the 16 bytes a user id ("U" and 32 lower-case hex digits)
// spells.
func friendKey(id string) (k [16]byte, ok bool) {
	if !IsUserID(id) {
		return k, false
	}
	_, err := hex.Decode(k[:], []byte(id[1:]))
	return k, err == nil
}

// userOfLocked returns the record of the user with id, or, for a user the
// platform forgot, a record made for the call (not blocked, deliveries
// not kept); nil for a user the account does not know.
func (s *Server) userOfLocked(id string) *user {
	if u := s.users[id]; u != nil || len(s.friends)+len(s.friendIDs) == 0 {
		return u
	}
	return s.friendLocked(id)
}

// friendLocked returns a record made for the call for a user the platform
// forgot; nil for a user it does not know.
func (s *Server) friendLocked(id string) *user {
	if k, ok := friendKey(id); ok {
		if _, ok := s.friendIDs[k]; ok {
			return &user{name: id}
		}
		if name, ok := s.friends[k]; ok {
			return &user{name: name}
		}
	}
	return nil
}

// befriendLocked gives the new record u of a forgotten user (of id) the
// display name remembered, and forgets that the user was forgotten.
func (s *Server) befriendLocked(u *user, id string) {
	k, ok := friendKey(id)
	if !ok {
		return
	}
	if _, ok := s.friendIDs[k]; ok {
		u.name = id
		delete(s.friendIDs, k)
	} else if name, ok := s.friends[k]; ok {
		u.name = name
		delete(s.friends, k)
	}
}

// noteEventLocked records that u (of id) had an event at now and forgets
// the users whose time has come.
func (s *Server) noteEventLocked(u *user, id string, now time.Time) {
	if s.cfg.ForgetAfter <= 0 || u.keep {
		return
	}
	ns := now.UnixNano()
	u.last = ns
	s.forget.Push(forgetRec{u: u, id: id}, ns)
	s.forget.Pop(ns, int64(s.cfg.ForgetAfter), func(r forgetRec, at int64) {
		if u := r.u; u.last == at && !u.blocked && s.users[r.id] == u {
			if k, ok := friendKey(r.id); ok {
				delete(s.users, r.id)
				if u.name == r.id {
					s.friendIDs[k] = struct{}{}
				} else {
					s.friends[k] = u.name
				}
			}
		}
	})
}

// Users returns how many users the platform holds a record of (forgotten
// ones are not counted).
func (s *Server) Users() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.users)
}
