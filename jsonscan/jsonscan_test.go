package jsonscan

import (
	"encoding/json"
	"testing"
	"unsafe"
)

var seeds = []string{
	`"plain"`, `"\u00e4\ud83d\ude00 \/ \"q\" \\ \n"`, `"a\xffb"`, `"\ud800"`, `""`, `"x`, `12`, `-1.5e3`, `01`,
	`true`, `null`, `[1,[2,{"a":"b"}]]`, `{"a":1,"b":[true,false,null]}`, `{"a":1,}`, `[`, ` [ ] `, `{"a" 1}`,
	`-0`, `9223372036854775807`, `-9223372036854775808`, `9223372036854775808`, `1e3`, `1.0`, `- 1`, `false`, `tru`, `"page"`,
}

// known is what the tests intern.
var known = []string{"page", "plain", ""}

// checkStr holds Str to encoding/json: whatever the scanner accepts as a
// string, encoding/json accepts and decodes alike.
func checkStr(t *testing.T, in string) {
	var d Scanner
	d.Reset([]byte(in))
	got := d.Str()
	if !d.OK() || !d.End() {
		return // left to encoding/json
	}
	var want string
	if err := json.Unmarshal([]byte(in), &want); err != nil {
		t.Fatalf("%q: the scanner read %q, encoding/json refused: %v", in, got, err)
	}
	if got != want {
		t.Fatalf("%q: scanner %q, encoding/json %q", in, got, want)
	}
	d.Reset([]byte(in))
	if s := d.StrIn(known); !d.OK() || !d.End() || s != want {
		t.Fatalf("%q: StrIn %q (ok %v), Str %q", in, s, d.OK(), want)
	}
	var a Arena
	d.Reset([]byte(in))
	if s := d.StrInArena(known, &a); !d.OK() || !d.End() || s != want {
		t.Fatalf("%q: StrInArena %q (ok %v), Str %q", in, s, d.OK(), want)
	}
}

// checkInt64 holds Int64 to encoding/json's decoding into an int64.
func checkInt64(t *testing.T, in string) {
	var d Scanner
	d.Reset([]byte(in))
	got := d.Int64()
	if !d.OK() || !d.End() {
		return // left to encoding/json
	}
	var want int64
	if err := json.Unmarshal([]byte(in), &want); err != nil {
		t.Fatalf("%q: the scanner read %d, encoding/json refused: %v", in, got, err)
	}
	if got != want {
		t.Fatalf("%q: scanner %d, encoding/json %d", in, got, want)
	}
}

// checkBool holds Bool to encoding/json's decoding into a bool.
func checkBool(t *testing.T, in string) {
	var d Scanner
	d.Reset([]byte(in))
	got := d.Bool()
	if !d.OK() || !d.End() {
		return // left to encoding/json
	}
	var want bool
	if err := json.Unmarshal([]byte(in), &want); err != nil {
		t.Fatalf("%q: the scanner read %v, encoding/json refused: %v", in, got, err)
	}
	if got != want {
		t.Fatalf("%q: scanner %v, encoding/json %v", in, got, want)
	}
}

// checkSkip: a value the scanner skips whole is valid JSON.
func checkSkip(t *testing.T, in string) {
	var d Scanner
	d.Reset([]byte(in))
	d.Skip()
	if d.OK() && d.End() && !json.Valid([]byte(in)) {
		t.Fatalf("%q: skipped as valid, encoding/json says it is not", in)
	}
}

// checkRaw holds Raw to encoding/json's decoding into a json.RawMessage.
func checkRaw(t *testing.T, in string) {
	var d Scanner
	d.Reset([]byte(in))
	got := d.Raw()
	if !d.OK() || !d.End() {
		return // left to encoding/json
	}
	var want json.RawMessage
	if err := json.Unmarshal([]byte(in), &want); err != nil {
		t.Fatalf("%q: the scanner read %q, encoding/json refused: %v", in, got, err)
	}
	if string(got) != string(want) {
		t.Fatalf("%q: scanner %q, encoding/json %q", in, got, want)
	}
}

func TestAgainstEncodingJSON(t *testing.T) {
	for _, in := range seeds {
		checkStr(t, in)
		checkSkip(t, in)
		checkRaw(t, in)
		checkInt64(t, in)
		checkBool(t, in)
	}
	// Cases the scanner must take, not only leave to encoding/json.
	for _, in := range []string{`"plain"`, `"\u00e4\ud83d\ude00 \/ \"q\" \\ \n"`} {
		var d Scanner
		d.Reset([]byte(in))
		if d.Str(); !d.OK() || !d.End() {
			t.Errorf("%q: not read", in)
		}
	}
	for _, in := range []string{`[1,[2,{"a":"b"}]]`, `{"a":1,"b":[true,false,null]}`} {
		var d Scanner
		d.Reset([]byte(in))
		if d.Skip(); !d.OK() || !d.End() {
			t.Errorf("%q: not skipped", in)
		}
	}
}

func TestScalars(t *testing.T) {
	tests := []struct {
		in   string
		read func(*Scanner) any
		want any // nil: the scanner gives up
	}{
		{`0`, readInt64, int64(0)},
		{` -0 `, readInt64, int64(0)},
		{`-42`, readInt64, int64(-42)},
		{`9223372036854775807`, readInt64, int64(9223372036854775807)},
		{`-9223372036854775808`, readInt64, int64(-9223372036854775808)},
		{`9223372036854775808`, readInt64, nil}, // out of range
		{`1.0`, readInt64, nil},
		{`1e2`, readInt64, nil},
		{`01`, readInt64, nil},
		{`"1"`, readInt64, nil},
		{`null`, readInt64, nil},
		{`true`, readBool, true},
		{` false`, readBool, false},
		{`truex`, readBool, nil},
		{`fals`, readBool, nil},
		{`null`, readBool, nil},
		{`1`, readBool, nil},
		{`"page"`, readStrIn, "page"},
		{`"pa\u0067e"`, readStrIn, "page"},
		{`"other"`, readStrIn, "other"},
		{`null`, readStrIn, nil},
	}
	for _, tt := range tests {
		var d Scanner
		d.Reset([]byte(tt.in))
		got := tt.read(&d)
		ok := d.End()
		switch {
		case tt.want == nil && ok:
			t.Errorf("%s: read %v, want to give up", tt.in, got)
		case tt.want != nil && (!ok || got != tt.want):
			t.Errorf("%s: read %v (ok %v), want %v", tt.in, got, ok, tt.want)
		}
	}
	// An interned value is known's own string.
	var d Scanner
	d.Reset([]byte(`"page"`))
	if s := d.StrIn(known); unsafe.StringData(s) != unsafe.StringData(known[0]) {
		t.Errorf("StrIn copied %q", s)
	}
}

// TestOneStr: an object with one declared string member decodes as
// encoding/json decodes it into a struct of that one field, or the scanner
// gives up where encoding/json would decide otherwise.
func TestOneStr(t *testing.T) {
	names := []string{"id"}
	tests := []struct {
		in, want string
		ok       bool
	}{
		{`{"id":"x"}`, "x", true},
		{` { "id" : "x" , "other" : [1, {"id": 2}] } `, "x", true},
		{`{"other":true}`, "", true},
		{`{}`, "", true},
		{`{"id":"a","id":"b"}`, "", false}, // repeated: encoding/json takes the last
		{`{"ID":"x"}`, "", false},          // case-folded: encoding/json matches it
		{`{"id":1}`, "", false},
		{`null`, "", false},
		{`{"id":"x"`, "", false},
	}
	for _, tt := range tests {
		var d Scanner
		d.Reset([]byte(tt.in))
		got := d.OneStr("id", names, nil)
		ok := d.End()
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("%s: %q (ok %v), want %q (ok %v)", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	known := []string{"x"}
	var d Scanner
	d.Reset([]byte(`{"id":"x"}`))
	if got := d.OneStr("id", names, known); unsafe.StringData(got) != unsafe.StringData(known[0]) {
		t.Error("OneStr copied a known value")
	}
	// In an arena: a known value is still known's own string, any other
	// is made in the arena (the next string made there follows it).
	var a Arena
	for _, in := range []string{`{"id":"x"}`, `{"id":"y1"}`, `{"id":"y2"}`} {
		d.Reset([]byte(in))
		got := d.OneStrArena("id", names, known, &a)
		if !d.End() || got != in[7:len(in)-2] {
			t.Fatalf("%s: OneStrArena %q", in, got)
		}
		if in == `{"id":"x"}` && unsafe.StringData(got) != unsafe.StringData(known[0]) {
			t.Error("OneStrArena copied a known value")
		}
		if in == `{"id":"y2"}` {
			if next := a.Make([]byte("z")); unsafe.Pointer(unsafe.StringData(next)) != unsafe.Add(unsafe.Pointer(unsafe.StringData(got)), 2) {
				t.Error("OneStrArena did not make its string in the arena")
			}
		}
	}
}

func TestRaw(t *testing.T) {
	tests := []struct {
		in   string
		want string // "": the scanner gives up
	}{
		{`null`, `null`},
		{` "a\"b" `, `"a\"b"`},
		{"\t-1.5e3\n", `-1.5e3`},
		{` [1, {"a": [true]}] `, `[1, {"a": [true]}]`},
		{`{}`, `{}`},
		{`{"a":}`, ""},
		{`[1,]`, ""},
		{`"x`, ""},
		{``, ""},
	}
	for _, tt := range tests {
		var d Scanner
		d.Reset([]byte(tt.in))
		got := d.Raw()
		ok := d.End()
		switch {
		case tt.want == "" && ok:
			t.Errorf("%q: read %q, want to give up", tt.in, got)
		case tt.want != "" && (!ok || string(got) != tt.want):
			t.Errorf("%q: read %q (ok %v), want %q", tt.in, got, ok, tt.want)
		}
	}
	// The value's text is the input's, not a copy.
	in := []byte(` {"a":1}`)
	var d Scanner
	d.Reset(in)
	if got := d.Raw(); len(got) == 0 || &got[0] != &in[1] {
		t.Errorf("Raw copied %q", got)
	}
}

var (
	readInt64 = func(d *Scanner) any { return d.Int64() }
	readBool  = func(d *Scanner) any { return d.Bool() }
	readStrIn = func(d *Scanner) any { return d.StrIn(known) }
)

func FuzzStr(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(checkStr)
}

func FuzzInt64(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(checkInt64)
}

func FuzzBool(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(checkBool)
}

func FuzzSkip(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(checkSkip)
}

func FuzzRaw(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(checkRaw)
}
