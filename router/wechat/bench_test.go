package wechat

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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

const benchText = "Hello, I would like to know where my order is."

// benchWebhook measures one text message through ServeHTTP. The bodies cycle
// through 4096 distinct MsgIds while the clock moves past the dedupe window,
// so every delivery is new.
func benchWebhook(b *testing.B, safe bool) {
	clock := &fakeClock{now: t0}
	cfg := testConfig(clock)
	cfg.DedupeWindow = time.Hour
	a := New(cfg, nopReceiver{})
	const n = 4096
	bodies := make([][]byte, n)
	queries := make([]string, n)
	for i := range bodies {
		msg := textMsg("oyORnuP8q7ou2gfYjqLzSIWZf0rs", fmt.Sprint(6054768590064713728+i), benchText)
		if safe {
			enc := encryptMsg(b, msg)
			bodies[i], queries[i] = safeBody(enc), safeQuery(enc).Encode()
		} else {
			bodies[i], queries[i] = msg, plainQuery().Encode()
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/wechat", nil)
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
		req.URL.RawQuery = queries[k]
		clock.now = clock.now.Add(time.Second)
		a.ServeHTTP(w, req)
		if w.code != 200 {
			b.Fatalf("status %d", w.code)
		}
	}
	if s := a.Stats(); s.Duplicates != 0 || s.Rejected != 0 {
		b.Fatalf("stats %+v", s)
	}
}

// BenchmarkWebhookPlain measures a plaintext-mode text message: signature
// check, read, XML decode, dedupe, Receive.
func BenchmarkWebhookPlain(b *testing.B) { benchWebhook(b, false) }

// BenchmarkWebhookSafe measures a safe-mode text message: both signatures,
// the envelope's decode, base64, AES-CBC decryption and the inner decode.
func BenchmarkWebhookSafe(b *testing.B) { benchWebhook(b, true) }

// BenchmarkSend measures one text send with a cached token through an
// in-process API handler (no sockets).
func BenchmarkSend(b *testing.B) {
	answer := []byte(`{"errcode":0,"errmsg":"ok"}`)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/cgi-bin/token" {
			io.WriteString(w, `{"access_token":"T","expires_in":7200}`)
			return
		}
		w.Write(answer)
	})
	cfg := testConfig(&fakeClock{now: t0})
	cfg.BaseURL = "http://wechat.test"
	cfg.Client = &http.Client{Transport: handlerTransport{handler}}
	a := New(cfg, nopReceiver{})
	ctx := context.Background()
	to := customer("oyORnuP8q7ou2gfYjqLzSIWZf0rs")
	m := router.Outbound{Kind: router.KindText, Text: "Hi, your order #4711 left our warehouse today and arrives tomorrow."}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Send(ctx, to, m); err != nil {
			b.Fatal(err)
		}
	}
	if s := a.Stats(); s.TokenFetches != 1 {
		b.Fatalf("stats %+v", s)
	}
}
