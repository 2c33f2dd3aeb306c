package line

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/omnisim/omnisim/httpcall/httpcalltest"
)

// TestVerifyKnownAnswer checks the signature check against vectors
// computed with Python's hmac module.
func TestVerifyKnownAnswer(t *testing.T) {
	a := New(Config{ChannelSecret: secret}, &receiver{})
	for _, tc := range []struct {
		body, sig string
		ok        bool
	}{
		{`{"destination":"U0f1e2d3c4b5a69788796a5b4c3d2e1f0","events":[]}`, "65twRk7Y7qyRu7oLRmXOW4sSXq2CaeeC2R6+5QFdwxg=", true},
		{`{"destination":"Uxxx","events":[{"type":"message"}]}`, "1Qv5p164NhNAkcAG3O1lF0JHMsY+TCqS1SwgtNRNcgE=", true},
		{`{"destination":"Uxxx","events":[{"type":"message"}] }`, "1Qv5p164NhNAkcAG3O1lF0JHMsY+TCqS1SwgtNRNcgE=", false},
		{`{"destination":"Uxxx","events":[]}`, "65twRk7Y7qyRu7oLRmXOW4sSXq2CaeeC2R6+5QFdwxg", false},
		{`{"destination":"U0f1e2d3c4b5a69788796a5b4c3d2e1f0","events":[]}`, "65twRk7Y7qyRu7oLRmXOW4sSXq2CaeeC2R6+5QFdwxh=", false}, // an unused bit set
		{`x`, "not base64!!", false},
		{`x`, "", false},
	} {
		if got := a.Verify(tc.sig, []byte(tc.body)); got != tc.ok {
			t.Errorf("Verify(%q, %q) = %v", tc.sig, tc.body, got)
		}
	}
	if New(Config{}, &receiver{}).Verify(sign("", "x"), []byte("x")) {
		t.Error("an adapter without a secret accepted a signature")
	}
}

// TestVerifyNonCanonical refuses a copy of a valid signature with any of
// the two unused bits of its last character set: the same digest, written
// otherwise than base64 writes it.
func TestVerifyNonCanonical(t *testing.T) {
	a := New(Config{ChannelSecret: secret}, &receiver{})
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for _, body := range []string{`{"destination":"Uxxx","events":[]}`, `x`, `{"events":[{"type":"message"}]}`} {
		sig := sign(secret, body)
		if !a.Verify(sig, []byte(body)) {
			t.Fatalf("Verify(%q, %q) refused the signature", sig, body)
		}
		last := strings.IndexByte(alphabet, sig[len(sig)-2])
		for bits := 1; bits < 4; bits++ {
			bad := sig[:len(sig)-2] + string(alphabet[last|bits]) + "="
			if a.Verify(bad, []byte(body)) {
				t.Errorf("Verify(%q, %q) accepted a non-canonical copy of %q", bad, body, sig)
			}
		}
	}
}

func TestWebhook(t *testing.T) {
	good := payload(messageEvent("444573844083572737", "01FZ74A0TDDPYRVKNK77XKC3ZR", "tok1", "hello"))
	other := `{"destination":"U00000000000000000000000000000000","events":[]}`
	for _, tc := range []struct {
		name, body, sig string
		status, got     int
	}{
		{"good", good, sign(secret, good), 200, 1},
		{"verify", payload(), sign(secret, payload()), 200, 0},
		{"unsigned", good, "", 400, 0},
		{"forged", good, sign("other secret", good), 400, 0},
		{"body changed", good + " ", sign(secret, good), 400, 0},
		{"not json", "{", sign(secret, "{"), 400, 0},
		{"no events", `{"destination":"` + bot + `"}`, sign(secret, `{"destination":"`+bot+`"}`), 400, 0},
		{"other destination", other, sign(secret, other), 400, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, rcv, _, _ := newAdapter(t, Config{})
			if st := post(a, tc.body, tc.sig); st != tc.status {
				t.Errorf("HTTP %d, want %d", st, tc.status)
			}
			if len(rcv.ins) != tc.got {
				t.Fatalf("%d inbound, want %d", len(rcv.ins), tc.got)
			}
			if tc.status != 200 && a.Stats().Rejected != 1 {
				t.Errorf("stats %+v", a.Stats())
			}
			if tc.got == 1 {
				in := rcv.ins[0]
				if in.MessageID != "444573844083572737" || in.Text != "hello" || in.Customer.Customer != userA || in.Customer.Account != bot || in.Customer.Channel != "line" {
					t.Errorf("inbound %+v", in)
				}
			}
		})
	}
}

func TestWebhookMethodAndSize(t *testing.T) {
	a, _, _, _ := newAdapter(t, Config{})
	req := httptest.NewRequest("GET", "/callback", nil)
	w := httptest.NewRecorder()
	a.ServeHTTP(w, req)
	if w.Code != 405 {
		t.Errorf("GET: HTTP %d", w.Code)
	}
	big := strings.Repeat("x", MaxBodySize+1)
	if st := post(a, big, sign(secret, big)); st != 413 {
		t.Errorf("large body: HTTP %d", st)
	}
}

func TestDedupe(t *testing.T) {
	a, rcv, _, clk := newAdapter(t, Config{})
	body := payload(messageEvent("1", "E1", "tok1", "hello"))
	redelivered := strings.Replace(body, `"isRedelivery":false`, `"isRedelivery":true`, 1)
	for _, b := range []string{body, redelivered, body} {
		if st := post(a, b, sign(secret, b)); st != 200 {
			t.Fatalf("HTTP %d", st)
		}
	}
	if len(rcv.ins) != 1 || a.Stats().Duplicates != 2 {
		t.Errorf("%d inbound, stats %+v", len(rcv.ins), a.Stats())
	}
	// Past the dedupe window the id is new again.
	clk.t = clk.t.Add(DefaultDedupeWindow)
	post(a, body, sign(secret, body))
	if len(rcv.ins) != 2 {
		t.Errorf("%d inbound after the window", len(rcv.ins))
	}
}

func TestNormalize(t *testing.T) {
	a, rcv, _, _ := newAdapter(t, Config{Profiles: true})
	ev := func(id, msg string) string {
		return `{"type":"message","mode":"active","timestamp":1,"source":{"type":"user","userId":"` + userA + `"},"webhookEventId":"` + id +
			`","deliveryContext":{"isRedelivery":false},"replyToken":"t` + id + `","message":` + msg + `}`
	}
	body := payload(
		ev("1", `{"id":"1","type":"image","contentProvider":{"type":"line"}}`),
		ev("2", `{"id":"2","type":"file","fileName":"Invoice.PDF","fileSize":2138}`),
		ev("3", `{"id":"3","type":"location","title":"x"}`),
		`{"type":"follow","mode":"active","timestamp":1,"source":{"type":"user","userId":"`+userA+`"},"webhookEventId":"4","deliveryContext":{"isRedelivery":false},"replyToken":"t4","follow":{"isUnblocked":false}}`,
		`{"type":"message","mode":"active","timestamp":1,"source":{"type":"group","groupId":"C1","userId":"`+userA+`"},"webhookEventId":"5","deliveryContext":{"isRedelivery":false},"message":{"id":"5","type":"text","text":"in a group"}}`,
	)
	if st := post(a, body, sign(secret, body)); st != 200 {
		t.Fatalf("HTTP %d", st)
	}
	if len(rcv.ins) != 3 {
		t.Fatalf("%d inbound: %+v", len(rcv.ins), rcv.ins)
	}
	if at := rcv.ins[0].Attachment; at == nil || at.Kind != "image" || rcv.ins[0].Name != "Kenji" {
		t.Errorf("image %+v", rcv.ins[0])
	}
	if at := rcv.ins[1].Attachment; at == nil || at.Kind != "document" || at.Format != "pdf" || at.Size != 2138 || at.Name != "Invoice.PDF" {
		t.Errorf("file %+v", rcv.ins[1].Attachment)
	}
	if rcv.ins[2].Attachment != nil || rcv.ins[2].Text != "" {
		t.Errorf("location %+v", rcv.ins[2])
	}
	st := a.Stats()
	if st.Received != 3 || st.Events != 1 {
		t.Errorf("stats %+v", st)
	}
	unfollow := payload(`{"type":"unfollow","mode":"active","timestamp":1,"source":{"type":"user","userId":"` + userA + `"},"webhookEventId":"6","deliveryContext":{"isRedelivery":false}}`)
	post(a, unfollow, sign(secret, unfollow))
	if !a.Blocked(userA) {
		t.Error("unfollow not noted")
	}
}

// TestWebhooksShareNoState posts webhooks one after another, each first
// event with fewer fields than the one before: nothing of an earlier
// webhook's events (held in recycled storage) reaches a later one's.
func TestWebhooksShareNoState(t *testing.T) {
	a, rcv, _, _ := newAdapter(t, Config{})
	ev := func(id, msg string) string {
		return `{"type":"message","mode":"active","timestamp":1,"source":{"type":"user","userId":"` + userA + `"},"webhookEventId":"` + id +
			`","deliveryContext":{"isRedelivery":false},"message":` + msg + `}`
	}
	for _, body := range []string{
		payload(ev("1", `{"id":"1","type":"file","fileName":"Invoice.PDF","fileSize":2138}`), ev("2", `{"id":"2","type":"text","text":"two"}`)),
		payload(ev("3", `{"type":"text","text":"three"}`)),
		payload(ev("4", `{"id":"4","type":"image"}`)),
	} {
		if st := post(a, body, sign(secret, body)); st != 200 {
			t.Fatalf("HTTP %d", st)
		}
	}
	if len(rcv.ins) != 4 {
		t.Fatalf("%d inbound: %+v", len(rcv.ins), rcv.ins)
	}
	if in := rcv.ins[2]; in.MessageID != "" || in.Text != "three" || in.Attachment != nil {
		t.Errorf("third message %+v", in)
	}
	if in := rcv.ins[3]; in.MessageID != "4" || in.Text != "" || in.Attachment == nil || in.Attachment.Kind != "image" || in.Attachment.Name != "" {
		t.Errorf("fourth message %+v, attachment %+v", in, in.Attachment)
	}
}

// TestWebhookBodyHandedOver: a webhook made with httpcall, whose body the
// endpoint reads where it is (httpcall.Body), is handled as one read from
// a socket: a good one delivered, one over MaxBodySize refused also when
// its length is not declared.
func TestWebhookBodyHandedOver(t *testing.T) {
	a, rcv, _, _ := newAdapter(t, Config{})
	post := func(body string) int {
		return httpcalltest.Post(a, "http://router.test/callback", []byte(body), func(r *http.Request) {
			r.Header.Set(SignatureHeader, sign(secret, body))
			r.ContentLength = -1 // not declared: the body itself is measured
		}).Code
	}
	good := payload(messageEvent("444573844083572737", "01FZ74A0TDDPYRVKNK77XKC3ZR", "tok1", "hello"))
	if st := post(good); st != 200 || len(rcv.ins) != 1 || rcv.ins[0].Text != "hello" {
		t.Fatalf("HTTP %d, %d inbound", st, len(rcv.ins))
	}
	if st := post(strings.Repeat("x", MaxBodySize+1)); st != 413 {
		t.Errorf("large body: HTTP %d", st)
	}
}
