// Package watch re-runs scenario files as they change: the engine of
// "omnisim watch".
//
// A [Watcher] watches files and directory trees through a [Source]
// (fsnotify, or polling for file systems without inotify), adds the
// directories that appear and drops the ones that go, and waits for a burst
// of changes to settle (the debounce, by a [Clock]) before it re-runs: the
// scenarios whose files changed, or all of them when another file under the
// watched paths changed (something the scenarios may share). It prints a
// compact summary of each run and keeps going through scenario files that
// do not parse; it skips, unread, those that are not regular files.
//
// Both the source and the clock can be replaced, so the whole behaviour is
// testable without the file system's timing.
package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// DefaultDebounce is how long the files must stay quiet before a run.
const DefaultDebounce = 150 * time.Millisecond

// retryMissing is how often a watched path that went away is looked for.
const retryMissing = time.Second

// maxLogged is how many failed watches are named before they are counted.
const maxLogged = 3

// Options configure a Watcher. Only Paths and Out matter for most callers.
type Options struct {
	// Paths are the files and directories to watch; directories are
	// watched recursively. Empty means ".". A path that does not exist is
	// an error of New.
	Paths []string
	// Debounce is how long the files must stay quiet after a change before
	// the run; a steady stream of changes runs at the latest after ten
	// times as long (and at least a second). Zero runs at once.
	Debounce time.Duration
	// Poll watches by polling every PollInterval instead of fsnotify.
	Poll         bool
	PollInterval time.Duration
	// Source, when set, replaces fsnotify or polling.
	Source Source
	// Clock, when set, replaces the wall clock (for the debounce, the
	// polling, the retry of missing paths and the time in headers).
	Clock Clock
	// Load reads, parses and checks a scenario file, returning at once
	// with ctx's error when ctx is done. It is called only for regular
	// files (a named pipe, a device or a symbolic link to one is skipped
	// unread). Required: the command line gives it the guards of "omnisim
	// run" (the file size limit and the message budget).
	Load func(ctx context.Context, file string) (*scenario.Scenario, error)
	// Run plays a scenario, stopping soon when ctx is done; nil means
	// sim.Run with every platform.
	Run func(ctx context.Context, sc *scenario.Scenario) result.Result
	// Filter, when set, runs only the scenarios whose name or file
	// matches it.
	Filter *regexp.Regexp
	// Out receives the summaries; nil discards them.
	Out io.Writer
	// Color marks PASS, FAIL and errors with ANSI colours.
	Color bool
	// Logf reports warnings: paths that could not be watched, with a hint
	// for the kernel's limits, and errors of the source. Nil discards them.
	Logf func(format string, args ...any)
	// Ignore lists files whose changes are never a reason to run, such as
	// the file Out writes to.
	Ignore []string
	// OnRun, when set, is called after each run with its summary.
	OnRun func(Summary)
}

// Summary is what one run did.
type Summary struct {
	Time    time.Time // by the clock, when the run began
	Trigger string    // "start: 3 scenarios", "change: a.toml", ...
	// Files are the scenario files looked at, in order: run, failed to
	// parse, or left out by the filter.
	Files   []string
	Results []result.Result // one per scenario run
	Errors  []error         // one per file that could not be read or parsed
	Skipped []string        // scenario files that are not regular files
	Removed []string        // scenario files that went away
	Passed  int
	Failed  int
}

// root is one of the watched paths.
type root struct {
	path string // cleaned, as given
	dir  bool
	base string // the directory watched for it: path, or a file's parent
}

// Watcher watches scenario files and re-runs them as they change. Build it
// with New and start it with Run; it is not for concurrent use.
type Watcher struct {
	opt    Options
	src    Source
	clock  Clock
	roots  []root
	ignore map[string]bool // absolute paths of Options.Ignore

	dirs    map[string]bool // directories the source watches
	scen    map[string]bool // scenario files known
	files   map[string]bool // other (shared) files known
	missing map[string]bool // root bases that went away

	// What the next run is for.
	touched map[string]bool
	all     bool // events were lost: rescan and run everything
	first   time.Time
	timer   Timer // the debounce
	retry   Timer // looks for missing roots

	failedAdds int
	hinted     bool
	out        io.Writer
	debounce   time.Duration
	maxWait    time.Duration
}

// New checks the paths and sets up the event source. Its errors are bad
// input (a path that does not exist) or a source that could not start
// (fsnotify out of inotify instances: see LimitHint).
func New(opt Options) (*Watcher, error) {
	w := &Watcher{
		opt:     opt,
		clock:   opt.Clock,
		ignore:  map[string]bool{},
		dirs:    map[string]bool{},
		scen:    map[string]bool{},
		files:   map[string]bool{},
		missing: map[string]bool{},
		touched: map[string]bool{},
		out:     opt.Out,
	}
	if w.clock == nil {
		w.clock = System
	}
	if w.out == nil {
		w.out = io.Discard
	}
	if w.opt.Run == nil {
		w.opt.Run = func(ctx context.Context, sc *scenario.Scenario) result.Result {
			return sim.Run(ctx, sc, sim.Options{Platforms: platforms.All})
		}
	}
	if w.opt.Logf == nil {
		w.opt.Logf = func(string, ...any) {}
	}
	w.debounce = max(opt.Debounce, 0)
	w.maxWait = max(10*w.debounce, time.Second)
	paths := opt.Paths
	if len(paths) == 0 {
		paths = []string{"."}
	}
	for _, p := range paths {
		p = filepath.Clean(p)
		info, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%s: no such file or directory", p)
			}
			return nil, err
		}
		r := root{path: p, dir: info.IsDir(), base: p}
		if !r.dir {
			r.base = filepath.Dir(p)
		}
		w.roots = append(w.roots, r)
	}
	if w.opt.Load == nil {
		return nil, errors.New("watch: Options.Load is nil")
	}
	for _, p := range opt.Ignore {
		if abs, err := filepath.Abs(p); err == nil {
			w.ignore[abs] = true
		}
	}
	switch {
	case opt.Source != nil:
		w.src = opt.Source
	case opt.Poll:
		w.src = NewPoll(opt.PollInterval, w.clock)
	default:
		src, err := NewFSNotify()
		if err != nil {
			return nil, fmt.Errorf("cannot start watching: %w", err)
		}
		w.src = src
	}
	return w, nil
}

// ErrNoWatch is returned by Run when not one directory could be watched.
var ErrNoWatch = errors.New("no directory could be watched")

// Run watches until ctx is done, which stops it at once, also in the
// middle of a run, and returns nil. It first runs every scenario found.
// It fails only when nothing could be watched (ErrNoWatch, after the
// reasons went to Logf).
func (w *Watcher) Run(ctx context.Context) error {
	defer w.src.Close()
	defer func() {
		if w.timer != nil {
			w.timer.Stop()
		}
		if w.retry != nil {
			w.retry.Stop()
		}
	}()
	// Watch first, then look: a change made while the first run reads the
	// files is not missed.
	for _, r := range w.roots {
		w.addRoot(r, false)
	}
	if w.failedAdds > 0 {
		w.opt.Logf("%d of %d directories are not watched; changes there are not seen", w.failedAdds, w.failedAdds+len(w.dirs))
	}
	if len(w.dirs) == 0 {
		return ErrNoWatch
	}
	w.printf("watching %s (%s)\n", plural(len(w.dirs), "directory", "directories"), w.src.Kind())
	w.runFiles(ctx, fmt.Sprintf("start: %s", plural(len(w.scen), "scenario", "scenarios")), w.sortedScenarios(), nil)

	for {
		var debounced, retried <-chan time.Time
		if w.timer != nil {
			debounced = w.timer.C()
		}
		if w.retry != nil {
			retried = w.retry.C()
		}
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.src.Events():
			if !ok {
				return errors.New("the event source stopped")
			}
			if w.event(ev) {
				w.arm()
			}
		case err, ok := <-w.src.Errors():
			if !ok {
				return errors.New("the event source stopped")
			}
			w.opt.Logf("%v", err)
			if errors.Is(err, ErrOverflow) {
				w.all = true
				w.arm()
			}
		case <-debounced:
			w.timer = nil
			w.first = time.Time{}
			w.flush(ctx)
		case <-retried:
			w.retry = nil
			w.lookForMissing()
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// arm (re)starts the debounce: the run comes Debounce after the last
// change, or maxWait after the first one of a burst that never settles.
func (w *Watcher) arm() {
	now := w.clock.Now()
	if w.first.IsZero() {
		w.first = now
	}
	d := w.debounce
	if rest := w.first.Add(w.maxWait).Sub(now); rest < d {
		d = max(rest, 0)
	}
	if w.timer != nil {
		w.timer.Stop()
	}
	w.timer = w.clock.NewTimer(d)
}

// addRoot watches a root and notes its files; touch marks them changed.
func (w *Watcher) addRoot(r root, touch bool) {
	if !r.dir {
		if !w.dirs[r.base] {
			w.add(r.base)
		}
		if info, err := os.Lstat(r.path); err == nil && !info.IsDir() {
			w.note(r.path, touch)
		}
		return
	}
	w.addTree(r.path, touch)
}

// addTree watches dir and every directory below it that is not ignored,
// and notes their files; touch marks the files changed (a directory that
// appeared: its files may have been written before its watch was set).
func (w *Watcher) addTree(dir string, touch bool) {
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil // a directory that cannot be read, or went while walking
		}
		if p != dir && w.ignored(p) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if !w.dirs[p] {
				w.add(p)
			}
			return nil
		}
		w.note(p, touch)
		return nil
	})
}

// add asks the source to watch dir, reporting a failure once with the
// hint for the kernel's limits.
func (w *Watcher) add(dir string) {
	err := w.src.Add(dir)
	if err == nil {
		w.dirs[dir] = true
		delete(w.missing, dir)
		return
	}
	w.failedAdds++
	if w.failedAdds <= maxLogged {
		w.opt.Logf("cannot watch %s: %v", dir, err)
	}
	if h := LimitHint(err); h != "" && !w.hinted {
		w.hinted = true
		w.opt.Logf("%s", h)
	}
}

// note records a file found under a root.
func (w *Watcher) note(p string, touch bool) {
	if !w.underRoot(p) || w.ignored(p) {
		return
	}
	if w.isScenario(p) {
		w.scen[p] = true
	} else {
		w.files[p] = true
	}
	if touch {
		w.touched[p] = true
	}
}

// event takes one event and reports whether it is worth a run.
func (w *Watcher) event(ev Event) bool {
	p := filepath.Clean(ev.Name)
	if ev.Op&^Chmod == 0 {
		return false // attributes only: editors, Spotlight, antivirus
	}
	relevant := false
	if ev.Op.Has(Remove | Rename) {
		relevant = w.dropTree(p)
	}
	if !w.underRoot(p) || w.ignored(p) {
		return relevant
	}
	if ev.Op.Has(Create) {
		if info, err := os.Lstat(p); err == nil && info.IsDir() {
			w.addTree(p, true)
			return true
		}
	}
	w.touched[p] = true
	return true
}

// dropTree forgets a watched directory that went away and everything
// below it, and reports whether there was one. A root's directory is then
// looked for every second, and watched again when it is back.
func (w *Watcher) dropTree(p string) bool {
	found := false
	for d := range w.dirs {
		if within(p, d) {
			w.src.Remove(d) // the source may have dropped it already
			delete(w.dirs, d)
			found = true
		}
	}
	if !found {
		return false
	}
	for _, set := range []map[string]bool{w.scen, w.files} {
		for f := range set {
			if within(p, f) {
				w.touched[f] = true
			}
		}
	}
	for _, r := range w.roots {
		if within(p, r.base) {
			w.missing[r.base] = true
		}
	}
	if len(w.missing) > 0 && w.retry == nil {
		w.retry = w.clock.NewTimer(retryMissing)
	}
	return true
}

// lookForMissing watches again the roots whose directory is back.
func (w *Watcher) lookForMissing() {
	back := false
	for _, r := range w.roots {
		if !w.missing[r.base] {
			continue
		}
		if info, err := os.Stat(r.base); err != nil || !info.IsDir() {
			continue
		}
		delete(w.missing, r.base)
		w.addRoot(r, true)
		back = true
	}
	if back {
		w.arm()
	}
	if len(w.missing) > 0 {
		w.retry = w.clock.NewTimer(retryMissing)
	}
}

// rescan walks every root again after events were lost.
func (w *Watcher) rescan() {
	for d := range w.dirs {
		if info, err := os.Stat(d); err != nil || !info.IsDir() {
			w.dropTree(d)
		}
	}
	clear(w.files)
	old := w.scen
	w.scen = map[string]bool{}
	for _, r := range w.roots {
		if !w.missing[r.base] {
			w.addRoot(r, false)
		}
	}
	for f := range old {
		if !w.scen[f] {
			w.touched[f] = true // reported as removed
			w.scen[f] = true
		}
	}
}

// flush decides what the changes since the last run mean, and runs it:
// changed scenarios, or all of them when a shared file changed.
func (w *Watcher) flush(ctx context.Context) {
	all := w.all
	if all {
		w.rescan()
	}
	w.all = false
	touched := slices.Sorted(maps.Keys(w.touched))
	clear(w.touched)
	var changed, shared, removed []string
	for _, p := range touched {
		info, err := os.Lstat(p)
		switch {
		case err != nil:
			if w.scen[p] {
				delete(w.scen, p)
				removed = append(removed, p)
			} else if w.files[p] {
				delete(w.files, p)
				shared = append(shared, p)
				all = true
			}
		case info.IsDir():
			// Watched when it appeared.
		case w.isScenario(p):
			w.scen[p] = true
			changed = append(changed, p)
		default:
			w.files[p] = true
			shared = append(shared, p)
			all = true
		}
	}
	var trigger []string
	if len(changed)+len(shared) > 0 {
		trigger = append(trigger, "change: "+listNames(append(slices.Clone(changed), shared...)))
	}
	if len(removed) > 0 {
		trigger = append(trigger, "removed: "+listNames(removed))
	}
	run := changed
	if all {
		run = w.sortedScenarios()
		if len(shared) > 0 {
			trigger = append(trigger, "shared files changed, running all")
		} else {
			trigger = append(trigger, "events were lost, running all")
		}
	}
	if len(run) == 0 && len(removed) == 0 {
		return
	}
	w.runFiles(ctx, strings.Join(trigger, "; "), run, removed)
}

// runFiles parses and runs files, printing the summary as it goes.
func (w *Watcher) runFiles(ctx context.Context, trigger string, files, removed []string) {
	sum := Summary{Time: w.clock.Now(), Trigger: trigger, Removed: removed}
	w.printf("%s\n", w.paint(bold, fmt.Sprintf("[%s] %s", sum.Time.Format("15:04:05"), trigger)))
	if len(files) == 0 {
		if len(removed) > 0 {
			w.printf("%s left to watch\n", plural(len(w.scen), "scenario", "scenarios"))
		} else {
			w.printf("no scenario files yet; waiting for changes\n")
		}
		w.done(sum)
		return
	}
	filtered := 0
	for _, f := range files {
		if ctx.Err() != nil {
			return
		}
		sum.Files = append(sum.Files, f)
		// A named pipe would block the read, a device (a link to
		// /dev/zero) never end it: only regular files are read.
		if info, err := os.Stat(f); err == nil && !info.Mode().IsRegular() {
			sum.Skipped = append(sum.Skipped, f)
			w.printf("%s  %v\n", w.paint(yellow, "SKIP"), NotRegular(f, info.Mode()))
			continue
		}
		sc, err := w.opt.Load(ctx, f)
		if ctx.Err() != nil {
			return // interrupted while reading
		}
		if err != nil {
			sum.Errors = append(sum.Errors, err)
			w.printf("%s %s\n", w.paint(yellow, "ERROR"), f)
			for line := range strings.SplitSeq(strings.TrimRight(err.Error(), "\n"), "\n") {
				w.printf("      %s\n", line)
			}
			continue
		}
		if w.opt.Filter != nil && !w.opt.Filter.MatchString(sc.Name) && !w.opt.Filter.MatchString(sc.File) {
			filtered++
			continue
		}
		res := w.opt.Run(ctx, sc)
		if ctx.Err() != nil {
			return // interrupted: the result is not the scenario's
		}
		sum.Results = append(sum.Results, res)
		w.printResult(&res)
		if passed(&res) {
			sum.Passed++
		} else {
			sum.Failed++
		}
	}
	if filtered > 0 && len(sum.Results) == 0 && len(sum.Errors) == 0 && len(sum.Skipped) == 0 {
		w.printf("no scenario to run matches -run %q\n", w.opt.Filter.String())
		w.done(sum)
		return
	}
	n := len(sum.Results) + len(sum.Errors)
	totals := fmt.Sprintf("%d scenarios, %d passed, %d failed", n, sum.Passed, sum.Failed)
	if len(sum.Errors) > 0 {
		totals += fmt.Sprintf(", %d with errors", len(sum.Errors))
	}
	if len(sum.Skipped) > 0 {
		totals += fmt.Sprintf(", %d skipped", len(sum.Skipped))
	}
	colour := green
	if sum.Failed+len(sum.Errors)+len(sum.Skipped) > 0 {
		colour = red
	}
	took := w.clock.Now().Sub(sum.Time).Round(time.Millisecond)
	w.printf("%s in %s\n", w.paint(colour, totals), took)
	w.done(sum)
}

// NotRegular is the error for a scenario file of mode m that is not a
// regular file, "FILE: is a named pipe, not a regular file": a named pipe
// would block its reader, a device such as /dev/zero never end the read.
func NotRegular(file string, m fs.FileMode) error {
	kind := "a special file"
	switch {
	case m.IsDir():
		kind = "a directory"
	case m&fs.ModeNamedPipe != 0:
		kind = "a named pipe"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	case m&fs.ModeDevice != 0:
		kind = "a device"
	}
	return fmt.Errorf("%s: is %s, not a regular file", file, kind)
}

func (w *Watcher) done(sum Summary) {
	if w.opt.OnRun != nil {
		w.opt.OnRun(sum)
	}
}

// sortedScenarios lists the known scenario files in path order.
func (w *Watcher) sortedScenarios() []string {
	return slices.Sorted(maps.Keys(w.scen))
}

// underRoot reports whether p is a file root or inside a directory root.
func (w *Watcher) underRoot(p string) bool {
	for _, r := range w.roots {
		if r.path == p || r.dir && within(r.path, p) {
			return true
		}
	}
	return false
}

// isScenario reports whether p is a scenario file: a file given as a path,
// or a *.toml file inside a directory given as one.
func (w *Watcher) isScenario(p string) bool {
	for _, r := range w.roots {
		if !r.dir && r.path == p {
			return true
		}
		if r.dir && strings.HasSuffix(p, ".toml") && within(r.path, p) {
			return true
		}
	}
	return false
}

// ignored reports whether p is never a reason to run: one of
// Options.Ignore, or a path with an ignored name (IgnoredName) between a
// root and it. A path given as a root is never ignored for its own name.
func (w *Watcher) ignored(p string) bool {
	if len(w.ignore) > 0 {
		if abs, err := filepath.Abs(p); err == nil && w.ignore[abs] {
			return true
		}
	}
	for _, r := range w.roots {
		if r.path == p {
			return false
		}
	}
	inside := false
	for _, r := range w.roots {
		if !r.dir || !within(r.path, p) {
			continue
		}
		rel, err := filepath.Rel(r.path, p)
		if err != nil {
			continue
		}
		inside = true
		if !slices.ContainsFunc(strings.Split(rel, string(filepath.Separator)), IgnoredName) {
			return false // not ignored below this root
		}
	}
	return inside || IgnoredName(filepath.Base(p))
}

// within reports whether p is dir or inside it. Both are cleaned paths,
// both relative or both absolute.
func within(dir, p string) bool {
	if dir == p {
		return true
	}
	if dir == "." {
		return !filepath.IsAbs(p) && p != ".." && !strings.HasPrefix(p, ".."+string(filepath.Separator))
	}
	return strings.HasPrefix(p, dir) && (strings.HasSuffix(dir, string(filepath.Separator)) || p[len(dir)] == filepath.Separator)
}

// listNames names up to three paths and counts the rest.
func listNames(names []string) string {
	const shown = 3
	if len(names) <= shown {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:shown], ", ") + fmt.Sprintf(" and %d more", len(names)-shown)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
