package messenger

import (
	"errors"
	"strings"

	"github.com/omnisim/omnisim/router"
)

// SendTries is how many times Send posts a message in all while the Graph
// API answers with a refusal that guarantees the message was not sent.
// Messenger has no idempotency key, so only such refusals are retried:
//
//   - code 4 (application request limit) and 613 (the Send API's rate
//     limit), whatever their HTTP status (429, or 400 as Graph has
//     answered them too): the call was turned away before the message was
//     looked at;
//   - code 2 ("An unexpected error has occurred. Please retry your request
//     later.", HTTP 500, is_transient) and 1200 ("Temporary send message
//     failure. Please try again later."): Graph asks for the same call
//     again, which it would not for a message it had accepted.
//
// Code 1 ("An unknown error occurred") is not retried: Meta documents it
// (subcode 1357046) for messages that were all sent although the answer
// is an error. Nor is a transport error or an answer that is not Graph's
// envelope: the message may have gone out. The tries follow one another
// at once: the router decides in the caller's time, which does not move
// during a call. The last answer is the one returned.
const SendTries = 3

// transientCodes are the Graph codes [SendTries] covers.
var transientCodes = []string{"4", "613", "2", "1200"}

// transient reports whether err is a refusal worth another try.
func transient(err error) bool {
	if err == nil {
		return false
	}
	var pe *router.PlatformError // on the heap (errors.As): only for a failure
	if !errors.As(err, &pe) {
		return false
	}
	code, _, _ := strings.Cut(pe.Code, "/")
	for _, c := range transientCodes {
		if code == c {
			return true
		}
	}
	return false
}

// retryTransient runs send up to SendTries times while it fails with a
// transient refusal, and counts the retries.
func (a *Adapter) retryTransient(send func() (string, error)) (string, error) {
	for try := 1; ; try++ {
		id, err := send()
		if err == nil || try >= SendTries || !transient(err) {
			return id, err
		}
		a.mu.Lock()
		a.stats.SendRetries++
		a.mu.Unlock()
	}
}
