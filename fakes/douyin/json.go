package douyin

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"

	"github.com/omnisim/omnisim/jsonplain"
)

// appendString appends s as a JSON string: raw UTF-8, with quotes,
// backslashes and control characters escaped, and each byte of invalid
// UTF-8 written as \ufffd.
func appendString(b []byte, s string) []byte { return appendText(b, s) }

// plain marks the bytes appendText copies as they are: printable ASCII
// other than " and \.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendText is appendString for a string or bytes.
func appendText[T string | []byte](b []byte, s T) []byte {
	b = append(b, '"')
	start := 0
	for i := jsonplain.Prefix(s); i < len(s); {
		c := s[i]
		if plain[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', lowerHex[c>>4], lowerHex[c&15])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendField appends "key": and a string value, after a comma unless it is
// the first member.
func appendField(b []byte, key, v string) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

// appendIntField appends "key": and an integer value.
func appendIntField(b []byte, key string, v int64) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, v, 10)
}

// quotedKey appends "key": as the text of a JSON string (\"key\":),
// after a comma unless it is the first member.
func quotedKey(b []byte, key string) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '\\', '"')
	b = append(b, key...)
	return append(b, '\\', '"', ':')
}

// quotedField is appendField written as the text of a JSON string.
func quotedField(b []byte, key, v string) []byte {
	return appendQuoted(quotedKey(b, key), v)
}

// quotedIntField is appendIntField written as the text of a JSON string.
func quotedIntField(b []byte, key string, v int64) []byte {
	return strconv.AppendInt(quotedKey(b, key), v, 10)
}

// appendQuoted appends appendString(s) as the text of a JSON string: each
// '"' and '\' it writes escaped. appendString writes no control
// characters and only valid UTF-8, so nothing else needs escaping.
func appendQuoted(b []byte, s string) []byte {
	i := jsonplain.Prefix(s)
	for i < len(s) && plain[s[i]] {
		i++
	}
	if i == len(s) {
		b = append(b, '\\', '"')
		b = append(b, s...)
		return append(b, '\\', '"')
	}
	var buf [256]byte
	for _, c := range appendString(buf[:0], s) {
		if c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return b
}

// jsonNumber is a JSON number as its text.
type jsonNumber = json.Number

// jsonUnmarshalNumber decodes b into v, numbers as jsonNumber.
func jsonUnmarshalNumber(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data")
	}
	return nil
}
