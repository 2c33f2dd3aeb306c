package whatsapp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
)

// nopReceiver discards everything.
type nopReceiver struct{}

func (nopReceiver) Receive(time.Time, router.Inbound) (router.ConversationID, error) { return 1, nil }
func (nopReceiver) Status(time.Time, router.CustomerKey, string, string, string)     {}

// nopWriter is a ResponseWriter that keeps only the status.
type nopWriter struct {
	h    http.Header
	code int
}

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkWebhook measures one signed text message through ServeHTTP:
// signature check, parse, dedupe, Receive. The bodies cycle through 4096
// distinct wamids while the clock moves past the dedupe window, so every
// delivery is new.
func BenchmarkWebhook(b *testing.B) {
	clock := &fakeClock{now: t0}
	a := New(Config{AppSecret: testSecret, PhoneNumberID: testPhoneID, Clock: clock.Now, DedupeWindow: time.Hour}, nopReceiver{})
	const n = 4096
	bodies := make([][]byte, n)
	sigs := make([]string, n)
	for i := range bodies {
		bodies[i] = textMessage("16505551234", fmt.Sprintf("wamid.HBgLMTY1MDUwNzY1MjAVAgASGBQzQTRBNjU5OUFF%08d", i), "Hello, I would like to know where my order is.")
		sigs[i] = sign(testSecret, bodies[i])
	}
	req := httptest.NewRequest(http.MethodPost, "/webhook", nil)
	var rd bytes.Reader
	req.Body = io.NopCloser(&rd)
	w := &nopWriter{h: http.Header{}}
	b.SetBytes(int64(len(bodies[0])))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := i % n
		rd.Reset(bodies[k])
		req.ContentLength = int64(len(bodies[k]))
		req.Header[SignatureHeader] = []string{sigs[k]}
		clock.now = clock.now.Add(time.Second)
		a.ServeHTTP(w, req)
		if w.code != 200 {
			b.Fatalf("status %d", w.code)
		}
	}
	if s := a.Stats(); s.Duplicates != 0 {
		b.Fatalf("stats %+v", s)
	}
}

// BenchmarkSend measures one text send through an in-process Graph handler
// (a RoundTripper calling an http.Handler, no sockets).
func BenchmarkSend(b *testing.B) {
	answer := []byte(`{"messaging_product":"whatsapp","contacts":[{"input":"16505551234","wa_id":"16505551234"}],"messages":[{"id":"wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"}]}`)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header()["Content-Type"] = []string{"application/json"}
		w.Write(answer)
	})
	a := New(Config{
		AccessToken:   testToken,
		PhoneNumberID: testPhoneID,
		Client:        &http.Client{Transport: handlerTransport{handler}},
	}, nopReceiver{})
	ctx := context.Background()
	to := customer("16505551234")
	m := router.Outbound{Kind: router.KindText, Text: "Hi Sheena, your order #4711 left our warehouse today and arrives tomorrow."}
	b.ReportAllocs()
	for b.Loop() {
		id, err := a.Send(ctx, to, m)
		if err != nil || id == "" {
			b.Fatalf("%q %v", id, err)
		}
	}
}

// handlerTransport serves requests with an in-process handler.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	w := &bufWriter{h: http.Header{}, code: 200}
	t.h.ServeHTTP(w, r)
	if r.Body != nil {
		r.Body.Close()
	}
	return &http.Response{
		StatusCode:    w.code,
		Header:        w.h,
		Body:          io.NopCloser(bytes.NewReader(w.buf.Bytes())),
		ContentLength: int64(w.buf.Len()),
		Request:       r,
	}, nil
}

type bufWriter struct {
	h    http.Header
	code int
	buf  bytes.Buffer
}

func (w *bufWriter) Header() http.Header         { return w.h }
func (w *bufWriter) Write(b []byte) (int, error) { return w.buf.Write(b) }
func (w *bufWriter) WriteHeader(code int)        { w.code = code }

// TestHandlerTransport keeps the benchmark's transport honest.
func TestHandlerTransport(t *testing.T) {
	g := &graph{t: t}
	a := New(Config{AccessToken: testToken, PhoneNumberID: testPhoneID, Client: &http.Client{Transport: handlerTransport{g}}}, nopReceiver{})
	id, err := a.Send(context.Background(), customer("1"), router.Outbound{Kind: router.KindAttachment, Text: "c", Attachment: &router.Attachment{Kind: "image", Format: "png", Size: 100}})
	if err != nil || id != "wamid.OUT1" || len(g.uploads) != 1 || g.uploads[0].Size != 100 {
		t.Fatalf("%q %v %+v", id, err, g.uploads)
	}
	if !strings.Contains(fmt.Sprint(g.messages[0]), "caption:c") {
		t.Fatalf("message %v", g.messages[0])
	}
}
