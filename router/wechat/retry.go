package wechat

import (
	"errors"

	"github.com/omnisim/omnisim/router"
)

// SendTries is how many times Send posts a message in all when WeChat
// answers with a transient errcode: -1 ("system error", WeChat's "system
// busy, try again later") or 45011 (the API's per-minute frequency
// limit). Such an answer means WeChat did not take the message, so
// posting it again cannot deliver it twice. The tries follow one another
// at once: the router decides in the caller's time, which does not move
// during a call. Other errcodes (the 48-hour window, the reply quota, a
// daily quota) are not retried. The last answer is the one returned.
const SendTries = 3

// Transient errcodes.
const (
	codeSystemBusy  = "-1"
	codeMinuteQuota = "45011"
)

// retryTransient runs do up to SendTries times while it fails with a
// transient errcode.
func retryTransient(do func() error) error {
	for try := 1; ; try++ {
		err := do()
		if err == nil || try >= SendTries {
			return err
		}
		var pe *router.PlatformError // on the heap (errors.As): only for a failure
		if !errors.As(err, &pe) || pe.Code != codeSystemBusy && pe.Code != codeMinuteQuota {
			return err
		}
	}
}
