package douyin_test

import (
	"testing"

	"github.com/omnisim/omnisim/fakes/douyin"
)

// TestSoloRefusesStart: a Solo server, whose locks are off, refuses to
// serve a listener, whose goroutines would break that promise; the same
// server without Solo starts.
func TestSoloRefusesStart(t *testing.T) {
	for _, solo := range []bool{false, true} {
		s := douyin.New(douyin.Config{Solo: solo})
		err := s.Start()
		if solo != (err != nil) {
			t.Errorf("Solo %v: Start() = %v", solo, err)
		}
		s.Close()
	}
}
