package douyin

import (
	"net/http"
	"net/url"
	"testing"
)

var queryCases = []string{
	"", "open_id=abc", "a=1&open_id=x&open_id=y", "open_id=a%20b", "open_id=a+b", "open_id=a;b", "open_id",
	"open%5Fid=z", "&&open_id=&", "x=%zz&open_id=1", "open_id=1&x=%zz",
}

// TestQueryGet holds queryGet to url.ParseQuery's Get.
func TestQueryGet(t *testing.T) {
	for _, raw := range queryCases {
		q, _ := url.ParseQuery(raw)
		if got, want := queryGet(raw, "open_id"), q.Get("open_id"); got != want {
			t.Errorf("queryGet(%q) = %q, url.ParseQuery %q", raw, got, want)
		}
	}
}

// FuzzQueryGet holds queryGet to url.ParseQuery's Get on any query.
func FuzzQueryGet(f *testing.F) {
	for _, raw := range queryCases {
		f.Add(raw, "open_id")
	}
	f.Fuzz(func(t *testing.T, raw, key string) {
		q, _ := url.ParseQuery(raw)
		if got, want := queryGet(raw, key), q.Get(key); got != want {
			t.Fatalf("queryGet(%q, %q) = %q, url.ParseQuery %q", raw, key, got, want)
		}
	})
}

// TestHeaderValue: the canonical key first, else any key equal to it but
// for case.
func TestHeaderValue(t *testing.T) {
	for _, tt := range []struct {
		h    http.Header
		want string
	}{
		{http.Header{"Access-Token": {"a"}}, "a"},
		{http.Header{"access-token": {"b"}}, "b"},
		{http.Header{"ACCESS-TOKEN": {"c"}, "Other": {"x"}}, "c"},
		{http.Header{"Access-Token": {}}, ""},
		{http.Header{"Other": {"x"}}, ""},
		{nil, ""},
	} {
		if got := headerValue(tt.h, "Access-Token"); got != tt.want {
			t.Errorf("%v: headerValue = %q, want %q", tt.h, got, tt.want)
		}
	}
}
