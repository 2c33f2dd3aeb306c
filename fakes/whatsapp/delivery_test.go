package whatsapp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// scripted is a webhook receiver answering each call with the next status
// of its script (the last one repeats); a negative status means: record
// (process) the call, then stall until the fake gives up waiting.
type scripted struct {
	mu     sync.Mutex
	script []int
	calls  []call
	srv    *httptest.Server
}

// slowTimeout is the WebhookTimeout of tests with a stalling router: long
// enough for a loaded machine to deliver the request before it.
const slowTimeout = 250 * time.Millisecond

type call struct {
	body, sig string
	at        time.Time // the fake's clock when the call arrived
}

func newScripted(t *testing.T, clock func() time.Time, script ...int) *scripted {
	sc := &scripted{script: script}
	sc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		sc.mu.Lock()
		i := min(len(sc.calls), len(sc.script)-1)
		status := sc.script[i]
		sc.calls = append(sc.calls, call{string(b), r.Header.Get("X-Hub-Signature-256"), clock()})
		sc.mu.Unlock()
		if status < 0 {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			status = 200
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(sc.srv.Close)
	return sc
}

func (sc *scripted) snapshot() []call {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return append([]call(nil), sc.calls...)
}

// TestRetries drives a webhook through the retry schedule with the fake's
// Clock and Flush, for an inbound message and for a status.
func TestRetries(t *testing.T) {
	s15, m1, m5 := 15*time.Second, time.Minute, 5*time.Minute
	tests := []struct {
		name     string
		schedule []time.Duration // nil: the default
		timeout  time.Duration
		script   []int
		advance  []time.Duration // clock steps, each followed by a Flush
		tries    []time.Duration // when the tries came, after the first
		retrying bool            // still waiting for a retry at the end
	}{
		{name: "200 is never retried", script: []int{200}, advance: []time.Duration{s15, time.Hour, 8 * 24 * time.Hour},
			tries: []time.Duration{0}},
		{name: "500 then 200", script: []int{500, 200}, advance: []time.Duration{s15 - 1, 1, m1},
			tries: []time.Duration{0, s15}},
		{name: "404, 503 then 200", script: []int{404, 503, 200}, advance: []time.Duration{s15, m1, m5},
			tries: []time.Duration{0, s15, s15 + m1}},
		{name: "3xx is a failure", script: []int{302, 200}, advance: []time.Duration{s15},
			tries: []time.Duration{0, s15}},
		{name: "late flush posts once", script: []int{500, 200}, advance: []time.Duration{time.Hour, time.Hour},
			tries: []time.Duration{0, time.Hour}},
		{name: "custom schedule gives up", schedule: []time.Duration{m1, m1}, script: []int{500},
			advance: []time.Duration{m1, m1, m1, time.Hour}, tries: []time.Duration{0, m1, 2 * m1}},
		{name: "no retries", schedule: []time.Duration{}, script: []int{500, 200}, advance: []time.Duration{s15, time.Hour},
			tries: []time.Duration{0}},
		{name: "capped at 7 days", schedule: []time.Duration{24 * time.Hour, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour,
			24 * time.Hour, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour}, script: []int{500},
			advance: []time.Duration{24 * time.Hour, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour,
				24 * time.Hour, 24 * time.Hour, 24 * time.Hour},
			tries: []time.Duration{0, 24 * time.Hour, 48 * time.Hour, 72 * time.Hour, 96 * time.Hour, 120 * time.Hour,
				144 * time.Hour, 168 * time.Hour}},
		{name: "still waiting", script: []int{500}, advance: []time.Duration{s15}, tries: []time.Duration{0, s15}, retrying: true},
		{name: "timeout then 200", timeout: slowTimeout, script: []int{-1, 200}, advance: []time.Duration{s15},
			tries: []time.Duration{0, s15}},
	}
	for _, kind := range []string{"messages", "statuses"} {
		for _, tc := range tests {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				clk := &fakeClock{t: t0}
				script := tc.script
				if kind == "statuses" {
					script = append([]int{200}, script...) // the inbound message that opens the window
				}
				rt := newScripted(t, clk.Now, script...)
				s := New(Config{WebhookURL: rt.srv.URL, Clock: clk.Now, RetrySchedule: tc.schedule, WebhookTimeout: tc.timeout,
					DisableStatuses: true, WindowErrors: Async})
				in, err := s.CustomerText(context.Background(), cust, "S", "hi")
				var first Inbound
				if kind == "statuses" {
					// One failed status: an Async window error on a closed window.
					clk.Add(DefaultWindow)
					wantOK(t, sendReq(s, text(cust, "late")))
					if n, _ := s.Flush(context.Background()); n != 1 {
						t.Fatalf("first flush %d", n)
					}
				} else {
					first = in
					if tc.timeout == 0 && (err != nil) != (first.Status == 0) {
						t.Fatalf("%+v %v", in, err)
					}
				}
				start := clk.Now()
				for _, d := range tc.advance {
					clk.Add(d)
					if _, err := s.Flush(context.Background()); err != nil && tc.timeout == 0 {
						t.Fatal(err)
					}
				}
				calls := rt.snapshot()
				if kind == "statuses" {
					calls = calls[1:]
				}
				if len(calls) != len(tc.tries) {
					t.Fatalf("%d tries, want %d", len(calls), len(tc.tries))
				}
				for i, c := range calls {
					if got := c.at.Sub(start); got != tc.tries[i] {
						t.Errorf("try %d at +%v, want +%v", i+1, got, tc.tries[i])
					}
					if c.body != calls[0].body || c.sig != calls[0].sig || c.sig != Sign(DefaultAppSecret, []byte(c.body)) {
						t.Errorf("try %d is not the same signed body", i+1)
					}
				}
				if kind == "messages" && first.Retrying != (len(tc.tries) > 1) {
					t.Errorf("Inbound.Retrying %v", first.Retrying)
				}
				if (s.Retrying() > 0) != tc.retrying {
					t.Errorf("retrying %d", s.Retrying())
				}
				_, ok := s.NextRetry()
				if ok != tc.retrying {
					t.Errorf("NextRetry ok %v", ok)
				}
				// The journal holds every try, numbered, with NextTry on the
				// failed ones that will be retried.
				var got []Webhook
				for _, w := range s.Journal().Webhooks {
					if w.Kind == kind && (kind == "statuses" || w.ID == in.ID) {
						got = append(got, w)
					}
				}
				if len(got) != len(tc.tries) {
					t.Fatalf("journal %+v", got)
				}
				for i, w := range got {
					willRetry := i < len(got)-1 || tc.retrying
					if w.Try != i+1 || w.NextTry.IsZero() == willRetry {
						t.Errorf("journal try %d: %+v", i+1, w)
					}
					if willRetry && i < len(got)-1 && !w.NextTry.Equal(start.Add(tc.tries[i+1])) && tc.name != "late flush posts once" {
						t.Errorf("try %d: NextTry %v, want %v", i+1, w.NextTry, start.Add(tc.tries[i+1]))
					}
				}
				if c := s.Counts(); c.Retries != len(tc.tries)-1 {
					t.Errorf("counts %+v", c)
				}
				if kind == "statuses" {
					// The async error was reported once, at the first try.
					if j := s.Journal(); len(j.Errors) != 1 || !j.Errors[0].Async {
						t.Errorf("errors %+v", j.Errors)
					}
				}
			})
		}
	}
}

// TestRetryDuplicateOnlyWhenDelivered: a router that dedupes by wamid sees
// a retried message again only when an earlier try got through (here: it
// was processed, but answered after the fake's timeout).
func TestRetryDuplicateOnlyWhenDelivered(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script []int
		dups   int
	}{
		{"refused then accepted", []int{503, 200}, 0},
		{"processed but too slow", []int{-1, 200}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := &fakeClock{t: t0}
			rt := newScripted(t, clk.Now, tc.script...)
			seen := map[string]int{}
			s := New(Config{WebhookURL: rt.srv.URL, Clock: clk.Now, WebhookTimeout: slowTimeout})
			in, _ := s.CustomerText(context.Background(), cust, "S", "hi")
			if !in.Retrying {
				t.Fatalf("%+v", in)
			}
			clk.Add(15 * time.Second)
			s.Flush(context.Background())
			// What the router processed: a refused try (non-2xx) is not
			// processed; a stalled one was.
			for i, c := range rt.snapshot() {
				st := tc.script[min(i, len(tc.script)-1)]
				if st == 200 || st < 0 {
					seen[c.body]++
				}
			}
			dups := 0
			for _, n := range seen {
				dups += n - 1
			}
			if dups != tc.dups {
				t.Fatalf("duplicates %d, want %d", dups, tc.dups)
			}
		})
	}
}

// TestFlushCanceled: a Flush whose context ends leaves the webhook it was
// posting and the rest queued, without counting a try.
func TestFlushCanceled(t *testing.T) {
	block := make(chan struct{})
	rt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer rt.Close()
	defer close(block)
	s, _ := newTest(Config{WebhookURL: rt.URL, Window: -1})
	wantOK(t, sendReq(s, text(cust, "a")))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	n, err := s.Flush(ctx)
	if n != 0 || err == nil || s.Pending() != 2 || s.Retrying() != 0 || s.Counts().Webhooks != 0 {
		t.Fatalf("flush %d %v pending %d retrying %d counts %+v", n, err, s.Pending(), s.Retrying(), s.Counts())
	}
}

// TestAutoFlush: with AutoFlush each send's statuses are posted by a
// goroutine once its answer is written, in order, and Close stops it.
func TestAutoFlush(t *testing.T) {
	rt := newRouter(t, DefaultAppSecret)
	s := New(Config{WebhookURL: rt.srv.URL, AutoFlush: true, Window: -1})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := 0; i < 5; i++ {
		req, _ := http.NewRequest("POST", s.URL+msgs, strings.NewReader(`{"messaging_product":"whatsapp","to":"16505551234","text":{"body":"x"}}`))
		req.Header.Set("Authorization", bearer)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ids = append(ids, b2id(t, b))
	}
	waitFor(t, func() bool { return s.Counts().Webhooks == 10 }) // tried and answered
	var want, got []string
	for _, id := range ids {
		want = append(want, id+" sent", id+" delivered")
	}
	for _, st := range rt.statuses() {
		got = append(got, st.ID+" "+st.Status)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("order\n got %v\nwant %v", got, want)
	}
	if s.Pending() != 0 {
		t.Fatalf("pending %d", s.Pending())
	}
	s.Close()
	// After Close nothing is posted in the background; Flush still works.
	wantOK(t, sendReq(s, text(cust, "after close")))
	time.Sleep(20 * time.Millisecond)
	if len(rt.statuses()) != 10 || s.Pending() != 2 {
		t.Fatalf("posted after Close: %d, pending %d", len(rt.statuses()), s.Pending())
	}
	if n, err := s.Flush(context.Background()); n != 2 || err != nil {
		t.Fatalf("flush %d %v", n, err)
	}
}

func b2id(t *testing.T, b []byte) string {
	t.Helper()
	i := strings.Index(string(b), `"id":"`)
	if i < 0 {
		t.Fatalf("no id in %s", b)
	}
	rest := string(b[i+6:])
	return rest[:strings.IndexByte(rest, '"')]
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// blockingWriter is a ResponseWriter whose Write waits for release.
type blockingWriter struct {
	h       http.Header
	writing chan struct{}
	release chan struct{}
}

func (w *blockingWriter) Header() http.Header { return w.h }
func (w *blockingWriter) WriteHeader(int)     {}
func (w *blockingWriter) Write(b []byte) (int, error) {
	close(w.writing)
	<-w.release
	return len(b), nil
}

// TestAutoFlushAfterAnswer: a send's statuses are not posted before its
// answer is written, even when the AutoFlush goroutine runs for a later
// send meanwhile; and they keep the order of the sends.
func TestAutoFlushAfterAnswer(t *testing.T) {
	rt := newRouter(t, DefaultAppSecret)
	s := New(Config{WebhookURL: rt.srv.URL, AutoFlush: true, Window: -1})
	defer s.Close()
	body := `{"messaging_product":"whatsapp","to":"16505551234","text":{"body":"x"}}`
	bw := &blockingWriter{h: http.Header{}, writing: make(chan struct{}), release: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		r := httptest.NewRequest("POST", msgs, strings.NewReader(body))
		r.Header.Set("Authorization", bearer)
		s.ServeHTTP(bw, r)
		close(done)
	}()
	<-bw.writing // A's statuses are queued; its answer is being written
	b := wantOK(t, post(s, body))
	time.Sleep(30 * time.Millisecond)
	if n := len(rt.statuses()); n != 0 {
		t.Fatalf("%d statuses posted before the first answer was written", n)
	}
	close(bw.release)
	<-done
	waitFor(t, func() bool { return len(rt.statuses()) == 4 })
	st := rt.statuses()
	if st[2].ID != b.Messages[0].ID || st[3].ID != b.Messages[0].ID || st[0].ID == st[2].ID {
		t.Fatalf("order %+v", st)
	}
}

// TestAutoFlushRetries: with AutoFlush, retries are posted by a real-time
// timer, and Close cancels a pending one.
func TestAutoFlushRetries(t *testing.T) {
	rt := newScripted(t, time.Now, 200, 500, 500, 200)
	s := New(Config{WebhookURL: rt.srv.URL, AutoFlush: true, Window: -1, DisableStatuses: true,
		RetrySchedule: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond}})
	defer s.Close()
	// An inbound message (200), then one refused twice and accepted.
	s.CustomerText(context.Background(), cust, "S", "ok")
	in, _ := s.CustomerText(context.Background(), cust, "S", "retried")
	if !in.Retrying || in.Status != 500 {
		t.Fatalf("%+v", in)
	}
	waitFor(t, func() bool { return len(rt.snapshot()) == 4 })
	calls := rt.snapshot()
	if calls[1].body != calls[3].body || calls[2].at.Sub(calls[1].at) < 10*time.Millisecond || calls[3].at.Sub(calls[2].at) < 20*time.Millisecond {
		t.Fatalf("calls %+v", calls)
	}
	waitFor(t, func() bool { return s.Retrying() == 0 })

	// A retry far away: Close does not wait for it.
	rt2 := newScripted(t, time.Now, 500)
	s2 := New(Config{WebhookURL: rt2.srv.URL, AutoFlush: true, RetrySchedule: []time.Duration{time.Hour}})
	s2.CustomerText(context.Background(), cust, "S", "x")
	start := time.Now()
	s2.Close()
	if time.Since(start) > time.Second || s2.Retrying() != 1 {
		t.Fatalf("close took %v, retrying %d", time.Since(start), s2.Retrying())
	}
}

func TestDefaultRetrySchedule(t *testing.T) {
	d := DefaultRetrySchedule()
	var total time.Duration
	for i, x := range d {
		if i > 0 && x < d[i-1] {
			t.Errorf("delay %d (%v) shorter than the one before", i, x)
		}
		total += x
	}
	if d[0] != 15*time.Second || total > MaxRetryAge || total+24*time.Hour <= MaxRetryAge {
		t.Fatalf("schedule %v, total %v", d, total)
	}
	c := New(Config{}).Config()
	if len(c.RetrySchedule) != len(d) || c.WebhookTimeout != DefaultWebhookTimeout || c.MediaStore != DefaultMediaStore {
		t.Fatalf("effective config %+v", c)
	}
	if c := New(Config{RetrySchedule: []time.Duration{}}).Config(); c.RetrySchedule == nil || len(c.RetrySchedule) != 0 {
		t.Fatalf("empty schedule became %v", c.RetrySchedule)
	}
}
