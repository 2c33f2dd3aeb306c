package fuzz

import (
	"bytes"
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/omnisim/omnisim/platforms"
	"github.com/omnisim/omnisim/report"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/result"
	"github.com/omnisim/omnisim/sim/scenario"
)

// Trace is what one run of a scenario left behind, for the invariants to
// judge: the engine's event log, what each platform's fake saw and
// delivered, the drift findings and the JSON report.
type Trace struct {
	Scenario *scenario.Scenario
	// Events is the engine's event log, read with EventsSince; Lost
	// counts the events the log had overwritten, its oldest (a world keeps
	// the newest router.DefaultEventLog). A trace with lost events is
	// judged on what is left, from the first event held on
	// ([Trace.EventsFrom]); invariants that need the desk's state from the
	// start are not judged.
	Events []router.Event
	Lost   uint64
	// InHours is each agent's working hours at the end of the run, as the
	// engine's figures give them (router.AgentStats.InHours): where the
	// log has no shift change of a scheduled agent, its hours all along.
	InHours map[string]bool
	// Journals holds, by channel, where the platform's journal of
	// webhooks begins when it kept only its newest sim.JournalDepth
	// records (a fake keeps no more, see sim.Env.JournalLimit): the time
	// of the oldest record held, at or before which records may be
	// missing. A channel not listed kept every webhook.
	Journals map[string]time.Time
	// Unlisted counts the drift findings past those the result lists
	// (Result.DriftDropped), by channel and kind.
	Unlisted []sim.UnlistedDrift
	// Customers holds every customer that wrote or was written to, by key;
	// Keys lists them in a stable order.
	Customers map[router.CustomerKey]*Customer
	Keys      []router.CustomerKey
	// Result is the run's result, Report its JSON report without the wire
	// counters (Totals.Webhooks, Rejected and Duplicates are zero in it).
	Result result.Result
	Report []byte
	// Again is the JSON report of a second run of the same scenario, on the
	// memory network, when one was made (see [Check]).
	Again []byte
	// Panic is the value and stack of a panic that stopped the run.
	Panic string
	// Unjudged lists, in the order of the invariants checked, what [Check]
	// found they left unjudged in the trace ([Invariant.Limits]).
	Unjudged []Unjudged
}

// Customer is what the platforms saw of one customer.
type Customer struct {
	// ID is a scripted customer's id in the scenario; "" for a customer a
	// traffic flow generated.
	ID string
	// Profile is a scripted customer's profile; nil for a generated one,
	// whose region and entry page were drawn from its flow.
	Profile *router.Profile
	// Inbound lists the messages the customer sent, as the platform's
	// webhooks carried them to the router, in the order they were sent.
	Inbound []Message
	// Device lists what the customer's device received, oldest first. A
	// device reads back its newest sim.JournalDepth deliveries: when it
	// holds that many, DeviceFrom is the time of the oldest, at or before
	// which deliveries may be missing; zero when it holds them all.
	Device     []sim.Delivery
	DeviceFrom time.Time
}

// Message is one customer message on the wire.
type Message struct {
	ID string    // the platform's message id
	At time.Time // when the platform sent its first webhook for it
	// Made and MadeBy bound when the platform made the message, which is
	// when its reply window and allowance start: the time of the
	// customer's write, earlier than At when a fault plan held the
	// webhook back. Both are At on a channel whose fault plan delays
	// nothing; on one that does, Made is the payload's own time (the
	// webhook record's Made, or read from its body: WeChat's CreateTime,
	// WhatsApp's timestamp) and MadeBy the end of the payload's
	// resolution (a second on WeChat and WhatsApp), or At if sooner. Both
	// are zero when the record gives no payload time (LINE's, whose
	// platform has no window or limit to judge by it).
	Made, MadeBy time.Time
	// Accepted is set when the router answered one of the webhook's tries
	// with a 2xx status.
	Accepted bool
	Tries    int
	// Reached is set when a try reached the router although the platform
	// saw no answer (a timeout of a fault plan); Edge counts the tries a
	// fault plan failed before the router.
	Reached bool
	Edge    int
}

// name is how a failure report names the customer.
func (c *Customer) name(key router.CustomerKey) string {
	if c != nil && c.ID != "" {
		return c.ID
	}
	return key.Channel + " customer " + key.Customer
}

// play runs a scenario through the World on network n and collects its
// trace. A panic anywhere in the run is caught and kept in the trace. The
// error is for a run that could not start.
func play(ctx context.Context, sc *scenario.Scenario, n sim.Network) (tr *Trace, err error) {
	tr = &Trace{Scenario: sc, Customers: map[router.CustomerKey]*Customer{}}
	defer func() {
		if v := recover(); v != nil {
			tr.Panic = fmt.Sprintf("%v\n%s", v, debug.Stack())
			err = nil
		}
	}()
	w, err := sim.NewWorld(ctx, sc, sim.Options{Platforms: platforms.All, Network: n, Retain: true})
	if err != nil {
		return tr, err
	}
	defer w.Close()
	w.Schedule()
	var until time.Time
	if sc.Duration > 0 {
		until = sc.Start.Add(sc.Duration.D())
	}
	if err := w.RunUntil(until); err != nil {
		return tr, err
	}
	tr.Result = w.Finish()
	tr.Unlisted = w.UnlistedDrift()
	// The report without the wire counters (webhooks, rejected,
	// duplicates), which differ between networks, so that runs on the
	// direct and the memory network compare.
	rep := tr.Result
	rep.Totals.Webhooks, rep.Totals.Rejected, rep.Totals.Duplicates = 0, 0, 0
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, []result.Result{rep}, report.Options{Version: "fuzz"}); err != nil {
		return tr, fmt.Errorf("writing the report: %w", err)
	}
	tr.Report = buf.Bytes()
	tr.Events, _, tr.Lost = w.Engine().EventsSince(0, nil)

	customer := func(key router.CustomerKey) *Customer {
		c := tr.Customers[key]
		if c == nil {
			c = &Customer{}
			tr.Customers[key] = c
			tr.Keys = append(tr.Keys, key)
		}
		return c
	}
	for _, sc := range sc.Customers {
		key, err := w.Customer(sc.Channel, sc.ID)
		if err != nil {
			continue
		}
		c := customer(key)
		c.ID = sc.ID
		c.Profile = &router.Profile{Region: sc.Region, EntryPage: sc.EntryPage, Store: sc.Store}
	}
	for _, ev := range tr.Events {
		if ev.Customer.Customer != "" {
			customer(ev.Customer)
		}
	}
	// What each platform sent to the router and delivered.
	for _, p := range platforms.All {
		b, ok := w.Binding(p.Name())
		if !ok {
			continue
		}
		late := delays(sc, p.Name())
		byID := map[string]int{}
		hooks := b.Journal(sim.JournalFilter{Kind: sim.RecordWebhook})
		if len(hooks) >= sim.JournalDepth {
			// The fake's list of webhooks is full: older ones may have
			// gone.
			if tr.Journals == nil {
				tr.Journals = map[string]time.Time{}
			}
			tr.Journals[p.Name()] = hooks[0].At
		}
		for _, r := range hooks {
			kind, id, ok := webhookMessage(r)
			if !ok || kind != "messages" && kind != "message" || r.Customer == "" {
				continue
			}
			key := router.CustomerKey{Channel: p.Name(), Account: b.Account(), Customer: r.Customer}
			c := customer(key)
			k := key.String() + "\x00" + id
			i, seen := byID[k]
			if !seen {
				i = len(c.Inbound)
				byID[k] = i
				m := Message{ID: id, At: r.At, Made: r.At, MadeBy: r.At}
				if late {
					m.Made, m.MadeBy = madeSpan(p.Name(), id, r)
				}
				c.Inbound = append(c.Inbound, m)
			}
			c.Inbound[i].Tries++
			if r.Status >= 200 && r.Status < 300 {
				c.Inbound[i].Accepted = true
			}
			if reached, edge := faultTry(r.Text); reached {
				c.Inbound[i].Reached = true
			} else if edge {
				c.Inbound[i].Edge++
			}
		}
	}
	slices.SortFunc(tr.Keys, func(a, b router.CustomerKey) int { return strings.Compare(a.String(), b.String()) })
	for _, key := range tr.Keys {
		if b, ok := w.Binding(key.Channel); ok {
			c := tr.Customers[key]
			c.Device = b.Device(key.Customer)
			if len(c.Device) >= sim.JournalDepth {
				c.DeviceFrom = c.Device[0].At
			}
		}
	}
	tr.InHours = map[string]bool{}
	for _, a := range w.Engine().Agents(tr.Result.End) {
		tr.InHours[a.ID] = a.InHours
	}
	return tr, nil
}

// EventsFrom is the time of the oldest event the trace's log holds when it
// lost older ones (Lost): events at or before it may be missing. Zero
// when the log is whole.
func (tr *Trace) EventsFrom() time.Time {
	if tr.Lost == 0 {
		return time.Time{}
	}
	if len(tr.Events) == 0 {
		return scenario.EndTime
	}
	return tr.Events[0].At
}

// webhookMessage reads a webhook record's kind and message id from its
// text ("messages wamid.X", "message 1234 (try 2)", ...).
func webhookMessage(r sim.Record) (kind, id string, ok bool) {
	f := strings.Fields(r.Text)
	if len(f) < 2 {
		return "", "", false
	}
	return f[0], strings.TrimSuffix(f[1], ":"), true
}

// madeRes is the resolution of the time each platform's payload gives a
// customer message ([sim.Record.Made]): WeChat's CreateTime and WhatsApp's
// timestamp are whole seconds, Douyin's create_time and Messenger's
// timestamp milliseconds, Business Messages' sendTime nanoseconds. A
// platform not listed is taken to write whole seconds.
var madeRes = map[string]time.Duration{
	"wechat": time.Second, "whatsapp": time.Second,
	"douyin": time.Millisecond, "messenger": time.Millisecond,
	"businessmessages": time.Nanosecond,
}

// madeSpan bounds when the platform made a message, from the time its
// webhook's payload carries (see [Message.Made]): the record's Made, where
// the platform's journal gives it, or else the time read from the body
// (WeChat's CreateTime, WhatsApp's timestamp). The span runs to the end of
// the payload's resolution, or the record's time if sooner; zero times
// when the record gives no payload time.
func madeSpan(platform, id string, r sim.Record) (made, by time.Time) {
	made = r.Made
	if made.IsZero() {
		var secs string
		switch platform {
		case "wechat":
			secs = between(r.Body, "<CreateTime>", "<")
		case "whatsapp":
			// The message's own object: its id, then its timestamp.
			if i := strings.Index(r.Body, `"id":"`+id+`"`); i >= 0 {
				secs = between(r.Body[i:], `"timestamp":"`, `"`)
			}
		}
		n, err := strconv.ParseInt(secs, 10, 64)
		if err != nil {
			return time.Time{}, time.Time{}
		}
		made = time.Unix(n, 0)
	}
	res, ok := madeRes[platform]
	if !ok {
		res = time.Second
	}
	made = made.In(r.At.Location())
	by = made.Add(res - 1)
	if by.After(r.At) {
		by = r.At
	}
	if made.After(by) {
		made = by
	}
	return made, by
}

// between is the text of s after the first from, up to the next to; "" if
// there is none.
func between(s, from, to string) string {
	_, s, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	s, _, _ = strings.Cut(s, to)
	return s
}
