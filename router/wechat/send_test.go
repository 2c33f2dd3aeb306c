package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"path"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
)

const testSecret = "app-secret"

// upload is what the fake API saw of a media upload.
type upload struct {
	Type     string // the type query parameter
	Field    string
	Filename string
	PartType string
	Size     int64
	AllZero  bool
}

// api is a WeChat API written for these tests: it issues numbered tokens,
// checks every request's token, and records message bodies and uploads.
type api struct {
	t  testing.TB
	mu sync.Mutex

	expiresIn   any    // expires_in of issued tokens; default 7200
	tokenAnswer string // when set, the token endpoint's answer
	tokens      int    // tokens issued
	valid       map[string]bool

	// sendCodes are errcodes answered to successive sends (then 0);
	// uploadCodes likewise for uploads.
	sendCodes   []int
	uploadCodes []int
	// sendAnswer, when set, is answered to every send with sendStatus.
	sendAnswer string
	sendStatus int

	deadTokenSends int // requests refused for an invalid token
	sends          []map[string]any
	rawSends       []string
	uploads        []upload
}

func newAPI(t testing.TB) (*api, *httptest.Server) {
	g := &api{t: t, valid: map[string]bool{}}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return g, srv
}

func (g *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := g.t
	g.mu.Lock()
	defer g.mu.Unlock()
	q := r.URL.Query()
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	if r.URL.Path == "/cgi-bin/token" {
		if r.Method != http.MethodGet || q.Get("grant_type") != "client_credential" || q.Get("appid") != testAppID || q.Get("secret") != testSecret {
			t.Errorf("token request %s %s", r.Method, r.URL)
		}
		if g.tokenAnswer != "" {
			io.WriteString(w, g.tokenAnswer)
			return
		}
		g.tokens++
		tok := fmt.Sprintf("TOKEN-%d", g.tokens)
		g.valid[tok] = true
		exp := g.expiresIn
		if exp == nil {
			exp = 7200
		}
		b, _ := json.Marshal(map[string]any{"access_token": tok, "expires_in": exp})
		w.Write(b)
		return
	}
	if r.Method != http.MethodPost {
		t.Errorf("%s %s", r.Method, r.URL.Path)
	}
	if !g.valid[q.Get("access_token")] {
		g.deadTokenSends++
		io.WriteString(w, `{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest rid: 1"}`)
		return
	}
	switch r.URL.Path {
	case "/cgi-bin/message/custom/send":
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
		raw, _ := io.ReadAll(r.Body)
		if int64(len(raw)) != r.ContentLength {
			t.Errorf("content length %d, body %d", r.ContentLength, len(raw))
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Errorf("send body %q: %v", raw, err)
		}
		g.sends = append(g.sends, m)
		g.rawSends = append(g.rawSends, string(raw))
		if g.sendAnswer != "" {
			w.WriteHeader(g.sendStatus)
			io.WriteString(w, g.sendAnswer)
			return
		}
		code := 0
		if len(g.sendCodes) > 0 {
			code, g.sendCodes = g.sendCodes[0], g.sendCodes[1:]
		}
		g.answer(w, code)
	case "/cgi-bin/media/upload":
		mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/form-data" {
			t.Errorf("upload content type %q", r.Header.Get("Content-Type"))
			return
		}
		u := upload{Type: q.Get("type")}
		mr := multipart.NewReader(r.Body, params["boundary"])
		n := 0
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("multipart: %v", err)
				return
			}
			n++
			u.Field, u.Filename, u.PartType = p.FormName(), p.FileName(), p.Header.Get("Content-Type")
			u.AllZero = true
			buf := make([]byte, 32<<10)
			for {
				k, err := p.Read(buf)
				for _, c := range buf[:k] {
					if c != 0 {
						u.AllZero = false
					}
				}
				u.Size += int64(k)
				if err != nil {
					break
				}
			}
		}
		if n != 1 {
			t.Errorf("%d parts, want 1", n)
		}
		g.uploads = append(g.uploads, u)
		code := 0
		if len(g.uploadCodes) > 0 {
			code, g.uploadCodes = g.uploadCodes[0], g.uploadCodes[1:]
		}
		if code != 0 {
			g.answer(w, code)
			return
		}
		fmt.Fprintf(w, `{"type":%q,"media_id":"MEDIA-%d","created_at":1700000000}`, u.Type, len(g.uploads))
	default:
		t.Errorf("path %s", r.URL.Path)
		http.NotFound(w, r)
	}
}

var errmsgs = map[int]string{
	40001: "invalid credential, access_token is invalid or not latest rid: 6650b0f3-1f2e4d1a-0c0e2b1f",
	42001: "access_token expired rid: 6650b0f3-1f2e4d1a-0c0e2b20",
	45015: "response out of time limit or subscription is canceled rid: 6650b0f3-1f2e4d1a-0c0e2b21",
	45047: "out of response count limit hint: [nMyH6a0c4f0590]",
	40004: "invalid media type rid: 1",
}

func (g *api) answer(w http.ResponseWriter, code int) {
	if code == 40001 || code == 42001 {
		// The token really is dead now.
		for k := range g.valid {
			delete(g.valid, k)
		}
	}
	msg := errmsgs[code]
	if code == 0 {
		msg = "ok"
	}
	b, _ := json.Marshal(map[string]any{"errcode": code, "errmsg": msg})
	w.Write(b)
}

func (g *api) counts() (tokens, sends, uploads int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.tokens, len(g.sends), len(g.uploads)
}

func newSendAdapter(t testing.TB, srv *httptest.Server) (*Adapter, *fakeClock) {
	clock := &fakeClock{now: t0}
	cfg := testConfig(clock)
	cfg.AppSecret = testSecret
	cfg.BaseURL = srv.URL + "/"
	cfg.Client = srv.Client()
	return New(cfg, &recorder{}), clock
}

func text(s string) router.Outbound { return router.Outbound{Kind: router.KindText, Text: s} }

func TestSendText(t *testing.T) {
	g, srv := newAPI(t)
	a, _ := newSendAdapter(t, srv)
	ctx := context.Background()
	for i, body := range []string{"Hello World", "<b>a & b</b> \"你好\" \u2028"} {
		id, err := a.Send(ctx, customer("o1"), text(body))
		if err != nil || id != fmt.Sprintf("wechat-%d", i+1) {
			t.Fatalf("send %d: %q, %v", i, id, err)
		}
	}
	want := `{"touser":"o1","msgtype":"text","text":{"content":"Hello World"}}`
	if g.rawSends[0] != want {
		t.Errorf("body\n got %s\nwant %s", g.rawSends[0], want)
	}
	// No HTML escaping.
	// (encoding/json always escapes U+2028 and U+2029.)
	if want := `{"touser":"o1","msgtype":"text","text":{"content":"<b>a & b</b> \"你好\" \u2028"}}`; g.rawSends[1] != want {
		t.Errorf("body\n got %s\nwant %s", g.rawSends[1], want)
	}
	if s := a.Stats(); s != (Stats{Sent: 2, TokenFetches: 1}) {
		t.Fatalf("stats %+v", s)
	}
	// Empty channel and account mean this adapter's; Kind "" means text.
	if _, err := a.Send(ctx, router.CustomerKey{Customer: "o2"}, router.Outbound{Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if g.sends[2]["touser"] != "o2" || g.sends[2]["msgtype"] != "text" {
		t.Fatalf("send %+v", g.sends[2])
	}
}

func TestTokenCaching(t *testing.T) {
	tests := []struct {
		name      string
		expiresIn any
		steps     []time.Duration // clock advance before each send
		fetches   int
	}{
		{"7200 s: cached until 5 min before expiry", 7200, []time.Duration{0, time.Hour, 54*time.Minute + 59*time.Second}, 1},
		{"7200 s: refreshed 5 min before expiry", 7200, []time.Duration{0, 6900 * time.Second}, 2},
		{"7200 s: refreshed again later", 7200, []time.Duration{0, 6900 * time.Second, 6899 * time.Second, time.Second}, 3},
		{"60 s: refreshed at half its life", 60, []time.Duration{0, 29 * time.Second, time.Second}, 2},
		{"0: used once", 0, []time.Duration{0, 0, 0}, 3},
		{"missing: used once", nil, []time.Duration{0, 0}, 2},
		{"negative: used once", -5, []time.Duration{0, 0}, 2},
		{"huge: capped, cached", int64(1) << 62, []time.Duration{0, 24 * 365 * time.Hour}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, srv := newAPI(t)
			g.expiresIn = tc.expiresIn
			if tc.expiresIn == nil {
				g.tokenAnswer = `{"access_token":"TOKEN-X"}`
				g.valid["TOKEN-X"] = true
			}
			a, clock := newSendAdapter(t, srv)
			for i, d := range tc.steps {
				clock.Advance(d)
				if _, err := a.Send(context.Background(), customer("o1"), text("x")); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
			if s := a.Stats(); s.TokenFetches != tc.fetches || s.Sent != len(tc.steps) {
				t.Fatalf("stats %+v, want %d fetches", s, tc.fetches)
			}
		})
	}
}

func TestTokenRefreshOnInvalidToken(t *testing.T) {
	tests := []struct {
		name     string
		codes    []int
		wantCode string // "" for success
		fetches  int
		sends    int
	}{
		{"40001 once", []int{40001}, "", 2, 2},
		{"42001 once", []int{42001}, "", 2, 2},
		{"40001 twice: one retry only", []int{40001, 40001}, "40001", 2, 2},
		{"42001 then 45047", []int{42001, 45047}, "45047", 2, 2},
		{"45047 is not retried", []int{45047}, "45047", 1, 1},
		{"45015 is not retried", []int{45015}, "45015", 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, srv := newAPI(t)
			g.sendCodes = tc.codes
			a, _ := newSendAdapter(t, srv)
			id, err := a.Send(context.Background(), customer("o1"), text("x"))
			if tc.wantCode == "" {
				if err != nil || id != "wechat-1" {
					t.Fatalf("%q %v", id, err)
				}
			} else {
				var pe *router.PlatformError
				if !errors.As(err, &pe) || pe.Code != tc.wantCode || pe.HTTPStatus != 200 || id != "" {
					t.Fatalf("%q %v", id, err)
				}
			}
			if tokens, sends, _ := g.counts(); tokens != tc.fetches || sends != tc.sends {
				t.Fatalf("%d token fetches, %d sends; want %d, %d", tokens, sends, tc.fetches, tc.sends)
			}
			if s := a.Stats(); s.TokenFetches != tc.fetches {
				t.Fatalf("stats %+v", s)
			}
			// A later send uses the refreshed token without fetching.
			if tc.wantCode == "" {
				if _, err := a.Send(context.Background(), customer("o1"), text("y")); err != nil {
					t.Fatal(err)
				}
				if tokens, _, _ := g.counts(); tokens != tc.fetches {
					t.Fatalf("%d fetches", tokens)
				}
			}
		})
	}
}

func TestConcurrentRefreshFetchesOnce(t *testing.T) {
	g, srv := newAPI(t)
	a, _ := newSendAdapter(t, srv)
	ctx := context.Background()
	if _, err := a.Send(ctx, customer("o1"), text("warm up")); err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	delete(g.valid, "TOKEN-1") // revoked behind the adapter's back: 40001
	g.mu.Unlock()
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := a.Send(ctx, customer("o1"), text("x")); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// Every send failed with the revoked token and was retried with the
	// one new token (the fake records only sends with a valid token).
	if tokens, sends, _ := g.counts(); tokens != 2 || sends != 17 {
		t.Fatalf("%d token fetches, %d sends; want 2, 17", tokens, sends)
	}
	if s := a.Stats(); s.Sent != 17 || s.TokenFetches != 2 {
		t.Fatalf("stats %+v", s)
	}
}

func TestFailedRefreshForgetsDeadToken(t *testing.T) {
	g, srv := newAPI(t)
	a, _ := newSendAdapter(t, srv)
	ctx := context.Background()
	if _, err := a.Send(ctx, customer("o1"), text("warm up")); err != nil {
		t.Fatal(err)
	}
	// The token dies and the refresh fails.
	g.mu.Lock()
	g.sendCodes = []int{40001}
	g.tokenAnswer = `{"errcode":-1,"errmsg":"system error"}`
	g.mu.Unlock()
	var pe *router.PlatformError
	if _, err := a.Send(ctx, customer("o1"), text("x")); !errors.As(err, &pe) || pe.Code != "-1" {
		t.Fatalf("error %v", err)
	}
	// The next send fetches a token first instead of trying the dead one.
	g.mu.Lock()
	g.tokenAnswer = ""
	g.mu.Unlock()
	if _, err := a.Send(ctx, customer("o1"), text("y")); err != nil {
		t.Fatal(err)
	}
	if g.deadTokenSends != 0 {
		t.Fatalf("%d sends with a dead token", g.deadTokenSends)
	}
	if s := a.Stats(); s != (Stats{Sent: 2, Failed: 1, TokenFetches: 3}) {
		t.Fatalf("stats %+v", s)
	}
}

func TestTokenErrors(t *testing.T) {
	tests := []struct {
		name     string
		answer   string
		wantCode string
		wantMsg  string
	}{
		{"invalid appid", `{"errcode":40013,"errmsg":"invalid appid"}`, "40013", "invalid appid"},
		{"invalid secret", `{"errcode":40125,"errmsg":"invalid appsecret, view more at http://t.cn/RAEkdVq rid: 1"}`, "40125", "invalid appsecret, view more at http://t.cn/RAEkdVq rid: 1"},
		{"ip whitelist", `{"errcode":40164,"errmsg":"invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist rid: 6650"}`, "40164", "invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist rid: 6650"},
		{"system busy", `{"errcode":-1,"errmsg":"system error"}`, "-1", "system error"},
		{"not JSON", `<html>busy</html>`, "", ""},
		{"no token", `{"expires_in":7200}`, "", ""},
		{"errcode 0 without token", `{"errcode":0,"errmsg":"ok"}`, "", ""},
		{"expires_in a string", `{"access_token":"T","expires_in":"7200"}`, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, srv := newAPI(t)
			g.tokenAnswer = tc.answer
			a, _ := newSendAdapter(t, srv)
			for i := range 2 {
				_, err := a.Send(context.Background(), customer("o1"), text("x"))
				var pe *router.PlatformError
				if tc.wantCode != "" {
					if !errors.As(err, &pe) || *pe != (router.PlatformError{Code: tc.wantCode, HTTPStatus: 200, Message: tc.wantMsg}) {
						t.Fatalf("error %#v", err)
					}
				} else if err == nil || errors.As(err, &pe) || !strings.HasPrefix(err.Error(), "wechat: access token: ") {
					t.Fatalf("error %v, want an ordinary token error", err)
				}
				if strings.Contains(err.Error(), testSecret) {
					t.Fatalf("error %q reveals the secret", err)
				}
				// A failed fetch is not cached: each send tries again.
				if s := a.Stats(); s.TokenFetches != i+1 || s.Failed != i+1 {
					t.Fatalf("stats %+v", s)
				}
			}
			if _, sends, _ := g.counts(); sends != 0 {
				t.Fatal("sent without a token")
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		answer   string
		wantCode string
		wantMsg  string
	}{
		{"quota", 200, `{"errcode":45047,"errmsg":"out of response count limit hint: [nMyH6a0c4f0590]"}`, "45047", "out of response count limit hint: [nMyH6a0c4f0590]"},
		{"window", 200, `{"errcode":45015,"errmsg":"response out of time limit or subscription is canceled rid: 1"}`, "45015", "response out of time limit or subscription is canceled rid: 1"},
		{"errcode on a 500", 500, `{"errcode":-1,"errmsg":"system error"}`, "-1", "system error"},
		// An unknown path's answer: HTTP 200 (the platform's default) or
		// 404 (unknown_path_status), recognised by its errcode either way.
		{"unknown path, 200", 200, `{"errcode":48001,"errmsg":"api unauthorized rid: 1"}`, "48001", "api unauthorized rid: 1"},
		{"unknown path, 404", 404, `{"errcode":48001,"errmsg":"api unauthorized rid: 1"}`, "48001", "api unauthorized rid: 1"},
		{"not JSON", 200, `ok`, "", ""},
		{"HTML error page", 502, `<html>Bad Gateway</html>`, "", ""},
		{"500 without errcode", 500, `{}`, "", ""},
		{"200 without errcode", 200, `{"errmsg":"ok"}`, "", ""},
		{"errcode 0 on a 503", 503, `{"errcode":0,"errmsg":"ok"}`, "", ""},
		{"errcode a string", 200, `{"errcode":"45047","errmsg":"x"}`, "", ""},
		{"empty", 200, ` `, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, srv := newAPI(t)
			g.sendAnswer, g.sendStatus = tc.answer, tc.status
			a, _ := newSendAdapter(t, srv)
			id, err := a.Send(context.Background(), customer("o1"), text("x"))
			var pe *router.PlatformError
			if tc.wantCode != "" {
				if !errors.As(err, &pe) || *pe != (router.PlatformError{Code: tc.wantCode, HTTPStatus: tc.status, Message: tc.wantMsg}) {
					t.Fatalf("error %#v", err)
				}
			} else if err == nil || errors.As(err, &pe) || !strings.HasPrefix(err.Error(), "wechat: send: ") {
				t.Fatalf("error %v, want an ordinary send error", err)
			}
			if id != "" || strings.Contains(err.Error(), "TOKEN-") {
				t.Fatalf("id %q, error %q", id, err)
			}
			if s := a.Stats(); s != (Stats{Failed: 1, TokenFetches: 1}) {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}

func TestTransportErrors(t *testing.T) {
	g, srv := newAPI(t)
	a, _ := newSendAdapter(t, srv)
	if _, err := a.Send(context.Background(), customer("o1"), text("x")); err != nil {
		t.Fatal(err)
	}
	_ = g
	srv.Close()
	_, err := a.Send(context.Background(), customer("o1"), text("x"))
	var pe *router.PlatformError
	if err == nil || errors.As(err, &pe) || !strings.HasPrefix(err.Error(), "wechat: send: ") {
		t.Fatalf("error %v", err)
	}
	if strings.Contains(err.Error(), "TOKEN-1") || strings.Contains(err.Error(), "access_token") {
		t.Fatalf("error %q reveals the token", err)
	}

	// A dead token endpoint: the secret must not show either.
	_, srv2 := newAPI(t)
	a2, _ := newSendAdapter(t, srv2)
	srv2.Close()
	_, err = a2.Send(context.Background(), customer("o1"), text("x"))
	if err == nil || strings.Contains(err.Error(), testSecret) || !strings.HasPrefix(err.Error(), "wechat: access token: ") {
		t.Fatalf("error %v", err)
	}

	// A canceled context.
	_, srv3 := newAPI(t)
	a3, _ := newSendAdapter(t, srv3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a3.Send(ctx, customer("o1"), text("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}

	// A bad base URL.
	a4 := New(Config{AppID: testAppID, BaseURL: "::not a url"}, &recorder{})
	if _, err := a4.Send(context.Background(), customer("o1"), text("x")); err == nil || !strings.Contains(err.Error(), "bad base URL") {
		t.Fatalf("error %v", err)
	}
}

func TestTokenWaitHonoursContext(t *testing.T) {
	// A token fetch that hangs holds the others back; they give up with
	// their own context.
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		io.WriteString(w, `{"access_token":"T","expires_in":7200}`)
	}))
	defer srv.Close()
	defer close(release)
	a, _ := newSendAdapter(t, srv)
	go a.Send(context.Background(), customer("o1"), text("first"))
	for {
		if a.Stats().TokenFetches == 1 {
			break
		}
		runtime.Gosched()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := a.Send(ctx, customer("o1"), text("second")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v", err)
	}
}

func TestSendAttachments(t *testing.T) {
	tests := []struct {
		name       string
		m          router.Outbound
		wantUpload upload
		wantSend   string
	}{
		{"png image",
			router.Outbound{Kind: router.KindAttachment, Text: "dropped", Attachment: &router.Attachment{Kind: "image", Format: "png", Size: 1234}},
			upload{Type: "image", Field: "media", Filename: "media.png", PartType: "image/png", Size: 1234, AllZero: true},
			`{"touser":"o1","msgtype":"image","image":{"media_id":"MEDIA-1"}}`},
		{"JPG image with its name",
			router.Outbound{Attachment: &router.Attachment{Kind: "image", Format: "JPG", Size: 10, Name: "Photo.JPG"}},
			upload{Type: "image", Field: "media", Filename: "Photo.JPG", PartType: "image/jpeg", Size: 10, AllZero: true},
			`{"touser":"o1","msgtype":"image","image":{"media_id":"MEDIA-1"}}`},
		{"jpeg image named otherwise",
			router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "image", Format: "jpeg", Name: "scan.pdf"}},
			upload{Type: "image", Field: "media", Filename: "media.jpeg", PartType: "image/jpeg", Size: 0, AllZero: true},
			`{"touser":"o1","msgtype":"image","image":{"media_id":"MEDIA-1"}}`},
		{"mpeg audio is an mp3 voice",
			router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "audio", Format: "mpeg", Size: 2048}},
			upload{Type: "voice", Field: "media", Filename: "media.mp3", PartType: "audio/mpeg", Size: 2048, AllZero: true},
			`{"touser":"o1","msgtype":"voice","voice":{"media_id":"MEDIA-1"}}`},
		{"amr voice, format from the name",
			router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "audio", Name: "note.amr", Size: 7}},
			upload{Type: "voice", Field: "media", Filename: "note.amr", PartType: "audio/amr", Size: 7, AllZero: true},
			`{"touser":"o1","msgtype":"voice","voice":{"media_id":"MEDIA-1"}}`},
		{"mp4 video with caption",
			router.Outbound{Kind: router.KindAttachment, Text: "how to <assemble> & use", Attachment: &router.Attachment{Kind: "video", Format: "mp4", Size: 100}},
			upload{Type: "video", Field: "media", Filename: "media.mp4", PartType: "video/mp4", Size: 100, AllZero: true},
			`{"touser":"o1","msgtype":"video","video":{"media_id":"MEDIA-1","title":"","description":"how to <assemble> & use"}}`},
		{"unknown format: the platform decides",
			router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "video", Format: "mkv", Size: 1}},
			upload{Type: "video", Field: "media", Filename: "media.mkv", PartType: "application/octet-stream", Size: 1, AllZero: true},
			`{"touser":"o1","msgtype":"video","video":{"media_id":"MEDIA-1","title":"","description":""}}`},
		{"no format at all",
			router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "image"}},
			upload{Type: "image", Field: "media", Filename: "media", PartType: "application/octet-stream", AllZero: true},
			`{"touser":"o1","msgtype":"image","image":{"media_id":"MEDIA-1"}}`},
		{"odd format is not a file name",
			router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "image", Format: "../x\r\n"}},
			upload{Type: "image", Field: "media", Filename: "media", PartType: "application/octet-stream", AllZero: true},
			`{"touser":"o1","msgtype":"image","image":{"media_id":"MEDIA-1"}}`},
		{"name with a quote and a newline",
			router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "image", Format: "png", Name: "a\"b\r\n.png"}},
			upload{Type: "image", Field: "media", Filename: "a\"b.png", PartType: "image/png", AllZero: true},
			`{"touser":"o1","msgtype":"image","image":{"media_id":"MEDIA-1"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, srv := newAPI(t)
			a, _ := newSendAdapter(t, srv)
			id, err := a.Send(context.Background(), customer("o1"), tc.m)
			if err != nil || id != "wechat-1" {
				t.Fatalf("%q %v", id, err)
			}
			if len(g.uploads) != 1 || g.uploads[0] != tc.wantUpload {
				t.Errorf("uploads\n got %+v\nwant %+v", g.uploads, tc.wantUpload)
			}
			if len(g.rawSends) != 1 || g.rawSends[0] != tc.wantSend {
				t.Errorf("send\n got %s\nwant %s", g.rawSends, tc.wantSend)
			}
			if s := a.Stats(); s != (Stats{Sent: 1, TokenFetches: 1}) {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}

func TestUploadErrors(t *testing.T) {
	img := router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "image", Format: "png", Size: 5}}
	t.Run("refused", func(t *testing.T) {
		g, srv := newAPI(t)
		g.uploadCodes = []int{40004}
		a, _ := newSendAdapter(t, srv)
		_, err := a.Send(context.Background(), customer("o1"), img)
		var pe *router.PlatformError
		if !errors.As(err, &pe) || pe.Code != "40004" || pe.Message != errmsgs[40004] {
			t.Fatalf("error %v", err)
		}
		if _, sends, uploads := g.counts(); sends != 0 || uploads != 1 {
			t.Fatalf("%d sends, %d uploads", sends, uploads)
		}
	})
	t.Run("token expired during upload", func(t *testing.T) {
		g, srv := newAPI(t)
		g.uploadCodes = []int{42001}
		a, _ := newSendAdapter(t, srv)
		if _, err := a.Send(context.Background(), customer("o1"), img); err != nil {
			t.Fatal(err)
		}
		if tokens, sends, uploads := g.counts(); tokens != 2 || sends != 1 || uploads != 2 {
			t.Fatalf("%d tokens, %d sends, %d uploads", tokens, sends, uploads)
		}
	})
	t.Run("answer without media_id", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/cgi-bin/token" {
				io.WriteString(w, `{"access_token":"T","expires_in":7200}`)
				return
			}
			io.Copy(io.Discard, r.Body)
			io.WriteString(w, `{"type":"image","created_at":1}`)
		}))
		defer srv.Close()
		a, _ := newSendAdapter(t, srv)
		_, err := a.Send(context.Background(), customer("o1"), img)
		var pe *router.PlatformError
		if err == nil || errors.As(err, &pe) || !strings.Contains(err.Error(), "media_id") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("negative size", func(t *testing.T) {
		_, srv := newAPI(t)
		a, _ := newSendAdapter(t, srv)
		bad := router.Outbound{Attachment: &router.Attachment{Kind: "image", Format: "png", Size: -1}}
		if _, err := a.Send(context.Background(), customer("o1"), bad); err == nil {
			t.Fatal("negative size accepted")
		}
	})
}

func TestUploadIsStreamed(t *testing.T) {
	// A 64 MB upload through an in-process handler that counts what it
	// reads: the adapter must not hold the file in memory.
	const size = 64 << 20
	var got int64
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cgi-bin/token":
			io.WriteString(w, `{"access_token":"T","expires_in":7200}`)
		case "/cgi-bin/media/upload":
			got, _ = io.Copy(io.Discard, r.Body)
			if r.ContentLength != got {
				t.Errorf("content length %d, body %d", r.ContentLength, got)
			}
			io.WriteString(w, `{"type":"video","media_id":"M","created_at":1}`)
		default:
			io.Copy(io.Discard, r.Body)
			io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
		}
	})
	clock := &fakeClock{now: t0}
	cfg := testConfig(clock)
	cfg.BaseURL = "http://wechat.test"
	cfg.Client = &http.Client{Transport: handlerTransport{handler}}
	a := New(cfg, &recorder{})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := a.Send(context.Background(), customer("o1"), router.Outbound{Attachment: &router.Attachment{Kind: "video", Format: "mp4", Size: size}})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if got < size {
		t.Fatalf("uploaded %d bytes", got)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Fatalf("allocated %d bytes for a %d-byte upload", alloc, size)
	}
}

func TestSendRefusedLocally(t *testing.T) {
	tests := []struct {
		name string
		to   router.CustomerKey
		m    router.Outbound
		want string
	}{
		{"template", customer("o1"), router.Outbound{Kind: router.KindTemplate, Template: &router.Template{Name: "hello", Language: "zh_CN"}}, "template"},
		{"template by inference", customer("o1"), router.Outbound{Template: &router.Template{Name: "hello"}}, "template"},
		{"document", customer("o1"), router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "document", Format: "pdf"}}, "document"},
		{"sticker", customer("o1"), router.Outbound{Kind: router.KindAttachment, Attachment: &router.Attachment{Kind: "sticker", Format: "webp"}}, "sticker"},
		{"attachment kind without attachment", customer("o1"), router.Outbound{Kind: router.KindAttachment}, "without an attachment"},
		{"unknown kind", customer("o1"), router.Outbound{Kind: "carousel"}, "carousel"},
		{"other channel", router.CustomerKey{Channel: "whatsapp", Account: testAppID, Customer: "o1"}, text("x"), "channel"},
		{"other account", router.CustomerKey{Channel: Channel, Account: "wx-other", Customer: "o1"}, text("x"), "account"},
		{"no recipient", router.CustomerKey{Channel: Channel, Account: testAppID}, text("x"), "recipient"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, srv := newAPI(t)
			a, _ := newSendAdapter(t, srv)
			id, err := a.Send(context.Background(), tc.to, tc.m)
			var pe *router.PlatformError
			if err == nil || id != "" || errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "wechat: send: ") {
				t.Fatalf("%q %v", id, err)
			}
			if tokens, sends, uploads := g.counts(); tokens+sends+uploads != 0 {
				t.Fatal("a locally refused message reached the API")
			}
			if s := a.Stats(); s != (Stats{Failed: 1}) {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}

func TestMediaFile(t *testing.T) {
	tests := []struct{ format, name, file, mime string }{
		{"jpeg", "", "media.jpeg", "image/jpeg"},
		{"jpg", "a.jpg", "a.jpg", "image/jpeg"},
		{"png", "a.PNG", "a.PNG", "image/png"},
		{"gif", "", "media.gif", "image/gif"},
		{"mp3", "", "media.mp3", "audio/mpeg"},
		{"mpeg", "song.mp3", "song.mp3", "audio/mpeg"},
		{"mpeg", "song.mpeg", "media.mp3", "audio/mpeg"},
		{"amr", "", "media.amr", "audio/amr"},
		{"mp4", "dir/clip.mp4", "dir/clip.mp4", "video/mp4"},
		{"webm", "", "media.webm", octetStream},
		{"", "x", "media", octetStream},
		{"a.b", "", "media", octetStream},
		{strings.Repeat("x", 17), "", "media", octetStream},
		// Control characters are dropped, whatever else the name holds.
		{"jpg", "x\x7f.jpg", "x.jpg", "image/jpeg"},
		{"jpg", "x\x01\x1b[0m.jpg", "x[0m.jpg", "image/jpeg"},
		{"jpg", "\x00a\tb\r\nc\v.jpg", "abc.jpg", "image/jpeg"},
		{"jpg", "x\u0085\u009f.jpg", "x.jpg", "image/jpeg"},
		{"jpg", "\x7f.jpg", ".jpg", "image/jpeg"},
		{"jpg", "é\xff\u00a0\u2028.jpg", "é\xff\u00a0\u2028.jpg", "image/jpeg"},
	}
	for _, tc := range tests {
		file, mt := mediaFile(tc.format, tc.name)
		if file != tc.file || mt != tc.mime {
			t.Errorf("mediaFile(%q, %q) = %q, %q; want %q, %q", tc.format, tc.name, file, mt, tc.file, tc.mime)
		}
		// The upload's part header, as upload writes it, reads back.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", multipart.FileContentDisposition("media", file))
		h.Set("Content-Type", mt)
		mw.CreatePart(h)
		mw.Close()
		p, err := multipart.NewReader(&buf, mw.Boundary()).NextPart()
		if err != nil || p.FileName() != path.Base(file) {
			t.Errorf("mediaFile(%q, %q): the part named %q reads back as %v", tc.format, tc.name, file, err)
		}
	}
}

func TestAPIAnswerShapes(t *testing.T) {
	// The exact JSON the adapter reads back, field by field.
	var ans apiAnswer
	body := `{"access_token":"ACCESS_TOKEN","expires_in":7200,"type":"image","media_id":"MEDIA_ID","created_at":123456789}`
	if err := ans.check("x", 200, []byte(body), false); err != nil {
		t.Fatal(err)
	}
	want := apiAnswer{AccessToken: "ACCESS_TOKEN", ExpiresIn: 7200, Type: "image", MediaID: "MEDIA_ID", CreatedAt: 123456789}
	if !reflect.DeepEqual(ans, want) {
		t.Fatalf("%+v", ans)
	}
}
