package console

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	tests := []struct {
		method, path string
		status       int
		contentType  string
		body         string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", "<title>omnisim console</title>"},
		{"HEAD", "/", 200, "text/html; charset=utf-8", ""},
		{"GET", "/console.css", 200, "text/css; charset=utf-8", ":root"},
		{"GET", "/console.js", 200, "text/javascript; charset=utf-8", `"use strict"`},
		{"GET", "/index.html", 301, "", ""},
		{"GET", "/secret.go", 404, "", "not found"},
		{"POST", "/", 405, "", "method not allowed"},
		{"DELETE", "/console.js", 405, "", "method not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Handler.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != tt.status {
				t.Fatalf("HTTP %d, want %d", rec.Code, tt.status)
			}
			if tt.contentType != "" && rec.Header().Get("Content-Type") != tt.contentType {
				t.Errorf("Content-Type %q, want %q", rec.Header().Get("Content-Type"), tt.contentType)
			}
			if !strings.Contains(rec.Body.String(), tt.body) {
				t.Errorf("body %.100q lacks %q", rec.Body.String(), tt.body)
			}
			if tt.status == http.StatusOK && !strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'self'") {
				t.Errorf("no content security policy")
			}
		})
	}
}

func TestServes(t *testing.T) {
	for path, want := range map[string]bool{"/": true, "/console.js": true, "/whatsapp/api": false, "/_omnisim/health": false, "/console.js/": false} {
		if got := Serves(path); got != want {
			t.Errorf("Serves(%q) = %v, want %v", path, got, want)
		}
	}
}
