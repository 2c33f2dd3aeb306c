package wechat

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	fakewc "github.com/omnisim/omnisim/fakes/wechat"
	"github.com/omnisim/omnisim/router"
	routerwc "github.com/omnisim/omnisim/router/wechat"
)

// recorder is a router.Receiver that keeps the texts it receives.
type recorder struct {
	mu    sync.Mutex
	texts []string
}

func (r *recorder) Receive(_ time.Time, in router.Inbound) (router.ConversationID, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.texts = append(r.texts, in.Text)
	return router.ConversationID(len(r.texts)), nil
}

func (r *recorder) Status(time.Time, router.CustomerKey, string, string, string) {}

// parityTexts are customer texts and event keys whose characters XML
// treats specially: line ends, markup, separators.
var parityTexts = []string{
	"plain",
	"a\r\nb\rc",
	"\r",
	"\r\n",
	"\r\r\n\n\r",
	"trailing\r",
	"]]>",
	"a]]>b]]]]>c",
	"&lt;&amp;<b>",
	"line\u2028sep\u2029par\u0085nel",
	"tab\tnl\n",
}

// TestWireDirectTextParity: a customer's text and an event's key reach the
// adapter the same on the wire (the fake's webhook to the adapter's
// endpoint, XML in every mode) and by values (the fake's Direct push to
// ReceiveMessage).
func TestWireDirectTextParity(t *testing.T) {
	const openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
	// Each text is sent a minute after the one before, so that no event
	// is taken for a duplicate of another.
	now := time.Date(2025, 6, 9, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	for _, mode := range []fakewc.Mode{fakewc.Plaintext, fakewc.Compatible, fakewc.Safe} {
		t.Run(mode.String(), func(t *testing.T) {
			acfg := routerwc.Config{AppID: fakewc.DefaultAppID, AppSecret: fakewc.DefaultAppSecret, Token: fakewc.DefaultToken,
				EncodingAESKey: fakewc.DefaultEncodingAESKey, OriginalID: fakewc.DefaultOriginalID, Clock: clock}
			fcfg := fakewc.Config{AppID: acfg.AppID, AppSecret: acfg.AppSecret, Token: acfg.Token,
				EncodingAESKey: acfg.EncodingAESKey, OriginalID: acfg.OriginalID, Clock: clock, Mode: mode}

			var wireRcv, directRcv recorder
			var wireKeys, directKeys []string
			wcfg := acfg
			wcfg.OnEvent = func(_ time.Time, e routerwc.Event) { wireKeys = append(wireKeys, e.EventKey) }
			wire := routerwc.New(wcfg, &wireRcv)
			srv := httptest.NewServer(wire)
			defer srv.Close()
			wf := fcfg
			wf.WebhookURL, wf.Client = srv.URL, srv.Client()
			wireFake := fakewc.New(wf)

			dcfg := acfg
			dcfg.OnEvent = func(_ time.Time, e routerwc.Event) { directKeys = append(directKeys, e.EventKey) }
			direct := routerwc.New(dcfg, &directRcv)
			d := fakewc.New(fcfg).Direct()
			receive := func(n fakewc.Notification) {
				direct.ReceiveMessage(routerwc.Message{ToUserName: n.ToUserName, FromUserName: n.FromUserName,
					CreateTime: n.CreateTime, MsgType: n.MsgType, Content: n.Content, MsgID: n.MsgID,
					Event: n.Event, EventKey: n.EventKey, Ticket: n.Ticket})
			}

			ctx := context.Background()
			for _, text := range parityTexts {
				now = now.Add(time.Minute)
				if _, err := wireFake.CustomerText(ctx, openid, text); err != nil {
					t.Fatalf("wire text %q: %v", text, err)
				}
				n, err := d.CustomerText(openid, text)
				if err != nil {
					t.Fatalf("direct text %q: %v", text, err)
				}
				receive(n)
				if _, err := wireFake.CustomerEvent(ctx, openid, fakewc.EventClick, text); err != nil {
					t.Fatalf("wire event %q: %v", text, err)
				}
				if n, err = d.CustomerEvent(openid, fakewc.EventClick, text); err != nil {
					t.Fatalf("direct event %q: %v", text, err)
				}
				receive(n)
			}
			if len(wireRcv.texts) != len(parityTexts) || len(directRcv.texts) != len(parityTexts) ||
				len(wireKeys) != len(parityTexts) || len(directKeys) != len(parityTexts) {
				t.Fatalf("received %d wire and %d direct texts, %d and %d keys; want %d of each",
					len(wireRcv.texts), len(directRcv.texts), len(wireKeys), len(directKeys), len(parityTexts))
			}
			for i, text := range parityTexts {
				if w, d := wireRcv.texts[i], directRcv.texts[i]; w != d {
					t.Errorf("text %q: wire %q, direct %q", text, w, d)
				}
				if w, d := wireKeys[i], directKeys[i]; w != d {
					t.Errorf("event key %q: wire %q, direct %q", text, w, d)
				}
			}
		})
	}
}

// TestWireDirectUploadNames: an attachment's file name, whatever bytes it
// holds, is uploaded alike on the wire (the adapter's multipart upload to
// the fake's endpoint) and by values (the adapter's API to the fake's
// Direct.Upload): both accept it or both refuse it with the same errcode.
func TestWireDirectUploadNames(t *testing.T) {
	const openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
	clock := func() time.Time { return time.Date(2025, 6, 9, 12, 0, 0, 0, time.UTC) }
	names := []string{
		"x.jpg", "x\x7f.jpg", "x\x01.jpg", "\x00.jpg", "x\x1b[0m.jpg", "x\t.jpg", "x\r\n.jpg", "x\n.jpg",
		"a\"b.jpg", `a\b.jpg`, "x\xff.jpg", "x\u0085.jpg", "dir/x.jpg", "\x7f",
	}
	acfg := routerwc.Config{AppID: fakewc.DefaultAppID, AppSecret: fakewc.DefaultAppSecret, Token: fakewc.DefaultToken,
		EncodingAESKey: fakewc.DefaultEncodingAESKey, OriginalID: fakewc.DefaultOriginalID, Clock: clock}
	fcfg := fakewc.Config{AppID: acfg.AppID, AppSecret: acfg.AppSecret, Token: acfg.Token,
		EncodingAESKey: acfg.EncodingAESKey, OriginalID: acfg.OriginalID, Clock: clock, ReplyLimit: 100}

	wireFake := fakewc.New(fcfg)
	srv := httptest.NewServer(wireFake)
	defer srv.Close()
	wcfg := acfg
	wcfg.BaseURL, wcfg.Client = srv.URL, srv.Client()
	wire := routerwc.New(wcfg, &recorder{})

	directFake := fakewc.New(fcfg)
	dcfg := acfg
	dcfg.API = api{directFake.Direct()}
	direct := routerwc.New(dcfg, &recorder{})

	ctx := context.Background()
	if _, err := wireFake.CustomerText(ctx, openid, "hi"); !errors.Is(err, fakewc.ErrNoWebhookURL) {
		t.Fatal(err)
	}
	if _, err := directFake.Direct().CustomerText(openid, "hi"); err != nil {
		t.Fatal(err)
	}
	to := router.CustomerKey{Channel: routerwc.Channel, Account: acfg.AppID, Customer: openid}
	code := func(err error) string {
		var pe *router.PlatformError
		switch {
		case err == nil:
			return "accepted"
		case errors.As(err, &pe):
			return "errcode " + pe.Code
		}
		return err.Error()
	}
	for _, name := range names {
		m := router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "image", Format: "jpg", Size: 10, Name: name}}
		_, werr := wire.Send(ctx, to, m)
		_, derr := direct.Send(ctx, to, m)
		if w, d := code(werr), code(derr); w != d || w != "accepted" {
			t.Errorf("image named %q: wire %s, direct %s; want both accepted", name, w, d)
		}
	}
}
