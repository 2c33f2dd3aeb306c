package businessmessages

import (
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"reflect"
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
		// 403 only for a verification request with another client token.
		m, err := ParseUserMessage(body)
		verification := err == nil && m.ConversationID == "" && m.Secret != ""
		if w.Code != 200 && w.Code != 400 && (w.Code != 403 || !verification) {
			t.Fatalf("signed body answered %d", w.Code)
		}
	})
}

// The one-pass decoder agrees with encoding/json: whatever it decodes,
// encoding/json decodes to the same value.
func FuzzDecodeFast(f *testing.F) {
	f.Add([]byte(message))
	f.Add([]byte(`{"conversationId":"c","requestId":"r","receipts":{"receipts":[{"message":"m","receiptType":"READ"},{"message":"n"}],"createTime":"t"}}`))
	f.Add([]byte(`{"conversationId":"c","requestId":"r","userStatus":{"isTyping":true,"x":[1,-2.5e3,null,{"a":"\u00e9"}]}}`))
	f.Add([]byte(`{"ConversationId":"c","conversationid":"d"}`))
	f.Add([]byte(`{"message":{"text":"a"},"message":{"name":"b"},"suggestionResponse":{"postbackData":"x"}}`))
	f.Add([]byte(`{"message":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast, std UserMessage
		ok := decodeFast(body, &fast, nil, "brands/B/agents/A") // the agent of the first seed
		err := json.Unmarshal(body, &std)
		if ok && err != nil {
			t.Fatalf("fast decoded what encoding/json refuses (%v): %q", err, body)
		}
		if ok && !reflect.DeepEqual(fast, std) {
			t.Fatalf("fast %+v\nstd  %+v\nfrom %q", fast, std, body)
		}
	})
}

// appendString writes what encoding/json writes for every string.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote \" backslash \\", "<a&b>", "\u2028\u2029", "\x00\x1f\x7f", "\xff\xfe", "中文 ünï", "\t\n\r\b\f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}
