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

// TestWebhookHeaderKeptApart: a receiver that writes over the header of
// the request it is handed, in the same process, does not change what the
// next webhook carries.
func TestWebhookHeaderKeptApart(t *testing.T) {
	var sigs, types, agents []string
	var bodies [][]byte
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		sigs, bodies = append(sigs, r.Header.Get("X-Hub-Signature-256")), append(bodies, b)
		types, agents = append(types, r.Header.Get("Content-Type")), append(agents, r.Header.Get("User-Agent"))
		// Each webhook's receiver changes one entry of its header.
		switch len(sigs) % 3 {
		case 1:
			r.Header.Set("X-Hub-Signature-256", "sha256=00")
		case 2:
			r.Header.Set("Content-Type", "text/plain")
		case 0:
			r.Header.Set("User-Agent", "changed")
		}
	})
	s, _ := newTest(Config{WebhookURL: "http://router.test/webhook", Client: &http.Client{Transport: inProcess{h}}})
	for i := range 7 {
		if _, err := s.CustomerText(context.Background(), cust, "Ann", fmt.Sprint("hello ", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i, b := range bodies {
		if types[i] != "application/json" || agents[i] != "facebookexternalua" {
			t.Errorf("webhook %d: Content-Type %q, User-Agent %q", i, types[i], agents[i])
		}
		if sigs[i] != Sign(DefaultAppSecret, b) {
			t.Errorf("webhook %d: signature %q, want %q", i, sigs[i], Sign(DefaultAppSecret, b))
		}
	}
}
