package watch

import (
	"context"
	"errors"
	"fmt"
	"github.com/omnisim/omnisim/sim/result"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

func TestIgnoredName(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ignored bool
	}{
		{"a.toml", false},
		{"data.json", false},
		{"sub", false},
		{"4913.toml", false},
		{"a#b.toml", false},
		{"tmp", false},
		{".git", true},
		{".idea", true},
		{".DS_Store", true},
		{".a.toml.swp", true},
		{".a.toml.swx", true},
		{"a.toml.swp", true},
		{"a.toml.swo", true},
		{"a.toml~", true},
		{"#a.toml#", true},
		{".#a.toml", true},
		{"4913", true},
		{"a.toml.tmp", true},
		{"x.tmp", true},
		{"a.toml___jb_tmp___", true},
		{"a.toml___jb_old___", true},
		{"#", false},
		{".", false},
		{"", false},
	} {
		if got := IgnoredName(tc.name); got != tc.ignored {
			t.Errorf("IgnoredName(%q) = %v, want %v", tc.name, got, tc.ignored)
		}
	}
}

// base is the tree most cases start from.
var base = map[string]string{
	"a.toml":           scenarioText("a"),
	"b.toml":           scenarioText("b"),
	"sub/c.toml":       scenarioText("c"),
	"data/common.json": "{}",
}

// TestRerunSet checks what runs after a change: the changed scenarios, or
// all when a shared file changed, nothing for what is ignored.
func TestRerunSet(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(h *harness)
		run     []string // the files run after the change; nil: no run at all
		removed []string
		check   func(t *testing.T, h *harness)
	}{
		{
			name: "scenario changed",
			change: func(h *harness) {
				h.write("a.toml", scenarioText("a2"))
				h.send(Write, "a.toml")
			},
			run: []string{"a.toml"},
		},
		{
			name: "two scenarios changed, many events each",
			change: func(h *harness) {
				h.send(Write, "b.toml", "a.toml", "b.toml", "a.toml", "b.toml")
			},
			run: []string{"a.toml", "b.toml"},
		},
		{
			name: "scenario in a subdirectory changed",
			change: func(h *harness) {
				h.send(Write, "sub/c.toml")
			},
			run: []string{"sub/c.toml"},
		},
		{
			name: "new scenario",
			change: func(h *harness) {
				h.write("d.toml", scenarioText("d"))
				h.send(Create, "d.toml")
				h.send(Write, "d.toml")
			},
			run: []string{"d.toml"},
		},
		{
			name: "shared file changed: all",
			change: func(h *harness) {
				h.write("data/common.json", `{"x":1}`)
				h.send(Write, "data/common.json")
			},
			run: []string{"a.toml", "b.toml", "sub/c.toml"},
		},
		{
			name: "new shared file: all",
			change: func(h *harness) {
				h.write("notes.md", "x")
				h.send(Create, "notes.md")
			},
			run: []string{"a.toml", "b.toml", "sub/c.toml"},
		},
		{
			name: "shared file and scenario: all, once",
			change: func(h *harness) {
				h.send(Write, "a.toml", "data/common.json")
			},
			run: []string{"a.toml", "b.toml", "sub/c.toml"},
		},
		{
			name: "shared file removed: all",
			change: func(h *harness) {
				os.Remove(h.path("data/common.json"))
				h.send(Remove, "data/common.json")
			},
			run: []string{"a.toml", "b.toml", "sub/c.toml"},
		},
		{
			name: "new subdirectory: watched, its scenarios run",
			change: func(h *harness) {
				h.write("new/d.toml", scenarioText("d"))
				h.write("new/deeper/e.toml", scenarioText("e"))
				h.send(Create, "new")
			},
			run: []string{"new/d.toml", "new/deeper/e.toml"},
			check: func(t *testing.T, h *harness) {
				for _, d := range []string{"new", "new/deeper"} {
					if !h.src.isWatched(h.path(d)) {
						t.Errorf("%s is not watched", d)
					}
				}
				// A later change inside it runs that scenario alone.
				h.send(Write, "new/deeper/e.toml")
				sums := h.settle()
				if len(sums) != 1 || !slices.Equal(h.rels(sums[0].Files), []string{"new/deeper/e.toml"}) {
					t.Errorf("after a change in the new directory: %+v", sums)
				}
			},
		},
		{
			name: "new empty subdirectory: watched, nothing runs",
			change: func(h *harness) {
				os.Mkdir(h.path("empty"), 0o755)
				h.send(Create, "empty")
			},
			check: func(t *testing.T, h *harness) {
				if !h.src.isWatched(h.path("empty")) {
					t.Errorf("empty is not watched")
				}
			},
		},
		{
			name: "new hidden directory: not watched",
			change: func(h *harness) {
				h.write(".git/HEAD", "ref")
				h.send(Create, ".git")
				h.send(Write, ".git/HEAD")
			},
			check: func(t *testing.T, h *harness) {
				if h.src.isWatched(h.path(".git")) {
					t.Errorf(".git is watched")
				}
			},
		},
		{
			name: "rename save (vim): one run, still watched",
			change: func(h *harness) {
				os.Rename(h.path("a.toml"), h.path("a.toml~"))
				h.send(Rename, "a.toml")
				h.send(Create, "a.toml~")
				h.send(Create, "4913")
				h.send(Remove, "4913")
				h.write("a.toml", scenarioText("a2"))
				h.send(Create, "a.toml")
				h.send(Write, "a.toml")
				h.send(Chmod, "a.toml")
				os.Remove(h.path("a.toml~"))
				h.send(Remove, "a.toml~")
			},
			run: []string{"a.toml"},
			check: func(t *testing.T, h *harness) {
				if !h.src.isWatched(h.dir) {
					t.Errorf("the directory is no longer watched")
				}
				h.send(Write, "a.toml")
				if sums := h.settle(); len(sums) != 1 || !slices.Equal(h.rels(sums[0].Files), []string{"a.toml"}) {
					t.Errorf("the next save: %+v", sums)
				}
			},
		},
		{
			name: "atomic save through a temporary file",
			change: func(h *harness) {
				h.write("a.toml.tmp", scenarioText("a2"))
				h.send(Create, "a.toml.tmp")
				h.send(Write, "a.toml.tmp")
				os.Rename(h.path("a.toml.tmp"), h.path("a.toml"))
				h.send(Rename, "a.toml.tmp")
				h.send(Create, "a.toml")
			},
			run: []string{"a.toml"},
		},
		{
			name: "chmod only: nothing",
			change: func(h *harness) {
				h.send(Chmod, "a.toml", "data/common.json")
			},
		},
		{
			name: "editor files: nothing",
			change: func(h *harness) {
				h.send(Create|Write, ".a.toml.swp", ".a.toml.swx", "a.toml~", "#a.toml#", ".#a.toml", "4913", "x.tmp", "sub/.b.toml.swp")
				h.send(Remove, ".a.toml.swp", "4913")
			},
		},
		{
			name: "events outside the roots: nothing",
			change: func(h *harness) {
				h.src.events <- Event{Name: filepath.Join(filepath.Dir(h.dir), "elsewhere.toml"), Op: Write}
				synctest.Wait()
			},
		},
		{
			name: "scenario deleted: dropped",
			change: func(h *harness) {
				os.Remove(h.path("b.toml"))
				h.send(Remove, "b.toml")
			},
			removed: []string{"b.toml"},
			check: func(t *testing.T, h *harness) {
				h.send(Write, "data/common.json")
				sums := h.settle()
				if len(sums) != 1 || !slices.Equal(h.rels(sums[0].Files), []string{"a.toml", "sub/c.toml"}) {
					t.Errorf("all after the deletion: %+v", sums)
				}
			},
		},
		{
			name: "subdirectory removed: unwatched, its scenarios dropped",
			change: func(h *harness) {
				os.RemoveAll(h.path("sub"))
				h.send(Remove, "sub")
			},
			removed: []string{"sub/c.toml"},
			check: func(t *testing.T, h *harness) {
				if h.src.isWatched(h.path("sub")) {
					t.Errorf("sub is still watched")
				}
			},
		},
		{
			name: "subdirectory renamed",
			change: func(h *harness) {
				os.Rename(h.path("sub"), h.path("sub2"))
				h.send(Rename, "sub")
				h.send(Create, "sub2")
			},
			run:     []string{"sub2/c.toml"},
			removed: []string{"sub/c.toml"},
			check: func(t *testing.T, h *harness) {
				if h.src.isWatched(h.path("sub")) || !h.src.isWatched(h.path("sub2")) {
					t.Errorf("watched: %v", h.src.watched)
				}
			},
		},
		{
			name: "created and deleted within the debounce: nothing",
			change: func(h *harness) {
				h.send(Create, "scratch.txt")
				h.send(Remove, "scratch.txt")
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, base)
				start := h.summaries()
				if len(start) != 1 || !slices.Equal(h.rels(start[0].Files), []string{"a.toml", "b.toml", "sub/c.toml"}) {
					t.Fatalf("start: %+v", start)
				}
				tc.change(h)
				sums := h.settle()
				switch {
				case tc.run == nil && tc.removed == nil:
					if len(sums) != 0 {
						t.Fatalf("want no run, got %+v\n%s", sums, h.out.String())
					}
				case len(sums) != 1:
					t.Fatalf("want one run, got %d: %+v\n%s", len(sums), sums, h.out.String())
				default:
					if got := h.rels(sums[0].Files); !slices.Equal(got, tc.run) {
						t.Errorf("ran %q, want %q\n%s", got, tc.run, h.out.String())
					}
					if got := h.rels(sums[0].Removed); !slices.Equal(got, tc.removed) {
						t.Errorf("removed %q, want %q", got, tc.removed)
					}
				}
				if tc.check != nil {
					tc.check(t, h)
				}
			})
		})
	}
}

// TestDebounce checks that a burst of changes runs once, after the files
// have been quiet for the debounce, and that a stream that never settles
// still runs.
func TestDebounce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, base)
		h.summaries()
		// Five saves 50ms apart: the last one is what counts.
		for _, f := range []string{"a.toml", "b.toml", "a.toml", "b.toml", "a.toml"} {
			h.send(Write, f)
			h.clk.Advance(50 * time.Millisecond)
		}
		h.clk.Advance(DefaultDebounce - 50*time.Millisecond - time.Millisecond)
		if sums := h.summaries(); len(sums) != 0 {
			t.Fatalf("ran before the files were quiet for %v: %+v", DefaultDebounce, sums)
		}
		h.clk.Advance(time.Millisecond)
		sums := h.summaries()
		if len(sums) != 1 {
			t.Fatalf("want one run, got %+v", sums)
		}
		if got := h.rels(sums[0].Files); !slices.Equal(got, []string{"a.toml", "b.toml"}) {
			t.Errorf("ran %q", got)
		}
		if n := strings.Count(h.out.String(), "change: "); n != 1 {
			t.Errorf("%d headers:\n%s", n, h.out.String())
		}

		// A change every 100ms never leaves 150ms of quiet: the run comes
		// at the latest after 10 × the debounce.
		for range 14 {
			h.send(Write, "a.toml")
			h.clk.Advance(100 * time.Millisecond)
		}
		if sums := h.summaries(); len(sums) != 0 {
			t.Fatalf("ran before the cap: %+v", sums)
		}
		h.send(Write, "a.toml")
		h.clk.Advance(100 * time.Millisecond)
		if sums := h.summaries(); len(sums) != 1 {
			t.Fatalf("want one run at the cap (1.5s), got %d", len(sums))
		}
	})
}

func TestDebounceZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, base, func(h *harness, o *Options) { o.Debounce = 0 })
		h.summaries()
		h.send(Write, "a.toml")
		h.clk.Advance(0)
		if sums := h.summaries(); len(sums) != 1 {
			t.Fatalf("want a run at once, got %+v", sums)
		}
	})
}

// TestParseErrorKeepsWatching checks that a file that does not parse is
// reported with its position, and the next save runs again.
func TestParseErrorKeepsWatching(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, base)
		h.summaries()
		h.write("a.toml", "name = \"a\"\nnmae = 3\n")
		h.send(Write, "a.toml")
		sums := h.settle()
		if len(sums) != 1 || len(sums[0].Errors) != 1 || len(sums[0].Results) != 0 {
			t.Fatalf("broken file: %+v", sums)
		}
		want := h.path("a.toml") + `:2:1: unknown key "nmae"`
		if !strings.Contains(h.out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, h.out.String())
		}
		if !strings.Contains(h.out.String(), "ERROR "+h.path("a.toml")+"\n") {
			t.Errorf("output lacks the ERROR line:\n%s", h.out.String())
		}
		if !strings.Contains(h.out.String(), "1 scenarios, 0 passed, 0 failed, 1 with errors") {
			t.Errorf("output lacks the totals:\n%s", h.out.String())
		}
		select {
		case err := <-h.done:
			t.Fatalf("the watcher stopped: %v", err)
		default:
		}

		// A shared change runs all, the broken one included.
		h.send(Write, "data/common.json")
		sums = h.settle()
		if len(sums) != 1 || len(sums[0].Errors) != 1 || len(sums[0].Results) != 2 {
			t.Fatalf("all with a broken file: %+v", sums)
		}

		h.write("a.toml", scenarioText("a fixed"))
		h.send(Write, "a.toml")
		sums = h.settle()
		if len(sums) != 1 || len(sums[0].Errors) != 0 || sums[0].Passed != 1 {
			t.Fatalf("fixed file: %+v", sums)
		}
	})
}

// TestSummaryOutput checks the lines of a run, with and without colour.
func TestSummaryOutput(t *testing.T) {
	files := map[string]string{
		"a.toml":   scenarioText("greets"),
		"f.toml":   scenarioText("fails"),
		"bad.toml": "name = 3\n",
	}
	for _, color := range []bool{false, true} {
		t.Run(fmt.Sprint("color=", color), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, files, func(h *harness, o *Options) { o.Color = color })
				h.summaries()
				out := h.out.String()
				var want []string
				if color {
					want = []string{
						"\x1b[1m[09:00:00] start: 3 scenarios\x1b[0m\n",
						"\x1b[32mPASS\x1b[0m  greets (" + h.path("a.toml") + ")\n",
						"\x1b[31mFAIL\x1b[0m  fails (" + h.path("f.toml") + ")\n      FAIL line 7: customer bo received: expected 1, got 0\n",
						"\x1b[33mERROR\x1b[0m " + h.path("bad.toml") + "\n      " + h.path("bad.toml") + ":1:",
						"\x1b[31m3 scenarios, 1 passed, 1 failed, 1 with errors\x1b[0m in 0s\n",
					}
				} else {
					want = []string{
						"watching 1 directory (fake)\n[09:00:00] start: 3 scenarios\n",
						"PASS  greets (" + h.path("a.toml") + ")\n",
						"FAIL  fails (" + h.path("f.toml") + ")\n      FAIL line 7: customer bo received: expected 1, got 0\n",
						"ERROR " + h.path("bad.toml") + "\n      " + h.path("bad.toml") + ":1:",
						"3 scenarios, 1 passed, 1 failed, 1 with errors in 0s\n",
					}
					if strings.Contains(out, "\x1b[") {
						t.Errorf("colour without Color:\n%q", out)
					}
				}
				for _, w := range want {
					if !strings.Contains(out, w) {
						t.Errorf("output lacks %q:\n%s", w, out)
					}
				}
			})
		})
	}
}

// TestFilter checks -run: only matching scenarios run.
func TestFilter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, base, func(h *harness, o *Options) { o.Filter = regexp.MustCompile("^[ab]$") })
		start := h.summaries()
		if len(start) != 1 || len(start[0].Results) != 2 {
			t.Fatalf("start: %+v", start)
		}
		h.send(Write, "sub/c.toml")
		sums := h.settle()
		if len(sums) != 1 || len(sums[0].Results) != 0 || !strings.Contains(h.out.String(), `no scenario to run matches -run "^[ab]$"`) {
			t.Fatalf("filtered out: %+v\n%s", sums, h.out.String())
		}
	})
}

// TestFileRoot checks a scenario file given as a path: its directory is
// watched (so that rename saves are seen), its neighbours are not roots.
func TestFileRoot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, base, func(h *harness, o *Options) { o.Paths = []string{h.path("a.toml")} })
		start := h.summaries()
		if len(start) != 1 || !slices.Equal(h.rels(start[0].Files), []string{"a.toml"}) {
			t.Fatalf("start: %+v", start)
		}
		if !h.src.isWatched(h.dir) {
			t.Fatalf("the file's directory is not watched: %v", h.src.watched)
		}
		h.send(Write, "b.toml", "data/common.json", "notes.txt")
		if sums := h.settle(); len(sums) != 0 {
			t.Fatalf("a neighbour ran something: %+v", sums)
		}
		os.Rename(h.path("a.toml"), h.path("a.toml~"))
		h.send(Rename, "a.toml")
		h.write("a.toml", scenarioText("a2"))
		h.send(Create, "a.toml")
		if sums := h.settle(); len(sums) != 1 || !slices.Equal(h.rels(sums[0].Files), []string{"a.toml"}) {
			t.Fatalf("rename save: %+v", sums)
		}
	})
}

// TestIgnorePath checks that the file the summaries go to is not a change.
func TestIgnorePath(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, base, func(h *harness, o *Options) { o.Ignore = []string{h.path("watch.log")} })
		h.summaries()
		h.write("watch.log", "x")
		h.send(Create|Write, "watch.log")
		if sums := h.settle(); len(sums) != 0 {
			t.Fatalf("the log file ran something: %+v", sums)
		}
	})
}

// TestOverflow checks that lost events rescan and run everything.
func TestOverflow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, base)
		h.summaries()
		// Changes whose events were lost.
		h.write("new/d.toml", scenarioText("d"))
		os.Remove(h.path("b.toml"))
		h.src.errs <- fmt.Errorf("fsnotify: %w", ErrOverflow)
		sums := h.settle()
		if len(sums) != 1 {
			t.Fatalf("want one run: %+v", sums)
		}
		if got := h.rels(sums[0].Files); !slices.Equal(got, []string{"a.toml", "new/d.toml", "sub/c.toml"}) {
			t.Errorf("ran %q", got)
		}
		if got := h.rels(sums[0].Removed); !slices.Equal(got, []string{"b.toml"}) {
			t.Errorf("removed %q", got)
		}
		if !h.src.isWatched(h.path("new")) {
			t.Errorf("new is not watched")
		}
		if !strings.Contains(h.log.String(), "events were lost") {
			t.Errorf("log: %s", h.log.String())
		}
	})
}

// TestRootComesBack checks that a watched directory that is removed and
// made again is watched again.
func TestRootComesBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, base, func(h *harness, o *Options) { o.Paths = []string{h.path("sub")} })
		h.summaries()
		os.RemoveAll(h.path("sub"))
		h.send(Remove, "sub")
		sums := h.settle()
		if len(sums) != 1 || !slices.Equal(h.rels(sums[0].Removed), []string{"sub/c.toml"}) {
			t.Fatalf("removed: %+v", sums)
		}
		h.write("sub/c.toml", scenarioText("c again"))
		h.clk.Advance(retryMissing)
		sums = h.settle()
		if len(sums) != 1 || !slices.Equal(h.rels(sums[0].Files), []string{"sub/c.toml"}) {
			t.Fatalf("back: %+v", sums)
		}
		if !h.src.isWatched(h.path("sub")) {
			t.Errorf("sub is not watched again")
		}
	})
}

// TestLimitHint checks the hints for the kernel's limits.
func TestLimitHint(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{syscall.ENOSPC, []string{"fs.inotify.max_user_watches", "sudo sysctl fs.inotify.max_user_watches=524288", "/etc/sysctl.d/", "omnisim watch -poll"}},
		{fmt.Errorf("add sub: %w", syscall.ENOSPC), []string{"fs.inotify.max_user_watches"}},
		{syscall.EMFILE, []string{"fs.inotify.max_user_instances", "sudo sysctl fs.inotify.max_user_instances=1024", "ulimit -n", "omnisim watch -poll"}},
		{fmt.Errorf("couldn't initialize inotify: %w", syscall.EMFILE), []string{"fs.inotify.max_user_instances"}},
		{syscall.EACCES, nil},
		{errors.New("no space left on device"), nil},
	} {
		got := LimitHint(tc.err)
		if tc.want == nil {
			if got != "" {
				t.Errorf("LimitHint(%v) = %q, want none", tc.err, got)
			}
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("LimitHint(%v) lacks %q:\n%s", tc.err, w, got)
			}
		}
	}
}

func TestLimitHintShowsCurrentValue(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "max_user_watches"), []byte("8192\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := procInotify
	procInotify = dir + string(filepath.Separator)
	defer func() { procInotify = old }()
	if got := LimitHint(syscall.ENOSPC); !strings.Contains(got, "fs.inotify.max_user_watches (now 8192)") {
		t.Errorf("hint: %s", got)
	}
}

// TestWatchLimit injects the inotify limit into Add: with some directories
// watched the watcher carries on, with none it gives up.
func TestWatchLimit(t *testing.T) {
	t.Run("some", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, base, func(h *harness, o *Options) {
				h.src.addErr = func(dir string) error {
					if dir == h.path("sub") {
						return fmt.Errorf("add %s: %w", dir, syscall.ENOSPC)
					}
					return nil
				}
			})
			start := h.summaries()
			if len(start) != 1 || len(start[0].Results) != 3 {
				t.Fatalf("start: %+v", start)
			}
			log := h.log.String()
			for _, w := range []string{"cannot watch " + h.path("sub"), "fs.inotify.max_user_watches", "-poll", "1 of 3 directories are not watched"} {
				if !strings.Contains(log, w) {
					t.Errorf("log lacks %q:\n%s", w, log)
				}
			}
			if strings.Count(log, "sudo sysctl fs.inotify") != 1 {
				t.Errorf("the hint is not given once:\n%s", log)
			}
			h.send(Write, "a.toml")
			if sums := h.settle(); len(sums) != 1 {
				t.Fatalf("no run after a change: %+v", sums)
			}
		})
	})
	t.Run("none", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			src := newFakeSource()
			src.addErr = func(string) error { return syscall.ENOSPC }
			var log strings.Builder
			w, err := New(Options{Paths: []string{t.TempDir()}, Source: src, Clock: newFakeClock(), Load: testLoad,
				Logf: func(f string, a ...any) { fmt.Fprintf(&log, f+"\n", a...) }})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Run(context.Background()); !errors.Is(err, ErrNoWatch) {
				t.Fatalf("Run: %v, want ErrNoWatch", err)
			}
			if !strings.Contains(log.String(), "fs.inotify.max_user_watches") {
				t.Errorf("log:\n%s", log.String())
			}
		})
	})
}

// TestCancel checks that cancelling stops at once, also in the middle of a
// run, and prints nothing of the interrupted scenario.
func TestCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, base)
		h.summaries()
		h.mu.Lock()
		h.block = true
		h.mu.Unlock()
		h.send(Write, "a.toml")
		h.clk.Advance(DefaultDebounce)
		if len(h.ran) != 4 {
			t.Fatalf("the run did not start: ran %q", h.ran)
		}
		before := h.out.String()
		h.cancel()
		synctest.Wait()
		select {
		case err := <-h.done:
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
		default:
			t.Fatal("Run did not return")
		}
		if after := h.out.String(); after != before {
			t.Errorf("printed after the cancel: %q", strings.TrimPrefix(after, before))
		}
		if !h.src.closed {
			t.Errorf("the source was not closed")
		}
	})
}

func TestNewBadPath(t *testing.T) {
	_, err := New(Options{Paths: []string{filepath.Join(t.TempDir(), "nope")}, Source: newFakeSource()})
	if err == nil || !strings.Contains(err.Error(), "nope: no such file or directory") {
		t.Fatalf("New: %v", err)
	}
}

func TestWithin(t *testing.T) {
	sep := string(filepath.Separator)
	for _, tc := range []struct {
		dir, p string
		want   bool
	}{
		{".", "a.toml", true},
		{".", "sub" + sep + "a.toml", true},
		{".", "..", false},
		{".", ".." + sep + "x", false},
		{".", "..x", true},
		{"sub", "sub", true},
		{"sub", "sub" + sep + "a", true},
		{"sub", "sub2" + sep + "a", false},
		{"sub", "su", false},
		{sep, sep + "x", true},
	} {
		if got := within(tc.dir, tc.p); got != tc.want {
			t.Errorf("within(%q, %q) = %v, want %v", tc.dir, tc.p, got, tc.want)
		}
	}
}

// TestCancelWhileLoading checks that cancelling stops at once while a
// scenario file is being read or parsed.
func TestCancelWhileLoading(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, base)
		h.summaries()
		h.mu.Lock()
		h.blockLoad = true
		h.mu.Unlock()
		h.send(Write, "a.toml")
		h.clk.Advance(DefaultDebounce)
		before := h.out.String()
		h.cancel()
		synctest.Wait()
		select {
		case err := <-h.done:
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
		default:
			t.Fatal("Run did not return")
		}
		if after := h.out.String(); after != before {
			t.Errorf("printed after the cancel: %q", strings.TrimPrefix(after, before))
		}
	})
}

// TestSummaryDriftPastTheList: drift findings the result counts but does
// not list are a reason of their own for a FAIL, not "without a failed
// expectation".
func TestSummaryDriftPastTheList(t *testing.T) {
	var out strings.Builder
	w := &Watcher{out: &out}
	w.printResult(&result.Result{Name: "drifts", File: "d.toml", Passed: false, DriftDropped: 5, DriftDroppedUnexpected: 2})
	want := "FAIL  drifts (d.toml)\n      drift: and 5 more findings not listed, 2 unexpected\n"
	if out.String() != want {
		t.Errorf("got\n%q\nwant\n%q", out.String(), want)
	}
}
