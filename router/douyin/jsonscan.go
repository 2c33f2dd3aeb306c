package douyin

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner is a one-pass reader of JSON for the fast decoders (each of the
// fake and the adapter has its own: they share no code). It accepts
// only what it can decode exactly as encoding/json would into the same Go
// values; on anything else (a syntax error, a null or a value of another
// type in a declared field, a repeated or case-folded key, an escaped key,
// very deep nesting) it gives up, setting bad, and the caller decodes the
// input again with encoding/json, which then decides. So the fast path never
// changes what is accepted or how it is decoded; it only makes the common
// case cheap.
type scanner struct {
	b   []byte
	i   int
	bad bool
	tmp []byte // unquote's buffer, reused
}

// maxSkipDepth bounds the nesting of skipped values; deeper input is left
// to encoding/json (which refuses nesting beyond 10000).
const maxSkipDepth = 512

func (d *scanner) fail() { d.bad = true; d.i = len(d.b) }

func (d *scanner) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte (0 at the end).
func (d *scanner) peek() byte {
	d.ws()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

// end reports whether only white space is left.
func (d *scanner) end() bool {
	d.ws()
	return !d.bad && d.i == len(d.b)
}

// open consumes c ('{' or '['), or fails.
func (d *scanner) open(c byte) bool {
	if d.peek() != c {
		d.fail()
		return false
	}
	d.i++
	return true
}

// member reads the n-th member's key (n counts from 0) and its colon; it
// returns false at the object's closing brace or on failure. The key is
// returned raw: a key with an escape fails.
func (d *scanner) member(n int) ([]byte, bool) {
	c := d.peek()
	if n > 0 {
		switch c {
		case '}':
			d.i++
			return nil, false
		case ',':
			d.i++
			c = d.peek()
		default:
			d.fail()
			return nil, false
		}
	} else if c == '}' {
		d.i++
		return nil, false
	}
	if c != '"' {
		d.fail()
		return nil, false
	}
	start := d.i + 1
	j := start
	for j < len(d.b) && (plain[d.b[j]] || d.b[j] >= utf8.RuneSelf) {
		j++
	}
	if j >= len(d.b) || d.b[j] != '"' {
		d.fail() // an escape, a control character or the end
		return nil, false
	}
	key := d.b[start:j]
	d.i = j + 1
	if d.peek() != ':' {
		d.fail()
		return nil, false
	}
	d.i++
	return key, true
}

// element reports whether the array has an n-th element (n counts from 0),
// consuming the comma before it or the closing bracket.
func (d *scanner) element(n int) bool {
	c := d.peek()
	if c == ']' {
		d.i++
		return false
	}
	if n > 0 {
		if c != ',' {
			d.fail()
			return false
		}
		d.i++
	}
	return !d.bad
}

// seen marks field bit of *mask, failing when it was already set (a
// repeated key: encoding/json would merge, the fast path does not).
func (d *scanner) seen(mask *uint32, bit uint32) bool {
	if *mask&bit != 0 {
		d.fail()
		return false
	}
	*mask |= bit
	return true
}

// unknown skips the value of a key that is not declared, failing when
// encoding/json would match it case-insensitively to a declared name.
func (d *scanner) unknown(key []byte, names ...string) {
	for _, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			d.fail()
			return
		}
	}
	d.skip()
}

// str decodes a string value, as encoding/json does.
func (d *scanner) str() string {
	b, ok := d.strBytes()
	if !ok {
		return ""
	}
	return string(b)
}

// strBytes decodes a string value; the bytes are valid until the next call.
// For a string without escapes or non-ASCII bytes they alias the input.
func (d *scanner) strBytes() ([]byte, bool) {
	if d.peek() != '"' {
		d.fail()
		return nil, false
	}
	start := d.i + 1
	j := start
	for j < len(d.b) && plain[d.b[j]] {
		j++
	}
	if j < len(d.b) && d.b[j] == '"' {
		d.i = j + 1
		return d.b[start:j], true
	}
	return d.unquote(start)
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
// become U+FFFD.
func (d *scanner) unquote(start int) ([]byte, bool) {
	s := d.b
	out := d.tmp[:0]
	for r := start; r < len(s); {
		c := s[r]
		switch {
		case c == '"':
			d.i = r + 1
			d.tmp = out[:0]
			return out, true
		case c < 0x20:
			d.fail()
			return nil, false
		case c == '\\':
			if r+1 >= len(s) {
				d.fail()
				return nil, false
			}
			switch s[r+1] {
			case '"', '\\', '/':
				out = append(out, s[r+1])
				r += 2
			case 'b':
				out = append(out, '\b')
				r += 2
			case 'f':
				out = append(out, '\f')
				r += 2
			case 'n':
				out = append(out, '\n')
				r += 2
			case 'r':
				out = append(out, '\r')
				r += 2
			case 't':
				out = append(out, '\t')
				r += 2
			case 'u':
				rr := getu4(s[r:])
				if rr < 0 {
					d.fail()
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
				d.fail()
				return nil, false
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			out = utf8.AppendRune(out, rr) // RuneError for invalid bytes, as encoding/json
		}
	}
	d.fail()
	return nil, false
}

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

// number reads a JSON number and returns its text.
func (d *scanner) number() []byte {
	d.ws()
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
		d.fail()
		return nil
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			d.fail()
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
			d.fail()
			return nil
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	d.i = i
	return s[start:i]
}

// literal consumes the literal lit (true, false, null).
func (d *scanner) literal(lit string) bool {
	if len(d.b)-d.i < len(lit) || string(d.b[d.i:d.i+len(lit)]) != lit {
		d.fail()
		return false
	}
	d.i += len(lit)
	return true
}

// skip consumes any value, checking its syntax.
func (d *scanner) skip() { d.skipDepth(0) }

func (d *scanner) skipDepth(depth int) {
	if depth > maxSkipDepth {
		d.fail()
		return
	}
	switch d.peek() {
	case '{':
		d.i++
		for n := 0; ; n++ {
			if _, ok := d.member(n); !ok {
				break
			}
			d.skipDepth(depth + 1)
		}
	case '[':
		d.i++
		for n := 0; d.element(n); n++ {
			d.skipDepth(depth + 1)
		}
	case '"':
		d.skipString()
	case 't':
		d.literal("true")
	case 'f':
		d.literal("false")
	case 'n':
		d.literal("null")
	default:
		d.number()
	}
}

// skipString consumes a string value, checking its escapes.
func (d *scanner) skipString() {
	s := d.b
	for r := d.i + 1; r < len(s); r++ {
		for r < len(s) && (plain[s[r]] || s[r] >= utf8.RuneSelf) {
			r++
		}
		if r >= len(s) {
			break
		}
		switch c := s[r]; {
		case c == '"':
			d.i = r + 1
			return
		case c < 0x20:
			d.fail()
			return
		case c == '\\':
			r++
			if r >= len(s) {
				d.fail()
				return
			}
			switch s[r] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if getu4(s[r-1:]) < 0 {
					d.fail()
					return
				}
				r += 4
			default:
				d.fail()
				return
			}
		}
	}
	d.fail()
}
