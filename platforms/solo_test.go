package platforms_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/omnisim/omnisim/fakes/douyin"
	"github.com/omnisim/omnisim/fakes/line"
	"github.com/omnisim/omnisim/fakes/messenger"
	"github.com/omnisim/omnisim/fakes/wechat"
	"github.com/omnisim/omnisim/fakes/whatsapp"
	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/sim"
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

// TestBindingsPassSolo: every platform's binding hands the world's promise
// (sim.Env.Solo) to both its fake and its adapter: on the memory and the
// direct network their locks are off, on loopback on. The configs are read
// from the bindings' unexported fields, fake (its cfg) and acfg, which
// every binding keeps (acfg to build the adapter again on a restart).
func TestBindingsPassSolo(t *testing.T) {
	for _, p := range platforms.All {
		for _, c := range []struct {
			network sim.Network
			solo    bool
		}{{sim.Memory, true}, {sim.Direct, true}, {sim.Loopback, false}} {
			sc, err := platforms.Format.Parse("t.toml", []byte(fmt.Sprintf("[channels.%s]\n[[agents]]\nid = \"a\"\n", p.Name())))
			if err != nil {
				t.Fatal(err)
			}
			w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, Network: c.network})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := w.Binding(p.Name())
			v := reflect.ValueOf(b).Elem()
			fake := v.FieldByName("fake").Elem().FieldByName("cfg").FieldByName("Solo")
			adapter := v.FieldByName("acfg").FieldByName("Solo")
			if !fake.IsValid() || !adapter.IsValid() {
				t.Fatalf("%s: the binding keeps no fake with a cfg, or no acfg, to read Solo from", p.Name())
			}
			if fake.Bool() != c.solo || adapter.Bool() != c.solo {
				t.Errorf("%s on %s: the fake's Solo %v, the adapter's %v, want %v", p.Name(), c.network, fake.Bool(), adapter.Bool(), c.solo)
			}
			w.Close()
		}
	}
}
