package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
)

// TestReceiveMessageMatchesWebhook: each customer message the value path
// takes (text, a reply, a template button, an interactive reply button
// or list row, a reaction and its removal, media) is handed to the
// Receiver as the same Inbound as its signed webhook, but for Sent (the
// webhook's timestamp, which the value path leaves to the receiver's
// clock).
func TestReceiveMessageMatchesWebhook(t *testing.T) {
	const from, name = "16505551234", "Sheena Nelson"
	for _, tc := range []struct {
		name string
		json string // the message's fields after from, id and timestamp
		msg  Message
	}{
		{"text", `"type":"text","text":{"body":"hi"}`,
			Message{Type: "text", Text: "hi"}},
		{"reply", `"context":{"from":"15550783881","id":"wamid.OUT1"},"type":"text","text":{"body":"yes"}`,
			Message{Type: "text", Text: "yes", Context: "wamid.OUT1"}},
		{"button", `"context":{"from":"15550783881","id":"wamid.OUT2"},"type":"button","button":{"text":"Confirm","payload":"confirm"}`,
			Message{Type: "button", Text: "Confirm", Payload: "confirm", Context: "wamid.OUT2"}},
		{"button_reply", `"context":{"from":"15550783881","id":"wamid.OUT3"},"type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"b1","title":"Yes"}}`,
			Message{Type: "interactive", Interactive: "button_reply", Payload: "b1", Text: "Yes", Context: "wamid.OUT3"}},
		{"list_reply", `"context":{"from":"15550783881","id":"wamid.OUT4"},"type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"r2","title":"Tuesday","description":"9-12"}}`,
			Message{Type: "interactive", Interactive: "list_reply", Payload: "r2", Text: "Tuesday", Context: "wamid.OUT4"}},
		{"reaction", `"type":"reaction","reaction":{"message_id":"wamid.OUT5","emoji":"👍"}`,
			Message{Type: "reaction", ReactionTo: "wamid.OUT5", Emoji: "👍"}},
		{"reaction removed", `"type":"reaction","reaction":{"message_id":"wamid.OUT5"}`,
			Message{Type: "reaction", ReactionTo: "wamid.OUT5"}},
		{"image", `"type":"image","image":{"caption":"the receipt","mime_type":"image/jpeg","sha256":"x","id":"m1"}`,
			Message{Type: "image", Caption: "the receipt", MIMEType: "image/jpeg"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := "wamid.IN." + tc.name
			wire, wrec, _ := newTestAdapter(t)
			value := fmt.Sprintf(`"contacts":[{"profile":{"name":%q},"wa_id":%q}],"messages":[{"from":%q,"id":%q,"timestamp":"1749416383",%s}]`,
				name, from, from, id, tc.json)
			if code := postSigned(wire, envelopeOf(testPhoneID, value)); code != http.StatusOK {
				t.Fatalf("webhook answered %d", code)
			}
			direct, drec, _ := newTestAdapter(t)
			m := tc.msg
			m.From, m.Name, m.ID = from, name, id
			direct.ReceiveMessage(&m)
			direct.ReceiveMessage(&m) // a duplicate: dropped
			if len(wrec.received) != 1 || len(drec.received) != 1 {
				t.Fatalf("received: webhook %d, values %d; want 1 each", len(wrec.received), len(drec.received))
			}
			w, d := wrec.received[0], drec.received[0]
			if !reflect.DeepEqual(w.In, d.In) || w.Now != d.Now {
				t.Errorf("values: %+v\nwebhook: %+v", d.In, w.In)
			}
		})
	}
}

// recordingGraph is a Graph that keeps a copy of each send it is handed.
type recordingGraph struct{ sent []Request }

func (g *recordingGraph) Message(req *Request) (string, error) {
	r := *req
	if req.Text != nil {
		t := *req.Text
		r.Text = &t
	}
	g.sent = append(g.sent, r)
	return fmt.Sprintf("wamid.%d", len(g.sent)), nil
}

func (g *recordingGraph) Upload(string, string, int64) (string, error) { return "m1", nil }

// requests is what g was sent, in order.
func (g *recordingGraph) requests() []Request { return g.sent }

// TestSendGraphKeepsNothingOfASend: the request the adapter reuses for its
// Graph sends holds no recipient and no text once a send is over, and a
// text send after a template carries nothing of the template.
func TestSendGraphKeepsNothingOfASend(t *testing.T) {
	g := &recordingGraph{}
	a := New(Config{AccessToken: "token", PhoneNumberID: testPhoneID, Clock: (&fakeClock{now: t0}).Now, Graph: g}, &recorder{})
	to := router.CustomerKey{Channel: Channel, Account: testPhoneID, Customer: "16505551234"}
	for _, m := range []router.Outbound{
		{Kind: router.KindText, Text: "first"},
		{Kind: router.KindTemplate, Template: &router.Template{Name: "order_update", Language: "en_US"}},
		{Kind: router.KindText, Text: "second"},
	} {
		if _, err := a.Send(context.Background(), to, m); err != nil {
			t.Fatal(err)
		}
		if r := a.graphReq; r.req.To != "" || r.text.Body != "" || r.req.Template != nil {
			t.Errorf("after the %s send the adapter still holds %+v (text %+v)", m.Kind, r.req, r.text)
		}
	}
	want := Request{MessagingProduct: "whatsapp", RecipientType: "individual", To: to.Customer, Type: "text",
		Text: &sendText{Body: "second"}}
	if got := g.sent[2]; !reflect.DeepEqual(got, want) {
		t.Errorf("text send after a template: %+v, want %+v", got, want)
	}
	if g.sent[1].Template == nil || g.sent[1].Text != nil {
		t.Errorf("template send: %+v", g.sent[1])
	}
}

// recordingTextGraph is a recordingGraph that takes text sends by their
// values, recording each as the request its doc says it stands for.
type recordingTextGraph struct{ recordingGraph }

func (g *recordingTextGraph) Text(to, body string) (string, error) {
	return g.Message(&Request{MessagingProduct: "whatsapp", RecipientType: "individual", To: to, Type: "text",
		Text: &sendText{Body: body}})
}

// TestSendAccountByBytes: a key's account is this adapter's business
// number when its bytes are, wherever they lie (a key restored from a
// snapshot holds a copy), and another number is refused, whichever Graph
// the adapter has; a key without a channel or an account is of this
// adapter's. An accepted text reaches the Graph as the usual key's does.
func TestSendAccountByBytes(t *testing.T) {
	for _, tc := range []struct {
		channel, account string
		ok               bool
	}{
		{Channel, testPhoneID, true},
		{Channel, strings.Clone(testPhoneID), true},
		{Channel, "", true},
		{"", testPhoneID, true},
		{"", "", true},
		{Channel, testPhoneID + "0", false},
		{"messenger", testPhoneID, false},
	} {
		for _, g := range []interface {
			Graph
			requests() []Request
		}{&recordingGraph{}, &recordingTextGraph{}} {
			a := New(Config{AccessToken: "token", PhoneNumberID: testPhoneID, Clock: (&fakeClock{now: t0}).Now, Graph: g}, &recorder{})
			to := router.CustomerKey{Channel: tc.channel, Account: tc.account, Customer: "16505551234"}
			if _, err := a.Send(context.Background(), to, router.Outbound{Kind: router.KindText, Text: "x"}); (err == nil) != tc.ok {
				t.Errorf("%T, channel %q, account %q: error %v, want accepted %v", g, tc.channel, tc.account, err, tc.ok)
			}
			var want []Request
			if tc.ok {
				want = []Request{{MessagingProduct: "whatsapp", RecipientType: "individual", To: to.Customer, Type: "text", Text: &sendText{Body: "x"}}}
			}
			if got := g.requests(); !reflect.DeepEqual(got, want) {
				t.Errorf("%T, channel %q, account %q: sent %+v, want %+v", g, tc.channel, tc.account, got, want)
			}
		}
	}
}

// TestSendTextGraph: an adapter whose Graph is a TextGraph hands it each
// text send through Text, with the values of the request a Graph's
// Message is handed for it, and the other sends through Message, as
// they are; the request it reuses is not touched by a text send.
func TestSendTextGraph(t *testing.T) {
	sends := []router.Outbound{
		{Kind: router.KindText, Text: "first"},
		{Kind: router.KindTemplate, Template: &router.Template{Name: "order_update", Language: "en_US"}},
		{Text: "second"},
	}
	to := router.CustomerKey{Channel: Channel, Account: testPhoneID, Customer: "16505551234"}
	play := func(g Graph) *Adapter {
		a := New(Config{AccessToken: "token", PhoneNumberID: testPhoneID, Clock: (&fakeClock{now: t0}).Now, Graph: g}, &recorder{})
		for _, m := range sends {
			if _, err := a.Send(context.Background(), to, m); err != nil {
				t.Fatal(err)
			}
		}
		return a
	}
	plain, byValues := &recordingGraph{}, &recordingTextGraph{}
	play(plain)
	a := play(byValues)
	if !reflect.DeepEqual(byValues.sent, plain.sent) {
		t.Errorf("TextGraph sends %+v\nGraph sends %+v", byValues.sent, plain.sent)
	}
	if a.graphReq != (graphRequest{}) {
		t.Errorf("the adapter's request holds %+v", a.graphReq)
	}
}

// TestReceiveTextIsReceiveMessage: ReceiveText hands the Receiver what
// ReceiveMessage hands it for the same text message, and drops a
// duplicate and a message without a sender or a wamid as it does.
func TestReceiveTextIsReceiveMessage(t *testing.T) {
	const from, name, id = "16505551234", "Sheena Nelson", "wamid.IN.text"
	msg, mrec, _ := newTestAdapter(t)
	msg.ReceiveMessage(&Message{From: from, Name: name, ID: id, Type: "text", Text: "hi"})
	txt, trec, _ := newTestAdapter(t)
	txt.ReceiveText(from, name, id, "hi")
	txt.ReceiveText(from, name, id, "hi") // a duplicate: dropped
	txt.ReceiveText("", name, "wamid.IN.other", "hi")
	txt.ReceiveText(from, name, "", "hi")
	if len(mrec.received) != 1 || len(trec.received) != 1 {
		t.Fatalf("received: message %d, text %d; want 1 each", len(mrec.received), len(trec.received))
	}
	if m, x := mrec.received[0], trec.received[0]; !reflect.DeepEqual(m.In, x.In) || m.Now != x.Now {
		t.Errorf("text: %+v\nmessage: %+v", x.In, m.In)
	}
	if s := txt.Stats(); s.Received != 1 || s.Duplicates != 1 {
		t.Errorf("stats %+v", s)
	}
}

// TestReceiveTextAt: ReceiveTextAt hands the Receiver what ReceiveText
// does at the time it is given, and remembers the wamid at that time: a
// duplicate within the window from it is dropped, one past it taken.
func TestReceiveTextAt(t *testing.T) {
	const from, name, id = "16505551234", "Sheena Nelson", "wamid.IN.text"
	txt, trec, _ := newTestAdapter(t)
	txt.ReceiveText(from, name, id, "hi")
	at := t0.Add(time.Hour)
	a, rec, _ := newTestAdapter(t)
	a.ReceiveTextAt(at, from, name, id, "hi")
	a.ReceiveTextAt(at.Add(DefaultDedupeWindow-1), from, name, id, "hi") // a duplicate: dropped
	a.ReceiveTextAt(at.Add(DefaultDedupeWindow), from, name, id, "hi")
	if len(trec.received) != 1 || len(rec.received) != 2 {
		t.Fatalf("received: ReceiveText %d, ReceiveTextAt %d; want 1, 2", len(trec.received), len(rec.received))
	}
	if x, r := trec.received[0], rec.received[0]; !reflect.DeepEqual(x.In, r.In) || !r.Now.Equal(at) {
		t.Errorf("at %v: %+v\nReceiveText: %+v", r.Now, r.In, x.In)
	}
	if s := a.Stats(); s.Received != 2 || s.Duplicates != 1 {
		t.Errorf("stats %+v", s)
	}
}

// scriptedGraph answers each Message with the next of its refusals (nil:
// accepted) and counts the calls.
type scriptedGraph struct {
	answers []error
	calls   int
}

func (g *scriptedGraph) Message(*Request) (string, error) {
	g.calls++
	if g.calls <= len(g.answers) && g.answers[g.calls-1] != nil {
		return "", g.answers[g.calls-1]
	}
	return fmt.Sprintf("wamid.%d", g.calls), nil
}

func (g *scriptedGraph) Upload(string, string, int64) (string, error) { return "m1", nil }

// scriptedTextGraph is a scriptedGraph whose text sends come through Text.
type scriptedTextGraph struct{ scriptedGraph }

func (g *scriptedTextGraph) Text(string, string) (string, error) { return g.Message(nil) }

// TestSendGraphRetries: a Graph send is tried again on the answers the
// wire's sends are tried again on (5xx; 130429 with 429 or 400), up to SendTries
// in all, and the last answer is returned: through Message, and through
// a TextGraph's Text.
func TestSendGraphRetries(t *testing.T) {
	refusal := func(status int, code string) error {
		return &router.PlatformError{Code: code, HTTPStatus: status, Message: "m"}
	}
	throttled, unavailable := refusal(429, "130429"), refusal(503, "2")
	tests := []struct {
		name    string
		answers []error
		calls   int
		err     error
	}{
		{"accepted", nil, 1, nil},
		{"unavailable, then accepted", []error{unavailable, nil}, 2, nil},
		{"throttled twice, then accepted", []error{throttled, throttled, nil}, 3, nil},
		{"throttled every time", []error{throttled, throttled, throttled, throttled}, SendTries, throttled},
		{"pair rate limit", []error{refusal(400, "131056")}, 1, refusal(400, "131056")},
		{"429 with another code", []error{refusal(429, "4")}, 1, refusal(429, "4")},
		{"window closed", []error{refusal(400, "131047")}, 1, refusal(400, "131047")},
		{"transport failure", []error{errors.New("down")}, 1, errors.New("down")},
	}
	for _, tc := range tests {
		for _, byValues := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/text graph %v", tc.name, byValues), func(t *testing.T) {
				sg := &scriptedGraph{answers: tc.answers}
				var g Graph = sg
				if byValues {
					tg := &scriptedTextGraph{scriptedGraph{answers: tc.answers}}
					g, sg = tg, &tg.scriptedGraph
				}
				a := New(Config{PhoneNumberID: testPhoneID, Clock: (&fakeClock{now: t0}).Now, Graph: g}, &recorder{})
				_, err := a.Send(context.Background(), router.CustomerKey{Channel: Channel, Account: testPhoneID, Customer: "16505551234"},
					router.Outbound{Kind: router.KindText, Text: "hi"})
				if sg.calls != tc.calls || !reflect.DeepEqual(err, tc.err) {
					t.Errorf("%d calls, %v; want %d, %v", sg.calls, err, tc.calls, tc.err)
				}
			})
		}
	}
}

// TestMarkReadThroughAGraph: an adapter with a Graph makes no HTTP call
// to mark a message read: it is an error.
func TestMarkReadThroughAGraph(t *testing.T) {
	called := false
	client := doerFunc(func(*http.Request) (*http.Response, error) { called = true; return nil, errors.New("no") })
	a := New(Config{AccessToken: testToken, PhoneNumberID: testPhoneID, Client: client, Graph: &scriptedGraph{}}, &recorder{})
	if err := a.MarkRead(context.Background(), "wamid.X"); err == nil || called {
		t.Fatalf("error %v, HTTP call made: %v", err, called)
	}
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }
