package solo

import (
	"sync"
	"testing"
)

// TestMutex: a Mutex locks as a sync.Mutex does (concurrent increments
// under it are all counted; run with -race), and one switched off locks
// nothing (Lock twice in a row does not block).
func TestMutex(t *testing.T) {
	var m Mutex
	n := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				m.Lock()
				n++
				m.Unlock()
			}
		}()
	}
	wg.Wait()
	if n != 8000 {
		t.Errorf("n = %d after 8,000 locked increments", n)
	}
	if m.mu.TryLock() {
		m.mu.Unlock()
	} else {
		t.Error("the mutex is left locked")
	}

	var off Mutex
	off.Solo()
	off.Lock()
	off.Lock() // would deadlock if it locked
	n++
	off.Unlock()
	off.Unlock()
	if !off.mu.TryLock() {
		t.Error("a switched-off mutex locked its sync.Mutex")
	}
}
