package line

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"
)

// FuzzWebhook feeds arbitrary signed bodies to the webhook endpoint:
// nothing panics, and the answer is 200 or 400.
func FuzzWebhook(f *testing.F) {
	f.Add([]byte(payload(messageEvent("1", "E1", "t", "hello"))))
	f.Add([]byte(payload()))
	f.Add([]byte(`{"destination":"` + bot + `","events":[{"type":"message","source":{"type":"user","userId":"U1"},"webhookEventId":"x","message":{"type":"file","fileName":"a.b.PDF","fileSize":-1}}]}`))
	f.Add([]byte(`{"destination":1}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		rcv := &receiver{}
		a := New(Config{ChannelSecret: secret, BotUserID: bot, Clock: (&clock{}).Now}, rcv)
		st := post(a, string(body), sign(secret, string(body)))
		if st != 200 && st != 400 {
			t.Fatalf("HTTP %d", st)
		}
		for _, in := range rcv.ins {
			if in.Attachment != nil && in.Attachment.Size < 0 {
				t.Fatalf("negative size %+v", in.Attachment)
			}
		}
		if _, err := ParsePayload(body); err == nil && st != 200 {
			p, _ := ParsePayload(body)
			if p.Destination == bot {
				t.Fatalf("parsed payload for the bot answered %d", st)
			}
		}
		a.Events(context.Background(), bot, nil)
	})
}

// FuzzSendBody checks the send body encoder against encoding/json: every
// body it writes is valid JSON that decodes to the values encoded.
func FuzzSendBody(f *testing.F) {
	f.Add("tok", "hello", "https://m/a.png?size=1")
	f.Add("", "a \"b\" \\ <c> \u2028 \x01 \xff", "")
	f.Fuzz(func(t *testing.T, to, text, url string) {
		msgs := []Message{{Type: "text", Text: text}, {Type: "image", OriginalContentURL: url, PreviewImageURL: url}}
		for _, b := range [][]byte{AppendPush(nil, to, msgs), AppendReply(nil, to, msgs)} {
			var v struct {
				To, ReplyToken string
				Messages       []struct {
					Type, Text, OriginalContentURL string
				}
			}
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			want := func(s string) string {
				if utf8.ValidString(s) {
					return s
				}
				return string([]rune(s)) // invalid bytes become U+FFFD, as encoding/json writes them
			}
			if v.To+v.ReplyToken != want(to) || v.Messages[0].Text != want(text) || v.Messages[1].OriginalContentURL != want(url) {
				t.Fatalf("%s decodes to %+v", b, v)
			}
			std, _ := json.Marshal(text)
			if mine := appendString(nil, text); string(mine) != string(std) && utf8.ValidString(text) && !containsHTML(text) {
				t.Fatalf("appendString(%q) = %s, encoding/json %s", text, mine, std)
			}
		}
	})
}

// containsHTML reports whether s has a character encoding/json escapes for
// HTML, which the encoder writes as is.
func containsHTML(s string) bool {
	for _, r := range s {
		if r == '<' || r == '>' || r == '&' {
			return true
		}
	}
	return false
}

// FuzzDecoders holds the one-pass decoders to encoding/json: whenever the
// scanner decodes a body, encoding/json decodes it without error to the
// same values.
func FuzzDecoders(f *testing.F) {
	f.Add([]byte(payload(messageEvent("1", "E1", "t", "hello"))))
	f.Add([]byte(`{"destination":"U1","events":[{"type":"message","message":{"id":"1","type":"file","fileName":"a\u00e9\"b","fileSize":-12}},{"source":{"type":"user","userId":"U2","x":[1,{"y":null}]},"deliveryContext":{"isRedelivery":true}}],"extra":{"a":[true,false,1.5e3]}}`))
	f.Add([]byte(`{"sentMessages":[{"id":"461230966842064897","quoteToken":"IStG5h1Tz7b"}]}`))
	f.Add([]byte(`{"DESTINATION":"x","events":[{"Type":"message"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast, std Payload
		if scanPayload(body, &fast, "U1", nil) { // "U1" is also the seeds' destination
			if err := json.Unmarshal(body, &std); err != nil {
				t.Fatalf("scanner decoded %s; encoding/json: %v", body, err)
			}
			if !reflect.DeepEqual(fast, std) {
				t.Fatalf("%s:\nscanner       %+v\nencoding/json %+v", body, fast, std)
			}
		}
		var res APIResult
		if scanAnswer(body, &res) {
			var v struct {
				SentMessages []struct {
					ID string `json:"id"`
				} `json:"sentMessages"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(body, &v); err != nil || v.Message != "" {
				t.Fatalf("scanner decoded %s; encoding/json: %v %+v", body, err, v)
			}
			var ids []string
			for _, m := range v.SentMessages {
				ids = append(ids, m.ID)
			}
			if !reflect.DeepEqual(ids, res.IDs) {
				t.Fatalf("%s: ids %q, encoding/json %q", body, res.IDs, ids)
			}
		}
	})
}

// A destination equal to the known string is that string, not a copy;
// any other string is read as before.
func TestScanPayloadReusesKnown(t *testing.T) {
	known := strings.Clone("U1")
	var p Payload
	if !scanPayload([]byte(`{"destination":"U1","events":[{"type":"message","source":{"type":"user","userId":"U2"}}]}`), &p, known, nil) {
		t.Fatal("scanner refused the body")
	}
	if p.Destination != "U1" || unsafe.StringData(p.Destination) != unsafe.StringData(known) {
		t.Errorf("destination %q is a copy, want the known string", p.Destination)
	}
	if p.Events[0].Source.UserID != "U2" {
		t.Errorf("userId %q, want U2", p.Events[0].Source.UserID)
	}
}
