package platforms_test

import (
	"testing"

	"github.com/omnisim/omnisim/fakes/douyin"
	"github.com/omnisim/omnisim/fakes/line"
	"github.com/omnisim/omnisim/fakes/messenger"
	"github.com/omnisim/omnisim/fakes/wechat"
	"github.com/omnisim/omnisim/fakes/whatsapp"
)

// TestSoloFakesRefuseStart: a fake made Solo (a world's on the memory or
// the direct network, whose locks are off) refuses to serve a listener,
// whose goroutines would break that promise; the same fake without Solo
// starts, and so does a WhatsApp fake with AutoFlush, whose own goroutine
// keeps the locks on. (The Business Messages fake serves no listener.)
func TestSoloFakesRefuseStart(t *testing.T) {
	for _, c := range []struct {
		name    string
		fake    func(solo bool) (start func() error, close func())
		refused bool // when Solo
	}{
		{"whatsapp", func(solo bool) (func() error, func()) {
			s := whatsapp.New(whatsapp.Config{Solo: solo})
			return s.Start, func() { s.Close() }
		}, true},
		{"whatsapp with AutoFlush", func(solo bool) (func() error, func()) {
			s := whatsapp.New(whatsapp.Config{Solo: solo, AutoFlush: true})
			return s.Start, func() { s.Close() }
		}, false},
		{"wechat", func(solo bool) (func() error, func()) {
			s := wechat.New(wechat.Config{Solo: solo})
			return s.Start, func() { s.Close() }
		}, true},
		{"douyin", func(solo bool) (func() error, func()) {
			s := douyin.New(douyin.Config{Solo: solo})
			return s.Start, func() { s.Close() }
		}, true},
		{"line", func(solo bool) (func() error, func()) {
			s := line.New(line.Config{Solo: solo})
			return s.Start, func() { s.Close() }
		}, true},
		{"messenger", func(solo bool) (func() error, func()) {
			s := messenger.New(messenger.Config{Solo: solo})
			return s.Start, func() { s.Close() }
		}, true},
	} {
		for _, solo := range []bool{false, true} {
			start, stop := c.fake(solo)
			if err := start(); (solo && c.refused) != (err != nil) {
				t.Errorf("%s, Solo %v: Start() = %v", c.name, solo, err)
			}
			stop()
		}
	}
}
