package sim_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
)

// erlangC returns the probability that an arrival waits in an M/M/c queue
// with offered load a (arrival rate times mean service time) and c servers.
func erlangC(a float64, c int) float64 {
	term, sum := 1.0, 0.0
	for k := 0; k < c; k++ {
		if k > 0 {
			term *= a / float64(k)
		}
		sum += term
	}
	top := term * a / float64(c) * float64(c) / (float64(c) - a)
	return top / (sum + top)
}

func TestErlangCFormula(t *testing.T) {
	// The golden vector of research/routing-engines.md: 100 contacts per 30
	// minutes, 180 s handle time, 14 agents.
	if p := erlangC(10, 14); math.Abs(p-0.1741319) > 1e-6 {
		t.Fatalf("erlangC(10, 14) = %.7f, want 0.1741319", p)
	}
}

// TestQueueAgreesWithErlangC proves the clock and the queues: one channel,
// capacity 1 per agent, Poisson arrivals and exponential handle times make
// an M/M/c queue, whose probability of waiting, mean wait and service level
// Erlang C gives. Three replications of 20 days (about 96,000 arrivals each)
// are averaged; the tolerances are about three standard errors of that mean.
func TestQueueAgreesWithErlangC(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 60 days of traffic")
	}
	const a, c, aht, target = 10.0, 14, 180.0, 20.0
	pWait := erlangC(a, c)
	asa := pWait * aht / (c - a)
	sl := 1 - pWait*math.Exp(-(c-a)*target/aht)

	seeds := []uint64{1, 2, 3}
	out := make([]mmcFigures, len(seeds))
	var wg sync.WaitGroup
	for i, seed := range seeds {
		wg.Go(func() { out[i] = mmc(seed, c) })
	}
	wg.Wait()
	var gotP, gotASA, gotSL float64
	for i, f := range out {
		if f.err != nil {
			t.Fatal(f.err)
		}
		if f.n < 90000 {
			t.Fatalf("seed %d: only %d conversations were assigned", seeds[i], f.n)
		}
		t.Logf("seed %d: %d conversations, P(wait) %.4f, mean wait %.2fs, SL(20s) %.4f", seeds[i], f.n, f.pWait, f.asa, f.sl)
		gotP += f.pWait / float64(len(out))
		gotASA += f.asa / float64(len(out))
		gotSL += f.sl / float64(len(out))
	}
	t.Logf("mean: P(wait) %.4f (Erlang C %.4f), mean wait %.2fs (%.2fs), SL(20s) %.4f (%.4f)", gotP, pWait, gotASA, asa, gotSL, sl)
	if math.Abs(gotP-pWait) > 0.02 {
		t.Errorf("P(wait) = %.4f, Erlang C says %.4f", gotP, pWait)
	}
	if math.Abs(gotASA-asa) > 1.5 {
		t.Errorf("mean wait = %.2fs, Erlang C says %.2fs", gotASA, asa)
	}
	if math.Abs(gotSL-sl) > 0.015 {
		t.Errorf("service level within 20s = %.4f, Erlang C says %.4f", gotSL, sl)
	}
}

// mmcFigures are the measured figures of one M/M/c run.
type mmcFigures struct {
	n              int // conversations assigned
	pWait, asa, sl float64
	err            error
}

// mmc runs 20 days of an M/M/c queue on the direct network: c agents of
// capacity 1, 200 arrivals an hour, exponential handle times of mean 3
// minutes.
func mmc(seed uint64, c int) (f mmcFigures) {
	src := fmt.Sprintf(`
name = "M/M/%d"
seed = %d
[channels.whatsapp]
status_webhooks = false
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 200/h"
for = "20d"
messages = "1"
handle = "exp 3m"
`, c, seed)
	for i := range c {
		src += fmt.Sprintf("[[agents]]\nid = \"a%02d\"\n", i)
	}
	sc, err := platforms.Format.Parse("mmc.toml", []byte(src))
	if err != nil {
		f.err = err
		return f
	}
	// A staffing study: the queue, not the wire, is the question.
	w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, Retain: true, Network: sim.Direct})
	if err != nil {
		f.err = err
		return f
	}
	defer w.Close()
	w.Schedule()
	if f.err = w.RunUntil(time.Time{}); f.err != nil {
		return f
	}
	var waited, within int
	var total time.Duration
	w.Engine().Conversations(func(cv router.Conversation) {
		w, ok := cv.Wait()
		if !ok {
			return
		}
		f.n++
		total += w
		if w > 0 {
			waited++
		}
		if w <= 20*time.Second {
			within++
		}
	})
	f.pWait = float64(waited) / float64(f.n)
	f.asa = total.Seconds() / float64(f.n)
	f.sl = float64(within) / float64(f.n)
	return f
}

// TestQueueAgreesWithErlangA adds patience to the M/M/c queue: customers
// give up when their exponential patience runs out before an agent takes
// them, an M/M/c+M queue whose probabilities of waiting and of abandoning
// Erlang A gives. The figures are the run's reported service figures.
// Three replications of 20 days (about 96,000 arrivals each) are averaged;
// the tolerances are about three standard errors of that mean (measured:
// a 7-day run's standard deviations are 0.0052 and 0.0017).
func TestQueueAgreesWithErlangA(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 60 days of traffic")
	}
	const lambda, mu, c, theta = 200.0, 20.0, 14, 60.0 // per hour: 180 s handle, 60 s patience
	pWait, pAbandon := sim.ErlangA(lambda, mu, c, theta)

	seeds := []uint64{1, 2, 3}
	out := make([]*result.Service, len(seeds))
	errs := make([]error, len(seeds))
	var wg sync.WaitGroup
	for i, seed := range seeds {
		wg.Go(func() { out[i], errs[i] = mmcm(seed, c) })
	}
	wg.Wait()
	var gotP, gotA float64
	for i, f := range out {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if f.Ended < 90000 {
			t.Fatalf("seed %d: only %d conversations ended their wait", seeds[i], f.Ended)
		}
		t.Logf("seed %d: %d conversations, P(wait) %.4f, abandoned %d (%.4f)", seeds[i], f.Ended, f.WaitProbability, f.Abandoned, f.Abandonment)
		gotP += f.WaitProbability / float64(len(out))
		gotA += f.Abandonment / float64(len(out))
	}
	t.Logf("mean: P(wait) %.4f (Erlang A %.4f), P(abandon) %.4f (%.4f)", gotP, pWait, gotA, pAbandon)
	if math.Abs(gotP-pWait) > 0.006 {
		t.Errorf("P(wait) = %.4f, Erlang A says %.4f", gotP, pWait)
	}
	if math.Abs(gotA-pAbandon) > 0.002 {
		t.Errorf("P(abandon) = %.4f, Erlang A says %.4f", gotA, pAbandon)
	}
}

// mmcm runs 20 days of an M/M/c+M queue: c agents of capacity 1, 200
// arrivals an hour, exponential handle times of mean 3 minutes and
// exponential patience of mean 1 minute, and returns its service figures.
func mmcm(seed uint64, c int) (*result.Service, error) {
	src := fmt.Sprintf(`
name = "M/M/%d+M"
seed = %d
[channels.whatsapp]
status_webhooks = false
[[traffic]]
channel = "whatsapp"
arrivals = "poisson 200/h"
for = "20d"
messages = "1"
handle = "exp 3m"
patience = "exp 1m"
`, c, seed)
	for i := range c {
		src += fmt.Sprintf("[[agents]]\nid = \"a%02d\"\n", i)
	}
	sc, err := platforms.Format.Parse("mmcm.toml", []byte(src))
	if err != nil {
		return nil, err
	}
	res := sim.Run(context.Background(), sc, sim.Options{Platforms: platforms.All, Service: true})
	if res.Error != "" {
		return nil, errors.New(res.Error)
	}
	return res.Metrics.Service, nil
}
