package messenger

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// FuzzSendAPI: whatever the path, content type and body, the fake answers
// 200 with a send response or Graph's error envelope with an fbtrace_id,
// and only an accepted message is delivered.
func FuzzSendAPI(f *testing.F) {
	f.Add("/v25.0/me/messages", "application/json", `{"recipient":{"id":"7240412345678901"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`)
	f.Add("/v25.0/me/messages", "application/x-www-form-urlencoded", `recipient=%7B%22id%22%3A%227240412345678901%22%7D&messaging_type=RESPONSE&message=%7B%22text%22%3A%22hi%22%7D`)
	f.Add("/v25.0/me/message_attachments", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\n{\"attachment\":{\"type\":\"image\"}}\r\n--x--\r\n")
	f.Fuzz(func(t *testing.T, path, ctype, body string) {
		s := New(Config{WebhookURL: "http://hook.invalid/", Client: &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}}, nil
		})}})
		s.CustomerText(context.Background(), "7240412345678901", "hi")
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \x00\r\n#") {
			path = "/" + strings.NewReplacer(" ", "", "\x00", "", "\r", "", "\n", "", "#", "").Replace(path)
		}
		r, err := http.NewRequest(http.MethodPost, "http://graph.invalid"+path+"?access_token="+DefaultAccessToken, strings.NewReader(body))
		if err != nil {
			return
		}
		r.Header.Set("Content-Type", ctype)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		var v struct {
			RecipientID  string `json:"recipient_id"`
			MessageID    string `json:"message_id"`
			AttachmentID string `json:"attachment_id"`
			Error        *Error `json:"error"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatalf("answer %q is not JSON: %v", w.Body.String(), err)
		}
		switch {
		case w.Code == 200:
			if v.Error != nil || v.RecipientID == "" && v.AttachmentID == "" {
				t.Fatalf("200 with %q", w.Body.String())
			}
		case v.Error == nil || v.Error.FBTraceID == "" || v.Error.Code == 0:
			t.Fatalf("HTTP %d with %q", w.Code, w.Body.String())
		}
		if d := s.Counts().Deliveries; d > 1 || d == 1 && v.MessageID == "" {
			t.Fatalf("%d deliveries for %q", d, w.Body.String())
		}
	})
}

// FuzzSendDecoders holds the one-pass send-body decoder to encoding/json's
// answers.
func FuzzSendDecoders(f *testing.F) {
	f.Add(`{"recipient":{"id":"7240412345678901"},"messaging_type":"RESPONSE","message":{"text":"hi \u00e9"}}`)
	f.Add(`{"recipient":{"id":"1"},"message":{"attachment":{"type":"image","payload":{"url":"https://x","is_reusable":true}}}}`)
	f.Fuzz(func(t *testing.T, body string) {
		fast, ok := decodeSendFast([]byte(body))
		if !ok {
			return
		}
		var std SendRequest
		if msg := decodeSendStd([]byte(body), &std); msg != "" {
			t.Fatalf("fast decoded what encoding/json refuses: %q", body)
		}
		if !reflect.DeepEqual(fast, std) {
			t.Fatalf("body %q\nfast %+v\nstd  %+v", body, fast, std)
		}
	})
}

// FuzzQueryToken holds the token's reading to url.ParseQuery's.
func FuzzQueryToken(f *testing.F) {
	f.Add("access_token=abc&x=1")
	f.Add("x=1&access%5Ftoken=a%20b+c")
	f.Add("access_token=a;b&access_token=c")
	f.Add("access%5Ftoken=%zz&access_token=GOOD")
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		if got, want := queryToken(raw), q.Get("access_token"); got != want {
			t.Fatalf("%q: %q, url.ParseQuery %q", raw, got, want)
		}
	})
}
