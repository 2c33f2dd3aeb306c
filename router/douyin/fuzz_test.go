package douyin

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// FuzzWebhook posts arbitrary signed bodies: the adapter never panics,
// answers 200 or a refusal, hands on only im_receive_msg events it parsed,
// and ParseEvent agrees with the handler on what is malformed.
func FuzzWebhook(f *testing.F) {
	f.Add(textBody, "m1")
	f.Add(`{"event":"verify_webhook","client_key":"awkey","content":{"challenge":12345}}`, "")
	f.Add(`{"event":"verify_webhook","content":{"challenge":"x"}}`, "")
	f.Add(`{"event":"im_enter_direct_msg","client_key":"awkey","from_user_id":"_000u","to_user_id":"_000biz","content":"{}"}`, "e")
	f.Add(`{"event":"im_receive_msg","content":"{\"server_message_id\":1}"}`, "x")
	f.Add(`{"event":"im_send_msg","content":null}`, "")
	f.Fuzz(func(t *testing.T, body, msgID string) {
		rcv := &receiver{}
		a := New(Config{ClientKey: "awkey", ClientSecret: "s3cret", AccountOpenID: "_000biz", Clock: func() time.Time { return now }}, rcv)
		w := post(a, body, sign(body), msgID)
		var ev Event
		perr := ParseEvent([]byte(body), &ev)
		switch w.Code {
		case http.StatusOK:
			if perr != nil {
				t.Fatalf("accepted what ParseEvent refuses: %v", perr)
			}
			if len(rcv.in) > 1 || len(rcv.in) == 1 && (ev.Event != EventReceive || rcv.in[0].MessageID != ev.Content.ServerMessageID) {
				t.Fatalf("handed on %+v for %+v", rcv.in, ev)
			}
			if ev.Event == EventVerify && !strings.HasPrefix(w.Body.String(), `{"challenge":`) {
				t.Fatalf("verify answer %q", w.Body)
			}
		case http.StatusBadRequest:
			if perr == nil {
				t.Fatalf("refused what ParseEvent accepts: %q", w.Body)
			}
			fallthrough
		case http.StatusForbidden:
			if len(rcv.in) != 0 {
				t.Fatal("a refused webhook changed state")
			}
		default:
			t.Fatalf("HTTP %d", w.Code)
		}
	})
}

// FuzzDecodeEvent holds the fast event decoder to encoding/json's answers:
// whatever it decodes, ParseEvent's reference path decodes the same way.
func FuzzDecodeEvent(f *testing.F) {
	f.Add(textBody)
	f.Add(`{"event":"im_receive_msg","from_user_id":"u","content":"{\"server_message_id\":\"m\",\"user_infos\":[{\"nick_name\":\"a\"},{\"nick_name\":\"b\"}],\"Text\":\"x\"}"}`)
	f.Add(`{"event":"im_enter_direct_msg","content":"{\"create_time\":1.5}"}`)
	f.Add(`{"event":"e","content":"{\"text\":\"\\u00e9\\ud83d\\ude00\"}","extra":[1,{"a":null}]}`)
	f.Add(`{"event":"e","content":" {}"}`)
	f.Add(`{"event":"im_receive_msg","from_user_id":"u","content":"{\"conversation_short_id\":\"c\",\"server_message_id\":\"m\"}"}`)
	f.Fuzz(func(t *testing.T, body string) {
		var fast, ref Event
		if !fastEvent([]byte(body), &fast, []string{"awkey", "_000biz"}, knownU) {
			return
		}
		if err := parseReference([]byte(body), &ref); err != nil {
			t.Fatalf("fast decoded %+v; encoding/json: %v", fast, err)
		}
		if fast != ref {
			t.Fatalf("fast %+v\nref  %+v", fast, ref)
		}
	})
}

// FuzzDecodeAnswer holds the fast answer decoder to encoding/json's.
func FuzzDecodeAnswer(f *testing.F) {
	f.Add(`{"data":{"msg_id":"@x"},"extra":{"error_code":0,"description":"","sub_error_code":0,"logid":"x","now":1}}`)
	f.Add(`{"data":{"error_code":28001008,"description":"access_token过期"},"extra":{"error_code":28001008}}`)
	f.Add(`{"err_no":28003017,"err_msg":"quota","log_id":"x"}`)
	f.Add(`{"data":{"access_token":"clt.x","expires_in":7200,"error_code":0},"message":"success"}`)
	f.Fuzz(func(t *testing.T, body string) {
		var fast, ref apiAnswer
		if !fastAnswer([]byte(body), &fast) {
			return
		}
		if err := json.Unmarshal([]byte(body), &ref); err != nil {
			t.Fatalf("fast decoded %+v; encoding/json: %v", fast, err)
		}
		if !reflect.DeepEqual(fast, ref) {
			t.Fatalf("fast %+v\nref  %+v", fast, ref)
		}
	})
}

// knownU knows one sender, "u", in conversation "c".
func knownU(openID []byte) (string, string) {
	if string(openID) == "u" {
		return "u", "c"
	}
	return "", ""
}
