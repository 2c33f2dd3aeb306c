// Package heapfloor keeps the garbage collector's heap goal from falling
// below a floor.
//
// The collector starts a cycle when the heap has grown by GOGC percent of
// what the last cycle found live. A run whose live heap is a few megabytes
// therefore collects every few megabytes it allocates, and a short
// scenario pays more collector time per conversation than a long one whose
// heap is larger. Keep raises GOGC while the live heap is small, so that the
// next cycle starts only when the heap reaches the floor, and gives back the
// usual GOGC once the live heap is large enough to reach the floor by
// itself. It changes when the collector runs, never what the program
// computes.
//
// Keep does nothing when the environment sets GOGC or GOMEMLIMIT: the
// user's choice wins.
package heapfloor

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// Default is the floor the omnisim command keeps: 32 MiB of heap before the
// collector's next cycle.
const Default = 32 << 20

// startHeap is the heap goal the runtime uses before its first cycle at
// GOGC=100 (the runtime's minimum heap).
const startHeap = 4 << 20

// The metrics adjust reads: the heap the last cycle found live, and the
// goroutine stacks and globals it scanned. The runtime's heap goal is
// live + (live + stacks + globals) × GOGC/100.
var metricNames = [...]string{"/gc/heap/live:bytes", "/gc/scan/stack:bytes", "/gc/scan/globals:bytes"}

// Keep keeps the collector's heap goal at least floor bytes until the
// returned function is called; that function gives back the GOGC that was
// in force before, and may be called more than once. Keep does nothing
// (and its function nothing) when floor is 0, when the environment sets
// GOGC or GOMEMLIMIT, or when the collector is off.
func Keep(floor uint64) (stop func()) {
	if floor == 0 || os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	base := debug.SetGCPercent(100)
	debug.SetGCPercent(base)
	if base <= 0 {
		return func() {}
	}
	k := &keeper{floor: floor, base: base, sample: make([]metrics.Sample, len(metricNames))}
	for i, name := range metricNames {
		k.sample[i].Name = name
	}
	k.adjust()
	arm(k)
	return k.stop
}

// keeper is one Keep's state. Its adjust runs after every cycle, on the
// runtime's finalizer goroutine.
type keeper struct {
	mu      sync.Mutex
	floor   uint64
	base    int // the GOGC to give back
	stopped bool
	sample  []metrics.Sample
}

// percent is the GOGC that makes a heap goal of floor bytes when live
// bytes are live and roots bytes of stacks and globals were scanned, and
// never less than base. The runtime's goal is the larger of live + (live +
// roots) × GOGC/100 and its minimum heap, 4 MiB × GOGC/100, so GOGC is
// never more than makes the minimum heap the floor: before the first cycle
// (live 0) and while live + roots is under 4 MiB, that minimum is the goal.
func percent(floor, live, roots uint64, base int) int {
	most := floor * 100 / startHeap
	p := most
	if live >= floor {
		p = 0
	} else if live > 0 {
		p = min((floor-live)*100/(live+roots), most)
	}
	if p < uint64(base) {
		return base
	}
	return int(p)
}

// adjust sets GOGC for the live heap the last cycle found, and reports
// whether Keep still holds (false once stopped, when it sets nothing).
func (k *keeper) adjust() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stopped {
		return false
	}
	metrics.Read(k.sample)
	var v [len(metricNames)]uint64
	for i, s := range k.sample {
		if s.Value.Kind() == metrics.KindUint64 {
			v[i] = s.Value.Uint64()
		}
	}
	debug.SetGCPercent(percent(k.floor, v[0], v[1]+v[2], k.base))
	return true
}

// stop gives back the GOGC in force before Keep; later cycles change
// nothing.
func (k *keeper) stop() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stopped {
		return
	}
	k.stopped = true
	debug.SetGCPercent(k.base)
}

// sentinel is garbage the collector finds in each cycle: its finalizer
// adjusts GOGC and sets itself again, so that it runs after the next
// cycle too. (It holds a pointer, so the tiny allocator, whose blocks may
// keep a finalized object alive, never places it.)
type sentinel struct{ k *keeper }

// arm makes a sentinel for k's next cycle.
func arm(k *keeper) {
	runtime.SetFinalizer(&sentinel{k: k}, fire)
}

// fire adjusts GOGC after a cycle and, unless Keep was stopped, waits for
// the next one.
func fire(s *sentinel) {
	if s.k.adjust() {
		runtime.SetFinalizer(s, fire)
	}
}
