package wechat

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

// BenchmarkSend measures a text send through ServeHTTP (token check, JSON,
// rules, delivery, journal).
func BenchmarkSend(b *testing.B) {
	s, _ := newTest(Config{ReplyLimit: -1, JournalLimit: 1000})
	s.mu.Lock()
	s.openMessageGrantLocked(cust, t0)
	s.cur = accessToken{value: "TOKEN", issued: t0.UnixNano()}
	s.mu.Unlock()
	body := []byte(`{"touser":"` + cust + `","msgtype":"text","text":{"content":"Hello, thanks for waiting. How can I help you today?"}}`)
	r := httptest.NewRequest("POST", PathSend+"?access_token=TOKEN", nil)
	w := &nopWriter{h: http.Header{}}
	rd := bytes.NewReader(body)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		rd.Reset(body)
		r.Body = io.NopCloser(rd)
		s.ServeHTTP(w, r)
		if i%1024 == 0 {
			s.mu.Lock()
			s.customers[cust].deliveries = ring[delivRec]{}
			s.mu.Unlock()
		}
	}
}

// answerSuccess is an in-memory router that answers "success".
type answerSuccess struct{}

func (answerSuccess) RoundTrip(r *http.Request) (*http.Response, error) {
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
	return &http.Response{StatusCode: 200, Body: io.NopCloser(bytes.NewReader([]byte("success"))), Header: http.Header{}, Request: r}, nil
}

// BenchmarkInboundSafe measures a safe-mode customer text: XML, AES
// envelope, signatures, the POST (in memory) and the journal.
func BenchmarkInboundSafe(b *testing.B) {
	s, _ := newTest(Config{Mode: Safe, WebhookURL: "http://router.invalid/wx", JournalLimit: 1000,
		Client: &http.Client{Transport: answerSuccess{}}})
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := s.CustomerText(ctx, cust, "Hallo, ich habe eine Frage zu meiner Bestellung 你好 😀"); err != nil {
			b.Fatal(err)
		}
	}
}
