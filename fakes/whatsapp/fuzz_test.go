package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzSendAPI feeds arbitrary requests to ServeHTTP: it must never panic,
// every non-2xx answer must be a valid Graph error envelope, every 2xx answer
// valid JSON, and for sends Check must agree with the wire answer.
func FuzzSendAPI(f *testing.F) {
	f.Add("POST", msgs, "application/json", true, []byte(`{"messaging_product":"whatsapp","recipient_type":"individual","to":"+16505551234","type":"text","text":{"preview_url":true,"body":"hello"}}`))
	f.Add("POST", msgs, "application/json", true, []byte(`{"messaging_product":"whatsapp","to":"447911123456","type":"text","text":{"body":"closed window"}}`))
	f.Add("POST", msgs, "application/json", true, []byte(`{"messaging_product":"whatsapp","to":"16505551234","type":"template","template":{"name":"hello_world","language":{"code":"en_US","policy":"deterministic"},"components":[{"type":"body","parameters":[{"type":"text","text":"Ann"}]}]}}`))
	f.Add("POST", msgs, "application/json", true, []byte(`{"messaging_product":"whatsapp","to":"16505551234","type":"image","image":{"id":"1000000000000001","caption":"c"}}`))
	f.Add("POST", msgs, "application/json", true, []byte(`{"messaging_product":"whatsapp","to":"16505551234","type":"document","document":{"link":"https://x.example/a.pdf","filename":"a.pdf"}}`))
	f.Add("POST", msgs, "application/json", true, []byte(`{"messaging_product":"whatsapp","status":"read","message_id":"$IN"}`))
	f.Add("POST", msgs, "application/json", true, []byte(`{"messaging_product":"whatsapp","status":"read","message_id":"wamid.HBgLMTY1MDU1NTEyMzQVAgASGCA"}`))
	f.Add("POST", msgs, "application/json", true, []byte(`{"messaging_product":"whatsapp","to":"+1 (650) 555-1234","type":"text","text":{"body":"formatted"}}`))
	f.Add("GET", "/v21.0/1000000000000001", "", true, []byte(nil))
	f.Add("GET", "/media-download/1000000000000001-0", "", true, []byte(nil))
	f.Add("POST", msgs, "application/json", false, []byte(`{}`))
	f.Add("GET", "/v21.0/1/messages", "", true, []byte(nil))
	f.Add("POST", "/v21.0/"+DefaultPhoneNumberID+"/x/y", "", true, []byte(`[`))
	f.Add("POST", msgs, "application/json", true, []byte(`{"messaging_product":"whatsapp","to":"16505551234","type":"template","template":{"name":"order_update","language":{"code":"es"},"components":[{"type":"header","parameters":[{"type":"text","text":"A"}]},{"type":"body","parameters":[{"type":"text","text":"B"}]}]}}`))
	f.Add("POST", msgs, "application/json", true, []byte(`{"messaging_product":"whatsapp","to":"16505551234","type":"template","template":{"name":"order_update","language":{"code":"de"}}}`))
	f.Add("POST", msgs, "application/json", true, []byte(`{"messaging_product":"whatsapp","to":"447911123456","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`))
	f.Add("POST", "/v21.0/"+DefaultPhoneNumberID+"/whatsapp_business_profile", "application/json", true, []byte(`{"messaging_product":"whatsapp","vertical":"EDU","websites":["https://a.com"]}`))
	f.Add("GET", "/v21.0/"+DefaultPhoneNumberID+"/whatsapp_business_profile?fields=about,websites", "", true, []byte(nil))
	ct, b := uploadBody("whatsapp", "image/png", "", 64, true)
	f.Add("POST", media, ct, true, b)
	f.Fuzz(func(t *testing.T, method, path, ctype string, auth bool, body []byte) {
		s, _ := newTest(Config{Templates: []string{"hello_world"}, MaxTextLength: 50, Limits: Limits{
			Templates:     []TemplateSpec{{Name: "order_update", Languages: []string{"en_US", "es"}, Params: 2}},
			NotOnWhatsApp: []string{"+" + cust2},
		}})
		in, _ := s.CustomerText(context.Background(), cust, "Sheena", "hi")
		body = bytes.ReplaceAll(body, []byte("$IN"), []byte(in.ID))
		s.uploads["1000000000000001"] = &upload{kind: "image", format: "png", mime: "image/png", size: 10}

		u, err := url.ParseRequestURI(path)
		if err != nil {
			u = &url.URL{Path: path}
		}
		r := &http.Request{Method: method, URL: u, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)), Host: "graph.facebook.com"}
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		if auth {
			r.Header.Set("Authorization", bearer)
		}

		// Check's prediction, for requests that reach the send rules.
		var want *Error
		predicted := false
		var req SendRequest
		if auth && method == "POST" && (u.Path == msgs || u.Path == msgs+"/") && len(body) <= maxBody && json.Unmarshal(body, &req) == nil {
			want, predicted = s.Check(req), true
		}

		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if strings.HasPrefix(u.Path, downloadPrefix) {
			// Media bytes or a plain-text error, not Graph JSON.
			if w.Code != 200 && w.Code != 206 && w.Code != 401 && w.Code != 404 && w.Code != 405 && w.Code != 416 {
				t.Fatalf("download answered %d", w.Code)
			}
		} else if w.Code >= 200 && w.Code < 300 {
			if !json.Valid(w.Body.Bytes()) {
				t.Fatalf("2xx body is not JSON: %q", w.Body)
			}
		} else if _, err := graphError(w.Body.Bytes()); err != nil {
			t.Fatalf("status %d: %v: %q", w.Code, err, w.Body)
		}
		if predicted {
			switch {
			case want == nil || want.HTTPStatus == 200:
				if w.Code != 200 {
					t.Fatalf("Check accepted, wire answered %d %s", w.Code, w.Body)
				}
				if req.Status != "" {
					if w.Body.String() != `{"success":true}` {
						t.Fatalf("bad mark-as-read response %q", w.Body)
					}
					break
				}
				var resp SendResponse
				if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || len(resp.Messages) != 1 || resp.Contacts[0].Input != req.To {
					t.Fatalf("bad send response %q", w.Body)
				}
			default:
				e, _ := graphError(w.Body.Bytes())
				if w.Code != want.HTTPStatus || e.Code != want.Code || e.Details() != want.Details() {
					t.Fatalf("Check %+v, wire %d %s", want, w.Code, w.Body)
				}
			}
		}
		if c := s.Counts(); c.Requests != 1 {
			t.Fatalf("requests counted %d", c.Requests)
		}
	})
}
