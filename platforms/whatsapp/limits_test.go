package whatsapp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	fakewa "github.com/omnisim/omnisim/fakes/whatsapp"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

func TestLimitsSettings(t *testing.T) {
	two, zero, one := 2, 0, 1
	rate := 0.75
	after := scenario.Duration(time.Minute)
	off := scenario.Duration(0)
	s := Settings{
		Template:            []TemplateSetting{{Name: "order_update", Languages: []string{"en_US"}, Params: &two}, {Name: "any"}},
		Throughput:          &one,
		PairInterval:        &off,
		PairBurst:           &two,
		NotOnWhatsApp:       []string{"+16505559876"},
		UndeliverableErrors: "sync",
		ReadRate:            &rate,
		ReadAfter:           &after,
		ReactionOpensWindow: true,
		Profile:             &ProfileSetting{About: "a", Vertical: "Beauty, Spa and Salon", Websites: []string{"https://a.com"}},
	}
	if ps := validate(&s); len(ps) != 0 {
		t.Fatalf("valid settings: %+v", ps)
	}
	want := fakewa.Limits{
		Templates:           []fakewa.TemplateSpec{{Name: "order_update", Languages: []string{"en_US"}, Params: 2}, {Name: "any", Params: -1}},
		Throughput:          1,
		PairInterval:        -1, // "0s" disables
		PairBurst:           2,
		NotOnWhatsApp:       []string{"+16505559876"},
		UndeliverableSync:   true,
		ReadProbability:     0.75,
		ReadAfter:           time.Minute,
		ReactionOpensWindow: true,
		Profile:             fakewa.BusinessProfile{About: "a", Vertical: "BEAUTY", Websites: []string{"https://a.com"}},
	}
	if got := s.limits(); !reflect.DeepEqual(got, want) {
		t.Fatalf("limits\n got %+v\nwant %+v", got, want)
	}
	if got := (&Settings{}).limits(); !reflect.DeepEqual(got, fakewa.Limits{}) {
		t.Fatalf("defaults %+v", got)
	}

	neg := -2
	bad := []struct {
		s   Settings
		key string
	}{
		{Settings{Template: []TemplateSetting{{}}}, "template[0].name"},
		{Settings{Template: []TemplateSetting{{Name: "a", Params: &neg}}}, "template[0].params"},
		{Settings{Template: []TemplateSetting{{Name: "a", Languages: []string{""}}}}, "template[0].languages[0]"},
		{Settings{Throughput: &zero}, "throughput"},
		{Settings{Throughput: &neg}, "throughput"},
		{Settings{PairBurst: &zero}, "pair_burst"},
		{Settings{NotOnWhatsApp: []string{"16505559876"}}, "not_on_whatsapp[0]"},
		{Settings{UndeliverableErrors: "later"}, "undeliverable_errors"},
		{Settings{ReadRate: &[]float64{1.5}[0]}, "read_rate"},
		{Settings{ReadAfter: &[]scenario.Duration{-1}[0]}, "read_after"},
		{Settings{Profile: &ProfileSetting{Vertical: "Cars"}}, "profile"},
		{Settings{Profile: &ProfileSetting{Websites: []string{"https://a", "https://b", "https://c"}}}, "profile"},
	}
	for _, tc := range bad {
		if ps := validate(&tc.s); len(ps) != 1 || ps[0].Key != tc.key {
			t.Errorf("%+v: problems %+v, want one at %s", tc.s, ps, tc.key)
		}
	}
}

// recorder is a router.Receiver that keeps what it gets.
type recorder struct{ in []router.Inbound }

func (r *recorder) Receive(_ time.Time, in router.Inbound) (router.ConversationID, error) {
	r.in = append(r.in, in)
	return 1, nil
}
func (r *recorder) Status(time.Time, router.CustomerKey, string, string, string) {}

// TestEvents plays each customer event through the fake, the signed
// webhook and the router's adapter, in memory.
func TestEvents(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	env, rec := memoryEnv(t, func() time.Time { return now })
	ch := &scenario.Channel{Settings: &Settings{Template: []TemplateSetting{{Name: "t", Params: &[]int{1}[0]}}}}
	bi, err := Platform.Open(ctx, env, ch)
	if err != nil {
		t.Fatal(err)
	}
	b := bi.(*binding)
	const cust = "16505551234"
	if _, err := b.Inbound(ctx, cust, "Lee", sim.Message{Event: EventReaction}); err == nil {
		t.Fatal("a reaction with nothing delivered")
	}
	if _, err := b.Inbound(ctx, cust, "Lee", sim.Message{Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	out, err := b.Sender().Send(ctx, router.CustomerKey{Customer: cust}, router.Outbound{Kind: router.KindText, Text: "Size?"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []sim.Message{
		{Event: EventReply, Text: "M"},
		{Event: EventButton, EventKey: "Confirm"},
		{Event: EventButtonReply, EventKey: "Yes"},
		{Event: EventListReply, EventKey: "Billing"},
		{Event: EventReaction},
		{Event: EventReaction, EventKey: "❤️"},
	} {
		if in, err := b.Inbound(ctx, cust, "Lee", m); err != nil || in.Status != 200 {
			t.Fatalf("%+v: %+v %v", m, in, err)
		}
	}
	if _, err := b.Inbound(ctx, cust, "Lee", sim.Message{Event: "wave"}); err == nil {
		t.Fatal("unknown event accepted")
	}
	got := rec.in[1:]
	want := []router.Inbound{
		{Text: "M", ReplyTo: out},
		{Text: "Confirm", Payload: "Confirm", ReplyTo: out},
		{Text: "Yes", Payload: "Yes", ReplyTo: out},
		{Text: "Billing", Payload: "Billing", ReplyTo: out},
		{ReplyTo: out, Reaction: "👍"},
		{ReplyTo: out, Reaction: "❤️"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d inbound", len(got))
	}
	for i := range want {
		g := got[i]
		if !g.Sent.Equal(now) {
			t.Errorf("%d: sent at %v, want the platform's timestamp %v", i, g.Sent, now)
		}
		g.Customer, g.MessageID, g.Name, g.Sent = router.CustomerKey{}, "", "", time.Time{}
		if !reflect.DeepEqual(g, want[i]) {
			t.Errorf("%d: got %+v, want %+v", i, g, want[i])
		}
	}

	// Judge sends the template's parameters: the registry's count decides.
	if v := b.Judge(cust, router.Outbound{Kind: router.KindTemplate, Template: &router.Template{Name: "t", Params: []string{"a"}}}); v != nil {
		t.Fatalf("verdict %+v", v)
	}
	if v := b.Judge(cust, router.Outbound{Kind: router.KindTemplate, Template: &router.Template{Name: "t"}}); v == nil || v.Code != "132000" {
		t.Fatalf("verdict %+v", v)
	}
	if b.Modelled("132000", nil) || b.Modelled("130429", nil) || b.Modelled("131056", nil) || b.Modelled("131026", nil) {
		t.Fatal("the router models none of the platform's limits")
	}
}

func TestNextDeadlineIsTheNextRead(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	env, _ := memoryEnv(t, func() time.Time { return now })
	rate, after := 1.0, scenario.Duration(time.Minute)
	bi, err := Platform.Open(ctx, env, &scenario.Channel{Settings: &Settings{ReadRate: &rate, ReadAfter: &after}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := bi.NextDeadline(); ok {
		t.Fatal("deadline with nothing sent")
	}
	bi.Inbound(ctx, "16505551234", "Lee", sim.Message{Text: "hi"})
	if _, err := bi.Sender().Send(ctx, router.CustomerKey{Customer: "16505551234"}, router.Outbound{Kind: router.KindText, Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	if d, ok := bi.NextDeadline(); !ok || !d.Equal(now.Add(time.Minute)) {
		t.Fatalf("deadline %v %v", d, ok)
	}
}

// memoryEnv serves the parts a platform mounts on one test server, with
// rec as the Receiver.
func memoryEnv(t *testing.T, clock func() time.Time) (sim.Env, *recorder) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	rec := &recorder{}
	return sim.Env{
		Clock:    clock,
		Seed:     1,
		Network:  sim.Loopback,
		Client:   srv.Client(),
		Receiver: rec,
		Mount: func(part string, h http.Handler) (string, error) {
			mux.Handle("/"+part, http.StripPrefix("/"+part, h))
			mux.Handle("/"+part+"/", http.StripPrefix("/"+part, h))
			return srv.URL + "/" + part, nil
		},
	}, rec
}

// TestInboundLeavesDueAlone: on the Direct network a customer's message
// queues no status and no read status, and takes none, whatever the fake
// has waiting: only the business's sends do (graph, which stirs the
// world's Due). So the binding does not stir the Due for a customer's
// message (Inbound on the Direct network): the fake is idle or busy after
// one as it was before, with what it has due at the same time.
func TestInboundLeavesDueAlone(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	env := sim.Env{Clock: func() time.Time { return now }, Seed: 1, Network: sim.Direct, Receiver: &recorder{}}
	rate, after := 1.0, scenario.Duration(time.Minute)
	bi, err := Platform.Open(ctx, env, &scenario.Channel{Settings: &Settings{ReadRate: &rate, ReadAfter: &after}})
	if err != nil {
		t.Fatal(err)
	}
	b := bi.(*binding)
	const cust = "16505551234"
	statuses := func() int { return b.direct.Statuses(func(fakewa.QueuedStatus) {}) }
	if _, err := bi.Inbound(ctx, cust, "Lee", sim.Message{Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if !b.direct.Idle() {
		t.Fatal("something due before any send")
	}
	if _, err := bi.Sender().Send(ctx, router.CustomerKey{Customer: cust}, router.Outbound{Kind: router.KindText, Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	read, ok := b.fake.NextReadNanos()
	if !ok || b.direct.Idle() {
		t.Fatalf("after a send: read %v %v, idle %v", read, ok, b.direct.Idle())
	}
	if n := statuses(); n != 2 {
		t.Fatalf("%d statuses after a send, want sent and delivered", n)
	}
	for _, text := range []string{"thanks", "one more thing"} {
		if _, err := bi.Inbound(ctx, cust, "Lee", sim.Message{Text: text}); err != nil {
			t.Fatal(err)
		}
		if n := statuses(); n != 0 {
			t.Fatalf("%d statuses queued by a customer's message", n)
		}
		if r, ok := b.fake.NextReadNanos(); !ok || r != read || b.direct.Idle() {
			t.Fatalf("after a customer's message: read %v %v (was %v), idle %v", r, ok, read, b.direct.Idle())
		}
	}
	now = now.Add(time.Minute)
	if n := statuses(); n != 1 {
		t.Fatalf("%d statuses at the read, want 1", n)
	}
	if !b.direct.Idle() {
		t.Fatal("something due after the read")
	}
}
