package wechat

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"testing"
)

// checkAnswer checks the invariants of one webhook answer: a refusal
// changes no state, an acceptance routes at most one notification, and a
// redelivery of an accepted one routes nothing new.
func checkAnswer(t *testing.T, a *Adapter, rec *recorder, code int, redeliver func() int) {
	t.Helper()
	s := a.Stats()
	switch {
	case code == http.StatusOK:
		if s.Rejected != 0 || s.Received != len(rec.received) || s.Received+s.Events+s.Ignored != 1 || s.Duplicates != 0 {
			t.Fatalf("stats %+v with %d receives", s, len(rec.received))
		}
		for _, c := range rec.received {
			if c.In.Customer.Channel != Channel || c.In.Customer.Account != testAppID || c.In.Customer.Customer == "" {
				t.Fatalf("bad inbound %+v", c.In)
			}
			if att := c.In.Attachment; att != nil && att.Kind != "image" && att.Kind != "audio" && att.Kind != "video" {
				t.Fatalf("attachment kind %q", att.Kind)
			}
		}
		before := s
		if code := redeliver(); code != http.StatusOK {
			t.Fatalf("redelivery: status %d", code)
		}
		after := a.Stats()
		if after.Received != before.Received || after.Events != before.Events || len(rec.received) != before.Received {
			t.Fatalf("redelivery routed again: %+v -> %+v", before, after)
		}
	case code >= 400 && code < 500:
		if rec.count() != 0 || remembered(a) != 0 || s != (Stats{Rejected: 1}) {
			t.Fatalf("refused webhook (%d) changed state: stats %+v, %d receives, %d remembered", code, s, rec.count(), remembered(a))
		}
	default:
		t.Fatalf("status %d", code)
	}
}

// FuzzWebhook POSTs arbitrary bodies with a correct plaintext-mode
// signature: the adapter must never panic, must answer 200, 400 or (for a
// body with an Encrypt element but no msg_signature) 401, and must not call
// the Receiver or remember anything for a body it refuses.
func FuzzWebhook(f *testing.F) {
	f.Add(textMsg("oyORnuP8q7ou2gfYjqLzSIWZf0rs", "6054768590064713728", "this is a test"))
	f.Add(eventMsg("o1", 1700000000, "subscribe", "qrscene_1"))
	f.Add([]byte(tencentBody))
	f.Add([]byte("<xml/>"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		a, rec, _ := newTestAdapter(t)
		code := postPlain(a, body).Code
		if code == http.StatusUnauthorized && !bytes.Contains(body, []byte("Encrypt")) {
			t.Fatalf("401 for a signed body without Encrypt: %q", body)
		}
		if code == http.StatusForbidden || code == http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d for a signed small body %q", code, body)
		}
		checkAnswer(t, a, rec, code, func() int { return postPlain(a, body).Code })
	})
}

// FuzzSafeWebhook POSTs safe-mode webhooks whose msg_signature is correct
// for their Encrypt value: arbitrary text when sealed is false, otherwise a
// correct envelope of inner for the test account. The adapter must never
// panic, must answer 200, 400 or 403 (never 403 for a correct envelope),
// and must not call the Receiver or remember anything for a webhook it
// refuses.
func FuzzSafeWebhook(f *testing.F) {
	f.Add("", textMsg("o1", "1", "hello"), true)
	f.Add(tencentEncrypt, []byte(nil), false)
	f.Add("not base64!", []byte(nil), false)
	f.Add("AAAAAAAAAAAAAAAAAAAAAA==", []byte(nil), false)
	f.Add("", []byte("not xml"), true)
	f.Fuzz(func(t *testing.T, encrypt string, inner []byte, sealed bool) {
		if sealed {
			encrypt = encryptMsg(t, inner)
		}
		var esc bytes.Buffer
		xml.EscapeText(&esc, []byte(encrypt))
		body := []byte("<xml><ToUserName><![CDATA[" + testOriginal + "]]></ToUserName><Encrypt>" + esc.String() + "</Encrypt></xml>")
		a, rec, _ := newTestAdapter(t)
		post := func() int { return do(a, http.MethodPost, safeQuery(encrypt), body).Code }
		code := post()
		switch code {
		case http.StatusOK, http.StatusBadRequest:
		case http.StatusForbidden:
			if sealed {
				t.Fatalf("403 for a correct envelope of %q", inner)
			}
		default:
			t.Fatalf("status %d", code)
		}
		checkAnswer(t, a, rec, code, post)
	})
}
