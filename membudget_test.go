package main

import (
	"context"
	"errors"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// TestMemoryGate: runs are never more at once than the budget holds (one
// above it alone), and all at once with no budget.
func TestMemoryGate(t *testing.T) {
	tests := []struct {
		name    string
		budget  int64
		needs   []int64
		wantMax int64 // the most estimated memory in play at once
	}{
		{"all fit", 100, []int64{10, 20, 30, 40}, 100},
		{"two at a time", 100, []int64{50, 50, 50, 50, 50}, 100},
		{"one alone above the budget", 100, []int64{30, 500, 30}, 100},
		{"no budget", 0, []int64{1 << 40, 1 << 40, 1 << 40}, 3 << 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newMemoryGate(tt.budget)
			var mu sync.Mutex
			var used, most int64
			var wg sync.WaitGroup
			next := make(chan int, len(tt.needs))
			for i := range tt.needs {
				next <- i
			}
			close(next)
			for range 3 {
				wg.Go(func() {
					for i := range next {
						release := g.acquire(context.Background(), i, tt.needs[i])
						n := tt.needs[i]
						if tt.budget > 0 {
							n = min(n, tt.budget)
						}
						mu.Lock()
						used += n
						most = max(most, used)
						mu.Unlock()
						time.Sleep(5 * time.Millisecond)
						mu.Lock()
						used -= n
						mu.Unlock()
						release()
					}
				})
			}
			wg.Wait()
			if most > max(tt.budget, tt.wantMax) || tt.budget == 0 && most < tt.needs[0] {
				t.Errorf("at most %d in play, budget %d", most, tt.budget)
			}
		})
	}
}

// TestMemoryGateInOrder: runs are admitted in their order: the third run,
// which would fit beside the first, waits for the second, which does not.
func TestMemoryGateInOrder(t *testing.T) {
	g := newMemoryGate(100)
	release := g.acquire(context.Background(), 0, 60) // the first run plays
	admitted := make(chan int, 2)
	for i, need := range []int64{60, 10} {
		go func() {
			defer g.acquire(context.Background(), i+1, need)()
			admitted <- i + 1
		}()
	}
	select {
	case i := <-admitted:
		t.Fatalf("run %d was admitted while the first played", i)
	case <-time.After(30 * time.Millisecond):
	}
	release()
	for range 2 {
		select {
		case <-admitted:
		case <-time.After(5 * time.Second):
			t.Fatal("a run was not admitted once the first ended")
		}
	}
}

// TestMemoryGateStops: a run waiting to be admitted stops waiting when its
// context ends, and so do the runs after it, without being admitted: what
// the gate counts in play stays the first run's, and their releases change
// nothing.
func TestMemoryGateStops(t *testing.T) {
	g := newMemoryGate(100)
	release := g.acquire(context.Background(), 0, 100)
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool, 2)
	for i := 1; i <= 2; i++ {
		go func() {
			g.acquire(ctx, i, 10)() // released at once
			g.mu.Lock()
			defer g.mu.Unlock()
			done <- g.used != 100
		}()
	}
	select {
	case <-done:
		t.Fatal("a run was admitted beside a full one")
	case <-time.After(20 * time.Millisecond):
	}
	cancel()
	for range 2 {
		select {
		case admitted := <-done:
			if admitted {
				t.Error("a run was admitted, or its release counted, after its context ended")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a waiting run did not stop when its context ended")
		}
	}
}

// heldBytes is the memory the runtime holds, as watchMemory reads it.
func heldBytes() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64())
}

// memorySink keeps what TestWatchMemory allocates from being optimized
// away.
var memorySink []byte

// TestWatchMemory: memory freed and not yet given back does not stop a
// run, however much of it there is; memory in use over the budget does.
func TestWatchMemory(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" || os.Getenv("GOGC") != "" {
		t.Skip("the environment sets the collector's limits")
	}
	const chunk = 48 << 20
	debug.FreeOSMemory()
	budget := heldBytes() + chunk + chunk/2
	// Two chunks in use, past a collection, make the process hold more
	// than the budget; then they are dropped (as a large upload to serve's
	// world is at a reset), the watch starts, and nothing is allocated, so
	// that nothing has the collector run again, while it looks several
	// times.
	memorySink = make([]byte, 2*chunk)
	runtime.GC()
	memorySink = nil
	ctx, stop := watchMemory(context.Background(), budget)
	defer stop()
	select {
	case <-ctx.Done():
		t.Fatalf("stopped for memory no longer in use: %v", context.Cause(ctx))
	case <-time.After(6 * memoryLook):
	}
	// In use: two chunks, over the budget.
	live := [][]byte{make([]byte, chunk), make([]byte, chunk)}
	select {
	case <-ctx.Done():
		if !errors.Is(context.Cause(ctx), errOverMemory) {
			t.Errorf("stopped by %v", context.Cause(ctx))
		}
	case <-time.After(10 * time.Second):
		t.Error("not stopped with memory in use over the budget")
	}
	runtime.KeepAlive(live)
}

// TestMemoryWatchLook: garbage over the budget is collected and never
// stops a process, however fast it comes (collections are then forced
// less and less often); memory in use over the budget stops it at the
// second collection that finds it.
func TestMemoryWatchLook(t *testing.T) {
	type step struct{ inUse, garbage int64 } // garbage: made since the last look
	rep := func(n int, s ...step) []step {
		var out []step
		for range n {
			out = append(out, s...)
		}
		return out
	}
	tests := []struct {
		name     string
		steps    []step
		stop     int // the look (1, 2, ...) that stops; 0 for none
		collects int
	}{
		{"under the budget", rep(10, step{50, 0}), 0, 0},
		{"a spike of garbage", append([]step{{50, 80}}, rep(9, step{50, 0})...), 0, 1},
		{"a spike of garbage after each reset", rep(5, step{50, 80}, step{50, 0}), 0, 5},
		{"in use over the budget", rep(10, step{150, 0}), 3, 2},
		{"in use past the budget later", append(rep(3, step{50, 0}), rep(7, step{150, 0})...), 6, 2},
		{"over, then under of itself", rep(5, step{150, 0}, step{50, 0}), 0, 5},
		{"garbage faster than collections", rep(20, step{50, 80}), 0, 4},
		{"at the budget in use, with garbage", rep(20, step{99, 10}), 0, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var inUse, garbage int64
			collects := 0
			w := memoryWatch{
				budget:  100,
				held:    func() int64 { return inUse + garbage },
				collect: func() { garbage = 0; collects++ },
			}
			now := time.Unix(0, 0)
			stop := 0
			for i, s := range tc.steps {
				now = now.Add(memoryLook)
				inUse, garbage = s.inUse, garbage+s.garbage
				if w.look(now) {
					stop = i + 1
					break
				}
			}
			if stop != tc.stop || collects != tc.collects {
				t.Errorf("stopped at look %d after %d collections, want %d and %d", stop, collects, tc.stop, tc.collects)
			}
		})
	}
}
