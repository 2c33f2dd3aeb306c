package whatsapp

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzScanner checks the scanner against encoding/json: it accepts exactly
// the valid JSON texts, and decodes strings and numbers the same way.
func FuzzScanner(f *testing.F) {
	seeds := []string{
		`{}`, `[]`, `null`, `true`, `false`, `0`, `-0.5e+10`, `1E5`, `01`, `1.`, `-`, `.5`,
		`"plain"`, `"esc \" \\ \/ \b \f \n \r \t"`, `"\u00e4\u00f6\u00e5"`, `"\ud83d\ude00"`,
		`"\ud83d"`, `"\ude00\ud83d"`, `"\ud83d\u0041"`, `"\ud83dx"`, "\"\xff\xfe\"", "\"a\x01\"", `"\x"`, `"\u12"`,
		`{"a":[1,{"b":null}],"c":"d"}`, `{"a":1,}`, `[1,]`, `[,1]`, `{"a" 1}`, `{,}`, `{"a":1 "b":2}`,
		` [ 1 , 2 ] `, `[1] x`, `"unterminated`, `{"a":`, strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
		strings.Repeat("[", 100) + strings.Repeat("]", 100),
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s scanner
		s.reset(data)
		err := s.skip()
		ok := err == nil && s.end()
		if valid := json.Valid(data); ok != valid {
			t.Fatalf("scanner accepts %q: %v, json.Valid: %v", data, ok, valid)
		}
		if !ok {
			return
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return // nesting deeper than encoding/json allows
		}
		switch want := v.(type) {
		case string:
			s.reset(data)
			got, err := s.str()
			if err != nil || got != want {
				t.Fatalf("string %q: got %q (%v), want %q", data, got, err, want)
			}
		case float64:
			s.reset(data)
			got, err := s.number()
			var n json.Number
			json.Unmarshal(data, &n)
			if err != nil || string(got) != string(n) {
				t.Fatalf("number %q: got %q (%v), want %q", data, got, err, n)
			}
		}
	})
}

func TestScannerDepth(t *testing.T) {
	var s scanner
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	s.reset([]byte(deep))
	if err := s.skip(); err == nil {
		t.Fatal("nesting beyond maxDepth accepted")
	}
	ok := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	s.reset([]byte(ok))
	if err := s.skip(); err != nil || !s.end() {
		t.Fatalf("nesting of maxDepth refused: %v", err)
	}
}
