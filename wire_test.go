package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
)

// TestWirePairAllocatesNothing plays the wire path of each platform (a
// customer's message through the fake's webhook and the adapter, an
// agent's reply through the adapter's send client and the fake's send
// API, as sim's BenchmarkWirePath does) and holds it to no allocation in
// the steady state. It lives in the main package because `go test` builds
// a main package's dependencies with its default.pgo, as `go build` does:
// the binary's inlining decides what escapes, and a pair that allocates
// only in the profile-guided build is caught here.
func TestWirePairAllocatesNothing(t *testing.T) {
	// As in BenchmarkWirePath: sends in bursts at one instant, so no
	// throughput or pair rate, and no status or delivery webhooks.
	settings := map[string]string{
		"whatsapp":  "status_webhooks = false\nthroughput = -1\npair_interval = \"0s\"",
		"messenger": "delivery_webhooks = false",
		"line":      "rate_limit = 0",
	}
	type pair struct{ channel, settings string }
	var pairs []pair
	for _, p := range platforms.All {
		pairs = append(pairs, pair{p.Name(), settings[p.Name()]})
	}
	pairs = append(pairs, pair{"wechat", `mode = "safe"`})
	for _, p := range pairs {
		t.Run(p.channel+" "+p.settings, func(t *testing.T) {
			sc, err := platforms.Format.Parse("wire.toml", []byte(fmt.Sprintf(
				"name = \"wire\"\n[channels.%s]\n%s\n[[agents]]\nid = \"a\"\ncapacity = 1000\n", p.channel, p.settings)))
			if err != nil {
				t.Fatal(err)
			}
			w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			bind, _ := w.Binding(p.channel)
			keys := make([]router.CustomerKey, 50)
			for i := range keys {
				if keys[i], err = w.Customer(p.channel, bind.NewHandle(i+1)); err != nil {
					t.Fatal(err)
				}
			}
			hello := sim.Message{Text: "Hello, where is my order?"}
			reply := router.Outbound{Kind: router.KindText, Text: "Thanks, looking into it now."}
			i := 0
			play := func() {
				k := keys[i%len(keys)]
				i++
				if _, err := w.Say(k, hello); err != nil {
					t.Fatal(err)
				}
				if res, err := w.Send("a", k, reply); err != nil || res.Err != nil || res.Refusal != "" {
					t.Fatalf("send: %+v %v", res, err)
				}
				if err := w.RunUntil(w.Now().Add(time.Second)); err != nil {
					t.Fatal(err)
				}
			}
			// Every customer known and every pool warm. What a fake keeps of
			// a customer it reports on (its deliveries) grows by doubling,
			// so after a hundred pairs each, the next ten each regrow it at
			// most once per customer: AllocsPerRun's average, rounded down,
			// counts what every pair allocates.
			for range 100 * len(keys) {
				play()
			}
			if n := testing.AllocsPerRun(500, play); n != 0 {
				t.Errorf("%v allocations per pair, want 0", n)
			}
		})
	}
}
