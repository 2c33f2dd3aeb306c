package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cancelOnWrite is standard output that cancels the run's context when
// written to the first time: Ctrl-C as the report is written.
type cancelOnWrite struct {
	bytes.Buffer
	cancel context.CancelFunc
	writes int
}

func (c *cancelOnWrite) Write(p []byte) (int, error) {
	c.writes++
	defer c.cancel()
	return c.Buffer.Write(p)
}

// Ctrl-C once every scenario ran stops the report documents at once: a file
// not written whole is removed, or emptied when it was there before, a
// document on standard output is cut short, standard error says so and the
// exit status is 1.
func TestInterruptWhileWritingTheReports(t *testing.T) {
	scen := filepath.Join(t.TempDir(), "s.toml")
	src := "[[customers]]\nid = \"c1\"\n[[steps]]\nat = \"0s\"\ncustomer = \"c1\"\nsays = \"hello\"\nrepeat = 200\nevery = \"1s\"\n"
	for range 20 {
		src += "[[expect]]\ncustomer = \"c1\"\nstate = \"waiting\"\nclose_reason = \"idle\"\n"
	}
	if err := os.WriteFile(scen, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	// The whole report, for its size.
	var whole, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"run", "-format", "json", scen}, &whole, &errOut); code != exitFailed || !json.Valid(whole.Bytes()) {
		t.Fatalf("exit %d, valid %v: %s", code, json.Valid(whole.Bytes()), errOut.String())
	}
	for _, tc := range []struct {
		name  string
		files bool // -o and -json, one of them there before; else the report on standard output
	}{
		{"files", true},
		{"stdout", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out, extra := filepath.Join(dir, "out.json"), filepath.Join(dir, "extra.json")
			if err := os.WriteFile(extra, []byte("an older report"), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stdout := &cancelOnWrite{cancel: cancel}
			var errOut bytes.Buffer
			args := []string{"run", "-format", "json", scen}
			if tc.files {
				// With -o, the result's line on standard output comes
				// once the scenario ran, before the reports.
				args = append(args, "-o", out, "-json", extra)
			}
			code := Main(ctx, args, stdout, &errOut)
			if code != exitFailed || !strings.Contains(errOut.String(), "omnisim run: interrupted while writing the reports; ") {
				t.Fatalf("exit %d, stderr %q; want 1 and the interrupt while writing", code, errOut.String())
			}
			if tc.files {
				if _, err := os.Stat(out); !os.IsNotExist(err) {
					t.Errorf("%s, created by the run and not written whole, is there (%v)", out, err)
				}
				if b, err := os.ReadFile(extra); err != nil || len(b) != 0 {
					t.Errorf("%s, there before the run, holds %q (%v); want it empty", extra, b, err)
				}
				want := fmt.Sprintf("%s, %s not written", out, extra)
				if !strings.Contains(errOut.String(), want) || strings.Contains(stdout.String(), "report in") {
					t.Errorf("stderr %q, stdout %q; want %q and no summary line", errOut.String(), stdout.String(), want)
				}
				return
			}
			if stdout.writes != 1 || stdout.Len() >= whole.Len() || json.Valid(stdout.Bytes()) {
				t.Errorf("%d writes, %d of %d bytes on standard output; want the document cut after its first write", stdout.writes, stdout.Len(), whole.Len())
			}
			if !strings.Contains(errOut.String(), "the report on standard output is cut short") {
				t.Errorf("stderr %q does not say the report is cut short", errOut.String())
			}
		})
	}
}
