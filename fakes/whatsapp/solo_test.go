package whatsapp_test

import (
	"testing"

	"github.com/omnisim/omnisim/fakes/whatsapp"
)

// TestSoloRefusesStart: a Solo server, whose locks are off, refuses to
// serve a listener, whose goroutines would break that promise; the same
// server without Solo starts, and so does one with AutoFlush, whose own
// goroutine keeps the locks on.
func TestSoloRefusesStart(t *testing.T) {
	for _, c := range []struct {
		solo, autoFlush, refused bool
	}{
		{false, false, false},
		{true, false, true},
		{true, true, false},
	} {
		s := whatsapp.New(whatsapp.Config{Solo: c.solo, AutoFlush: c.autoFlush})
		if err := s.Start(); c.refused != (err != nil) {
			t.Errorf("Solo %v, AutoFlush %v: Start() = %v", c.solo, c.autoFlush, err)
		}
		s.Close()
	}
}
