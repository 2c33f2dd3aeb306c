package whatsapp

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// inProcess serves each request with h in the caller's goroutine, the
// request itself (its header map included) handed to the handler, as the
// simulator's memory network does.
type inProcess struct{ h http.Handler }

func (p inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// TestWebhookHeaderKeptApart: a receiver that writes over the signature
// in the header of the request it is handed, in the same process, does
// not change what the next webhook carries.
func TestWebhookHeaderKeptApart(t *testing.T) {
	var sigs []string
	var bodies [][]byte
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		sigs, bodies = append(sigs, r.Header.Get("X-Hub-Signature-256")), append(bodies, b)
		r.Header.Set("X-Hub-Signature-256", "sha256=00")
	})
	s, _ := newTest(Config{WebhookURL: "http://router.test/webhook", Client: &http.Client{Transport: inProcess{h}}})
	for i := range 3 {
		if _, err := s.CustomerText(context.Background(), cust, "Ann", fmt.Sprint("hello ", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i, b := range bodies {
		if sigs[i] != Sign(DefaultAppSecret, b) {
			t.Errorf("webhook %d: signature %q, want %q", i, sigs[i], Sign(DefaultAppSecret, b))
		}
	}
}
