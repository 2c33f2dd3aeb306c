package router

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/omnisim/omnisim/internal/blockpool/pooltest"
)

// script plays steps random calls (seeded) on e, whose customers are
// nCust keys on two channels, "whatsapp" and "line", and returns what an
// owner can see of it: each call's answer, the events it logged, the next
// deadline and the footprint after it, and at the end the agents'
// figures, the pending timers, the conversations held and the snapshot.
// Dense calls come seconds apart, else minutes to days. With quiet it
// returns nothing (a run that only fills an engine).
func script(t *testing.T, e *Engine, seed uint64, nCust, steps int, dense, quiet bool) []string {
	t.Helper()
	var out []string
	note := func(format string, args ...any) {
		if !quiet {
			out = append(out, fmt.Sprintf(format, args...))
		}
	}
	channels := []string{"whatsapp", "line"}
	for _, ch := range channels {
		e.Handle(ch, &seqSender{failEvery: 7})
	}
	rng := rand.New(rand.NewPCG(seed, 99))
	customers := make([]CustomerKey, nCust)
	for i := range customers {
		customers[i] = CustomerKey{Channel: channels[i%2], Account: "acct", Customer: fmt.Sprintf("u%d", i)}
	}
	agentIDs := []string{"a1", "a2"}
	names := []string{"", "", "Ann", "Bob"}
	type sent struct {
		to CustomerKey
		id string
	}
	var sends []sent
	now := t0
	for _, a := range agentIDs {
		note("online %s: %v", a, e.SetOnline(now, a, true))
	}
	var evs []Event
	for step := range steps {
		switch r := rng.IntN(100); {
		case dense:
			now = now.Add(time.Duration(rng.IntN(20)) * time.Second)
		case r < 70:
			now = now.Add(time.Duration(rng.IntN(600)) * time.Second)
		case r < 90:
			now = now.Add(time.Duration(1+rng.IntN(12)) * time.Hour)
		default:
			now = now.Add(time.Duration(1+rng.IntN(4)) * 24 * time.Hour)
		}
		c := customers[rng.IntN(len(customers))]
		a := agentIDs[rng.IntN(len(agentIDs))]
		switch op := rng.IntN(100); {
		case op < 30:
			in := Inbound{Customer: c, MessageID: fmt.Sprintf("in%d", step), Name: names[rng.IntN(len(names))],
				Text: []string{"hi", "a human please"}[rng.IntN(2)]}
			if rng.IntN(8) == 0 {
				in.Attributes = map[string]string{"locale": []string{"en", "fr"}[rng.IntN(2)]}
			}
			id, err := e.Receive(now, in)
			note("receive %v: %v %v", c, id, err)
		case op < 55:
			m := Outbound{Kind: KindText, Text: strings.Repeat("x", rng.IntN(60))}
			switch rng.IntN(4) {
			case 0:
				m = Outbound{Kind: KindTemplate, Template: &Template{Name: "hello", Language: "en"}}
			case 1:
				m = Outbound{Kind: KindAttachment, Attachment: &Attachment{Kind: "image", Format: "png", Size: 10}}
			}
			r, err := e.Send(context.Background(), now, a, c, m)
			note("send %s %v: %v %v %v %v %v", a, c, r.Conversation, r.Refusal, r.MessageID, r.Err, err)
			if r.MessageID != "" {
				sends = append(sends, sent{c, r.MessageID})
			}
		case op < 65:
			note("close %s %v: %v", a, c, e.Close(now, a, c))
		case op < 73:
			if len(sends) == 0 {
				continue
			}
			s := sends[rng.IntN(len(sends))]
			status := []string{"delivered", "read", "failed"}[rng.IntN(3)]
			e.Status(now, s.to, s.id, status, "131047")
			note("status %s %s", s.id, status)
		case op < 82:
			e.Advance(now)
			note("advance")
		case op < 87:
			on := rng.IntN(3) > 0
			note("online %s %v: %v", a, on, e.SetOnline(now, a, on))
		case op < 91:
			note("take %s %v: %v", a, c, e.Take(now, a, c))
		case op < 94:
			other := agentIDs[1-slicesIndex(agentIDs, a)]
			note("transfer %s %v: %v", a, c, e.Transfer(now, a, c, "", other))
		case op < 96:
			note("handoff %v: %v", c, e.Handoff(now, c))
		case op < 97:
			e.SetProfile(c, Profile{Region: []string{"north", "south"}[rng.IntN(2)]})
			note("profile %v", c)
		case op < 98:
			note("abandon %v: %v", c, e.Abandon(now, c))
		default:
			r, err := e.Check(now, a, c, Outbound{Kind: KindText, Text: "check"})
			note("check %s %v: %v %v", a, c, r, err)
		}
		evs = e.Events(evs[:0])
		if quiet {
			continue
		}
		note("events %+v", evs)
		d, ok := e.NextDeadline()
		note("next %v %v, footprint %+v", d, ok, e.Footprint())
	}
	if quiet {
		return nil
	}
	note("agents %+v", e.Agents(now))
	note("deadlines %+v", e.Deadlines(1<<20))
	var convs []Conversation
	e.Conversations(func(c Conversation) { convs = append(convs, c) })
	slices.SortFunc(convs, func(x, y Conversation) int { return int(x.ID - y.ID) })
	note("conversations %+v", convs)
	b, err := e.Save()
	note("snapshot %s %v", b, err)
	return out
}

// records is every record e holds or keeps for reuse, by address.
func records(e *Engine) (custs map[*customer]bool, convs map[*conv]bool) {
	custs, convs = map[*customer]bool{}, map[*conv]bool{}
	e.customers.all(func(c *customer) { custs[c] = true })
	e.convs.all(func(cv *conv) { convs[cv] = true })
	for _, c := range e.freeCusts {
		custs[c] = true
	}
	for _, cv := range e.freeConvs {
		convs[cv] = true
	}
	return custs, convs
}

// tables is the address of every table and array e holds that Release
// gives back.
func tables(e *Engine) map[unsafe.Pointer]bool {
	out := map[unsafe.Pointer]bool{}
	add := func(p unsafe.Pointer) {
		if p != nil {
			out[p] = true
		}
	}
	add(unsafe.Pointer(unsafeFirst(e.customers.slots)))
	add(unsafe.Pointer(unsafeFirst(e.convs.ring)))
	add(unsafe.Pointer(unsafeFirst(e.convs.older.slots)))
	add(unsafe.Pointer(unsafeFirst(e.sent.slots)))
	add(unsafe.Pointer(unsafeFirst(e.releases.fifo)))
	add(unsafe.Pointer(unsafeFirst(e.releases.heap)))
	for _, b := range e.sentLog.blocks {
		add(unsafe.Pointer(b))
	}
	add(unsafe.Pointer(e.sentLog.spare))
	return out
}

// poolTenants are the configurations the reuse tests play: the release
// tests' tenants on channels with a window, a reply limit that keeps its
// send times, and manual assignment, releasing and retaining.
func poolTenants() []struct {
	name string
	cfg  Config
} {
	var out []struct {
		name string
		cfg  Config
	}
	for _, tn := range twinTenants {
		for _, pol := range []struct {
			name string
			p    Policy
		}{{"whatsapp-like", whatsappLike}, {"wechat-like", wechatLike}, {"first-inbound anchor", firstAnchor}, {"manual inbox", manualInbox}} {
			for _, retain := range []bool{false, true} {
				cfg := tn.cfg
				cfg.Retain = retain
				cfg.Agents = []AgentConfig{{ID: "a1", Capacity: 2, Groups: groupNames(tn.cfg)}, {ID: "a2", Capacity: 1, Groups: groupNames(tn.cfg)}}
				cfg.Policies = map[string]Policy{"whatsapp": pol.p, "line": noWindowCount}
				out = append(out, struct {
					name string
					cfg  Config
				}{fmt.Sprintf("%s/%s/retain=%v", tn.name, pol.name, retain), cfg})
			}
		}
	}
	return out
}

// filler is the configuration of the engines whose released memory the
// reuse tests' engines take: another tenant, so that the records it gives
// back held other policies, groups and agents.
var filler = Config{
	IdleAfter: 3 * time.Hour, MissedAfter: 5 * time.Minute, ReassignAfter: 4 * time.Minute,
	Overflow: OverflowDefault, Groups: []GroupConfig{{Name: "vip"}},
	Agents:        []AgentConfig{{ID: "a1", Capacity: 3, Groups: []string{"vip"}}, {ID: "a2", Capacity: 2, Groups: []string{"vip"}}},
	Policies:      map[string]Policy{"whatsapp": wechatLike, "line": firstAnchor},
	StatusHorizon: 2 * time.Hour,
}

// fill builds a filler engine and plays enough traffic on it that it holds
// and keeps thousands of records, every field of them written.
func fill(t *testing.T, seed uint64) *Engine {
	t.Helper()
	e, err := New(filler)
	if err != nil {
		t.Fatal(err)
	}
	script(t, e, seed, 3000, 12000, true, true)
	return e
}

// TestReleasedMemoryActsAsNew plays the same calls on an engine built
// from empty pools and on one built after a filled engine released its
// memory, which it then takes: every answer, event, deadline, figure and
// the snapshot must be the same.
func TestReleasedMemoryActsAsNew(t *testing.T) {
	reused := 0 // plays that took a table of the released engine
	for i, tn := range poolTenants() {
		t.Run(tn.name, func(t *testing.T) {
			seed := uint64(i + 1)
			pooltest.Drain()
			fresh, err := New(tn.cfg)
			if err != nil {
				t.Fatal(err)
			}
			want := script(t, fresh, seed, 40, 1500, false, false)

			pooltest.Drain()
			full := fill(t, seed)
			custs, convs := records(full)
			full.Release()
			// An engine the size of this one, whose tables this one
			// takes.
			small, err := New(filler)
			if err != nil {
				t.Fatal(err)
			}
			script(t, small, seed, 40, 1500, true, true)
			arrays := tables(small)
			small.Release()
			e, err := New(tn.cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := script(t, e, seed, 40, 1500, false, false)
			for j := range min(len(got), len(want)) {
				if got[j] != want[j] {
					t.Fatalf("line %d differs:\n  reused: %s\n  fresh:  %s", j, got[j], want[j])
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%d lines, fresh %d", len(got), len(want))
			}
			// The engine must have played on the filler's records.
			mine, myConvs := records(e)
			n := 0
			for c := range mine {
				if custs[c] {
					n++
				}
			}
			for cv := range myConvs {
				if convs[cv] {
					n++
				}
			}
			if n == 0 {
				t.Error("no record of the released engine was reused: the test shows nothing")
			}
			for a := range tables(e) {
				if arrays[a] {
					reused++
					break
				}
			}
		})
	}
	// (A pool drops some of what it is given under the race detector: a
	// play may find none of the tables it needs.)
	if reused == 0 {
		t.Error("no play reused a table of a released engine: the test shows nothing")
	}
}

// TestReleaseResetsFreeLists: the records an engine released and keeps
// for reuse go back to the pools reset as well, holding nothing of the
// engine's world (no policy, conversation, group or agent).
func TestReleaseResetsFreeLists(t *testing.T) {
	pooltest.Drain()
	e := fill(t, 1)
	script(t, e, 2, 3000, 3000, true, true)
	e.Advance(t0.Add(10 * 365 * 24 * time.Hour)) // every release is due
	if len(e.freeCusts) == 0 || len(e.freeConvs) == 0 {
		t.Fatalf("%d customers and %d conversations kept for reuse: the test shows nothing", len(e.freeCusts), len(e.freeConvs))
	}
	custs, convs := slices.Clone(e.freeCusts), slices.Clone(e.freeConvs)
	var excluded [][]*agent
	for _, cv := range convs {
		excluded = append(excluded, excludedArray(cv))
	}
	e.Release()
	for _, c := range custs {
		if want := (customer{sentAt: c.sentAt}); len(c.sentAt) != 0 || !reflect.DeepEqual(*c, want) {
			t.Fatalf("a customer record kept for reuse went back as %+v", *c)
		}
	}
	for _, cv := range convs {
		if want := (conv{excluded: cv.excluded}); len(cv.skips()) != 0 || !reflect.DeepEqual(*cv, want) {
			t.Fatalf("a conversation record kept for reuse went back as %+v", *cv)
		}
	}
	for _, x := range excluded {
		if slices.ContainsFunc(x, func(a *agent) bool { return a != nil }) {
			t.Fatal("a conversation record kept for reuse still names an agent")
		}
	}
	if len(e.freeCusts)+len(e.freeConvs) != 0 {
		t.Fatal("after Release the engine keeps records for reuse")
	}
}

// TestReleaseLeavesNothing: Release resets every record it gives back
// (zero but for the arrays of sentAt and excluded, emptied, excluded's
// cleared whole), and keeps no pointer to any: the indexes, the sent log,
// the release queue, the groups' queues and the timers are empty. A
// second Release does nothing.
func TestReleaseLeavesNothing(t *testing.T) {
	pooltest.Drain()
	e := fill(t, 1)
	// Customers held for good, whose conversations the ring leaves behind
	// as later ones open.
	for i := range 20 {
		e.SetProfile(CustomerKey{Channel: "whatsapp", Account: "acct", Customer: fmt.Sprintf("u%d", 2*i)}, Profile{Region: "north"})
	}
	script(t, e, 2, 3000, 3000, false, true)
	script(t, e, 3, 3000, 6000, true, true)
	custs, convs := records(e)
	if len(custs) < 1000 || len(convs) < 1000 {
		t.Fatalf("the filled engine holds %d customers and %d conversations: too few to show anything", len(custs), len(convs))
	}
	withSentAt, withExcluded := 0, 0
	var excluded [][]*agent
	for c := range custs {
		if cap(c.sentAt) > 0 {
			withSentAt++
		}
	}
	for cv := range convs {
		if len(cv.skips()) > 0 {
			withExcluded++
		}
		excluded = append(excluded, excludedArray(cv))
	}
	if withSentAt == 0 || withExcluded == 0 {
		t.Fatalf("%d records with send times, %d with excluded agents: the test shows nothing", withSentAt, withExcluded)
	}
	fp := e.Footprint()
	if fp.Messages == 0 || e.releases.len() == 0 || len(e.deadlines) == 0 {
		t.Fatalf("footprint %+v, %d releases, %d timers: the test shows nothing", fp, e.releases.len(), len(e.deadlines))
	}
	// The tables and arrays Release gives back, to be found cleared.
	custSlots, ring, older, sentSlots := e.customers.slots, e.convs.ring, e.convs.older.slots, e.sent.slots
	fifo, heap := e.releases.fifo[:cap(e.releases.fifo)], e.releases.heap[:cap(e.releases.heap)]
	blocks := slices.Clone(e.sentLog.blocks)
	if e.sentLog.spare != nil {
		blocks = append(blocks, e.sentLog.spare)
	}
	if len(older) == 0 || len(heap) == 0 || len(blocks) < 2 {
		t.Fatalf("%d slots before the conversations' window, a release heap of %d, %d sent blocks: the test shows nothing",
			len(older), len(heap), len(blocks))
	}
	for range 2 {
		e.Release()
		cleared := !slices.ContainsFunc(custSlots, func(s custSlot) bool { return s != custSlot{} }) &&
			!slices.ContainsFunc(ring, func(cv *conv) bool { return cv != nil }) &&
			!slices.ContainsFunc(older, func(s convSlot) bool { return s != convSlot{} }) &&
			!slices.ContainsFunc(sentSlots, func(s sentSlot) bool { return s != sentSlot{} }) &&
			!slices.ContainsFunc(fifo, func(r relEntry) bool { return r != relEntry{} }) &&
			!slices.ContainsFunc(heap, func(r relEntry) bool { return r != relEntry{} }) &&
			!slices.ContainsFunc(blocks, func(b *[sentBlock]sentEntry) bool { return *b != [sentBlock]sentEntry{} })
		if !cleared {
			t.Fatal("a table or array given back is not cleared")
		}
		for c := range custs {
			if want := (customer{sentAt: c.sentAt}); len(c.sentAt) != 0 || !reflect.DeepEqual(*c, want) {
				t.Fatalf("a released customer record is %+v", *c)
			}
		}
		for cv := range convs {
			if want := (conv{excluded: cv.excluded}); len(cv.skips()) != 0 || !reflect.DeepEqual(*cv, want) {
				t.Fatalf("a released conversation record is %+v", *cv)
			}
		}
		for _, x := range excluded {
			if slices.ContainsFunc(x, func(a *agent) bool { return a != nil }) {
				t.Fatal("a released conversation's excluded array still names an agent")
			}
		}
		c2, cv2 := records(e)
		if len(c2)+len(cv2) != 0 || e.customers.slots != nil || e.convs.ring != nil || e.convs.older.slots != nil {
			t.Fatalf("after Release the engine holds %d customers, %d conversations", len(c2), len(cv2))
		}
		if e.sent.slots != nil || e.sentLog.blocks != nil || e.sentLog.spare != nil || e.sentLog.len() != 0 || e.sentLast != 0 {
			t.Fatal("after Release the engine remembers sent messages")
		}
		if e.releases.fifo != nil || e.releases.heap != nil || e.deadlines != nil {
			t.Fatal("after Release the engine has releases or timers pending")
		}
		for _, g := range e.groups {
			if g.waiting != nil || g.live != 0 {
				t.Fatalf("after Release group %s has a queue", g.name)
			}
		}
		if fp := e.Footprint(); fp.Customers != 0 || fp.Conversations != 0 || fp.Open != 0 || fp.Messages != 0 {
			t.Fatalf("after Release the footprint is %+v", fp)
		}
		if _, ok := e.NextDeadline(); ok {
			t.Fatal("after Release a deadline is pending")
		}
	}
	// The agents and the event log still answer; a customer's call fails
	// at once.
	if len(e.Agents(t0)) != 2 || len(e.Events(nil)) != 0 && e.lastSeq == 0 {
		t.Fatal("after Release the agents do not answer")
	}
	if _, err := e.Save(); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Receive after Release did not panic")
			}
		}()
		e.Receive(t0.Add(1000*time.Hour), Inbound{Customer: key("u1"), MessageID: "late", Text: "hi"})
	}()
}

// TestReleaseKeepsWhatWasHandedOut: what an engine handed out before its
// Release (snapshots, events, unread events in its log, its snapshot
// bytes, its agents' figures) stays as it was while another engine takes
// and fills its memory.
func TestReleaseKeepsWhatWasHandedOut(t *testing.T) {
	pooltest.Drain()
	cfg := filler
	cfg.Consumer, cfg.EventLog = true, 64
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	script(t, e, 3, 500, 3000, true, true)
	for i := range 20 { // unread events, which Unread hands out in place
		e.Receive(t0.Add(time.Duration(10000+i)*time.Hour), Inbound{Customer: key(fmt.Sprintf("v%d", i)), MessageID: fmt.Sprint(i), Text: "hi"})
	}
	var convs []Conversation
	e.Conversations(func(c Conversation) { convs = append(convs, c) })
	if len(convs) < 20 {
		t.Fatalf("%d conversations held: the test shows nothing", len(convs))
	}
	ua, ub := e.Unread()
	snap, err := e.Save()
	if err != nil {
		t.Fatal(err)
	}
	handed := func() string {
		return fmt.Sprintf("%+v\n%+v %+v\n%s\n%+v\n%+v", convs, ua, ub, snap, e.Agents(t0), e.Deadlines(1<<20))
	}
	before := handed()
	deadlines := fmt.Sprintf("%+v", e.Deadlines(1<<20))
	e.Release()
	if len(ua)+len(ub) == 0 {
		t.Fatal("no unread events: the test shows nothing")
	}
	other := fill(t, 4)
	other.Release()
	fill(t, 5)
	after := handed()
	// The timers are gone with Release; the rest must not have moved.
	before = strings.Replace(before, deadlines, "[]", 1)
	if after != before {
		t.Errorf("what the engine handed out changed after another took its memory:\nbefore %.2000s\nafter  %.2000s", before, after)
	}
}

// unsafeFirst is the address of s's first element, or nil.
func unsafeFirst[T any](s []T) *T {
	if cap(s) == 0 {
		return nil
	}
	return &s[:1][0]
}

// TestRefill: an empty free list takes the records of a full batch from
// the pool, and gives them back last first; with nothing pooled it takes
// none.
func TestRefill(t *testing.T) {
	var pool batchPool[conv]
	var list []*conv
	if refill(&list, &pool) != 0 || len(list) != 0 {
		t.Fatal("an empty pool filled the list")
	}
	recs := []*conv{{id: 1}, {id: 2}}
	for { // a pool may drop what it is given (under the race detector)
		b := pool.empty.Get()
		b.recs[0], b.recs[1], b.n = recs[0], recs[1], 2
		pool.put(b)
		if n := refill(&list, &pool); n != 0 {
			if n != 2 || list[1] != recs[1] || list[0] != recs[0] {
				t.Fatalf("the list holds %v, want the pooled batch's two records in order", list)
			}
			break
		}
	}
	if refill(&list, &pool) != 0 {
		t.Fatal("the pool gave a second batch it was not given")
	}
}

// excludedArray is the whole array of cv's excluded agents, to its
// capacity; nil when it has none.
func excludedArray(cv *conv) []*agent {
	if cv.excluded == nil {
		return nil
	}
	return (*cv.excluded)[:cap(*cv.excluded)]
}
