package businessmessages

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/omnisim/omnisim/router"
)

// TestCallURL: the URL a post is sent to is the one url.Parse reads from
// {BaseURL}/v1/conversations/{PathEscape(conv)}{coll}?{param}{id}, whether
// it is built on the base parsed once (plain ids) or parsed whole.
func TestCallURL(t *testing.T) {
	for _, base := range []string{"http://api.test", "http://api.test:8080/prefix", "https://h.test/a%2Fb", "http://h.test/x?y=1", "HTTP://h.test"} {
		for _, c := range []call{
			{conv: "conv-1", coll: "/messages", param: "messageId=", id: "7d9c0a1e-0000-4000-8000-000000000001"},
			{conv: "a b/c", coll: "/messages", param: "messageId=", id: "m1"},
			{conv: "conv", coll: "/events", param: "eventId=", id: "e#1"},
			{conv: "..", coll: "/events", param: "eventId=", id: "~x_y.z"},
			{conv: "", coll: "/messages", param: "messageId=", id: "m"},
		} {
			var got *url.URL
			var mu sync.Mutex
			a := New(Config{BaseURL: base, Client: doerFunc(func(r *http.Request) (*http.Response, error) {
				mu.Lock()
				defer mu.Unlock()
				got = new(url.URL)
				*got = *r.URL
				return nil, errStop
			})}, nil)
			a.token, a.tokenExp = "tok", a.cfg.Clock().Add(24*60*60*1e9)
			a.post(context.Background(), c, nil, []byte("{}"))
			want, err := url.Parse(a.cfg.BaseURL + "/v1/conversations/" + url.PathEscape(c.conv) + c.coll + "?" + c.param + c.id)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || *got != *want {
				t.Errorf("%s %+v: sent to %#v, want %#v", base, c, got, want)
			}
			if c.coll != "/messages" {
				continue
			}
			// A send, whose messageId is drawn with its URL.
			id := New(Config{}, nil).NewMessageID()
			got = nil
			a.send(context.Background(), c.conv, router.Outbound{Kind: router.KindText, Text: "x"})
			want, _ = url.Parse(a.cfg.BaseURL + "/v1/conversations/" + url.PathEscape(c.conv) + c.coll + "?" + c.param + id)
			if got == nil || *got != *want {
				t.Errorf("%s send to %q: sent to %#v, want %#v", base, c.conv, got, want)
			}
		}
	}
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

var errStop = &url.Error{Op: "Post", URL: "stop", Err: context.Canceled}
