package scenario

import "github.com/omnisim/omnisim/fakes/fault"

// Faults is a channel's [channels.NAME.faults] table: how often the fake
// platform misbehaves as real platforms do at their worst. Every share is
// a probability from 0 to 1; see package fakes/fault for what each fault
// does and the platforms' package docs for their error codes.
type Faults struct {
	// Duplicate, Reorder and Late are shares of the customers' webhooks:
	// delivered twice, held back behind the next webhook, or delivered up
	// to LateBy late.
	Duplicate float64 `toml:"duplicate,omitzero"`
	Reorder   float64 `toml:"reorder,omitzero"`
	Late      float64 `toml:"late,omitzero"`
	// LateBy bounds the delay of late, reordered and duplicate deliveries;
	// default 2m.
	LateBy Duration `toml:"late_by,omitzero"`
	// Timeouts and Errors are shares of webhook tries: the router handles
	// the try but the platform sees a timeout, or the platform's edge
	// answers 5xx and the router sees nothing. Either way the platform
	// retries on its own schedule until the schedule gives up.
	Timeouts float64 `toml:"timeouts,omitzero"`
	Errors   float64 `toml:"errors,omitzero"`
	// Send429 and Send5xx are shares of send API calls the platform
	// refuses before looking at the message: throttled, or a server error.
	Send429 float64 `toml:"send_429,omitzero"`
	Send5xx float64 `toml:"send_5xx,omitzero"`
}

// Plan is the fault plan the channel's fake applies; the zero Plan for a
// nil table.
func (f *Faults) Plan() fault.Plan {
	if f == nil {
		return fault.Plan{}
	}
	return fault.Plan{Duplicate: f.Duplicate, Reorder: f.Reorder, Late: f.Late, LateBy: f.LateBy.D(),
		Timeouts: f.Timeouts, Errors: f.Errors, Send429: f.Send429, Send5xx: f.Send5xx}
}

// faults checks a channel's faults table at path p.
func (v *validator) faults(p string, f *Faults) {
	if f == nil {
		return
	}
	for _, s := range []struct {
		key string
		val float64
	}{{"duplicate", f.Duplicate}, {"reorder", f.Reorder}, {"late", f.Late}, {"timeouts", f.Timeouts},
		{"errors", f.Errors}, {"send_429", f.Send429}, {"send_5xx", f.Send5xx}} {
		if s.val < 0 || s.val > 1 {
			v.errf(p+"."+s.key, "a share is a probability: 0.1 is one in ten",
				"%s.%s: %v is outside 0..1", p, s.key, s.val)
		}
	}
	switch {
	case f.Errors == 1:
		v.errf(p+".errors", "use a share below 1: the platform's retries deliver the rest",
			"%s.errors: every try fails, so the platform gives up on every webhook and nothing reaches the router", p)
	case f.Timeouts >= 0 && f.Errors >= 0 && f.Timeouts+f.Errors > 1:
		v.errf(p+".errors", "a try fails one way at most: keep timeouts + errors at 1 or below",
			"%s: timeouts %v and errors %v add up to more than 1", p, f.Timeouts, f.Errors)
	}
	if f.Send429 >= 0 && f.Send5xx >= 0 && f.Send429+f.Send5xx > 1 {
		v.errf(p+".send_5xx", "a call fails one way at most: keep send_429 + send_5xx at 1 or below",
			"%s: send_429 %v and send_5xx %v add up to more than 1", p, f.Send429, f.Send5xx)
	}
	if v.given[p+".late_by"] {
		switch {
		case f.Late == 0 && f.Reorder == 0 && f.Duplicate == 0:
			v.errf(p+".late_by", "set late, reorder or duplicate",
				"%s.late_by: nothing is delayed without late, reorder or duplicate", p)
		case f.LateBy <= 0:
			v.errf(p+".late_by", "leave it out for the default of 2m", "%s.late_by: must be longer than 0s", p)
		case f.LateBy.D() > maxLateBy:
			v.errf(p+".late_by", "platforms give up on a webhook within days",
				"%s.late_by: %s is out of range: at most %s", p, f.LateBy, Duration(maxLateBy))
		}
	}
}

// maxLateBy bounds faults.late_by: a week, as long as any platform keeps
// retrying a webhook.
const maxLateBy = 7 * 24 * 60 * 60 * 1e9

// restartStep checks a restart_router step: it stands alone.
func (v *validator) restartStep(p string, st *Step) {
	for _, k := range []string{"customer", "agent", "to", "says", "attaches", "template", "close", "take", "transfer", "presence", "caption", "repeat", "every"} {
		if v.given[p+"."+k] && (k != "repeat" || st.Repeat != 1) {
			v.errf(p+"."+k, "use a step of its own for the restart",
				"%s.%s: a restart_router step does nothing else", p, k)
		}
	}
}
