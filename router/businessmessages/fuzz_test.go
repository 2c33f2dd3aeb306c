package businessmessages

import (
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// The webhook never panics on any signed body, and what it routes has a
// conversation and a message id; an unsigned body changes nothing.
func FuzzUserMessage(f *testing.F) {
	f.Add([]byte(message))
	f.Add([]byte(`{"conversationId":"c","requestId":"r","receipts":{"receipts":[{"message":"x","receiptType":"READ"}]}}`))
	f.Add([]byte(`{"conversationId":"c","requestId":"r","userStatus":{"isTyping":true}}`))
	f.Add([]byte(`{"clientToken":"omnisim-business-messages-client-token","secret":"s"}`))
	f.Add([]byte(`{"conversationId":"c","requestId":"r","message":{"image":{"contentInfo":{"fileUrl":"https://x/a.PNG?x=1"}}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, r := newAdapter(t)
		a.cfg.Agent = ""
		w := httptest.NewRecorder()
		a.ServeHTTP(w, httptest.NewRequest("POST", "/", strings.NewReader(string(body))))
		if len(r.in) != 0 || len(r.statuses) != 0 {
			t.Fatal("an unsigned body was routed")
		}
		w = hook(a, string(body), sign(string(body)))
		for _, in := range r.in {
			if in.Customer.Customer == "" {
				t.Fatalf("routed %+v from %q", in, body)
			}
		}
		if w.Code != 200 && w.Code != 400 {
			t.Fatalf("signed body answered %d", w.Code)
		}
	})
}
