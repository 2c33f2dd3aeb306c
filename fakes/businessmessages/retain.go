package businessmessages

import (
	"time"

	"github.com/omnisim/omnisim/fakes/forget"
)

// What the platform keeps of its conversations over a long run. By
// default it keeps everything. Config.KeepDeliveries limits the delivery
// history (Server.Deliveries) to the conversations it names; the others'
// deliveries are counted (Counts, the journal's newest entries) but not
// kept. Config.ForgetAfter forgets a conversation whose deliveries are not
// kept once its user's last message is ForgetAfter old and the window
// (Config.Window) has closed, whichever is later: its record and the
// messageIds the agent used in it. Records are looked at only when a user message comes, so
// that the work follows the messages.
//
// A user who writes again starts a conversation afresh, as one whose
// window closed long ago: every send and event is answered as before,
// since a closed window refuses every send before its messageId is looked
// at. Two answers change, both to calls a world does not make once a
// conversation is over: a send or an event to a forgotten conversation
// whose user has not written again is answered 403 PERMISSION_DENIED, as
// for a conversation that never existed (not 400 FAILED_PRECONDITION for a
// send, 200 for an event), and a messageId used before the conversation
// was forgotten is accepted again (the scope of ALREADY_EXISTS is
// UNCONFIRMED).

// sweeps is how many times the records are looked at in the time one is
// kept. The records are swept, not queued per message as the fakes of
// shorter windows queue theirs (fakes/forget): a queue would hold a whole
// 30-day window of messages (a 90-day load run peaked 15% higher, 590
// against 512 MiB on direct).
const sweeps = 8

// kept reports whether conversation id's deliveries are kept: asked once,
// when its record is made (conv.keep).
func (s *Server) kept(id string) bool {
	return s.cfg.KeepDeliveries == nil || s.cfg.KeepDeliveries(id)
}

// noteUserLocked forgets, when a user writes at now, the conversations
// whose time has come. It looks at every record once per eighth of the
// time a record is kept, so that the work per message stays constant
// (amortized) and a record stays at most an eighth as long again. s.mu is
// held.
func (s *Server) noteUserLocked(now time.Time) {
	ns := now.UnixNano()
	after := max(s.cfg.ForgetAfter, s.cfg.Window) // the window has closed
	if s.cfg.ForgetAfter <= 0 || s.cfg.Window < 0 || s.swept && !forget.Old(ns, s.sweptAt, int64(after/sweeps)) {
		return
	}
	for id, c := range s.convs {
		if forget.Old(ns, c.lastUser, int64(after)) && !c.keep {
			delete(s.convs, id)
		}
	}
	s.sweptAt, s.swept = ns, true
}

// Conversations returns how many conversations the platform has a record
// of.
func (s *Server) Conversations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.convs)
}
