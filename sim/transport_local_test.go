package sim

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/omnisim/omnisim/httpcall"
)

// A local transport (a world's Memory network) serves round trips nested
// in a handler, as a fake's webhook whose handler calls the fake back
// does, and gives each writer back to its own free list when the answer's
// body is closed: as many writers are made as round trips are open at
// once, and each answer reads what its own handler wrote.
func TestLocalTransportReusesWriters(t *testing.T) {
	tr := newLocalTransport()
	tr.Handle("inner", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "inner "+r.URL.Query().Get("n"))
	}))
	tr.Handle("outer", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequest(http.MethodGet, "http://inner/?n="+r.URL.Query().Get("n"), nil)
		resp, err := tr.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "outer, "+string(b))
	}))
	for i, n := range []string{"1", "22", "333", "4444"} {
		req, _ := http.NewRequest(http.MethodPost, "http://outer/?n="+n, strings.NewReader("body"))
		resp, err := tr.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if want := "outer, inner " + n; string(b) != want || resp.StatusCode != http.StatusAccepted {
			t.Errorf("round trip %d: %d %q, want %d %q", i, resp.StatusCode, b, http.StatusAccepted, want)
		}
		if len(tr.free) != 1 { // the inner writer, back; the outer one still read
			t.Errorf("round trip %d: %d writers free before the body is closed, want 1", i, len(tr.free))
		}
		resp.Body.Close()
		if len(tr.free) != 2 {
			t.Errorf("round trip %d: %d writers free, want 2", i, len(tr.free))
		}
		for _, w := range tr.free {
			if w.local != tr || w.status != 0 || w.wrote || len(w.buf) != 0 || len(w.header) != 0 {
				t.Errorf("round trip %d: a free writer not reset: %+v", i, w)
			}
		}
	}
	if NewTransport().local {
		t.Error("NewTransport is local; it may be used by many goroutines at once")
	}
}

// A request made with httpcall on a local transport is served to the
// handler itself, presented as a server would (RequestURI, RemoteAddr,
// Host), and given back to its caller as it was made (the body and form a
// handler may set put back), whether the handler
// returned, aborted or panicked; its body is closed each time.
func TestLocalTransportServesInPlace(t *testing.T) {
	tr := newLocalTransport()
	var seen *http.Request
	var uri, addr, host string
	tr.Handle("in.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, uri, addr, host = r, r.RequestURI, r.RemoteAddr, r.Host
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20) // as several fakes do
		b, _ := io.ReadAll(r.Body)
		r.ParseForm()
		switch string(b) {
		case "abort":
			panic(http.ErrAbortHandler)
		case "panic":
			panic("boom")
		}
		io.WriteString(w, "got "+string(b))
	}))
	u, _ := url.Parse("http://in.test/v1/hook?sig=abc")
	for _, body := range []string{"hello", "abort", "panic"} {
		q := httpcall.New()
		req := q.Prepare(context.Background(), http.MethodPost, u, []byte(body))
		before := *req
		var resp *http.Response
		var err error
		func() {
			defer func() {
				if v := recover(); (v != nil) != (body == "panic") {
					t.Errorf("%s: recovered %v", body, v)
				}
			}()
			resp, err = tr.Do(req)
		}()
		if seen != req || uri != "/v1/hook?sig=abc" || addr != remoteAddr || host != "in.test" {
			t.Errorf("%s: handler saw %p %q %q %q, want the request %p itself as a server presents it", body, seen, uri, addr, host, req)
		}
		if req.RequestURI != before.RequestURI || req.RemoteAddr != before.RemoteAddr || req.Host != before.Host {
			t.Errorf("%s: request given back with %q %q %q, made with %q %q %q", body,
				req.RequestURI, req.RemoteAddr, req.Host, before.RequestURI, before.RemoteAddr, before.Host)
		}
		if req.Body != before.Body || req.Form != nil || req.PostForm != nil {
			t.Errorf("%s: request given back with the handler's body or form", body)
		}
		if _, rerr := req.Body.Read(make([]byte, 1)); rerr == nil {
			t.Errorf("%s: the request's body is not closed", body)
		}
		switch body {
		case "hello":
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := io.ReadAll(resp.Body); string(b) != "got hello" {
				t.Errorf("answer %q", b)
			}
			resp.Body.Close()
			q.Release()
		case "abort":
			if err == nil {
				t.Error("aborted handler: no error")
			}
			q.Abandon()
			q.Release()
		}
	}
}

// A request made with httpcall without a body (a GET), which httpcall.Of
// does not recognize, is served a copy with http.NoBody, as a server's
// requests always have a body, not the request itself, and is given back
// without one.
func TestLocalTransportBodilessRequest(t *testing.T) {
	tr := newLocalTransport()
	var seen *http.Request
	var body io.ReadCloser
	tr.Handle("in.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, body = r, r.Body
		io.WriteString(w, "ok")
	}))
	u, _ := url.Parse("http://in.test/token")
	q := httpcall.New()
	defer q.Release()
	req := q.Prepare(context.Background(), http.MethodGet, u, nil)
	resp, err := tr.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if seen == req || body != http.NoBody || req.Body != nil {
		t.Errorf("handler saw the request itself %v, body %v; body given back %v", seen == req, body, req.Body)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != "ok" {
		t.Errorf("answer %q", b)
	}
}
