package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
	"github.com/omnisim/omnisim/watch"
)

type watchFlags struct {
	debounce     time.Duration
	poll         bool
	pollInterval time.Duration
	seed         string
	run          string
	transport    string
	out          string
	budget       budget
}

const watchUsage = "[-debounce D] [-poll] [-poll-interval D] [-seed N] [-run REGEXP] [-transport memory|loopback|direct] [-max-messages N] [-max-memory SIZE] [-o FILE] [PATH...]"

var cmdWatch = &command{
	name:  "watch",
	usage: watchUsage,
	short: "re-run scenarios whenever their files change",
	long: `Watch runs scenario files, then watches them and runs them again each
time they change, printing a short summary of every run, until Ctrl-C.

Each PATH is a scenario file or a directory, watched recursively (new
subdirectories included) for *.toml scenario files; the default is ".".

What runs when:

	start                       every scenario found
	a scenario file changes     that scenario (a new file is a new scenario)
	any other file changes      every scenario: it may be something they share
	a scenario file is deleted  nothing; it leaves the set

Changes are collected until the files have been quiet for -debounce, so a
save that writes, renames and chmods several files runs once. Editors' swap,
backup and temporary files (.swp, .swx, ~, #...#, .#..., 4913, *.tmp) and
hidden files and directories (.git) are ignored, and so are changes to
attributes only. Editors that save by writing a new file and renaming it
over the old one are fine: directories are watched, not files.

Each file is read and checked as run does: a file that does not parse,
is larger than 4 MiB, asks for more than -max-messages messages or more
memory than -max-memory is reported with file:line:col for each problem,
and watch waits for the next change. A run whose memory passes
-max-memory is stopped, as run stops one, and fails with that error. A
scenario path that is not a regular file (a named pipe, a device, a link
to one) is skipped unread, with a SKIP line.

Each run prints a header with the time and what triggered it, one line per
scenario (PASS or FAIL, name and file; for a FAIL, each failed expectation
on its own line) and the totals. Nothing is cleared. Colours are used only
on a terminal, and never when NO_COLOR is set.

Watching uses inotify on Linux (kqueue on macOS and BSD). When it runs out
of inotify watches or instances, watch says which limit
(fs.inotify.max_user_watches, fs.inotify.max_user_instances) and how to
raise it, and carries on with what it could watch. -poll looks at every
file each -poll-interval instead, for network mounts and containers where
inotify does not work. docs/watch.md has the details.

-transport chooses how the fakes and the router talk, as for run: memory
(the default), loopback or direct (values, no bytes; a WhatsApp or
WeChat channel with a fault plan plays on memory inside it: its faults
act on the wire).

-o writes the summaries to a file instead (-o - is standard output); one
that is a scenario file is refused (exit status 2) before it is touched.

Ctrl-C (or SIGTERM) stops watch at once, also in the middle of a run, and
it exits 0. The exit status is 2 for bad usage, a PATH that does not exist,
or nothing that could be watched.`,
	flags: func(fs *flag.FlagSet) any {
		f := &watchFlags{}
		fs.DurationVar(&f.debounce, "debounce", watch.DefaultDebounce, "run once the files have been quiet for `D`")
		fs.BoolVar(&f.poll, "poll", false, "poll the files instead of using inotify (network mounts, some containers)")
		fs.DurationVar(&f.pollInterval, "poll-interval", watch.DefaultPollInterval, "with -poll, look at the files every `D`")
		fs.StringVar(&f.seed, "seed", "", "replace every scenario's seed with `N`")
		fs.StringVar(&f.run, "run", "", "run only the scenarios whose name or file matches `REGEXP`")
		fs.StringVar(&f.transport, "transport", string(sim.Memory), "how fakes and router talk, as for run: memory (handlers called directly), loopback (real sockets) or direct (values, no bytes)")
		fs.StringVar(&f.out, "o", "", "write the summaries to `FILE` instead of standard output (-: standard output)")
		f.budget.register(fs, "a scenario")
		return f
	},
	run: runWatch,
}

func runWatch(ctx context.Context, e *env, opts any, args []string) int {
	f := opts.(*watchFlags)
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "omnisim watch: "+format+"\n", a...)
		fmt.Fprintf(e.stderr, "usage: omnisim watch %s\nRun 'omnisim watch -h' for details.\n", watchUsage)
		return exitUsage
	}
	if f.debounce < 0 {
		return usageErr("bad -debounce %v: want 0 or more", f.debounce)
	}
	if f.pollInterval < 10*time.Millisecond {
		return usageErr("bad -poll-interval %v: want 10ms or more", f.pollInterval)
	}
	simOpt := sim.Options{Platforms: platforms.All}
	switch n := sim.Network(f.transport); n {
	case sim.Memory, sim.Loopback, sim.Direct:
		simOpt.Network = n
	default:
		return usageErr("unknown transport %q (want memory, loopback or direct)", f.transport)
	}
	if f.seed != "" {
		s, err := strconv.ParseUint(f.seed, 10, 64)
		if err != nil {
			return usageErr("bad -seed %q: want a whole number from 0 to %d", f.seed, uint64(math.MaxUint64))
		}
		simOpt.Seed = &s
	}
	if err := f.budget.check(); err != nil {
		return usageErr("%v", err)
	}
	var filter *regexp.Regexp
	if f.run != "" {
		var err error
		if filter, err = regexp.Compile(f.run); err != nil {
			return usageErr("bad -run pattern: %v", err)
		}
	}
	// Paths are checked before the output file is created, so that a typo
	// leaves nothing behind.
	for _, p := range args {
		if _, err := os.Stat(p); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				fmt.Fprintf(e.stderr, "omnisim watch: %s: no such file or directory\n", p)
			} else {
				fmt.Fprintf(e.stderr, "omnisim watch: %v\n", err)
			}
			return exitUsage
		}
	}

	out, color := e.stdout, isTerminal(e.stdout) && os.Getenv("NO_COLOR") == ""
	var ignore []string
	if f.out != "" && f.out != "-" { // -o - is standard output, as without -o
		// Opened, not truncated, until it is known not to be one of the
		// scenario files: the summaries must not destroy one. A file this
		// opening makes is none of them.
		_, statErr := os.Stat(f.out)
		existed := statErr == nil
		file, err := os.OpenFile(f.out, os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			fmt.Fprintf(e.stderr, "omnisim watch: -o: %v\n", err)
			return exitUsage
		}
		defer file.Close()
		paths := args
		if len(paths) == 0 {
			paths = []string{"."}
		}
		if !existed {
			paths = nil // nothing to compare with
		}
		for _, p := range paths {
			files, _ := tomlFiles(p)
			if in := sameFile(file, files); in != "" {
				fmt.Fprintf(e.stderr, "omnisim watch: -o %s is the scenario file %s: the summaries would overwrite it\n", f.out, in)
				return exitUsage
			}
		}
		if err := rewind(file); err != nil {
			fmt.Fprintf(e.stderr, "omnisim watch: -o: %v\n", err)
			return exitUsage
		}
		out, color, ignore = file, false, []string{f.out}
	}
	logf := func(format string, a ...any) {
		msg := fmt.Sprintf(format, a...)
		fmt.Fprintf(e.stderr, "omnisim watch: %s\n", strings.TrimRight(msg, "\n"))
	}

	// main stops on SIGINT; watch also stops on SIGTERM.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	w, err := watch.New(watch.Options{
		Paths:        args,
		Debounce:     f.debounce,
		Poll:         f.poll,
		PollInterval: f.pollInterval,
		Filter:       filter,
		Out:          out,
		Color:        color,
		Logf:         logf,
		Ignore:       ignore,
		Load: func(ctx context.Context, file string) (*scenario.Scenario, error) {
			return loadFile(ctx, file, f.budget)
		},
		Run: func(ctx context.Context, sc *scenario.Scenario) result.Result {
			// Each run is held to -max-memory, as run holds one.
			rctx, stop := watchMemory(ctx, f.budget.memoryLimit())
			defer stop()
			res := sim.Run(rctx, sc, simOpt)
			if res.Error != "" && errors.Is(context.Cause(rctx), errOverMemory) {
				res.Error = stoppedAt(overMemory(f.budget.memoryLimit()), res.End)
			}
			return res
		},
	})
	if err != nil {
		logf("%v", err)
		if h := watch.LimitHint(err); h != "" {
			logf("%s", h)
		}
		return exitUsage
	}
	if err := w.Run(ctx); err != nil {
		logf("%v", err)
		return exitUsage
	}
	fmt.Fprintln(out, "omnisim watch: stopped")
	return exitOK
}

// isTerminal reports whether w is a terminal (a character device, as
// terminals are).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
