package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/report"
	"github.com/omnisim/omnisim/scenarios"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
	"github.com/omnisim/omnisim/watch"
)

// flagsAnywhere names the commands whose flags may follow their
// arguments (see parseArgs); the others stop at the first argument, as the
// flag package does.
var flagsAnywhere = map[string]bool{"run": true, "check": true, "list": true, "init": true, "version": true}

// parseCommandLine parses a command's flags and returns its arguments.
func parseCommandLine(c *command, fs *flag.FlagSet, args []string) ([]string, error) {
	if flagsAnywhere[c.name] {
		return parseArgs(fs, args)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return fs.Args(), nil
}

// parseArgs parses a command's flags wherever they are among its
// arguments, as "omnisim run FILE -format json" means, and returns the
// other arguments in order. "--" ends the flags: everything after it is an
// argument, even when it starts with "-". A lone "-" is an argument.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			rest = append(rest, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		// A flag that takes a value takes the next argument as it.
		if f := fs.Lookup(name); f != nil && !isBoolFlag(f) && i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	if err := fs.Parse(flags); err != nil {
		return nil, err
	}
	return append(rest, fs.Args()...), nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

type runFlags struct {
	seed      string
	seeds     string
	format    string
	out       string
	junit     string
	json      string
	html      string
	markdown  string
	run       string
	transport string
	verbose   bool
	trace     string
	budget    budget
	timeout   time.Duration
	strict    bool
	parallel  int
	shard     string
	compare   givenString
}

// givenString is a string flag that knows whether it was given, so that
// -compare "" is refused rather than taken for no -compare.
type givenString struct {
	s   string
	set bool
}

func (g *givenString) String() string {
	if g == nil {
		return ""
	}
	return g.s
}

func (g *givenString) Set(s string) error {
	g.s, g.set = s, true
	return nil
}

const runUsage = "[-seed N | -seeds LIST] [-format text|json|junit|html|markdown] [-o FILE] [-junit FILE] [-json FILE] [-html FILE] [-markdown FILE] [-run REGEXP] [-shard I/N] [-p N] [-timeout D] [-max-messages N] [-max-memory SIZE] [-strict] [-transport memory|loopback|direct] [-v] [-trace WHAT] [-compare STRATEGY,...] [PATH...]"

var cmdRun = &command{
	name:  "run",
	usage: runUsage,
	short: "play scenarios and report whether their expectations held",
	long: `Run plays scenario files on a virtual clock and reports what happened.

Each PATH is a scenario file or a directory, searched recursively for *.toml
files. With no PATH, run plays the scenario library built into omnisim (see
'omnisim list'). Flags may come before or after the paths; "--" ends them.

Every file is loaded and checked before anything runs, as 'omnisim check'
does: a bad file, one larger than 4 MiB, or one asking for more messages than
-max-messages or more memory than -max-memory stops the run with exit status 2 and a file:line:col error for
each problem. Warnings (a step after the scenario's duration, a scenario
with no expectation) go to standard error; -strict makes them errors.

Results are printed as each scenario finishes, in input order: the text
report's block for each, or with -o one line each while the report goes to
the file. JSON, JUnit, HTML and Markdown reports are documents written when
the run ends; every output file is created before anything runs, so a bad
path fails at once, and one that is a scenario file being read is refused
(exit status 2) before it is touched. -junit, -json, -html and -markdown write more reports
besides the one -format and -o choose. A FILE of - is standard output: -o -
is the same as no -o; with -o FILE one of the others may be -, and the
lines -o prints then go to standard error. Two reports on standard output,
or two flags naming one file (by any name: a link, a hard link), are
refused (exit status 2). On a terminal a progress line on
standard error shows a long scenario's virtual time and speed (no colours
with NO_COLOR set).

Scenarios run in parallel, -p at a time (GOMAXPROCS by default), started
in order while their estimated memory together keeps within -max-memory;
results and reports are the same as a run one at a time. -shard I/N runs the I-th of
N shards: the scenarios (one per file and seed) sorted by file, every N-th
from the I-th, so that N CI machines split a suite. -seeds runs every
scenario once per seed (1..100, 1,5,9 or both: 1..3,7), naming each result
"NAME (seed N)".

-v adds the event trace to the report, up to 10,000 events per scenario;
-trace chooses what it holds: all (every event), failing (the
conversations of failing customer expectations), customer=ID or agent=ID.

-transport chooses how each world's fakes and router talk: memory (the
default: every message through the platforms' real HTTP handlers, in
memory), loopback (real sockets on 127.0.0.1) or direct (no bytes: each
fake's own rules judge every message, the router's adapters are called
with values; the same routing, deliveries, refusals, drift and
expectations as memory, only the webhook and rejection counters differ, and
many times faster; a WhatsApp or WeChat channel with a fault plan, whose
faults act on the wire, plays on memory inside a direct run). -compare
plays direct unless -transport says otherwise.

-timeout stops the run when it passes, like 'go test -timeout': the scenario
running is reported as an error, those not started as skipped, and the exit
status is 1. -max-memory (4 GiB by default) stops it the same way when the
memory the process holds, the results kept for the reports included,
passes the budget and stays past it once the runtime has collected and
given back what is free: check's estimate of a scenario's memory cannot
foresee everything a run keeps (a bot that keeps every conversation,
webhooks held back for days), and the collector is told to work harder as
memory nears the budget. Ctrl-C does the same. Any of these while the
files are still loading reports every scenario as skipped, a file not yet
loaded named by its path (its scenario's name is not known, nor whether
-run matches it), and writes the reports. Any of these, once every
scenario has run, stops the reports being written: a report file not
written whole is removed (or emptied, when it was there before the run),
and the exit status is 1.

The exit status is 0 when every expectation of every scenario held, 1 when
one failed (or a run met policy drift it did not expect, was interrupted or
timed out), and 2 for bad input or usage.

-compare least-loaded,longest-idle,... plays each scenario once per routing
strategy, with the same seed and so the same traffic, only tenant.strategy
replaced, and prints the figures side by side (Jain's index, spread, wait
p50/p90/max, P(wait), ASA, service level, utilization spread): a table per
scenario, or a JSON array with -format json. It does not judge the
expectations (the table shows whether they held): the exit status is 1 only
when a run could not complete.`,
	flags: func(fs *flag.FlagSet) any {
		f := &runFlags{}
		fs.StringVar(&f.seed, "seed", "", "replace every scenario's seed with `N`")
		fs.StringVar(&f.seeds, "seeds", "", "run every scenario once per seed in `LIST` (1..100, 1,5,9)")
		fs.StringVar(&f.format, "format", "text", "report format: text, json, junit, html or markdown")
		fs.StringVar(&f.out, "o", "", "write the report to `FILE` instead of standard output (-: standard output)")
		fs.StringVar(&f.junit, "junit", "", "also write a JUnit XML report to `FILE` (-: standard output, with -o FILE)")
		fs.StringVar(&f.json, "json", "", "also write a JSON report to `FILE` (-: standard output, with -o FILE)")
		fs.StringVar(&f.html, "html", "", "also write an HTML report to `FILE` (-: standard output, with -o FILE)")
		fs.StringVar(&f.markdown, "markdown", "", "also write a Markdown report to `FILE` (-: standard output, with -o FILE)")
		fs.StringVar(&f.run, "run", "", "play only the scenarios whose name or file matches `REGEXP`")
		fs.StringVar(&f.shard, "shard", "", "play only shard `I/N` of the suite (1/3, 2/3, 3/3)")
		fs.IntVar(&f.parallel, "p", 0, "play up to `N` scenarios at once (0: GOMAXPROCS)")
		fs.DurationVar(&f.timeout, "timeout", 10*time.Minute, "stop the run after `D` (0: no limit)")
		f.budget.register(fs, "a scenario")
		fs.BoolVar(&f.strict, "strict", false, "treat warnings as errors")
		fs.StringVar(&f.transport, "transport", "", "how fakes and router talk: memory (handlers called directly; the default), loopback (real sockets) or direct (values, no bytes; the default with -compare)")
		fs.BoolVar(&f.verbose, "v", false, "include the event trace (up to 10,000 events a scenario) and every agent in the report")
		fs.StringVar(&f.trace, "trace", "", "keep `WHAT` in the trace: all, failing, customer=ID or agent=ID (implies -v)")
		fs.Var(&f.compare, "compare", "play each scenario once per strategy in `LIST` and compare the figures")
		return f
	},
	run: runRun,
}

// traceLimit is how many events -v alone keeps in a scenario's trace.
const traceLimit = 10_000

// maxSeeds bounds -seeds.
const maxSeeds = 10_000

func runRun(ctx context.Context, e *env, opts any, args []string) int {
	f := opts.(*runFlags)
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "omnisim run: "+format+"\n", a...)
		return exitUsage
	}
	format, err := report.ParseFormat(f.format)
	if err != nil {
		return usageErr("%v", err)
	}
	opt := sim.Options{Platforms: platforms.All, Trace: f.verbose || f.trace != ""}
	switch n := sim.Network(f.transport); n {
	case "":
		opt.Network = sim.Memory
		if f.compare.set {
			opt.Network = "" // direct, unless faults need the wire (runCompare)
		}
	case sim.Memory, sim.Loopback, sim.Direct:
		opt.Network = n
	default:
		return usageErr("unknown transport %q (want memory, loopback or direct)", f.transport)
	}
	var seeds []uint64
	switch {
	case f.seed != "" && f.seeds != "":
		return usageErr("-seed and -seeds do not go together: -seeds %s runs every scenario with each seed", f.seeds)
	case f.seed != "":
		s, err := strconv.ParseUint(f.seed, 10, 64)
		if err != nil {
			return usageErr("bad -seed %q: want a whole number from 0 to %d", f.seed, uint64(math.MaxUint64))
		}
		opt.Seed = &s
	case f.seeds != "":
		if seeds, err = parseSeeds(f.seeds); err != nil {
			return usageErr("bad -seeds %q: %v", f.seeds, err)
		}
	}
	var filter *regexp.Regexp
	if f.run != "" {
		if filter, err = regexp.Compile(f.run); err != nil {
			return usageErr("bad -run pattern: %v", err)
		}
	}
	sel, err := parseTrace(f.trace)
	if err != nil {
		return usageErr("bad -trace %q: %v", f.trace, err)
	}
	shard, shards := 0, 0
	if f.shard != "" {
		if shard, shards, err = parseShard(f.shard); err != nil {
			return usageErr("bad -shard %q: %v", f.shard, err)
		}
	}
	switch {
	case f.parallel < 0:
		return usageErr("bad -p %d: want 1 or more (0: GOMAXPROCS)", f.parallel)
	case f.parallel == 0:
		f.parallel = runtime.GOMAXPROCS(0)
	}
	if err := f.budget.check(); err != nil {
		return usageErr("%v", err)
	}
	if f.timeout < 0 {
		return usageErr("bad -timeout %v: want 0 (no limit) or more", f.timeout)
	}

	// Every output is created now, before anything runs: a bad path fails
	// at once, not after an hour of simulation.
	var strategies []string
	if f.compare.set {
		if strategies, err = parseStrategies(f.compare.s); err != nil {
			return usageErr("bad -compare %q: %v", f.compare.s, err)
		}
		if format != report.Text && format != report.JSON || f.out != "" && f.out != "-" || f.junit != "" || f.json != "" || f.html != "" || f.markdown != "" || f.seeds != "" || f.shard != "" || opt.Trace {
			return usageErr("-compare prints its table (or JSON with -format json) to standard output: it takes no -o, -junit, -json, -html, -markdown, -seeds, -shard, -v or -trace")
		}
	}
	outs, err := openOutputs(f, format, e.stdout)
	if err != nil {
		return usageErr("%v", err)
	}
	defer outs.close()

	// The HTML report charts the runs' time series; they are recorded
	// only for it, and left out of every other report, so that those are
	// the same whatever else a run writes.
	for _, o := range outs.all() {
		opt.Series = opt.Series || o.format == report.HTML
	}
	opt.Series = opt.Series || outs.main == nil && format == report.HTML

	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, f.timeout, errTimedOut)
		defer cancel()
	}
	ctx, stopWatch := watchMemory(ctx, f.budget.memoryLimit())
	defer stopWatch()

	// A -timeout or Ctrl-C while the files load stops the run as one while
	// it plays does: the scenarios are reported as not run, and the reports
	// are written.
	lo := loadOptions{budget: f.budget, strict: f.strict}
	l := loadAll(ctx, e, args, lo)
	loadCut := ""
	if len(l.unread) > 0 {
		loadCut = stopSummary(ctx, f.timeout, f.budget.memoryLimit()) + " while loading the scenarios"
	}
	if code := l.verdict(e, "run", lo, loadCut); code != exitOK {
		outs.discard()
		return code
	}
	// The outputs were opened, not yet truncated: one that is a scenario
	// file would destroy it. (The library's scenarios are not files.)
	if len(args) > 0 {
		var files []string
		for _, sc := range l.scs {
			files = append(files, sc.File)
		}
		files = append(files, l.unread...)
		for _, o := range outs.all() {
			if o.file == nil {
				continue // standard output
			}
			if in := sameFile(o.file, files); in != "" {
				outs.discard()
				return usageErr("%s %s is the scenario file %s: the report would overwrite it", o.flag, o.path, in)
			}
		}
	}
	scs := l.scs
	if filter != nil {
		var kept []*scenario.Scenario
		for _, sc := range scs {
			if filter.MatchString(sc.Name) || filter.MatchString(sc.File) {
				kept = append(kept, sc)
			}
		}
		if len(kept) == 0 && loadCut == "" {
			outs.discard()
			return usageErr("no scenario matches -run %q", f.run)
		}
		scs = kept
	}
	// A file the load did not reach is reported by its path, whatever
	// -run: the name -run may match is not known.
	for _, file := range l.unread {
		scs = append(scs, &scenario.Scenario{Name: file, File: file})
	}
	if strategies != nil {
		outs.discard()
		if loadCut != "" {
			fmt.Fprintf(e.stderr, "omnisim run: %s; %d scenarios did not run\n", loadCut, len(scs))
			return exitFailed
		}
		return runCompare(ctx, e.stdout, scs, strategies, opt, f.parallel, f.timeout, f.budget.memoryLimit(), format == report.JSON)
	}
	jobs := makeJobs(scs, seeds)
	if shards > 0 {
		jobs = shardJobs(jobs, shard, shards)
		if len(jobs) == 0 {
			fmt.Fprintf(e.stderr, "omnisim run: shard %d/%d is empty: the suite has fewer runs than shards\n", shard, shards)
		}
	}

	ropt := report.Options{Version: version(), Verbose: f.verbose || f.trace != ""}
	// Results stream as they come, in input order: the text report's
	// blocks, or one line each when the report goes to a file.
	var text *report.TextWriter
	var lines io.Writer
	// With -o FILE standard output has a line for each result and the
	// totals, unless another report goes there: then they go to standard
	// error.
	say := e.stdout
	if outs.onStdout() {
		say = e.stderr
	}
	switch {
	case outs.main != nil && outs.main.format == report.Text:
		rewind(outs.main.file) // the text report is written from its start
		text = report.NewTextWriter(outs.main.file, ropt)
		lines = say
	case outs.main != nil:
		lines = say
	case format == report.Text:
		text = report.NewTextWriter(e.stdout, ropt)
	}

	prog := newProgress(e.stderr)
	r := &runner{ctx: ctx, opt: opt, sel: sel, verbose: f.verbose, prog: prog, timeout: f.timeout, memory: f.budget.memoryLimit()}
	results := make([]result.Result, len(jobs))
	failed, skipped, unfinished := 0, 0, 0
	done := func(i int) {
		res := &results[i]
		if !res.Passed || res.Error != "" {
			failed++
		}
		if res.Skipped != "" {
			skipped++
		}
		if r.stopped[i] {
			unfinished++
		}
		prog.pause(func() {
			if text != nil {
				text.Result(res)
			}
			if lines != nil {
				fmt.Fprintln(lines, resultLine(res))
			}
		})
	}
	if loadCut != "" {
		// Nothing plays: every run is reported as not run, and why.
		why := stopReason(ctx, f.timeout, f.budget.memoryLimit()) + " while loading the scenarios"
		r.stopped = make([]bool, len(jobs))
		for i, j := range jobs {
			results[i], r.stopped[i] = r.skipped(j, why), true
			done(i)
		}
	} else {
		r.start(jobs, results, f.parallel, done)
	}
	prog.stop()

	var writeErr error
	if text != nil {
		writeErr = text.Close()
	}
	// Ctrl-C or -timeout while the documents are written stops them at
	// once; one that cut the run short came before, and its reports, which
	// say so, are written whole. A file not written whole is removed, or
	// emptied when it was there before, so that no cut or older report
	// passes for this run's.
	wctx, cut := ctx, ""
	if unfinished > 0 || loadCut != "" {
		wctx = context.Background()
	}
	docs := outs.docs()
	for i, o := range docs {
		err := o.write(wctx, forFormat(results, o.format), ropt)
		if wctx.Err() != nil {
			for _, x := range docs[i:] {
				if x.file == nil {
					cut += ", the " + x.flag + " report on standard output (cut short)"
					continue
				}
				if fi, err := x.file.Stat(); err == nil && !fi.Mode().IsRegular() {
					cut += ", " + x.path + " (cut short)" // a device or a pipe
					continue
				}
				if x.made != "" {
					x.file.Close()
					os.Remove(x.made)
				} else {
					rewind(x.file)
				}
				cut += ", " + x.path
			}
			cut = strings.TrimPrefix(cut, ", ") + " not written"
			break
		}
		if err != nil && writeErr == nil {
			writeErr = err
		}
	}
	if outs.main == nil && format != report.Text && cut == "" {
		err := report.Write(ctxWriter{wctx, e.stdout}, format, forFormat(results, format), ropt)
		if wctx.Err() != nil {
			cut = "the report on standard output is cut short"
		} else if err != nil && writeErr == nil {
			writeErr = err
		}
	}
	if cut != "" {
		fmt.Fprintf(e.stderr, "omnisim run: %s while writing the reports; %s\n", stopSummary(ctx, f.timeout, f.budget.memoryLimit()), cut)
		return exitFailed
	}
	if writeErr != nil {
		fmt.Fprintf(e.stderr, "omnisim run: writing the report: %v\n", writeErr)
		return exitUsage
	}
	if outs.main != nil {
		note := ""
		if skipped > 0 {
			note = fmt.Sprintf("%d not run; ", skipped)
		}
		fmt.Fprintf(say, "%d scenarios, %d passed, %d failed (%sreport in %s)\n", len(results), len(results)-failed, failed, note, outs.main.path)
	}
	if loadCut != "" {
		fmt.Fprintf(e.stderr, "omnisim run: %s; %d scenarios did not run\n", loadCut, len(results))
		return exitFailed
	}
	if unfinished > 0 {
		fmt.Fprintf(e.stderr, "omnisim run: %s; %d of %d scenarios did not finish\n", stopSummary(ctx, f.timeout, f.budget.memoryLimit()), unfinished, len(results))
		return exitFailed
	}
	if failed > 0 {
		return exitFailed
	}
	return exitOK
}

// errTimedOut is the cause of a run's context when -timeout passes.
var errTimedOut = errors.New("timed out")

// forFormat returns the results a report of format f gets: the time series
// only for HTML, which charts them.
func forFormat(results []result.Result, f report.Format) []result.Result {
	if f == report.HTML {
		return results
	}
	out := make([]result.Result, len(results))
	for i, r := range results {
		r.Series = nil
		out[i] = r
	}
	return out
}

// resultLine is one scenario's line while the report goes to a file.
func resultLine(r *result.Result) string {
	verdict := "PASS"
	switch {
	case r.Skipped != "":
		verdict = "SKIP"
	case !r.Passed || r.Error != "":
		verdict = "FAIL"
	}
	line := fmt.Sprintf("%s  %s  (%s", verdict, r.Name, r.File)
	if r.Skipped == "" {
		line += ", " + r.Wall.Round(time.Millisecond).String()
	}
	return line + ")"
}

// A job is one run of a scenario: with the scenario's seed, or one of
// -seeds.
type job struct {
	sc   *scenario.Scenario
	seed *uint64
}

// makeJobs lists the runs: each scenario once, or once per seed.
func makeJobs(scs []*scenario.Scenario, seeds []uint64) []job {
	var jobs []job
	for _, sc := range scs {
		if len(seeds) == 0 {
			jobs = append(jobs, job{sc: sc})
			continue
		}
		for _, s := range seeds {
			jobs = append(jobs, job{sc: sc, seed: &s})
		}
	}
	return jobs
}

// shardJobs keeps the i-th of n shards (from 1): the runs sorted by file
// (stably, so that a file's seeds keep their order), then every n-th from
// the i-th.
func shardJobs(jobs []job, i, n int) []job {
	sorted := append([]job(nil), jobs...)
	sort.SliceStable(sorted, func(a, b int) bool { return sorted[a].sc.File < sorted[b].sc.File })
	var out []job
	for k, j := range sorted {
		if k%n == i-1 {
			out = append(out, j)
		}
	}
	return out
}

// parseShard reads "I/N", 1 <= I <= N.
func parseShard(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	if ok {
		i, err = strconv.Atoi(a)
		if err == nil {
			n, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil {
		return 0, 0, errors.New("want I/N, the I-th of N shards, e.g. 1/3")
	}
	if n < 1 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("want 1 <= I <= N, got %d/%d", i, n)
	}
	return i, n, nil
}

// parseSeeds reads a list of seeds: numbers and ranges A..B separated by
// commas, in order, without repeats.
func parseSeeds(s string) ([]uint64, error) {
	var out []uint64
	seen := map[uint64]bool{}
	add := func(v uint64) error {
		if seen[v] {
			return fmt.Errorf("seed %d is listed twice", v)
		}
		if len(out) == maxSeeds {
			return fmt.Errorf("more than %d seeds", maxSeeds)
		}
		seen[v] = true
		out = append(out, v)
		return nil
	}
	num := func(t string) (uint64, error) {
		v, err := strconv.ParseUint(strings.TrimSpace(t), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a whole number from 0 to %d", strings.TrimSpace(t), uint64(math.MaxUint64))
		}
		return v, nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "..")
		a, err := num(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = num(hi); err != nil {
				return nil, err
			}
			if b < a {
				return nil, fmt.Errorf("range %s..%s goes down", strings.TrimSpace(lo), strings.TrimSpace(hi))
			}
			if b-a >= maxSeeds {
				return nil, fmt.Errorf("more than %d seeds", maxSeeds)
			}
		}
		for v := a; ; v++ {
			if err := add(v); err != nil {
				return nil, err
			}
			if v == b {
				break
			}
		}
	}
	return out, nil
}

// runner plays jobs, p at a time, and hands their results over in input
// order.
type runner struct {
	ctx     context.Context
	opt     sim.Options
	sel     traceSelect
	verbose bool
	prog    *progress
	timeout time.Duration
	// memory is the memory budget of the scenarios in play together
	// (memoryGate); 0 is no limit.
	memory int64
	// stopped marks the jobs the run's end cut short or skipped.
	stopped []bool
}

// start plays the jobs into results with p workers and calls done(i) for
// each result in input order, as soon as it and every one before it are
// there. Jobs start in order, while their estimated memory together keeps
// within r.memory (memoryGate). Once ctx is done, the jobs not started are
// marked skipped.
func (r *runner) start(jobs []job, results []result.Result, p int, done func(i int)) {
	r.stopped = make([]bool, len(jobs))
	gate := newMemoryGate(r.memory)
	ready := make([]chan struct{}, len(jobs))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	next := make(chan int, len(jobs))
	for i := range jobs {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(p, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				release := gate.acquire(r.ctx, i, memoryNeed(jobs[i].sc))
				results[i], r.stopped[i] = r.play(i, jobs[i]) // skipped once ctx is done
				release()
				close(ready[i])
			}
		}()
	}
	for i := range jobs {
		<-ready[i]
		done(i)
	}
	wg.Wait()
}

// play runs one job; stopped is set when the run's end (Ctrl-C,
// -timeout) cut it short or skipped it.
func (r *runner) play(i int, j job) (res result.Result, stopped bool) {
	if err := r.ctx.Err(); err != nil {
		return r.skipped(j, r.reason()), true
	}
	sc := j.sc
	name, _ := r.named(j)
	opt := r.opt
	if j.seed != nil {
		opt.Seed = j.seed
	}
	var tr *tracer
	if opt.Trace {
		tr = newTracer(r.sel, r.verbose, sc)
		opt.TraceTo = tr.add
	}
	began := time.Now()
	if r.prog != nil {
		r.prog.begin(i, name, sc.Start)
		defer r.prog.end(i)
		opt.Progress = func(now time.Time, events int) { r.prog.update(i, now, events) }
	}
	res = sim.Run(r.ctx, sc, opt)
	res.Wall = time.Since(began)
	res.Name = name
	if tr != nil {
		tr.finish(&res)
	}
	if res.Error != "" && r.ctx.Err() != nil {
		// The run stopped because the whole run did: say so, instead of
		// "context canceled".
		res.Error = stoppedAt(r.reason(), res.End)
		stopped = true
	}
	return res, stopped
}

// named returns the name and the seed of a job's result: "NAME (seed N)"
// for one of -seeds.
func (r *runner) named(j job) (name string, seed uint64) {
	switch {
	case j.seed != nil:
		return fmt.Sprintf("%s (seed %d)", j.sc.Name, *j.seed), *j.seed
	case r.opt.Seed != nil:
		return j.sc.Name, *r.opt.Seed
	}
	return j.sc.Name, j.sc.Seed
}

// skipped is the result of a job not run, for why.
func (r *runner) skipped(j job, why string) result.Result {
	name, seed := r.named(j)
	return result.Result{Name: name, File: j.sc.File, Description: j.sc.Description, Seed: seed,
		Skipped: why, Expectations: []result.Check{}, Drift: []result.Drift{}, Agents: []result.Agent{}}
}

// reason says why the run stopped early.
func (r *runner) reason() string { return stopReason(r.ctx, r.timeout, r.memory) }

// stopReason says why a run's context ctx ended: -timeout (timeout),
// -max-memory (memory) or Ctrl-C.
func stopReason(ctx context.Context, timeout time.Duration, memory int64) string {
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errTimedOut):
		return fmt.Sprintf("timed out (-timeout %v)", timeout)
	case errors.Is(cause, errOverMemory):
		return overMemory(memory)
	}
	return "interrupted"
}

// stopSummary is stopReason as the run's last line says it: "timed out
// after 10m0s (-timeout)".
func stopSummary(ctx context.Context, timeout time.Duration, memory int64) string {
	if errors.Is(context.Cause(ctx), errTimedOut) {
		return fmt.Sprintf("timed out after %v (-timeout)", timeout)
	}
	return stopReason(ctx, timeout, memory)
}

// stoppedAt is the error of a scenario whose run stopped, for why, at the
// virtual time end.
func stoppedAt(why string, end time.Time) string {
	return fmt.Sprintf("%s at virtual time %s, before the scenario finished", why, end.Format(time.RFC3339Nano))
}

// traceSelect is what -trace asks for.
type traceSelect struct {
	mode string // "" (-v: the first traceLimit events), all, failing, customer, agent
	id   string
}

func parseTrace(s string) (traceSelect, error) {
	switch {
	case s == "":
		return traceSelect{}, nil
	case s == "all" || s == "failing":
		return traceSelect{mode: s}, nil
	}
	k, v, ok := strings.Cut(s, "=")
	if ok && (k == "customer" || k == "agent") {
		if v == "" {
			return traceSelect{}, fmt.Errorf("%s= needs an id", k)
		}
		return traceSelect{mode: k, id: v}, nil
	}
	return traceSelect{}, errors.New("want all, failing, customer=ID or agent=ID")
}

// tracer keeps the trace lines -v or -trace ask for, as the run makes
// them, so that a long run's trace never has to be held whole.
type tracer struct {
	sel     traceSelect
	limit   int // -v alone: keep this many
	lines   []result.Line
	dropped int
	cutAt   time.Time // when the first line left out happened
	// agent=ID: the conversations the agent has had, and the lines of the
	// open conversations it has not (yet).
	convs   map[string]bool
	pending map[string][]result.Line
	// failing: the customers that are subjects of customer expectations.
	subjects map[string]bool
}

func newTracer(sel traceSelect, verbose bool, sc *scenario.Scenario) *tracer {
	t := &tracer{sel: sel}
	switch sel.mode {
	case "":
		t.limit = traceLimit
	case "agent":
		t.convs, t.pending = map[string]bool{}, map[string][]result.Line{}
	case "failing":
		t.subjects = map[string]bool{}
		for _, ex := range sc.Expect {
			if ex.Customer != "" {
				t.subjects[ex.Customer] = true
			}
		}
	}
	return t
}

func (t *tracer) add(l result.Line) {
	switch t.sel.mode {
	case "":
		if len(t.lines) >= t.limit {
			if t.dropped == 0 {
				t.cutAt = l.At
			}
			t.dropped++
			return
		}
	case "customer":
		if l.Customer != t.sel.id {
			return
		}
	case "failing":
		if !t.subjects[l.Customer] {
			return
		}
	case "agent":
		c := l.Conversation
		switch {
		case l.Agent == t.sel.id:
			if c != "" && !t.convs[c] {
				t.convs[c] = true
				t.lines = append(t.lines, t.pending[c]...)
				delete(t.pending, c)
			}
		case c != "" && t.convs[c]:
		case c != "":
			if l.Kind == "closed" {
				delete(t.pending, c)
			} else {
				t.pending[c] = append(t.pending[c], l)
			}
			return
		default:
			return
		}
	}
	t.lines = append(t.lines, l)
}

// finish puts the kept lines in the result's trace.
func (t *tracer) finish(res *result.Result) {
	lines := t.lines
	if t.sel.mode == "failing" {
		convs, customers := map[string]bool{}, map[string]bool{}
		for _, c := range res.Expectations {
			if !c.Passed && c.Conversation != "" {
				convs[c.Conversation] = true
				customers[strings.TrimPrefix(c.Subject, "customer ")] = true
			}
		}
		lines = lines[:0:0]
		for _, l := range t.lines {
			if convs[l.Conversation] || l.Conversation == "" && customers[l.Customer] {
				lines = append(lines, l)
			}
		}
	}
	if t.sel.mode == "agent" {
		// A conversation's lines from before the agent had it were held
		// back until it did: put them back in time order.
		sort.SliceStable(lines, func(i, j int) bool { return lines[i].At.Before(lines[j].At) })
	}
	if t.dropped > 0 {
		lines = append(lines, result.Line{At: t.cutAt, Kind: "trace_cut",
			Detail: fmt.Sprintf("%s events from here on not kept: -v keeps the first %s; -trace all keeps every one",
				scenario.GroupDigits(int64(t.dropped)), scenario.GroupDigits(traceLimit))})
	}
	res.Trace = lines
}

// output is one report file, or standard output (file nil).
type output struct {
	flag   string // -o, -junit, ...
	format report.Format
	path   string // "-" for standard output
	file   *os.File
	stdout io.Writer // the output when it is standard output
	// made is the file the run created, to be removed when it is not
	// written: the path, or where a link that led nowhere leads now; ""
	// when the file was there before.
	made string
}

// outputs are the report files of a run.
type outputs struct {
	main  *output // -o FILE; nil when the report goes to standard output
	extra []*output
}

// openOutputs creates (or opens, without truncating yet) every report file
// the flags name. "-" is standard output, which takes one report: the one
// -format chooses unless -o names a file (-o - is the same as no -o), or
// else one of the others. Two flags that name one file (or the same file
// by other names: a link, a hard link) are refused, as sameFile tells.
func openOutputs(f *runFlags, format report.Format, stdout io.Writer) (*outputs, error) {
	outs := &outputs{}
	want := []struct {
		flag, path string
		format     report.Format
	}{
		{"-o", f.out, format},
		{"-junit", f.junit, report.JUnit},
		{"-json", f.json, report.JSON},
		{"-html", f.html, report.HTML},
		{"-markdown", f.markdown, report.Markdown},
	}
	onStdout := "" // the flag of the other report on standard output
	fail := func(format string, a ...any) (*outputs, error) {
		outs.discard()
		return nil, fmt.Errorf(format, a...)
	}
	for _, w := range want {
		if w.path == "" {
			continue
		}
		if _, err := report.ParseFormat(string(w.format)); err != nil {
			return fail("%s: this omnisim cannot write %s reports yet", w.flag, w.format)
		}
		if w.path == "-" {
			switch {
			case w.flag == "-o":
				continue // the report goes to standard output, as without -o
			case f.out == "-":
				return fail("-o and %s both write to standard output", w.flag)
			case f.out == "":
				return fail("%s - and the report both write to standard output: give the report a file with -o FILE", w.flag)
			case onStdout != "":
				return fail("%s and %s both write to standard output", onStdout, w.flag)
			}
			onStdout = w.flag
			outs.extra = append(outs.extra, &output{flag: w.flag, format: w.format, path: w.path, stdout: stdout})
			continue
		}
		_, statErr := os.Stat(w.path)
		file, err := os.OpenFile(w.path, os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			return fail("%s: %v", w.flag, err)
		}
		o := &output{flag: w.flag, format: w.format, path: w.path, file: file}
		if errors.Is(statErr, fs.ErrNotExist) {
			o.made = w.path
			if real, err := filepath.EvalSymlinks(w.path); err == nil {
				o.made = real // not the link, which was there
			}
		}
		for _, other := range outs.all() {
			if other.file == nil || sameFile(file, []string{other.path}) == "" {
				continue
			}
			file.Close()
			also := ""
			if filepath.Clean(other.path) != filepath.Clean(w.path) {
				also = ", the same file as " + other.path
			}
			return fail("%s and %s both write to %s%s", other.flag, w.flag, w.path, also)
		}
		if w.flag == "-o" {
			outs.main = o
		} else {
			outs.extra = append(outs.extra, o)
		}
	}
	return outs, nil
}

// onStdout reports whether one of the reports -junit, -json, -html and
// -markdown name goes to standard output (-o FILE takes the report -format
// chooses).
func (o *outputs) onStdout() bool {
	for _, x := range o.all() {
		if x.file == nil {
			return true
		}
	}
	return false
}

func (o *outputs) all() []*output {
	if o == nil {
		return nil
	}
	if o.main != nil {
		return append([]*output{o.main}, o.extra...)
	}
	return o.extra
}

// docs are the outputs written at the end, as whole documents: every one
// but a text report, which streams.
func (o *outputs) docs() []*output {
	var out []*output
	for _, x := range o.all() {
		if x.format != report.Text {
			out = append(out, x)
		}
	}
	return out
}

// discard closes the outputs and removes the files that did not exist
// before: nothing ran.
func (o *outputs) discard() {
	for _, x := range o.all() {
		if x.file == nil {
			continue // standard output
		}
		x.file.Close()
		if x.made != "" {
			os.Remove(x.made)
		}
	}
	if o != nil {
		o.main, o.extra = nil, nil
	}
}

// rewind empties f and moves to its start, when it is a regular file: an
// output that is a device or a pipe (/dev/null, /dev/stdout, a FIFO) is
// written as it is, since it can be neither truncated nor sought.
func rewind(f *os.File) error {
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.Seek(0, io.SeekStart)
	return err
}

func (o *outputs) close() {
	for _, x := range o.all() {
		if x.file != nil {
			x.file.Close()
		}
	}
}

// write writes the report document to the output's file, stopping when
// ctx is done.
func (x *output) write(ctx context.Context, results []result.Result, opt report.Options) error {
	if x.file == nil {
		return report.Write(ctxWriter{ctx, x.stdout}, x.format, results, opt)
	}
	if err := rewind(x.file); err != nil {
		return fmt.Errorf("%s: %v", x.path, err)
	}
	if err := report.Write(ctxWriter{ctx, x.file}, x.format, results, opt); err != nil {
		return fmt.Errorf("%s: %v", x.path, err)
	}
	return nil
}

// ctxWriter writes to w until ctx is done, then fails with ctx's cause. A
// long write goes in 64 KiB pieces, so that it stops within one.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if c.ctx.Err() != nil {
			return n, context.Cause(c.ctx)
		}
		k := min(len(p), 64<<10)
		m, err := c.w.Write(p[:k])
		n += m
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}

// progress shows, on a terminal, one line on standard error with the
// scenario the output waits for: its name, the virtual time it has
// reached and its speed in events a second. It appears once a scenario
// has run for a second, is redrawn at most ten times a second, and is
// cleared before anything else is printed. Off a terminal it does
// nothing.
type progress struct {
	w      io.Writer
	ansi   bool
	mu     sync.Mutex
	runs   map[int]*progressRun
	shown  int // width of the line on screen; 0 when none
	ticker *time.Ticker
	quit   chan struct{}
	wg     sync.WaitGroup
}

type progressRun struct {
	name   string
	began  time.Time
	start  time.Time // virtual
	now    time.Time // virtual
	events int
}

// progressDelay is how long a scenario runs before its progress shows.
const progressDelay = time.Second

func newProgress(w io.Writer) *progress {
	if !terminalWriter(w) {
		return nil
	}
	p := &progress{w: w, ansi: os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb",
		runs: map[int]*progressRun{}, ticker: time.NewTicker(100 * time.Millisecond), quit: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			select {
			case <-p.quit:
				return
			case <-p.ticker.C:
				p.draw()
			}
		}
	}()
	return p
}

// terminalWriter reports whether w is a terminal (a character device).
func terminalWriter(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

func (p *progress) begin(i int, name string, start time.Time) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.runs[i] = &progressRun{name: name, began: time.Now(), start: start, now: start}
	p.mu.Unlock()
}

func (p *progress) update(i int, now time.Time, events int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	if r := p.runs[i]; r != nil {
		r.now, r.events = now, events
	}
	p.mu.Unlock()
}

func (p *progress) end(i int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	delete(p.runs, i)
	p.mu.Unlock()
}

// line is the progress line for now, "" when nothing is worth showing.
func (p *progress) line() string {
	first := -1
	for i := range p.runs {
		if first < 0 || i < first {
			first = i
		}
	}
	if first < 0 {
		return ""
	}
	r := p.runs[first]
	wall := time.Since(r.began)
	if wall < progressDelay {
		return ""
	}
	name := r.name
	if utf8.RuneCountInString(name) > 40 {
		name = string([]rune(name)[:39]) + "…"
	}
	s := fmt.Sprintf("%s  virtual +%s  %s events/s", name, scenario.FormatDuration(r.now.Sub(r.start).Round(time.Second)),
		scenario.GroupDigits(int64(float64(r.events)/wall.Seconds())))
	if n := len(p.runs) - 1; n > 0 {
		s += fmt.Sprintf("  (%d more running)", n)
	}
	return s
}

func (p *progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.line()
	if s == "" {
		p.clearLocked()
		return
	}
	if p.ansi {
		fmt.Fprintf(p.w, "\r\x1b[2K\x1b[2m%s\x1b[0m", s)
	} else {
		n := utf8.RuneCountInString(s)
		fmt.Fprintf(p.w, "\r%s%s", s, strings.Repeat(" ", max(p.shown-n, 0)))
	}
	p.shown = utf8.RuneCountInString(s)
}

func (p *progress) clearLocked() {
	if p.shown == 0 {
		return
	}
	if p.ansi {
		fmt.Fprint(p.w, "\r\x1b[2K")
	} else {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.shown))
	}
	p.shown = 0
}

// pause clears the line and runs fn, which prints, before the line can
// come back.
func (p *progress) pause(fn func()) {
	if p == nil {
		fn()
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	fn()
}

// stop clears the line for good.
func (p *progress) stop() {
	if p == nil {
		return
	}
	p.ticker.Stop()
	close(p.quit)
	p.wg.Wait()
	p.mu.Lock()
	p.clearLocked()
	p.mu.Unlock()
}

type checkFlags struct {
	budget budget
	strict bool
}

var cmdCheck = &command{
	name:  "check",
	usage: "[-max-messages N] [-max-memory SIZE] [-strict] [PATH...]",
	short: "validate scenario files without running them",
	long: `Check loads and validates scenario files, reporting every problem as
file:line:col with a hint, and exits 2 if there is any. With no PATH it checks
the built-in library. Directories are searched recursively for *.toml files.
Flags may come before or after the paths.

Besides the format's rules (docs/scenarios.md), check refuses what a run
cannot do: a path that is not a regular file (a named pipe, a device, a
link to one; a directory's search leaves them out), a file larger than 4 MiB
(4,194,304 bytes), a time outside the
years 1678 to 2261 (start, the end of duration, any step, expectation,
arrival or timer), a scenario that asks for more than -max-messages
messages (the steps' says × repeat, and each traffic flow's expected
arrivals × its most messages, each message × the webhook tries its
channel's faults and retry schedule may cost; with, counted as messages,
the agents' shift changes and the inbox and history expectations' looks
through every conversation), and one whose run would keep more than
-max-memory in memory at once (4 GiB by default), as estimated from each
flow's customers kept at once and their messages and the steps' messages;
run also stops a run whose memory passes -max-memory.

Warnings go to standard error as file:line: warning: ... and do not change
the exit status: a step or traffic flow after the scenario's duration
(never played), and a scenario without an [[expect]] (it passes whatever
happens). -strict makes them errors.`,
	flags: func(fs *flag.FlagSet) any {
		f := &checkFlags{}
		f.budget.register(fs, "a scenario")
		fs.BoolVar(&f.strict, "strict", false, "treat warnings as errors")
		return f
	},
	run: func(ctx context.Context, e *env, opts any, args []string) int {
		f := opts.(*checkFlags)
		if err := f.budget.check(); err != nil {
			fmt.Fprintf(e.stderr, "omnisim check: %v\n", err)
			return exitUsage
		}
		scs, code := load(ctx, e, "check", args, loadOptions{budget: f.budget, strict: f.strict})
		if code != exitOK {
			return code
		}
		fmt.Fprintf(e.stdout, "ok: %d scenarios\n", len(scs))
		return exitOK
	},
}

var cmdList = &command{
	name:  "list",
	usage: "",
	short: "list the built-in scenarios",
	long: `List prints the scenarios built into omnisim, one a line: the file (as
'omnisim run' and 'omnisim init' name it) and the first line of its
description, or its name when it has none. 'omnisim run' with no PATH plays
them all; 'omnisim run -run REGEXP' plays those whose name or file matches.`,
	run: func(ctx context.Context, e *env, _ any, args []string) int {
		if len(args) > 0 {
			fmt.Fprintln(e.stderr, "omnisim list: takes no arguments")
			return exitUsage
		}
		scs, code := load(ctx, e, "list", nil, loadOptions{})
		if code != exitOK {
			return code
		}
		width := 0
		for _, sc := range scs {
			width = max(width, len(sc.File))
		}
		for _, sc := range scs {
			desc := sc.Description
			if desc == "" {
				desc = sc.Name
			}
			fmt.Fprintf(e.stdout, "%-*s  %s\n", width, sc.File, firstLine(desc))
		}
		return exitOK
	},
}

type initFlags struct{ force bool }

var cmdInit = &command{
	name:  "init",
	usage: "[-force] DIR",
	short: "write a starter set of scenarios to edit",
	long: `Init writes a starter set of scenario files into DIR (created if needed):
three scenarios of the built-in library to edit and build on,
whatsapp-window.toml (WhatsApp's 24-hour reply window),
douyin-region-priority.toml (routing by region with group priorities) and
traffic-day.toml (a day of generated traffic, checked for fairness and
waits). Run them with 'omnisim run DIR'.

No file is written when any of them exists already, unless -force is given;
then those three files are overwritten and nothing else in DIR is touched.`,
	flags: func(fs *flag.FlagSet) any {
		f := &initFlags{}
		fs.BoolVar(&f.force, "force", false, "overwrite existing files")
		return f
	},
	run: func(ctx context.Context, e *env, opts any, args []string) int {
		f := opts.(*initFlags)
		if len(args) != 1 {
			fmt.Fprintln(e.stderr, "usage: omnisim init [-force] DIR")
			return exitUsage
		}
		dir := args[0]
		if !f.force {
			for _, n := range scenarios.Starter {
				target := filepath.Join(dir, n)
				if _, err := os.Stat(target); err == nil {
					fmt.Fprintf(e.stderr, "omnisim init: %s exists; use -force to overwrite\n", target)
					return exitUsage
				}
			}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fmt.Fprintf(e.stderr, "omnisim init: %v\n", err)
			return exitUsage
		}
		for _, n := range scenarios.Starter {
			data, err := fs.ReadFile(scenarios.Library, n)
			if err != nil {
				fmt.Fprintf(e.stderr, "omnisim init: %v\n", err)
				return exitUsage
			}
			target := filepath.Join(dir, n)
			if err := os.WriteFile(target, data, 0o644); err != nil {
				fmt.Fprintf(e.stderr, "omnisim init: %v\n", err)
				return exitUsage
			}
			fmt.Fprintf(e.stdout, "wrote %s\n", target)
		}
		fmt.Fprintf(e.stdout, "Run them with: omnisim run %s\n", dir)
		return exitOK
	},
}

var cmdVersion = &command{
	name:  "version",
	usage: "",
	short: "print omnisim's version",
	long:  `Version prints omnisim's module version and the Go version it was built with.`,
	run: func(ctx context.Context, e *env, _ any, args []string) int {
		if len(args) > 0 {
			fmt.Fprintln(e.stderr, "omnisim version: takes no arguments")
			return exitUsage
		}
		goVersion := "unknown"
		if bi, ok := debug.ReadBuildInfo(); ok {
			goVersion = bi.GoVersion
		}
		fmt.Fprintf(e.stdout, "omnisim %s (%s)\n", version(), goVersion)
		return exitOK
	},
}

// version is the module version omnisim was built as, or "devel".
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// loadOptions are the limits a load applies besides the format's rules.
type loadOptions struct {
	budget budget // see checkBudget
	strict bool   // warnings are errors
}

// load reads the scenarios named by args (files and directories), or the
// built-in library when there are none (loadAll). It prints every error and
// warning and returns exitOK when every file loaded, exitUsage when one did
// not (loaded.verdict), and exitFailed when ctx ended first (Ctrl-C).
func load(ctx context.Context, e *env, cmd string, args []string, lo loadOptions) ([]*scenario.Scenario, int) {
	l := loadAll(ctx, e, args, lo)
	if ctx.Err() != nil {
		why := "interrupted"
		if errors.Is(context.Cause(ctx), errOverMemory) {
			why = overMemory(lo.budget.memoryLimit()) + " while loading the scenarios"
		}
		fmt.Fprintf(e.stderr, "omnisim %s: %s\n", cmd, why)
		return nil, exitFailed
	}
	if code := l.verdict(e, cmd, lo, ""); code != exitOK {
		return nil, code
	}
	return l.scs, exitOK
}

// loaded is what loadAll read.
type loaded struct {
	scs []*scenario.Scenario
	// unread are the files (with no PATH, the library's names) that were
	// not loaded because ctx ended first, in order; none when every file
	// was.
	unread []string
	bad    int // files with errors (with -strict, warnings too)
	warned int // files with warnings
}

// loadAll reads the scenarios named by args (files and directories), or
// the built-in library when there are none, printing every error and
// warning. Once ctx ends it reads no more: the files left (listed, not
// read) are unread.
func loadAll(ctx context.Context, e *env, args []string, lo loadOptions) *loaded {
	l := &loaded{}
	take := func(sc *scenario.Scenario, err error) {
		if err != nil {
			fmt.Fprintln(e.stderr, strings.TrimRight(err.Error(), "\n"))
			l.bad++
			return
		}
		ws := sc.Warnings()
		for _, w := range ws {
			fmt.Fprintln(e.stderr, w.String())
		}
		if len(ws) > 0 {
			l.warned++
			if lo.strict {
				l.bad++
				return
			}
		}
		l.scs = append(l.scs, sc)
	}
	// loadOne loads one file, or returns false when ctx ended first (the
	// parse returns ctx's error at once then).
	loadOne := func(load func() (*scenario.Scenario, error)) bool {
		if ctx.Err() != nil {
			return false
		}
		sc, err := load()
		if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return false
		}
		take(sc, err)
		return true
	}
	if len(args) == 0 {
		names, err := fs.Glob(scenarios.Library, "*.toml")
		if err == nil {
			more, _ := fs.Glob(scenarios.Library, "*/*.toml")
			names = append(names, more...)
		}
		sort.Strings(names)
		for i, n := range names {
			ok := loadOne(func() (*scenario.Scenario, error) {
				src, err := fs.ReadFile(scenarios.Library, n)
				if err != nil {
					return nil, err
				}
				return loadBytes(ctx, n, src, lo.budget)
			})
			if !ok {
				l.unread = names[i:]
				break
			}
		}
	}
	for _, arg := range args {
		files, err := tomlFiles(arg)
		if err != nil {
			take(nil, err)
			continue
		}
		for i, file := range files {
			if len(l.unread) > 0 || !loadOne(func() (*scenario.Scenario, error) { return loadFile(ctx, file, lo.budget) }) {
				l.unread = append(l.unread, files[i:]...)
				break
			}
		}
	}
	return l
}

// verdict says whether the scenarios loaded can be played: exitOK, or
// exitUsage, said on standard error, when a file has errors or no file
// was found. stopped, when not "", says why the load stopped before every
// file was read.
func (l *loaded) verdict(e *env, cmd string, lo loadOptions, stopped string) int {
	if l.bad > 0 {
		why := ""
		if lo.strict && l.warned > 0 {
			why = " (-strict: warnings are errors)"
		}
		if stopped != "" {
			why += fmt.Sprintf("; %s, %d files not read", stopped, len(l.unread))
		}
		fmt.Fprintf(e.stderr, "omnisim %s: %d scenario files have errors%s\n", cmd, l.bad, why)
		return exitUsage
	}
	if len(l.scs)+len(l.unread) == 0 {
		fmt.Fprintf(e.stderr, "omnisim %s: no scenario files found\n", cmd)
		return exitUsage
	}
	return exitOK
}

// loadFile reads a scenario file (readScenario) and loads it (loadBytes):
// run and check load every file so, and watch and fuzz each file they
// play.
func loadFile(ctx context.Context, file string, b budget) (*scenario.Scenario, error) {
	src, err := readScenario(file)
	if err != nil {
		return nil, err
	}
	return loadBytes(ctx, file, src, b)
}

// loadBytes parses the scenario file named name, whose bytes are src
// (parse: it returns at once when ctx ends), and checks it against the
// budgets b (checkBudget).
func loadBytes(ctx context.Context, name string, src []byte, b budget) (*scenario.Scenario, error) {
	sc, err := parse(ctx, name, src)
	if err != nil {
		return nil, err
	}
	if err := checkBudget(sc, b); err != nil {
		return nil, err
	}
	return sc, nil
}

// checkBudget checks sc against the budgets b (its demand's CheckMessages
// and CheckMemory), its error telling how to raise the budget it names,
// and returns nil when sc keeps within both.
func checkBudget(sc *scenario.Scenario, b budget) error {
	d := platforms.Format.Demand(sc)
	if be := d.CheckMessages(sc, b.messages); be != nil {
		be.Hint = "raise the budget with -max-messages N, or lift it with -max-messages 0"
		return be
	}
	if be := d.CheckMemory(sc, b.memoryLimit()); be != nil {
		be.Hint = "raise the budget with -max-memory SIZE, or lift it with -max-memory 0"
		return be
	}
	return nil
}

// budget is what one scenario may ask of a run, as the -max-messages and
// -max-memory flags of run, check, watch and fuzz set it: messages, and
// bytes kept at once (see scenario.Format.Demand); 0 for either is no
// limit.
type budget struct {
	messages int64
	memory   memorySize
}

// register defines the flags on fs; what names the files they refuse ("a
// scenario").
func (b *budget) register(fs *flag.FlagSet, what string) {
	b.memory = scenario.DefaultMaxMemory
	fs.Int64Var(&b.messages, "max-messages", scenario.DefaultMaxMessages, "refuse "+what+" that asks for more than `N` messages (0: no limit)")
	fs.Var(&b.memory, "max-memory", "refuse "+what+" whose run would keep more than `SIZE` in memory at once, as \"4GB\" or \"512MB\" (0: no limit)")
}

// check reports a value the flags cannot take.
func (b *budget) check() error {
	if b.messages < 0 {
		return fmt.Errorf("bad -max-messages %d: want 0 (no limit) or more", b.messages)
	}
	return b.memory.check()
}

// memoryLimit is the memory budget in bytes; 0 is no limit.
func (b budget) memoryLimit() int64 { return int64(b.memory) }

// memorySize is the value of -max-memory: a size as scenario files write
// one ("4GB", "512MB"; KB, MB and GB are binary units); 0, in any spelling,
// is no limit.
type memorySize int64

// String formats the size as Set reads it.
func (m *memorySize) String() string {
	if *m == 0 {
		return "0"
	}
	return scenario.Size(*m).String()
}

// Set reads a size, or 0.
func (m *memorySize) Set(s string) error {
	if strings.TrimSpace(s) == "0" {
		*m = 0
		return nil
	}
	var z scenario.Size
	if err := z.UnmarshalText([]byte(s)); err != nil {
		return err
	}
	*m = memorySize(z) // a size of 0 ("0B", "0.0GB") is no limit too
	return nil
}

// check reports a budget the process cannot keep: one below what a world
// keeps with nothing in it (scenario.RunMemory).
func (m memorySize) check() error {
	if m > 0 && m < scenario.RunMemory {
		return fmt.Errorf("bad -max-memory %s: want at least %s (what a world keeps with nothing in it), or 0 for no limit", scenario.Size(m), scenario.Size(scenario.RunMemory))
	}
	return nil
}

// sameFile returns the first of files that is the same file as out
// (os.SameFile: another name or a hard link for it counts), "" when none
// is or out cannot be looked at.
func sameFile(out *os.File, files []string) string {
	oi, err := out.Stat()
	if err != nil {
		return ""
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && os.SameFile(oi, fi) {
			return f
		}
	}
	return ""
}

// readScenario reads a scenario file, refusing before it opens it one that
// is not a regular file (a named pipe would block the open, a link to
// /dev/zero never end the read: watch.NotRegular), and before it reads it
// one larger than scenario.MaxFileSize. Every command that reads scenario
// files from the disk reads them with it.
func readScenario(file string) ([]byte, error) {
	info, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, watch.NotRegular(file, info.Mode())
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && !info.Mode().IsRegular() {
		return nil, watch.NotRegular(file, info.Mode()) // put there since the first look
	} else if err == nil && info.Size() > scenario.MaxFileSize {
		return nil, scenario.TooLarge(file, info.Size())
	}
	// A file that grows is still read no further than one byte past the
	// limit.
	src, err := io.ReadAll(io.LimitReader(f, scenario.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(src) > scenario.MaxFileSize {
		return nil, scenario.TooLarge(file, int64(len(src)))
	}
	return src, nil
}

// parse parses a scenario, returning early when ctx ends (the parse goes
// on in the background until it is done; the process is about to exit).
func parse(ctx context.Context, file string, src []byte) (*scenario.Scenario, error) {
	type parsed struct {
		sc  *scenario.Scenario
		err error
	}
	ch := make(chan parsed, 1)
	go func() {
		sc, err := platforms.Format.Parse(file, src)
		ch <- parsed{sc, err}
	}()
	select {
	case p := <-ch:
		return p.sc, p.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// tomlFiles lists path if it is a file, or the *.toml files below it if it
// is a directory, sorted. The walk leaves out what is not a regular file
// (a named pipe, a device, a link to one; a link to a regular file is
// kept); a path given as a file is listed whatever it is, and readScenario
// refuses it.
func tomlFiles(p string) ([]string, error) {
	info, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file or directory", p)
		}
		return nil, err
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	var out []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".toml") {
			return nil
		}
		regular := d.Type().IsRegular()
		if d.Type()&fs.ModeSymlink != 0 {
			info, err := os.Stat(path)
			regular = err == nil && info.Mode().IsRegular()
		}
		if regular {
			out = append(out, path)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}
