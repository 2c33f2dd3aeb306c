package wechat

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/journal/journaltest"
	"github.com/omnisim/omnisim/httpcall"
)

// inboundXML is the router's view of a push.
type inboundXML struct {
	ToUserName   string  `xml:"ToUserName"`
	FromUserName string  `xml:"FromUserName"`
	CreateTime   int64   `xml:"CreateTime"`
	MsgType      string  `xml:"MsgType"`
	Content      string  `xml:"Content"`
	MsgID        string  `xml:"MsgId"`
	PicURL       string  `xml:"PicUrl"`
	MediaID      string  `xml:"MediaId"`
	Format       string  `xml:"Format"`
	ThumbMediaID string  `xml:"ThumbMediaId"`
	Event        string  `xml:"Event"`
	EventKey     *string `xml:"EventKey"`
	Ticket       string  `xml:"Ticket"`
	Encrypt      string  `xml:"Encrypt"`
}

func parseInbound(t *testing.T, b []byte) inboundXML {
	t.Helper()
	var x inboundXML
	if err := xml.Unmarshal(b, &x); err != nil {
		t.Fatalf("push is not XML: %v: %s", err, b)
	}
	return x
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name    string
		reply   func(n int, h hit, w http.ResponseWriter)
		wantErr string
	}{
		{"echo", func(_ int, h hit, w http.ResponseWriter) {
			q := func(k string) string { return h.query[k][0] }
			if q("signature") != refSHA1(DefaultToken, q("timestamp"), q("nonce")) {
				w.WriteHeader(403)
				return
			}
			io.WriteString(w, q("echostr"))
		}, ""},
		{"echo with newline", func(_ int, h hit, w http.ResponseWriter) { io.WriteString(w, h.query["echostr"][0]+"\n") }, "want the echostr"},
		{"403", func(_ int, _ hit, w http.ResponseWriter) { w.WriteHeader(403) }, "HTTP 403"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt := newRouter(t, tc.reply)
			s, _ := newTest(Config{WebhookURL: rt.srv.URL + "/wx?tenant=a", Mode: Safe})
			err := s.Verify(context.Background())
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err %v, want %q", err, tc.wantErr)
			}
			h := rt.all()[0]
			if h.method != "GET" || h.query["tenant"][0] != "a" || h.query["timestamp"][0] != strconv.FormatInt(t0.Unix(), 10) ||
				!regexp.MustCompile(`^[0-9]{19}$`).MatchString(h.query["echostr"][0]) || len(h.query) != 5 {
				t.Fatalf("verify request %+v", h)
			}
			j := s.Journal().Webhooks
			if len(j) != 1 || j[0].Kind != "verify" || (j[0].Err == "") != (tc.wantErr == "") {
				t.Fatalf("journal %+v", j)
			}
		})
	}
	s, _ := newTest(Config{})
	if err := s.Verify(context.Background()); err != ErrNoWebhookURL {
		t.Fatal(err)
	}
}

func TestInboundTextExactBytes(t *testing.T) {
	rt := newRouter(t, ok)
	s, _ := newTest(Config{WebhookURL: rt.srv.URL})
	in, err := s.CustomerText(context.Background(), cust, "a]]>b <c>&d 你好")
	if err != nil || in.Status != 200 || in.Tries != 1 || !regexp.MustCompile(`^[1-9][0-9]{16}$`).MatchString(in.ID) {
		t.Fatalf("%+v %v", in, err)
	}
	want := "<xml><ToUserName><![CDATA[" + DefaultOriginalID + "]]></ToUserName><FromUserName><![CDATA[" + cust +
		"]]></FromUserName><CreateTime>1749463200</CreateTime><MsgType><![CDATA[text]]></MsgType>" +
		"<Content><![CDATA[a]]]]><![CDATA[>b <c>&d 你好]]></Content><MsgId>" + in.ID + "</MsgId></xml>"
	h := rt.all()[0]
	if string(h.body) != want {
		t.Fatalf("body\n%s\nwant\n%s", h.body, want)
	}
	if x := parseInbound(t, h.body); x.Content != "a]]>b <c>&d 你好" || x.MsgID != in.ID || x.CreateTime != t0.Unix() {
		t.Fatalf("parsed %+v", x)
	}
	q := func(k string) string { return h.query[k][0] }
	if len(h.query) != 4 || q("openid") != cust || q("timestamp") != "1749463200" ||
		q("signature") != refSHA1(DefaultToken, q("timestamp"), q("nonce")) || !regexp.MustCompile(`^[0-9]{10}$`).MatchString(q("nonce")) {
		t.Fatalf("query %v", h.query)
	}
	if h.header.Get("Content-Type") != "text/xml" || h.method != "POST" {
		t.Fatalf("request %s %v", h.method, h.header)
	}
	wh := s.Journal().Webhooks[0]
	if string(wh.Body) != want || wh.Header.Get("Content-Type") != "text/xml" || wh.Status != 200 || wh.Try != 1 ||
		wh.MsgID != in.ID || wh.OpenID != cust || !strings.Contains(wh.URL, "&openid="+cust) || string(wh.Reply) != "success" {
		t.Fatalf("journal %+v", wh)
	}
	for _, bad := range []string{"", "a\x00b", "\xff"} {
		if _, err := s.CustomerText(context.Background(), cust, bad); err == nil {
			t.Errorf("text %q accepted", bad)
		}
	}
	for _, bad := range []string{"", "o<x>", strings.Repeat("o", 65)} {
		if _, err := s.CustomerText(context.Background(), bad, "hi"); err == nil {
			t.Errorf("openid %q accepted", bad)
		}
	}
}

func TestInboundMediaAndEvents(t *testing.T) {
	rt := newRouter(t, ok)
	s, _ := newTest(Config{WebhookURL: rt.srv.URL})
	ctx := context.Background()
	type call func() (Inbound, error)
	tests := []struct {
		name  string
		call  call
		check func(x inboundXML) bool
	}{
		{"image", func() (Inbound, error) { return s.CustomerMedia(ctx, cust, "image", "jpg", 2000) }, func(x inboundXML) bool {
			return x.MsgType == "image" && len(x.MediaID) == 64 && x.PicURL == "http://mmbiz.qpic.cn/mmbiz_jpg/"+x.MediaID+"/0" && x.MsgID != ""
		}},
		{"voice", func() (Inbound, error) { return s.CustomerMedia(ctx, cust, "voice", "speex", 2000) }, func(x inboundXML) bool {
			return x.MsgType == "voice" && x.Format == "speex" && x.MediaID != "" && x.MsgID != ""
		}},
		{"video", func() (Inbound, error) { return s.CustomerMedia(ctx, cust, "video", "mp4", 2000) }, func(x inboundXML) bool {
			return x.MsgType == "video" && x.MediaID != "" && x.ThumbMediaID != "" && x.ThumbMediaID != x.MediaID && x.MsgID != ""
		}},
		{"subscribe", func() (Inbound, error) { return s.CustomerEvent(ctx, cust, EventSubscribe, "") }, func(x inboundXML) bool {
			return x.MsgType == "event" && x.Event == "subscribe" && x.EventKey == nil && x.Ticket == "" && x.MsgID == ""
		}},
		{"subscribe by QR", func() (Inbound, error) { return s.CustomerEvent(ctx, cust, EventSubscribe, "123") }, func(x inboundXML) bool {
			return x.Event == "subscribe" && *x.EventKey == "qrscene_123" && strings.HasPrefix(x.Ticket, "gQ") && x.MsgID == ""
		}},
		{"CLICK", func() (Inbound, error) { return s.CustomerEvent(ctx, cust, EventClick, "V1001_TODAY_MUSIC") }, func(x inboundXML) bool {
			return x.Event == "CLICK" && *x.EventKey == "V1001_TODAY_MUSIC" && x.Ticket == "" && x.MsgID == ""
		}},
		{"SCAN", func() (Inbound, error) { return s.CustomerEvent(ctx, cust, EventScan, "123") }, func(x inboundXML) bool {
			return x.Event == "SCAN" && *x.EventKey == "123" && x.Ticket != "" && x.MsgID == ""
		}},
		{"unsubscribe", func() (Inbound, error) { return s.CustomerEvent(ctx, cust, EventUnsubscribe, "") }, func(x inboundXML) bool {
			return x.Event == "unsubscribe" && x.EventKey == nil
		}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := tc.call()
			if err != nil || in.Status != 200 {
				t.Fatalf("%+v %v", in, err)
			}
			body := rt.all()[i].body
			x := parseInbound(t, body)
			if !tc.check(x) || x.FromUserName != cust || x.ToUserName != DefaultOriginalID || in.ID != x.MsgID {
				t.Fatalf("push %s", body)
			}
			if x.MsgID == "" && strings.Contains(string(body), "MsgId") {
				t.Fatalf("event with MsgId: %s", body)
			}
		})
	}
	for _, bad := range [][3]string{{"file", "pdf", ""}, {"voice", "mp3", ""}, {"image", "j p g", ""}} {
		if _, err := s.CustomerMedia(ctx, cust, bad[0], bad[1], 1); err == nil {
			t.Errorf("media %v accepted", bad)
		}
	}
	if _, err := s.CustomerMedia(ctx, cust, "image", "png", -1); err == nil {
		t.Error("negative size accepted")
	}
	if _, err := s.CustomerEvent(ctx, cust, "VIEW", ""); err == nil {
		t.Error("VIEW accepted")
	}
}

func TestWebhookRetries(t *testing.T) {
	rt := newRouter(t, func(n int, _ hit, w http.ResponseWriter) {
		if n < 2 {
			w.WriteHeader(500)
			return
		}
		io.WriteString(w, "success")
	})
	s, _ := newTest(Config{WebhookURL: rt.srv.URL})
	in, err := s.CustomerText(context.Background(), cust, "hello")
	if err != nil || in.Tries != 3 || in.Status != 200 {
		t.Fatalf("%+v %v", in, err)
	}
	hits := rt.all()
	if len(hits) != 3 {
		t.Fatalf("%d hits", len(hits))
	}
	for _, h := range hits[1:] { // the same message, byte for byte: one MsgId to dedupe by
		if string(h.body) != string(hits[0].body) || fmt.Sprint(h.query) != fmt.Sprint(hits[0].query) {
			t.Fatal("retry differs from the first try")
		}
	}
	if parseInbound(t, hits[2].body).MsgID != in.ID {
		t.Fatal("MsgId")
	}
	j := s.Journal().Webhooks
	if len(j) != 3 || j[0].Status != 500 || j[1].Try != 2 || j[2].Status != 200 || s.Counts().Webhooks != 3 {
		t.Fatalf("journal %+v", j)
	}
	if len(s.Deliveries(cust)) != 0 || s.Counts().Errors != 0 {
		t.Fatal("success answer made a delivery or an error")
	}

	// Refused every time: 3 tries, final status, no error; the window is open anyway.
	rt2 := newRouter(t, func(_ int, _ hit, w http.ResponseWriter) { w.WriteHeader(403) })
	s2, _ := newTest(Config{WebhookURL: rt2.srv.URL})
	in, err = s2.CustomerText(context.Background(), cust, "hello")
	if err != nil || in.Tries != 3 || in.Status != 403 || len(rt2.all()) != 3 {
		t.Fatalf("%+v %v", in, err)
	}
	if !s2.WindowOpen(cust) || s2.RepliesLeft(cust) != 5 {
		t.Fatal("refused push did not open the window")
	}
}

func TestWebhookTimeout(t *testing.T) {
	// The router answers only after the fake gave up (or after 10 s), so a
	// late timer on a loaded machine cannot turn a try into a success.
	var hits sync.WaitGroup
	hits.Add(3)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer hits.Done()
		io.Copy(io.Discard, r.Body) // the server watches the connection once the body is read
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		io.WriteString(w, "success")
	}))
	defer slow.Close()
	s, _ := newTest(Config{WebhookURL: slow.URL, WebhookTimeout: 20 * time.Millisecond})
	in, err := s.CustomerEvent(context.Background(), cust, EventClick, "K")
	if in.Tries != 3 || in.Status != 0 || in.ID != "" || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%+v %v", in, err)
	}
	hits.Wait()
	if !strings.Contains(err.Error(), "try 3/3") {
		t.Errorf("error %v", err)
	}
	j := s.Journal().Webhooks
	if len(j) != 3 || j[2].Err == "" || j[2].Status != 0 || j[2].Kind != "event" || j[2].Event != "CLICK" {
		t.Fatalf("journal %+v", j)
	}
	if s.RepliesLeft(cust) != 3 {
		t.Fatal("event grant not opened")
	}
	// A cancelled context stops the tries.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if in, err := s.CustomerText(ctx, cust, "x"); in.Tries != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("%+v %v", in, err)
	}
}

func TestSafeModeInbound(t *testing.T) {
	for _, mode := range []Mode{Safe, Compatible} {
		t.Run(mode.String(), func(t *testing.T) {
			rt := newRouter(t, ok)
			s, _ := newTest(Config{WebhookURL: rt.srv.URL, Mode: mode, Seed: 7})
			in, err := s.CustomerText(context.Background(), cust, "secret ]]> text")
			if err != nil {
				t.Fatal(err)
			}
			// The plaintext a Plaintext-mode platform with the same seed sends.
			rtp := newRouter(t, ok)
			p, _ := newTest(Config{WebhookURL: rtp.srv.URL, Seed: 7})
			p.CustomerText(context.Background(), cust, "secret ]]> text")
			plain := rtp.all()[0].body

			h := rt.all()[0]
			q := func(k string) string { return h.query[k][0] }
			x := parseInbound(t, h.body)
			if q("encrypt_type") != "aes" || q("signature") != refSHA1(DefaultToken, q("timestamp"), q("nonce")) ||
				q("msg_signature") != refSHA1(DefaultToken, q("timestamp"), q("nonce"), x.Encrypt) || len(h.query) != 6 {
				t.Fatalf("query %v", h.query)
			}
			got := refDecrypt(t, DefaultEncodingAESKey, DefaultAppID, x.Encrypt)
			if string(got) != string(plain) {
				t.Fatalf("decrypted\n%s\nwant\n%s", got, plain)
			}
			if parseInbound(t, got).MsgID != in.ID {
				t.Fatal("MsgId")
			}
			switch mode {
			case Safe:
				want := "<xml><ToUserName><![CDATA[" + DefaultOriginalID + "]]></ToUserName><Encrypt><![CDATA[" + x.Encrypt + "]]></Encrypt></xml>"
				if string(h.body) != want {
					t.Fatalf("safe body %s", h.body)
				}
			case Compatible:
				want := strings.TrimSuffix(string(plain), "</xml>") + "<Encrypt><![CDATA[" + x.Encrypt + "]]></Encrypt></xml>"
				if string(h.body) != want || x.Content != "secret ]]> text" {
					t.Fatalf("compatible body %s", h.body)
				}
			}
		})
	}
	s, _ := newTest(Config{WebhookURL: "http://127.0.0.1:1", Mode: Safe, EncodingAESKey: "short"})
	if _, err := s.CustomerText(context.Background(), cust, "x"); !errors.Is(err, ErrAESKey) {
		t.Fatalf("bad key: %v", err)
	}
}

// plainReply is a passive reply in WeChat's reply format.
func plainReply(to, inner string) string {
	return "<xml><ToUserName><![CDATA[" + to + "]]></ToUserName><FromUserName><![CDATA[" + DefaultOriginalID +
		"]]></FromUserName><CreateTime>1749463201</CreateTime>" + inner + "</xml>"
}

// encReply encrypts a reply independently, with an optional bad signature
// or app id.
func encReply(t *testing.T, plain, appID string, badSig bool) string {
	enc := refEncrypt(t, DefaultEncodingAESKey, appID, "RANDOMRANDOM1234", []byte(plain))
	sig := refSHA1(DefaultToken, "1749463201", "98765", enc)
	if badSig {
		sig = refSHA1(DefaultToken, "1749463202", "98765", enc)
	}
	return "<xml><Encrypt><![CDATA[" + enc + "]]></Encrypt><MsgSignature><![CDATA[" + sig +
		"]]></MsgSignature><TimeStamp>1749463201</TimeStamp><Nonce><![CDATA[98765]]></Nonce></xml>"
}

func TestPassiveReply(t *testing.T) {
	text := plainReply(cust, "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好 ]]]]><![CDATA[>]]></Content>")
	tests := []struct {
		name  string
		mode  Mode
		reply func(t *testing.T, media string) string
		code  int // 0: delivered
		want  Delivery
	}{
		{"success", Plaintext, func(*testing.T, string) string { return " success\n" }, 1, Delivery{}},
		{"empty", Safe, func(*testing.T, string) string { return "" }, 1, Delivery{}},
		{"plain text", Plaintext, func(*testing.T, string) string { return text }, 0, Delivery{Type: "text", Text: "你好 ]]>"}},
		{"plain in compatible", Compatible, func(*testing.T, string) string { return text }, 0, Delivery{Type: "text", Text: "你好 ]]>"}},
		{"image", Plaintext, func(_ *testing.T, m string) string {
			return plainReply(cust, "<MsgType><![CDATA[image]]></MsgType><Image><MediaId><![CDATA["+m+"]]></MediaId></Image>")
		}, 0, Delivery{Type: "image", MediaID: "$media"}},
		{"unknown media", Plaintext, func(*testing.T, string) string {
			return plainReply(cust, "<MsgType><![CDATA[image]]></MsgType><Image><MediaId><![CDATA[nope]]></MediaId></Image>")
		}, CodeInvalidMediaID, Delivery{}},
		{"news", Plaintext, func(*testing.T, string) string {
			return plainReply(cust, "<MsgType><![CDATA[news]]></MsgType><ArticleCount>1</ArticleCount>")
		}, CodeInvalidMessageType, Delivery{}},
		{"empty content", Plaintext, func(*testing.T, string) string {
			return plainReply(cust, "<MsgType><![CDATA[text]]></MsgType>")
		}, CodeEmptyContent, Delivery{}},
		{"wrong ToUserName", Plaintext, func(*testing.T, string) string {
			return plainReply(cust2, "<MsgType><![CDATA[text]]></MsgType><Content>x</Content>")
		}, CodeInvalidOpenID, Delivery{}},
		{"not XML", Plaintext, func(*testing.T, string) string { return "hello" }, CodeSDKParseXML, Delivery{}},
		{"safe", Safe, func(t *testing.T, _ string) string { return encReply(t, text, DefaultAppID, false) }, 0, Delivery{Type: "text", Text: "你好 ]]>"}},
		{"encrypted in compatible", Compatible, func(t *testing.T, _ string) string { return encReply(t, text, DefaultAppID, false) }, 0, Delivery{Type: "text", Text: "你好 ]]>"}},
		{"safe bad signature", Safe, func(t *testing.T, _ string) string { return encReply(t, text, DefaultAppID, true) }, CodeSDKSignature, Delivery{}},
		{"safe wrong app id", Safe, func(t *testing.T, _ string) string { return encReply(t, text, "wx0000000000000000", false) }, CodeSDKAppID, Delivery{}},
		{"safe plain reply", Safe, func(*testing.T, string) string { return text }, CodeSDKParseXML, Delivery{}},
		{"safe encrypted garbage", Safe, func(*testing.T, string) string {
			return "<xml><Encrypt>bm90IGJsb2Nrcw==</Encrypt><MsgSignature>" + refSHA1(DefaultToken, "", "", "bm90IGJsb2Nrcw==") + "</MsgSignature></xml>"
		}, CodeSDKDecryptAES, Delivery{}},
		{"encrypted in plaintext mode", Plaintext, func(t *testing.T, _ string) string { return encReply(t, text, DefaultAppID, false) }, CodeSDKParseXML, Delivery{}},
		{"safe inner not XML", Safe, func(t *testing.T, _ string) string { return encReply(t, "plain words", DefaultAppID, false) }, CodeSDKParseXML, Delivery{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body string
			rt := newRouter(t, func(_ int, _ hit, w http.ResponseWriter) { io.WriteString(w, body) })
			s, clk := newTest(Config{WebhookURL: rt.srv.URL, Mode: tc.mode})
			tok := token(t, s)
			m := upload(t, s, tok, "image", "a.png", 10)
			body = tc.reply(t, m)
			clk.Add(time.Second)
			in, err := s.CustomerText(context.Background(), cust, "hi")
			if err != nil || in.Status != 200 || in.Tries != 1 {
				t.Fatalf("%+v %v", in, err)
			}
			d := s.Deliveries(cust)
			le := s.LastError(cust)
			switch tc.code {
			case 1: // acknowledgement only
				if len(d) != 0 || le != nil {
					t.Fatalf("deliveries %+v, error %+v", d, le)
				}
			case 0:
				want := tc.want
				if want.MediaID == "$media" {
					want.MediaID = m
				}
				want.At, want.To, want.Passive = t0.Add(time.Second), cust, true
				if len(d) != 1 || d[0] != want || le != nil {
					t.Fatalf("deliveries %+v, want %+v; error %+v", d, want, le)
				}
				if s.RepliesLeft(cust) != 4 {
					t.Fatalf("passive reply did not count: %d left", s.RepliesLeft(cust))
				}
			default:
				if len(d) != 0 || le == nil || le.Code != tc.code || !le.Passive || le.To != cust || !strings.HasPrefix(le.Message, "passive reply: ") {
					t.Fatalf("deliveries %+v, error %+v; want code %d", d, le, tc.code)
				}
				if s.RepliesLeft(cust) != 5 {
					t.Fatal("refused passive reply counted")
				}
			}
		})
	}
}

func TestPassiveReplyNeedsQuota(t *testing.T) {
	// A reply to an event after the event quota is spent is refused.
	var body string
	rt := newRouter(t, func(_ int, _ hit, w http.ResponseWriter) { io.WriteString(w, body) })
	s, _ := newTest(Config{WebhookURL: rt.srv.URL, EventReplyLimit: 1})
	body = plainReply(cust, "<MsgType><![CDATA[text]]></MsgType><Content>welcome</Content>")
	s.CustomerEvent(context.Background(), cust, EventSubscribe, "")
	tok := token(t, s)
	wantCode(t, sendReq(s, tok, textReq(cust, "x")), 200, CodeOutOfCountLimit)
	if d := s.Deliveries(cust); len(d) != 1 || !d[0].Passive || d[0].Text != "welcome" {
		t.Fatalf("%+v", d)
	}
}

func TestDeterminism(t *testing.T) {
	run := func() []string {
		rt := newRouter(t, ok)
		s, clk := newTest(Config{WebhookURL: rt.srv.URL, Mode: Safe, Seed: 42})
		var out []string
		tok := token(t, s)
		out = append(out, tok)
		s.CustomerText(context.Background(), cust, "hi")
		clk.Add(time.Second)
		s.CustomerMedia(context.Background(), cust, "image", "png", 10)
		s.CustomerEvent(context.Background(), cust, EventScan, "1")
		s.Verify(context.Background())
		out = append(out, send(s, "bad", "{}").Body.String())
		out = append(out, upload(t, s, tok, "voice", "a.amr", 5))
		for _, h := range rt.all() {
			out = append(out, fmt.Sprint(h.query), string(h.body))
		}
		return out
	}
	a, b := run(), run()
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatalf("runs differ:\n%v\n%v", a, b)
	}
	// A different seed changes the ids.
	s1, _ := newTest(Config{Seed: 1})
	s2, _ := newTest(Config{Seed: 2})
	if token(t, s1) == token(t, s2) {
		t.Fatal("seed ignored")
	}
}

func TestJournalLimit(t *testing.T) {
	s, _ := newTest(Config{JournalLimit: 2})
	tok := token(t, s)
	write(t, s, cust)
	for i := range 4 {
		sendReq(s, tok, textReq(cust, strconv.Itoa(i)))
	}
	sendReq(s, tok, textReq(cust2, "x"))
	j := s.Journal()
	if len(j.Requests) != 2 || len(j.Deliveries) != 2 || j.Deliveries[1].Text != "3" || j.Deliveries[0].Text != "2" || len(j.Errors) != 1 {
		t.Fatalf("journal %+v", j)
	}
	if c := s.Counts(); c.Requests != 6 || c.Deliveries != 4 || c.Errors != 1 {
		t.Fatalf("counts %+v", c)
	}
	if d := s.Deliveries(cust); len(d) != 2 || d[0].Text != "2" || d[1].Text != "3" {
		t.Fatalf("deliveries %+v", d)
	}
}

// TestDeliveriesBoundedByJournalLimit: a positive JournalLimit bounds
// each customer's delivery history to the newest deliveries, for every
// customer; 0 and a negative limit keep them all.
func TestDeliveriesBoundedByJournalLimit(t *testing.T) {
	journaltest.DeliveriesBounded(t, [2]string{cust, cust2}, func(limit int) journaltest.Fake[Delivery] {
		s, _ := newTest(Config{JournalLimit: limit, ReplyLimit: -1})
		tok := token(t, s)
		return journaltest.Fake[Delivery]{
			Open: func(to string) { write(t, s, to) },
			Send: func(to, body string) {
				if w := sendReq(s, tok, textReq(to, body)); envelope(t, w).Code != 0 {
					t.Fatalf("send: %s", w.Body)
				}
			},
			Deliveries: s.Deliveries,
			Text:       func(d Delivery) string { return d.Text },
			Delivered:  func() int { return s.Counts().Deliveries },
		}
	})
}

func TestStartCloseAndConcurrentUse(t *testing.T) {
	rt := newRouter(t, ok)
	s := New(Config{WebhookURL: rt.srv.URL, ReplyLimit: -1})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Start() == nil {
		t.Fatal("second Start")
	}
	resp, err := http.Get(s.URL + PathToken + "?grant_type=client_credential&appid=" + DefaultAppID + "&secret=" + DefaultAppSecret)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := regexp.MustCompile(`"access_token":"([^"]+)"`).FindSubmatch(b)
	if tok == nil {
		t.Fatalf("%s", b)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			openid := fmt.Sprintf("oCustomer%02d", g)
			s.CustomerText(context.Background(), openid, "hi")
			for i := range 10 {
				body := `{"touser":"` + openid + `","msgtype":"text","text":{"content":"` + strconv.Itoa(i) + `"}}`
				resp, err := http.Post(s.URL+PathSend+"?access_token="+string(tok[1]), "application/json", strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				s.Check(textReq(openid, "x"))
				s.Journal()
			}
		}()
	}
	wg.Wait()
	if c := s.Counts(); c.Deliveries != 80 || c.Webhooks != 8 {
		t.Fatalf("counts %+v", c)
	}
	s.Close()
	New(Config{}).Close() // unstarted: no-op
}

// roundTripFunc is an http.RoundTripper of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestPushURL holds the request a push makes to the URL the journal
// records, whatever the webhook URL's path and query: the same host, the
// same request URI (the path as a server reads it, and the query), and
// the request URI an in-process transport takes without building it
// (httpcall.Request.RequestURI) the URL's.
func TestPushURL(t *testing.T) {
	for _, hook := range []string{
		"http://router.test/wechat",
		"http://router.test/wechat/hook?tenant=a",
		"http://router.test/a%20b/hook",
		"http://router.test/a%2Fb",
		"http://router.test",
		"http://router.test:/w",
	} {
		t.Run(hook, func(t *testing.T) {
			var got []string
			client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				uri := r.URL.RequestURI()
				if pq := httpcall.Of(r).RequestURI(r.URL); pq != "" && pq != uri {
					t.Errorf("the request URI given is %q, the URL's %q", pq, uri)
				}
				got = append(got, r.URL.Scheme+"://"+r.URL.Host, servedPath(t, uri), uri)
				return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("success")), Header: http.Header{}}, nil
			})}
			s, _ := newTest(Config{WebhookURL: hook, Client: client})
			if _, err := s.CustomerText(context.Background(), cust, "hi"); err != nil {
				t.Fatal(err)
			}
			target := s.Journal().Webhooks[0].URL
			want, err := url.Parse(target)
			if err != nil {
				t.Fatal(err)
			}
			want.Host = strings.TrimSuffix(want.Host, ":")
			wantURI := want.RequestURI()
			if len(got) != 3 || got[0] != want.Scheme+"://"+want.Host || got[1] != servedPath(t, wantURI) || got[2] != wantURI {
				t.Fatalf("request %q, want %q %q %q", got, want.Scheme+"://"+want.Host, servedPath(t, wantURI), wantURI)
			}
		})
	}
}

// servedPath is the path a server reads from a request URI.
func servedPath(t *testing.T, uri string) string {
	u, err := url.ParseRequestURI(uri)
	if err != nil {
		t.Fatalf("request URI %q: %v", uri, err)
	}
	return u.Path
}
