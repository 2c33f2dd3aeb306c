package messenger

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/httpcall/httpcalltest"
	"github.com/omnisim/omnisim/router"
)

const (
	secret = "s3cret"
	page   = "104857392016483"
	psid   = "7240412345678901"
)

type recorder struct {
	in       []router.Inbound
	statuses []string
}

func (r *recorder) Receive(_ time.Time, in router.Inbound) (router.ConversationID, error) {
	r.in = append(r.in, in)
	return 1, nil
}

func (r *recorder) Status(_ time.Time, _ router.CustomerKey, id, status, _ string) {
	r.statuses = append(r.statuses, id+" "+status)
}

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func newAdapter(cfg Config) (*Adapter, *recorder, *clock) {
	rec := &recorder{}
	clk := &clock{now: t0}
	cfg.AppSecret, cfg.VerifyToken, cfg.PageID, cfg.AccessToken, cfg.Clock = secret, "vt", page, "tok", clk.Now
	return New(cfg, rec), rec, clk
}

func sig256(body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func sig1(body string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(body))
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

func postHook(a *Adapter, body string, hdr map[string]string) int {
	r := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	return w.Code
}

const msgBody = `{"object":"page","entry":[{"id":"104857392016483","time":1772445600000,"messaging":[{"sender":{"id":"7240412345678901"},"recipient":{"id":"104857392016483"},"timestamp":1772445600000,"message":{"mid":"m_1","text":"\u00e4 hi"},"referral":{"ref":"spring","ad_id":"120210000000000042","source":"ADS","type":"OPEN_THREAD"}}]}]}`

// A known answer computed outside Go (Python's hmac) for msgBody's
// sibling {"object":"page","entry":[]} with the key
// omnisim-messenger-app-secret.
func TestKnownAnswer(t *testing.T) {
	a := New(Config{AppSecret: "omnisim-messenger-app-secret"}, &recorder{})
	body := []byte(`{"object":"page","entry":[]}`)
	if !a.verify("sha256=e75cd0a6239263cdca813f96ad8b624d95056cf9b5404149738fcc967ed68b74", "sha1=4cf64eddcc6cae5aa454384675bbb404cffa81b3", body) {
		t.Error("the known signatures are refused")
	}
	if a.verify("sha256=e75cd0a6239263cdca813f96ad8b624d95056cf9b5404149738fcc967ed68b75", "", body) {
		t.Error("a wrong signature passes")
	}
}

func TestWebhookSignatures(t *testing.T) {
	tests := []struct {
		name   string
		legacy bool
		hdr    map[string]string
		status int
		n      int
	}{
		{"both", false, map[string]string{SignatureHeader: sig256(msgBody), LegacySignatureHeader: sig1(msgBody)}, 200, 1},
		{"sha256 only", false, map[string]string{SignatureHeader: sig256(msgBody)}, 200, 1},
		{"upper-case hex", false, map[string]string{SignatureHeader: strings.ToUpper(sig256(msgBody)[7:])}, 403, 0},
		{"unsigned", false, nil, 401, 0},
		{"forged", false, map[string]string{SignatureHeader: sig256(msgBody + " ")}, 403, 0},
		{"right sha256, forged sha1", false, map[string]string{SignatureHeader: sig256(msgBody), LegacySignatureHeader: sig1("x")}, 403, 0},
		{"sha1 only, refused", false, map[string]string{LegacySignatureHeader: sig1(msgBody)}, 401, 0},
		{"sha1 only, legacy allowed", true, map[string]string{LegacySignatureHeader: sig1(msgBody)}, 200, 1},
		{"forged sha1, legacy allowed", true, map[string]string{LegacySignatureHeader: sig1("x")}, 403, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, rec, _ := newAdapter(Config{LegacySignature: tt.legacy})
			if got := postHook(a, msgBody, tt.hdr); got != tt.status || len(rec.in) != tt.n {
				t.Fatalf("HTTP %d, %d messages; want %d, %d", got, len(rec.in), tt.status, tt.n)
			}
			if tt.n == 0 && a.Stats().Rejected != 1 {
				t.Errorf("stats %+v", a.Stats())
			}
		})
	}
}

func TestHandshake(t *testing.T) {
	a, _, _ := newAdapter(Config{})
	for q, want := range map[string]int{
		"hub.mode=subscribe&hub.verify_token=vt&hub.challenge=1158201444": 200,
		"hub.mode=subscribe&hub.verify_token=no&hub.challenge=1":          403,
		"hub.mode=unsubscribe&hub.verify_token=vt&hub.challenge=1":        403,
	} {
		w := httptest.NewRecorder()
		a.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/webhook?"+q, nil))
		if w.Code != want || want == 200 && w.Body.String() != "1158201444" {
			t.Errorf("%s: HTTP %d %q", q, w.Code, w.Body.String())
		}
	}
}

// The message normalizes with its ad referral; a replay is dropped.
func TestNormalizeAndDedupe(t *testing.T) {
	a, rec, _ := newAdapter(Config{})
	hdr := map[string]string{SignatureHeader: sig256(msgBody)}
	postHook(a, msgBody, hdr)
	postHook(a, msgBody, hdr)
	if len(rec.in) != 1 || a.Stats().Duplicates != 1 {
		t.Fatalf("%d messages, stats %+v", len(rec.in), a.Stats())
	}
	in := rec.in[0]
	want := router.Inbound{Customer: router.CustomerKey{Channel: Channel, Account: page, Customer: psid}, MessageID: "m_1", Text: "ä hi", AdSource: "120210000000000042"}
	if in.Customer != want.Customer || in.MessageID != want.MessageID || in.Text != want.Text || in.AdSource != want.AdSource {
		t.Errorf("inbound %+v", in)
	}
}

func TestEvents(t *testing.T) {
	body := `{"object":"page","entry":[{"id":"104857392016483","time":1,"messaging":[
{"sender":{"id":"7240412345678901"},"recipient":{"id":"104857392016483"},"timestamp":1,"referral":{"ad_id":"77","source":"ADS","type":"OPEN_THREAD"}},
{"sender":{"id":"7240412345678901"},"recipient":{"id":"104857392016483"},"timestamp":2,"message":{"mid":"m_a","attachments":[{"type":"file","payload":{"url":"https://cdn.example/x/report.PDF?x=1"}}]}},
{"sender":{"id":"7240412345678901"},"recipient":{"id":"104857392016483"},"timestamp":3,"postback":{"title":"Get Started","payload":"GET_STARTED","mid":"m_b"}},
{"sender":{"id":"104857392016483"},"recipient":{"id":"7240412345678901"},"timestamp":4,"message":{"mid":"m_c","is_echo":true,"text":"echo"}},
{"sender":{"id":"7240412345678901"},"recipient":{"id":"104857392016483"},"timestamp":5,"delivery":{"mids":["m_x","m_y"],"watermark":5}},
{"sender":{"id":"7240412345678901"},"recipient":{"id":"104857392016483"},"timestamp":6,"read":{"watermark":6}}]},
{"id":"999","time":1,"messaging":[{"sender":{"id":"7240412345678902"},"recipient":{"id":"999"},"timestamp":1,"message":{"mid":"m_other","text":"other page"}}]}]}`
	a, rec, _ := newAdapter(Config{})
	if got := postHook(a, body, map[string]string{SignatureHeader: sig256(body)}); got != 200 {
		t.Fatalf("HTTP %d", got)
	}
	if len(rec.in) != 2 {
		t.Fatalf("inbound %+v", rec.in)
	}
	if at := rec.in[0].Attachment; at == nil || at.Kind != "document" || at.Format != "pdf" || rec.in[0].AdSource != "77" {
		t.Errorf("attachment message %+v %+v", rec.in[0], at)
	}
	if rec.in[1].Text != "Get Started" || rec.in[1].MessageID != "m_b" || rec.in[1].AdSource != "" {
		t.Errorf("postback %+v", rec.in[1])
	}
	if strings.Join(rec.statuses, ",") != "m_x delivered,m_y delivered" || a.Stats().Reads != 1 {
		t.Errorf("statuses %v, stats %+v", rec.statuses, a.Stats())
	}
}

func TestMalformed(t *testing.T) {
	for _, body := range []string{`{`, `{"object":"instagram","entry":[]}`, `{"object":"page","entry":[{"messaging":[]}]}`, `[]`} {
		a, _, _ := newAdapter(Config{})
		if got := postHook(a, body, map[string]string{SignatureHeader: sig256(body)}); got != 400 {
			t.Errorf("%s: HTTP %d", body, got)
		}
	}
}

// The messaging type follows the customer's last message: RESPONSE inside
// 24 hours, the HUMAN_AGENT tag until 7 days, RESPONSE after (refused by
// the platform).
func TestMessagingType(t *testing.T) {
	a, _, clk := newAdapter(Config{})
	if typ, tag := a.MessagingType(psid); typ != Response || tag != "" {
		t.Errorf("a stranger: %s %s", typ, tag)
	}
	postHook(a, msgBody, map[string]string{SignatureHeader: sig256(msgBody)})
	for age, want := range map[time.Duration]string{
		0: "RESPONSE ", 23*time.Hour + 59*time.Minute: "RESPONSE ", 24 * time.Hour: "MESSAGE_TAG HUMAN_AGENT",
		167 * time.Hour: "MESSAGE_TAG HUMAN_AGENT", 168 * time.Hour: "RESPONSE ",
	} {
		clk.now = t0.Add(age)
		if typ, tag := a.MessagingType(psid); typ+" "+tag != want {
			t.Errorf("at %v: %s %s, want %s", age, typ, tag, want)
		}
	}
	b, _, bclk := newAdapter(Config{HumanAgentWindow: -1})
	postHook(b, msgBody, map[string]string{SignatureHeader: sig256(msgBody)})
	bclk.now = t0.Add(30 * time.Hour)
	if typ, _ := b.MessagingType(psid); typ != Response {
		t.Errorf("tagging although told not to: %s", typ)
	}
}

// The send body, its URL and token, and Graph's errors as PlatformErrors.
func TestSend(t *testing.T) {
	var got []string
	answer := `{"recipient_id":"7240412345678901","message_id":"m_out"}`
	status := 200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.URL.String()+" "+string(b))
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	defer srv.Close()
	a, _, clk := newAdapter(Config{BaseURL: srv.URL})
	postHook(a, msgBody, map[string]string{SignatureHeader: sig256(msgBody)})
	to := router.CustomerKey{Channel: Channel, Account: page, Customer: psid}
	id, err := a.Send(context.Background(), to, router.Outbound{Kind: router.KindText, Text: "Hi \"there\" ä"})
	if err != nil || id != "m_out" {
		t.Fatalf("Send = %q, %v", id, err)
	}
	want := "/v25.0/104857392016483/messages?access_token=tok " + `{"recipient":{"id":"7240412345678901"},"messaging_type":"RESPONSE","message":{"text":"Hi \"there\" ä"}}`
	if got[0] != want {
		t.Errorf("sent\n%s\nwant\n%s", got[0], want)
	}
	clk.now = t0.Add(30 * time.Hour)
	a.Send(context.Background(), to, router.Outbound{Kind: router.KindText, Text: "late"})
	if !strings.Contains(got[1], `"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT"`) {
		t.Errorf("sent %s", got[1])
	}
	status, answer = 400, `{"error":{"message":"(#10) This message is sent outside of allowed window.","type":"OAuthException","code":10,"error_subcode":2018278,"fbtrace_id":"Ab"}}`
	_, err = a.Send(context.Background(), to, router.Outbound{Kind: router.KindText, Text: "x"})
	var pe *router.PlatformError
	if !errors.As(err, &pe) || pe.Code != "10/2018278" || pe.HTTPStatus != 400 {
		t.Errorf("error %v", err)
	}
	if _, err := a.Send(context.Background(), to, router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "sticker"}}); err == nil || errors.As(err, &pe) && pe.Code == "" {
		t.Errorf("a sticker: %v", err)
	}
	if _, err := a.Send(context.Background(), router.CustomerKey{Channel: "whatsapp", Customer: psid}, router.Outbound{Text: "x"}); err == nil {
		t.Error("another channel's customer accepted")
	}
}

// The common payloads take the one-pass path.
func TestFastPath(t *testing.T) {
	if _, ok := decodeWebhookFast([]byte(msgBody), webhookWords, nil); !ok {
		t.Error("a message webhook falls back")
	}
	if _, ok := decodeWebhookFast([]byte(`{"Object":"page","entry":[]}`), webhookWords, nil); ok {
		t.Error("a case-folded key is decoded by the fast path")
	}
	if id := messageID([]byte(`{"recipient_id":"1","message_id":"m_\u00e9"}`)); id != "m_é" {
		t.Errorf("messageID = %q", id)
	}
}

// The adapter forgets customers whose windows are all over, so its
// memory follows the live customers.
func TestSweep(t *testing.T) {
	a, _, clk := newAdapter(Config{})
	for i := range 3000 {
		a.Receive(Event{Page: page, Sender: strconv.Itoa(7240400000000000 + i), Kind: "message", MID: "m" + strconv.Itoa(i)})
		clk.now = clk.now.Add(time.Hour)
	}
	a.mu.Lock()
	n := len(a.last)
	a.mu.Unlock()
	if n > 2*168+1024 {
		t.Errorf("%d customers held", n)
	}
	if typ, tag := a.MessagingType(strconv.Itoa(7240400000000000 + 2999)); typ != Response || tag != "" {
		t.Errorf("the latest customer: %s %s", typ, tag)
	}
}

// Each webhook is decoded into a recycled block: nothing of one webhook's
// message may show in the next one's.
func TestWebhooksShareNoState(t *testing.T) {
	a, rec, _ := newAdapter(Config{})
	hook := func(mid, message, extra string) string {
		return `{"object":"page","entry":[{"id":"` + page + `","time":1,"messaging":[{"sender":{"id":"` + psid + `"},"recipient":{"id":"` + page +
			`"},"timestamp":1,"message":{"mid":"` + mid + `"` + message + `}` + extra + `}]}]}`
	}
	for _, body := range []string{
		hook("m_1", `,"text":"one","attachments":[{"type":"file","payload":{"url":"https://cdn.example/a.pdf"}}]`, `,"referral":{"ad_id":"77","source":"ADS","type":"OPEN_THREAD"}`),
		hook("m_2", `,"text":"two"`, ""),
		hook("m_3", `,"attachments":[{"type":"image","payload":{"url":"https://cdn.example/b.png"}}]`, ""),
	} {
		if st := post(a, body); st != 200 {
			t.Fatalf("HTTP %d", st)
		}
	}
	if len(rec.in) != 3 {
		t.Fatalf("%d inbound: %+v", len(rec.in), rec.in)
	}
	if in := rec.in[0]; in.Text != "one" || in.Attachment == nil || in.AdSource != "77" {
		t.Errorf("first message %+v", in)
	}
	if in := rec.in[1]; in.MessageID != "m_2" || in.Text != "two" || in.Attachment != nil || in.AdSource != "" {
		t.Errorf("second message %+v, attachment %+v", in, in.Attachment)
	}
	if in := rec.in[2]; in.MessageID != "m_3" || in.Text != "" || in.Attachment == nil || in.Attachment.Kind != "image" {
		t.Errorf("third message %+v, attachment %+v", in, in.Attachment)
	}
}

// TestWebhookBodyHandedOver: a webhook made with httpcall, whose body the
// endpoint reads where it is (httpcall.Body), is handled as one read from
// a socket: a good one delivered, one over MaxBodySize refused also when
// its length is not declared.
func TestWebhookBodyHandedOver(t *testing.T) {
	a, rec, _ := newAdapter(Config{})
	post := func(body string) int {
		return httpcalltest.Post(a, "http://router.test/webhook", []byte(body), func(r *http.Request) {
			r.Header.Set(SignatureHeader, sig256(body))
			r.ContentLength = -1 // not declared: the body itself is measured
		}).Code
	}
	if st := post(msgBody); st != 200 || len(rec.in) != 1 {
		t.Fatalf("HTTP %d, %d messages", st, len(rec.in))
	}
	if st := post(strings.Repeat(" ", MaxBodySize+1)); st != 413 {
		t.Errorf("large body: HTTP %d", st)
	}
}

// An attachment is uploaded under its name, ending in its format's
// extension, which Messenger reads the format from: a name that ends so
// already, a format of two extensions (tar.gz) too, is kept as it is.
func TestUploadName(t *testing.T) {
	for _, tt := range []struct{ name, format, want string }{
		{"", "pdf", "file.pdf"},
		{"", "PDF", "file.pdf"},
		{"", "", "file"},
		{"contract.pdf", "pdf", "contract.pdf"},
		{"contract.PDF", "pdf", "contract.PDF"},
		{"contract.docx", "pdf", "contract.docx.pdf"},
		{"contract", "pdf", "contract.pdf"},
		{"photo.jpg", "jpeg", "photo.jpg"},
		{"photo.JPEG", "jpg", "photo.JPEG"},
		{"notes.txt", "", "notes.txt"},
		{"backup.tar.gz", "tar.gz", "backup.tar.gz"},
		{"backup.TAR.GZ", "tar.gz", "backup.TAR.GZ"},
		{"backup.tar.gz", "TAR.GZ", "backup.tar.gz"},
		{"backup.tar.zst", "tar.zst", "backup.tar.zst"},
		{"backup.tar.gz", "gz", "backup.tar.gz"},
		{"backup.gz", "tar.gz", "backup.gz.tar.gz"},
		{"backup.tgz", "tar.gz", "backup.tgz.tar.gz"},
		{"backup.tar", "tar.gz", "backup.tar.tar.gz"},
		{"tar.gz", "tar.gz", "tar.gz.tar.gz"},
		{".tar.gz", "tar.gz", ".tar.gz"},
		{"logo.svg.gz", "svg.gz", "logo.svg.gz"},
		{"pdf", "pdf", "pdf.pdf"},
		{"jpg", "jpeg", "jpg.jpeg"},
		{".pdf", "pdf", ".pdf"},
		{"a.", "pdf", "a..pdf"},
	} {
		if got := UploadName(&router.Attachment{Name: tt.name, Format: tt.format}); got != tt.want {
			t.Errorf("UploadName(%q, %q) = %q, want %q", tt.name, tt.format, got, tt.want)
		}
		if tt.name != "" && tt.want == tt.name {
			att := &router.Attachment{Name: tt.name, Format: tt.format}
			if n := testing.AllocsPerRun(10, func() { UploadName(att) }); n != 0 {
				t.Errorf("UploadName(%q, %q) keeps the name with %v allocations", tt.name, tt.format, n)
			}
		}
	}
}
