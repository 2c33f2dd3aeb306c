package businessmessages

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
)

// answer is one canned answer of the send API: a status and Google's
// envelope; accept makes the API take the message before answering.
type answer struct {
	status int
	code   string
	accept bool
}

// sendAPI answers sends from a script of answers, recording the
// messageId of each try and the messageIds it accepted.
type sendAPI struct {
	script   []answer
	tries    []string
	accepted map[string]bool
	tokens   int
}

func (s *sendAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	if r.URL.Path == "/token" {
		s.tokens++
		w.Write([]byte(`{"access_token":"ya29.t","expires_in":3599,"token_type":"Bearer"}`))
		return
	}
	id := r.URL.Query().Get("messageId")
	s.tries = append(s.tries, id)
	a := answer{status: 200, accept: true}
	if len(s.script) > 0 {
		a, s.script = s.script[0], s.script[1:]
	}
	if s.accepted[id] {
		a = answer{status: 409, code: "ALREADY_EXISTS"}
	} else if a.accept {
		s.accepted[id] = true
	}
	if a.status != 200 {
		w.WriteHeader(a.status)
		w.Write([]byte(`{"error":{"code":` + strconv.Itoa(a.status) + `,"message":"m","status":"` + a.code + `"}}`))
		return
	}
	w.Write([]byte(`{}`))
}

// Send retries transient refusals with the same messageId, at most
// SendTries times; an ALREADY_EXISTS on a retry (an earlier try was
// accepted, its answer lost) is success, on the first try an error.
func TestSendRetries(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script []answer
		tries  int
		code   string // the error's code; "" for success
	}{
		{"ok", nil, 1, ""},
		{"throttled once", []answer{{429, "RESOURCE_EXHAUSTED", false}}, 2, ""},
		{"unavailable then internal", []answer{{503, "UNAVAILABLE", false}, {500, "INTERNAL", false}}, 3, ""},
		{"always unavailable", []answer{{503, "UNAVAILABLE", false}, {503, "UNAVAILABLE", false}, {503, "UNAVAILABLE", false}, {200, "", true}}, SendTries, "UNAVAILABLE"},
		{"accepted, answer lost", []answer{{500, "INTERNAL", true}}, 2, ""},
		{"not transient", []answer{{400, "FAILED_PRECONDITION", false}}, 1, "FAILED_PRECONDITION"},
		{"already exists at once", []answer{{409, "ALREADY_EXISTS", false}}, 1, "ALREADY_EXISTS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &sendAPI{script: tc.script, accepted: map[string]bool{}}
			srv := httptest.NewServer(api)
			defer srv.Close()
			a := New(Config{AgentID: "A", ClientToken: clientToken, BaseURL: srv.URL, Clock: func() time.Time { return t0 },
				ServiceAccount: testAccount(t, srv.URL+"/token")}, &recv{})
			id, err := a.Send(context.Background(), router.CustomerKey{Channel: Channel, Account: "A", Customer: "c1"},
				router.Outbound{Kind: router.KindText, Text: "hi"})
			if len(api.tries) != tc.tries {
				t.Fatalf("%d tries, want %d", len(api.tries), tc.tries)
			}
			for _, got := range api.tries {
				if got != api.tries[0] {
					t.Fatalf("tries with messageIds %v, not one", api.tries)
				}
			}
			var pe *router.PlatformError
			switch {
			case tc.code == "" && (err != nil || id != api.tries[0]):
				t.Fatalf("Send = %q, %v; want %s", id, err, api.tries[0])
			case tc.code != "" && (!errors.As(err, &pe) || pe.Code != tc.code):
				t.Fatalf("Send error %v, want %s", err, tc.code)
			}
		})
	}
}

// A late webhook's message carries Google's createTime as Inbound.Sent.
func TestInboundSent(t *testing.T) {
	a, r := newAdapter(t)
	late := strings.Replace(message, `"createTime":"2024-03-04T10:00:00Z"`, `"createTime":"2024-03-04T09:58:30.25Z"`, 1)
	hook(a, late, sign(late))
	if len(r.in) != 1 || !r.in[0].Sent.Equal(time.Date(2024, 3, 4, 9, 58, 30, 250e6, time.UTC)) {
		t.Fatalf("inbound %+v", r.in)
	}
	if !createTime("yesterday").IsZero() {
		t.Fatal("an unreadable createTime gives a time")
	}
}

// SaveState and RestoreState: the new adapter drops a requestId the old
// one routed, goes on with the old one's messageIds and counters, and
// uses its cached token without fetching one.
func TestStateRoundTrip(t *testing.T) {
	api := &sendAPI{accepted: map[string]bool{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	now := t0
	cfg := Config{AgentID: "A", Agent: "brands/B/agents/A", ClientToken: clientToken, BaseURL: srv.URL, Seed: 7,
		Clock: func() time.Time { return now }, ServiceAccount: testAccount(t, srv.URL+"/token")}
	to := router.CustomerKey{Channel: Channel, Account: "A", Customer: "c1"}
	r1 := &recv{}
	old := New(cfg, r1)
	hook(old, message, sign(message))
	if _, err := old.Send(context.Background(), to, router.Outbound{Kind: router.KindText, Text: "one"}); err != nil {
		t.Fatal(err)
	}
	state, err := old.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	r2 := &recv{}
	a := New(cfg, r2)
	if err := a.RestoreState(state); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Stats(), old.Stats()) {
		t.Fatalf("stats %+v, want %+v", a.Stats(), old.Stats())
	}
	now = now.Add(time.Minute)
	if w := hook(a, message, sign(message)); w.Code != 200 || len(r2.in) != 0 || a.Stats().Duplicates != 1 {
		t.Fatalf("a retry after the restart: %d, %d routed, stats %+v", w.Code, len(r2.in), a.Stats())
	}
	if _, err := a.Send(context.Background(), to, router.Outbound{Kind: router.KindText, Text: "two"}); err != nil {
		t.Fatalf("the second send: %v (messageIds %v)", err, api.tries)
	}
	if want := old.NewMessageID(); api.tries[1] != want || api.tries[0] == api.tries[1] {
		t.Fatalf("messageIds %v; the restored stream should give %s", api.tries, want)
	}
	if api.tokens != 1 {
		t.Fatalf("%d token fetches: the cached token was not kept", api.tokens)
	}
	// The dedupe window still counts from when the id was first seen.
	now = t0.Add(DefaultDedupeWindow)
	if hook(a, message, sign(message)); len(r2.in) != 1 {
		t.Fatal("a requestId older than the window is still dropped")
	}
	for _, bad := range []string{"{", `{"version":2}`} {
		if err := New(cfg, r2).RestoreState([]byte(bad)); err == nil {
			t.Fatalf("RestoreState(%s) = nil", bad)
		}
	}
	if err := a.RestoreState(state); err == nil {
		t.Fatal("restored into an adapter in use")
	}
}

// RestoreState never panics on any input; a state it takes is saved
// again as it was read, and a webhook after it is handled.
func FuzzRestoreState(f *testing.F) {
	f.Add([]byte(`{"version":1,"seen":[{"key":"r1","at":1709546400000000000}],"ids":7,"stats":{"Received":1},"token":"ya29.t","token_exp":"2024-03-04T11:00:00Z"}`))
	f.Add([]byte(`{"version":1,"seen":null}`))
	f.Add([]byte(`{"version":2}`))
	f.Fuzz(func(t *testing.T, state []byte) {
		a, r := newAdapter(t)
		if err := a.RestoreState(state); err != nil {
			return
		}
		saved, err := a.SaveState()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := newAdapter(t)
		if err := b.RestoreState(saved); err != nil {
			t.Fatalf("a saved state is refused: %v\n%s", err, saved)
		}
		if again, _ := b.SaveState(); string(again) != string(saved) {
			t.Fatalf("saved twice differently:\n%s\n%s", saved, again)
		}
		hook(a, message, sign(message))
		if len(r.in) > 1 {
			t.Fatalf("%d messages routed from one webhook", len(r.in))
		}
	})
}
