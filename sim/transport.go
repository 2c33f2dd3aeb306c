package sim

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/strhash"
)

// Transport is an http.RoundTripper that serves requests by calling the
// handler registered for the request's host directly, without sockets.
//
// It builds only what the handler and the caller use: the handler gets a
// copy of the request as a server would present it (RequestURI, Host and
// RemoteAddr set; the caller's URL, Header and Body shared, not cloned) and
// a ResponseWriter that buffers the body; the caller gets an
// *http.Response whose Body reads that buffer. The request copy, the
// writer, its buffer and its header map are one recycled object: the
// request copy is cleared when ServeHTTP returns (a handler must not keep
// the *http.Request; its URL and Header are the caller's and may be kept),
// and the whole is reused once the caller closes the response's Body (read
// Header and Body before). On a world's Memory network, used by the
// world's goroutine alone, a request made with httpcall is served to the
// handler itself, its server-side fields set for the call and put back
// when the handler returns (serveInPlace). The Response itself,
// StatusCode included, stays valid; to a request made with httpcall, whose
// caller releases it once done with the answer, the transport answers in
// the request's own Response, valid until then.
//
// The writer implements http.Flusher (a no-op: the caller gets the whole
// body when the handler returns) and io.StringWriter. As a server does, it
// ignores informational (1xx) status codes, takes the first final one, and
// sends the headers as they are when the status is written: changes made
// through Header after that are not seen. A handler that panics with
// http.ErrAbortHandler fails the round trip with an error; any other panic
// goes on to the caller.
//
// Its Do method serves a call as an http.Client over the transport would,
// without the client's work for redirects; the Memory network hands the
// transport itself to the platforms as their client (Env.Client).
type Transport struct {
	mu    sync.Mutex                // serializes Handle
	hosts atomic.Pointer[hostTable] // copied on write
	// local: the transport is used by one goroutine at a time, each use
	// ordered with the others (a world's Memory network, which the
	// world's goroutine drives: the handlers run in it, and the callers
	// close the answers' bodies in it). Its writers then wait for reuse
	// in free, which that goroutine alone reads and writes, rather than
	// in the shared pool.
	local bool
	free  []*response
}

// hostTable holds the registered hosts by name; a world registers a few
// (two or three per platform), which are found by comparing names, without
// hashing one.
type hostTable struct {
	byName map[string]*host
	few    []*host // every host, when there are at most fewHosts
}

// fewHosts is how many hosts a table finds by comparing names.
const fewHosts = 8

// find returns the host of name, or nil.
func (tb *hostTable) find(name string) *host {
	if len(tb.byName) > fewHosts {
		return tb.byName[name]
	}
	for _, h := range tb.few {
		if h.name == name {
			return h
		}
	}
	return nil
}

// host is a registered handler and the request URI of its latest request,
// which callers mostly send to the same URL.
type host struct {
	name string
	h    http.Handler
	uri  atomic.Pointer[uriMemo]
}

type uriMemo struct {
	scheme, opaque, path, rawPath, rawQuery string
	forceQuery                              bool
	uri                                     string
	base                                    string // uri without its "?query"
}

// requestURI is u.RequestURI(), built once for a URL seen last time. A URL
// that differs from it only in its query (a webhook's signature, a token)
// reuses the part before the query: one concatenation, the memo kept.
func (h *host) requestURI(u *url.URL) string {
	m := h.uri.Load()
	if m != nil && strhash.Same(m.path, u.Path) && strhash.Same(m.rawPath, u.RawPath) && strhash.Same(m.opaque, u.Opaque) && strhash.Same(m.scheme, u.Scheme) {
		switch {
		case strhash.Same(m.rawQuery, u.RawQuery) && m.forceQuery == u.ForceQuery:
			return m.uri
		case u.ForceQuery || u.RawQuery != "":
			return m.base + "?" + u.RawQuery
		default:
			return m.base
		}
	}
	uri := u.RequestURI()
	base := uri
	if u.ForceQuery || u.RawQuery != "" { // RequestURI ends in "?" + RawQuery
		base = uri[:len(uri)-len(u.RawQuery)-1]
	}
	m = &uriMemo{scheme: u.Scheme, opaque: u.Opaque, path: u.Path, rawPath: u.RawPath, rawQuery: u.RawQuery, forceQuery: u.ForceQuery,
		uri: uri, base: base}
	h.uri.Store(m)
	return m.uri
}

// NewTransport returns a transport with no hosts.
func NewTransport() *Transport {
	t := &Transport{}
	t.hosts.Store(&hostTable{})
	return t
}

// newLocalTransport returns a transport with no hosts for one goroutine
// at a time (Transport.local).
func newLocalTransport() *Transport {
	t := NewTransport()
	t.local = true
	return t
}

// writer returns a writer to serve a request with: a recycled one when
// there is one.
func (t *Transport) writer() *response {
	if !t.local {
		return writers.Get().(*response)
	}
	if n := len(t.free); n > 0 {
		w := t.free[n-1]
		t.free = t.free[:n-1] // the entry past the length is w: reused, not kept alive
		return w
	}
	return &response{header: make(http.Header), local: t}
}

// Handle routes requests for the host name (as in a URL: "name" or
// "name:port") to h.
func (t *Transport) Handle(name string, h http.Handler) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tb := &hostTable{byName: map[string]*host{}}
	if old := t.hosts.Load(); old != nil {
		for k, v := range old.byName {
			tb.byName[k] = v
		}
	}
	tb.byName[name] = &host{name: name, h: h}
	if len(tb.byName) <= fewHosts {
		for _, v := range tb.byName {
			tb.few = append(tb.few, v)
		}
	}
	t.hosts.Store(tb)
}

// remoteAddr is the client address handlers see (TEST-NET-1, RFC 5737).
const remoteAddr = "192.0.2.1:1234"

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	var h *host
	if tb := t.hosts.Load(); tb != nil {
		h = tb.find(req.URL.Host)
	}
	if h == nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("sim: no handler for host %q", req.URL.Host)
	}
	q := httpcall.Of(req)
	w := t.writer()
	uri := q.RequestURI(req.URL)
	if uri == "" {
		uri = h.requestURI(req.URL)
	}
	if t.local && q != nil && req.Header != nil {
		err = serveInPlace(h.h, w, req, uri)
	} else {
		// Present the request as a server would see it: a shallow copy,
		// as Request.WithContext makes, so the caller's request is not
		// modified. Headers and URL are shared, not cloned: a handler
		// reads them.
		in := &w.req
		*in = *req
		in.RequestURI, in.RemoteAddr, in.Host = uri, remoteAddr, req.URL.Host
		if in.Body == nil {
			in.Body = http.NoBody
		}
		if in.Header == nil {
			in.Header = make(http.Header) // as http.Client gives the transport
		}
		err = serve(h.h, w, in, req)
	}
	if err != nil {
		w.Recycle()
		return nil, err
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	// A request made with httpcall is answered in its own Response, valid
	// until its caller releases it; any other in a new one.
	var r *http.Response
	if q != nil {
		r = q.Respond(w.buf, w)
	} else {
		x := &exchange{}
		x.body.Reset(w.buf, w)
		r = &x.resp
		r.Body = &x.body
	}
	r.Status, r.StatusCode = statusLine(w.status), w.status
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.1", 1, 1
	r.Header, r.ContentLength, r.Request = w.header, int64(len(w.buf)), req
	return r, nil
}

// Do serves req as (&http.Client{Transport: t}).Do(req) would, without
// the client: no copy of the headers kept for redirects, no request
// forked. Its answers and errors are the client's (an error is a
// *url.Error naming the method and URL), with one difference: Do does not
// follow redirects, and returns a 3xx answer as it is (no handler on the
// memory network answers with one). A request whose URL carries user
// information goes through an http.Client, which turns it into a Basic
// Authorization header. A call has no timeout: the handler runs in the
// caller's goroutine.
func (t *Transport) Do(req *http.Request) (*http.Response, error) {
	if req.URL == nil || req.URL.User != nil || req.RequestURI != "" {
		return (&http.Client{Transport: t}).Do(req) // its errors, its Authorization
	}
	resp, err := t.RoundTrip(req)
	if err != nil {
		return nil, &url.Error{Op: urlErrorOp(req.Method), URL: req.URL.String(), Err: err}
	}
	return resp, nil
}

// urlErrorOp is the Op of the *url.Error that http.Client returns for a
// request with method m: "Post" for POST, "Get" for none.
func urlErrorOp(m string) string {
	switch m {
	case "", http.MethodGet:
		return "Get"
	case http.MethodPost:
		return "Post"
	}
	for i := 0; i < len(m); i++ {
		if m[i] < ' ' || m[i] > '~' {
			return m
		}
	}
	return m[:1] + strings.ToLower(m[1:])
}

// serve calls the handler with in, the copy of req it is served, and then,
// whatever the handler did, clears in and closes req's body; a panic with
// http.ErrAbortHandler, which a server answers by dropping the connection,
// becomes an error.
func serve(h http.Handler, w *response, in, req *http.Request) (err error) {
	defer func() {
		v := recover()
		*in = http.Request{}
		if req.Body != nil {
			req.Body.Close()
		}
		err = aborted(v, req)
	}()
	h.ServeHTTP(w, in)
	return nil
}

// serveInPlace is serve for a request made with httpcall on a local
// transport, which is served to the handler itself: its server-side
// fields (RequestURI uri, RemoteAddr, Host) are set for the call, and they
// and what a handler may set on a request it is served (Body, as
// http.MaxBytesReader is used, and the parsed Form and PostForm) are put
// back when the handler returns, whatever it did; only then is the body
// closed. Nothing else reads the request meanwhile: its caller waits in
// the same goroutine, and the handler keeps none of it (as httpcall
// requires of the server side). It saves copying the request and clearing
// the copy. A handler that returns is not asked for a panic to recover.
func serveInPlace(h http.Handler, w *response, req *http.Request, uri string) (err error) {
	was, addr, host, body, form, post := req.RequestURI, req.RemoteAddr, req.Host, req.Body, req.Form, req.PostForm
	req.RequestURI, req.RemoteAddr, req.Host = uri, remoteAddr, req.URL.Host
	returned := false
	defer func() {
		var v any
		if !returned {
			v = recover()
		}
		req.RequestURI, req.RemoteAddr, req.Host, req.Body = was, addr, host, body
		req.Form, req.PostForm = form, post
		req.Body.Close()
		if v != nil {
			err = aborted(v, req)
		}
	}()
	h.ServeHTTP(w, req)
	returned = true
	return nil
}

// aborted is what a round trip whose handler panicked with v (recovered;
// nil for none) returns: nil for none, an error for http.ErrAbortHandler,
// which a server answers by dropping the connection; any other panic goes
// on.
func aborted(v any, req *http.Request) error {
	if v == nil {
		return nil
	}
	if v != http.ErrAbortHandler { //nolint:errorlint // the sentinel itself, as net/http compares it
		panic(v)
	}
	return fmt.Errorf("sim: handler for %q aborted the response", req.URL.Host)
}

// exchange is the caller's side of one round trip: the response and its
// body, which reads the writer's buffer and gives the writer back to the
// pool on Close, in one allocation. It is not recycled: the caller may keep
// the Response.
type exchange struct {
	resp http.Response
	body httpcall.Answer
}

// response is the http.ResponseWriter of the in-memory transport, and the
// request the handler is served: one recycled object for both, the
// request cleared when the handler returns.
type response struct {
	req    http.Request
	header http.Header // the headers sent: what the handler set before the status
	// late is what Header returns once the status is written: a copy, so
	// that later changes are not sent, as with a server.
	late   http.Header
	status int
	wrote  bool
	buf    []byte
	// local is the transport whose free list the writer goes back to,
	// one with Transport.local set; nil for the shared pool.
	local *Transport
}

var writers = sync.Pool{New: func() any { return &response{header: make(http.Header)} }}

// maxPooledBody bounds the buffer a recycled writer keeps.
const maxPooledBody = 64 << 10

// Recycle gives the writer back to the pool once the body of its answer
// (an httpcall.Answer) is closed.
func (w *response) Recycle() {
	clear(w.header)
	w.late, w.status, w.wrote = nil, 0, false
	if cap(w.buf) > maxPooledBody {
		w.buf = nil
	}
	w.buf = w.buf[:0]
	if t := w.local; t != nil {
		t.free = append(t.free, w)
		return
	}
	writers.Put(w)
}

func (w *response) Header() http.Header {
	if !w.wrote {
		return w.header
	}
	if w.late == nil {
		w.late = w.header.Clone()
	}
	return w.late
}

func (w *response) WriteHeader(code int) {
	if w.wrote {
		return
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		return // informational: a server sends it and waits for the final one
	}
	w.status, w.wrote = code, true
}

func (w *response) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	w.buf = append(w.buf, b...)
	return len(b), nil
}

func (w *response) WriteString(s string) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	w.buf = append(w.buf, s...)
	return len(s), nil
}

// Flush implements http.Flusher: the body is the caller's when the handler
// returns, so there is nothing to push early.
func (w *response) Flush() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
}

// statusLines holds "200 OK" and the like for the codes net/http names,
// by code.
var statusLines = func() (lines [600]string) {
	for code := 100; code < len(lines); code++ {
		if text := http.StatusText(code); text != "" {
			lines[code] = strconv.Itoa(code) + " " + text
		}
	}
	return lines
}()

func statusLine(code int) string {
	if code >= 0 && code < len(statusLines) && statusLines[code] != "" {
		return statusLines[code]
	}
	// As net/http's client reads a server's line for a code it does not name.
	return fmt.Sprintf("%d status code %d", code, code)
}
