package messenger

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
)

// mids reads the message ids of the webhooks a receiver got, in order.
func mids(r *receiver) []string {
	var out []string
	for _, b := range r.bodies {
		if _, rest, ok := strings.Cut(string(b), `"mid":"`); ok {
			out = append(out, rest[:strings.IndexByte(rest, '"')])
		}
	}
	return out
}

func TestWebhookFaults(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		plan     fault.Plan
		schedule []time.Duration
		at       []time.Duration // clock steps, each followed by a Flush
		want     []int           // bodies the receiver has after the first try and after each step
		faulted  bool
		tries    int // webhook tries journaled at the end
	}{
		{name: "no plan", at: []time.Duration{time.Hour}, want: []int{1, 1}, tries: 1},
		{name: "duplicate at once", plan: fault.Plan{Duplicate: 1}, at: []time.Duration{0, time.Hour}, want: []int{1, 2, 2}, tries: 2},
		{name: "duplicate later", plan: fault.Plan{Duplicate: 1, LateBy: time.Minute}, at: []time.Duration{0, time.Minute}, want: []int{1, 1, 2}, tries: 2},
		{name: "late", plan: fault.Plan{Late: 1, LateBy: 30 * time.Second}, at: []time.Duration{0, 30 * time.Second, time.Hour},
			want: []int{0, 0, 1, 1}, faulted: true, tries: 1},
		{name: "timeouts until the default schedule gives up", plan: fault.Plan{Timeouts: 1},
			at:   []time.Duration{15 * time.Second, time.Minute, 5 * time.Minute, 8 * time.Minute, time.Hour},
			want: []int{1, 2, 3, 4, 5, 5}, faulted: true, tries: 5},
		{name: "errors until the schedule gives up", plan: fault.Plan{Errors: 1}, schedule: []time.Duration{15 * time.Second},
			at: []time.Duration{15 * time.Second, time.Hour}, want: []int{0, 0, 0}, faulted: true, tries: 2},
		{name: "send faults leave webhooks alone", plan: fault.Plan{Send429: 1}, at: []time.Duration{time.Hour}, want: []int{1, 1}, tries: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, rcv, clk := newFake(t, Config{Faults: tc.plan, RetrySchedule: tc.schedule, DisableDeliveries: true})
			in, err := s.CustomerText(ctx, psid, "hello")
			if err != nil {
				t.Fatalf("CustomerText: %v", err)
			}
			if in.Faulted != tc.faulted {
				t.Errorf("Faulted = %v, want %v", in.Faulted, tc.faulted)
			}
			got := []int{len(rcv.bodies)}
			for _, d := range tc.at {
				clk.now = clk.now.Add(d)
				if _, err := s.Flush(ctx); err != nil && !errors.Is(err, ErrFaultTimeout) && !errors.Is(err, ErrFaultEdge) {
					t.Fatalf("Flush: %v", err)
				}
				got = append(got, len(rcv.bodies))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("receiver got %v bodies, want %v", got, tc.want)
			}
			// Every copy is the same bytes with the same signatures: the
			// same mid.
			for i, b := range rcv.bodies {
				if !bytes.Equal(b, rcv.bodies[0]) || rcv.heads[i].Get("X-Hub-Signature-256") != Sign256(DefaultAppSecret, b) {
					t.Errorf("copy %d differs or is badly signed:\n%s\n%s", i, b, rcv.bodies[0])
				}
			}
			if ids := mids(rcv); len(ids) > 0 && ids[0] != in.ID {
				t.Errorf("mid %s, want %s", ids[0], in.ID)
			}
			journalIsWhatWasSent(t, s, rcv)
			tries := 0
			for _, wh := range s.Journal().Webhooks {
				if wh.Kind == "message" {
					tries++
				}
			}
			if tries != tc.tries {
				t.Errorf("journal has %d tries, want %d", tries, tc.tries)
			}
			if _, ok := s.NextRetry(); ok {
				t.Error("webhooks still wait")
			}
			if tc.plan.Webhooks() != (s.FaultCount() > 0) {
				t.Errorf("%d faults counted", s.FaultCount())
			}
		})
	}
}

// A reordered webhook goes out right after the next one, with its own
// timestamp.
func TestReorder(t *testing.T) {
	ctx := context.Background()
	plan := fault.Plan{Reorder: 0.5}
	// A seed whose first webhook is reordered and second is not, as the
	// fake's decider will draw them.
	var seed uint64
	for ; seed < 1000; seed++ {
		d := fault.New(plan, seed)
		if a, b := d.Webhook(), d.Webhook(); a.AfterNext && !b.Hold {
			break
		}
	}
	s, rcv, clk := newFake(t, Config{Faults: plan, Seed: seed, DisableDeliveries: true})
	first, _ := s.CustomerText(ctx, psid, "first")
	if !first.Faulted || len(rcv.bodies) != 0 {
		t.Fatalf("first: Faulted %v, receiver got %d", first.Faulted, len(rcv.bodies))
	}
	clk.now = clk.now.Add(time.Second)
	second, _ := s.CustomerText(ctx, psid, "second")
	if _, err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := mids(rcv), []string{second.ID, first.ID}; !slices.Equal(got, want) {
		t.Fatalf("receiver got %v, want %v (second first)", got, want)
	}
	if !strings.Contains(string(rcv.bodies[1]), `"timestamp":1772445600000`) {
		t.Errorf("the reordered message lost its timestamp: %s", rcv.bodies[1])
	}
}

// A reordered webhook whose try fails is retried on the retry schedule:
// the next customer webhook does not bring its retry forward.
func TestReorderedRetryKeepsItsDue(t *testing.T) {
	ctx := context.Background()
	plan := fault.Plan{Reorder: 0.5, LateBy: time.Minute}
	// A seed whose first webhook is reordered (one try drawn when it goes
	// out) and second is not.
	var seed uint64
	for ; seed < 1000; seed++ {
		d := fault.New(plan, seed)
		if a := d.Webhook(); a.AfterNext {
			d.Try()
			if !d.Webhook().Hold {
				break
			}
		}
	}
	s, rcv, clk := newFake(t, Config{Faults: plan, Seed: seed, DisableDeliveries: true})
	if first, _ := s.CustomerText(ctx, psid, "first"); !first.Faulted {
		t.Fatal("first webhook not held")
	}
	clk.now = clk.now.Add(time.Minute) // 10:01:00, the bound
	rcv.status = http.StatusInternalServerError
	if n, _ := s.Flush(ctx); n != 1 {
		t.Fatalf("Flush at the bound made %d tries, want 1", n)
	}
	want := clk.now.Add(15 * time.Second)
	if due, ok := s.NextRetry(); !ok || !due.Equal(want) {
		t.Fatalf("retry due %v %v, want %v", due, ok, want)
	}
	rcv.status = 0
	clk.now = clk.now.Add(time.Second) // 10:01:01
	if second, _ := s.CustomerText(ctx, psid, "second"); second.Faulted || second.Status != http.StatusOK {
		t.Fatalf("second = %+v", second)
	}
	if due, ok := s.NextRetry(); !ok || !due.Equal(want) {
		t.Errorf("after the next webhook the retry is due %v %v, want %v", due, ok, want)
	}
	if n, _ := s.Flush(ctx); n != 0 {
		t.Errorf("Flush at 10:01:01 made %d tries, want 0", n)
	}
}

// On the Direct network the plan acts on the values handed over: a
// timed-out try reaches the receiver, a failed one does not.
func TestDirectFaults(t *testing.T) {
	var got []string
	s := New(Config{Clock: (&clock{now: t0}).Now, Faults: fault.Plan{Timeouts: 1}, RetrySchedule: []time.Duration{},
		Deliver: func(_ context.Context, ev Event) int { got = append(got, ev.MID); return http.StatusOK }})
	in, err := s.CustomerText(context.Background(), psid, "hi")
	if err != nil || !in.Faulted || len(got) != 1 || got[0] != in.ID {
		t.Errorf("timeout: %+v %v, delivered %v", in, err, got)
	}
	got = nil
	s = New(Config{Clock: (&clock{now: t0}).Now, Faults: fault.Plan{Errors: 1}, RetrySchedule: []time.Duration{},
		Deliver: func(_ context.Context, ev Event) int { got = append(got, ev.MID); return http.StatusOK }})
	if in, _ := s.CustomerText(context.Background(), psid, "hi"); !in.Faulted || len(got) != 0 {
		t.Errorf("edge error: %+v, delivered %v", in, got)
	}
}

func TestSendFaults(t *testing.T) {
	for _, tc := range []struct {
		name     string
		plan     fault.Plan
		throttle int
		status   int
		code     int
		message  string
	}{
		{"throttled", fault.Plan{Send429: 1}, 0, http.StatusTooManyRequests, CodeRateLimit, RateLimitMessage},
		{"throttled as 400", fault.Plan{Send429: 1}, http.StatusBadRequest, http.StatusBadRequest, CodeRateLimit, RateLimitMessage},
		{"server error", fault.Plan{Send5xx: 1}, 0, http.StatusInternalServerError, CodeServiceUnavailable, ServiceUnavailableMessage},
		{"none", fault.Plan{Duplicate: 1}, 0, http.StatusOK, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _ := newFake(t, Config{Faults: tc.plan, ThrottleStatus: tc.throttle})
			if _, err := s.CustomerText(context.Background(), psid, "hi"); err != nil {
				t.Fatal(err)
			}
			status, v := post(t, s, "/v25.0/me/messages"+tok, "application/json", `{"recipient":{"id":"`+psid+`"},"messaging_type":"RESPONSE","message":{"text":"hello"}}`)
			if status != tc.status {
				t.Fatalf("HTTP %d, want %d: %v", status, tc.status, v)
			}
			// By value, the same answer.
			_, e := s.Direct("v25.0").Send(SendRequest{Recipient: Recipient{ID: psid}, MessagingType: Response, Message: &Message{Text: "again"}})
			n := len(s.Deliveries(psid))
			if tc.code == 0 {
				if n != 2 || e != nil {
					t.Errorf("%d deliveries, error %v; want 2 and none", n, e)
				}
				return
			}
			code, _, msg := errOf(v)
			if tr, _ := v["error"].(map[string]any)["is_transient"].(bool); code != tc.code || msg != tc.message || !tr {
				t.Errorf("error %v, want code %d %q, transient", v, tc.code, tc.message)
			}
			if e == nil || e.Code != tc.code || !e.IsTransient || e.HTTPStatus != tc.status {
				t.Errorf("by value: %+v", e)
			}
			if n != 0 || s.LastError(psid) != nil {
				t.Errorf("a refused send was delivered (%d) or blamed on the customer (%+v)", n, s.LastError(psid))
			}
			if s.FaultCount() != 2 || s.Counts().Errors != 2 {
				t.Errorf("%d faults, counts %+v", s.FaultCount(), s.Counts())
			}
		})
	}
}

// The envelope of a transient error: is_transient after the type.
func TestAppendErrorTransient(t *testing.T) {
	e := &Error{Message: ServiceUnavailableMessage, Type: "OAuthException", Code: 2, FBTraceID: "AbC", IsTransient: true}
	want := `{"error":{"message":"An unexpected error has occurred. Please retry your request later.","type":"OAuthException","is_transient":true,"code":2,"fbtrace_id":"AbC"}}`
	if got := string(AppendError(nil, e)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// A webhook the plan duplicates is handed to the retry queue (held back,
// or retried after a failed first try) before its duplicate is made, and a
// concurrent Flush may then try it: the duplicate is made without reading
// the webhook again. go test -race catches a read of it after the handing
// over.
func TestDuplicateOfAWebhookInFlight(t *testing.T) {
	for _, tc := range []struct {
		name string
		plan fault.Plan
	}{
		{"held back", fault.Plan{Late: 1, Duplicate: 1, LateBy: time.Millisecond}},
		{"retried", fault.Plan{Timeouts: 1, Duplicate: 1, LateBy: time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ns atomic.Int64 // each reading of the clock a second later
			ns.Store(t0.UnixNano())
			ok := func(*http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}}, nil
			}
			s := New(Config{WebhookURL: "http://hook.invalid/webhook", Client: &http.Client{Transport: roundTrip(ok)},
				Clock:  func() time.Time { return time.Unix(0, ns.Add(int64(time.Second))) },
				Faults: tc.plan, RetrySchedule: []time.Duration{time.Nanosecond}, DisableDeliveries: true})
			ctx := context.Background()
			done := make(chan struct{})
			flushed := make(chan int)
			const flushers, events = 4, 2000
			for range flushers {
				go func() {
					n := 0
					for {
						select {
						case <-done:
							flushed <- n
							return
						default:
						}
						k, _ := s.Flush(ctx)
						n += k
					}
				}()
			}
			for range events {
				if _, err := s.CustomerText(ctx, psid, "hello"); err != nil {
					t.Fatal(err)
				}
			}
			close(done)
			n := 0
			for range flushers {
				n += <-flushed
			}
			for {
				k, _ := s.Flush(ctx)
				if k == 0 {
					break
				}
				n += k
			}
			if n == 0 || s.Counts().Webhooks < 2*events {
				t.Errorf("%d tries flushed, %d webhooks journaled for %d events and their duplicates", n, s.Counts().Webhooks, events)
			}
		})
	}
}
