package douyin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzSendAPI posts arbitrary bodies to the send and token endpoints: every
// answer is HTTP 200 and one of Douyin's JSON envelopes, and only a send
// that passes every rule is delivered.
func FuzzSendAPI(f *testing.F) {
	f.Add(false, "application/json", []byte(`{"msg_id":"@m","conversation_id":"1","to_user_id":"_000a","scene":"im_reply_msg","content":{"msg_type":"text","text":{"text":"hi"}}}`))
	f.Add(false, "application/json", []byte(`{"content":{"text":null}}`))
	f.Add(true, "application/x-www-form-urlencoded", []byte("client_key=awq3x8kd2m7v5npz&client_secret=5b8e2f9c41d37a06e1f4c8b2d9a35e70&grant_type=client_credential"))
	f.Add(true, "application/json", []byte(`{"client_key":1}`))
	f.Fuzz(func(t *testing.T, tokenPath bool, ctype string, body []byte) {
		s := New(Config{Clock: func() time.Time { return start }, Deliver: func(context.Context, *Push) (int, []byte, error) { return 200, nil, nil }})
		s.CustomerText(context.Background(), User{OpenID: "_000a"}, "hi")
		tok := s.ids.token()
		s.tokens[tok] = start.UnixNano()
		path := PathSend + "?open_id=" + DefaultAccountOpenID
		if tokenPath {
			path = PathClientToken
		}
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("access-token", tok)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		var v struct {
			Data struct {
				ErrorCode *int `json:"error_code"`
			} `json:"data"`
		}
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &v) != nil {
			t.Fatalf("answer %d %q", w.Code, w.Body)
		}
		delivered := s.Counts().Deliveries
		if !tokenPath && (v.Data.ErrorCode == nil) != (delivered == 1) {
			t.Fatalf("answer %s with %d deliveries", w.Body, delivered)
		}
		if tokenPath && v.Data.ErrorCode == nil {
			t.Fatalf("token answer without error_code: %s", w.Body)
		}
	})
}

// FuzzDecodeSend holds the fast send decoder to encoding/json's answers.
func FuzzDecodeSend(f *testing.F) {
	f.Add(`{"msg_id":"@m","conversation_id":"1","to_user_id":"_000a","scene":"im_reply_msg","content":{"msg_type":"text","text":{"text":"hi\u00e9"}}}`)
	f.Add(`{"content":{"text":null}}`)
	f.Add(`{"content":{"text":{"Text":"x","text":"y"}},"extra":[1,2]}`)
	f.Fuzz(func(t *testing.T, body string) {
		var fast, ref SendRequest
		if !fastSend([]byte(body), &fast) {
			return
		}
		if !decodeReference([]byte(body), &ref) {
			t.Fatalf("fast decoded %+v; encoding/json refuses", fast)
		}
		if fast != ref {
			t.Fatalf("fast %+v\nref  %+v", fast, ref)
		}
	})
}
