package messenger

import (
	"net/url"
	"strings"
	"testing"
)

// TestValidVersion: a Graph API version is v, digits, a dot and digits,
// held to a reading with strings.Trim on every short string of the bytes
// that matter.
func TestValidVersion(t *testing.T) {
	byTrim := func(v string) bool {
		if len(v) < 4 || v[0] != 'v' {
			return false
		}
		maj, min, ok := strings.Cut(v[1:], ".")
		return ok && maj != "" && min != "" && strings.Trim(maj, "0123456789") == "" && strings.Trim(min, "0123456789") == ""
	}
	for _, v := range []string{"v25.0", "v2.0", "v19.12", "v.0", "v25.", "v2a.0", "x25.0", "v25", "v1.2.3", "v/1.0", "v:1.0", ""} {
		if got, want := validVersion(v), byTrim(v); got != want {
			t.Errorf("validVersion(%q) = %v, want %v", v, got, want)
		}
	}
	alphabet := "v0.9/:a"
	var each func(prefix string, n int)
	each = func(prefix string, n int) {
		if got, want := validVersion(prefix), byTrim(prefix); got != want {
			t.Fatalf("validVersion(%q) = %v, want %v", prefix, got, want)
		}
		if n == 0 {
			return
		}
		for i := range len(alphabet) {
			each(prefix+alphabet[i:i+1], n-1)
		}
	}
	each("", 6)
}

// TestEscaped: a query part needs unescaping when it holds '%' or '+'.
func TestEscaped(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{{"", false}, {"token", false}, {"a%20b", true}, {"a+b", true}, {strings.Repeat("x", 40) + "+", true}, {"a b", false}} {
		if got := escaped(tt.s); got != tt.want {
			t.Errorf("escaped(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

// TestQueryToken: the access token is read as url.ParseQuery reads it,
// the first value of a pair whose key and value both unescape.
func TestQueryToken(t *testing.T) {
	for _, tt := range []struct{ raw, want string }{
		{"access_token=abc&x=1", "abc"},
		{"x=1&access%5Ftoken=a%20b+c", "a b c"},
		{"access_token=a;b&access_token=c", "c"},
		{"access_token=%zz&access_token=GOOD", "GOOD"},
		{"access%5Ftoken=%zz&access_token=GOOD", "GOOD"},
		{"access%5Ftoken=%zz&access%5ftoken=GOOD", "GOOD"},
		{"access%zztoken=BAD&access_token=GOOD", "GOOD"},
		{"access_token=&access_token=GOOD", ""},
		{"x=1", ""},
	} {
		q, _ := url.ParseQuery(tt.raw)
		if got := queryToken(tt.raw); got != tt.want || got != q.Get("access_token") {
			t.Errorf("queryToken(%q) = %q, want %q (url.ParseQuery %q)", tt.raw, got, tt.want, q.Get("access_token"))
		}
	}
}
