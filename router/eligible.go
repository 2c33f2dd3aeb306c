package router

import "time"

// eligibleNow says whether the agent can take a conversation in one of
// its groups: online, below capacity, and inside its hours or a member of
// a group that ignores them.
func (a *agent) eligibleNow() bool {
	return a.online && a.active < a.capacity && (a.onShift || a.anyHours)
}

// trackEligible brings the agent's eligible time up to now (n in unix ns,
// which the caller has at hand) after its presence, hours or load may have
// changed.
func (a *agent) trackEligible(now time.Time, n int64) {
	on := a.eligibleNow()
	if on == a.eligible {
		return
	}
	if on {
		a.eligibleSince, a.eligibleSinceNano = now, n
	} else {
		a.eligibleTotal += time.Duration(n - a.eligibleSinceNano)
	}
	a.eligible = on
}
