package serve

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/router/inbox"
	"github.com/omnisim/omnisim/serve/console"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

// DefaultAddr is the listen address of a zero Config: a free port on the
// IPv4 loopback interface.
const DefaultAddr = "127.0.0.1:0"

// DefaultTick is how often the clock's ticker plays the world.
const DefaultTick = 25 * time.Millisecond

// ControlPrefix is the path of the control API.
const ControlPrefix = "/_omnisim"

// Config configures a [Server]; its zero value serves the built-in world
// on a free loopback port, with virtual time running as fast as real time.
type Config struct {
	// Addr is the listen address, HOST:PORT. The host must be given: "" is
	// DefaultAddr, and ":8080" (every interface) is refused; write
	// "0.0.0.0:8080" to mean it.
	Addr string
	// Scenario, when set, gives the world's start, tenant, groups, agents,
	// channels and customers; its steps, traffic, expectations and
	// duration are not played. Nil serves the built-in world: every
	// platform's channel with its defaults, a default tenant, and agents
	// "ana" and "ben" of capacity 5, online.
	Scenario *scenario.Scenario
	// Platforms is the platform table; nil means platforms.All. Every
	// platform of it is opened, whether the scenario uses it or not.
	Platforms []*sim.Platform
	// Webhooks sends a platform's webhooks to an app's URL instead of the
	// embedded router, by platform name; the webhook handshake runs when
	// the world opens.
	Webhooks map[string]string
	// Seed seeds the world. Nil takes one from the wall clock, so that ids
	// never repeat across restarts; [Server.Seed] tells which.
	Seed *uint64
	// Speed is how many virtual seconds pass per wall second; 0 means 1.
	Speed float64
	// Stopped stops the clock: virtual time moves only when the control
	// API jumps it. Speed is then ignored.
	Stopped bool
	// Tick is how often the ticker plays the world up to the current
	// virtual time; 0 means DefaultTick.
	Tick time.Duration
	// Standard is the service standard the console's live figures warn
	// against; nil means DefaultStandard.
	Standard *inbox.Standard
}

// URLs are where a server serves what: the document of a ready file and of
// GET /_omnisim/urls.
type URLs struct {
	// Base is the server's root URL, "http://127.0.0.1:PORT".
	Base string `json:"base"`
	// Control is the control API's base URL, Base + "/_omnisim".
	Control string `json:"control"`
	// Platforms holds, by platform name, the base URL of each part the
	// platform serves: "api" (the fake's API) and "webhook" (the embedded
	// router's webhook endpoint).
	Platforms map[string]map[string]string `json:"platforms"`
}

// Server is a running omnisim world served over HTTP. Build it with
// [Start]; stop it with [Server.Shutdown] or [Server.Close].
type Server struct {
	cfg       Config
	platforms []*sim.Platform
	format    *scenario.Format
	ln        net.Listener
	http      *http.Server
	transport *http.Transport
	client    *http.Client
	base      string
	control   *http.ServeMux
	// guarded is control behind the cross-origin protection.
	guarded http.Handler
	// worlds serves the platforms' endpoints of the current world: each
	// world mounts them on a mux of its own.
	worlds atomic.Pointer[http.ServeMux]

	// ctx is the worlds' context: it ends when the server stops.
	ctx    context.Context
	cancel context.CancelFunc

	stopTick chan struct{}
	tickDone chan struct{}
	stopOnce sync.Once
	ticking  bool // the ticker runs: set once by Start

	// mu serializes every use of the world and the clock.
	mu       sync.Mutex
	world    *sim.World // nil when the last reset failed
	worldErr error      // why world is nil
	seed     uint64
	urls     URLs
	clock    virtualClock
	closed   bool
	// seen is the Seq of the router's newest event when last looked at;
	// events is a buffer for looking.
	seen   uint64
	events []router.Event
	// inbox is the current world's message center, kept up with the
	// router's event log; rung is the Seq of the newest event the live
	// streams were told about, and bell tells them.
	inbox *inbox.Inbox
	rung  uint64
	bell  *bell
}

// Start listens on cfg.Addr, opens the world on it (running every
// platform's webhook handshake) and starts the clock. ctx bounds the start;
// the server then runs until Shutdown or Close.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if err := check(&cfg); err != nil {
		return nil, err
	}
	cfg.Webhooks = maps.Clone(cfg.Webhooks)
	s := &Server{cfg: cfg, platforms: cfg.Platforms, stopTick: make(chan struct{}), tickDone: make(chan struct{}), bell: newBell()}
	if s.platforms == nil {
		s.platforms = platforms.All
	}
	s.format = &scenario.Format{}
	for _, p := range s.platforms {
		s.format.Channels = append(s.format.Channels, p.Spec)
	}
	for name := range cfg.Webhooks {
		if s.platform(name) == nil {
			return nil, fmt.Errorf("webhook for %s: %w", name, s.unknownPlatform(name))
		}
	}
	if cfg.Seed != nil {
		s.seed = *cfg.Seed
	} else {
		s.seed = uint64(time.Now().UnixNano())
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	s.ln = ln
	s.base = "http://" + urlHost(ln.Addr())
	s.transport = &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second}
	s.client = &http.Client{Transport: s.transport}
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.control = s.controlMux()
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, "%s %s: cross-origin request refused: the control API takes requests from its own pages and from non-browser clients only", r.Method, r.URL.Path)
	}))
	s.guarded = cop.Handler(s.control)
	s.worlds.Store(http.NewServeMux())
	s.http = sim.NewServer(http.HandlerFunc(s.serveHTTP))
	if writeTimeout != 0 {
		s.http.WriteTimeout = writeTimeout
	}
	go s.http.Serve(ln) //nolint:errcheck // ErrServerClosed once stopped

	// A start cancelled while the world opens (a slow handshake) ends it.
	stop := context.AfterFunc(ctx, s.cancel)
	s.mu.Lock()
	err = s.open(s.seed)
	s.mu.Unlock()
	stop()
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	s.ticking = true
	go s.tick()
	return s, nil
}

// writeTimeout, when not zero, replaces the HTTP server's write timeout;
// tests shorten it.
var writeTimeout time.Duration

// check validates a configuration and fills in its defaults.
func check(cfg *Config) error {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if err := CheckAddr(cfg.Addr); err != nil {
		return err
	}
	if cfg.Speed == 0 {
		cfg.Speed = 1
	}
	if cfg.Speed < 0 || math.IsNaN(cfg.Speed) || math.IsInf(cfg.Speed, 0) {
		return fmt.Errorf("speed %v: want a positive number", cfg.Speed)
	}
	if cfg.Tick <= 0 {
		cfg.Tick = DefaultTick
	}
	for name, u := range cfg.Webhooks {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("webhook for %s: %q is not an absolute http or https URL", name, u)
		}
	}
	return nil
}

// CheckAddr checks a listen address: HOST:PORT with the host given, so that
// listening on every interface is never an accident.
func CheckAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: want HOST:PORT, e.g. 127.0.0.1:8080", addr)
	}
	if host == "" {
		return fmt.Errorf("address %q listens on every network interface; write 127.0.0.1%s for this machine only, or 0.0.0.0%s to mean every interface", addr, addr, addr)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("address %q: bad port %q", addr, port)
	}
	return nil
}

// urlHost is the HOST:PORT of URLs for a listener's address: 127.0.0.1
// for a listener on every interface (which takes IPv4 on 127.0.0.1 also
// when it listens on [::]).
func urlHost(addr net.Addr) string {
	a, ok := addr.(*net.TCPAddr)
	if !ok || !a.IP.IsUnspecified() {
		return addr.String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(a.Port))
}

// Loopback reports whether the server listens on a loopback address only.
func (s *Server) Loopback() bool {
	a, ok := s.ln.Addr().(*net.TCPAddr)
	return ok && a.IP.IsLoopback()
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// URLs returns where the server serves what.
func (s *Server) URLs() URLs {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.copyURLs()
}

func (s *Server) copyURLs() URLs {
	u := s.urls
	u.Platforms = make(map[string]map[string]string, len(s.urls.Platforms))
	for name, parts := range s.urls.Platforms {
		u.Platforms[name] = maps.Clone(parts)
	}
	return u
}

// Seed is the seed of the current world.
func (s *Server) Seed() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seed
}

// Now is the current world's virtual time (the zero time when there is no
// world).
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.world == nil {
		return time.Time{}
	}
	return s.world.Now()
}

// serveHTTP sends the control API's paths to the control mux, the
// console's to the console, and every other path to the current world's
// platform endpoints. The control API refuses cross-origin browser
// requests (a web page posting to it), and on a loopback listener the
// control API and the console refuse a Host that is not a loopback name
// (a page of another site reaching them by DNS rebinding). The platforms'
// endpoints, which apps call, take every request.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == ControlPrefix || strings.HasPrefix(r.URL.Path, ControlPrefix+"/"):
		if !s.hostAllowed(r.Host) {
			writeError(w, http.StatusForbidden, "Host %q is not this machine: a server on a loopback address answers only for localhost and loopback addresses", r.Host)
			return
		}
		s.guarded.ServeHTTP(w, r)
	case console.Serves(r.URL.Path):
		if !s.hostAllowed(r.Host) {
			http.Error(w, "omnisim: Host "+strconv.Quote(r.Host)+" is not this machine", http.StatusForbidden)
			return
		}
		console.Handler.ServeHTTP(w, r)
	default:
		s.worlds.Load().ServeHTTP(w, r)
	}
}

// hostAllowed reports whether a request's Host may reach the control API
// and the console: any host unless the server listens on a loopback
// address, and then localhost or a loopback address, with or without a
// port.
func (s *Server) hostAllowed(host string) bool {
	if !s.Loopback() {
		return true
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// platform finds a platform of the table by name.
func (s *Server) platform(name string) *sim.Platform {
	for _, p := range s.platforms {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

func (s *Server) platformNames() []string {
	names := make([]string, len(s.platforms))
	for i, p := range s.platforms {
		names[i] = p.Name()
	}
	return names
}

// unknownPlatform is the error for a platform name not in the table.
func (s *Server) unknownPlatform(name string) error {
	return fmt.Errorf("unknown platform %q (known: %s)", name, strings.Join(s.platformNames(), ", "))
}

// open builds a world with seed and makes it the current one, mounting its
// platforms' endpoints on a new mux. s.mu is held.
func (s *Server) open(seed uint64) error {
	sc, err := s.scenario()
	if err != nil {
		return err
	}
	// The platforms mount their parts while the world is built, before
	// their fakes exist: every part but the webhook endpoint (which the
	// handshake calls during the build) answers 503 until the world is
	// open, and for good when it fails to open.
	mux := http.NewServeMux()
	ready := new(atomic.Bool)
	s.worlds.Store(mux)
	urls := URLs{Base: s.base, Control: s.base + ControlPrefix, Platforms: map[string]map[string]string{}}
	opt := sim.Options{
		Platforms: s.platforms,
		Network:   sim.Serve,
		Seed:      &seed,
		Client:    s.client,
		Webhooks:  s.cfg.Webhooks,
		Mount: func(platform, part string, h http.Handler) (string, error) {
			if part != "webhook" {
				h = whenReady(ready, h)
			}
			u := s.base + sim.MountPrefix(mux, platform, part, h)
			if urls.Platforms[platform] == nil {
				urls.Platforms[platform] = map[string]string{}
			}
			urls.Platforms[platform][part] = u
			return u, nil
		},
	}
	w, err := sim.NewWorld(s.ctx, sc, opt)
	if err != nil {
		s.world, s.worldErr, s.inbox = nil, err, nil
		s.bell.ring()
		return err
	}
	ready.Store(true)
	s.world, s.worldErr, s.seed, s.urls = w, nil, seed, urls
	s.seen, s.events, s.rung = 0, nil, 0
	s.inbox = s.newInbox(w)
	s.syncInbox(w)
	s.bell.ring()
	s.clock = virtualClock{speed: s.cfg.Speed, stopped: s.cfg.Stopped, virtual: w.Now(), wall: time.Now()}
	return nil
}

// whenReady serves h once ready is set, and before that answers 503 with
// a Retry-After: the world h belongs to is being built, or failed to open.
func whenReady(ready *atomic.Bool, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ready.Load() {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "omnisim: no world is open: a reset is under way, or the last one failed (GET /_omnisim/health tells)", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// builtin is the world served without a scenario file; Start adds every
// platform's channel.
const builtin = `name = "omnisim serve"

[[agents]]
id = "ana"
capacity = 5

[[agents]]
id = "ben"
capacity = 5
`

// scenario returns the scenario a new world is built from: a copy of the
// configured one without anything to play, with every platform's channel
// open.
func (s *Server) scenario() (*scenario.Scenario, error) {
	var sc scenario.Scenario
	if s.cfg.Scenario != nil {
		sc = *s.cfg.Scenario
	} else {
		parsed, err := s.format.Parse("builtin.toml", []byte(builtin))
		if err != nil {
			return nil, fmt.Errorf("the built-in world: %w", err) // a bug
		}
		sc = *parsed
		sc.Start = time.Now().UTC().Truncate(time.Second)
	}
	sc.Steps, sc.Expect, sc.Traffic, sc.Duration = nil, nil, nil, 0
	sc.Channels = maps.Clone(sc.Channels)
	if sc.Channels == nil {
		sc.Channels = map[string]*scenario.Channel{}
	}
	for _, p := range s.platforms {
		if sc.Channels[p.Name()] != nil {
			continue
		}
		ch := &scenario.Channel{}
		if p.Spec.Settings != nil {
			ch.Settings = p.Spec.Settings()
		}
		sc.Channels[p.Name()] = ch
	}
	return &sc, nil
}

// virtualClock maps wall time to virtual time: virtual + speed × (now −
// wall), or virtual when stopped.
type virtualClock struct {
	speed   float64
	stopped bool
	virtual time.Time // the virtual time at wall
	wall    time.Time
}

// lastTime is the latest virtual time the clock runs to: the last
// millisecond before scenario.EndTime, past which the world's clock, in
// nanoseconds since 1970, would wrap.
var lastTime = scenario.EndTime.Add(-time.Millisecond)

// at is the virtual time at wall time now, to the millisecond, and at most
// lastTime: a running clock stops there.
func (c *virtualClock) at(now time.Time) time.Time {
	if c.stopped {
		return c.virtual
	}
	// The way left to lastTime, compared as a float before it is a
	// Duration, so that a huge speed cannot overflow. (From before 1970
	// the way is more than a Duration holds, and Sub gives the largest
	// one: a d below it is still short of lastTime.)
	d := c.speed * float64(now.Sub(c.wall))
	if d >= float64(lastTime.Sub(c.virtual)) {
		return lastTime
	}
	return c.virtual.Add(time.Duration(d)).Truncate(time.Millisecond)
}

// set makes virtual time t at wall time now.
func (c *virtualClock) set(t, now time.Time) { c.virtual, c.wall = t, now }

// tick plays the world up to the current virtual time, every Tick, until
// the server stops.
func (s *Server) tick() {
	defer close(s.tickDone)
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	for {
		select {
		case <-s.stopTick:
			return
		case <-t.C:
			s.mu.Lock()
			s.advance()
			s.mu.Unlock()
		}
	}
}

// advance plays the world up to the virtual time now; with the clock
// stopped it only flushes what the platforms have due (the status webhooks
// of sends made straight to a fake's API). s.mu is held.
func (s *Server) advance() {
	w := s.world
	if w == nil || s.ctx.Err() != nil {
		return
	}
	defer s.syncInbox(w)
	if target := s.clock.at(time.Now()); target.After(w.Now()) {
		w.RunUntil(target) //nolint:errcheck // only fails when the server stops
		return
	}
	for _, p := range s.platforms {
		if b, ok := w.Binding(p.Name()); ok {
			b.Flush(s.ctx) //nolint:errcheck // retried on the platform's schedule
		}
	}
}

// jump plays the world up to t, firing every deadline on the way, and
// makes t the virtual time now. s.mu is held.
func (s *Server) jump(t time.Time) error {
	if err := s.world.RunUntil(t); err != nil {
		return err
	}
	s.clock.set(s.world.Now(), time.Now())
	return nil
}

// reset replaces the world by a new one with seed. s.mu is held.
func (s *Server) reset(seed uint64) error {
	if s.world != nil {
		s.world.Close()
		s.world = nil
	}
	return s.open(seed)
}

// Shutdown stops the server gracefully: it stops the clock and accepting
// connections, waits for the requests in flight to finish (until ctx ends),
// then closes the world. It returns ctx's error if requests were still
// running when ctx ended; they are then cut off as by Close.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopClock()
	err := s.http.Shutdown(ctx)
	if err != nil {
		s.http.Close()
	}
	s.closeWorld()
	return err
}

// Close stops the server at once: the clock, the listener, every
// connection and the world.
func (s *Server) Close() error {
	s.stopClock()
	err := s.http.Close()
	s.closeWorld()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// stopClock tells the ticker to stop. It does not wait for it: the ticker
// may be waiting for s.mu, held by a request that ends only when the
// worlds' context does.
func (s *Server) stopClock() {
	s.stopOnce.Do(func() { close(s.stopTick) })
}

// closeWorld ends the worlds' context (cutting off the webhooks being
// posted), waits for the ticker to stop and closes the world.
func (s *Server) closeWorld() {
	s.cancel()
	if s.ticking {
		<-s.tickDone
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.world != nil {
		s.world.Close()
		s.world = nil
	}
	if !s.closed {
		s.closed = true
		s.worldErr = errors.New("the server is stopping")
		s.transport.CloseIdleConnections()
	}
}
