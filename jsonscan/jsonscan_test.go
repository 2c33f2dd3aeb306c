package jsonscan

import (
	"encoding/json"
	"testing"
)

var seeds = []string{
	`"plain"`, `"\u00e4\ud83d\ude00 \/ \"q\" \\ \n"`, `"a\xffb"`, `"\ud800"`, `""`, `"x`, `12`, `-1.5e3`, `01`,
	`true`, `null`, `[1,[2,{"a":"b"}]]`, `{"a":1,"b":[true,false,null]}`, `{"a":1,}`, `[`, ` [ ] `, `{"a" 1}`,
}

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

func TestAgainstEncodingJSON(t *testing.T) {
	for _, in := range seeds {
		checkStr(t, in)
		checkSkip(t, in)
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

func FuzzStr(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(checkStr)
}

func FuzzSkip(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(checkSkip)
}
