package whatsapp

import (
	"math"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/forget/forgettest"
)

// Instants more than 292 years apart, whose difference in Unix nanoseconds
// would wrap, up to the two ends of the range (1677 and 2262): what
// started then has run out now. Each check runs over each span.
func TestInstantsFarApart(t *testing.T) {
	spans := forgettest.FarApart
	const a, b = "16505550001", "16505550002"
	checks := []struct {
		name string
		run  func(t *testing.T, d *Direct, s *Server, clk *fakeClock, now time.Time)
	}{
		{"a window opened then is closed", func(t *testing.T, d *Direct, s *Server, clk *fakeClock, now time.Time) {
			if _, err := d.CustomerMessage(a, "text", "", "hi", 0); err != nil {
				t.Fatal(err)
			}
			clk.Set(now)
			req := text(a, "hello")
			if _, _, e := d.Send(&req); e == nil || e.Code != CodeReEngagement {
				t.Errorf("send: %v, want %d", e, CodeReEngagement)
			}
		}},
		{"a customer who wrote then is forgotten", func(t *testing.T, d *Direct, s *Server, clk *fakeClock, now time.Time) {
			if _, err := d.CustomerMessage(a, "text", "", "hi", 0); err != nil {
				t.Fatal(err)
			}
			req := tmpl(a, "welcome") // opens a's billing conversation
			if _, _, e := d.Send(&req); e != nil {
				t.Fatal(e)
			}
			clk.Set(now)
			if _, err := d.CustomerMessage(b, "text", "", "hi", 0); err != nil {
				t.Fatal(err)
			}
			if n := s.Customers(); n != 1 {
				t.Errorf("%d customers held, want b's alone", n)
			}
		}},
		{"a pair rate bucket filled then has room", func(t *testing.T, d *Direct, s *Server, clk *fakeClock, now time.Time) {
			fillPairRate(t, d, a, 2)
			clk.Set(now)
			req := tmpl(a, "welcome")
			if _, _, e := d.Send(&req); e != nil {
				t.Errorf("template: %v", e)
			}
		}},
	}
	for _, sp := range spans {
		for _, ck := range checks {
			t.Run(sp.Name+": "+ck.name, func(t *testing.T) {
				clk := &fakeClock{t: sp.Then}
				s := New(Config{Clock: clk.Now, KeepDeliveries: func(string) bool { return false }, ForgetAfter: 25 * time.Hour,
					Limits: Limits{PairBurst: 2, PairInterval: time.Hour, Throughput: -1}})
				ck.run(t, s.Direct("v21.0"), s, clk, sp.Now)
			})
		}
	}
}

// Set sets the clock to t.
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// At the end of the range (2262), where a day or a pair rate interval
// later has no Unix nanoseconds: a billing conversation lasts its 24
// hours, and keeps its customer, and a pair rate bucket whose debt runs
// past the last instant still refuses while that debt exceeds the burst.
func TestEndOfRange(t *testing.T) {
	const a, b = "16505550001", "16505550002"
	last := time.Unix(0, math.MaxInt64)
	tests := []struct {
		name  string
		start time.Time
		run   func(t *testing.T, d *Direct, s *Server, clk *fakeClock)
	}{
		{"a conversation opened in the last day lasts", last.Add(-2 * time.Hour), func(t *testing.T, d *Direct, s *Server, clk *fakeClock) {
			var ids []string
			for i := 0; i < 2; i++ {
				req := tmpl(a, "welcome")
				if _, _, e := d.Send(&req); e != nil {
					t.Fatal(e)
				}
				d.Statuses(func(q QueuedStatus) {
					if st := q.Status(); st.Status == "sent" {
						ids = append(ids, st.Conversation.ID)
					}
				})
				clk.Add(time.Hour)
			}
			if len(ids) != 2 || ids[0] != ids[1] {
				t.Errorf("conversation ids %q an hour apart, want one", ids)
			}
		}},
		{"a customer whose conversation is open is kept", last.Add(-27 * time.Hour), func(t *testing.T, d *Direct, s *Server, clk *fakeClock) {
			if _, err := d.CustomerMessage(a, "text", "", "hi", 0); err != nil {
				t.Fatal(err)
			}
			clk.Add(25 * time.Hour)
			req := tmpl(a, "welcome") // opens a conversation until past the last instant
			if _, _, e := d.Send(&req); e != nil {
				t.Fatal(e)
			}
			clk.Add(time.Hour)
			if _, err := d.CustomerMessage(b, "text", "", "hi", 0); err != nil {
				t.Fatal(err)
			}
			if n := s.Customers(); n != 2 {
				t.Errorf("%d customers held, want a (whose conversation is open) and b", n)
			}
		}},
		{"a pair rate bucket past the last instant refuses", last.Add(-150 * time.Minute), func(t *testing.T, d *Direct, s *Server, clk *fakeClock) {
			fillPairRate(t, d, a, 3)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{t: tt.start}
			s := New(Config{Clock: clk.Now, KeepDeliveries: func(string) bool { return false }, ForgetAfter: 25 * time.Hour,
				Limits: Limits{PairBurst: 3, PairInterval: time.Hour, Throughput: -1}})
			tt.run(t, s.Direct("v21.0"), s, clk)
		})
	}
}
