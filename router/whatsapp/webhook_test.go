package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnisim/omnisim/httpcall/httpcalltest"
	"github.com/omnisim/omnisim/router"
)

const (
	testSecret  = "app-secret"
	testVerify  = "verify-me"
	testPhoneID = "106540352242922"
)

type receiveCall struct {
	Now time.Time
	In  router.Inbound // without Sent, which the tables of fixtures leave out
	// Sent is In.Sent: the platform's time of the message (timestamp_test.go).
	Sent time.Time
}

type statusCall struct {
	Now                     time.Time
	To                      router.CustomerKey
	MessageID, Status, Code string
}

// recorder is a router.Receiver that records its calls.
type recorder struct {
	mu       sync.Mutex
	received []receiveCall
	statuses []statusCall
	err      error
}

func (r *recorder) Receive(now time.Time, in router.Inbound) (router.ConversationID, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sent := in.Sent
	in.Sent = time.Time{}
	r.received = append(r.received, receiveCall{now, in, sent})
	return router.ConversationID(len(r.received)), r.err
}

func (r *recorder) Status(now time.Time, to router.CustomerKey, messageID, status, code string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statuses = append(r.statuses, statusCall{now, to, messageID, status, code})
}

// fakeClock is a settable Clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var t0 = time.Date(2025, 6, 9, 12, 0, 0, 0, time.UTC)

func newTestAdapter(t testing.TB) (*Adapter, *recorder, *fakeClock) {
	t.Helper()
	rec := &recorder{}
	clock := &fakeClock{now: t0}
	a := New(Config{
		AppSecret:     testSecret,
		VerifyToken:   testVerify,
		AccessToken:   "token",
		PhoneNumberID: testPhoneID,
		Clock:         clock.Now,
	}, rec)
	return a, rec, clock
}

func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// post POSTs body to the adapter with the given signature header ("" for
// none) and returns the status.
func post(a *Adapter, body []byte, sig string) int {
	// Every body a test posts also checks the fast decoder against
	// encoding/json (decode_test.go).
	if _, msg := diffWebhookDecode(body, a.cfg.PhoneNumberID); msg != "" {
		panic("decoders differ: " + msg)
	}
	req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(SignatureHeader, sig)
	}
	w := httptest.NewRecorder()
	a.ServeHTTP(w, req)
	return w.Code
}

func postSigned(a *Adapter, body []byte) int { return post(a, body, sign(testSecret, body)) }

// envelopeOf wraps change values (JSON objects without metadata) in a
// notification for phone number id phoneID.
func envelopeOf(phoneID string, values ...string) []byte {
	var changes []string
	for _, v := range values {
		changes = append(changes, fmt.Sprintf(`{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":%q},%s},"field":"messages"}`, phoneID, v))
	}
	return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[` + strings.Join(changes, ",") + `]}]}`)
}

func textValue(from, name, id, body string) string {
	return fmt.Sprintf(`"contacts":[{"profile":{"name":%q},"wa_id":%q}],"messages":[{"from":%q,"id":%q,"timestamp":"1749416383","type":"text","text":{"body":%q}}]`, name, from, from, id, body)
}

func textMessage(from, id, body string) []byte {
	return envelopeOf(testPhoneID, textValue(from, "Sheena Nelson", id, body))
}

func customer(id string) router.CustomerKey {
	return router.CustomerKey{Channel: Channel, Account: testPhoneID, Customer: id}
}

func TestVerifyHandshake(t *testing.T) {
	tests := []struct {
		name     string
		query    url.Values
		want     int
		wantBody string
	}{
		{"good", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {testVerify}, "hub.challenge": {"1158201444"}}, 200, "1158201444"},
		{"raw challenge", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {testVerify}, "hub.challenge": {"<a&b> \"x\""}}, 200, "<a&b> \"x\""},
		{"bad token", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"wrong"}, "hub.challenge": {"1"}}, 403, ""},
		{"no token", url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"1"}}, 403, ""},
		{"bad mode", url.Values{"hub.mode": {"unsubscribe"}, "hub.verify_token": {testVerify}, "hub.challenge": {"1"}}, 403, ""},
		{"no mode", url.Values{"hub.verify_token": {testVerify}, "hub.challenge": {"1"}}, 403, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, rec, _ := newTestAdapter(t)
			req := httptest.NewRequest(http.MethodGet, "/webhook?"+tc.query.Encode(), nil)
			w := httptest.NewRecorder()
			a.ServeHTTP(w, req)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d", w.Code, tc.want)
			}
			if tc.want == 200 {
				if got := w.Body.String(); got != tc.wantBody {
					t.Errorf("body %q, want %q", got, tc.wantBody)
				}
				if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
					t.Errorf("content type %q", ct)
				}
			}
			if len(rec.received)+len(rec.statuses) != 0 {
				t.Errorf("receiver called")
			}
		})
	}
}

func TestVerifyEmptyConfiguredToken(t *testing.T) {
	a := New(Config{AppSecret: testSecret, PhoneNumberID: testPhoneID}, &recorder{})
	req := httptest.NewRequest(http.MethodGet, "/webhook?hub.mode=subscribe&hub.verify_token=&hub.challenge=1", nil)
	w := httptest.NewRecorder()
	a.ServeHTTP(w, req)
	if w.Code != 403 {
		t.Fatalf("status %d, want 403", w.Code)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	a, _, _ := newTestAdapter(t)
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodHead, http.MethodPatch} {
		w := httptest.NewRecorder()
		a.ServeHTTP(w, httptest.NewRequest(m, "/webhook", nil))
		if w.Code != 405 {
			t.Errorf("%s: status %d, want 405", m, w.Code)
		}
	}
}

func TestSignatureRefusal(t *testing.T) {
	body := textMessage("16505551234", "wamid.A", "hello")
	good := sign(testSecret, body)
	tests := []struct {
		name string
		sig  string
		want int
	}{
		{"unsigned", "", 401},
		{"forged", sign("other-secret", body), 403},
		{"sha1 prefix", "sha1=" + good[len("sha256="):], 403},
		{"no prefix", good[len("sha256="):], 403},
		{"short", good[:len(good)-2], 403},
		{"not hex", good[:len(good)-2] + "zz", 403},
		{"over other body", sign(testSecret, append([]byte(nil), body[:len(body)-1]...)), 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, rec, _ := newTestAdapter(t)
			if got := post(a, body, tc.sig); got != tc.want {
				t.Fatalf("status %d, want %d", got, tc.want)
			}
			if len(rec.received) != 0 {
				t.Fatalf("refused webhook reached the receiver")
			}
			if s := a.Stats(); s.Rejected != 1 || s.Received != 0 {
				t.Fatalf("stats %+v", s)
			}
			// The refused webhook must not poison dedupe.
			if got := post(a, body, good); got != 200 {
				t.Fatalf("signed retry: status %d", got)
			}
			if len(rec.received) != 1 || rec.received[0].In.MessageID != "wamid.A" {
				t.Fatalf("signed retry not received: %+v", rec.received)
			}
		})
	}
}

// TestSignatureOneDigitWrong refuses a signature with any one of its digits
// changed to any other hex digit.
func TestSignatureOneDigitWrong(t *testing.T) {
	body := textMessage("16505551234", "wamid.A", "hello")
	good := sign(testSecret, body)
	a, rec, _ := newTestAdapter(t)
	for i := len("sha256="); i < len(good); i++ {
		for _, d := range []byte("0123456789abcdef") {
			if d == good[i] {
				continue
			}
			if sig := good[:i] + string(d) + good[i+1:]; post(a, body, sig) != 403 {
				t.Fatalf("%s taken for %s", sig, good)
			}
		}
	}
	if len(rec.received) != 0 {
		t.Fatalf("%d refused webhooks reached the receiver", len(rec.received))
	}
}

func TestUppercaseHexSignature(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	body := textMessage("16505551234", "wamid.U", "hi")
	sig := "sha256=" + strings.ToUpper(sign(testSecret, body)[len("sha256="):])
	if got := post(a, body, sig); got != 200 || len(rec.received) != 1 {
		t.Fatalf("status %d, received %d", got, len(rec.received))
	}
}

func TestEmptyAppSecretRefusesAll(t *testing.T) {
	rec := &recorder{}
	a := New(Config{PhoneNumberID: testPhoneID}, rec)
	body := textMessage("16505551234", "wamid.A", "hello")
	if got := post(a, body, sign("", body)); got != 403 {
		t.Fatalf("status %d, want 403", got)
	}
	if len(rec.received) != 0 {
		t.Fatal("receiver called")
	}
}

func TestEscapedUnicodeSignature(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	// Exactly the bytes Meta sends: escaped unicode and escaped "/ < % @".
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"` + testPhoneID + `"},"contacts":[{"profile":{"name":"J\u00f6rg"},"wa_id":"4915112345678"}],"messages":[{"from":"4915112345678","id":"wamid.U1","timestamp":"1749416383","type":"text","text":{"body":"\u00e4\u00f6\u00e5 \u0040 a\/b \u003c \u0025 \ud83d\ude00"}}]},"field":"messages"}]}]}`)
	if got := postSigned(a, body); got != 200 {
		t.Fatalf("status %d", got)
	}
	if len(rec.received) != 1 {
		t.Fatalf("received %d", len(rec.received))
	}
	in := rec.received[0].In
	if in.Text != "äöå @ a/b < % 😀" || in.Name != "Jörg" {
		t.Errorf("text %q name %q", in.Text, in.Name)
	}
}

func TestInboundMessages(t *testing.T) {
	const from = "16505551234"
	msg := func(id, typ, payload string) string {
		return fmt.Sprintf(`"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":%q}],"messages":[{"from":%q,"id":%q,"timestamp":"1749416383","type":%q%s}]`, from, from, id, typ, payload)
	}
	tests := []struct {
		name  string
		value string
		want  router.Inbound
	}{
		{"text", msg("w1", "text", `,"text":{"body":"Hello"}`),
			router.Inbound{Text: "Hello"}},
		{"image", msg("w1", "image", `,"image":{"caption":"look","mime_type":"image/jpeg","sha256":"x","id":"123"}`),
			router.Inbound{Text: "look", Attachment: &router.Attachment{Kind: "image", Format: "jpeg"}}},
		{"png", msg("w1", "image", `,"image":{"mime_type":"image/png","id":"123"}`),
			router.Inbound{Attachment: &router.Attachment{Kind: "image", Format: "png"}}},
		{"voice", msg("w1", "audio", `,"audio":{"mime_type":"audio/ogg; codecs=opus","sha256":"x","id":"1","voice":true}`),
			router.Inbound{Attachment: &router.Attachment{Kind: "audio", Format: "ogg"}}},
		{"mp3", msg("w1", "audio", `,"audio":{"mime_type":"audio/mpeg","id":"1"}`),
			router.Inbound{Attachment: &router.Attachment{Kind: "audio", Format: "mp3"}}},
		{"m4a", msg("w1", "audio", `,"audio":{"mime_type":"audio/mp4","id":"1"}`),
			router.Inbound{Attachment: &router.Attachment{Kind: "audio", Format: "m4a"}}},
		{"video", msg("w1", "video", `,"video":{"mime_type":"video/3gpp","caption":"clip","id":"1"}`),
			router.Inbound{Text: "clip", Attachment: &router.Attachment{Kind: "video", Format: "3gp"}}},
		{"document", msg("w1", "document", `,"document":{"caption":"invoice","filename":"inv.pdf","mime_type":"application/pdf","id":"1"}`),
			router.Inbound{Text: "invoice", Attachment: &router.Attachment{Kind: "document", Format: "pdf", Name: "inv.pdf"}}},
		{"document unknown mime", msg("w1", "document", `,"document":{"filename":"Sheet.XLSX","mime_type":"application/octet-stream","id":"1"}`),
			router.Inbound{Attachment: &router.Attachment{Kind: "document", Format: "xlsx", Name: "Sheet.XLSX"}}},
		{"sticker", msg("w1", "sticker", `,"sticker":{"mime_type":"image/webp","animated":false,"id":"1"}`),
			router.Inbound{Attachment: &router.Attachment{Kind: "sticker", Format: "webp"}}},
		{"image without object", msg("w1", "image", ``),
			router.Inbound{Attachment: &router.Attachment{Kind: "image"}}},
		{"button", msg("w1", "button", `,"button":{"text":"Yes","payload":"YES"}`),
			router.Inbound{Text: "Yes", Payload: "YES"}},
		{"button with context", msg("w1", "button", `,"context":{"from":"15550783881","id":"wamid.T"},"button":{"text":"Yes","payload":"YES"}`),
			router.Inbound{Text: "Yes", Payload: "YES", ReplyTo: "wamid.T"}},
		{"quoted text reply", `"messages":[{"context":{"from":"15550783881","id":"wamid.Q"},"from":"` + from + `","id":"w1","timestamp":"1","type":"text","text":{"body":"that one"}}]`,
			router.Inbound{Text: "that one", ReplyTo: "wamid.Q", Name: "-"}},
		{"interactive button", msg("w1", "interactive", `,"interactive":{"type":"button_reply","button_reply":{"id":"b1","title":"Track order"}}`),
			router.Inbound{Text: "Track order", Payload: "b1"}},
		{"interactive list", msg("w1", "interactive", `,"interactive":{"type":"list_reply","list_reply":{"id":"l1","title":"Billing","description":"x"}}`),
			router.Inbound{Text: "Billing", Payload: "l1"}},
		{"reaction", msg("w1", "reaction", `,"reaction":{"message_id":"wamid.X","emoji":"\ud83d\udc4d"}`),
			router.Inbound{ReplyTo: "wamid.X", Reaction: "\U0001F44D"}},
		{"reaction removed", msg("w1", "reaction", `,"reaction":{"message_id":"wamid.X"}`),
			router.Inbound{ReplyTo: "wamid.X"}},
		{"unsupported", msg("w1", "unsupported", `,"errors":[{"code":131051,"title":"Message type unknown"}]`),
			router.Inbound{}},
		{"location", msg("w1", "location", `,"location":{"latitude":1.5,"longitude":2.5}`),
			router.Inbound{}},
		{"future type", msg("w1", "hologram", `,"hologram":{"x":[1,2]}`),
			router.Inbound{}},
		{"no contacts", fmt.Sprintf(`"messages":[{"from":%q,"id":"w1","type":"text","text":{"body":"x"}}]`, from),
			router.Inbound{Text: "x", Name: "-"}},
		{"single contact other wa_id", fmt.Sprintf(`"contacts":[{"profile":{"name":"Ana"},"wa_id":"5511999999999"}],"messages":[{"from":%q,"id":"w1","type":"text","text":{"body":"x"}}]`, from),
			router.Inbound{Text: "x", Name: "Ana"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, rec, _ := newTestAdapter(t)
			if got := postSigned(a, envelopeOf(testPhoneID, tc.value)); got != 200 {
				t.Fatalf("status %d", got)
			}
			if len(rec.received) != 1 {
				t.Fatalf("received %d calls", len(rec.received))
			}
			want := tc.want
			want.Customer = customer(from)
			want.MessageID = "w1"
			switch want.Name {
			case "":
				want.Name = "Sheena Nelson"
			case "-":
				want.Name = ""
			}
			got := rec.received[0]
			if !reflect.DeepEqual(got.In, want) {
				t.Errorf("inbound\n got %+v %+v\nwant %+v %+v", got.In, got.In.Attachment, want, want.Attachment)
			}
			if !got.Now.Equal(t0) {
				t.Errorf("now %v, want the clock's %v", got.Now, t0)
			}
		})
	}
}

func TestDuplicates(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	body := textMessage("16505551234", "wamid.D", "hello")
	for i := 0; i < 3; i++ {
		if got := postSigned(a, body); got != 200 {
			t.Fatalf("delivery %d: status %d", i, got)
		}
	}
	// The same wamid twice in one envelope, plus a new one.
	two := envelopeOf(testPhoneID,
		`"messages":[{"from":"1","id":"wamid.E","type":"text","text":{"body":"a"}},{"from":"1","id":"wamid.E","type":"text","text":{"body":"a"}},{"from":"1","id":"wamid.D","type":"text","text":{"body":"a"}}]`)
	if got := postSigned(a, two); got != 200 {
		t.Fatalf("status %d", got)
	}
	if len(rec.received) != 2 {
		t.Fatalf("received %d, want 2", len(rec.received))
	}
	if s := a.Stats(); s != (Stats{Received: 2, Duplicates: 4}) {
		t.Fatalf("stats %+v", s)
	}
}

func TestDedupeWindow(t *testing.T) {
	tests := []struct {
		name     string
		window   time.Duration
		advance  time.Duration
		received int
	}{
		{"default window, 6 days later", 0, 6 * 24 * time.Hour, 1},
		{"default window, 7 days later", 0, 7 * 24 * time.Hour, 2},
		{"1h window, 59m later", time.Hour, 59 * time.Minute, 1},
		{"1h window, 1h later", time.Hour, time.Hour, 2},
		{"1h window, clock backwards", time.Hour, -2 * time.Hour, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			clock := &fakeClock{now: t0}
			a := New(Config{AppSecret: testSecret, PhoneNumberID: testPhoneID, Clock: clock.Now, DedupeWindow: tc.window}, rec)
			body := textMessage("16505551234", "wamid.W", "hello")
			postSigned(a, body)
			clock.Advance(tc.advance)
			postSigned(a, body)
			if len(rec.received) != tc.received {
				t.Fatalf("received %d, want %d", len(rec.received), tc.received)
			}
		})
	}
}

func TestDedupePruning(t *testing.T) {
	rec := &recorder{}
	clock := &fakeClock{now: t0}
	a := New(Config{AppSecret: testSecret, PhoneNumberID: testPhoneID, Clock: clock.Now, DedupeWindow: time.Minute}, rec)
	for i := 0; i < 1000; i++ {
		postSigned(a, textMessage("1", fmt.Sprintf("wamid.%d", i), "x"))
		clock.Advance(time.Second)
	}
	a.mu.Lock()
	seen := a.seen.Len()
	a.mu.Unlock()
	if seen > 61 {
		t.Fatalf("remembered %d ids; want at most 61", seen)
	}
	// Recent ids are still duplicates; old ones are new again.
	postSigned(a, textMessage("1", "wamid.999", "x"))
	postSigned(a, textMessage("1", "wamid.0", "x"))
	if len(rec.received) != 1001 || rec.received[1000].In.MessageID != "wamid.0" {
		t.Fatalf("received %d", len(rec.received))
	}
}

func TestStatuses(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	value := `"statuses":[` +
		`{"id":"wamid.S1","status":"sent","timestamp":"1749416383","recipient_id":"16505551234","conversation":{"id":"c","origin":{"type":"service"}},"pricing":{"billable":true,"pricing_model":"CBP","category":"service"}},` +
		`{"id":"wamid.S2","status":"read","timestamp":"1749416384","recipient_id":"16505551234"},` +
		`{"id":"wamid.S3","status":"failed","timestamp":"1749416385","recipient_id":"447700900000","errors":[{"code":131047,"title":"Re-engagement message","message":"Re-engagement message","error_data":{"details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"href":"https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"},{"code":1}]}]`
	if got := postSigned(a, envelopeOf(testPhoneID, value)); got != 200 {
		t.Fatalf("status %d", got)
	}
	want := []statusCall{
		{t0, customer("16505551234"), "wamid.S1", "sent", ""},
		{t0, customer("16505551234"), "wamid.S2", "read", ""},
		{t0, customer("447700900000"), "wamid.S3", "failed", "131047"},
	}
	if !reflect.DeepEqual(rec.statuses, want) {
		t.Fatalf("statuses\n got %+v\nwant %+v", rec.statuses, want)
	}
	if len(rec.received) != 0 {
		t.Fatal("statuses produced messages")
	}
	if s := a.Stats(); s != (Stats{Statuses: 3}) {
		t.Fatalf("stats %+v", s)
	}
}

func TestStatusEdgeCases(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	value := `"statuses":[null,` +
		`{"id":"wamid.S1","status":"failed","recipient_id":"1","errors":[{"code":"131047"}]},` +
		`{"id":"wamid.S2","status":"failed","recipient_id":"1","errors":[{"title":"no code"},{"code":2}]},` +
		`{"id":"wamid.S3","status":"failed","recipient_id":"1","errors":[{"code":-1.5e3}]},` +
		`{"id":"wamid.S4","status":"deleted","recipient_id":"1","errors":null},null]`
	if got := postSigned(a, envelopeOf(testPhoneID, value)); got != 200 {
		t.Fatalf("status %d", got)
	}
	want := []statusCall{
		{t0, customer("1"), "wamid.S1", "failed", "131047"}, // a string holding a number is a number
		{t0, customer("1"), "wamid.S2", "failed", ""},
		{t0, customer("1"), "wamid.S3", "failed", "-1.5e3"}, // the literal as sent
		{t0, customer("1"), "wamid.S4", "deleted", ""},
	}
	if !reflect.DeepEqual(rec.statuses, want) {
		t.Fatalf("statuses\n got %+v\nwant %+v", rec.statuses, want)
	}
	if s := a.Stats(); s != (Stats{Statuses: 4}) {
		t.Fatalf("stats %+v", s)
	}
}

func TestIgnoredChanges(t *testing.T) {
	tests := []struct {
		name string
		body []byte
	}{
		{"other phone number id", envelopeOf("999999999999999", textValue("1", "n", "w", "x"))},
		{"other object", []byte(`{"object":"page","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"` + testPhoneID + `"},"messages":[{"from":"1","id":"w","type":"text"}]}}]}]}`)},
		{"other field", []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"account_update","value":{"phone_number":"15550783881","event":"VERIFIED_ACCOUNT"}}]}]}`)},
		{"template status field", []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","time":1749416383,"changes":[{"value":{"event":"APPROVED","message_template_id":12345,"message_template_name":"hello","message_template_language":"en_US","reason":"NONE"},"field":"message_template_status_update"}]}]}`)},
		{"system errors", envelopeOf(testPhoneID, `"errors":[{"code":131000,"title":"Something went wrong"}]`)},
		{"empty object", []byte(`{}`)},
		{"null", []byte(`null`)},
		{"no entries", []byte(`{"object":"whatsapp_business_account","entry":[]}`)},
		{"null value", []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":null}]}]}`)},
		{"message without from", envelopeOf(testPhoneID, `"messages":[{"id":"w","type":"text","text":{"body":"x"}}]`)},
		{"message without id", envelopeOf(testPhoneID, `"messages":[{"from":"1","type":"text","text":{"body":"x"}}]`)},
		{"unknown fields of any type", envelopeOf(testPhoneID, `"extra":[1,{"a":null}],"messages":[{"from":"1","type":"text","referral":7}],"statuses":[null]`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, rec, _ := newTestAdapter(t)
			if got := postSigned(a, tc.body); got != 200 {
				t.Fatalf("status %d", got)
			}
			if len(rec.received)+len(rec.statuses) != 0 {
				t.Fatalf("receiver called: %+v %+v", rec.received, rec.statuses)
			}
			if s := a.Stats(); s != (Stats{}) {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}

func TestMixedPhoneNumbers(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	body := envelopeOf(testPhoneID, textValue("1", "a", "w1", "mine"))
	other := envelopeOf("2", textValue("2", "b", "w2", "theirs"))
	// Splice the other change into the same entry.
	body = []byte(strings.Replace(string(body), `"field":"messages"}]`, `"field":"messages"},`+string(other[strings.Index(string(other), `{"value"`):strings.LastIndex(string(other), "]}]}")])+`]`, 1))
	if got := postSigned(a, body); got != 200 {
		t.Fatalf("status %d", got)
	}
	if len(rec.received) != 1 || rec.received[0].In.Text != "mine" {
		t.Fatalf("received %+v", rec.received)
	}
}

func TestMalformed(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"empty", ``},
		{"not json", `hello`},
		{"truncated", string(textMessage("1", "w", "x")[:50])},
		{"array", `[]`},
		{"string", `"x"`},
		{"entry not array", `{"object":"whatsapp_business_account","entry":{}}`},
		{"messages not array", `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"` + testPhoneID + `"},"messages":{}}}]}]}`},
		{"from a number", `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"` + testPhoneID + `"},"messages":[{"from":1,"id":"w","type":"text"}]}}]}]}`},
		{"bad error code", `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"` + testPhoneID + `"},"statuses":[{"id":"w","status":"failed","errors":[{"code":"abc"}]}]}}]}]}`},
		// The first change is fine, the second is not: nothing may be delivered.
		{"second change bad", string(envelopeOf(testPhoneID, textValue("1", "n", "w", "x"), `"messages":[{"from":1}]`))},
		{"trailing garbage", string(textMessage("1", "w", "x")) + "}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, rec, _ := newTestAdapter(t)
			if got := postSigned(a, []byte(tc.body)); got != 400 {
				t.Fatalf("status %d, want 400", got)
			}
			if len(rec.received)+len(rec.statuses) != 0 {
				t.Fatal("receiver called")
			}
			if s := a.Stats(); s != (Stats{Rejected: 1}) {
				t.Fatalf("stats %+v", s)
			}
			a.mu.Lock()
			n := a.seen.Len()
			a.mu.Unlock()
			if n != 0 {
				t.Fatal("malformed webhook remembered ids")
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	pad := strings.Repeat(" ", MaxBodySize)
	body := append(textMessage("1", "w", "x"), pad...)
	if got := postSigned(a, body); got != 413 {
		t.Fatalf("status %d, want 413", got)
	}
	// Without a declared length too.
	req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(string(body)))
	req.ContentLength = -1
	req.Header.Set(SignatureHeader, sign(testSecret, body))
	w := httptest.NewRecorder()
	a.ServeHTTP(w, req)
	if w.Code != 413 {
		t.Fatalf("chunked: status %d, want 413", w.Code)
	}
	if len(rec.received) != 0 {
		t.Fatal("receiver called")
	}
	// Exactly at the limit is accepted.
	body = append(textMessage("1", "w", "x"), pad[:MaxBodySize-len(textMessage("1", "w", "x"))]...)
	if got := postSigned(a, body); got != 200 {
		t.Fatalf("at limit: status %d", got)
	}
}

func TestReceiveErrorStillOK(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	rec.err = errors.New("engine says no")
	body := textMessage("1", "w", "x")
	if got := postSigned(a, body); got != 200 {
		t.Fatalf("status %d", got)
	}
	if got := postSigned(a, body); got != 200 || len(rec.received) != 1 {
		t.Fatalf("status %d, received %d", got, len(rec.received))
	}
}

func TestConcurrentWebhooks(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				postSigned(a, textMessage("1", fmt.Sprintf("wamid.%d", i), "x"))
			}
		}()
	}
	wg.Wait()
	if len(rec.received) != 200 {
		t.Fatalf("received %d, want 200", len(rec.received))
	}
	if s := a.Stats(); s.Received != 200 || s.Duplicates != 1400 {
		t.Fatalf("stats %+v", s)
	}
}

func TestThroughRealServer(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	srv := httptest.NewServer(a)
	defer srv.Close()
	body := textMessage("16505551234", "wamid.R", "über")
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(string(body)))
	req.Header.Set(SignatureHeader, sign(testSecret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(rec.received) != 1 {
		t.Fatalf("status %d, received %d", resp.StatusCode, len(rec.received))
	}
}

func TestMIMETypes(t *testing.T) {
	pairs := []struct{ format, mime string }{
		{"jpeg", "image/jpeg"}, {"png", "image/png"}, {"webp", "image/webp"},
		{"mp3", "audio/mpeg"}, {"ogg", "audio/ogg"}, {"aac", "audio/aac"}, {"amr", "audio/amr"}, {"m4a", "audio/mp4"},
		{"mp4", "video/mp4"}, {"3gp", "video/3gpp"}, {"pdf", "application/pdf"}, {"txt", "text/plain"},
		{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	}
	for _, p := range pairs {
		if got := MIMEType(p.format); got != p.mime {
			t.Errorf("MIMEType(%q) = %q, want %q", p.format, got, p.mime)
		}
		if got := FormatOf(p.mime); got != p.format {
			t.Errorf("FormatOf(%q) = %q, want %q", p.mime, got, p.format)
		}
	}
	others := []struct{ in, want string }{
		{"JPG", "image/jpeg"}, {".png", "image/png"}, {"exe", OctetStream}, {"", OctetStream},
	}
	for _, o := range others {
		if got := MIMEType(o.in); got != o.want {
			t.Errorf("MIMEType(%q) = %q, want %q", o.in, got, o.want)
		}
	}
	formats := []struct{ in, want string }{
		{"Image/JPEG", "jpeg"}, {"audio/ogg; codecs=opus", "ogg"}, {" video/mp4 ", "mp4"},
		{"image/heic", "heic"}, {"application/octet-stream", ""}, {"application/vnd.foo", ""}, {"", ""}, {"jpeg", ""},
	}
	for _, f := range formats {
		if got := FormatOf(f.in); got != f.want {
			t.Errorf("FormatOf(%q) = %q, want %q", f.in, got, f.want)
		}
	}
}

func TestEnvelopeShapes(t *testing.T) {
	meta := `"metadata":{"phone_number_id":"` + testPhoneID + `"}`
	wrap := func(value string) []byte {
		return []byte(`{"entry":[{"changes":[{"value":{` + value + `},"field":"messages"}]}],"object":"whatsapp_business_account"}`)
	}
	tests := []struct {
		name string
		body []byte
		want []router.Inbound // Customer is filled in as customer("1")
	}{
		{"object and field last, metadata after messages",
			wrap(`"messages":[{"text":{"body":"hi"},"type":"text","id":"w1","from":"1"}],"contacts":[{"wa_id":"1","profile":{"name":"N"}}],` + meta),
			[]router.Inbound{{MessageID: "w1", Name: "N", Text: "hi"}}},
		{"metadata of another number after messages",
			wrap(`"messages":[{"from":"1","id":"w1","type":"text","text":{"body":"hi"}}],"metadata":{"phone_number_id":"999"}`),
			nil},
		{"media object before type, other media ignored",
			wrap(meta + `,"messages":[{"from":"1","id":"w1","image":{"caption":"wrong","mime_type":"image/png"},"video":{"caption":"clip","mime_type":"video/mp4"},"type":"video"}]`),
			[]router.Inbound{{MessageID: "w1", Text: "clip", Attachment: &router.Attachment{Kind: "video", Format: "mp4"}}}},
		{"null elements and fields",
			wrap(meta + `,"contacts":null,"messages":[null,{"from":"1","id":"w1","type":"text","text":null},null],"statuses":null`),
			[]router.Inbound{{MessageID: "w1"}}},
		{"escaped keys and values",
			wrap(meta + `,"messages":[{"\u0066rom":"1","id":"w\u0031","type":"te\u0078t","text":{"body":"a\nb\u0000c"}}]`),
			[]router.Inbound{{MessageID: "w1", Text: "a\nb\x00c"}}},
		{"keys match case-insensitively, as in encoding/json",
			wrap(`"Metadata":{"Phone_Number_ID":"` + testPhoneID + `"},"MESSAGES":[{"From":"1","ID":"w1","Type":"text","text":{"Body":"x"}}]`),
			[]router.Inbound{{MessageID: "w1", Text: "x"}}},
		{"values match exactly",
			wrap(meta + `,"messages":[{"from":"1","id":"w1","type":"Text","text":{"body":"x"}}]`),
			[]router.Inbound{{MessageID: "w1"}}},
		{"null contacts are skipped",
			wrap(meta + `,"contacts":[null,{"wa_id":"2","profile":{"name":"Only"}},null],"messages":[{"from":"1","id":"w1","type":"text"}]`),
			[]router.Inbound{{MessageID: "w1", Name: "Only"}}},
		{"duplicate keys: last wins",
			wrap(meta + `,"messages":[{"from":"2","from":"1","id":"w1","type":"text","text":{"body":"a"},"text":{"body":"b"}}]`),
			[]router.Inbound{{MessageID: "w1", Text: "b"}}},
		{"invalid UTF-8 becomes U+FFFD",
			wrap(meta + ",\"messages\":[{\"from\":\"1\",\"id\":\"w1\",\"type\":\"text\",\"text\":{\"body\":\"a\xffb\"}}]"),
			[]router.Inbound{{MessageID: "w1", Text: "a\uFFFDb"}}},
		{"two changes, two entries",
			[]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{` + meta + `,"messages":[{"from":"1","id":"w1","type":"text","text":{"body":"a"}}]}}]},{"changes":[{"field":"messages","value":{` + meta + `,"messages":[{"from":"1","id":"w2","type":"text","text":{"body":"b"}}]}}]}]}`),
			[]router.Inbound{{MessageID: "w1", Text: "a"}, {MessageID: "w2", Text: "b"}}},
		{"contacts belong to their change",
			[]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{` + meta + `,"contacts":[{"wa_id":"1","profile":{"name":"First"}}],"messages":[]}},{"field":"messages","value":{` + meta + `,"messages":[{"from":"1","id":"w2","type":"text"}]}}]}]}`),
			[]router.Inbound{{MessageID: "w2"}}},
		{"white space everywhere",
			[]byte(" \n{ \"object\" : \"whatsapp_business_account\" ,\t\"entry\" : [ { \"changes\" : [ { \"field\" : \"messages\" , \"value\" : { " + meta + " , \"messages\" : [ { \"from\" : \"1\" , \"id\" : \"w1\" , \"type\" : \"text\" , \"text\" : { \"body\" : \"x\" } } ] } } ] } ] }\r\n"),
			[]router.Inbound{{MessageID: "w1", Text: "x"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, rec, _ := newTestAdapter(t)
			if got := postSigned(a, tc.body); got != 200 {
				t.Fatalf("status %d", got)
			}
			var got []router.Inbound
			for _, c := range rec.received {
				got = append(got, c.In)
			}
			for i := range tc.want {
				tc.want[i].Customer = customer("1")
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("inbound\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestMalformedStructure(t *testing.T) {
	meta := `"metadata":{"phone_number_id":"` + testPhoneID + `"}`
	wrap := func(value string) string {
		return `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{` + value + `}}]}]}`
	}
	tests := []string{
		wrap(meta + `,"messages":[{"from":"1","id":"w","type":"text","text":"hi"}]`),
		wrap(meta + `,"messages":[{"from":"1","id":"w","type":"image","image":[]}]`),
		wrap(meta + `,"messages":["x"]`),
		wrap(meta + `,"contacts":[{"wa_id":1}]`),
		wrap(meta + `,"statuses":[{"id":"s","errors":{}}]`),
		wrap(`"metadata":{"phone_number_id":106540352242922}`),
		wrap(meta + `,"messages":[{"from":"1","id":"w",}]`),
		wrap(meta + `,"messages":[{"from":"1","id":"w"},]`),
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"other","value":{"a":[1,2,}}]}]}`,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"other","value":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}]}]}`,
		`{"object":1}`,
		`{"object":"whatsapp_business_account","entry":[1]}`,
		`{"object":"whatsapp_business_account"}{}`,
		"{\"object\":\"whatsapp_business_account\x01\"}",
		// Every field the adapter declares must have its type, read or not.
		wrap(meta + `,"messages":[{"from":"1","id":"w","timestamp":1749416383,"type":"text"}]`),
		wrap(meta + `,"messages":[{"from":"1","id":"w","type":"image","image":{"id":123}}]`),
		wrap(meta + `,"messages":[{"from":"1","id":"w","type":"interactive","interactive":{"button_reply":{"title":true}}}]`),
		wrap(meta + `,"contacts":[{"wa_id":"1","profile":{"name":["x"]}}]`),
		wrap(meta + `,"statuses":[{"id":"s","errors":[{"code":1,"title":2}]}]`),
		wrap(meta + `,"statuses":[{"id":"s","errors":[{"code":1.5e}]}]`),
		wrap(`"messaging_product":1,` + meta),
		// A "messages" change is checked whatever number or object it is for.
		wrap(`"metadata":{"phone_number_id":"999"},"messages":[{"from":1}]`),
		`{"object":"page","entry":[{"changes":[{"field":"messages","value":{"messages":[{"from":1}]}}]}]}`,
		`{"object":"whatsapp_business_account","entry":[{"id":102290129340398,"changes":[]}]}`,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":"x"}]}]}`,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":1}]}]}`,
		// Every change's value is decoded with the same shape, whatever its field.
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"metadata":{"phone_number_id":1},"messages":[{"from":1}]},"field":"statuses"}]}]}`,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"account_update","value":{"messages":"not an array"}}]}]}`,
	}
	for i, body := range tests {
		a, rec, _ := newTestAdapter(t)
		if got := postSigned(a, []byte(body)); got != 400 {
			t.Errorf("%d: status %d, want 400 for %.200s", i, got, body)
		}
		if len(rec.received)+len(rec.statuses) != 0 {
			t.Errorf("%d: receiver called", i)
		}
	}
}

func TestMessageID(t *testing.T) {
	tests := []struct {
		answer string
		want   string
		ok     bool
	}{
		{`{"messaging_product":"whatsapp","contacts":[{"input":"1","wa_id":"1"}],"messages":[{"id":"wamid.A"}]}`, "wamid.A", true},
		{`{"messages":[{"message_status":"accepted","id":"wamid.B"},{"id":"wamid.C"}]}`, "wamid.B", true},
		{`{"messages":[{"id":"wamid.\u0041="}]}`, "wamid.A=", true},
		{`{"messages":[]}`, "", true},
		{`{"messages":null}`, "", true},
		{`{"messages":[{"id":1}]}`, "", false},
		{`{"messages":[{"id":"x"}]`, "", false},
		{`[]`, "", false},
		{`{"messages":[{"id":"x"}]} x`, "", false},
	}
	for _, tc := range tests {
		got, err := messageID([]byte(tc.answer))
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("%s: %q, %v; want %q, ok %v", tc.answer, got, err, tc.want, tc.ok)
		}
	}
}

// TestWebhookBodyHandedOver: a body handed over in process (httpcall.Body)
// is read where it is, and one past MaxBodySize is refused with 413 as over
// a socket, whatever length the request declares.
func TestWebhookBodyHandedOver(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	post := func(body []byte) int {
		return httpcalltest.Post(a, "http://router.test/webhook", body, func(r *http.Request) {
			r.Header.Set(SignatureHeader, sign(testSecret, body))
			r.ContentLength = -1 // not declared: the body itself is measured
		}).Code
	}
	if st := post(textMessage("16505551234", "wamid.A", "hello")); st != 200 || len(rec.received) != 1 {
		t.Fatalf("HTTP %d, %d received", st, len(rec.received))
	}
	if st := post([]byte(strings.Repeat("x", MaxBodySize+1))); st != 413 {
		t.Errorf("large body: HTTP %d", st)
	}
}
