package whatsapp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// number returns the i-th distinct valid US number.
func number(i int) string { return fmt.Sprintf("1650555%04d", 1000+i) }

func TestThroughput(t *testing.T) {
	tests := []struct {
		name  string
		limit int
		ok    int // sends accepted in one second before 130429
	}{
		{"default 80 per second", 0, DefaultThroughput},
		{"scenario override", 3, 3},
		{"one", 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := newTest(Config{Limits: Limits{Throughput: tc.limit}})
			for i := 0; i < tc.ok; i++ {
				wantOK(t, sendReq(s, tmpl(number(i), "hello")))
			}
			if e := s.Check(tmpl(number(tc.ok), "hello")); e == nil || e.Code != CodeThroughput {
				t.Fatalf("Check: %v", e)
			}
			e := wantError(t, sendReq(s, tmpl(number(tc.ok), "hello")), 429, CodeThroughput)
			if e.Title() != "Rate limit hit" || e.Details() != DetailsThroughput {
				t.Fatalf("%+v", e)
			}
			if le := s.LastError(number(tc.ok)); le == nil || le.Code != CodeThroughput {
				t.Fatalf("last error %+v", le)
			}
			clk.Add(time.Second) // the next second
			wantOK(t, sendReq(s, tmpl(number(tc.ok), "hello")))
		})
	}
	t.Run("unlimited", func(t *testing.T) {
		s, _ := newTest(Config{Limits: Limits{Throughput: -1}})
		for i := 0; i < 200; i++ {
			wantOK(t, sendReq(s, tmpl(number(i), "hello")))
		}
	})
	t.Run("refused sends do not count", func(t *testing.T) {
		s, _ := newTest(Config{Limits: Limits{Throughput: 2}})
		for i := 0; i < 5; i++ {
			wantError(t, sendReq(s, text(number(i), "x")), 400, CodeReEngagement)
		}
		wantOK(t, sendReq(s, tmpl(number(0), "hello")))
		wantOK(t, sendReq(s, tmpl(number(1), "hello")))
		wantError(t, sendReq(s, tmpl(number(2), "hello")), 429, CodeThroughput)
	})
}

func TestPairRate(t *testing.T) {
	t.Run("default burst then one per 6s", func(t *testing.T) {
		s, clk := newTest(Config{})
		for i := 0; i < DefaultPairBurst; i++ {
			wantOK(t, sendReq(s, tmpl(cust, "hello")))
			if i%40 == 39 {
				clk.Add(time.Second) // stay under the throughput
			}
		}
		e := wantError(t, sendReq(s, tmpl(cust, "hello")), 429, CodePairRate)
		if e.Message != "(#131056) (Business Account, Consumer Account) pair rate limit hit" || e.Details() != DetailsPairRate {
			t.Fatalf("%+v", e)
		}
		wantOK(t, sendReq(s, tmpl(cust2, "hello"))) // another recipient
		clk.Add(DefaultPairInterval)
		wantOK(t, sendReq(s, tmpl(cust, "hello")))
		wantError(t, sendReq(s, tmpl(cust, "hello")), 429, CodePairRate)
	})
	t.Run("override", func(t *testing.T) {
		s, clk := newTest(Config{Limits: Limits{PairBurst: 2, PairInterval: time.Minute}})
		wantOK(t, sendReq(s, tmpl(cust, "a")))
		wantOK(t, sendReq(s, tmpl(cust, "b")))
		wantError(t, sendReq(s, tmpl(cust, "c")), 429, CodePairRate)
		clk.Add(59 * time.Second)
		wantError(t, sendReq(s, tmpl(cust, "c")), 429, CodePairRate)
		clk.Add(time.Second)
		wantOK(t, sendReq(s, tmpl(cust, "c")))
	})
	t.Run("disabled", func(t *testing.T) {
		s, _ := newTest(Config{Limits: Limits{PairInterval: -1}})
		for i := 0; i < 60; i++ {
			wantOK(t, sendReq(s, tmpl(cust, "a")))
		}
	})
	t.Run("Check changes no state", func(t *testing.T) {
		s, _ := newTest(Config{Limits: Limits{PairBurst: 1, Throughput: 1}})
		for i := 0; i < 10; i++ {
			if e := s.Check(tmpl(cust, "a")); e != nil {
				t.Fatal(e)
			}
		}
		wantOK(t, sendReq(s, tmpl(cust, "a")))
	})
}

func TestTemplateRegistry(t *testing.T) {
	reg := []TemplateSpec{{Name: "order_update", Languages: []string{"en_US", "es"}, Params: 2}, {Name: "any_params", Params: -1}}
	send := func(name, lang string, params ...string) SendRequest {
		r := tmpl(cust, name)
		r.Template.Language.Code = lang
		if len(params) > 0 {
			var ps []TemplateParameter
			for _, p := range params {
				ps = append(ps, TemplateParameter{Type: "text", Text: p})
			}
			// Parameters count over all components.
			r.Template.Components = []TemplateComponent{{Type: "header", Parameters: ps[:1]}, {Type: "body", Parameters: ps[1:]}}
		}
		return r
	}
	tests := []struct {
		name   string
		cfg    Config
		req    SendRequest
		status int
		code   int
	}{
		{"registered", Config{Limits: Limits{Templates: reg}}, send("order_update", "es", "A-1", "sent"), 200, 0},
		{"unknown name", Config{Limits: Limits{Templates: reg}}, send("nope", "en_US"), 404, CodeTemplateNotExists},
		{"unknown language", Config{Limits: Limits{Templates: reg}}, send("order_update", "de", "A-1", "x"), 404, CodeTemplateNotExists},
		{"too few parameters", Config{Limits: Limits{Templates: reg}}, send("order_update", "en_US", "A-1"), 400, CodeTemplateParams},
		{"no parameters", Config{Limits: Limits{Templates: reg}}, send("order_update", "en_US"), 400, CodeTemplateParams},
		{"too many parameters", Config{Limits: Limits{Templates: reg}}, send("order_update", "en_US", "a", "b", "c"), 400, CodeTemplateParams},
		{"any language, any parameters", Config{Limits: Limits{Templates: reg}}, send("any_params", "fr", "a", "b", "c"), 200, 0},
		{"name list approves any translation", Config{Templates: []string{"hello"}, Limits: Limits{Templates: reg}}, send("hello", "ja", "x"), 200, 0},
		{"name list alone", Config{Templates: []string{"hello"}}, send("order_update", "en_US", "a", "b"), 404, CodeTemplateNotExists},
		{"nothing configured approves all", Config{}, send("whatever", "xx", "1"), 200, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTest(tc.cfg)
			w := sendReq(s, tc.req)
			if tc.code == 0 {
				wantOK(t, w)
				return
			}
			e := wantError(t, w, tc.status, tc.code)
			if tc.code == CodeTemplateParams && (e.Title() != titleTemplateParams || !strings.Contains(e.Details(), "expected number of params (2)")) {
				t.Fatalf("%+v", e)
			}
		})
	}
}

func TestUndeliverable(t *testing.T) {
	t.Run("async by default", func(t *testing.T) {
		rt := newRouter(t, DefaultAppSecret)
		s, _ := newTest(Config{WebhookURL: rt.srv.URL, Limits: Limits{NotOnWhatsApp: []string{"+1 650-555-1234"}}})
		if !s.Undeliverable(cust) || s.Undeliverable(cust2) {
			t.Fatal("list")
		}
		if e := s.Check(tmpl(cust, "hello")); e == nil || e.Code != CodeUndeliverable || e.HTTPStatus != 200 {
			t.Fatalf("Check %v", e)
		}
		id := wantOK(t, sendReq(s, tmpl(cust, "hello"))).Messages[0].ID
		if _, err := s.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		st := rt.statuses()
		if len(st) != 1 || st[0].Status != "failed" || st[0].ID != id || st[0].Errors[0].Code != CodeUndeliverable {
			t.Fatalf("statuses %+v", st)
		}
		if le := s.LastError(cust); le == nil || le.Code != CodeUndeliverable || len(s.Deliveries(cust)) != 0 {
			t.Fatalf("last error %+v", le)
		}
	})
	t.Run("sync", func(t *testing.T) {
		s, _ := newTest(Config{Limits: Limits{NotOnWhatsApp: []string{cust}, UndeliverableSync: true}})
		wantError(t, sendReq(s, tmpl(cust, "hello")), 400, CodeUndeliverable)
		wantOK(t, sendReq(s, tmpl(cust2, "hello")))
	})
}

func TestReadStatuses(t *testing.T) {
	kinds := func(st []Status) string {
		var k []string
		for _, s := range st {
			k = append(k, s.Status)
		}
		return strings.Join(k, ",")
	}
	t.Run("read at once replaces delivered", func(t *testing.T) {
		rt := newRouter(t, DefaultAppSecret)
		s, _ := newTest(Config{WebhookURL: rt.srv.URL, Limits: Limits{ReadProbability: 1}})
		wantOK(t, sendReq(s, tmpl(cust, "hello")))
		s.Flush(context.Background())
		if got := kinds(rt.statuses()); got != "sent,read" {
			t.Fatal(got)
		}
	})
	t.Run("read later", func(t *testing.T) {
		rt := newRouter(t, DefaultAppSecret)
		s, clk := newTest(Config{WebhookURL: rt.srv.URL, Limits: Limits{ReadProbability: 1, ReadAfter: time.Minute}})
		id := wantOK(t, sendReq(s, tmpl(cust, "hello"))).Messages[0].ID
		s.Flush(context.Background())
		if got := kinds(rt.statuses()); got != "sent,delivered" {
			t.Fatal(got)
		}
		if at, ok := s.NextRead(); !ok || !at.Equal(t0.Add(time.Minute)) {
			t.Fatal(at, ok)
		}
		clk.Add(59 * time.Second)
		s.Flush(context.Background())
		if got := kinds(rt.statuses()); got != "sent,delivered" {
			t.Fatal(got)
		}
		clk.Add(time.Second)
		s.Flush(context.Background())
		st := rt.statuses()
		if got := kinds(st); got != "sent,delivered,read" || st[2].ID != id || st[2].Timestamp != fmt.Sprint(t0.Add(time.Minute).Unix()) {
			t.Fatalf("%s %+v", got, st)
		}
		if _, ok := s.NextRead(); ok || s.ReadStatuses() != 1 {
			t.Fatal("read still waiting")
		}
	})
	t.Run("never by default", func(t *testing.T) {
		rt := newRouter(t, DefaultAppSecret)
		s, _ := newTest(Config{WebhookURL: rt.srv.URL})
		wantOK(t, sendReq(s, tmpl(cust, "hello")))
		s.Flush(context.Background())
		if got := kinds(rt.statuses()); got != "sent,delivered" || s.ReadStatuses() != 0 {
			t.Fatal(got)
		}
	})
	t.Run("probability is deterministic from the seed", func(t *testing.T) {
		reads := func(seed uint64) []bool {
			s, _ := newTest(Config{Seed: seed, Limits: Limits{ReadProbability: 0.5, PairInterval: -1, Throughput: -1}})
			var out []bool
			for i := 0; i < 64; i++ {
				before := s.ReadStatuses()
				wantOK(t, sendReq(s, tmpl(cust, "hello")))
				out = append(out, s.ReadStatuses() > before)
			}
			return out
		}
		a, b := reads(7), reads(7)
		n := 0
		for i := range a {
			if a[i] != b[i] {
				t.Fatal("same seed, different reads")
			}
			if a[i] {
				n++
			}
		}
		if n == 0 || n == len(a) {
			t.Fatalf("%d of %d read at probability 0.5", n, len(a))
		}
	})
}

func TestCustomerReplies(t *testing.T) {
	rt := newRouter(t, DefaultAppSecret)
	s, clk := newTest(Config{WebhookURL: rt.srv.URL, Window: time.Hour})
	ctx := context.Background()
	openWindow(t, s, cust)
	out := wantOK(t, sendReq(s, text(cust, "Which size?"))).Messages[0].ID
	if _, err := s.CustomerReply(ctx, cust, "Sheena", "M", out); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CustomerButton(ctx, cust, "Sheena", out, "Confirm", "CONFIRM"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CustomerInteractive(ctx, cust, "Sheena", out, ListReply, "row-2", "Billing", "Invoices"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CustomerInteractive(ctx, cust, "Sheena", out, ButtonReply, "b1", "Yes", "ignored"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CustomerReaction(ctx, cust, "Sheena", out, "👍"); err != nil {
		t.Fatal(err)
	}
	var got []InboundMessage
	for _, p := range rt.payloads() {
		got = append(got, p.Entry[0].Changes[0].Value.Messages...)
	}
	ctxWant := &MessageContext{From: DefaultDisplayPhoneNumber, ID: out}
	want := []InboundMessage{
		{Type: "text", Text: &Text{Body: "hi"}},
		{Context: ctxWant, Type: "text", Text: &Text{Body: "M"}},
		{Context: ctxWant, Type: "button", Button: &InboundButton{Text: "Confirm", Payload: "CONFIRM"}},
		{Context: ctxWant, Type: "interactive", Interactive: &InboundInteractive{Type: "list_reply", ListReply: &ReplyItem{ID: "row-2", Title: "Billing", Description: "Invoices"}}},
		{Context: ctxWant, Type: "interactive", Interactive: &InboundInteractive{Type: "button_reply", ButtonReply: &ReplyItem{ID: "b1", Title: "Yes"}}},
		{Type: "reaction", Reaction: &Reaction{MessageID: out, Emoji: "👍"}},
	}
	if len(got) != len(want) {
		t.Fatalf("%d messages", len(got))
	}
	for i := range want {
		want[i].From, want[i].ID, want[i].Timestamp = cust, got[i].ID, got[i].Timestamp
		g, _ := json.Marshal(got[i])
		w, _ := json.Marshal(want[i])
		if string(g) != string(w) {
			t.Errorf("message %d\n got %s\nwant %s", i, g, w)
		}
	}

	// Errors: no context, another customer's message, an inbound wamid,
	// an unknown interactive kind.
	for _, err := range []error{
		func() error { _, err := s.CustomerReply(ctx, cust, "n", "x", ""); return err }(),
		func() error { _, err := s.CustomerReaction(ctx, cust2, "n", out, "x"); return err }(),
		func() error { _, err := s.CustomerReaction(ctx, cust, "n", got[0].ID, "x"); return err }(),
		func() error {
			_, err := s.CustomerInteractive(ctx, cust, "n", out, "nfm_reply", "a", "b", "")
			return err
		}(),
	} {
		if err == nil {
			t.Error("accepted")
		}
	}

	// A reaction does not reopen the window; with ReactionOpensWindow it does.
	clk.Add(59 * time.Minute)
	if _, err := s.CustomerReaction(ctx, cust, "Sheena", out, "❤️"); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Minute) // past the hour since the last message
	wantError(t, sendReq(s, text(cust, "late")), 400, CodeReEngagement)

	s2, clk2 := newTest(Config{WebhookURL: rt.srv.URL, Window: time.Hour, Limits: Limits{ReactionOpensWindow: true}})
	openWindow(t, s2, cust)
	out2 := wantOK(t, sendReq(s2, text(cust, "?"))).Messages[0].ID
	clk2.Add(59 * time.Minute)
	s2.CustomerReaction(ctx, cust, "Sheena", out2, "❤️")
	clk2.Add(2 * time.Minute)
	wantOK(t, sendReq(s2, text(cust, "in time")))

	// Meta delivers no reaction to a message older than 30 days.
	clk2.Add(MaxReactionAge)
	if _, err := s2.CustomerReaction(ctx, cust, "Sheena", out2, "x"); err == nil {
		t.Fatal("reaction to a 30-day-old message")
	}
}

// TestReplyWebhookKnownAnswer: the exact bytes of a reaction and a button
// reply webhook in Meta's escaped form, and their signature computed here
// with crypto/hmac.
func TestReplyWebhookKnownAnswer(t *testing.T) {
	s, _ := newTest(Config{})
	// The messages' own wamids, which the fake makes, stand where the
	// answers below have wamid.IN=.
	id := madeWamid(s, cust, 1)
	ctx := &MessageContext{From: "15550783881", ID: "wamid.OUT="}
	tests := []struct {
		m    InboundMessage
		want string
	}{
		{InboundMessage{From: cust, ID: id, Type: "reaction", Reaction: &Reaction{MessageID: "wamid.OUT=", Emoji: "👍"}},
			`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Zoë"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.IN=","timestamp":"1749463200","type":"reaction","reaction":{"message_id":"wamid.OUT=","emoji":"\ud83d\udc4d"}}]},"field":"messages"}]}]}`},
		{InboundMessage{Context: ctx, From: cust, ID: id, Type: "button", Button: &InboundButton{Text: "Sí", Payload: "yes/1"}},
			`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Zoë"},"wa_id":"16505551234"}],"messages":[{"context":{"from":"15550783881","id":"wamid.OUT="},"from":"16505551234","id":"wamid.IN=","timestamp":"1749463200","type":"button","button":{"text":"S\u00ed","payload":"yes\/1"}}]},"field":"messages"}]}]}`},
		{InboundMessage{Context: ctx, From: cust, ID: id, Type: "interactive", Interactive: &InboundInteractive{Type: "list_reply", ListReply: &ReplyItem{ID: "row@2", Title: "100%", Description: "<b>"}}},
			`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Zoë"},"wa_id":"16505551234"}],"messages":[{"context":{"from":"15550783881","id":"wamid.OUT="},"from":"16505551234","id":"wamid.IN=","timestamp":"1749463200","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"row\u00402","title":"100\u0025","description":"\u003cb\u003e"}}}]},"field":"messages"}]}]}`},
	}
	for _, tc := range tests {
		got := s.appendInboundWebhook(nil, "Zoë", &tc.m, 1749463200)
		want := strings.Replace(tc.want, `"Zoë"`, `"Zo\u00eb"`, 1)
		want = strings.Replace(want, `"wamid.IN="`, string(appendString(nil, id)), 1)
		if string(got) != want {
			t.Fatalf("body\n got %s\nwant %s", got, want)
		}
		mac := hmac.New(sha256.New, []byte(DefaultAppSecret))
		mac.Write([]byte(want))
		if sig := s.WebhookHeader(got).Get("X-Hub-Signature-256"); sig != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
			t.Fatalf("signature %s", sig)
		}
	}
}

// TestPairRateOutlivesForgetting: a customer forgotten while their pair
// rate bucket is not full gets it back with their next record, as if the
// record had never gone; a reused record starts with a full bucket.
func TestPairRateOutlivesForgetting(t *testing.T) {
	const a, b, c = "16505550001", "16505550002", "16505550003"
	s, clk := newTest(Config{DisableStatuses: true, KeepDeliveries: func(string) bool { return false },
		ForgetAfter: 25 * time.Hour, Limits: Limits{PairBurst: 2, PairInterval: time.Hour, Throughput: -1}})
	d := s.Direct("v21.0")
	if _, err := d.CustomerMessage(a, "text", "", "hi", 0); err != nil {
		t.Fatal(err)
	}
	clk.Add(25*time.Hour - time.Second)
	fillPairRate(t, d, a, 2)
	old := s.customers.get(a)
	clk.Add(2 * time.Second)
	if _, err := d.CustomerMessage(b, "text", "", "hi", 0); err != nil { // forgets a
		t.Fatal(err)
	}
	if s.customers.get(a) != nil {
		t.Fatal("a was not forgotten")
	}
	if _, err := d.CustomerMessage(c, "text", "", "hi", 0); err != nil { // takes a's record
		t.Fatal(err)
	}
	if s.customers.get(c) != old {
		t.Fatal("c did not get a's record")
	}
	for i := 0; i < 2; i++ {
		req := tmpl(c, "welcome")
		if _, _, e := d.Send(&req); e != nil {
			t.Errorf("template %d to the reused record's customer: %v", i, e)
		}
	}
	req := tmpl(a, "welcome")
	if _, _, e := d.Send(&req); e == nil || e.Code != CodePairRate {
		t.Fatalf("template to the forgotten customer: %v, want %d", e, CodePairRate)
	}
	clk.Add(time.Hour)
	if _, _, e := d.Send(&req); e != nil {
		t.Errorf("template once the bucket has room: %v", e)
	}
	if n := len(s.lim.tat); n != 0 {
		t.Errorf("%d forgotten pair rates kept", n)
	}
}

// fillPairRate sends to n templates at once, each of which the fake must
// take, and checks that one more is refused for the pair rate.
func fillPairRate(t *testing.T, d *Direct, to string, n int) {
	t.Helper()
	for i := range n {
		req := tmpl(to, "welcome")
		if _, _, e := d.Send(&req); e != nil {
			t.Fatalf("template %d: %v", i, e)
		}
	}
	req := tmpl(to, "welcome")
	if _, _, e := d.Send(&req); e == nil || e.Code != CodePairRate {
		t.Fatalf("template %d at once: %v, want %d", n+1, e, CodePairRate)
	}
}
