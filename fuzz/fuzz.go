package fuzz

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

// Check plays a scenario through the World on the direct network and
// judges the run by invs (nil: every one of [Invariants]), returning the
// violations (at most one per invariant, in the order of invs) and the
// trace. On the direct network each fake's own rules judge every message
// and the router's adapters are called with values: the routing,
// deliveries, refusals and drift of the memory network, much faster; a
// channel whose fault plan acts on the wire plays on the memory network
// inside it (sim.ErrNeedsWire). When an invariant asks for it,
// the scenario is played a second time for [Trace.Again], always on the
// memory network (real HTTP bytes, signatures and webhooks between each
// fake and the router), so that the deterministic invariant also holds a
// direct run to the wire's. A run that panics or cannot complete is judged
// by the no-panic and run-error invariants only. The error is the
// context's, when it ended the run.
func Check(ctx context.Context, sc *scenario.Scenario, invs []Invariant) ([]*Violation, *Trace, error) {
	if invs == nil {
		invs = Invariants()
	}
	tr, err := play(ctx, sc, sim.Direct)
	if ctx.Err() != nil {
		return nil, tr, ctx.Err()
	}
	if err != nil && tr.Result.Error == "" {
		tr.Result.Error = err.Error()
	}
	broken := tr.Panic != "" || tr.Result.Error != ""
	twice := false
	for _, inv := range invs {
		twice = twice || inv.Twice
	}
	if twice && !broken {
		again, err := play(ctx, sc, sim.Memory)
		if ctx.Err() != nil {
			return nil, tr, ctx.Err()
		}
		tr.Again = again.Report
		if again.Panic != "" {
			tr.Again = []byte("panic: " + again.Panic)
		} else if err != nil {
			tr.Again = []byte("error: " + err.Error())
		}
	}
	var vs []*Violation
	for _, inv := range invs {
		if broken && inv.Name != NoPanic && inv.Name != RunError {
			continue
		}
		if inv.Limits != nil {
			if u := inv.Limits(tr); u != nil {
				u.Invariant = inv.Name
				tr.Unjudged = append(tr.Unjudged, *u)
			}
		}
		if v := inv.Check(tr); v != nil {
			if v.Invariant == "" {
				v.Invariant = inv.Name
			}
			vs = append(vs, v)
		}
	}
	return vs, tr, nil
}

// Options configure a fuzzing session.
type Options struct {
	// Seed is the first case's seed; case i has seed Seed+i.
	Seed uint64
	// Runs bounds the number of cases generated (0: no bound); Time bounds
	// the session's wall time (0: no bound). With neither, the session runs
	// until its context ends.
	Runs int
	Time time.Duration
	// Rules, when set, is a user's scenario to fuzz around: its tenant,
	// groups, agents and channels are kept (see [NewCaseAround]). RulesFile
	// is its path, for the command line that reproduces a case.
	Rules     *scenario.Scenario
	RulesFile string
	// Invariants are the properties checked; nil checks every one of
	// [Invariants].
	Invariants []Invariant
	// Sample makes every Sample-th case (the first included) also checked
	// for determinism, by a second run: invariants with Twice set are
	// checked on those cases only. 0 means 10; a negative Sample never.
	Sample int
	// Dir is where the shrunk scenario of a violation is written; "" is the
	// current directory.
	Dir string
	// ShrinkRuns bounds the runs spent shrinking (0 means 2000), and
	// ShrinkTime their wall time (0 means one minute).
	ShrinkRuns int
	ShrinkTime time.Duration
	// Workers is how many cases are played at once; 0 means GOMAXPROCS.
	Workers int
	// Progress, when set, is called after every case.
	Progress func(Stats)
	// Log, when set, gets one line per case.
	Log io.Writer
}

// Stats count a session's progress.
type Stats struct {
	Cases      int // cases played
	Invalid    int // generated cases that failed validation, skipped
	Violations int
	Elapsed    time.Duration
}

// Rate is the cases played per second of wall time.
func (s Stats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Cases) / s.Elapsed.Seconds()
}

// Summary is what a session did.
type Summary struct {
	Stats
	// Interrupted is set when the context ended the session.
	Interrupted bool
	// FirstInvalid is why the first invalid case was skipped, and
	// InvalidSeed its seed; nil when every case was valid. A session whose
	// every case was invalid checked nothing ([Summary.NoneValid]).
	FirstInvalid error
	InvalidSeed  uint64
	// Failure is the first violation found, shrunk and written; nil when
	// every case held.
	Failure *Failure
}

// NoneValid reports whether the session generated cases and none of them
// was valid: it checked nothing. Around a user's scenario that is the
// scenario's doing ([Summary.FirstInvalid] says why).
func (s Summary) NoneValid() bool { return s.Cases == 0 && s.Invalid > 0 }

// Failure is a violation found by a session.
type Failure struct {
	// Seed is the seed of the case that failed; Original the scenario it
	// generated and Found the violation there.
	Seed     uint64
	Original *scenario.Scenario
	Found    *Violation
	// Shrunk is the reduced scenario, Violation its violation, and
	// ShrinkRuns the runs the shrinking took.
	Shrunk     *scenario.Scenario
	Violation  *Violation
	ShrinkRuns int
	// Command is the omnisim command line that generates the case again.
	Command string
	// File is where the shrunk scenario was written, and Replay how it
	// replays: "run" when 'omnisim run FILE' fails on it, "replay" when
	// only 'omnisim fuzz -replay FILE' shows it.
	File   string
	Replay string
}

// Fuzz runs a session: it generates cases from the seed on, plays and
// checks them (on Options.Workers goroutines, judged in seed order, so that
// a session bounded by Runs reports the same thing however the work is
// spread), and stops at the first violation, which it shrinks and writes to
// Options.Dir, or when Runs, Time or the context end it. The error is a
// [*DirError] for an Options.Dir that cannot be written to ([CheckDir]),
// found before any case is played, or one for a shrunk scenario that
// could not be written.
func Fuzz(ctx context.Context, opt Options) (Summary, error) {
	if err := CheckDir(opt.Dir); err != nil {
		return Summary{}, &DirError{Dir: opt.Dir, Err: err}
	}
	invs := opt.Invariants
	if invs == nil {
		invs = Invariants()
	}
	var once []Invariant // the invariants of a case that is not sampled
	for _, inv := range invs {
		if !inv.Twice {
			once = append(once, inv)
		}
	}
	sample := opt.Sample
	if sample == 0 {
		sample = 10
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	start := time.Now()
	work, stop := context.WithCancel(ctx)
	defer stop()

	// Workers take case numbers in order and send back what they found.
	type outcome struct {
		i       int
		seed    uint64
		sc      *scenario.Scenario
		invalid error
		vs      []*Violation
		tr      *Trace
		err     error
	}
	var mu sync.Mutex
	next := 0
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if work.Err() != nil || opt.Runs > 0 && next >= opt.Runs || opt.Time > 0 && time.Since(start) >= opt.Time {
			return 0, false
		}
		next++
		return next - 1, true
	}
	out := make(chan outcome)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i, ok := take()
				if !ok {
					return
				}
				o := outcome{i: i, seed: opt.Seed + uint64(i)}
				c := newCase(opt.Rules, o.seed)
				o.sc = c.Scenario
				if o.invalid = c.Validate(); o.invalid == nil {
					use := once
					if sample > 0 && i%sample == 0 {
						use = invs
					}
					o.vs, o.tr, o.err = Check(work, c.Scenario, use)
				}
				select {
				case out <- o:
				case <-work.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()

	var sum Summary
	var failed *outcome
	pending := map[int]outcome{}
	want := 0
	done := false
	for o := range out {
		if done {
			continue
		}
		pending[o.i] = o
		for {
			o, ok := pending[want]
			if !ok {
				break
			}
			delete(pending, want)
			want++
			if o.err != nil {
				done = true // the context ended the run: it proves nothing
				stop()
				break
			}
			if o.invalid != nil {
				if sum.Invalid == 0 {
					sum.FirstInvalid, sum.InvalidSeed = o.invalid, o.seed
				}
				sum.Invalid++
				if opt.Log != nil {
					fmt.Fprintf(opt.Log, "case %d: invalid, skipped: %v\n", o.seed, firstLine(o.invalid.Error()))
				}
				continue
			}
			sum.Cases++
			sum.Elapsed = time.Since(start)
			if opt.Log != nil {
				verdict := "ok"
				if len(o.vs) > 0 {
					verdict = "VIOLATION " + firstLine(o.vs[0].Error())
				}
				fmt.Fprintf(opt.Log, "case %d: %d events, %d customers: %s\n", o.seed, len(o.tr.Events), len(o.tr.Keys), verdict)
			}
			if len(o.vs) > 0 {
				sum.Violations++
				failed = &o
			}
			if opt.Progress != nil {
				opt.Progress(sum.Stats)
			}
			if failed != nil {
				done = true
				stop()
				break
			}
		}
	}
	sum.Elapsed = time.Since(start)
	sum.Interrupted = ctx.Err() != nil
	if failed == nil {
		return sum, nil
	}
	f, err := opt.fail(ctx, failed.seed, failed.sc, failed.vs[0], invs)
	sum.Failure = f
	sum.Elapsed = time.Since(start)
	sum.Interrupted = ctx.Err() != nil
	return sum, err
}

// newCase generates the case of a seed, around rules when set.
func newCase(rules *scenario.Scenario, seed uint64) *Case {
	if rules != nil {
		return NewCaseAround(rules, seed)
	}
	return NewCase(seed)
}

// Command is the omnisim command line that generates the case of a seed
// again, around the rules file when there is one.
func Command(seed uint64, rulesFile string) string {
	cmd := fmt.Sprintf("omnisim fuzz -seed %d -runs 1", seed)
	if rulesFile != "" {
		cmd += " -rules " + rulesFile
	}
	return cmd
}

// fail shrinks a violation and writes the shrunk scenario.
func (opt Options) fail(ctx context.Context, seed uint64, sc *scenario.Scenario, v *Violation, invs []Invariant) (*Failure, error) {
	f := &Failure{Seed: seed, Original: sc, Found: v, Command: Command(seed, opt.RulesFile)}
	inv, ok := find(invs, v.Invariant)
	if !ok {
		return f, fmt.Errorf("violation of unknown invariant %q", v.Invariant)
	}
	budget := opt.ShrinkRuns
	if budget == 0 {
		budget = 2000
	}
	limit := opt.ShrinkTime
	if limit == 0 {
		limit = time.Minute
	}
	f.Shrunk, f.ShrinkRuns = Shrink(ctx, sc, Fails(ctx, inv), budget, time.Now().Add(limit))
	// The shrunk scenario's own violation, for the file; if shrinking was
	// cut short by the context the original one stands.
	if vs, _, err := Check(context.WithoutCancel(ctx), f.Shrunk, []Invariant{inv}); err == nil && len(vs) > 0 {
		f.Violation = vs[0]
	} else {
		f.Shrunk, f.Violation = sc, v
	}
	err := Write(context.WithoutCancel(ctx), opt.Dir, f, inv)
	return f, err
}

// Fails is the predicate of shrinking: whether a scenario violates inv.
func Fails(ctx context.Context, inv Invariant) func(*scenario.Scenario) bool {
	return func(sc *scenario.Scenario) bool {
		vs, _, err := Check(ctx, sc, []Invariant{inv})
		return err == nil && len(vs) > 0
	}
}

func find(invs []Invariant, name string) (Invariant, bool) {
	for _, inv := range invs {
		if inv.Name == name {
			return inv, true
		}
	}
	return Invariant{}, false
}

// Replay plays a scenario (typically a shrunk file) and judges it by invs,
// nil for every invariant, the determinism check included. It returns the
// violations and what the invariants left unjudged ([Trace.Unjudged]):
// features of the scenario they do not model, and what a long run's
// logs no longer hold.
func Replay(ctx context.Context, sc *scenario.Scenario, invs []Invariant) ([]*Violation, []Unjudged, error) {
	vs, tr, err := Check(ctx, sc, invs)
	if err != nil {
		return nil, nil, err
	}
	return vs, tr.Unjudged, nil
}

var errNoViolation = errors.New("the shrunk scenario no longer shows the violation once written and read back")

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
