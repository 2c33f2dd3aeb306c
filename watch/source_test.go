package watch

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestPollSource checks the events polling makes up from two listings.
func TestPollSource(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		p := func(name string) string { return filepath.Join(dir, name) }
		os.WriteFile(p("a.toml"), []byte("a"), 0o644)
		os.WriteFile(p("b.toml"), []byte("b"), 0o644)
		os.Mkdir(p("sub"), 0o755)

		clk := newFakeClock()
		src := NewPoll(100*time.Millisecond, clk)
		if err := src.Add(dir); err != nil {
			t.Fatal(err)
		}
		if err := src.Add(p("sub")); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var got []string
		stop := make(chan struct{})
		go func() {
			for {
				select {
				case ev := <-src.Events():
					mu.Lock()
					rel, _ := filepath.Rel(dir, ev.Name)
					got = append(got, ev.Op.String()+" "+filepath.ToSlash(rel))
					mu.Unlock()
				case <-stop:
					return
				}
			}
		}()
		defer func() {
			close(stop)
			src.Close()
		}()
		step := func(what string, change func(), want ...string) {
			t.Helper()
			change()
			clk.Advance(100 * time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(got, want) {
				t.Errorf("%s: events %q, want %q", what, got, want)
			}
			got = nil
		}
		step("nothing", func() {})
		step("write", func() { os.WriteFile(p("a.toml"), []byte("a2"), 0o644) }, "WRITE a.toml")
		step("create", func() {
			os.WriteFile(p("c.toml"), []byte("c"), 0o644)
			os.Mkdir(p("new"), 0o755)
			os.WriteFile(p("sub/d.toml"), []byte("d"), 0o644)
		}, "CREATE c.toml", "CREATE new", "CREATE sub/d.toml")
		step("chmod", func() { os.Chmod(p("b.toml"), 0o600) }, "CHMOD b.toml")
		step("remove", func() { os.Remove(p("c.toml")) }, "REMOVE c.toml")
		step("rename", func() { os.Rename(p("b.toml"), p("b2.toml")) }, "REMOVE b.toml", "CREATE b2.toml")
		step("directory removed", func() { os.RemoveAll(p("sub")) }, "REMOVE sub", "REMOVE sub")
		step("a removed directory is no longer polled", func() {})
		if err := src.Remove(p("sub")); err == nil {
			t.Errorf("Remove of a directory that went: no error")
		}
		if err := src.Add(p("nope")); err == nil {
			t.Errorf("Add of a directory that does not exist: no error")
		}
		if k := src.Kind(); k != "polling every 100ms" {
			t.Errorf("Kind = %q", k)
		}
	})
}

// TestWatcherPolling runs the watcher on the polling source: the same
// re-run logic, from listings.
func TestWatcherPolling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, base, func(h *harness, o *Options) {
			o.Source = nil
			o.Poll = true
			o.PollInterval = 100 * time.Millisecond
		})
		if start := h.summaries(); len(start) != 1 || len(start[0].Files) != 3 {
			t.Fatalf("start: %+v", start)
		}
		if !strings.Contains(h.out.String(), "watching 3 directories (polling every 100ms)") {
			t.Errorf("output: %s", h.out.String())
		}
		h.write("a.toml", scenarioText("a changed"))
		h.clk.Advance(100 * time.Millisecond)
		if sums := h.settle(); len(sums) != 1 || !slices.Equal(h.rels(sums[0].Files), []string{"a.toml"}) {
			t.Fatalf("change: %+v", sums)
		}
		h.write("new/d.toml", scenarioText("d"))
		h.clk.Advance(100 * time.Millisecond)
		if sums := h.settle(); len(sums) != 1 || !slices.Equal(h.rels(sums[0].Files), []string{"new/d.toml"}) {
			t.Fatalf("new directory: %+v", sums)
		}
		// The new directory is polled: a change inside it is seen.
		h.write("new/d.toml", scenarioText("d changed"))
		h.clk.Advance(100 * time.Millisecond)
		if sums := h.settle(); len(sums) != 1 || !slices.Equal(h.rels(sums[0].Files), []string{"new/d.toml"}) {
			t.Fatalf("change in the new directory: %+v", sums)
		}
		h.write("data/common.json", `{"changed":true}`)
		h.clk.Advance(100 * time.Millisecond)
		if sums := h.settle(); len(sums) != 1 || len(sums[0].Files) != 4 {
			t.Fatalf("shared: %+v", sums)
		}
	})
}

// TestFSNotify runs the watcher on the real fsnotify and clock, with the
// real simulator: saves, a rename save, a new directory, a deletion.
func TestFSNotify(t *testing.T) {
	if testing.Short() {
		t.Skip("real file system events")
	}
	dir := t.TempDir()
	files := map[string]string{
		"a.toml":     scenarioText("a"),
		"b.toml":     scenarioText("b"),
		"sub/c.toml": scenarioText("c"),
	}
	for name, content := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rel := func(paths []string) []string {
		var out []string
		for _, p := range paths {
			r, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(r))
		}
		return out
	}
	sums := make(chan Summary, 100)
	var out safeBuffer
	w, err := New(Options{
		Paths:    []string{dir},
		Debounce: 20 * time.Millisecond,
		Out:      &out,
		Logf:     t.Logf,
		Load:     testLoad,
		OnRun:    func(s Summary) { sums <- s },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Run did not return after the cancel")
		}
	}()
	// next waits for a run that matches.
	next := func(what string, ok func(Summary) bool) Summary {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case s := <-sums:
				if ok(s) {
					return s
				}
			case <-deadline:
				t.Fatalf("%s: no matching run within 10s; output:\n%s", what, out.String())
			}
		}
	}
	has := func(file string) func(Summary) bool {
		return func(s Summary) bool { return slices.Contains(rel(s.Files), file) }
	}
	s := next("start", func(Summary) bool { return true })
	if got := rel(s.Files); !slices.Equal(got, []string{"a.toml", "b.toml", "sub/c.toml"}) || s.Passed != 3 {
		t.Fatalf("start: ran %q, %d passed\n%s", got, s.Passed, out.String())
	}

	os.WriteFile(filepath.Join(dir, "a.toml"), []byte(scenarioText("a saved")), 0o644)
	s = next("save", has("a.toml"))
	if got := rel(s.Files); !slices.Equal(got, []string{"a.toml"}) {
		t.Errorf("save: ran %q", got)
	}

	// vim's default save with backupcopy=no: rename away, write anew.
	b := filepath.Join(dir, "b.toml")
	os.Rename(b, b+"~")
	os.WriteFile(b, []byte(scenarioText("b saved")), 0o644)
	os.Remove(b + "~")
	s = next("rename save", has("b.toml"))
	if got := rel(s.Files); !slices.Equal(got, []string{"b.toml"}) {
		t.Errorf("rename save: ran %q", got)
	}
	// And the next save of the replaced file is seen too.
	os.WriteFile(b, []byte(scenarioText("b saved again")), 0o644)
	next("save after the rename save", has("b.toml"))

	os.MkdirAll(filepath.Join(dir, "new", "deeper"), 0o755)
	os.WriteFile(filepath.Join(dir, "new", "deeper", "d.toml"), []byte(scenarioText("d")), 0o644)
	next("new directory", has("new/deeper/d.toml"))
	os.WriteFile(filepath.Join(dir, "new", "deeper", "d.toml"), []byte(scenarioText("d saved")), 0o644)
	next("save in the new directory", has("new/deeper/d.toml"))

	os.RemoveAll(filepath.Join(dir, "sub"))
	next("removed directory", func(s Summary) bool { return slices.Contains(rel(s.Removed), "sub/c.toml") })
}

// safeBuffer is a strings.Builder for two goroutines.
type safeBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *safeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *safeBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
