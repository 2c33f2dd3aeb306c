package sim

import (
	"context"
	"errors"
	"fmt"
	"github.com/omnisim/omnisim/strhash"
	"maps"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// Options tune a world.
type Options struct {
	// Platforms is the platform table: every channel a scenario may use.
	Platforms []*Platform
	// Seed, when set, replaces the scenario's seed.
	Seed *uint64
	// Network is Memory (the default), Loopback, Direct or Serve.
	Network Network
	// Trace keeps the whole event log in the result.
	Trace bool
	// Series records the run's time series in the result (result.Series),
	// for the HTML report's charts; see series.go.
	Series bool
	// Service reports the run's queueing figures (result.Metrics.Service)
	// even when no expectation reads them, as a comparison does.
	Service bool
	// Mount and Client are the network of a Serve world, which its server
	// owns: Mount serves a platform's part under the server's listener and
	// returns its base URL.
	Mount  func(platform, part string, h http.Handler) (baseURL string, err error)
	Client *http.Client
	// Webhooks sends a platform's webhooks to an app's own URL instead of
	// the embedded router, by channel name.
	Webhooks map[string]string
	// Progress, when set, is called every progressEvery events a run plays
	// (queued events and timers), with the virtual time reached and the
	// events played so far, for a progress display. It must be quick.
	Progress func(now time.Time, events int)
	// Retain keeps every conversation in the engine (router.Config.Retain),
	// for callers that list them all; a Serve world always does.
	Retain bool
	// TraceTo, when set with Trace, receives each line of the event log
	// instead of the result's Trace, so that a caller can filter or cap a
	// long trace as it is made.
	TraceTo func(result.Line)
	// NoJournals has the fakes keep no journal, as in the world of Run,
	// whose journals nothing can read: Binding.Journal then lists nothing.
	// For callers that never read one, such as a benchmark of the wire.
	NoJournals bool
	// released is set by Run, which gives the world's memory back when
	// the world ends (giveBack): Env.Released.
	released bool
}

// JournalDepth is how many of the newest entries of each journal list a
// world's fakes keep for Binding.Journal (Env.JournalLimit), and of each
// customer's deliveries, which a device reads back.
const JournalDepth = 10000

// progressEvery is how many events a run plays between calls of
// Options.Progress.
const progressEvery = 1024

// World is the simulated world of one scenario: the virtual clock, the
// routing engine, the platforms bound to it and the queue of what happens
// next. [Run] plays a scenario to its end; a server drives a world along
// real time with [World.RunUntil] and acts in it between calls. A world is
// not safe for concurrent use: its driver serializes calls.
type World struct {
	sc    *scenario.Scenario
	opt   Options
	seed  uint64
	ctx   context.Context
	clock *Clock
	queue Queue
	end   time.Time // zero: no bound

	engine *router.Engine
	// next is the earliest deadline as RunUntil last asked.
	next     nextDeadline
	bindings map[string]Binding // by channel name
	open     []openChannel      // the same, in table order
	closers  []func()

	people     people
	lastPerson *person // see person
	scripted   int     // scripted people put in people so far (keeps)
	// plain: nothing reads the engine's events but the counts, the
	// tracking of conversations and the world's customers: no trace,
	// series, message center or listed customer, whose timeline reads
	// them (see observe). Set once the world is set up.
	plain   bool
	byID    map[string]*person
	traffic *rand.Rand
	// lane is the first traffic flow, whose next arrival waits in the
	// flow (flow.queued) rather than in the queue: RunUntil plays it when
	// it comes before the queue's head, by time and then place (seq), as
	// the queue would. A flow's arrivals come one after the other, and the
	// queue sank each through its heap.
	lane *flow
	// noLane keeps every arrival in the queue (a test's reference run).
	noLane    bool
	generated int    // generated customer handles so far
	genIDs    genIDs // their people's ids
	// texts holds what scripted customers and their agents said, by
	// message id, for their timelines, until the message is logged.
	texts map[string]string
	// quotes are the last texts quoted for texts (quote), nextQuote the
	// one to replace next.
	quotes    [8]quote
	nextQuote int
	// sentBy lists the messages sent in the settle at hand, with their
	// agents, to name the agent of an asynchronous failure.
	sentBy []sentMessage
	// dues is what the world knows of what its channels have due (Due).
	dues dues
	// spare holds released generated customers' records (release);
	// noReuse keeps none (a test's reference run).
	spare   []*person
	noReuse bool
	reused  int // records released for reuse so far
	// worn: a customer's rarely set fields (wear) have been set,
	// on some record of the world: until then every record's are zero,
	// and neither a released record (newPerson) nor a generated
	// customer's message (customerText) reads them, on lines of the
	// record that a generated customer's steps read for nothing else.
	worn bool
	// botDue lists the customers the bot answers once the events at hand
	// are observed ([bot] reply).
	botDue []*person
	counts eventCounts
	// driftChecks are the drift expectations that ran, in order; driftN
	// counts the drift findings by kind (driftKind), listed or not.
	driftChecks []driftCheck
	driftN      driftCounts
	// unlisted counts the findings past the listed ones by channel and
	// kind (UnlistedDrift): a few entries.
	unlisted []UnlistedDrift
	// live holds the conversations that have not closed, but for those a
	// person of the world tracks (person.live); waits the waits of those
	// assigned or closed, and assigned how many were assigned.
	// Closed conversations leave nothing else behind, so memory follows
	// the open conversations, not the length of the run.
	live     map[router.ConversationID]liveConv
	waits    waitHist
	assigned int
	series   *seriesRecorder // when Options.Series is set
	// service follows the queueing figures; nil when the run does not
	// report them (see wantsService).
	service *serviceFigures

	// replyTexts and messageTexts hold "reply i" and "message i", what
	// generated conversations say, by i.
	replyTexts, messageTexts []string

	// center is the message center, when the scenario uses it.
	center *messageCenter
	// keepClosed keeps every closed conversation in the message center
	// for its retention, also where nothing reads them (a test's
	// reference run).
	keepClosed bool

	res result.Result

	routerCfg router.Config // the engine's configuration, to build it again on a restart
	restarts  int           // router restarts so far
	// stop is the error of an action that the run cannot go on after (a
	// router restart that failed): RunUntil returns it.
	stop error
}

// liveConv is what the world tracks of an open conversation.
type liveConv struct {
	opened   int64 // in unix nanoseconds: a time of the run (since)
	assigned bool  // assigned at least once
	waiting  bool  // waiting in a queue now
}

// person is a customer of the world, scripted or generated.
type person struct {
	id       string
	key      router.CustomerKey
	b        Binding // the binding of key.Channel
	name     string
	scripted bool
	// listed: the scenario lists the customer, so its expectations may
	// read the customer's timeline; a customer met through the API
	// ([World.Customer]) keeps none.
	listed bool
	// timeline is what a listed customer's timeline keeps (addLine): the
	// assigned lines older than its last lines, then its last lines, in
	// order; assigned counts the first; cut counts the lines dropped, by
	// conversation.
	timeline    []result.Line
	assigned    int
	cut         map[string]int
	lastError   string
	lastRefusal string
	profile     router.Profile // what the customer's app tells the platform
	// The fields from flow to forgotten are what a generated customer's
	// queued actions (script.next) and the events of its conversation
	// (observe: track, forget, release) read and write: in the 384-byte
	// size class, whose records start on a cache line, they fill the
	// record's fifth line (bytes 256 to 320), with the bools together
	// after the words. The fields after them are read when the customer
	// is assigned (converse) and forgotten (people.drop).
	//
	// Generated customers: their traffic and how many messages they send
	// (whether their conversation has been scripted is conversed, below).
	flow     *scenario.Traffic
	messages int
	// open is the customer's open conversation as the router's events tell
	// it; 0 when there is none.
	open router.ConversationID
	// live is what the world tracks of the customer's conversation liveID
	// while it is open (tracking), in place of an entry of World.live.
	live   liveConv
	liveID router.ConversationID
	// pending counts the queued actions that hold a generated customer
	// (its script's next action, its patience); forgotten: the world let
	// go of it (forget). Once both hold, the record is reused (release).
	pending   int
	conversed bool
	tracking  bool
	forgotten bool
	handle    time.Duration
	reply     time.Duration // first-response time; 0 spreads replies evenly
	// hash is the hash of key.Customer that people holds the person by.
	hash uint64
	// script is a generated customer's conversation (converse): made at
	// the record's first conversation and kept when the record is reused
	// (newGenerated), so that a reused record's script is bound to it
	// already and neither zeroed nor copied whole under the collector's
	// write barrier.
	script *script
	// _ keeps the record in the 384-byte size class (it would be 352
	// bytes, a class whose records do not start on cache lines).
	_ [32]byte
}

// Run plays a scenario to its end and returns its result. Errors that stop
// the run (a fake that cannot start, a webhook handshake that fails, a
// router restart that fails) are reported in the result's Error, and the
// result does not pass.
func Run(ctx context.Context, sc *scenario.Scenario, opt Options) result.Result {
	// The world is Run's alone, and the result holds no journal: nothing
	// can read one, so the fakes keep none.
	opt.NoJournals = true
	opt.released = true
	w, err := NewWorld(ctx, sc, opt)
	if err != nil {
		res := w.res
		res.Error = err.Error()
		res.End = sc.Start
		return res
	}
	defer w.Close()
	w.Schedule()
	if err := w.RunUntil(time.Time{}); err != nil {
		w.res.Error = err.Error()
	}
	if !w.end.IsZero() {
		w.clock.Set(w.end)
	}
	res := w.Finish()
	// Closed first (Close does nothing the second time), the world's
	// network takes no request while its memory goes back.
	w.Close()
	w.giveBack()
	return res
}

// giveBack gives back what the world's engine, adapters and fakes hold, for
// the next world the process plays to reuse: Run calls it once the result
// is made, when nothing reads the world any more.
func (w *World) giveBack() {
	for _, b := range w.bindings {
		if r, ok := b.(Releaser); ok {
			r.Release()
		}
	}
	w.engine.Release()
}

// NewWorld builds the world of a scenario: the engine with the tenant's
// groups and agents, each channel the scenario uses opened on the network,
// and the scripted customers. Nothing is scheduled yet: see
// [World.Schedule]. On error the world is closed already.
func NewWorld(ctx context.Context, sc *scenario.Scenario, opt Options) (*World, error) {
	w := &World{sc: sc, opt: opt, seed: sc.Seed, ctx: ctx, people: newPeople(), byID: map[string]*person{},
		texts: map[string]string{}, bindings: map[string]Binding{},
		live: map[router.ConversationID]liveConv{}}
	if opt.Seed != nil {
		w.seed = *opt.Seed
	}
	w.res = result.Result{Name: sc.Name, File: sc.File, Description: sc.Description, Seed: w.seed, Start: sc.Start,
		Expectations: []result.Check{}, Drift: []result.Drift{}, Agents: []result.Agent{}}
	if opt.Service || wantsService(sc) {
		w.service = &serviceFigures{target: DefaultServiceTarget}
	}
	if err := w.setup(); err != nil {
		w.Close()
		return w, err
	}
	// The scenario's customers, in byID now, are the listed ones.
	w.plain = len(w.byID) == 0 && !opt.Trace && !opt.Series && w.center == nil
	return w, nil
}

// platform finds a channel's platform in the table.
func (w *World) platform(name string) *Platform {
	for _, p := range w.opt.Platforms {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

func (w *World) setup() error {
	sc := w.sc
	if n := w.networkName(); n == Direct || n == Memory {
		// The platforms answer in the world's goroutine (see below).
		w.clock = newLocalClock(sc.Start)
	} else {
		w.clock = NewClock(sc.Start)
	}
	if sc.Duration > 0 {
		w.end = sc.Start.Add(sc.Duration.D())
	}
	w.traffic = Stream(w.seed, "traffic")

	// The channels in use, in table order.
	var used []*Platform
	for _, p := range w.opt.Platforms {
		if _, ok := sc.Channels[p.Name()]; ok {
			used = append(used, p)
		}
	}
	for name := range sc.Channels {
		if w.platform(name) == nil {
			return fmt.Errorf("channel %q: no such platform", name)
		}
	}

	policies := make(map[string]router.Policy, len(used))
	for _, p := range used {
		ch := sc.Channels[p.Name()]
		pol := p.Policy()
		applyRules(&pol, ch.Rules)
		if ch.Router != nil {
			applyRules(&pol, *ch.Router)
			if m := ch.Router.ManualAssignment; m != nil {
				pol.ManualAssignment = *m
			}
		}
		policies[p.Name()] = pol
	}
	cfg := router.Config{
		Split:            router.Split(sc.Tenant.Split),
		Strategy:         router.Strategy(sc.Tenant.Strategy),
		Overflow:         router.Overflow(sc.Tenant.Overflow),
		OverflowAfter:    sc.Tenant.OverflowAfter.D(),
		ReassignAfter:    sc.Tenant.ReassignAfter.D(),
		MissedAfter:      sc.Tenant.MissedAfter.D(),
		CloseMissedAfter: sc.Tenant.CloseMissedAfter.D(),
		IdleAfter:        sc.Tenant.IdleAfter.D(),
		Policies:         policies,
		Seed:             Stream(w.seed, "router").Uint64(),
		Retain:           w.opt.Retain || w.networkName() == Serve,
		Solo:             w.solo(),
		// The world reads every event as it is logged (Consume, in settle).
		Consumer: true,
	}
	if !cfg.Retain {
		// Only a world that retains (serve, fuzzing) has readers of the
		// log's history (EventsSince): any other keeps a small one.
		cfg.EventLog = 64
	}
	// Working hours: zones and schedules, validated by the scenario.
	loc, err := scenario.LoadZone(sc.Tenant.Zone)
	if err != nil {
		return fmt.Errorf("tenant: %w", err)
	}
	cfg.Location = loc
	cfg.OnlineByHours = sc.Tenant.OnlineByHours
	for _, ws := range sc.Workstreams {
		rw := router.Workstream{Name: ws.Name, Channels: ws.Channels, Fallback: ws.Fallback}
		for _, r := range ws.Rules {
			rw.Rules = append(rw.Rules, router.Rule{Name: r.Name, Group: r.Group, Channels: r.Channels, EntryPages: r.EntryPages,
				Regions: r.Regions, Stores: r.Stores, Languages: r.Languages, AdSources: r.AdSources, Attributes: r.Attributes})
		}
		cfg.Workstreams = append(cfg.Workstreams, rw)
	}
	if b := sc.Bot; b != nil {
		cfg.Bot = &router.Bot{Channels: b.Channels, Keywords: b.Keywords, HandoffAfter: b.HandoffAfter.D(), IdleAfter: b.IdleAfter.D()}
	}
	for _, name := range slices.Sorted(maps.Keys(sc.Schedules)) {
		sch := sc.Schedules[name]
		rs, err := sch.Router(name)
		if err != nil {
			return fmt.Errorf("schedule %q: %w", name, err)
		}
		cfg.Schedules = append(cfg.Schedules, rs)
	}
	for _, g := range sc.Groups {
		cfg.Groups = append(cfg.Groups, router.GroupConfig{Name: g.Name, Priority: g.Priority, Regions: g.Regions, EntryPages: g.EntryPages, Stores: g.Stores, IgnoreHours: g.IgnoreHours})
	}
	for _, a := range sc.Agents {
		aloc, err := scenario.LoadZone(a.Zone)
		if err != nil {
			return fmt.Errorf("agent %q: %w", a.ID, err)
		}
		cfg.Agents = append(cfg.Agents, router.AgentConfig{ID: a.ID, Capacity: a.Capacity, Groups: a.Groups, NoReception: a.Reception != nil && !*a.Reception, Store: a.Store, Schedule: a.Schedule, Location: aloc})
	}
	eng, err := router.New(cfg)
	if err != nil {
		return err
	}
	w.engine = eng
	w.routerCfg = cfg

	mount, client, err := w.network()
	if err != nil {
		return err
	}
	// A Direct world's Memory network, for the channels that need the wire.
	var wire func(platform, part string, h http.Handler) (string, error)
	var wireClient Doer
	// On the Direct and Memory networks the platforms answer in the
	// world's goroutine, and read the clock as the world does; on the
	// others their handlers run in goroutines of their own.
	clock := w.clock.Now
	if n := w.networkName(); n == Direct || n == Memory {
		clock = w.clock.localReader()
	}
	for _, p := range used {
		name := p.Name()
		env := Env{
			Clock:    clock,
			Seed:     Stream(w.seed, name).Uint64(),
			Network:  w.networkName(),
			Client:   client,
			Receiver: eng,
			Webhook:  w.opt.Webhooks[name],

			JournalLimit: JournalDepth,
			Solo:         w.solo(),
			// Only where the world's goroutine alone calls the fakes
			// (World.solo): no handler of another goroutine (a socket's,
			// a request an outside app makes) can read a fake after Run.
			Released: w.opt.released && w.solo(),
		}
		if w.opt.NoJournals {
			env.JournalLimit = -1
		}
		var bound Binding // the channel's binding, once it is open
		if !cfg.Retain {
			env.Keep = func(customer string) bool { return w.keeps(bound, name, customer) }
		}
		env.Due = w.newDue()
		if mount != nil {
			env.Mount = stirringAPI(env.Network, env.Due, func(part string, h http.Handler) (string, error) { return mount(name, part, h) })
		}
		b, err := p.Open(w.ctx, env, sc.Channels[name])
		if errors.Is(err, ErrNeedsWire) && env.Network == Direct {
			// The channel's faults act on the wire: it plays on Memory.
			if wire == nil {
				wire, wireClient = memoryNetwork()
			}
			env.Network, env.Client, env.Due = Memory, wireClient, w.newDue()
			env.Mount = stirringAPI(Memory, env.Due, func(part string, h http.Handler) (string, error) { return wire(name, part, h) })
			b, err = p.Open(w.ctx, env, sc.Channels[name])
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p.Title, err)
		}
		w.closers = append(w.closers, b.Close)
		w.bindings[name] = b
		w.open = append(w.open, openChannel{name, b, env.Due})
		if !env.Due.tracked {
			w.dues.every = true
		}
		bound = b
		eng.Handle(name, b.Sender())
	}

	for _, a := range sc.Agents {
		if a.Online == nil || *a.Online {
			if err := eng.SetOnline(sc.Start, a.ID, true); err != nil {
				return err
			}
		}
	}
	for _, c := range sc.Customers {
		b := w.bindings[c.Channel]
		if b == nil || c.Handle == "" {
			continue
		}
		w.addScripted(c, b.Handle(c.Handle))
	}
	// Customers without a handle get a generated one that no scripted
	// customer has.
	for _, c := range sc.Customers {
		if b := w.bindings[c.Channel]; b != nil && c.Handle == "" {
			h, _ := w.newHandle(c.Channel, b)
			w.addScripted(c, h)
		}
	}
	return w.setupInbox()
}

func (w *World) addScripted(c scenario.Customer, handle string) {
	b := w.bindings[c.Channel]
	p := &person{id: c.ID, name: firstNonEmpty(c.Name, c.ID), scripted: true, listed: true, b: b,
		key: router.CustomerKey{Channel: w.channelName(c.Channel), Account: b.Account(), Customer: handle}}
	w.people.put(p)
	w.scripted++
	w.plain = false
	w.byID[c.ID] = p
	// A listed customer's timeline (addLine) and profile are among the
	// fields a generated customer mostly never sets.
	w.wear()
	p.profile = router.Profile{Region: c.Region, EntryPage: c.EntryPage, Store: c.Store, Language: c.Language, AdSource: c.AdSource}
	w.engine.SetProfile(p.key, p.profile)
	if len(c.Attributes) > 0 {
		w.engine.SetAttributes(p.key, c.Attributes)
	}
}

// wear notes that a customer's rarely set fields (its last error and
// refusal, its timeline, its profile) are about to be set: the world is
// worn (World.worn). Every listed customer, whose timeline addLine keeps,
// is made by addScripted, which wears the world.
func (w *World) wear() { w.worn = true }

// keeps reports whether the world reads the device of a customer of a
// channel at the end: a scripted customer's (Env.Keep). b is the
// channel's binding, nil while it opens.
func (w *World) keeps(b Binding, channel, customer string) bool {
	if b != nil && w.scripted == 0 {
		return false // nobody is: a generated customer never is
	}
	return w.keepsListed(b, channel, customer)
}

// keepsListed is keeps in a world with scripted customers, or while the
// channel opens: out of line, so that keeps is inlined in Env.Keep.
func (w *World) keepsListed(b Binding, channel, customer string) bool {
	if b == nil {
		return true // still opening: nothing is delivered yet
	}
	p := w.person(&router.CustomerKey{Channel: channel, Account: b.Account(), Customer: customer})
	return p != nil && p.scripted
}

// newHandle generates a customer id on a channel, of binding b, that
// nobody has yet, and returns it with its hash in people.
func (w *World) newHandle(channel string, b Binding) (handle string, hash uint64) {
	for {
		w.generated++
		h := b.NewHandle(w.generated)
		hash := w.people.hash(h)
		// Generated handles differ from one another (NewHandle): only a
		// scripted customer can have one already.
		if w.scripted == 0 || w.people.find(router.CustomerKey{Channel: channel, Account: b.Account(), Customer: h}, hash) == nil {
			return h, hash
		}
	}
}

// solo reports whether the goroutine playing the world is the only one
// that calls its engine, adapters and fakes: on the memory network (whose
// handlers run in that goroutine, see Transport.local) and the direct one,
// unless a platform's webhooks go to an app outside the world. Their locks
// are then switched off (router.Config.Solo, Env.Solo).
func (w *World) solo() bool {
	n := w.networkName()
	return (n == Memory || n == Direct) && len(w.opt.Webhooks) == 0
}

// networkName is the world's network, Memory when unset.
func (w *World) networkName() Network {
	if w.opt.Network == "" {
		return Memory
	}
	return w.opt.Network
}

// memoryNetwork returns the Mount and the Client of a new Memory network:
// a Transport serving each part of a platform under a host name of its own.
func memoryNetwork() (mount func(platform, part string, h http.Handler) (string, error), client Doer) {
	// The world's goroutine alone uses it (Transport.local).
	t := newLocalTransport()
	return func(platform, part string, h http.Handler) (string, error) {
		host := part + "." + platform + ".omnisim"
		t.Handle(host, h)
		return "http://" + host, nil
	}, t
}

// network sets up how the world's fakes and router reach each other.
func (w *World) network() (mount func(platform, part string, h http.Handler) (string, error), client Doer, err error) {
	switch w.networkName() {
	case Memory:
		mount, client := memoryNetwork()
		return mount, client, nil
	case Loopback:
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("starting the world's listener: %w", err)
		}
		mux := http.NewServeMux()
		srv := NewServer(mux)
		go srv.Serve(ln)
		w.closers = append(w.closers, func() { srv.Close() })
		tr := &http.Transport{MaxIdleConnsPerHost: 8}
		w.closers = append(w.closers, tr.CloseIdleConnections)
		base := "http://" + ln.Addr().String()
		return func(platform, part string, h http.Handler) (string, error) {
			return base + MountPrefix(mux, platform, part, h), nil
		}, &http.Client{Transport: tr}, nil
	case Serve:
		if w.opt.Mount == nil || w.opt.Client == nil {
			return nil, nil, errors.New("a serve world needs its server's Mount and Client")
		}
		return w.opt.Mount, w.opt.Client, nil
	case Direct:
		if len(w.opt.Webhooks) > 0 {
			return nil, nil, errors.New("a direct world has no webhooks to send to an app")
		}
		return nil, nil, nil // the platforms connect fake and adapter by values
	}
	return nil, nil, fmt.Errorf("unknown network %q (want %s, %s or %s)", w.opt.Network, Memory, Loopback, Direct)
}

// MountPrefix serves h under /platform/part on mux, with the prefix
// stripped, and returns the prefix.
func MountPrefix(mux *http.ServeMux, platform, part string, h http.Handler) string {
	prefix := "/" + platform + "/" + part
	strip := http.StripPrefix(prefix, h)
	mux.Handle(prefix, strip)
	mux.Handle(prefix+"/", strip)
	return prefix
}

// NewServer returns an HTTP server for h with the timeouts a server facing
// the network needs: a slow client cannot hold a connection open.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// Close stops every platform of the world and its network.
func (w *World) Close() {
	for i := len(w.closers) - 1; i >= 0; i-- {
		w.closers[i]()
	}
	w.closers = nil
}

// Now is the world's virtual time.
func (w *World) Now() time.Time { return w.clock.Now() }

// Engine is the world's routing engine.
func (w *World) Engine() *router.Engine { return w.engine }

// Binding returns the binding of a channel the world has opened.
func (w *World) Binding(channel string) (Binding, bool) {
	b, ok := w.bindings[channel]
	return b, ok
}

// Schedule queues the scenario's scripted steps, timed expectations and
// traffic flows.
func (w *World) Schedule() {
	sc := w.sc
	for i := range sc.Steps {
		// A step's k-th message (counting across repeats) goes at
		// at + k*every. Only the next one waits in the queue, in the place
		// it would have had with all of them queued now: a step that
		// repeats two billion times costs one entry, not two billion.
		st := &sc.Steps[i]
		n := max(st.Repeat, 1) * max(len(st.Says), 1)
		w.stepAt(st, 0, n, w.queue.Reserve(uint64(n)))
	}
	for i := range sc.Expect {
		ex := &sc.Expect[i]
		if ex.HasAt {
			w.queue.At(sc.Start.Add(ex.At.D()), func() { w.expect(ex, nil, &timelines{}) })
		}
	}
	for i := range sc.Traffic {
		tr := &sc.Traffic[i]
		from := sc.Start.Add(tr.Start.D())
		w.arrive(tr, from, from.Add(tr.For.D()))
	}
}

// stepAt queues the k-th of the n messages of a step, in the queue's place
// base+k; when it fires it queues the next.
func (w *World) stepAt(st *scenario.Step, k, n int, base uint64) {
	at := w.sc.Start.Add(st.At.D() + time.Duration(k)*st.Every.D())
	w.queue.AtSeq(at, base+uint64(k), func() {
		if k+1 < n {
			w.stepAt(st, k+1, n, base)
		}
		w.step(st, k%max(len(st.Says), 1))
	})
}

// arrive schedules the next Poisson arrival of a traffic flow.
func (w *World) arrive(tr *scenario.Traffic, after, until time.Time) {
	b := w.bindings[tr.Channel]
	f := &flow{w: w, tr: tr, b: b, channel: w.channelName(tr.Channel), account: b.Account(), until: until.UnixNano(), loc: after.Location(),
		mean: float64(tr.Arrivals.Mean()),
		more: tr.Reply.Kind != "" || tr.Patience.Kind != "" || len(tr.Regions)+len(tr.Pages)+len(tr.Stores) > 0}
	if w.lane == nil && !w.noLane {
		w.lane = f
	} else {
		f.slot = w.queue.keep(f.arrive)
		w.queue.locate(f.slot, f.loc)
	}
	f.next(after.UnixNano())
}

// flow is a traffic flow's stream of arrivals: one is queued at a time, the
// next when it plays.
type flow struct {
	w  *World
	tr *scenario.Traffic
	b  Binding // tr.Channel's
	// channel is tr.Channel as the world opened it (World.channelName)
	// and account b's Account, in its customers' keys.
	channel, account string
	// at is the queued arrival's time and until the flow's end, in unix
	// nanoseconds, in location loc (the start's).
	at, until int64
	loc       *time.Location
	// slot is the queue's slot kept for the flow's arrivals, but for
	// the flow of World.lane.
	slot uint32
	// seq is the queued arrival's place among events at equal times, and
	// queued tells whether one is, for the flow of World.lane, whose
	// arrival waits there rather than in the queue.
	seq    uint64
	queued bool
	// mean is the mean time between arrivals, in nanoseconds: the gaps
	// are exponential (next draws them as draw draws "exp").
	mean float64
	// more: the flow's customers draw more than their messages and
	// handle time (drawMore).
	more bool
}

// next queues the arrival after the one at after, if it comes before the
// flow ends. Times are unix nanoseconds (the queue's keys), in the flow's
// location.
func (f *flow) next(after int64) {
	w := f.w
	gap := roundMilli(time.Duration(w.traffic.ExpFloat64() * f.mean))
	at := after + int64(gap)
	if at >= f.until || at < after { // past the end, or past every time
		return
	}
	f.at = at
	if w.lane == f {
		f.seq, f.queued = w.queue.Reserve(1), true
		return
	}
	w.queue.pushKept(at, w.queue.Reserve(1), f.slot)
}

// arrive plays the queued arrival: a generated customer writes.
func (f *flow) arrive() {
	// Everything about the customer is drawn now, so the generated load
	// is the same whatever the routing does with it.
	w, tr, b := f.w, f.tr, f.b
	handle, hash := w.newHandle(f.channel, b)
	messages := tr.Messages.Min
	if span := tr.Messages.Max - tr.Messages.Min + 1; span != 1 {
		messages += w.traffic.IntN(span)
	} else {
		// IntN(1), without its call: one draw all the same, masked to 0
		// (a span that is a power of two masks the draw), so that the
		// stream goes on as with any span.
		w.traffic.Uint64()
	}
	p := f.newPerson(w.genIDs.id(w.generated), handle, messages, draw(w.traffic, &tr.Handle))
	w.people.putHashed(p, hash)
	if f.more {
		f.drawMore(p)
	}
	w.customerText(p, "message 1")
	f.next(f.at)
}

// drawMore draws what a flow's customer has in a flow that sets it: a
// first-response time, a patience, a profile. Out of line: the flows of
// most studies set none.
func (f *flow) drawMore(p *person) {
	w, tr := f.w, f.tr
	if tr.Reply.Kind != "" {
		p.reply = max(draw(w.traffic, &tr.Reply), time.Millisecond)
	}
	if tr.Patience.Kind != "" {
		// Drawn only when set, so that flows without patience keep
		// their random stream.
		w.giveUpAfter(p, time.Unix(0, f.at).In(f.loc), draw(w.traffic, &tr.Patience))
	}
	var prof router.Profile
	if len(tr.Regions) > 0 {
		prof.Region = tr.Regions[w.traffic.IntN(len(tr.Regions))]
	}
	if len(tr.Pages) > 0 {
		prof.EntryPage = tr.Pages[w.traffic.IntN(len(tr.Pages))]
	}
	if len(tr.Stores) > 0 {
		prof.Store = tr.Stores[w.traffic.IntN(len(tr.Stores))]
	}
	if prof.Region != "" || prof.EntryPage != "" || prof.Store != "" {
		w.wear()
		p.profile = prof
		w.engine.SetProfile(p.key, prof)
	}
}

// RunUntil plays the queue, the router's deadlines and the platforms' own
// deadlines in time order until t (inclusive): whichever comes first goes
// next, and a deadline goes before a queued event at the same time, as the
// engine fires due deadlines before any call. A zero t runs until nothing
// is left or the scenario's duration ends. The clock stands at the last
// thing played, or at t when t is set. The error is the context's, or
// that of an action the run cannot go on after (a router restart that
// failed); a world that returned one plays no more.
//
// It is kept out of Run's line (go:noinline): inlined there, its loop would
// call the clock's set (setNanos) at every queued event, which it inlines
// on its own.
//
//go:noinline
func (w *World) RunUntil(t time.Time) error {
	if w.stop != nil {
		return w.stop
	}
	loc := w.sc.Start.Location()
	// The queue plays in unix nanoseconds: nothing later than bound goes.
	bound := int64(math.MaxInt64)
	if !w.end.IsZero() {
		bound = nanos(w.end)
	}
	if !t.IsZero() {
		bound = min(bound, nanos(t))
	}
	played := 0
	progress := w.opt.Progress
	// A context that is never done (Background's) has no channel to poll.
	done := w.ctx.Done()
	// poll: there is either to ask about at each event (mostly neither).
	poll := done != nil || progress != nil
	for {
		if poll {
			if done != nil {
				select {
				case <-done:
					return w.ctx.Err()
				default:
				}
			}
			if progress != nil {
				if played++; played%progressEvery == 0 {
					progress(w.clock.nowLocal(), played)
				}
			}
		}
		// The earliest deadline, the router's or a platform's, asked
		// again only when either may have moved: first, so that no
		// value of the queue's is kept across the call.
		if w.dues.ask || w.next.changes != w.engine.NextDeadlineChanges() {
			w.askDeadlines()
		}
		w.queue.drop()
		next, seq, queued := w.queue.head()
		// The lane's arrival, when it comes before the queue's head.
		lane := false
		if f := w.lane; f != nil && f.queued && (!queued || earlier(f.at, f.seq, next, seq)) {
			next, queued, lane = f.at, true, true
		}
		if d := &w.next; d.has && (!queued || d.ns <= next) {
			if d.ns > bound {
				break
			}
			w.playDeadline(w.deadline(d.platform, d.ns).In(loc))
			continue
		}
		if !queued || next > bound {
			break
		}
		if lane {
			w.playArrival()
		} else {
			at, a := w.queue.take()
			w.clock.setNanos(at, a.loc)
			if s := a.s; s != nil {
				s.next(w, at, seq)
			} else {
				a.fn()
			}
		}
		if w.stop != nil {
			return w.stop
		}
		w.settle()
	}
	if !t.IsZero() && t.After(w.clock.nowLocal()) {
		w.clock.Set(t.In(loc))
		w.engine.Advance(t)
		w.settle()
	}
	return nil
}

// nextDeadline is the earliest deadline that RunUntil plays: the
// router's (Engine.NextDeadlineNanos) unless a platform's comes first
// (w.dues, platform). RunUntil asks them again only when either may have
// moved: the engine's count of changes (Engine.NextDeadlineChanges) is no
// longer the one kept in changes, or a channel's Due asks.
type nextDeadline struct {
	// changes is the engine's count of changes when it was last asked; 0,
	// which that count never is, asks.
	changes uint64
	// has: a deadline is pending, at unix nanoseconds ns; platform: a
	// platform's (w.dues.at), else the router's.
	has, platform bool
	ns            int64
}

// askDeadlines sets w.next, asking the platforms whose Due asks and the
// engine, its count of changes first: RunUntil's rare path, out of its
// line.
//
//go:noinline
func (w *World) askDeadlines() {
	if w.dues.ask {
		w.askDue()
	}
	n := &w.next
	n.changes = w.engine.NextDeadlineChanges()
	n.ns, n.has = w.engine.NextDeadlineNanos()
	n.platform = false
	if d := &w.dues; d.has && (!n.has || d.at.Before(time.Unix(0, n.ns))) {
		n.ns, n.platform, n.has = d.ns, true, true
	}
}

// playArrival plays the arrival of the lane's flow, which RunUntil found
// before the queue's head.
func (w *World) playArrival() {
	f := w.lane
	f.queued = false
	w.clock.setNanos(f.at, f.loc)
	f.arrive()
}

// deadline is the deadline RunUntil found: the earliest of the platforms'
// (w.dues.at), or the router's at unix nanoseconds at.
func (w *World) deadline(platform bool, at int64) time.Time {
	if platform {
		return w.dues.at
	}
	return time.Unix(0, at)
}

// playDeadline plays the router's or a platform's deadline due: out of
// RunUntil's loop, which plays queued events more often.
func (w *World) playDeadline(due time.Time) {
	w.clock.Set(due)
	w.engine.Advance(due)
	w.settle()
}

// nanos is t in unix nanoseconds, the queue's keys, for comparing with
// them: every time a run plays lies within their range; a time outside it
// (a far bound or deadline) is the range's end on its side.
func nanos(t time.Time) int64 {
	// Every second strictly between the range's first and last lies
	// within it: the common case, without comparing whole times.
	if s := t.Unix(); s > minNanosSec && s < maxNanosSec {
		return t.UnixNano()
	}
	switch {
	case t.Before(minNanos):
		return math.MinInt64
	case t.After(maxNanos):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// minNanos and maxNanos are the first and last times of unix nanoseconds.
var minNanos, maxNanos = time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)

// minNanosSec and maxNanosSec are the unix seconds of minNanos and
// maxNanos.
var minNanosSec, maxNanosSec = minNanos.Unix(), maxNanos.Unix()

// settle delivers what the platforms have due (status webhooks, retries)
// and reacts to the router's new events. It is not inlined in RunUntil's
// loop: a function as large as RunUntil inlines only the smallest of
// calls, and settle, inlined there, called observe for each event.
//
//go:noinline
func (w *World) settle() {
	if now := w.clock.nanos(); w.dues.dueBy(now) { // w.flush, inlined
		w.flushDue(now)
	}
	for {
		// The unread events are read where the engine logged them: it
		// keeps them until the next Consume, whatever observing them
		// logs meanwhile.
		a, b := w.engine.Consume()
		if len(b) == 0 {
			// One part (mostly): only a's pointer and length, i and w
			// stay live across observe's calls, to reload after each.
			for i := range a {
				w.observe(&a[i])
			}
		} else {
			// The log wrapped between the parts (rare): both are
			// observed out of this line.
			w.observeAll(a)
			w.observeAll(b)
		}
		if w.center != nil && w.sendAutoReplies() {
			// Their statuses come now, as a step's do, not with whatever
			// happens next.
			w.flush()
			continue
		}
		if len(w.botDue) == 0 {
			break
		}
		w.answerBot()
	}
	// An asynchronous failure comes with the Flush right after its send, so
	// the list of who sent what is needed within one settle only. Its
	// entries are left past its length: as many as one settle ever sent
	// (one or two), each a message id and an agent's, overwritten by the
	// next settle that sends.
	w.sentBy = w.sentBy[:0]
}

// observeAll observes the events of evs in order: settle's rare second
// part of a log that wrapped, out of its line.
//
//go:noinline
func (w *World) observeAll(evs []router.Event) {
	for i := range evs {
		w.observe(&evs[i])
	}
}

// flush delivers what each platform has due (Binding.Flush), asking a
// channel that tracks what it has due (Due) only when it may have some.
func (w *World) flush() {
	if now := w.clock.nanos(); w.dues.dueBy(now) {
		w.flushDue(now)
	}
}

// flushFailed notes a platform's failed delivery of what it had due.
func (w *World) flushFailed(channel string, err error) {
	w.note(nil, "error", "", channel+" webhooks: "+err.Error())
}

// answerBot has the bot answer the customers it is due to answer.
func (w *World) answerBot() {
	due := w.botDue
	w.botDue = nil
	for _, p := range due {
		w.botAnswer(p)
	}
}

// sentMessage is a message sent in the settle at hand and its agent.
type sentMessage struct {
	id, agent string
}

// sender is the agent of the latest message of id sent in the settle at
// hand; "" for none.
func (w *World) sender(id string) string {
	for i := len(w.sentBy) - 1; i >= 0; i-- {
		if w.sentBy[i].id == id {
			return w.sentBy[i].agent
		}
	}
	return ""
}

// channelName is the name of an open channel as the world opened it: its
// platform's own (Platform.Name), the constant that the platform's router
// adapter puts in the keys it makes, rather than the equal string of the
// scenario or the caller, held in bytes of its own. The customer keys the
// world makes with it share the adapter's bytes, and the engine's lookups
// and the world's (strhash.Same) tell them equal without comparing bytes.
// A channel the world has not opened is returned as it is.
func (w *World) channelName(channel string) string {
	for i := range w.open {
		if w.open[i].name == channel {
			return w.open[i].name
		}
	}
	return channel
}

// openChannel is a channel the world has opened, with its binding. The
// world lists them in table order, so that everything done per channel
// happens in the same order on every run.
type openChannel struct {
	name string
	b    Binding
	due  *Due // what the world knows of what the binding has due
}

// observe records an engine event and drives generated customers.
//
// One switch on the kind: the counts, the conversation's state (track),
// and what the event's customer p, when the world knows the customer, does
// next. A plain world finds p only for the kinds that read it: only a
// timeline (which a listed customer has), the trace, the series and the
// message center read a status, nothing but the counts and the list of
// who sent what reads a send (a send to a customer the world does not
// know is listed too; only a failed status of a known customer reads the
// list), and only the bot answers a message.
func (w *World) observe(ev *router.Event) {
	plain := w.plain
	var p *person
	if !plain {
		if w.center != nil {
			w.inboxApply(ev)
		}
		p = w.eventPerson(ev)
		w.read(ev, p)
	}
	switch ev.Kind {
	case router.EventOpened:
		if plain {
			// w.person, inline: the conversation is new, not the open
			// one of the customer at hand, who mostly opened it.
			if p = w.lastPerson; p == nil || !sameKey(&p.key, &ev.Customer) {
				p = w.findPerson(&ev.Customer)
			}
		}
		w.counts.opened++
		w.trackOpened(ev, p)
		if p != nil {
			p.open = ev.Conversation
		}
	case router.EventQueued:
		if plain {
			p = w.convPerson(ev)
		}
		w.trackQueued(ev, p)
	case router.EventAssigned:
		if plain {
			p = w.convPerson(ev)
		}
		w.trackAssigned(ev, p)
		if p != nil && p.flow != nil && !p.conversed {
			p.conversed = true
			w.converse(p, ev)
		}
	case router.EventClosed:
		if plain {
			p = w.convPerson(ev)
		}
		w.counts.closed++
		w.trackClosed(ev, p)
		if p == nil {
			return
		}
		if p.open == ev.Conversation {
			p.open = 0
		}
		if p.flow != nil && (p.conversed || ev.Detail == string(router.ClosedAbandoned)) {
			// A generated customer writes in one conversation only: once
			// it is over, nothing of the customer is needed.
			w.forget(p)
		}
	case router.EventInbound:
		w.counts.inbound++
		if plain {
			if b := w.sc.Bot; b == nil || b.Reply == "" {
				return
			}
			p = w.eventPerson(ev)
		}
		if p != nil {
			w.botHears(ev, p)
		}
	case router.EventSent:
		w.counts.sent++
		if plain || p != nil {
			w.noteSent(ev)
		}
	case router.EventRefused:
		w.counts.refused++
	case router.EventFailed:
		if plain {
			p = w.eventPerson(ev)
		}
		w.counts.failed++
		if p != nil && ev.Agent == "" { // a send's failure is judged where the send is made
			w.failedStatus(ev, p)
		}
	}
}

// convPerson is eventPerson for an event of a conversation, whose id is
// not 0 (router.ConversationID numbers them from 1): an event of the open
// conversation of the customer at hand is the customer's, found without
// a call. Small enough to be inlined in each case of observe that reads
// it.
func (w *World) convPerson(ev *router.Event) *person {
	if p := w.lastPerson; p != nil && p.open == ev.Conversation {
		return p
	}
	return w.eventPerson(ev)
}

// eventPerson is the world's customer of an event, or nil: w.person, and
// for an event of the open conversation of the customer at hand, that
// customer, without comparing keys: a conversation is one customer's.
func (w *World) eventPerson(ev *router.Event) *person {
	p := w.lastPerson
	if p == nil || !(ev.Conversation != 0 && p.open == ev.Conversation || sameKey(&p.key, &ev.Customer)) {
		p = w.findPerson(&ev.Customer)
	}
	return p
}

// noteSent lists a message sent in the settle at hand with its agent.
func (w *World) noteSent(ev *router.Event) {
	w.sentBy = append(w.sentBy, sentMessage{id: ev.Message, agent: ev.Agent})
}

// botHears queues the bot's answer to a customer's message in a
// conversation the bot holds, in a world with a bot that replies.
func (w *World) botHears(ev *router.Event, p *person) {
	if b := w.sc.Bot; b != nil && b.Reply != "" {
		if cv, ok := w.engine.Conversation(ev.Conversation); ok && cv.State == router.WithBot {
			w.botDue = append(w.botDue, p)
		}
	}
}

// failedStatus notes a failed status, the platform's code reported by
// webhook, and the drift when the platform's rules model the code.
func (w *World) failedStatus(ev *router.Event, p *person) {
	w.wear()
	p.lastError = ev.Detail
	if p.b.Modelled(ev.Detail, nil) {
		w.drift(ev.At, result.DriftSentRefused, p, w.sender(ev.Message), "sent", ev.Detail)
	}
}

// read hands an event to what only some worlds have: the series, the
// trace, a listed customer's timeline; and forgets the text of a message
// once logged.
func (w *World) read(ev *router.Event, p *person) {
	if w.opt.Series {
		w.recordSeries(ev)
	}
	listed := p != nil && p.listed
	if w.opt.Trace || listed {
		line := w.line(ev, p)
		if w.opt.Trace {
			w.trace(line)
		}
		if listed {
			p.addLine(line)
		}
	}
	if len(w.texts) > 0 && (ev.Kind == router.EventInbound || ev.Kind == router.EventSent) {
		// A message is logged once: its text has served the timeline and
		// the message center.
		delete(w.texts, ev.Message)
	}
}

// trackOpened, trackQueued, trackAssigned and trackClosed follow each
// conversation's state for the waits and totals, on the customer's person
// p when the world knows the customer (a customer has one open
// conversation at a time), else in World.live.
func (w *World) trackOpened(ev *router.Event, p *person) {
	c := liveConv{opened: ev.At.UnixNano(), waiting: true}
	if p != nil && !p.tracking {
		p.live, p.liveID, p.tracking = c, ev.Conversation, true
	} else {
		w.live[ev.Conversation] = c
	}
}

// tracked returns what the world tracks of the conversation of ev: on p,
// when p tracks it (onPerson), else in World.live; ok is false when the
// world tracks nothing of it.
func (w *World) tracked(ev *router.Event, p *person) (c liveConv, onPerson, ok bool) {
	if p != nil && p.tracking && p.liveID == ev.Conversation {
		return p.live, true, true
	}
	c, ok = w.live[ev.Conversation]
	return c, false, ok
}

// retrack keeps c as what the world tracks of the conversation of ev,
// where tracked found it.
func (w *World) retrack(ev *router.Event, p *person, c liveConv, onPerson bool) {
	if onPerson {
		p.live = c
	} else {
		w.live[ev.Conversation] = c
	}
}

func (w *World) trackQueued(ev *router.Event, p *person) {
	if c, onPerson, ok := w.tracked(ev, p); ok {
		c.waiting = true
		w.retrack(ev, p, c, onPerson)
	}
}

func (w *World) trackAssigned(ev *router.Event, p *person) {
	c, onPerson, ok := w.tracked(ev, p)
	if !ok {
		return
	}
	if !c.assigned {
		c.assigned = true
		w.assigned++
		wait := since(c.opened, ev.At)
		w.waits.add(wait)
		if w.service != nil {
			w.service.assign(wait)
		}
	}
	c.waiting = false
	w.retrack(ev, p, c, onPerson)
}

func (w *World) trackClosed(ev *router.Event, p *person) {
	c, onPerson, ok := w.tracked(ev, p)
	if !ok {
		return
	}
	if !c.assigned {
		wait := since(c.opened, ev.At)
		w.waits.add(wait)
		if w.service != nil {
			w.service.unassigned(wait)
		}
	}
	if w.service != nil && ev.Detail == string(router.ClosedAbandoned) {
		w.service.abandoned++
	}
	if onPerson {
		p.live, p.liveID, p.tracking = liveConv{}, 0, false
	} else {
		delete(w.live, ev.Conversation)
	}
}

// since is at.Sub(from) for two times of a run, which lie within int64
// nanoseconds of 1970 (the queue's keys), from given in unix nanoseconds:
// the difference of their unix nanoseconds, without the overflow check of
// Sub, which adds the result back and compares it. A difference past a
// Duration's range (292 years), where the subtraction overflows, is
// saturated, as Sub saturates it: small enough to be inlined.
func since(from int64, at time.Time) time.Duration {
	a := at.UnixNano()
	d := a - from
	if (d < 0) != (a < from) {
		d = math.MaxInt64
		if a < from {
			d = math.MinInt64
		}
	}
	return time.Duration(d)
}

// lookLive returns what the world tracks of an open conversation of p.
func (w *World) lookLive(p *person, id router.ConversationID) (liveConv, bool) {
	if p.tracking && p.liveID == id {
		return p.live, true
	}
	c, ok := w.live[id]
	return c, ok
}

// eachLive calls fn with every conversation that has not closed.
func (w *World) eachLive(fn func(liveConv)) {
	for _, c := range w.live {
		fn(c)
	}
	w.people.all(func(p *person) {
		if p.tracking {
			fn(p.live)
		}
	})
}

// line writes an event for a trace or a timeline, with what a scripted
// customer or their agent said.
func (w *World) line(ev *router.Event, p *person) result.Line {
	l := result.Line{At: ev.At.In(w.sc.Start.Location()), Kind: string(ev.Kind), Agent: ev.Agent, Group: ev.Group, Detail: ev.Detail}
	if ev.Conversation != 0 {
		l.Conversation = ev.Conversation.String()
	}
	if p != nil {
		l.Customer = p.id
	}
	if text, ok := w.texts[ev.Message]; ok && (ev.Kind == router.EventInbound || ev.Kind == router.EventSent) {
		l.Detail = w.lineText(text)
	}
	return l
}

// lineMaxText is how many runes of a message's text a trace or timeline
// line shows: a longer text is cut there and ends in "…" (inside the
// quotes of a text), as the Markdown report cuts its values.
const lineMaxText = 200

// quote is a text said, quoted once for all the messages that say it.
type quote struct {
	text string // as said
	full string // quoted, whole: what texts keeps (the message center reads it)
	line string // quoted and cut to lineMaxText runes: what a line shows
}

// quote returns text's quote: one of the last quoted when it is among
// them (a step's text is the same string each time the step says it), or
// made now in place of the oldest. A text said again and again is quoted
// once, and its messages share the quote rather than each holding a copy.
func (w *World) quote(text string) *quote {
	for i := range w.quotes {
		if q := &w.quotes[i]; q.full != "" && strhash.Same(q.text, text) {
			return q
		}
	}
	q := &w.quotes[w.nextQuote]
	w.nextQuote = (w.nextQuote + 1) % len(w.quotes)
	q.text, q.full = text, strconv.Quote(text)
	q.line = q.full
	if cut, ok := scenario.CutRunes(text, lineMaxText); ok {
		q.line = strconv.Quote(cut)
	}
	return q
}

// lineText returns what a line shows of a text texts kept: a quoted text
// cut to lineMaxText runes, the shared cut of its quote when that is at
// hand.
func (w *World) lineText(text string) string {
	if len(text) <= lineMaxText {
		return text
	}
	for i := range w.quotes {
		if q := &w.quotes[i]; strhash.Same(q.full, text) {
			return q.line
		}
	}
	if u, err := strconv.Unquote(text); err == nil {
		if cut, ok := scenario.CutRunes(u, lineMaxText); ok {
			return strconv.Quote(cut)
		}
		return text
	}
	cut, _ := scenario.CutRunes(text, lineMaxText)
	return cut
}

// converse scripts a generated conversation once it is assigned. The
// agent's first reply comes at the customer's first-response time R (or, with
// none, at H/2n for handle time H and n messages); then the customer's other
// messages and the agent's other replies alternate evenly until H, when the
// agent closes the conversation (at R, if R is longer than H).
//
// The 2n actions take 2n places in the queue set aside now, and each is
// queued when the one before it plays: they play exactly where queuing them
// all now would put them (their times do not decrease), and the queue holds
// one action per conversation, not 2n.
func (w *World) converse(p *person, ev *router.Event) {
	n := p.messages
	first := p.reply
	if first == 0 {
		if n == 1 {
			// The same as below, by a constant: a shift, not a division.
			first = p.handle / 2
		} else {
			first = p.handle / time.Duration(2*n)
		}
	}
	end := max(p.handle, first)
	s := p.script
	if s == nil {
		s = &script{p: p}
		s.slot = w.queue.keepScript(s)
		p.script = s
	}
	// Field by field: a reused record's script keeps its p and slot.
	s.conv, s.agent = ev.Conversation, ev.Agent
	at := ev.At.UnixNano()
	w.queue.locate(s.slot, ev.At.Location())
	// The close at the end; the first reply at first (queued below).
	s.end = at + int64(end)
	// After the first reply: n-1 customer messages, n-1 replies and the
	// close; with one message, the close alone (no division).
	s.step = end - first
	if n != 1 {
		s.step /= time.Duration(2*n - 1)
	}
	s.base = w.queue.Reserve(uint64(2 * n))
	p.pending++
	w.queue.pushKept(at+int64(first), s.base, s.slot)
}

// script is what is left of a generated conversation: action k of 2n is
// the agent's reply k/2+1 (k even), the customer's message (k+1)/2+1 (k
// odd), and the agent's close (the last, 2n-1). Action k plays at the
// assignment's time plus first + k*step (converse) but for the close, at
// end, and in the queue's place base+k: the place and the time of the
// action playing (RunUntil has them from the queue) give k and the next
// action's time, which the script does not keep.
//
// Its fields are 60 bytes, 64 with padding: one cache line of its own
// (the allocator's 64-byte size class), which an action reads with the
// customer's record: a generated customer's actions come minutes apart,
// and each line they read is mostly one to fetch again. n is the
// customer's (person.messages).
type script struct {
	p     *person
	conv  router.ConversationID
	agent string
	// step is the time between the actions after the first reply; end is
	// the close's time, in unix nanoseconds (the queue's keys).
	step time.Duration
	end  int64
	base uint64 // the queue place of action 0
	// slot is the queue's slot kept for the script's actions, which
	// holds the script and the assignment's location.
	slot uint32
}

// when is the time of the action after the one playing at unix
// nanoseconds at: the close (close set), or the one step later. For k+1
// before the close, at+step is the assignment's time plus first +
// (k+1)*step, as the sum of int64s wraps.
func (s *script) when(close bool, at int64) int64 {
	if close {
		return s.end
	}
	return at + int64(s.step)
}

// next plays the action of the queue's place seq, at unix nanoseconds at,
// unless the conversation closed on its own: then nothing more of the
// script plays. It is not inlined in RunUntil's loop, which calls it, and
// which it would make too large to keep its values in registers.
//
// The close, which queues nothing after it, takes its spent entry out of
// the queue itself (Queue.drop), on the branch that already tells it from
// the other actions: the run's loop, which drops whatever entry is left
// spent, then mostly finds none, and its test does not follow whether
// the event played was a close, which is random.
//
//go:noinline
func (s *script) next(w *World, at int64, seq uint64) {
	p := s.p
	if p.open != s.conv {
		p.pending--
		w.release(p)
		return
	}
	k, last := int(seq-s.base), 2*p.messages-1 // k at least 0 and at most last: halved as unsigned, a shift
	if k < last {
		t := s.when(k+1 == last, at) // the action played gives way to the next: p.pending stays
		w.queue.pushKept(t, seq+1, s.slot)
	} else {
		p.pending--
		w.queue.drop()
	}
	w.lastPerson = p // the engine logs the action's events now: p at hand (person)
	switch {
	case k == last:
		w.engine.Close(w.clock.nowLocal(), s.agent, p.key)
	case k&1 == 0:
		w.agentSend(p, s.agent, router.Outbound{Kind: router.KindText, Text: numbered(&w.replyTexts, "reply ", int(uint(k)/2)+1)})
	default:
		w.customerText(p, numbered(&w.messageTexts, "message ", int(uint(k+1)/2)+1))
	}
}

// numbered returns prefix+i, made once per i and kept in *texts.
func numbered(texts *[]string, prefix string, i int) string {
	for len(*texts) <= i {
		*texts = append(*texts, prefix+strconv.Itoa(len(*texts)))
	}
	return (*texts)[i]
}

// draw samples a duration distribution.
// Draws are rounded to the millisecond, the clock's resolution in reports.
func draw(rng *rand.Rand, d *scenario.Distribution) time.Duration {
	var v time.Duration
	switch d.Kind {
	case "exp":
		v = time.Duration(rng.ExpFloat64() * float64(d.Mean))
	case "uniform":
		v = d.Low + time.Duration(rng.Float64()*float64(d.High-d.Low))
	default:
		v = d.Mean
	}
	return roundMilli(v)
}

// roundMilli is d.Round(time.Millisecond), inlined and with the divisor a
// constant, which the compiler divides by with a multiplication: Round,
// called with any divisor, divides, at every draw.
func roundMilli(d time.Duration) time.Duration {
	const m = time.Millisecond
	if d < 0 {
		r := -(d % m)
		if r+r < m {
			return d + r
		}
		if d1 := d - m + r; d1 < d {
			return d1
		}
		return math.MinInt64 // overflow
	}
	// Every draw but a degenerate one: the remainder of an unsigned
	// division, which needs no correction for the sign. Down or up is
	// chosen without a branch (a conditional move): a draw's remainder is
	// random, and a branch on it would be mispredicted half the time.
	r := time.Duration(uint64(d) % uint64(m))
	d1 := d - r
	if r+r >= m {
		d1 += m
	}
	if d1 < d-r {
		return math.MaxInt64 // overflow
	}
	return d1
}

// step runs the idx-th action of a scripted step.
func (w *World) step(st *scenario.Step, idx int) {
	if st.RestartRouter {
		w.restartStep()
		return
	}
	if st.Customer != "" {
		p := w.byID[st.Customer]
		if st.Abandon {
			w.abandon(p, st)
			return
		}
		if f := st.Attaches; f != nil {
			w.customerSays(p, &Message{Text: st.Caption, Attachment: &router.Attachment{Kind: f.Kind, Format: f.Format, Size: int64(f.Size), Name: f.Name}})
			return
		}
		m := Message{Event: st.Event, EventKey: st.EventKey}
		if len(st.Says) > 0 {
			m.Text = st.Says[idx]
		}
		w.customerSays(p, &m)
		return
	}
	now := w.clock.nowLocal()
	switch {
	case st.Presence != "":
		if err := w.engine.SetOnline(now, st.Agent, st.Presence == "online"); err != nil {
			w.note(nil, "step_failed", st.Agent, err.Error())
		}
		return
	case st.Close:
		p := w.byID[st.To]
		if err := w.engine.Close(now, st.Agent, p.key); err != nil {
			w.note(p, "step_failed", st.Agent, fmt.Sprintf("line %d: close: %v", st.Line, err))
		}
		return
	case st.Take:
		p := w.byID[st.To]
		if err := w.engine.Take(now, st.Agent, p.key); err != nil {
			w.note(p, "step_failed", st.Agent, fmt.Sprintf("line %d: take: %v", st.Line, err))
		}
		return
	case st.Transfer != nil:
		p := w.byID[st.To]
		if err := w.engine.Transfer(now, st.Agent, p.key, st.Transfer.Group, st.Transfer.Agent); err != nil {
			w.note(p, "step_failed", st.Agent, fmt.Sprintf("line %d: transfer: %v", st.Line, err))
		}
		return
	}
	if w.inboxStep(st) {
		return
	}
	p := w.byID[st.To]
	var m router.Outbound
	switch {
	case st.Template != nil:
		m = router.Outbound{Kind: router.KindTemplate, Template: &router.Template{Name: st.Template.Name, Language: st.Template.Language, Params: st.Template.Params}}
	case st.Attaches != nil:
		f := st.Attaches
		m = router.Outbound{Kind: router.KindAttachment, Text: st.Caption, Attachment: &router.Attachment{Kind: f.Kind, Format: f.Format, Size: int64(f.Size), Name: f.Name}}
	default:
		m = router.Outbound{Kind: router.KindText, Text: st.Says[idx]}
	}
	w.agentSend(p, st.Agent, m)
}

// customerSays has a customer send a message through their platform. It
// sets m's profile to the customer's.
func (w *World) customerSays(p *person, m *Message) {
	m.Profile = p.profile
	// The platform asks about the customer (Env.Keep) and the engine logs
	// its events now: keep it at hand. Every customer who writes is held
	// in people (a generated one is forgotten once it writes no more).
	w.lastPerson = p
	in, err := p.b.Inbound(w.ctx, p.key.Customer, p.name, *m)
	w.record(p, m, &in, err)
}

// customerText is customerSays for a text, what a generated customer
// says. The message is made in the platform's call alone, not copied
// there from a caller's, and made again only when record has anything to
// do with it. Its profile is the customer's only in a worn world
// (World.worn), where customerSays sends it: elsewhere every customer's
// is zero, and is not read.
func (w *World) customerText(p *person, text string) {
	w.lastPerson = p // as customerSays keeps it
	if w.worn {
		w.customerSays(p, &Message{Text: text})
		return
	}
	in, err := p.b.Inbound(w.ctx, p.key.Customer, p.name, Message{Text: text})
	if w.recordsRare(p, &in, err) {
		w.recordRare(p, &Message{Text: text}, &in, err)
	}
}

// keepsText reports whether what p and p's agents say is kept until it is
// logged: for a timeline (a customer the scenario lists), the trace, or the
// message center.
func (w *World) keepsText(p *person) bool {
	// Only the customers w.scripted counts are listed or scripted: in a
	// world with none, p is not read here, a line of the record that a
	// generated customer's reply reads for nothing else.
	return w.scripted != 0 && (p.listed || (p.scripted && (w.opt.Trace || w.center != nil)))
}

// record keeps what a scripted customer said for their timeline, and notes
// a message the router did not take.
func (w *World) record(p *person, m *Message, in *Inbound, err error) {
	if w.recordsRare(p, in, err) {
		w.recordRare(p, m, in, err)
	}
}

// recordsRare reports whether record has anything to do with the fate of
// p's message: its text is kept or the router did not take it.
func (w *World) recordsRare(p *person, in *Inbound, err error) bool {
	return err != nil || (in.Status != http.StatusOK && !in.Pending) || in.ID != "" && w.keepsText(p)
}

// recordRare is record for a message whose text is kept or that the router
// did not take: out of line, as most messages are neither.
func (w *World) recordRare(p *person, m *Message, in *Inbound, err error) {
	if w.keepsText(p) && in.ID != "" {
		switch {
		case m.Attachment != nil:
			a := m.Attachment
			w.texts[in.ID] = fmt.Sprintf("%s %s %s", a.Kind, a.Format, scenario.Size(a.Size))
		case m.Event != "":
			w.texts[in.ID] = "event " + m.Event
		default:
			w.texts[in.ID] = w.quote(m.Text).full
		}
	}
	switch {
	case err != nil:
		w.note(p, "error", "", "customer message: "+err.Error())
	case in.Status != http.StatusOK && !in.Pending:
		w.note(p, "rejected", "", fmt.Sprintf("router answered the webhook with HTTP %d", in.Status))
	}
}

// botAnswer sends the bot's reply to a customer whose conversation is
// with the bot, through the router, and checks it as an agent's send.
func (w *World) botAnswer(p *person) {
	m := router.Outbound{Kind: router.KindText, Text: w.sc.Bot.Reply}
	now := w.clock.nowLocal()
	res, err := w.engine.BotSend(w.ctx, now, p.key, m)
	w.judgeSend(now, p, router.BotID, &m, &res, err)
}

// agentSend sends through the router and checks the router's decision
// against the platform's rules. It gives back nothing: its callers, a
// step and a script, read nothing of the send (Send reads its result).
func (w *World) agentSend(p *person, agent string, m router.Outbound) {
	now := w.clock.nowLocal()
	res, err := w.engine.Send(w.ctx, now, agent, p.key, m)
	// judgeSend's check, in line: a script's every reply comes here, and a
	// call with seven arguments costs more than the check.
	if w.judges(p, &res, err) {
		w.judgeRare(now, p, agent, &m, &res, err)
	}
}

// judgeSend notes a send of m that failed, and checks the router's
// decision, res or err, against the platform's rules. It keeps neither m
// nor res.
func (w *World) judgeSend(now time.Time, p *person, agent string, m *router.Outbound, res *router.SendResult, err error) {
	if w.judges(p, res, err) {
		w.judgeRare(now, p, agent, m, res, err)
	}
}

// judges reports whether judgeSend has anything to do with a send to p
// whose result is res or err: it failed, was refused, or its text is kept.
func (w *World) judges(p *person, res *router.SendResult, err error) bool {
	return err != nil || res.Err != nil || res.Refusal != "" || res.MessageID != "" && w.keepsText(p)
}

// judgeRare is judgeSend for a send that failed, was refused, or whose text
// is kept: out of line, as most sends are none of these.
func (w *World) judgeRare(now time.Time, p *person, agent string, m *router.Outbound, res *router.SendResult, err error) {
	if err != nil {
		w.note(p, "step_failed", agent, err.Error())
		return
	}
	if w.keepsText(p) && res.MessageID != "" {
		w.texts[res.MessageID] = w.describe(m)
	}
	b := p.b
	if res.Err != nil {
		var pe *router.PlatformError
		if errors.As(res.Err, &pe) {
			w.wear()
			p.lastError = pe.Code
			// A copy, so that m itself does not escape on every send.
			if sent := *m; b.Modelled(pe.Code, &sent) {
				w.drift(now, result.DriftSentRefused, p, agent, "sent", pe.Code)
			}
		}
	}
	if res.Refusal == "" {
		return
	}
	w.wear()
	p.lastRefusal = string(res.Refusal)
	switch res.Refusal {
	case router.ReasonNotAssigned, router.ReasonNoConversation:
		return // routing refusals: the platform has no say
	}
	if verdict := b.Judge(p.key.Customer, *m); verdict == nil {
		w.drift(now, result.DriftRefusedAccepted, p, agent, string(res.Refusal), "accepted")
	} else {
		p.lastError = verdict.Code // worn above
	}
}

// describe writes an outbound message for a timeline; a text is quoted
// (quote).
func (w *World) describe(m *router.Outbound) string {
	switch m.Kind {
	case router.KindTemplate:
		return "template " + m.Template.Name
	case router.KindAttachment:
		return fmt.Sprintf("%s %s %s", m.Attachment.Kind, m.Attachment.Format, scenario.Size(m.Attachment.Size))
	}
	return w.quote(m.Text).full
}

// drift records a finding; whether an expectation covers it is decided at
// the end of the run.
// Past the first result.MaxDrift findings it only counts them.
func (w *World) drift(at time.Time, kind string, p *person, agent, routerSaid, platformSaid string) {
	w.driftN[driftKind(kind)]++
	if len(w.res.Drift) == result.MaxDrift {
		w.res.DriftDropped++
		w.noteUnlisted(p.key.Channel, kind)
		return
	}
	w.res.Drift = append(w.res.Drift, result.Drift{
		At: at.In(w.sc.Start.Location()), Kind: kind, Channel: p.key.Channel, Customer: p.id, Agent: agent,
		Router: routerSaid, Platform: platformSaid,
	})
}

// UnlistedDrift is how many drift findings of one kind on one channel
// came past the first result.MaxDrift, which a result only counts
// (Result.DriftDropped).
type UnlistedDrift struct {
	Channel, Kind string
	Count         int
}

// UnlistedDrift returns the findings the result only counts, by channel
// and kind, in the order each first came: a fuzzer judges every finding
// with it, as it judges the listed ones.
func (w *World) UnlistedDrift() []UnlistedDrift { return slices.Clone(w.unlisted) }

// noteUnlisted counts an unlisted finding of kind on channel.
func (w *World) noteUnlisted(channel, kind string) {
	for i := range w.unlisted {
		if u := &w.unlisted[i]; u.Channel == channel && u.Kind == kind {
			u.Count++
			return
		}
	}
	w.unlisted = append(w.unlisted, UnlistedDrift{Channel: channel, Kind: kind, Count: 1})
}

// note adds a line the router's log does not have (a failed step, a
// rejected webhook) to the trace and the customer's timeline.
func (w *World) note(p *person, kind, agent, detail string) {
	line := result.Line{At: w.clock.nowLocal(), Kind: kind, Agent: agent, Detail: detail}
	if p != nil {
		line.Customer = p.id
		if p.listed {
			p.addLine(line)
		}
	}
	if w.opt.Trace {
		w.trace(line)
	}
}

// timelineKeep is how many of its last lines a listed customer's timeline
// keeps, as many as a failing check's timeline shows: memory follows the
// customers, not the length of the run.
const timelineKeep = 1_000

// addLine adds a line to a listed customer's timeline. The timeline keeps
// its last timelineKeep lines, and every "assigned" line before them, which
// the assignment expectations (never_assigned_to, assigned_order) read
// whole: once 2*timelineKeep lines follow the assignments, the older ones
// are dropped in one move, so a line costs a copy of a line at most. The
// lines dropped are counted by conversation (cutLines).
func (p *person) addLine(l result.Line) {
	if len(p.timeline)-p.assigned >= 2*timelineKeep {
		t := p.timeline
		n := p.assigned
		if p.cut == nil {
			p.cut = map[string]int{}
		}
		for i := n; i < len(t)-timelineKeep; i++ {
			if t[i].Kind == string(router.EventAssigned) {
				t[n] = t[i]
				n++
			} else {
				p.cut[t[i].Conversation]++
			}
		}
		n += copy(t[n:], t[len(t)-timelineKeep:])
		clear(t[n:]) // let go of the dropped lines' strings
		p.assigned = n - timelineKeep
		p.timeline = t[:n]
	}
	p.timeline = append(p.timeline, l)
}

// lastLines returns the last lines of a listed customer's timeline, at
// most timelineKeep, in order. The lines are the timeline's own: the
// caller copies what it keeps.
func (p *person) lastLines() []result.Line {
	lines := p.timeline[p.assigned:]
	return lines[max(len(lines)-timelineKeep, 0):]
}

// cutLines counts the lines of conversation conv, and those of no
// conversation, that came before lastLines: dropped, or kept among the
// assignments.
func (p *person) cutLines(conv string) int {
	n := p.cut[conv]
	if conv != "" {
		n += p.cut[""]
	}
	for _, l := range p.timeline[:len(p.timeline)-len(p.lastLines())] {
		if l.Conversation == conv || l.Conversation == "" {
			n++
		}
	}
	return n
}

// trace adds a line to the event log: the result's, or Options.TraceTo.
func (w *World) trace(line result.Line) {
	if w.opt.TraceTo != nil {
		w.opt.TraceTo(line)
		return
	}
	w.res.Trace = append(w.res.Trace, line)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// Customer returns the key of a customer on an open channel, known to the
// world from now on: a scripted customer by id, or anyone by the platform's
// customer id (a phone number's digits, an openid, ...).
func (w *World) Customer(channel, handle string) (router.CustomerKey, error) {
	if p := w.byID[handle]; p != nil && p.key.Channel == channel {
		return p.key, nil
	}
	b, ok := w.bindings[channel]
	if !ok {
		return router.CustomerKey{}, fmt.Errorf("channel %q is not open in this world", channel)
	}
	key := router.CustomerKey{Channel: w.channelName(channel), Account: b.Account(), Customer: b.Handle(handle)}
	if w.people.get(key) == nil {
		p := &person{id: key.Customer, key: key, name: key.Customer, scripted: true, b: b}
		w.people.put(p)
		w.scripted++
		w.byID[p.id] = p
	}
	return key, nil
}

// Generated returns the key of a new customer on an open channel, as a
// traffic flow makes one: a generated customer id, and a customer who is
// not scripted, so that the fake keeps none of the customer's deliveries
// and may forget the customer once every window has passed. Unlike a
// flow's customer, whose record the world lets go when its conversation
// has closed, it stays in the world for the world's life.
func (w *World) Generated(channel string) (router.CustomerKey, error) {
	b, ok := w.bindings[channel]
	if !ok {
		return router.CustomerKey{}, fmt.Errorf("channel %q is not open in this world", channel)
	}
	channel = w.channelName(channel)
	handle, hash := w.newHandle(channel, b)
	p := &person{id: handle, key: router.CustomerKey{Channel: channel, Account: b.Account(), Customer: handle}, name: handle, b: b}
	w.people.putHashed(p, hash)
	return p.key, nil
}

// Say has a customer send m through the platform now, and lets the world
// react.
func (w *World) Say(key router.CustomerKey, m Message) (Inbound, error) {
	p := w.person(&key) // kept at hand for the events and the reply
	if p == nil {
		return Inbound{}, fmt.Errorf("unknown customer %s", key)
	}
	if m.Profile == (router.Profile{}) {
		m.Profile = p.profile
	}
	in, err := p.b.Inbound(w.ctx, key.Customer, p.name, m)
	w.record(p, &m, &in, err)
	w.settle()
	return in, err
}

// Send has an agent send m to a customer through the router now, judges
// the router's decision against the platform's rules, and lets the world
// react.
func (w *World) Send(agent string, key router.CustomerKey, m router.Outbound) (router.SendResult, error) {
	p := w.person(&key) // mostly the customer who just wrote
	if p == nil {
		return router.SendResult{}, fmt.Errorf("unknown customer %s", key)
	}
	// As agentSend, with the result given back.
	now := w.clock.nowLocal()
	res, err := w.engine.Send(w.ctx, now, agent, p.key, m)
	w.judgeSend(now, p, agent, &m, &res, err)
	w.settle()
	return res, err
}

// eventCounts counts the engine's events of the kinds the totals report.
type eventCounts struct {
	opened, closed, inbound, sent, refused, failed int
}

// person returns the world's customer of key, or nil. The engine logs a
// customer's events in runs (opened, queued, assigned, inbound), so the
// last customer found is kept at hand.
func (w *World) person(key *router.CustomerKey) *person {
	if p := w.lastPerson; p != nil && sameKey(&p.key, key) {
		return p
	}
	return w.findPerson(key)
}

// findPerson is person for a key that is not the last customer found's.
func (w *World) findPerson(key *router.CustomerKey) *person {
	p := w.people.get(*key)
	if p != nil {
		w.lastPerson = p
	}
	return p
}

// sameKey reports whether a and b are the same customer's key. It compares
// the customer's id first, what tells a world's customers apart, and
// each field inline, where == on the struct calls its generated equality.
func sameKey(a, b *router.CustomerKey) bool {
	return strhash.Same(a.Customer, b.Customer) && strhash.Same(a.Channel, b.Channel) && strhash.Same(a.Account, b.Account)
}

// forget drops a generated customer whose conversation is over.
func (w *World) forget(p *person) {
	w.people.drop(p)
	if w.lastPerson == p {
		w.lastPerson = nil
	}
	p.forgotten = true
	w.release(p)
}

// release makes a forgotten generated customer the next arrival's record
// once no queued action holds it any more (person.pending): an action
// still queued plays on the record it was queued for, and finds its
// conversation over.
func (w *World) release(p *person) {
	if !p.forgotten || p.pending != 0 {
		return
	}
	if w.noReuse {
		// The record goes: so does its script's slot.
		if p.script != nil {
			w.queue.unkeep(p.script.slot)
		}
		return
	}
	w.spare = append(w.spare, p)
	w.reused++
}

// newPerson returns the person of a generated customer of the flow: id
// (its name too), with the flow's channel and account and the customer id
// handle in its key, who sends messages messages over a conversation of
// handle time handleTime; zero otherwise. It is a released record when
// there is one, which keeps its script (bound to it, with the queue's slot
// kept for its actions), else a new one.
//
// A released record is set field by field rather than cleared whole and
// written again: it holds many pointers, which a clear passes through the
// collector's write barrier while it marks, and most of which a generated
// customer never sets; its binding, flow, channel and account are mostly
// the last customer's (one flow's), and written only when they differ.
// TestReuseSetsEveryField holds it to the new record.
func (f *flow) newPerson(id, handle string, messages int, handleTime time.Duration) *person {
	w, tr := f.w, f.tr
	n := len(w.spare)
	if n == 0 {
		return &person{id: id, name: id, b: f.b, key: router.CustomerKey{Channel: f.channel, Account: f.account, Customer: handle},
			flow: tr, messages: messages, handle: handleTime}
	}
	p := w.spare[n-1]
	// The entry past the length is p, in use again: left, not cleared
	// under the write barrier; the next release overwrites it.
	w.spare = w.spare[:n-1]
	p.id, p.name = id, id
	if p.flow != tr {
		p.b, p.flow = f.b, tr
	}
	if !strhash.Same(p.key.Channel, f.channel) || !strhash.Same(p.key.Account, f.account) {
		p.key.Channel, p.key.Account = f.channel, f.account
	}
	p.key.Customer = handle
	p.messages, p.handle = messages, handleTime
	// What a released record may hold of its last customer: set only by a
	// failure, a flow that draws them or the conversation, in a worn world
	// (World.worn), and otherwise not read.
	if w.worn {
		if p.lastError != "" || p.lastRefusal != "" || p.timeline != nil {
			p.lastError, p.lastRefusal, p.timeline = "", "", nil
			p.assigned, p.cut = 0, nil
		}
		if pr := &p.profile; pr.Region != "" || pr.EntryPage != "" || pr.Store != "" || pr.Language != "" || pr.AdSource != "" {
			*pr = router.Profile{}
		}
	}
	p.scripted, p.listed = false, false
	p.reply, p.conversed, p.open = 0, false, 0
	p.live, p.liveID, p.tracking = liveConv{}, 0, false
	p.hash, p.pending, p.forgotten = 0, 0, false
	return p
}
