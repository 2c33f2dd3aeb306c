package router

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// idSender accepts every message and gives it the next of a fixed set of
// ids, so that the benchmark counts the engine's work, not the sender's.
type idSender struct {
	ids []string
	n   int
}

func (s *idSender) Send(context.Context, CustomerKey, Outbound) (string, error) {
	s.n++
	return s.ids[s.n%len(s.ids)], nil
}

// BenchmarkCustomer plays, in the engine alone, a customer's life as the
// M/M/14 scenario's world does (scenarios/erlang-c.toml): a new customer
// every 18 s (200 an hour) writes once, is routed to one of 14 agents of
// capacity 1 (or waits), gets one reply whose statuses (sent, delivered)
// come back, and is closed 180 s after the reply, with a WhatsApp-like
// policy (a 24-hour window, so customers are released 25 hours after their
// close) and every event read as it is logged (Consumer, a small history).
// One iteration is one customer; allocations per op are per customer.
func BenchmarkCustomer(b *testing.B) {
	const agentsN, every, handle = 14, 18 * time.Second, 180 * time.Second
	e := newEngine(b, Config{Agents: agents(agentsN, 1), EventLog: 64, Consumer: true,
		Policies: map[string]Policy{"whatsapp": {Window: 24 * time.Hour}}}, ids(agentsN)...)
	// Keys and message ids come back after 65,536 customers: 13.6 days, long
	// after the engine released them.
	keys := make([]CustomerKey, 1<<16)
	msgs := make([]string, 1<<16)
	for i := range keys {
		keys[i] = key(fmt.Sprintf("+1555%07d", i))
		msgs[i] = fmt.Sprintf("wamid.%d", i)
	}
	s := &idSender{ids: msgs}
	e.Handle("whatsapp", s)
	// closing holds the replied customers (their index in keys) in the
	// order their close is due, from head on: a pointer-free FIFO that
	// reuses its array, so that the benchmark's own bookkeeping neither
	// allocates nor goes through the write barrier.
	type due struct {
		at int64 // unix ns
		k  int
	}
	closing := make([]due, 0, 64)
	head := 0
	var evs []Event
	ctx := context.Background()
	now := t0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now = now.Add(every)
		for head < len(closing) && closing[head].at <= now.UnixNano() {
			d := closing[head]
			head++
			// The agent closes; its next waiting customer is assigned.
			k := keys[d.k]
			cv, _, _ := e.Latest(k)
			if err := e.Close(time.Unix(0, d.at).UTC(), cv.Agent, k); err != nil {
				b.Fatal(err)
			}
		}
		if head == len(closing) {
			closing, head = closing[:0], 0
		} else if head > 32 {
			closing, head = closing[:copy(closing, closing[head:])], 0
		}
		k := keys[i%len(keys)]
		if _, err := e.Receive(now, Inbound{Customer: k, MessageID: msgs[i%len(msgs)], Text: "hi", Sent: now}); err != nil {
			b.Fatal(err)
		}
		evs = e.Events(evs[:0])
		for _, ev := range evs {
			if ev.Kind != EventAssigned {
				continue
			}
			r, err := e.Send(ctx, now, ev.Agent, ev.Customer, Outbound{Kind: KindText, Text: "reply"})
			if err != nil || r.Refusal != "" {
				b.Fatal(r, err)
			}
			e.Status(now, ev.Customer, r.MessageID, "sent", "")
			e.Status(now, ev.Customer, r.MessageID, "delivered", "")
			closing = append(closing, due{now.Add(handle).UnixNano(), keyIndex(ev.Customer)})
		}
	}
	b.StopTimer()
	if fp := e.Footprint(); b.N > 1<<14 && fp.Customers > 6000 {
		b.Errorf("the engine holds %d customers after %d: they are not released", fp.Customers, b.N)
	}
}

// keyIndex is the index in BenchmarkCustomer's keys of a key it made.
func keyIndex(k CustomerKey) int {
	n := 0
	for _, d := range k.Customer[len("+1555"):] {
		n = 10*n + int(d-'0')
	}
	return n
}

// BenchmarkHeld measures what an engine that holds every conversation
// ([Config.Retain], as serve's does) keeps of each: one iteration is a
// new customer's message and the close of the conversation it opened, and
// the live heap's growth over the run, after a collection at each end, is
// reported per conversation (B/conversation). The keys are made before
// the run, outside what it measures.
func BenchmarkHeld(b *testing.B) {
	e := newEngine(b, Config{Agents: agents(1, 1), Retain: true,
		Policies: map[string]Policy{"whatsapp": {Window: 24 * time.Hour}}}, ids(1)...)
	keys := make([]CustomerKey, b.N)
	for i := range keys {
		keys[i] = key(fmt.Sprintf("+1555%08d", i))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	now := t0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now = now.Add(time.Second)
		if _, err := e.Receive(now, Inbound{Customer: keys[i], Text: "hi"}); err != nil {
			b.Fatal(err)
		}
		if err := e.Close(now, "a1", keys[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if fp := e.Footprint(); fp.Conversations != b.N {
		b.Fatalf("the engine holds %d conversations of %d", fp.Conversations, b.N)
	}
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "B/conversation")
	runtime.KeepAlive(e)
}
