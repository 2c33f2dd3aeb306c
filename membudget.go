package main

import (
	"context"
	"errors"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim/scenario"
)

// memoryGate admits runs one after another, in their order, while the
// memory they are estimated to keep (scenario.Format.Demand) sums to at
// most a budget: run -p N and -compare play several scenarios at once,
// and together they keep within -max-memory as each does alone. A run
// estimated above the budget is admitted alone. The zero budget admits
// every run at once.
type memoryGate struct {
	mu     sync.Mutex
	cond   sync.Cond
	budget int64
	used   int64
	next   int // the index of the run admitted next
}

// newMemoryGate returns a gate of budget bytes (0: no limit).
func newMemoryGate(budget int64) *memoryGate {
	g := &memoryGate{budget: budget}
	g.cond.L = &g.mu
	return g
}

// memoryNeed is what a gate counts for a run of sc.
func memoryNeed(sc *scenario.Scenario) int64 {
	return int64(min(platforms.Format.Demand(sc).Memory, float64(1<<62)))
}

// acquire waits until run i, estimated at need bytes, is admitted (every
// run before it has been, and need fits beside the runs in play) or ctx
// ends, and returns the run's release, which does nothing when ctx ended
// first. Runs call acquire with the indices 0, 1, 2, ... each once.
func (g *memoryGate) acquire(ctx context.Context, i int, need int64) (release func()) {
	if g.budget <= 0 {
		return func() {}
	}
	need = min(need, g.budget)
	stop := context.AfterFunc(ctx, func() {
		g.mu.Lock()
		g.cond.Broadcast()
		g.mu.Unlock()
	})
	defer stop()
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.next != i || g.used+need > g.budget {
		if ctx.Err() != nil {
			if g.next == i {
				g.next++
				g.cond.Broadcast()
			}
			return func() {}
		}
		g.cond.Wait()
	}
	g.next++
	g.used += need
	g.cond.Broadcast()
	return func() {
		g.mu.Lock()
		g.used -= need
		g.cond.Broadcast()
		g.mu.Unlock()
	}
}

// errOverMemory is the cause of a run's context when its memory passes
// -max-memory (watchMemory).
var errOverMemory = errors.New("over the memory budget")

// memoryLook is how often watchMemory looks at the memory the runtime
// holds.
const memoryLook = 50 * time.Millisecond

// maxForceGap is the longest watchMemory waits between two collections it
// forces while the process stays over the budget: a full collection of a
// large heap costs, and a process whose garbage keeps it over the budget
// would otherwise have one at each look.
const maxForceGap = 5 * time.Second

// watchMemory stops a run whose memory passes budget bytes (0: no limit),
// as -timeout stops one that runs too long: what check estimates before a
// run may miss what the run keeps (customers who wait for ever, a fake's
// long memory of them, a fault plan that holds webhooks back); serve
// watches its world, which keeps what its clients make until a reset, the
// same way. It sets the runtime's soft memory limit to the budget, unless
// GOMEMLIMIT does, so that the collector works harder as memory nears it,
// looks at the memory every memoryLook (memoryWatch), and cancels the
// returned context with errOverMemory once the process holds more than
// the budget in use. stop ends the watch and gives back the limit it
// found, so watches must not overlap: a process watches one run, or one
// sequence of runs, at a time.
func watchMemory(ctx context.Context, budget int64) (_ context.Context, stop func()) {
	if budget <= 0 {
		return ctx, func() {}
	}
	limit := debug.SetMemoryLimit(-1)
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(budget)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(memoryLook)
		defer t.Stop()
		sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
		w := memoryWatch{
			budget: budget,
			held: func() int64 {
				metrics.Read(sample)
				return int64(sample[0].Value.Uint64() - sample[1].Value.Uint64())
			},
			collect: debug.FreeOSMemory,
		}
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case now := <-t.C:
				if w.look(now) {
					cancel(errOverMemory)
					return
				}
			}
		}
	}()
	return ctx, func() {
		close(done)
		cancel(nil)
		debug.SetMemoryLimit(limit)
	}
}

// memoryWatch decides, look after look, when a process holds more memory
// than its budget in use. The memory the runtime holds (mapped and not
// given back) counts garbage not yet collected and memory freed and not
// yet returned, such as a large upload to serve's world, gone with a
// reset: a look that finds more than the budget has the runtime collect
// and give back what is free, and counts what it then still holds; two
// such looks in a row, with nothing under the budget between them, stop
// the process. While it stays over the budget the watch forces
// collections less and less often (twice as far apart each time, up to
// maxForceGap), and a look between two of them counts nothing: a process
// whose garbage keeps it over is collected less and less often, never
// stopped for garbage.
type memoryWatch struct {
	budget  int64
	held    func() int64 // the memory the runtime holds
	collect func()       // collect, and give back what is free
	over    int          // looks in a row over the budget
	// forced is the last forced collection, and gap how long after it the
	// next may be: 0 again once the process is under the budget of
	// itself.
	forced time.Time
	gap    time.Duration
}

// look looks at the memory at now and reports whether the process is to
// stop.
func (w *memoryWatch) look(now time.Time) bool {
	if w.held() <= w.budget {
		w.gap, w.over = 0, 0
		return false
	}
	if now.Sub(w.forced) < w.gap {
		return false // counted only after a collection
	}
	w.collect()
	w.forced, w.gap = now, min(max(2*w.gap, 2*memoryLook), maxForceGap)
	if w.held() <= w.budget {
		w.over = 0
		return false
	}
	w.over++
	return w.over == 2
}

// overMemory says that a run stopped when its memory passed budget.
func overMemory(budget int64) string {
	return "stopped: its memory passed " + scenario.Size(budget).String() + " (-max-memory)"
}
