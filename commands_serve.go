package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/serve"
	"github.com/omnisim/omnisim/sim/scenario"
)

// shutdownGrace bounds how long serve waits for requests in flight when it
// stops.
const shutdownGrace = 5 * time.Second

type serveFlags struct {
	addr      string
	readyFile string
	webhooks  webhookFlag
	seed      string
	speed     float64
	memory    memorySize
}

// webhookFlag collects -webhook PLATFORM=URL flags.
type webhookFlag map[string]string

func (f webhookFlag) String() string {
	var out []string
	for k, v := range f {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func (f webhookFlag) Set(v string) error {
	name, u, ok := strings.Cut(v, "=")
	if !ok || name == "" || u == "" {
		return errors.New("want PLATFORM=URL, e.g. whatsapp=http://localhost:3000/webhook")
	}
	if _, ok := platforms.Lookup(name); !ok {
		var names []string
		for _, p := range platforms.All {
			names = append(names, p.Name())
		}
		return fmt.Errorf("unknown platform %q (known: %s)", name, strings.Join(names, ", "))
	}
	if _, dup := f[name]; dup {
		return fmt.Errorf("platform %q given twice", name)
	}
	f[name] = u
	return nil
}

const serveUsage = "[-addr HOST:PORT] [-ready-file FILE] [-webhook PLATFORM=URL]... [-seed N] [-speed X] [-max-memory SIZE] [FILE.toml]"

var cmdServe = &command{
	name:  "serve",
	usage: serveUsage,
	short: "serve the fake platforms and the router for apps and people to talk to",
	long: `Serve runs a world along real time on one loopback port: every fake
platform, the embedded router and a control API, for an app under test to
talk to by changing only its base URL.

Each platform is served under its own path prefix:

	/{platform}/api       the fake platform's API; for WhatsApp the Graph API
	                      base URL: POST {api}/v21.0/{phone-number-id}/messages
	/{platform}/webhook   the embedded router's webhook for the platform

The platforms: ` + platformList() + `.

With FILE, the world has the scenario's start, tenant, groups, agents,
channels and customers; its steps, traffic and expectations are not played.
Without FILE, the world has every platform with its defaults and two agents,
"ana" and "ben", of capacity 5, online, and starts at the current time.

-webhook PLATFORM=URL sends that platform's webhooks to your app instead of
the embedded router; the platform's webhook handshake runs against the app
at the start, and serve fails (exit 1) if it does not pass.

The clock: virtual time starts at the scenario's start (or now) and runs
at -speed times real time (0 stops it); timers fire and status webhooks go
out on their own. The control API jumps it forward.

The control API, under /_omnisim (JSON in and out, errors as {"error":…}):

	GET  /_omnisim/health                     {"ok":true,"now":…}
	GET  /_omnisim/urls                       the document of -ready-file
	GET  /_omnisim/clock                      now, speed, next deadlines
	POST /_omnisim/clock                      {"advance":"25h"} or {"to":"2026-03-05T09:00:00Z"}
	POST /_omnisim/reset                      a new world, with the seed + 1
	GET  /_omnisim/journal                    ?platform= &customer= &kind= &since=
	POST /_omnisim/customers/{platform}/{customer}/messages  {"text":"…"}
	GET  /_omnisim/customers/{platform}/{customer}/device
	GET  /_omnisim/agents
	POST /_omnisim/agents/{id}/presence       {"online":true}
	POST /_omnisim/agents/{id}/send           {"platform":"whatsapp","customer":"16505551234","text":"…"}
	POST /_omnisim/agents/{id}/close          {"platform":"whatsapp","customer":"16505551234"}
	GET  /_omnisim/conversations
	GET  /_omnisim/events                     ?since=N
	GET  /_omnisim/stream                     server-sent events, one per change
	GET  /_omnisim/inbox                      the message center (and /inbox/{action},
	                                          /conversations/{id}, tags, quick replies, /figures)

The web console is at the base URL (/): the message center, an agent's
seat, each customer's phone, the clock with the next timers, and the live
dashboard, in any browser.

docs/serve.md is the reference, with examples.

Once listening, serve prints the URLs and, with -ready-file, writes them as
JSON to FILE (atomically; the file is removed when serve stops; a FILE that
cannot be written there fails the start, with exit status 1, before the
world opens):
{"base":…,"control":…,"platforms":{"whatsapp":{"api":…,"webhook":…}}}.

Ids never repeat across restarts: without -seed the world is seeded from
the wall clock, and serve prints the seed. Serve stops on SIGINT or SIGTERM,
finishing the requests in flight (for up to 5s; a second SIGINT or SIGTERM
cuts them off at once), and exits 0.

The world keeps every customer and message until a reset (its journals
keep their newest entries). Once the process holds more memory than
-max-memory (4GB by default; 0 for no limit), serve says so and stops the
same way, with exit status 1: reset the world between an app's tests
(POST /_omnisim/reset) to keep it small. Before it stops, serve has the
runtime collect and give back what is free, so that only what is in use
counts: what a reset dropped does not stop it.`,
	flags: func(fs *flag.FlagSet) any {
		f := &serveFlags{webhooks: webhookFlag{}}
		fs.StringVar(&f.addr, "addr", serve.DefaultAddr, "listen on `HOST:PORT`; the host must be given, and a non-loopback one gets a warning")
		fs.StringVar(&f.readyFile, "ready-file", "", "once listening, write the URLs as JSON to `FILE`")
		fs.Var(f.webhooks, "webhook", "send a platform's webhooks to an app: `PLATFORM=URL` (repeatable)")
		fs.StringVar(&f.seed, "seed", "", "seed the world with `N` instead of the wall clock")
		fs.Float64Var(&f.speed, "speed", 1, "run virtual time `X` times as fast as real time; 0 stops the clock")
		f.memory = scenario.DefaultMaxMemory
		fs.Var(&f.memory, "max-memory", "stop serving once the process holds more than `SIZE` of memory, as \"4GB\" or \"512MB\" (0: no limit)")
		return f
	},
	run: runServe,
}

func runServe(ctx context.Context, e *env, opts any, args []string) int {
	f := opts.(*serveFlags)
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "omnisim serve: "+format+"\n", a...)
		fmt.Fprintf(e.stderr, "usage: omnisim serve %s\nRun 'omnisim serve -h' for details.\n", serveUsage)
		return exitUsage
	}
	cfg := serve.Config{Addr: f.addr, Webhooks: f.webhooks}
	if err := serve.CheckAddr(f.addr); err != nil {
		return usageErr("-addr: %v", err)
	}
	if f.seed != "" {
		s, err := strconv.ParseUint(f.seed, 10, 64)
		if err != nil {
			return usageErr("bad -seed %q: want a whole number from 0 to %d", f.seed, uint64(math.MaxUint64))
		}
		cfg.Seed = &s
	}
	if err := f.memory.check(); err != nil {
		return usageErr("%v", err)
	}
	switch {
	case f.speed < 0 || math.IsNaN(f.speed) || math.IsInf(f.speed, 0):
		return usageErr("bad -speed %v: want 0 (a stopped clock) or more", f.speed)
	case f.speed == 0:
		cfg.Stopped = true
	default:
		cfg.Speed = f.speed
	}
	for name, u := range f.webhooks {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return usageErr("-webhook %s=%s: want an http:// or https:// URL", name, u)
		}
	}
	switch len(args) {
	case 0:
	case 1:
		file := args[0]
		info, err := os.Stat(file)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(e.stderr, "omnisim serve: %s: no such file\n", file)
			return exitUsage
		case err != nil:
			fmt.Fprintf(e.stderr, "omnisim serve: %v\n", err)
			return exitUsage
		case info.IsDir():
			fmt.Fprintf(e.stderr, "omnisim serve: %s is a directory; serve takes one scenario file\n", file)
			return exitUsage
		}
		src, err := readScenario(file)
		if err != nil {
			fmt.Fprintf(e.stderr, "omnisim serve: %v\n", err)
			return exitUsage
		}
		sc, err := platforms.Format.Parse(file, src)
		if err != nil {
			fmt.Fprintln(e.stderr, strings.TrimRight(err.Error(), "\n"))
			fmt.Fprintf(e.stderr, "omnisim serve: %s has errors\n", file)
			return exitUsage
		}
		cfg.Scenario = sc
	default:
		return usageErr("takes at most one scenario file, got %d arguments", len(args))
	}

	// main stops on SIGINT; serve also stops on SIGTERM, as services do.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if f.readyFile != "" {
		// A ready file left by an earlier run must not look like this one's.
		if err := os.Remove(f.readyFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(e.stderr, "omnisim serve: -ready-file %s: %v\n", f.readyFile, pathless(err))
			return exitFailed
		}
		// It is written once serve listens: a place it cannot be written
		// fails the start before the world opens.
		if err := checkReadyFile(f.readyFile); err != nil {
			fmt.Fprintf(e.stderr, "omnisim serve: -ready-file %s: %v\n", f.readyFile, pathless(err))
			return exitFailed
		}
	}
	srv, err := serve.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "omnisim serve: %v\n", err)
		return exitFailed
	}
	urls := srv.URLs()
	// The summary's seed and clock are read before the ready file says
	// serve is up: a reset posted once it exists holds the server while its
	// webhook handshake runs, and the summary would wait for it (and then
	// describe the new world).
	seed, now := srv.Seed(), srv.Now()
	if !srv.Loopback() {
		fmt.Fprintf(e.stderr, "omnisim serve: warning: -addr %s is not a loopback address: anyone who can reach it can drive the simulator and read its journal\n", f.addr)
	}
	if f.readyFile != "" {
		if err := writeReadyFile(f.readyFile, urls); err != nil {
			srv.Close()
			fmt.Fprintf(e.stderr, "omnisim serve: -ready-file %s: %v\n", f.readyFile, pathless(err))
			return exitFailed
		}
		defer os.Remove(f.readyFile)
	}
	printSummary(e.stdout, urls, seed, now, cfg)

	ctx, unwatch := watchMemory(ctx, int64(f.memory))
	<-ctx.Done()
	over := errors.Is(context.Cause(ctx), errOverMemory)
	unwatch() // the graceful stop runs without the watch's memory limit
	code := exitOK
	if over {
		fmt.Fprintf(e.stderr, "omnisim serve: %s; reset the world between tests (POST %s/reset) to keep it small, or raise the budget\n", overMemory(int64(f.memory)), urls.Control)
		code = exitFailed
	}
	// A second interrupt during the graceful stop stops at once.
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(again)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	go func() {
		select {
		case <-again:
			cancel()
		case <-sctx.Done():
		}
	}()
	fmt.Fprintln(e.stdout, "omnisim serve: stopping")
	if err := srv.Shutdown(sctx); err != nil {
		switch {
		case errors.Is(err, context.Canceled) && over:
			fmt.Fprintln(e.stderr, "omnisim serve: interrupted: requests still running were cut off")
		case errors.Is(err, context.Canceled):
			fmt.Fprintln(e.stderr, "omnisim serve: interrupted again: requests still running were cut off")
		default:
			fmt.Fprintf(e.stderr, "omnisim serve: requests still running after %v were cut off\n", shutdownGrace)
		}
	}
	return code
}

// platformList names the platforms of the table for the help text.
func platformList() string {
	var out []string
	for _, p := range platforms.All {
		out = append(out, p.Name()+" ("+p.Title+")")
	}
	return strings.Join(out, ", ")
}

// writeReadyFile writes the URLs as JSON to name atomically: a reader sees
// no file or the whole document.
func writeReadyFile(name string, urls serve.URLs) error {
	b, err := json.MarshalIndent(urls, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := readyTemp(name)
	if err != nil {
		return err
	}
	_, err = tmp.Write(append(b, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// readyTemp creates the temporary file the ready file name is written as,
// beside it.
func readyTemp(name string) (*os.File, error) {
	return os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
}

// pathless is a file operation's error without the operation and the
// path: the message around it names the file as given (the temporary
// file's made-up name would only confuse).
func pathless(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	if le, ok := errors.AsType[*os.LinkError](err); ok {
		return le.Err
	}
	return err
}

// checkReadyFile makes sure the ready file name can be written
// (writeReadyFile), leaving nothing behind.
func checkReadyFile(name string) error {
	tmp, err := readyTemp(name)
	if err != nil {
		return err
	}
	tmp.Close()
	return os.Remove(tmp.Name())
}

// printSummary prints where everything is, one line per platform, for the
// world serve opened with seed, whose clock read now.
func printSummary(w io.Writer, urls serve.URLs, seed uint64, now time.Time, cfg serve.Config) {
	fmt.Fprintf(w, "omnisim serve: listening on %s\n", urls.Base)
	fmt.Fprintf(w, "  seed      %d (-seed %d reproduces this session's ids)\n", seed, seed)
	speed := "stopped"
	if !cfg.Stopped {
		speed = "×" + strconv.FormatFloat(cfg.Speed, 'g', -1, 64)
	}
	fmt.Fprintf(w, "  clock     %s, %s\n", now.Format(time.RFC3339), speed)
	fmt.Fprintf(w, "  control   %s\n", urls.Control)
	for _, p := range platforms.All {
		parts := urls.Platforms[p.Name()]
		if parts == nil {
			continue
		}
		names := make([]string, 0, len(parts))
		for part := range parts {
			names = append(names, part)
		}
		// api and webhook first, then any other part by name.
		slices.SortFunc(names, func(a, b string) int {
			if ra, rb := partRank(a), partRank(b); ra != rb {
				return ra - rb
			}
			return strings.Compare(a, b)
		})
		line := fmt.Sprintf("  %-9s", p.Name())
		for _, part := range names {
			line += " " + part + " " + parts[part]
		}
		if app := cfg.Webhooks[p.Name()]; app != "" {
			line += " (webhooks go to " + app + ")"
		}
		fmt.Fprintln(w, line)
	}
}

// partRank orders a platform's parts in the summary.
func partRank(part string) int {
	switch part {
	case "api":
		return 0
	case "webhook":
		return 1
	}
	return 2
}
