package fuzz

// FuzzRouting: structured fuzzing of the routing engine alone, moved here
// from the router package (which cannot import this one) so that every
// gofuzz model of omnisim lives in one package. FuzzWorld, in
// world_test.go, fuzzes whole cases through the World and the wire.
//
// FuzzRouting takes the raw bytes of native Go fuzzing and turns them into a
// tenant configuration and a sequence of operations with
// github.com/google/gofuzz (gogofuzz.NewFromGoFuzz, never the clock-seeded
// gofuzz.New): the custom Funcs below only produce meaningful values, so every
// input is a valid tenant and every operation is something a desk could see.
// The operations are applied to a router.Engine, and after every one of them
// the test checks
//
//   - a model of the routing contract kept from the event log (classification,
//     strategy keys, overflow, draining order, auto-close timers, channel
//     policy), and
//   - the public snapshots (Conversations, Agents, Latest, NextDeadline)
//     against that model.
//
// From outside the router package the test sees only the engine's exported
// API: the checks of its private indexes (heap and fresh positions, waiting
// queues, pending deadlines) that it made in the router package are gone;
// what those indexes decide is still checked through the events and the
// snapshots.
//
// The sender accepts every message, or refuses every n-th with a
// *router.PlatformError; and while a message is on its way it may call the
// engine again (the same send, a customer message, or the agent's close), as
// another goroutine may while Engine.Send runs the sender unlocked.
//
// Every event must carry the next Seq and a time no earlier than the one
// before it; a second reader following the log with EventsSince must see the
// same events as Events. NextDeadline must be exactly the model's next timer.
// Now and then a customer writes with a time before the engine's last
// accepted one (the engine clamps it), and advances deliver platform
// statuses for sent messages (logged against the conversation the message
// was sent in while the engine remembers it).
//
// Finally the same bytes are run again and must give the same event log.
//
// Bugs found so far stay in the checked-in corpus under
// testdata/fuzz/FuzzRouting (refund_after_reset: a refused send gave its
// reply-limit slot back to an allowance reset while it was on its way).

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	gofuzz "github.com/google/gofuzz"

	"github.com/omnisim/omnisim/router"
)

// Sizes and vocabularies of the generated inputs.
const (
	fzMaxOps       = 200
	fzMaxAgents    = 12
	fzMaxCustomers = 16
	fzChannel      = "whatsapp"
	fzAccount      = "acct"
)

var (
	fzEpoch      = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	fzGroupNames = []string{router.DefaultGroup, "sales", "support", "vip", "billing", "night"}
	fzRegions    = []string{"north", "south", "east", "west"}
	fzPages      = []string{"home", "product", "order", "cart"}
	fzKinds      = []string{"image", "audio", "video", "document", "sticker"}
	fzFormats    = []string{"jpeg", "png", "webp", "mp4", "ogg", "pdf", "gif"}
	fzMaxBytes   = []int64{0, 1 << 10, 100 << 10, 5 << 20, 16 << 20}
	fzSizes      = []int64{0, 1, 1 << 10, 100<<10 + 1, 5 << 20, 5<<20 + 1, 16 << 20, 20 << 20}
	// fzRunes mixes one-, two-, three- and four-byte runes, so that byte
	// length and rune count disagree.
	fzRunes = []rune("ab z.é中😀")
)

// fzScenario is one generated input: a tenant and what happens to it.
type fzScenario struct {
	Config router.Config
	// FailEvery makes the sender refuse every FailEvery-th message it is
	// handed with a *PlatformError; 0 accepts everything.
	FailEvery int
	Ops       []fzOp
}

// fzOpKind is what one operation does.
type fzOpKind uint8

// The operations.
const (
	fzMessage  fzOpKind = iota // a customer writes (after an optional profile update)
	fzPresence                 // an agent goes online or offline
	fzSend                     // an agent sends a message to a customer
	fzClose                    // an agent closes a customer's conversation
	fzAdvance                  // the clock moves forward
)

// String names the operation kind.
func (k fzOpKind) String() string {
	switch k {
	case fzMessage:
		return "message"
	case fzPresence:
		return "presence"
	case fzSend:
		return "send"
	case fzClose:
		return "close"
	case fzAdvance:
		return "advance"
	}
	return fmt.Sprintf("op(%d)", uint8(k))
}

// fzConcurrent is what happens while a send is on its way.
type fzConcurrent uint8

// The concurrent calls.
const (
	fzNothing    fzConcurrent = iota
	fzSendAgain               // the same agent sends the same message again
	fzCustomerIn              // the customer writes
	fzAgentClose              // the agent closes the conversation
)

// fzOp is one operation. Which fields matter depends on Kind.
type fzOp struct {
	Kind     fzOpKind
	Customer int // c0..c15
	// PickOpen makes send and close address the Customer-th (modulo) of the
	// customers that have an open conversation, when there are any.
	PickOpen bool
	Agent    int // a0..a11, taken modulo the tenant's agents unless Stray
	// Stray uses Agent as it is, so it may name an agent the tenant does
	// not have. On a message it makes the customer write with a time before
	// the engine's last accepted one.
	Stray bool
	// ToAssigned makes send and close act as the agent the customer's open
	// conversation is assigned to, when there is one, instead of Agent.
	ToAssigned bool
	Profile    *router.Profile // message: set before the message; nil keeps the old one
	Online     bool            // presence
	Message    router.Outbound // send
	// Concurrent makes the sender, while it delivers the message, call the
	// engine again, as another goroutine may while Engine.Send runs the
	// sender unlocked.
	Concurrent fzConcurrent
	Advance    time.Duration
	// CallAdvance makes an advance call Engine.Advance; otherwise only the
	// clock moves and the next call fires the due deadlines.
	CallAdvance bool
}

// String describes the operation as generated, before the runner resolves
// its agent and customer (the failure report's call list has those).
func (op fzOp) String() string {
	switch op.Kind {
	case fzMessage:
		late := ""
		if op.Stray {
			late = " (with an earlier time)"
		}
		if op.Profile != nil {
			return fmt.Sprintf("message from c%d with profile %+v%s", op.Customer, *op.Profile, late)
		}
		return fmt.Sprintf("message from c%d%s", op.Customer, late)
	case fzPresence:
		return fmt.Sprintf("a%d online=%v", op.Agent, op.Online)
	case fzSend:
		return fmt.Sprintf("send to c%d by a%d (toAssigned=%v, concurrent=%d): %s", op.Customer, op.Agent, op.ToAssigned, op.Concurrent, fzOutboundString(op.Message))
	case fzClose:
		return fmt.Sprintf("close c%d by a%d (toAssigned=%v)", op.Customer, op.Agent, op.ToAssigned)
	case fzAdvance:
		return fmt.Sprintf("advance %v (call Advance=%v)", op.Advance, op.CallAdvance)
	}
	return op.Kind.String()
}

// fzOutboundString formats an outbound message for failure reports.
func fzOutboundString(m router.Outbound) string {
	s := fmt.Sprintf("%s %q (%d runes)", m.Kind, m.Text, utf8.RuneCountInString(m.Text))
	if m.Template != nil {
		s += fmt.Sprintf(" template %+v", *m.Template)
	}
	if m.Attachment != nil {
		s += fmt.Sprintf(" attachment %+v", *m.Attachment)
	}
	return s
}

// fzKey is the customer key of customer c<i>.
func fzKey(i int) router.CustomerKey { return fzKeyOf(fmt.Sprintf("c%d", i)) }

// fzKeyOf is the key of the customer with the given id.
func fzKeyOf(id string) router.CustomerKey {
	return router.CustomerKey{Channel: fzChannel, Account: fzAccount, Customer: id}
}

// fzAgentID is the id of agent a<i>.
func fzAgentID(i int) string { return fmt.Sprintf("a%d", i) }

// fzPick returns a random element of xs.
func fzPick[T any](c gofuzz.Continue, xs []T) T { return xs[c.Intn(len(xs))] }

// fzSubset returns the elements of xs each kept with probability 1/den, in
// order.
func fzSubset[T any](c gofuzz.Continue, xs []T, den int) []T {
	var out []T
	for _, x := range xs {
		if c.Intn(den) == 0 {
			out = append(out, x)
		}
	}
	return out
}

// fzFuncs are the gofuzz custom functions that turn random draws into
// meaningful tenants and operations.
func fzFuncs() []any {
	return []any{
		// A scenario: a tenant, a sender mode and 1..200 operations.
		func(s *fzScenario, c gofuzz.Continue) {
			c.Fuzz(&s.Config)
			s.FailEvery = 0
			if c.Intn(4) == 0 {
				s.FailEvery = 1 + c.Intn(4)
			}
			// Most agents start the day by coming online.
			n := 1 + c.Intn(fzMaxOps)
			for i := range s.Config.Agents {
				if len(s.Ops) < n && c.Intn(3) != 0 {
					s.Ops = append(s.Ops, fzOp{Kind: fzPresence, Agent: i, Online: true})
				}
			}
			for len(s.Ops) < n {
				var op fzOp
				c.Fuzz(&op)
				s.Ops = append(s.Ops, op)
			}
		},
		// A tenant: 0..4 groups, 1..12 agents, valid constants, short timers
		// and a whatsapp policy.
		func(cfg *router.Config, c gofuzz.Continue) {
			*cfg = router.Config{
				Split:    fzPick(c, []router.Split{"", router.SplitNone, router.SplitRegion, router.SplitEntryPage}),
				Strategy: fzPick(c, []router.Strategy{"", router.LeastLoaded, router.LongestIdle}),
				Overflow: fzPick(c, []router.Overflow{"", router.OverflowNone, router.OverflowDefault}),
				Seed:     c.RandUint64(),
				Retain:   true,
			}
			perm := c.Perm(len(fzGroupNames))
			for _, i := range perm[:c.Intn(5)] {
				g := router.GroupConfig{
					Name:       fzGroupNames[i],
					Priority:   c.Intn(4),
					Regions:    fzSubset(c, fzRegions, 3),
					EntryPages: fzSubset(c, fzPages, 3),
				}
				// A tenant uses one split method: a group lists the keys of
				// that one only. Both are drawn all the same, so that the
				// inputs in the corpus keep generating what they were found
				// with.
				if cfg.Split != router.SplitRegion {
					g.Regions = nil
				}
				if cfg.Split != router.SplitEntryPage {
					g.EntryPages = nil
				}
				cfg.Groups = append(cfg.Groups, g)
			}
			for i := range 1 + c.Intn(fzMaxAgents) {
				a := router.AgentConfig{ID: fzAgentID(i), Capacity: 1 + c.Intn(4), NoReception: c.Intn(4) == 0}
				for _, j := range c.Perm(len(cfg.Groups)) {
					if c.RandBool() {
						a.Groups = append(a.Groups, cfg.Groups[j].Name)
					}
				}
				cfg.Agents = append(cfg.Agents, a)
			}
			if c.RandBool() {
				cfg.MissedAfter = time.Duration(1+c.Intn(20)) * time.Minute
			}
			if c.RandBool() {
				cfg.IdleAfter = time.Duration(1+c.Intn(30)) * time.Minute
			}
			// Derived from the seed rather than drawn, so that the inputs
			// in the corpus keep generating the scenarios they were found
			// with.
			cfg.CloseMissedAfter = []time.Duration{0, 0, 5 * time.Minute, 20 * time.Minute}[cfg.Seed>>20%4]
			cfg.StatusHorizon = []time.Duration{0, 10 * time.Minute, 30 * time.Minute, 2 * time.Hour}[cfg.Seed>>24%4]
			var p router.Policy
			c.Fuzz(&p)
			cfg.Policies = map[string]router.Policy{fzChannel: p}
		},
		// A channel policy: window 0 or 1..6 hours, reply limit 0..6, text
		// limit 0..20, attachment rules or nil.
		func(p *router.Policy, c gofuzz.Continue) {
			*p = router.Policy{
				WindowAnchor:               fzPick(c, []router.Anchor{"", router.AnchorLastInbound, router.AnchorFirstInbound}),
				ReplyLimit:                 c.Intn(7),
				ReplyLimitReset:            fzPick(c, []router.Reset{"", router.ResetOnInbound, router.ResetOnWindow}),
				TemplatesOutsideWindow:     c.RandBool(),
				NewConversationAfterWindow: c.Intn(3) == 0,
				MaxTextLength:              c.Intn(21),
			}
			if c.Intn(3) != 0 {
				p.Window = time.Duration(60+c.Intn(5*60+1)) * time.Minute
			}
			if c.Intn(3) != 0 {
				p.Attachments = map[string]router.AttachmentRule{}
				for _, k := range fzSubset(c, fzKinds, 2) {
					var r router.AttachmentRule
					c.Fuzz(&r)
					p.Attachments[k] = r
				}
			}
		},
		// An attachment rule: some formats (maybe none: all allowed) and a
		// size limit (maybe 0: unlimited).
		func(r *router.AttachmentRule, c gofuzz.Continue) {
			*r = router.AttachmentRule{Formats: fzSubset(c, fzFormats, 3), MaxBytes: fzPick(c, fzMaxBytes)}
		},
		// A customer profile from the small vocabularies; "" is unknown.
		func(p *router.Profile, c gofuzz.Continue) {
			*p = router.Profile{}
			if c.Intn(5) != 0 {
				p.Region = fzPick(c, fzRegions)
			}
			if c.Intn(5) != 0 {
				p.EntryPage = fzPick(c, fzPages)
			}
		},
		// One operation, by weight: message 34, presence 14, send 28,
		// close 10, advance 14.
		func(op *fzOp, c gofuzz.Continue) {
			*op = fzOp{
				Customer: c.Intn(fzMaxCustomers), PickOpen: c.Intn(3) != 0,
				Agent: c.Intn(fzMaxAgents), Stray: c.Intn(16) == 0, ToAssigned: c.Intn(4) != 0,
			}
			switch n := c.Intn(100); {
			case n < 34:
				op.Kind = fzMessage
				if c.Intn(3) == 0 {
					op.Profile = new(router.Profile)
					c.Fuzz(op.Profile)
				}
			case n < 48:
				op.Kind = fzPresence
				op.Online = c.Intn(3) != 0
			case n < 76:
				op.Kind = fzSend
				c.Fuzz(&op.Message)
				if c.Intn(6) == 0 {
					op.Concurrent = fzConcurrent(1 + c.Intn(3))
				}
			case n < 86:
				op.Kind = fzClose
			default:
				op.Kind = fzAdvance
				// Mostly short steps, so that timers fire now and then
				// rather than after every step.
				switch n := c.Intn(10); {
				case n < 5:
					op.Advance = time.Duration(c.Intn(5*60+1)) * time.Second
				case n < 8:
					op.Advance = time.Duration(c.Intn(31)) * time.Minute
				default:
					op.Advance = time.Duration(c.Intn(90*60+1)) * time.Second
				}
				op.CallAdvance = c.Intn(4) != 0
			}
		},
		// An outbound message: text of 0..30 runes, a template, or an
		// attachment with an optional caption; rarely a malformed one.
		func(m *router.Outbound, c gofuzz.Continue) {
			*m = router.Outbound{}
			switch n := c.Intn(40); {
			case n == 0:
				// Malformed: the engine must answer with an error.
				*m = fzPick(c, []router.Outbound{{Kind: router.KindTemplate}, {Kind: router.KindAttachment, Text: "x"}, {Kind: "sticker"}, {}})
				return
			case n < 20:
				m.Kind = router.KindText
			case n < 28:
				m.Kind = router.KindTemplate
				m.Template = &router.Template{Name: fzPick(c, []string{"hello", "order_update"}), Language: "en"}
			default:
				m.Kind = router.KindAttachment
				m.Attachment = new(router.Attachment)
				c.Fuzz(m.Attachment)
			}
			if m.Kind != router.KindTemplate && (m.Kind == router.KindText || c.RandBool()) {
				rs := make([]rune, c.Intn(31))
				for i := range rs {
					rs[i] = fzPick(c, fzRunes)
				}
				m.Text = string(rs)
			}
		},
		// An attachment of a known or odd kind, format and size.
		func(a *router.Attachment, c gofuzz.Continue) {
			*a = router.Attachment{Kind: fzPick(c, fzKinds), Format: fzPick(c, fzFormats), Name: "f"}
			if c.Intn(6) == 0 {
				a.Format = strings.ToUpper(a.Format)
			}
			if c.Intn(8) == 0 {
				a.Kind = "location"
			}
			if c.RandBool() {
				a.Size = fzPick(c, fzSizes)
			} else {
				a.Size = c.Int63n(25 << 20)
			}
		},
	}
}

// fzGenerate builds the scenario for data.
func fzGenerate(data []byte) *fzScenario {
	var s fzScenario
	gofuzz.NewFromGoFuzz(data).Funcs(fzFuncs()...).Fuzz(&s)
	return &s
}

// fzSender accepts every message and numbers it, or refuses every
// failEvery-th one with a *PlatformError.
type fzSender struct {
	failEvery int
	calls     int
	// hook, when set, runs once at the start of the next Send, as another
	// caller of the engine would while the message is on its way.
	hook func()
}

// Send implements Sender.
func (s *fzSender) Send(_ context.Context, _ router.CustomerKey, _ router.Outbound) (string, error) {
	if h := s.hook; h != nil {
		s.hook = nil
		h()
	}
	s.calls++
	if s.failEvery > 0 && s.calls%s.failEvery == 0 {
		return "", &router.PlatformError{Code: "131047", HTTPStatus: 400, Message: "Re-engagement message"}
	}
	return fmt.Sprintf("m%d", s.calls), nil
}

// FuzzRouting applies generated tenants and operation sequences to an
// Engine and checks the routing contract and the engine's internal
// invariants after every operation, then checks that the same input gives
// the same event log.
func FuzzRouting(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("least-loaded"))
	f.Add([]byte("longest-idle-region-overflow"))
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\x00\x01"))
	f.Add([]byte("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Add([]byte("whatsapp 24h window, templates outside, reply limit"))
	f.Add([]byte("entry_page split: product, order, cart"))
	f.Add([]byte("vip support sales billing night default"))
	f.Add([]byte("missed after 15m, idle after 1h"))
	f.Add([]byte("agents a0..a11 capacity 1..4"))
	f.Add([]byte("overflow=default, NoReception"))
	f.Add([]byte("platform error 131047"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc := fzGenerate(data)
		log1 := fzRun(t, sc, true)
		again := fzGenerate(data)
		if !reflect.DeepEqual(sc, again) {
			t.Fatalf("the same bytes generated two different scenarios")
		}
		log2 := fzRun(t, again, false)
		if i, ok := fzEventsDiffer(log1, log2); ok {
			t.Fatalf("not deterministic: event %d differs between two runs of the same input:\n  %s\n  %s\n%s",
				i, fzEventAt(log1, i), fzEventAt(log2, i), fzDescribe(sc))
		}
	})
}

// fzEventsDiffer reports the first index where two event logs differ.
func fzEventsDiffer(a, b []router.Event) (int, bool) {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i, true
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b)), true
	}
	return 0, false
}

// fzEventAt formats log[i], or says that the log is shorter.
func fzEventAt(log []router.Event, i int) string {
	if i >= len(log) {
		return "(end of log)"
	}
	return fzEventString(log[i])
}

// fzEventString formats an event relative to the fuzz epoch.
func fzEventString(ev router.Event) string {
	return fmt.Sprintf("+%v %s conv=%v cust=%s agent=%q group=%q message=%q detail=%q",
		ev.At.Sub(fzEpoch), ev.Kind, ev.Conversation, ev.Customer.Customer, ev.Agent, ev.Group, ev.Message, ev.Detail)
}

// fzDescribe formats a scenario for failure reports.
func fzDescribe(sc *fzScenario) string {
	var b strings.Builder
	b.WriteString(fzConfigString(sc))
	fmt.Fprintf(&b, "ops (%d):\n", len(sc.Ops))
	for i, op := range sc.Ops {
		fmt.Fprintf(&b, "  %3d %s\n", i, op)
	}
	return b.String()
}

// fzConfigString formats a scenario's tenant and sender mode.
func fzConfigString(sc *fzScenario) string {
	var b strings.Builder
	cfg := sc.Config
	fmt.Fprintf(&b, "config: split=%q strategy=%q overflow=%q missed=%v closeMissed=%v idle=%v statusHorizon=%v seed=%d failEvery=%d\n",
		cfg.Split, cfg.Strategy, cfg.Overflow, cfg.MissedAfter, cfg.CloseMissedAfter, cfg.IdleAfter, cfg.StatusHorizon, cfg.Seed, sc.FailEvery)
	for _, g := range cfg.Groups {
		fmt.Fprintf(&b, "  group %+v\n", g)
	}
	for _, a := range cfg.Agents {
		fmt.Fprintf(&b, "  agent %+v\n", a)
	}
	fmt.Fprintf(&b, "  policy %+v\n", cfg.Policies[fzChannel])
	return b.String()
}

// fzRunner applies one scenario to an engine and, when check is set, checks
// everything after every operation.
type fzRunner struct {
	t      *testing.T
	sc     *fzScenario
	check  bool
	e      *router.Engine
	sender *fzSender
	m      *fzModel
	now    time.Time
	// advanced is the latest time the engine was asked to fire deadlines at:
	// its last accepted time, once called is set.
	advanced time.Time
	called   bool
	log      []router.Event
	// since is the cursor of a second reader of the log (EventsSince).
	since   uint64
	lastSeq uint64 // of the last event seen
	// delivered lists the messages the platform accepted and has not yet
	// reported a status for.
	delivered []fzDelivered
	op        int // index of the operation being applied
	// calls are the engine calls made so far, for failure reports.
	calls []string
	// pre holds the events logged before a send's decision, taken by the
	// sender's hook; hooked says the hook ran.
	pre    []router.Event
	hooked bool
}

// fzDelivered is a message the platform accepted.
type fzDelivered struct {
	customer router.CustomerKey
	id       string
	conv     router.ConversationID // the conversation it was sent in
	at       time.Time
}

// fzRun runs sc and returns the engine's whole event log.
func fzRun(t *testing.T, sc *fzScenario, check bool) []router.Event {
	e, err := router.New(sc.Config)
	if err != nil {
		t.Fatalf("New rejected a generated config: %v\n%s", err, fzDescribe(sc))
	}
	r := &fzRunner{t: t, sc: sc, check: check, e: e, sender: &fzSender{failEvery: sc.FailEvery},
		m: newFzModel(sc.Config), now: fzEpoch, advanced: fzEpoch}
	e.Handle(fzChannel, r.sender)
	if check {
		r.checkAll()
	}
	for i, op := range sc.Ops {
		r.op = i
		r.apply(op)
	}
	return r.log
}

// fail stops the test with the failing operation and the scenario.
func (r *fzRunner) fail(format string, args ...any) {
	r.t.Helper()
	op := "(before the first operation)"
	if r.op < len(r.sc.Ops) {
		op = fmt.Sprintf("op %d: %s", r.op, r.sc.Ops[r.op])
	}
	var b strings.Builder
	b.WriteString(fzConfigString(r.sc))
	b.WriteString("calls:\n")
	for i, c := range r.calls {
		fmt.Fprintf(&b, "  %3d %s\n", i, c)
	}
	r.t.Fatalf("%s at +%v: %s\nevents of this operation:\n%s\n%s", op, r.now.Sub(fzEpoch), fmt.Sprintf(format, args...), r.m.opEvents(), b.String())
}

// record notes an engine call for failure reports.
func (r *fzRunner) record(format string, args ...any) {
	if r.check {
		r.calls = append(r.calls, fmt.Sprintf("+%v ", r.now.Sub(fzEpoch))+fmt.Sprintf(format, args...))
	}
}

// agentFor is the agent an operation acts as: the one assigned to the
// customer's open conversation (ToAssigned), or the op's agent.
func (r *fzRunner) agentFor(op fzOp, key router.CustomerKey) string {
	if op.ToAssigned {
		if c, _, ok := r.e.Latest(key); ok && c.State == router.Assigned {
			return c.Agent
		}
	}
	return r.agentID(op)
}

// agentID is the op's own agent: a0..a11 when Stray, else one of the
// tenant's agents.
func (r *fzRunner) agentID(op fzOp) string {
	if op.Stray {
		return fzAgentID(op.Agent)
	}
	return fzAgentID(op.Agent % len(r.sc.Config.Agents))
}

// customerFor is the customer an operation addresses: with PickOpen one of
// the customers with an open conversation (as the engine reports them).
func (r *fzRunner) customerFor(op fzOp) router.CustomerKey {
	if op.PickOpen {
		var open []router.CustomerKey
		for i := range fzMaxCustomers {
			if c, _, ok := r.e.Latest(fzKey(i)); ok && c.State != router.Closed {
				open = append(open, fzKey(i))
			}
		}
		if len(open) > 0 {
			return open[op.Customer%len(open)]
		}
	}
	return fzKey(op.Customer)
}

// apply applies one operation and checks its outcome.
func (r *fzRunner) apply(op fzOp) {
	e, m := r.e, r.m
	m.beginOp(r.op)
	key := fzKey(op.Customer)
	if op.Kind == fzSend || op.Kind == fzClose {
		key = r.customerFor(op)
	}
	var after func(evs []router.Event)
	var mid func() // runs after the events in r.pre
	r.pre, r.hooked = nil, false
	switch op.Kind {
	case fzMessage:
		if op.Profile != nil {
			r.record("SetProfile(%s, %+v)", key.Customer, *op.Profile)
			e.SetProfile(key, *op.Profile)
			m.customer(key.Customer).profile = *op.Profile
		}
		at := r.now
		if op.Stray && r.called {
			// Before the last accepted time: the engine takes it as that.
			at = r.advanced.Add(-time.Minute)
			r.record("Receive(%s) at +%v", key.Customer, at.Sub(fzEpoch))
		} else {
			r.record("Receive(%s)", key.Customer)
		}
		id, err := e.Receive(at, router.Inbound{Customer: key, MessageID: fmt.Sprintf("w%d", r.op), Text: "hello"})
		if !at.Before(r.advanced) {
			r.advanced = at
		}
		after = func([]router.Event) {
			if err != nil {
				r.fail("Receive: %v", err)
			}
			if c := m.customers[key.Customer]; c == nil || c.open == nil || c.open.id != id {
				r.fail("Receive returned %v, but the customer's open conversation is %v", id, m.openID(key.Customer))
			}
		}
	case fzPresence:
		id := r.agentID(op)
		r.record("SetOnline(%s, %v)", id, op.Online)
		err := e.SetOnline(r.now, id, op.Online)
		r.advanced = r.now
		after = func([]router.Event) {
			if _, known := m.agents[id]; known != (err == nil) {
				r.fail("SetOnline(%s): error %v for a known=%v agent", id, err, known)
			}
		}
	case fzSend:
		agent := r.agentFor(op, key)
		outer := &fzSendCall{agent: agent, customer: key.Customer, m: op.Message}
		var nested *fzSendCall
		var nestedErr error
		m.sends = []*fzSendCall{outer}
		if op.Concurrent != fzNothing {
			r.sender.hook = func() {
				// Everything logged so far came before the send's decision.
				r.pre, r.hooked = e.Events(nil), true
				switch op.Concurrent {
				case fzSendAgain:
					nested = &fzSendCall{agent: agent, customer: key.Customer, m: op.Message}
					r.record("  while it is on its way: Send(%s, %s, the same message)", agent, key.Customer)
					calls := r.sender.calls
					nested.res, nested.err = e.Send(context.Background(), r.now, agent, key, op.Message)
					nested.calls = r.sender.calls - calls
				case fzCustomerIn:
					r.record("  while it is on its way: Receive(%s)", key.Customer)
					_, nestedErr = e.Receive(r.now, router.Inbound{Customer: key, MessageID: fmt.Sprintf("w%d.1", r.op), Text: "still there?"})
				case fzAgentClose:
					m.closing = &fzClosing{agent: agent, customer: key.Customer, at: r.now}
					r.record("  while it is on its way: Close(%s, %s)", agent, key.Customer)
					nestedErr = e.Close(r.now, agent, key)
				}
			}
		}
		calls := r.sender.calls
		r.record("Send(%s, %s, %s)", agent, key.Customer, fzOutboundString(op.Message))
		outer.res, outer.err = e.Send(context.Background(), r.now, agent, key, op.Message)
		r.sender.hook = nil
		outer.calls = r.sender.calls - calls
		r.advanced = r.now
		if nested != nil {
			outer.calls -= nested.calls
			// The nested send logs before the outer one.
			m.sends = []*fzSendCall{nested, outer}
		}
		// The outer send was decided once the hook ran.
		mid = func() { m.decide(outer, r.now) }
		after = func(evs []router.Event) {
			var sent []router.Event
			for _, ev := range evs {
				switch ev.Kind {
				case router.EventSent, router.EventRefused, router.EventFailed:
					sent = append(sent, ev)
				}
			}
			if nested != nil && nested.err == nil && len(sent) > 0 {
				r.checkSend(nested, &sent[0])
				sent = sent[1:]
			} else if nested != nil {
				r.checkSend(nested, nil)
			}
			switch len(sent) {
			case 0:
				r.checkSend(outer, nil)
			case 1:
				if sent[0] != evs[len(evs)-1] {
					r.fail("the send's event is not the last of the operation")
				}
				r.checkSend(outer, &sent[0])
			default:
				r.fail("%d send events for one send", len(sent))
			}
			switch op.Concurrent {
			case fzCustomerIn:
				if r.hooked && nestedErr != nil {
					r.fail("Receive while a message was on its way: %v", nestedErr)
				}
			case fzAgentClose:
				if r.hooked && (nestedErr == nil) != m.closing.done {
					r.fail("Close while a message was on its way: error %v, closed=%v", nestedErr, m.closing.done)
				}
			}
		}
	case fzClose:
		agent := r.agentFor(op, key)
		m.closing = &fzClosing{agent: agent, customer: key.Customer, at: r.now}
		r.record("Close(%s, %s)", agent, key.Customer)
		err := e.Close(r.now, agent, key)
		r.advanced = r.now
		after = func([]router.Event) {
			if err == nil && !m.closing.done {
				r.fail("Close(%s, %s) succeeded without closing anything", agent, key.Customer)
			}
			if err != nil {
				if m.closing.done {
					r.fail("Close(%s, %s) closed the conversation and returned %v", agent, key.Customer, err)
				}
				if c := m.customers[key.Customer]; c != nil && c.open != nil && c.open.state == router.Assigned && c.open.agent == agent {
					r.fail("Close(%s, %s) refused (%v) although %v is assigned to that agent", agent, key.Customer, err, c.open.id)
				}
			}
		}
	case fzAdvance:
		r.now = r.now.Add(op.Advance)
		if op.CallAdvance {
			r.record("Advance()")
			e.Advance(r.now)
			r.advanced = r.now
			// The platform reports on some of the messages it accepted.
			kept := r.delivered[:0]
			for i, d := range r.delivered {
				if (i+op.Customer)%2 != 0 {
					kept = append(kept, d)
					continue
				}
				r.record("Status(%s, %s, delivered)", d.customer.Customer, d.id)
				m.statuses = append(m.statuses, d)
				e.Status(r.now, d.customer, d.id, "delivered", "")
			}
			r.delivered = kept
		}
	}
	if op.Kind != fzAdvance || op.CallAdvance {
		r.called = true
	}
	pre, evs := r.pre, e.Events(nil)
	evs = append(slices.Clip(pre), evs...)
	r.log = append(r.log, evs...)
	for _, ev := range evs {
		if ev.Kind == router.EventSent {
			r.delivered = append(r.delivered, fzDelivered{customer: ev.Customer, id: ev.Message, conv: ev.Conversation, at: ev.At})
		}
	}
	if !r.check {
		m.sends, m.closing, m.statuses = nil, nil, nil
		return
	}
	// The log: Seq counts on by one, and a second reader sees the same.
	for _, ev := range evs {
		if want := r.lastSeq + 1; ev.Seq != want {
			r.fail("event %s has Seq %d, want %d", fzEventString(ev), ev.Seq, want)
		}
		r.lastSeq = ev.Seq
	}
	other, next, lost := e.EventsSince(r.since, nil)
	if lost != 0 || !slices.Equal(other, evs) || len(evs) > 0 && next != evs[len(evs)-1].Seq {
		r.fail("EventsSince(%d): %d events (next %d, lost %d); Events gave %d", r.since, len(other), next, lost, len(evs))
	}
	r.since = next
	for i, ev := range evs {
		if i == len(pre) && r.hooked {
			mid()
		}
		if err := m.apply(ev); err != nil {
			r.fail("event %s: %v", fzEventString(ev), err)
		}
	}
	if r.hooked && len(pre) == len(evs) {
		mid()
	}
	if after != nil {
		after(evs)
	}
	if len(m.statuses) > 0 {
		r.fail("%d statuses reported, none logged", len(m.statuses))
	}
	m.sends, m.closing = nil, nil
	r.checkAll()
}

// checkSend checks a send's result against the event it logged (nil for
// none) and the sender's calls. The policy itself is checked by the model
// on the event.
func (r *fzRunner) checkSend(s *fzSendCall, last *router.Event) {
	res, err, calls := s.res, s.err, s.calls
	_, known := r.m.agents[s.agent]
	wellFormed := fzWellFormed(s.m)
	if err != nil {
		if known && wellFormed {
			r.fail("Send returned an error for a known agent and a well-formed message: %v", err)
		}
		if last != nil || calls != 0 {
			r.fail("Send returned an error (%v) but logged %v and called the sender %d times", err, last, calls)
		}
		return
	}
	if !known || !wellFormed {
		r.fail("Send accepted a call from agent %q (known=%v) with a well-formed=%v message", s.agent, known, wellFormed)
	}
	if last == nil || !s.done {
		r.fail("Send logged no sent/refused/failed event")
	}
	switch last.Kind {
	case router.EventRefused:
		if res.Refusal == "" || string(res.Refusal) != last.Detail || calls != 0 {
			r.fail("refusal %q logged as %q, sender called %d times", res.Refusal, last.Detail, calls)
		}
	case router.EventSent:
		if res.Refusal != "" || res.Err != nil || res.MessageID == "" || res.MessageID != last.Message || calls != 1 {
			r.fail("sent: result %+v, event message %q, sender called %d times", res, last.Message, calls)
		}
	case router.EventFailed:
		var pe *router.PlatformError
		if res.Refusal != "" || !errors.As(res.Err, &pe) || pe.Code != last.Detail || calls != 1 {
			r.fail("failed: result %+v, event detail %q, sender called %d times", res, last.Detail, calls)
		}
	}
	if res.Conversation != last.Conversation {
		r.fail("result conversation %v, event conversation %v", res.Conversation, last.Conversation)
	}
}

// fzWellFormed reports whether the engine should accept m as a message.
func fzWellFormed(m router.Outbound) bool {
	switch m.Kind {
	case router.KindText:
		return true
	case router.KindTemplate:
		return m.Template != nil
	case router.KindAttachment:
		return m.Attachment != nil
	}
	return false
}

// checkAll checks the timers and the public snapshots against the model.
func (r *fzRunner) checkAll() {
	if err := r.m.checkDue(r.advanced); err != nil {
		r.fail("timers: %v", err)
	}
	d, ok := r.e.NextDeadline()
	if ok && !d.After(r.advanced) {
		r.fail("next deadline +%v is not after the last advance +%v", d.Sub(fzEpoch), r.advanced.Sub(fzEpoch))
	}
	if want, wantOK := r.m.nextTimer(); ok != wantOK || !d.Equal(want) {
		r.fail("NextDeadline +%v (ok=%v); the model's next timer is +%v (ok=%v)", d.Sub(fzEpoch), ok, want.Sub(fzEpoch), wantOK)
	}
	if err := r.m.checkSnapshots(r.e, r.now); err != nil {
		r.fail("snapshots: %v", err)
	}
}

// fzModel is the routing contract, kept up to date from the event log.
type fzModel struct {
	cfg      router.Config
	strategy router.Strategy
	overflow router.Overflow
	pol      router.Policy
	// rank orders groups: by priority, then definition order; the implicit
	// default group comes last.
	rank    map[string]int
	members map[string]map[string]bool // group -> agents
	agents  map[string]*fzAgent
	convs   []*fzConv
	// customers by customer id (one channel and account).
	customers map[string]*fzCustomer
	lastAt    time.Time

	sends []*fzSendCall // the sends of the current operation, in the order they log
	// inboundID is the message id of the current operation's Receive.
	inboundID string
	closing   *fzClosing // the close of the current operation
	// statuses are the statuses reported in the current operation, in the
	// order they log.
	statuses []fzDelivered
	events   []router.Event // the current operation's events, for failure reports
}

// fzAgent is the model of one agent.
type fzAgent struct {
	id          string
	capacity    int
	online      bool
	onlineSince time.Time
	onlineTotal time.Duration
	offlineAt   []time.Time // the ends of the spans online that ended, each after onlineFrom's
	onlineFrom  []time.Time // their starts
	active      int
	peak        int
	assignments int
	assigned    bool // ever assigned
	last        time.Time
}

// onlineWithin is how long the agent was online between from and to (at
// most now): a conversation it holds counts as conversation-time only
// then.
func (a *fzAgent) onlineWithin(from, to, now time.Time) time.Duration {
	var d time.Duration
	overlap := func(s, e time.Time) {
		if s.Before(from) {
			s = from
		}
		if e.After(to) {
			e = to
		}
		if e.After(s) {
			d += e.Sub(s)
		}
	}
	for i, s := range a.onlineFrom {
		overlap(s, a.offlineAt[i])
	}
	if a.online {
		overlap(a.onlineSince, now)
	}
	return d
}

// lastString formats the agent's last assignment for failure reports.
func (a *fzAgent) lastString() string {
	if !a.assigned {
		return "never"
	}
	return "+" + a.last.Sub(fzEpoch).String()
}

// eligible reports whether the agent can take a conversation now.
func (a *fzAgent) eligible() bool { return a.online && a.active < a.capacity }

// fzConv is the model of one conversation.
type fzConv struct {
	id           router.ConversationID
	cust         *fzCustomer
	group        string // the group it waits in, or was assigned in
	state        router.State
	queued       bool // it waited in its group's queue
	agent        string
	opened       time.Time
	assigned     time.Time
	closed       time.Time
	reason       router.CloseReason
	inbound      int
	outbound     int
	lastActivity time.Time
	answered     bool // an agent's message to it was accepted
	missed       bool // no agent replied within MissedAfter
	missedAt     time.Time
}

// fzCustomer is the model of one customer.
type fzCustomer struct {
	id          string
	profile     router.Profile
	open        *fzConv
	count       int
	last        *fzConv
	hasInbound  bool
	lastInbound time.Time
	windowStart time.Time
	sent        int // messages counted against the reply limit
	// allowance counts the resets of sent, so that a failed send gives
	// back its slot only to the allowance it took it from.
	allowance int
}

// fzSendCall is one Engine.Send call of the current operation and what it
// returned.
type fzSendCall struct {
	agent, customer string
	m               router.Outbound
	done            bool // its event was seen
	res             router.SendResult
	err             error
	calls           int // the sender's calls it made

	// What the model decided, at the moment the engine decided.
	decided    bool
	conv       *fzConv                // the customer's open conversation then
	broken     map[router.Reason]bool // the rules the message broke then
	windowOpen bool
	reserved   bool // it took a slot of the reply limit
	allowance  int  // of this allowance
}

// fzClosing is the agent close of the current operation.
type fzClosing struct {
	agent, customer string
	at              time.Time
	done            bool
}

// newFzModel builds the model of a tenant straight from the package
// documentation.
func newFzModel(cfg router.Config) *fzModel {
	m := &fzModel{
		cfg: cfg, strategy: cfg.Strategy, overflow: cfg.Overflow, pol: cfg.Policies[fzChannel],
		rank: map[string]int{}, members: map[string]map[string]bool{}, agents: map[string]*fzAgent{},
		customers: map[string]*fzCustomer{}, lastAt: fzEpoch,
	}
	if m.strategy == "" {
		m.strategy = router.LeastLoaded
	}
	if m.overflow == "" {
		m.overflow = router.OverflowNone
	}
	order := make([]int, len(cfg.Groups))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return cfg.Groups[i].Priority - cfg.Groups[j].Priority })
	definedDefault := false
	for r, i := range order {
		m.rank[cfg.Groups[i].Name] = r
		m.members[cfg.Groups[i].Name] = map[string]bool{}
		definedDefault = definedDefault || cfg.Groups[i].Name == router.DefaultGroup
	}
	if !definedDefault {
		m.rank[router.DefaultGroup] = len(order)
		m.members[router.DefaultGroup] = map[string]bool{}
	}
	for _, ac := range cfg.Agents {
		m.agents[ac.ID] = &fzAgent{id: ac.ID, capacity: ac.Capacity}
		for _, g := range ac.Groups {
			m.members[g][ac.ID] = true
		}
		if !definedDefault && !ac.NoReception {
			m.members[router.DefaultGroup][ac.ID] = true
		}
	}
	return m
}

// beginOp starts recording a new operation's events.
func (m *fzModel) beginOp(op int) {
	m.events = m.events[:0]
	m.inboundID = fmt.Sprintf("w%d", op)
}

// opEvents formats the current operation's events.
func (m *fzModel) opEvents() string {
	var b strings.Builder
	for _, ev := range m.events {
		fmt.Fprintf(&b, "  %s\n", fzEventString(ev))
	}
	return b.String()
}

// customer returns the model of a customer, creating it.
func (m *fzModel) customer(id string) *fzCustomer {
	c, ok := m.customers[id]
	if !ok {
		c = &fzCustomer{id: id}
		m.customers[id] = c
	}
	return c
}

// openID is the customer's open conversation id, or 0.
func (m *fzModel) openID(customer string) router.ConversationID {
	if c := m.customers[customer]; c != nil && c.open != nil {
		return c.open.id
	}
	return 0
}

// classify is the group a new conversation of c belongs to: the first group
// by priority, then definition order, that lists the customer's region or
// entry page (by the split), else the default group.
func (m *fzModel) classify(c *fzCustomer) string {
	best := ""
	for _, g := range m.cfg.Groups {
		var keys []string
		var k string
		switch m.cfg.Split {
		case router.SplitRegion:
			keys, k = g.Regions, c.profile.Region
		case router.SplitEntryPage:
			keys, k = g.EntryPages, c.profile.EntryPage
		default:
			continue
		}
		if slices.Contains(keys, k) && (best == "" || m.rank[g.Name] < m.rank[best]) {
			best = g.Name
		}
	}
	if best == "" {
		return router.DefaultGroup
	}
	return best
}

// windowEnd is when the customer's reply window closes.
func (m *fzModel) windowEnd(c *fzCustomer) time.Time {
	if m.pol.WindowAnchor == router.AnchorFirstInbound {
		return c.windowStart.Add(m.pol.Window)
	}
	return c.lastInbound.Add(m.pol.Window)
}

// windowOpen reports whether the customer's reply window is open at t.
func (m *fzModel) windowOpen(c *fzCustomer, t time.Time) bool {
	return m.pol.Window == 0 || c != nil && c.hasInbound && t.Before(m.windowEnd(c))
}

// groupEligible reports whether some member of g can take a conversation.
func (m *fzModel) groupEligible(g string) (string, bool) {
	for id := range m.members[g] {
		if m.agents[id].eligible() {
			return id, true
		}
	}
	return "", false
}

// anyoneFor is an agent that could take a conversation waiting in g: one of
// g's, or with overflow one of the default group's.
func (m *fzModel) anyoneFor(g string) (string, bool) {
	if id, ok := m.groupEligible(g); ok {
		return id, true
	}
	if m.overflow == router.OverflowDefault && g != router.DefaultGroup {
		return m.groupEligible(router.DefaultGroup)
	}
	return "", false
}

// serves reports whether agent a may take a conversation waiting in g.
func (m *fzModel) serves(a, g string) bool {
	return m.members[g][a] || m.overflow == router.OverflowDefault && m.members[router.DefaultGroup][a]
}

// before reports whether the strategy orders agent a strictly before b.
// Under longest-idle two never-assigned agents are unordered (random).
func (m *fzModel) before(a, b *fzAgent) bool {
	if m.strategy == router.LongestIdle {
		switch {
		case !a.assigned && !b.assigned:
			return false
		case !a.assigned || !b.assigned:
			return !a.assigned
		}
	} else {
		if x, y := a.active*b.capacity, b.active*a.capacity; x != y {
			return x < y
		}
		if a.active != b.active {
			return a.active < b.active
		}
		if a.assigned != b.assigned {
			return !a.assigned
		}
	}
	if !a.last.Equal(b.last) {
		return a.last.Before(b.last)
	}
	return a.id < b.id
}

// apply checks one event against the contract and updates the model.
func (m *fzModel) apply(ev router.Event) error {
	m.events = append(m.events, ev)
	if ev.At.Before(m.lastAt) {
		return fmt.Errorf("time goes backwards: last event at +%v", m.lastAt.Sub(fzEpoch))
	}
	m.lastAt = ev.At
	if ev.Conversation != 0 && ev.Kind != router.EventOpened && int(ev.Conversation) > len(m.convs) {
		return fmt.Errorf("unknown conversation")
	}
	var cv *fzConv
	if ev.Conversation > 0 && int(ev.Conversation) <= len(m.convs) {
		cv = m.convs[ev.Conversation-1]
		if ev.Customer.Customer != cv.cust.id {
			return fmt.Errorf("conversation of %s logged for %s", cv.cust.id, ev.Customer.Customer)
		}
	}
	switch ev.Kind {
	case router.EventOpened:
		if int(ev.Conversation) != len(m.convs)+1 {
			return fmt.Errorf("conversation ids must count from 1; want %d", len(m.convs)+1)
		}
		c := m.customer(ev.Customer.Customer)
		if c.open != nil {
			return fmt.Errorf("customer already has open conversation %v", c.open.id)
		}
		if want := m.classify(c); ev.Group != want {
			return fmt.Errorf("classified to %q; profile %+v under split %q belongs to %q", ev.Group, c.profile, m.cfg.Split, want)
		}
		cv = &fzConv{id: ev.Conversation, cust: c, group: ev.Group, state: router.Waiting, opened: ev.At, lastActivity: ev.At}
		m.convs = append(m.convs, cv)
		c.open, c.last = cv, cv
		c.count++
	case router.EventQueued:
		if cv == nil || cv.state != router.Waiting || cv.queued || ev.Group != cv.group {
			return fmt.Errorf("queued a conversation that is not a new one of that group")
		}
		if id, ok := m.anyoneFor(cv.group); ok {
			return fmt.Errorf("queued in %q although %s is eligible for it", cv.group, id)
		}
		cv.queued = true
	case router.EventAssigned:
		if cv == nil || cv.state != router.Waiting {
			return fmt.Errorf("assigned a conversation that is not waiting")
		}
		a := m.agents[ev.Agent]
		switch {
		case a == nil:
			return fmt.Errorf("assigned to an unknown agent")
		case !a.eligible():
			return fmt.Errorf("assigned to %s, who is not eligible (online=%v active=%d/%d)", a.id, a.online, a.active, a.capacity)
		case !m.members[ev.Group][a.id]:
			return fmt.Errorf("assigned to %s in %q, which the agent is not a member of", a.id, ev.Group)
		}
		if ev.Group != cv.group {
			if m.overflow != router.OverflowDefault || ev.Group != router.DefaultGroup {
				return fmt.Errorf("assigned in %q but the conversation is of %q (overflow %q)", ev.Group, cv.group, m.overflow)
			}
			if id, ok := m.groupEligible(cv.group); ok {
				return fmt.Errorf("overflowed to the default group although %s of %q is eligible", id, cv.group)
			}
		}
		// The strategy: nobody eligible in the group comes before a.
		for id := range m.members[ev.Group] {
			if b := m.agents[id]; b.eligible() && m.before(b, a) {
				return fmt.Errorf("%s strategy: picked %s (active %d/%d, last assigned %s) over %s (active %d/%d, last assigned %s)",
					m.strategy, a.id, a.active, a.capacity, a.lastString(), b.id, b.active, b.capacity, b.lastString())
			}
		}
		// Draining order: nothing the agent could take should be waiting
		// ahead of this conversation (groups by priority, oldest first),
		// and a new conversation cannot go ahead of a waiting one at all.
		for _, x := range m.convs {
			if x == cv || x.state != router.Waiting || !x.queued || !m.serves(a.id, x.group) {
				continue
			}
			if !cv.queued || m.rank[x.group] < m.rank[cv.group] || x.group == cv.group && x.id < cv.id {
				return fmt.Errorf("%s took %v (group %q, queued=%v) while %v waited ahead in %q", a.id, cv.id, cv.group, cv.queued, x.id, x.group)
			}
		}
		cv.state, cv.agent, cv.group, cv.assigned = router.Assigned, a.id, ev.Group, ev.At
		a.active++
		a.peak = max(a.peak, a.active)
		a.assignments++
		a.assigned, a.last = true, ev.At
	case router.EventInbound:
		if cv == nil || cv.cust.open != cv {
			return fmt.Errorf("inbound to a conversation that is not the customer's open one")
		}
		if ev.Agent != cv.agent || ev.Group != cv.group {
			return fmt.Errorf("inbound logged with agent %q group %q; conversation has %q %q", ev.Agent, ev.Group, cv.agent, cv.group)
		}
		c := cv.cust
		if !c.hasInbound || m.pol.Window > 0 && !ev.At.Before(m.windowEnd(c)) {
			c.windowStart = ev.At
			if m.pol.ReplyLimitReset == router.ResetOnWindow {
				c.sent = 0
				c.allowance++
			}
		}
		c.hasInbound, c.lastInbound = true, ev.At
		if m.pol.ReplyLimitReset != router.ResetOnWindow {
			c.sent = 0
			c.allowance++
		}
		if want := m.inboundID; ev.Message != want && ev.Message != want+".1" {
			return fmt.Errorf("inbound logged with message id %q, want %q", ev.Message, want)
		}
		cv.inbound++
		cv.lastActivity = ev.At
	case router.EventClosed:
		if cv == nil || cv.state == router.Closed || cv.cust.open != cv {
			return fmt.Errorf("closed a conversation that is not open")
		}
		switch router.CloseReason(ev.Detail) {
		case router.ClosedByAgent:
			cl := m.closing
			if cl == nil || cl.done || cl.customer != cv.cust.id || cv.state != router.Assigned || cv.agent != cl.agent || !ev.At.Equal(cl.at) {
				return fmt.Errorf("closed by an agent without a matching Close call")
			}
			cl.done = true
		case router.ClosedMissed:
			if m.cfg.MissedAfter == 0 || cv.answered || !cv.missed || !cv.missedAt.Add(m.cfg.CloseMissedAfter).Equal(ev.At) {
				return fmt.Errorf("missed close: MissedAfter %v, CloseMissedAfter %v, opened +%v, answered=%v, missed=%v at +%v",
					m.cfg.MissedAfter, m.cfg.CloseMissedAfter, cv.opened.Sub(fzEpoch), cv.answered, cv.missed, cv.missedAt.Sub(fzEpoch))
			}
		case router.ClosedIdle:
			if m.cfg.IdleAfter == 0 || !cv.lastActivity.Add(m.cfg.IdleAfter).Equal(ev.At) {
				return fmt.Errorf("idle close: IdleAfter %v, last activity +%v", m.cfg.IdleAfter, cv.lastActivity.Sub(fzEpoch))
			}
		case router.ClosedWindow:
			if m.pol.Window == 0 || !m.pol.NewConversationAfterWindow || !m.windowEnd(cv.cust).Equal(ev.At) {
				return fmt.Errorf("window close: policy %+v, window end +%v", m.pol, m.windowEnd(cv.cust).Sub(fzEpoch))
			}
		default:
			return fmt.Errorf("unknown close reason")
		}
		if ev.Agent != cv.agent || ev.Group != cv.group {
			return fmt.Errorf("close logged with agent %q group %q; conversation has %q %q", ev.Agent, ev.Group, cv.agent, cv.group)
		}
		if cv.state == router.Assigned {
			m.agents[cv.agent].active--
		}
		cv.state, cv.closed, cv.reason = router.Closed, ev.At, router.CloseReason(ev.Detail)
		cv.cust.open = nil
	case router.EventMissed:
		if cv == nil || cv.state == router.Closed || cv.missed || cv.answered || m.cfg.MissedAfter == 0 || !cv.opened.Add(m.cfg.MissedAfter).Equal(ev.At) {
			return fmt.Errorf("missed: MissedAfter %v; conversation opened +%v, answered=%v, already missed=%v",
				m.cfg.MissedAfter, cv.opened.Sub(fzEpoch), cv.answered, cv.missed)
		}
		if ev.Agent != cv.agent || ev.Group != cv.group {
			return fmt.Errorf("missed logged with agent %q group %q; conversation has %q %q", ev.Agent, ev.Group, cv.agent, cv.group)
		}
		cv.missed, cv.missedAt = true, ev.At
	case router.EventStatus:
		if len(m.statuses) == 0 || ev.Message != m.statuses[0].id || ev.Customer != m.statuses[0].customer || ev.Detail != "delivered" {
			return fmt.Errorf("status without a matching Status call")
		}
		d := m.statuses[0]
		m.statuses = m.statuses[1:]
		horizon := m.cfg.StatusHorizon
		if horizon == 0 {
			horizon = router.DefaultStatusHorizon
		}
		want := d.conv
		if ev.At.Sub(d.at) > horizon {
			// Forgotten: the customer's latest conversation.
			want = 0
			if c := m.customers[d.customer.Customer]; c != nil && c.last != nil {
				want = c.last.id
			}
		}
		if ev.Conversation != want {
			return fmt.Errorf("status for %s (sent +%v in %v, horizon %v) logged for %v, want %v",
				d.id, d.at.Sub(fzEpoch), d.conv, horizon, ev.Conversation, want)
		}
	case router.EventOnline, router.EventOffline:
		a := m.agents[ev.Agent]
		if a == nil || a.online == (ev.Kind == router.EventOnline) || ev.Conversation != 0 {
			return fmt.Errorf("presence event that changes nothing")
		}
		a.online = ev.Kind == router.EventOnline
		if a.online {
			a.onlineSince = ev.At
		} else {
			a.onlineTotal += ev.At.Sub(a.onlineSince)
			a.onlineFrom, a.offlineAt = append(a.onlineFrom, a.onlineSince), append(a.offlineAt, ev.At)
		}
	case router.EventSent, router.EventRefused, router.EventFailed:
		return m.applySend(ev)
	default:
		return fmt.Errorf("unexpected event kind")
	}
	return nil
}

// decide evaluates a send against the channel policy at the moment the
// engine decides it, and takes its reply-limit slot when it is allowed.
func (m *fzModel) decide(s *fzSendCall, at time.Time) {
	s.decided = true
	c := m.customers[s.customer]
	if c != nil {
		s.conv = c.open
	}
	open := s.conv
	s.windowOpen = m.windowOpen(c, at)
	s.broken = map[router.Reason]bool{
		router.ReasonNoConversation: open == nil && s.m.Kind != router.KindTemplate,
		router.ReasonNotAssigned:    open != nil && (open.state != router.Assigned || open.agent != s.agent),
		router.ReasonTextTooLong:    s.m.Kind == router.KindText && m.pol.MaxTextLength > 0 && utf8.RuneCountInString(s.m.Text) > m.pol.MaxTextLength,
		router.ReasonWindowClosed:   !s.windowOpen && !(s.m.Kind == router.KindTemplate && m.pol.TemplatesOutsideWindow),
		router.ReasonReplyLimit:     s.windowOpen && m.pol.ReplyLimit > 0 && c != nil && c.sent >= m.pol.ReplyLimit,
	}
	if s.m.Kind == router.KindAttachment && m.pol.Attachments != nil {
		rule, ok := m.pol.Attachments[s.m.Attachment.Kind]
		s.broken[router.ReasonAttachmentType] = !ok || len(rule.Formats) > 0 && !slices.Contains(rule.Formats, strings.ToLower(s.m.Attachment.Format))
		s.broken[router.ReasonAttachmentSize] = ok && rule.MaxBytes > 0 && s.m.Attachment.Size > rule.MaxBytes
	}
	for _, broken := range s.broken {
		if broken {
			return
		}
	}
	// Only messages inside the window count: templates outside it do not.
	if s.windowOpen {
		c = m.customer(s.customer)
		c.sent++
		s.reserved, s.allowance = true, c.allowance
	}
}

// applySend checks a send's outcome against the channel policy: a refusal
// must have its reason, and a message that went to the sender must break no
// rule. A message the platform refused gives its reply-limit slot back.
func (m *fzModel) applySend(ev router.Event) error {
	if len(m.sends) == 0 || ev.Agent != m.sends[0].agent || ev.Customer.Customer != m.sends[0].customer {
		return fmt.Errorf("send event without a matching Send call")
	}
	s := m.sends[0]
	m.sends = m.sends[1:]
	s.done = true
	if !s.decided {
		m.decide(s, ev.At)
	}
	var want router.ConversationID
	if s.conv != nil {
		want = s.conv.id
	}
	if ev.Conversation != want {
		return fmt.Errorf("send logged for %v; the customer's open conversation was %v", ev.Conversation, want)
	}
	c := m.customers[s.customer]
	if ev.Kind == router.EventRefused {
		if !s.broken[router.Reason(ev.Detail)] {
			return fmt.Errorf("refused with %q, but the message does not break that rule (window open=%v, sent %d of %d, policy %+v)",
				ev.Detail, s.windowOpen, m.sentOf(c), m.pol.ReplyLimit, m.pol)
		}
		return nil
	}
	for _, r := range []router.Reason{router.ReasonNoConversation, router.ReasonNotAssigned, router.ReasonTextTooLong, router.ReasonAttachmentType, router.ReasonAttachmentSize, router.ReasonWindowClosed, router.ReasonReplyLimit} {
		if s.broken[r] {
			return fmt.Errorf("the message went to the sender although it breaks %q (window open=%v, sent %d of %d, policy %+v)",
				r, s.windowOpen, m.sentOf(c), m.pol.ReplyLimit, m.pol)
		}
	}
	if ev.Kind == router.EventFailed {
		if s.reserved && c.allowance == s.allowance {
			c.sent--
		}
		return nil
	}
	if cv := s.conv; cv != nil && cv.state != router.Closed {
		cv.outbound++
		cv.lastActivity = ev.At
		cv.answered = true
	}
	return nil
}

// sentOf is the customer's reply count, for messages.
func (m *fzModel) sentOf(c *fzCustomer) int {
	if c == nil {
		return 0
	}
	return c.sent
}

// checkDue checks that no open conversation is past one of its auto-close
// limits once the engine has been advanced to t.
func (m *fzModel) checkDue(t time.Time) error {
	for _, cv := range m.convs {
		if cv.state == router.Closed {
			continue
		}
		if d := m.cfg.MissedAfter; d > 0 && !cv.answered && !cv.missed && !cv.opened.Add(d).After(t) {
			return fmt.Errorf("%v is not missed, unanswered %v after it opened (MissedAfter %v)", cv.id, t.Sub(cv.opened), d)
		}
		if d := m.cfg.CloseMissedAfter; cv.missed && !cv.answered && !cv.missedAt.Add(d).After(t) {
			return fmt.Errorf("%v is still %s, missed since +%v (CloseMissedAfter %v)", cv.id, cv.state, cv.missedAt.Sub(fzEpoch), d)
		}
		if d := m.cfg.IdleAfter; d > 0 && !cv.lastActivity.Add(d).After(t) {
			return fmt.Errorf("%v is still %s after %v without a message (IdleAfter %v)", cv.id, cv.state, t.Sub(cv.lastActivity), d)
		}
		if m.pol.Window > 0 && m.pol.NewConversationAfterWindow && !m.windowEnd(cv.cust).After(t) {
			return fmt.Errorf("%v is still %s after its window closed at +%v", cv.id, cv.state, m.windowEnd(cv.cust).Sub(fzEpoch))
		}
	}
	// No conversation waits while someone could take it.
	for _, cv := range m.convs {
		if cv.state == router.Waiting {
			if !cv.queued {
				return fmt.Errorf("%v opened but was neither queued nor assigned", cv.id)
			}
			if id, ok := m.anyoneFor(cv.group); ok {
				return fmt.Errorf("%v waits in %q although %s is eligible for it", cv.id, cv.group, id)
			}
		}
	}
	return nil
}

// nextTimer is the earliest time one of the open conversations' timers
// fires: it becomes missed or closes as missed, idle, or at its window's end.
func (m *fzModel) nextTimer() (time.Time, bool) {
	var next time.Time
	found := false
	consider := func(t time.Time) {
		if !found || t.Before(next) {
			next, found = t, true
		}
	}
	for _, cv := range m.convs {
		if cv.state == router.Closed {
			continue
		}
		if m.cfg.MissedAfter > 0 && !cv.answered {
			if cv.missed {
				consider(cv.missedAt.Add(m.cfg.CloseMissedAfter))
			} else {
				consider(cv.opened.Add(m.cfg.MissedAfter))
			}
		}
		if m.cfg.IdleAfter > 0 {
			consider(cv.lastActivity.Add(m.cfg.IdleAfter))
		}
		if m.pol.Window > 0 && m.pol.NewConversationAfterWindow {
			consider(m.windowEnd(cv.cust))
		}
	}
	return next, found
}

// checkSnapshots compares the engine's public snapshots with the model.
func (m *fzModel) checkSnapshots(e *router.Engine, now time.Time) error {
	var convs []router.Conversation
	e.Conversations(func(c router.Conversation) { convs = append(convs, c) })
	if len(convs) != len(m.convs) {
		return fmt.Errorf("%d conversations, model has %d", len(convs), len(m.convs))
	}
	open := map[router.CustomerKey]int{}
	for i, c := range convs {
		w := m.convs[i]
		want := router.Conversation{
			ID: w.id, Customer: fzKeyOf(w.cust.id), Group: w.group, State: w.state, Agent: w.agent,
			OpenedAt: w.opened, AssignedAt: w.assigned, ClosedAt: w.closed, CloseReason: w.reason,
			Inbound: w.inbound, Outbound: w.outbound, Missed: w.missed, MissedAt: w.missedAt,
		}
		if c.Missed != want.Missed || !c.MissedAt.Equal(want.MissedAt) {
			return fmt.Errorf("conversation %v: missed=%v at +%v, model missed=%v at +%v", c.ID, c.Missed, c.MissedAt.Sub(fzEpoch), want.Missed, want.MissedAt.Sub(fzEpoch))
		}
		if c.ID != want.ID || c.Customer != want.Customer || c.Group != want.Group || c.State != want.State ||
			c.Agent != want.Agent || !c.OpenedAt.Equal(want.OpenedAt) || !c.AssignedAt.Equal(want.AssignedAt) ||
			!c.ClosedAt.Equal(want.ClosedAt) || c.CloseReason != want.CloseReason || c.Inbound != want.Inbound || c.Outbound != want.Outbound {
			return fmt.Errorf("conversation %+v, model %+v", c, want)
		}
		switch c.State {
		case router.Waiting:
			if c.Agent != "" || !c.AssignedAt.IsZero() {
				return fmt.Errorf("waiting conversation %v has agent %q", c.ID, c.Agent)
			}
		case router.Assigned:
			if c.Agent == "" || c.AssignedAt.Before(c.OpenedAt) {
				return fmt.Errorf("assigned conversation %v: agent %q assigned +%v", c.ID, c.Agent, c.AssignedAt.Sub(fzEpoch))
			}
		case router.Closed:
			if c.CloseReason == "" || c.ClosedAt.Before(c.OpenedAt) || !c.AssignedAt.IsZero() && c.ClosedAt.Before(c.AssignedAt) {
				return fmt.Errorf("closed conversation %+v", c)
			}
		}
		if c.State != router.Closed {
			open[c.Customer]++
			if open[c.Customer] > 1 {
				return fmt.Errorf("customer %s has %d open conversations", c.Customer.Customer, open[c.Customer])
			}
		}
	}
	for id, c := range m.customers {
		got, count, ok := e.Latest(fzKeyOf(id))
		if c.last == nil {
			if ok {
				return fmt.Errorf("Latest(%s) = %v, model has none", id, got.ID)
			}
			continue
		}
		if !ok || got.ID != c.last.id || count != c.count {
			return fmt.Errorf("Latest(%s) = %v (count %d), model %v (count %d)", id, got.ID, count, c.last.id, c.count)
		}
	}
	stats := e.Agents(now)
	if len(stats) != len(m.agents) {
		return fmt.Errorf("%d agents, model has %d", len(stats), len(m.agents))
	}
	busy := map[string]time.Duration{}
	for _, cv := range m.convs {
		if cv.agent != "" {
			end := now
			if cv.state == router.Closed {
				end = cv.closed
			}
			busy[cv.agent] += m.agents[cv.agent].onlineWithin(cv.assigned, end, now)
		}
	}
	for _, s := range stats {
		a := m.agents[s.ID]
		if a == nil {
			return fmt.Errorf("unknown agent %q in Agents", s.ID)
		}
		online := a.onlineTotal
		if a.online {
			online += now.Sub(a.onlineSince)
		}
		var last time.Time
		if a.assigned {
			last = a.last
		}
		if s.Active < 0 || s.Active > s.Capacity || s.PeakActive < s.Active {
			return fmt.Errorf("agent %s: active %d, capacity %d, peak %d", s.ID, s.Active, s.Capacity, s.PeakActive)
		}
		if s.Capacity != a.capacity || s.Online != a.online || s.Active != a.active || s.Assignments != a.assignments ||
			s.PeakActive != a.peak || !s.LastAssigned.Equal(last) || s.OnlineTime != online || s.BusyTime != busy[s.ID] {
			return fmt.Errorf("agent stats %+v; model: online=%v active=%d assignments=%d peak=%d last=%s online time %v busy time %v",
				s, a.online, a.active, a.assignments, a.peak, a.lastString(), online, busy[s.ID])
		}
	}
	return nil
}
