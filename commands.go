package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/report"
	"github.com/omnisim/omnisim/scenarios"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

type runFlags struct {
	seed      string
	format    string
	out       string
	run       string
	transport string
	verbose   bool
}

var cmdRun = &command{
	name:  "run",
	usage: "[-seed N] [-format text|json|junit] [-o FILE] [-run REGEXP] [-transport memory|loopback] [-v] [PATH...]",
	short: "play scenarios and report whether their expectations held",
	long: `Run plays scenario files on a virtual clock and reports what happened.

Each PATH is a scenario file or a directory, searched recursively for *.toml
files. With no PATH, run plays the scenario library built into omnisim (see
'omnisim list').

Every file is loaded and checked before anything runs; a bad file stops the
run with exit status 2 and a file:line:col error for each problem.

The exit status is 0 when every expectation of every scenario held, 1 when
one failed (or a run met policy drift it did not expect), and 2 for bad
input or usage.`,
	flags: func(fs *flag.FlagSet) any {
		f := &runFlags{}
		fs.StringVar(&f.seed, "seed", "", "replace every scenario's seed with `N`")
		fs.StringVar(&f.format, "format", "text", "report format: text, json or junit")
		fs.StringVar(&f.out, "o", "", "write the report to `FILE` instead of standard output")
		fs.StringVar(&f.run, "run", "", "play only the scenarios whose name or file matches `REGEXP`")
		fs.StringVar(&f.transport, "transport", string(sim.Memory), "how fakes and router talk: memory (handlers called directly) or loopback (real sockets)")
		fs.BoolVar(&f.verbose, "v", false, "include the full event trace in the report")
		return f
	},
	run: runRun,
}

func runRun(ctx context.Context, e *env, opts any, args []string) int {
	f := opts.(*runFlags)
	format, err := report.ParseFormat(f.format)
	if err != nil {
		fmt.Fprintf(e.stderr, "omnisim run: %v\n", err)
		return exitUsage
	}
	opt := sim.Options{Platforms: platforms.All, Trace: f.verbose}
	switch n := sim.Network(f.transport); n {
	case sim.Memory, sim.Loopback:
		opt.Network = n
	default:
		fmt.Fprintf(e.stderr, "omnisim run: unknown transport %q (want memory or loopback)\n", f.transport)
		return exitUsage
	}
	if f.seed != "" {
		s, err := strconv.ParseUint(f.seed, 10, 64)
		if err != nil {
			fmt.Fprintf(e.stderr, "omnisim run: bad -seed %q: want a whole number from 0 to %d\n", f.seed, uint64(1<<64-1))
			return exitUsage
		}
		opt.Seed = &s
	}
	var filter *regexp.Regexp
	if f.run != "" {
		if filter, err = regexp.Compile(f.run); err != nil {
			fmt.Fprintf(e.stderr, "omnisim run: bad -run pattern: %v\n", err)
			return exitUsage
		}
	}
	scs, ok := load(e, "run", args)
	if !ok {
		return exitUsage
	}
	if filter != nil {
		var kept []*scenario.Scenario
		for _, sc := range scs {
			if filter.MatchString(sc.Name) || filter.MatchString(sc.File) {
				kept = append(kept, sc)
			}
		}
		if len(kept) == 0 {
			fmt.Fprintf(e.stderr, "omnisim run: no scenario matches -run %q\n", f.run)
			return exitUsage
		}
		scs = kept
	}

	results := make([]result.Result, 0, len(scs))
	failed := 0
	for _, sc := range scs {
		res := sim.Run(ctx, sc, opt)
		if !res.Passed {
			failed++
		}
		results = append(results, res)
		if ctx.Err() != nil {
			break
		}
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, format, results, report.Options{Version: version(), Verbose: f.verbose}); err != nil {
		fmt.Fprintf(e.stderr, "omnisim run: writing the report: %v\n", err)
		return exitUsage
	}
	if f.out != "" {
		if err := os.WriteFile(f.out, buf.Bytes(), 0o644); err != nil {
			fmt.Fprintf(e.stderr, "omnisim run: %v\n", err)
			return exitUsage
		}
		fmt.Fprintf(e.stdout, "%d scenarios, %d passed, %d failed (report in %s)\n", len(results), len(results)-failed, failed, f.out)
	} else {
		e.stdout.Write(buf.Bytes())
	}
	if ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "omnisim run: interrupted")
		return exitFailed
	}
	if failed > 0 {
		return exitFailed
	}
	return exitOK
}

var cmdCheck = &command{
	name:  "check",
	usage: "[PATH...]",
	short: "validate scenario files without running them",
	long: `Check loads and validates scenario files, reporting every problem as
file:line:col with a hint, and exits 2 if there is any. With no PATH it checks
the built-in library. Directories are searched recursively for *.toml files.`,
	run: func(ctx context.Context, e *env, _ any, args []string) int {
		scs, ok := load(e, "check", args)
		if !ok {
			return exitUsage
		}
		fmt.Fprintf(e.stdout, "ok: %d scenarios\n", len(scs))
		return exitOK
	},
}

var cmdList = &command{
	name:  "list",
	usage: "",
	short: "list the built-in scenarios",
	long:  `List prints the scenarios built into omnisim, one a line: file, name and description.`,
	run: func(ctx context.Context, e *env, _ any, args []string) int {
		if len(args) > 0 {
			fmt.Fprintln(e.stderr, "omnisim list: takes no arguments")
			return exitUsage
		}
		scs, ok := load(e, "list", nil)
		if !ok {
			return exitUsage
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
three scenarios of the built-in library, a WhatsApp reply-window scenario, a
routing scenario with groups, and a traffic scenario. Run them with
'omnisim run DIR'. Existing files are never overwritten unless -force is
given.`,
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

// load reads the scenarios named by args (files and directories), or the
// built-in library when there are none. It prints every error and reports
// whether all loaded.
func load(e *env, cmd string, args []string) ([]*scenario.Scenario, bool) {
	var scs []*scenario.Scenario
	var errs []error
	if len(args) == 0 {
		names, err := fs.Glob(scenarios.Library, "*.toml")
		if err == nil {
			more, _ := fs.Glob(scenarios.Library, "*/*.toml")
			names = append(names, more...)
		}
		sort.Strings(names)
		for _, n := range names {
			sc, err := platforms.Format.Load(scenarios.Library, n)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			scs = append(scs, sc)
		}
	}
	for _, arg := range args {
		files, err := tomlFiles(arg)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			sc, err := platforms.Format.Parse(file, src)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			scs = append(scs, sc)
		}
	}
	for _, err := range errs {
		fmt.Fprintln(e.stderr, strings.TrimRight(err.Error(), "\n"))
	}
	if len(errs) > 0 {
		fmt.Fprintf(e.stderr, "omnisim %s: %d scenario files have errors\n", cmd, len(errs))
		return nil, false
	}
	if len(scs) == 0 {
		fmt.Fprintf(e.stderr, "omnisim %s: no scenario files found\n", cmd)
		return nil, false
	}
	return scs, true
}

// tomlFiles lists path if it is a file, or the *.toml files below it if it
// is a directory, sorted.
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
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".toml") {
			out = append(out, path)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}
