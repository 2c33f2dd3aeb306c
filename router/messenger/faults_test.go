package messenger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
)

func graphBody(code int, transient bool) string {
	tr := ""
	if transient {
		tr = `"is_transient":true,`
	}
	return fmt.Sprintf(`{"error":{"message":"m","type":"OAuthException",%s"code":%d,"fbtrace_id":"Ab"}}`, tr, code)
}

type answer struct {
	status int
	body   string
}

var sent = answer{200, `{"recipient_id":"7240412345678901","message_id":"m_out"}`}

// Send posts a message again only after refusals that guarantee it was
// not sent (rate limits 4 and 613, temporary errors 2 and 1200), at most
// SendTries times in all; every other answer is final.
func TestSendRetries(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answers []answer
		posts   int
		code    string // "" for success
	}{
		{"accepted", []answer{sent}, 1, ""},
		{"613 throttled once", []answer{{429, graphBody(613, true)}, sent}, 2, ""},
		{"613 as HTTP 400", []answer{{400, graphBody(613, true)}, sent}, 2, ""},
		{"code 4 twice", []answer{{400, graphBody(4, true)}, {400, graphBody(4, true)}, sent}, 3, ""},
		{"code 2 then accepted", []answer{{500, graphBody(2, true)}, sent}, 2, ""},
		{"1200 then accepted", []answer{{400, graphBody(1200, false)}, sent}, 2, ""},
		{"throttled until the tries run out", []answer{{429, graphBody(613, true)}, {429, graphBody(613, true)}, {429, graphBody(613, true)}, sent}, 3, "613"},
		{"code 1 may have sent", []answer{{500, graphBody(1, true)}, sent}, 1, "1"},
		{"window", []answer{{400, `{"error":{"message":"w","type":"OAuthException","code":10,"error_subcode":2018278,"fbtrace_id":"A"}}`}, sent}, 1, "10/2018278"},
		{"not Graph's envelope", []answer{{502, `<html>bad gateway</html>`}, sent}, 1, "?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			posts := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				a := tc.answers[min(posts, len(tc.answers)-1)]
				posts++
				w.WriteHeader(a.status)
				io.WriteString(w, a.body)
			}))
			defer srv.Close()
			a, _, _ := newAdapter(Config{BaseURL: srv.URL})
			id, err := a.Send(context.Background(), router.CustomerKey{Customer: psid}, router.Outbound{Kind: router.KindText, Text: "hi"})
			if posts != tc.posts {
				t.Errorf("%d posts, want %d", posts, tc.posts)
			}
			if got := a.Stats().SendRetries; got != tc.posts-1 {
				t.Errorf("SendRetries %d, want %d", got, tc.posts-1)
			}
			var pe *router.PlatformError
			switch {
			case tc.code == "" && (err != nil || id != "m_out"):
				t.Errorf("Send = %q, %v", id, err)
			case tc.code == "?" && (err == nil || errors.As(err, &pe)):
				t.Errorf("Send error %v, want a plain error", err)
			case tc.code != "" && tc.code != "?" && (!errors.As(err, &pe) || pe.Code != tc.code):
				t.Errorf("Send error %v, want code %s", err, tc.code)
			}
		})
	}
}

// On the Direct network the attachment is uploaded once and only the send
// is retried, as on the wire.
func TestDirectRetriesSendOnly(t *testing.T) {
	uploads, sends := 0, 0
	a, _, _ := newAdapter(Config{
		DirectUpload: func(typ string, _ *router.Attachment) (string, error) {
			uploads++
			return "att_" + typ, nil
		},
		Direct: func(req SendRequest) (string, error) {
			sends++
			if req.AttachmentID != "att_image" {
				t.Errorf("send without the uploaded id: %+v", req)
			}
			if sends == 1 {
				return "", &router.PlatformError{Code: "613", HTTPStatus: 429}
			}
			return "m_direct", nil
		},
	})
	id, err := a.Send(context.Background(), router.CustomerKey{Customer: psid},
		router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "image", Format: "png", Size: 10}})
	if err != nil || id != "m_direct" || uploads != 1 || sends != 2 {
		t.Errorf("Send = %q, %v; %d uploads, %d sends", id, err, uploads, sends)
	}
}

func hookAt(mid string, ts time.Time, sender string) string {
	ms := ts.UnixMilli()
	return fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"time":%d,"messaging":[{"sender":{"id":%q},"recipient":{"id":%q},"timestamp":%d,"message":{"mid":%q,"text":"x"}}]}]}`,
		page, ms, sender, page, ms, mid)
}

func post(a *Adapter, body string) int {
	return postHook(a, body, map[string]string{SignatureHeader: sig256(body)})
}

// A message delivered late carries the platform's time as Sent and anchors
// the window there; one overtaken by a later message moves nothing back.
func TestLateMessageAnchorsAtPlatformTime(t *testing.T) {
	a, rec, clk := newAdapter(Config{})
	clk.now = t0.Add(2 * time.Minute) // delivered two minutes late
	post(a, hookAt("m_late", t0, psid))
	if len(rec.in) != 1 || !rec.in[0].Sent.Equal(t0) {
		t.Fatalf("inbound %+v", rec.in)
	}
	clk.now = t0.Add(24 * time.Hour) // 24h after the platform's time, not after the arrival
	if typ, tag := a.MessagingType(psid); typ != MessageTag || tag != HumanAgent {
		t.Errorf("at 24h after the message: %s %s", typ, tag)
	}
	// On time (within its millisecond): the arrival anchors it, as before.
	c, _, cclk := newAdapter(Config{})
	cclk.now = t0.Add(500 * time.Microsecond)
	post(c, hookAt("m_now", t0, psid))
	cclk.now = t0.Add(24*time.Hour + 250*time.Microsecond)
	if typ, _ := c.MessagingType(psid); typ != Response {
		t.Errorf("a message on time anchored before its arrival: %s", typ)
	}
	// Reordered: the message of t0+1h arrives, then the one of t0+30m.
	b, _, bclk := newAdapter(Config{})
	bclk.now = t0.Add(time.Hour)
	post(b, hookAt("m_new", t0.Add(time.Hour), psid))
	bclk.now = t0.Add(time.Hour + time.Minute)
	post(b, hookAt("m_old", t0.Add(30*time.Minute), psid))
	bclk.now = t0.Add(24*time.Hour + 45*time.Minute)
	if typ, _ := b.MessagingType(psid); typ != Response {
		t.Errorf("the older message moved the anchor back: %s", typ)
	}
}

// The saved state carries the dedupe set, the window anchors, the waiting
// ad referrals and the counters into a new adapter.
func TestStateRoundTrip(t *testing.T) {
	a, _, clk := newAdapter(Config{})
	other := "7240412345678902"
	post(a, hookAt("m_1", t0, psid))
	ref := fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"time":1,"messaging":[{"sender":{"id":%q},"recipient":{"id":%q},"timestamp":%d,"referral":{"ad_id":"77","source":"ADS","type":"OPEN_THREAD"}}]}]}`, page, other, page, t0.UnixMilli())
	post(a, ref)
	post(a, hookAt("m_1", t0, psid)) // a duplicate
	state, err := a.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	b := New(Config{AppSecret: secret, PageID: page, Clock: clk.Now}, rec)
	if err := b.RestoreState(state); err != nil {
		t.Fatal(err)
	}
	if b.Stats() != a.Stats() {
		t.Errorf("stats %+v, saved %+v", b.Stats(), a.Stats())
	}
	again, _ := b.SaveState()
	if string(again) != string(state) {
		t.Errorf("saved again\n%s\nfirst\n%s", again, state)
	}
	post(b, hookAt("m_1", t0, psid)) // the platform's retry across the restart
	post(b, hookAt("m_2", t0.Add(time.Second), other))
	if len(rec.in) != 1 || rec.in[0].MessageID != "m_2" || rec.in[0].AdSource != "77" || b.Stats().Duplicates != 2 {
		t.Fatalf("inbound %+v, stats %+v", rec.in, b.Stats())
	}
	clk.now = t0.Add(30 * time.Hour)
	if typ, tag := b.MessagingType(psid); typ != MessageTag || tag != HumanAgent {
		t.Errorf("the anchor was lost: %s %s", typ, tag)
	}
	for _, tc := range []struct{ name, state string }{
		{"garbage", "{"},
		{"version", `{"version":9}`},
		{"no id", `{"version":1,"seen":[{"id":"","at":1}]}`},
	} {
		if err := New(Config{}, rec).RestoreState([]byte(tc.state)); err == nil {
			t.Errorf("%s: restored", tc.name)
		}
	}
	if err := b.RestoreState(state); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("restored into an adapter in use: %v", err)
	}
}

// FuzzRestoreState: any bytes are refused with an error or restored into
// a state that saves and restores again unchanged; nothing panics.
func FuzzRestoreState(f *testing.F) {
	f.Add([]byte(`{"version":1,"seen":[{"id":"m_1","at":1772445600000000000}],"last":[{"psid":"7240412345678901","at":1772445600000000000}],"ads":[{"psid":"7240412345678902","ad":"77","at":1}],"stats":{"Received":1}}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"last":[{"psid":"7240412345678901","at":1}],"stats":{},"ad_last":[{"psid":"7240412345678901","at":1}]}`))
	f.Add([]byte(`{"version":2,"seen":[]}`))
	f.Add([]byte(`{"version":1,"seen":[{"id":"","at":0}]}`))
	f.Add([]byte(`nul`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, _, _ := newAdapter(Config{})
		if a.RestoreState(b) != nil {
			return
		}
		saved, err := a.SaveState()
		if err != nil {
			t.Fatal(err)
		}
		c, _, _ := newAdapter(Config{})
		if err := c.RestoreState(saved); err != nil {
			t.Fatalf("a saved state is refused: %v\n%s", err, saved)
		}
		again, _ := c.SaveState()
		if !bytes.Equal(again, saved) {
			t.Fatalf("saved\n%s\nthen\n%s", saved, again)
		}
	})
}
