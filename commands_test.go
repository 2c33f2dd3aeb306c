package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/omnisim/omnisim/sim/scenario"
)

func TestParseArgs(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want []string
		v    bool
		fmt  string
		err  string
	}{
		{args: []string{"a.toml", "-format", "json"}, want: []string{"a.toml"}, fmt: "json"},
		{args: []string{"-format=json", "a.toml", "-v", "b.toml"}, want: []string{"a.toml", "b.toml"}, fmt: "json", v: true},
		{args: []string{"a.toml", "--", "-v", "-format"}, want: []string{"a.toml", "-v", "-format"}, fmt: "text"},
		{args: []string{"-", "-v"}, want: []string{"-"}, fmt: "text", v: true},
		// A flag's value may start with "-" or be "--".
		{args: []string{"a.toml", "-format", "--"}, want: []string{"a.toml"}, fmt: "--"},
		{args: []string{"a.toml", "-v=false"}, want: []string{"a.toml"}, fmt: "text"},
		{args: []string{"a.toml", "-nope"}, err: "flag provided but not defined: -nope"},
		{args: []string{"a.toml", "-format"}, err: "flag needs an argument: -format"},
		{args: nil, want: nil, fmt: "text"},
	} {
		fs := flag.NewFlagSet("run", flag.ContinueOnError)
		fs.SetOutput(new(bytes.Buffer))
		v := fs.Bool("v", false, "")
		format := fs.String("format", "text", "")
		got, err := parseArgs(fs, tt.args)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("parseArgs(%q): err %v, want %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) || *v != tt.v || *format != tt.fmt {
			t.Errorf("parseArgs(%q) = %q, %v (-v %v, -format %q); want %q (-v %v, -format %q)", tt.args, got, err, *v, *format, tt.want, tt.v, tt.fmt)
		}
	}
}

func TestParseSeeds(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []uint64
		err  string
	}{
		{in: "1..3", want: []uint64{1, 2, 3}},
		{in: "1,5,9", want: []uint64{1, 5, 9}},
		{in: "7, 1..2", want: []uint64{7, 1, 2}},
		{in: "18446744073709551615", want: []uint64{18446744073709551615}},
		{in: "18446744073709551614..18446744073709551615", want: []uint64{18446744073709551614, 18446744073709551615}},
		{in: "0..9999", want: nil},
		{in: "0..10000", err: "more than 10000 seeds"},
		{in: "2..1", err: "range 2..1 goes down"},
		{in: "1,,2", err: `"" is not a whole number`},
		{in: "1..2,2", err: "seed 2 is listed twice"},
		{in: "-1", err: `"-1" is not a whole number`},
	} {
		got, err := parseSeeds(tt.in)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseSeeds(%q): err %v, want %q", tt.in, err, tt.err)
			}
		case err != nil:
			t.Errorf("parseSeeds(%q): %v", tt.in, err)
		case tt.want == nil:
			if len(got) != 10000 {
				t.Errorf("parseSeeds(%q): %d seeds", tt.in, len(got))
			}
		case !reflect.DeepEqual(got, tt.want):
			t.Errorf("parseSeeds(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// The progress line is drawn on a terminal only, with ANSI codes unless
// NO_COLOR is set, for a scenario that has run a second, and is cleared
// before other output.
func TestProgressLine(t *testing.T) {
	if p := newProgress(new(bytes.Buffer)); p != nil {
		t.Fatal("a progress line on a writer that is not a terminal")
	}
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, ansi := range []bool{true, false} {
		var buf bytes.Buffer
		p := &progress{w: &buf, ansi: ansi, runs: map[int]*progressRun{}}
		p.begin(0, "quick", start)
		p.update(0, start.Add(time.Hour), 10)
		p.draw()
		if buf.Len() != 0 {
			t.Errorf("ansi %v: a scenario younger than a second shows: %q", ansi, buf.String())
		}
		p.begin(1, "month", start)
		p.runs[0].began = time.Now().Add(-2 * time.Second)
		p.update(0, start.Add(3*time.Hour+25*time.Minute+300*time.Millisecond), 50_000)
		p.draw()
		out := buf.String()
		if !strings.Contains(out, "quick  virtual +3h25m  ") || !strings.Contains(out, " events/s  (1 more running)") {
			t.Errorf("ansi %v: line %q", ansi, out)
		}
		if got := strings.Contains(out, "\x1b"); got != ansi {
			t.Errorf("ansi %v: escape codes in %q", ansi, out)
		}
		buf.Reset()
		width := p.shown
		p.pause(func() { buf.WriteString("RESULT\n") })
		want := "\r\x1b[2KRESULT\n"
		if !ansi {
			want = "\r" + strings.Repeat(" ", width) + "\rRESULT\n"
		}
		if buf.String() != want {
			t.Errorf("ansi %v: pause wrote %q, want %q", ansi, buf.String(), want)
		}
	}
}

// A scenario file over 4 MiB is refused before it is read, with the
// figures in the error.
func TestCheckFileSize(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.toml")
	src := "name = \"big\"\n" + strings.Repeat("# padding padding padding padding padding padding padding padding\n", 80_000)
	if err := os.WriteFile(big, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"check", "run"} {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), []string{cmd, big}, &out, &errOut)
		want := fmt.Sprintf("%s:1:1: the file is %s bytes; a scenario file may be at most 4,194,304 bytes (4 MiB)", big, scenario.GroupDigits(int64(len(src))))
		if code != exitUsage || !strings.Contains(errOut.String(), want) || out.Len() != 0 {
			t.Errorf("%s: exit %d\nstdout: %s\nstderr: %s\nwant %q", cmd, code, out.String(), errOut.String(), want)
		}
	}
	// Just under the limit is fine.
	ok := filepath.Join(dir, "ok.toml")
	src = "name = \"ok\"\n[[expect]]\nmetric = \"closed\"\nmax = 0\n"
	src += strings.Repeat("#", scenario.MaxFileSize-len(src)-1) + "\n"
	if err := os.WriteFile(ok, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"check", ok}, &out, &errOut); code != exitOK {
		t.Errorf("a file of exactly 4 MiB: exit %d\n%s", code, errOut.String())
	}
}

// Ctrl-C stops a run in the middle of a scenario that would take hours:
// the scenario is reported as interrupted, the rest as skipped, exit 1.
func TestRunSIGINT(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT on Windows")
	}
	if testing.Short() {
		t.Skip("builds the binary")
	}
	// The real binary: main handles SIGINT, which the one testscript
	// installs does not.
	dir := t.TempDir()
	bin := filepath.Join(dir, "omnisim")
	if b, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Skipf("cannot build omnisim: %v\n%s", err, b)
	}
	long := filepath.Join(dir, "long.toml")
	short := filepath.Join(dir, "short.toml")
	if err := os.WriteFile(long, []byte(`name = "long"
[[agents]]
id = "a"
[[customers]]
id = "c"
[[steps]]
customer = "c"
says = "hi"
repeat = 19000000
every = "1s"
[[expect]]
customer = "c"
state = "assigned"
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(short, []byte("name = \"short\"\n[[expect]]\nmetric = \"closed\"\nmax = 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "-p", "1", "-junit", filepath.Join(dir, "junit.xml"), long, short)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	began := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var err error
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(scriptWait):
		cmd.Process.Kill()
		t.Fatalf("still running %v after SIGINT\n%s%s", scriptWait, out.String(), errOut.String())
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("took %v to stop after SIGINT", took)
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitFailed {
		t.Errorf("exit: %v, want status %d\n%s%s", err, exitFailed, out.String(), errOut.String())
	}
	for _, want := range []string{"FAIL  long\n", "error    interrupted at virtual time ", "SKIP  short\n", "why      not run: interrupted\n", "2 scenarios, 0 passed, 2 failed (1 not run)\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errOut.String(), "omnisim run: interrupted; 2 of 2 scenarios did not finish") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
	junit, _ := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if !bytes.Contains(junit, []byte(`<skipped message="not run: interrupted">`)) || !bytes.Contains(junit, []byte(`<error message="interrupted at virtual time`)) {
		t.Errorf("junit.xml:\n%s", junit)
	}
}

// TestReportDocExamples checks that the examples of docs/report.md are what
// omnisim writes: the text and JUnit reports of testdata/docs/wechat-
// replies.toml, and the JSON report of the library's whatsapp-window.toml.
func TestReportDocExamples(t *testing.T) {
	doc, err := os.ReadFile("docs/report.md")
	if err != nil {
		t.Fatal(err)
	}
	block := func(after, fence string) string {
		_, rest, ok := strings.Cut(string(doc), after)
		if ok {
			_, rest, ok = strings.Cut(rest, fence+"\n")
		}
		b, _, ok2 := strings.Cut(rest, "```")
		if !ok || !ok2 {
			t.Fatalf("docs/report.md has no %s block after %q", fence, after)
		}
		return b
	}
	run := func(args ...string) string {
		var out, errOut bytes.Buffer
		Main(context.Background(), append([]string{"run"}, args...), &out, &errOut)
		return strings.ReplaceAll(out.String(), "testdata/docs/", "")
	}

	text := run("testdata/docs/wechat-replies.toml")
	want := block("A block, for a failed scenario", "```")
	if !strings.Contains(text, "\n"+want+"\n") {
		t.Errorf("the text example differs from the output\n--- output ---\n%s\n--- docs ---\n%s", text, want)
	}

	times := regexp.MustCompile(`time="[0-9.]+"`)
	junit := times.ReplaceAllString(run("-format", "junit", "testdata/docs/wechat-replies.toml"), `time=""`)
	want = times.ReplaceAllString(block("The example scenario above gives", "```xml"), `time=""`)
	if !strings.HasSuffix(junit, want) {
		t.Errorf("the JUnit example differs from the output\n--- output ---\n%s\n--- docs ---\n%s", junit, want)
	}

	var got, docJSON map[string]any
	if err := json.Unmarshal([]byte(run("-format", "json", "scenarios/whatsapp-window.toml")), &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(block("### Example", "```json")), &docJSON); err != nil {
		t.Fatalf("the JSON example does not parse: %v", err)
	}
	got["version"] = docJSON["version"]
	if !reflect.DeepEqual(got, docJSON) {
		a, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("the JSON example differs from the output:\n%s", a)
	}
}

// TestRunExitCodes checks the exit codes of run's stops and refusals that
// the scripts show the messages of: 1 for a -timeout while the files load
// (run_timeout_loading.txtar), 2 for bad input found all the same, for two
// reports to one file (run_output_same_file.txtar) or to standard output
// (run_output_stdout.txtar), and for -compare "" (run_compare_empty.txtar).
func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("a.toml", []byte("name = \"a\"\n[[expect]]\nmetric = \"closed\"\nmax = 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("o.json", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("o.json", "link.xml"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"run", "-timeout", "1ns", "a.toml"}, exitFailed},
		{[]string{"run", "-timeout", "1ns", "-o", "r.json", "-format", "json", "a.toml"}, exitFailed},
		{[]string{"run", "-timeout", "1ns", "a.toml", "missing.toml"}, exitUsage},
		{[]string{"run", "-o", "o.json", "-junit", "link.xml", "a.toml"}, exitUsage},
		{[]string{"run", "-o", "-", "-json", "-", "a.toml"}, exitUsage},
		{[]string{"run", "-json", "-", "a.toml"}, exitUsage},
		{[]string{"run", "-compare", "", "a.toml"}, exitUsage},
		{[]string{"run", "-format", "json", "-o", "-", "a.toml"}, exitOK},
		{[]string{"run", "-o", "r.txt", "-junit", "-", "a.toml"}, exitOK},
	} {
		var out, errOut bytes.Buffer
		if code := Main(context.Background(), tc.args, &out, &errOut); code != tc.code {
			t.Errorf("omnisim %s: exit %d, want %d\n%s%s", strings.Join(tc.args, " "), code, tc.code, out.String(), errOut.String())
		}
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error(`a file named "-" was written`)
	}
}

// TestInterruptWhileLoading checks Ctrl-C (the context canceled) while the
// scenario files load: run reports every scenario as not run, in its
// reports too, and exits 1, as when it is interrupted while it plays;
// check says it was interrupted. Neither prints "context canceled".
func TestInterruptWhileLoading(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a", "b"} {
		if err := os.WriteFile(filepath.Join(dir, n+".toml"), []byte("name = \""+n+"\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	junit := filepath.Join(dir, "junit.xml")
	var out, errOut bytes.Buffer
	code := Main(stopped, []string{"run", "-junit", junit, dir}, &out, &errOut)
	if code != exitFailed {
		t.Errorf("run: exit %d, want %d", code, exitFailed)
	}
	if want := "omnisim run: interrupted while loading the scenarios; 2 scenarios did not run\n"; errOut.String() != want {
		t.Errorf("run: stderr %q, want %q", errOut.String(), want)
	}
	for _, want := range []string{"SKIP  " + filepath.Join(dir, "a.toml") + "\n", "why      not run: interrupted while loading the scenarios\n", "2 scenarios, 0 passed, 2 failed (2 not run)\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("run: stdout lacks %q:\n%s", want, out.String())
		}
	}
	if b, _ := os.ReadFile(junit); !bytes.Contains(b, []byte(`skipped="2"`)) || !bytes.Contains(b, []byte(`<skipped message="not run: interrupted while loading the scenarios">`)) {
		t.Errorf("junit.xml:\n%s", b)
	}

	out.Reset()
	errOut.Reset()
	if code := Main(stopped, []string{"check", dir}, &out, &errOut); code != exitFailed || errOut.String() != "omnisim check: interrupted\n" {
		t.Errorf("check: exit %d, stderr %q", code, errOut.String())
	}
}
