//go:build unix

package watch

import (
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
)

// TestSkipNotRegular checks that a scenario path that is not a regular
// file is skipped unread, with a SKIP line: a named pipe would block the
// read for ever, a link to /dev/zero never end it.
func TestSkipNotRegular(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(t *testing.T, h *harness, p string)
		kind string
	}{
		{"named pipe", func(t *testing.T, h *harness, p string) {
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
		}, "a named pipe"},
		{"link to a named pipe", func(t *testing.T, h *harness, p string) {
			if err := syscall.Mkfifo(h.path("pipe"), 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			if err := os.Symlink(h.path("pipe"), p); err != nil {
				t.Skipf("symlink: %v", err)
			}
		}, "a named pipe"},
		{"link to /dev/zero", func(t *testing.T, h *harness, p string) {
			if _, err := os.Stat("/dev/zero"); err != nil {
				t.Skipf("no /dev/zero: %v", err)
			}
			if err := os.Symlink("/dev/zero", p); err != nil {
				t.Skipf("symlink: %v", err)
			}
		}, "a device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, base)
				h.summaries()
				p := h.path("z.toml")
				tc.make(t, h, p)
				h.send(Create, "z.toml")
				sums := h.settle()
				if len(sums) != 1 || !slices.Equal(sums[0].Skipped, []string{p}) || len(sums[0].Errors) != 0 {
					t.Fatalf("summaries: %+v", sums)
				}
				h.mu.Lock()
				loaded := slices.Clone(h.loaded)
				h.mu.Unlock()
				if slices.Contains(loaded, "z.toml") {
					t.Errorf("z.toml was read: loaded %q", loaded)
				}
				want := "SKIP  " + p + ": is " + tc.kind + ", not a regular file\n"
				if !strings.Contains(h.out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, h.out.String())
				}
				if !strings.Contains(h.out.String(), "0 scenarios, 0 passed, 0 failed, 1 skipped in ") {
					t.Errorf("output lacks the totals:\n%s", h.out.String())
				}

				// A shared change runs all: the others run, z.toml is
				// skipped again.
				h.send(Write, "data/common.json")
				sums = h.settle()
				if len(sums) != 1 || len(sums[0].Results) != 3 || !slices.Equal(sums[0].Skipped, []string{p}) {
					t.Fatalf("all: %+v", sums)
				}
			})
		})
	}
}
