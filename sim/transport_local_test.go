package sim

import (
	"io"
	"net/http"
	"strings"
	"testing"
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
