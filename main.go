// Command omnisim is a local simulator and test harness for omnichannel
// customer-service messaging: fake messaging platforms that speak the real
// wire protocols, the production routing engine, and a virtual clock that
// plays TOML scenarios in seconds.
//
// Usage:
//
//	omnisim <command> [arguments]
//
// Run "omnisim help" for the commands and "omnisim <command> -h" for one.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/omnisim/omnisim/internal/heapfloor"
	"github.com/omnisim/omnisim/sim/scenario"
)

// Exit codes.
const (
	exitOK     = 0 // every expectation held
	exitFailed = 1 // an expectation failed
	exitUsage  = 2 // bad input or usage
)

// command is one subcommand.
type command struct {
	name  string
	usage string // arguments, after the name
	short string // one line for the command list
	long  string // the help text of "omnisim <name> -h"
	// flags declares the command's flags on fs.
	flags func(fs *flag.FlagSet) any
	run   func(ctx context.Context, env *env, opts any, args []string) int
}

// env is what a command reads and writes.
type env struct {
	stdout, stderr io.Writer
}

// commands is the table of subcommands, in the order help lists them.
var commands []*command

func init() {
	commands = []*command{cmdRun, cmdCheck, cmdList, cmdInit, cmdServe, cmdWatch, cmdFuzz, cmdVersion}
}

func main() {
	// A short run's live heap is small; without a floor the collector would
	// run every few megabytes allocated and a short scenario would cost more
	// per conversation than a long one. GOGC or GOMEMLIMIT set in the
	// environment turn the floor off.
	heapfloor.Keep(heapfloor.Default)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Main runs the command line args and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c := lookup(args[1]); c != nil {
				commandUsage(stdout, c, nil)
				return exitOK
			}
			fmt.Fprintf(stderr, "omnisim help %s: unknown command\n", args[1])
			return exitUsage
		}
		usage(stdout)
		return exitOK
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(stderr, "omnisim: unknown command %q\n", name)
		if s, ok := scenario.Nearest(name, commandNames()); ok {
			fmt.Fprintf(stderr, "Did you mean %q?\n", s)
		}
		fmt.Fprintln(stderr, "Run 'omnisim help' for usage.")
		return exitUsage
	}
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var opts any
	if c.flags != nil {
		opts = c.flags(fs)
	}
	rest, err := parseCommandLine(c, fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			commandUsage(stdout, c, fs)
			return exitOK
		}
		fmt.Fprintf(stderr, "omnisim %s: %v\n", c.name, err)
		fmt.Fprintf(stderr, "usage: omnisim %s %s\nRun 'omnisim %s -h' for details.\n", c.name, c.usage, c.name)
		return exitUsage
	}
	return c.run(ctx, e, opts, rest)
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func commandNames() []string {
	var out []string
	for _, c := range commands {
		out = append(out, c.name)
	}
	return out
}

func usage(w io.Writer) {
	fmt.Fprint(w, "omnisim simulates omnichannel customer-service messaging: fake platforms,\nthe routing engine, and scenarios on a virtual clock.\n\nUsage:\n\n\tomnisim <command> [arguments]\n\nThe commands are:\n\n")
	for _, c := range commands {
		fmt.Fprintf(w, "\t%-8s %s\n", c.name, c.short)
	}
	fmt.Fprint(w, "\nUse \"omnisim <command> -h\" for more about a command.\n")
}

func commandUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: omnisim %s %s\n\n%s\n", c.name, c.usage, strings.TrimSpace(c.long))
	if fs == nil {
		fs = flag.NewFlagSet(c.name, flag.ContinueOnError)
		if c.flags != nil {
			c.flags(fs)
		}
	}
	var has bool
	fs.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprint(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}
