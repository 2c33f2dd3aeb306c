package whatsapp

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/omnisim/omnisim/router"
)

func TestMarkRead(t *testing.T) {
	const wamid = "wamid.HBgLMTY1MDU1NTEyMzQVAgASGCAyQjRDM0RFNERGRjM5RDlBRDJGQkJEN0RDNjk1QjJBOQA="
	const unknown = `{"error":{"message":"(#131009) Parameter value is not valid","type":"OAuthException","code":131009,"error_data":{"messaging_product":"whatsapp","details":"Param message_id is not valid."},"fbtrace_id":"AbC"}}`
	tests := []struct {
		name       string
		id         string
		status     int
		answer     string
		want       *router.PlatformError // nil: success or an ordinary error
		wantErr    string                // substring of an ordinary error; "" for success
		wantCalled bool
	}{
		{name: "read", id: wamid, status: 200, answer: `{"success":true}`, wantCalled: true},
		{name: "unknown message", id: "wamid.nope", status: 400, answer: unknown,
			want: &router.PlatformError{Code: "131009", HTTPStatus: 400, Message: "Param message_id is not valid."}, wantCalled: true},
		{name: "success false", id: wamid, status: 200, answer: `{"success":false}`, wantErr: "unexpected answer", wantCalled: true},
		{name: "not JSON", id: wamid, status: 200, answer: `ok`, wantErr: "unexpected answer", wantCalled: true},
		{name: "non-Graph error", id: wamid, status: 502, answer: `<html>`, wantErr: "HTTP 502", wantCalled: true},
		{name: "empty id", id: "", wantErr: "empty message id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				b, _ := io.ReadAll(r.Body)
				if r.Method != http.MethodPost || r.URL.Path != "/v21.0/"+testPhoneID+"/messages" {
					t.Errorf("%s %s", r.Method, r.URL.Path)
				}
				if r.Header.Get("Authorization") != "Bearer "+testToken || r.Header.Get("Content-Type") != "application/json" {
					t.Errorf("headers %v", r.Header)
				}
				want := `{"messaging_product":"whatsapp","status":"read","message_id":"` + tc.id + `"}`
				if string(b) != want {
					t.Errorf("body\n got %s\nwant %s", b, want)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.answer)
			}))
			defer srv.Close()
			a := New(Config{AccessToken: testToken, PhoneNumberID: testPhoneID, BaseURL: srv.URL}, &recorder{})
			err := a.MarkRead(context.Background(), tc.id)
			if called != tc.wantCalled {
				t.Fatalf("called %v, want %v", called, tc.wantCalled)
			}
			var pe *router.PlatformError
			switch {
			case tc.want != nil:
				if !errors.As(err, &pe) || *pe != *tc.want {
					t.Fatalf("error %#v, want %#v", err, tc.want)
				}
			case tc.wantErr != "":
				if err == nil || errors.As(err, &pe) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want an ordinary error with %q", err, tc.wantErr)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestMarkReadTransportError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	a := New(Config{AccessToken: testToken, PhoneNumberID: testPhoneID, BaseURL: "http://" + addr}, &recorder{})
	err = a.MarkRead(context.Background(), "wamid.X")
	var pe *router.PlatformError
	if err == nil || errors.As(err, &pe) {
		t.Fatalf("error %v, want a transport error", err)
	}
}
