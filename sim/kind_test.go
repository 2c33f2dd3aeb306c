package sim

import (
	"testing"

	"github.com/omnisim/omnisim/router"
)

// kindOf tells every kind of the engine's events: each kind the world
// acts on as itself, in the constant's bytes or in bytes of its own, and
// every other kind, and strings that are no kind, as kindOther.
func TestKindOf(t *testing.T) {
	want := map[router.EventKind]kind{
		router.EventOpened: kindOpened, router.EventQueued: kindQueued, router.EventAssigned: kindAssigned,
		router.EventClosed: kindClosed, router.EventInbound: kindInbound, router.EventSent: kindSent,
		router.EventRefused: kindRefused, router.EventFailed: kindFailed, router.EventStatus: kindStatus,
	}
	all := []router.EventKind{router.EventOpened, router.EventQueued, router.EventAssigned, router.EventInbound,
		router.EventSent, router.EventRefused, router.EventFailed, router.EventStatus, router.EventMissed,
		router.EventClosed, router.EventOnline, router.EventOffline, router.EventShiftStarted, router.EventShiftEnded,
		router.EventOverflowed, router.EventReassigned, router.EventTransferred, router.EventBot, router.EventHandoff,
		"", "s", "se", "sent ", "Sent", "opene", "openedd", "xpened", "closex"}
	for _, k := range all {
		copied := router.EventKind([]byte(k)) // the same name in bytes of its own
		for _, k := range []router.EventKind{k, copied} {
			if got := kindOf(k); got != want[k] {
				t.Errorf("kindOf(%q) = %d, want %d", k, got, want[k])
			}
		}
	}
}
