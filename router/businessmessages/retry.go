package businessmessages

import (
	"errors"

	"github.com/omnisim/omnisim/router"
)

// SendTries is how many times Send posts a message in all when Google
// answers with a transient status: 429 RESOURCE_EXHAUSTED (a quota), 503
// UNAVAILABLE or 500 INTERNAL (a server error). Every try carries the same
// messageId, Business Messages' own idempotency key: Google answers 409
// ALREADY_EXISTS to a messageId it has already accepted, so a message
// can never be delivered twice, and an ALREADY_EXISTS on a second or later
// try means an earlier try was accepted although its answer was lost: Send
// reports the message sent. The tries follow one another at once: the
// router decides in the caller's time, which does not move during a call.
// Other statuses are not retried. The last answer is the one returned.
const SendTries = 3

// Transient reports whether Google's status code (as in
// router.PlatformError.Code) is one a client may retry at once:
// RESOURCE_EXHAUSTED, UNAVAILABLE or INTERNAL.
func Transient(code string) bool {
	switch code {
	case "RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL":
		return true
	}
	return false
}

// Retry runs post, one try of the same message, up to SendTries times
// while it fails with a transient status; an ALREADY_EXISTS after the
// first try is success.
func Retry(post func() error) error {
	for try := 1; ; try++ {
		err := post()
		if err == nil {
			return nil
		}
		var pe *router.PlatformError // on the heap (errors.As): only for a failure
		if !errors.As(err, &pe) {
			return err
		}
		if try > 1 && pe.Code == "ALREADY_EXISTS" {
			return nil
		}
		if try >= SendTries || !Transient(pe.Code) {
			return err
		}
	}
}
