package fuzz

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

// FileName is the name of the file a violation of inv found with seed is
// written to.
func FileName(inv string, seed uint64) string {
	return fmt.Sprintf("fuzz-%s-%d.toml", inv, seed)
}

// CheckDir makes sure a shrunk scenario can be written to dir: it creates
// dir and its parents if needed and writes and removes an empty file there.
// "" is the current directory. [Fuzz] calls it before playing any case, so
// that a violation is not found, and shrunk, only to be lost, and returns
// its error as a [*DirError]: a caller need not call it first to tell a
// bad directory from the errors of a session.
func CheckDir(dir string) error {
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".omnisim-fuzz-*")
	if err != nil {
		return err
	}
	err = f.Close()
	if rerr := os.Remove(f.Name()); err == nil {
		err = rerr
	}
	return err
}

// DirError is the error of [Fuzz] for an Options.Dir that cannot take a
// shrunk scenario, found by [CheckDir] before any case was played.
type DirError struct {
	Dir string // Options.Dir, as given
	Err error  // CheckDir's error
}

// Error returns CheckDir's error text.
func (e *DirError) Error() string { return e.Err.Error() }

// Unwrap returns CheckDir's error.
func (e *DirError) Unwrap() error { return e.Err }

// Write writes a failure's shrunk scenario to dir (created if needed) as a
// scenario file, with the invariant, the violation, the seed and the
// commands that reproduce it in a comment header, and sets f.File and
// f.Replay. When the violation comes with expectations that capture it,
// they are added as [[expect]] entries at the end and the file is checked
// to fail under 'omnisim run' (f.Replay is "run"); otherwise, or if it does
// not fail there, the file has no expectations and reproduces the
// violation under 'omnisim fuzz -replay' (f.Replay is "replay"). Either way
// the file is read back and replayed before Write returns; an error says
// it did not reproduce.
func Write(ctx context.Context, dir string, f *Failure, inv Invariant) error {
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f.File = filepath.Join(dir, FileName(inv.Name, f.Seed))
	sc := clone(f.Shrunk)
	sc.Name = fmt.Sprintf("fuzz: %s (seed %d)", inv.Name, f.Seed)
	sc.Description = clip(firstLine(f.Violation.Message), 200)
	sc.Expect = f.Violation.Expect

	data, parsed, err := encode(f, inv, sc, "run")
	if err != nil {
		return err
	}
	if len(sc.Expect) > 0 {
		if !passes(ctx, parsed) && Fails(ctx, inv)(parsed) {
			f.Replay = "run"
			return os.WriteFile(f.File, data, 0o644)
		}
	}
	// Without expectations: some violations fail a run on their own (a run
	// that stops with an error, a panic).
	sc.Expect = nil
	if data, parsed, err = encode(f, inv, sc, "run"); err != nil {
		return err
	}
	if !passes(ctx, parsed) && Fails(ctx, inv)(parsed) {
		f.Replay = "run"
		return os.WriteFile(f.File, data, 0o644)
	}
	if data, parsed, err = encode(f, inv, sc, "replay"); err != nil {
		return err
	}
	if err := os.WriteFile(f.File, data, 0o644); err != nil {
		return err
	}
	if !Fails(ctx, inv)(parsed) {
		return fmt.Errorf("%s: %w", f.File, errNoViolation)
	}
	f.Replay = "replay"
	return nil
}

// passes reports whether 'omnisim run' passes a scenario: it plays it as
// sim.Run does, and a panic fails it.
func passes(ctx context.Context, sc *scenario.Scenario) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return sim.Run(ctx, sc, sim.Options{Platforms: platforms.All}).Passed
}

// encode writes the file's bytes, header and scenario, and reads them back.
func encode(f *Failure, inv Invariant, sc *scenario.Scenario, replay string) ([]byte, *scenario.Scenario, error) {
	body, err := platforms.Format.Encode(sc)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding the shrunk scenario: %w", err)
	}
	var b bytes.Buffer
	comment := func(format string, args ...any) {
		for _, line := range strings.Split(fmt.Sprintf(format, args...), "\n") {
			b.WriteString(strings.TrimRight("# "+line, " ") + "\n")
		}
	}
	comment("omnisim fuzz found a violation of the invariant %q:", inv.Name)
	comment("  %s", inv.Doc)
	comment("")
	comment("%s", clip(f.Violation.Message, 2000))
	comment("")
	comment("Found by:   %s", f.Command)
	comment("Seed:       %d (the scenario's seed below)", f.Seed)
	comment("Shrunk:     in %d runs, from %s to %s", f.ShrinkRuns, describe(f.Original), describe(sc))
	switch replay {
	case "run":
		comment("Replay:     omnisim run %s", f.File)
		if len(sc.Expect) > 0 {
			comment("            (fails on the [[expect]] at the end while the violation lasts)")
		}
		comment("        or: omnisim fuzz -replay %s", f.File)
	default:
		comment("Replay:     omnisim fuzz -replay %s", f.File)
		comment("            ('omnisim run' plays it, but no expectation captures this violation)")
	}
	b.WriteString("\n")
	b.Write(body)
	parsed, err := platforms.Format.Parse(f.File, b.Bytes())
	if err != nil {
		return nil, nil, fmt.Errorf("the shrunk scenario does not read back: %w", err)
	}
	return b.Bytes(), parsed, nil
}

// describe counts a scenario's parts for the header.
func describe(sc *scenario.Scenario) string {
	return fmt.Sprintf("%d agents, %d groups, %d customers, %d steps, %d flows, %s",
		len(sc.Agents), len(sc.Groups), len(sc.Customers), len(sc.Steps), len(sc.Traffic), sc.Duration)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xc0 != 0x80 }
