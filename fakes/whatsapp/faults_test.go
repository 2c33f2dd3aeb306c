package whatsapp

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
)

// faultWorld is a fake with a fault plan, a signature-checking router and
// a clock.
func faultWorld(t *testing.T, plan fault.Plan, schedule []time.Duration) (*Server, *router, *fakeClock) {
	t.Helper()
	rt := newRouter(t, DefaultAppSecret)
	s, clk := newTest(Config{WebhookURL: rt.srv.URL, Faults: plan, RetrySchedule: schedule, DisableStatuses: true})
	return s, rt, clk
}

func (rt *router) count() int {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return len(rt.bodies)
}

func messageIDs(rt *router) []string {
	var ids []string
	for _, p := range rt.payloads() {
		for _, m := range p.Entry[0].Changes[0].Value.Messages {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

func TestWebhookFaults(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		plan     fault.Plan
		schedule []time.Duration
		at       []time.Duration // clock steps, each followed by a Flush
		want     []int           // bodies the router has after the first try and after each step
		faulted  bool
		tries    int // webhook tries journaled at the end
	}{
		{name: "no plan", at: []time.Duration{time.Hour}, want: []int{1, 1}, tries: 1},
		{name: "duplicate at once", plan: fault.Plan{Duplicate: 1}, at: []time.Duration{0, time.Hour}, want: []int{1, 2, 2}, tries: 2},
		{name: "duplicate later", plan: fault.Plan{Duplicate: 1, LateBy: time.Minute}, at: []time.Duration{0, time.Minute}, want: []int{1, 1, 2}, tries: 2},
		{name: "late", plan: fault.Plan{Late: 1, LateBy: 30 * time.Second}, at: []time.Duration{0, 30 * time.Second, time.Hour},
			want: []int{0, 0, 1, 1}, faulted: true, tries: 1},
		{name: "timeouts until the schedule gives up", plan: fault.Plan{Timeouts: 1}, schedule: []time.Duration{15 * time.Second, time.Minute},
			at: []time.Duration{15 * time.Second, time.Minute, time.Hour}, want: []int{1, 2, 3, 3}, faulted: true, tries: 3},
		{name: "errors until the schedule gives up", plan: fault.Plan{Errors: 1}, schedule: []time.Duration{15 * time.Second},
			at: []time.Duration{15 * time.Second, time.Hour}, want: []int{0, 0, 0}, faulted: true, tries: 2},
		{name: "send faults leave webhooks alone", plan: fault.Plan{Send429: 1}, at: []time.Duration{time.Hour}, want: []int{1, 1}, tries: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, rt, clk := faultWorld(t, tc.plan, tc.schedule)
			in, err := s.CustomerText(ctx, cust, "Sheena", "hello")
			if err != nil {
				t.Fatalf("CustomerText: %v", err)
			}
			if in.Faulted != tc.faulted {
				t.Errorf("Faulted = %v, want %v", in.Faulted, tc.faulted)
			}
			got := []int{rt.count()}
			for _, d := range tc.at {
				clk.Add(d)
				if _, err := s.Flush(ctx); err != nil && !errors.Is(err, ErrFaultTimeout) && !errors.Is(err, ErrFaultEdge) {
					t.Fatalf("Flush: %v", err)
				}
				got = append(got, rt.count())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("router got %v bodies, want %v", got, tc.want)
			}
			// Every copy is the same signed bytes.
			for _, b := range rt.bodies {
				if !bytes.Equal(b, rt.bodies[0]) {
					t.Errorf("copies differ:\n%s\n%s", b, rt.bodies[0])
				}
			}
			if rt.badSigs != 0 {
				t.Errorf("%d bad signatures", rt.badSigs)
			}
			var tries int
			for _, wh := range s.Journal().Webhooks {
				if wh.Kind == "messages" {
					tries++
				}
			}
			if tries != tc.tries {
				t.Errorf("journal has %d tries, want %d", tries, tc.tries)
			}
			if s.Retrying() != 0 {
				t.Errorf("%d webhooks still wait", s.Retrying())
			}
		})
	}
}

// TestReorder: a reordered webhook goes out right after the next one.
func TestReorder(t *testing.T) {
	ctx := context.Background()
	plan := fault.Plan{Reorder: 0.5}
	// Find a seed whose first webhook is reordered and second is not, as
	// the fake's decider will draw them.
	var seed uint64
	for ; seed < 1000; seed++ {
		d := fault.New(plan, seed)
		if a, b := d.Webhook(), d.Webhook(); a.AfterNext && !b.Hold {
			break
		}
	}
	rt := newRouter(t, DefaultAppSecret)
	s, clk := newTest(Config{WebhookURL: rt.srv.URL, Faults: plan, Seed: seed, DisableStatuses: true})
	first, _ := s.CustomerText(ctx, cust, "S", "first")
	if !first.Faulted || rt.count() != 0 {
		t.Fatalf("first: Faulted %v, router got %d", first.Faulted, rt.count())
	}
	clk.Add(time.Second)
	second, _ := s.CustomerText(ctx, cust, "S", "second")
	if _, err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := messageIDs(rt), []string{second.ID, first.ID}; !slices.Equal(got, want) {
		t.Errorf("router got %v, want %v (second first)", got, want)
	}
	// The late one keeps its own timestamp: the platform's time of the
	// message.
	ps := rt.payloads()
	if a, b := ps[1].Entry[0].Changes[0].Value.Messages[0].Timestamp, ps[0].Entry[0].Changes[0].Value.Messages[0].Timestamp; a >= b && a != b {
		t.Errorf("first message's timestamp %s is after the second's %s", a, b)
	}
}

func TestSendFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		plan   fault.Plan
		status int
		code   int
	}{
		{"429", fault.Plan{Send429: 1}, http.StatusTooManyRequests, CodeRateLimit},
		{"5xx", fault.Plan{Send5xx: 1}, http.StatusInternalServerError, CodeGenericError},
		{"none", fault.Plan{Duplicate: 1}, http.StatusOK, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _ := faultWorld(t, tc.plan, nil)
			if _, err := s.CustomerText(context.Background(), cust, "S", "hi"); err != nil {
				t.Fatal(err)
			}
			w := sendReq(s, text(cust, "hello"))
			if w.Code != tc.status {
				t.Fatalf("HTTP %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			n := len(s.Deliveries(cust))
			if tc.code == 0 {
				if n != 1 {
					t.Errorf("%d deliveries, want 1", n)
				}
				return
			}
			e, err := graphError(w.Body.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if e.Code != tc.code || e.Details() == "" {
				t.Errorf("error %+v, want code %d with details", e, tc.code)
			}
			if n != 0 {
				t.Errorf("a refused send was delivered")
			}
			if s.FaultCount() == 0 {
				t.Error("no fault counted")
			}
		})
	}
}
