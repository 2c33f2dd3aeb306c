package businessmessages

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/omnisim/omnisim/router"
)

// knownAssertion was signed with openssl (dgst -sha256 -sign
// testdata/key.pem) over the header and claims the adapter writes at
// 2024-03-04T10:00:00Z for the test service account.
const knownAssertion = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6IjBiNWU2YzFkMmEzZjRlNWQ2YzdiOGE5ZjBlMWQyYzNiNGE1ZjZlN2QifQ.eyJpc3MiOiJvbW5pc2ltLWJtQG9tbmlzaW0tYm0uaWFtLmdzZXJ2aWNlYWNjb3VudC5jb20iLCJzY29wZSI6Imh0dHBzOi8vd3d3Lmdvb2dsZWFwaXMuY29tL2F1dGgvYnVzaW5lc3NtZXNzYWdlcyIsImF1ZCI6Imh0dHA6Ly9hcGkuYnVzaW5lc3NtZXNzYWdlcy5vbW5pc2ltL3Rva2VuIiwiZXhwIjoxNzA5NTUwMDAwLCJpYXQiOjE3MDk1NDY0MDB9.dojOGAmdXcHt73KiRieEkWx1f5dANQDv7IUXuex17JbKMHpEBR665aRamUZOebktN_PlywjbyWu8g3RJoWbcMySUqSJNcQWGhvdr5sspzg1HWxVWKvn-vPRUoRcKDdVRrSCQNgboDB-g_GYsbTAvHOHhpVgwrB6NUiAj6zp5pk56xfDRbtD-jAQkI1NTLUgsqHTQsfWjP2hwsF1JzOfttPCsRkamt8FCzEj3sRwwkl7p4R_95Is5s9RDVxbwTBOeVIv--wAQncPCKH_7ECBEHYyPQrzUAlv6bYTm3Oi9t5eDjFOMvYV9oXN7vZGyQYPMzzFAXqeDPrURUdZ_NPyyWQ"

// knownSignature is base64(HMAC-SHA512("omnisim-business-messages-client-token", {"a":1})),
// computed with openssl dgst -sha512 -hmac.
const knownSignature = "vvYdtLvY8NmVHjzowO6eYcdMOGi/OO3KD5E1nwyVl8dggaiTjeyQYrixL0r+yeCis1h8RVaRbZsPIyvlHMpRFQ=="

const clientToken = "omnisim-business-messages-client-token"

var t0 = time.Date(2024, 3, 4, 10, 0, 0, 0, time.UTC)

type recv struct {
	in       []router.Inbound
	statuses []string
}

func (r *recv) Receive(now time.Time, in router.Inbound) (router.ConversationID, error) {
	r.in = append(r.in, in)
	return 1, nil
}
func (r *recv) Status(now time.Time, to router.CustomerKey, id, status, code string) {
	r.statuses = append(r.statuses, id+" "+status)
}

func testAccount(t *testing.T, tokenURI string) []byte {
	t.Helper()
	key, err := os.ReadFile("testdata/key.pem")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]string{"type": "service_account", "private_key_id": "0b5e6c1d2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d",
		"private_key": string(key), "client_email": "omnisim-bm@omnisim-bm.iam.gserviceaccount.com", "token_uri": tokenURI})
	return b
}

func newAdapter(t *testing.T) (*Adapter, *recv) {
	r := &recv{}
	a := New(Config{AgentID: "A", Agent: "brands/B/agents/A", ClientToken: clientToken, Clock: func() time.Time { return t0 },
		ServiceAccount: testAccount(t, "http://api.businessmessages.omnisim/token")}, r)
	return a, r
}

func TestAssertionKnownAnswer(t *testing.T) {
	a, _ := newAdapter(t)
	got, err := a.Assertion(t0)
	if err != nil || got != knownAssertion {
		t.Fatalf("Assertion = %s, %v\nwant %s", got, err, knownAssertion)
	}
}

func TestSignatureKnownAnswer(t *testing.T) {
	a, _ := newAdapter(t)
	if !a.verify([]byte(`{"a":1}`), knownSignature) {
		t.Fatal("the known signature is refused")
	}
	if a.verify([]byte(`{"a":2}`), knownSignature) {
		t.Fatal("a signature of another body is accepted")
	}
}

// A signature of any other shape is refused (401 when missing, 403 when
// wrong) and routes nothing: it is never decoded past its buffer.
func TestSignatureMalformed(t *testing.T) {
	body := `{"a":1}`
	for _, tc := range []struct {
		name, sig string
		code      int
	}{
		{"empty", "", 401},
		{"one character short", knownSignature[1:], 403},
		{"one character more", knownSignature + "A", 403},
		{"unpadded", strings.TrimRight(knownSignature, "="), 403},
		{"twice", knownSignature + knownSignature, 403},
		{"200 characters", strings.Repeat("A", 200), 403},
		{"url alphabet", strings.NewReplacer("+", "-", "/", "_").Replace(knownSignature), 403},
		{"not base64", strings.Repeat("!", len(knownSignature)), 403},
		{"last digit changed", knownSignature[:84] + "RA==", 403},
		{"spare bits set", knownSignature[:85] + "R==", 403}, // "Q" spelled with a spare bit: the same bytes
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, r := newAdapter(t)
			if a.verify([]byte(body), tc.sig) {
				t.Fatal("verify accepted it")
			}
			r.in = nil
			if w := hook(a, message, tc.sig); w.Code != tc.code || len(r.in) != 0 {
				t.Fatalf("answered %d and routed %d messages", w.Code, len(r.in))
			}
		})
	}
}

// verify never panics, and accepts a signature only when it is the
// body's.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(`{"a":1}`), knownSignature)
	f.Add([]byte(`{"a":1}`), strings.Repeat("A", 200))
	f.Add([]byte(``), "")
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		a, _ := newAdapter(t)
		if a.verify(body, sig) && sig != sign(string(body)) {
			t.Fatalf("accepted %q for %q", sig, body)
		}
	})
}

func hook(a *Adapter, body, sig string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	if sig != "" {
		r.Header.Set("X-Goog-Signature", sig)
	}
	a.ServeHTTP(w, r)
	return w
}

func sign(body string) string {
	a := New(Config{ClientToken: clientToken}, nil)
	m := a.macPool.Get().(*macBuf).h
	m.Write([]byte(body))
	return b64(m.Sum(nil))
}

const message = `{"agent":"brands/B/agents/A","conversationId":"c1","customAgentId":"x","requestId":"r1","message":{"messageId":"m1","name":"conversations/c1/messages/m1","text":"hello","createTime":"2024-03-04T10:00:00Z"},"context":{"entryPoint":"MAPS","placeId":"P1","userInfo":{"displayName":"Ann","userDeviceLocale":"en-US"},"widget":{"url":"https://shop.example","widgetContext":"cart"},"resolvedLocale":"en"},"sendTime":"2024-03-04T10:00:00Z"}`

// The fake's payloads take the one-pass decoder, not the fallback.
func TestDecodeFastTakesPayloads(t *testing.T) {
	var m UserMessage
	if !decodeFast([]byte(message), &m, nil, "") || m.Message.Text != "hello" || m.Context.Widget.WidgetContext != "cart" {
		t.Fatalf("decodeFast: %+v", m)
	}
}

func TestWebhook(t *testing.T) {
	a, r := newAdapter(t)
	cases := []struct {
		name, body, sig string
		status          int
		reply           string
	}{
		{"verification", `{"clientToken":"` + clientToken + `","secret":"s3cr3t"}`, "", 200, "s3cr3t"},
		{"verification, wrong token", `{"clientToken":"other","secret":"s3cr3t"}`, "", 403, ""},
		{"verification, signed", `{"clientToken":"` + clientToken + `","secret":"x1"}`, sign(`{"clientToken":"` + clientToken + `","secret":"x1"}`), 200, "x1"},
		{"unsigned", message, "", 401, ""},
		{"forged", message, knownSignature, 403, ""},
		{"not base64", message, "!!!", 403, ""},
		{"signed garbage", "nope", sign("nope"), 400, ""},
		{"no requestId", `{"conversationId":"c1"}`, sign(`{"conversationId":"c1"}`), 400, ""},
		{"message", message, sign(message), 200, ""},
		{"replayed", message, sign(message), 200, ""},
	}
	for _, c := range cases {
		w := hook(a, c.body, c.sig)
		if w.Code != c.status || c.reply != "" && w.Body.String() != c.reply {
			t.Fatalf("%s: %d %q, want %d %q", c.name, w.Code, w.Body, c.status, c.reply)
		}
	}
	if len(r.in) != 1 {
		t.Fatalf("%d messages routed, want 1", len(r.in))
	}
	in := r.in[0]
	want := map[string]string{"entry_point": "MAPS", "place_id": "P1", "locale": "en", "widget_context": "cart"}
	if in.Customer != (router.CustomerKey{Channel: Channel, Account: "A", Customer: "c1"}) || in.MessageID != "m1" || in.Name != "Ann" || in.Text != "hello" {
		t.Fatalf("inbound %+v", in)
	}
	for k, v := range want {
		if in.Attributes[k] != v {
			t.Fatalf("attributes %v, want %v", in.Attributes, want)
		}
	}
	if s := a.Stats(); s.Rejected != 6 || s.Duplicates != 1 || s.Received != 1 || s.Verified != 2 {
		t.Fatalf("stats %+v", s)
	}
	// Receipts become statuses; another agent's payloads are ignored.
	rc := `{"agent":"brands/B/agents/A","conversationId":"c1","requestId":"r2","receipts":{"receipts":[{"message":"conversations/c1/messages/x9","receiptType":"READ"}],"createTime":"2024-03-04T10:00:00Z"},"sendTime":"2024-03-04T10:00:00Z"}`
	hook(a, rc, sign(rc))
	other := strings.Replace(message, "agents/A", "agents/Z", 1)
	other = strings.Replace(other, "r1", "r3", 1)
	hook(a, other, sign(other))
	if len(r.statuses) != 1 || r.statuses[0] != "x9 read" || len(r.in) != 1 || a.Stats().Ignored != 1 {
		t.Fatalf("statuses %v, inbound %d, stats %+v", r.statuses, len(r.in), a.Stats())
	}
	// The value path dedupes alike.
	um, _ := ParseUserMessage([]byte(message))
	a.Deliver(&um)
	if len(r.in) != 1 {
		t.Fatal("the value path routed a replay")
	}
	if w := httptest.NewRecorder(); true {
		a.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if w.Code != 405 {
			t.Fatalf("GET: %d", w.Code)
		}
	}
}

// Send fetches a token with the service account's assertion and posts
// Google's message body; errors come back in Google's envelope.
func TestSend(t *testing.T) {
	var gotForm, gotBody, gotPath, gotAuth string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/token":
			gotForm = string(b)
			w.Write([]byte(`{"access_token":"ya29.t","expires_in":3599,"token_type":"Bearer"}`))
		default:
			gotPath, gotBody, gotAuth = r.URL.RequestURI(), string(b), r.Header.Get("Authorization")
			if strings.Contains(gotBody, "late") {
				w.WriteHeader(400)
				w.Write([]byte(`{"error":{"code":400,"message":"too late","status":"FAILED_PRECONDITION"}}`))
				return
			}
			w.Write([]byte(`{}`))
		}
	}))
	defer api.Close()
	r := &recv{}
	a := New(Config{AgentID: "A", ClientToken: clientToken, BaseURL: api.URL, Clock: func() time.Time { return t0 },
		ServiceAccount: testAccount(t, api.URL+"/token")}, r)
	to := router.CustomerKey{Channel: Channel, Account: "A", Customer: "c1"}
	id, err := a.Send(context.Background(), to, router.Outbound{Kind: router.KindText, Text: "Hi <you>"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(gotForm, "assertion=") || !strings.Contains(gotForm, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer") {
		t.Fatalf("token form %s", gotForm)
	}
	if gotAuth != "Bearer ya29.t" || gotPath != "/v1/conversations/c1/messages?messageId="+id {
		t.Fatalf("auth %q path %q", gotAuth, gotPath)
	}
	if want := `{"messageId":"` + id + `","representative":{"representativeType":"HUMAN"},"text":"Hi \u003cyou\u003e"}`; gotBody != want {
		t.Fatalf("body %s\nwant %s", gotBody, want)
	}
	_, err = a.Send(context.Background(), to, router.Outbound{Kind: router.KindText, Text: "late"})
	var pe *router.PlatformError
	if !errors.As(err, &pe) || pe.Code != "FAILED_PRECONDITION" || pe.HTTPStatus != 400 {
		t.Fatalf("err %v", err)
	}
	_, err = a.Send(context.Background(), to, router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "image", Format: "png", Size: 42, Name: "p.png"}})
	if err != nil || !strings.Contains(gotBody, `"fileUrl":"https://files.omnisim.invalid/p.png?bytes=42"`) {
		t.Fatalf("image: %v %s", err, gotBody)
	}
	if s := a.Stats(); s.TokenFetches != 1 || s.Sent != 2 || s.Failed != 1 {
		t.Fatalf("stats %+v", s)
	}
	if err := a.SendEvent(context.Background(), to, "TYPING_STARTED"); err != nil || !strings.Contains(gotBody, `"eventType":"TYPING_STARTED"`) {
		t.Fatalf("event: %v %s", err, gotBody)
	}
}

func TestWebhookBodySize(t *testing.T) {
	a, r := newAdapter(t)
	big := `{"conversationId":"c","requestId":"r","message":{"text":"` + strings.Repeat("x", MaxBodySize) + `"}}`
	if w := hook(a, big, sign(big)); w.Code != 413 {
		t.Fatalf("a body over 1 MB: %d", w.Code)
	}
	w := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/", io.MultiReader(strings.NewReader(`{"a":`), errReader{}))
	req.Header.Set("X-Goog-Signature", knownSignature)
	a.ServeHTTP(w, req)
	if w.Code != 400 || len(r.in) != 0 {
		t.Fatalf("a body that fails to read: %d", w.Code)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestParseError(t *testing.T) {
	pe := ParseError(502, []byte("<html>bad gateway</html>"))
	if pe.Code != "502" || pe.HTTPStatus != 502 {
		t.Fatalf("%+v", pe)
	}
}

// An agent equal to the known string is that string, not a copy; the
// other fields are read as before.
func TestDecodeFastReusesKnown(t *testing.T) {
	known := strings.Clone("brands/B/agents/A")
	var m UserMessage
	if !decodeFast([]byte(message), &m, nil, known) {
		t.Fatal("decodeFast refused the message")
	}
	if m.Agent != known || unsafe.StringData(m.Agent) != unsafe.StringData(known) {
		t.Errorf("agent %q is a copy, want the known string", m.Agent)
	}
	var plain UserMessage
	if !decodeFast([]byte(message), &plain, nil, "") || !reflect.DeepEqual(m, plain) {
		t.Errorf("with a known string %+v\nwithout %+v", m, plain)
	}
}

// The strings a payload decodes into are its own: decoding the next
// payloads with the pooled scanner leaves them as they were.
func TestDecodeFastStringsOutliveTheScanner(t *testing.T) {
	body := func(i int) []byte {
		return []byte(strings.NewReplacer("hello", fmt.Sprintf(`h\u00e9llo %d`, i), `"c1"`, fmt.Sprintf(`"c%d"`, i), "Ann", fmt.Sprintf("Ann%d", i)).Replace(message))
	}
	var first, want UserMessage
	if !decodeFast(body(0), &first, nil, "") {
		t.Fatal("decodeFast refused the payload")
	}
	if err := json.Unmarshal(body(0), &want); err != nil || !reflect.DeepEqual(first, want) {
		t.Fatalf("fast %+v\nencoding/json %+v (%v)", first, want, err)
	}
	for i := 1; i < 200; i++ {
		var m UserMessage
		if !decodeFast(body(i), &m, nil, "") {
			t.Fatalf("decodeFast refused payload %d", i)
		}
	}
	if !reflect.DeepEqual(first, want) {
		t.Errorf("after more payloads the first is %+v, want %+v", first, want)
	}
}
