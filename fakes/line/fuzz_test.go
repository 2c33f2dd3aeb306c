package line

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzSendBody feeds arbitrary bodies to the reply and push parsers and the
// rules behind them: nothing panics, and an accepted push delivers what
// it says it sent.
func FuzzSendBody(f *testing.F) {
	f.Add([]byte(`{"to":"U4af4980629a1b2c3d4e5f60718293a4b","messages":[{"type":"text","text":"hi"}]}`))
	f.Add([]byte(`{"replyToken":"x","messages":[{"type":"image","originalContentUrl":"https://a/b.png?size=1","previewImageUrl":"https://a/p.jpg"}]}`))
	f.Add([]byte(`{"to":"U4af4980629a1b2c3d4e5f60718293a4b","messages":[]}`))
	f.Add([]byte(`{"to":1}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		s := New(Config{Clock: newClock().Now, Direct: func(context.Context, string, []Event) int { return 200 }})
		s.CustomerText(context.Background(), userA, "", "hello")
		var r ReplyRequest
		if DecodeReply(body, &r) == nil {
			s.Reply("", r)
		}
		var p PushRequest
		if DecodePush(body, &p) == nil {
			before := s.Counts().Deliveries
			res, e := s.Push("", p)
			if e == nil && len(res.SentMessages) != len(p.Messages) {
				t.Fatalf("%d sent for %d messages", len(res.SentMessages), len(p.Messages))
			}
			if e == nil && s.Counts().Deliveries != before+len(p.Messages) {
				t.Fatal("accepted push to a known user not delivered")
			}
		}
	})
}

// FuzzDecoders holds the one-pass body decoders to encoding/json: whenever
// the scanner decodes a body, encoding/json decodes it without error to
// the same values.
func FuzzDecoders(f *testing.F) {
	f.Add([]byte(`{"to":"U4af4980629a1b2c3d4e5f60718293a4b","messages":[{"type":"text","text":"hi"}]}`))
	f.Add([]byte(`{"replyToken":"x","messages":[{"type":"audio","originalContentUrl":"https://a/b.m4a","duration":60000}],"notificationDisabled":true,"extra":[null,{"a":1.5}]}`))
	f.Add([]byte(`{"To":"x","MESSAGES":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var fr, sr ReplyRequest
		if scanReply(body, &fr) {
			if err := json.Unmarshal(body, &sr); err != nil || !reflect.DeepEqual(fr, sr) {
				t.Fatalf("%s:\nscanner       %+v\nencoding/json %+v (%v)", body, fr, sr, err)
			}
		}
		var fp, sp PushRequest
		if scanPush(body, &fp) {
			if err := json.Unmarshal(body, &sp); err != nil || !reflect.DeepEqual(fp, sp) {
				t.Fatalf("%s:\nscanner       %+v\nencoding/json %+v (%v)", body, fp, sp, err)
			}
		}
	})
}
