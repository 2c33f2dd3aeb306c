package douyin

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/fault"
)

// sendRaw posts a send body and returns the raw answer.
func sendRaw(t *testing.T, s *Server, tok, body string) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, sendPath(), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("access-token", tok)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != 200 {
		t.Fatalf("HTTP %d %s", w.Code, w.Body)
	}
	return w.Body.String()
}

// logIDs stands for the generated log ids and times, which differ per call.
var logIDs = regexp.MustCompile(`"(logid|log_id)":"[0-9A-F]+"|"now":[0-9]+`)

// The send's answers in each envelope: the same codes and descriptions,
// the default's shape unchanged; the token endpoint keeps its own.
func TestEnvelope(t *testing.T) {
	for _, tc := range []struct {
		envelope string
		ok       string // the answer of an accepted reply, log ids and times elided
		err      string // the answer of a refused one (a bad scene)
		expired  string // and of a missing token
	}{
		{"", `{"data":{"msg_id":"@ID"},"extra":{"error_code":0,"description":"","sub_error_code":0,"sub_description":"",LOG,NOW}}`,
			`{"data":{"error_code":28001007,"description":"参数不合法: scene must be im_reply_msg"},"extra":{"error_code":28001007,"description":"参数不合法: scene must be im_reply_msg","sub_error_code":0,"sub_description":"",LOG,NOW}}`,
			`{"data":{"error_code":28001008,"description":"access_token过期,请刷新或重新授权: access-token header missing"},"extra":{"error_code":28001008,"description":"access_token过期,请刷新或重新授权: access-token header missing","sub_error_code":0,"sub_description":"",LOG,NOW}}`},
		{EnvelopeData, `{"data":{"msg_id":"@ID"},"extra":{"error_code":0,"description":"","sub_error_code":0,"sub_description":"",LOG,NOW}}`,
			`{"data":{"error_code":28001007,"description":"参数不合法: scene must be im_reply_msg"},"extra":{"error_code":28001007,"description":"参数不合法: scene must be im_reply_msg","sub_error_code":0,"sub_description":"",LOG,NOW}}`,
			`{"data":{"error_code":28001008,"description":"access_token过期,请刷新或重新授权: access-token header missing"},"extra":{"error_code":28001008,"description":"access_token过期,请刷新或重新授权: access-token header missing","sub_error_code":0,"sub_description":"",LOG,NOW}}`},
		{EnvelopeErrNo, `{"err_no":0,"err_msg":"",LOG,"data":{"msg_id":"@ID"}}`,
			`{"err_no":28001007,"err_msg":"参数不合法: scene must be im_reply_msg",LOG}`,
			`{"err_no":28001008,"err_msg":"access_token过期,请刷新或重新授权: access-token header missing",LOG}`},
	} {
		t.Run(cmp.Or(tc.envelope, "default"), func(t *testing.T) {
			s, _, _ := newFake(t, Config{Envelope: tc.envelope})
			tok := token(t, s)
			if _, err := s.CustomerText(context.Background(), User{OpenID: alice}, "在吗"); err != nil {
				t.Fatal(err)
			}
			elide := func(a string) string {
				a = logIDs.ReplaceAllStringFunc(a, func(m string) string {
					if strings.HasPrefix(m, `"now"`) {
						return "NOW"
					}
					return "LOG"
				})
				return regexp.MustCompile(`"msg_id":"@[^"]+"`).ReplaceAllString(a, `"msg_id":"@ID"`)
			}
			if got := elide(sendRaw(t, s, tok, reply(s, alice, "hi"))); got != tc.ok {
				t.Errorf("accepted:\n got %s\nwant %s", got, tc.ok)
			}
			if got := elide(sendRaw(t, s, tok, strings.Replace(reply(s, alice, "hi"), "im_reply_msg", "im_push", 1))); got != tc.err {
				t.Errorf("refused:\n got %s\nwant %s", got, tc.err)
			}
			if got := elide(sendRaw(t, s, "", reply(s, alice, "hi"))); got != tc.expired {
				t.Errorf("no token:\n got %s\nwant %s", got, tc.expired)
			}
			// The token endpoint's answer is the same in both.
			if _, v := call(t, s, PathClientToken, "", `{"grant_type":"x"}`); v["message"] != "error" || errorCode(v) != CodeParam {
				t.Errorf("token error %v", v)
			}
			// A token body it cannot read is answered in the default's shape.
			if _, v := call(t, s, PathClientToken, "", strings.Repeat(" ", maxBody+1)); errorCode(v) != CodeParam || v["extra"] == nil {
				t.Errorf("token body too large: %v", v)
			}
			if c := s.Counts(); c.Deliveries != 1 || c.Errors != 4 {
				t.Errorf("counts %+v", c)
			}
		})
	}
	defer func() {
		if recover() == nil {
			t.Error("New with an unknown Envelope did not panic")
		}
	}()
	New(Config{Envelope: "errno"})
}

// The fault plan's refusals come in the configured envelope too.
func TestEnvelopeOfFaults(t *testing.T) {
	s, _, _ := newFake(t, Config{Envelope: EnvelopeErrNo, Faults: fault.Plan{Send429: 1}})
	tok := token(t, s)
	s.CustomerText(context.Background(), User{OpenID: alice}, "在吗")
	var v struct {
		ErrNo  int    `json:"err_no"`
		ErrMsg string `json:"err_msg"`
		LogID  string `json:"log_id"`
	}
	if a := sendRaw(t, s, tok, reply(s, alice, "hi")); json.Unmarshal([]byte(a), &v) != nil || v.ErrNo != CodeRate || v.LogID == "" ||
		!strings.HasPrefix(v.ErrMsg, "请求频率过高") {
		t.Errorf("throttled: %s", a)
	}
}

// The window's error_code is configurable; the reply count's stays
// 28003017, and so does the window's by default.
func TestWindowCode(t *testing.T) {
	for _, tc := range []struct {
		code, want int
		title      string
	}{{0, CodeQuota, "quota 已用完: "}, {CodeQuota, CodeQuota, "quota 已用完: "}, {28003019, 28003019, ""}} {
		s, _, clk := newFake(t, Config{WindowCode: tc.code, ReplyLimit: 1})
		if s.Config().WindowCode != tc.want {
			t.Errorf("Config().WindowCode = %d", s.Config().WindowCode)
		}
		s.CustomerText(context.Background(), User{OpenID: alice}, "在吗")
		tok := token(t, s)
		call(t, s, sendPath(), tok, reply(s, alice, "1"))
		if _, v := call(t, s, sendPath(), tok, reply(s, alice, "2")); errorCode(v) != CodeQuota {
			t.Errorf("code %d: the second reply: %v", tc.code, v)
		}
		clk.Add(DefaultWindow)
		e := s.CheckReply(alice, "text", "late")
		if e == nil || e.Code != tc.want || e.Description != tc.title+"reply window closed: more than 48h0m0s since the user's last message" {
			t.Errorf("code %d: after the window: %+v", tc.code, e)
		}
		clk.Add(-time.Minute)
		s.CustomerText(context.Background(), User{OpenID: alice}, "又来了")
		clk.Add(DefaultWindow)
		if _, v := call(t, s, sendPath(), token(t, s), reply(s, alice, "late")); errorCode(v) != tc.want {
			t.Errorf("code %d: after the window, on the wire: %v", tc.code, v)
		}
	}
}

// The webhook's flat content, the plausible alternative to the fake's
// content schema, is refused as a bad parameter.
func TestContentSchema(t *testing.T) {
	s, _, _ := newFake(t, Config{})
	tok := token(t, s)
	s.CustomerText(context.Background(), User{OpenID: alice}, "在吗")
	conv, msg, _ := s.Latest(alice)
	for _, content := range []string{`{"message_type":"text","text":"hi"}`, `{"msg_type":"text","text":"hi"}`, `{"msgtype":"text","text":{"content":"hi"}}`} {
		body := `{"msg_id":"` + msg + `","conversation_id":"` + conv + `","to_user_id":"` + alice + `","scene":"im_reply_msg","content":` + content + `}`
		if _, v := call(t, s, sendPath(), tok, body); errorCode(v) != CodeParam {
			t.Errorf("content %s: %v", content, v)
		}
	}
	if _, v := call(t, s, sendPath(), tok, reply(s, alice, "hi")); errorCode(v) != 0 {
		t.Errorf("the fake's schema: %v", v)
	}
}
