package sim_test

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/omnisim/omnisim/internal/blockpool/pooltest"
	"github.com/omnisim/omnisim/internal/heapfloor"
	"github.com/omnisim/omnisim/internal/race"
	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/scenarios"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// allocated plays sc and returns its JSON report and the bytes allocated
// while it played.
func allocated(t *testing.T, sc *scenario.Scenario, opt sim.Options) ([]byte, uint64) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res := sim.Run(context.Background(), sc, opt)
	runtime.ReadMemStats(&after)
	if res.Error != "" {
		t.Fatal(res.Error)
	}
	return jsonReport(t, res), after.TotalAlloc - before.TotalAlloc
}

// TestRunReusesReleasedMemory: a second play of a scenario takes what the
// first gave back rather than allocating it again, and gives the same
// report, on both networks; so does a play on memory that worlds of every
// platform gave back (the whole library, two worlds at a time).
func TestRunReusesReleasedMemory(t *testing.T) {
	defer heapfloor.Keep(heapfloor.Default)()
	sc, err := platforms.Format.Load(scenarios.Library, "erlang-c.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []sim.Network{sim.Direct, sim.Memory} {
		t.Run(string(n), func(t *testing.T) {
			opt := sim.Options{Platforms: platforms.All, Network: n}
			pooltest.Drain()
			fresh, freshBytes := allocated(t, sc, opt)
			again, againBytes := allocated(t, sc, opt)
			if !bytes.Equal(fresh, again) {
				t.Fatal("the second play's report differs from the first's")
			}
			// Without reuse each play allocates the same (17.5 MB on the
			// direct network); with it the second well under three
			// quarters of that (about 7% direct, 47% memory).
			if !race.Enabled && againBytes > freshBytes*3/4 {
				t.Errorf("the second play allocated %d bytes, the first %d: the first's memory was not reused", againBytes, freshBytes)
			}
			t.Logf("%s: %d bytes fresh, %d again", n, freshBytes, againBytes)
			if n != sim.Direct {
				return
			}
			playLibrary(t, n)
			if after, _ := allocated(t, sc, opt); !bytes.Equal(fresh, after) {
				t.Fatal("a play after the library's differs from the first")
			}
		})
	}
}

// playLibrary plays every scenario of the library on network n, two at a
// time, so that the pools hold what worlds of every platform gave back.
func playLibrary(t *testing.T, n sim.Network) {
	t.Helper()
	names := libraryNames(t)
	var wg sync.WaitGroup
	work := make(chan string)
	for range 2 {
		wg.Go(func() {
			for name := range work {
				sc, err := platforms.Format.Load(scenarios.Library, name)
				if err != nil {
					t.Error(err)
					continue
				}
				sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: n})
			}
		})
	}
	for _, name := range names {
		work <- name
	}
	close(work)
	wg.Wait()
}

// TestResultsOutliveTheirWorlds: no string of a run's result lies in
// memory its world gave back (the fakes' pooled wamids among it): each
// library scenario's result (but the month-long load's), with its trace,
// encodes to the same JSON after every later world of the library took
// and wrote over what the earlier ones gave back.
func TestResultsOutliveTheirWorlds(t *testing.T) {
	pooltest.Drain()
	type kept struct {
		res  result.Result
		json []byte
	}
	var runs []kept
	for _, name := range libraryNames(t) {
		if strings.HasPrefix(name, "load/") {
			continue // a month of traffic: a trace of millions of lines
		}
		sc, err := platforms.Format.Load(scenarios.Library, name)
		if err != nil {
			t.Fatal(err)
		}
		res := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: sim.Direct, Trace: true})
		runs = append(runs, kept{res, jsonReport(t, res)})
	}
	for _, r := range runs {
		if again := jsonReport(t, r.res); !bytes.Equal(again, r.json) {
			t.Fatalf("%s: the result changed after later worlds reused its world's memory", r.res.File)
		}
	}
}
