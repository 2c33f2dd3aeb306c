// Package jsonscan is a one-pass reader of JSON for the fast decoders of
// the fakes and the router's adapters. It reads syntax only: what a payload
// means stays in each side's own decoder, so a fake still shares no
// parsing of a platform's payload with the router it checks. Each decoder
// is held to encoding/json by its differential fuzz target.
package jsonscan

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Scanner is a one-pass reader of JSON for the fast decoders. It accepts
// only what it can decode exactly as encoding/json would into the same Go
// values; on anything else (a syntax error, a null or a value of another
// type in a declared field, a repeated or case-folded key, an escaped key,
// very deep nesting) it gives up, setting bad, and the caller decodes the
// input again with encoding/json, which then decides. So the fast path never
// changes what is accepted or how it is decoded; it only makes the common
// case cheap.
//
// A decoder embeds a Scanner, starts it on its input with Reset, reads
// with the methods below and checks OK at the end; Clear lets go of the
// input before the Scanner goes back to a pool.
type Scanner struct {
	b   []byte
	i   int
	bad bool
	tmp []byte // unquote's buffer, reused
}

// Reset starts d on b.
func (d *Scanner) Reset(b []byte) { d.b, d.i, d.bad = b, 0, false }

// Clear lets go of the input, and of an unquoting buffer grown large.
func (d *Scanner) Clear() {
	d.b, d.i, d.bad = nil, 0, false
	if cap(d.tmp) > 4096 {
		d.tmp = nil
	}
}

// OK reports whether d has not given up.
func (d *Scanner) OK() bool { return !d.bad }

// maxSkipDepth bounds the nesting of skipped values; deeper input is left
// to encoding/json (which refuses nesting beyond 10000).
const maxSkipDepth = 512

// Fail gives up: the caller leaves the input to encoding/json.
func (d *Scanner) Fail() { d.bad = true; d.i = len(d.b) }

// Space skips white space.
func (d *Scanner) Space() { d.i = skipSpace(d.b, d.i) }

// skipSpace is the index of the first byte of b from i on that is not
// white space, or len(b). A byte above ' ' leaves after one comparison.
func skipSpace(b []byte, i int) int {
	for i < len(b) {
		if c := b[i]; c > ' ' || c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			break
		}
		i++
	}
	return i
}

// Peek returns the next non-space byte (0 at the end).
func (d *Scanner) Peek() byte {
	d.Space()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

// End reports whether only white space is left.
func (d *Scanner) End() bool {
	d.Space()
	return !d.bad && d.i == len(d.b)
}

// Open consumes c ('{' or '['), or fails.
func (d *Scanner) Open(c byte) bool {
	if d.Peek() != c {
		d.Fail()
		return false
	}
	d.i++
	return true
}

// Member reads the n-th member's key (n counts from 0) and its colon; it
// returns false at the object's closing brace or on failure. The key is
// returned raw: a key with an escape fails.
func (d *Scanner) Member(n int) ([]byte, bool) {
	b := d.b
	i := skipSpace(b, d.i)
	if i >= len(b) {
		return d.failKey()
	}
	c := b[i]
	if c == '}' {
		d.i = i + 1
		return nil, false
	}
	if n > 0 {
		if c != ',' {
			return d.failKey()
		}
		if i = skipSpace(b, i+1); i >= len(b) {
			return d.failKey()
		}
		c = b[i]
	}
	if c != '"' {
		return d.failKey()
	}
	start := i + 1
	j := quotedEnd(b, start)
	if j >= len(b) || b[j] != '"' {
		return d.failKey() // an escape, a control character or the end
	}
	if i = skipSpace(b, j+1); i >= len(b) || b[i] != ':' {
		return d.failKey()
	}
	d.i = i + 1
	return b[start:j], true
}

// failKey is Member giving up, out of line.
//
//go:noinline
func (d *Scanner) failKey() ([]byte, bool) {
	d.Fail()
	return nil, false
}

// Element reports whether the array has an n-th element (n counts from 0),
// consuming the comma before it or the closing bracket.
func (d *Scanner) Element(n int) bool {
	c := d.Peek()
	if c == ']' {
		d.i++
		return false
	}
	if n > 0 {
		if c != ',' {
			d.Fail()
			return false
		}
		d.i++
	}
	return !d.bad
}

// Seen marks field bit of *mask, failing when it was already set (a
// repeated key: encoding/json would merge, the fast path does not).
func (d *Scanner) Seen(mask *uint32, bit uint32) bool {
	if *mask&bit != 0 {
		d.Fail()
		return false
	}
	*mask |= bit
	return true
}

// Unknown skips the value of a key that is not declared, failing when
// encoding/json would match it case-insensitively to a declared name.
func (d *Scanner) Unknown(key []byte, names ...string) {
	for _, n := range names {
		if mayFold(key, n) && bytes.EqualFold(key, []byte(n)) {
			d.Fail()
			return
		}
	}
	d.Skip()
}

// mayFold is false when key cannot equal name under case folding because
// their first bytes are both ASCII and differ in more than the case bit
// (an ASCII letter folds only to its other case and to characters beyond
// ASCII): a test that spares most calls of bytes.EqualFold.
func mayFold(key []byte, name string) bool {
	if len(key) == 0 || len(name) == 0 {
		return true
	}
	k, n := key[0], name[0]
	return k >= utf8.RuneSelf || n >= utf8.RuneSelf || k|0x20 == n|0x20
}

// Str decodes a string value, as encoding/json does.
func (d *Scanner) Str() string {
	b, ok := d.StrBytes()
	if !ok {
		return ""
	}
	return string(b)
}

// OneStr decodes an object whose one declared member is the string name
// (names lists every key the destination declares, for Unknown): its value
// as StrIn(known) gives it, "" when the object has none.
func (d *Scanner) OneStr(name string, names, known []string) string {
	return d.OneStrArena(name, names, known, nil)
}

// OneStrArena is OneStr with its string made as StrInArena(known, a)
// makes it.
func (d *Scanner) OneStrArena(name string, names, known []string, a *Arena) string {
	if !d.Open('{') {
		return ""
	}
	var s string
	var mask uint32
	for n := 0; ; n++ {
		key, more := d.Member(n)
		if !more {
			return s
		}
		if string(key) == name {
			if d.Seen(&mask, 1) {
				s = d.StrInArena(known, a)
			}
			continue
		}
		d.Unknown(key, names...)
	}
}

// StrIn decodes a string value as Str does, returning the element of known
// equal to it, without a copy, when there is one.
func (d *Scanner) StrIn(known []string) string { return d.StrInArena(known, nil) }

// StrInArena is StrIn with a string that is not in known made in a (in an
// allocation of its own when a is nil).
func (d *Scanner) StrInArena(known []string, a *Arena) string {
	b, ok := d.StrBytes()
	if !ok {
		return ""
	}
	for _, k := range known {
		if k == string(b) {
			return k
		}
	}
	return a.Make(b)
}

// StrBytes decodes a string value; the bytes are valid until the next call.
// For a string without escapes or non-ASCII bytes they alias the input.
func (d *Scanner) StrBytes() ([]byte, bool) {
	if d.Peek() != '"' {
		d.Fail()
		return nil, false
	}
	start := d.i + 1
	j := PlainEnd(d.b, start)
	if j < len(d.b) && d.b[j] == '"' {
		d.i = j + 1
		return d.b[start:j], true
	}
	return d.unquote(start, j)
}

// plain marks the bytes a string holds as they are: printable ASCII other
// than " and \.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// unquote decodes the string starting at start (after its quote) with
// encoding/json's rules: escapes, invalid UTF-8 and unpaired surrogates
// become U+FFFD. The bytes from start to r are plain.
func (d *Scanner) unquote(start, r int) ([]byte, bool) {
	s := d.b
	out := append(d.tmp[:0], s[start:r]...)
	for r < len(s) {
		c := s[r]
		switch {
		case c == '"':
			d.i = r + 1
			d.tmp = out[:0]
			return out, true
		case c == '\\':
			if r+1 >= len(s) {
				d.Fail()
				return nil, false
			}
			switch e := s[r+1]; e {
			case '"', '\\', '/':
				// The escaped byte stands for itself: it is copied
				// with the plain bytes after it.
				j := PlainEnd(s, r+2)
				out = append(out, s[r+1:j]...)
				r = j
			case 'b', 'f', 'n', 'r', 't':
				out = append(out, controlEscapes[e])
				r += 2
			case 'u':
				rr := getu4(s[r:])
				if rr < 0 {
					d.Fail()
					return nil, false
				}
				r += 6
				if utf16.IsSurrogate(rr) {
					rr1 := getu4(s[r:])
					if dec := utf16.DecodeRune(rr, rr1); dec != utf8.RuneError {
						r += 6
						out = utf8.AppendRune(out, dec)
						break
					}
					rr = utf8.RuneError
				}
				out = utf8.AppendRune(out, rr)
			default:
				d.Fail()
				return nil, false
			}
		case c < 0x20:
			d.Fail()
			return nil, false
		case c < utf8.RuneSelf:
			// c is plain: copy it with the plain bytes after it.
			j := PlainEnd(s, r+1)
			out = append(out, s[r:j]...)
			r = j
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			out = utf8.AppendRune(out, rr) // RuneError for invalid bytes, as encoding/json
		}
	}
	d.Fail()
	return nil, false
}

// controlEscapes maps the letter of each one-letter escape of a control
// character to the byte it stands for.
var controlEscapes = [256]byte{'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c = c - '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// Number reads a JSON number and returns its text.
func (d *Scanner) Number() []byte {
	d.Space()
	s, i := d.b, d.i
	start := i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		d.Fail()
		return nil
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			d.Fail()
			return nil
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			d.Fail()
			return nil
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	d.i = i
	return s[start:i]
}

// Int64 decodes a number into an int64 as encoding/json does, failing
// where encoding/json refuses one (a fraction, an exponent, a value out of
// range) or on a value that is not a number.
func (d *Scanner) Int64() int64 {
	t := d.Number()
	if d.bad {
		return 0
	}
	v, err := strconv.ParseInt(string(t), 10, 64)
	if err != nil {
		d.Fail()
		return 0
	}
	return v
}

// Bool decodes true or false, failing on any other value.
func (d *Scanner) Bool() bool {
	switch d.Peek() {
	case 't':
		return d.Literal("true")
	case 'f':
		d.Literal("false")
		return false
	}
	d.Fail()
	return false
}

// Literal consumes the literal lit (true, false, null).
func (d *Scanner) Literal(lit string) bool {
	if len(d.b)-d.i < len(lit) || string(d.b[d.i:d.i+len(lit)]) != lit {
		d.Fail()
		return false
	}
	d.i += len(lit)
	return true
}

// Skip consumes any value, checking its syntax.
func (d *Scanner) Skip() { d.skipDepth(0) }

// Raw consumes any value as Skip does and returns its text, from its first
// byte to its last, as encoding/json hands it to a json.RawMessage; the
// bytes alias the input.
func (d *Scanner) Raw() []byte {
	d.Space()
	start := d.i
	d.Skip()
	if d.bad {
		return nil
	}
	return d.b[start:d.i]
}

func (d *Scanner) skipDepth(depth int) {
	if depth > maxSkipDepth {
		d.Fail()
		return
	}
	switch d.Peek() {
	case '{':
		d.i++
		for n := 0; ; n++ {
			if _, ok := d.Member(n); !ok {
				break
			}
			d.skipDepth(depth + 1)
		}
	case '[':
		d.i++
		for n := 0; d.Element(n); n++ {
			d.skipDepth(depth + 1)
		}
	case '"':
		d.skipString()
	case 't':
		d.Literal("true")
	case 'f':
		d.Literal("false")
	case 'n':
		d.Literal("null")
	default:
		d.Number()
	}
}

// skipString consumes a string value, checking its escapes.
func (d *Scanner) skipString() {
	s := d.b
	for r := d.i + 1; r < len(s); r++ {
		r = quotedEnd(s, r)
		if r >= len(s) {
			break
		}
		switch c := s[r]; {
		case c == '"':
			d.i = r + 1
			return
		case c < 0x20:
			d.Fail()
			return
		case c == '\\':
			r++
			if r >= len(s) {
				d.Fail()
				return
			}
			switch s[r] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if getu4(s[r-1:]) < 0 {
					d.Fail()
					return
				}
				r += 4
			default:
				d.Fail()
				return
			}
		}
	}
	d.Fail()
}
