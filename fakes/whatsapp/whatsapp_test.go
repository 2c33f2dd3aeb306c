package whatsapp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/fakes/journal/journaltest"
)

func TestErrorPaths(t *testing.T) {
	long := strings.Repeat("ä", 4097)
	tests := []struct {
		name         string
		method, path string
		auth         string
		body         string
		status, code int
		subcode      int
		details      string // substring of error_data.details
	}{
		{name: "no auth", method: "POST", path: msgs, body: `{}`, status: 401, code: 190},
		{name: "wrong token", method: "POST", path: msgs, auth: "Bearer nope", body: `{}`, status: 401, code: 190},
		{name: "basic auth", method: "POST", path: msgs, auth: "Basic " + DefaultAccessToken, body: `{}`, status: 401, code: 190},
		{name: "empty bearer", method: "POST", path: msgs, auth: "Bearer ", body: `{}`, status: 401, code: 190},
		{name: "unknown edge", method: "POST", path: "/v21.0/" + DefaultPhoneNumberID + "/foo", status: 400, code: 2500, details: "Unknown path components"},
		{name: "no version", method: "POST", path: "/" + DefaultPhoneNumberID + "/messages", status: 400, code: 2500},
		{name: "bad version", method: "POST", path: "/21.0/" + DefaultPhoneNumberID + "/messages", status: 400, code: 2500},
		{name: "too deep", method: "POST", path: msgs + "/x", status: 400, code: 2500},
		{name: "root", method: "GET", path: "/", status: 400, code: 2500},
		{name: "wrong phone id", method: "POST", path: "/v21.0/123/messages", body: `{}`, status: 400, code: 100, subcode: 33, details: "Object with ID '123'"},
		{name: "GET messages", method: "GET", path: msgs, status: 400, code: 100, subcode: 33, details: "Unsupported get request"},
		{name: "bad JSON", method: "POST", path: msgs, body: `{"messaging_product":`, status: 400, code: 100, details: "Invalid JSON"},
		{name: "JSON wrong type", method: "POST", path: msgs, body: `{"to":16505551234}`, status: 400, code: 100, details: "Invalid JSON"},
		{name: "no product", method: "POST", path: msgs, body: `{"to":"16505551234","type":"text","text":{"body":"x"}}`, status: 400, code: 100, details: "messaging_product"},
		{name: "wrong product", method: "POST", path: msgs, body: `{"messaging_product":"sms","to":"16505551234","text":{"body":"x"}}`, status: 400, code: 100, details: "messaging_product"},
		{name: "bad recipient type", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","recipient_type":"group","to":"16505551234","text":{"body":"x"}}`, status: 400, code: 100, details: "recipient_type"},
		{name: "no to", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","text":{"body":"x"}}`, status: 400, code: 100, details: "to"},
		{name: "invalid to", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"123","text":{"body":"x"}}`, status: 400, code: 100, details: "valid phone number"},
		{name: "letters in to", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"+1650555abcd","text":{"body":"x"}}`, status: 400, code: 100, details: "valid phone number"},
		{name: "empty body", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{"body":""}}`, status: 400, code: 100, details: "text['body']"},
		{name: "no text object", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"16505551234","type":"text"}`, status: 400, code: 100, details: "text['body']"},
		{name: "too long", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{"body":"` + long + `"}}`, status: 400, code: 100, details: "at most 4096 characters"},
		{name: "unknown type", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"16505551234","type":"location"}`, status: 400, code: 100, details: "Param type"},
		{name: "template missing", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"16505551234","type":"template"}`, status: 400, code: 100, details: "template"},
		{name: "template no name", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"16505551234","type":"template","template":{"language":{"code":"en_US"}}}`, status: 400, code: 100, details: "template['name']"},
		{name: "template no language", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"16505551234","type":"template","template":{"name":"hello_world"}}`, status: 400, code: 100, details: "language"},
		{name: "template unapproved", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"16505551234","type":"template","template":{"name":"nope","language":{"code":"en_US"}}}`, status: 404, code: 132001, details: "template name (nope) does not exist in en_US"},
		{name: "image missing", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"16505551234","type":"image"}`, status: 400, code: 100, details: "image"},
		{name: "image id and link", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"16505551234","type":"image","image":{"id":"1","link":"https://x/a.png"}}`, status: 400, code: 100, details: "not both"},
		{name: "image neither", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"16505551234","type":"image","image":{"caption":"c"}}`, status: 400, code: 100, details: "image['id'] or image['link']"},
		{name: "image unknown id", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"16505551234","type":"image","image":{"id":"999"}}`, status: 400, code: 100, details: "not a valid media id"},
		{name: "image bad link", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"16505551234","type":"image","image":{"link":"ftp://x/a.png"}}`, status: 400, code: 100, details: "http(s) URL"},
		{name: "image gif link", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"16505551234","type":"image","image":{"link":"https://x/a.GIF?x=1"}}`, status: 400, code: 131053, details: `Unsupported image format "gif"`},
		{name: "sticker png link", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"16505551234","type":"sticker","sticker":{"link":"https://x/a.png"}}`, status: 400, code: 131053, details: "Supported sticker formats: webp"},
		{name: "window closed", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"447911123456","type":"text","text":{"body":"hi"}}`, status: 400, code: 131047, details: DetailsReEngagement},
		{name: "window closed image", method: "POST", path: msgs, body: `{"messaging_product":"whatsapp","to":"447911123456","type":"image","image":{"link":"https://x/a.png"}}`, status: 400, code: 131047},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTest(Config{Templates: []string{"hello_world"}})
			openWindow(t, s, cust)
			auth := tc.auth
			if auth == "" && tc.status != 401 {
				auth = bearer
			}
			w := do(s, tc.method, tc.path, "application/json", []byte(tc.body), auth)
			e := wantError(t, w, tc.status, tc.code)
			if e.ErrorSubcode != tc.subcode {
				t.Errorf("subcode %d, want %d", e.ErrorSubcode, tc.subcode)
			}
			if !strings.Contains(e.Details(), tc.details) {
				t.Errorf("details %q, want %q in them", e.Details(), tc.details)
			}
			if tc.status == 401 && w.Header().Get("WWW-Authenticate") == "" {
				t.Error("no WWW-Authenticate header")
			}
			j := s.Journal()
			if len(j.Requests) != 1 || j.Requests[0].Status != tc.status || j.Requests[0].Code != tc.code || j.Requests[0].Path != tc.path {
				t.Errorf("journal requests %+v", j.Requests)
			}
			if len(j.Errors) != 1 || j.Errors[0].Code != tc.code || j.Errors[0].HTTPStatus != tc.status || j.Errors[0].Details != e.Details() {
				t.Errorf("journal errors %+v", j.Errors)
			}
			if c := s.Counts(); c.Errors != 1 || c.Requests != 1 || c.Deliveries != 0 {
				t.Errorf("counts %+v", c)
			}
		})
	}
}

func TestAccessTokenQueryAndCaseInsensitiveBearer(t *testing.T) {
	s, _ := newTest(Config{})
	openWindow(t, s, cust)
	b, _ := json.Marshal(text(cust, "x"))
	wantOK(t, do(s, "POST", msgs+"?access_token="+DefaultAccessToken, "", b, ""))
	wantOK(t, do(s, "POST", msgs, "", b, "bearer "+DefaultAccessToken))
	wantOK(t, do(s, "POST", msgs+"/", "", b, bearer)) // trailing slash
	wantOK(t, do(s, "POST", "/v1.0/"+DefaultPhoneNumberID+"/messages", "", b, bearer))
}

func TestSendSuccess(t *testing.T) {
	s, clk := newTest(Config{})
	openWindow(t, s, cust)
	clk.Add(time.Minute)
	req := text("+"+cust, "hello ä")
	req.Context = &Context{MessageID: "wamid.prev"}
	r := wantOK(t, sendReq(s, req))
	if r.Contacts[0].Input != "+"+cust || r.Contacts[0].WaID != cust {
		t.Fatalf("contacts %+v", r.Contacts)
	}
	if !strings.HasPrefix(r.Messages[0].ID, "wamid.HBgL") {
		t.Errorf("wamid %q", r.Messages[0].ID)
	}
	d := s.Deliveries("+" + cust)
	if len(d) != 1 || d[0].Text != "hello ä" || d[0].Type != "text" || d[0].ID != r.Messages[0].ID ||
		d[0].To != cust || d[0].ReplyTo != "wamid.prev" || !d[0].At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("deliveries %+v", d)
	}
	if len(s.Deliveries(cust)) != 1 || s.LastError(cust) != nil {
		t.Fatal("lookup by wa_id")
	}
	// The response is exactly what EncodeEscaped gives.
	want, _ := EncodeEscaped(SendResponse{MessagingProduct: "whatsapp",
		Contacts: []ResponseContact{{Input: "+" + cust, WaID: cust}}, Messages: []ResponseMessage{{ID: r.Messages[0].ID}}})
	if got := sendReq(s, req).Body.String(); !strings.Contains(got, `"input":"+16505551234"`) || len(got) != len(want) {
		t.Errorf("response %s, want shape %s", got, want)
	}
	if c := s.Counts(); c.Deliveries != 2 || c.Requests != 2 || c.Errors != 0 {
		t.Errorf("counts %+v", c)
	}
}

func TestTextLengthCountsRunes(t *testing.T) {
	s, _ := newTest(Config{MaxTextLength: 5})
	openWindow(t, s, cust)
	wantOK(t, sendReq(s, text(cust, "😀😀😀😀😀")))
	e := wantError(t, sendReq(s, text(cust, "😀😀😀😀😀😀")), 400, 100)
	if !strings.Contains(e.Details(), "at most 5 characters") {
		t.Error(e.Details())
	}
	s2, _ := newTest(Config{})
	openWindow(t, s2, cust)
	wantOK(t, sendReq(s2, text(cust, strings.Repeat("ä", 4096))))
	s3, _ := newTest(Config{MaxTextLength: -1})
	openWindow(t, s3, cust)
	wantOK(t, sendReq(s3, text(cust, strings.Repeat("a", 10000))))
}

func TestWindow(t *testing.T) {
	s, clk := newTest(Config{})
	// Never wrote: closed.
	wantError(t, sendReq(s, text(cust, "x")), 400, 131047)
	if s.WindowOpen(cust) {
		t.Fatal("open before any customer message")
	}
	openWindow(t, s, cust)
	wantOK(t, sendReq(s, text(cust, "x")))
	clk.Add(24*time.Hour - time.Nanosecond)
	wantOK(t, sendReq(s, text(cust, "still open")))
	clk.Add(time.Nanosecond) // exactly 24h: closed
	e := wantError(t, sendReq(s, text(cust, "late")), 400, 131047)
	if e.Message != "(#131047) Re-engagement message" || e.Details() != DetailsReEngagement {
		t.Fatalf("%+v", e)
	}
	if le := s.LastError(cust); le == nil || le.Code != 131047 || le.HTTPStatus != 400 || le.Async {
		t.Fatalf("last error %+v", le)
	}
	// Template outside the window is accepted and does not reopen it.
	wantOK(t, sendReq(s, tmpl(cust, "hello_world")))
	wantError(t, sendReq(s, text(cust, "after template")), 400, 131047)
	// A new customer message reopens it for another full window.
	clk.Add(6 * time.Hour)
	openWindow(t, s, cust)
	wantOK(t, sendReq(s, text(cust, "reopened")))
	clk.Add(23 * time.Hour)
	wantOK(t, sendReq(s, text(cust, "within")))
	// Messages reset the timer: another message at +23h extends it.
	openWindow(t, s, cust)
	clk.Add(23 * time.Hour)
	wantOK(t, sendReq(s, text(cust, "extended")))
	clk.Add(time.Hour)
	wantError(t, sendReq(s, text(cust, "expired")), 400, 131047)
	// Other customers have their own windows.
	wantError(t, sendReq(s, text(cust2, "x")), 400, 131047)

	var texts []string
	for _, d := range s.Deliveries(cust) {
		texts = append(texts, d.Type+":"+d.Text+d.Template)
	}
	want := "text:x text:still open template:hello_world text:reopened text:within text:extended"
	if strings.Join(texts, " ") != want {
		t.Fatalf("deliveries %q", texts)
	}
}

func TestWindowConfig(t *testing.T) {
	s, clk := newTest(Config{Window: time.Hour})
	openWindow(t, s, cust)
	clk.Add(59 * time.Minute)
	wantOK(t, sendReq(s, text(cust, "x")))
	clk.Add(time.Minute)
	wantError(t, sendReq(s, text(cust, "x")), 400, 131047)
	s2, _ := newTest(Config{Window: -1})
	wantOK(t, sendReq(s2, text(cust, "no window")))
}

func TestAsyncWindowError(t *testing.T) {
	rt := newRouter(t, DefaultAppSecret)
	s, _ := newTest(Config{WindowErrors: Async, WebhookURL: rt.srv.URL})
	r := wantOK(t, sendReq(s, text(cust, "outside")))
	if s.Check(text(cust, "outside")).HTTPStatus != 200 {
		t.Fatal("Check should report the async error with HTTP 200")
	}
	if len(s.Deliveries(cust)) != 0 {
		t.Fatal("a failed message was delivered")
	}
	if s.LastError(cust) != nil || s.Counts().Errors != 0 {
		t.Fatal("async error recorded before Flush")
	}
	n, err := s.Flush(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("flush %d %v", n, err)
	}
	st := rt.statuses()
	if len(st) != 1 || st[0].Status != "failed" || st[0].ID != r.Messages[0].ID || st[0].RecipientID != cust ||
		st[0].Timestamp != "1749463200" || len(st[0].Errors) != 1 {
		t.Fatalf("statuses %+v", st)
	}
	se := st[0].Errors[0]
	if se.Code != 131047 || se.Title != "Re-engagement message" || se.ErrorData.Details != DetailsReEngagement || se.Href == "" {
		t.Fatalf("status error %+v", se)
	}
	le := s.LastError(cust)
	if le == nil || le.Code != 131047 || !le.Async || le.ID != r.Messages[0].ID || le.HTTPStatus != 200 {
		t.Fatalf("last error %+v", le)
	}
	if rt.badSigs != 0 {
		t.Fatal("bad signature")
	}
	if n, _ := s.Flush(context.Background()); n != 0 {
		t.Fatal("second flush sent again")
	}
}

func TestStatusWebhooks(t *testing.T) {
	rt := newRouter(t, DefaultAppSecret)
	s, clk := newTest(Config{WebhookURL: rt.srv.URL, Templates: []string{"hello_world"}})
	openWindow(t, s, cust)
	r1 := wantOK(t, sendReq(s, text(cust, "a")))
	clk.Add(time.Second)
	r2 := wantOK(t, sendReq(s, text(cust, "b")))
	if len(rt.bodies) != 1 {
		t.Fatal("send called the webhook synchronously")
	}
	if s.Pending() != 4 {
		t.Fatalf("pending %d", s.Pending())
	}
	n, err := s.Flush(context.Background())
	if err != nil || n != 4 {
		t.Fatalf("flush %d %v", n, err)
	}
	st := rt.statuses()
	var seq []string
	for _, x := range st {
		seq = append(seq, x.ID+" "+x.Status)
		if x.Conversation == nil || x.Pricing == nil || x.Pricing.Category != "service" || x.Conversation.Origin.Type != "service" || x.RecipientID != cust {
			t.Fatalf("status %+v", x)
		}
	}
	want := []string{r1.Messages[0].ID + " sent", r1.Messages[0].ID + " delivered", r2.Messages[0].ID + " sent", r2.Messages[0].ID + " delivered"}
	if strings.Join(seq, ",") != strings.Join(want, ",") {
		t.Fatalf("order %v, want %v", seq, want)
	}
	if st[0].Conversation.ExpirationTimestamp == "" || st[1].Conversation.ExpirationTimestamp != "" || st[0].Conversation.ID != st[2].Conversation.ID {
		t.Fatalf("conversation %+v %+v", st[0].Conversation, st[1].Conversation)
	}
	if rt.badSigs != 0 {
		t.Fatal("bad signature")
	}
	j := s.Journal()
	if len(j.Webhooks) != 5 || j.Webhooks[0].Kind != "messages" || j.Webhooks[1].Kind != "statuses" || j.Webhooks[1].Status != 200 {
		t.Fatalf("webhooks %+v", j.Webhooks)
	}

	// DisableStatuses: nothing queued.
	s2, _ := newTest(Config{WebhookURL: rt.srv.URL, DisableStatuses: true})
	openWindow(t, s2, cust)
	wantOK(t, sendReq(s2, text(cust, "a")))
	if n, err := s2.Flush(context.Background()); n != 0 || err != nil {
		t.Fatalf("flush %d %v", n, err)
	}
}

func TestFlushTransportErrorRetries(t *testing.T) {
	rt := newRouter(t, DefaultAppSecret)
	s, clk := newTest(Config{WebhookURL: "http://127.0.0.1:1/nowhere"})
	in, err := s.CustomerText(context.Background(), cust, "S", "hi") // fails, opens the window
	if err == nil || !in.Retrying || in.Status != 0 {
		t.Fatalf("%+v %v", in, err)
	}

	wantOK(t, sendReq(s, text(cust, "a")))
	n, err := s.Flush(context.Background())
	if err == nil || n != 2 || s.Pending() != 0 || s.Retrying() != 3 {
		t.Fatalf("flush %d %v pending %d retrying %d", n, err, s.Pending(), s.Retrying())
	}
	if next, ok := s.NextRetry(); !ok || !next.Equal(t0.Add(15*time.Second)) {
		t.Fatalf("next retry %v %v", next, ok)
	}
	// Not due yet.
	s.cfg.WebhookURL = rt.srv.URL
	if n, err := s.Flush(context.Background()); err != nil || n != 0 {
		t.Fatalf("early flush %d %v", n, err)
	}
	clk.Add(15 * time.Second)
	if n, err := s.Flush(context.Background()); err != nil || n != 3 {
		t.Fatalf("flush %d %v", n, err)
	}
	if s.Retrying() != 0 {
		t.Fatalf("retrying %d", s.Retrying())
	}
	if _, ok := s.NextRetry(); ok {
		t.Fatal("a retry is still scheduled")
	}
	j := s.Journal()
	var tries []string
	for _, w := range j.Webhooks {
		tries = append(tries, fmt.Sprintf("%s/%d/%d/%v", w.Kind, w.Try, w.Status, !w.NextTry.IsZero()))
	}
	want := "messages/1/0/true statuses/1/0/true statuses/1/0/true messages/2/200/false statuses/2/200/false statuses/2/200/false"
	if strings.Join(tries, " ") != want {
		t.Fatalf("tries %s\nwant  %s", strings.Join(tries, " "), want)
	}
	if c := s.Counts(); c.Webhooks != 6 || c.Retries != 3 {
		t.Fatalf("counts %+v", c)
	}
}

func TestInboundWebhook(t *testing.T) {
	rt := newRouter(t, DefaultAppSecret)
	s, _ := newTest(Config{WebhookURL: rt.srv.URL})
	in, err := s.CustomerText(context.Background(), "+"+cust, "Sheena Nelson", "hi <b> & 100%")
	if err != nil || in.Status != 200 || !strings.HasPrefix(in.ID, "wamid.HBgL") {
		t.Fatalf("%+v %v", in, err)
	}
	p := rt.payloads()[0]
	if p.Object != "whatsapp_business_account" || p.Entry[0].ID != DefaultBusinessAccountID || p.Entry[0].Changes[0].Field != "messages" {
		t.Fatalf("%+v", p)
	}
	v := p.Entry[0].Changes[0].Value
	if v.MessagingProduct != "whatsapp" || v.Metadata.PhoneNumberID != DefaultPhoneNumberID || v.Metadata.DisplayPhoneNumber != DefaultDisplayPhoneNumber {
		t.Fatalf("%+v", v)
	}
	if len(v.Contacts) != 1 || v.Contacts[0].WaID != cust || v.Contacts[0].Profile.Name != "Sheena Nelson" {
		t.Fatalf("%+v", v.Contacts)
	}
	m := v.Messages[0]
	if m.From != cust || m.ID != in.ID || m.Timestamp != "1749463200" || m.Type != "text" || m.Text.Body != "hi <b> & 100%" {
		t.Fatalf("%+v", m)
	}
	var raw map[string]any
	json.Unmarshal(rt.bodies[0], &raw)
	if _, ok := raw["entry"].([]any)[0].(map[string]any)["changes"].([]any)[0].(map[string]any)["value"].(map[string]any)["messages"].([]any)[0].(map[string]any)["timestamp"].(string); !ok {
		t.Fatal("timestamp is not a string")
	}

	// Media: the customer's image can be sent back by id.
	in2, err := s.CustomerMedia(context.Background(), cust, "Sheena", "image", "jpg", "look", 1000)
	if err != nil || in2.Status != 200 {
		t.Fatal(err)
	}
	mm := rt.payloads()[1].Entry[0].Changes[0].Value.Messages[0]
	if mm.Type != "image" || mm.Image == nil || mm.Image.MimeType != "image/jpeg" || mm.Image.Caption != "look" || len(mm.Image.SHA256) != 64 || mm.Image.ID == "" {
		t.Fatalf("%+v", mm)
	}
	wantOK(t, sendReq(s, SendRequest{MessagingProduct: "whatsapp", To: cust, Type: "image", Image: &Media{ID: mm.Image.ID}}))
	// A file the phone cannot send.
	if _, err := s.CustomerMedia(context.Background(), cust, "Sheena", "image", "gif", "", 10); err == nil {
		t.Fatal("gif accepted")
	} else if e, ok := err.(*Error); !ok || e.Code != 131053 {
		t.Fatalf("%v", err)
	}
	if _, err := s.CustomerText(context.Background(), "12", "x", "y"); err == nil {
		t.Fatal("invalid customer number accepted")
	}
	if rt.badSigs != 0 {
		t.Fatal("bad signature")
	}
}

func TestInboundRefusedStillOpensWindow(t *testing.T) {
	rt := newRouter(t, DefaultAppSecret)
	rt.status = 500
	s, _ := newTest(Config{WebhookURL: rt.srv.URL})
	in, err := s.CustomerText(context.Background(), cust, "S", "hi")
	if err != nil || in.Status != 500 {
		t.Fatalf("%+v %v", in, err)
	}
	wantOK(t, sendReq(s, text(cust, "x")))
	// Unreachable router: error, but the window opened too.
	s2, _ := newTest(Config{WebhookURL: "http://127.0.0.1:1/x"})
	if _, err := s2.CustomerText(context.Background(), cust, "S", "hi"); err == nil {
		t.Fatal("no error")
	}
	wantOK(t, sendReq(s2, text(cust, "x")))
	if j := s2.Journal(); len(j.Webhooks) != 1 || j.Webhooks[0].Err == "" || j.Webhooks[0].Status != 0 {
		t.Fatalf("%+v", j.Webhooks)
	}
}

func TestEncodeEscapedGolden(t *testing.T) {
	in := "äöå 😀 a/b <x> 100% me@x & \u2028"
	b, err := EncodeEscaped(map[string]string{"s": in})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"s":"\u00e4\u00f6\u00e5 \ud83d\ude00 a\/b \u003cx\u003e 100\u0025 me\u0040x \u0026 \u2028"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	var back map[string]string
	if err := json.Unmarshal(b, &back); err != nil || back["s"] != in {
		t.Fatalf("round trip %q %v", back["s"], err)
	}
	if a := string(appendString(nil, in)); `{"s":`+a+`}` != want {
		t.Fatalf("appendString %s", a)
	}
}

func TestSignatureGolden(t *testing.T) {
	const secret = "s3cret"
	var got []byte
	var gotSig string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		gotSig = r.Header.Get("X-Hub-Signature-256")
	}))
	defer srv.Close()
	s, _ := newTest(Config{WebhookURL: srv.URL, AppSecret: secret, Seed: 7})
	in, err := s.CustomerText(context.Background(), cust, "Åsa", "äöå 😀 a/b <x> 100% me@x")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp",` +
		`"metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},` +
		`"contacts":[{"profile":{"name":"\u00c5sa"},"wa_id":"16505551234"}],` +
		`"messages":[{"from":"16505551234","id":"` + in.ID + `","timestamp":"1749463200","type":"text",` +
		`"text":{"body":"\u00e4\u00f6\u00e5 \ud83d\ude00 a\/b \u003cx\u003e 100\u0025 me\u0040x"}}]},"field":"messages"}]}]}`
	if string(got) != want {
		t.Fatalf("body\n got %s\nwant %s", got, want)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(want))
	wantSig := "sha256=" + hex.EncodeToString(m.Sum(nil))
	if gotSig != wantSig || Sign(secret, got) != wantSig {
		t.Fatalf("signature %s, want %s", gotSig, wantSig)
	}
	// A fixed vector, so that a change of Sign itself is caught too.
	if s := Sign("key", []byte("The quick brown fox jumps over the lazy dog")); s != "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8" {
		t.Fatal(s)
	}
}

func TestVerify(t *testing.T) {
	rt := newRouter(t, DefaultAppSecret)
	var sawSig bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawSig = r.Header.Get("X-Hub-Signature-256") != ""
		rt.srv.Config.Handler.ServeHTTP(w, r)
	}))
	defer srv.Close()
	s, _ := newTest(Config{WebhookURL: srv.URL + "/hook?tenant=a"})
	if err := s.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	if sawSig {
		t.Fatal("GET carried a signature")
	}
	// Wrong challenge.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.URL.Query().Get("hub.challenge")+"x")
	}))
	defer bad.Close()
	s2, _ := newTest(Config{WebhookURL: bad.URL})
	if err := s2.Verify(context.Background()); err == nil || !strings.Contains(err.Error(), "challenge") {
		t.Fatalf("wrong challenge: %v", err)
	}
	// Wrong verify token: router answers 403.
	s3, _ := newTest(Config{WebhookURL: srv.URL, VerifyToken: "other"})
	if err := s3.Verify(context.Background()); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("wrong token: %v", err)
	}
	j := s3.Journal()
	if len(j.Webhooks) != 1 || j.Webhooks[0].Kind != "verify" || j.Webhooks[0].Status != 403 {
		t.Fatalf("%+v", j.Webhooks)
	}
}

func TestMediaUploadAndSend(t *testing.T) {
	s, _ := newTest(Config{})
	openWindow(t, s, cust)
	img := uploadFile(t, s, "image/jpeg", 5<<20)
	st := uploadFile(t, s, "image/webp", 100)
	doc := uploadFile(t, s, "application/pdf", 1000)
	send := func(kind string, m *Media) *httptest.ResponseRecorder {
		r := SendRequest{MessagingProduct: "whatsapp", To: cust, Type: kind}
		r.SetMedia(kind, m)
		return sendReq(s, r)
	}
	wantOK(t, send("image", &Media{ID: img, Caption: "cap"}))
	wantOK(t, send("sticker", &Media{ID: st}))
	wantOK(t, send("document", &Media{ID: doc, Filename: "a.pdf"}))
	wantOK(t, send("image", &Media{Link: "https://cdn.example/p/a.png"}))
	wantOK(t, send("image", &Media{Link: "https://cdn.example/render.php?id=1"})) // extension names no media format
	e := wantError(t, send("sticker", &Media{ID: img}), 400, 131053)
	if !strings.Contains(e.Details(), "sticker") {
		t.Error(e.Details())
	}
	wantError(t, send("audio", &Media{ID: doc}), 400, 131053)
	d := s.Deliveries(cust)
	if len(d) != 5 || d[0].MediaID != img || d[0].Caption != "cap" || d[3].Link == "" {
		t.Fatalf("%+v", d)
	}

	uploadErr := func(product, typ, fileType string, size int, withFile bool, code int, details string) {
		t.Helper()
		ct, b := uploadBody(product, typ, fileType, size, withFile)
		e := wantError(t, do(s, "POST", media, ct, b, bearer), 400, code)
		if !strings.Contains(e.Details(), details) {
			t.Errorf("details %q, want %q", e.Details(), details)
		}
	}
	uploadErr("whatsapp", "image/jpeg", "", 5<<20+1, true, 131053, "5242880 bytes (5 MB)")
	uploadErr("whatsapp", "image/webp", "", 500<<10+1, true, 131053, "512000 bytes (500 KB)")
	uploadErr("whatsapp", "image/gif", "", 10, true, 131053, `Unsupported image format "gif"`)
	uploadErr("whatsapp", "font/woff", "", 10, true, 131053, "Unsupported file type")
	uploadErr("", "image/jpeg", "", 10, true, 100, "messaging_product")
	uploadErr("whatsapp", "image/jpeg", "", 10, false, 100, "file")
	uploadErr("whatsapp", "", "", 10, true, 100, "type")
	// The file part's Content-Type serves when the type field is missing.
	ct, b := uploadBody("whatsapp", "", "audio/ogg; codecs=opus", 10, true)
	if w := do(s, "POST", media, ct, b, bearer); w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	wantError(t, do(s, "POST", media, "application/json", []byte(`{}`), bearer), 400, 100)
	wantError(t, do(s, "POST", media, "multipart/form-data; boundary=zz", []byte("--zz\r\nbroken"), bearer), 400, 100)
}

func TestCheckMedia(t *testing.T) {
	s := New(Config{})
	tests := []struct {
		kind, format string
		size         int64
		code         int
	}{
		{"image", "jpeg", 5 << 20, 0},
		{"image", "JPG", 1, 0},
		{"image", "png", 5<<20 + 1, 131053},
		{"image", "gif", 1, 131053},
		{"audio", "ogg", 16 << 20, 0},
		{"audio", "wav", 1, 131053},
		{"video", "3gp", 16<<20 + 1, 131053},
		{"document", "pptx", 100 << 20, 0},
		{"document", "exe", 1, 131053},
		{"sticker", "webp", 500 << 10, 0},
		{"sticker", "webp", 500<<10 + 1, 131053},
		{"hologram", "x", 1, 100},
		{"image", "png", -1, 100},
	}
	for _, tc := range tests {
		e := s.CheckMedia(tc.kind, tc.format, tc.size)
		if (e == nil) != (tc.code == 0) || e != nil && (e.Code != tc.code || e.HTTPStatus != 400) {
			t.Errorf("%s %s %d: %v, want code %d", tc.kind, tc.format, tc.size, e, tc.code)
		}
	}
	// Overrides: per kind, field by field.
	s2 := New(Config{Media: map[string]MediaLimit{"image": {MaxBytes: 1 << 20}, "sticker": {Formats: []string{}}, "video": {Formats: []string{"MP4", ".webm"}}}})
	if s2.CheckMedia("image", "png", 1<<20+1) == nil || s2.CheckMedia("image", "png", 1<<20) != nil {
		t.Error("image size override")
	}
	if s2.CheckMedia("sticker", "webp", 1) == nil || s2.CheckMedia("video", "webm", 1) != nil || s2.CheckMedia("video", "3gp", 1) == nil {
		t.Error("format override")
	}
	if s2.CheckMedia("audio", "mp3", 16<<20) != nil {
		t.Error("untouched kind lost its defaults")
	}
}

// TestCheckAgreesWithServeHTTP runs a table of requests through Check and
// then ServeHTTP, in both window modes.
func TestCheckAgreesWithServeHTTP(t *testing.T) {
	for _, mode := range []WindowErrors{Sync, Async} {
		s, clk := newTest(Config{WindowErrors: mode, Templates: []string{"hello_world"}, MaxTextLength: 10})
		openWindow(t, s, cust)
		img := uploadFile(t, s, "image/png", 100)
		reqs := []SendRequest{
			text(cust, "ok"),
			text("+"+cust, "ok"),
			text(cust, ""),
			text(cust, "01234567890"),
			text(cust2, "closed"),
			text("12", "x"),
			tmpl(cust2, "hello_world"),
			tmpl(cust2, "nope"),
			{MessagingProduct: "whatsapp", To: cust, Type: "image", Image: &Media{ID: img}},
			{MessagingProduct: "whatsapp", To: cust, Type: "image", Image: &Media{ID: img, Link: "https://x/y.png"}},
			{MessagingProduct: "whatsapp", To: cust, Type: "video", Video: &Media{ID: img}},
			{MessagingProduct: "whatsapp", To: cust2, Type: "image", Image: &Media{ID: img}},
			{MessagingProduct: "whatsapp", To: cust, Type: "sticker"},
			{MessagingProduct: "whatsapp", To: cust, Type: "reaction"},
			{To: cust, Text: &Text{Body: "x"}},
			{MessagingProduct: "whatsapp", To: cust, Text: &Text{Body: "default type"}},
		}
		for step := 0; step < 2; step++ {
			for i, req := range reqs {
				ce := s.Check(req)
				w := sendReq(s, req)
				switch {
				case ce == nil:
					wantOK(t, w)
				case ce.HTTPStatus == 200:
					if mode != Async || ce.Code != 131047 {
						t.Fatalf("%d: %+v", i, ce)
					}
					wantOK(t, w)
				default:
					e := wantError(t, w, ce.HTTPStatus, ce.Code)
					ce.FBTraceID = e.FBTraceID
					if *e.ErrorData != *ce.ErrorData || e.Message != ce.Message || e.ErrorSubcode != ce.ErrorSubcode {
						t.Fatalf("%d: wire %+v, Check %+v", i, e, ce)
					}
				}
			}
			clk.Add(25 * time.Hour) // second pass: every window closed
		}
	}
}

// TestConversationLastsADay: the conversation a send opens takes the
// business's sends for 24 hours, the expiration its sent statuses carry,
// and the first send at that instant opens a new one.
func TestConversationLastsADay(t *testing.T) {
	rt := newRouter(t, DefaultAppSecret)
	s, clk := newTest(Config{WebhookURL: rt.srv.URL, Window: 48 * time.Hour})
	openWindow(t, s, cust)
	opened := clk.Now()
	wantOK(t, sendReq(s, text(cust, "a")))
	clk.Add(24*time.Hour - time.Nanosecond)
	wantOK(t, sendReq(s, text(cust, "b")))
	clk.Add(time.Nanosecond)
	wantOK(t, sendReq(s, text(cust, "c")))
	if _, err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := rt.statuses() // sent and delivered for each send
	if len(st) != 6 {
		t.Fatalf("%d statuses, want 6", len(st))
	}
	a, b, c := st[0].Conversation, st[2].Conversation, st[4].Conversation
	if a.ID != b.ID || c.ID == a.ID {
		t.Errorf("conversations %s, %s, %s: want the first two alike and the third new", a.ID, b.ID, c.ID)
	}
	exp := fmt.Sprint(opened.Add(24 * time.Hour).Unix())
	if a.ExpirationTimestamp != exp || b.ExpirationTimestamp != exp || c.ExpirationTimestamp != fmt.Sprint(clk.Now().Add(24*time.Hour).Unix()) {
		t.Errorf("expirations %s, %s, %s; want %s twice, then a day later", a.ExpirationTimestamp, b.ExpirationTimestamp, c.ExpirationTimestamp, exp)
	}
}

func TestDeterminism(t *testing.T) {
	run := func(seed uint64) []string {
		rt := newRouter(t, DefaultAppSecret)
		s, _ := newTest(Config{Seed: seed, WebhookURL: rt.srv.URL})
		var ids []string
		in, _ := s.CustomerText(context.Background(), cust, "a", "b")
		ids = append(ids, in.ID)
		in, _ = s.CustomerMedia(context.Background(), cust, "a", "document", "pdf", "", 10)
		ids = append(ids, in.ID)
		s.Check(text(cust2, "x")) // Check consumes no ids
		ids = append(ids, wantOK(t, sendReq(s, text(cust, "x"))).Messages[0].ID)
		e, _ := graphError(sendReq(s, text(cust2, "x")).Body.Bytes())
		ids = append(ids, e.FBTraceID)
		ids = append(ids, uploadFile(t, s, "image/png", 1))
		ids = append(ids, wantOK(t, sendReq(s, tmpl(cust2, "t"))).Messages[0].ID)
		s.Flush(context.Background())
		for _, st := range rt.statuses() {
			ids = append(ids, st.Conversation.ID)
		}
		for _, p := range rt.payloads()[1:2] {
			ids = append(ids, p.Entry[0].Changes[0].Value.Messages[0].Document.ID)
		}
		s.Verify(context.Background())
		return ids
	}
	a, b, c := run(42), run(42), run(43)
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Fatalf("same seed, different ids:\n%v\n%v", a, b)
	}
	for i := range a {
		if a[i] == c[i] && !strings.HasPrefix(a[i], "wamid.") {
			t.Errorf("id %d equal across seeds: %s", i, a[i])
		}
	}
	if a[0] == c[0] || a[2] == c[2] {
		t.Error("wamids equal across seeds")
	}
	if a[0] == a[1] || a[2] == a[5] {
		t.Error("wamids repeat")
	}
}

func TestJournalLimit(t *testing.T) {
	s, _ := newTest(Config{JournalLimit: 3})
	openWindow(t, s, cust)
	var ids []string
	for i := 0; i < 10; i++ {
		ids = append(ids, wantOK(t, sendReq(s, text(cust, string(rune('a'+i))))).Messages[0].ID)
	}
	for i := 0; i < 5; i++ {
		sendReq(s, text(cust2, "x"))
	}
	j := s.Journal()
	if len(j.Requests) != 3 || len(j.Deliveries) != 3 || len(j.Errors) != 3 {
		t.Fatalf("journal sizes %d %d %d", len(j.Requests), len(j.Deliveries), len(j.Errors))
	}
	if j.Deliveries[0].Text != "h" || j.Deliveries[2].Text != "j" {
		t.Fatalf("kept %+v", j.Deliveries)
	}
	if c := s.Counts(); c.Requests != 15 || c.Deliveries != 10 || c.Errors != 5 || c.Webhooks != 1 {
		t.Fatalf("counts %+v", c)
	}
	if d := s.Deliveries(cust); len(d) != 3 || d[0].ID != ids[7] || d[2].ID != ids[9] || d[0].Text != "h" {
		t.Fatalf("deliveries %+v", d)
	}
	if s.LastError(cust2) == nil || s.LastError(cust) != nil {
		t.Fatal("last error")
	}
}

// TestDeliveriesBoundedByJournalLimit: a positive JournalLimit bounds
// each customer's delivery history to the newest deliveries, for every
// customer; 0 and a negative limit keep them all.
func TestDeliveriesBoundedByJournalLimit(t *testing.T) {
	journaltest.DeliveriesBounded(t, [2]string{cust, cust2}, func(limit int) journaltest.Fake[Delivery] {
		s, _ := newTest(Config{JournalLimit: limit})
		return journaltest.Fake[Delivery]{
			Open:       func(to string) { openWindow(t, s, to) },
			Send:       func(to, body string) { wantOK(t, sendReq(s, text(to, body))) },
			Deliveries: s.Deliveries,
			Text:       func(d Delivery) string { return d.Text },
			Delivered:  func() int { return s.Counts().Deliveries },
		}
	})
}

func TestStartClose(t *testing.T) {
	s := New(Config{})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") || s.Start() == nil {
		t.Fatal(s.URL)
	}
	req, _ := http.NewRequest("POST", s.URL+msgs, strings.NewReader(`{"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{"body":"x"}}`))
	req.Header.Set("Authorization", bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if e, err := graphError(b); err != nil || e.Code != 131047 || resp.StatusCode != 400 {
		t.Fatalf("%d %s %v", resp.StatusCode, b, err)
	}
	s.Close()
	New(Config{}).Close() // unstarted: no-op
}

func TestWamidLayout(t *testing.T) {
	g := newIDGen(1)
	id := g.wamid(cust, true)
	if !strings.HasPrefix(id, "wamid.HBgLMTY1MDU1NTEyMzQVAgARGC") || len(id) != 6+72 {
		t.Fatal(id)
	}
	if in := g.wamid(cust, false); !strings.HasPrefix(in, "wamid.HBgLMTY1MDU1NTEyMzQVAgASGC") {
		t.Fatal(in)
	}
	if m := g.mediaID(); len(m) != 40 || m[0] != '1' || strings.Trim(m, "0123456789") != "" {
		t.Fatal(m)
	}
	if f := g.fbtraceID(); len(f) != 23 || f[0] != 'A' {
		t.Fatal(f)
	}
}

func TestConcurrentUse(t *testing.T) {
	rt := newRouter(t, DefaultAppSecret)
	// 400 sends to one customer in one second: no throughput or pair rate.
	s, _ := newTest(Config{WebhookURL: rt.srv.URL, Limits: Limits{Throughput: -1, PairInterval: -1}})
	done := make(chan bool)
	for g := 0; g < 8; g++ {
		go func() {
			for i := 0; i < 50; i++ {
				s.CustomerText(context.Background(), cust, "a", "b")
				sendReq(s, text(cust, "x"))
				s.Check(text(cust, "x"))
				s.Journal()
				s.Flush(context.Background())
			}
			done <- true
		}()
	}
	for g := 0; g < 8; g++ {
		<-done
	}
	s.Flush(context.Background())
	if c := s.Counts(); c.Deliveries != 400 || c.Webhooks != 400+800 {
		t.Fatalf("counts %+v", c)
	}
}

func TestAppendStringMatchesEncodeEscaped(t *testing.T) {
	for _, s := range []string{"", "plain", "quote\" back\\ slash/", "\x00\x01\b\f\n\r\t\x1f\x7f", "\u2028\u2029", "bad \xff\xfe utf8 \xe2\x82",
		"<>&%@", "日本語 🇸🇪 \U0010FFFF", "+16505551234"} {
		want, err := EncodeEscaped(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); string(got) != string(want) {
			t.Errorf("%q: appendString %s, EncodeEscaped %s", s, got, want)
		}
		for _, c := range want {
			if c >= 0x80 {
				t.Errorf("%q: non-ASCII byte in %s", s, want)
				break
			}
		}
	}
}

// TestSendPathRoutedAgain: the path of the last send, which ServeHTTP
// recognizes at once, routes as any other: another method on it, another
// path after it, an unauthorized request to it, and sends to two
// spellings of the endpoint in turn.
func TestSendPathRoutedAgain(t *testing.T) {
	s, post := newTextPoster(t)
	send := func(path string) *httptest.ResponseRecorder { return post(path, bearer) }
	wantOK(t, send(msgs))
	if e := wantError(t, do(s, "GET", msgs, "", nil, bearer), 400, 100); e.ErrorSubcode != SubcodeUnsupportedRequest {
		t.Errorf("GET after a send: subcode %d", e.ErrorSubcode)
	}
	wantError(t, post(msgs, "Bearer nope"), 401, 190)
	wantError(t, send(msgs+"/x"), 400, 2500)
	if e := wantError(t, send("/v21.0/123/messages"), 400, 100); e.ErrorSubcode != SubcodeUnsupportedRequest {
		t.Errorf("another phone id: subcode %d", e.ErrorSubcode)
	}
	wantOK(t, send(msgs))
	wantOK(t, send("/v22.0/"+DefaultPhoneNumberID+"/messages/"))
	wantOK(t, send(msgs))
	if c := s.Counts(); c.Deliveries != 4 || c.Errors != 4 {
		t.Errorf("counts %+v, want 4 deliveries and 4 errors", c)
	}
}

// TestAuthorizedInTurn: each Authorization header is judged on its own,
// whatever was accepted or refused before it (the scheme in any case, the
// token compared in constant time).
func TestAuthorizedInTurn(t *testing.T) {
	_, post := newTextPoster(t)
	for _, step := range []struct {
		auth string
		ok   bool
	}{
		{bearer, true}, {bearer, true}, {"Bearer nope", false}, {bearer + "x", false}, {"bearer  " + DefaultAccessToken + " ", true},
		{bearer, true}, {"Basic " + DefaultAccessToken, false}, {"bearer  " + DefaultAccessToken + " ", true}, {"Bearer", false},
	} {
		if w := post(msgs, step.auth); step.ok {
			wantOK(t, w)
		} else {
			wantError(t, w, 401, 190)
		}
	}
}

// newTextPoster is a new server with the window open for cust, and a
// function that posts a text to cust to a path with an Authorization
// header.
func newTextPoster(t *testing.T) (*Server, func(path, auth string) *httptest.ResponseRecorder) {
	s, _ := newTest(Config{})
	openWindow(t, s, cust)
	body, _ := json.Marshal(text(cust, "hi"))
	return s, func(path, auth string) *httptest.ResponseRecorder {
		return do(s, "POST", path, "application/json", body, auth)
	}
}
