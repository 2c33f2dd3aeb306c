package businessmessages

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/journal/journaltest"
	"github.com/omnisim/omnisim/httpcall/httpcalltest"
)

// knownAssertion is an RS256 assertion for the built-in key, signed with
// openssl (openssl dgst -sha256 -sign key.pem) over header.claims with
// iat 2024-03-04T10:00:00Z and exp an hour later.
const knownAssertion = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6IjBiNWU2YzFkMmEzZjRlNWQ2YzdiOGE5ZjBlMWQyYzNiNGE1ZjZlN2QifQ.eyJpc3MiOiJvbW5pc2ltLWJtQG9tbmlzaW0tYm0uaWFtLmdzZXJ2aWNlYWNjb3VudC5jb20iLCJzY29wZSI6Imh0dHBzOi8vd3d3Lmdvb2dsZWFwaXMuY29tL2F1dGgvYnVzaW5lc3NtZXNzYWdlcyIsImF1ZCI6Imh0dHA6Ly9hcGkuYnVzaW5lc3NtZXNzYWdlcy5vbW5pc2ltL3Rva2VuIiwiZXhwIjoxNzA5NTUwMDAwLCJpYXQiOjE3MDk1NDY0MDB9.dojOGAmdXcHt73KiRieEkWx1f5dANQDv7IUXuex17JbKMHpEBR665aRamUZOebktN_PlywjbyWu8g3RJoWbcMySUqSJNcQWGhvdr5sspzg1HWxVWKvn-vPRUoRcKDdVRrSCQNgboDB-g_GYsbTAvHOHhpVgwrB6NUiAj6zp5pk56xfDRbtD-jAQkI1NTLUgsqHTQsfWjP2hwsF1JzOfttPCsRkamt8FCzEj3sRwwkl7p4R_95Is5s9RDVxbwTBOeVIv--wAQncPCKH_7ECBEHYyPQrzUAlv6bYTm3Oi9t5eDjFOMvYV9oXN7vZGyQYPMzzFAXqeDPrURUdZ_NPyyWQ"

var t0 = time.Date(2024, 3, 4, 10, 0, 0, 0, time.UTC)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// receiver records the webhooks it gets and answers with status.
type receiver struct {
	status  int
	bodies  [][]byte
	sigs    []string
	headers []http.Header
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var b bytes.Buffer
	b.ReadFrom(req.Body)
	r.bodies = append(r.bodies, b.Bytes())
	r.sigs = append(r.sigs, req.Header.Get("X-Goog-Signature"))
	r.headers = append(r.headers, req.Header.Clone())
	var v struct{ Secret string }
	if json.Unmarshal(b.Bytes(), &v) == nil && v.Secret != "" {
		w.Write([]byte(v.Secret))
		return
	}
	w.WriteHeader(r.status)
}

func newFake(t *testing.T, mod func(*Config)) (*Server, *clock, *receiver) {
	t.Helper()
	c := &clock{t0}
	rcv := &receiver{status: 200}
	hook := httptest.NewServer(rcv)
	t.Cleanup(hook.Close)
	cfg := Config{Clock: c.now, WebhookURL: hook.URL, BaseURL: "http://api.businessmessages.omnisim", Seed: 1}
	if mod != nil {
		mod(&cfg)
	}
	return New(cfg), c, rcv
}

// Known answer: X-Goog-Signature is base64(HMAC-SHA512(clientToken, body)),
// computed with openssl dgst -sha512 -hmac.
func TestSignKnownAnswer(t *testing.T) {
	const want = "vvYdtLvY8NmVHjzowO6eYcdMOGi/OO3KD5E1nwyVl8dggaiTjeyQYrixL0r+yeCis1h8RVaRbZsPIyvlHMpRFQ=="
	if got := Sign(DefaultClientToken, []byte(`{"a":1}`)); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	s := New(Config{Clock: func() time.Time { return t0 }})
	if got := s.macSign([]byte(`{"a":1}`)); got != want {
		t.Fatalf("macSign = %s, want %s", got, want)
	}
}

func TestCheckAssertion(t *testing.T) {
	s := New(Config{Clock: func() time.Time { return t0 }})
	pub := &s.key.PublicKey
	aud := "http://api.businessmessages.omnisim/token"
	cases := []struct {
		name, assertion, aud, email string
		now                         time.Time
		want                        string
	}{
		{"good", knownAssertion, aud, DefaultClientEmail, t0, ""},
		{"good, an hour less a second later", knownAssertion, aud, DefaultClientEmail, t0.Add(3599 * time.Second), ""},
		{"expired", knownAssertion, aud, DefaultClientEmail, t0.Add(time.Hour), "invalid_grant"},
		{"issued in the future", knownAssertion, aud, DefaultClientEmail, t0.Add(-2 * time.Minute), "invalid_grant"},
		{"other audience", knownAssertion, "https://oauth2.googleapis.com/token", DefaultClientEmail, t0, "invalid_grant"},
		{"other issuer", knownAssertion, aud, "x@y.iam.gserviceaccount.com", t0, "invalid_grant"},
		{"tampered claims", strings.Replace(knownAssertion, ".ey", ".eX", 1), aud, DefaultClientEmail, t0, "invalid_grant"},
		{"tampered signature", knownAssertion[:len(knownAssertion)-4] + "AAAA", aud, DefaultClientEmail, t0, "invalid_grant"},
		// The signature's last character carries bits past its 256
		// bytes: set, they spell the same bytes, not base64url's way.
		{"signature's spare bits set", spareBitSet(knownAssertion), aud, DefaultClientEmail, t0, "invalid_grant"},
		{"two parts", "a.b", aud, DefaultClientEmail, t0, "invalid_grant"},
		{"empty", "", aud, DefaultClientEmail, t0, "invalid_request"},
		{"alg none", "eyJhbGciOiJub25lIn0.e30.", aud, DefaultClientEmail, t0, "invalid_grant"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := CheckAssertion(c.assertion, pub, DefaultPrivateKeyID, c.email, c.aud, c.now)
			got := ""
			if e != nil {
				got = e.Code
			}
			if got != c.want {
				t.Fatalf("CheckAssertion = %+v, want %q", e, c.want)
			}
		})
	}
}

// token gets an access token with the known assertion.
func token(t *testing.T, s *Server) string {
	t.Helper()
	w := httptest.NewRecorder()
	form := url.Values{"grant_type": {GrantTypeJWTBearer}, "assertion": {knownAssertion}}
	r := httptest.NewRequest("POST", PathToken, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	s.ServeHTTP(w, r)
	var tr struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &tr) != nil || tr.ExpiresIn != 3599 || tr.TokenType != "Bearer" {
		t.Fatalf("token: %d %s", w.Code, w.Body)
	}
	return tr.AccessToken
}

func TestTokenEndpoint(t *testing.T) {
	s, _, _ := newFake(t, nil)
	token(t, s)
	for _, c := range []struct{ form, want string }{
		{"grant_type=client_credentials", `{"error":"unsupported_grant_type","error_description":"Invalid grant_type: client_credentials"}`},
		{"grant_type=" + url.QueryEscape(GrantTypeJWTBearer) + "&assertion=a.b.c", `{"error":"invalid_grant","error_description":"Invalid JWT: the assertion is not base64url."}`},
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", PathToken, strings.NewReader(c.form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		s.ServeHTTP(w, r)
		if w.Code != 400 || w.Body.String() != c.want {
			t.Errorf("%s: %d %s, want 400 %s", c.form, w.Code, w.Body, c.want)
		}
	}
}

// TestTokenLifetime: a token is taken from its issue until DefaultTokenTTL
// has passed, also when its expiry would lie past the last time Unix
// nanoseconds can hold; a token issued later forgets the expired ones.
func TestTokenLifetime(t *testing.T) {
	last := time.Unix(0, math.MaxInt64)
	for _, c := range []struct {
		name   string
		issued time.Time
		after  []time.Duration // since the issue: taken before DefaultTokenTTL, refused from it
		expiry bool            // the expiry is a time Unix nanoseconds hold
	}{
		{"ordinary", t0, []time.Duration{0, DefaultTokenTTL - 1, DefaultTokenTTL, DefaultTokenTTL + time.Hour}, true},
		{"near the end of Unix nanoseconds", last.Add(-30 * time.Minute), []time.Duration{0, 29 * time.Minute}, false},
	} {
		s, _, _ := newFake(t, nil)
		s.mu.Lock()
		tok := s.issueTokenLocked(c.issued.UnixNano())
		s.mu.Unlock()
		for _, d := range c.after {
			r := httptest.NewRequest("POST", "/v1/conversations/x/messages", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			err := s.authorize(r, c.issued.Add(d))
			if taken := err == nil; taken != (d < DefaultTokenTTL) {
				t.Errorf("%s: %v after the issue: authorize = %v", c.name, d, err)
			}
		}
		if !c.expiry {
			continue
		}
		s.mu.Lock()
		s.issueTokenLocked(c.issued.Add(DefaultTokenTTL).UnixNano())
		_, kept := s.tokens[tok]
		s.mu.Unlock()
		if kept {
			t.Errorf("%s: an expired token is kept", c.name)
		}
	}
}

func TestCredentials(t *testing.T) {
	s, _, _ := newFake(t, nil)
	var sa ServiceAccount
	if err := json.Unmarshal(s.Credentials(), &sa); err != nil {
		t.Fatal(err)
	}
	if sa.Type != "service_account" || sa.TokenURI != "http://api.businessmessages.omnisim/token" || sa.ClientEmail != DefaultClientEmail {
		t.Fatalf("credentials: %+v", sa)
	}
	if k, err := ParsePrivateKey(sa.PrivateKey); err != nil || !k.Equal(s.key) {
		t.Fatalf("private key: %v", err)
	}
}

func post(s *Server, tok, path, body string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", path, strings.NewReader(body))
	if tok != "" {
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	s.ServeHTTP(w, r)
	return w
}

// The send rules in order, each answered with Google's envelope.
func TestSendRules(t *testing.T) {
	s, c, rcv := newFake(t, func(cfg *Config) { cfg.MaxTextLength = 10 })
	if err := s.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	tok := token(t, s)
	const conv = "7b2a1c4e-3f5d-4e6a-9b8c-1d2e3f4a5b6c"
	path := "/v1/conversations/" + conv + "/messages"
	msg := func(id, text string) string {
		return `{"messageId":"` + id + `","representative":{"representativeType":"HUMAN"},"text":"` + text + `"}`
	}
	check := func(name string, w *httptest.ResponseRecorder, status int, code string) {
		t.Helper()
		if w.Code != status {
			t.Fatalf("%s: HTTP %d %s, want %d", name, w.Code, w.Body, status)
		}
		if code == "" {
			return
		}
		var env struct {
			Error struct {
				Code            int
				Message, Status string
			}
		}
		if json.Unmarshal(w.Body.Bytes(), &env) != nil || env.Error.Status != code || env.Error.Code != status || env.Error.Message == "" {
			t.Fatalf("%s: body %s, want status %s", name, w.Body, code)
		}
	}
	check("unknown path", post(s, tok, "/v1/brands", "{}"), 404, "NOT_FOUND")
	check("unknown collection", post(s, tok, "/v1/conversations/"+conv+"/surveys", "{}"), 404, "NOT_FOUND")
	if w := httptest.NewRecorder(); true {
		s.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		check("GET", w, 404, "NOT_FOUND")
	}
	check("no token", post(s, "", path, msg("m1", "hi")), 401, "UNAUTHENTICATED")
	check("bad token", post(s, "ya29.nope", path, msg("m1", "hi")), 401, "UNAUTHENTICATED")
	check("no conversation", post(s, tok, path, msg("m1", "hi")), 403, "PERMISSION_DENIED")
	if _, err := s.CustomerText(context.Background(), conv, Context{EntryPoint: "MAPS", DisplayName: "Ann"}, "hello"); err != nil {
		t.Fatal(err)
	}
	check("unknown field", post(s, tok, path, `{"messageId":"m1","bogus":1}`), 400, "INVALID_ARGUMENT")
	check("no representative", post(s, tok, path, `{"messageId":"m1","text":"hi"}`), 400, "INVALID_ARGUMENT")
	check("bad representative", post(s, tok, path, `{"messageId":"m1","representative":{"representativeType":"ROBOT"},"text":"hi"}`), 400, "INVALID_ARGUMENT")
	check("no content", post(s, tok, path, `{"messageId":"m1","representative":{"representativeType":"BOT"}}`), 400, "INVALID_ARGUMENT")
	check("no messageId", post(s, tok, path, msg("", "hi")), 400, "INVALID_ARGUMENT")
	check("too long", post(s, tok, path, msg("m1", "hello there!")), 400, "INVALID_ARGUMENT")
	check("image type", post(s, tok, path, `{"messageId":"m1","representative":{"representativeType":"BOT"},"image":{"contentInfo":{"fileUrl":"https://files.omnisim.invalid/a.gif?bytes=1"}}}`), 400, "INVALID_ARGUMENT")
	check("image size", post(s, tok, path, `{"messageId":"m1","representative":{"representativeType":"BOT"},"image":{"contentInfo":{"fileUrl":"https://files.omnisim.invalid/a.png?bytes=5242881"}}}`), 400, "INVALID_ARGUMENT")
	check("image", post(s, tok, path, `{"messageId":"m0","representative":{"representativeType":"BOT"},"image":{"contentInfo":{"fileUrl":"https://files.omnisim.invalid/a.png?bytes=5242880"}}}`), 200, "")
	w := post(s, tok, path+"?messageId=m1", `{"representative":{"representativeType":"HUMAN","displayName":"Maya"},"text":"hi"}`)
	check("ok", w, 200, "")
	if !strings.Contains(w.Body.String(), `"name":"conversations/`+conv+`/messages/m1"`) {
		t.Fatalf("created message: %s", w.Body)
	}
	check("reused messageId", post(s, tok, path, msg("m1", "again")), 409, "ALREADY_EXISTS")
	check("typing", post(s, tok, "/v1/conversations/"+conv+"/events?eventId=e1", `{"eventType":"TYPING_STARTED","representative":{"representativeType":"HUMAN"}}`), 200, "")
	check("bad event", post(s, tok, "/v1/conversations/"+conv+"/events", `{"eventType":"DANCING"}`), 400, "INVALID_ARGUMENT")
	c.t = c.t.Add(30*24*time.Hour - time.Second)
	tok = token2(t, s, c)
	check("29 days 23:59:59", post(s, tok, path, msg("m2", "still ok")), 200, "")
	c.t = c.t.Add(time.Second)
	check("30 days", post(s, tok, path, msg("m3", "too late")), 400, "FAILED_PRECONDITION")
	if n := len(s.Deliveries(conv)); n != 3 {
		t.Fatalf("%d deliveries, want 3", n)
	}
	// The history and the journal read the deliveries back as sent.
	d := s.Deliveries(conv)
	if d[0].Type != "image" || d[0].Text != "https://files.omnisim.invalid/a.png?bytes=5242880" || d[0].Representative != "BOT" ||
		d[1].Type != "text" || d[1].Text != "hi" || d[1].Representative != "HUMAN" || d[1].MessageID != "m1" || d[1].Conversation != conv {
		t.Errorf("deliveries %+v", d)
	}
	if j := s.Journal().Deliveries; !reflect.DeepEqual(j, d) {
		t.Errorf("journal deliveries %+v, want %+v", j, d)
	}
	if len(rcv.bodies) != 2 {
		t.Fatalf("%d webhooks, want verify and one message", len(rcv.bodies))
	}
}

// TestDeliveriesBoundedByJournalLimit: a positive JournalLimit bounds
// each conversation's delivery history to the newest deliveries, for
// every conversation; 0 and a negative limit keep them all.
func TestDeliveriesBoundedByJournalLimit(t *testing.T) {
	convs := [2]string{"7b2a1c4e-3f5d-4e6a-9b8c-1d2e3f4a5b6c", "7b2a1c4e-3f5d-4e6a-9b8c-1d2e3f4a5b6d"}
	journaltest.DeliveriesBounded(t, convs, func(limit int) journaltest.Fake[Delivery] {
		s, _, _ := newFake(t, func(cfg *Config) { cfg.JournalLimit = limit })
		tok := token(t, s)
		sent := 0
		return journaltest.Fake[Delivery]{
			Open: func(conv string) {
				if _, err := s.CustomerText(context.Background(), conv, Context{EntryPoint: "MAPS", DisplayName: "Ann"}, "hello"); err != nil {
					t.Fatal(err)
				}
			},
			Send: func(conv, text string) {
				sent++
				body := `{"messageId":"` + fmt.Sprintf("m%d", sent) + `","representative":{"representativeType":"HUMAN"},"text":"` + text + `"}`
				if w := post(s, tok, "/v1/conversations/"+conv+"/messages", body); w.Code != 200 {
					t.Fatalf("send: HTTP %d %s", w.Code, w.Body)
				}
			},
			Deliveries: s.Deliveries,
			Text:       func(d Delivery) string { return d.Text },
			Delivered:  func() int { return s.Counts().Deliveries },
		}
	})
}

// token2 gives the fake a fresh access token after the clock moved past
// the known assertion's hour.
func token2(t *testing.T, s *Server, c *clock) string {
	t.Helper()
	s.mu.Lock()
	tok := "ya29.test"
	s.tokens[tok] = c.t.UnixNano()
	s.mu.Unlock()
	return tok
}

// The webhook's exact bytes and signature.
func TestWebhookPayload(t *testing.T) {
	s, _, rcv := newFake(t, nil)
	in, err := s.CustomerText(context.Background(), "7b2a1c4e-3f5d-4e6a-9b8c-1d2e3f4a5b6c",
		Context{EntryPoint: "MAPS", PlaceID: "ChIJ1", DisplayName: "Ann <A&B>", UserDeviceLocale: "en-US", ResolvedLocale: "en"}, "Hi \"there\"\n")
	if err != nil || in.Status != 200 {
		t.Fatalf("CustomerText = %+v, %v", in, err)
	}
	body := string(rcv.bodies[0])
	want := `{"agent":"brands/` + DefaultBrandID + `/agents/` + DefaultAgentID + `","conversationId":"7b2a1c4e-3f5d-4e6a-9b8c-1d2e3f4a5b6c","customAgentId":"omnisim-agent","requestId":"` + in.RequestID + `","message":{"messageId":"` + in.ID + `","name":"conversations/7b2a1c4e-3f5d-4e6a-9b8c-1d2e3f4a5b6c/messages/` + in.ID + `","text":"Hi \"there\"\n","createTime":"2024-03-04T10:00:00Z"},"context":{"entryPoint":"MAPS","placeId":"ChIJ1","userInfo":{"displayName":"Ann \u003cA\u0026B\u003e","userDeviceLocale":"en-US"},"resolvedLocale":"en"},"sendTime":"2024-03-04T10:00:00Z"}`
	if body != want {
		t.Fatalf("body\n%s\nwant\n%s", body, want)
	}
	if rcv.sigs[0] != Sign(DefaultClientToken, rcv.bodies[0]) {
		t.Fatal("signature does not match the body")
	}
	var v map[string]any
	if err := json.Unmarshal(rcv.bodies[0], &v); err != nil {
		t.Fatal(err)
	}
}

// The journal keeps each webhook try's exact bytes and the headers it was
// sent with (it encodes them again from the payload): a first try, the
// retries of a refused one, and the verification.
func TestJournalBodiesAreTheBytesSent(t *testing.T) {
	s, c, rcv := newFake(t, nil)
	if err := s.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.CustomerText(context.Background(), "c1", Context{EntryPoint: "MAPS", DisplayName: "Ann <A&B>"}, "hi \u2028 \"x\"")
	rcv.status = 500
	s.CustomerText(context.Background(), "c2", Context{}, "again")
	for i := 0; i < 2; i++ {
		next, _ := s.NextDeadline()
		c.t = next
		s.Flush(context.Background())
	}
	j := s.Journal()
	if len(j.Webhooks) != 5 || len(rcv.bodies) != 5 {
		t.Fatalf("%d webhooks journaled, %d received", len(j.Webhooks), len(rcv.bodies))
	}
	for i, wh := range j.Webhooks {
		if !bytes.Equal(wh.Body, rcv.bodies[i]) {
			t.Errorf("webhook %d: journal body\n%s\nsent\n%s", i, wh.Body, rcv.bodies[i])
		}
		for k, v := range wh.Header {
			if got := rcv.headers[i].Values(k); !slices.Equal(got, v) {
				t.Errorf("webhook %d: header %s journaled %q, sent %q", i, k, v, got)
			}
		}
		if i > 0 && (len(wh.Header) != 2 || wh.Header.Get("X-Goog-Signature") != Sign(DefaultClientToken, wh.Body)) {
			t.Errorf("webhook %d: header %v", i, wh.Header)
		}
	}
}

// A webhook that fails is retried with a doubling delay for 7 days, with
// the same requestId; then dropped.
func TestRetries(t *testing.T) {
	s, c, rcv := newFake(t, nil)
	rcv.status = 500
	in, _ := s.CustomerText(context.Background(), "c1", Context{}, "hi")
	if in.Status != 500 || s.Pending() != 1 {
		t.Fatalf("first try %d, pending %d", in.Status, s.Pending())
	}
	next, ok := s.NextDeadline()
	if !ok || !next.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("next retry %v %v", next, ok)
	}
	tries := 1
	for {
		next, ok := s.NextDeadline()
		if !ok {
			break
		}
		c.t = next
		s.Flush(context.Background())
		tries++
	}
	if c.t.Sub(t0) > 7*24*time.Hour {
		t.Fatalf("last retry at %v, after 7 days", c.t.Sub(t0))
	}
	// 10s, 20s, ... 40m; then hourly: 9 doubling retries and the rest
	// hourly within 7 days.
	if tries < 100 || tries > 200 {
		t.Fatalf("%d tries", tries)
	}
	ids := map[string]bool{}
	for _, b := range rcv.bodies {
		var v struct{ RequestID string }
		json.Unmarshal(b, &v)
		ids[v.RequestID] = true
	}
	if len(ids) != 1 {
		t.Fatalf("retries carry %d requestIds", len(ids))
	}
	// A retry that succeeds ends them.
	rcv.status = 200
	s.CustomerText(context.Background(), "c1", Context{}, "again")
	if s.Pending() != 0 {
		t.Fatal("a delivered webhook is pending")
	}
}

// After the retirement: sends refused with SERVICE_DISABLED, no webhooks,
// retries dropped. A world starting after the date does not retire.
func TestRetirement(t *testing.T) {
	s, c, rcv := newFake(t, func(cfg *Config) { cfg.Retirement = t0.Add(30 * time.Minute) })
	tok := token(t, s)
	rcv.status = 500
	s.CustomerText(context.Background(), "c1", Context{}, "hi")
	c.t = t0.Add(30 * time.Minute)
	if _, err := s.CustomerText(context.Background(), "c1", Context{}, "hi"); err != ErrRetired {
		t.Fatalf("after retirement: %v", err)
	}
	s.Flush(context.Background())
	if s.Pending() != 0 {
		t.Fatal("retries kept after retirement")
	}
	w := post(s, tok, "/v1/conversations/c1/messages", `{"messageId":"m","representative":{"representativeType":"BOT"},"text":"x"}`)
	if w.Code != 403 || !strings.Contains(w.Body.String(), `"reason":"SERVICE_DISABLED"`) {
		t.Fatalf("send after retirement: %d %s", w.Code, w.Body)
	}
	late := New(Config{Clock: func() time.Time { return DefaultRetirement.Add(time.Hour) }})
	if _, ok := late.Retirement(); ok || late.Retired() {
		t.Fatal("a world starting after the retirement retires")
	}
	early := New(Config{Clock: func() time.Time { return DefaultRetirement.Add(-time.Hour) }})
	if r, ok := early.Retirement(); !ok || !r.Equal(time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("retirement %v %v", r, ok)
	}
}

func TestVerifyRefused(t *testing.T) {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("nope")) }))
	defer hook.Close()
	s := New(Config{WebhookURL: hook.URL, Clock: func() time.Time { return t0 }})
	if err := s.Verify(context.Background()); err == nil || !strings.Contains(err.Error(), "not the secret") {
		t.Fatalf("Verify = %v", err)
	}
}

// sendTime is written as its own instant, the message's createTime or
// another, in UTC with the fraction it has.
func TestSendTime(t *testing.T) {
	at := time.Date(2024, 3, 4, 11, 0, 0, 500_000_000, time.FixedZone("X", 3600))
	for _, c := range []struct {
		send time.Time
		want string
	}{
		{at, `"createTime":"2024-03-04T10:00:00.5Z"},"sendTime":"2024-03-04T10:00:00.5Z"}`},
		{at.Add(time.Second), `"createTime":"2024-03-04T10:00:00.5Z"},"sendTime":"2024-03-04T10:00:01.5Z"}`},
		{at.Add(-time.Second / 2).UTC(), `"createTime":"2024-03-04T10:00:00.5Z"},"sendTime":"2024-03-04T10:00:00Z"}`},
	} {
		m := &UserMessage{Message: &UserText{CreateTime: at}, SendTime: c.send}
		if got := string(m.AppendJSON(nil)); !strings.HasSuffix(got, c.want) {
			t.Errorf("sendTime %v: %s, want it to end %s", c.send, got, c.want)
		}
	}
}

// TestSendBodyHandedOver: a message made with httpcall, whose body the
// endpoint reads where it is (httpcall.Body), is answered as one read
// from a socket, its bytes (the caller's) left as they were.
func TestSendBodyHandedOver(t *testing.T) {
	s, _, _ := newFake(t, nil)
	if err := s.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	tok := token(t, s)
	const conv = "7b2a1c4e-3f5d-4e6a-9b8c-1d2e3f4a5b6c"
	if _, err := s.CustomerText(context.Background(), conv, Context{}, "hello"); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"messageId":"m1","representative":{"representativeType":"HUMAN"},"text":"hi there"}`)
	sent := string(body)
	w := httpcalltest.Post(s, "https://businessmessages.test/v1/conversations/"+conv+"/messages", body, func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+tok)
	})
	if string(body) != sent {
		t.Fatalf("the caller's body became %q", body)
	}
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"text":"hi there"`) {
		t.Fatalf("HTTP %d %s", w.Code, w.Body)
	}
}

// spareBitSet returns the base64url s with the lowest bit of its last
// character's six set: the same bytes, decoded leniently, when that bit is
// spare.
func spareBitSet(s string) string {
	const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(digits, s[len(s)-1])
	return s[:len(s)-1] + string(digits[i|1])
}
