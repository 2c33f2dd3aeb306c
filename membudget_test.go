package main

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestMemoryGate: runs are admitted in order, never more at once than
// the budget holds (one above it alone), and all at once with no budget.
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
			var order []int
			var wg sync.WaitGroup
			next := make(chan int, len(tt.needs))
			for i := range tt.needs {
				next <- i
			}
			close(next)
			for range 3 {
				wg.Go(func() {
					for i := range next {
						release, ok := g.acquire(context.Background(), i, tt.needs[i])
						if !ok {
							t.Errorf("run %d not admitted", i)
							continue
						}
						n := tt.needs[i]
						if tt.budget > 0 {
							n = min(n, tt.budget)
						}
						mu.Lock()
						order = append(order, i)
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
			for k, i := range order {
				if k != i {
					t.Fatalf("admitted in order %v", order)
				}
			}
		})
	}
}

// TestMemoryGateStops: a run waiting to be admitted stops waiting when its
// context ends, and so do the runs after it.
func TestMemoryGateStops(t *testing.T) {
	g := newMemoryGate(100)
	release, ok := g.acquire(context.Background(), 0, 100)
	if !ok {
		t.Fatal("the first run was not admitted")
	}
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool, 2)
	for i := 1; i <= 2; i++ {
		go func() {
			_, ok := g.acquire(ctx, i, 10)
			done <- ok
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
		case ok := <-done:
			if ok {
				t.Error("a run was admitted after its context ended")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a waiting run did not stop when its context ended")
		}
	}
}
