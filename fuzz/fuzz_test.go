package fuzz

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

// secondAssignment is a test-only invariant that real runs break all the
// time: no agent is assigned a second conversation. Its violations come with
// an expectation (the agent has one assignment at the end), so that the
// shrunk file fails under 'omnisim run'.
var secondAssignment = Invariant{
	Name: "one-each",
	Doc:  "no agent is assigned a second conversation (a test-only invariant)",
	Check: func(tr *Trace) *Violation {
		n := map[string]int{}
		for _, ev := range tr.Events {
			if ev.Kind != router.EventAssigned {
				continue
			}
			if n[ev.Agent]++; n[ev.Agent] == 2 {
				return &Violation{At: ev.At, Message: ev.Agent + " was assigned a second conversation",
					Expect: []scenario.Expect{{Agent: ev.Agent, Assignments: ptr(1)}}}
			}
		}
		return nil
	},
}

// twoCustomers is a test-only invariant without an expectation: no two
// customers write.
var twoCustomers = Invariant{
	Name: "lonely",
	Doc:  "at most one customer writes (a test-only invariant)",
	Check: func(tr *Trace) *Violation {
		writers := 0
		for _, k := range tr.Keys {
			if len(tr.Customers[k].Inbound) > 0 {
				writers++
			}
		}
		if writers > 1 {
			return &Violation{Message: "two customers wrote"}
		}
		return nil
	},
}

// TestViolationIsShrunkAndReplays covers the violation path: a session
// with a test-only invariant stops at its first violation, shrinks it and
// writes a scenario file that 'omnisim run' (sim.Run) fails on and that
// Replay shows.
func TestViolationIsShrunkAndReplays(t *testing.T) {
	dir := t.TempDir()
	sum, err := Fuzz(context.Background(), Options{Seed: 1, Runs: 50, Invariants: []Invariant{secondAssignment}, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	f := sum.Failure
	if f == nil || sum.Violations != 1 {
		t.Fatalf("no violation in %d cases", sum.Cases)
	}
	if f.Found.Invariant != "one-each" || f.Violation == nil || f.Replay != "run" {
		t.Fatalf("failure %+v", f)
	}
	if len(f.Shrunk.Agents) != 1 || len(f.Shrunk.Agents) > len(f.Original.Agents) || len(f.Shrunk.Steps)+len(f.Shrunk.Traffic) > 3 {
		t.Errorf("shrunk to %s, from %s", describe(f.Shrunk), describe(f.Original))
	}
	if want := filepath.Join(dir, FileName("one-each", f.Seed)); f.File != want {
		t.Fatalf("file %s, want %s", f.File, want)
	}
	src, err := os.ReadFile(f.File)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`# omnisim fuzz found a violation of the invariant "one-each":`, "# Found by:   omnisim fuzz -seed ",
		"# Replay:     omnisim run " + f.File, "was assigned a second conversation", "[[expect]]"} {
		if !bytes.Contains(src, []byte(want)) {
			t.Errorf("the file lacks %q:\n%s", want, src)
		}
	}
	// The file replays: it parses, sim.Run fails on its expectation, and
	// the invariant still fails on it.
	sc, err := platforms.Format.Parse(f.File, src)
	if err != nil {
		t.Fatal(err)
	}
	res := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All})
	if res.Passed {
		t.Fatalf("sim.Run passes the shrunk file:\n%s", src)
	}
	failed := false
	for _, c := range res.Expectations {
		failed = failed || !c.Passed && c.Field == "assignments"
	}
	if !failed {
		t.Errorf("no failed assignments expectation: %+v", res.Expectations)
	}
	vs, _, err := Replay(context.Background(), sc, []Invariant{secondAssignment})
	if err != nil || len(vs) != 1 {
		t.Fatalf("Replay: %v, %v", vs, err)
	}
	// Found by the same seed again: the command in the header is true.
	if c := NewCase(f.Seed); c.Validate() != nil || secondAssignment.Check(mustCheck(t, c.Scenario)) == nil {
		t.Errorf("seed %d does not generate the failing case again", f.Seed)
	}
}

func mustCheck(t *testing.T, sc *scenario.Scenario) *Trace {
	t.Helper()
	_, tr, err := Check(context.Background(), sc, []Invariant{})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestViolationWithoutExpectationReplays: a violation no expectation
// captures is written without one and replays under Replay only.
func TestViolationWithoutExpectationReplays(t *testing.T) {
	dir := t.TempDir()
	sum, err := Fuzz(context.Background(), Options{Seed: 1, Runs: 50, Invariants: []Invariant{twoCustomers}, Dir: dir, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	f := sum.Failure
	if f == nil || f.Replay != "replay" {
		t.Fatalf("failure %+v", f)
	}
	src, _ := os.ReadFile(f.File)
	if !strings.Contains(string(src), "# Replay:     omnisim fuzz -replay "+f.File) || strings.Contains(string(src), "[[expect]]") {
		t.Errorf("file:\n%s", src)
	}
	sc, err := platforms.Format.Parse(f.File, src)
	if err != nil {
		t.Fatal(err)
	}
	if !sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All}).Passed {
		t.Error("sim.Run fails a file without expectations")
	}
	if vs, _, _ := Replay(context.Background(), sc, []Invariant{twoCustomers}); len(vs) != 1 {
		t.Errorf("Replay: %v", vs)
	}
	// Shrunk to the two customers who wrote, and nothing else.
	if n := len(f.Shrunk.Customers) + len(f.Shrunk.Traffic); n > 2 || len(f.Shrunk.Agents) > 0 {
		t.Errorf("shrunk to %s", describe(f.Shrunk))
	}
}

// TestSessionIsDeterministic: a session bounded by runs reports the same
// cases and failure with one worker or several.
func TestSessionIsDeterministic(t *testing.T) {
	run := func(workers int) Summary {
		sum, err := Fuzz(context.Background(), Options{Seed: 7, Runs: 30, Invariants: []Invariant{twoCustomers}, Dir: t.TempDir(), Workers: workers, ShrinkRuns: 1})
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	a, b := run(1), run(3)
	if a.Failure == nil || b.Failure == nil || a.Failure.Seed != b.Failure.Seed || a.Cases != b.Cases || a.Invalid != b.Invalid {
		t.Fatalf("one worker: %d cases, failure %v; three: %d cases, failure %v", a.Cases, a.Failure, b.Cases, b.Failure)
	}
}

// TestSessionBounds: Runs counts the generated cases; a cancelled context
// stops the session at once and is not a violation.
func TestSessionBounds(t *testing.T) {
	sum, err := Fuzz(context.Background(), Options{Seed: 100, Runs: 12})
	if err != nil || sum.Cases+sum.Invalid != 12 || sum.Failure != nil || sum.Interrupted {
		t.Fatalf("%+v, %v", sum, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sum, err = Fuzz(ctx, Options{Seed: 1, Time: time.Minute})
	if err != nil || sum.Cases != 0 || !sum.Interrupted || sum.Failure != nil {
		t.Fatalf("cancelled: %+v, %v", sum, err)
	}
	var calls int
	sum, _ = Fuzz(context.Background(), Options{Seed: 1, Runs: 5, Progress: func(Stats) { calls++ }})
	if calls != sum.Cases {
		t.Errorf("progress called %d times for %d cases", calls, sum.Cases)
	}
}

// TestSameSeedSameReport: the determinism invariant runs a case twice and
// finds the same bytes.
func TestSameSeedSameReport(t *testing.T) {
	checked := 0
	for seed := uint64(1); checked < 5; seed++ {
		c := NewCase(seed)
		if c.Validate() != nil {
			continue
		}
		checked++
		vs, tr, err := Check(context.Background(), c.Scenario, []Invariant{mustLookup(t, Deterministic)})
		if err != nil || len(vs) > 0 {
			t.Fatalf("seed %d: %v %v", seed, vs, err)
		}
		if len(tr.Report) == 0 || !bytes.Equal(tr.Report, tr.Again) {
			t.Fatalf("seed %d: reports of %d and %d bytes", seed, len(tr.Report), len(tr.Again))
		}
	}
}

func mustLookup(t *testing.T, name string) Invariant {
	t.Helper()
	inv, ok := Lookup(name)
	if !ok {
		t.Fatalf("no invariant %s", name)
	}
	return inv
}

// TestBadDirIsRefusedFirst: a Dir that cannot take the shrunk file is
// refused before any case is played (a violation found there would be
// shrunk and then lost) with a DirError carrying CheckDir's error, which
// a caller tells from Write's; the errors of Write carry no "fuzz:" prefix
// of their own (the command adds its name).
func TestBadDirIsRefusedFirst(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{file, filepath.Join(file, "sub")} {
		sum, err := Fuzz(context.Background(), Options{Seed: 1, Runs: 50, Invariants: []Invariant{secondAssignment}, Dir: dir})
		if err == nil || sum.Cases != 0 || sum.Failure != nil {
			t.Errorf("Dir %s: %d cases, failure %v, error %v; want an error before any case", dir, sum.Cases, sum.Failure != nil, err)
		}
		var de *DirError
		cerr := CheckDir(dir)
		if cerr == nil || !strings.Contains(cerr.Error(), "not a directory") {
			t.Errorf("CheckDir(%s) = %v, want not a directory", dir, cerr)
		} else if !errors.As(err, &de) || de.Dir != dir || err.Error() != cerr.Error() {
			t.Errorf("Dir %s: error %#v, want a DirError saying %q", dir, err, cerr)
		}
		err = Write(context.Background(), dir, &Failure{Seed: 1}, secondAssignment)
		if err == nil || strings.HasPrefix(err.Error(), "fuzz:") || errors.As(err, &de) {
			t.Errorf("Write to %s = %v, want an error without a fuzz: prefix, no DirError", dir, err)
		}
	}
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := CheckDir(dir); err != nil {
		t.Fatal(err)
	}
	if es, err := os.ReadDir(dir); err != nil || len(es) != 0 {
		t.Errorf("CheckDir left %v in %s (%v), want an empty directory", es, dir, err)
	}
}
