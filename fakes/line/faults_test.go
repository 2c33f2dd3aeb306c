package line

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
)

// eventIDs reads the webhookEventId and isRedelivery of every event the
// hook received.
func eventIDs(t *testing.T, h *hook) []string {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, b := range h.bodies {
		var p struct {
			Events []struct {
				WebhookEventID  string
				DeliveryContext struct{ IsRedelivery bool }
			}
		}
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Events {
			s := e.WebhookEventID
			if e.DeliveryContext.IsRedelivery {
				s += " redelivery"
			}
			out = append(out, s)
		}
	}
	return out
}

func TestWebhookFaults(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		plan       fault.Plan
		redelivery []time.Duration
		at         []time.Duration // clock steps, each followed by a Flush
		want       []int           // bodies the router has after the first try and after each step
		faulted    bool
		tries      int  // webhook tries journaled at the end
		redeliver  bool // the later bodies say isRedelivery
	}{
		{name: "no plan", at: []time.Duration{time.Hour}, want: []int{1, 1}, tries: 1},
		{name: "duplicate at once", plan: fault.Plan{Duplicate: 1}, at: []time.Duration{0, time.Hour}, want: []int{1, 2, 2}, tries: 2},
		{name: "duplicate later", plan: fault.Plan{Duplicate: 1, LateBy: time.Minute}, at: []time.Duration{0, time.Minute}, want: []int{1, 1, 2}, tries: 2},
		{name: "late", plan: fault.Plan{Late: 1, LateBy: 30 * time.Second}, at: []time.Duration{0, 30 * time.Second, time.Hour},
			want: []int{0, 0, 1, 1}, faulted: true, tries: 1},
		{name: "timeouts until the default schedule gives up", plan: fault.Plan{Timeouts: 1},
			at: []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute, time.Hour}, want: []int{1, 2, 3, 4, 4}, faulted: true, tries: 4, redeliver: true},
		{name: "timeouts on the channel's schedule", plan: fault.Plan{Timeouts: 1}, redelivery: []time.Duration{30 * time.Second},
			at: []time.Duration{10 * time.Second, 20 * time.Second, time.Hour}, want: []int{1, 1, 2, 2}, faulted: true, tries: 2, redeliver: true},
		{name: "edge errors: the router gets nothing", plan: fault.Plan{Errors: 1},
			at: []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute, time.Hour}, want: []int{0, 0, 0, 0, 0}, faulted: true, tries: 4},
		{name: "send faults leave webhooks alone", plan: fault.Plan{Send429: 1, Send5xx: 0}, at: []time.Duration{time.Hour}, want: []int{1, 1}, tries: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, h, clk := newFake(t, Config{Faults: tc.plan, Redelivery: tc.redelivery})
			in := text(t, s, userA, "hello")
			if in.Faulted != tc.faulted {
				t.Errorf("Faulted = %v, want %v", in.Faulted, tc.faulted)
			}
			got := []int{len(eventIDs(t, h))}
			for _, d := range tc.at {
				clk.Add(d)
				if _, err := s.Flush(ctx); err != nil {
					t.Fatalf("Flush: %v", err)
				}
				got = append(got, len(eventIDs(t, h)))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("router got %v events, want %v", got, tc.want)
			}
			ids := eventIDs(t, h)
			for i, id := range ids {
				if base := strings.TrimSuffix(id, " redelivery"); base != in.EventID {
					t.Errorf("event %d: webhookEventId %q, want %q", i, base, in.EventID)
				}
				if redelivered := strings.HasSuffix(id, " redelivery"); redelivered != (tc.redeliver && i > 0) {
					t.Errorf("event %d: %q: isRedelivery %v", i, id, redelivered)
				}
			}
			if n := len(s.Journal().Webhooks); n != tc.tries {
				t.Errorf("%d webhook tries journaled, want %d", n, tc.tries)
			}
			if _, due := s.NextDeadline(); due {
				t.Error("something still due")
			}
			if s.FaultCount() == 0 && !tc.plan.Zero() && tc.plan.Webhooks() {
				t.Error("no fault counted")
			}
		})
	}
}

// TestWebhookFaultMarkers: a try the plan failed says so in the journal.
func TestWebhookFaultMarkers(t *testing.T) {
	for _, tc := range []struct {
		plan   fault.Plan
		status int
		err    error
	}{
		{fault.Plan{Timeouts: 1}, 0, ErrFaultTimeout},
		{fault.Plan{Errors: 1}, http.StatusBadGateway, ErrFaultEdge},
	} {
		s, _, _ := newFake(t, Config{Faults: tc.plan})
		text(t, s, userA, "x")
		w := s.Journal().Webhooks[0]
		if w.Status != tc.status || w.Err != tc.err.Error() || w.NextTry.IsZero() {
			t.Errorf("%+v: try %+v", tc.plan, w)
		}
	}
}

// TestReorder: a reordered webhook goes out right after the next one.
func TestReorder(t *testing.T) {
	s, h, _ := newFake(t, Config{Faults: fault.Plan{Reorder: 1}})
	a := text(t, s, userA, "first")
	if !a.Faulted || len(eventIDs(t, h)) != 0 {
		t.Fatalf("first %+v went out", a)
	}
	// The second is held too (every webhook is reordered); the third's
	// try releases both.
	s.cfg.Faults = fault.Plan{}
	s.faults = fault.New(fault.Plan{Duplicate: 0.0000001}, 1) // webhook faults on, nearly never drawn
	b := text(t, s, userB, "second")
	s.Flush(context.Background())
	if got := eventIDs(t, h); !slices.Equal(got, []string{b.EventID, a.EventID}) {
		t.Errorf("events %v, want %s then %s", got, b.EventID, a.EventID)
	}
}

// TestSendFaults: the reply and push endpoints under a plan, on the wire.
func TestSendFaults(t *testing.T) {
	key := "123e4567-e89b-42d3-a456-426614174000"
	push := `{"to":"` + userA + `","messages":[{"type":"text","text":"hi"}]}`
	for _, tc := range []struct {
		name     string
		plan     fault.Plan
		path     string
		key      string
		status   int
		message  string
		delivery int // deliveries on the device afterwards
	}{
		{"reply throttled", fault.Plan{Send429: 1}, PathReply, "", 429, MsgRateLimit, 0},
		{"reply 500: not delivered", fault.Plan{Send5xx: 1}, PathReply, "", 500, MsgInternalError, 0},
		{"push throttled", fault.Plan{Send429: 1}, PathPush, key, 429, MsgRateLimit, 0},
		{"push 500: delivered all the same", fault.Plan{Send5xx: 1}, PathPush, key, 500, MsgInternalError, 1},
		{"push 500 without a retry key: delivered", fault.Plan{Send5xx: 1}, PathPush, "", 500, MsgInternalError, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _ := newFake(t, Config{Faults: tc.plan})
			in := text(t, s, userA, "hello")
			body := push
			if tc.path == PathReply {
				body = `{"replyToken":"` + in.ReplyToken + `","messages":[{"type":"text","text":"hi"}]}`
			}
			resp, out := call(t, s, "POST", tc.path, body, map[string]string{"X-Line-Retry-Key": tc.key})
			if resp.StatusCode != tc.status || out["message"] != tc.message || resp.Header.Get("X-Line-Request-Id") == "" {
				t.Fatalf("answer %d %v", resp.StatusCode, out)
			}
			if n := len(s.Deliveries(userA)); n != tc.delivery {
				t.Errorf("%d deliveries, want %d", n, tc.delivery)
			}
			if s.FaultCount() != 1 {
				t.Errorf("FaultCount %d", s.FaultCount())
			}
			if tc.path == PathReply {
				// The token was not spent: without the plan it still answers.
				s.faults = nil
				if resp, out := call(t, s, "POST", PathReply, body, nil); resp.StatusCode != 200 {
					t.Errorf("the token was spent: %d %v", resp.StatusCode, out)
				}
			}
		})
	}
}

// TestRetryKeyAfter500: a push answered 500 was accepted; its retry with
// the same key gets 409 with the accepted request's id and messages, even
// when the plan would throttle the retry, and nothing is delivered twice.
func TestRetryKeyAfter500(t *testing.T) {
	key := "123e4567-e89b-42d3-a456-426614174000"
	s, _, _ := newFake(t, Config{Faults: fault.Plan{Send5xx: 1}})
	text(t, s, userA, "hello")
	body := `{"to":"` + userA + `","messages":[{"type":"text","text":"hi"}]}`
	first, _ := call(t, s, "POST", PathPush, body, map[string]string{"X-Line-Retry-Key": key})
	if first.StatusCode != 500 {
		t.Fatalf("first try %d", first.StatusCode)
	}
	for _, plan := range []fault.Plan{{Send5xx: 1}, {Send429: 1}, {}} {
		s.faults = fault.New(plan, 2)
		resp, out := call(t, s, "POST", PathPush, body, map[string]string{"X-Line-Retry-Key": key})
		if resp.StatusCode != 409 || resp.Header.Get("X-Line-Accepted-Request-Id") != first.Header.Get("X-Line-Request-Id") {
			t.Errorf("%+v: retry %d %v, accepted %q", plan, resp.StatusCode, out, resp.Header.Get("X-Line-Accepted-Request-Id"))
		}
		if sent, _ := out["sentMessages"].([]any); len(sent) != 1 {
			t.Errorf("%+v: sentMessages %v", plan, out["sentMessages"])
		}
	}
	if n := len(s.Deliveries(userA)); n != 1 {
		t.Errorf("%d deliveries, want 1", n)
	}
}

// TestFaultsDeterministic: the same plan and seed give the same faults.
func TestFaultsDeterministic(t *testing.T) {
	plan := fault.Plan{Duplicate: 0.3, Reorder: 0.2, Late: 0.3, Timeouts: 0.3, Errors: 0.1, Send429: 0.2, Send5xx: 0.2}
	run := func() string {
		s, h, clk := newFake(t, Config{Faults: plan})
		var log []string
		for i := range 20 {
			in := text(t, s, userA, "m")
			resp, _ := call(t, s, "POST", PathReply, `{"replyToken":"`+in.ReplyToken+`","messages":[{"type":"text","text":"r"}]}`, nil)
			log = append(log, resp.Status)
			clk.Add(time.Duration(i) * time.Second)
			s.Flush(context.Background())
		}
		clk.Add(time.Hour)
		s.Flush(context.Background())
		return strings.Join(append(log, eventIDs(t, h)...), " ")
	}
	if a, b := run(), run(); a != b {
		t.Errorf("two runs differ:\n%s\n%s", a, b)
	}
}
