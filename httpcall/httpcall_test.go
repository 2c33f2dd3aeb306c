package httpcall

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"
)

type ctxKey struct{}

// TestPrepareAsNewRequest: a prepared request has the fields
// http.NewRequestWithContext gives the same call, its context included.
func TestPrepareAsNewRequest(t *testing.T) {
	ctx := context.WithValue(context.Background(), ctxKey{}, "v")
	for _, tc := range []struct {
		method, url, body string
	}{
		{"POST", "http://h.test/a/b?c=d", `{"x":1}`},
		{"POST", "http://h.test:8080/p", ""},
		{"PUT", "https://u.test/%2Fx", "body"},
		{"GET", "http://h.test/", ""},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		var rd io.Reader
		if tc.body != "" || tc.method != "GET" {
			rd = bytes.NewReader([]byte(tc.body))
		}
		want, err := http.NewRequestWithContext(ctx, tc.method, tc.url, rd)
		if err != nil {
			t.Fatal(err)
		}
		q := New()
		got := q.Prepare(ctx, tc.method, u, []byte(tc.body))
		if got.Method != want.Method || got.URL.String() != want.URL.String() || got.Host != want.Host ||
			got.Proto != want.Proto || got.ContentLength != want.ContentLength || got.Context() != ctx ||
			(got.Body == nil) != (want.Body == nil) || (got.GetBody == nil) != (want.GetBody == nil) ||
			len(got.Header) != 0 || (want.Body == http.NoBody) != (got.Body == http.NoBody) {
			t.Errorf("%s %s: got %+v, want %+v", tc.method, tc.url, got, want)
		}
		if got.Body != nil {
			b, _ := io.ReadAll(got.Body)
			if string(b) != tc.body {
				t.Errorf("%s %s: body %q", tc.method, tc.url, b)
			}
			again, _ := got.GetBody()
			b, _ = io.ReadAll(again)
			if string(b) != tc.body {
				t.Errorf("%s %s: GetBody %q", tc.method, tc.url, b)
			}
			got.Body.Close()
		}
		if *u != *mustParse(t, tc.url) {
			t.Errorf("%s: the caller's URL modified", tc.url)
		}
		q.Release()
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestReuseStartsClean: what one call set shows in no later one.
func TestReuseStartsClean(t *testing.T) {
	u := mustParse(t, "http://h.test/p")
	for i := 0; i < 50; i++ {
		q := New()
		r := q.Prepare(context.Background(), "POST", u, []byte("x"))
		if len(r.Header) != 0 || r.RequestURI != "" || r.RemoteAddr != "" || r.Close || r.Response != nil {
			t.Fatalf("call %d starts with %+v", i, r)
		}
		q.Set("X-A", "a")
		q.Set("X-B", "b")
		r.Close, r.RemoteAddr = true, "1.2.3.4:5"
		r.Body.Close()
		q.Release()
	}
}

// TestReleaseWaitsForTheBody: a request whose body the client has not
// closed is not reused.
func TestReleaseWaitsForTheBody(t *testing.T) {
	u := mustParse(t, "http://h.test/p")
	q := New()
	q.Prepare(context.Background(), "POST", u, []byte("x"))
	q.Set("X-A", "kept")
	q.Release() // body not closed: left alone
	for i := 0; i < 100; i++ {
		if New() == q {
			t.Fatal("a request reused before its body was closed")
		}
	}
	if got := q.Header().Get("X-A"); got != "kept" {
		t.Errorf("header of the request left alone: %q", got)
	}
}

// TestRealServer sends through net/http's own transport, concurrently
// (run with -race): each call's headers and body arrive as set.
func TestRealServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, r.Header.Get("X-N")+":"+string(b)+":"+r.URL.RawQuery)
	}))
	defer srv.Close()
	u := mustParse(t, srv.URL+"/p?q=1")
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				n := strings.Repeat("n", g+1)
				q := New()
				req := q.Prepare(context.Background(), "POST", u, []byte("body"+n))
				q.Set("X-N", n)
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(q.Limit(resp.Body, 1<<10))
				resp.Body.Close()
				q.Release()
				if want := n + ":body" + n + ":q=1"; string(b) != want {
					t.Errorf("got %q, want %q", b, want)
				}
			}
		}()
	}
	wg.Wait()
}

// TestSameContext: an uncomparable context is not the same as itself
// (no panic).
func TestSameContext(t *testing.T) {
	bg := context.Background()
	if !sameContext(bg, bg) || sameContext(bg, context.TODO()) {
		t.Error("comparable contexts")
	}
	a := uncomparable{Context: bg}
	if sameContext(a, a) {
		t.Error("uncomparable contexts compared equal")
	}
	c1, cancel1 := context.WithCancel(bg)
	defer cancel1()
	c2, cancel2 := context.WithCancel(bg)
	defer cancel2()
	if !sameContext(c1, c1) || sameContext(c1, c2) || sameContext(c1, a) || sameContext(a, c1) || sameContext(c1, bg) || sameContext(bg, c1) {
		t.Error("pointer contexts")
	}
	if !sameContext(context.TODO(), context.TODO()) || sameContext(bg, a) || sameContext(a, bg) || !sameContext(nil, nil) || sameContext(nil, bg) || sameContext(bg, nil) {
		t.Error("contexts without size, or nil")
	}
}

type uncomparable struct {
	context.Context
	_ []int
}

// TestAppendLimited: AppendLimited appends what
// io.ReadAll(io.LimitReader(r, n)) gives, to an empty slice and to one that
// holds bytes already, at every limit around the length and with readers
// of odd chunk sizes.
func TestAppendLimited(t *testing.T) {
	for _, size := range []int{0, 1, 511, 512, 513, 4096, 70000} {
		data := bytes.Repeat([]byte("abcdefghij"), size/10+1)[:size]
		for _, n := range []int64{0, 1, int64(size) - 1, int64(size), int64(size) + 1, 1 << 20} {
			if n < 0 {
				continue
			}
			for _, chunk := range []int{1, 7, 1 << 20} {
				want, werr := io.ReadAll(io.LimitReader(&chunky{data: data, n: chunk}, n))
				for _, head := range []string{"", "head"} {
					got, gerr := AppendLimited(append(make([]byte, 0, 512), head...), &chunky{data: data, n: chunk}, n)
					if string(got) != head+string(want) || (werr == nil) != (gerr == nil) {
						t.Errorf("size %d, limit %d, chunk %d, head %q: got %d bytes (%v), want %d (%v)", size, n, chunk, head, len(got), gerr, len(head)+len(want), werr)
					}
				}
			}
		}
	}
	if _, err := AppendLimited(nil, &chunky{err: io.ErrUnexpectedEOF}, 10); err != io.ErrUnexpectedEOF {
		t.Errorf("error: %v", err)
	}
	// An endless body grows the buffer to the limit, not past it.
	const limit = 1<<20 + 1
	endless := &chunky{data: bytes.Repeat([]byte("x"), 2*limit), n: 4096}
	if got, _ := AppendLimited(nil, endless, limit); len(got) != limit || cap(got) > limit+8192 {
		t.Errorf("endless body: %d bytes in a buffer of %d, want %d in at most %d", len(got), cap(got), limit, limit+8192)
	}
}

// chunky reads data n bytes at a time, then ends with err (io.EOF when
// nil).
type chunky struct {
	data []byte
	n    int
	err  error
}

func (c *chunky) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.data)
	c.data = c.data[k:]
	return k, nil
}

// TestReadBody: ReadBody leaves in the buffer and returns what
// buf.ReadFrom(http.MaxBytesReader(nil, r, limit)) does.
func TestReadBody(t *testing.T) {
	for _, size := range []int{0, 1, 511, 512, 513, 4096, 70000} {
		data := bytes.Repeat([]byte("abcdefghij"), size/10+1)[:size]
		for _, limit := range []int64{0, 1, int64(size) - 1, int64(size), int64(size) + 1, 1 << 20} {
			if limit < 0 {
				continue
			}
			for _, chunk := range []int{1, 7, 1 << 20} {
				// A reader may return its last bytes with io.EOF, as
				// net/http's chunked reader does when the last chunk is
				// buffered already.
				for _, withEOF := range []bool{false, true} {
					body := func() io.Reader {
						if withEOF {
							return iotest.DataErrReader(&chunky{data: data, n: chunk})
						}
						return &chunky{data: data, n: chunk}
					}
					var want, got bytes.Buffer
					want.WriteString("prefix")
					got.WriteString("prefix")
					_, werr := want.ReadFrom(http.MaxBytesReader(nil, io.NopCloser(body()), limit))
					gerr := ReadBody(&got, body(), limit)
					var wm, gm *http.MaxBytesError
					if !bytes.Equal(got.Bytes(), want.Bytes()) || (werr == nil) != (gerr == nil) ||
						errors.As(werr, &wm) != errors.As(gerr, &gm) || wm != nil && gm != nil && wm.Limit != gm.Limit {
						t.Errorf("size %d, limit %d, chunk %d, EOF with data %v: got %d bytes (%v), want %d (%v)",
							size, limit, chunk, withEOF, got.Len(), gerr, want.Len(), werr)
					}
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := ReadBody(&buf, &chunky{data: []byte("ab"), n: 1, err: io.ErrUnexpectedEOF}, 10); err != io.ErrUnexpectedEOF || buf.String() != "ab" {
		t.Errorf("error: %v, %q", err, buf.String())
	}
}

// TestReleaseWaitsForRewoundBodies: a body GetBody handed out keeps the
// request from reuse until it is closed, and Abandon keeps it for good.
func TestReleaseWaitsForRewoundBodies(t *testing.T) {
	u := mustParse(t, "http://h.test/p")
	q := New()
	r := q.Prepare(context.Background(), "POST", u, []byte("x"))
	again, _ := r.GetBody()
	r.Body.Close()
	r.Body.Close() // a second Close counts nothing
	q.Release()
	for i := 0; i < 100; i++ {
		if New() == q {
			t.Fatal("reused while a rewound body was open")
		}
	}
	b, _ := io.ReadAll(again)
	if string(b) != "x" {
		t.Errorf("rewound body %q", b)
	}
	again.Close()
	again.Close()
	if n := q.open.Load(); n != 0 {
		t.Errorf("open readers %d after every Close", n)
	}

	q = New()
	r = q.Prepare(context.Background(), "POST", u, []byte("y"))
	r.Body.Close()
	q.Abandon()
	q.Release()
	for i := 0; i < 100; i++ {
		if New() == q {
			t.Fatal("reused after Abandon")
		}
	}
	var none *Request
	none.Abandon()
	none.Release()
}

// TestReadRequestBody: a request's body read as through
// http.MaxBytesReader, whether it declares its length (within the limit or
// not) or not.
func TestReadRequestBody(t *testing.T) {
	for _, tc := range []struct {
		size, declared int64 // declared -1: unknown
		limit          int64
	}{
		{0, 0, 10}, {5, 5, 10}, {10, 10, 10}, {11, 11, 10}, {11, -1, 10}, {5, -1, 10}, {3000, 3000, 1 << 20},
	} {
		data := bytes.Repeat([]byte("x"), int(tc.size))
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(data))
		r.ContentLength = tc.declared
		var got bytes.Buffer
		err := ReadRequestBody(httptest.NewRecorder(), r, &got, tc.limit)
		var want bytes.Buffer
		_, werr := want.ReadFrom(http.MaxBytesReader(nil, io.NopCloser(bytes.NewReader(data)), tc.limit))
		var gm, wm *http.MaxBytesError
		if got.String() != want.String() || errors.As(err, &gm) != errors.As(werr, &wm) || (err == nil) != (werr == nil) {
			t.Errorf("%+v: %d bytes, %v; want %d, %v", tc, got.Len(), err, want.Len(), werr)
		}
	}
}

// TestOrDefault: a nil Doer, typed or not, is http.DefaultClient; any other
// is itself.
func TestOrDefault(t *testing.T) {
	var nilClient *http.Client
	own := &http.Client{}
	for _, tc := range []struct {
		name string
		in   Doer
		want Doer
	}{
		{"untyped nil", nil, http.DefaultClient},
		{"nil *http.Client", nilClient, http.DefaultClient},
		{"a client", own, own},
		{"another Doer", doerFunc(nil), nil},
	} {
		got := OrDefault(tc.in)
		if tc.want == nil {
			if _, ok := got.(doerFunc); !ok {
				t.Errorf("%s: got %T, want the Doer itself", tc.name, got)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

type countRecycler struct{ n int }

func (c *countRecycler) Recycle() { c.n++ }

// TestRespond: a Request recognized by Of answers in its own Response,
// whose Body reads the bytes (also through WriteTo), hands them back to
// their owner once on Close however often it is closed, and refuses reads
// after; Release clears it.
func TestRespond(t *testing.T) {
	u, _ := url.Parse("http://svc.test/x")
	q := New()
	r := q.Prepare(context.Background(), http.MethodPost, u, []byte("ping"))
	if Of(r) != q {
		t.Fatal("Of does not find the Request of its own request")
	}
	if plain, _ := http.NewRequest(http.MethodPost, u.String(), strings.NewReader("ping")); Of(plain) != nil {
		t.Error("Of finds a Request for http.NewRequest's request")
	}
	if get := New().Prepare(context.Background(), http.MethodGet, u, nil); Of(get) != nil {
		t.Error("Of finds a Request for a request without a body")
	}
	owner := &countRecycler{}
	resp := q.Respond([]byte("pong and more"), owner)
	if resp != q.Respond([]byte("pong and more"), owner) {
		t.Error("Respond does not answer in the Request's own Response")
	}
	head := make([]byte, 4)
	if n, err := resp.Body.Read(head); n != 4 || err != nil || string(head) != "pong" {
		t.Errorf("Read = %d %v %q", n, err, head)
	}
	var rest bytes.Buffer
	if _, err := io.Copy(&rest, resp.Body); err != nil || rest.String() != " and more" {
		t.Errorf("the rest = %q, %v", rest.String(), err)
	}
	resp.Body.Close()
	resp.Body.Close()
	if owner.n != 1 {
		t.Errorf("the owner got the bytes back %d times, want 1", owner.n)
	}
	if _, err := resp.Body.Read(head); err == nil {
		t.Error("a read after Close: no error")
	}
	r.Body.Close() // as the transport does once it has read the request
	q.Release()
	if q.resp.Body != nil || q.answer.owner != nil {
		t.Error("Release keeps the answer")
	}
}

// TestDrain: Drain reads at most n bytes of a body, an in-process answer
// as any other, and leaves the rest to read.
func TestDrain(t *testing.T) {
	for _, n := range []int64{0, 3, 13, 20} {
		for _, q := range []*Request{nil, New()} {
			var a Answer
			a.Reset([]byte("pong and more"), nil)
			plain := strings.NewReader("pong and more")
			q.Drain(&a, n)
			q.Drain(plain, n)
			restA, errA := io.ReadAll(&a)
			restP, errP := io.ReadAll(plain)
			if errA != nil || errP != nil || string(restA) != string(restP) {
				t.Errorf("n %d: after Drain the answer reads %q (%v), a reader %q (%v)", n, restA, errA, restP, errP)
			}
		}
	}
	var a Answer
	a.Reset([]byte("pong"), nil)
	a.Close()
	New().Drain(&a, 10)
	if _, err := a.Read(make([]byte, 1)); err == nil {
		t.Error("a read of a closed answer after Drain: no error")
	}
}

// TestSetPathQuery: a path and query set from one string give that string
// as the request URI, exactly url.URL.RequestURI's; a URL whose path needs
// escaping, or that changed after, or that is not the request's own, gives
// "" (the caller builds it); a pq without a '?' at n leaves the URL alone.
func TestSetPathQuery(t *testing.T) {
	base, _ := url.Parse("http://h.test")
	for _, tc := range []struct {
		pq   string
		n    int
		set  bool // the URL takes the parts
		uri  bool // RequestURI answers without building
		edit func(u *url.URL)
	}{
		{pq: "/v1/conversations/c-1/messages?messageId=m1", n: -1, set: true, uri: true},
		{pq: "/a?b", n: 2, set: true, uri: true},
		{pq: "/a.b_c~d-e/F9?x=1&y=2", n: -1, set: true, uri: true},
		{pq: "/a:b@c$d?q=1", n: 8, set: true, uri: true},    // kept in a path by EscapedPath
		{pq: "/a b?q=1", n: 4, set: true, uri: false},       // escaped: "/a%20b"
		{pq: "/a%b?q=1", n: 4, set: true, uri: false},       // escaped: "/a%25b"
		{pq: "/é?q=1", n: len("/é"), set: true, uri: false}, // escaped
		{pq: "/a?b", n: 1, set: false},                      // pq[n] is not '?'
		{pq: "/a?", n: 2, set: false},                       // no query
		{pq: "?b", n: 0, set: false},                        // no path
		{pq: "/a?b", n: 9, set: false},                      // n out of range
		{pq: "/p?q=1", n: 2, set: true, edit: func(u *url.URL) { u.Path = "/other" }},
		{pq: "/p?q=1", n: 2, set: true, edit: func(u *url.URL) { u.RawQuery = "q=2" }},
		{pq: "/p?q=1", n: 2, set: true, edit: func(u *url.URL) { u.RawPath = "/%70" }},
		{pq: "/p?q=1", n: 2, set: true, edit: func(u *url.URL) { u.Path = string([]byte("/p")) }, uri: true}, // equal, not shared
	} {
		q := New()
		q.Prepare(context.Background(), http.MethodPost, base, []byte("x"))
		if tc.n < 0 {
			tc.n = strings.IndexByte(tc.pq, '?')
		}
		q.SetPathQuery(tc.pq, tc.n)
		u := q.URL()
		if got := u.Path != ""; got != tc.set {
			t.Errorf("%q at %d: URL took the parts: %v, want %v (%v)", tc.pq, tc.n, got, tc.set, u)
		}
		if tc.set && tc.edit == nil && (u.Path != tc.pq[:tc.n] || u.RawQuery != tc.pq[tc.n+1:]) {
			t.Errorf("%q at %d: path %q query %q", tc.pq, tc.n, u.Path, u.RawQuery)
		}
		if tc.edit != nil {
			tc.edit(u)
		}
		got := q.RequestURI(u)
		if tc.uri && got != u.RequestURI() || !tc.uri && got != "" {
			t.Errorf("%q at %d: RequestURI %q, want %q from it (built: %q)", tc.pq, tc.n, got, map[bool]string{true: u.RequestURI()}[tc.uri], u.RequestURI())
		}
		other := *u
		if got := q.RequestURI(&other); got != "" {
			t.Errorf("%q: RequestURI of another URL = %q, want \"\"", tc.pq, got)
		}
		q.Release()
	}
	var nilq *Request
	if got := nilq.RequestURI(base); got != "" {
		t.Errorf("nil Request: %q", got)
	}
	// A new call forgets the path and query of the one before.
	q := New()
	q.Prepare(context.Background(), http.MethodPost, base, []byte("x"))
	q.SetPathQuery("/a?b", 2)
	q.Prepare(context.Background(), http.MethodPost, base, []byte("x"))
	if got := q.RequestURI(q.URL()); got != "" {
		t.Errorf("after Prepare again: %q", got)
	}
	q.Release()
}

// TestBody: a prepared request's body is handed over as its bytes while
// none of it is read, and then reads as empty; a body partly read, and a
// request of net/http's own, are not handed over.
func TestBody(t *testing.T) {
	u, _ := url.Parse("http://h.test/p")
	body := []byte(`{"x":1}`)
	q := New()
	r := q.Prepare(context.Background(), http.MethodPost, u, body)
	b, ok := Body(r)
	if !ok || &b[0] != &body[0] || len(b) != len(body) {
		t.Fatalf("Body = %q, %v; want the body itself", b, ok)
	}
	if rest, err := io.ReadAll(r.Body); err != nil || len(rest) != 0 {
		t.Fatalf("after Body, the body reads %q, %v", rest, err)
	}
	if _, ok := Body(r); ok {
		t.Fatal("a body handed over is handed over again")
	}
	r.Body.Close()
	q.Release()

	q = New()
	r = q.Prepare(context.Background(), http.MethodPost, u, body)
	var one [1]byte
	r.Body.Read(one[:])
	if _, ok := Body(r); ok {
		t.Fatal("a body partly read is handed over")
	}
	r.Body.Close()
	q.Release()

	if _, ok := Body(httptest.NewRequest(http.MethodPost, "/p", bytes.NewReader(body))); ok {
		t.Fatal("a request of net/http's own has its body handed over")
	}
}

// TestReadFailure: a body past the limit is 413, any other read error 400.
func TestReadFailure(t *testing.T) {
	if status, reason := ReadFailure(fmt.Errorf("reading: %w", &http.MaxBytesError{Limit: 1})); status != http.StatusRequestEntityTooLarge || reason != "body too large" {
		t.Errorf("too large: %d %q", status, reason)
	}
	if status, reason := ReadFailure(io.ErrUnexpectedEOF); status != http.StatusBadRequest || reason != "cannot read body" {
		t.Errorf("other error: %d %q", status, reason)
	}
}

// TestAnswerBytes: an answer's unread bytes are taken where they are, and
// a closed answer has none.
func TestAnswerBytes(t *testing.T) {
	body := []byte("hello")
	var a Answer
	a.Reset(body, nil)
	var two [2]byte
	a.Read(two[:])
	if b := a.Bytes(); string(b) != "llo" || &b[0] != &body[2] {
		t.Fatalf("Bytes after reading two = %q, want the rest of the body itself", b)
	}
	a.Close()
	if b := a.Bytes(); len(b) != 0 {
		t.Fatalf("Bytes after Close = %q", b)
	}
}

// TestHold: Hold holds an answer made in process where it is, and any
// other (from a real server) read into a pooled buffer, up to the limit;
// Bytes are the answer until Release, which closes the in-process body
// (handing its bytes back to their owner once), gives back the Request
// and the buffer.
func TestHold(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, r.URL.Query().Get("a"))
	}))
	defer srv.Close()
	long := strings.Repeat("x", 3000) // past the pooled buffer's first size
	for _, tc := range []struct {
		name      string
		inProcess bool
		method    string // GET: no request body
		answer    string
		limit     int64
		want      string
	}{
		{"in process", true, "POST", `{"ok":true}`, 1 << 10, `{"ok":true}`},
		{"in process, cut at the limit", true, "POST", `{"ok":true}`, 4, `{"ok`},
		{"in process, empty", true, "POST", "", 1 << 10, ""},
		{"server", false, "GET", `{"ok":true}`, 1 << 10, `{"ok":true}`},
		{"server, cut at the limit", false, "GET", long, 2500, long[:2500]},
		{"server, long", false, "GET", long, 1 << 20, long},
		{"server, empty", false, "GET", "", 1 << 10, ""},
		{"server, with a request body", false, "POST", "pong", 1 << 10, "pong"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := mustParse(t, srv.URL+"/p?a="+url.QueryEscape(tc.answer))
			var body []byte
			if tc.method == "POST" {
				body = []byte("ping")
			}
			q := New()
			req := q.Prepare(context.Background(), tc.method, u, body)
			q.Set("X-N", "n")
			owner := &countRecycler{}
			var resp *http.Response
			if tc.inProcess {
				req.Body.Close() // as the transport does once it has read the request
				resp = q.Respond([]byte(tc.answer), owner)
			} else {
				var err error
				if resp, err = srv.Client().Do(req); err != nil {
					t.Fatal(err)
				}
			}
			h, err := Hold(q, resp, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(h.Bytes()); got != tc.want {
				t.Fatalf("Bytes = %q, want %q", got, tc.want)
			}
			// The request is given back once nothing reads its body (a
			// real transport may close it in a goroutine of its own).
			returnable := tc.inProcess || body == nil
			if tc.inProcess {
				if owner.n != 0 || q.vals[0] != "n" {
					t.Fatal("an answer made in process given back before Release")
				}
			} else {
				// A read of a closed body fails; of an open one, it ends.
				_, err := resp.Body.Read(make([]byte, 1))
				if resp.Body != http.NoBody && (err == nil || err == io.EOF) {
					t.Errorf("Hold leaves the server's body open: a read after gets %v", err)
				}
				if q.vals[0] != "n" {
					t.Error("Hold gives the request back before Release")
				}
				if h.buf == nil || &(*h.buf)[:1][0] != &h.Bytes()[:1][0] {
					t.Error("the answer is not held in a pooled buffer")
				}
			}
			buf := h.buf
			h.Release()
			if tc.inProcess && owner.n != 1 {
				t.Errorf("the owner got the bytes back %d times, want 1", owner.n)
			}
			if returnable && q.vals[0] != "" {
				t.Error("Release does not give the request back")
			}
			if buf != nil && len(*buf) != 0 {
				t.Error("Release does not give the buffer back")
			}
		})
	}
}

// respondRT answers every request made with q in q's own Response, as
// the simulator's in-memory transport does.
type respondRT struct {
	q      *Request
	answer []byte
	owner  *countRecycler
}

func (rt respondRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r.Body.Close()
	resp := rt.q.Respond(rt.answer, rt.owner)
	resp.StatusCode = http.StatusAccepted
	return resp, nil
}

// TestHoldKeepsTheResponse: an answer made in the Request's own Response
// but handed on by a client that wraps its body (one with a Timeout does)
// is read into a buffer, and its status stays readable, and the Request
// unreleased, until Release.
func TestHoldKeepsTheResponse(t *testing.T) {
	u := mustParse(t, "http://h.test/p")
	q := New()
	req := q.Prepare(context.Background(), http.MethodPost, u, []byte("ping"))
	q.Set("X-N", "n")
	owner := &countRecycler{}
	c := &http.Client{Transport: respondRT{q: q, answer: []byte(`{"ok":true}`), owner: owner}, Timeout: time.Minute}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, inProcess := resp.Body.(*Answer); inProcess {
		t.Fatal("the client handed the in-process body on unwrapped: the test tests nothing")
	}
	h, err := Hold(q, resp, 1<<10)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusAccepted || string(h.Bytes()) != `{"ok":true}` || q.vals[0] != "n" {
		t.Fatalf("after Hold: status %d, body %q, request header %q: the Request was given back before Release", resp.StatusCode, h.Bytes(), q.vals[0])
	}
	h.Release()
	if q.vals[0] != "" {
		t.Error("Release does not give the request back")
	}
}
