package whatsapp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzWebhook signs arbitrary bodies correctly and POSTs them: the adapter
// must never panic, must answer 200, 400 or 413, and must not call the
// Receiver for a body it refuses.
func FuzzWebhook(f *testing.F) {
	f.Add(textMessage("16505551234", "wamid.HBgLMTY1MDUwNzY1MjAVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", "Hello"))
	f.Add(envelopeOf(testPhoneID,
		`"contacts":[{"profile":{"name":"Sheena"},"wa_id":"1"}],"messages":[{"from":"1","id":"w1","type":"image","image":{"caption":"c","mime_type":"image/jpeg","id":"9"}},{"from":"1","id":"w2","type":"document","document":{"filename":"a.pdf","mime_type":"application/pdf","id":"8"}},{"from":"1","id":"w3","type":"reaction","reaction":{"message_id":"w1","emoji":"\ud83d\udc4d"}},{"from":"1","id":"w4","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"b","title":"Yes"}}}]`))
	f.Add(envelopeOf(testPhoneID,
		`"statuses":[{"id":"wamid.S","status":"failed","timestamp":"1749416385","recipient_id":"1","errors":[{"code":131047,"title":"Re-engagement message","error_data":{"details":"x"}}]},{"id":"wamid.T","status":"read","recipient_id":"1"}]`))
	f.Add(envelopeOf("other", textValue("1", "n", "w", "x")))
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"` + testPhoneID + `"},"messages":[{"from":"1","id":"w","type":"text","text":{"body":"\u00e4\u00f6\u00e5 \u003c\/"}}]}}]}]}`))
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":null}]}]}`))
	f.Add([]byte(`{"entry":[{"changes":[{"value":{"messages":[{}]}}]}]}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[`))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, body []byte) {
		a, rec, _ := newTestAdapter(t)
		req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
		req.Header.Set(SignatureHeader, sign(testSecret, body))
		w := httptest.NewRecorder()
		a.ServeHTTP(w, req)
		if valid := json.Valid(body); !valid && w.Code == http.StatusOK {
			t.Fatalf("invalid JSON %q accepted", body)
		}
		switch w.Code {
		case http.StatusOK:
			s := a.Stats()
			if s.Rejected != 0 || s.Received != len(rec.received) || s.Statuses != len(rec.statuses) {
				t.Fatalf("stats %+v with %d receives, %d statuses", s, len(rec.received), len(rec.statuses))
			}
			for _, c := range rec.received {
				if c.In.Customer.Channel != Channel || c.In.Customer.Account != testPhoneID || c.In.Customer.Customer == "" || c.In.MessageID == "" {
					t.Fatalf("bad inbound %+v", c.In)
				}
			}
			// Redelivery must be fully deduplicated.
			before := len(rec.received)
			req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
			req.Header.Set(SignatureHeader, sign(testSecret, body))
			w := httptest.NewRecorder()
			a.ServeHTTP(w, req)
			if w.Code != http.StatusOK || len(rec.received) != before {
				t.Fatalf("redelivery: status %d, %d new receives", w.Code, len(rec.received)-before)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if len(rec.received)+len(rec.statuses) != 0 {
				t.Fatalf("refused body (%d) reached the receiver", w.Code)
			}
			if n := a.seen.Len(); n != 0 {
				t.Fatalf("refused body remembered %d ids", n)
			}
		default:
			t.Fatalf("status %d for %q", w.Code, body)
		}
	})
}
