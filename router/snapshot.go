package router

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"
)

// SnapshotVersion is the version of the encoding [Engine.Save] writes.
// [Engine.Restore] reads it and every earlier version: version 1 kept the
// event log as a ring of fixed capacity ("ring", in slot order, and
// "ring_next", the slot of the oldest event once full); version 2 keeps
// the events the log holds, oldest first ("log").
const SnapshotVersion = 2

// Save encodes the engine's state so that a new engine built by [New]
// from the same [Config] and given it by [Engine.Restore] decides
// everything from then on exactly as this one would: a production router
// survives a deploy. The configuration itself (groups, agents, schedules,
// policies, strategy) is not in the snapshot; the deploy brings it.
// Senders are not either: register them again with [Engine.Handle].
//
// The encoding is JSON: an object with "version" (SnapshotVersion) and the
// state, every time an RFC 3339 string and every reference by name (agent
// id, group name, customer key, conversation id):
//
//   - now, started: the latest accepted time (unix nanoseconds) and
//     whether a call was accepted yet; rng: the strategy's random source
//     (math/rand/v2 PCG, binary-marshalled);
//   - last_id, open, seq: the newest conversation id, how many are open,
//     the deadline counter; last_seq, cursor, log: the newest event's
//     Seq, the position Events reads from and the events the log holds,
//     oldest first;
//   - agents: presence, load, figures and eligible time of each agent;
//   - groups: the agents each group's index holds as eligible, its
//     waiting conversations (oldest first), its never-assigned agents in
//     draw order (longest-idle) and its round-robin cursor;
//   - customers and conversations the engine holds (held false: kept only
//     because something held refers to them);
//   - deadlines: the pending timers with their order numbers; releases:
//     the customers that may be released and from when;
//   - sent: the messages remembered for statuses, oldest first.
//
// A later version may add keys; Restore reads every version up to
// SnapshotVersion and refuses one it does not know.
func (e *Engine) Save() ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	rng, err := e.pcg.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("router: save: %w", err)
	}
	s := snapshot{Version: SnapshotVersion, Now: e.now, Started: e.started, RNG: rng,
		LastID: e.lastID, Open: e.openN, Seq: e.seq, LastSeq: e.lastSeq, Cursor: e.cursor}
	first := e.firstHeld()
	s.Log, _, _ = e.eventsSince(first-1, make([]Event, 0, e.lastSeq+1-first))
	for _, id := range slices.Sorted(maps.Keys(e.agents)) {
		a := e.agents[id]
		s.Agents = append(s.Agents, agentState{ID: a.id, Online: a.online, Active: a.active, Assignments: a.assignments,
			Peak: a.peak, LastAssigned: a.lastAssigned, OnShift: a.onShift, OnlineSince: a.onlineSince,
			OnlineTotal: a.onlineTotal, BusyAt: a.busyAt, BusyTotal: time.Duration(a.busyLo), BusyTotalHi: a.busyHi,
			Eligible: a.eligible, EligibleSince: a.eligibleSince, EligibleTotal: a.eligibleTotal})
	}
	for _, g := range e.groups {
		gs := groupState{Name: g.name, Cursor: g.cursor}
		for _, m := range g.members {
			sl := &m.a.slots[m.slot]
			if g.eligible.has(sl.pos) || sl.freshPos >= 0 || g.rotation.size > 0 && g.rotation.cnt[g.rotation.size+sl.pos] == 1 {
				gs.Eligible = append(gs.Eligible, m.a.id)
			}
		}
		for _, m := range g.fresh {
			gs.Fresh = append(gs.Fresh, m.a.id)
		}
		for _, w := range g.waiting[g.head:] {
			if w.waits(g) {
				gs.Waiting = append(gs.Waiting, w.id)
			}
		}
		s.Groups = append(s.Groups, gs)
	}
	// Customers and conversations: those held, and those they refer to.
	custs := map[CustomerKey]*customer{}
	convs := map[ConversationID]*conv{}
	e.customers.all(func(c *customer) { custs[c.key] = c })
	e.convs.all(func(cv *conv) { convs[cv.id] = cv })
	e.customers.all(func(c *customer) {
		for _, cv := range []*conv{c.open, c.last} {
			if cv != nil {
				convs[cv.id] = cv
			}
		}
	})
	for _, cv := range convs {
		if _, ok := custs[cv.cust.key]; !ok {
			custs[cv.cust.key] = cv.cust
		}
	}
	for _, k := range slices.SortedFunc(maps.Keys(custs), compareKeys) {
		c := custs[k]
		held := e.customers.get(&k) != nil
		cs := customerState{Key: c.key, Held: held, Profile: *c.profileOf(), Count: int(c.count), Name: c.name, Attrs: c.attrsOf(),
			Manual: c.manual, HasInbound: c.hasInbound, LastInbound: c.lastInbound.in(e.loc), WindowStart: c.windowStart.in(e.loc),
			Sent: c.sent, SentAt: c.sentAt, Allowance: c.allowance, Pinned: c.pinned, Pending: int(c.pending), Released: c.released}
		if c.open != nil {
			cs.Open = c.open.id
		}
		if c.last != nil {
			cs.Last = c.last.id
		}
		s.Customers = append(s.Customers, cs)
	}
	for _, id := range slices.Sorted(maps.Keys(convs)) {
		cv := convs[id]
		held := e.convs.get(id) != nil
		st := convState{ID: cv.id, Held: held, Customer: cv.cust.key, Group: cv.group.name, State: cv.state.state(),
			Agent: agentID(cv.agent), Opened: cv.opened.in(e.loc), Assigned: cv.assigned.in(e.loc), Closed: cv.closed.in(e.loc), Reason: cv.reason.reason(),
			Inbound: int(cv.inbound), Outbound: int(cv.outbound), Answered: cv.answered, LastActivity: time.Unix(0, cv.lastActivity).In(e.loc),
			Missed: cv.missed, MissedAt: cv.missedAt.in(e.loc), Idle: e.idleOf(cv), Queued: cv.queued, Inbox: cv.inbox,
			Replied: cv.replied, Excluded: agentIDs(cv.skips())}
		s.Conversations = append(s.Conversations, st)
	}
	for _, d := range e.deadlines {
		ds := deadlineState{At: d.at, Seq: d.seq, Kind: int(d.kind)}
		if d.conv != nil {
			ds.Conversation = d.conv.id
		} else {
			ds.Agent = d.agent.id
		}
		s.Deadlines = append(s.Deadlines, ds)
	}
	e.releases.all(func(c *customer) {
		s.Releases = append(s.Releases, releaseState{Customer: c.key, At: c.relAt})
	})
	slices.SortFunc(s.Releases, func(x, y releaseState) int {
		return cmp.Or(cmp.Compare(x.At, y.At), compareKeys(x.Customer, y.Customer))
	})
	e.forget(e.now) // what the sent log holds past the horizon is gone
	e.indexSent()   // which entries are live is the index's answer
	for n := e.sentLog.first; n < e.sentLog.next; n++ {
		se := e.sentLog.at(n)
		st := sentState{Channel: se.key.channel, ID: se.key.id, At: se.at, N: n}
		if e.sent.findN(se.hash, n) >= 0 {
			st.Live, st.Conversation, st.Account, st.Customer = true, se.conv, se.account, se.customer
		}
		s.Sent = append(s.Sent, st)
	}
	s.SentN = e.sentLog.next - 1
	return json.Marshal(s)
}

// Restore loads a snapshot that [Engine.Save] wrote into e, an engine
// just built by [New] from the same configuration and not used yet
// (senders may be registered). It fails, leaving e unusable, when the
// snapshot is of another version, does not parse, or names an agent or
// group the configuration does not have.
func (e *Engine) Restore(b []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started || e.lastID != 0 || e.lastSeq != 0 {
		return fmt.Errorf("router: restore: the engine is in use")
	}
	var s snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("router: restore: %w", err)
	}
	if s.Version < 1 || s.Version > SnapshotVersion {
		return fmt.Errorf("router: restore: snapshot version %d; this engine reads versions 1 to %d", s.Version, SnapshotVersion)
	}
	if err := e.pcg.UnmarshalBinary(s.RNG); err != nil {
		return fmt.Errorf("router: restore: rng: %w", err)
	}
	events := s.Log
	if s.Version == 1 {
		// The ring in slot order: the oldest event at ring_next.
		if s.RingNext < 0 || s.RingNext > len(s.Ring) {
			return fmt.Errorf("router: restore: ring_next %d out of a ring of %d events", s.RingNext, len(s.Ring))
		}
		events = append(slices.Clone(s.Ring[s.RingNext:]), s.Ring[:s.RingNext]...)
	}
	if err := e.restoreLog(events, s.LastSeq, s.Cursor); err != nil {
		return err
	}
	e.now, e.started, e.lastID, e.openN, e.seq = s.Now, s.Started, s.LastID, s.Open, s.Seq
	agent := func(id string) (*agent, error) {
		a, ok := e.agents[id]
		if !ok {
			return nil, fmt.Errorf("router: restore: unknown agent %q", id)
		}
		return a, nil
	}
	for _, as := range s.Agents {
		a, err := agent(as.ID)
		if err != nil {
			return err
		}
		a.online, a.active, a.assignments, a.peak, a.lastAssigned = as.Online, as.Active, as.Assignments, as.Peak, as.LastAssigned
		a.onShift, a.onlineSince, a.onlineTotal, a.busyAt = as.OnShift, as.OnlineSince, as.OnlineTotal, as.BusyAt
		a.busyHi, a.busyLo = as.BusyTotalHi, uint64(as.BusyTotal)
		a.eligible, a.eligibleSince, a.eligibleTotal = as.Eligible, as.EligibleSince, as.EligibleTotal
		a.busyAtNano, a.eligibleSinceNano = as.BusyAt.UnixNano(), as.EligibleSince.UnixNano()
	}

	custs := make(map[CustomerKey]*customer, len(s.Customers))
	for _, cs := range s.Customers {
		c := &customer{key: cs.Key, pol: e.policy(cs.Key.Channel), count: int32(cs.Count), name: cs.Name, manual: cs.Manual,
			hasInbound: cs.HasInbound, lastInbound: stampOf(cs.LastInbound), windowStart: stampOf(cs.WindowStart), sent: cs.Sent, sentAt: cs.SentAt,
			allowance: cs.Allowance, pinned: cs.Pinned, pending: int32(cs.Pending), released: cs.Released}
		if cs.Profile != (Profile{}) {
			c.ownMore().profile = cs.Profile
		}
		if cs.Attrs != nil {
			c.ownMore().attrs = cs.Attrs
		}
		c.windowEnd = e.windowEndNano(c, c.pol)
		custs[cs.Key] = c
		if cs.Held {
			e.customers.put(c)
		}
	}
	convs := make(map[ConversationID]*conv, len(s.Conversations))
	for _, st := range s.Conversations {
		c := custs[st.Customer]
		g := e.byName[st.Group]
		if c == nil || g == nil {
			return fmt.Errorf("router: restore: conversation %s: unknown customer %s or group %q", st.ID, st.Customer, st.Group)
		}
		state, ok := stageOf(st.State)
		if !ok {
			return fmt.Errorf("router: restore: conversation %s: unknown state %q", st.ID, st.State)
		}
		reason, ok := causeOf(st.Reason)
		if !ok {
			return fmt.Errorf("router: restore: conversation %s: unknown close reason %q", st.ID, st.Reason)
		}
		cv := &conv{id: st.ID, cust: c, group: g, state: state, opened: stampOf(st.Opened), assigned: stampOf(st.Assigned), closed: stampOf(st.Closed),
			reason: reason, inbound: int32(st.Inbound), outbound: int32(st.Outbound), answered: st.Answered,
			missed: st.Missed, missedAt: stampOf(st.MissedAt), queued: st.Queued, inbox: st.Inbox, replied: st.Replied,
			due: newDues(), lastActivity: st.LastActivity.UnixNano()}
		// A conversation that opened with the bot keeps the bot's idle
		// limit (idleOf): the bot's channels are the engine's configuration.
		cv.botIdle = e.bot.on(c.key.Channel)
		if idle := e.idleOf(cv); st.Idle != idle {
			return fmt.Errorf("router: restore: conversation %s: idle limit %v, not the engine's %v", st.ID, st.Idle, idle)
		}
		if st.Agent != "" {
			a, err := agent(st.Agent)
			if err != nil {
				return err
			}
			cv.agent = a
		}
		for _, id := range st.Excluded {
			a, err := agent(id)
			if err != nil {
				return err
			}
			e.exclude(cv, a)
		}
		convs[st.ID] = cv
		if st.Held {
			e.convs.put(cv)
		}
	}
	for _, cs := range s.Customers {
		c := custs[cs.Key]
		for _, ref := range []struct {
			id ConversationID
			p  **conv
		}{{cs.Open, &c.open}, {cs.Last, &c.last}} {
			if ref.id == 0 {
				continue
			}
			if *ref.p = convs[ref.id]; *ref.p == nil {
				return fmt.Errorf("router: restore: customer %s: unknown conversation %s", cs.Key, ref.id)
			}
		}
	}

	// The groups' indexes: the agents they hold as eligible (as the saved
	// engine held them), the draw order of the never-assigned ones, the
	// queues.
	for _, gs := range s.Groups {
		g := e.byName[gs.Name]
		if g == nil {
			return fmt.Errorf("router: restore: unknown group %q", gs.Name)
		}
		for _, id := range gs.Eligible {
			a, err := agent(id)
			if err != nil {
				return err
			}
			k := a.slotIn(g)
			if k < 0 {
				return fmt.Errorf("router: restore: group %q: agent %q is not a member", g.name, id)
			}
			e.picker.set(g, member{a: a, slot: k}, true)
		}
		g.cursor = gs.Cursor
		if len(gs.Fresh) != len(g.fresh) {
			return fmt.Errorf("router: restore: group %q: %d never-assigned eligible agents, the snapshot has %d", g.name, len(g.fresh), len(gs.Fresh))
		}
		for i, id := range gs.Fresh {
			a, err := agent(id)
			if err != nil {
				return err
			}
			k := a.slotIn(g)
			if k < 0 || a.slots[k].freshPos < 0 {
				return fmt.Errorf("router: restore: group %q: agent %q is not a never-assigned eligible member", g.name, id)
			}
			g.fresh[i] = member{a: a, slot: k}
			a.slots[k].freshPos = i
		}
		g.waiting, g.head, g.live = nil, 0, 0
		for _, id := range gs.Waiting {
			cv := convs[id]
			if cv == nil {
				return fmt.Errorf("router: restore: group %q: unknown conversation %s", g.name, id)
			}
			g.waiting = append(g.waiting, waiter{cv, cv.id})
			g.live++
		}
	}
	for _, ds := range s.Deadlines {
		d := deadline{at: ds.At, seq: ds.Seq, kind: deadlineKind(ds.Kind)}
		if ds.Kind < 0 || ds.Kind >= numDeadlineKinds {
			return fmt.Errorf("router: restore: deadline kind %d", ds.Kind)
		}
		if ds.Agent != "" {
			a, err := agent(ds.Agent)
			if err != nil {
				return err
			}
			// An agent's only timer is its shift's, kept when it has hours.
			if d.kind != deadlineShift || a.sched == nil {
				return fmt.Errorf("router: restore: deadline of kind %d for agent %q, whose hours are %v", ds.Kind, ds.Agent, a.sched != nil)
			}
			d.agent = a
		} else if d.conv = convs[ds.Conversation]; d.conv == nil {
			return fmt.Errorf("router: restore: deadline of unknown conversation %s", ds.Conversation)
		} else if d.kind == deadlineShift {
			return fmt.Errorf("router: restore: shift deadline for conversation %s", ds.Conversation)
		}
		if *d.pos() >= 0 {
			return fmt.Errorf("router: restore: two deadlines of one kind for one owner")
		}
		e.deadlines.set(d)
	}
	e.noteNext()
	for _, r := range s.Releases {
		c := e.customers.get(&r.Customer)
		if c == nil {
			return fmt.Errorf("router: restore: release of unknown customer %s", r.Customer)
		}
		e.releases.set(c, r.At)
	}
	if len(s.Sent) > 0 {
		e.sentLog.reset(s.Sent[0].N)
	} else {
		e.sentLog.reset(s.SentN + 1)
	}
	for i, st := range s.Sent {
		// The log is numbered 1, 2, ... in sending order, up to SentN.
		if st.N == 0 || i > 0 && st.N != s.Sent[i-1].N+1 || i == len(s.Sent)-1 && st.N != s.SentN {
			return fmt.Errorf("router: restore: sent message %q numbered %d out of order", st.ID, st.N)
		}
		k := sentKey{channel: st.Channel, id: st.ID}
		h := e.sent.hash(st.ID)
		n, se := e.sentLog.add()
		*se = sentEntry{key: k, at: st.At, hash: h, conv: st.Conversation, account: st.Account, customer: st.Customer}
		if st.Live {
			e.sent.put(&e.sentLog, k, h, n)
		}
	}
	e.sent.upto = e.sentLog.next                       // the index covers what was restored
	e.sweepDue, e.until = math.MinInt64, math.MinInt64 // the first call sweeps the restored release queue
	return nil
}

// restoreLog loads the events a log held, oldest first, the newest with
// Seq last, into e's empty log.
func (e *Engine) restoreLog(events []Event, last, cursor uint64) error {
	n := uint64(len(events))
	if n > last || cursor > last {
		return fmt.Errorf("router: restore: %d events and cursor %d up to seq %d", n, cursor, last)
	}
	for i, ev := range events {
		if want := last - n + 1 + uint64(i); ev.Seq != want {
			return fmt.Errorf("router: restore: event %d of the log has seq %d, want %d", i, ev.Seq, want)
		}
	}
	// The log starts over from what the snapshot held: no event has been
	// logged since (owedPrev 0 drops none), and the next one makes room.
	e.lastSeq, e.cursor, e.floor = last, cursor, last-n+1
	e.owedPrev, e.owedSince, e.room = 0, last, 0
	e.noteOwed()
	if n == 0 {
		return nil
	}
	size := uint64(minRing)
	for size < n {
		size *= 2
	}
	e.ring = make([]Event, size)
	for _, ev := range events {
		e.ring[ev.Seq&(size-1)] = ev
	}
	return nil
}

func compareKeys(x, y CustomerKey) int {
	return cmp.Or(cmp.Compare(x.Channel, y.Channel), cmp.Compare(x.Account, y.Account), cmp.Compare(x.Customer, y.Customer))
}

// snapshot is the encoding of Save.
type snapshot struct {
	Version int            `json:"version"`
	Now     int64          `json:"now"`
	Started bool           `json:"started"`
	RNG     []byte         `json:"rng"`
	LastID  ConversationID `json:"last_id"`
	Open    int            `json:"open"`
	Seq     uint64         `json:"seq"`
	LastSeq uint64         `json:"last_seq"`
	Cursor  uint64         `json:"cursor"`
	Log     []Event        `json:"log"` // version 2
	// Ring and RingNext are version 1's log: the ring in slot order, its
	// oldest event at RingNext.
	Ring          []Event         `json:"ring,omitempty"`
	RingNext      int             `json:"ring_next,omitempty"`
	Agents        []agentState    `json:"agents"`
	Groups        []groupState    `json:"groups"`
	Customers     []customerState `json:"customers"`
	Conversations []convState     `json:"conversations"`
	Deadlines     []deadlineState `json:"deadlines"`
	Releases      []releaseState  `json:"releases"`
	Sent          []sentState     `json:"sent"`
	SentN         uint64          `json:"sent_n"`
}

type agentState struct {
	ID           string        `json:"id"`
	Online       bool          `json:"online"`
	Active       int           `json:"active"`
	Assignments  int           `json:"assignments"`
	Peak         int           `json:"peak"`
	LastAssigned int64         `json:"last_assigned"` // unix ns; math.MinInt64: never
	OnShift      bool          `json:"on_shift"`
	OnlineSince  time.Time     `json:"online_since"`
	OnlineTotal  time.Duration `json:"online_total"`
	BusyAt       time.Time     `json:"busy_at"`
	BusyTotal    time.Duration `json:"busy_total"` // the low 64 bits of the conversation-time, in ns
	BusyTotalHi  uint64        `json:"busy_total_hi,omitempty"`
	// Eligible (online, in hours, below capacity) since EligibleSince;
	// EligibleTotal sums the spans that ended.
	Eligible      bool          `json:"eligible"`
	EligibleSince time.Time     `json:"eligible_since"`
	EligibleTotal time.Duration `json:"eligible_total"`
}

type groupState struct {
	Name     string           `json:"name"`
	Eligible []string         `json:"eligible,omitempty"` // the agents its index holds, in member order
	Fresh    []string         `json:"fresh,omitempty"`
	Cursor   int              `json:"cursor"`
	Waiting  []ConversationID `json:"waiting,omitempty"`
}

type customerState struct {
	Key         CustomerKey       `json:"key"`
	Held        bool              `json:"held"`
	Profile     Profile           `json:"profile"`
	Open        ConversationID    `json:"open,omitempty"`
	Last        ConversationID    `json:"last,omitempty"`
	Count       int               `json:"count"`
	Name        string            `json:"name,omitempty"`
	Attrs       map[string]string `json:"attrs,omitempty"`
	Manual      bool              `json:"manual,omitempty"`
	HasInbound  bool              `json:"has_inbound,omitempty"`
	LastInbound time.Time         `json:"last_inbound"`
	WindowStart time.Time         `json:"window_start"`
	Sent        int               `json:"sent"`
	SentAt      []int64           `json:"sent_at,omitempty"` // unix ns
	Allowance   uint64            `json:"allowance"`
	Pinned      bool              `json:"pinned,omitempty"`
	Pending     int               `json:"pending,omitempty"`
	Released    bool              `json:"released,omitempty"`
}

type convState struct {
	ID           ConversationID `json:"id"`
	Held         bool           `json:"held"`
	Customer     CustomerKey    `json:"customer"`
	Group        string         `json:"group"`
	State        State          `json:"state"`
	Agent        string         `json:"agent,omitempty"`
	Opened       time.Time      `json:"opened"`
	Assigned     time.Time      `json:"assigned"`
	Closed       time.Time      `json:"closed"`
	Reason       CloseReason    `json:"reason,omitempty"`
	Inbound      int            `json:"inbound"`
	Outbound     int            `json:"outbound"`
	Answered     bool           `json:"answered,omitempty"`
	LastActivity time.Time      `json:"last_activity"`
	Missed       bool           `json:"missed,omitempty"`
	MissedAt     time.Time      `json:"missed_at"`
	Idle         time.Duration  `json:"idle"`
	Queued       bool           `json:"queued,omitempty"`
	Inbox        bool           `json:"inbox,omitempty"`
	Replied      bool           `json:"replied,omitempty"`
	Excluded     []string       `json:"excluded,omitempty"`
}

type deadlineState struct {
	At           int64          `json:"at"` // unix ns
	Seq          uint64         `json:"seq"`
	Kind         int            `json:"kind"`
	Conversation ConversationID `json:"conversation,omitempty"`
	Agent        string         `json:"agent,omitempty"`
}

type releaseState struct {
	Customer CustomerKey `json:"customer"`
	At       int64       `json:"at"` // unix ns
}

type sentState struct {
	Channel      string         `json:"channel"`
	ID           string         `json:"id"`
	At           int64          `json:"at"` // unix ns
	N            uint64         `json:"n"`
	Live         bool           `json:"live,omitempty"` // still the message's entry for Status
	Conversation ConversationID `json:"conversation,omitempty"`
	Account      string         `json:"account,omitempty"`
	Customer     string         `json:"customer,omitempty"`
}
