package businessmessages

import "time"

// MaxRetries is how many times the fake retries a webhook whose every try
// fails, under retryFor, delay and maxDelay as [Config.RetryFor],
// [Config.RetryDelay] and [Config.RetryMaxDelay] read them (0 for their
// defaults, a negative retryFor for none): a retry delay after the try
// before it, the delay doubling up to maxDelay, while the retry comes
// within retryFor of the first try. The scenario format counts a
// channel's webhook tries with it.
func MaxRetries(retryFor, delay, maxDelay time.Duration) int {
	if retryFor == 0 {
		retryFor = DefaultRetryFor
	}
	if delay <= 0 {
		delay = DefaultRetryDelay
	}
	if maxDelay <= 0 {
		maxDelay = DefaultRetryMaxDelay
	}
	if retryFor < 0 {
		return 0
	}
	n, at := 0, time.Duration(0)
	for at <= retryFor-delay {
		if delay == maxDelay {
			// Every retry from here on is maxDelay after the one before:
			// counted at once, not one by one.
			return n + int((retryFor-at)/maxDelay)
		}
		at += delay
		n++
		delay = min(2*delay, maxDelay)
	}
	return n
}
