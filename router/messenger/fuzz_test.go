package messenger

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzWebhook: any signed body is parsed without panicking; a body the
// parser accepts is a JSON object whose events name their kind
// consistently, and the adapter answers 200 or 400 to it.
func FuzzWebhook(f *testing.F) {
	f.Add(msgBody)
	f.Add(`{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"2"},"delivery":{"mids":["m"]}}]}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		evs, err := ParseWebhook([]byte(body))
		if err == nil {
			if !json.Valid([]byte(body)) {
				t.Fatalf("accepted invalid JSON %q", body)
			}
			for _, ev := range evs {
				if ev.Kind == "delivery" && ev.MID != "" || ev.Kind == "" && ev.MID != "" && ev.Referral == nil && ev.Text != "" {
					t.Fatalf("event %+v", ev)
				}
			}
		}
		a, rec, _ := newAdapter(Config{})
		status := postHook(a, body, map[string]string{SignatureHeader: sig256(body)})
		if status != 200 && status != 400 || status == 400 && len(rec.in) != 0 || (status == 200) != (err == nil) {
			t.Fatalf("HTTP %d (parse error %v), %d messages", status, err, len(rec.in))
		}
	})
}

// FuzzWebhookDecoders holds the one-pass decoder to encoding/json's
// answers: whatever it decodes, encoding/json decodes to the same value,
// whether or not it decodes into a webhookBlock.
func FuzzWebhookDecoders(f *testing.F) {
	f.Add(msgBody)
	f.Add(`{"object":"page","Entry":[]}`)
	f.Add(`{"object":"page","entry":[{"id":"1","messaging":[{"message":{"mid":"m","text":"\ud83d\ude00 \u00e9 \n"}}]}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		fast, ok := decodeWebhookFast([]byte(body), webhookWords, nil)
		if !ok {
			return
		}
		std, err := decodeWebhookStd([]byte(body))
		if err != nil {
			t.Fatalf("fast decoded what encoding/json refuses (%v): %q", err, body)
		}
		if !reflect.DeepEqual(fast, std) {
			t.Fatalf("body %q\nfast %+v\nstd  %+v", body, fast, std)
		}
		// Decoded into a block, the same value.
		inBlock, ok := decodeWebhookFast([]byte(body), webhookWords, new(webhookBlock))
		if !ok || !reflect.DeepEqual(inBlock, std) {
			t.Fatalf("body %q (ok %v)\nin a block %+v\nstd        %+v", body, ok, inBlock, std)
		}
	})
}

// FuzzAnswerDecoders holds the send answer's fast reading to
// encoding/json's.
func FuzzAnswerDecoders(f *testing.F) {
	f.Add(`{"recipient_id":"7240412345678901","message_id":"m_1"}`)
	f.Add(`{"Message_ID":"x"}`)
	f.Fuzz(func(t *testing.T, answer string) {
		var ok struct {
			MessageID string `json:"message_id"`
		}
		want := ""
		if json.Unmarshal([]byte(answer), &ok) == nil {
			want = ok.MessageID
		}
		if got := messageID([]byte(answer)); got != want {
			t.Fatalf("%q: %q, encoding/json %q", answer, got, want)
		}
	})
}
