package messenger

import (
	"encoding/json"
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
