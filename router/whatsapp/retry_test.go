package whatsapp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/omnisim/omnisim/router"
)

// scripted answers successive message posts with its statuses and bodies,
// then with success.
type scripted struct {
	mu      sync.Mutex
	answers [][2]string // status, body
	posts   int
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.posts++
	w.Header().Set("Content-Type", "application/json")
	if len(s.answers) == 0 {
		io.WriteString(w, `{"messaging_product":"whatsapp","contacts":[{"input":"16505555555","wa_id":"16505555555"}],"messages":[{"id":"wamid.OK"}]}`)
		return
	}
	a := s.answers[0]
	s.answers = s.answers[1:]
	switch a[0] {
	case "429":
		w.WriteHeader(http.StatusTooManyRequests)
	case "500":
		w.WriteHeader(http.StatusInternalServerError)
	case "400":
		w.WriteHeader(http.StatusBadRequest)
	}
	io.WriteString(w, a[1])
}

func TestSendRetriesTransientAnswers(t *testing.T) {
	const (
		throttled = `{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"error_data":{"messaging_product":"whatsapp","details":"Cloud API message throughput has been reached."},"fbtrace_id":"A"}}`
		pair      = `{"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","type":"OAuthException","code":131056,"fbtrace_id":"B"}}`
		broken    = `{"error":{"message":"(#131000) Something went wrong","type":"OAuthException","code":131000,"error_data":{"messaging_product":"whatsapp","details":"Something went wrong"},"fbtrace_id":"C"}}`
		window    = `{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"fbtrace_id":"D"}}`
	)
	for _, tc := range []struct {
		name     string
		answers  [][2]string
		wantCode string // "" for success
		posts    int
	}{
		{"throttled once", [][2]string{{"429", throttled}}, "", 2},
		{"throttled with HTTP 400 (throttle_status = 400)", [][2]string{{"400", throttled}, {"400", throttled}}, "", 3},
		{"throttled with HTTP 400 every time", [][2]string{{"400", throttled}, {"400", throttled}, {"400", throttled}}, "130429", SendTries},
		{"server error, then throttled", [][2]string{{"500", broken}, {"429", throttled}}, "", 3},
		{"always failing: SendTries posts", [][2]string{{"500", broken}, {"500", broken}, {"500", broken}, {"500", broken}}, "131000", SendTries},
		{"pair rate limit is not retried", [][2]string{{"429", pair}}, "131056", 1},
		{"window is not retried", [][2]string{{"400", window}}, "131047", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := &scripted{answers: tc.answers}
			srv := httptest.NewServer(g)
			t.Cleanup(srv.Close)
			a := New(Config{AppSecret: testSecret, AccessToken: testToken, PhoneNumberID: testPhoneID, BaseURL: srv.URL, Client: srv.Client()}, &recorder{})
			id, err := a.Send(context.Background(), customer("16505555555"), router.Outbound{Kind: router.KindText, Text: "hi"})
			if tc.wantCode == "" {
				if err != nil || id != "wamid.OK" {
					t.Fatalf("%q %v", id, err)
				}
			} else {
				var pe *router.PlatformError
				if !errors.As(err, &pe) || pe.Code != tc.wantCode || id != "" {
					t.Fatalf("%q %v, want code %s", id, err, tc.wantCode)
				}
			}
			if g.posts != tc.posts {
				t.Errorf("%d posts, want %d", g.posts, tc.posts)
			}
		})
	}
}
