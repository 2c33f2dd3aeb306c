package router

import (
	"testing"
	"time"
)

// TestAbandon: a customer gives up only a conversation that waits for an
// agent; the close frees its place in the queue, and anything else is an
// error that changes nothing.
func TestAbandon(t *testing.T) {
	manual := map[string]Policy{"whatsapp": {ManualAssignment: true}}
	tests := []struct {
		name    string
		cfg     Config
		online  []string
		wantErr bool
		want    State // the conversation's state after the call
	}{
		{"waiting in a queue", Config{Agents: agents(1, 1)}, nil, false, Closed},
		{"waiting in the unassigned inbox", Config{Agents: agents(1, 1), Policies: manual}, []string{"a1"}, false, Closed},
		{"assigned", Config{Agents: agents(1, 1)}, []string{"a1"}, true, Assigned},
		{"with the bot", Config{Agents: agents(1, 1), Bot: &Bot{Keywords: []string{"human"}}}, []string{"a1"}, true, WithBot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, tt.cfg, tt.online...)
			c := receive(t, e, t0, "u1")
			err := e.Abandon(at(time.Minute), key("u1"))
			if (err != nil) != tt.wantErr {
				t.Fatalf("Abandon: err = %v, want error %v", err, tt.wantErr)
			}
			got, _ := e.Conversation(c.ID)
			if got.State != tt.want {
				t.Fatalf("state = %s, want %s", got.State, tt.want)
			}
			if tt.want == Closed {
				if got.CloseReason != ClosedAbandoned || !got.ClosedAt.Equal(at(time.Minute)) {
					t.Errorf("closed %s at %v, want abandoned at +1m", got.CloseReason, got.ClosedAt)
				}
				if err := e.Abandon(at(2*time.Minute), key("u1")); err == nil {
					t.Error("a second Abandon succeeded")
				}
			}
		})
	}
	t.Run("unknown customer", func(t *testing.T) {
		if err := newEngine(t, Config{}).Abandon(t0, key("nobody")); err == nil {
			t.Error("Abandon of an unknown customer succeeded")
		}
	})
	t.Run("the queue moves on", func(t *testing.T) {
		e := newEngine(t, Config{Agents: agents(1, 1)}, "a1")
		receive(t, e, t0, "u1")
		receive(t, e, t0, "u2")
		c3 := receive(t, e, t0, "u3")
		if err := e.Abandon(at(time.Minute), key("u2")); err != nil {
			t.Fatal(err)
		}
		if err := e.Close(at(2*time.Minute), "a1", key("u1")); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.Conversation(c3.ID); got.State != Assigned || got.Agent != "a1" {
			t.Errorf("u3 is %s with %q; want assigned to a1 once u2 gave up and u1 closed", got.State, got.Agent)
		}
	})
}

// TestEligibleTime: an agent's eligible time counts only while it is
// online, inside its working hours and below capacity.
func TestEligibleTime(t *testing.T) {
	cfg := Config{
		Schedules: []Schedule{{Name: "morning", Days: every(iv(8*time.Hour, 12*time.Hour))}},
		Agents:    []AgentConfig{{ID: "a1", Capacity: 1, Schedule: "morning"}, {ID: "a2", Capacity: 2}},
	}
	// t0 is Monday 09:00 UTC: a1 is in hours until 12:00.
	e := newEngine(t, cfg, "a1", "a2")
	c := receive(t, e, at(30*time.Minute), "u1") // least-loaded: a1 or a2
	first := c.Agent
	if err := e.Close(at(time.Hour), first, key("u1")); err != nil {
		t.Fatal(err)
	}
	if err := e.SetOnline(at(90*time.Minute), "a2", false); err != nil {
		t.Fatal(err)
	}
	e.Advance(at(5 * time.Hour)) // a1's shift ends at +3h
	want := map[string]time.Duration{
		"a1": 3 * time.Hour,    // 09:00-12:00, full between +30m and +1h only if it took u1
		"a2": 90 * time.Minute, // online 09:00-10:30; with capacity 2, one conversation leaves a slot
	}
	if first == "a1" {
		want["a1"] -= 30 * time.Minute
	}
	for id, w := range want {
		st, _ := e.Agent(at(5*time.Hour), id)
		if st.EligibleTime != w {
			t.Errorf("%s: eligible %v, want %v", id, st.EligibleTime, w)
		}
	}
}

// TestEligibleTimeIgnoringHours: an agent in a group that ignores working
// hours can be assigned there at any hour, so its time out of hours counts
// as eligible; an agent on the same shift in groups that keep hours does
// not count it.
func TestEligibleTimeIgnoringHours(t *testing.T) {
	cfg := Config{
		Schedules: []Schedule{{Name: "morning", Days: every(iv(8*time.Hour, 12*time.Hour))}},
		Groups:    []GroupConfig{{Name: "night", IgnoreHours: true}, {Name: "day"}},
		Agents: []AgentConfig{
			{ID: "owl", Capacity: 1, Schedule: "morning", Groups: []string{"day", "night"}},
			{ID: "lark", Capacity: 1, Schedule: "morning", Groups: []string{"day"}},
		},
	}
	// t0 is Monday 09:00 UTC: both are in hours until 12:00.
	e := newEngine(t, cfg, "owl", "lark")
	e.Advance(at(5 * time.Hour))
	for id, w := range map[string]time.Duration{"owl": 5 * time.Hour, "lark": 3 * time.Hour} {
		st, _ := e.Agent(at(5*time.Hour), id)
		if st.EligibleTime != w {
			t.Errorf("%s: eligible %v, want %v", id, st.EligibleTime, w)
		}
	}
}
