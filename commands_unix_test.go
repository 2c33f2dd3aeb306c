//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNotRegularScenario checks that a scenario path that is not a regular
// file is refused, exit 2, before it is opened (a named pipe blocked the
// open, out of Ctrl-C's reach), and that a directory's walk leaves such
// files out.
func TestNotRegularScenario(t *testing.T) {
	dir := t.TempDir()
	pipe := filepath.Join(dir, "p.toml")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	tree := filepath.Join(dir, "tree")
	if err := os.Mkdir(tree, 0o755); err != nil {
		t.Fatal(err)
	}
	const ok = "name = \"ok\"\n[[expect]]\nmetric = \"closed\"\nmax = 0\n"
	if err := os.WriteFile(filepath.Join(tree, "ok.toml"), []byte(ok), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(tree, "q.toml"), 0o644); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		filepath.Join(tree, "link.toml"): filepath.Join(tree, "ok.toml"), // kept
		filepath.Join(tree, "pipe.toml"): pipe,
	}
	zero := filepath.Join(dir, "zero.toml")
	if _, err := os.Stat("/dev/zero"); err == nil {
		links[zero] = "/dev/zero"
		links[filepath.Join(tree, "zero.toml")] = "/dev/zero"
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			t.Skipf("symlink: %v", err)
		}
	}
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"check", pipe}, exitUsage, "", pipe + ": is a named pipe, not a regular file\n"},
		{[]string{"run", pipe}, exitUsage, "", pipe + ": is a named pipe, not a regular file\n"},
		{[]string{"check", zero}, exitUsage, "", zero + ": is a device, not a regular file\n"},
		{[]string{"check", tree}, exitOK, "ok: 2 scenarios\n", ""},
		{[]string{"run", "-o", filepath.Join(dir, "report.txt"), tree}, exitOK, "2 scenarios, 2 passed", ""},
	} {
		if tc.args[1] == zero && links[zero] == "" {
			continue
		}
		done := make(chan struct{})
		var code int
		var out, errOut bytes.Buffer
		go func() {
			defer close(done)
			code = Main(context.Background(), tc.args, &out, &errOut)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("omnisim %s: blocked", strings.Join(tc.args, " "))
			// Unblock the readers: writers that close at once.
			for blocked := true; blocked; {
				for _, p := range []string{pipe, filepath.Join(tree, "q.toml")} {
					if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
						f.Close()
					}
				}
				select {
				case <-done:
					blocked = false
				case <-time.After(10 * time.Millisecond):
				}
			}
			continue
		}
		if code != tc.code || !strings.Contains(out.String(), tc.stdout) || !strings.Contains(errOut.String(), tc.stderr) {
			t.Errorf("omnisim %s: exit %d, want %d\nstdout: %s\nstderr: %s\nwant stdout %q, stderr %q",
				strings.Join(tc.args, " "), code, tc.code, out.String(), errOut.String(), tc.stdout, tc.stderr)
		}
	}
}
