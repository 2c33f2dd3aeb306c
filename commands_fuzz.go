package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/omnisim/omnisim/fuzz"
	"github.com/omnisim/omnisim/sim/scenario"
)

// fuzzDefaultTime bounds a fuzz session given neither -runs nor -time.
const fuzzDefaultTime = 30 * time.Second

type fuzzFlags struct {
	seed    string
	runs    int
	time    fuzzDuration
	rules   string
	out     string
	replay  string
	verbose bool
	// budget is the budget of a -rules or -replay file (see checkBudget).
	budget budget
}

// fuzzDuration is a duration flag that knows whether it was given.
type fuzzDuration struct {
	d   time.Duration
	set bool
}

func (o *fuzzDuration) String() string {
	if o == nil || !o.set {
		return fuzzDefaultTime.String()
	}
	return o.d.String()
}

func (o *fuzzDuration) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		// The scenario files' spelling ("2d", "1h 30m") too.
		if d, err = scenario.ParseDuration(s); err != nil {
			return fmt.Errorf("want a duration such as 30s, 5m or 1h")
		}
	}
	if d < 0 {
		return fmt.Errorf("want a duration of 0 or more")
	}
	o.d, o.set = d, true
	return nil
}

const fuzzUsage = "[-seed N] [-runs N] [-time D] [-rules FILE] [-o DIR] [-replay FILE] [-max-messages N] [-max-memory SIZE] [-v]"

var cmdFuzz = &command{
	name:  "fuzz",
	usage: fuzzUsage,
	short: "fuzz routing rules: generated scenarios checked against the routing contract",
	long: `Fuzz generates scenarios, plays each through the simulator (fake
platforms and the router talking HTTP in memory) and checks every run
against invariants of the routing contract:

  no-panic         nothing panics
  run-error        a valid scenario runs to its end
  eligible-agent   no assignment to an offline or saturated agent, one outside
                   its working hours, or outside the agent's groups
  group-priority   a conversation goes to the highest-priority group it
                   matches, and is assigned there or, by overflow, in the
                   default group; queues drain by priority, oldest first
  work-conserving  nobody waits while an eligible agent of its group has room
  strategy-order   the assigned agent comes first by the strategy's keys, or
                   is the next eligible member of the round-robin rotation
  longest-idle     nobody gets a second conversation while an eligible agent
                   of the group has had none
  inbound-once     every customer message is logged once, none is lost
  platform-rules   no device received a message outside its window or past
                   its reply limit (WhatsApp 24h; WeChat and Douyin 48h, 5 a
                   message; Business Messages 30 days; Messenger 7 days with
                   the HUMAN_AGENT tag; LINE none), counted from when the
                   platform made each customer message
  sent-delivered   the router never reports as sent what the platform refused
  timers           missed and idle chats close exactly when the tenant's
                   timers say, and none is left overdue
  no-drift         router and platform agree on every policy, unless the
                   scenario sets router-only rules or counts the drift in an
                   [[expect]]
  deterministic    the same seed gives the same JSON report (every 10th case
                   is run twice)

Case i of a session has seed N+i (N is -seed, random when not given) and is
generated again by 'omnisim fuzz -seed N+i -runs 1'. A session runs -runs
cases, or for -time (30s when neither is given), or until interrupted.

With -rules FILE the cases keep that scenario's tenant, groups, agents (with
the schedules they name) and channels, and vary its traffic, presence,
customers, script and time span.

At the first violation, fuzz shrinks the case by delta debugging (fewer
flows, customers, agents, groups and steps, a shorter span, simpler values,
re-running the invariant each time) and writes it to DIR (-o) as a scenario
file with the invariant, the seed and the command in a comment header.
DIR, with its parents, is created before the first case when it does not
exist (fuzz says so on standard error), so that one that cannot take the
file fails at once (exit status 2); it is left in place, empty, when the
session finds nothing. When
an expectation can capture the violation the file ends with it and
'omnisim run FILE' fails; every such file replays under
'omnisim fuzz -replay FILE', which checks one scenario file against every
invariant and says what each left unjudged: what it does not model (bots,
reassignment, transfers, the unassigned inbox, which workstream rule
matches), and what a long run's event log and journals no longer hold.

A session or a replay whose memory passes -max-memory is stopped, as run
stops a run.

The exit status is 0 when every case held (also when interrupted), 1 on a
violation, when memory stopped it or when no case was valid, and 2 for bad
usage, a bad -rules or -replay file, or a -rules file around which no case
was valid.`,
	flags: func(fs *flag.FlagSet) any {
		f := &fuzzFlags{}
		fs.StringVar(&f.seed, "seed", "", "the first case's `N` (default: random, printed)")
		fs.IntVar(&f.runs, "runs", 0, "stop after `N` cases (0: no bound)")
		fs.Var(&f.time, "time", "stop after `D` of wall time (0: no bound; 30s when -runs is not given)")
		fs.StringVar(&f.rules, "rules", "", "fuzz around the scenario in `FILE`: keep its tenant, groups, agents and channels")
		fs.StringVar(&f.out, "o", ".", "write the shrunk scenario of a violation to `DIR` (created before the first case if need be)")
		fs.StringVar(&f.replay, "replay", "", "check the scenario in `FILE` (a shrunk file) against every invariant, and stop")
		f.budget.register(fs, "a -rules or -replay file")
		fs.BoolVar(&f.verbose, "v", false, "print one line per case")
		return f
	},
	run: runFuzz,
}

func runFuzz(ctx context.Context, e *env, opts any, args []string) int {
	f := opts.(*fuzzFlags)
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "omnisim fuzz: "+format+"\n", a...)
		fmt.Fprintf(e.stderr, "usage: omnisim fuzz %s\nRun 'omnisim fuzz -h' for details.\n", fuzzUsage)
		return exitUsage
	}
	if len(args) > 0 {
		return usageErr("unexpected argument %q", args[0])
	}
	if f.runs < 0 {
		return usageErr("bad -runs %d: want 0 or more", f.runs)
	}
	if err := f.budget.check(); err != nil {
		return usageErr("%v", err)
	}
	// The session, or the replay, is held to -max-memory as a run is.
	ctx, stopWatch := watchMemory(ctx, f.budget.memoryLimit())
	defer stopWatch()
	if f.replay != "" {
		if f.rules != "" || f.runs != 0 || f.time.set || f.seed != "" {
			return usageErr("-replay checks one file: it takes no -rules, -runs, -time or -seed")
		}
		return replayFuzz(ctx, e, f.replay, f.budget)
	}
	opt := fuzz.Options{Runs: f.runs, Time: f.time.d, Dir: f.out}
	if !f.time.set && f.runs == 0 {
		opt.Time = fuzzDefaultTime
	}
	if f.seed != "" {
		s, err := strconv.ParseUint(f.seed, 10, 64)
		if err != nil {
			return usageErr("bad -seed %q: want a whole number from 0 to %d", f.seed, uint64(1<<64-1))
		}
		opt.Seed = s
	} else {
		opt.Seed = uint64(time.Now().UnixNano()) % 1_000_000_000
	}
	if f.rules != "" {
		sc, ok := readFuzzScenario(ctx, e, f.rules, f.budget)
		if !ok {
			return exitUsage
		}
		opt.Rules, opt.RulesFile = sc, f.rules
	}

	term := fuzzTerminal(e.stderr)
	color := term && os.Getenv("NO_COLOR") == ""
	var last time.Time
	progress := func(s fuzz.Stats) {
		if now := time.Now(); now.Sub(last) >= 100*time.Millisecond {
			last = now
			fmt.Fprintf(e.stderr, "\r\033[Kfuzz: %s", fuzzStatsLine(s, color))
		}
	}
	if term && !f.verbose {
		opt.Progress = progress
	}
	if f.verbose {
		opt.Log = e.stdout
	}
	if f.verbose || term {
		fmt.Fprintf(e.stderr, "fuzz: seed %d\n", opt.Seed)
	}
	// -o DIR is made ready before the first case (Fuzz does it too), so
	// that a violation found and shrunk is not lost; a directory this makes
	// is left in place, and said so, whatever the session finds.
	_, statErr := os.Stat(f.out)
	if err := fuzz.CheckDir(f.out); err != nil {
		fmt.Fprintf(e.stderr, "omnisim fuzz: -o %s: %v\n", f.out, err)
		return exitUsage
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		fmt.Fprintf(e.stderr, "fuzz: created %s (-o), for the shrunk scenario of a violation\n", f.out)
	}
	sum, err := fuzz.Fuzz(ctx, opt)
	if opt.Progress != nil {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	// A violation is written to -o DIR after it is shrunk: Fuzz refuses a
	// DIR that cannot take it before the first case (CheckDir, above, has
	// found it writable, but it may have changed since).
	if de := (*fuzz.DirError)(nil); errors.As(err, &de) {
		fmt.Fprintf(e.stderr, "omnisim fuzz: -o %s: %v\n", f.out, de.Err)
		return exitUsage
	}
	if fl := sum.Failure; fl != nil {
		printFuzzFailure(e.stdout, fl)
	}
	line := "fuzz: " + fuzzStatsLine(sum.Stats, color && fuzzTerminal(e.stdout)) + fmt.Sprintf(" (seed %d)", opt.Seed)
	over := errors.Is(context.Cause(ctx), errOverMemory)
	switch {
	case over:
		line += ", " + overMemory(f.budget.memoryLimit())
	case sum.Interrupted:
		line += ", interrupted"
	}
	fmt.Fprintln(e.stdout, line)
	if err != nil {
		fmt.Fprintf(e.stderr, "omnisim fuzz: %v\n", err)
	}
	if sum.Failure != nil || over {
		return exitFailed
	}
	if sum.NoneValid() {
		// Nothing was checked: not a success. Around a rules file the
		// file is what makes every case invalid.
		around := ""
		if f.rules != "" {
			around = " around " + f.rules
		}
		fmt.Fprintf(e.stderr, "omnisim fuzz: no case generated%s was valid, nothing was checked; the first, case %d: %s\n",
			around, sum.InvalidSeed, fuzzOneLine(sum.FirstInvalid.Error()))
		if f.rules != "" {
			return exitUsage
		}
		return exitFailed
	}
	return exitOK
}

// fuzzStatsLine is the progress and summary line: cases, rate, violations.
func fuzzStatsLine(s fuzz.Stats, color bool) string {
	v := fuzzPlural(s.Violations, "violation", "violations")
	if color && s.Violations > 0 {
		v = "\033[31m" + v + "\033[0m"
	}
	line := fuzzPlural(s.Cases, "case", "cases")
	if s.Invalid > 0 {
		line += fmt.Sprintf(" (%d invalid, skipped)", s.Invalid)
	}
	return line + fmt.Sprintf(" in %s, %.1f cases/s, %s", s.Elapsed.Round(10*time.Millisecond), s.Rate(), v)
}

func fuzzPlural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// printFuzzFailure reports a violation and where its shrunk scenario is.
func printFuzzFailure(w io.Writer, fl *fuzz.Failure) {
	fmt.Fprintf(w, "VIOLATION %s\n", fuzzOneLine(fl.Found.Error()))
	fmt.Fprintf(w, "  seed      %d: %s\n", fl.Seed, fl.Command)
	if fl.Violation != nil && fl.Shrunk != nil {
		fmt.Fprintf(w, "  shrunk    in %d runs to %d agents, %d groups, %d customers, %d steps, %d flows, %s\n",
			fl.ShrinkRuns, len(fl.Shrunk.Agents), len(fl.Shrunk.Groups), len(fl.Shrunk.Customers), len(fl.Shrunk.Steps), len(fl.Shrunk.Traffic), fl.Shrunk.Duration)
		fmt.Fprintf(w, "  there     %s\n", fuzzOneLine(fl.Violation.Message))
	}
	if fl.File != "" {
		fmt.Fprintf(w, "  file      %s\n", fl.File)
		if fl.Replay == "run" {
			fmt.Fprintf(w, "  replay    omnisim run %s\n", fl.File)
		}
		fmt.Fprintf(w, "  replay    omnisim fuzz -replay %s\n", fl.File)
	}
}

func fuzzOneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// replayFuzz checks one scenario file against every invariant.
func replayFuzz(ctx context.Context, e *env, file string, b budget) int {
	sc, ok := readFuzzScenario(ctx, e, file, b)
	if !ok {
		return exitUsage
	}
	vs, unjudged, err := fuzz.Replay(ctx, sc, nil)
	if (err != nil || len(vs) > 0) && errors.Is(context.Cause(ctx), errOverMemory) {
		fmt.Fprintf(e.stderr, "omnisim fuzz: %s: %s\n", file, overMemory(b.memoryLimit()))
		return exitFailed
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "omnisim fuzz: %s: %v\n", file, err)
		return exitFailed
	}
	for _, v := range vs {
		fmt.Fprintf(e.stdout, "VIOLATION %s\n", v.Error())
	}
	// What the invariants did not judge: a feature of the scenario they
	// do not model, or what a long run's logs no longer hold.
	none, part := 0, 0
	for _, u := range unjudged {
		fmt.Fprintf(e.stdout, "%s\n", u)
		if u.Part {
			part++
		} else {
			none++
		}
	}
	if len(vs) > 0 {
		fmt.Fprintf(e.stdout, "%s: %s\n", file, fuzzPlural(len(vs), "invariant violated", "invariants violated"))
		return exitFailed
	}
	if len(unjudged) == 0 {
		fmt.Fprintf(e.stdout, "%s: every invariant held\n", file)
		return exitOK
	}
	var notes []string
	if none > 0 {
		notes = append(notes, fmt.Sprintf("%d not judged", none))
	}
	if part > 0 {
		notes = append(notes, fmt.Sprintf("%d judged in part", part))
	}
	fmt.Fprintf(e.stdout, "%s: every invariant held as far as judged (%s)\n", file, strings.Join(notes, ", "))
	return exitOK
}

// readFuzzScenario loads a -rules or -replay file as run loads its files
// (loadFile: the size limit, the budget b, a parse ctx cuts short),
// printing what is wrong; ok is false when it cannot be used.
func readFuzzScenario(ctx context.Context, e *env, file string, b budget) (sc *scenario.Scenario, ok bool) {
	sc, err := loadFile(ctx, file, b)
	if ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "omnisim fuzz: interrupted")
		return nil, false
	}
	if err != nil {
		if _, isScenario := errors.AsType[*scenario.Error](err); !isScenario {
			fmt.Fprintf(e.stderr, "omnisim fuzz: %v\n", err)
			return nil, false
		}
		fmt.Fprintln(e.stderr, strings.TrimRight(err.Error(), "\n"))
		fmt.Fprintf(e.stderr, "omnisim fuzz: %s has errors\n", file)
		return nil, false
	}
	return sc, true
}

// fuzzTerminal reports whether w is a terminal (a character device).
func fuzzTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
