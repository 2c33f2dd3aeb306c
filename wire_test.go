package main

import (
	"testing"

	"github.com/omnisim/omnisim/internal/race"
	"github.com/omnisim/omnisim/internal/wirepair"
)

// TestWirePairAllocatesNothing plays each platform's wire pair (package
// wirepair, which sim's BenchmarkWirePath times) and holds its steady state
// to no allocation. It lives in the main package because `go test` builds a
// main package's dependencies with its default.pgo, as `go build` does:
// the binary's inlining decides what escapes, and a pair that allocates
// only in the profile-guided build is caught here.
func TestWirePairAllocatesNothing(t *testing.T) {
	if race.Enabled {
		t.Skip("allocation counts say nothing under the race detector")
	}
	const customers = 50
	for _, c := range wirepair.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			p, err := wirepair.New(c, customers)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			play := func() {
				if err := p.Play(); err != nil {
					t.Fatal(err)
				}
			}
			// Every customer known and every pool warm. What a fake keeps of
			// a conversation that never ends (WhatsApp's inbound message
			// ids, Business Messages' message ids) grows by doubling, so
			// after a hundred pairs each, the next ten each regrow it at
			// most once per customer: AllocsPerRun's average, rounded down,
			// counts what every pair allocates.
			for range 100 * customers {
				play()
			}
			if n := testing.AllocsPerRun(10*customers, play); n != 0 {
				t.Errorf("%v allocations per pair, want 0", n)
			}
		})
	}
}
