package scenario

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestPositionIndex(t *testing.T) {
	src := "\uFEFF" + `name = """
[[steps]]
not a header"""
a.b . "c.d" = 1   # comment [[steps]]
[[steps]]
at = "0s"
[[steps]]
says = ['x', "y",
  "z"]
attaches = { kind = "image",
  format = 'png' }
[steps.template]
name = "t"
[[expect]]
[ channels . 'whats app' ]
rules.media.image.formats = ["jpeg"]
list = [{ k = 1 }, { k = 2, "q\"k" = 3 }]
`
	ix := indexPositions(src)
	tests := []struct {
		path     string
		key, val pos
	}{
		{"name", pos{1, 1}, pos{1, 8}},
		{`a.b."c.d"`, pos{4, 7}, pos{4, 15}},
		{"a.b", pos{4, 3}, pos{4, 3}},
		{"steps", pos{5, 3}, pos{5, 1}},
		{"steps[0]", pos{5, 1}, pos{5, 1}},
		{"steps[0].at", pos{6, 1}, pos{6, 6}},
		{"steps[1]", pos{7, 1}, pos{7, 1}},
		{"steps[1].says[1]", pos{8, 14}, pos{8, 14}},
		{"steps[1].says[2]", pos{9, 3}, pos{9, 3}},
		{"steps[1].attaches", pos{10, 1}, pos{10, 12}},
		{"steps[1].attaches.format", pos{11, 3}, pos{11, 12}},
		{"steps[1].template", pos{12, 8}, pos{12, 8}},
		{"steps[1].template.name", pos{13, 1}, pos{13, 8}},
		{"expect[0]", pos{14, 1}, pos{14, 1}},
		{`channels."whats app"`, pos{15, 14}, pos{15, 14}},
		{`channels."whats app".rules.media.image.formats[0]`, pos{16, 30}, pos{16, 30}},
		{`channels."whats app".list[1]`, pos{17, 20}, pos{17, 20}},
		{`channels."whats app".list[1]."q\"k"`, pos{17, 29}, pos{17, 38}},
		// Unknown paths fall back to their nearest ancestor, then 1:1.
		{"steps[1].template.params", pos{12, 8}, pos{12, 8}},
		{"nothing.here", pos{1, 1}, pos{1, 1}},
	}
	for _, tt := range tests {
		if k, v := ix.key(tt.path), ix.val(tt.path); k != tt.key || v != tt.val {
			t.Errorf("%s: key %v val %v, want key %v val %v", tt.path, k, v, tt.key, tt.val)
		}
	}
	if n := ix.aot["steps"]; n != 2 {
		t.Errorf("counted %d [[steps]] headers, want 2", n)
	}
}

func TestPathHelpers(t *testing.T) {
	for _, tt := range []struct{ path, parent, stripped string }{
		{"steps[3].agent", "steps[3]", "steps.agent"},
		{"steps[3]", "steps", "steps"},
		{"name", "", "name"},
		{`channels."a.b[1]".rules`, `channels."a.b[1]"`, `channels."a.b[1]".rules`},
		{`x."q\"[".y[2]`, `x."q\"[".y`, `x."q\"[".y`},
	} {
		if got := parentPath(tt.path); got != tt.parent {
			t.Errorf("parentPath(%s) = %s, want %s", tt.path, got, tt.parent)
		}
		if got := stripIndexes(tt.path); got != tt.stripped {
			t.Errorf("stripIndexes(%s) = %s, want %s", tt.path, got, tt.stripped)
		}
	}
}

func TestNearest(t *testing.T) {
	keys := []string{"at", "customer", "agent", "to", "says", "attaches", "template", "close", "presence", "caption", "repeat", "every"}
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"agnet", "agent", true},
		{"AGENT", "agent", true},
		{"custmer", "customer", true},
		{"tempalte", "template", true},
		{"prsence", "presence", true},
		{"xyz", "", false},
		{"favourite", "", false},
	} {
		got, ok := Nearest(tt.in, keys)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Nearest(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestHostileInputs feeds inputs that have broken parsers before: none may
// panic, and every error must carry a position.
func TestHostileInputs(t *testing.T) {
	deep := func(open, close string, n int) string {
		return "a = " + strings.Repeat(open, n) + "1" + strings.Repeat(close, n) + "\n"
	}
	inputs := map[string]string{
		"huge integer":          "seed = 99999999999999999999999999\n",
		"huge capacity":         "[[agents]]\nid = \"a\"\ncapacity = 9223372036854775807\n",
		"huge duration":         "duration = \"99999999999999999999999d\"\n",
		"overflowing duration":  "duration = \"106751d23h47m16s854ms775us808ns\"\n",
		"duration at 2^63":      "duration = \"2562047.788015215502h\"\n",
		"huge size":             "[channels.whatsapp.rules.media.image]\nmax_size = \"99999999999GB\"\n",
		"huge rate":             "[[traffic]]\narrivals = \"poisson 1e308/s\"\n",
		"tiny rate":             "[[traffic]]\narrivals = \"poisson 0.0000000000000000001/d\"\n",
		"huge range":            "[[traffic]]\nmessages = \"1..99999999999999999999\"\n",
		"huge float":            "[[expect]]\nmetric = \"closed\"\nmin = 1e999\n",
		"float from big int":    "[[expect]]\nmetric = \"closed\"\nmin = 9007199254740993\n",
		"NUL byte":              "name = \"a\x00b\"\n",
		"NUL key":               "\x00 = 1\n",
		"invalid UTF-8":         "name = \"\xff\xfe\"\n",
		"nested inline tables":  "x = " + strings.Repeat("{a = ", 5000) + "1" + strings.Repeat("}", 5000) + "\n",
		"nested arrays":         deep("[", "]", 5000),
		"nested known key":      "tenant = " + strings.Repeat("{a = ", 30) + "1" + strings.Repeat("}", 30) + "\n",
		"nested in steps":       "steps = [{says = " + strings.Repeat("[", 29) + strings.Repeat("]", 29) + "}]\n",
		"nested in a string":    "name = \"" + strings.Repeat("[{", 5000) + "\"\n",
		"only a BOM":            "\uFEFF",
		"CRLF":                  "name = \"x\"\r\nnmae = 1\r\n",
		"lone CR":               "name = \"x\"\rseed = 1\n",
		"table over value":      "tenant = 1\n[tenant]\n",
		"array of tables twice": "[[steps]]\n[steps]\n",
		"keys with dots":        "\"steps[0]\" = 1\n'a.b' = 2\n",
		"very long key":         strings.Repeat("k", 100000) + " = 1\n",
	}
	for name, src := range inputs {
		t.Run(name, func(t *testing.T) {
			checkParse(t, []byte(src))
		})
	}
}

// checkParse runs Parse and checks the invariants the fuzzer checks.
func checkParse(t *testing.T, src []byte) {
	t.Helper()
	s, err := testFormat.Parse("fuzz.toml", src)
	if err != nil {
		list, ok := err.(ErrorList)
		if !ok {
			t.Fatalf("error is %T, not ErrorList: %v", err, err)
		}
		if len(list) == 0 {
			t.Fatal("empty ErrorList")
		}
		lines := strings.Split(string(src), "\n")
		for _, e := range list {
			if e.Line < 1 || e.Col < 1 || e.Msg == "" || e.File != "fuzz.toml" {
				t.Fatalf("bad error %#v", e)
			}
			if len(src) > 0 && (e.Line > len(lines) || e.Col > len(lines[e.Line-1])+1) {
				t.Fatalf("error %v points outside the source", e)
			}
		}
		if !errors.As(err, new(*Error)) {
			t.Fatal("errors.As finds no *Error")
		}
		return
	}
	roundTrip(t, s)
}

func TestTooDeep(t *testing.T) {
	ok := "a = " + strings.Repeat("[", maxNesting) + strings.Repeat("]", maxNesting) + "\n" +
		"b = '''" + strings.Repeat("[", 100) + "'''\n" +
		`c = "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" # [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[` + "\n"
	if p, msg := tooComplex(ok); msg != "" {
		t.Errorf("tooComplex(ok) = %v %s, want nothing", p, msg)
	}
	bad := "seed = 1\nx = " + strings.Repeat("{a = ", maxNesting+1) + "1" + strings.Repeat("}", maxNesting+1)
	_, err := testFormat.Parse("d.toml", []byte(bad))
	want := "d.toml:2:" + strconv.Itoa(5+5*maxNesting) + ": arrays and inline tables nest more than 32 levels deep"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

// A dotted key or table header of more than maxKeyParts parts is refused
// before the TOML parser, which takes time quadratic in the count, sees it.
// Dots inside quoted parts, strings and comments do not count.
func TestKeyParts(t *testing.T) {
	long := strings.Repeat("a.", 20_000) + "a"
	for _, tt := range []struct{ name, src, want string }{
		{"dotted key", "seed = 1\n" + long + " = 1\n", "k.toml:2:1: a key or table header has more than 32 parts"},
		{"table header", "seed = 1\n\n[" + long + "]\n", "k.toml:3:2: a key or table header has more than 32 parts"},
		{"array of tables", "[[ " + long + " ]]\n", "k.toml:1:4: a key or table header has more than 32 parts"},
		{"inline table key", "x = {" + long + " = 1}\n", "k.toml:1:6: a key or table header has more than 32 parts"},
		{"spaced and quoted parts", "  " + strings.Repeat(`"a" . 'b' .`, 20) + "c = 1\n", "k.toml:1:3: a key or table header has more than 32 parts"},
		{"one too many", strings.Repeat("a.", maxKeyParts) + "a = 1\n", "k.toml:1:1: a key or table header has more than 32 parts"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := testFormat.Parse("k.toml", []byte(tt.src))
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
	// Quoted dots, dots in values and comments, and a key of exactly
	// maxKeyParts parts are no runs of too many parts.
	for _, src := range []string{
		strings.Repeat("a.", maxKeyParts-1) + "a = 1\n",
		"[" + strings.Repeat("a.", maxKeyParts-1) + "a]\n",
		`"` + long + `" = 1` + "\n",
		`'` + long + `' = 1` + "\n",
		`a."` + long + `".b = 1` + "\n",
		`a = "` + long + `"` + "\n",
		"a = '''\n" + long + "\n'''\n",
		"a = \"\"\"\n" + long + "\n\"\"\"\n",
		"a = 1 # " + long + "\n",
		"# " + long + "\n",
		"a = [" + strings.Repeat("1.5, ", 1000) + "2.5e-3]\n",
		"a = 1979-05-27T07:32:00.999999Z\n",
	} {
		if p, msg := tooComplex(src); msg != "" {
			t.Errorf("tooComplex(%.40q...) = %v %s, want nothing", src, p, msg)
		}
	}
}
