package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
)

// upload is what the fake Graph server saw of a media upload.
type upload struct {
	Product, Type string
	Filename      string
	PartType      string
	Size          int64
	AllZero       bool
}

// graph is a fake Graph API that checks the request framing and records
// message bodies and uploads.
type graph struct {
	t        testing.TB
	mu       sync.Mutex
	messages []map[string]any
	uploads  []upload
	// fail, when set, answers every request with this status and body.
	failStatus int
	failBody   string
	// failUpload answers only media uploads with the failure.
	failUpload bool
}

const testToken = "EAAG-token"

func (g *graph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := g.t
	if r.Method != http.MethodPost {
		t.Errorf("method %s", r.Method)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
		t.Errorf("authorization %q", got)
	}
	fail := func() bool {
		if g.failStatus == 0 {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(g.failStatus)
		io.WriteString(w, g.failBody)
		return true
	}
	switch r.URL.Path {
	case "/v21.0/" + testPhoneID + "/messages":
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
		raw, _ := io.ReadAll(r.Body)
		if int64(len(raw)) != r.ContentLength {
			t.Errorf("content length %d, body %d", r.ContentLength, len(raw))
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Errorf("message body %q: %v", raw, err)
		}
		g.mu.Lock()
		g.messages = append(g.messages, m)
		g.mu.Unlock()
		if !g.failUpload && fail() {
			return
		}
		io.WriteString(w, `{"messaging_product":"whatsapp","contacts":[{"input":"16505555555","wa_id":"16505555555"}],"messages":[{"id":"wamid.OUT1"}]}`)
	case "/v21.0/" + testPhoneID + "/media":
		mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/form-data" {
			t.Errorf("upload content type %q", r.Header.Get("Content-Type"))
			return
		}
		var u upload
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("multipart: %v", err)
				return
			}
			data, _ := io.ReadAll(p)
			switch p.FormName() {
			case "messaging_product":
				u.Product = string(data)
			case "type":
				u.Type = string(data)
			case "file":
				u.Filename = p.FileName()
				u.PartType = p.Header.Get("Content-Type")
				u.Size = int64(len(data))
				u.AllZero = true
				for _, c := range data {
					if c != 0 {
						u.AllZero = false
					}
				}
			default:
				t.Errorf("unexpected form field %q", p.FormName())
			}
		}
		g.mu.Lock()
		g.uploads = append(g.uploads, u)
		g.mu.Unlock()
		if fail() {
			return
		}
		io.WriteString(w, `{"id":"4490709327384033"}`)
	default:
		t.Errorf("path %s", r.URL.Path)
		http.NotFound(w, r)
	}
}

func newSendAdapter(t testing.TB, g *graph) *Adapter {
	g.t = t
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return New(Config{
		AppSecret:     testSecret,
		AccessToken:   testToken,
		PhoneNumberID: testPhoneID,
		BaseURL:       srv.URL + "/",
		Client:        srv.Client(),
	}, &recorder{})
}

func jsonOf(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad expectation %s: %v", s, err)
	}
	return m
}

func TestSend(t *testing.T) {
	to := customer("16505555555")
	const envelope = `"messaging_product":"whatsapp","recipient_type":"individual","to":"16505555555",`
	tests := []struct {
		name   string
		m      router.Outbound
		want   string // the message body
		upload *upload
	}{
		{"text", router.Outbound{Kind: router.KindText, Text: "Hello \"there\"\n\u00e4 <b> \x01 \u2028"},
			`{` + envelope + `"type":"text","text":{"preview_url":false,"body":"Hello \"there\"\n\u00e4 <b> \u0001 \u2028"}}`, nil},
		{"empty kind is text", router.Outbound{Text: "hi"},
			`{` + envelope + `"type":"text","text":{"preview_url":false,"body":"hi"}}`, nil},
		{"template", router.Outbound{Kind: router.KindTemplate, Template: &router.Template{Name: "order_update", Language: "en_US", Params: []string{"Ana", "#42"}}},
			`{` + envelope + `"type":"template","template":{"name":"order_update","language":{"code":"en_US","policy":"deterministic"},"components":[{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"#42"}]}]}}`, nil},
		{"template without params", router.Outbound{Kind: router.KindTemplate, Template: &router.Template{Name: "hello_world", Language: "en_US"}},
			`{` + envelope + `"type":"template","template":{"name":"hello_world","language":{"code":"en_US","policy":"deterministic"}}}`, nil},
		{"image", router.Outbound{Kind: router.KindAttachment, Text: "look", Attachment: &router.Attachment{Kind: "image", Format: "jpeg", Size: 1234}},
			`{` + envelope + `"type":"image","image":{"id":"4490709327384033","caption":"look"}}`,
			&upload{Product: "whatsapp", Type: "image/jpeg", Filename: "file.jpeg", PartType: "image/jpeg", Size: 1234, AllZero: true}},
		{"document", router.Outbound{Kind: router.KindAttachment, Text: "your invoice", Attachment: &router.Attachment{Kind: "document", Format: "pdf", Size: 70000, Name: "Invoice \"7\".pdf"}},
			`{` + envelope + `"type":"document","document":{"id":"4490709327384033","caption":"your invoice","filename":"Invoice \"7\".pdf"}}`,
			&upload{Product: "whatsapp", Type: "application/pdf", Filename: "Invoice \"7\".pdf", PartType: "application/pdf", Size: 70000, AllZero: true}},
		{"audio drops caption", router.Outbound{Kind: router.KindAttachment, Text: "ignored", Attachment: &router.Attachment{Kind: "audio", Format: "m4a", Size: 10}},
			`{` + envelope + `"type":"audio","audio":{"id":"4490709327384033"}}`,
			&upload{Product: "whatsapp", Type: "audio/mp4", Filename: "file.m4a", PartType: "audio/mp4", Size: 10, AllZero: true}},
		{"sticker, format from name", router.Outbound{Attachment: &router.Attachment{Kind: "sticker", Name: "s.webp"}},
			`{` + envelope + `"type":"sticker","sticker":{"id":"4490709327384033"}}`,
			&upload{Product: "whatsapp", Type: "image/webp", Filename: "s.webp", PartType: "image/webp", Size: 0, AllZero: true}},
		{"video", router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "video", Format: "3gp", Size: 3 << 20}},
			`{` + envelope + `"type":"video","video":{"id":"4490709327384033"}}`,
			&upload{Product: "whatsapp", Type: "video/3gpp", Filename: "file.3gp", PartType: "video/3gpp", Size: 3 << 20, AllZero: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := &graph{}
			a := newSendAdapter(t, g)
			id, err := a.Send(context.Background(), to, tc.m)
			if err != nil {
				t.Fatal(err)
			}
			if id != "wamid.OUT1" {
				t.Errorf("id %q", id)
			}
			if len(g.messages) != 1 {
				t.Fatalf("%d messages", len(g.messages))
			}
			if want := jsonOf(t, tc.want); !reflect.DeepEqual(g.messages[0], want) {
				t.Errorf("body\n got %v\nwant %v", g.messages[0], want)
			}
			switch {
			case tc.upload == nil && len(g.uploads) != 0:
				t.Errorf("unexpected upload %+v", g.uploads)
			case tc.upload != nil && (len(g.uploads) != 1 || g.uploads[0] != *tc.upload):
				t.Errorf("uploads\n got %+v\nwant %+v", g.uploads, *tc.upload)
			}
		})
	}
}

func TestSendExactTextBytes(t *testing.T) {
	// Check the exact encoding too, not only its meaning.
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
		io.WriteString(w, `{"messages":[{"id":"wamid.X"}]}`)
	}))
	defer srv.Close()
	a := New(Config{AccessToken: testToken, PhoneNumberID: testPhoneID, BaseURL: srv.URL}, &recorder{})
	if _, err := a.Send(context.Background(), customer("16505555555"), router.Outbound{Kind: router.KindText, Text: "a\"b"}); err != nil {
		t.Fatal(err)
	}
	want := `{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505555555","type":"text","text":{"preview_url":false,"body":"a\"b"}}`
	if got != want {
		t.Fatalf("body\n got %s\nwant %s", got, want)
	}
}

func TestSendErrors(t *testing.T) {
	const reengage = `{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"error_subcode":2494010,"fbtrace_id":"A4O5"}}`
	text := router.Outbound{Kind: router.KindText, Text: "hi"}
	image := router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "image", Format: "png", Size: 10}}
	tests := []struct {
		name       string
		g          *graph
		m          router.Outbound
		want       *router.PlatformError // nil: an ordinary error
		wantSubstr string
		messages   int
	}{
		{"re-engagement", &graph{failStatus: 400, failBody: reengage}, text,
			&router.PlatformError{Code: "131047", HTTPStatus: 400, Message: "Message failed to send because more than 24 hours have passed since the customer last replied to this number."}, "", 1},
		{"rate limit without details", &graph{failStatus: 429, failBody: `{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"fbtrace_id":"B"}}`}, text,
			&router.PlatformError{Code: "130429", HTTPStatus: 429, Message: "(#130429) Rate limit hit"}, "", SendTries},
		{"upload refused", &graph{failStatus: 400, failUpload: true, failBody: `{"error":{"message":"(#131053) Media upload error","type":"OAuthException","code":131053,"error_data":{"details":"Unsupported file type"},"fbtrace_id":"C"}}`}, image,
			&router.PlatformError{Code: "131053", HTTPStatus: 400, Message: "Unsupported file type"}, "", 0},
		{"non-graph error body", &graph{failStatus: 502, failBody: `<html>Bad Gateway</html>`}, text, nil, "HTTP 502", SendTries},
		{"error body without error", &graph{failStatus: 500, failBody: `{"ok":false}`}, text, nil, "HTTP 500", SendTries},
		{"2xx unparseable", &graph{failStatus: 200, failBody: `{"messages":[]}`}, text, nil, "unparseable", 1},
		{"2xx garbage", &graph{failStatus: 200, failBody: `not json`}, text, nil, "unparseable", 1},
		{"upload 2xx without id", &graph{failStatus: 200, failUpload: true, failBody: `{}`}, image, nil, "unparseable", 0},
		{"template missing", &graph{}, router.Outbound{Kind: router.KindTemplate}, nil, "without a template", 0},
		{"attachment missing", &graph{}, router.Outbound{Kind: router.KindAttachment}, nil, "without an attachment", 0},
		{"bad attachment kind", &graph{}, router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "hologram"}}, nil, "attachment kind", 0},
		{"bad kind", &graph{}, router.Outbound{Kind: "carrier-pigeon"}, nil, "message kind", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g
			a := newSendAdapter(t, g)
			id, err := a.Send(context.Background(), customer("16505555555"), tc.m)
			if err == nil {
				t.Fatalf("no error, id %q", id)
			}
			if id != "" {
				t.Errorf("id %q with an error", id)
			}
			var pe *router.PlatformError
			if tc.want != nil {
				if !errors.As(err, &pe) || *pe != *tc.want {
					t.Fatalf("error %#v, want %#v", err, tc.want)
				}
			} else {
				if errors.As(err, &pe) {
					t.Fatalf("platform error %v, want an ordinary one", pe)
				}
				if !strings.Contains(err.Error(), tc.wantSubstr) {
					t.Errorf("error %q lacks %q", err, tc.wantSubstr)
				}
			}
			if len(g.messages) != tc.messages {
				t.Errorf("%d message requests, want %d", len(g.messages), tc.messages)
			}
		})
	}
}

func TestSendWrongKey(t *testing.T) {
	g := &graph{}
	a := newSendAdapter(t, g)
	keys := []router.CustomerKey{
		{Channel: "wechat", Account: testPhoneID, Customer: "1"},
		{Channel: Channel, Account: "other", Customer: "1"},
		{Channel: Channel, Account: testPhoneID},
	}
	for _, k := range keys {
		if _, err := a.Send(context.Background(), k, router.Outbound{Kind: router.KindText, Text: "x"}); err == nil {
			t.Errorf("%v: no error", k)
		}
	}
	if len(g.messages) != 0 {
		t.Fatal("sent")
	}
	// An empty channel and account mean this adapter's.
	if _, err := a.Send(context.Background(), router.CustomerKey{Customer: "1"}, router.Outbound{Text: "x"}); err != nil {
		t.Fatal(err)
	}
}

func TestSendTransportError(t *testing.T) {
	// A listener that is closed: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	a := New(Config{AccessToken: testToken, PhoneNumberID: testPhoneID, BaseURL: "http://" + addr}, &recorder{})
	_, err = a.Send(context.Background(), customer("1"), router.Outbound{Kind: router.KindText, Text: "x"})
	var pe *router.PlatformError
	if err == nil || errors.As(err, &pe) {
		t.Fatalf("error %v, want a transport error", err)
	}
	_, err = a.Send(context.Background(), customer("1"), router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "image", Format: "png", Size: 1}})
	if err == nil || errors.As(err, &pe) {
		t.Fatalf("upload error %v, want a transport error", err)
	}

	// A cancelled context is a wrapped context error.
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	defer srv.Close()
	defer close(done)
	a = New(Config{AccessToken: testToken, PhoneNumberID: testPhoneID, BaseURL: srv.URL}, &recorder{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = a.Send(ctx, customer("1"), router.Outbound{Kind: router.KindText, Text: "x"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want deadline exceeded", err)
	}
}

func TestSendDefaults(t *testing.T) {
	var gotURL string
	a := New(Config{AccessToken: testToken, PhoneNumberID: testPhoneID, Client: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		gotURL = r.URL.String()
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{"messages":[{"id":"wamid.D"}]}`)), Header: http.Header{}}, nil
	})}}, &recorder{})
	id, err := a.Send(context.Background(), customer("1"), router.Outbound{Text: "x"})
	if err != nil || id != "wamid.D" {
		t.Fatalf("%q %v", id, err)
	}
	if want := "https://graph.facebook.com/v21.0/" + testPhoneID + "/messages"; gotURL != want {
		t.Fatalf("url %s, want %s", gotURL, want)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSendBadBaseURL(t *testing.T) {
	a := New(Config{AccessToken: testToken, PhoneNumberID: testPhoneID, BaseURL: "http://bad host\x7f"}, &recorder{})
	_, err := a.Send(context.Background(), customer("1"), router.Outbound{Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "bad base URL") {
		t.Fatalf("error %v", err)
	}
}
