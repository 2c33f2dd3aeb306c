package whatsapp

import (
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// A small strict JSON scanner for the hot paths (webhook envelopes and send
// answers). It accepts exactly RFC 8259 JSON, decodes strings the way
// encoding/json does (invalid UTF-8 and lone surrogates become U+FFFD), and
// lets the caller walk objects and arrays without reflection, skipping (but
// still validating) everything it does not need.

var errMalformed = errors.New("whatsapp: malformed JSON")

// maxDepth bounds nesting, as encoding/json does.
const maxDepth = 10000

type scanner struct {
	b       []byte
	i       int
	depth   int
	scratch []byte // unescaped strings; valid until the next string read
}

func (s *scanner) reset(b []byte) {
	s.b = b
	s.i = 0
	s.depth = 0
}

// peek skips white space and returns the next byte, or 0 at the end.
func (s *scanner) peek() byte {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return c
		}
	}
	return 0
}

// end reports whether only white space is left.
func (s *scanner) end() bool { return s.peek() == 0 && s.i == len(s.b) }

// null consumes a null literal if one is next.
func (s *scanner) null() (bool, error) {
	if s.peek() != 'n' {
		return false, nil
	}
	return true, s.literal("null")
}

func (s *scanner) literal(lit string) error {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return errMalformed
	}
	s.i += len(lit)
	return nil
}

// beginObject consumes '{'; isNull is true (and nothing more to read) when
// the value is null instead.
func (s *scanner) beginObject() (isNull bool, err error) {
	switch s.peek() {
	case '{':
		s.i++
		if s.depth++; s.depth > maxDepth {
			return false, errMalformed
		}
		return false, nil
	case 'n':
		return true, s.literal("null")
	}
	return false, errMalformed
}

// key reads the next key of an object and the colon after it; more is false
// (and the object consumed) at its end. first says whether no key has been
// read yet. The key is valid until the next string read.
func (s *scanner) key(first bool) (key []byte, more bool, err error) {
	c := s.peek()
	if c == '}' {
		s.i++
		s.depth--
		return nil, false, nil
	}
	if !first {
		if c != ',' {
			return nil, false, errMalformed
		}
		s.i++
		c = s.peek()
	}
	if c != '"' {
		return nil, false, errMalformed
	}
	key, err = s.stringBytes()
	if err != nil {
		return nil, false, err
	}
	if s.peek() != ':' {
		return nil, false, errMalformed
	}
	s.i++
	return key, true, nil
}

// beginArray consumes '['; isNull is true when the value is null instead.
func (s *scanner) beginArray() (isNull bool, err error) {
	switch s.peek() {
	case '[':
		s.i++
		if s.depth++; s.depth > maxDepth {
			return false, errMalformed
		}
		return false, nil
	case 'n':
		return true, s.literal("null")
	}
	return false, errMalformed
}

// elem positions the scanner at the next element of an array; more is false
// (and the array consumed) at its end.
func (s *scanner) elem(first bool) (more bool, err error) {
	c := s.peek()
	if c == ']' {
		s.i++
		s.depth--
		return false, nil
	}
	if !first {
		if c != ',' {
			return false, errMalformed
		}
		s.i++
		if s.peek() == ']' {
			return false, errMalformed
		}
	}
	return true, nil
}

// str reads a string (or null, giving "") as a new Go string.
func (s *scanner) str() (string, error) {
	if s.peek() == 'n' {
		return "", s.literal("null")
	}
	b, err := s.stringBytes()
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// strBytes reads a string (or null, giving nil) without copying it; the
// result is valid until the next string read.
func (s *scanner) strBytes() ([]byte, error) {
	if s.peek() == 'n' {
		return nil, s.literal("null")
	}
	return s.stringBytes()
}

// stringBytes reads a string. Without escapes or invalid UTF-8 the result
// aliases the input; otherwise it is decoded into s.scratch.
func (s *scanner) stringBytes() ([]byte, error) {
	if s.peek() != '"' {
		return nil, errMalformed
	}
	start := s.i + 1
	ascii := true
	for j := start; j < len(s.b); j++ {
		c := s.b[j]
		switch {
		case c == '"':
			raw := s.b[start:j]
			if !ascii && !utf8.Valid(raw) {
				break // decode below, replacing invalid bytes
			}
			s.i = j + 1
			return raw, nil
		case c == '\\':
		case c < 0x20:
			return nil, errMalformed
		case c >= utf8.RuneSelf:
			ascii = false
			continue
		default:
			continue
		}
		return s.unescape(start)
	}
	return nil, errMalformed
}

// unescape decodes the string whose content starts at start into s.scratch.
func (s *scanner) unescape(start int) ([]byte, error) {
	out := s.scratch[:0]
	j := start
	for j < len(s.b) {
		c := s.b[j]
		switch {
		case c == '"':
			s.i = j + 1
			s.scratch = out
			return out, nil
		case c == '\\':
			if j+1 >= len(s.b) {
				return nil, errMalformed
			}
			switch e := s.b[j+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
				j += 2
			case 'b':
				out = append(out, '\b')
				j += 2
			case 'f':
				out = append(out, '\f')
				j += 2
			case 'n':
				out = append(out, '\n')
				j += 2
			case 'r':
				out = append(out, '\r')
				j += 2
			case 't':
				out = append(out, '\t')
				j += 2
			case 'u':
				r, ok := hex4(s.b, j+2)
				if !ok {
					return nil, errMalformed
				}
				j += 6
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if j+1 < len(s.b) && s.b[j] == '\\' && s.b[j+1] == 'u' {
						var ok2 bool
						if r2, ok2 = hex4(s.b, j+2); !ok2 {
							return nil, errMalformed
						}
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
						j += 6
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				return nil, errMalformed
			}
		case c < 0x20:
			return nil, errMalformed
		case c < utf8.RuneSelf:
			out = append(out, c)
			j++
		default:
			r, size := utf8.DecodeRune(s.b[j:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, s.b[j:j+size]...)
			}
			j += size
		}
	}
	return nil, errMalformed
}

// hex4 decodes the four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number reads a number literal (or null, giving nil) and returns its text,
// which aliases the input.
func (s *scanner) number() ([]byte, error) {
	c := s.peek()
	if c == 'n' {
		return nil, s.literal("null")
	}
	start := s.i
	j := s.i
	b := s.b
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && '1' <= b[j] && b[j] <= '9':
		for j < len(b) && '0' <= b[j] && b[j] <= '9' {
			j++
		}
	default:
		return nil, errMalformed
	}
	if j < len(b) && b[j] == '.' {
		j++
		if j >= len(b) || b[j] < '0' || b[j] > '9' {
			return nil, errMalformed
		}
		for j < len(b) && '0' <= b[j] && b[j] <= '9' {
			j++
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j >= len(b) || b[j] < '0' || b[j] > '9' {
			return nil, errMalformed
		}
		for j < len(b) && '0' <= b[j] && b[j] <= '9' {
			j++
		}
	}
	s.i = j
	return b[start:j], nil
}

// skip validates and skips one value of any type.
func (s *scanner) skip() error {
	switch s.peek() {
	case '{':
		if _, err := s.beginObject(); err != nil {
			return err
		}
		for first := true; ; first = false {
			_, more, err := s.key(first)
			if err != nil {
				return err
			}
			if !more {
				return nil
			}
			if err := s.skip(); err != nil {
				return err
			}
		}
	case '[':
		if _, err := s.beginArray(); err != nil {
			return err
		}
		for first := true; ; first = false {
			more, err := s.elem(first)
			if err != nil {
				return err
			}
			if !more {
				return nil
			}
			if err := s.skip(); err != nil {
				return err
			}
		}
	case '"':
		return s.skipString()
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		_, err := s.number()
		return err
	}
}

// skipString validates and skips a string without decoding it.
func (s *scanner) skipString() error {
	j := s.i + 1
	for j < len(s.b) {
		c := s.b[j]
		switch {
		case c == '"':
			s.i = j + 1
			return nil
		case c == '\\':
			if j+1 >= len(s.b) {
				return errMalformed
			}
			switch s.b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if _, ok := hex4(s.b, j+2); !ok {
					return errMalformed
				}
				j += 6
			default:
				return errMalformed
			}
		case c < 0x20:
			return errMalformed
		default:
			j++
		}
	}
	return errMalformed
}
