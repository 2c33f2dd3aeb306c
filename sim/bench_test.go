package sim_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
)

// BenchmarkWirePath measures the full wire path in memory: the fake signs
// and posts a customer's webhook, the router's adapter verifies and parses
// it, the engine routes it, the agent's reply passes the policy and goes
// through the adapter's send client to the fake's send API, which delivers
// it. Each iteration is two messages (one in, one out); msgs/s is reported.
// Run it on one core with -cpu 1.
//
// WhatsApp runs without status webhooks, which WeChat does not have, so
// that both measure one message in and one reply out; wechat-safe is
// WeChat in safe mode: every webhook encrypted with AES-256-CBC and signed
// with msg_signature. LINE runs without its rate limit: the clock stands
// still, and 2,000 calls in one virtual second would meet it.
func BenchmarkWirePath(b *testing.B) {
	// The benchmark sends in bursts at one instant: no throughput or pair
	// rate, and no status or delivery webhooks.
	settings := map[string]string{
		"whatsapp":  "status_webhooks = false\nthroughput = -1\npair_interval = \"0s\"",
		"messenger": "delivery_webhooks = false",
		"line":      "rate_limit = 0",
	}
	for _, p := range platforms.All {
		b.Run(p.Name(), func(b *testing.B) { benchWire(b, p.Name(), settings[p.Name()]) })
	}
	b.Run("wechat-safe", func(b *testing.B) { benchWire(b, "wechat", `mode = "safe"`) })
}

func benchWire(b *testing.B, channel, settings string) {
	sc, err := platforms.Format.Parse("bench.toml", []byte(fmt.Sprintf(`
name = "wire path"
[channels.%s]
%s
[[agents]]
id = "a"
capacity = 1000
`, channel, settings)))
	if err != nil {
		b.Fatal(err)
	}
	w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	bind, _ := w.Binding(channel)
	const customers = 500
	keys := make([]router.CustomerKey, customers)
	for i := range keys {
		if keys[i], err = w.Customer(channel, bind.NewHandle(i+1)); err != nil {
			b.Fatal(err)
		}
	}
	reply := router.Outbound{Kind: router.KindText, Text: "Thanks, looking into it now."}
	hello := sim.Message{Text: "Hello, where is my order?"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := keys[i%customers]
		if _, err := w.Say(k, hello); err != nil {
			b.Fatal(err)
		}
		if res, err := w.Send("a", k, reply); err != nil || res.Err != nil || res.Refusal != "" {
			b.Fatalf("send: %+v %v", res, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "msgs/s")
	if got := bind.Stats().Delivered; got != b.N {
		b.Fatalf("%d deliveries for %d replies", got, b.N)
	}
}
