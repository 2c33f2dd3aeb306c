package douyin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
)

// drain sends everything queued, moving the clock to each due time, and
// returns the offsets of the tries made by Flush.
func drain(t *testing.T, s *Server, clk *clock) []time.Duration {
	t.Helper()
	var at []time.Duration
	for {
		due, ok := s.NextDeadline()
		if !ok {
			return at
		}
		clk.t = due
		at = append(at, due.Sub(start))
		if err := s.Flush(context.Background()); err != nil {
			t.Fatalf("Flush at %v: %v", due.Sub(start), err)
		}
	}
}

func TestWebhookFaults(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		plan    fault.Plan
		pending bool
		calls   int             // webhooks the router got
		tries   int             // tries journaled
		due     []time.Duration // when Flush found something due
		errs    string          // the journal's Err of each try, "-" for none
	}{
		{name: "no plan", calls: 1, tries: 1, errs: "-"},
		{name: "timeouts until Douyin gives up", plan: fault.Plan{Timeouts: 1}, pending: true, calls: 4, tries: 4,
			due:  []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second},
			errs: "timeout timeout timeout timeout"},
		{name: "5xx at the edge until Douyin gives up", plan: fault.Plan{Errors: 1}, pending: true, calls: 0, tries: 4,
			due:  []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second},
			errs: "edge edge edge edge"},
		{name: "duplicate at once", plan: fault.Plan{Duplicate: 1}, calls: 2, tries: 2, due: []time.Duration{0}, errs: "- -"},
		{name: "duplicate later", plan: fault.Plan{Duplicate: 1, LateBy: time.Minute}, calls: 2, tries: 2, errs: "- -"},
		{name: "late", plan: fault.Plan{Late: 1, LateBy: time.Minute}, pending: true, calls: 1, tries: 1, errs: "-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, rt, clk := newFake(t, Config{Faults: tc.plan})
			in, err := s.CustomerText(ctx, User{OpenID: alice}, "你好")
			if err != nil || in.Pending != tc.pending {
				t.Fatalf("CustomerText = %+v, %v; want Pending %v", in, err, tc.pending)
			}
			due := drain(t, s, clk)
			if tc.due != nil && !equalDurations(due, tc.due) {
				t.Errorf("due at %v, want %v", due, tc.due)
			}
			if tc.plan.LateBy > 0 && (len(due) == 0 || due[0] <= 0 || due[0] > tc.plan.LateBy) {
				t.Errorf("held until %v, want within (0, %v]", due, tc.plan.LateBy)
			}
			if len(rt.got) != tc.calls {
				t.Errorf("the router got %d calls, want %d", len(rt.got), tc.calls)
			}
			var errs []string
			for _, w := range s.Journal().Webhooks {
				if w.MsgID != in.MsgID || w.ServerMessageID != in.ID {
					t.Errorf("try %+v is not of %+v", w, in)
				}
				switch {
				case w.Err == "":
					errs = append(errs, "-")
				case w.Err == ErrFaultTimeout.Error() && w.Status == 0:
					errs = append(errs, "timeout")
				case w.Err == ErrFaultEdge.Error() && w.Status == 502:
					errs = append(errs, "edge")
				default:
					errs = append(errs, w.Err)
				}
			}
			if len(errs) != tc.tries || strings.Join(errs, " ") != tc.errs {
				t.Errorf("tries %q, want %q", strings.Join(errs, " "), tc.errs)
			}
			// Every call the router got is the same bytes, signature and Msg-Id.
			for i, r := range rt.got {
				if r.Header.Get("Msg-Id") != in.MsgID || string(rt.bodies[i]) != string(rt.bodies[0]) ||
					r.Header.Get("X-Douyin-Signature") != rt.got[0].Header.Get("X-Douyin-Signature") {
					t.Errorf("call %d differs from the first", i)
				}
			}
			// A late body keeps the platform's create_time.
			if len(rt.bodies) > 0 && !strings.Contains(string(rt.bodies[0]), `\"create_time\":1772416800000`) {
				t.Errorf("body %s", rt.bodies[0])
			}
			if tc.plan.Zero() != (s.FaultCount() == 0) {
				t.Errorf("FaultCount %d under %+v", s.FaultCount(), tc.plan)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A reordered webhook waits for the next webhook try and goes right
// after it.
func TestWebhookReorder(t *testing.T) {
	ctx := context.Background()
	s, rt, clk := newFake(t, Config{Faults: fault.Plan{Reorder: 1, LateBy: time.Hour}})
	first, err := s.CustomerText(ctx, User{OpenID: alice}, "一")
	if err != nil || !first.Pending || len(rt.got) != 0 {
		t.Fatalf("first %+v, %v, %d calls", first, err, len(rt.got))
	}
	if due, _ := s.NextDeadline(); due.Sub(start) != time.Hour {
		t.Fatalf("held until %v, want the plan's bound", due.Sub(start))
	}
	clk.Add(3 * time.Second)
	// verify_webhook is never faulted: it goes now, and the held message
	// is due right after it.
	if err := s.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.NextDeadline(); due.Sub(start) != 3*time.Second {
		t.Fatalf("released for %v, want 3s", due.Sub(start))
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rt.got) != 2 || rt.got[1].Header.Get("Msg-Id") != first.MsgID {
		t.Fatalf("%d calls; the second should be the held message", len(rt.got))
	}
}

// Repeats and LostAnswers, Douyin's own knobs, drive the same schedule as
// a plan.
func TestFaultsWithRepeats(t *testing.T) {
	ctx := context.Background()
	s, rt, clk := newFake(t, Config{Repeats: 1, Faults: fault.Plan{Duplicate: 1}})
	if _, err := s.CustomerText(ctx, User{OpenID: alice}, "x"); err != nil {
		t.Fatal(err)
	}
	drain(t, s, clk)
	// The original, its duplicate (at once) and the original's repeat 5 s
	// later; a duplicate is not repeated.
	if len(rt.got) != 3 {
		t.Errorf("%d calls, want 3", len(rt.got))
	}
}

func TestSendFaults(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		plan fault.Plan
		code int
	}{
		{"throttled", fault.Plan{Send429: 1}, CodeRate},
		{"system busy", fault.Plan{Send5xx: 1}, CodeBusy},
		{"no fault", fault.Plan{Duplicate: 0}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _ := newFake(t, Config{Faults: tc.plan})
			if _, err := s.CustomerText(ctx, User{OpenID: alice}, "在吗"); err != nil {
				t.Fatal(err)
			}
			status, v := call(t, s, sendPath(), token(t, s), reply(s, alice, "在的"))
			extra, _ := v["extra"].(map[string]any)
			if status != 200 || errorCode(v) != tc.code || int(extra["error_code"].(float64)) != tc.code {
				t.Errorf("HTTP %d %v, want error_code %d in data and extra", status, v, tc.code)
			}
			if tc.code != 0 {
				data := v["data"].(map[string]any)
				if d, _ := data["description"].(string); !strings.HasPrefix(d, codeTitles[tc.code]) {
					t.Errorf("description %q", d)
				}
				if len(s.Deliveries(alice)) != 0 || s.RepliesLeft(alice) != DefaultReplyLimit {
					t.Error("a refused send delivered or used a reply")
				}
				if le := s.LastError(alice); le == nil || le.Code != tc.code {
					t.Errorf("LastError %+v", le)
				}
			}
			// The direct path answers the same.
			conv, msg, _ := s.Latest(alice)
			_, e := s.Send(SendRequest{OpenID: DefaultAccountOpenID, MsgID: msg, ConversationID: conv, ToUserID: alice,
				Scene: "im_reply_msg", MsgType: "text", Text: "在的"})
			if tc.code != 0 && (e == nil || e.Code != tc.code) || tc.code == 0 && e != nil {
				t.Errorf("direct Send: %v, want code %d", e, tc.code)
			}
		})
	}
}

func TestFaultErrorsAreDistinct(t *testing.T) {
	if errors.Is(ErrFaultEdge, ErrFaultTimeout) || !strings.Contains(ErrFaultEdge.Error(), "from the webhook URL's edge (fault plan)") ||
		!strings.Contains(ErrFaultTimeout.Error(), "no answer within the webhook timeout (fault plan)") {
		t.Error("the fault errors do not carry the journal's markers")
	}
}

// A reordered webhook that no other try releases goes at the plan's
// bound; its retry or repeat then waits its WebhookTimeout like any other.
func TestReorderedWebhookKeepsItsSchedule(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		status  int // the router's answer
		repeats int
		want    []string // each try: offset, try, status
	}{
		{name: "retry", status: 500,
			want: []string{"1m0s 1 500", "1m5s 2 500", "1m10s 3 500", "1m15s 4 500"}},
		{name: "repeat", status: 200, repeats: 2,
			want: []string{"1m0s 1 200", "1m5s 2 200", "1m10s 3 200"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, rt, clk := newFake(t, Config{Repeats: tc.repeats, Faults: fault.Plan{Reorder: 1, LateBy: time.Minute}})
			rt.status = tc.status
			if in, err := s.CustomerText(ctx, User{OpenID: alice}, "一"); err != nil || !in.Pending {
				t.Fatalf("CustomerText = %+v, %v", in, err)
			}
			clk.Add(time.Minute)
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			for {
				due, ok := s.NextDeadline()
				if !ok {
					break
				}
				clk.t = due
				s.Flush(ctx) // the last retry gives up
			}
			var got []string
			for _, w := range s.Journal().Webhooks {
				got = append(got, fmt.Sprintf("%v %d %d", w.At.Sub(start), w.Try, w.Status))
			}
			if strings.Join(got, ", ") != strings.Join(tc.want, ", ") {
				t.Errorf("tries %q, want %q", got, tc.want)
			}
		})
	}
}
