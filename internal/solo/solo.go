// Package solo is a mutex that its owner switches off when one goroutine
// at a time uses what it guards, each use ordered with the others: the
// engine, adapters and fakes of a world on the memory or the direct
// network, which the goroutine playing the world drives. An uncontended
// sync.Mutex still costs two atomic instructions a critical section, and
// each waits for the stores before it to drain; a world calls several
// such sections for every message.
package solo

import "sync"

// Mutex is a sync.Mutex that [Mutex.Solo] switches off. The zero Mutex is
// an unlocked mutex that locks.
type Mutex struct {
	mu  sync.Mutex
	off bool
}

// Solo switches m off for good: Lock and Unlock then do nothing. Call it
// before m is shared, and only when every use of what m guards is ordered
// by its caller (one goroutine at a time, or goroutines that hand over to
// one another through their own synchronization). Under the race detector
// a broken promise shows as a data race on what m would have guarded.
func (m *Mutex) Solo() { m.off = true }

// Lock locks m, unless it is switched off.
func (m *Mutex) Lock() {
	if !m.off {
		m.mu.Lock()
	}
}

// Unlock unlocks m, unless it is switched off.
func (m *Mutex) Unlock() {
	if !m.off {
		m.mu.Unlock()
	}
}
