// Package httpcalltest hands a handler a POST made with httpcall in
// process, as the memory network does (the body where the caller holds
// it, httpcall.Body), for the tests of the handlers that read it there.
package httpcalltest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/omnisim/omnisim/httpcall"
)

// Post makes a POST of body to rawURL with httpcall, lets set change the
// request (headers, ContentLength; nil changes nothing), serves it with h
// in process, gives the request back, and returns the recorded answer.
// A rawURL that does not parse panics: it is the test's own.
func Post(h http.Handler, rawURL string, body []byte, set func(*http.Request)) *httptest.ResponseRecorder {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	q := httpcall.New()
	r := q.Prepare(context.Background(), http.MethodPost, u, body)
	if set != nil {
		set(r)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	r.Body.Close()
	q.Release()
	return w
}
