package messenger

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner reads JSON in one pass for the fast decoders, checking its
// syntax as it goes (a skipped value is checked by json.Valid). It decodes
// only what it can decode exactly as encoding/json would into the same Go
// values; on anything else (a syntax error, a null
// or a value of another type in a declared field, a repeated or
// case-folded key, an escaped key, a lone surrogate, invalid UTF-8, a
// number that is not a plain integer) it gives up, setting bad, and the
// caller decodes with encoding/json, which then decides. The fast path
// never changes what is accepted or how; it makes the common case cheap.
type scanner struct {
	b   []byte
	i   int
	bad bool
	// intern lists strings that str returns as they are, without a copy,
	// when a value equals one.
	intern []string
}

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

func (d *scanner) peek() byte {
	d.ws()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

// object calls field for each key of an object, with the scanner at the
// key's value; field must consume the value. known lists the keys the
// destination declares: a key that matches one of them only by case is
// left to encoding/json, and so is a declared key given twice.
func (d *scanner) object(known []string, field func(key string)) {
	if d.peek() != '{' {
		d.fail()
		return
	}
	d.i++
	var seen uint64
	if d.peek() == '}' {
		d.i++
		return
	}
	for !d.bad {
		if d.peek() != '"' {
			d.fail()
			return
		}
		start := d.i + 1
		end := start
		for end < len(d.b) && d.b[end] != '"' {
			if d.b[end] == '\\' || d.b[end] >= utf8.RuneSelf || d.b[end] < 0x20 {
				d.fail() // escaped or non-ASCII keys: encoding/json decides
				return
			}
			end++
		}
		key := d.b[start:end]
		d.i = end + 1
		if d.peek() != ':' {
			d.fail()
			return
		}
		d.i++
		k := -1
		for j, n := range known {
			if string(key) == n {
				k = j
				break
			}
			if equalFold(key, n) {
				d.fail()
				return
			}
		}
		if k >= 0 {
			if seen&(1<<k) != 0 {
				d.fail()
				return
			}
			seen |= 1 << k
			field(known[k])
		} else {
			d.skip()
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return
		default:
			d.fail()
		}
	}
}

// array calls elem for each element of an array; elem must consume it.
func (d *scanner) array(elem func()) {
	if d.peek() != '[' {
		d.fail()
		return
	}
	d.i++
	if d.peek() == ']' {
		d.i++
		return
	}
	for !d.bad {
		elem()
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return
		default:
			d.fail()
		}
	}
}

// skip passes over one value and checks it with json.Valid.
func (d *scanner) skip() {
	d.ws()
	start := d.i
	d.skipLax()
	if d.i > len(d.b) || !json.Valid(d.b[start:d.i]) {
		d.fail()
	}
}

// skipLax finds the end of the value that starts at d.i, were it valid.
func (d *scanner) skipLax() {
	depth := 0
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch c {
		case '"':
			d.i++
			for d.i < len(d.b) && d.b[d.i] != '"' {
				if d.b[d.i] == '\\' {
					d.i++
				}
				d.i++
			}
			d.i++
		case '{', '[':
			depth++
			d.i++
		case '}', ']':
			if depth == 0 {
				return // the enclosing container's end: a scalar ended
			}
			depth--
			d.i++
		case ',':
			if depth == 0 {
				return
			}
			d.i++
		default:
			d.i++
		}
		if depth == 0 && (c == '"' || c == '}' || c == ']') {
			return
		}
	}
}

// str reads a string as encoding/json would decode it.
func (d *scanner) str() string {
	if d.peek() != '"' {
		d.fail()
		return ""
	}
	d.i++
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		if c == '"' {
			raw := d.b[start:d.i]
			d.i++
			for _, s := range d.intern {
				if string(raw) == s {
					return s
				}
			}
			return string(raw)
		}
		if c == '\\' {
			return d.unquote(start)
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(d.b[d.i:])
			if r == utf8.RuneError && size == 1 {
				d.fail()
				return ""
			}
			d.i += size
			continue
		}
		if c < 0x20 {
			d.fail() // not JSON
			return ""
		}
		d.i++
	}
	d.fail()
	return ""
}

// unquote finishes a string with escapes that began at start.
func (d *scanner) unquote(start int) string {
	out := make([]byte, 0, d.i-start+16)
	out = append(out, d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return string(out)
		case c == '\\':
			if d.i+1 >= len(d.b) {
				d.fail()
				return ""
			}
			e := d.b[d.i+1]
			d.i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := d.hex4()
				if !ok {
					return ""
				}
				if utf16.IsSurrogate(r) {
					if d.i+1 < len(d.b) && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
						d.i += 2
						r2, ok := d.hex4()
						if !ok {
							return ""
						}
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							out = utf8.AppendRune(out, dec)
							continue
						}
					}
					d.fail() // a lone surrogate: encoding/json decides
					return ""
				}
				out = utf8.AppendRune(out, r)
			default:
				d.fail()
				return ""
			}
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(d.b[d.i:])
			if r == utf8.RuneError && size == 1 {
				d.fail()
				return ""
			}
			out = append(out, d.b[d.i:d.i+size]...)
			d.i += size
		case c < 0x20:
			d.fail() // not JSON
			return ""
		default:
			out = append(out, c)
			d.i++
		}
	}
	d.fail()
	return ""
}

func (d *scanner) hex4() (rune, bool) {
	if d.i+4 > len(d.b) {
		d.fail()
		return 0, false
	}
	n, err := strconv.ParseUint(string(d.b[d.i:d.i+4]), 16, 32)
	if err != nil {
		d.fail()
		return 0, false
	}
	d.i += 4
	return rune(n), true
}

// int reads a plain integer into an int64.
func (d *scanner) int() int64 {
	d.ws()
	start := d.i
	if d.i < len(d.b) && d.b[d.i] == '-' {
		d.i++
	}
	digits := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	if d.i == digits || d.b[digits] == '0' && d.i-digits > 1 {
		d.fail() // no digits, or a leading zero: not JSON
		return 0
	}
	if d.i < len(d.b) {
		switch d.b[d.i] {
		case '.', 'e', 'E':
			d.fail()
			return 0
		}
	}
	n, err := strconv.ParseInt(string(d.b[start:d.i]), 10, 64)
	if err != nil {
		d.fail()
		return 0
	}
	return n
}

// boolean reads true or false.
func (d *scanner) boolean() bool {
	d.ws()
	switch {
	case hasPrefix(d.b[d.i:], "true"):
		d.i += 4
		return true
	case hasPrefix(d.b[d.i:], "false"):
		d.i += 5
		return false
	}
	d.fail()
	return false
}

func hasPrefix(b []byte, s string) bool { return len(b) >= len(s) && string(b[:len(s)]) == s }

// equalFold reports whether the ASCII key matches n case-insensitively,
// as encoding/json matches keys to fields.
func equalFold(key []byte, n string) bool {
	if len(key) != len(n) {
		return false
	}
	for i := range key {
		a, b := key[i], n[i]
		if a != b && (a|0x20 != b|0x20 || a|0x20 < 'a' || a|0x20 > 'z') {
			return false
		}
	}
	return true
}
