package douyin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
)

// api is a stand-in for Douyin's API: it issues tokens, records sends and
// answers each send with the next of answers (then success).
type api struct {
	mu      sync.Mutex
	tokens  int
	sends   []*http.Request
	bodies  []string
	answers []string
}

func (s *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.URL.Path {
	case "/oauth/client_token/":
		s.tokens++
		if string(body) != `{"client_key":"awkey","client_secret":"s3cret","grant_type":"client_credential"}` {
			io.WriteString(w, `{"data":{"error_code":28001007,"description":"bad"},"message":"error"}`)
			return
		}
		io.WriteString(w, `{"data":{"access_token":"clt.`+strings.Repeat("t", s.tokens)+`","description":"","error_code":0,"expires_in":7200},"message":"success"}`)
	case "/im/send/msg/":
		s.sends = append(s.sends, r)
		s.bodies = append(s.bodies, string(body))
		if len(s.answers) > 0 {
			a := s.answers[0]
			s.answers = s.answers[1:]
			io.WriteString(w, a)
			return
		}
		io.WriteString(w, `{"data":{"msg_id":"@sent"},"extra":{"error_code":0,"description":"","sub_error_code":0,"sub_description":"","logid":"x","now":1}}`)
	default:
		http.NotFound(w, r)
	}
}

func sendSetup(t *testing.T, answers ...string) (*Adapter, *api, *time.Time) {
	t.Helper()
	srv := &api{answers: answers}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	clk := now
	a := New(Config{ClientKey: "awkey", ClientSecret: "s3cret", AccountOpenID: "_000biz", BaseURL: hs.URL + "/", Clock: func() time.Time { return clk }}, &receiver{})
	if w := post(a, textBody, textSig, "1"); w.Code != 200 {
		t.Fatalf("webhook: %d", w.Code)
	}
	return a, srv, &clk
}

var u1 = router.CustomerKey{Channel: "douyin", Account: "_000biz", Customer: "_000u1"}

func TestSend(t *testing.T) {
	a, srv, clk := sendSetup(t)
	ctx := context.Background()
	id, err := a.Send(ctx, u1, router.Outbound{Kind: router.KindText, Text: "您好\"<>"})
	if err != nil || id != "@sent" {
		t.Fatalf("Send = %q, %v", id, err)
	}
	r := srv.sends[0]
	if r.URL.RawQuery != "open_id=_000biz" || r.Header.Get("access-token") != "clt.t" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request %s %v", r.URL, r.Header)
	}
	want := `{"msg_id":"@m1","conversation_id":"7000000000000000001","to_user_id":"_000u1","scene":"im_reply_msg","content":{"msg_type":"text","text":{"text":"您好\"<>"}}}`
	if srv.bodies[0] != want {
		t.Errorf("body\n%s\nwant\n%s", srv.bodies[0], want)
	}
	// The token is kept until a minute before it expires.
	*clk = now.Add(7200*time.Second - time.Minute - time.Second)
	a.Send(ctx, u1, router.Outbound{Kind: router.KindTemplate, Template: &router.Template{Name: "greeting"}})
	*clk = now.Add(7200*time.Second - time.Minute)
	a.Send(ctx, u1, router.Outbound{Kind: router.KindText, Text: "x"})
	if srv.tokens != 2 || srv.sends[1].Header.Get("access-token") != "clt.t" || srv.sends[2].Header.Get("access-token") != "clt.tt" {
		t.Errorf("%d token fetches", srv.tokens)
	}
	if !strings.Contains(srv.bodies[1], `"text":{"text":"greeting"}`) {
		t.Errorf("template body %s", srv.bodies[1])
	}
	if s := a.Stats(); s.Sent != 3 || s.TokenFetches != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestSendErrors(t *testing.T) {
	ctx := context.Background()
	envelope := func(code int, desc string) string {
		return `{"data":{"error_code":` + strconv.Itoa(code) + `,"description":"` + desc + `"},"extra":{"error_code":` + strconv.Itoa(code) + `,"description":"` + desc + `","sub_error_code":0,"sub_description":"","logid":"x","now":1}}`
	}
	for _, tt := range []struct {
		answer string
		code   string
	}{
		{envelope(28003017, "quota 已用完"), "28003017"},
		{envelope(28001012, "用户未授权该OpenAPI"), "28001012"},
		{envelope(28001007, "参数不合法"), "28001007"},
		{`{"err_no":28003017,"err_msg":"quota","log_id":"x"}`, "28003017"},
		{`{"data":{},"extra":{"error_code":28003017,"description":"quota"}}`, "28003017"},
	} {
		a, _, _ := sendSetup(t, tt.answer)
		_, err := a.Send(ctx, u1, router.Outbound{Kind: router.KindText, Text: "x"})
		var pe *router.PlatformError
		if !errors.As(err, &pe) || pe.Code != tt.code || pe.HTTPStatus != 200 {
			t.Errorf("answer %s: %v", tt.answer, err)
		}
	}
	// An expired token: a new one, and one more try.
	a, srv, _ := sendSetup(t, envelope(28001008, "access_token过期"))
	if id, err := a.Send(ctx, u1, router.Outbound{Kind: router.KindText, Text: "x"}); err != nil || id != "@sent" || srv.tokens != 2 || len(srv.sends) != 2 {
		t.Errorf("after an expired token: %q, %v, %d tokens, %d sends", id, err, srv.tokens, len(srv.sends))
	}
	// Twice expired: the error.
	a, _, _ = sendSetup(t, envelope(28001008, "x"), envelope(28001008, "x"))
	if _, err := a.Send(ctx, u1, router.Outbound{Kind: router.KindText, Text: "x"}); err == nil || !strings.Contains(err.Error(), "28001008") {
		t.Errorf("twice expired: %v", err)
	}
	// Local refusals make no call.
	a, srv, _ = sendSetup(t)
	for _, bad := range []struct {
		to router.CustomerKey
		m  router.Outbound
	}{
		{u1, router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "image"}}},
		{u1, router.Outbound{Kind: router.KindTemplate}},
		{router.CustomerKey{Channel: "douyin", Account: "_000biz", Customer: "_000never"}, router.Outbound{Kind: router.KindText, Text: "x"}},
		{router.CustomerKey{Channel: "wechat", Customer: "_000u1"}, router.Outbound{Kind: router.KindText, Text: "x"}},
	} {
		if _, err := a.Send(ctx, bad.to, bad.m); err == nil {
			t.Errorf("%+v sent", bad)
		}
	}
	if len(srv.sends) != 0 || srv.tokens != 0 || a.Stats().Failed != 4 {
		t.Errorf("%d sends, %d tokens, stats %+v", len(srv.sends), srv.tokens, a.Stats())
	}
	// Unparseable answers are ordinary errors.
	a, _, _ = sendSetup(t, "<html>")
	_, err := a.Send(ctx, u1, router.Outbound{Kind: router.KindText, Text: "x"})
	var pe *router.PlatformError
	if err == nil || errors.As(err, &pe) {
		t.Errorf("unparseable: %v", err)
	}
}

// Transient refusals (28003018, 2100004) are posted again, up to SendTries
// tries in all; nothing else is.
func TestSendRetriesTransient(t *testing.T) {
	ctx := context.Background()
	envelope := func(code int) string {
		c := strconv.Itoa(code)
		return `{"data":{"error_code":` + c + `,"description":"x"},"extra":{"error_code":` + c + `,"description":"x","sub_error_code":0,"sub_description":"","logid":"x","now":1}}`
	}
	rate, busy, quota, expired := envelope(28003018), envelope(2100004), envelope(28003017), envelope(28001008)
	for _, tt := range []struct {
		name    string
		answers []string
		sends   int
		code    string // "" for success
	}{
		{"rate, then sent", []string{rate}, 2, ""},
		{"busy twice, then sent", []string{busy, busy}, 3, ""},
		{"rate and busy until the tries are used", []string{rate, busy, rate}, SendTries, "28003018"},
		{"busy three times", []string{busy, busy, busy, busy}, SendTries, "2100004"},
		{"quota is not retried", []string{quota}, 1, "28003017"},
		{"busy, then an expired token refreshed", []string{busy, expired}, 3, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, srv, _ := sendSetup(t, tt.answers...)
			id, err := a.Send(ctx, u1, router.Outbound{Kind: router.KindText, Text: "x"})
			var pe *router.PlatformError
			switch {
			case tt.code == "" && (err != nil || id != "@sent"):
				t.Errorf("Send = %q, %v", id, err)
			case tt.code != "" && (!errors.As(err, &pe) || pe.Code != tt.code):
				t.Errorf("Send error %v, want %s", err, tt.code)
			}
			if len(srv.sends) != tt.sends {
				t.Errorf("%d sends, want %d", len(srv.sends), tt.sends)
			}
			for i, b := range srv.bodies {
				if b != srv.bodies[0] {
					t.Errorf("try %d posted %s, not the same reply", i+1, b)
				}
			}
		})
	}
	// The direct path retries the same way.
	answers := []error{&router.PlatformError{Code: "2100004"}, &router.PlatformError{Code: "28003018"}}
	tries := 0
	a := New(Config{ClientKey: "awkey", ClientSecret: "s3cret", AccountOpenID: "_000biz", Clock: func() time.Time { return now },
		Post: func(SendRequest) (string, error) {
			tries++
			if len(answers) > 0 {
				e := answers[0]
				answers = answers[1:]
				return "", e
			}
			return "@v", nil
		}}, &receiver{})
	ev := Event{Event: EventReceive, MsgID: "h1", ClientKey: "awkey", FromUserID: "_000u1", ToUserID: "_000biz",
		Content: Content{ConversationShortID: "7", ServerMessageID: "@m", MessageType: "text", Text: "hi", CreateTime: now.UnixMilli()}}
	a.Accept(&ev)
	if id, err := a.Send(ctx, u1, router.Outbound{Kind: router.KindText, Text: "yo"}); err != nil || id != "@v" || tries != 3 {
		t.Errorf("direct Send = %q, %v after %d tries", id, err, tries)
	}
}

// The direct network: Post takes the request as values.
func TestSendByValue(t *testing.T) {
	var got []SendRequest
	a := New(Config{ClientKey: "awkey", ClientSecret: "s3cret", AccountOpenID: "_000biz", Clock: func() time.Time { return now },
		Post: func(r SendRequest) (string, error) { got = append(got, r); return "@v", nil }}, &receiver{})
	ev := Event{Event: EventReceive, MsgID: "h1", ClientKey: "awkey", FromUserID: "_000u1", ToUserID: "_000biz",
		Content: Content{ConversationShortID: "7", ServerMessageID: "@m", MessageType: "text", Text: "hi", CreateTime: now.UnixMilli()}}
	if status, _ := a.Accept(&ev); status != 200 {
		t.Fatal(status)
	}
	if status, _ := a.Accept(&ev); status != 200 || a.Stats().Duplicates != 1 {
		t.Fatal("no dedupe on the value path")
	}
	id, err := a.Send(context.Background(), u1, router.Outbound{Kind: router.KindText, Text: "yo"})
	want := SendRequest{OpenID: "_000biz", MsgID: "@m", ConversationID: "7", ToUserID: "_000u1", Scene: "im_reply_msg", MsgType: "text", Text: "yo"}
	if err != nil || id != "@v" || len(got) != 1 || got[0] != want {
		t.Errorf("Send = %q, %v; requests %+v", id, err, got)
	}
}

// Douyin's other envelope, {"err_no":N,"err_msg":"…","log_id":"…"} with the
// result in data, is read as the default one is: the msg_id of a reply, the
// code of a refusal, a token refreshed on 28001008, a transient code
// retried.
func TestSendErrNoEnvelope(t *testing.T) {
	ctx := context.Background()
	errNo := func(code int, msg string) string {
		return `{"err_no":` + strconv.Itoa(code) + `,"err_msg":"` + msg + `","log_id":"20260302100000ABC"}`
	}
	const sent = `{"err_no":0,"err_msg":"","log_id":"20260302100000ABC","data":{"msg_id":"@errno"}}`
	for _, tt := range []struct {
		name    string
		answers []string
		id      string // the msg_id returned; "" for an error
		code    string // the error's code
		sends   int
		tokens  int
	}{
		{"sent", []string{sent}, "@errno", "", 1, 1},
		{"quota", []string{errNo(28003017, "quota 已用完: reply window closed")}, "", "28003017", 1, 1},
		{"a window code of the scenario's", []string{errNo(28003019, "reply window closed")}, "", "28003019", 1, 1},
		{"expired token, refreshed", []string{errNo(28001008, "access_token过期"), sent}, "@errno", "", 2, 2},
		{"rate, retried", []string{errNo(28003018, "请求频率过高"), sent}, "@errno", "", 2, 1},
		{"busy until the tries are used", []string{errNo(2100004, "系统繁忙"), errNo(2100004, "系统繁忙"), errNo(2100004, "系统繁忙")}, "", "2100004", SendTries, 1},
		{"success without a msg_id", []string{`{"err_no":0,"err_msg":"","log_id":"x","data":{}}`}, "", "", 1, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, srv, _ := sendSetup(t, tt.answers...)
			id, err := a.Send(ctx, u1, router.Outbound{Kind: router.KindText, Text: "x"})
			var pe *router.PlatformError
			switch {
			case tt.id != "" && (err != nil || id != tt.id):
				t.Errorf("Send = %q, %v", id, err)
			case tt.code != "" && (!errors.As(err, &pe) || pe.Code != tt.code || pe.HTTPStatus != 200 || pe.Message == ""):
				t.Errorf("Send error %v, want code %s", err, tt.code)
			case tt.id == "" && tt.code == "" && (err == nil || errors.As(err, &pe)):
				t.Errorf("Send = %q, %v, want an ordinary error", id, err)
			}
			if len(srv.sends) != tt.sends || srv.tokens != tt.tokens {
				t.Errorf("%d sends, %d tokens; want %d, %d", len(srv.sends), srv.tokens, tt.sends, tt.tokens)
			}
		})
	}
}
