// Package httpcall builds the HTTP requests that the fakes send to the
// router and the adapters send to the fakes, and recycles them: one
// request, URL, header map and body reader for many calls, so that a call
// costs no allocation of its own. URLCache keeps the parse of a URL that
// a caller sends to many times; ReadBody and ReadRequestBody read a body
// up to a limit without allocating the limiter, and Hold holds an answer's
// until its caller is done. Doer is what the fakes and adapters call with:
// an *http.Client, or the simulator's in-memory transport (OrDefault:
// http.DefaultClient for none).
//
// A Request is taken with New, filled with Prepare (and Set for headers of
// one value), sent with any client's Do, and given back with Release once
// the caller is done with the answer and has closed its body (Abandon first
// when Do failed). An in-process transport may answer in the Request's own
// Response (Respond), which Release recycles too. A Request is
// given back to the pool only when the call succeeded and the client has
// closed every reader of its body too (an http.Transport may do so in a
// goroutine of its own after Do returns): otherwise nothing of it is
// reused. The server side must keep neither the *http.Request nor its URL,
// Header or body bytes (Body), and must not modify them, as an
// http.Handler served by a real server cannot.
package httpcall

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
)

// maxValues is how many header values of one string a Request holds
// without allocating.
const maxValues = 4

// Request is one outgoing request with a body of bytes, reusable.
type Request struct {
	r      *http.Request // the request handed out, reset from tmpl each call
	tmpl   *http.Request // a request with only ctx set
	ctx    context.Context
	u      url.URL
	pq     string // the path and query SetPathQuery set, "" for none
	header http.Header
	rd     bytes.Reader
	body   []byte
	buf    []byte // Scratch's buffer, kept across calls
	vals   [maxValues]string
	nvals  int
	lr     io.LimitedReader
	// open counts the readers of the body handed to the client (the
	// Body, and each of GetBody's) that it has not closed yet.
	open       atomic.Int32
	bodyClosed atomic.Bool // the Body was closed (once per Prepare)
	failed     bool        // the call failed: the client may still hold q's parts
	// getBody is r.GetBody: a new reader of the body, as a client asks
	// for when it sends the request again.
	getBody func() (io.ReadCloser, error)
	// resp and answer are the answer of an in-process transport (Respond).
	resp   http.Response
	answer Answer
}

var pool = sync.Pool{New: func() any {
	q := &Request{header: make(http.Header, 4)}
	q.getBody = q.newBody
	return q
}}

// New returns a Request from the pool.
func New() *Request {
	q := pool.Get().(*Request)
	q.open.Store(0)
	q.failed = false
	return q
}

// Prepare makes the request: method to a copy of u (which may be shared
// by many calls and is not modified), with body as its Body (nil or empty
// for none), in ctx (nil for context.Background), as
// http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
// makes it (with no body at all for a GET or HEAD without one), without
// parsing the URL. Its Header is empty: fill it with Set
// or through Header. body must stay unchanged until Release.
func (q *Request) Prepare(ctx context.Context, method string, u *url.URL, body []byte) *http.Request {
	if ctx == nil {
		ctx = context.Background()
	}
	clear(q.header)
	q.nvals = 0
	q.u = *u
	q.pq = ""
	q.body = body
	if cap(body) != 0 && cap(q.buf) != 0 && &body[:1][0] == &q.buf[:1][0] {
		q.buf = body[:0] // grown in place: keep the larger buffer
	}
	q.rd.Reset(body)
	if q.tmpl == nil || !sameContext(q.ctx, ctx) {
		q.tmpl = new(http.Request).WithContext(ctx) // nothing but the context
		q.ctx = ctx
	}
	if q.r == nil {
		q.r = new(http.Request)
	}
	r := q.r
	*r = *q.tmpl // every field zero but the context
	r.Method = method
	r.URL = &q.u
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.1", 1, 1
	r.Header = q.header
	r.Host = q.u.Host
	switch {
	case len(body) != 0:
		q.open.Store(1)
		q.bodyClosed.Store(false)
		r.Body, r.GetBody, r.ContentLength = (*reqBody)(q), q.getBody, int64(len(body))
	case method != http.MethodGet && method != http.MethodHead:
		r.Body, r.GetBody = http.NoBody, noBody
	}
	return r
}

func noBody() (io.ReadCloser, error) { return http.NoBody, nil }

// sameContext reports whether a and b are the same context; false when
// their dynamic type cannot be compared. Contexts are pointers, or of a
// type without size (context.Background's, context.TODO's): those compare
// without the deferred recover, which costs a call.
func sameContext(a, b context.Context) bool {
	t := reflect.TypeOf(a)
	switch {
	case t == nil:
	case t.Kind() == reflect.Pointer:
		return a == b // a pointer compares with anything
	case t.Size() == 0:
		return reflect.TypeOf(b) == t // every value of the type is the same
	}
	return sameValueContext(a, b)
}

// sameValueContext is sameContext for any dynamic type.
func sameValueContext(a, b context.Context) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// Limit returns a reader of at most n bytes of r, kept in q (no
// allocation): for reading the answer, until Release.
func (q *Request) Limit(r io.Reader, n int64) io.Reader {
	q.lr = io.LimitedReader{R: r, N: n}
	return &q.lr
}

// Drain reads and discards at most n bytes of r, an answer's body, as
// io.Copy(io.Discard, io.LimitReader(r, n)) does, so that the body can be
// closed read: an in-process answer (an *Answer) is stepped over without
// copying its bytes, and any other body is read through q's limiter
// (Limit), or a new one when q is nil.
func (q *Request) Drain(r io.Reader, n int64) {
	if a, ok := r.(*Answer); ok {
		a.skip(n)
		return
	}
	var lr io.Reader
	if q != nil {
		lr = q.Limit(r, n)
	} else {
		lr = io.LimitReader(r, n)
	}
	io.Copy(io.Discard, lr) //nolint:errcheck // draining only
}

// maxScratch bounds the buffer a pooled Request keeps for Scratch.
const maxScratch = 64 << 10

// scratchSize is the capacity of a new Scratch buffer: room for the
// webhooks the fakes post most (a WhatsApp status webhook is about 760
// bytes), since a body that outgrows the buffer is built in a new one,
// which the Request does not keep.
const scratchSize = 1024

// Scratch returns an empty buffer of q's own to build the body in before
// Prepare; it stays q's, and is reused after Release.
func (q *Request) Scratch() []byte {
	if q.buf == nil {
		q.buf = make([]byte, 0, scratchSize)
	}
	return q.buf[:0]
}

// URL is the request's own copy of the URL, which the caller may change
// (a query of its own) before the call.
func (q *Request) URL() *url.URL { return &q.u }

// SetPathQuery sets the path and the query of the request's URL to the
// two parts of pq, a path and a query joined by the '?' at pq[n], sharing
// pq's bytes (RawPath is cleared): then RequestURI is pq itself, for a URL whose path needs no
// escaping, and a transport serving the request in process need not build
// it (a caller that posts to a path of its own per call, such as one per
// conversation, would otherwise build a new one every call). pq[n] must be
// '?' with a path before it and a query after it; otherwise the URL is
// left as it is.
func (q *Request) SetPathQuery(pq string, n int) {
	if n <= 0 || n >= len(pq)-1 || pq[n] != '?' {
		return
	}
	q.u.Path, q.u.RawPath, q.u.RawQuery = pq[:n], "", pq[n+1:]
	q.pq = pq
}

// RequestURI returns u.RequestURI() without building it when u is q's own
// URL and still holds the path and query SetPathQuery gave it, and its
// path needs no escaping: the string SetPathQuery was given. It returns ""
// otherwise, and the caller builds the request URI itself. Nil q is
// allowed.
func (q *Request) RequestURI(u *url.URL) string {
	if q == nil {
		return ""
	}
	pq := q.pq
	if pq == "" || u != &q.u || u.Opaque != "" || u.RawPath != "" {
		return ""
	}
	n := len(u.Path)
	// Equal strings that share their bytes compare without reading them.
	if n == 0 || n+1+len(u.RawQuery) != len(pq) || u.RawQuery == "" || pq[n] != '?' ||
		u.Path != pq[:n] || u.RawQuery != pq[n+1:] {
		return ""
	}
	if !plainPath(u.Path) && u.EscapedPath() != u.Path {
		return ""
	}
	return pq
}

// plainPath reports whether every byte of p is one that url.URL.EscapedPath
// leaves as it is in any path: a letter, a digit, or one of "-._~/".
func plainPath(p string) bool {
	for i := 0; i < len(p); i++ {
		if !pathPlain[p[i]] {
			return false
		}
	}
	return true
}

var pathPlain = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-._~/" {
		t[c] = true
	}
	return t
}()

// Header is the request's header map, to fill before the call.
func (q *Request) Header() http.Header { return q.header }

// Set sets the header key (in canonical form) to the one value v, without
// allocating for the first few values of a call.
func (q *Request) Set(key, v string) {
	if q.nvals == maxValues {
		q.header[key] = []string{v}
		return
	}
	i := q.nvals
	q.vals[i] = v
	q.nvals++
	q.header[key] = q.vals[i : i+1 : i+1]
}

// Abandon marks the call as failed: Release then leaves q to the
// collector, since a transport may still be writing a request it gave up
// on. Call it when Do returns an error; nil q is allowed.
func (q *Request) Abandon() {
	if q != nil {
		q.failed = true
	}
}

// Release gives q back to the pool once the client is done with it: call
// it after closing the answer's body, and use neither q nor its request
// after. A request whose call failed (Abandon), or one with a reader of
// its body that the client has not closed (a transport closes it in a
// goroutine of its own, after writing it), is left to the collector. Nil q
// is allowed.
func (q *Request) Release() {
	if q == nil || q.failed || q.open.Load() != 0 {
		return
	}
	q.body, q.pq = nil, ""
	if cap(q.buf) > maxScratch {
		q.buf = nil
	}
	q.rd.Reset(nil)
	q.lr = io.LimitedReader{}
	clear(q.vals[:q.nvals])
	q.resp, q.answer = http.Response{}, Answer{}
	pool.Put(q)
}

// Of returns the Request that prepared r, nil when r is not one's (or has
// no body, which is how a Request is recognized).
func Of(r *http.Request) *Request {
	if b, ok := r.Body.(*reqBody); ok {
		return (*Request)(b)
	}
	return nil
}

// Body returns the body of r when r is a Request's (Prepare) and nothing
// of its body has been read: the bytes themselves, without a copy, for a
// handler served in the caller's process (the simulator's memory network)
// to take at once; its body then reads as empty. They are the caller's:
// the handler reads them only until it returns, and does not modify them.
// For any other request ok is false, and the handler reads r.Body as
// usual.
func Body(r *http.Request) (b []byte, ok bool) {
	q, ok := r.Body.(*reqBody)
	if !ok || q.rd.Len() != len(q.body) {
		return nil, false
	}
	q.rd.Reset(q.body[len(q.body):])
	return q.body, true
}

// Recycler takes back what an answer's body read, once the body is closed.
type Recycler interface{ Recycle() }

// Respond is for a transport that serves q's request in the caller's
// process (the simulator's memory network): it returns q's own Response,
// zero but for its Body, which reads body and, when closed (once), hands
// it back to owner. The transport fills in the rest and returns it from
// the call; no allocation is made. Like q, the Response is the caller's
// until Release, which every caller makes only once done with the answer.
func (q *Request) Respond(body []byte, owner Recycler) *http.Response {
	q.answer.Reset(body, owner)
	q.resp = http.Response{Body: &q.answer}
	return &q.resp
}

// Answer is a response body of bytes that hands them back to their owner
// when closed, once: the body of a Response made by Respond, and of any
// response an in-process transport answers from a buffer it recycles.
// Reads after Close fail, as net/http's do.
type Answer struct {
	b      []byte
	off    int
	owner  Recycler
	closed bool
}

// Reset makes a an unread body of b, owned by owner (nil for none).
func (a *Answer) Reset(b []byte, owner Recycler) { *a = Answer{b: b, owner: owner} }

// errClosedBody is what a read of a closed answer gets, as from net/http.
var errClosedBody = errors.New("http: read on closed response body")

// Read implements io.Reader.
func (a *Answer) Read(p []byte) (int, error) {
	if a.closed {
		return 0, errClosedBody
	}
	if a.off >= len(a.b) {
		return 0, io.EOF
	}
	n := copy(p, a.b[a.off:])
	a.off += n
	return n, nil
}

// Bytes returns the unread bytes of the body without reading them, for a
// caller in the same process to take the answer where it is: valid until
// Close, and not to be modified. A closed body has none.
func (a *Answer) Bytes() []byte {
	if a.closed {
		return nil
	}
	return a.b[a.off:]
}

// WriteTo lets io.Copy take the body at once.
func (a *Answer) WriteTo(w io.Writer) (int64, error) {
	if a.closed {
		return 0, errClosedBody
	}
	n, err := w.Write(a.b[a.off:])
	a.off += n
	return int64(n), err
}

// skip steps over at most n unread bytes, as reading them would.
func (a *Answer) skip(n int64) {
	if !a.closed && n > 0 {
		a.off += int(min(int64(len(a.b)-a.off), n))
	}
}

// Close hands the bytes back to their owner, the first time.
func (a *Answer) Close() error {
	if !a.closed {
		a.closed = true
		a.b = nil
		if o := a.owner; o != nil {
			a.owner = nil
			o.Recycle()
		}
	}
	return nil
}

func (q *Request) newBody() (io.ReadCloser, error) {
	q.open.Add(1)
	rb := &rewound{q: q}
	rb.Reset(q.body)
	return rb, nil
}

// rewound is a body GetBody hands out: a reader of the body that counts
// its closing.
type rewound struct {
	bytes.Reader
	q      *Request
	closed atomic.Bool
}

func (b *rewound) Close() error {
	if b.closed.CompareAndSwap(false, true) {
		b.q.open.Add(-1)
	}
	return nil
}

// reqBody is a Request as the request's Body: it reads the body and
// counts its closing, once.
type reqBody Request

func (b *reqBody) Read(p []byte) (int, error) { return b.rd.Read(p) }

func (b *reqBody) Close() error {
	if b.bodyClosed.CompareAndSwap(false, true) {
		b.open.Add(-1)
	}
	return nil
}

// URLCache keeps the parse of the URL it was last asked for, for a caller
// that sends to one URL many times. Its methods may be called
// concurrently.
type URLCache struct {
	last atomic.Pointer[parsedURL]
}

type parsedURL struct {
	raw string
	u   *url.URL
}

// Parse returns raw parsed as http.NewRequest parses it (an empty port
// dropped), nil when it does not parse: the caller then leaves the request
// to http.NewRequest, which says why. The URL is shared: do not modify it.
func (c *URLCache) Parse(raw string) *url.URL {
	if p := c.last.Load(); p != nil && p.raw == raw {
		return p.u
	}
	p := &parsedURL{raw: raw, u: ParseURL(raw)}
	c.last.Store(p)
	return p.u
}

// ParseURL parses raw as http.NewRequest does (url.Parse, then an empty
// port dropped from the host); nil when it does not parse.
func ParseURL(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	if h := u.Host; strings.LastIndex(h, ":") > strings.LastIndex(h, "]") {
		u.Host = strings.TrimSuffix(h, ":")
	}
	return u
}

// AppendLimited appends r to b until r's end (io.EOF, not an error) or
// until n bytes are appended, reading no further, as
// io.ReadAll(io.LimitReader(r, n)) reads, without the limiter (which
// escapes to the heap): b's storage is used, and grown when it is full,
// by doubling but never past the n bytes it may append, so an endless body
// costs about 2n bytes of buffers. A reader of a body limited to max bytes
// reads max+1: more than max appended means the body is too large.
func AppendLimited(b []byte, r io.Reader, n int64) ([]byte, error) {
	n += int64(len(b))
	for int64(len(b)) < n {
		if len(b) == cap(b) {
			grown := make([]byte, len(b), min(int64(max(2*cap(b), 512)), n))
			copy(grown, b)
			b = grown
		}
		room := b[len(b):cap(b)]
		if rest := n - int64(len(b)); int64(len(room)) > rest {
			room = room[:rest]
		}
		k, err := r.Read(room)
		b = b[:len(b)+k]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
	}
	return b, nil
}

// Held is the body of an answer, held with what it needs until Release:
// the bytes of an answer made in process (an *Answer), read where they
// are, or a pooled buffer the body was read into, and the Request whose
// call it answers. The zero Held holds nothing.
type Held struct {
	b    []byte
	body *Answer  // the body of an answer made in process, to close
	q    *Request // the request whose call it answers, given back after
	buf  *[]byte  // the pooled buffer b was read into
}

// heldPool holds the buffers Hold reads answers into.
var heldPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// maxHeld bounds the buffer heldPool keeps.
const maxHeld = 64 << 10

// Hold reads the body of resp, the answer to q's call (nil q for a
// request of the caller's own), up to limit bytes (more are not read, as
// io.LimitReader(resp.Body, limit) gives): an answer made in process (an
// *Answer) is taken where it is, and Release closes it; any other is read
// into a buffer of this package's pool, and Hold closes the body. Either
// way q is given back by Release, not before: resp may be q's own
// Response (an in-process transport answers in it, and a client that
// wraps its body, as one with a Timeout does, hands that on), so its
// status stays readable until then. On a read error the body is closed,
// q given back, and nothing is held: read what is needed of resp first.
func Hold(q *Request, resp *http.Response, limit int64) (Held, error) {
	if in, ok := resp.Body.(*Answer); ok {
		b := in.Bytes()
		return Held{b: b[:min(int64(len(b)), limit)], body: in, q: q}, nil
	}
	return holdRead(q, resp, limit)
}

// holdRead is Hold of an answer not made in process.
func holdRead(q *Request, resp *http.Response, limit int64) (Held, error) {
	buf := heldPool.Get().(*[]byte)
	b, err := AppendLimited((*buf)[:0], resp.Body, limit)
	*buf = b
	resp.Body.Close()
	if err != nil {
		putHeld(buf)
		q.Release()
		return Held{}, err
	}
	return Held{b: b, buf: buf, q: q}, nil
}

// Bytes is the answer's body, valid until Release; not to be modified.
func (h Held) Bytes() []byte { return h.b }

// Release closes the body of an answer made in process, or gives back the
// buffer the answer was read into, then gives back the Request. Use
// neither h nor its Bytes after.
func (h Held) Release() {
	if h.body != nil {
		h.body.Close()
	}
	if h.q != nil { // nil for a request of the caller's own
		h.q.Release()
	}
	if h.buf != nil {
		putHeld(h.buf)
	}
}

// putHeld gives buf back to heldPool, unless it grew past maxHeld.
func putHeld(buf *[]byte) {
	if cap(*buf) <= maxHeld {
		*buf = (*buf)[:0]
		heldPool.Put(buf)
	}
}

// ReadRequestBody appends r's body to buf, at most limit bytes (more is an
// *http.MaxBytesError), as buf.ReadFrom(http.MaxBytesReader(w, r.Body,
// limit)) does: for a body of a declared length within the limit, which a
// server reads no further, without the limiter (ReadBody).
func ReadRequestBody(w http.ResponseWriter, r *http.Request, buf *bytes.Buffer, limit int64) error {
	if r.ContentLength >= 0 && r.ContentLength <= limit {
		return ReadBody(buf, r.Body, limit)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	return err
}

// ReadFailure is the status and reason a server answers a request whose
// body ReadRequestBody could not read with err: 413 "body too large" for
// a body past the limit (an *http.MaxBytesError), 400 "cannot read body"
// for any other error.
func ReadFailure(err error) (status int, reason string) {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return http.StatusRequestEntityTooLarge, "body too large"
	}
	return http.StatusBadRequest, "cannot read body"
}

// ReadBody appends a request body r to buf as
// buf.ReadFrom(http.MaxBytesReader(w, r, limit)) does, for a body whose
// length the request declares (a server reads no more than that): no
// limiter is allocated. A body of more than limit bytes is an
// *http.MaxBytesError, after limit+1 bytes read.
func ReadBody(buf *bytes.Buffer, r io.Reader, limit int64) error {
	start := buf.Len()
	for {
		if buf.Available() == 0 {
			buf.Grow(512)
		}
		room := buf.AvailableBuffer()[:buf.Available()]
		if rest := limit + 1 - int64(buf.Len()-start); int64(len(room)) > rest {
			room = room[:rest]
		}
		k, err := r.Read(room)
		buf.Write(room[:k])
		// Checked before the error: a reader may return its last bytes
		// with io.EOF.
		if int64(buf.Len()-start) > limit {
			buf.Truncate(start + int(limit))
			return &http.MaxBytesError{Limit: limit}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// Doer makes HTTP calls: an *http.Client, or anything with its Do method,
// such as an in-memory transport that serves a call without a client. The
// fakes' and the adapters' Config.Client take one.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// OrDefault is c, or http.DefaultClient when c is nil (an untyped nil or a
// nil *http.Client).
func OrDefault(c Doer) Doer {
	if hc, ok := c.(*http.Client); c == nil || ok && hc == nil {
		return http.DefaultClient
	}
	return c
}
