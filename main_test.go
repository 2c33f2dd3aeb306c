package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"omnisim": func() { os.Exit(Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScript runs the CLI suite in testdata/script. Set
// OMNISIM_UPDATE_SCRIPTS=1 to rewrite the expected files inside the scripts.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("OMNISIM_UPDATE_SCRIPTS") != "",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitfile":  cmdWaitfile,
			"httpc":     cmdHTTPC,
			"waitmatch": cmdWaitmatch,
			"listen":    cmdListen,
		},
	})
}

// scriptWait bounds how long the serve scripts' commands wait for
// something to happen.
const scriptWait = 30 * time.Second

// cmdWaitfile implements "waitfile FILE": wait until FILE exists (a
// background "omnisim serve -ready-file FILE" is listening), for at most
// scriptWait.
func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	name := ts.MkAbs(args[0])
	deadline := time.Now().Add(scriptWait)
	for {
		if _, err := os.Stat(name); err == nil {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not appear within %v", args[0], scriptWait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cmdHTTPC implements
//
//	httpc [-ready FILE] [-H 'Name: value']... [-until REGEXP] METHOD URL [BODY]
//
// an HTTP call to a server whose URLs are in a ready file (default
// ready.json). URL is a path, resolved against the file's "base"; or
// starts with {key.key...}, replaced by that string of the file (for
// example {platforms.whatsapp.api}/v21.0/...); or is absolute. It prints
// "HTTP <status>" and the answer's body to stdout. It fails on a status of
// 400 or more, and "! httpc" on a status under 400. With -until it repeats
// the call (for at most scriptWait) until the body matches REGEXP.
func cmdHTTPC(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: httpc [-ready FILE] [-H 'Name: value']... [-until REGEXP] METHOD URL [BODY]"
	ready := "ready.json"
	header := http.Header{}
	var until *regexp.Regexp
	for len(args) > 1 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-ready":
			ready = args[1]
		case "-H":
			name, value, ok := strings.Cut(args[1], ":")
			if !ok {
				ts.Fatalf("httpc: -H %q: want 'Name: value'", args[1])
			}
			header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
		case "-until":
			until = regexp.MustCompile("(?m)" + args[1])
		default:
			ts.Fatalf("%s", usage)
		}
		args = args[2:]
	}
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("%s", usage)
	}
	method, target := args[0], args[1]
	var urls map[string]any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(ready)), &urls))
	switch {
	case strings.HasPrefix(target, "/"):
		target = lookupString(ts, urls, "base") + target
	case strings.HasPrefix(target, "{"):
		key, rest, ok := strings.Cut(target[1:], "}")
		if !ok {
			ts.Fatalf("httpc: %q: want {key.key...} followed by a path", target)
		}
		target = lookupString(ts, urls, key) + rest
	}
	var status int
	var body []byte
	deadline := time.Now().Add(scriptWait)
	for {
		var r io.Reader
		if len(args) == 3 {
			r = strings.NewReader(args[2])
		}
		req, err := http.NewRequest(method, target, r)
		ts.Check(err)
		maps.Copy(req.Header, header)
		resp, err := http.DefaultClient.Do(req)
		ts.Check(err)
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		ts.Check(err)
		status = resp.StatusCode
		if until == nil || until.Match(body) {
			break
		}
		if time.Now().After(deadline) {
			ts.Fatalf("httpc: %s %s: no answer matched %q within %v; the last:\nHTTP %d\n%s", method, target, until, scriptWait, status, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Fprintf(ts.Stdout(), "HTTP %d\n%s", status, body)
	if len(body) > 0 && body[len(body)-1] != '\n' {
		fmt.Fprintln(ts.Stdout())
	}
	switch {
	case status >= 400 && !neg:
		ts.Fatalf("httpc: %s %s: HTTP %d", method, target, status)
	case status < 400 && neg:
		ts.Fatalf("httpc: %s %s: HTTP %d, want an error", method, target, status)
	}
}

// cmdListen implements "listen VAR": listen on a free port of 127.0.0.1
// until the script ends, and set $VAR to the address (127.0.0.1:PORT), for
// a script that needs a port already taken.
func cmdListen(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: listen VAR")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	ts.Defer(func() { l.Close() })
	ts.Setenv(args[0], l.Addr().String())
}

// lookupString finds a dotted key's string in a decoded JSON object.
func lookupString(ts *testscript.TestScript, doc map[string]any, key string) string {
	var v any = doc
	for _, k := range strings.Split(key, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			ts.Fatalf("httpc: %q: %q is not an object", key, k)
		}
		v = m[k]
	}
	s, ok := v.(string)
	if !ok {
		ts.Fatalf("httpc: the ready file has no string at %q", key)
	}
	return s
}

// TestReadmeExample plays the scenario shown in README.md: it must pass.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "## Scenario files")
	if !ok {
		t.Fatal("README.md has no Scenario files section")
	}
	_, rest, ok = strings.Cut(rest, "```toml\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README.md's Scenario files section has no toml block")
	}
	file := filepath.Join(t.TempDir(), "readme.toml")
	if err := os.WriteFile(file, []byte(block), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"run", file}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
}

// TestServeExitCodes checks serve's exit codes: 2 for bad usage and bad
// input, 1 for a start that fails.
func TestServeExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("name = \"bad\"\n[[agents]]\nid = 7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"serve", "-webhook", "telegram=http://localhost:3000/webhook"}, exitUsage},
		{[]string{"serve", "-webhook", "whatsapp=localhost:3000"}, exitUsage},
		{[]string{"serve", "-addr", ":8080"}, exitUsage},
		{[]string{"serve", "-speed", "-1"}, exitUsage},
		{[]string{"serve", "-seed", "x"}, exitUsage},
		{[]string{"serve", "-max-memory", "8MB"}, exitUsage},
		{[]string{"serve", filepath.Join(dir, "missing.toml")}, exitUsage},
		{[]string{"serve", bad}, exitUsage},
		{[]string{"serve", bad, bad}, exitUsage},
		{[]string{"serve", "-webhook", "whatsapp=http://127.0.0.1:1/webhook"}, exitFailed},
		{[]string{"serve", "-ready-file", filepath.Join(dir, "no", "such", "dir", "ready.json")}, exitFailed},
		{[]string{"serve", "-addr", taken.Addr().String()}, exitFailed},
	} {
		var out, errOut bytes.Buffer
		if code := Main(context.Background(), tc.args, &out, &errOut); code != tc.code {
			t.Errorf("omnisim %s: exit %d, want %d\n%s%s", strings.Join(tc.args, " "), code, tc.code, out.String(), errOut.String())
		}
	}
}

// TestServeSIGTERM checks that serve stops gracefully on SIGTERM, as
// service managers stop it, and exits 0.
func TestServeSIGTERM(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	p := startServe(t, "-speed", "0")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t); err != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s%s", err, p.out.String(), p.errOut.String())
	}
	if !strings.Contains(p.out.String(), "omnisim serve: stopping") {
		t.Errorf("stdout:\n%s", p.out.String())
	}
}

// cmdWaitmatch implements "waitmatch [-count=N] FILE REGEXP": wait until
// FILE holds at least N (default 1) matches of REGEXP (multi-line: ^ and $
// match at lines), for at most scriptWait. It is for the output of a
// background command that writes to a file, such as "omnisim watch -o
// FILE", whose stdout a script sees only after "wait".
func cmdWaitmatch(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: waitmatch [-count=N] FILE REGEXP"
	count := 1
	if len(args) > 0 && strings.HasPrefix(args[0], "-count=") {
		n, err := strconv.Atoi(strings.TrimPrefix(args[0], "-count="))
		if err != nil || n < 1 {
			ts.Fatalf("%s", usage)
		}
		count, args = n, args[1:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf("%s", usage)
	}
	re, err := regexp.Compile("(?m)" + args[1])
	ts.Check(err)
	name := ts.MkAbs(args[0])
	deadline := time.Now().Add(scriptWait)
	for {
		data, _ := os.ReadFile(name)
		if len(re.FindAllIndex(data, -1)) >= count {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s: %d matches of %q within %v, want %d; it holds:\n%s", args[0], len(re.FindAllIndex(data, -1)), args[1], scriptWait, count, data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWatchExitCodes checks watch's exit codes: 2 for bad usage and bad
// input, 0 when it is stopped (here before it starts).
func TestWatchExitCodes(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(filepath.Join(dir, "a.toml"), []byte("name = \"a\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"watch", "-frobnicate"}, exitUsage},
		{[]string{"watch", filepath.Join(dir, "missing")}, exitUsage},
		{[]string{"watch", "-debounce", "-1s", dir}, exitUsage},
		{[]string{"watch", "-poll-interval", "0s", dir}, exitUsage},
		{[]string{"watch", "-transport", "x", dir}, exitUsage},
		{[]string{"watch", "-seed", "-1", dir}, exitUsage},
		{[]string{"watch", "-run", "(", dir}, exitUsage},
		{[]string{"watch", dir}, exitOK},
		{[]string{"watch", "-poll", dir}, exitOK},
		{[]string{"watch", "-o", "-", dir}, exitOK}, // standard output: no file named "-"
	} {
		var out, errOut bytes.Buffer
		if code := Main(stopped, tc.args, &out, &errOut); code != tc.code {
			t.Errorf("omnisim %s: exit %d, want %d\n%s%s", strings.Join(tc.args, " "), code, tc.code, out.String(), errOut.String())
		}
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error(`watch -o - wrote a file named "-"`)
	}
}
