package sim

import (
	"context"
	"fmt"
	"testing"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim/scenario"
)

// BenchmarkWirePath measures the full wire path in memory: the fake signs
// and posts a customer's webhook, the router's adapter verifies and parses
// it, the engine routes it, the agent's reply passes the policy and goes
// through the adapter's send client to the fake's send API, which delivers
// it. Each iteration is two messages (one in, one out); msgs/s is reported.
// Run it on one core with -cpu 1.
func BenchmarkWirePath(b *testing.B) {
	sc, err := scenario.Parse("bench.toml", []byte(`
name = "wire path"
[channels.whatsapp]
status_webhooks = false
[[agents]]
id = "a"
capacity = 1000
`))
	if err != nil {
		b.Fatal(err)
	}
	r := newRun(context.Background(), sc, Options{})
	if err := r.setup(); err != nil {
		b.Fatal(err)
	}
	const customers = 500
	people := make([]*person, customers)
	for i := range people {
		phone := r.newPhone()
		people[i] = &person{id: fmt.Sprint(i), phone: phone, name: "bench", key: router.CustomerKey{Channel: "whatsapp", Account: "106540352242922", Customer: phone}}
		r.people[people[i].key] = people[i]
	}
	reply := router.Outbound{Kind: router.KindText, Text: "Thanks, looking into it now."}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := people[i%customers]
		r.customerText(p, "Hello, where is my order?")
		r.agentSend(p, "a", reply)
		r.settle()
	}
	b.StopTimer()
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "msgs/s")
	if got := r.fake.Counts().Deliveries; got != b.N {
		b.Fatalf("%d deliveries for %d replies", got, b.N)
	}
}
