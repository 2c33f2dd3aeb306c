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

// watchMemory stops a run whose memory passes budget bytes (0: no limit),
// as -timeout stops one that runs too long: what check estimates before a
// run may miss what the run keeps (customers who wait for ever, a fake's
// long memory of them, a fault plan that holds webhooks back); serve
// watches its world, which keeps what its clients make until a reset, the
// same way. It sets the runtime's soft memory limit to the budget, unless
// GOMEMLIMIT does, so that the collector works harder as memory nears it,
// and cancels the
// returned context with errOverMemory once the memory the runtime holds
// (mapped and not given back) is over the budget at two looks in a row.
// stop ends the watch and gives back the limit it found, so watches must
// not overlap: a process watches one run, or one sequence of runs, at a
// time.
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
		over := 0
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			metrics.Read(sample)
			held := int64(sample[0].Value.Uint64() - sample[1].Value.Uint64())
			if held <= budget {
				over = 0
			} else if over++; over == 2 {
				cancel(errOverMemory)
				return
			}
		}
	}()
	return ctx, func() {
		close(done)
		cancel(nil)
		debug.SetMemoryLimit(limit)
	}
}

// overMemory says that a run stopped when its memory passed budget.
func overMemory(budget int64) string {
	return "stopped: its memory passed " + scenario.Size(budget).String() + " (-max-memory)"
}
