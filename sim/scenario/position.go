package scenario

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file maps field paths ("steps[3].agent") to source positions.
// BurntSushi/toml keeps key positions private, so the index scans the source
// itself. It runs only on documents the TOML parser has accepted, but it must
// never panic or loop on any input: every loop consumes a byte or stops.

// pos is a 1-based line and byte column; the zero pos is "unknown".
type pos struct{ line, col int }

func (p pos) known() bool { return p.line > 0 }

// posEntry is where a path's key and its value start.
type posEntry struct{ key, val pos }

// posIndex maps field paths to positions.
type posIndex struct {
	at  map[string]posEntry
	aot map[string]int // number of [[x]] headers seen, by resolved path
}

// maxIndexDepth bounds the nesting the index descends into; deeper values
// are skipped (and fall back to their ancestors' positions).
const maxIndexDepth = 64

// indexPositions scans src and returns the position index.
func indexPositions(src string) *posIndex {
	ix := &posIndex{at: map[string]posEntry{}, aot: map[string]int{}}
	s := &posScanner{src: src, line: 1, col: 1, ix: ix}
	if strings.HasPrefix(src, "\uFEFF") {
		s.i = len("\uFEFF")
	}
	s.document()
	return ix
}

// key returns where the key of path is written, falling back to its value,
// then to the nearest ancestor, then to 1:1.
func (ix *posIndex) key(path string) pos { return ix.find(path, false) }

// val returns where the value of path starts (for a table, its header or
// opening brace), falling back like key.
func (ix *posIndex) val(path string) pos { return ix.find(path, true) }

// find looks path up, then its ancestors, and returns the first position
// known: the value's or the key's, in the order valueFirst says.
func (ix *posIndex) find(path string, valueFirst bool) pos {
	for p := path; ; p = parentPath(p) {
		if e, ok := ix.at[p]; ok {
			first, second := e.key, e.val
			if valueFirst {
				first, second = second, first
			}
			if first.known() {
				return first
			}
			if second.known() {
				return second
			}
		}
		if p == "" {
			return pos{1, 1}
		}
	}
}

func (ix *posIndex) setKey(path string, p pos) {
	e := ix.at[path]
	if !e.key.known() {
		e.key = p
	}
	ix.at[path] = e
}

func (ix *posIndex) setVal(path string, p pos) {
	e := ix.at[path]
	if !e.val.known() {
		e.val = p
	}
	ix.at[path] = e
}

// Field paths: keys joined by dots, array elements as [i]; keys that are
// not bare TOML keys are double-quoted.

// joinPath appends a key to a path.
func joinPath(parent, key string) string {
	k := quoteKey(key)
	if parent == "" {
		return k
	}
	return parent + "." + k
}

// indexPath appends an array index to a path.
func indexPath(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

func isBareKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !isBare(k[i]) {
			return false
		}
	}
	return true
}

// isBare reports whether c may stand in a bare key.
func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func quoteKey(k string) string {
	if isBareKey(k) {
		return k
	}
	return strconv.Quote(k)
}

// parentPath strips the last key or index of a path; the parent of a
// single key is "".
func parentPath(p string) string {
	last := 0
	inQuote := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && (c == '.' || c == '['):
			last = i
		}
	}
	return p[:last]
}

// stripIndexes removes the [i] parts of a path: "steps[3].attaches" gives
// "steps.attaches".
func stripIndexes(p string) string {
	var b strings.Builder
	inQuote := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case inQuote && c == '\\':
			b.WriteByte(c)
			if i+1 < len(p) {
				i++
				b.WriteByte(p[i])
			}
			continue
		case c == '"':
			inQuote = !inQuote
		case !inQuote && c == '[':
			for i < len(p) && p[i] != ']' {
				i++
			}
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// posScanner walks a TOML document recording positions.
type posScanner struct {
	src       string
	i         int
	line, col int
	ix        *posIndex
	depth     int
}

func (s *posScanner) eof() bool { return s.i >= len(s.src) }

func (s *posScanner) peek() byte {
	if s.i < len(s.src) {
		return s.src[s.i]
	}
	return 0
}

func (s *posScanner) here() pos { return pos{s.line, s.col} }

func (s *posScanner) advance() {
	if s.i >= len(s.src) {
		return
	}
	if s.src[s.i] == '\n' {
		s.line++
		s.col = 1
	} else {
		s.col++
	}
	s.i++
}

func (s *posScanner) advanceN(n int) {
	for ; n > 0; n-- {
		s.advance()
	}
}

func (s *posScanner) hasPrefix(p string) bool { return strings.HasPrefix(s.src[s.i:], p) }

// skipSpace skips spaces and tabs.
func (s *posScanner) skipSpace() {
	for c := s.peek(); c == ' ' || c == '\t'; c = s.peek() {
		s.advance()
	}
}

// skipBlank skips whitespace, newlines and comments.
func (s *posScanner) skipBlank() {
	for !s.eof() {
		switch s.peek() {
		case ' ', '\t', '\r', '\n':
			s.advance()
		case '#':
			s.skipLine()
		default:
			return
		}
	}
}

// skipLine skips to the start of the next line.
func (s *posScanner) skipLine() {
	for !s.eof() && s.peek() != '\n' {
		s.advance()
	}
	s.advance()
}

func (s *posScanner) document() {
	table := ""
	for {
		s.skipBlank()
		if s.eof() {
			return
		}
		start := s.i
		if s.peek() == '[' {
			table = s.header()
			s.skipLine()
		} else {
			s.keyValue(table)
			s.skipLine()
		}
		if s.i == start {
			s.advance()
		}
	}
}

type keySeg struct {
	name string
	at   pos
}

// header reads a [table] or [[array]] header and returns the table's path.
func (s *posScanner) header() string {
	start := s.here()
	aot := s.hasPrefix("[[")
	if aot {
		s.advanceN(2)
	} else {
		s.advance()
	}
	segs := s.keySegs()
	cur := ""
	for j, seg := range segs {
		cur = joinPath(cur, seg.name)
		last := j == len(segs)-1
		s.ix.setKey(cur, seg.at)
		if last && aot {
			n := s.ix.aot[cur]
			s.ix.aot[cur] = n + 1
			s.ix.setVal(cur, start)
			cur = indexPath(cur, n)
			s.ix.setKey(cur, start)
			s.ix.setVal(cur, start)
			continue
		}
		s.ix.setVal(cur, seg.at)
		if n, ok := s.ix.aot[cur]; ok && n > 0 {
			cur = indexPath(cur, n-1)
		}
	}
	return cur
}

// keySegs reads a dotted key.
func (s *posScanner) keySegs() []keySeg {
	var segs []keySeg
	for !s.eof() {
		s.skipSpace()
		at := s.here()
		var name string
		switch s.peek() {
		case '"':
			name = s.basicString(true)
		case '\'':
			name = s.literalString()
		default:
			b := s.i
			for !s.eof() && !strings.ContainsRune(" \t=.[]{}#,\r\n\"'", rune(s.peek())) {
				s.advance()
			}
			if s.i == b {
				return segs
			}
			name = s.src[b:s.i]
		}
		segs = append(segs, keySeg{name, at})
		s.skipSpace()
		if s.peek() != '.' {
			return segs
		}
		s.advance()
	}
	return segs
}

// keyValue reads key = value in the table at path table.
func (s *posScanner) keyValue(table string) {
	segs := s.keySegs()
	if len(segs) == 0 {
		return
	}
	path := table
	for _, seg := range segs {
		path = joinPath(path, seg.name)
		s.ix.setKey(path, seg.at)
	}
	s.skipSpace()
	if s.peek() != '=' {
		return
	}
	s.advance()
	s.skipSpace()
	s.value(path)
}

// value reads one value and records where it starts.
func (s *posScanner) value(path string) {
	s.ix.setVal(path, s.here())
	switch c := s.peek(); {
	case c == '"':
		if s.hasPrefix(`"""`) {
			s.multiline(`"`)
		} else {
			s.basicString(false)
		}
	case c == '\'':
		if s.hasPrefix(`'''`) {
			s.multiline(`'`)
		} else {
			s.literalString()
		}
	case c == '[' || c == '{':
		if s.depth >= maxIndexDepth {
			s.skipNested()
			return
		}
		s.depth++
		if c == '[' {
			s.array(path)
		} else {
			s.inlineTable(path)
		}
		s.depth--
	default:
		for !s.eof() && !strings.ContainsRune(",]}#\r\n", rune(s.peek())) {
			s.advance()
		}
	}
}

func (s *posScanner) array(path string) {
	s.advance() // [
	for n := 0; !s.eof(); n++ {
		s.skipBlank()
		if s.peek() == ']' {
			s.advance()
			return
		}
		start := s.i
		s.value(indexPath(path, n))
		s.skipBlank()
		if s.peek() == ',' {
			s.advance()
		} else if s.i == start {
			s.advance()
		}
	}
}

func (s *posScanner) inlineTable(path string) {
	s.advance() // {
	for !s.eof() {
		s.skipBlank()
		if s.peek() == '}' {
			s.advance()
			return
		}
		start := s.i
		s.keyValue(path)
		s.skipBlank()
		if s.peek() == ',' {
			s.advance()
		} else if s.i == start {
			s.advance()
		}
	}
}

// skipNested skips an array or inline table without recording anything.
func (s *posScanner) skipNested() {
	depth := 0
	for !s.eof() {
		switch c := s.peek(); c {
		case '[', '{':
			depth++
			s.advance()
		case ']', '}':
			depth--
			s.advance()
			if depth <= 0 {
				return
			}
		case '"':
			if s.hasPrefix(`"""`) {
				s.multiline(`"`)
			} else {
				s.basicString(false)
			}
		case '\'':
			if s.hasPrefix(`'''`) {
				s.multiline(`'`)
			} else {
				s.literalString()
			}
		case '#':
			for !s.eof() && s.peek() != '\n' {
				s.advance()
			}
		default:
			s.advance()
		}
	}
}

// basicString reads a "..." string; it decodes the escapes when decode is
// set (for keys).
func (s *posScanner) basicString(decode bool) string {
	s.advance() // "
	var b strings.Builder
	for !s.eof() {
		c := s.peek()
		switch c {
		case '"':
			s.advance()
			return b.String()
		case '\n':
			return b.String()
		case '\\':
			s.advance()
			e := s.peek()
			s.advance()
			if !decode {
				continue
			}
			switch e {
			case 'b':
				b.WriteByte('\b')
			case 't':
				b.WriteByte('\t')
			case 'n':
				b.WriteByte('\n')
			case 'f':
				b.WriteByte('\f')
			case 'r':
				b.WriteByte('\r')
			case 'e':
				b.WriteByte(0x1b)
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				hex := ""
				for k := 0; k < n && !s.eof(); k++ {
					hex += string(s.peek())
					s.advance()
				}
				if v, err := strconv.ParseUint(hex, 16, 32); err == nil && utf8.ValidRune(rune(v)) {
					b.WriteRune(rune(v))
				}
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
			s.advance()
		}
	}
	return b.String()
}

// literalString reads a '...' string.
func (s *posScanner) literalString() string {
	s.advance() // '
	b := s.i
	for !s.eof() && s.peek() != '\'' && s.peek() != '\n' {
		s.advance()
	}
	v := s.src[b:s.i]
	if s.peek() == '\'' {
		s.advance()
	}
	return v
}

// multiline skips a multi-line string (basic or literal); q is its quote
// character.
func (s *posScanner) multiline(q string) {
	delim := q + q + q
	s.advanceN(3)
	for !s.eof() {
		if q == `"` && s.peek() == '\\' {
			s.advanceN(2)
			continue
		}
		if s.hasPrefix(delim) {
			s.advanceN(3)
			// Up to two more quotes belong to the content.
			for k := 0; k < 2 && s.peek() == q[0]; k++ {
				s.advance()
			}
			return
		}
		s.advance()
	}
}

// maxNesting bounds how deeply arrays and inline tables may nest. A scenario
// needs a handful of levels; the TOML parser takes time quadratic in the
// depth, so deeper documents are refused before it runs.
const maxNesting = 32

// maxKeyParts bounds how many parts a dotted key or a table header may
// have. The deepest key a scenario has, channels.NAME.router.media.KIND.
// max_size, has six; the TOML parser takes time quadratic in the count, so
// longer keys are refused before it runs.
const maxKeyParts = 32

// tooComplex returns the position of the first bracket or brace that nests
// deeper than maxNesting, or of the first dotted key or table header with
// more than maxKeyParts parts, and what is wrong there; msg is "" when
// there is neither. It skips strings and comments and works on any input,
// valid TOML or not.
//
// A run of parts is counted wherever it stands: bare words and one-line
// quoted strings joined by dots, with spaces or tabs around the dots. A
// quoted part is one part whatever dots it holds. Values never make long
// runs: a float is two parts, a date or a string one.
func tooComplex(src string) (p pos, msg string) {
	s := &posScanner{src: src, line: 1, col: 1}
	depth := 0
	parts, dot := 0, false // parts in the current run; a dot ends it so far
	var first pos          // where the current run starts
	part := func(at pos) bool {
		if parts > 0 && dot {
			parts++
		} else {
			parts, first = 1, at
		}
		dot = false
		return parts > maxKeyParts
	}
	tooMany := func() (pos, string) {
		return first, fmt.Sprintf("a key or table header has more than %d parts", maxKeyParts)
	}
	for !s.eof() {
		switch c := s.peek(); {
		case c == '[' || c == '{':
			depth++
			if depth > maxNesting {
				return s.here(), fmt.Sprintf("arrays and inline tables nest more than %d levels deep", maxNesting)
			}
			parts = 0
			s.advance()
		case c == ']' || c == '}':
			depth = max(depth-1, 0)
			parts = 0
			s.advance()
		case c == '"' || c == '\'':
			at := s.here()
			switch {
			case s.hasPrefix(`"""`) || s.hasPrefix("'''"):
				s.multiline(string(c))
				parts = 0
				continue
			case c == '"':
				s.basicString(false)
			default:
				s.literalString()
			}
			if part(at) {
				return tooMany()
			}
		case c == '.':
			if parts > 0 && !dot {
				dot = true
			} else {
				parts = 0
			}
			s.advance()
		case c == ' ' || c == '\t':
			s.advance()
		case isBare(c):
			at := s.here()
			for isBare(s.peek()) {
				s.advance()
			}
			if part(at) {
				return tooMany()
			}
		case c == '#':
			for !s.eof() && s.peek() != '\n' {
				s.advance()
			}
			parts = 0
		default:
			parts = 0
			s.advance()
		}
	}
	return pos{}, ""
}
