package douyin

import (
	"errors"

	"github.com/omnisim/omnisim/router"
)

// SendTries is how many times Send posts a reply in all when Douyin answers
// with a transient error_code: 28003018 (请求频率过高, the app called too
// often) or 2100004 (系统繁忙, an internal error the developer is told to
// retry). Such an answer means Douyin did not take the message, so posting
// it again cannot deliver it twice (the send API has no idempotency key: a
// transport failure, after which the message may have gone out, is not
// retried). The tries follow one another at once: the router decides in
// the caller's time, which does not move during a call. Other codes (the
// reply window and quota 28003017, a bad parameter, a missing scope) are
// not retried; an expired token (28001008) is refreshed and the same try
// made again. The last answer is the one returned.
const SendTries = 3

// Transient error_codes.
const (
	codeRate = "28003018"
	codeBusy = "2100004"
)

// transient reports whether err is a refusal a retry may clear.
func transient(err error) bool {
	if err == nil {
		return false
	}
	var pe *router.PlatformError // on the heap (errors.As): only for a failure
	return errors.As(err, &pe) && (pe.Code == codeRate || pe.Code == codeBusy)
}

// retryTransient runs do up to SendTries times while it fails with a
// transient error_code.
func retryTransient(do func() (string, error)) (string, error) {
	for try := 1; ; try++ {
		id, err := do()
		if err == nil || try >= SendTries || !transient(err) {
			return id, err
		}
	}
}
