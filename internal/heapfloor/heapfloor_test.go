package heapfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		name        string
		floor, live uint64
		roots       uint64
		base, want  int
	}{
		{"before the first cycle: the minimum heap is the floor", 64 * mib, 0, 0, 100, 1600},
		{"small live heap: the goal is the floor", 64 * mib, 16 * mib, 0, 100, 300},
		{"stacks and globals count in the goal's base", 64 * mib, 16 * mib, 8 * mib, 100, 200},
		{"live and roots under 4 MiB: the minimum heap is the floor", 64 * mib, 1 * mib, 1 * mib, 100, 1600},
		{"a live heap of a few bytes: the minimum heap is the floor", 64 * mib, 1, 0, 100, 1600},
		{"live heap half the floor: the usual GOGC reaches it", 64 * mib, 32 * mib, 0, 100, 100},
		{"live heap past the floor", 64 * mib, 100 * mib, 1 * mib, 100, 100},
		{"a higher usual GOGC is kept", 64 * mib, 16 * mib, 0, 400, 400},
		{"floor below the minimum heap", 1 * mib, 0, 0, 100, 100},
	} {
		if got := percent(c.floor, c.live, c.roots, c.base); got != c.want {
			t.Errorf("%s: percent(%d, %d, %d, %d) = %d, want %d", c.name, c.floor, c.live, c.roots, c.base, got, c.want)
		}
	}
}

// gcPercent is the GOGC in force.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// cleanEnv runs the test with GOGC=100 in force and neither GOGC nor
// GOMEMLIMIT in the environment, and puts the process's GOGC back after.
func cleanEnv(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	old := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(old) })
}

// until runs cycles until cond holds, at most a few hundred; the keeper
// adjusts on the finalizer goroutine, a moment after each cycle.
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		runtime.GC()
		time.Sleep(time.Millisecond)
		if cond() {
			return
		}
	}
	t.Fatalf("%s: GOGC is %d", what, gcPercent())
}

// heapGoal is the runtime's heap goal.
func heapGoal() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sink keeps a live heap for TestKeepFollowsTheLiveHeap.
var sink [][]byte

// TestKeepFollowsTheLiveHeap: GOGC rises while the live heap is under the
// floor, falls back to the usual value once the live heap reaches it by
// itself, rises again when it shrinks (so the keeper runs after every
// cycle, not once), and is given back by stop.
func TestKeepFollowsTheLiveHeap(t *testing.T) {
	cleanEnv(t)
	const floor = 16 << 20
	stop := Keep(floor)
	defer stop()
	until(t, "small live heap", func() bool { return gcPercent() > 100 })
	// The runtime's goal is the floor, not more: its minimum heap grows
	// with GOGC too.
	runtime.GC()
	time.Sleep(time.Millisecond)
	if g := heapGoal(); g < floor*9/10 || g > floor*11/10 {
		t.Errorf("heap goal %d bytes with a live heap under the floor, want about %d", g, floor)
	}

	for i := 0; i < 32; i++ {
		b := make([]byte, 1<<20)
		b[0] = 1
		sink = append(sink, b)
	}
	until(t, "live heap past the floor", func() bool { return gcPercent() == 100 })

	sink = nil
	until(t, "live heap small again", func() bool { return gcPercent() > 100 })

	stop()
	if got := gcPercent(); got != 100 {
		t.Errorf("after stop, GOGC = %d, want 100", got)
	}
	runtime.GC()
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	if got := gcPercent(); got != 100 {
		t.Errorf("a cycle after stop set GOGC to %d", got)
	}
	stop() // a second call changes nothing
	if got := gcPercent(); got != 100 {
		t.Errorf("after a second stop, GOGC = %d, want 100", got)
	}
}

// TestKeepLeavesTheUsersChoice: GOGC or GOMEMLIMIT in the environment,
// the collector off, or a floor of 0 turn Keep off.
func TestKeepLeavesTheUsersChoice(t *testing.T) {
	for _, c := range []struct {
		name, env, value string
		percent          int
		floor            uint64
	}{
		{"GOGC set", "GOGC", "100", 100, Default},
		{"GOMEMLIMIT set", "GOMEMLIMIT", "1GiB", 100, Default},
		{"collector off", "", "", -1, Default},
		{"floor 0", "", "", 100, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			cleanEnv(t)
			if c.env != "" {
				t.Setenv(c.env, c.value)
			}
			debug.SetGCPercent(c.percent)
			stop := Keep(c.floor)
			runtime.GC()
			if got := gcPercent(); got != c.percent {
				t.Errorf("GOGC = %d, want %d", got, c.percent)
			}
			stop()
			if got := gcPercent(); got != c.percent {
				t.Errorf("after stop, GOGC = %d, want %d", got, c.percent)
			}
		})
	}
}
