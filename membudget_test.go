package main

import (
	"context"
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
