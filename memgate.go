package main

import (
	"context"
	"sync"

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

// acquire waits until run i, estimated at need bytes, is admitted: every
// run before it has been, and need fits beside the runs in play. It
// returns the run's release, or ok false when ctx ended first (nothing
// to release). Runs call acquire with the indices 0, 1, 2, ... each once.
func (g *memoryGate) acquire(ctx context.Context, i int, need int64) (release func(), ok bool) {
	if g.budget <= 0 {
		return func() {}, true
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
			return nil, false
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
	}, true
}
