package businessmessages

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
)

// requestIDs reads the requestId and createTime of each webhook body.
func requestIDs(t *testing.T, bodies [][]byte) (ids, created []string) {
	t.Helper()
	for _, b := range bodies {
		var v struct {
			RequestID string `json:"requestId"`
			Message   struct {
				CreateTime string `json:"createTime"`
			} `json:"message"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		ids, created = append(ids, v.RequestID), append(created, v.Message.CreateTime)
	}
	return ids, created
}

// flushAll makes every try due up to limit after t0, moving the clock.
func flushAll(s *Server, c *clock, limit time.Duration) {
	for {
		next, ok := s.NextDeadline()
		if !ok || next.Sub(t0) > limit {
			return
		}
		if next.After(c.t) {
			c.t = next
		}
		s.Flush(context.Background())
	}
}

// Each webhook fault, alone and certain: what the receiver gets, when,
// and what the first try reports. Every delivery and retry carries the
// same requestId and bytes; a late one keeps its createTime.
func TestWebhookFaults(t *testing.T) {
	for _, tc := range []struct {
		name      string
		plan      fault.Plan
		faulted   bool          // Inbound.Faulted
		first     int           // status of the first try
		atOnce    int           // bodies the receiver has right after the call
		received  int           // bodies the receiver has in the end
		lastAt    time.Duration // when the last try was made
		lastError string        // the journal's error of the first try
	}{
		{name: "none", plan: fault.Plan{Send429: 1}, first: 200, atOnce: 1, received: 1},
		{name: "duplicate", plan: fault.Plan{Duplicate: 1}, first: 200, atOnce: 1, received: 2},
		{name: "duplicate later", plan: fault.Plan{Duplicate: 1, LateBy: time.Minute}, first: 200, atOnce: 1, received: 2, lastAt: 1},
		{name: "late", plan: fault.Plan{Late: 1, LateBy: time.Minute}, faulted: true, atOnce: 0, received: 1, lastAt: 1},
		{name: "timeout", plan: fault.Plan{Timeouts: 1}, faulted: true, atOnce: 1, received: 2, lastError: ErrFaultTimeout.Error()},
		{name: "edge error", plan: fault.Plan{Errors: 1}, faulted: true, first: 502, atOnce: 0, received: 0, lastError: ErrFaultEdge.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c, rcv := newFake(t, func(cfg *Config) { cfg.Faults = tc.plan; cfg.RetryFor = time.Minute })
			in, err := s.CustomerText(context.Background(), "c1", Context{}, "hi")
			if err != nil {
				t.Fatal(err)
			}
			if in.Faulted != tc.faulted || in.Status != tc.first || len(rcv.bodies) != tc.atOnce {
				t.Fatalf("first try: faulted %v status %d, %d bodies; want %v %d %d", in.Faulted, in.Status, len(rcv.bodies), tc.faulted, tc.first, tc.atOnce)
			}
			if tc.lastError != "" {
				if w := s.Journal().Webhooks; len(w) == 0 || w[0].Err != tc.lastError {
					t.Fatalf("journal %+v, want the error %q", w, tc.lastError)
				}
			}
			if tc.lastAt != 0 {
				if next, ok := s.NextDeadline(); !ok || next.Sub(t0) <= 0 || next.Sub(t0) > time.Minute {
					t.Fatalf("next try at %v %v; want within the minute", next, ok)
				}
			}
			flushAll(s, c, time.Hour)
			if tc.plan.Timeouts == 1 || tc.plan.Errors == 1 {
				// Every try fails: retries until RetryFor gives up.
				if s.Pending() != 0 || len(rcv.bodies) < tc.received {
					t.Fatalf("pending %d, %d bodies", s.Pending(), len(rcv.bodies))
				}
			} else if len(rcv.bodies) != tc.received {
				t.Fatalf("%d bodies, want %d", len(rcv.bodies), tc.received)
			}
			ids, created := requestIDs(t, rcv.bodies)
			for i := range ids {
				if ids[i] != in.RequestID || created[i] != "2024-03-04T10:00:00Z" || string(rcv.bodies[i]) != string(rcv.bodies[0]) ||
					rcv.sigs[i] != rcv.sigs[0] {
					t.Fatalf("delivery %d: requestId %s createTime %s, not the first's %s", i, ids[i], created[i], in.RequestID)
				}
			}
			if got := s.FaultCount(); (got == 0) != (tc.name == "none") {
				t.Fatalf("FaultCount %d", got)
			}
		})
	}
}

// A reordered webhook goes out right after the next one.
func TestWebhookReorder(t *testing.T) {
	s, c, rcv := newFake(t, func(cfg *Config) { cfg.Faults = fault.Plan{Reorder: 1} })
	first, _ := s.CustomerText(context.Background(), "c1", Context{}, "first")
	if !first.Faulted || len(rcv.bodies) != 0 {
		t.Fatalf("the first is not held: %+v, %d bodies", first, len(rcv.bodies))
	}
	// The next one is not reordered: a plan whose webhooks never fault.
	s.mu.Lock()
	s.faults = fault.New(fault.Plan{Send5xx: 1e-9}, 1)
	s.mu.Unlock()
	c.t = c.t.Add(time.Second)
	second, _ := s.CustomerText(context.Background(), "c1", Context{}, "second")
	if second.Faulted || len(rcv.bodies) != 1 {
		t.Fatalf("the second: %+v, %d bodies", second, len(rcv.bodies))
	}
	if next, ok := s.NextDeadline(); !ok || !next.Equal(c.t) {
		t.Fatalf("the held one is due at %v %v, want now", next, ok)
	}
	s.Flush(context.Background())
	ids, _ := requestIDs(t, rcv.bodies)
	if len(ids) != 2 || ids[0] != second.RequestID || ids[1] != first.RequestID {
		t.Fatalf("order %v, want %s then %s", ids, second.RequestID, first.RequestID)
	}
}

// The send API's faults: Google's envelope with 429 RESOURCE_EXHAUSTED,
// then 503 UNAVAILABLE and 500 INTERNAL in turn; nothing is accepted, so
// the same messageId goes through once the plan lets it.
func TestSendFaults(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plan  fault.Plan
		codes []int
		want  []string
	}{
		{"throttled", fault.Plan{Send429: 1}, []int{429, 429}, []string{"RESOURCE_EXHAUSTED", "RESOURCE_EXHAUSTED"}},
		{"server errors", fault.Plan{Send5xx: 1}, []int{503, 500, 503}, []string{"UNAVAILABLE", "INTERNAL", "UNAVAILABLE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c, _ := newFake(t, func(cfg *Config) { cfg.Faults = tc.plan })
			tok := token2(t, s, c)
			s.CustomerText(context.Background(), "c1", Context{}, "hi")
			const body = `{"messageId":"m1","representative":{"representativeType":"HUMAN"},"text":"hello"}`
			for i, code := range tc.codes {
				w := post(s, tok, "/v1/conversations/c1/messages", body)
				var env struct {
					Error struct {
						Code   int    `json:"code"`
						Status string `json:"status"`
					} `json:"error"`
				}
				if w.Code != code || json.Unmarshal(w.Body.Bytes(), &env) != nil || env.Error.Code != code || env.Error.Status != tc.want[i] {
					t.Fatalf("try %d: %d %s; want %d %s", i+1, w.Code, w.Body, code, tc.want[i])
				}
			}
			if n := len(s.Deliveries("c1")); n != 0 {
				t.Fatalf("%d deliveries of refused sends", n)
			}
			s.mu.Lock()
			s.faults = nil
			s.mu.Unlock()
			if w := post(s, tok, "/v1/conversations/c1/messages", body); w.Code != 200 {
				t.Fatalf("the same messageId after the faults: %d %s", w.Code, w.Body)
			}
			if w := post(s, tok, "/v1/conversations/c1/messages", body); w.Code != 409 || !strings.Contains(w.Body.String(), "ALREADY_EXISTS") {
				t.Fatalf("the messageId again: %d %s", w.Code, w.Body)
			}
			if s.FaultCount() != len(tc.codes) {
				t.Fatalf("FaultCount %d", s.FaultCount())
			}
		})
	}
}

// SendFault, the Direct network's draw, refuses as the HTTP path does and
// journals the refusal.
func TestSendFaultByValue(t *testing.T) {
	s, _, _ := newFake(t, func(cfg *Config) { cfg.Faults = fault.Plan{Send5xx: 1} })
	if e := s.SendFault("c1"); e == nil || e.HTTPStatus != 503 || e.Status != "UNAVAILABLE" {
		t.Fatalf("SendFault = %v", e)
	}
	if errs := s.Journal().Errors; len(errs) != 1 || errs[0].Code != "UNAVAILABLE" || errs[0].Conversation != "c1" {
		t.Fatalf("errors %+v", errs)
	}
	if e := New(Config{Clock: func() time.Time { return t0 }}).SendFault("c1"); e != nil {
		t.Fatalf("no plan: %v", e)
	}
}
