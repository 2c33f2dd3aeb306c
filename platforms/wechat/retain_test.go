package wechat

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

// nobody is a Receiver that takes every inbound message.
type nobody struct{}

func (nobody) Receive(time.Time, router.Inbound) (router.ConversationID, error) { return 1, nil }
func (nobody) Status(time.Time, router.CustomerKey, string, string, string)     {}

// TestWorldForgets holds that a world naming the customers it reads
// (Env.Keep) has the fake forget the others once their grants have closed,
// on both networks, with every answer and the read device the same as in a
// world that keeps everyone: one new customer an hour for 200 hours, each
// writing and answered once, and the first (kept) answered at the end.
func TestWorldForgets(t *testing.T) {
	type outcome struct {
		log     []string
		device  []sim.Delivery
		records int
	}
	play := func(n sim.Network, keep func(string) bool) outcome {
		now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
		env := sim.Env{Clock: func() time.Time { return now }, Seed: 7, Network: n, Receiver: nobody{}, Keep: keep}
		if n == sim.Memory {
			tr := sim.NewTransport()
			env.Client = &http.Client{Transport: tr}
			env.Mount = func(part string, h http.Handler) (string, error) {
				host := part + ".wechat.omnisim"
				tr.Handle(host, h)
				return "http://" + host, nil
			}
		}
		b, err := Platform.Open(context.Background(), env, &scenario.Channel{Settings: &Settings{}})
		if err != nil {
			t.Fatal(err)
		}
		var o outcome
		send := func(who, text string) {
			k := router.CustomerKey{Channel: "wechat", Account: b.Account(), Customer: who}
			_, err := b.Sender().Send(context.Background(), k, router.Outbound{Kind: router.KindText, Text: text})
			o.log = append(o.log, fmt.Sprint(err))
		}
		first := b.NewHandle(1)
		for i := 1; i <= 200; i++ {
			who := b.NewHandle(i)
			if _, err := b.Inbound(context.Background(), who, "", sim.Message{Text: "hi"}); err != nil {
				t.Fatal(err)
			}
			send(who, "hello")
			if i > 50 {
				send(b.NewHandle(i-50), "too late") // past the window: refused alike
			}
			now = now.Add(time.Hour)
		}
		send(first, "to the kept one, past the window")
		o.device = b.Device(first)
		o.records = b.(*binding).fake.Customers()
		return o
	}
	for _, n := range []sim.Network{sim.Direct, sim.Memory} {
		all := play(n, nil)
		first := (&binding{}).NewHandle(1)
		some := play(n, func(c string) bool { return c == first })
		// 49 customers wrote within the last 49 hours (the window and an
		// hour), and the kept one.
		if all.records != 200 || some.records != 50 {
			t.Errorf("%v: records %d keeping everyone, %d keeping one; want 200 and 50", n, all.records, some.records)
		}
		if l := some.log; l[len(l)-2] == "<nil>" || l[len(l)-1] == "<nil>" || l[len(l)-3] != "<nil>" {
			t.Errorf("%v: the last answers %q, want a delivery and two refusals", n, l[len(l)-3:])
		}
		if len(some.device) != 1 {
			t.Errorf("%v: the kept customer's device holds %d deliveries, want 1", n, len(some.device))
		}
		all.records, some.records = 0, 0
		if !reflect.DeepEqual(all, some) {
			t.Errorf("%v: answers differ:\nall  %+v\nsome %+v", n, all, some)
		}
	}
}
