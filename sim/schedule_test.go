package sim_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
)

// A step that repeats millions of times holds one place in the queue: its
// next message is queued when the one before it is played. Scheduling it
// costs no memory to speak of, and a cancelled run stops at once.
func TestScheduleIsLazy(t *testing.T) {
	sc := parse(t, `
[[agents]]
id = "a"
[[customers]]
id = "c"
[[steps]]
customer = "c"
says = ["one", "two"]
repeat = 5000000
every = "1s"
`)
	ctx, cancel := context.WithCancel(context.Background())
	w, err := sim.NewWorld(ctx, sc, sim.Options{Platforms: platforms.All})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	began := time.Now()
	w.Schedule()
	runtime.ReadMemStats(&after)
	if grew := int64(after.TotalAlloc - before.TotalAlloc); grew > 1<<20 {
		t.Errorf("scheduling 10,000,000 messages allocated %d bytes; want them queued one at a time", grew)
	}
	if took := time.Since(began); took > time.Second {
		t.Errorf("scheduling took %v", took)
	}
	// Play a little, then cancel: the run stops with the context's error.
	if err := w.RunUntil(sc.Start.Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := w.RunUntil(time.Time{}); err != context.Canceled {
		t.Errorf("RunUntil after cancel = %v, want context.Canceled", err)
	}
}

// Lazy scheduling keeps the order of events at the same time: a step's
// messages come in file order, before a later step's at the same instant,
// and a repeat keeps its place against what other steps queued.
func TestScheduleKeepsOrder(t *testing.T) {
	sc := parse(t, `
[[agents]]
id = "a"
capacity = 2
[[customers]]
id = "c"
[[customers]]
id = "d"
[[steps]]
customer = "c"
says = ["c1", "c2"]
repeat = 2
every = "0s"
[[steps]]
customer = "d"
says = "d1"
[[steps]]
at = "1m"
customer = "d"
says = "d2"
[[steps]]
at = "1m"
customer = "c"
says = ["c3", "c4"]
every = "1m"
[[steps]]
at = "2m"
customer = "d"
says = "d3"
`)
	res := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Trace: true})
	var said []string
	for _, l := range res.Trace {
		if l.Kind == "inbound" {
			said = append(said, strings.Trim(l.Detail, `"`))
		}
	}
	if got, want := strings.Join(said, " "), "c1 c2 c1 c2 d1 d2 c3 c4 d3"; got != want {
		t.Errorf("inbound order %q, want %q", got, want)
	}
}

// Options.Progress is called as a run plays, with the virtual time it has
// reached and the events played so far; Options.TraceTo receives the trace
// instead of the result.
func TestProgressAndTraceTo(t *testing.T) {
	sc := parse(t, `
[[agents]]
id = "a"
[[customers]]
id = "c"
[[steps]]
customer = "c"
says = "hi"
repeat = 5000
every = "1s"
`)
	var calls, lastEvents int
	var lastNow time.Time
	var lines []result.Line
	res := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Trace: true,
		Progress: func(now time.Time, events int) {
			calls++
			if events <= lastEvents || now.Before(lastNow) {
				t.Errorf("progress went back: %v %d after %v %d", now, events, lastNow, lastEvents)
			}
			lastNow, lastEvents = now, events
		},
		TraceTo: func(l result.Line) { lines = append(lines, l) },
	})
	if calls < 4 {
		t.Errorf("Progress called %d times for 5,000 messages", calls)
	}
	if !lastNow.After(sc.Start) {
		t.Errorf("progress never moved past the start: %v", lastNow)
	}
	if len(res.Trace) != 0 || len(lines) < 5000 {
		t.Errorf("trace in the result %d, to TraceTo %d", len(res.Trace), len(lines))
	}
}
