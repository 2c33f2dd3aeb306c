package sim_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnisim/omnisim/httpcall"
	"github.com/omnisim/omnisim/internal/race"
	"github.com/omnisim/omnisim/sim"
)

// roundTrip calls h through the in-memory transport and through a real
// server (httptest), so that each case checks the transport against
// net/http's own answer.
func roundTrip(t *testing.T, h http.Handler, method, target, body string, hdr http.Header) (mem, real *http.Response, memBody, realBody string) {
	t.Helper()
	tr := sim.NewTransport()
	tr.Handle("svc.test", h)
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // "superfluous WriteHeader" is the point of a case
	srv.Start()
	t.Cleanup(srv.Close)
	do := func(c *http.Client, base string) (*http.Response, string) {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, base+target, rd)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			req.Header[k] = v
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}
	mem, memBody = do(&http.Client{Transport: tr}, "http://svc.test")
	real, realBody = do(srv.Client(), srv.URL)
	t.Cleanup(func() { mem.Body.Close(); real.Body.Close() })
	return mem, real, memBody, realBody
}

func TestTransportServesHandlerShapes(t *testing.T) {
	tests := []struct {
		name    string
		h       http.HandlerFunc
		method  string
		target  string
		body    string
		headers []string // response headers to compare
	}{
		{"no write at all", func(w http.ResponseWriter, r *http.Request) {}, "GET", "/", "", nil},
		{"status only", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }, "GET", "/", "", nil},
		{"status and headers", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Add("X-Many", "1")
			w.Header().Add("X-Many", "2")
			w.WriteHeader(http.StatusTeapot)
			io.WriteString(w, `{"brewed":true}`)
		}, "POST", "/pot", "tea", []string{"Content-Type", "X-Many"}},
		{"write without WriteHeader is 200", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("hello"))
		}, "GET", "/", "", []string{"Content-Type"}},
		{"second WriteHeader ignored", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusAccepted)
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte("x"))
		}, "GET", "/", "", nil},
		{"informational status then the final one", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</a.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte("made"))
		}, "GET", "/", "", []string{"Content-Type", "Link"}},
		{"header changes after the status are not sent", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Before", "1")
			w.WriteHeader(http.StatusOK)
			w.Header().Set("X-After", "1")
			w.Write([]byte("x"))
		}, "GET", "/", "", []string{"X-Before", "X-After"}},
		{"streaming in chunks with flushes", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			f := w.(http.Flusher)
			for i := range 5 {
				fmt.Fprintf(w, "data: %d\n\n", i)
				f.Flush()
			}
		}, "GET", "/events", "", []string{"Content-Type"}},
		{"flush through http.ResponseController", func(w http.ResponseWriter, r *http.Request) {
			rc := http.NewResponseController(w)
			io.WriteString(w, "a")
			if err := rc.Flush(); err != nil {
				panic(err)
			}
			io.WriteString(w, "b")
		}, "GET", "/", "", nil},
		{"echo of the request as a server sees it", func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			// RemoteAddr differs (a fixed address in memory); its shape does not.
			_, port, ok := strings.Cut(r.RemoteAddr, ":")
			fmt.Fprintf(w, "%s %s uri=%s path=%s q=%s host=%v len=%d body=%s ct=%s remote-port=%v",
				r.Method, r.Proto, r.RequestURI, r.URL.Path, r.URL.Query().Get("q"), strings.Split(r.Host, ":")[0] == "svc.test" || strings.HasPrefix(r.Host, "127.0.0.1"),
				r.ContentLength, b, r.Header.Get("Content-Type"), ok && port != "")
		}, "PUT", "/a/b%20c?q=1&r=2", "payload", nil},
		{"large body", func(w http.ResponseWriter, r *http.Request) {
			w.Write(bytes.Repeat([]byte("0123456789abcdef"), 16<<10)) // 256 KiB
		}, "GET", "/", "", nil},
		{"error helper", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "nope", http.StatusForbidden)
		}, "GET", "/", "", []string{"Content-Type", "X-Content-Type-Options"}},
		{"unnamed status code", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(599) }, "GET", "/", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := http.Header{"Content-Type": {"text/plain"}}
			mem, real, mb, rb := roundTrip(t, tt.h, tt.method, tt.target, tt.body, hdr)
			if mem.StatusCode != real.StatusCode || mem.Status != real.Status {
				t.Errorf("status %q (%d), server %q (%d)", mem.Status, mem.StatusCode, real.Status, real.StatusCode)
			}
			if mb != rb {
				t.Errorf("body %.80q, server %.80q", mb, rb)
			}
			for _, k := range tt.headers {
				if got, want := mem.Header.Values(k), real.Header.Values(k); strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("header %s = %q, server %q", k, got, want)
				}
			}
			if mem.ContentLength != int64(len(mb)) || mem.ProtoMajor != 1 || mem.Request == nil {
				t.Errorf("content length %d for %d bytes, proto %d, request %v", mem.ContentLength, len(mb), mem.ProtoMajor, mem.Request)
			}
		})
	}
}

func TestTransportUnknownHostAndAbort(t *testing.T) {
	tr := sim.NewTransport()
	c := &http.Client{Transport: tr}
	body := &closeCounter{Reader: strings.NewReader("x")}
	req, _ := http.NewRequest("POST", "http://nowhere.test/", body)
	if _, err := c.Do(req); err == nil || !strings.Contains(err.Error(), "nowhere.test") {
		t.Errorf("unknown host: %v", err)
	}
	if body.closed != 1 {
		t.Errorf("request body closed %d times, want once", body.closed)
	}
	tr.Handle("abort.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("partial"))
		panic(http.ErrAbortHandler)
	}))
	if _, err := c.Get("http://abort.test/"); err == nil {
		t.Error("aborted handler: no error")
	}
	tr.Handle("panic.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") }))
	func() {
		defer func() {
			if v := recover(); v != "boom" {
				t.Errorf("recovered %v, want the handler's panic", v)
			}
		}()
		tr.RoundTrip(httptest.NewRequest("GET", "http://panic.test/", nil))
	}()
	var zero sim.Transport
	if _, err := zero.RoundTrip(httptest.NewRequest("GET", "http://x.test/", nil)); err == nil {
		t.Error("zero transport: no error")
	}
	zero.Handle("x.test", http.NotFoundHandler())
	if resp, err := zero.RoundTrip(httptest.NewRequest("GET", "http://x.test/", nil)); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("zero transport after Handle: %v %v", resp, err)
	}
}

type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

// TestTransportRecyclesSafely: a closed body reads no more, closing twice
// does not free another response's buffer, and what one response carried
// does not show in the next.
func TestTransportRecyclesSafely(t *testing.T) {
	tr := sim.NewTransport()
	n := 0
	tr.Handle("a.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		if n == 1 {
			w.Header().Set("X-First", "yes")
		}
		fmt.Fprintf(w, "response %d", n)
	}))
	c := &http.Client{Transport: tr}
	first, err := c.Get("http://a.test/")
	if err != nil {
		t.Fatal(err)
	}
	if first.Header.Get("X-First") != "yes" {
		t.Fatalf("first response headers %v", first.Header)
	}
	io.ReadAll(first.Body)
	first.Body.Close()
	if _, err := first.Body.Read(make([]byte, 1)); err == nil {
		t.Error("read after close: no error")
	}
	second, err := c.Get("http://a.test/")
	if err != nil {
		t.Fatal(err)
	}
	first.Body.Close() // again: must not touch the second response
	b, _ := io.ReadAll(second.Body)
	if string(b) != "response 2" || second.Header.Get("X-First") != "" || first.StatusCode != http.StatusOK {
		t.Errorf("second response %q, headers %v; first status %d", b, second.Header, first.StatusCode)
	}
	second.Body.Close()
}

// TestTransportConcurrent: many goroutines through one transport, each
// getting its own answer (run with -race).
func TestTransportConcurrent(t *testing.T) {
	tr := sim.NewTransport()
	tr.Handle("echo.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Who", r.URL.Query().Get("who"))
		io.Copy(w, r.Body)
	}))
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				who := fmt.Sprintf("%d-%d", g, i)
				req, _ := http.NewRequestWithContext(context.Background(), "POST", "http://echo.test/?who="+who, strings.NewReader("body "+who))
				resp, err := c.Do(req)
				if err != nil {
					errs <- err
					return
				}
				var buf bytes.Buffer
				io.Copy(&buf, resp.Body)
				hdr := resp.Header.Get("X-Who")
				resp.Body.Close()
				if buf.String() != "body "+who || hdr != who {
					errs <- fmt.Errorf("%s: got %q, header %q", who, buf.String(), hdr)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestTransportFollowsRedirects: the client reads Location before it
// closes the first body.
func TestTransportFollowsRedirects(t *testing.T) {
	tr := sim.NewTransport()
	tr.Handle("r.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusFound)
			return
		}
		io.WriteString(w, "moved here")
	}))
	resp, err := (&http.Client{Transport: tr}).Get("http://r.test/old")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "moved here" || resp.Request.URL.Path != "/new" {
		t.Errorf("got %q at %s", b, resp.Request.URL)
	}
}

func TestTransportDoesNotModifyTheRequest(t *testing.T) {
	tr := sim.NewTransport()
	tr.Handle("m.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	req := httptest.NewRequest("GET", "http://m.test/p?q=1", nil)
	req.RequestURI = "" // as a client request has it
	before := *req
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if req.RequestURI != before.RequestURI || req.RemoteAddr != before.RemoteAddr || req.Host != before.Host || req.Body != before.Body {
		t.Errorf("request modified: %+v", req)
	}
}

// TestTransportDoAnswersAsTheClient: Transport.Do, which serves a call
// without an http.Client, gives what (&http.Client{Transport: t}).Do
// gives: the handler sees the same request, the caller the same answer or
// the same error text.
func TestTransportDoAnswersAsTheClient(t *testing.T) {
	tr := sim.NewTransport()
	tr.Handle("svc.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen", fmt.Sprintf("%s %s %s auth=%q ct=%q hdr=%v len=%d", r.Method, r.RequestURI, r.Host,
			r.Header.Get("Authorization"), r.Header.Get("Content-Type"), r.Header != nil, r.ContentLength))
		w.WriteHeader(http.StatusAccepted)
		w.Write(b)
	}))
	tr.Handle("abort.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) }))
	tests := []struct {
		name, method, url, body string
		nilHeader               bool
	}{
		{name: "get", method: "GET", url: "http://svc.test/a?b=c"},
		{name: "post", method: "POST", url: "http://svc.test/p", body: `{"x":1}`},
		{name: "user info", method: "POST", url: "http://u:secret@svc.test/p", body: "x"},
		{name: "nil header", method: "GET", url: "http://svc.test/", nilHeader: true},
		{name: "no method", method: "", url: "http://svc.test/"},
		{name: "unknown host", method: "PUT", url: "http://nowhere.test/p", body: "x"},
		{name: "unknown host, user info", method: "GET", url: "http://u:secret@nowhere.test/"},
		{name: "lower-case method", method: "patch", url: "http://nowhere.test/"},
		{name: "aborted", method: "DELETE", url: "http://abort.test/"},
	}
	type answer struct {
		status     int
		seen, body string
		err        string
	}
	call := func(do func(*http.Request) (*http.Response, error), tc struct {
		name, method, url, body string
		nilHeader               bool
	}) answer {
		var rd io.Reader
		if tc.body != "" {
			rd = strings.NewReader(tc.body)
		}
		req, err := http.NewRequest(tc.method, tc.url, rd)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "text/plain")
		if tc.nilHeader {
			req.Header = nil
		}
		resp, err := do(req)
		if err != nil {
			if resp != nil {
				t.Errorf("%s: a response with the error", tc.name)
			}
			return answer{err: err.Error()}
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return answer{status: resp.StatusCode, seen: resp.Header.Get("X-Seen"), body: string(b)}
	}
	for _, tc := range tests {
		want := call((&http.Client{Transport: tr}).Do, tc)
		got := call(tr.Do, tc)
		if got != want {
			t.Errorf("%s: Do gave %+v, the client %+v", tc.name, got, want)
		}
	}
}

// TestTransportDoReturnsRedirects: Do does not follow a redirect (nothing
// on the memory network answers with one): the caller gets the 3xx.
func TestTransportDoReturnsRedirects(t *testing.T) {
	tr := sim.NewTransport()
	tr.Handle("r.test", http.RedirectHandler("/new", http.StatusFound))
	req, _ := http.NewRequest("GET", "http://r.test/old", nil)
	resp, err := tr.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close() // after reading Header, which the transport recycles
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/new" {
		t.Errorf("got %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// The handler sees the RequestURI net/http would give it, call after call,
// as the path, the query, or both change from one call to the next.
func TestTransportRequestURISequence(t *testing.T) {
	var got string
	tr := sim.NewTransport()
	tr.Handle("svc.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.RequestURI }))
	for _, target := range []string{
		"/hook?signature=a&nonce=1",
		"/hook?signature=b&nonce=2",
		"/hook",
		"/hook?",
		"/hook?x=1",
		"/hook",
		"/a%2Fb?q=1",
		"/a%2Fb?q=2",
		"/a/b?q=2",
		"/",
		"/?q=3",
		"/hook?signature=c",
	} {
		req, err := http.NewRequest(http.MethodGet, "http://svc.test"+target, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := req.URL.RequestURI(); got != want {
			t.Errorf("%s: the handler saw RequestURI %q, want %q", target, got, want)
		}
	}
}

// TestTransportAnswersInTheRequest: a request made with httpcall is
// answered in the httpcall.Request's own Response, which reads the
// handler's answer as any other; a request made otherwise gets a new one.
func TestTransportAnswersInTheRequest(t *testing.T) {
	tr := sim.NewTransport()
	tr.Handle("svc.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Echo", string(b))
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, "got %s", b)
	}))
	u, _ := url.Parse("http://svc.test/echo")
	for i := 0; i < 3; i++ {
		q := httpcall.New()
		resp, err := tr.Do(q.Prepare(context.Background(), http.MethodPost, u, []byte("hi")))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusAccepted || resp.Status != "202 Accepted" || resp.Header.Get("X-Echo") != "hi" || string(b) != "got hi" || resp.ContentLength != 6 {
			t.Errorf("answer %d %q %v %q", resp.StatusCode, resp.Status, resp.Header, b)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Error("the Response changed when its body was closed")
		}
		q.Release()
	}
	// A round trip with httpcall allocates nothing of its own: the
	// request, the writer and the answer are all recycled.
	tr.Handle("quiet.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	quiet, _ := url.Parse("http://quiet.test/")
	body := []byte("x")
	n := testing.AllocsPerRun(100, func() {
		q := httpcall.New()
		resp, err := tr.Do(q.Prepare(context.Background(), http.MethodPost, quiet, body))
		if err != nil || resp.StatusCode != http.StatusNoContent {
			t.Fatalf("quiet: %v %v", resp, err)
		}
		resp.Body.Close()
		q.Release()
	})
	if n != 0 && !race.Enabled {
		t.Errorf("a round trip with httpcall: %v allocations, want 0", n)
	}
	req, _ := http.NewRequest(http.MethodPost, u.String(), strings.NewReader("hi"))
	resp, err := tr.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "got hi" || resp.StatusCode != http.StatusAccepted {
		t.Errorf("plain request: %d %q", resp.StatusCode, b)
	}
}

// TestTransportPathPerCall: a request whose path and query were set from
// one string (httpcall.Request.SetPathQuery) is presented with that string
// as its RequestURI, the one net/http would give, and a round trip to a new
// path every call allocates nothing of its own; a path that needs escaping
// is still presented escaped.
func TestTransportPathPerCall(t *testing.T) {
	var got string
	tr := sim.NewTransport()
	tr.Handle("svc.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.RequestURI
		w.WriteHeader(http.StatusNoContent)
	}))
	base, _ := url.Parse("http://svc.test")
	body := []byte("x")
	call := func(pq string, check bool) {
		q := httpcall.New()
		req := q.Prepare(context.Background(), http.MethodPost, base, body)
		q.SetPathQuery(pq, strings.IndexByte(pq, '?'))
		resp, err := tr.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if check {
			if want := req.URL.RequestURI(); got != want {
				t.Errorf("%s: the handler saw RequestURI %q, want %q", pq, got, want)
			}
		}
		q.Release()
	}
	for _, pq := range []string{"/v1/conversations/a/messages?messageId=1", "/v1/conversations/b/messages?messageId=2",
		"/v1/conversations/a b/messages?messageId=3", "/v1/conversations/a/messages?messageId=4"} {
		call(pq, true)
	}
	pqs := make([]string, 101)
	for i := range pqs {
		pqs[i] = "/v1/conversations/c" + strconv.Itoa(i) + "/messages?messageId=m" + strconv.Itoa(i)
	}
	i := 0
	n := testing.AllocsPerRun(100, func() {
		call(pqs[i], false)
		i++
	})
	if n != 0 && !race.Enabled {
		t.Errorf("a round trip to a new path: %v allocations, want 0", n)
	}
}

// BenchmarkTransport is the memory network's own cost of a round trip: a
// request made with httpcall to a handler that reads nothing and answers
// 204.
func BenchmarkTransport(b *testing.B) {
	tr := sim.NewTransport()
	tr.Handle("quiet.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	u, _ := url.Parse("http://quiet.test/hook?x=1")
	body := []byte("x")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		q := httpcall.New()
		resp, err := tr.Do(q.Prepare(ctx, http.MethodPost, u, body))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		q.Release()
	}
}

// TestTransportFindsEveryHost: each registered host answers its own
// requests, however many are registered (a few are found by name, more
// through a map), and a host registered again answers with its new
// handler.
func TestTransportFindsEveryHost(t *testing.T) {
	tr := sim.NewTransport()
	answer := func(s string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, s) })
	}
	get := func(host string) (string, error) {
		resp, err := tr.RoundTrip(httptest.NewRequest("GET", "http://"+host+"/", nil))
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	tr.Handle("h0.test", answer("replaced"))
	const n = 20
	for i := range n {
		tr.Handle(fmt.Sprintf("h%d.test", i), answer(fmt.Sprint("first ", i)))
		for j := 0; j <= i; j++ {
			if got, err := get(fmt.Sprintf("h%d.test", j)); err != nil || got != fmt.Sprint("first ", j) {
				t.Fatalf("%d hosts: h%d.test answered %q, %v", i+1, j, got, err)
			}
		}
		if _, err := get(fmt.Sprintf("h%d.test", i+1)); err == nil {
			t.Fatalf("%d hosts: h%d.test, not registered, answered", i+1, i+1)
		}
	}
	for _, i := range []int{0, 7, 19} {
		tr.Handle(fmt.Sprintf("h%d.test", i), answer(fmt.Sprint("again ", i)))
		if got, err := get(fmt.Sprintf("h%d.test", i)); err != nil || got != fmt.Sprint("again ", i) {
			t.Errorf("h%d.test registered again answered %q, %v", i, got, err)
		}
	}
}
