package whatsapp

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
)

// countingReader counts the bytes read from r.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// endless reads 'x' forever.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// allocPerRun returns the bytes allocated per call of f, averaged over runs
// (after one warm-up call).
func allocPerRun(runs int, f func()) uint64 {
	f()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < runs; i++ {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}

// TestBodyLimit: the webhook body is read incrementally, never into a
// buffer sized by the declared Content-Length, and never beyond
// MaxBodySize+1 bytes.
func TestBodyLimit(t *testing.T) {
	small := textMessage("16505551234", "wamid.L1", "hi")
	tests := []struct {
		name      string
		declared  int64 // Content-Length header; -1 unknown (chunked)
		body      func() io.Reader
		sig       []byte // body to sign; nil signs nothing valid
		status    int
		maxRead   int64  // bytes the handler may read from the body
		maxAlloc  uint64 // bytes the handler may allocate per request
		delivered bool
	}{
		{name: "tiny body claiming 3 MB", declared: MaxBodySize, body: func() io.Reader { return bytes.NewReader(small) },
			sig: small, status: 200, maxRead: int64(len(small)), maxAlloc: 64 << 10, delivered: true},
		{name: "tiny body claiming 3 MB, bad signature", declared: MaxBodySize, body: func() io.Reader { return bytes.NewReader(small) },
			sig: []byte("other"), status: 403, maxRead: int64(len(small)), maxAlloc: 64 << 10},
		{name: "claim over the limit is refused unread", declared: MaxBodySize + 1, body: func() io.Reader { return bytes.NewReader(small) },
			sig: small, status: 413, maxRead: 0, maxAlloc: 16 << 10},
		{name: "endless body, unknown length", declared: -1, body: func() io.Reader { return endless{} },
			sig: small, status: 413, maxRead: MaxBodySize + 1, maxAlloc: 8 * MaxBodySize},
		{name: "endless body claiming 3 MB", declared: MaxBodySize, body: func() io.Reader { return endless{} },
			sig: small, status: 413, maxRead: MaxBodySize + 1, maxAlloc: 8 * MaxBodySize},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, rec, _ := newTestAdapter(t)
			var last *httptest.ResponseRecorder
			var cr *countingReader
			serve := func() {
				cr = &countingReader{r: tc.body()}
				req := httptest.NewRequest(http.MethodPost, "/webhook", nil)
				req.Body = io.NopCloser(cr)
				req.ContentLength = tc.declared
				req.Header.Set(SignatureHeader, sign(testSecret, tc.sig))
				last = httptest.NewRecorder()
				a.ServeHTTP(last, req)
			}
			alloc := allocPerRun(5, serve)
			if last.Code != tc.status {
				t.Fatalf("status %d, want %d", last.Code, tc.status)
			}
			if cr.n > tc.maxRead {
				t.Errorf("read %d bytes, want at most %d", cr.n, tc.maxRead)
			}
			if alloc > tc.maxAlloc {
				t.Errorf("allocated %d bytes per request, want at most %d", alloc, tc.maxAlloc)
			}
			if got := len(rec.received) > 0; got != tc.delivered {
				t.Errorf("delivered %v, want %v", got, tc.delivered)
			}
		})
	}
}

// TestBodyLimitManyConnections is the scenario of the bug: many
// unauthenticated requests declaring 3 MB but sending little must not hold
// 3 MB each.
func TestBodyLimitManyConnections(t *testing.T) {
	a, _, _ := newTestAdapter(t)
	const conns = 300
	body := []byte(`{"object":"whatsapp_business_account"}`)
	alloc := allocPerRun(1, func() {
		for i := 0; i < conns; i++ {
			req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
			req.ContentLength = MaxBodySize
			req.Header.Set(SignatureHeader, "sha256=00")
			a.ServeHTTP(httptest.NewRecorder(), req)
		}
	})
	if alloc > 16<<20 {
		t.Fatalf("%d requests allocated %d MB", conns, alloc>>20)
	}
}
