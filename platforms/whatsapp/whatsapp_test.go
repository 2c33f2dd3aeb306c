package whatsapp

import (
	"context"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	fakewa "github.com/omnisim/omnisim/fakes/whatsapp"
	"github.com/omnisim/omnisim/router"
	routerwa "github.com/omnisim/omnisim/router/whatsapp"
)

func TestCheckPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+16505551234", ""},
		{"+8613800138000", ""},
		{"16505551234", "not a phone number in E.164 form"},
		{"+1 650 555 1234", "not a phone number in E.164 form"},
		{"+10005551234", "not a valid number of its country's numbering plan"},
		{"+123456789012345678", "not a phone number in E.164 form"},
	}
	for _, tt := range tests {
		got, _ := checkPhone(tt.in)
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("checkPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	if ps := validate(&Settings{WindowErrors: "async", Templates: []string{"a"}}); len(ps) != 0 {
		t.Errorf("valid settings: %v", ps)
	}
	ps := validate(&Settings{WindowErrors: "asnyc", Templates: []string{"a", ""}})
	if len(ps) != 2 || ps[0].Key != "window_errors" || ps[0].Hint != `did you mean "async"?` || ps[1].Key != "templates[1]" {
		t.Errorf("problems %+v", ps)
	}
}

func TestNewHandleIsAValidNumber(t *testing.T) {
	var b binding
	for _, n := range []int{1, 9999, 10000, 7_999_999, 8_000_000, 79_999_999} {
		h := b.NewHandle(n)
		if p, _ := checkPhone("+" + h); p != "" {
			t.Errorf("NewHandle(%d) = %s: %s", n, h, p)
		}
	}
	if b.Handle("+16505551234") != "16505551234" {
		t.Error("Handle keeps the +")
	}
}

func TestModelledText(t *testing.T) {
	b := binding{}
	// Codes the router's policy models, whatever the message.
	for _, code := range []string{"131047", "131053"} {
		if !b.Modelled(code, nil) {
			t.Errorf("%s is not modelled", code)
		}
	}
	if b.Modelled("132001", &router.Outbound{Kind: router.KindTemplate}) {
		t.Error("an unknown template is the platform's business, not drift")
	}
}

// TestGraphScratch: the Direct graph's reused text is zero after each
// send, a text with a link preview and a template alike, and its text
// sends' request holds its constant fields alone, so that they hold
// nothing of a send that is over and the next send starts clean; the fake
// recorded each send as sent.
func TestGraphScratch(t *testing.T) {
	const who = "16505551234"
	at := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	fake := fakewa.New(fakewa.Config{Clock: func() time.Time { return at }, Limits: fakewa.Limits{
		Templates: []fakewa.TemplateSpec{{Name: "order_update", Languages: []string{"en_US"}, Params: -1}}}})
	g := newGraph(fake.Direct(routerwa.DefaultAPIVersion), nil)
	if _, err := g.d.CustomerMessage(who, "text", "", "hi", 0); err != nil {
		t.Fatal(err)
	}
	a := routerwa.New(routerwa.Config{Graph: g, PhoneNumberID: fakewa.DefaultPhoneNumberID, Clock: func() time.Time { return at }}, nil)
	to := router.CustomerKey{Channel: routerwa.Channel, Account: fakewa.DefaultPhoneNumberID, Customer: who}
	for _, m := range []router.Outbound{
		{Text: "see https://example.com"},
		{Kind: router.KindTemplate, Template: &router.Template{Name: "order_update", Language: "en_US", Params: []string{"42"}}},
		{Text: "bye"},
	} {
		if _, err := a.Send(context.Background(), to, m); err != nil {
			t.Fatalf("send %+v: %v", m, err)
		}
		if g.text != (fakewa.Text{}) {
			t.Errorf("after sending %+v the text holds %+v", m, g.text)
		}
		if want := (fakewa.SendRequest{MessagingProduct: "whatsapp", RecipientType: "individual", Type: "text", Text: &g.text}); g.req != want {
			t.Errorf("after sending %+v the text send's request is %+v", m, g.req)
		}
	}
	var got []string
	for _, d := range fake.Deliveries(who) {
		got = append(got, d.Type+" "+d.Text+d.Template)
	}
	if want := []string{"text see https://example.com", "template order_update", "text bye"}; !reflect.DeepEqual(got, want) {
		t.Errorf("deliveries %q, want %q", got, want)
	}
}

// TestGraphRetriesAsTheWireDoes: a send the Graph refuses for a reason a
// retry can change (throughput, 130429) is tried as many times on the
// Direct graph as over HTTP, so the fake counts the same requests,
// deliveries and errors on both networks, and the adapter returns the
// same refusal.
func TestGraphRetriesAsTheWireDoes(t *testing.T) {
	const who = "16505551234"
	at := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	to := router.CustomerKey{Channel: routerwa.Channel, Account: fakewa.DefaultPhoneNumberID, Customer: who}
	type outcome struct {
		counts fakewa.Counts
		errs   []string
	}
	play := func(fake *fakewa.Server, cfg routerwa.Config) outcome {
		if _, err := fake.Direct(routerwa.DefaultAPIVersion).CustomerMessage(who, "text", "", "hi", 0); err != nil {
			t.Fatal(err)
		}
		cfg.PhoneNumberID, cfg.AccessToken, cfg.Clock = fakewa.DefaultPhoneNumberID, fakewa.DefaultAccessToken, clock
		a := routerwa.New(cfg, nil)
		var o outcome
		for _, text := range []string{"one", "two", "three"} {
			_, err := a.Send(context.Background(), to, router.Outbound{Text: text})
			e := ""
			if err != nil {
				e = err.Error()
			}
			o.errs = append(o.errs, e)
		}
		o.counts = fake.Counts()
		o.counts.Webhooks = 0 // the webhook of the customer's message: not posted on Direct
		return o
	}
	newFake := func() *fakewa.Server {
		return fakewa.New(fakewa.Config{Clock: clock, Limits: fakewa.Limits{Throughput: 1}})
	}
	wireFake := newFake()
	srv := httptest.NewServer(wireFake)
	defer srv.Close()
	wire := play(wireFake, routerwa.Config{BaseURL: srv.URL, Client: srv.Client()})
	directFake := newFake()
	direct := play(directFake, routerwa.Config{Graph: newGraph(directFake.Direct(routerwa.DefaultAPIVersion), nil)})
	if !reflect.DeepEqual(wire, direct) {
		t.Errorf("wire %+v\ndirect %+v", wire, direct)
	}
	if want := 1 + 2*routerwa.SendTries; wire.counts.Requests != want || wire.counts.Deliveries != 1 {
		t.Errorf("wire counts %+v: want %d requests, 1 delivery", wire.counts, want)
	}
}
