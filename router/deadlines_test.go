package router

import (
	"testing"
	"time"
)

func TestDeadlinesListWhatAdvanceFires(t *testing.T) {
	cfg := Config{
		Agents:           agents(1, 1),
		MissedAfter:      10 * time.Minute,
		CloseMissedAfter: 30 * time.Minute,
		IdleAfter:        time.Hour,
	}
	e := newEngine(t, cfg, "a1")
	if got := e.Deadlines(5); len(got) != 0 {
		t.Fatalf("no conversation: got %v, want none", got)
	}
	receive(t, e, at(0), "alice")             // assigned to a1
	receive(t, e, at(time.Minute), "bob")     // waits: a1 is full
	receive(t, e, at(5*time.Minute), "alice") // moves alice's idle close later

	got := e.Deadlines(10)
	want := []struct {
		at       time.Duration
		kind     string
		customer string
	}{
		{10 * time.Minute, "missed", "alice"},
		{11 * time.Minute, "missed", "bob"},
		{61 * time.Minute, "idle", "bob"},
		{65 * time.Minute, "idle", "alice"},
	}
	var kinds []string
	for _, d := range got {
		if d.Kind == "window" {
			continue // the default policy's window; its own test is below
		}
		kinds = append(kinds, d.Kind)
	}
	if len(kinds) != len(want) {
		t.Fatalf("deadlines %+v, want %d besides windows", got, len(want))
	}
	i := 0
	for _, d := range got {
		if d.Kind == "window" {
			continue
		}
		w := want[i]
		if !d.At.Equal(at(w.at)) || d.Kind != w.kind || d.Customer.Customer != w.customer {
			t.Errorf("deadline %d = %s %s %s, want %s %s %s", i, d.At.Sub(t0), d.Kind, d.Customer.Customer, w.at, w.kind, w.customer)
		}
		i++
	}
	for j := 1; j < len(got); j++ {
		if got[j].At.Before(got[j-1].At) {
			t.Errorf("deadlines out of order: %v before %v", got[j-1].At, got[j].At)
		}
	}
	if n := len(e.Deadlines(2)); n != 2 {
		t.Errorf("Deadlines(2) returned %d", n)
	}
	if e.Deadlines(0) != nil {
		t.Error("Deadlines(0) returned some")
	}

	// Once bob's conversation is missed, its next timer is the missed close.
	e.Advance(at(11 * time.Minute))
	for _, d := range e.Deadlines(10) {
		if d.Customer.Customer == "bob" && d.Kind == "missed" {
			t.Errorf("bob is missed already, yet %+v is listed", d)
		}
	}
	var close bool
	for _, d := range e.Deadlines(10) {
		if d.Customer.Customer == "bob" && d.Kind == "missed_close" && d.At.Equal(at(41*time.Minute)) {
			close = true
		}
	}
	if !close {
		t.Errorf("no missed close for bob at 41m in %+v", e.Deadlines(10))
	}
}

func TestDeadlinesWindow(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(1, 5),
		Policies: map[string]Policy{"whatsapp": {Window: 24 * time.Hour, NewConversationAfterWindow: true}}}, "a1")
	receive(t, e, at(0), "alice")
	receive(t, e, at(2*time.Hour), "alice")
	var found bool
	for _, d := range e.Deadlines(10) {
		if d.Kind == "window" {
			found = true
			if !d.At.Equal(at(26 * time.Hour)) {
				t.Errorf("window closes at %v, want 26h after the start (the latest message plus 24h)", d.At.Sub(t0))
			}
		}
	}
	if !found {
		t.Fatalf("no window deadline in %+v", e.Deadlines(10))
	}
}

func TestDeadlinesWindowEnd(t *testing.T) {
	e := newEngine(t, Config{Agents: agents(1, 5),
		Policies: map[string]Policy{"whatsapp": {Window: 24 * time.Hour, TemplatesOutsideWindow: true}}}, "a1")
	receive(t, e, at(0), "alice")
	receive(t, e, at(3*time.Hour), "alice")
	got := e.Deadlines(10)
	if len(got) != 1 || got[0].Kind != "window_end" || !got[0].At.Equal(at(27*time.Hour)) || got[0].Customer.Customer != "alice" {
		t.Fatalf("deadlines %+v, want alice's window_end 27h after the start", got)
	}
	e.Advance(at(28 * time.Hour))
	if got := e.Deadlines(10); len(got) != 0 {
		t.Errorf("after the window's end: %+v, want none", got)
	}
}
