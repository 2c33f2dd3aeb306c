// Package wirepair plays the wire path of one platform a pair at a time: a
// customer's message through the fake's webhook and the router's adapter,
// and an agent's reply through the adapter's send client to the fake's
// send API, on a world's memory network. sim's BenchmarkWirePath times it
// and the main package's TestWirePairAllocatesNothing holds it to no
// allocation.
package wirepair

import (
	"context"
	"fmt"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
)

// Case is a platform's channel and the settings of its [channels.<name>]
// table.
type Case struct {
	Name     string // the case's name: the channel's, or the channel's and a mode's
	Channel  string
	Settings string // TOML lines
}

// Cases are the pairs measured, one per platform and WeChat's safe mode.
// Each sends in bursts at one instant: no throughput or pair rate, and no
// status or delivery webhooks, so that each measures one message in and
// one reply out (WeChat has no status webhooks); LINE runs without its
// rate limit.
func Cases() []Case {
	settings := map[string]string{
		"whatsapp":  "status_webhooks = false\nthroughput = -1\npair_interval = \"0s\"",
		"messenger": "delivery_webhooks = false",
		"line":      "rate_limit = 0",
	}
	var cs []Case
	for _, p := range platforms.All {
		cs = append(cs, Case{Name: p.Name(), Channel: p.Name(), Settings: settings[p.Name()]})
	}
	return append(cs, Case{Name: "wechat-safe", Channel: "wechat", Settings: `mode = "safe"`})
}

// Pair is a world of one channel, one agent of ample capacity and a number
// of customers, whom Play takes in turn. The world is played as Run plays
// a scenario's traffic: the customers are generated ones, whose deliveries
// the fake does not keep, and the fakes keep no journal.
type Pair struct {
	w     *sim.World
	bind  sim.Binding
	keys  []router.CustomerKey
	next  int
	hello sim.Message
	reply router.Outbound
}

// New builds c's world with the given number of customers (at least one).
func New(c Case, customers int) (*Pair, error) {
	sc, err := platforms.Format.Parse("wirepair.toml", []byte(fmt.Sprintf(
		"name = \"wire path\"\n[channels.%s]\n%s\n[[agents]]\nid = \"a\"\ncapacity = 1000\n", c.Channel, c.Settings)))
	if err != nil {
		return nil, err
	}
	w, err := sim.NewWorld(context.Background(), sc, sim.Options{Platforms: platforms.All, NoJournals: true})
	if err != nil {
		return nil, err
	}
	p := &Pair{
		w:     w,
		keys:  make([]router.CustomerKey, max(customers, 1)),
		hello: sim.Message{Text: "Hello, where is my order?"},
		reply: router.Outbound{Kind: router.KindText, Text: "Thanks, looking into it now."},
	}
	p.bind, _ = w.Binding(c.Channel)
	for i := range p.keys {
		if p.keys[i], err = w.Generated(c.Channel); err != nil {
			w.Close()
			return nil, err
		}
	}
	return p, nil
}

// Play plays one pair: the next customer's message, the agent's reply,
// and then a second of the virtual clock, so that what is kept for a while
// (dedupe windows, sent message ids for their statuses) is let go as in a
// run rather than growing with the number of pairs.
func (p *Pair) Play() error {
	k := p.keys[p.next]
	if p.next++; p.next == len(p.keys) {
		p.next = 0
	}
	if _, err := p.w.Say(k, p.hello); err != nil {
		return err
	}
	if res, err := p.w.Send("a", k, p.reply); err != nil || res.Err != nil || res.Refusal != "" {
		return fmt.Errorf("send: %+v %v", res, err)
	}
	return p.w.RunUntil(p.w.Now().Add(time.Second))
}

// Steady is how long a pair is warmed before it is timed: longer than the
// windows that keep what a pair leaves, so that they have reached the size
// they keep at a pair a second: the adapters' dedupe windows (48 hours to
// Business Messages' 8 days), the platforms' 24-hour and 48-hour windows,
// and the engine's status horizon (the longest window of the channel's
// policy and an hour) on every platform but Business Messages, whose
// 30-day window makes it 30 days and an hour. Two things still grow after
// it, slowly: what Business Messages' engine keeps for that horizon, and
// what a conversation that never ends, as a pair's does, keeps of its own
// (Business Messages' message ids, WhatsApp's inbound messages).
const Steady = 8*24*time.Hour + time.Hour

// Warm plays pairs until the virtual clock has moved on by d. Warmed by
// Steady (694,800 pairs), a pair plays as on a channel that has carried
// this traffic for longer than its windows remember any of it, rather
// than as in a run's first week, while they still fill.
func (p *Pair) Warm(d time.Duration) error {
	end := p.w.Now().Add(d)
	for p.w.Now().Before(end) {
		if err := p.Play(); err != nil {
			return err
		}
	}
	return nil
}

// Delivered is how many replies the channel has delivered.
func (p *Pair) Delivered() int { return p.bind.Stats().Delivered }

// Close closes the world.
func (p *Pair) Close() { p.w.Close() }
