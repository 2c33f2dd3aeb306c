package douyin

import (
	"net/http"
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
