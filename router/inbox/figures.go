package inbox

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/omnisim/omnisim/router"
)

// Metric names a figure a [Standard] checks.
type Metric string

// The checked metrics.
const (
	MetricFirstResponseP90  Metric = "first_response_p90"  // seconds
	MetricFirstResponseMean Metric = "first_response_mean" // seconds
	MetricWaiting           Metric = "waiting"             // conversations
)

// Metrics lists the checked metrics in documentation order. The slice is a
// new copy on every call.
func Metrics() []Metric {
	return []Metric{MetricFirstResponseP90, MetricFirstResponseMean, MetricWaiting}
}

const numMetrics = 3

// Standard is the stated service standard (the platform's service
// requirements behind Douyin's warnings). A zero limit is not checked.
type Standard struct {
	// FirstResponseP90 is breached when the 90th percentile of first
	// responses in the window is above it.
	FirstResponseP90 time.Duration
	// FirstResponseMean is breached when their mean is above it.
	FirstResponseMean time.Duration
	// MaxWaiting is breached when more conversations than this wait for
	// an agent.
	MaxWaiting int
	// MinAnswered is how many first responses the window must hold for the
	// first-response metrics to be read; with fewer they read as within the
	// standard. Zero means 1.
	MinAnswered int
	// Clear is the hysteresis: a raised warning clears only when the value
	// is at or below Clear times the limit. Zero means [DefaultClear]; it
	// must be below 1.
	Clear float64
}

func (s Standard) validate() error {
	switch {
	case s.FirstResponseP90 < 0 || s.FirstResponseMean < 0 || s.MaxWaiting < 0 || s.MinAnswered < 0:
		return fmt.Errorf("inbox: negative standard %+v", s)
	case s.Clear < 0 || s.Clear >= 1:
		return fmt.Errorf("inbox: standard's Clear %v is not in [0, 1)", s.Clear)
	}
	return nil
}

func (s Standard) normalized() Standard {
	if s.MinAnswered <= 0 {
		s.MinAnswered = 1
	}
	if s.Clear <= 0 || s.Clear >= 1 {
		s.Clear = DefaultClear
	}
	s.FirstResponseP90 = max(s.FirstResponseP90, 0)
	s.FirstResponseMean = max(s.FirstResponseMean, 0)
	s.MaxWaiting = max(s.MaxWaiting, 0)
	return s
}

// Warning says a metric breached the standard (Raised) or came back within
// it (after the hysteresis).
type Warning struct {
	Seq    uint64 // numbered from 1
	At     time.Time
	Metric Metric
	Raised bool
	Value  float64 // the metric's value: seconds, or conversations
	Limit  float64 // the standard's limit, in the same unit
}

type alarm struct {
	raised bool
	last   Warning // the raising warning while raised
}

// sample is one first response.
type sample struct {
	seq       uint64 // numbered from 1
	at        time.Time
	agent     string
	global    time.Duration // since the conversation needed a human
	agentDur  time.Duration // since its assignment to agent
	hasGlobal bool
	hasAgent  bool
}

// figures holds the live first-response window.
type figures struct {
	window  time.Duration
	max     int
	samples []sample // in time order from head
	head    int
	sorted  []time.Duration // the global durations in the window, ascending
	sum     time.Duration   // of sorted
	seq     uint64          // the latest sample's
	waiting map[router.ConversationID]*conv
}

type agentState struct {
	online   bool
	active   int
	answered int           // first responses after assignment in the window
	sum      time.Duration // of their durations
}

func (i *Inbox) agent(id string) *agentState {
	a := i.agents[id]
	if a == nil {
		a = &agentState{}
		i.agents[id] = a
	}
	return a
}

// responded records an agent's message in c: the conversation's first
// response, and the agent's first since its assignment.
func (i *Inbox) responded(c *conv, agent, msg string, at time.Time) {
	s := sample{at: at, agent: agent}
	if !c.responded {
		c.responded = true
		if !c.humanSince.IsZero() {
			s.global, s.hasGlobal = max(at.Sub(c.humanSince), 0), true
		}
	}
	if c.state == router.Assigned && c.agent == agent && !c.agentReplied {
		c.agentReplied = true
		if !c.assignedAt.IsZero() {
			s.agentDur, s.hasAgent = max(at.Sub(c.assignedAt), 0), true
		}
	}
	if s.hasGlobal || s.hasAgent {
		c.respSeq = i.fig.add(s, i.agents)
		c.respMsg, c.respGlobal, c.respAgent = msg, s.hasGlobal, s.hasAgent
	}
}

// maxAuto bounds the auto-reply message ids a conversation waits for.
const maxAuto = 8

// MarkAutoReply tells the inbox that the message the engine sent with id
// messageID in conversation id was an auto-reply: it answers nobody, so it
// is no first response (the engine logs it as the assigned agent's
// message). Call it with the SendResult's MessageID of the reply
// [Inbox.AutoReply] gave, before or after the sent event reaches the inbox:
// before, the event will not count; after, while the conversation is open,
// the first response it made is taken back and the next agent message
// counts instead. A closed conversation's first response is final.
func (i *Inbox) MarkAutoReply(now time.Time, id router.ConversationID, messageID string) {
	defer i.deliver()
	i.mu.Lock()
	defer i.mu.Unlock()
	i.advance(now)
	if messageID == "" {
		return
	}
	c := i.convs[id]
	if c == nil {
		p := i.pendingFor(id)
		p.auto = pushFront(p.auto, messageID, maxAuto)
		return
	}
	if c.respMsg == messageID {
		i.fig.retract(c.respSeq, i.agents)
		if c.respGlobal {
			c.responded = false
		}
		if c.respAgent {
			c.agentReplied = false
		}
		c.respMsg = ""
		i.evaluate(i.now)
		return
	}
	c.auto = pushFront(c.auto, messageID, maxAuto)
}

// add puts a sample in the window and returns its seq.
func (f *figures) add(s sample, agents map[string]*agentState) uint64 {
	if len(f.samples)-f.head >= f.max {
		f.removeOldest(agents)
	}
	f.seq++
	s.seq = f.seq
	f.samples = append(f.samples, s)
	if s.hasGlobal {
		j, _ := slices.BinarySearch(f.sorted, s.global)
		f.sorted = slices.Insert(f.sorted, j, s.global)
		f.sum += s.global
	}
	if s.hasAgent {
		a := agents[s.agent]
		if a == nil {
			a = &agentState{}
			agents[s.agent] = a
		}
		a.answered++
		a.sum += s.agentDur
	}
	return s.seq
}

func (f *figures) removeOldest(agents map[string]*agentState) {
	s := f.samples[f.head]
	f.samples[f.head] = sample{}
	f.head++
	f.forget(s, agents)
	f.samples, f.head = compact(f.samples, f.head)
}

// retract takes a sample still in the window out of the figures; it stays
// in place, empty, until it leaves the window.
func (f *figures) retract(seq uint64, agents map[string]*agentState) {
	live := f.samples[f.head:]
	j, ok := slices.BinarySearchFunc(live, seq, func(s sample, seq uint64) int { return cmp.Compare(s.seq, seq) })
	if !ok {
		return
	}
	f.forget(live[j], agents)
	live[j].hasGlobal, live[j].hasAgent = false, false
}

// forget takes a sample's durations out of the sums.
func (f *figures) forget(s sample, agents map[string]*agentState) {
	if s.hasGlobal {
		if j, ok := slices.BinarySearch(f.sorted, s.global); ok {
			f.sorted = slices.Delete(f.sorted, j, j+1)
		}
		f.sum -= s.global
	}
	if s.hasAgent {
		if a := agents[s.agent]; a != nil {
			a.answered--
			a.sum -= s.agentDur
		}
	}
}

// expire drops the first responses at or before now minus the window.
func (f *figures) expire(now time.Time, agents map[string]*agentState) {
	cutoff := now.Add(-f.window)
	for f.head < len(f.samples) && !f.samples[f.head].at.After(cutoff) {
		f.removeOldest(agents)
	}
}

func (f *figures) mean() time.Duration {
	if len(f.sorted) == 0 {
		return 0
	}
	return f.sum / time.Duration(len(f.sorted))
}

// p90 is the nearest-rank 90th percentile.
func (f *figures) p90() time.Duration {
	n := len(f.sorted)
	if n == 0 {
		return 0
	}
	return f.sorted[(9*n+9)/10-1]
}

// evaluate checks the standard at now, raising and clearing warnings.
func (i *Inbox) evaluate(now time.Time) {
	st := &i.cfg.Standard
	readable := len(i.fig.sorted) >= st.MinAnswered
	i.check(now, 0, MetricFirstResponseP90, st.FirstResponseP90 > 0, readable, i.fig.p90().Seconds(), st.FirstResponseP90.Seconds())
	i.check(now, 1, MetricFirstResponseMean, st.FirstResponseMean > 0, readable, i.fig.mean().Seconds(), st.FirstResponseMean.Seconds())
	i.check(now, 2, MetricWaiting, st.MaxWaiting > 0, true, float64(len(i.fig.waiting)), float64(st.MaxWaiting))
}

func (i *Inbox) check(now time.Time, k int, m Metric, on, readable bool, v, limit float64) {
	a := &i.alarms[k]
	switch {
	case !on:
		return
	case !a.raised && readable && v > limit:
		a.raised = true
		a.last = i.warn(Warning{At: now, Metric: m, Raised: true, Value: v, Limit: limit})
	case a.raised && (!readable || v <= limit*i.cfg.Standard.Clear):
		a.raised = false
		i.warn(Warning{At: now, Metric: m, Raised: false, Value: v, Limit: limit})
	}
}

func (i *Inbox) warn(w Warning) Warning {
	i.warnSeq++
	w.Seq = i.warnSeq
	i.warnings = append(i.warnings, w)
	if len(i.warnings) > MaxWarningLog {
		i.warnings = slices.Delete(i.warnings, 0, len(i.warnings)-MaxWarningLog)
	}
	if i.cfg.OnWarning != nil {
		i.outbox = append(i.outbox, w)
	}
	return w
}

// Warnings returns the latest warnings (at most [MaxWarningLog]) with Seq
// greater than since, oldest first: raised and cleared, so that a reader
// can follow them with its own cursor.
func (i *Inbox) Warnings(since uint64) []Warning {
	i.mu.Lock()
	defer i.mu.Unlock()
	var out []Warning
	for _, w := range i.warnings {
		if w.Seq > since {
			out = append(out, w)
		}
	}
	return out
}

// AgentFigures are one agent's live figures.
type AgentFigures struct {
	Agent  string
	Online bool // by the online and offline events
	Active int  // open conversations assigned now
	// Answered counts the agent's first messages after an assignment in
	// the window; FirstResponseMean is their mean time since the
	// assignment.
	Answered          int
	FirstResponseMean time.Duration
}

// Figures are the live service figures (Douyin's real-time dashboard).
type Figures struct {
	At      time.Time
	Window  time.Duration
	Waiting int // open conversations waiting for an agent (queues and the unassigned inbox)
	WithBot int // open conversations the bot answers
	Active  int // open conversations assigned to an agent
	// LongestWait is how long the longest-waiting conversation has waited
	// since it last started waiting.
	LongestWait time.Duration
	// Answered counts the conversations first answered in the window;
	// FirstResponseMean and FirstResponseP90 (nearest rank) are over their
	// first-response times.
	Answered          int
	FirstResponseMean time.Duration
	FirstResponseP90  time.Duration
	Agents            []AgentFigures // by agent id
	Warnings          []Warning      // raised and not cleared, by metric
}

// Figures advances the clock to now (see [Inbox.Advance]) and returns the
// live figures.
func (i *Inbox) Figures(now time.Time) Figures {
	defer i.deliver()
	i.mu.Lock()
	defer i.mu.Unlock()
	now = i.advance(now)
	f := Figures{At: now, Window: i.fig.window, Waiting: len(i.fig.waiting), Answered: len(i.fig.sorted),
		FirstResponseMean: i.fig.mean(), FirstResponseP90: i.fig.p90()}
	for _, c := range i.fig.waiting {
		f.LongestWait = max(f.LongestWait, now.Sub(c.waitingSince))
	}
	for _, c := range i.convs {
		switch c.state {
		case router.WithBot:
			f.WithBot++
		case router.Assigned:
			f.Active++
		}
	}
	for id, a := range i.agents {
		af := AgentFigures{Agent: id, Online: a.online, Active: a.active, Answered: a.answered}
		if a.answered > 0 {
			af.FirstResponseMean = a.sum / time.Duration(a.answered)
		}
		f.Agents = append(f.Agents, af)
	}
	slices.SortFunc(f.Agents, func(a, b AgentFigures) int { return cmp.Compare(a.Agent, b.Agent) })
	for k := range i.alarms {
		if i.alarms[k].raised {
			f.Warnings = append(f.Warnings, i.alarms[k].last)
		}
	}
	return f
}
