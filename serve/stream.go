package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// bell tells the server's live streams that the world changed: each ring
// closes the channel the streams wait on and numbers the change.
type bell struct {
	mu sync.Mutex
	n  uint64
	ch chan struct{}
}

func newBell() *bell { return &bell{ch: make(chan struct{})} }

// ring announces a change.
func (b *bell) ring() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n++
	close(b.ch)
	b.ch = make(chan struct{})
}

// wait returns the number of the latest change and a channel closed at the
// next.
func (b *bell) wait() (uint64, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n, b.ch
}

// Stream timing: changes closer together than StreamCoalesce are sent as
// one, and an idle stream sends a comment every StreamKeepAlive so that
// proxies and browsers keep it open.
const (
	StreamCoalesce  = 100 * time.Millisecond
	StreamKeepAlive = 15 * time.Second
)

// changeJSON is a stream's change event: enough for a page to know what to
// fetch again, and to run its clock between changes.
type changeJSON struct {
	Change  uint64    `json:"change"`
	Seed    uint64    `json:"seed"`
	Event   uint64    `json:"event"` // the Seq of the router's newest event
	Now     time.Time `json:"now"`
	Speed   float64   `json:"speed"` // 0 when the clock is stopped
	World   bool      `json:"world"` // false when the last reset failed
	Problem string    `json:"problem,omitempty"`
}

// stream answers GET /_omnisim/stream: server-sent events, one "change"
// event when the stream opens and one after each change of the world
// (coalesced), until the client goes or the server stops. A client that
// reconnects (EventSource does so on its own) gets the current state at
// once, so a page survives a server restart by fetching again. The
// server's write timeout applies to each write, not to the whole stream. A
// HEAD gets the headers only.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	if _, ok := query(w, r); !ok {
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "streaming is not supported by this connection")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return // the headers only: a HEAD has no stream to wait on
	}
	// The server's write timeout bounds each write, not the stream: the
	// deadline moves forward before every write, so that only a reader
	// that stops reading is cut off.
	rc := http.NewResponseController(w)
	timeout := s.http.WriteTimeout
	extend := func() {
		if timeout > 0 {
			rc.SetWriteDeadline(time.Now().Add(timeout)) //nolint:errcheck // unsupported: the server's deadline stands
		}
	}
	extend()
	fmt.Fprint(w, "retry: 1000\n\n")
	keepAlive := time.NewTicker(StreamKeepAlive)
	defer keepAlive.Stop()
	for {
		n, next := s.bell.wait()
		body, err := json.Marshal(s.change(n))
		if err != nil {
			return
		}
		extend()
		if _, err := fmt.Fprintf(w, "id: %d\nevent: change\ndata: %s\n\n", n, body); err != nil {
			return
		}
		flusher.Flush()
	wait:
		for {
			select {
			case <-r.Context().Done():
				return
			case <-s.stopTick:
				return
			case <-keepAlive.C:
				extend()
				if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
					return
				}
				flusher.Flush()
			case <-next:
				break wait
			}
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.stopTick:
			return
		case <-time.After(StreamCoalesce):
		}
	}
}

// change describes the world now for a stream.
func (s *Server) change(n uint64) changeJSON {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := changeJSON{Change: n, Seed: s.seed}
	if s.world == nil {
		if s.worldErr != nil {
			c.Problem = s.worldErr.Error()
		}
		return c
	}
	c.World, c.Event, c.Now = true, s.rung, s.world.Now()
	if !s.clock.stopped {
		c.Speed = s.clock.speed
	}
	return c
}
