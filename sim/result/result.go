// Package result holds what a scenario run produced: the stable, versioned
// report format that every renderer reads. It is a leaf: it imports nothing
// of omnisim.
package result

import (
	"fmt"
	"time"
)

// Result is what one scenario run produced. Its JSON form is the stable,
// versioned report format (see report.Schema); every field is deterministic
// for a scenario and seed.
type Result struct {
	Name        string    `json:"name"`
	File        string    `json:"file"`
	Description string    `json:"description,omitempty"`
	Seed        uint64    `json:"seed"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"` // virtual time the run stopped at
	Passed      bool      `json:"passed"`

	Expectations []Check `json:"expectations"`
	// Drift lists the run's first MaxDrift policy drift findings, in the
	// order they were made.
	Drift []Drift `json:"drift"`
	// DriftDropped counts the findings made after the first MaxDrift,
	// which Drift does not list, and DriftDroppedUnexpected those of them
	// no expectation covers; a run with unexpected drift does not pass,
	// listed or not.
	DriftDropped           int `json:"drift_dropped,omitempty"`
	DriftDroppedUnexpected int `json:"drift_dropped_unexpected,omitempty"`

	Totals  Totals  `json:"totals"`
	Metrics Metrics `json:"metrics"`
	Agents  []Agent `json:"agents"`
	Trace   []Line  `json:"trace,omitempty"` // the event log, when asked for
	Error   string  `json:"error,omitempty"` // a run that could not complete
	// Skipped says why a scenario was not run at all (the run was
	// interrupted or timed out before it began); such a result has no
	// figures and does not pass.
	Skipped string `json:"skipped,omitempty"`
	// Wall is the real time the run took. It is not part of the JSON
	// report, which stays deterministic; the JUnit report carries it.
	Wall time.Duration `json:"-"`
	// Series holds the run's figures over virtual time, for charts. It is
	// recorded only when the run is asked for it (sim.Options.Series), so
	// reports of runs that did not ask are unchanged.
	Series *Series `json:"series,omitempty"`
}

// String formats a check on one line, for logs and errors.
func (c Check) String() string {
	verdict := "ok"
	if !c.Passed {
		verdict = "FAIL"
	}
	return fmt.Sprintf("%s line %d: %s %s: expected %s, got %s", verdict, c.Line, c.Subject, c.Field, c.Expected, c.Actual)
}

// Check is one expectation and what was found.
type Check struct {
	Line     int       `json:"line"`     // source line of its [[expect]]
	At       time.Time `json:"at"`       // virtual time it was checked
	Subject  string    `json:"subject"`  // "customer u1", "agent li", "metric fairness.jain", "drift any"
	Field    string    `json:"field"`    // what was compared: received, state, min, ...
	Expected string    `json:"expected"` // e.g. "5", "assigned", ">= 0.95"
	Actual   string    `json:"actual"`
	Passed   bool      `json:"passed"`
	// Conversation and Timeline show the conversation involved, for
	// customer checks: its lines among the customer's last 1,000, after
	// a "timeline_cut" line counting the earlier ones when there were.
	Conversation string `json:"conversation,omitempty"`
	Timeline     []Line `json:"timeline,omitempty"`
}

// Line is one entry of a timeline or trace.
type Line struct {
	At           time.Time `json:"at"`
	Kind         string    `json:"kind"`
	Conversation string    `json:"conversation,omitempty"`
	Customer     string    `json:"customer,omitempty"`
	Agent        string    `json:"agent,omitempty"`
	Group        string    `json:"group,omitempty"`
	Detail       string    `json:"detail,omitempty"`
}

// Drift is one disagreement between the router's policy and the platform's
// rules on the same outbound message.
type Drift struct {
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"` // sent_refused | refused_accepted
	Channel  string    `json:"channel"`
	Customer string    `json:"customer"`
	Agent    string    `json:"agent"`
	Router   string    `json:"router"`   // "sent", or the refusal reason
	Platform string    `json:"platform"` // "accepted", or the platform's error code
	Expected bool      `json:"expected"` // a [[expect]] drift entry covers it
}

// MaxDrift is the number of drift findings a Result lists; later ones are
// only counted (Result.DriftDropped), so a long drifting run keeps a bounded
// report.
const MaxDrift = 1000

// Drift kinds.
const (
	// DriftSentRefused: the router sent what the platform refused.
	DriftSentRefused = "sent_refused"
	// DriftRefusedAccepted: the router refused what the platform would have
	// accepted.
	DriftRefusedAccepted = "refused_accepted"
)

// Totals counts what went through the run.
type Totals struct {
	Conversations int `json:"conversations"`
	Closed        int `json:"closed"`
	Waiting       int `json:"waiting"` // still waiting at the end
	Inbound       int `json:"inbound"` // customer messages the router accepted
	Sent          int `json:"sent"`    // agent messages the platform accepted
	Delivered     int `json:"delivered"`
	Refused       int `json:"refused"` // refused by the router's policy
	Failed        int `json:"failed"`  // refused by the platform
	Webhooks      int `json:"webhooks"`
	Rejected      int `json:"rejected"` // webhooks the router refused (bad signature, ...)
	Duplicates    int `json:"duplicates"`
}

// Metrics are the fairness and service figures of a run.
type Metrics struct {
	// Jain is Jain's fairness index over each agent's assignments per
	// capacity-hour online; 1 is perfectly fair. Zero when there is nothing
	// to compare (no agent online, or no assignment).
	Jain float64 `json:"fairness_jain"`
	// Spread is max minus min of the same normalized figures.
	Spread float64 `json:"fairness_spread"`
	// EligibleJain and EligibleSpread are Jain's index and max minus min
	// over each agent's assignments per eligible hour (Agent.
	// PerEligibleHour), among the agents eligible for some time: fairness
	// measured against the time each agent could be assigned, whatever
	// its shift, presence and load.
	EligibleJain   float64 `json:"fairness_eligible_jain"`
	EligibleSpread float64 `json:"fairness_eligible_spread"`
	// The waits are over every conversation: the time to its first
	// assignment, or, for one never assigned, the time it waited until it
	// closed or the run ended.
	WaitP50 time.Duration `json:"wait_p50_ns"`
	WaitP90 time.Duration `json:"wait_p90_ns"`
	WaitP99 time.Duration `json:"wait_p99_ns"`
	WaitMax time.Duration `json:"wait_max_ns"`
	// Assigned is the number of conversations that were assigned.
	Assigned int `json:"assigned"`
	// Service holds the queueing figures (probability of waiting, average
	// speed of answer, service level, abandonment). It is present when the
	// run asks for them (a metric expectation reads one, or a comparison),
	// so the reports of other runs are unchanged.
	Service *Service `json:"service,omitempty"`
}

// Service are the queueing figures of a run, computed as it goes from the
// router's events.
type Service struct {
	// Target is the answer-time target of ServiceLevel.
	Target time.Duration `json:"target_ns"`
	// Ended counts the conversations whose first wait is over: assigned,
	// or closed before any assignment. Waited counts those of them that
	// waited more than zero.
	Ended  int `json:"ended"`
	Waited int `json:"waited"`
	// WaitProbability is Waited over Ended.
	WaitProbability float64 `json:"wait_probability"`
	// ASA, the average speed of answer, is the mean wait of the
	// conversations assigned, rounded to the millisecond.
	ASA time.Duration `json:"asa_ns"`
	// ServiceLevel is the share of the conversations assigned whose wait
	// was at most Target.
	ServiceLevel float64 `json:"service_level"`
	// Abandoned counts the conversations whose customer gave up waiting;
	// Abandonment is Abandoned over Ended.
	Abandoned   int     `json:"abandoned"`
	Abandonment float64 `json:"abandonment"`
}

// Agent is one agent's figures.
type Agent struct {
	ID          string        `json:"id"`
	Capacity    int           `json:"capacity"`
	Assignments int           `json:"assignments"`
	PeakActive  int           `json:"peak_active"`
	OnlineTime  time.Duration `json:"online_ns"`
	// PerCapacityHour is assignments per capacity-hour online, the figure
	// fairness is computed over.
	PerCapacityHour float64 `json:"per_capacity_hour"`
	// Utilization is conversation-time over capacity-time online.
	Utilization float64 `json:"utilization"`
	// EligibleTime is how long the agent could be assigned a conversation:
	// online, inside its working hours and with a free slot.
	EligibleTime time.Duration `json:"eligible_ns"`
	// PerEligibleHour is assignments per hour of EligibleTime; 0 when the
	// agent was never eligible.
	PerEligibleHour float64 `json:"per_eligible_hour"`
}

// Series is a run's figures over virtual time, sampled on the virtual clock
// into Buckets equal buckets of Bucket each from the run's Start: bucket i
// covers [Start+i·Bucket, Start+(i+1)·Bucket), and the last one holds End.
// Each value of a time series is the largest the figure was at any moment
// of its bucket, so a short peak is never lost. Every slice of a time series
// has Buckets values.
type Series struct {
	Bucket  time.Duration `json:"bucket_ns"`
	Buckets int           `json:"buckets"`
	// Waiting counts the conversations waiting for an agent, in every group.
	Waiting []int `json:"waiting"`
	// Active counts the conversations assigned to an agent and not yet
	// closed, over all agents.
	Active []int `json:"active"`
	// Groups is the waiting queue of each group, in the scenario's group
	// order, then the default group.
	Groups []GroupSeries `json:"groups"`
	// Agents holds each agent's active conversations, in the scenario's
	// agent order.
	Agents []AgentSeries `json:"agents"`
	// Waits is the distribution of the same waits as the metrics' (see
	// Metrics): fixed, roughly logarithmic bins from zero up to the bin that
	// holds the longest wait. Empty when there were no conversations.
	Waits []WaitBin `json:"waits"`
}

// GroupSeries is one group's waiting queue over time.
type GroupSeries struct {
	Name    string `json:"name"`
	Waiting []int  `json:"waiting"`
}

// AgentSeries is one agent's active conversations over time.
type AgentSeries struct {
	ID     string `json:"id"`
	Active []int  `json:"active"`
}

// WaitBin counts the conversations whose wait w was in (Low, High]; the
// first bin, with Low and High zero, counts the waits of zero (conversations
// assigned at once).
type WaitBin struct {
	Low   time.Duration `json:"low_ns"`
	High  time.Duration `json:"high_ns"`
	Count int           `json:"count"`
}

// DriftNotListed says how many drift findings r counts but does not list
// (DriftDropped), and how many of them are unexpected: "and 5 more
// findings not listed, 2 unexpected"; "" when it lists them all.
func (r *Result) DriftNotListed() string {
	if r.DriftDropped == 0 {
		return ""
	}
	findings := "findings"
	if r.DriftDropped == 1 {
		findings = "finding"
	}
	return fmt.Sprintf("and %d more %s not listed, %d unexpected", r.DriftDropped, findings, r.DriftDroppedUnexpected)
}
