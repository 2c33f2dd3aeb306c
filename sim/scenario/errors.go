package scenario

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a scenario file, at the position of the offending
// key or value.
type Error struct {
	File  string // the file name given to Parse
	Line  int    // 1-based line
	Col   int    // 1-based column, in bytes
	Field string // the field path, e.g. "steps[3].agent"; "" for syntax errors
	Msg   string // what is wrong
	Hint  string // how to fix it, e.g. `did you mean "agent"?`; may be ""
}

// Error formats the error as file:line:col: msg (hint); an error without a
// position (in a scenario built in Go) as file: msg (hint).
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
		if e.Line == 0 {
			b.WriteByte(' ')
		}
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Col)
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteByte(')')
	}
	return b.String()
}

// ErrorList is every problem found in a scenario file, in source order.
type ErrorList []*Error

// maxErrors is how many errors a list holds before it is cut short.
const maxErrors = 20

// Error formats the errors one per line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap returns the errors, for errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// sortAndCap sorts the list by position and cuts it to maxErrors, adding a
// last entry saying how many were left out.
func (l ErrorList) sortAndCap() ErrorList {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Msg < b.Msg
	})
	// Drop exact duplicates (the same problem reached twice).
	out := l[:0]
	for i, e := range l {
		if i > 0 && *e == *l[i-1] {
			continue
		}
		out = append(out, e)
	}
	l = out
	if len(l) > maxErrors {
		more := len(l) - maxErrors
		last := l[maxErrors]
		l = append(l[:maxErrors:maxErrors], &Error{
			File: last.File, Line: last.Line, Col: last.Col,
			Msg: fmt.Sprintf("too many errors (%d more not shown)", more),
		})
	}
	return l
}

// editDistance is the optimal-string-alignment distance between a and b
// (insertions, deletions, substitutions and adjacent transpositions), on
// bytes, ignoring ASCII case.
func editDistance(a, b string) int {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if len(a) > 64 || len(b) > 64 {
		// Long strings are never close suggestions; do not spend time.
		if a == b {
			return 0
		}
		return 1 << 20
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// Nearest returns the candidate closest to s when it is close enough to be
// a likely typo: at most 2 edits, and at most a third of the longer word.
func Nearest(s string, candidates []string) (string, bool) {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return "", false
	}
	longest := max(len(s), len(best))
	if bestD <= 2 && bestD <= (longest+2)/3 {
		return best, true
	}
	return "", false
}

// suggest returns a hint for a name s that is not among candidates: the
// nearest one when close, else the list (what names the kind of thing, as
// in "agents: li, wang").
func suggest(s string, candidates []string, what string) string {
	if n, ok := Nearest(s, candidates); ok {
		return fmt.Sprintf("did you mean %q?", n)
	}
	if len(candidates) == 0 {
		return "there are no " + what
	}
	return what + ": " + listOf(candidates)
}

// listOf joins names with commas, eliding after the twelfth.
func listOf(names []string) string {
	if len(names) > 12 {
		return strings.Join(names[:12], ", ") + fmt.Sprintf(", ... (%d more)", len(names)-12)
	}
	return strings.Join(names, ", ")
}
