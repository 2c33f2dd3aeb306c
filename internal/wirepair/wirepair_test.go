package wirepair

import (
	"testing"
	"time"
)

// TestPlay: every case's pair delivers one reply per Play, the customers
// taken in turn.
func TestPlay(t *testing.T) {
	for _, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) {
			p, err := New(c, 3)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			for i := 1; i <= 7; i++ {
				if err := p.Play(); err != nil {
					t.Fatalf("pair %d: %v", i, err)
				}
				if got := p.Delivered(); got != i {
					t.Fatalf("after %d pairs, %d deliveries", i, got)
				}
			}
			if p.next != 7%3 {
				t.Errorf("next customer %d after 7 pairs of 3 customers, want %d", p.next, 7%3)
			}
		})
	}
}

// TestWarm: Warm plays a pair a virtual second until the clock has moved
// on by the time asked, every reply delivered.
func TestWarm(t *testing.T) {
	p, err := New(Cases()[0], 5)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	start := p.w.Now()
	if err := p.Warm(time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := p.w.Now().Sub(start); got != time.Hour {
		t.Errorf("the clock moved on by %v, want 1h", got)
	}
	if got := p.Delivered(); got != 3600 {
		t.Errorf("%d replies delivered, want 3600", got)
	}
}

// TestNewRefuses: a channel no platform has, or settings its table does
// not take, is an error, not a world.
func TestNewRefuses(t *testing.T) {
	for _, c := range []Case{
		{Name: "no such channel", Channel: "nope"},
		{Name: "bad setting", Channel: "whatsapp", Settings: "no_such_setting = 1"},
	} {
		if p, err := New(c, 1); err == nil {
			p.Close()
			t.Errorf("%s: New gave a world", c.Name)
		}
	}
}
