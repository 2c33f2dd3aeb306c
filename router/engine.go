package router

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/omnisim/omnisim/internal/prefetch"
	"github.com/omnisim/omnisim/internal/solo"
	"github.com/omnisim/omnisim/strhash"
)

// never is the last-assigned time of an agent never assigned: it sorts first.
const never = math.MinInt64

// Engine is the routing engine. Build it with [New].
//
// Engine time never goes backwards: every method that takes the current time
// and acts on it (Receive, Status, Check, Send, SetOnline, Close, Transfer,
// Take, Handoff, Advance) treats a time before the latest one it accepted as
// that latest time, so the event log is in time order. Agent and Agents read their snapshot at the
// latest accepted time when given an earlier one. The times of the
// conversations and customers it keeps (Conversation, Latest,
// Conversations, Save) come back in the location of the latest time a
// method gave it (UTC before the first): a caller whose clock keeps one
// location, as each of omnisim's does, gets its own back.
type Engine struct {
	mu solo.Mutex

	// The configuration every customer's conversation reads (its open,
	// routing and assignment, its close and release) comes first, in the
	// record's first three lines: touched once a customer, a line of it
	// elsewhere is cold at nearly every open.
	strategy      Strategy
	picker        picker // the strategy's seam
	split         Split
	overflow      Overflow
	overflowAfter time.Duration
	reassign      time.Duration
	missed        time.Duration
	idle          time.Duration
	horizon       time.Duration
	rng           *rand.Rand
	bot           *bot
	deflt         *group
	workstreams   []*workstream
	onlineByHours bool

	closeMissed time.Duration
	pcg         *rand.PCG      // rng's source, which Save and Restore carry
	location    *time.Location // the tenant's zone; never nil
	// loc is the location of the latest time a call gave the engine, in
	// which it gives back the times its records keep (stamp); UTC until
	// the first call.
	loc       *time.Location
	scheduled []*agent // agents with a schedule, in definition order

	agents  map[string]*agent
	groups  []*group // by priority, then definition order; the default group is among them
	byName  map[string]*group
	regions map[string]*group // split by region: the first group for each region
	pages   map[string]*group // split by entry page: the first group for each page
	stores  map[string]*group // split by store: the first group for each store

	policies map[string]*Policy // each channel's, as configured; see policy
	noPolicy Policy             // the policy of a channel without one
	senders  map[string]Sender
	// The channel whose policy or sender was asked for last, and its
	// answer (nil: none yet): most engines serve one channel, or a few
	// with runs of messages on each, and a map look-up per message is
	// about a tenth of a send's own work.
	lastPolicyOf, lastSenderOf string
	lastPolicy                 *Policy
	lastSender                 Sender

	// customers and convs hold what a decision, a status or a snapshot
	// can still need: with retain everything, otherwise the customers not
	// yet released and their open and latest conversations (see release).
	customers customerIndex
	convs     convIndex
	lastID    ConversationID // the id of the newest conversation
	openN     int            // open conversations
	retain    bool
	usesName  bool // a workstream rule reads the display name
	// releases holds the customers that may be released, by the time from
	// which they may be.
	releases  releaseQueue
	deadlines deadlineHeap
	seq       uint64 // numbers deadlines in the order they are set
	// next is the earliest deadline's time (unix ns) as noteNext last
	// published it, for NextDeadline to read without the lock: noDeadline
	// when none is pending, 0 when it is not known (before the first
	// publication, or a deadline at 0 or at noDeadline itself), which
	// NextDeadline reads under the lock. nextSeen is what next holds, read
	// under the lock, so that publishing stores only a change.
	next     atomic.Int64
	nextSeen int64
	// nextChanges counts the publications of next, and of every deadline
	// while next is not known (NextDeadlineChanges).
	nextChanges atomic.Uint64

	// now is the latest accepted time (unix ns), once started.
	now     int64
	started bool
	// sweepDue is a time (unix ns) before which nothing in the release
	// queue is due: advance sweeps it from then on. (The sent log is not
	// swept on the clock: see forget.)
	sweepDue int64
	// until is the earlier of sweepDue and the earliest deadline: a call
	// before it has nothing to fire (begin). It is kept by sweepBy,
	// advance and noteNext, and before the first call it is
	// math.MinInt64, as sweepDue is.
	until int64

	// ring is the event log. It holds the events with Seq firstHeld() to
	// lastSeq, the one with Seq s in slot s&(len(ring)-1); its length is a
	// power of two, or zero before the first event. It keeps the latest
	// history events and, for a consumer, every event after cursor, and
	// grows (never overwriting) when it must hold more than it can.
	ring     []Event
	floor    uint64 // Seq of the oldest event held when the log was made (1) or restored
	history  int    // Config.EventLog, or its default
	consumer bool   // Config.Consumer
	lastSeq  uint64 // Seq of the newest event; 0 before the first
	cursor   uint64 // the Seq Events has handed out up to
	held     uint64 // Seq of the first event Consume last handed out, kept until its next call; 0: none
	// owed is the oldest Seq the consumer is owed (held when set, else
	// cursor+1), or MaxUint64 without a consumer: set by noteOwed at every
	// change of cursor or held. owedPrev is what it was before its first
	// change since lastSeq was owedSince: what the events logged up to
	// then kept (see firstHeld).
	owed, owedPrev, owedSince uint64
	// room is the Seq from which the ring may be full (see makeRoom):
	// logSlot compares the newest Seq with it and does nothing else to
	// keep the log.
	room uint64

	// sentLog remembers the sent messages for Status, in sending order,
	// numbered consecutively, until they pass the horizon; sent finds a
	// message's live entry there by its key. An entry whose key a later
	// one took over (a message id remembered twice) is stale: sent no
	// longer points at it.
	sent    sentIndex
	sentLog sentLog
	// sentLast is the number of the entry remembered or found last (0:
	// none), live while the log holds it: a later entry of its key would
	// have become sentLast. A platform reports a message's statuses
	// (sent, delivered) right after it is sent, and findSent answers them
	// from it without hashing or probing.
	sentLast uint64

	// freeCusts and freeConvs hold released records for reuse (see
	// release), and records an empty list takes from the pools (refill,
	// in newCustomer and newConv); nothing the engine holds or hands out
	// points at them.
	freeCusts []*customer
	freeConvs []*conv
}

// sentKey is a message id on one channel.
type sentKey struct {
	channel, id string
}

// sentEntry is a sent message remembered for Status: its key, when it was
// sent (unix ns), the hash of its id in the index (set when the index
// takes it: see indexSent), the conversation it was sent in (0 for none)
// and to whom on the key's channel. It holds the
// conversation's id, not the conversation, so that remembering a message
// keeps no conversation.
type sentEntry struct {
	key               sentKey
	at                int64
	hash              uint64
	conv              ConversationID
	account, customer string
}

type agent struct {
	// The fields that an assignment and a close read or write (setActive,
	// reindex, the strategies' keys, the events) come first, in the
	// record's first three lines of five: between a customer's assignment
	// and close the agents' lines leave the cache, and this way each
	// brings back fewer of them.
	id           string
	capacity     int
	active       int
	assignments  int
	peak         int
	lastAssigned int64 // unix ns, or never
	rank         int32 // the agent's place among all agents ordered by id
	online       bool
	onShift      bool // inside working hours (always, without sched)
	// anyHours: a group of the agent's ignores working hours, so the
	// agent can be assigned in it at any hour.
	anyHours bool
	// eligible: online, in hours (or in a group that ignores them) and
	// below capacity, since eligibleSince; eligibleTotal sums the spans
	// that ended.
	eligible bool
	slots    []slot // memberships, in group priority order
	// busyHi and busyLo are the conversation-time of the spans that
	// ended, in nanoseconds, 128 bits: capacity × time online passes 64
	// bits (292 years) for a large capacity over a long run.
	busyHi, busyLo uint64
	// busyAtNano and eligibleSinceNano are busyAt and eligibleSince in unix
	// ns: the spans that end at every assignment and close are measured
	// on the engine's clock, which orders calls by unix ns (accept), with
	// one subtraction rather than Time.Sub's overflow check (about 100
	// instructions, twice a conversation). The times stay for snapshots,
	// which keep their zones.
	busyAtNano        int64
	eligibleSinceNano int64
	eligibleTotal     time.Duration
	busyAt            time.Time
	eligibleSince     time.Time

	sched       *schedule      // nil: always in hours
	loc         *time.Location // where sched is read
	due         dues           // the agent's timers (shift changes)
	onlineSince time.Time
	onlineTotal time.Duration
}

// slot is an agent's membership in one group, with its positions there.
type slot struct {
	g        *group
	pos      int // in g.members: the agent's place in the group's rotation
	freshPos int // in g.fresh, or -1
}

type group struct {
	name        string
	priority    int
	order       int
	ignoreHours bool
	members     []member
	eligible    agentHeap
	// fresh holds eligible never-assigned agents (longest-idle only).
	fresh []member
	// rotation holds the eligible members' positions and cursor the
	// position of the member assigned last (round-robin only).
	rotation rotation
	cursor   int
	// waiting holds the conversations that wait in the group, in id order
	// (oldest first); entries of conversations that no longer wait here are
	// skipped when reached.
	waiting []waiter
	head    int
	live    int // conversations in waiting that still wait
}

// waiter is an entry of a group's queue: the conversation with the id it
// had when it was queued. An entry left behind by a conversation that no
// longer waits may outlive the conversation, whose record is then reused
// under another id: the id tells the entry is stale without reading
// anything else of the record.
type waiter struct {
	cv *conv
	id ConversationID
}

// waits reports whether the entry's conversation still waits in g.
func (w waiter) waits(g *group) bool {
	cv := w.cv
	return cv.id == w.id && cv.state == stageWaiting && cv.queued && cv.group == g
}

type customer struct {
	// The fields the release queue, releasable and release read come
	// first, in the record's first cache line (a record is three lines,
	// 192 bytes, a size class of the allocator, so records start on a
	// line; TestReleaseFieldsFirst): they read it a status horizon after
	// anything else did, when nothing of it is cached, and every other
	// line of it would cost one more miss. What they read of a customer
	// on a channel with a reply window is in the first line alone;
	// newCustomer, which writes every line, reads the third (sentAt) only
	// on a channel with a reply limit, and releasable the second (sent)
	// only on one without a window.
	relAt   int64   // when it may be released, while relQueued (unix ns)
	pol     *Policy // its channel's
	open    *conv
	last    *conv
	pending int32 // sends decided and not yet recorded: they hold the customer
	count   int32 // its conversations while the engine holds it
	// hash is the hash of the customer id it is held by (customerIndex).
	hash       uint64
	relQueued  bool // in Engine.releases
	released   bool // the engine no longer holds it
	hasInbound bool
	// pinned: the caller set a profile or attributes; the customer is held
	// for the engine's life.
	pinned bool
	manual bool // its channel has no auto-assignment
	// windowEnd is the end of its reply window (unix ns, saturated), from
	// lastInbound or windowStart by its policy's anchor (windowEndNano),
	// kept whenever either moves: every send, the release path and the
	// window's timer ask when the window ends, and this is one load where
	// working it out is a branch on the anchor and a saturated sum.
	windowEnd int64

	// The second line holds what a send and a close read besides the
	// first, a while after the customer's message: the key, by which they
	// look the record up and which their events copy, and the reply count
	// and allowance a send takes its slot from.
	key  CustomerKey
	sent int // sends counted against the reply limit
	// allowance numbers the reply allowances: it moves on at every reset, so
	// a refused send gives its slot back only to the allowance it took it
	// from.
	allowance uint64

	// sentAt holds the times of those sends (unix ns) on a channel with a
	// reply limit: a late customer message resets the allowance to the
	// sends made after it (late.go). newCustomer keeps its array on a
	// channel with a reply limit, the only one that appends to it.
	sentAt      []int64
	name        string // the display name of the latest message that had one
	lastInbound stamp
	windowStart stamp
	// more is nil for a customer with the zero Profile and no attributes,
	// as most are (profileOf and attrsOf read it). Held out of the record,
	// they keep the record at three lines: a reused record is a day cold,
	// and newCustomer writes every line of it.
	more *customerMore
}

// customerMore holds what few customers have: a profile, attributes.
type customerMore struct {
	profile Profile
	attrs   map[string]string
}

type conv struct {
	// The record is two cache lines, 128 bytes, a size class of the
	// allocator, so records start on a line (TestConvLayout): open writes
	// it whole, and a reused record is a day cold, each line a miss. The
	// first line holds what every step reads (a send's check, its record,
	// the close, the release, the timers' positions); the second what a
	// send's record and the close read or write besides (the last
	// activity, the counts, the times). Its times are stamps (8 bytes where
	// a time.Time is 24).
	id ConversationID
	// excluded holds the agents routing skips for it (skips): nil until it
	// excludes one, as nearly every conversation never does. It sits beside
	// id: a released record is reused (newConv reads excluded to keep its
	// array) right after release read its id.
	excluded *[]*agent
	cust     *customer
	group    *group
	agent    *agent
	state    stage
	reason   cause
	answered bool
	missed   bool
	queued   bool // in group.waiting of its group
	inbox    bool // in the unassigned inbox
	replied  bool // an agent answered since the latest assignment
	// botIdle: it opened with the bot, whose idle limit applies to it for
	// its life (idleOf); the engine's applies to the others.
	botIdle bool
	// lastActivity is the unix ns of its latest message (touch compares
	// with it at every message).
	lastActivity int64
	inbound      int32
	outbound     int32

	// due holds the heap position of each kind of the conversation's
	// deadlines, or -1, and dueN counts them: most conversations close
	// without one, and a test of dueN is cheaper than comparing due with
	// noDues (a call of memequal).
	due      dues
	dueN     int32
	closed   stamp
	opened   stamp
	assigned stamp
	missedAt stamp
}

// idleOf is the idle limit that applies to cv: its bot's if it opened
// with the bot, else the engine's.
func (e *Engine) idleOf(cv *conv) time.Duration {
	if cv.botIdle {
		return e.bot.idle
	}
	return e.idle
}

// skips returns the agents routing skips for cv; nil for none.
func (cv *conv) skips() []*agent {
	if cv.excluded == nil {
		return nil
	}
	return *cv.excluded
}

// stage is a conversation's State as a small number. A conversation
// record holding it holds no pointer for it (a State is a string, whose
// every store pays the collector's write barrier while it marks), and a
// test of it compares a byte.
type stage uint8

// The stages, in the order of States.
const (
	stageBot stage = iota
	stageWaiting
	stageAssigned
	stageClosed
)

// stageStates holds the State of each stage.
var stageStates = [...]State{stageBot: WithBot, stageWaiting: Waiting, stageAssigned: Assigned, stageClosed: Closed}

// state returns the State the stage stands for.
func (s stage) state() State { return stageStates[s] }

// stageOf returns the stage of a State; ok is false for a string that is
// not one of the States.
func stageOf(st State) (s stage, ok bool) {
	i := slices.Index(stageStates[:], st)
	return stage(i), i >= 0
}

// cause is a conversation's CloseReason as a small number, for the reason
// a stage stands for its State: no pointer in the record, no write barrier
// on its store. The zero cause is that of a conversation still open.
type cause uint8

// The causes, in the order of CloseReasons after the open one.
const (
	causeNone cause = iota
	causeAgent
	causeIdle
	causeMissed
	causeWindow
	causeAbandoned
)

// causeReasons holds the CloseReason of each cause.
var causeReasons = [...]CloseReason{causeNone: "", causeAgent: ClosedByAgent, causeIdle: ClosedIdle,
	causeMissed: ClosedMissed, causeWindow: ClosedWindow, causeAbandoned: ClosedAbandoned}

// reason returns the CloseReason the cause stands for.
func (c cause) reason() CloseReason { return causeReasons[c] }

// causeOf returns the cause of a CloseReason, or of "" for a conversation
// still open; ok is false for a string that is neither.
func causeOf(r CloseReason) (c cause, ok bool) {
	i := slices.Index(causeReasons[:], r)
	return cause(i), i >= 0
}

// New builds an engine from cfg. It checks the configuration and returns
// an error naming the first problem.
func New(cfg Config) (*Engine, error) {
	e := &Engine{
		strategy:      cfg.Strategy,
		split:         cfg.Split,
		overflow:      cfg.Overflow,
		overflowAfter: cfg.OverflowAfter,
		reassign:      cfg.ReassignAfter,
		onlineByHours: cfg.OnlineByHours,
		missed:        cfg.MissedAfter,
		closeMissed:   cfg.CloseMissedAfter,
		idle:          cfg.IdleAfter,
		horizon:       cfg.StatusHorizon,
		history:       cfg.EventLog,
		consumer:      cfg.Consumer,
		floor:         1,
		sweepDue:      math.MinInt64,
		until:         math.MinInt64,
		location:      cfg.Location,
		loc:           time.UTC,
		pcg:           rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15),
		agents:        make(map[string]*agent, len(cfg.Agents)),
		byName:        make(map[string]*group, len(cfg.Groups)+1),
		policies:      make(map[string]*Policy, len(cfg.Policies)),
		senders:       make(map[string]Sender),
		customers:     newCustomerIndex(),
		retain:        cfg.Retain,
		sent:          newSentIndex(),
		sentLog:       newSentLog(),
	}
	e.noteOwed()
	e.rng = rand.New(e.pcg)
	if e.strategy == "" {
		e.strategy = LeastLoaded
	}
	if e.split == "" {
		e.split = SplitNone
	}
	if e.overflow == "" {
		e.overflow = OverflowNone
	}
	if e.horizon == 0 {
		e.horizon = defaultHorizon(cfg.Policies)
	}
	if e.history == 0 {
		e.history = DefaultEventLog
	}
	if e.location == nil {
		e.location = time.UTC
	}
	if !slices.Contains(Strategies(), e.strategy) {
		return nil, fmt.Errorf("router: unknown strategy %q (want one of %s)", e.strategy, oneOf(Strategies()))
	}
	e.picker = newPicker(e.strategy)
	key := keyFunc(leastLoadedKey)
	switch e.strategy {
	case LongestIdle:
		key = longestIdleKey
	case MostFreeCapacity:
		key = mostFreeCapacityKey
	}
	// Under longest-idle an assignment gives the agent the newest key of
	// all (engine time never goes back): the heaps keep a tail. So it does
	// under the other heap strategies when every agent has capacity 1: an
	// assignment makes the agent ineligible, and the eligible agents'
	// loads and free slots are all equal, so they are ordered by their
	// last assignment as under longest-idle.
	ordered := e.strategy == LongestIdle ||
		!slices.ContainsFunc(cfg.Agents, func(ac AgentConfig) bool { return ac.Capacity != 1 })
	if !slices.Contains(Splits(), e.split) {
		return nil, fmt.Errorf("router: unknown split %q (want one of %s)", e.split, oneOf(Splits()))
	}
	if !slices.Contains(Overflows(), e.overflow) {
		return nil, fmt.Errorf("router: unknown overflow %q (want one of %s)", e.overflow, oneOf(Overflows()))
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{
		{"MissedAfter", cfg.MissedAfter}, {"CloseMissedAfter", cfg.CloseMissedAfter}, {"IdleAfter", cfg.IdleAfter},
		{"StatusHorizon", cfg.StatusHorizon}, {"OverflowAfter", cfg.OverflowAfter}, {"ReassignAfter", cfg.ReassignAfter},
	} {
		if d.d < 0 {
			return nil, fmt.Errorf("router: negative %s %v", d.name, d.d)
		}
	}
	if cfg.IdleAfter > MaxIdleAfter {
		return nil, fmt.Errorf("router: IdleAfter %v is out of range: idle chats close after 0 (never) to %v", cfg.IdleAfter, MaxIdleAfter)
	}
	if cfg.OverflowAfter > 0 && e.overflow != OverflowDefault {
		return nil, fmt.Errorf("router: OverflowAfter %v without overflow %q", cfg.OverflowAfter, OverflowDefault)
	}
	if cfg.EventLog < 0 {
		return nil, fmt.Errorf("router: negative EventLog capacity %d", cfg.EventLog)
	}
	for name, p := range cfg.Policies {
		e.policies[name] = &p
	}
	schedules := make(map[string]*schedule, len(cfg.Schedules))
	for _, sc := range cfg.Schedules {
		s, err := newSchedule(sc)
		if err != nil {
			return nil, fmt.Errorf("router: %w", err)
		}
		if _, dup := schedules[s.name]; dup {
			return nil, fmt.Errorf("router: schedule %q defined twice", s.name)
		}
		schedules[s.name] = s
	}

	definedDefault := false
	for i, gc := range cfg.Groups {
		if gc.Name == "" {
			return nil, fmt.Errorf("router: group %d has no name", i)
		}
		if _, dup := e.byName[gc.Name]; dup {
			return nil, fmt.Errorf("router: group %q defined twice", gc.Name)
		}
		if gc.Priority < 0 {
			return nil, fmt.Errorf("router: group %q has a negative priority", gc.Name)
		}
		for _, k := range []struct {
			split Split
			n     int
		}{{SplitEntryPage, len(gc.EntryPages)}, {SplitRegion, len(gc.Regions)}, {SplitStore, len(gc.Stores)}} {
			if k.n > 0 && k.split != e.split {
				return nil, fmt.Errorf("router: group %q lists %s keys, but the tenant splits by %q: a tenant uses one split method, not both %q and %q",
					gc.Name, k.split, e.split, e.split, k.split)
			}
		}
		g := &group{name: gc.Name, priority: gc.Priority, order: i, ignoreHours: gc.IgnoreHours, eligible: agentHeap{key: key, ordered: ordered}, cursor: -1}
		e.byName[gc.Name] = g
		e.groups = append(e.groups, g)
		if gc.Name == DefaultGroup {
			definedDefault = true
			e.deflt = g
		}
	}
	// Under the store split, a store whose agents no group serves gets an
	// implicit group of its own, after the defined groups.
	served := map[string]bool{}
	for _, gc := range cfg.Groups {
		for _, st := range gc.Stores {
			served[st] = true
		}
	}
	if e.split == SplitStore {
		for _, ac := range cfg.Agents {
			if ac.Store == "" || served[ac.Store] {
				continue
			}
			served[ac.Store] = true
			name := StoreGroup(ac.Store)
			if _, dup := e.byName[name]; dup {
				return nil, fmt.Errorf("router: group %q is the implicit group of store %q; rename it", name, ac.Store)
			}
			g := &group{name: name, priority: math.MaxInt, order: len(e.groups), eligible: agentHeap{key: key, ordered: ordered}, cursor: -1}
			e.byName[name] = g
			e.groups = append(e.groups, g)
			cfg.Groups = append(cfg.Groups, GroupConfig{Name: name, Stores: []string{ac.Store}})
		}
	}
	if !definedDefault {
		// The implicit default group comes after every defined group.
		e.deflt = &group{name: DefaultGroup, priority: math.MaxInt, order: len(e.groups), eligible: agentHeap{key: key, ordered: ordered}, cursor: -1}
		e.byName[DefaultGroup] = e.deflt
		e.groups = append(e.groups, e.deflt)
	}
	slices.SortStableFunc(e.groups, compareGroups)
	// Classification tables: the first group (by priority) for each key.
	e.regions = make(map[string]*group)
	e.pages = make(map[string]*group)
	e.stores = make(map[string]*group)
	storesOf := map[*group][]string{}
	for _, gc := range cfg.Groups {
		g := e.byName[gc.Name]
		for _, tab := range []struct {
			m    map[string]*group
			keys []string
		}{{e.regions, gc.Regions}, {e.pages, gc.EntryPages}, {e.stores, gc.Stores}} {
			for _, k := range tab.keys {
				if cur, ok := tab.m[k]; !ok || before(g, cur) {
					tab.m[k] = g
				}
			}
		}
		storesOf[g] = gc.Stores
	}

	for _, ac := range cfg.Agents {
		if ac.ID == "" {
			return nil, errors.New("router: an agent has no id")
		}
		if ac.ID == BotID || ac.ID == AutoID {
			return nil, fmt.Errorf("router: agent id %q is the router's own", ac.ID)
		}
		if _, dup := e.agents[ac.ID]; dup {
			return nil, fmt.Errorf("router: agent %q defined twice", ac.ID)
		}
		if ac.Capacity < 1 || ac.Capacity > MaxCapacity {
			return nil, fmt.Errorf("router: agent %q has capacity %d; want 1 to %d", ac.ID, ac.Capacity, MaxCapacity)
		}
		a := &agent{id: ac.ID, capacity: ac.Capacity, lastAssigned: never, onShift: true, due: newDues()}
		if ac.Schedule != "" {
			s, ok := schedules[ac.Schedule]
			if !ok {
				return nil, fmt.Errorf("router: agent %q has unknown schedule %q", ac.ID, ac.Schedule)
			}
			a.sched, a.onShift = s, false
			a.loc = cmp.Or(ac.Location, s.loc, e.location)
			e.scheduled = append(e.scheduled, a)
		}
		e.agents[ac.ID] = a
		seen := map[*group]bool{}
		join := func(g *group) {
			if seen[g] {
				return
			}
			seen[g] = true
			a.anyHours = a.anyHours || g.ignoreHours
			a.slots = append(a.slots, slot{g: g, pos: len(g.members), freshPos: -1})
			g.members = append(g.members, member{a: a, slot: len(a.slots) - 1})
		}
		// Memberships are kept in priority order, the order drain wants.
		var gs []*group
		for _, name := range ac.Groups {
			g, ok := e.byName[name]
			if !ok {
				return nil, fmt.Errorf("router: agent %q is in unknown group %q", ac.ID, name)
			}
			if e.split == SplitStore && ac.Store != "" && g != e.deflt && !slices.Equal(storesOf[g], []string{ac.Store}) {
				return nil, fmt.Errorf("router: agent %q of store %q is in group %q, which serves stores %q: a store's agent may only join groups of its own store",
					ac.ID, ac.Store, name, storesOf[g])
			}
			gs = append(gs, g)
		}
		if e.split == SplitStore && ac.Store != "" {
			if g := e.byName[StoreGroup(ac.Store)]; g != nil && !ac.NoReception && len(storesOf[g]) == 1 && storesOf[g][0] == ac.Store {
				gs = append(gs, g)
			}
		} else if !definedDefault && !ac.NoReception {
			gs = append(gs, e.deflt)
		}
		slices.SortStableFunc(gs, compareGroups)
		for _, g := range gs {
			join(g)
		}
	}
	// Heaps order ties by id: rank the agents by id once.
	byID := slices.Sorted(maps.Keys(e.agents))
	for i, id := range byID {
		e.agents[id].rank = int32(i)
	}
	for _, g := range e.groups {
		g.eligible.init(g.members)
		if e.strategy == RoundRobin {
			g.rotation = newRotation(len(g.members))
		}
	}
	if err := e.configureBot(cfg.Bot); err != nil {
		return nil, err
	}
	if err := e.configureWorkstreams(cfg.Workstreams); err != nil {
		return nil, err
	}
	e.noteNext()
	if cfg.Solo {
		e.mu.Solo()
	}
	return e, nil
}

// StoreGroup is the name of the implicit group of a store's agents under
// [SplitStore], when no defined group serves the store.
func StoreGroup(store string) string { return "store/" + store }

// oneOf lists allowed values for an error message: "a", "b", "c".
func oneOf[T ~string](xs []T) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// compareGroups orders groups by priority, then definition order.
func compareGroups(g, h *group) int {
	switch {
	case before(g, h):
		return -1
	case before(h, g):
		return 1
	}
	return 0
}

// before reports whether g comes before h in priority order.
func before(g, h *group) bool {
	if g.priority != h.priority {
		return g.priority < h.priority
	}
	return g.order < h.order
}

// Handle registers the sender for a channel's outbound messages.
func (e *Engine) Handle(channel string, s Sender) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.senders[channel] = s
	e.lastSender = nil
}

// sender is the channel's sender, or nil. The channel asked for is
// nearly always the very string asked for last (a customer key's), which
// strhash.Same tells without a call.
func (e *Engine) sender(channel string) Sender {
	if s := e.lastSender; s != nil && strhash.Same(channel, e.lastSenderOf) {
		return s
	}
	s := e.senders[channel]
	if s != nil {
		e.lastSenderOf, e.lastSender = channel, s
	}
	return s
}

// SetProfile records what the tenant knows of a customer; classification
// reads it when the customer's next conversation opens. The engine holds a
// customer with a profile for its whole life.
func (e *Engine) SetProfile(key CustomerKey, p Profile) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.customer(&key)
	c.ownMore().profile, c.pinned = p, true
}

// noProfile is the profile of a customer without one: the zero Profile,
// never written.
var noProfile Profile

// profileOf returns the customer's profile, for reading.
func (c *customer) profileOf() *Profile {
	if c.more == nil {
		return &noProfile
	}
	return &c.more.profile
}

// attrsOf returns the customer's attributes, for reading; nil for none.
func (c *customer) attrsOf() map[string]string {
	if c.more == nil {
		return nil
	}
	return c.more.attrs
}

// ownMore returns the customer's profile and attributes for writing,
// giving it a holder of its own if it had none.
func (c *customer) ownMore() *customerMore {
	if c.more == nil {
		c.more = new(customerMore)
	}
	return c.more
}

// SetAttributes records the customer's attributes (a copy of attrs) for
// workstream rules ([Rule.Attributes]); classification reads them when the
// customer's next conversation opens. The engine holds a customer with
// attributes for its whole life.
func (e *Engine) SetAttributes(key CustomerKey, attrs map[string]string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.customer(&key)
	c.ownMore().attrs, c.pinned = maps.Clone(attrs), true
}

// mergeAttributes sets the keys of attrs on the customer's attributes,
// copying the map first so that a map given to SetAttributes is never
// written. Unlike SetAttributes it does not pin the customer: the platform
// sends the context again with the customer's next message.
func (c *customer) mergeAttributes(attrs map[string]string) {
	if len(attrs) == 0 {
		return
	}
	changed, had := false, c.attrsOf()
	for k, v := range attrs {
		if got, ok := had[k]; !ok || got != v {
			changed = true
			break
		}
	}
	if !changed {
		return
	}
	m := make(map[string]string, len(had)+len(attrs))
	maps.Copy(m, had)
	maps.Copy(m, attrs)
	c.ownMore().attrs = m
}

// customer returns the customer's record, making a new one for a customer
// the engine does not hold (never seen, or released). The key comes by
// pointer, and is copied only into a new record.
func (e *Engine) customer(key *CustomerKey) *customer {
	x := &e.customers
	if c := x.guess(key); c != nil && sameKey(&c.key, key) {
		return c
	}
	h := x.hash(key.Customer)
	c, i := x.find(key, h)
	if c == nil {
		c = e.newCustomer()
		c.key, c.pol = *key, e.policy(key.Channel)
		c.manual = c.pol.ManualAssignment
		x.insert(c, h, i)
	}
	return c
}

// policy is the channel's policy; a channel without one has the zero
// Policy. The engine never writes it. As in sender, the channel is
// compared with the last one by strhash.Same.
func (e *Engine) policy(channel string) *Policy {
	if p := e.lastPolicy; p != nil && strhash.Same(channel, e.lastPolicyOf) {
		return p
	}
	p := e.policies[channel]
	if p == nil {
		p = &e.noPolicy
	}
	e.lastPolicyOf, e.lastPolicy = channel, p
	return p
}

// maxFree is how many released records of each kind the engine keeps for
// reuse, and how many a pooled batch holds.
const maxFree = 256

// newCustomer returns a zero customer record: a released one if any, else
// one from the pool (custBatches), else a new one.
func (e *Engine) newCustomer() *customer {
	n := len(e.freeCusts)
	if n == 0 {
		if n = refill(&e.freeCusts, &custBatches); n == 0 {
			return new(customer)
		}
	}
	c := e.freeCusts[n-1]
	e.freeCusts[n-1] = nil
	e.freeCusts = e.freeCusts[:n-1]
	// A pooled record is reset already, and has no policy. Only a channel
	// with a reply limit fills sentAt: elsewhere its line is not read
	// before it is zeroed, a write rather than a read of a cold line (and
	// an array it kept from an earlier life is let go).
	if pol := c.pol; pol != nil {
		c.reset(pol.ReplyLimit > 0)
	}
	return c
}

// reset makes c a zero record, keeping the array of sentAt, emptied, when
// keepSentAt says so: newCustomer resets a released record with it, and
// Release every record it gives back to the pool.
func (c *customer) reset(keepSentAt bool) {
	var sentAt []int64
	if keepSentAt {
		sentAt = c.sentAt[:0]
	}
	*c = customer{sentAt: sentAt}
}

// newConv returns a zero conversation record: a released one if any, else
// one from the pool (convBatches), else a new one.
func (e *Engine) newConv() *conv {
	n := len(e.freeConvs)
	if n == 0 {
		if n = refill(&e.freeConvs, &convBatches); n == 0 {
			return new(conv)
		}
	}
	cv := e.freeConvs[n-1]
	e.freeConvs[n-1] = nil
	e.freeConvs = e.freeConvs[:n-1]
	if cv.id != 0 { // a pooled record is reset already, and has no id
		cv.reset()
	}
	return cv
}

// reset makes cv a zero record, keeping the array of excluded, emptied:
// newConv resets a released record with it, and Release every record it
// gives back to the pool (which clears the array first).
func (cv *conv) reset() {
	x := cv.excluded
	if x != nil {
		*x = (*x)[:0]
	}
	*cv = conv{excluded: x}
}

// recycleConv keeps a conversation the engine no longer holds for reuse.
// The caller knows that nothing but stale queue entries (see waiter) can
// reach it: it is closed (its timers went with its close), held in no
// map, and no send on its way names it (its customer has none pending).
func (e *Engine) recycleConv(cv *conv) {
	if len(e.freeConvs) < maxFree {
		e.freeConvs = append(e.freeConvs, cv)
	}
}

// mayRelease notes that c may have become releasable at now, in unix ns (its
// conversation closed, or a send to it was recorded): it goes into the
// release queue for the status horizon later, or the end of its reply window
// if that is later. Until then a status for a message the engine no longer
// remembers still finds the customer's latest conversation, and Latest
// answers. The queue is swept as the engine's time passes, and releasable
// checks everything again then.
func (e *Engine) mayRelease(now int64, c *customer) {
	if e.retain || c.pinned || c.open != nil || c.pending > 0 || c.released {
		return
	}
	at := addNano(now, e.horizon)
	if pol := c.pol; pol.Window > 0 && c.hasInbound {
		at = max(at, c.windowEnd)
	}
	e.sweepBy(at)
	e.releases.set(c, at)
}

// sweep releases the customers of the release queue whose time has come and
// that are still releasable. One that is not (it wrote again) comes back to
// the queue when its conversation closes. It returns when the queue is next
// due (math.MaxInt64: empty).
func (e *Engine) sweep(now int64) int64 {
	for {
		en, ok := e.releases.popDue(now)
		if !ok {
			return en.at
		}
		e.prefetchRelease()
		c := en.c
		if en.at < c.relAt {
			e.releases.push(relEntry{c.relAt, c}) // its time moved on
			continue
		}
		c.relQueued = false
		if e.releasable(c, now) {
			e.release(c)
		}
	}
}

// prefetchRelease asks for the lines the sweep's next releases read and
// write, a status horizon after anything else touched them, when none of
// them is cached: the first line of the customer record two entries on,
// and for the entry after the next, whose first line the sweep asked for
// before, its whole record (the first line again, in the same call), its
// latest conversation's record and its slot in the customer index.
// Release reads the first lines and the slot;
// the rest of both records is what the next customer and conversation
// made write whole, as they reuse the released records. The sweep
// releases about one customer per arrival, so what it asks for is used a
// customer's work later or more. Only the FIFO's entries are looked at;
// one that is not released then costs nothing but the hint.
func (e *Engine) prefetchRelease() {
	q := &e.releases
	if i := q.head + 2; i < len(q.fifo) {
		prefetch.Line(unsafe.Pointer(q.fifo[i].c))
	}
	if i := q.head + 1; i < len(q.fifo) {
		c := q.fifo[i].c
		prefetch.Lines(unsafe.Pointer(c), customerLines)
		if cv := c.last; cv != nil {
			prefetch.Lines(unsafe.Pointer(cv), convLines)
		}
		if x := &e.customers; len(x.slots) > 0 {
			prefetch.Line(unsafe.Pointer(&x.slots[c.hash&uint64(len(x.slots)-1)]))
		}
	}
}

// customerLines and convLines are the cache lines of a customer and a
// conversation record, three and two: TestReleaseFieldsFirst and
// TestConvLayout hold them at 192 and 128 bytes, size classes of the
// allocator, so records start on a line.
const (
	customerLines = int(unsafe.Sizeof(customer{})+63) / 64
	convLines     = int(unsafe.Sizeof(conv{})+63) / 64
)

// releasable reports whether forgetting c now changes nothing the engine
// decides: a new record made for the customer later (it writes again, an
// agent sends it a template) would give every decision the same answer.
// That is so when c has no open conversation, no send on its way, and no
// profile or attributes; its reply window is over (on a channel without a
// window but with a reply limit: its count is zero and, when only a window
// resets it, the customer never wrote); and no workstream rule reads the
// display name it keeps. Its latest conversation, closed, goes with it.
func (e *Engine) releasable(c *customer, now int64) bool {
	if e.retain || c.pinned || c.open != nil || c.pending > 0 {
		return false
	}
	pol := c.pol
	switch {
	case pol.Window > 0:
		// Past the window a send is refused or allowed as for a customer
		// never seen (the reply count only matters inside it), and the
		// next message opens a new window, resetting the count either way.
		if c.hasInbound && now < c.windowEnd {
			return false
		}
	case pol.ReplyLimit > 0 && c.sent > 0:
		// No window: the count stands until the customer writes (and for
		// ResetOnWindow, for good).
		return false
	case pol.ReplyLimit > 0 && pol.ReplyLimitReset == ResetOnWindow && c.hasInbound:
		// No window and a count only a new window resets: the customer's
		// first message opened the only window there is. A new record
		// would open another at its next message and reset the count.
		return false
	}
	return !(e.usesName && c.name != "")
}

// release forgets a customer and its latest conversation. Every customer
// in the release queue is the record the engine holds for its key, and its
// latest conversation the one held under its id: it came in from a close
// of its open conversation or the record of a send to it, and until then
// the conversation or the send kept it from being released.
//
// Nothing reaches the two records afterwards (a released customer is out
// of the release queue, has no send pending and no open conversation; its
// earlier conversations, released before, may only be named by stale
// queue entries), so they are kept for reuse.
func (e *Engine) release(c *customer) {
	c.released = true
	e.customers.remove(c)
	if c.last != nil {
		e.convs.remove(c.last.id)
		e.recycleConv(c.last)
	}
	if len(e.freeCusts) < maxFree {
		e.freeCusts = append(e.freeCusts, c)
	}
}

// defaultHorizon is the status horizon of a zero Config.StatusHorizon: the
// longest reply window plus StatusMargin, and at least
// DefaultStatusHorizon.
func defaultHorizon(policies map[string]Policy) time.Duration {
	h := DefaultStatusHorizon
	for _, p := range policies {
		if p.Window > h-StatusMargin {
			h = p.Window + StatusMargin
			if h < p.Window { // overflow
				return math.MaxInt64
			}
		}
	}
	return h
}

// Receive implements [Receiver]: it opens or continues the customer's
// conversation and routes a new one.
func (e *Engine) Receive(now time.Time, in Inbound) (ConversationID, error) {
	if in.Customer.Channel == "" || in.Customer.Customer == "" {
		return 0, errNoCustomer
	}
	// The lock is let go without a deferred call: nothing under it panics,
	// and a deferred call's bookkeeping is code on the path every message
	// takes.
	e.mu.Lock()
	id := e.receive(now, &in)
	e.mu.Unlock()
	return id, nil
}

// errNoCustomer is Receive's answer to a message that names nobody.
var errNoCustomer = errors.New("router: inbound message without channel or customer")

// receive is Receive under the lock.
func (e *Engine) receive(now time.Time, in *Inbound) ConversationID {
	now = e.begin(now)
	c := e.customer(&in.Customer)
	if in.Name != "" || in.Profile != nil || in.AdSource != "" || len(in.Attributes) > 0 {
		c.noteInbound(in)
	}
	pol := c.pol
	atN, late := e.inboundAt(c, now, e.now, in.Sent)

	// The window and the reply allowance; a reaction moves neither unless
	// the policy says it does.
	if !in.isReaction() || pol.ReactionsOpenWindow {
		// opens: a new window opens.
		opens := !c.hasInbound || pol.Window > 0 && atN >= c.windowEnd
		if opens {
			c.windowStart = stampAt(atN)
			if pol.ReplyLimitReset == ResetOnWindow {
				c.sent, c.sentAt = 0, c.sentAt[:0]
				c.allowance++
			}
		}
		c.hasInbound = true
		c.lastInbound = stampAt(atN)
		c.windowEnd = e.windowEndNano(c, pol)
		if pol.ReplyLimitReset != ResetOnWindow {
			e.resetAllowance(c, in.Sent, late)
		}
	}

	cv := c.open
	if cv == nil {
		// A new conversation's last activity is now already, as its idle
		// timer is set: touch would do nothing.
		cv = e.open(now, c)
	} else {
		e.touch(now, e.now, cv) // now is begin's
	}
	cv.inbound++
	ev := e.logSlot(e.newEvent(), now, EventInbound, cv.id, &c.key)
	ev.Agent, ev.Group, ev.Message, ev.Detail = agentID(cv.agent), cv.group.name, in.MessageID, in.AdSource
	if pol.Window > 0 && pol.NewConversationAfterWindow {
		e.setDeadlineNano(c.windowEnd, cv, deadlineWindow)
	}
	if cv.state == stageBot && e.bot.matches(in.Text) {
		e.handoff(now, cv, "keyword")
	}
	return cv.id
}

// noteInbound keeps what a customer message tells of the customer: its
// display name, profile, ad source and attributes. Few messages carry
// any: it is out of receive's line.
func (c *customer) noteInbound(in *Inbound) {
	if in.Name != "" {
		c.name = in.Name
	}
	if p := in.Profile; p != nil && (c.more != nil || *p != (Profile{})) {
		// Not pinned: the platform tells it again with the next message.
		// An empty one leaves a customer without a profile as it is.
		c.ownMore().profile.update(*p)
	}
	if in.AdSource != "" {
		c.ownMore().profile.AdSource = in.AdSource
	}
	if len(in.Attributes) > 0 { // few messages carry any: no call for them
		c.mergeAttributes(in.Attributes)
	}
}

// windowEndNano is when c's reply window ends, in unix nanoseconds,
// saturated: its policy's window after its first or its latest message,
// by the policy's anchor; a window that ends past what int64 holds ends
// at math.MaxInt64. The customer keeps it (customer.windowEnd) for the
// checks of a window open and the window's timer.
func (e *Engine) windowEndNano(c *customer, pol *Policy) int64 {
	from := c.lastInbound
	if pol.WindowAnchor == AnchorFirstInbound {
		from = c.windowStart
	}
	return addNano(from.nano(), pol.Window)
}

// open starts a conversation for c and routes it, or gives it to the bot.
func (e *Engine) open(now time.Time, c *customer) *conv {
	e.lastID++
	cv := e.newConv()
	cv.id, cv.cust, cv.state, cv.opened, cv.lastActivity, cv.due = e.lastID, c, stageWaiting, stampAt(e.now), e.now, newDues()
	if prev := c.last; prev != nil && !e.retain {
		e.dropPrevious(prev, c)
	}
	e.convs.put(cv)
	e.openN++
	c.open, c.last = cv, cv
	c.count++
	var how string
	cv.group = e.deflt
	if e.workstreams != nil || e.split != SplitNone {
		cv.group, how = e.classify(c) // most tenants have neither
	}
	botOn := e.bot.on(c.key.Channel)
	if botOn {
		cv.botIdle = true
		cv.state = stageBot
	}
	ev := e.logSlot(e.newEvent(), now, EventOpened, cv.id, &c.key)
	ev.Agent, ev.Group, ev.Message, ev.Detail = "", cv.group.name, "", how
	if idle := e.idleOf(cv); idle > 0 {
		e.setDeadline(now.Add(idle), cv, deadlineIdle)
	}
	if botOn {
		e.withBot(now, cv)
		return cv
	}
	if e.missed > 0 {
		e.setDeadline(now.Add(e.missed), cv, deadlineMissed)
	}
	e.route(now, e.now, cv, cv.group) // now is begin's
	return cv
}

// dropPrevious lets go of prev, c's previous conversation, closed, as a
// new one opens: nothing reaches it any more (its timers went with its
// close, statuses name it by id), unless a send to the customer is on its
// way. A customer the engine still holds when it writes again is the
// lesser case (most are released first): it is out of open's line
// (go:noinline).
//
//go:noinline
func (e *Engine) dropPrevious(prev *conv, c *customer) {
	e.convs.remove(prev.id)
	if c.pending == 0 {
		e.recycleConv(prev)
	}
}

// withBot gives a conversation just opened to the bot.
func (e *Engine) withBot(now time.Time, cv *conv) {
	e.log(now, EventBot, cv.id, &cv.cust.key, "", cv.group.name, "", "")
	if e.bot.after > 0 {
		e.setDeadline(now.Add(e.bot.after), cv, deadlineBot)
	}
}

// route assigns a waiting conversation in group g at now (n in unix ns),
// or queues it there (or in the unassigned inbox, on a channel without
// auto-assignment).
func (e *Engine) route(now time.Time, n int64, cv *conv, g *group) {
	cv.state = stageWaiting
	cv.group = g
	if cv.cust.manual {
		cv.inbox = true
		e.log(now, EventQueued, cv.id, &cv.cust.key, "", g.name, "", "inbox")
		return
	}
	if a, to := e.pickFor(cv, g); a != nil {
		e.assign(now, n, cv, a, to, "")
	} else {
		e.enqueue(now, cv, g)
	}
}

// classify finds the conversation's group, and says how for the opened
// event's Detail (the workstream and rule, or "").
func (e *Engine) classify(c *customer) (*group, string) {
	if ws := e.workstreamOf(c.key.Channel); ws != nil {
		return ws.classify(c)
	}
	var g *group
	switch e.split {
	case SplitRegion:
		g = e.regions[c.profileOf().Region]
	case SplitEntryPage:
		g = e.pages[c.profileOf().EntryPage]
	case SplitStore:
		// No location permission, no group for the store, or a store
		// without agents: the headquarters' default group.
		if g = e.stores[c.profileOf().Store]; g != nil && len(g.members) == 0 {
			g = nil
		}
	}
	if g == nil {
		return e.deflt, ""
	}
	return g, ""
}

// pickFor picks the agent for conversation cv of group g, skipping the
// agents it excludes, and overflowing at once to the default group when the
// tenant says so.
func (e *Engine) pickFor(cv *conv, g *group) (*agent, *group) {
	// A conversation that excludes no agent, nearly every one, asks the
	// picker itself: pick would only pass the question on, in a call.
	var a *agent
	if skips := cv.skips(); len(skips) == 0 {
		a = e.picker.pick(g, e.rng)
	} else {
		a = e.pick(g, skips)
	}
	if a != nil {
		return a, g
	}
	if e.overflow == OverflowDefault && e.overflowAfter == 0 && g != e.deflt {
		if a := e.pick(e.deflt, cv.skips()); a != nil {
			return a, e.deflt
		}
	}
	return nil, nil
}

// pick returns the first eligible agent of g by the strategy, skipping the
// excluded agents, or nil. The excluded agents leave g's index for the
// decision and come back after it: O(k log n) for k of them.
func (e *Engine) pick(g *group, excluded []*agent) *agent {
	if len(excluded) == 0 {
		return e.picker.pick(g, e.rng)
	}
	var out [4]member
	gone := out[:0]
	for _, a := range excluded {
		if i := a.slotIn(g); i >= 0 && e.eligibleIn(a, &a.slots[i]) {
			m := member{a: a, slot: i}
			e.picker.set(g, m, false)
			gone = append(gone, m)
		}
	}
	a := e.picker.pick(g, e.rng)
	for _, m := range gone {
		e.picker.set(g, m, true)
	}
	return a
}

// slotIn is the index of the agent's membership of g, or -1.
func (a *agent) slotIn(g *group) int {
	for i := range a.slots {
		if a.slots[i].g == g {
			return i
		}
	}
	return -1
}

// eligibleIn is the eligibility seam: whether agent a can take a
// conversation in the group of its membership s. Online, inside working
// hours (unless the group ignores hours) and below capacity.
func (e *Engine) eligibleIn(a *agent, s *slot) bool {
	return a.online && a.active < a.capacity && (a.onShift || s.g.ignoreHours)
}

// enqueue makes cv wait in g's queue, in id order (oldest first).
func (e *Engine) enqueue(now time.Time, cv *conv, g *group) {
	cv.group = g
	cv.queued = true
	n := len(g.waiting)
	if n == g.head || g.waiting[n-1].id < cv.id {
		g.waiting = append(g.waiting, waiter{cv, cv.id})
	} else {
		g.requeue(cv)
	}
	g.live++
	e.log(now, EventQueued, cv.id, &cv.cust.key, "", g.name, "", "")
	if e.overflowAfter > 0 && g != e.deflt {
		e.setDeadline(now.Add(e.overflowAfter), cv, deadlineOverflow)
	}
}

// requeue puts a conversation coming back (reassigned, transferred) into
// g's queue at its place by age; its own stale entry, if still there, is
// reused. A new conversation goes last, by enqueue: this is out of its
// line (go:noinline).
//
//go:noinline
func (g *group) requeue(cv *conv) {
	i, found := slices.BinarySearchFunc(g.waiting[g.head:], cv.id, func(x waiter, id ConversationID) int {
		return cmp.Compare(x.id, id)
	})
	if !found {
		g.waiting = slices.Insert(g.waiting, g.head+i, waiter{cv, cv.id})
	}
}

// dequeue takes a waiting conversation out of its queue or the inbox.
func (e *Engine) dequeue(cv *conv) {
	if cv.queued {
		cv.queued = false
		cv.group.live--
	}
	cv.inbox = false
	e.clearDeadline(cv, deadlineOverflow)
}

// assign gives cv to agent a in group g at now (n in unix ns, which every
// caller has at hand).
func (e *Engine) assign(now time.Time, n int64, cv *conv, a *agent, g *group, detail string) {
	e.dequeue(cv)
	cv.state = stageAssigned
	cv.agent = a
	cv.group = g
	if cv.assigned.isZero() {
		cv.assigned = stampAt(n)
	}
	cv.replied = false
	a.assignments++
	// longest-idle ranks agents by lastAssigned, the never-assigned first
	a.lastAssigned = n
	e.setActive(now, n, a, a.active+1)
	if e.strategy == RoundRobin { // the one strategy whose picker heeds assigned
		if i := a.slotIn(g); i >= 0 {
			e.picker.assigned(g, member{a: a, slot: i})
		}
	}
	ev := e.logSlot(e.newEvent(), now, EventAssigned, cv.id, &cv.cust.key)
	ev.Agent, ev.Group, ev.Message, ev.Detail = a.id, g.name, "", detail
	if e.reassign > 0 {
		e.setDeadline(now.Add(e.reassign), cv, deadlineReassign)
	}
}

// noteBusy adds the agent's conversation-time since busyAt (its open
// conversations times the span, while it was online: the time it held
// them offline is not work on capacity it offered) and starts the next
// span at now (n in unix ns). Called before active or online changes.
func (a *agent) noteBusy(now time.Time, n int64) {
	if a.active > 0 && a.online && !a.busyAt.IsZero() { // an idle span adds nothing
		a.busyHi, a.busyLo = addBusy(a.busyHi, a.busyLo, a.active, n-a.busyAtNano)
	}
	a.busyAt, a.busyAtNano = now, n
}

// addBusy adds active conversations over span nanoseconds (both not
// negative) to the 128-bit conversation-time hi, lo.
func addBusy(hi, lo uint64, active int, span int64) (uint64, uint64) {
	ph, pl := bits.Mul64(uint64(active), uint64(max(span, 0)))
	lo, carry := bits.Add64(lo, pl, 0)
	return hi + ph + carry, lo
}

// busyTime returns the 128-bit conversation-time hi, lo as a Duration,
// math.MaxInt64 past what one holds, and in hours.
func busyTime(hi, lo uint64) (time.Duration, float64) {
	if hi == 0 && lo <= math.MaxInt64 {
		d := time.Duration(lo)
		return d, d.Hours()
	}
	return math.MaxInt64, (float64(hi)*0x1p64 + float64(lo)) / float64(time.Hour)
}

// setActive changes an agent's open-conversation count to active at now (n
// in unix ns: the caller has it at hand, and the spans measured here and in
// reindex need it) and keeps every group index in step.
func (e *Engine) setActive(now time.Time, n int64, a *agent, active int) {
	a.noteBusy(now, n)
	a.active = active
	if active > a.peak {
		a.peak = active
	}
	e.reindex(now, n, a)
}

// reindex puts the agent where it belongs in each of its groups' picker
// after its eligibility or key changed at now (n in unix ns).
func (e *Engine) reindex(now time.Time, n int64, a *agent) {
	a.trackEligible(now, n)
	for i := range a.slots {
		s := &a.slots[i]
		e.picker.set(s.g, member{a: a, slot: i}, e.eligibleIn(a, s))
	}
}

func (g *group) removeFresh(i int) {
	n := len(g.fresh) - 1
	gone := g.fresh[i]
	if i != n {
		g.fresh[i] = g.fresh[n]
		m := g.fresh[i]
		m.a.slots[m.slot].freshPos = i
	}
	g.fresh = g.fresh[:n]
	gone.a.slots[gone.slot].freshPos = -1
}

// drain assigns waiting conversations of the agent's groups to eligible
// agents at now (n in unix ns): groups in priority order, oldest
// conversation first.
func (e *Engine) drain(now time.Time, n int64, a *agent) {
	if e.overflow == OverflowDefault && e.overflowAfter == 0 && e.inDefault(a) {
		// A default-group agent can take any group's overflow.
		for _, g := range e.groups {
			e.drainGroup(now, n, g)
		}
		return
	}
	// a.slots is in priority order. A group with nothing in its queue,
	// as most are when an agent frees up, has nothing to drain.
	for i := range a.slots {
		if g := a.slots[i].g; len(g.waiting) > 0 {
			e.drainGroup(now, n, g)
		}
	}
}

func (e *Engine) inDefault(a *agent) bool { return a.slotIn(e.deflt) >= 0 }

// drainGroup assigns g's waiting conversations, oldest first, while agents
// are eligible, at now (n in unix ns).
func (e *Engine) drainGroup(now time.Time, n int64, g *group) {
	i := g.head
	for g.live > 0 && i < len(g.waiting) {
		w := g.waiting[i]
		cv := w.cv
		if !w.waits(g) {
			// No longer waits here.
			if i == g.head {
				g.pop()
				i = g.head
			} else {
				i++
			}
			continue
		}
		ag, to := e.pickFor(cv, g)
		if ag == nil {
			if len(cv.skips()) == 0 {
				break
			}
			// Only agents it excludes could take it: the next may go.
			i++
			continue
		}
		e.assign(now, n, cv, ag, to, "")
	}
	if g.live == 0 {
		clear(g.waiting)
		g.waiting, g.head = g.waiting[:0], 0
	}
}

func (g *group) pop() {
	g.waiting[g.head] = waiter{}
	g.head++
	if g.head > 64 && g.head*2 > len(g.waiting) {
		n := copy(g.waiting, g.waiting[g.head:])
		clear(g.waiting[n:])
		g.waiting, g.head = g.waiting[:n], 0
	}
}

// SetOnline changes an agent's presence. Coming online drains the waiting
// conversations of the agent's groups.
func (e *Engine) SetOnline(now time.Time, agentID string, online bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	now = e.begin(now)
	a, ok := e.agents[agentID]
	if !ok {
		return fmt.Errorf("router: unknown agent %q", agentID)
	}
	if !e.setOnline(now, a, online, "") {
		return nil
	}
	e.reindex(now, e.now, a)
	if online {
		e.drain(now, e.now, a)
	}
	return nil
}

// setOnline changes an agent's presence at now (a call's time, or a shift
// timer's), logging detail with the event ("hours" when its hours change
// it, [Config.OnlineByHours]), and reports whether it changed.
func (e *Engine) setOnline(now time.Time, a *agent, online bool, detail string) bool {
	if a.online == online {
		return false
	}
	a.noteBusy(now, now.UnixNano())
	a.online = online
	if online {
		a.onlineSince = now
		e.log(now, EventOnline, 0, nil, a.id, "", "", detail)
	} else {
		a.onlineTotal += now.Sub(a.onlineSince)
		e.log(now, EventOffline, 0, nil, a.id, "", "", detail)
	}
	return true
}

// Close closes the customer's open conversation on the agent's behalf.
func (e *Engine) Close(now time.Time, agentID string, key CustomerKey) error {
	e.mu.Lock() // let go without a deferred call, as in Receive
	now = e.begin(now)
	c := e.customers.get(&key)
	// The agent holds it while it is assigned (assign sets the agent):
	// after a transfer or a reassignment, agent names the last one, who
	// holds it no more.
	if c == nil || c.open == nil || c.open.state != stageAssigned || !strhash.Same(c.open.agent.id, agentID) {
		err := e.notClosed(agentID, key, c)
		e.mu.Unlock()
		return err
	}
	e.close(now, e.now, c.open, causeAgent) // now is begin's
	e.mu.Unlock()
	return nil
}

// notClosed is Close's error for an agent that does not hold the
// customer's open conversation (c, nil when the engine does not hold the
// customer).
func (e *Engine) notClosed(agentID string, key CustomerKey, c *customer) error {
	// An agent holding a conversation is known: the agents are looked up
	// only to name the error.
	if _, ok := e.agents[agentID]; !ok {
		return fmt.Errorf("router: unknown agent %q", agentID)
	}
	if c == nil || c.open == nil {
		return fmt.Errorf("router: %s has no open conversation", key)
	}
	return fmt.Errorf("router: conversation %s of %s is not assigned to %s", c.open.id, key, agentID)
}

// close closes cv at now (n in unix ns, which every caller has at hand)
// for the reason why.
func (e *Engine) close(now time.Time, n int64, cv *conv, why cause) {
	wasAssigned := cv.state == stageAssigned
	e.dequeue(cv)
	cv.state = stageClosed
	cv.closed = stampAt(n)
	cv.reason = why
	e.openN--
	if cv.cust.open == cv {
		cv.cust.open = nil
		e.mayRelease(n, cv.cust)
	}
	if cv.dueN > 0 {
		for k := range cv.due {
			e.clearDeadline(cv, deadlineKind(k))
		}
	}
	ev := e.logSlot(e.newEvent(), now, EventClosed, cv.id, &cv.cust.key)
	ev.Agent, ev.Group, ev.Message, ev.Detail = agentID(cv.agent), cv.group.name, "", string(why.reason())
	if !wasAssigned {
		return
	}
	a := cv.agent
	e.setActive(now, n, a, a.active-1)
	if a.online {
		e.drain(now, n, a)
	}
}

// setDeadline sets the conversation's deadline of kind k to at, replacing
// the pending one of that kind. A deadline set again to the same time keeps
// its place among deadlines of that time.
func (e *Engine) setDeadline(at time.Time, cv *conv, k deadlineKind) {
	e.setDeadlineNano(unixNano(at), cv, k)
}

// setDeadlineNano is setDeadline for a time in unix ns, which the caller
// has at hand.
func (e *Engine) setDeadlineNano(n int64, cv *conv, k deadlineKind) {
	if i := cv.due[k]; i >= 0 && e.deadlines[i].at == n {
		return
	}
	e.seq++
	e.deadlines.set(deadline{at: n, seq: e.seq, conv: cv, kind: k})
	e.noteNext()
}

// setAgentDeadline is setDeadline for an agent's timer.
func (e *Engine) setAgentDeadline(at time.Time, a *agent, k deadlineKind) {
	n := unixNano(at)
	if i := a.due[k]; i >= 0 && e.deadlines[i].at == n {
		return
	}
	e.seq++
	e.deadlines.set(deadline{at: n, seq: e.seq, agent: a, kind: k})
	e.noteNext()
}

// clearDeadline drops the conversation's pending deadline of kind k.
func (e *Engine) clearDeadline(cv *conv, k deadlineKind) {
	if i := cv.due[k]; i >= 0 {
		e.removeDeadline(int(i))
	}
}

// removeDeadline takes the deadline at i out of the heap (clearDeadline's
// slow path, kept apart so that clearDeadline stays small enough to
// inline).
func (e *Engine) removeDeadline(i int) {
	e.deadlines.remove(i)
	e.noteNext()
}

// noDeadline is what Engine.next holds when no deadline is pending.
const noDeadline = math.MinInt64

// noteNext publishes the earliest pending deadline for NextDeadline, and
// notes it in until: every change of the deadlines is followed by it,
// under the lock.
func (e *Engine) noteNext() {
	e.noteUntil()
	at := int64(noDeadline)
	if len(e.deadlines) > 0 {
		if at = e.deadlines[0].at; at == noDeadline {
			at = 0 // not to be mistaken for none: read under the lock
		}
	}
	// An unknown time (0) is read under the lock: the deadline read
	// there may have changed.
	if at != e.nextSeen || at == 0 {
		e.nextSeen = at
		e.next.Store(at)
		e.nextChanges.Add(1)
	}
}

// NextDeadlineChanges counts the changes of the engine's next deadline:
// [Engine.NextDeadline]'s answer (and NextDeadlineNanos') is the same for
// as long as the count is. An owner that asks before every step it plays
// (a simulation) keeps the answer, and asks again only when the count has
// moved: a load, where asking is a call. Read the count before asking, so
// that a change made meanwhile (by a call in another goroutine) moves it
// past what was read. It is never 0: New publishes the first deadline.
func (e *Engine) NextDeadlineChanges() uint64 { return e.nextChanges.Load() }

// touch records a message either way at now (n in unix ns, which the
// caller has at hand): it restarts the idle timer. Times are compared on
// the engine's clock, in unix ns (see accept): with one comparison rather
// than a call of Time.After. It is small enough to inline; restarting the
// timer, which most tenants do not set, is a call.
func (e *Engine) touch(now time.Time, n int64, cv *conv) {
	if n <= cv.lastActivity {
		return
	}
	cv.lastActivity = n
	if e.idleOf(cv) > 0 {
		e.idleFrom(now, cv)
	}
}

// idleFrom sets the conversation's idle timer to its idle limit after now.
func (e *Engine) idleFrom(now time.Time, cv *conv) {
	e.setDeadline(now.Add(e.idleOf(cv)), cv, deadlineIdle)
}

// begin starts a call at now: it applies the engine's clock rule (accept)
// and fires what is due by the time accepted (advance), and returns that
// time, whose unix ns e.now then holds for the rest of the call. A call at
// or after the latest accepted time, before the next sweep and the
// earliest deadline, has nothing to fire: it only moves the clock.
func (e *Engine) begin(now time.Time) time.Time {
	n := now.UnixNano()
	// (until is math.MinInt64 until the first call has started the clock.)
	e.loc = now.Location()
	if n >= e.now && n < e.until {
		e.now = n
		return now
	}
	now = e.accept(now, n)
	e.advance(now, e.now) // accept set e.now to now's unix ns
	return now
}

// accept applies the engine's clock rule to the time of a call (n in unix
// ns): a time before the latest accepted one is taken as that one (in now's
// location).
func (e *Engine) accept(now time.Time, n int64) time.Time {
	if e.started && n < e.now {
		return time.Unix(0, e.now).In(now.Location())
	}
	first := !e.started
	e.started, e.now = true, n
	if first {
		e.startShifts(now)
	}
	return now
}

// view is now for a snapshot: never before the latest accepted time.
func (e *Engine) view(now time.Time) time.Time {
	if e.started && now.UnixNano() < e.now {
		return time.Unix(0, e.now).In(now.Location())
	}
	return now
}

// NextDeadline is when the engine next needs [Engine.Advance]: the time at
// which the earliest pending timer (a conversation becoming missed, or
// closing as missed, idle or at its window's end) fires. ok is false when
// nothing is pending. Every pending timer is live, so the caller never wakes
// for nothing.
func (e *Engine) NextDeadline() (t time.Time, ok bool) {
	at, ok := e.NextDeadlineNanos()
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(0, at), true
}

// NextDeadlineNanos is [Engine.NextDeadline] in unix nanoseconds, for an
// owner that keeps its times in them (a simulation's event queue): the
// same answer, without a time.Time made to be taken apart again.
func (e *Engine) NextDeadlineNanos() (at int64, ok bool) {
	// A simulation asks before every step it plays: the time published
	// under the lock answers without taking it.
	switch at := e.next.Load(); at {
	case noDeadline:
		return 0, false
	case 0:
		return e.nextDeadline()
	default:
		return at, true
	}
}

// nextDeadline is NextDeadlineNanos under the lock, for a time not
// published.
func (e *Engine) nextDeadline() (at int64, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.deadlines) == 0 {
		return 0, false
	}
	return e.deadlines[0].at, true
}

// Advance fires every deadline due at or before now, in time order: missed
// conversations and their closes, idle and window closes.
func (e *Engine) Advance(now time.Time) {
	e.mu.Lock() // let go without a deferred call, as in Receive
	e.begin(now)
	e.mu.Unlock()
}

// advance fires what is due by now (n in unix ns): begin's slow path.
func (e *Engine) advance(now time.Time, n int64) {
	// The release queue is swept when something in it is due, not at
	// every call: a world calls many times between two of those.
	if n >= e.sweepDue {
		// What the sweep looked at last is when it is next due.
		e.sweepDue = e.sweep(n)
		e.noteUntil()
	}
	for len(e.deadlines) > 0 && e.deadlines[0].at <= n {
		d := e.deadlines.pop()
		e.noteNext()
		at := time.Unix(0, d.at).In(now.Location())
		if d.conv == nil {
			e.shiftChange(at, d.agent)
			continue
		}
		cv := d.conv
		if cv.state == stageClosed {
			continue
		}
		switch d.kind {
		case deadlineMissed:
			if cv.answered {
				continue
			}
			if !cv.missed {
				cv.missed, cv.missedAt = true, stampAt(d.at)
				e.log(at, EventMissed, cv.id, &cv.cust.key, agentID(cv.agent), cv.group.name, "", "")
				if e.closeMissed > 0 {
					e.setDeadline(at.Add(e.closeMissed), cv, deadlineMissed)
					continue
				}
			}
			e.close(at, d.at, cv, causeMissed)
		case deadlineIdle:
			if due := addNano(cv.lastActivity, e.idleOf(cv)); due > d.at {
				e.setDeadlineNano(due, cv, deadlineIdle)
			} else {
				e.close(at, d.at, cv, causeIdle)
			}
		case deadlineWindow:
			if due := cv.cust.windowEnd; due > d.at {
				e.setDeadlineNano(due, cv, deadlineWindow)
			} else {
				e.close(at, d.at, cv, causeWindow)
			}
		case deadlineOverflow:
			e.overflowNow(at, cv)
		case deadlineReassign:
			if cv.state == stageAssigned && !cv.replied {
				e.reassignNow(at, cv)
			}
		case deadlineBot:
			if cv.state == stageBot {
				e.handoff(at, cv, "timeout")
			}
		}
	}
}

// Check reports whether the router's policy would let the agent send m to
// the customer now, and the reason when not.
func (e *Engine) Check(now time.Time, agentID string, to CustomerKey, m Outbound) (Reason, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.begin(now)
	_, _, r, err := e.check(e.now, agentID, &to, &m)
	return r, err
}

// check judges a send at now (unix ns) under the lock: the customer's open
// conversation, whether the customer's window is open (for a send it
// allows, whose slot of allowance decide takes only inside the window), and
// the refusal or the error, if any.
func (e *Engine) check(now int64, agentID string, to *CustomerKey, m *Outbound) (cv *conv, open bool, r Reason, err error) {
	c := e.customers.get(to)
	if c != nil {
		cv = c.open
	}
	// An agent's text in the conversation it holds (an agent is never the
	// bot or an automatic reply) is what nearly every send is: it asks
	// none of checkSender's questions.
	if cv == nil || cv.agent == nil || !strhash.Same(cv.agent.id, agentID) || cv.state != stageAssigned || m.Kind != KindText {
		if r, err := e.checkSender(agentID, m, cv); err != nil {
			return nil, false, "", err
		} else if r != "" {
			return cv, false, r, nil
		}
	}
	var pol *Policy
	if c != nil {
		pol = c.pol
	} else {
		pol = e.policy(to.Channel)
	}
	// A text has at most as many characters as bytes: only a longer one is
	// counted.
	if m.Kind == KindText && (pol.MaxTextLength > 0 && len(m.Text) > pol.MaxTextLength &&
		runesOver(m.Text, pol.MaxTextLength) ||
		pol.MaxTextBytes > 0 && len(m.Text) > pol.MaxTextBytes) {
		return cv, false, ReasonTextTooLong, nil
	}
	if m.Kind == KindAttachment && pol.Attachments != nil {
		if r := attachmentRefusal(pol, m.Attachment); r != "" {
			return cv, false, r, nil
		}
	}
	open = pol.Window == 0 || c != nil && c.hasInbound && now < c.windowEnd
	if m.Kind == KindTemplate && pol.TemplatesOutsideWindow && !open {
		return cv, false, "", nil
	}
	if !open {
		return cv, false, ReasonWindowClosed, nil
	}
	if pol.ReplyLimit > 0 && c != nil && c.sent >= pol.ReplyLimit {
		return cv, true, ReasonReplyLimit, nil
	}
	return cv, true, "", nil
}

// runesOver reports whether text has more than limit characters. It is
// asked only of a text longer than limit bytes, which few are: it is out of
// check's line (go:noinline).
//
//go:noinline
func runesOver(text string, limit int) bool {
	return utf8.RuneCountInString(text) > limit
}

// checkSender is check's judgement of who sends what to the customer's open
// conversation cv (nil: none): an error for an unknown agent or a
// malformed message, a refusal for a sender that does not hold cv.
func (e *Engine) checkSender(agentID string, m *Outbound, cv *conv) (Reason, error) {
	bot, auto := agentID == BotID, agentID == AutoID
	// An agent holding the conversation is known: the agents are looked up
	// only for another sender.
	if holds := cv != nil && cv.agent != nil && cv.agent.id == agentID; !holds && !(bot && e.bot != nil) && !auto {
		if _, ok := e.agents[agentID]; !ok {
			return "", fmt.Errorf("router: unknown agent %q", agentID)
		}
	}
	switch m.Kind {
	case KindText, KindTemplate, KindAttachment:
	default:
		return "", fmt.Errorf("router: unknown message kind %q", m.Kind)
	}
	if m.Kind == KindTemplate && m.Template == nil || m.Kind == KindAttachment && m.Attachment == nil {
		return "", fmt.Errorf("router: %s message without its %s", m.Kind, m.Kind)
	}
	switch {
	case cv == nil && m.Kind != KindTemplate:
		return ReasonNoConversation, nil
	case bot && (cv == nil || cv.state != stageBot):
		return ReasonNotAssigned, nil // the bot answers its own conversations only
	case auto && cv == nil:
		return ReasonNoConversation, nil // an auto-reply answers an open conversation
	case auto:
	case !bot && cv != nil && (cv.agent == nil || cv.state != stageAssigned || cv.agent.id != agentID):
		return ReasonNotAssigned, nil
	}
	return "", nil
}

// attachmentRefusal is the policy's refusal of attachment a, or "".
func attachmentRefusal(pol *Policy, a *Attachment) Reason {
	rule, ok := pol.Attachments[a.Kind]
	if !ok || len(rule.Formats) > 0 && !slices.Contains(rule.Formats, strings.ToLower(a.Format)) {
		return ReasonAttachmentType
	}
	if rule.MaxBytes > 0 && a.Size > rule.MaxBytes {
		return ReasonAttachmentSize
	}
	return ""
}

// Send checks m against the channel's policy and, when allowed, hands it to
// the channel's [Sender]. The error is for calls that make no sense (an
// unknown agent, no sender for the channel); refusals and platform errors are
// in the result. The engine is not locked while the sender runs.
func (e *Engine) Send(ctx context.Context, now time.Time, agentID string, to CustomerKey, m Outbound) (SendResult, error) {
	var p pendingSend
	if err := e.decide(&p, now, agentID, &to, &m); err != nil || p.res.Refusal != "" {
		return p.res, err
	}
	id, sendErr := p.sender.Send(ctx, to, m)
	e.record(&p, agentID, &to, id, sendErr)
	return p.res, nil
}

// BotSend sends m from the bot ([Config.Bot]) to a customer whose open
// conversation is with the bot, as [Engine.Send] does for an agent: the
// channel's policy applies (the bot's answers count against the reply
// limit) and the send is logged with Agent [BotID]. To a conversation not
// with the bot it is refused with [ReasonNotAssigned]; without a bot it is
// an error.
func (e *Engine) BotSend(ctx context.Context, now time.Time, to CustomerKey, m Outbound) (SendResult, error) {
	return e.Send(ctx, now, BotID, to, m)
}

// AutoSend sends an automatic reply (the message center's auto-replies) to
// the customer's open conversation, whoever holds it, under the channel's
// policy (window, reply limit, text and attachments), logged with Agent
// [AutoID]. It answers nobody: the conversation's missed and reassignment
// timers go on, as a person still has to answer. Without an open
// conversation it is refused as [ReasonNoConversation].
func (e *Engine) AutoSend(ctx context.Context, now time.Time, to CustomerKey, m Outbound) (SendResult, error) {
	return e.Send(ctx, now, AutoID, to, m)
}

// pendingSend is a send the policy allowed, on its way to the sender.
type pendingSend struct {
	res    SendResult
	at     time.Time // the accepted time of the decision
	atN    int64     // at in unix ns
	conv   *conv
	cust   *customer // held until the send is recorded
	sender Sender
	// counted: the send took a slot of allowance, to be given back if the
	// platform refuses it while that allowance lasts.
	counted   bool
	allowance uint64
}

// decide checks a send and, when it is allowed, takes its reply-limit slot
// at once, so that concurrent sends cannot exceed the limit. The lock is
// let go without a deferred call, as in Receive.
func (e *Engine) decide(p *pendingSend, now time.Time, agentID string, to *CustomerKey, m *Outbound) error {
	e.mu.Lock()
	now = e.begin(now)
	cv, open, reason, err := e.check(e.now, agentID, to, m) // begin left e.now at now
	p.conv, p.at, p.atN = cv, now, e.now
	if cv != nil {
		p.res.Conversation = cv.id
	}
	if err != nil || reason != "" {
		e.refused(p, agentID, to, reason)
		e.mu.Unlock()
		return err
	}
	if p.sender = e.sender(to.Channel); p.sender == nil {
		e.mu.Unlock()
		return errNoSender(to.Channel)
	}
	var c *customer
	if cv != nil {
		c = cv.cust // the customer's open conversation
	} else {
		c = e.customer(to)
	}
	c.pending++
	p.cust = c
	// Only sends inside the window count: templates outside it do not.
	// (c is the customer check judged, or a new record of a customer it
	// did not find, whose window is open only on a channel without one.)
	if open {
		c.sent++
		p.counted, p.allowance = true, c.allowance
		if c.pol.ReplyLimit > 0 {
			c.sentAt = append(c.sentAt, now.UnixNano())
		}
	}
	e.mu.Unlock()
	return nil
}

// errNoSender is decide's error for a channel no sender handles, out of
// its line (go:noinline).
//
//go:noinline
func errNoSender(channel string) error {
	return fmt.Errorf("router: no sender for channel %q", channel)
}

// refused notes a send check refused (reason; "" for an error). Few sends
// are refused: it is out of decide's line (go:noinline).
//
//go:noinline
func (e *Engine) refused(p *pendingSend, agentID string, to *CustomerKey, reason Reason) {
	if reason != "" {
		p.res.Refusal = reason
		e.log(p.at, EventRefused, p.res.Conversation, to, agentID, "", "", string(reason))
	}
}

// record logs the outcome of a send in p.res, at the decision's time
// unless another call moved the engine's time on while the sender ran.
func (e *Engine) record(p *pendingSend, agentID string, to *CustomerKey, id string, sendErr error) {
	e.mu.Lock()
	// begin(p.at), whose unix ns the decision kept: the engine's time
	// has usually not moved while the sender ran, and nothing came due.
	now, n := p.at, p.atN
	if n >= e.now && n < e.until {
		e.now = n
	} else {
		now = e.begin(now)
		n = e.now // begin's time in unix ns
	}
	p.res.MessageID, p.res.Err = id, sendErr
	c := p.cust
	c.pending--
	if sendErr != nil {
		e.failed(now, n, p, agentID, to, sendErr)
		// (failed notes that c may be released)
		e.mu.Unlock()
		return
	}
	if cv := p.conv; cv != nil && cv.state != stageClosed && agentID == AutoID {
		cv.outbound++ // an automatic reply answers nobody: no timer stops
	} else if cv != nil && cv.state != stageClosed {
		cv.outbound++
		cv.answered = true
		if cv.state == stageAssigned && cv.agent != nil && strhash.Same(cv.agent.id, agentID) {
			cv.replied = true
			e.clearDeadline(cv, deadlineReassign)
		}
		e.clearDeadline(cv, deadlineMissed)
		e.touch(now, n, cv)
	}
	if id != "" {
		e.remember(n, to, id, p.res.Conversation)
	}
	ev := e.logSlot(e.newEvent(), now, EventSent, p.res.Conversation, to)
	ev.Agent, ev.Group, ev.Message, ev.Detail = agentID, "", id, ""
	if c.open == nil { // else its open conversation holds it: no call
		e.mayRelease(n, c)
	}
	e.mu.Unlock()
}

// failed is record's account of a send the platform refused at now (n in
// unix ns): a slot of the allowance it took comes back, and the customer,
// no longer held by the send, may be released. It is out of record's line
// (go:noinline): few sends fail, and record is inlined into Send only
// while its cost stays within the profile-guided budget.
//
//go:noinline
func (e *Engine) failed(now time.Time, n int64, p *pendingSend, agentID string, to *CustomerKey, sendErr error) {
	if c := p.cust; p.counted && c.allowance == p.allowance {
		c.sent--
		c.unsent(p.at)
	}
	detail := sendErr.Error()
	var pe *PlatformError
	if errors.As(sendErr, &pe) {
		detail = pe.Code
	}
	e.log(now, EventFailed, p.res.Conversation, to, agentID, "", "", detail)
	e.mayRelease(n, p.cust)
}

// remember notes the conversation a message was sent at now (unix ns) in,
// for Status.
func (e *Engine) remember(now int64, to *CustomerKey, id string, cv ConversationID) {
	if e.sentLog.next%sentBlock == 0 {
		// The entry starts a block: the log forgets what is past the
		// horizon, so that it holds at most a horizon's sends and a
		// block, and a block it lets go is the spare the entry takes.
		e.forget(now)
	}
	n, s := e.sentLog.add()
	// Field by field, not as a composite literal: that was a bulk copy
	// (wbMove and wbZero), with a bulk barrier while the collector marks.
	s.key.channel, s.key.id, s.account, s.customer = to.Channel, id, to.Account, to.Customer
	s.at, s.hash, s.conv = now, 0, cv
	e.sentLast = n
}

// sweepBy notes that something in the release queue is due at at.
func (e *Engine) sweepBy(at int64) {
	e.sweepDue = min(e.sweepDue, at)
	e.until = min(e.until, at)
}

// noteUntil sets until after a change of sweepDue or of the deadlines.
func (e *Engine) noteUntil() {
	until := e.sweepDue
	if len(e.deadlines) > 0 {
		until = min(until, e.deadlines[0].at)
	}
	e.until = until
}

// unixNano is t in Unix nanoseconds, saturated: a time past what int64
// holds (after 2262-04-11) is math.MaxInt64, never a time long past, so a
// timer that far off does not fire at once.
func unixNano(t time.Time) int64 {
	if s := t.Unix(); s >= math.MaxInt64/int64(time.Second) {
		return math.MaxInt64
	} else if s < math.MinInt64/int64(time.Second) {
		return math.MinInt64
	}
	return t.UnixNano()
}

// addNano is n plus d, saturated at math.MaxInt64.
func addNano(n int64, d time.Duration) int64 {
	if n > math.MaxInt64-int64(d) {
		return math.MaxInt64
	}
	return n + int64(d)
}

// findSent returns the live entry in sentLog of message id on channel,
// or nil, as the log holds it once what is past the horizon at the
// engine's time is forgotten. The entry remembered or found last, within
// the horizon, is the answer whatever older entries the log still holds:
// forget runs only when it is not.
func (e *Engine) findSent(channel, id string) *sentEntry {
	if n := e.sentLast; e.sentLog.holds(n) {
		if s := e.sentLog.at(n); s.at >= e.sentCutoff(e.now) && strhash.Same(s.key.id, id) && strhash.Same(s.key.channel, channel) {
			return s
		}
	}
	e.forget(e.now)
	e.indexSent()
	n := e.sent.find(&e.sentLog, sentKey{channel: channel, id: id}, e.sent.hash(id))
	if n == 0 {
		return nil
	}
	e.sentLast = n
	return e.sentLog.at(n)
}

// forget drops the remembered messages sent before now minus the horizon.
// It is not run on the clock, which would wake advance for every message a
// horizon after it was sent, but where the log is read (findSent,
// Footprint, Save), before the horizon's entries are asked about: the log
// holds then what forgetting at every call would have left. remember runs
// it too, once a block, to keep the log's length to the horizon's. So the
// log holds at most a horizon's sends and a block, and when sends stop,
// what it holds stays until it is next read or sent to.
func (e *Engine) forget(now int64) {
	cutoff := e.sentCutoff(now)
	for e.sentLog.len() > 0 {
		s := e.sentLog.oldest()
		if s.at >= cutoff {
			return
		}
		if n := e.sentLog.first; n < e.sent.upto {
			if i := e.sent.findN(s.hash, n); i >= 0 {
				e.sent.remove(i) // else stale: a later entry holds the key
			}
		}
		e.sentLog.pop()
	}
}

// sentCutoff is the time (unix ns) before which the messages sent are
// past the horizon at now: forget drops them.
func (e *Engine) sentCutoff(now int64) int64 {
	if now > math.MinInt64+int64(e.horizon) {
		return now - int64(e.horizon)
	}
	return math.MinInt64
}

// indexSent puts the entries of the sent log that the index does not
// cover yet into it, in sending order, so that each key's newest entry is
// its live one, as if each had been put when it was remembered. The index
// is caught up only when it is asked (a status that is not for the message
// sent last, Footprint, Save): most statuses come right after their send
// and are answered from sentLast, and a world that plays no statuses never
// asks, so that most entries are never hashed or placed in the index (a
// random slot of a table of a horizon's messages, a cache miss), nor
// looked for there when forgotten.
func (e *Engine) indexSent() {
	l := &e.sentLog
	for n := max(e.sent.upto, l.first); n < l.next; n++ {
		s := l.at(n)
		s.hash = e.sent.hash(s.key.id)
		e.sent.put(l, s.key, s.hash, n)
	}
	e.sent.upto = l.next
}

// Status implements [Receiver]: it logs a platform's delivery status against
// the conversation the message was sent in (0 if it was sent outside any),
// when the engine still remembers it ([Config.StatusHorizon]); otherwise
// against the customer's latest conversation, or 0 when the engine no
// longer holds the customer.
func (e *Engine) Status(now time.Time, to CustomerKey, messageID, status, code string) {
	e.mu.Lock() // let go without a deferred call, as in Receive
	now = e.begin(now)
	var id ConversationID
	if s := e.findSent(to.Channel, messageID); s != nil && s.to(&to) {
		id = s.conv
	} else if c := e.customers.get(&to); c != nil && c.last != nil {
		id = c.last.id
	}
	if status == "failed" {
		e.log(now, EventFailed, id, &to, "", "", messageID, code)
	} else {
		ev := e.logSlot(e.newEvent(), now, EventStatus, id, &to)
		ev.Agent, ev.Group, ev.Message, ev.Detail = "", "", messageID, status
	}
	e.mu.Unlock()
}

// to reports whether the message was sent to k's account and customer (its
// channel is k's: the entry was found by it).
func (s *sentEntry) to(k *CustomerKey) bool {
	return strhash.Same(s.account, k.Account) && strhash.Same(s.customer, k.Customer)
}

// log numbers an event and puts it in the ring, after dropping the oldest
// events no reader is owed; the ring grows when it holds that many. The
// event's fields come as arguments (cust nil for an agent event) and are
// stored in the ring's slot one by one: an Event built by the caller and
// copied in whole (168 bytes, ten pointer words) would be built twice and
// copied in bulk (wbMove), with a bulk barrier over every pointer slot
// while the collector runs. It is for the rarer events and kept out of
// its callers' lines (go:noinline): the events of a customer's life use
// logSlot.
//
//go:noinline
func (e *Engine) log(at time.Time, kind EventKind, conv ConversationID, cust *CustomerKey, agent, group, message, detail string) {
	s := e.logSlot(e.newEvent(), at, kind, conv, cust)
	s.Agent, s.Group, s.Message, s.Detail = agent, group, message, detail
}

// newEvent numbers a new event, the newest, makes sure the ring has room
// for it and returns its Seq, for logSlot to fill its slot. The two are
// apart so that logSlot, out of its callers' line, calls nothing but the
// collector's barrier (no frame of its own, no arguments kept over a
// call), and newEvent, inlined, makes its rare call from a caller that has
// a frame already.
func (e *Engine) newEvent() uint64 {
	e.lastSeq++
	if e.lastSeq >= e.room {
		e.makeRoom()
	}
	return e.lastSeq
}

// noCustomer is the key an agent event's slot gets: the zero key, never
// written.
var noCustomer CustomerKey

// logSlot is log for the callers of every event a customer's life logs:
// it fills the slot of event seq, which newEvent numbered, its numbering,
// time, kind, conversation and customer (nil for an agent event), and
// returns it, and the caller stores the four strings, every one of them
// (the slot holds an older event's). Fourteen words of arguments would not
// fit the registers: the strings went through the stack.
//
// It is kept out of its callers' line (go:noinline): inlined, each of the
// five events of a customer's life had its own copy of it.
//
//go:noinline
func (e *Engine) logSlot(seq uint64, at time.Time, kind EventKind, conv ConversationID, cust *CustomerKey) *Event {
	s := &e.ring[seq&uint64(len(e.ring)-1)]
	s.Seq, s.At, s.Kind, s.Conversation = seq, at, kind, conv
	// The key is stored field by field: copied whole, it was a bulk copy
	// (wbMove) and, while the collector marks, a bulk barrier that
	// looks up the slot's span and walks its type's pointer bitmap.
	if cust == nil {
		cust = &noCustomer
	}
	s.Customer.Channel, s.Customer.Account, s.Customer.Customer = cust.Channel, cust.Account, cust.Customer
	return s
}

// minRing is the length of the ring the first event makes.
const minRing = 64

// firstHeld is the Seq of the oldest event the log holds (lastSeq+1 when
// none). The log drops the oldest events that no reader is owed any more:
// those before the latest history events and, for a consumer, handed out
// by Events already, as the readers' marks stood when each event was
// logged. Both bounds only move on, so the oldest event held is what they
// allowed at the newest event: it is worked out when asked, not at every
// event.
func (e *Engine) firstHeld() uint64 {
	owed := e.owed
	if e.lastSeq == e.owedSince {
		owed = e.owedPrev // owed changed after the newest event
	}
	h := uint64(e.history)
	// The latest history events (every one while there are no more), and
	// what the consumer was owed.
	return max(e.floor, min(max(e.lastSeq, h)-h+1, owed))
}

// consumerFrom is the Seq of the oldest event a consumer has not read,
// max(cursor+1, firstHeld()): the log drops no event after the cursor
// (owed, and so what any event allowed, is at most cursor+1), so only the
// oldest event of a restored log can come after it.
func (e *Engine) consumerFrom() uint64 {
	return max(e.cursor+1, e.floor)
}

// noteOwed sets owed after a change of cursor or held. Consume's events
// are kept until its next call; they come at or before the cursor, so
// held, when set, bounds what goes.
func (e *Engine) noteOwed() {
	owed := e.held // set only by a consumer's Consume
	if owed == 0 {
		owed = math.MaxUint64
		if e.consumer {
			owed = e.cursor + 1
		}
	}
	e.owe(owed)
}

// owe sets owed, the Seq from which a consumer is owed events. Its first
// change since the newest event keeps the value before it in owedPrev,
// with that event's Seq in owedSince, for firstHeld. Consume, which has
// just moved the cursor, passes the value noteOwed would work out.
func (e *Engine) owe(owed uint64) {
	if e.owedSince != e.lastSeq {
		// The first change since the newest event: the events up to it
		// keep what owed allowed until now.
		e.owedPrev, e.owedSince = e.owed, e.lastSeq
	}
	e.owed = owed
}

// makeRoom makes sure the ring has room for the newest event, growing it
// when it holds as many as it can, and sets room, the Seq before which it
// cannot be full again. Its oldest event held from then on is at least
// the oldest held now and, once the history is reached, at least the
// older of the latest history events and owed (which only moves on): so
// the ring is not full before len(ring) events after the oldest held
// now, and, when it is longer than the history, not before len(ring)
// events after owed either (never without a consumer). A consumer that
// keeps up makes it run about once every len(ring) events. It is
// logSlot's rare path, out of its line (go:noinline).
//
//go:noinline
func (e *Engine) makeRoom() {
	first := e.firstHeld()
	if e.lastSeq-first >= uint64(len(e.ring)) {
		e.grow(first)
	}
	n := uint64(len(e.ring))
	from := first
	if n >= uint64(e.history) {
		from = max(first, e.owed)
	}
	e.room = math.MaxUint64
	if from <= math.MaxUint64-n {
		e.room = from + n
	}
}

// grow doubles the ring, keeping the events it holds (first to
// lastSeq-1: the newest is not in it yet).
func (e *Engine) grow(first uint64) {
	n := uint64(max(2*len(e.ring), minRing))
	ring := make([]Event, n)
	old := uint64(len(e.ring)) - 1
	for s := first; s < e.lastSeq; s++ {
		ring[s&(n-1)] = e.ring[s&old]
	}
	e.ring = ring
}

// EventsSince appends to dst the logged events with Seq greater than seq
// that the log still holds, oldest first. next is the seq to pass next time
// (the newest event's Seq, or seq when there is nothing newer), and lost
// counts the events after seq that the log no longer holds: it keeps at
// least the latest [Config.EventLog] events (and, with [Config.Consumer],
// every event [Engine.Events] has not handed out yet), so a reader that
// falls further behind loses the oldest. Any number of readers may call
// it, each with its own seq; start from 0.
func (e *Engine) EventsSince(seq uint64, dst []Event) (events []Event, next uint64, lost uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.eventsSince(seq, dst)
}

func (e *Engine) eventsSince(seq uint64, dst []Event) ([]Event, uint64, uint64) {
	last := e.lastSeq
	if seq >= last {
		return dst, seq, 0
	}
	from := seq + 1
	var lost uint64
	if first := e.firstHeld(); from < first {
		lost, from = first-from, first
	}
	if from > last {
		return dst, last, lost
	}
	// dst grows once to take every event, rather than doubling again
	// and again: an Event holds pointers, and every copy of one goes
	// through the write barrier while the collector runs.
	dst = slices.Grow(dst, int(last-from+1))
	mask := uint64(len(e.ring) - 1)
	if i, j := from&mask, last&mask; i <= j {
		dst = append(dst, e.ring[i:j+1]...)
	} else {
		dst = append(dst, e.ring[i:]...)
		dst = append(dst, e.ring[:j+1]...)
	}
	return dst, last, lost
}

// Events appends to dst the events logged since its previous call: the
// single-consumer convenience over [Engine.EventsSince], with a cursor kept
// by the engine. Other readers use EventsSince and do not disturb it. With
// [Config.Consumer] it never loses an event: the log keeps every event
// Events has not handed out, however many are logged between two calls.
// Without it Events is one more reader of the history: call it at least
// once every [Config.EventLog] events, or the oldest are skipped.
func (e *Engine) Events(dst []Event) []Event {
	e.mu.Lock() // let go without a deferred call, as in Receive
	dst, e.cursor, _ = e.eventsSince(e.cursor, dst)
	e.noteOwed()
	e.mu.Unlock()
	return dst
}

// Unread returns, in place, the events logged since the consumer last read
// them (with [Engine.Events] or [Engine.Read]), oldest first, in two parts
// (the second empty unless the log wraps between them): the
// single-consumer reader that copies nothing. It needs [Config.Consumer]
// and returns nothing without it. The parts are the engine's own memory:
// read them, never write them, and call Read with how many events were
// consumed before calling Unread again. Until then the engine keeps them
// as they are, whatever it logs meanwhile (a later event goes after them,
// in the same memory or a larger log), so the consumer may call the engine
// between reading two of them; events logged meanwhile are not in the
// parts, and a later Unread returns them.
func (e *Engine) Unread() (a, b []Event) {
	// Called after every step a simulation plays: the lock is let go on
	// each return rather than by a deferred call (nothing here panics).
	e.mu.Lock()
	if !e.consumer || e.cursor >= e.lastSeq {
		e.mu.Unlock()
		return nil, nil
	}
	from := e.consumerFrom()
	a, b = e.parts(from)
	e.mu.Unlock()
	return a, b
}

// Consume returns, in place, the events logged since the consumer last
// read them, oldest first, in two parts as [Engine.Unread] does, and marks
// them read at once, as [Engine.Read] with their count would: Unread and
// Read in one call, for a consumer that consumes every event it is handed.
// The engine keeps the parts as they are until the next call to Consume,
// whatever it logs meanwhile (a later event goes after them, in the same
// memory or a larger log), so the consumer may call the engine between
// reading two of them; events logged meanwhile are not in the parts, and
// the next Consume returns them. For [Engine.Save], [Engine.Events] and
// Unread the parts are read already. The parts are the engine's own
// memory: read them, never write them. It needs [Config.Consumer] and
// returns nothing without it.
func (e *Engine) Consume() (a, b []Event) {
	// Called after every step a simulation plays: one lock, let go on
	// each return rather than by a deferred call (nothing here panics).
	e.mu.Lock()
	if !e.consumer || e.cursor >= e.lastSeq {
		e.held = 0
		e.noteOwed()
		e.mu.Unlock()
		return nil, nil
	}
	from := e.consumerFrom()
	a, b = e.parts(from)
	e.held, e.cursor = from, e.lastSeq
	e.owe(from) // noteOwed: held is set
	e.mu.Unlock()
	return a, b
}

// parts returns, in place, the events the log holds from seq from to the
// newest, in one part or (when they wrap around the log's end) two.
func (e *Engine) parts(from uint64) (a, b []Event) {
	mask := uint64(len(e.ring) - 1)
	i, j := from&mask, e.lastSeq&mask
	if i <= j {
		return e.ring[i : j+1], nil
	}
	return e.ring[i:], e.ring[:j+1]
}

// Read marks the oldest n events that [Engine.Unread] returned as
// consumed: the engine may drop them from then on, and Unread and
// [Engine.Events] start after them. n counts at most what Unread
// returned. Without [Config.Consumer] it does nothing.
func (e *Engine) Read(n int) {
	if n <= 0 {
		return // a step that logged nothing: no lock to take
	}
	e.mu.Lock() // as in Unread, let go without a deferred call
	if e.consumer && e.cursor < e.lastSeq {
		e.cursor = min(e.consumerFrom()+uint64(n)-1, e.lastSeq)
		e.noteOwed()
	}
	e.mu.Unlock()
}

func agentID(a *agent) string {
	if a == nil {
		return ""
	}
	return a.id
}

func (cv *conv) snapshot(loc *time.Location) Conversation {
	var c Conversation
	cv.snapshotTo(&c, loc)
	return c
}

// snapshotTo writes the conversation's snapshot into *c, every field of it.
func (cv *conv) snapshotTo(c *Conversation, loc *time.Location) {
	*c = Conversation{
		ID: cv.id, Customer: cv.cust.key, Group: cv.group.name, State: cv.state.state(), Agent: agentID(cv.agent),
		OpenedAt: cv.opened.in(loc), AssignedAt: cv.assigned.in(loc), ClosedAt: cv.closed.in(loc), CloseReason: cv.reason.reason(),
		Inbound: int(cv.inbound), Outbound: int(cv.outbound), Missed: cv.missed, MissedAt: cv.missedAt.in(loc), Inbox: cv.inbox,
		Excluded: agentIDs(cv.skips()),
	}
}

func agentIDs(as []*agent) []string {
	if len(as) == 0 {
		return nil
	}
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.id
	}
	return out
}

// Conversation returns a snapshot of a conversation by id, if the engine
// holds it: with [Config.Retain] every conversation; otherwise an open one,
// or the latest of a customer the engine holds (see the package
// documentation, Memory). ok is false for a conversation released or never
// opened.
func (e *Engine) Conversation(id ConversationID) (Conversation, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	cv := e.convs.get(id)
	if cv == nil {
		return Conversation{}, false
	}
	return cv.snapshot(e.loc), true
}

// Latest returns the customer's open conversation, or else the most recent
// one, and how many conversations the customer has had, while the engine
// holds the customer (always with [Config.Retain]). A customer the engine
// released has none (ok is false) until it writes again, and its count
// starts over.
func (e *Engine) Latest(key CustomerKey) (c Conversation, count int, ok bool) {
	// A world asks after every message it plays: the snapshot is written
	// into the result, not copied there, and the lock is let go without
	// a deferred call (nothing here panics).
	e.mu.Lock()
	if cu := e.customers.get(&key); cu != nil && cu.last != nil {
		cu.last.snapshotTo(&c, e.loc)
		count, ok = int(cu.count), true
	}
	e.mu.Unlock()
	return c, count, ok
}

// Conversations calls fn with a snapshot of every conversation the engine
// holds, in id order: with [Config.Retain] every conversation; otherwise the
// open ones and the latest of each customer it holds, not every one ever
// opened (count those from the event log). The engine is locked while fn
// runs.
func (e *Engine) Conversations(fn func(Conversation)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	held := make([]*conv, 0, e.convs.len())
	e.convs.all(func(cv *conv) { held = append(held, cv) })
	slices.SortFunc(held, func(x, y *conv) int { return cmp.Compare(x.id, y.id) })
	for _, cv := range held {
		fn(cv.snapshot(e.loc))
	}
}

// Footprint counts what the engine holds now: it stays in proportion to
// the open conversations and the traffic of the latest reply window and
// status horizon, not to the length of the run (unless [Config.Retain]).
func (e *Engine) Footprint() Footprint {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.forget(e.now) // what the sent log holds past the horizon is gone
	e.indexSent()
	return Footprint{Customers: e.customers.len(), Conversations: e.convs.len(), Open: e.openN,
		Messages: e.sent.len(), Events: int(e.lastSeq + 1 - e.firstHeld())}
}

// StatusHorizon is how long the engine remembers the conversation of a
// sent message: [Config.StatusHorizon], or the default it stands for.
func (e *Engine) StatusHorizon() time.Duration { return e.horizon }

// Agent returns a snapshot of one agent's figures at now (at the latest
// accepted time, if now is before it). It fires no deadlines.
func (e *Engine) Agent(now time.Time, id string) (AgentStats, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.agents[id]
	if !ok {
		return AgentStats{}, false
	}
	return a.stats(e.view(now)), true
}

// Agents returns every agent's figures at now (at the latest accepted time,
// if now is before it), sorted by id. It fires no deadlines.
func (e *Engine) Agents(now time.Time) []AgentStats {
	e.mu.Lock()
	defer e.mu.Unlock()
	now = e.view(now)
	out := make([]AgentStats, len(e.agents))
	for _, a := range e.agents {
		out[a.rank] = a.stats(now) // rank is the agent's place in id order
	}
	return out
}

func (a *agent) stats(now time.Time) AgentStats {
	s := AgentStats{
		ID: a.id, Capacity: a.capacity, Online: a.online, InHours: a.onShift, Active: a.active,
		Assignments: a.assignments, PeakActive: a.peak, OnlineTime: a.onlineTotal,
	}
	if a.online {
		s.OnlineTime += now.Sub(a.onlineSince)
	}
	hi, lo := a.busyHi, a.busyLo
	if a.online && !a.busyAt.IsZero() {
		hi, lo = addBusy(hi, lo, a.active, now.UnixNano()-a.busyAtNano)
	}
	s.BusyTime, s.BusyHours = busyTime(hi, lo)
	s.EligibleTime = a.eligibleTotal
	if a.eligible {
		s.EligibleTime += time.Duration(now.UnixNano() - a.eligibleSinceNano)
	}
	if a.lastAssigned != never {
		s.LastAssigned = time.Unix(0, a.lastAssigned).In(now.Location())
	}
	return s
}
