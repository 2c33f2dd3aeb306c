package router

import "time"

// eligibleNow says whether the agent can take a conversation in one of
// its groups: online, below capacity, and inside its hours or a member of
// a group that ignores them.
func (a *agent) eligibleNow() bool {
	return a.online && a.active < a.capacity && (a.onShift || a.anyHours)
}

// trackEligible brings the agent's eligible time up to now after its
// presence, hours or load may have changed.
func (a *agent) trackEligible(now time.Time) {
	on := a.eligibleNow()
	if on == a.eligible {
		return
	}
	if on {
		a.eligibleSince, a.eligibleSinceNano = now, now.UnixNano()
	} else {
		a.eligibleTotal += time.Duration(now.UnixNano() - a.eligibleSinceNano)
	}
	a.eligible = on
}
