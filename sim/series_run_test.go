package sim_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
)

func withSeries() sim.Options { return sim.Options{Platforms: platforms.All, Series: true} }

// TestSeriesOffByDefault: a run records no series unless asked, and asking
// changes nothing else of the result, so the JSON report is unchanged.
func TestSeriesOffByDefault(t *testing.T) {
	sc := parse(t, trafficScenario)
	plain := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All})
	if plain.Series != nil {
		t.Fatal("a run that did not ask has series")
	}
	rec := sim.Run(context.Background(), sc, withSeries())
	if rec.Series == nil {
		t.Fatal("a run that asked has no series")
	}
	rec.Series = nil
	if a, b := jsonReport(t, plain), jsonReport(t, rec); !bytes.Equal(a, b) {
		t.Error("recording series changed the report")
	}
	if bytes.Contains(jsonReport(t, plain), []byte(`"series"`)) {
		t.Error("the default JSON report has a series key")
	}
}

// TestSeriesAgreesWithTheRun checks a run's series against its totals,
// metrics and agents, and that the same run gives the same series.
func TestSeriesAgreesWithTheRun(t *testing.T) {
	sc := parse(t, trafficScenario)
	res := sim.Run(context.Background(), sc, withSeries())
	s := res.Series
	if s.Buckets < sim.SeriesBuckets/4 || s.Buckets > sim.SeriesBuckets {
		t.Errorf("%d buckets of %v", s.Buckets, s.Bucket)
	}
	if span := s.Bucket * time.Duration(s.Buckets); span < res.End.Sub(res.Start) || span-s.Bucket > res.End.Sub(res.Start) {
		t.Errorf("%d buckets of %v do not cover the run's %v", s.Buckets, s.Bucket, res.End.Sub(res.Start))
	}
	for _, v := range append([][]int{s.Waiting, s.Active}, seriesOf(s)...) {
		if len(v) != s.Buckets {
			t.Fatalf("a series has %d values, not %d", len(v), s.Buckets)
		}
	}
	// The waits: one per conversation, the longest in the last bin.
	total := 0
	for _, b := range s.Waits {
		total += b.Count
	}
	if total != res.Totals.Conversations {
		t.Errorf("waits count %d conversations, the run %d", total, res.Totals.Conversations)
	}
	last := s.Waits[len(s.Waits)-1]
	if longest := res.Metrics.WaitMax; last.Count == 0 || longest > last.High || longest <= last.Low && last.High != 0 {
		t.Errorf("longest wait %v is not in the last bin %+v", longest, last)
	}
	// Each agent's peak is the agent's.
	byID := map[string]result.Agent{}
	capacity := 0
	for _, a := range res.Agents {
		byID[a.ID] = a
		capacity += a.Capacity
	}
	if len(s.Agents) != len(res.Agents) {
		t.Fatalf("%d agent series for %d agents", len(s.Agents), len(res.Agents))
	}
	for _, a := range s.Agents {
		if got, want := peak(a.Active), byID[a.ID].PeakActive; got != want {
			t.Errorf("agent %s: series peak %d, agent's peak %d", a.ID, got, want)
		}
	}
	if p := peak(s.Active); p > capacity || p == 0 {
		t.Errorf("active peak %d with capacity %d", p, capacity)
	}
	if s.Waiting[len(s.Waiting)-1] < res.Totals.Waiting {
		t.Errorf("last waiting %d below the %d waiting at the end", s.Waiting[len(s.Waiting)-1], res.Totals.Waiting)
	}
	if !reflect.DeepEqual(s, sim.Run(context.Background(), sc, withSeries()).Series) {
		t.Error("the same run gave different series")
	}
}

func seriesOf(s *result.Series) [][]int {
	var out [][]int
	for _, g := range s.Groups {
		out = append(out, g.Waiting)
	}
	for _, a := range s.Agents {
		out = append(out, a.Active)
	}
	return out
}

func peak(v []int) int {
	m := 0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

// TestSeriesMonthRun: a 30-day traffic run keeps a fixed number of
// buckets: exactly SeriesBuckets with a duration, between half that and
// that without.
func TestSeriesMonthRun(t *testing.T) {
	if testing.Short() {
		t.Skip("a month of traffic")
	}
	const month = `
name = "a quiet month"
seed = 5
start = "2026-03-01T00:00:00Z"
%s
[tenant]
idle_after = "1h"
[[agents]]
id = "a"
capacity = 2
[[agents]]
id = "b"
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 3/h"
for = "30d"
messages = "1..2"
handle = "exp 20m"
`
	for _, tt := range []struct {
		name     string
		duration string
		min, max int
	}{
		{"duration", `duration = "30d"`, sim.SeriesBuckets, sim.SeriesBuckets},
		{"open-ended", "", sim.SeriesBuckets / 2, sim.SeriesBuckets},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := sim.Run(context.Background(), parse(t, fmt.Sprintf(month, tt.duration)), withSeries())
			s := res.Series
			if res.Error != "" || res.Totals.Conversations < 1500 {
				t.Fatalf("run: %q, %d conversations", res.Error, res.Totals.Conversations)
			}
			if s.Buckets < tt.min || s.Buckets > tt.max || len(s.Active) != s.Buckets || len(s.Agents[0].Active) != s.Buckets {
				t.Errorf("%d buckets of %v (%d values)", s.Buckets, s.Bucket, len(s.Active))
			}
			if tt.duration != "" && s.Bucket != 3*time.Hour {
				t.Errorf("bucket %v, want 3h", s.Bucket)
			}
		})
	}
}
