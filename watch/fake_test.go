package watch

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// fakeClock is a Clock that moves only when advanced.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	clk     *fakeClock
	c       chan time.Time
	at      time.Time
	stopped bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{clk: c, c: make(chan time.Time, 1), at: c.now.Add(d)}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	t.clk.timers = slices.DeleteFunc(t.clk.timers, func(x *fakeTimer) bool { return x == t })
	return was
}

// Advance moves the clock forward by d, firing the timers that come due in
// order; after each, it waits (in a synctest bubble) until every goroutine
// has done what the timer made it do, so that timers set in reaction fire
// too when they fall within d.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		synctest.Wait()
		c.mu.Lock()
		var next *fakeTimer
		for _, t := range c.timers {
			if !t.at.After(end) && (next == nil || t.at.Before(next.at)) {
				next = t
			}
		}
		if next == nil {
			c.now = end
			c.mu.Unlock()
			synctest.Wait()
			return
		}
		if next.at.After(c.now) {
			c.now = next.at
		}
		next.stopped = true
		c.timers = slices.DeleteFunc(c.timers, func(x *fakeTimer) bool { return x == next })
		next.c <- c.now
		c.mu.Unlock()
	}
}

// fakeSource is a Source that delivers the events a test sends.
type fakeSource struct {
	mu      sync.Mutex
	watched map[string]bool
	removed []string
	addErr  func(dir string) error
	events  chan Event
	errs    chan error
	closed  bool
}

func newFakeSource() *fakeSource {
	return &fakeSource{watched: map[string]bool{}, events: make(chan Event), errs: make(chan error)}
}

func (s *fakeSource) Add(dir string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.addErr != nil {
		if err := s.addErr(dir); err != nil {
			return err
		}
	}
	s.watched[dir] = true
	return nil
}

func (s *fakeSource) Remove(dir string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removed = append(s.removed, dir)
	if !s.watched[dir] {
		return fmt.Errorf("%s is not watched", dir)
	}
	delete(s.watched, dir)
	return nil
}

func (s *fakeSource) Events() <-chan Event { return s.events }
func (s *fakeSource) Errors() <-chan error { return s.errs }
func (s *fakeSource) Kind() string         { return "fake" }

func (s *fakeSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

func (s *fakeSource) isWatched(dir string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.watched[dir]
}

// harness runs a Watcher on a temporary directory with a fake source and
// clock, inside a synctest bubble.
type harness struct {
	t      *testing.T
	dir    string
	src    *fakeSource
	clk    *fakeClock
	out    bytes.Buffer
	log    bytes.Buffer
	cancel context.CancelFunc
	done   chan error

	mu   sync.Mutex
	sums []Summary
	ran  []string // files the fake runner played, in order
	// block, when set, makes the runner wait until its context is done.
	block bool
	// blockLoad, when set, makes the loader wait until its context is
	// done (a parse Ctrl-C must cut short).
	blockLoad bool
	loaded    []string // files the loader read, in order
}

// options adjust a harness's Options before the watcher starts.
type option func(h *harness, o *Options)

// newHarness writes files (relative path → content) into a new directory,
// and starts a watcher on it (or on the roots an option sets). It must run
// inside synctest.Test.
func newHarness(t *testing.T, files map[string]string, opts ...option) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), src: newFakeSource(), clk: newFakeClock(), done: make(chan error, 1)}
	for name, content := range files {
		h.write(name, content)
	}
	o := Options{
		Paths:    []string{h.dir},
		Debounce: DefaultDebounce,
		Source:   h.src,
		Clock:    h.clk,
		Out:      &h.out,
		Logf: func(format string, args ...any) {
			fmt.Fprintf(&h.log, format+"\n", args...)
		},
		Run:  h.run,
		Load: h.load,
		OnRun: func(s Summary) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.sums = append(h.sums, s)
		},
	}
	for _, opt := range opts {
		opt(h, &o)
	}
	w, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		synctest.Wait()
	})
	synctest.Wait()
	return h
}

// load reads a scenario as testLoad does, or blocks with blockLoad.
func (h *harness) load(ctx context.Context, file string) (*scenario.Scenario, error) {
	h.mu.Lock()
	h.loaded = append(h.loaded, h.rel(file))
	block := h.blockLoad
	h.mu.Unlock()
	if block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return testLoad(ctx, file)
}

// testLoad reads and parses a scenario file, without the command line's
// guards.
func testLoad(_ context.Context, file string) (*scenario.Scenario, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return platforms.Format.Parse(file, src)
}

// run is the fake scenario runner: a scenario passes unless its name says
// "fail".
func (h *harness) run(ctx context.Context, sc *scenario.Scenario) result.Result {
	h.mu.Lock()
	h.ran = append(h.ran, h.rel(sc.File))
	block := h.block
	h.mu.Unlock()
	if block {
		<-ctx.Done()
	}
	res := result.Result{Name: sc.Name, File: sc.File, Passed: !strings.Contains(sc.Name, "fail")}
	if !res.Passed {
		res.Expectations = []result.Check{{Line: 7, Subject: "customer bo", Field: "received", Expected: "1", Actual: "0"}}
	}
	return res
}

func (h *harness) path(rel string) string { return filepath.Join(h.dir, filepath.FromSlash(rel)) }

func (h *harness) rel(p string) string {
	r, err := filepath.Rel(h.dir, p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(r)
}

func (h *harness) write(rel, content string) {
	h.t.Helper()
	p := h.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// send delivers events, waiting until the watcher has taken each.
func (h *harness) send(op Op, rels ...string) {
	for _, rel := range rels {
		h.src.events <- Event{Name: h.path(rel), Op: op}
		synctest.Wait()
	}
}

// summaries returns the runs since the last call.
func (h *harness) summaries() []Summary {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.sums
	h.sums = nil
	return s
}

// settle lets the debounce run out and returns the runs it caused.
func (h *harness) settle() []Summary {
	h.clk.Advance(10 * DefaultDebounce)
	return h.summaries()
}

func (h *harness) rels(paths []string) []string {
	var out []string
	for _, p := range paths {
		out = append(out, h.rel(p))
	}
	return out
}

// scenarioText is a valid scenario named name.
func scenarioText(name string) string { return fmt.Sprintf("name = %q\n", name) }
