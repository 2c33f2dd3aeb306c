package inbox

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/omnisim/omnisim/internal/solo"
	"github.com/omnisim/omnisim/router"
)

// Defaults and limits.
const (
	DefaultRegion        = "TW"                // the document's region: phone numbers written the Taiwanese way
	DefaultRetention     = 30 * 24 * time.Hour // closed conversations are kept this long
	DefaultWindow        = time.Hour           // the sliding window of the service figures
	DefaultMaxSamples    = 4096                // first-response samples kept in the window
	DefaultMaxTexts      = 50                  // texts kept per conversation
	DefaultPreviewLength = 80                  // runes of the last message shown in the list
	DefaultClear         = 0.8                 // the hysteresis ratio of the standards

	MaxTextBytes  = 4096 // a stored text is cut to this many bytes (at a rune boundary)
	MaxAdSources  = 10   // ad sources listed per customer (the document: at most 10)
	MaxPhones     = 10   // phone numbers kept per customer
	MaxEmails     = 10   // e-mail addresses kept per customer
	MaxPending    = 1024 // conversations whose texts wait for their first event
	MaxWarningLog = 256  // warnings kept by [Inbox.Warnings]
	MaxTagLength  = 50   // runes in a tag name
	MaxRating     = 5    // ratings are 1 to MaxRating
)

// The errors of the operations; they are wrapped with the details.
var (
	ErrUnknownConversation = errors.New("inbox: unknown conversation")
	ErrTagName             = errors.New("inbox: invalid tag name")
	ErrColour              = errors.New("inbox: colour not in the palette")
	ErrTitleRequired       = errors.New("inbox: quick reply title is required")
	ErrBodyRequired        = errors.New("inbox: quick reply body is required")
	ErrTooManyImages       = errors.New("inbox: too many images in a quick reply")
	ErrNotImage            = errors.New("inbox: quick reply attachment is not an image")
	ErrUnknownQuickReply   = errors.New("inbox: unknown quick reply")
	ErrRating              = errors.New("inbox: rating out of range")
	ErrAutoReply           = errors.New("inbox: invalid auto-reply rule")
	ErrRegion              = errors.New("inbox: unknown phone region")
)

// From says who wrote a message.
type From string

// The authors of a message.
const (
	FromCustomer From = "customer"
	FromAgent    From = "agent"
)

// Message is a text the inbox keeps for a conversation.
type Message struct {
	At   time.Time
	From From
	Text string // cut to [MaxTextBytes]
}

// Config is what an [Inbox] is built from. The zero Config is usable.
type Config struct {
	// Region is the default region for phone numbers written without a
	// country code, a region code libphonenumber knows ([Regions]), in
	// either case; "" means [DefaultRegion].
	Region string
	// Retention is how long a closed conversation stays in the inbox after
	// it closed, in virtual time; zero means [DefaultRetention].
	Retention time.Duration
	// Palette is the tag colours, "#RRGGBB"; nil means [DefaultPalette].
	// Entries that are not "#RRGGBB" are dropped.
	Palette []string
	// FirstImageOnly lists the channel kinds on which a quick reply takes
	// only its first image; nil means "webshop" and "order" (the web shop's
	// store and order messages).
	FirstImageOnly []string
	// UnknownName replaces {name} for a customer whose name is unknown.
	UnknownName string
	// Text, when set, gives the text of an inbound or sent event (engine
	// events carry only message ids); false when unknown. It is called
	// with the inbox locked and must not call the Inbox. Use it or
	// [Inbox.AddMessage], not both, or texts are kept twice.
	Text func(ev router.Event) (text string, ok bool)
	// MaxTexts is how many texts a conversation keeps for history search
	// (the latest); zero means [DefaultMaxTexts].
	MaxTexts int
	// PreviewLength is the length of the list's message preview, in runes;
	// zero means [DefaultPreviewLength].
	PreviewLength int
	// AutoReplies are the auto-reply rules, tried in order.
	AutoReplies []AutoReply
	// Window is the sliding window of the first-response figures; zero
	// means [DefaultWindow].
	Window time.Duration
	// MaxSamples bounds the first responses kept in the window (the oldest
	// go first); zero means [DefaultMaxSamples].
	MaxSamples int
	// Standard is the service standard the figures are checked against;
	// its zero value checks nothing.
	Standard Standard
	// OnWarning, when set, is called with every warning raised or cleared,
	// in order, after the inbox is unlocked (it may call the Inbox).
	OnWarning func(Warning)
	// DropClosed, when set, says whether a customer's conversations are
	// dropped as they close instead of kept for the Retention, and the
	// customer's record with its last conversation: for a caller that
	// reads nothing of such a customer's closed conversations (no list,
	// count, history or row), whose inbox then holds only what is open.
	// An event of such a customer's conversation that the inbox does not
	// hold brings it in only when it is the opening: the engine may log a
	// send against a conversation that closed, which then counts for
	// nothing (a kept conversation takes it as its first response if it
	// had none). It is called with the inbox locked and must not call the
	// Inbox.
	DropClosed func(key router.CustomerKey) bool
	// Solo promises that one goroutine at a time uses the inbox, each use
	// ordered with the others (a world on the memory or the direct
	// network): it then takes no lock (package solo).
	Solo bool
}

// Validate reports the first problem of the configuration: a palette
// colour that is not "#RRGGBB", an invalid auto-reply rule, a negative
// duration or bound, a hysteresis ratio outside [0, 1). [New] does not
// fail: it drops what Validate refuses and uses defaults instead.
func (c Config) Validate() error {
	if _, ok := slices.BinarySearch(regions, strings.ToUpper(c.Region)); c.Region != "" && !ok {
		return fmt.Errorf("%w %q", ErrRegion, c.Region)
	}
	for _, col := range c.Palette {
		if _, ok := normColour(col); !ok {
			return fmt.Errorf("%w: palette colour %q is not #RRGGBB", ErrColour, col)
		}
	}
	if err := validateRules(c.AutoReplies); err != nil {
		return err
	}
	switch {
	case c.Retention < 0:
		return fmt.Errorf("inbox: negative retention %v", c.Retention)
	case c.Window < 0:
		return fmt.Errorf("inbox: negative window %v", c.Window)
	case c.MaxSamples < 0 || c.MaxTexts < 0 || c.PreviewLength < 0:
		return errors.New("inbox: negative bound")
	}
	return c.Standard.validate()
}

// Inbox is the message center: the per-conversation state people work
// with, kept from the engine's event log. Build it with [New]; all methods
// are safe for concurrent use,
// unless made with Config.Solo.
type Inbox struct {
	mu  solo.Mutex
	cfg Config

	now     time.Time // the latest time seen; never goes back
	started bool
	seq     uint64 // Seq of the latest applied event
	lost    uint64
	dropped int

	convs     map[router.ConversationID]*conv
	customers map[router.CustomerKey]*customer
	closedQ   []closedEntry // closed conversations in closing order, from closedHead
	closedAt  int
	orphans   []orphanEntry // customers with no conversation, from orphanHead
	orphanAt  int
	pending   map[router.ConversationID]*pending
	pendingQ  []router.ConversationID

	tags     map[string]*tagDef
	tagOrder []string

	quick      map[string]QuickReply
	quickOrder []string
	quickN     int

	rules []AutoReply

	fig        figures
	agents     map[string]*agentState
	alarms     [numMetrics]alarm
	warnings   []Warning // the latest MaxWarningLog
	warnSeq    uint64
	outbox     []Warning // raised or cleared, not yet given to OnWarning
	delivering bool

	syncMu solo.Mutex // serializes Sync
	cursor uint64
	buf    []router.Event
}

type closedEntry struct {
	id router.ConversationID
	at time.Time
}

type orphanEntry struct {
	key router.CustomerKey
	at  time.Time
}

// customer is what the inbox holds of a customer, shared by the
// customer's conversations.
type customer struct {
	key     router.CustomerKey
	name    string
	tags    []string // in the order added
	ads     []string // newest first, at most MaxAdSources
	phones  []Phone  // detected in the customer's messages, newest first
	emails  []string // detected in the customer's messages, newest first
	refs    int      // conversations held
	touched time.Time
}

// conv is one conversation's inbox state. Its flags lie together at the
// end, so that a conversation, which the inbox keeps for the retention,
// takes 448 bytes and not 512.
type conv struct {
	id   router.ConversationID
	cust *customer

	state   router.State
	agent   string
	group   string
	handled []string // agents it was ever assigned to, in order

	opened, closed, lastActivity time.Time
	closeReason                  router.CloseReason
	inbound, outbound            int

	unread int
	readAt time.Time
	rating int

	texts   []Message
	preview Message

	// Figures: when it started to need a human, whether a human answered
	// (responded); the latest assignment and whether its agent answered
	// since (agentReplied).
	humanSince   time.Time
	assignedAt   time.Time
	waitingSince time.Time
	// The message that gave the latest first-response sample, and what the
	// sample holds (respGlobal, respAgent), for [Inbox.MarkAutoReply]
	// while the conversation is open.
	respMsg string
	respSeq uint64

	fired map[string]time.Time // auto-reply rule name: when it last fired; nil once closed
	auto  []string             // auto-replies' message ids whose sent events are still to come

	inInbox      bool // waiting in the unassigned inbox
	missed       bool
	starred      bool
	archived     bool
	responded    bool
	agentReplied bool
	respGlobal   bool
	respAgent    bool
}

// pending holds what callers told about a conversation before its first
// event reached the inbox.
type pending struct {
	key   router.CustomerKey
	name  string
	texts []Message
	fired map[string]time.Time
	auto  []string
}

// New builds an inbox. It does not fail: see [Config.Validate].
func New(cfg Config) *Inbox {
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	cfg.Region = strings.ToUpper(cfg.Region)
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	var pal []string
	for _, c := range cfg.Palette {
		if n, ok := normColour(c); ok && !slices.Contains(pal, n) {
			pal = append(pal, n)
		}
	}
	if len(pal) == 0 {
		pal = DefaultPalette()
	}
	cfg.Palette = pal
	if cfg.FirstImageOnly == nil {
		cfg.FirstImageOnly = []string{"webshop", "order"}
	} else {
		cfg.FirstImageOnly = slices.Clone(cfg.FirstImageOnly)
	}
	if cfg.MaxTexts <= 0 {
		cfg.MaxTexts = DefaultMaxTexts
	}
	if cfg.PreviewLength <= 0 {
		cfg.PreviewLength = DefaultPreviewLength
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.MaxSamples <= 0 {
		cfg.MaxSamples = DefaultMaxSamples
	}
	cfg.Standard = cfg.Standard.normalized()
	var rules []AutoReply
	for _, r := range cfg.AutoReplies {
		if validateRule(r) == nil && !slices.ContainsFunc(rules, func(x AutoReply) bool { return x.Name == r.Name }) {
			rules = append(rules, r.clone())
		}
	}
	cfg.AutoReplies = nil
	ib := &Inbox{
		cfg:       cfg,
		convs:     make(map[router.ConversationID]*conv),
		customers: make(map[router.CustomerKey]*customer),
		pending:   make(map[router.ConversationID]*pending),
		tags:      make(map[string]*tagDef),
		quick:     make(map[string]QuickReply),
		rules:     rules,
		agents:    make(map[string]*agentState),
		fig:       figures{window: cfg.Window, max: cfg.MaxSamples, waiting: make(map[router.ConversationID]*conv)},
	}
	if cfg.Solo {
		ib.mu.Solo()
		ib.syncMu.Solo()
	}
	return ib
}

// Sync applies the events e logged since the previous Sync (from its own
// cursor, with [router.Engine.EventsSince]) and returns how many it applied
// and how many the engine's log had already overwritten. After a loss it
// reconciles every conversation with the engine's snapshots (state, agent,
// closing), so the inbox stays right about what is open; the counters of
// the lost events (unread messages, first responses) are not recovered.
// One inbox follows one engine.
func (i *Inbox) Sync(e *router.Engine) (applied int, lost uint64) {
	defer i.deliver() // after both locks are released
	i.syncMu.Lock()
	defer i.syncMu.Unlock()
	var next uint64
	i.buf, next, lost = e.EventsSince(i.cursor, i.buf[:0])
	i.cursor = next
	var snaps []router.Conversation
	if lost > 0 {
		e.Conversations(func(c router.Conversation) { snaps = append(snaps, c) })
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.lost += lost
	for _, ev := range i.buf {
		if i.apply(ev, false) {
			applied++
		}
	}
	for _, s := range snaps {
		i.reconcile(s)
	}
	clear(i.buf)
	if cap(i.buf) > 4096 {
		i.buf = nil // a large catch-up: do not keep its buffer
	}
	return applied, lost
}

// Apply applies one engine event, for a caller that reads the log itself
// (use Apply or Sync, not both). An event whose Seq is not above the latest
// applied one is skipped (false), so applying an event twice is harmless; a
// gap in Seq counts in [Stats.Lost]. Hand-built events with Seq 0 are
// always applied.
func (i *Inbox) Apply(ev router.Event) bool {
	defer i.deliver()
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.apply(ev, true)
}

// Advance moves the inbox's clock to now: first responses leave the
// figures' window, the standard is checked (raising or clearing warnings),
// and closed conversations past the retention are dropped. Every operation
// that takes a time does this first.
func (i *Inbox) Advance(now time.Time) {
	defer i.deliver()
	i.mu.Lock()
	defer i.mu.Unlock()
	i.advance(now)
}

// advance moves the clock to now, or keeps it when now is earlier, and
// returns the clock.
func (i *Inbox) advance(now time.Time) time.Time {
	if !i.started || now.After(i.now) {
		i.now, i.started = now, true
	}
	now = i.now
	i.fig.expire(now, i.agents)
	i.evaluate(now)
	i.prune(now)
	return now
}

// apply applies one event; gaps says whether a gap in Seq counts as lost
// events (Sync counts the engine's own report instead).
func (i *Inbox) apply(ev router.Event, gaps bool) bool {
	if ev.Seq != 0 {
		if ev.Seq <= i.seq {
			return false
		}
		if gaps && i.seq != 0 && ev.Seq > i.seq+1 {
			i.lost += ev.Seq - i.seq - 1
		}
		i.seq = ev.Seq
	}
	// The conversation keeps the event's own time (the engine logs in time
	// order); the clock, which never goes back, moves to it.
	i.advance(ev.At)
	at := ev.At
	if ev.Conversation == 0 {
		switch ev.Kind {
		case router.EventOnline:
			i.agent(ev.Agent).online = true
		case router.EventOffline:
			i.agent(ev.Agent).online = false
		}
		return true
	}
	c := i.convs[ev.Conversation]
	if c == nil {
		// A status, failure or refusal may name a conversation long
		// dropped (the engine logs a status for a forgotten message
		// against the customer's latest conversation): it opens nothing.
		switch ev.Kind {
		case router.EventStatus, router.EventFailed, router.EventRefused:
			return true
		}
		if ev.Customer.Channel == "" && ev.Customer.Customer == "" {
			return true
		}
		if ev.Kind != router.EventOpened && i.dropsClosed(ev.Customer) {
			return true // the rest of a dropped conversation
		}
		c = i.open(ev.Conversation, ev.Customer, at)
	}
	c.cust.touched = at
	switch ev.Kind {
	case router.EventOpened:
		c.opened, c.group = at, ev.Group
		c.humanSince, c.waitingSince = at, at
	case router.EventBot:
		i.setState(c, router.WithBot, "")
		c.humanSince = time.Time{}
	case router.EventHandoff:
		i.setState(c, router.Waiting, "")
		c.humanSince, c.waitingSince = at, at
	case router.EventQueued:
		if c.state != router.Waiting {
			c.waitingSince = at
		}
		i.setState(c, router.Waiting, "")
		c.group, c.inInbox = ev.Group, ev.Detail == "inbox"
	case router.EventAssigned:
		i.setState(c, router.Assigned, ev.Agent)
		c.group, c.inInbox = ev.Group, false
		c.assignedAt, c.agentReplied = at, false
		if ev.Agent != "" && !slices.Contains(c.handled, ev.Agent) {
			c.handled = append(c.handled, ev.Agent)
		}
	case router.EventOverflowed:
		c.group = ev.Group
	case router.EventMissed:
		c.missed = true
	case router.EventInbound:
		c.inbound++
		c.unread++
		c.archived = false
		c.lastActivity = at
		if ev.Detail != "" { // the ad the message came from
			c.cust.ads = pushFront(c.cust.ads, ev.Detail, MaxAdSources)
		}
		i.textOf(c, ev, FromCustomer, at)
	case router.EventSent:
		c.outbound++
		c.archived = false
		c.lastActivity = at
		if j := slices.Index(c.auto, ev.Message); ev.Message != "" && j >= 0 {
			c.auto = slices.Delete(c.auto, j, j+1) // an auto-reply answers nobody
			if len(c.auto) == 0 {
				c.auto = nil
			}
		} else {
			i.responded(c, ev.Agent, ev.Message, at)
		}
		i.textOf(c, ev, FromAgent, at)
	case router.EventClosed:
		i.setState(c, router.Closed, "")
		c.closed, c.closeReason = at, router.CloseReason(ev.Detail)
		i.closeConv(c)
	}
	i.evaluate(i.now)
	return true
}

// textOf asks Config.Text for an event's text.
func (i *Inbox) textOf(c *conv, ev router.Event, from From, at time.Time) {
	if i.cfg.Text == nil {
		return
	}
	if text, ok := i.cfg.Text(ev); ok {
		i.addText(c, Message{At: at, From: from, Text: text})
	}
}

// open starts holding a conversation, with what callers told before.
func (i *Inbox) open(id router.ConversationID, key router.CustomerKey, at time.Time) *conv {
	cu := i.customer(key, at)
	cu.refs++
	c := &conv{id: id, cust: cu, state: router.Waiting, opened: at, lastActivity: at, humanSince: at, waitingSince: at}
	i.convs[id] = c
	i.fig.waiting[c.id] = c
	if p := i.pending[id]; p != nil {
		delete(i.pending, id)
		if p.name != "" && p.key == key {
			cu.name = p.name
		}
		for _, m := range p.texts {
			i.addText(c, m)
		}
		c.fired, c.auto = p.fired, p.auto
	}
	return c
}

// customer returns the customer's record, creating it.
func (i *Inbox) customer(key router.CustomerKey, at time.Time) *customer {
	cu := i.customers[key]
	if cu == nil {
		cu = &customer{key: key, touched: at}
		i.customers[key] = cu
	}
	return cu
}

// touchCustomer returns the customer's record for an operation at now,
// keeping track of customers without conversations for the retention.
func (i *Inbox) touchCustomer(key router.CustomerKey, now time.Time) *customer {
	cu := i.customer(key, now)
	cu.touched = now
	if cu.refs == 0 {
		i.orphans = append(i.orphans, orphanEntry{key: key, at: now})
	}
	return cu
}

// setState moves a conversation to a state, keeping the live counters.
func (i *Inbox) setState(c *conv, s router.State, agent string) {
	if c.state == router.Assigned {
		if a := i.agents[c.agent]; a != nil {
			a.active--
		}
	}
	delete(i.fig.waiting, c.id)
	c.state = s
	switch s {
	case router.Assigned:
		c.agent = agent
		i.agent(agent).active++
	case router.Waiting:
		i.fig.waiting[c.id] = c
	}
	if s != router.Waiting {
		c.inInbox = false
	}
}

// reconcile brings a conversation in line with the engine's snapshot after
// events were lost.
func (i *Inbox) reconcile(s router.Conversation) {
	c := i.convs[s.ID]
	if c == nil {
		if s.State == router.Closed && (s.ClosedAt.Before(i.now.Add(-i.cfg.Retention)) || i.dropsClosed(s.Customer)) {
			return
		}
		c = i.open(s.ID, s.Customer, s.OpenedAt)
		c.opened = s.OpenedAt
		c.humanSince = time.Time{} // unknown: no first-response sample
	}
	if c.state == s.State && c.agent == s.Agent {
		return
	}
	c.group, c.missed = s.Group, s.Missed
	switch s.State {
	case router.Assigned:
		i.setState(c, router.Assigned, s.Agent)
		if s.Agent != "" && !slices.Contains(c.handled, s.Agent) {
			c.handled = append(c.handled, s.Agent)
		}
	case router.Closed:
		c.agent = s.Agent
		i.setState(c, router.Closed, "")
		c.closed, c.closeReason = s.ClosedAt, s.CloseReason
		i.closeConv(c)
	default:
		i.setState(c, s.State, "")
		c.inInbox = s.Inbox
	}
}

// dropsClosed says whether the closed conversations of the customer of
// key are dropped as they close (Config.DropClosed).
func (i *Inbox) dropsClosed(key router.CustomerKey) bool {
	return i.cfg.DropClosed != nil && i.cfg.DropClosed(key)
}

// closeConv keeps a conversation that has just closed for the retention,
// or, when its customer's closed conversations are not kept, drops it at
// once, with the customer's record when it was the last. A closed
// conversation takes no auto-reply, and its first response is final: its
// firings go, and so does the id of the message that answered it (a
// string that may hold a sender's buffer).
func (i *Inbox) closeConv(c *conv) {
	c.fired, c.respMsg = nil, ""
	if !i.dropsClosed(c.cust.key) {
		i.closedQ = append(i.closedQ, closedEntry{id: c.id, at: c.closed})
		return
	}
	if i.drop(c) {
		delete(i.customers, c.cust.key)
	}
}

// drop stops holding conversation c and reports whether its customer is
// left with none.
func (i *Inbox) drop(c *conv) bool {
	delete(i.convs, c.id)
	i.dropped++
	c.cust.refs--
	return c.cust.refs == 0
}

// prune drops the conversations closed before now minus the retention,
// and the customers left with none (unless touched since).
func (i *Inbox) prune(now time.Time) {
	cutoff := now.Add(-i.cfg.Retention)
	for i.closedAt < len(i.closedQ) && i.closedQ[i.closedAt].at.Before(cutoff) {
		e := i.closedQ[i.closedAt]
		i.closedQ[i.closedAt] = closedEntry{}
		i.closedAt++
		c := i.convs[e.id]
		if c == nil || c.state != router.Closed || !c.closed.Equal(e.at) {
			continue
		}
		if i.drop(c) {
			if !c.cust.touched.Before(cutoff) {
				i.orphans = append(i.orphans, orphanEntry{key: c.cust.key, at: c.cust.touched})
			} else {
				delete(i.customers, c.cust.key)
			}
		}
	}
	i.closedQ, i.closedAt = compact(i.closedQ, i.closedAt)
	for i.orphanAt < len(i.orphans) && i.orphans[i.orphanAt].at.Before(cutoff) {
		e := i.orphans[i.orphanAt]
		i.orphans[i.orphanAt] = orphanEntry{}
		i.orphanAt++
		if cu := i.customers[e.key]; cu != nil && cu.refs == 0 && cu.touched.Before(cutoff) {
			delete(i.customers, e.key)
		}
	}
	i.orphans, i.orphanAt = compact(i.orphans, i.orphanAt)
}

// compact reclaims the consumed head of a queue.
func compact[T any](q []T, head int) ([]T, int) {
	switch {
	case head == len(q):
		return q[:0], 0
	case head > 64 && head*2 > len(q):
		n := copy(q, q[head:])
		clear(q[n:])
		return q[:n], 0
	}
	return q, head
}

// AddMessage gives the inbox the text of a message of conversation id
// (engine events carry only message ids): it becomes the list's preview
// when it is the latest, is kept (the latest [Config.MaxTexts]) for
// keyword search in the history, and a customer's text is scanned for
// phone numbers and e-mail addresses. It changes no counter: unread
// messages, last activity and un-archiving come from the events. Texts for
// a conversation the inbox has not seen yet wait (for at most [MaxPending]
// conversations) until its first event arrives.
func (i *Inbox) AddMessage(now time.Time, id router.ConversationID, from From, text string) {
	defer i.deliver()
	i.mu.Lock()
	defer i.mu.Unlock()
	now = i.advance(now)
	i.addMessage(id, Message{At: now, From: from, Text: text})
}

// AddInbound is [Inbox.AddMessage] for a customer message as the engine
// received it: it also records the customer's display name (in.Name).
func (i *Inbox) AddInbound(now time.Time, id router.ConversationID, in router.Inbound) {
	defer i.deliver()
	i.mu.Lock()
	defer i.mu.Unlock()
	now = i.advance(now)
	if in.Name != "" {
		i.touchCustomer(in.Customer, now).name = in.Name
	}
	if i.convs[id] == nil {
		p := i.pendingFor(id)
		p.key = in.Customer
		if in.Name != "" {
			p.name = in.Name
		}
	}
	i.addMessage(id, Message{At: now, From: FromCustomer, Text: in.Text})
}

func (i *Inbox) addMessage(id router.ConversationID, m Message) {
	if c := i.convs[id]; c != nil {
		i.addText(c, m)
		return
	}
	p := i.pendingFor(id)
	p.texts = append(p.texts, cutMessage(m))
	if len(p.texts) > i.cfg.MaxTexts {
		p.texts = slices.Delete(p.texts, 0, len(p.texts)-i.cfg.MaxTexts)
	}
}

func (i *Inbox) pendingFor(id router.ConversationID) *pending {
	p := i.pending[id]
	if p != nil {
		return p
	}
	p = &pending{}
	i.pending[id] = p
	i.pendingQ = append(i.pendingQ, id)
	for len(i.pending) > MaxPending && len(i.pendingQ) > 0 {
		old := i.pendingQ[0]
		i.pendingQ = i.pendingQ[1:]
		if old != id {
			delete(i.pending, old)
		}
	}
	if len(i.pendingQ) > 2*MaxPending {
		q := i.pendingQ[:0:0]
		for _, x := range i.pendingQ {
			if i.pending[x] != nil {
				q = append(q, x)
			}
		}
		i.pendingQ = q
	}
	return p
}

func cutMessage(m Message) Message {
	if len(m.Text) > MaxTextBytes {
		n := MaxTextBytes
		for n > 0 && !utf8.RuneStart(m.Text[n]) {
			n--
		}
		m.Text = m.Text[:n]
	}
	return m
}

// addText keeps a message's text, updates the preview and detects phone
// numbers and addresses in a customer's text.
func (i *Inbox) addText(c *conv, m Message) {
	m = cutMessage(m)
	c.texts = append(c.texts, m)
	if len(c.texts) > i.cfg.MaxTexts {
		c.texts = slices.Delete(c.texts, 0, len(c.texts)-i.cfg.MaxTexts)
	}
	if c.preview.At.IsZero() || !m.At.Before(c.preview.At) {
		c.preview = Message{At: m.At, From: m.From, Text: previewOf(m.Text, i.cfg.PreviewLength)}
	}
	if m.From != FromCustomer {
		return
	}
	for _, p := range DetectPhones(m.Text, i.cfg.Region) {
		c.cust.phones = pushFront(c.cust.phones, p, MaxPhones)
	}
	for _, e := range DetectEmails(m.Text) {
		c.cust.emails = pushFront(c.cust.emails, e, MaxEmails)
	}
}

// pushFront puts x first in a most-recent-first list of at most max.
func pushFront[T comparable](xs []T, x T, max int) []T {
	if j := slices.Index(xs, x); j >= 0 {
		xs = slices.Delete(xs, j, j+1)
	}
	xs = slices.Insert(xs, 0, x)
	if len(xs) > max {
		xs = xs[:max]
	}
	return xs
}

// previewOf collapses white space and cuts a text to n runes, with an
// ellipsis when cut.
func previewOf(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := 0
	for j := range s {
		if runes == n {
			return strings.TrimRight(s[:j], " ") + "…"
		}
		runes++
	}
	return s
}

// SetName records a customer's display name (for the list, search,
// {name} in quick replies and auto-replies, and the history's nickname).
func (i *Inbox) SetName(now time.Time, key router.CustomerKey, name string) {
	defer i.deliver()
	i.mu.Lock()
	defer i.mu.Unlock()
	now = i.advance(now)
	i.touchCustomer(key, now).name = name
}

// SetAdSource records that the customer came from an ad (the engine keeps
// [router.Profile.AdSource] for routing but does not report it). A
// customer lists at most [MaxAdSources] distinct sources, newest first; a
// source seen again moves to the front. An empty source is ignored.
func (i *Inbox) SetAdSource(now time.Time, key router.CustomerKey, source string) {
	defer i.deliver()
	i.mu.Lock()
	defer i.mu.Unlock()
	now = i.advance(now)
	source = strings.TrimSpace(source)
	if source == "" {
		return
	}
	cu := i.touchCustomer(key, now)
	cu.ads = pushFront(cu.ads, source, MaxAdSources)
}

// Stats is what the inbox holds and has done.
type Stats struct {
	Conversations int    // held now
	Customers     int    // held now
	Pending       int    // conversations with texts waiting for their first event
	Seq           uint64 // the latest applied event's Seq
	Lost          uint64 // events overwritten before they were read, or skipped in Seq
	Dropped       int    // closed conversations dropped after the retention, or as they closed (Config.DropClosed)
	Now           time.Time
}

// Stats returns the inbox's counters.
func (i *Inbox) Stats() Stats {
	i.mu.Lock()
	defer i.mu.Unlock()
	return Stats{Conversations: len(i.convs), Customers: len(i.customers), Pending: len(i.pending),
		Seq: i.seq, Lost: i.lost, Dropped: i.dropped, Now: i.now}
}

// deliver hands queued warnings to Config.OnWarning, unlocked. One caller
// delivers at a time, in order; a call made while another delivers leaves
// its warnings to that one.
func (i *Inbox) deliver() {
	i.mu.Lock()
	if i.delivering || len(i.outbox) == 0 {
		i.mu.Unlock()
		return
	}
	i.delivering = true
	for len(i.outbox) > 0 {
		batch := i.outbox
		i.outbox = nil
		i.mu.Unlock()
		for _, w := range batch {
			i.cfg.OnWarning(w)
		}
		i.mu.Lock()
	}
	i.delivering = false
	i.mu.Unlock()
}
