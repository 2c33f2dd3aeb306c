package sim

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// Transport is an http.RoundTripper that serves requests by calling the
// handler registered for the request's host directly, without sockets.
type Transport struct {
	mu    sync.RWMutex
	hosts map[string]http.Handler
}

// NewTransport returns a transport with no hosts.
func NewTransport() *Transport { return &Transport{hosts: map[string]http.Handler{}} }

// Handle routes requests for host (as in a URL: "name" or "name:port") to h.
func (t *Transport) Handle(host string, h http.Handler) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.hosts[host] = h
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.RLock()
	h, ok := t.hosts[req.URL.Host]
	t.mu.RUnlock()
	if !ok {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("sim: no handler for host %q", req.URL.Host)
	}
	// Present the request as a server would see it: a shallow copy, as
	// Request.WithContext makes, so the caller's request is not modified.
	// Headers and URL are shared, not cloned: a handler reads them.
	in := req.WithContext(req.Context())
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "192.0.2.1:1234"
	in.Host = req.URL.Host
	if in.Body == nil {
		in.Body = http.NoBody
	}
	w := &response{header: make(http.Header)}
	h.ServeHTTP(w, in)
	if req.Body != nil {
		req.Body.Close()
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", w.status, http.StatusText(w.status)),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          io.NopCloser(bytes.NewReader(w.body.Bytes())),
		ContentLength: int64(w.body.Len()),
		Request:       req,
	}, nil
}

// response is the http.ResponseWriter of the in-memory transport.
type response struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *response) Header() http.Header { return w.header }

func (w *response) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *response) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}
