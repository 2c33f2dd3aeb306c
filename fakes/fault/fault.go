// Package fault makes a fake platform misbehave the way real messaging
// platforms do at their worst, on purpose and reproducibly. It is
// platform-neutral: a [Plan] says how often each fault happens, a [Decider]
// seeded from the fake's own seed draws the fault of each webhook, each
// webhook try and each send call, and [Queue] holds the webhooks a fault
// delays until they are due. Each fake applies the decisions in its one
// webhook-delivery place and its send handlers, answering with its own
// platform's error bodies and following its own retry schedule.
//
// The faults:
//
//   - Duplicate: a webhook is delivered a second time, the same bytes with
//     the same signature, up to LateBy later (at once when LateBy is 0), as
//     platforms that promise at-least-once delivery do.
//   - Reorder: a webhook is held back and delivered right after the next
//     webhook of the same fake (or LateBy later, whichever comes first), so
//     that the router sees two messages out of order.
//   - Late: a webhook is delivered up to LateBy after the platform made it;
//     its payload keeps the platform's original timestamp.
//   - Timeout: one try of a webhook reaches the router, which handles it,
//     but the platform sees no answer in time; it counts the try as failed
//     and retries on its own schedule, so the router gets the same message
//     again.
//   - Error: one try of a webhook is answered 5xx by the platform's own edge
//     and never reaches the router; the platform retries on its schedule,
//     until the schedule gives up.
//   - Send429 and Send5xx: a send API call is refused before the platform
//     looks at the message (throttled, or a server error), with the
//     platform's own error envelope. The message is not accepted, so a
//     client may safely send it again.
//
// A zero Plan has no fault at all; a fake given one behaves exactly as
// without a plan. Decisions read only the Decider's own random stream:
// the same plan, seed and sequence of calls give the same faults.
package fault

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Plan is how often a fake misbehaves. Shares are probabilities from 0 to
// 1: Duplicate, Reorder and Late of each webhook (drawn once per webhook,
// in that order: a webhook that is reordered is not also late), Timeouts
// and Errors of each try of a webhook, Send429 and Send5xx of each send API
// call.
type Plan struct {
	Duplicate float64       `toml:"duplicate,omitzero"`
	Reorder   float64       `toml:"reorder,omitzero"`
	Late      float64       `toml:"late,omitzero"`
	LateBy    time.Duration `toml:"late_by,omitzero"` // bound of a late or duplicate delivery's delay; DefaultLateBy when 0
	Timeouts  float64       `toml:"timeouts,omitzero"`
	Errors    float64       `toml:"errors,omitzero"`
	Send429   float64       `toml:"send_429,omitzero"`
	Send5xx   float64       `toml:"send_5xx,omitzero"`
}

// DefaultLateBy bounds the delay of late, reordered and duplicate
// deliveries when Plan.LateBy is zero.
const DefaultLateBy = 2 * time.Minute

// Zero reports whether the plan has no fault.
func (p Plan) Zero() bool {
	return p.Duplicate == 0 && p.Reorder == 0 && p.Late == 0 && p.Timeouts == 0 && p.Errors == 0 &&
		p.Send429 == 0 && p.Send5xx == 0
}

// Webhooks reports whether the plan has a fault of webhook delivery.
func (p Plan) Webhooks() bool {
	return p.Duplicate != 0 || p.Reorder != 0 || p.Late != 0 || p.Timeouts != 0 || p.Errors != 0
}

// Check returns an error naming the first share outside [0, 1] or a
// negative LateBy.
func (p Plan) Check() error {
	for _, s := range []struct {
		name string
		v    float64
	}{{"duplicate", p.Duplicate}, {"reorder", p.Reorder}, {"late", p.Late}, {"timeouts", p.Timeouts},
		{"errors", p.Errors}, {"send_429", p.Send429}, {"send_5xx", p.Send5xx}} {
		if !(s.v >= 0 && s.v <= 1) {
			return fmt.Errorf("fault: %s share %v is outside 0..1", s.name, s.v)
		}
	}
	if p.Timeouts+p.Errors > 1 {
		return fmt.Errorf("fault: timeouts %v and errors %v add up to more than 1", p.Timeouts, p.Errors)
	}
	if p.Send429+p.Send5xx > 1 {
		return fmt.Errorf("fault: send_429 %v and send_5xx %v add up to more than 1", p.Send429, p.Send5xx)
	}
	if p.LateBy < 0 {
		return fmt.Errorf("fault: negative late_by %v", p.LateBy)
	}
	return nil
}

// lateBy is the plan's delay bound.
func (p Plan) lateBy() time.Duration {
	if p.LateBy > 0 {
		return p.LateBy
	}
	return DefaultLateBy
}

// Delivery is the fate of one webhook.
type Delivery struct {
	// Hold delays the webhook's first try by Delay; with AfterNext it goes
	// out right after the fake's next webhook, Delay being its bound.
	Hold      bool
	AfterNext bool
	Delay     time.Duration
	// Duplicate sends a copy DuplicateAfter after the original's first
	// try.
	Duplicate      bool
	DuplicateAfter time.Duration
}

// Try is the fault of one webhook try.
type Try int

// The faults of a try.
const (
	TryOK      Try = iota // the try goes through
	TryTimeout            // the router gets it; the platform sees no answer
	TryError              // the platform's edge answers 5xx; the router gets nothing
)

// String names the fault.
func (t Try) String() string {
	switch t {
	case TryTimeout:
		return "timeout"
	case TryError:
		return "error"
	}
	return "ok"
}

// Send is the fault of one send API call.
type Send int

// The faults of a send call.
const (
	SendOK       Send = iota // the call goes through
	SendThrottle             // throttled: HTTP 429 or the platform's analogue
	SendError                // a server error: HTTP 5xx or the platform's analogue
)

// String names the fault.
func (s Send) String() string {
	switch s {
	case SendThrottle:
		return "429"
	case SendError:
		return "5xx"
	}
	return "ok"
}

// Decider draws the faults of a plan. It is not safe for concurrent use;
// a fake calls it under its own lock. A nil *Decider decides no fault.
type Decider struct {
	plan Plan
	rng  *rand.Rand
}

// New returns a decider for plan, seeded with seed (the fake's seed), or
// nil when the plan has no fault.
func New(plan Plan, seed uint64) *Decider {
	if plan.Zero() {
		return nil
	}
	// A stream of its own, apart from the fake's ids: the same seed gives
	// the same ids with or without a plan.
	return &Decider{plan: plan, rng: rand.New(rand.NewPCG(seed, seed^0x6661756c74730000))}
}

// Plan returns the decider's plan; the zero Plan for nil.
func (d *Decider) Plan() Plan {
	if d == nil {
		return Plan{}
	}
	return d.plan
}

// Webhooks reports whether the decider has webhook faults to decide.
func (d *Decider) Webhooks() bool { return d != nil && d.plan.Webhooks() }

// delay draws a delay in (0, bound], in whole milliseconds.
func (d *Decider) delay(u float64) time.Duration {
	b := d.plan.lateBy()
	v := time.Duration(u * float64(b)).Round(time.Millisecond)
	return min(max(v, time.Millisecond), b)
}

// Webhook decides the fate of a new webhook. It draws the same number of
// values whatever it decides, so one webhook's fate does not shift the
// draws of the next.
func (d *Decider) Webhook() Delivery {
	if d == nil {
		return Delivery{}
	}
	var u [5]float64
	for i := range u {
		u[i] = d.rng.Float64()
	}
	p := d.plan
	var out Delivery
	switch {
	case u[0] < p.Reorder:
		out.Hold, out.AfterNext, out.Delay = true, true, d.plan.lateBy()
	case u[1] < p.Late:
		out.Hold, out.Delay = true, d.delay(u[2])
	}
	if u[3] < p.Duplicate {
		out.Duplicate = true
		if d.plan.LateBy > 0 {
			out.DuplicateAfter = d.delay(u[4])
		}
	}
	return out
}

// Try decides the fault of one try of a webhook.
func (d *Decider) Try() Try {
	if d == nil {
		return TryOK
	}
	u := d.rng.Float64()
	switch {
	case u < d.plan.Timeouts:
		return TryTimeout
	case u < d.plan.Timeouts+d.plan.Errors:
		return TryError
	}
	return TryOK
}

// Send decides the fault of one send API call.
func (d *Decider) Send() Send {
	if d == nil {
		return SendOK
	}
	u := d.rng.Float64()
	switch {
	case u < d.plan.Send429:
		return SendThrottle
	case u < d.plan.Send429+d.plan.Send5xx:
		return SendError
	}
	return SendOK
}
