package router

import "time"

// eligibleNow says whether the agent can take a conversation in a group
// that keeps working hours: online, inside its hours and below capacity.
func (a *agent) eligibleNow() bool { return a.online && a.onShift && a.active < a.capacity }

// trackEligible brings the agent's eligible time up to now after its
// presence, hours or load may have changed.
func (a *agent) trackEligible(now time.Time) {
	on := a.eligibleNow()
	if on == a.eligible {
		return
	}
	if on {
		a.eligibleSince = now
	} else {
		a.eligibleTotal += now.Sub(a.eligibleSince)
	}
	a.eligible = on
}
