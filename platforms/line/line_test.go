package line

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	fakeline "github.com/omnisim/omnisim/fakes/line"
	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/sim"
	"github.com/omnisim/omnisim/sim/scenario"
)

func TestValidate(t *testing.T) {
	neg := -1
	for _, tc := range []struct {
		s    Settings
		keys string
	}{
		{Settings{}, ""},
		{Settings{BotUserID: fakeline.DefaultBotUserID, ChannelID: "1656789012"}, ""},
		{Settings{BotUserID: "U123"}, "bot_user_id"},
		{Settings{ChannelID: "abc"}, "channel_id"},
		{Settings{RateLimit: &neg, MonthlyLimit: -1}, "rate_limit monthly_limit"},
		{Settings{ReplyTokenExpiry: new(scenario.Duration)}, "reply_token_expiry"},
		{Settings{Redelivery: []scenario.Duration{scenario.Duration(time.Minute), 0}}, "redelivery[1]"},
	} {
		var keys []string
		for _, p := range validate(&tc.s) {
			keys = append(keys, p.Key)
		}
		if got := strings.Join(keys, " "); got != tc.keys {
			t.Errorf("%+v: problems with %q, want %q", tc.s, got, tc.keys)
		}
	}
}

func TestHandles(t *testing.T) {
	if p, _ := checkUserID("U4af4980629a1b2c3d4e5f60718293a4b"); p != "" {
		t.Error(p)
	}
	for _, h := range []string{"u4af4980629a1b2c3d4e5f60718293a4b", "U4AF4980629A1B2C3D4E5F60718293A4B", "U4af49806", "+16505551234"} {
		if p, hint := checkUserID(h); p == "" || hint == "" {
			t.Errorf("%q accepted", h)
		}
	}
	b := &binding{}
	seen := map[string]bool{}
	for n := 1; n <= 20000; n++ {
		h := b.NewHandle(n)
		if !fakeline.IsUserID(h) || seen[h] {
			t.Fatalf("handle %d: %q (valid %v, seen %v)", n, h, fakeline.IsUserID(h), seen[h])
		}
		seen[h] = true
	}
}

// recorder is a Receiver that keeps what it got.
type recorder struct {
	mu  sync.Mutex
	ins []router.Inbound
}

func (r *recorder) Receive(_ time.Time, in router.Inbound) (router.ConversationID, error) {
	r.mu.Lock()
	r.ins = append(r.ins, in)
	r.mu.Unlock()
	return 1, nil
}

func (r *recorder) Status(time.Time, router.CustomerKey, string, string, string) {}

// openOn opens the platform on network n with a scenario's settings.
func openOn(t *testing.T, n sim.Network, settings string) (sim.Binding, *recorder, *time.Time) {
	t.Helper()
	sc, err := (&scenario.Format{Channels: []scenario.ChannelSpec{Platform.Spec}}).Parse("t.toml", []byte("[channels.line]\n"+settings+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	rcv := &recorder{}
	env := sim.Env{Clock: func() time.Time { return now }, Seed: 42, Network: n, Receiver: rcv}
	if n == sim.Memory {
		tr := sim.NewTransport()
		env.Client = &http.Client{Transport: tr}
		env.Mount = func(part string, h http.Handler) (string, error) {
			host := part + ".line.omnisim"
			tr.Handle(host, h)
			return "http://" + host, nil
		}
	}
	b, err := Platform.Open(context.Background(), env, sc.Channels["line"])
	if err != nil {
		t.Fatal(err)
	}
	return b, rcv, &now
}

// TestMemoryDirect plays the same traffic on the wire and without bytes:
// the inbound messages, the send results and every device are the same.
func TestMemoryDirect(t *testing.T) {
	play := func(n sim.Network) string {
		b, rcv, now := openOn(t, n, `rate_limit = 2
monthly_limit = 4
reply_token_expiry = "30s"`)
		var log []string
		ctx := context.Background()
		u1, u2 := b.NewHandle(1), b.NewHandle(2)
		k1 := router.CustomerKey{Channel: "line", Account: b.Account(), Customer: u1}
		k2 := router.CustomerKey{Channel: "line", Account: b.Account(), Customer: u2}
		in := func(u, name string, m sim.Message) {
			got, err := b.Inbound(ctx, u, name, m)
			log = append(log, fmt.Sprintf("inbound %s %+v %v", u, got, err))
		}
		send := func(k router.CustomerKey, m router.Outbound) {
			id, err := b.Sender().Send(ctx, k, m)
			var pe *router.PlatformError
			if errors.As(err, &pe) {
				log = append(log, fmt.Sprintf("send %q: %s %s", m.Text, pe.Code, pe.Message))
			} else {
				log = append(log, fmt.Sprintf("send %q: %s %v", m.Text, id, err))
			}
		}
		text := func(s string) router.Outbound { return router.Outbound{Kind: router.KindText, Text: s} }
		tick := func() { *now = now.Add(time.Second) }
		in(u1, "Kenji", sim.Message{Text: "hello"})
		send(k1, text("reply"))
		send(k1, text("push 1"))
		send(k1, text("push 2"))
		send(k1, text("push 3: over the rate limit"))
		tick()
		send(k1, text(strings.Repeat("x", 5001)))
		tick()
		in(u2, "Yui", sim.Message{Attachment: &router.Attachment{Kind: "image", Format: "png", Size: 1000}, Text: "this one"})
		*now = now.Add(40 * time.Second)
		send(k2, text("after the platform's expiry, inside the router's"))
		tick()
		send(k2, router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "image", Format: "jpeg", Size: 11 << 20}})
		in(u2, "", sim.Message{Event: "unfollow"})
		tick()
		send(k2, text("blocked"))
		tick()
		send(k1, text("over the monthly limit"))
		in(u1, "", sim.Message{Event: "follow"})
		in(u1, "", sim.Message{Event: "bogus"})
		send(k1, text("reply to the follow"))
		for _, r := range rcv.ins {
			att := r.Attachment
			r.Attachment = nil
			log = append(log, fmt.Sprintf("received %+v", r))
			if att != nil {
				log = append(log, fmt.Sprintf("  attachment %+v", *att))
			}
		}
		for _, u := range []string{u1, u2} {
			log = append(log, fmt.Sprintf("device %s %+v", u, b.Device(u)))
		}
		st := b.Stats()
		log = append(log, fmt.Sprintf("delivered %d rejected %d duplicates %d", st.Delivered, st.Rejected, st.Duplicates))
		return strings.Join(log, "\n")
	}
	mem, direct := play(sim.Memory), play(sim.Direct)
	if mem != direct {
		t.Errorf("memory and direct differ:\n--- memory\n%s\n--- direct\n%s", mem, direct)
	}
	for _, want := range []string{`send "push 3: over the rate limit": 429`, "send \"xxx", `: 400 The request body has 1 error(s); messages[0].text: Length must be between 0 and 5000`,
		`send "over the monthly limit": 429 You have reached your monthly limit.`, "Name:Kenji", "device"} {
		if !strings.Contains(mem, want) {
			t.Errorf("log lacks %q:\n%s", want, mem)
		}
	}
}

// TestReplyOrPush reads the journal: the first send after a message is a
// reply, later ones pushes with retry keys, and a reply the platform
// finds expired is pushed.
func TestReplyOrPush(t *testing.T) {
	b, _, now := openOn(t, sim.Memory, `reply_token_expiry = "30s"`)
	ctx := context.Background()
	u := b.NewHandle(7)
	k := router.CustomerKey{Channel: "line", Account: b.Account(), Customer: u}
	b.Inbound(ctx, u, "", sim.Message{Text: "hi"})
	b.Sender().Send(ctx, k, router.Outbound{Kind: router.KindText, Text: "a"})
	b.Sender().Send(ctx, k, router.Outbound{Kind: router.KindText, Text: "b"})
	b.Inbound(ctx, u, "", sim.Message{Text: "hi again"})
	*now = now.Add(45 * time.Second)
	b.Sender().Send(ctx, k, router.Outbound{Kind: router.KindText, Text: "c"})
	var got []string
	for _, r := range b.Journal(sim.JournalFilter{Kind: sim.RecordRequest}) {
		s := r.Method + " " + r.Path + " " + fmt.Sprint(r.Status)
		if strings.Contains(r.Text, "retry key") {
			s += " with retry key"
		}
		got = append(got, s)
	}
	for _, r := range b.Journal(sim.JournalFilter{Kind: sim.RecordDelivery, Customer: u}) {
		got = append(got, "delivery "+r.Text)
	}
	want := []string{
		"GET /v2/bot/profile/" + u + " 200",
		"POST /v2/bot/message/reply 200",
		"POST /v2/bot/message/push 200 with retry key",
		"POST /v2/bot/message/reply 400",
		"POST /v2/bot/message/push 200 with retry key",
		"delivery a (reply)", "delivery b (push)", "delivery c (push)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("journal\n got %q\nwant %q", got, want)
	}
}

func TestModelled(t *testing.T) {
	b, _, _ := openOn(t, sim.Direct, "")
	long := router.Outbound{Kind: router.KindText, Text: strings.Repeat("x", 5001)}
	short := router.Outbound{Kind: router.KindText, Text: "ok"}
	doc := router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "document", Format: "pdf"}}
	longTemplate := router.Outbound{Kind: router.KindTemplate, Template: &router.Template{Name: strings.Repeat("t", 5001)}}
	longCaption := router.Outbound{Kind: router.KindAttachment, Text: strings.Repeat("c", 5001), Attachment: &router.Attachment{Kind: "image", Format: "png", Size: 1}}
	bigImage := router.Outbound{Kind: router.KindAttachment, Text: "ok", Attachment: &router.Attachment{Kind: "image", Format: "png", Size: 11 << 20}}
	for _, tc := range []struct {
		code string
		m    *router.Outbound
		want bool
	}{
		{"400", &long, true}, {"400", &doc, true}, {"400", &short, false}, {"429", &long, false}, {"400", nil, false},
		{"400", &longTemplate, false}, {"400", &longCaption, false}, {"400", &bigImage, true},
	} {
		if got := b.Modelled(tc.code, tc.m); got != tc.want {
			t.Errorf("Modelled(%s, %+v) = %v", tc.code, tc.m, got)
		}
	}
	u := b.NewHandle(1)
	b.Inbound(context.Background(), u, "", sim.Message{Text: "hi"})
	if v := b.Judge(u, long); v == nil || v.Code != "400" {
		t.Errorf("Judge(long) = %+v", v)
	}
	if v := b.Judge(u, short); v != nil {
		t.Errorf("Judge(short) = %+v", v)
	}
}

func TestInboundErrors(t *testing.T) {
	b, _, _ := openOn(t, sim.Direct, `redelivery = ["1m"]`)
	if _, err := b.Inbound(context.Background(), "U1", "", sim.Message{Text: "x"}); err == nil {
		t.Error("a bad user id accepted")
	}
	u := b.NewHandle(1)
	if _, err := b.Inbound(context.Background(), u, "", sim.Message{Attachment: &router.Attachment{Kind: "location"}}); err == nil {
		t.Error("a location attachment accepted")
	}
	// The adapter answered every webhook: nothing is due again.
	if _, ok := b.NextDeadline(); ok {
		t.Error("a redelivery is due")
	}
}

// TestMemoryDirectFaults plays the same traffic under a fault plan on the
// wire and without bytes: the plan acts the same on both (the same draws,
// the same held, duplicated and failed webhooks, the same refused sends),
// and a restart in the middle changes neither.
func TestMemoryDirectFaults(t *testing.T) {
	play := func(n sim.Network) string {
		b, rcv, now := openOn(t, n, `
[channels.line.faults]
duplicate = 0.4
reorder = 0.2
late = 0.3
late_by = "1m"
timeouts = 0.3
errors = 0.2
send_429 = 0.2
send_5xx = 0.3`)
		ctx := context.Background()
		var log []string
		for i := range 12 {
			u := b.NewHandle(1 + i%3)
			k := router.CustomerKey{Channel: "line", Account: b.Account(), Customer: u}
			in, err := b.Inbound(ctx, u, "", sim.Message{Text: fmt.Sprint("message ", i)})
			log = append(log, fmt.Sprintf("inbound %+v %v", in, err))
			*now = now.Add(7 * time.Second)
			b.Flush(ctx)
			id, err := b.Sender().Send(ctx, k, router.Outbound{Kind: router.KindText, Text: fmt.Sprint("answer ", i)})
			log = append(log, fmt.Sprintf("send %d: %s %v", i, id, err))
			if i == 6 {
				if err := b.(sim.Restarter).RestartRouter(rcv); err != nil {
					t.Fatal(err)
				}
			}
		}
		for range 20 {
			*now = now.Add(time.Minute)
			b.Flush(ctx)
		}
		if at, ok := b.NextDeadline(); ok {
			log = append(log, fmt.Sprintf("still due at %v", at))
		}
		for _, r := range rcv.ins {
			log = append(log, fmt.Sprintf("received %s %q sent %v", r.MessageID, r.Text, r.Sent))
		}
		for i := range 3 {
			log = append(log, fmt.Sprintf("device %+v", b.Device(b.NewHandle(1+i))))
		}
		st := b.Stats()
		log = append(log, fmt.Sprintf("stats %+v", st))
		if st.Faults == 0 || st.Duplicates == 0 {
			t.Errorf("%s: stats %+v: the plan did nothing", n, st)
		}
		return strings.Join(log, "\n")
	}
	mem, direct := play(sim.Memory), play(sim.Direct)
	if mem != direct {
		t.Errorf("memory and direct differ:\n--- memory\n%s\n--- direct\n%s", mem, direct)
	}
	// Each message reached the router once, each answer a device once.
	seen := map[string]bool{}
	for _, l := range strings.Split(mem, "\n") {
		if strings.HasPrefix(l, "received ") {
			id := strings.Fields(l)[1]
			if seen[id] {
				t.Errorf("message %s received twice", id)
			}
			seen[id] = true
		}
	}
	for i := range 12 {
		if strings.Count(mem, fmt.Sprintf("Text:answer %d}", i)) > 1 {
			t.Errorf("answer %d delivered twice", i)
		}
	}
}

// TestTries: a webhook is redelivered once for each delay redelivery
// lists, and with none listed on the fake's schedule under faults
// (fakeline.DefaultFaultRedelivery), whatever its length.
func TestTries(t *testing.T) {
	d := func(ds ...time.Duration) []scenario.Duration {
		out := make([]scenario.Duration, len(ds))
		for i, v := range ds {
			out[i] = scenario.Duration(v)
		}
		return out
	}
	for _, tt := range []struct {
		settings any
		want     int
	}{
		{nil, len(fakeline.DefaultFaultRedelivery)},
		{&Settings{}, len(fakeline.DefaultFaultRedelivery)},
		{&Settings{Redelivery: d(time.Minute)}, 1},
		{&Settings{Redelivery: d(time.Second, time.Minute, time.Hour, 2*time.Hour, 6*time.Hour)}, 5},
	} {
		if got := tries(tt.settings); got != (scenario.Tries{Retries: tt.want}) {
			t.Errorf("tries(%+v) = %+v, want %d retries", tt.settings, got, tt.want)
		}
	}
}
