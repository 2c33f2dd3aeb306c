package fuzz

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/scenarios"
	"github.com/omnisim/omnisim/sim/scenario"
)

// libraryScenarios loads every scenario of the built-in library (not the
// long-running load scenarios).
func libraryScenarios(t *testing.T) map[string]*scenario.Scenario {
	t.Helper()
	names, err := fs.Glob(scenarios.Library, "*.toml")
	if err != nil || len(names) == 0 {
		t.Fatalf("the library: %v, %d files", err, len(names))
	}
	out := map[string]*scenario.Scenario{}
	for _, name := range names {
		sc, err := platforms.Format.Load(scenarios.Library, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = sc
	}
	return out
}

// TestLibraryReplays: every scenario of the library replays under
// 'omnisim fuzz -replay' with no violation, whatever it uses (working
// hours, stores, workstreams, overflow after a wait, auto-replies, drift it
// declares, LINE's captions sent apart, a week of traffic that outgrows
// the event log and the journals); what the invariants do not judge is
// said, and said only where the scenario has it. With -short the
// week-long Erlang scenarios are left out.
func TestLibraryReplays(t *testing.T) {
	for name, sc := range libraryScenarios(t) {
		long := strings.HasPrefix(name, "erlang-")
		t.Run(strings.TrimSuffix(name, ".toml"), func(t *testing.T) {
			if long && testing.Short() {
				t.Skip("a week of traffic: not with -short")
			}
			t.Parallel()
			vs, unjudged, err := Replay(context.Background(), sc, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				t.Errorf("%v", v)
			}
			for _, u := range unjudged {
				t.Log(u)
				switch {
				case long:
					// The log kept its newest events: the desk's state
					// where it starts is unknown.
				case !u.Part:
					t.Errorf("not judged at all: %v", u)
				case !libraryUnmodelled(sc, u.Reason):
					t.Errorf("judged in part for no feature the scenario has: %v", u)
				}
			}
			if long && len(unjudged) == 0 {
				t.Error("a week of traffic judged whole: does the log keep every event now? Then this test should say so")
			}
		})
	}
}

// libraryUnmodelled reports whether reason names a feature the scenario
// uses that the invariants do not model.
func libraryUnmodelled(sc *scenario.Scenario, reason string) bool {
	switch {
	case strings.Contains(reason, "bot"):
		return sc.Bot != nil
	case strings.Contains(reason, "transfer"), strings.Contains(reason, "taken by hand"):
		for _, st := range sc.Steps {
			if st.Transfer != nil || st.Take {
				return true
			}
		}
	case strings.Contains(reason, "reassignment"):
		return sc.Tenant.ReassignAfter > 0
	case strings.Contains(reason, "unassigned inbox"):
		for _, ch := range sc.Channels {
			if ch.Router != nil && ch.Router.ManualAssignment != nil || ch.Rules.ManualAssignment != nil {
				return true
			}
		}
	case strings.Contains(reason, "workstream"):
		return len(sc.Workstreams) > 0
	}
	return false
}

// TestCasesAroundTheLibrary: a case generated around any scenario of the
// library is valid (the tenant, groups, agents, channels and the
// schedules its agents name are the user's, and valid), so that
// 'omnisim fuzz -rules FILE' checks cases around every shipped file.
func TestCasesAroundTheLibrary(t *testing.T) {
	for name, base := range libraryScenarios(t) {
		for seed := uint64(1); seed <= 20; seed++ {
			c := NewCaseAround(base, seed)
			if err := c.Validate(); err != nil {
				t.Errorf("%s, seed %d: %v", name, seed, firstLine(err.Error()))
				break
			}
			for _, a := range c.Scenario.Agents {
				if _, ok := c.Scenario.Schedules[a.Schedule]; a.Schedule != "" && !ok {
					t.Errorf("%s, seed %d: agent %s's schedule %q is not kept", name, seed, a.ID, a.Schedule)
				}
			}
		}
		// A shrunk case is written as a file: it reads back valid.
		src, err := platforms.Format.Encode(NewCaseAround(base, 1).Scenario)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := platforms.Format.Parse(name, src); err != nil {
			t.Errorf("%s: the case read back: %v", name, firstLine(err.Error()))
		}
	}
}
