package whatsapp

import (
	"context"
	"errors"
	"net/http"

	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/router"
)

// SendTries is how many times Send posts a message in all (over HTTP or
// to a Config.Graph) when the Graph API answers with a transient error:
// HTTP 5xx, or code 130429 (the number's throughput is reached), with
// HTTP 429 or, as Graph has also answered it, 400. Such an answer means
// Meta did not accept the message, so posting it again cannot deliver it
// twice. The tries follow one another at once: the router decides in the
// caller's time, which does not move during a call (a simulated clock
// stands still; a deployment behind a real clock would wait for
// Retry-After). A refusal that a retry cannot change (the window, the
// pair rate limit 131056, a bad parameter) is not retried. The last
// answer is the one returned.
const SendTries = 3

// postMessage posts a message request, retrying transient refusals, and
// returns the status and answer of the last try, or its error: a
// transport failure, or the refusal a non-2xx answer carries (graphError,
// read once per answer; the answer is then released). The first try goes
// through q when it is set (b may be q's Scratch: q is the caller's to
// release, after the call).
func (a *Adapter) postMessage(ctx context.Context, q *httpcall.Request, b []byte) (int, httpcall.Held, error) {
	for try := 1; ; try++ {
		status, answer, err := a.postJSONWith(ctx, q, a.msgURL, b)
		q = nil // a later try has a request of its own
		if err != nil || status >= 200 && status <= 299 {
			return status, answer, err
		}
		err = graphError(status, answer.Bytes())
		answer.Release()
		if try >= SendTries || status < 500 && !retryable(err) || ctx.Err() != nil {
			return status, httpcall.Held{}, err
		}
	}
}

// retryable reports whether err is a Graph refusal worth another try:
// HTTP 5xx, or code 130429 with HTTP 429 or 400. (Any 5xx answer is, with
// a Graph error or without.)
func retryable(err error) bool {
	pe, ok := errors.AsType[*router.PlatformError](err)
	return ok && (pe.HTTPStatus >= 500 ||
		pe.Code == "130429" && (pe.HTTPStatus == http.StatusTooManyRequests || pe.HTTPStatus == http.StatusBadRequest))
}
