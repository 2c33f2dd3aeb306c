package wechat

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
)

func TestPushFaults(t *testing.T) {
	ctx := context.Background()
	s5 := DefaultWebhookTimeout
	for _, tc := range []struct {
		name    string
		plan    fault.Plan
		answer  int             // the router's status, 200 by default
		at      []time.Duration // clock steps, each followed by FlushFaults
		want    []int           // pushes the router got after the first try and after each step
		faulted bool
		tries   []int // Try of each journaled webhook
	}{
		{name: "no webhook fault", plan: fault.Plan{Send5xx: 1}, at: []time.Duration{time.Hour}, want: []int{1, 1}, tries: []int{1}},
		{name: "duplicate at once", plan: fault.Plan{Duplicate: 1}, at: []time.Duration{0, time.Hour}, want: []int{1, 2, 2}, tries: []int{1, 1}},
		{name: "duplicate later", plan: fault.Plan{Duplicate: 1, LateBy: time.Minute}, at: []time.Duration{0, time.Minute}, want: []int{1, 1, 2}, tries: []int{1, 1}},
		{name: "late", plan: fault.Plan{Late: 1, LateBy: 20 * time.Second}, at: []time.Duration{0, 20 * time.Second},
			want: []int{0, 0, 1}, faulted: true, tries: []int{1}},
		{name: "timeouts: three tries 5s apart, then WeChat gives up", plan: fault.Plan{Timeouts: 1}, at: []time.Duration{s5 - 1, 1, s5, time.Hour},
			want: []int{1, 1, 2, 3, 3}, faulted: true, tries: []int{1, 2, 3}},
		{name: "errors: nothing reaches the router", plan: fault.Plan{Errors: 1}, at: []time.Duration{s5, s5, time.Hour},
			want: []int{0, 0, 0, 0}, faulted: true, tries: []int{1, 2, 3}},
		{name: "a real failure is retried 5s later under a plan", plan: fault.Plan{Duplicate: 0.000001}, answer: 500,
			at: []time.Duration{0, s5, s5}, want: []int{1, 1, 2, 3}, tries: []int{1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := newRouter(t, func(_ int, _ hit, w http.ResponseWriter) {
				if tc.answer != 0 {
					w.WriteHeader(tc.answer)
					return
				}
				w.Write([]byte("success"))
			})
			s, clk := newTest(Config{WebhookURL: rt.srv.URL, Faults: tc.plan})
			in, err := s.CustomerText(ctx, cust, "hello")
			if tc.answer == 0 && err != nil {
				t.Fatalf("CustomerText: %v", err)
			}
			if in.Faulted != tc.faulted {
				t.Errorf("Faulted = %v, want %v", in.Faulted, tc.faulted)
			}
			got := []int{len(rt.all())}
			for _, d := range tc.at {
				clk.Add(d)
				s.FlushFaults(ctx)
				got = append(got, len(rt.all()))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("router got %v pushes, want %v", got, tc.want)
			}
			hits := rt.all()
			for _, h := range hits {
				if !bytes.Equal(h.body, hits[0].body) {
					t.Error("copies differ")
				}
			}
			var tries []int
			for _, wh := range s.Journal().Webhooks {
				if wh.Kind == "message" {
					tries = append(tries, wh.Try)
				}
			}
			if !slices.Equal(tries, tc.tries) {
				t.Errorf("journal tries %v, want %v", tries, tc.tries)
			}
			if _, ok := s.NextFault(); ok {
				t.Error("pushes still held")
			}
		})
	}
}

// TestPushReorder: a reordered push goes out right after the next one.
func TestPushReorder(t *testing.T) {
	ctx := context.Background()
	plan := fault.Plan{Reorder: 0.5}
	var seed uint64
	for ; seed < 1000; seed++ {
		d := fault.New(plan, seed)
		if a, b := d.Webhook(), d.Webhook(); a.AfterNext && !b.Hold {
			break
		}
	}
	rt := newRouter(t, ok)
	s, clk := newTest(Config{WebhookURL: rt.srv.URL, Faults: plan, Seed: seed})
	first, _ := s.CustomerText(ctx, cust, "first")
	clk.Add(time.Second)
	second, _ := s.CustomerText(ctx, cust, "second")
	if !first.Faulted || second.Faulted {
		t.Fatalf("Faulted: first %v, second %v", first.Faulted, second.Faulted)
	}
	if err := s.FlushFaults(ctx); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, wh := range s.Journal().Webhooks {
		if wh.Kind == "message" {
			ids = append(ids, wh.MsgID)
		}
	}
	if want := []string{second.ID, first.ID}; !slices.Equal(ids, want) {
		t.Errorf("pushed %v, want %v (second first)", ids, want)
	}
	// The late push keeps its CreateTime: the platform's time.
	if hits := rt.all(); !bytes.Contains(hits[1].body, []byte("<CreateTime>"+strconv.FormatInt(t0.Unix(), 10)+"</CreateTime>")) {
		t.Errorf("late push lost its CreateTime: %s", hits[1].body)
	}
}

func TestSendFaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		plan fault.Plan
		code int
	}{
		{"throttled", fault.Plan{Send429: 1}, CodeMinuteQuota},
		{"system busy", fault.Plan{Send5xx: 1}, CodeSystemBusy},
		{"none", fault.Plan{Late: 1}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := newRouter(t, ok)
			s, _ := newTest(Config{WebhookURL: rt.srv.URL, Faults: tc.plan})
			if _, err := s.CustomerText(context.Background(), cust, "hi"); err != nil {
				t.Fatal(err)
			}
			w := sendReq(s, token(t, s), SendRequest{ToUser: cust, MsgType: "text", Text: &Text{Content: "hello"}})
			if w.Code != http.StatusOK {
				t.Fatalf("HTTP %d", w.Code)
			}
			e := envelope(t, w)
			if e.Code != tc.code {
				t.Fatalf("errcode %d, want %d: %s", e.Code, tc.code, w.Body)
			}
			if n := len(s.Deliveries(cust)); (n == 0) != (tc.code != 0) {
				t.Errorf("%d deliveries with errcode %d", n, tc.code)
			}
			if tc.code != 0 && (!ridSuffix.MatchString(e.Message) || s.FaultCount() != 1) {
				t.Errorf("errmsg %q, %d faults", e.Message, s.FaultCount())
			}
		})
	}
}
