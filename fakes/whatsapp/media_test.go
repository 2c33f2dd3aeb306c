package whatsapp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// uploadBytes uploads content as a file of MIME type typ.
func uploadBytes(t *testing.T, s *Server, typ string, content []byte) string {
	t.Helper()
	ct, body := uploadBodyBytes(typ, content)
	w := do(s, "POST", media, ct, body, bearer)
	var r MediaResponse
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &r) != nil || r.ID == "" {
		t.Fatalf("upload: %d %s", w.Code, w.Body)
	}
	return r.ID
}

// getMediaURL asks for a media's URL through an HTTP client.
func getMediaURL(t *testing.T, base, id, auth string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/v21.0/"+id, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, b
}

func fetch(t *testing.T, u, auth string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, b
}

func TestMediaDownload(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("pixel"), 2000)...)
	tests := []struct {
		name  string
		store int64
		add   func(t *testing.T, s *Server) string // returns the media id
		mime  string
		want  []byte // the served content
	}{
		{name: "uploaded bytes are kept", add: func(t *testing.T, s *Server) string { return uploadBytes(t, s, "image/png", png) },
			mime: "image/png", want: png},
		{name: "zero bytes take no room", store: 10, add: func(t *testing.T, s *Server) string {
			return uploadBytes(t, s, "application/pdf", make([]byte, 70000))
		}, mime: "application/pdf", want: make([]byte, 70000)},
		{name: "too large for the store: zeros", store: 1000, add: func(t *testing.T, s *Server) string { return uploadBytes(t, s, "image/png", png) },
			mime: "image/png", want: make([]byte, len(png))},
		{name: "store disabled: zeros", store: -1, add: func(t *testing.T, s *Server) string { return uploadBytes(t, s, "audio/ogg", []byte("OggS....")) },
			mime: "audio/ogg", want: make([]byte, 8)},
		{name: "empty file", add: func(t *testing.T, s *Server) string { return uploadBytes(t, s, "text/plain", nil) },
			mime: "text/plain", want: []byte{}},
		{name: "customer media", add: func(t *testing.T, s *Server) string {
			var id string
			rt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var p WebhookPayload
				b, _ := io.ReadAll(r.Body)
				json.Unmarshal(b, &p)
				m := p.Entry[0].Changes[0].Value.Messages[0]
				id = m.Document.ID
				if sum := sha256.Sum256(make([]byte, 1234)); m.Document.SHA256 != hex.EncodeToString(sum[:]) {
					t.Errorf("webhook sha256 %s", m.Document.SHA256)
				}
			}))
			defer rt.Close()
			s.cfg.WebhookURL = rt.URL
			if _, err := s.CustomerMedia(context.Background(), cust, "S", "document", "pdf", "", 1234); err != nil {
				t.Fatal(err)
			}
			return id
		}, mime: "application/pdf", want: make([]byte, 1234)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{MediaStore: tc.store})
			if err := s.Start(); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			id := tc.add(t, s)

			resp, b := getMediaURL(t, s.URL, id, bearer)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			var m MediaURLResponse
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(tc.want)
			if m.MessagingProduct != "whatsapp" || m.ID != id || m.MimeType != tc.mime || m.FileSize != int64(len(tc.want)) ||
				m.SHA256 != hex.EncodeToString(sum[:]) || !strings.HasPrefix(m.URL, s.URL+downloadPrefix) {
				t.Fatalf("%+v", m)
			}
			if !strings.Contains(string(b), `"url":"http:\/\/127.0.0.1`) || !strings.Contains(string(b), `"file_size":`+strconv.Itoa(len(tc.want))+`,`) {
				t.Errorf("wire form %s", b)
			}

			resp, got := fetch(t, m.URL, bearer, nil)
			if resp.StatusCode != 200 || !bytes.Equal(got, tc.want) || resp.Header.Get("Content-Type") != tc.mime ||
				resp.Header.Get("Content-Length") != strconv.Itoa(len(tc.want)) {
				t.Fatalf("download %d %q, %d bytes", resp.StatusCode, resp.Header, len(got))
			}
			if got := sha256.Sum256(got); hex.EncodeToString(got[:]) != m.SHA256 {
				t.Fatal("sha256 does not match the content")
			}
			if len(tc.want) > 10 {
				resp, part := fetch(t, m.URL, bearer, map[string]string{"Range": "bytes=2-5"})
				if resp.StatusCode != 206 || !bytes.Equal(part, tc.want[2:6]) {
					t.Errorf("range: %d %q", resp.StatusCode, part)
				}
			}
		})
	}
}

func TestMediaDownloadErrors(t *testing.T) {
	s := New(Config{})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id := uploadBytes(t, s, "image/jpeg", []byte("jpeg data"))
	_, b := getMediaURL(t, s.URL, id, bearer)
	var m MediaURLResponse
	json.Unmarshal(b, &m)
	u, _ := url.Parse(m.URL)

	api := []struct {
		name, path, method, auth string
		status, code, subcode    int
	}{
		{"no token", "/v21.0/" + id, "GET", "", 401, 190, 0},
		{"wrong token", "/v21.0/" + id, "GET", "Bearer nope", 401, 190, 0},
		{"unknown id", "/v21.0/4242", "GET", bearer, 400, 100, 33},
		{"delete not modelled", "/v21.0/" + id, "DELETE", bearer, 400, 100, 33},
		{"post to media id", "/v21.0/" + id, "POST", bearer, 400, 100, 33},
		{"other phone number", "/v21.0/" + id + "?phone_number_id=1", "GET", bearer, 400, 100, 0},
		{"no version", "/" + id, "GET", bearer, 400, 2500, 0},
	}
	for _, tc := range api {
		t.Run(tc.name, func(t *testing.T) {
			w := do(s, tc.method, tc.path, "", nil, tc.auth)
			e := wantError(t, w, tc.status, tc.code)
			if e.ErrorSubcode != tc.subcode {
				t.Errorf("subcode %d", e.ErrorSubcode)
			}
		})
	}
	// With the matching phone_number_id it works.
	if w := do(s, "GET", "/v21.0/"+id+"?phone_number_id="+DefaultPhoneNumberID, "", nil, bearer); w.Code != 200 {
		t.Errorf("%d %s", w.Code, w.Body)
	}

	dl := []struct {
		name, path, method, auth string
		status                   int
	}{
		{"ok", u.Path, "GET", bearer, 200},
		{"head", u.Path, "HEAD", bearer, 200},
		{"token in query", u.Path + "?access_token=" + DefaultAccessToken, "GET", "", 200},
		{"no token", u.Path, "GET", "", 401},
		{"wrong token", u.Path, "GET", "Bearer nope", 401},
		{"tampered tag", u.Path + "0", "GET", bearer, 404},
		{"id without tag", downloadPrefix + id, "GET", bearer, 404},
		{"unknown id", downloadPrefix + "4242-" + s.downloadTag("4242"), "GET", bearer, 404},
		{"post", u.Path, "POST", bearer, 405},
	}
	for _, tc := range dl {
		t.Run("download "+tc.name, func(t *testing.T) {
			before := s.Counts().Requests
			w := do(s, tc.method, tc.path, "", nil, tc.auth)
			if w.Code != tc.status {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if tc.status == 200 && tc.method == "GET" && w.Body.String() != "jpeg data" {
				t.Errorf("body %q", w.Body)
			}
			if tc.status != 200 && strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
				t.Errorf("download error as JSON: %s", w.Body)
			}
			j := s.Journal()
			if s.Counts().Requests != before+1 || j.Requests[len(j.Requests)-1].Status != tc.status {
				t.Errorf("journal %+v", j.Requests[len(j.Requests)-1])
			}
		})
	}
}

// TestMediaURLHost: the URL is built from the Host the request came to
// (and X-Forwarded-Proto), so that a client reaching the fake under another
// name can follow it.
func TestMediaURLHost(t *testing.T) {
	s := New(Config{})
	id := uploadBytes(t, s, "image/png", []byte("x"))
	tests := []struct {
		host, proto, tls string
		want             string
	}{
		{host: "omnisim.example:8080", want: "http://omnisim.example:8080" + downloadPrefix},
		{host: "graph.local", proto: "https", want: "https://graph.local" + downloadPrefix},
		{host: "[::1]:9", want: "http://[::1]:9" + downloadPrefix},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", "/v21.0/"+id, nil)
		r.Host = tc.host
		r.Header.Set("Authorization", bearer)
		if tc.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		var m MediaURLResponse
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || !strings.HasPrefix(m.URL, tc.want) {
			t.Errorf("%s: url %q, want prefix %q (%v)", tc.host, m.URL, tc.want, err)
		}
		// Following it on the same handler gives the file.
		u, _ := url.Parse(m.URL)
		if w := do(s, "GET", u.Path, "", nil, bearer); w.Code != 200 || w.Body.String() != "x" {
			t.Errorf("%s: download %d %q", tc.host, w.Code, w.Body)
		}
	}
}

// TestMediaStoreBudget: kept content counts against MediaStore; once it is
// used up, further files are served as zeros (with a matching sha256).
func TestMediaStoreBudget(t *testing.T) {
	s := New(Config{MediaStore: 100})
	a := uploadBytes(t, s, "text/plain", bytes.Repeat([]byte("a"), 60))
	b := uploadBytes(t, s, "text/plain", bytes.Repeat([]byte("b"), 60)) // does not fit any more
	c := uploadBytes(t, s, "text/plain", bytes.Repeat([]byte("c"), 40)) // fits exactly
	for id, want := range map[string]string{a: strings.Repeat("a", 60), b: string(make([]byte, 60)), c: strings.Repeat("c", 40)} {
		w := do(s, "GET", "/v21.0/"+id, "", nil, bearer)
		var m MediaURLResponse
		json.Unmarshal(w.Body.Bytes(), &m)
		u, _ := url.Parse(m.URL)
		got := do(s, "GET", u.Path, "", nil, bearer).Body.String()
		sum := sha256.Sum256([]byte(want))
		if got != want || m.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: got %q sha %s", id, got, m.SHA256)
		}
	}
}

func TestKeeper(t *testing.T) {
	big := strings.Repeat("y", 5000)
	tests := []struct {
		name   string
		limit  int64
		room   int64 // the body's length; -1 unknown
		chunks []string
		kept   string // "" means nil
	}{
		{"fits", 10, -1, []string{"ab", "cd"}, "abcd"},
		{"zeros are not kept", 10, -1, []string{"\x00\x00", "\x00"}, ""},
		{"zeros then data", 10, -1, []string{"\x00\x00", "x"}, "\x00\x00x"},
		{"data then zeros", 10, -1, []string{"x", "\x00\x00"}, "x\x00\x00"},
		{"over the limit", 3, -1, []string{"ab", "cd"}, ""},
		{"exactly the limit", 4, -1, []string{"ab", "cd"}, "abcd"},
		{"no room", 0, -1, []string{"a"}, ""},
		{"empty", 10, -1, nil, ""},
		{"the body's length", 1 << 20, 10010, []string{big, big}, big + big},
		{"the body's length past the limit", 10000, 1 << 20, []string{big, big}, big + big},
		{"a body much longer than the file", 1 << 20, 1 << 20, []string{"ab"}, "ab"},
		{"zeros, then data, in a known body", 1 << 20, 10010, []string{"\x00\x00", big}, "\x00\x00" + big},
	}
	for _, tc := range tests {
		k := keeper{limit: tc.limit, room: tc.room}
		for _, c := range tc.chunks {
			if n, err := k.Write([]byte(c)); n != len(c) || err != nil {
				t.Fatal(n, err)
			}
		}
		got := k.kept()
		if (got == nil) != (tc.kept == "") || string(got) != tc.kept {
			t.Errorf("%s: kept %q, want %q", tc.name, got, tc.kept)
		}
		// What is kept holds little more than the file.
		if c := cap(got); c > len(got)+len(got)/8+4096 {
			t.Errorf("%s: kept %d bytes in a buffer of %d", tc.name, len(got), c)
		}
	}
}

// TestUploadAllocation: an upload whose request tells its length
// allocates less than twice the file (its buffer grows four times at a
// step and ends at the body's length; grown step by step it allocated five
// times the file), and a request that claims far more than it sends makes
// the fake allocate a few times what came, not what it claimed.
func TestUploadAllocation(t *testing.T) {
	allocated := func(body []byte, ct string, claim int64) uint64 {
		s := New(Config{Seed: 1})
		r := httptest.NewRequest("POST", media, bytes.NewReader(body))
		r.Header.Set("Authorization", bearer)
		r.Header.Set("Content-Type", ct)
		if claim > 0 {
			// The body ends early: the handler meets an error, having
			// read what came.
			r.ContentLength = claim
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s.ServeHTTP(httptest.NewRecorder(), r)
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	const size = 8 << 20
	ct, body := uploadBody("whatsapp", "application/pdf", "", size, true)
	if got := allocated(body, ct, 0); got > 2*size {
		t.Errorf("an upload of %d bytes allocated %d bytes", size, got)
	}
	ct, body = uploadBody("whatsapp", "application/pdf", "", 1000, true)
	if got := allocated(body, ct, 60<<20); got > 1<<20 {
		t.Errorf("a file of 1,000 bytes in a body said to be 60 MiB allocated %d bytes", got)
	}
}
