package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http/httptest"
	"path"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

var ridSuffix = regexp.MustCompile(` rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$`)

func TestTokenEndpoint(t *testing.T) {
	q := func(grant, appid, secret string) string {
		return PathToken + "?grant_type=" + grant + "&appid=" + appid + "&secret=" + secret
	}
	tests := []struct {
		name   string
		method string
		target string
		code   int
	}{
		{"POST", "POST", q("client_credential", DefaultAppID, DefaultAppSecret), CodeRequireGET},
		{"no grant_type", "GET", PathToken + "?appid=" + DefaultAppID + "&secret=" + DefaultAppSecret, CodeInvalidGrantType},
		{"bad grant_type", "GET", q("authorization_code", DefaultAppID, DefaultAppSecret), CodeInvalidGrantType},
		{"bad appid", "GET", q("client_credential", "wx0000000000000000", DefaultAppSecret), CodeInvalidAppID},
		{"no appid", "GET", PathToken + "?grant_type=client_credential&secret=" + DefaultAppSecret, CodeInvalidAppID},
		{"bad secret", "GET", q("client_credential", DefaultAppID, "nope"), CodeInvalidAppSecret},
		{"bad appid and secret", "GET", q("client_credential", "wx1", "nope"), CodeInvalidAppID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTest(Config{})
			wantCode(t, do(s, tc.method, tc.target, "", nil), 200, tc.code)
			j := s.Journal()
			if len(j.Errors) != 1 || j.Errors[0].Code != tc.code || j.Errors[0].Path != PathToken ||
				len(j.Requests) != 1 || j.Requests[0].Code != tc.code || j.Requests[0].Status != 200 {
				t.Fatalf("journal %+v", j)
			}
		})
	}
	s, _ := newTest(Config{})
	w := do(s, "GET", q("client_credential", DefaultAppID, DefaultAppSecret), "", nil)
	if w.Code != 200 || w.Header().Get("Content-Type") != jsonType {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	var raw map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil || len(raw) != 2 || raw["expires_in"] != 7200.0 {
		t.Fatalf("token answer %s", w.Body)
	}
	if tok, _ := raw["access_token"].(string); !regexp.MustCompile(`^[1-9][0-9]_[A-Za-z0-9_-]{133}$`).MatchString(tok) {
		t.Fatalf("token %q", tok)
	}
}

func TestTokenRefreshGraceAndExpiry(t *testing.T) {
	s, clk := newTest(Config{})
	write(t, s, cust)
	ping := func(tok string) *httptest.ResponseRecorder {
		return do(s, "GET", PathMediaGet+"?access_token="+tok+"&media_id=x", "", nil)
	}
	// A valid token reaches the media rule (40007); an invalid one stops earlier.
	tok1 := token(t, s)
	wantCode(t, ping(tok1), 200, CodeInvalidMediaID)
	clk.Add(time.Hour)
	tok2 := token(t, s)
	if tok2 == tok1 {
		t.Fatal("refresh returned the same token")
	}
	clk.Add(5*time.Minute - time.Second)
	wantCode(t, ping(tok1), 200, CodeInvalidMediaID) // grace
	wantCode(t, sendReq(s, tok1, textReq(cust, "old token in grace")), 200, CodeOK)
	clk.Add(time.Second)
	wantCode(t, ping(tok1), 200, CodeInvalidCredential) // exactly 5 min after the refresh
	wantCode(t, ping(tok2), 200, CodeInvalidMediaID)
	// Only the previous token gets grace.
	tok3 := token(t, s)
	wantCode(t, ping(tok2), 200, CodeInvalidMediaID)
	wantCode(t, ping(tok1), 200, CodeInvalidCredential)
	// Expiry: 7200 s after issue.
	clk.Add(7200*time.Second - time.Second)
	wantCode(t, ping(tok3), 200, CodeInvalidMediaID)
	wantCode(t, ping(tok2), 200, CodeInvalidCredential)
	clk.Add(time.Second)
	wantCode(t, ping(tok3), 200, CodeTokenExpired)
	wantCode(t, do(s, "GET", PathMediaGet+"?media_id=x", "", nil), 200, CodeTokenMissing)
	wantCode(t, ping("garbage"), 200, CodeInvalidCredential)
	// A previous token that expired during its grace is 42001.
	s2, clk2 := newTest(Config{TokenTTL: time.Minute})
	a := token(t, s2)
	clk2.Add(50 * time.Second)
	token(t, s2)
	clk2.Add(20 * time.Second)
	wantCode(t, do(s2, "GET", PathMediaGet+"?access_token="+a+"&media_id=x", "", nil), 200, CodeTokenExpired)
	// TokenGrace < 0: the old token dies at once.
	s3, _ := newTest(Config{TokenGrace: -1})
	b := token(t, s3)
	token(t, s3)
	wantCode(t, do(s3, "GET", PathMediaGet+"?access_token="+b+"&media_id=x", "", nil), 200, CodeInvalidCredential)
}

func doFrom(s *Server, remote, method, target string, body []byte) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	r.RemoteAddr = remote
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

func TestIPWhitelist(t *testing.T) {
	s, _ := newTest(Config{IPWhitelist: []string{"10.0.0.0/8", "203.0.113.7", "2001:db8::/32", "junk"}})
	tokURL := PathToken + "?grant_type=client_credential&appid=" + DefaultAppID + "&secret=" + DefaultAppSecret
	e := wantCode(t, doFrom(s, "192.0.2.1:1234", "GET", tokURL, nil), 200, CodeIPNotWhitelisted)
	if e.Title() != "invalid ip 192.0.2.1 ipv6 ::ffff:192.0.2.1, not in whitelist" {
		t.Fatalf("errmsg %q", e.Message)
	}
	// Credentials are checked before the address.
	wantCode(t, doFrom(s, "192.0.2.1:1234", "GET", PathToken+"?grant_type=client_credential&appid=wx1", nil), 200, CodeInvalidAppID)
	w := doFrom(s, "10.1.2.3:5555", "GET", tokURL, nil)
	var r struct {
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal(w.Body.Bytes(), &r); r.AccessToken == "" {
		t.Fatalf("whitelisted caller refused: %s", w.Body)
	}
	write(t, s, cust)
	body, _ := json.Marshal(textReq(cust, "x"))
	wantCode(t, doFrom(s, "203.0.113.7:1", "POST", PathSend+"?access_token="+r.AccessToken, body), 200, CodeOK)
	wantCode(t, doFrom(s, "[::ffff:203.0.113.7]:1", "POST", PathSend+"?access_token="+r.AccessToken, body), 200, CodeOK)
	wantCode(t, doFrom(s, "[2001:db8::1]:1", "POST", PathSend+"?access_token="+r.AccessToken, body), 200, CodeOK)
	e = wantCode(t, doFrom(s, "198.51.100.9:1", "POST", PathSend+"?access_token="+r.AccessToken, body), 200, CodeIPNotWhitelisted)
	if e.Title() != "invalid ip 198.51.100.9 ipv6 ::ffff:198.51.100.9, not in whitelist" {
		t.Fatalf("errmsg %q", e.Message)
	}
	e = wantCode(t, doFrom(s, "[2002::1]:1", "POST", PathSend+"?access_token="+r.AccessToken, body), 200, CodeIPNotWhitelisted)
	if e.Title() != "invalid ip 2002::1 ipv6 2002::1, not in whitelist" {
		t.Fatalf("errmsg %q", e.Message)
	}
	// Only junk entries: the check is on and refuses everyone.
	s2, _ := newTest(Config{IPWhitelist: []string{"junk"}})
	wantCode(t, do(s2, "GET", tokURL, "", nil), 200, CodeIPNotWhitelisted)
}

func TestSendRules(t *testing.T) {
	s, clk := newTest(Config{})
	tok := token(t, s)
	write(t, s, cust)
	img := upload(t, s, tok, "image", "a.png", 10)
	voice := upload(t, s, tok, "voice", "a.amr", 10)
	video := upload(t, s, tok, "video", "a.mp4", 10)
	thumb := upload(t, s, tok, "thumb", "a.jpg", 10)
	clk.Add(time.Hour)
	long := strings.Repeat("a", 2049)
	longCJK := strings.Repeat("你", 683) // 2049 bytes
	tests := []struct {
		name string
		body string
		code int
	}{
		{"text", `{"touser":"` + cust + `","msgtype":"text","text":{"content":"Hello World"}}`, 0},
		{"text 2048 bytes", `{"touser":"` + cust + `","msgtype":"text","text":{"content":"` + strings.Repeat("b", 2048) + `"}}`, 0},
		{"kf_account", `{"touser":"` + cust + `","msgtype":"text","text":{"content":"x"},"customservice":{"kf_account":"test1@kftest"}}`, 0},
		{"image", `{"touser":"` + cust + `","msgtype":"image","image":{"media_id":"` + img + `"}}`, 0},
		{"voice", `{"touser":"` + cust + `","msgtype":"voice","voice":{"media_id":"` + voice + `"}}`, 0},
		{"video", `{"touser":"` + cust + `","msgtype":"video","video":{"media_id":"` + video + `","thumb_media_id":"` + thumb + `","title":"T","description":"D"}}`, 0},
		{"video thumb is an image", `{"touser":"` + cust + `","msgtype":"video","video":{"media_id":"` + video + `","thumb_media_id":"` + img + `"}}`, 0},
		{"not JSON", `{"touser":`, CodeDataFormat},
		{"empty body", ``, CodeDataFormat},
		{"wrong JSON type", `{"touser":123,"msgtype":"text"}`, CodeDataFormat},
		{"unknown openid", `{"touser":"` + cust2 + `","msgtype":"text","text":{"content":"x"}}`, CodeInvalidOpenID},
		{"no touser", `{"msgtype":"text","text":{"content":"x"}}`, CodeInvalidOpenID},
		{"unknown msgtype", `{"touser":"` + cust + `","msgtype":"news","news":{"articles":[]}}`, CodeInvalidMessageType},
		{"no msgtype", `{"touser":"` + cust + `","text":{"content":"x"}}`, CodeInvalidMessageType},
		{"msgtype case", `{"touser":"` + cust + `","msgtype":"TEXT","text":{"content":"x"}}`, CodeInvalidMessageType},
		{"unknown media", `{"touser":"` + cust + `","msgtype":"image","image":{"media_id":"nope"}}`, CodeInvalidMediaID},
		{"no image object", `{"touser":"` + cust + `","msgtype":"image"}`, CodeInvalidMediaID},
		{"voice id as image", `{"touser":"` + cust + `","msgtype":"image","image":{"media_id":"` + voice + `"}}`, CodeInvalidMediaID},
		{"image id as voice", `{"touser":"` + cust + `","msgtype":"voice","voice":{"media_id":"` + img + `"}}`, CodeInvalidMediaID},
		{"video bad thumb", `{"touser":"` + cust + `","msgtype":"video","video":{"media_id":"` + video + `","thumb_media_id":"` + voice + `"}}`, CodeInvalidMediaID},
		{"video no media", `{"touser":"` + cust + `","msgtype":"video","video":{"thumb_media_id":"` + thumb + `"}}`, CodeInvalidMediaID},
		{"empty content", `{"touser":"` + cust + `","msgtype":"text","text":{"content":""}}`, CodeEmptyContent},
		{"no text object", `{"touser":"` + cust + `","msgtype":"text"}`, CodeEmptyContent},
		{"too long", `{"touser":"` + cust + `","msgtype":"text","text":{"content":"` + long + `"}}`, CodeContentTooLong},
		{"too long in bytes", `{"touser":"` + cust + `","msgtype":"text","text":{"content":"` + longCJK + `"}}`, CodeContentTooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			write(t, s, cust) // fresh quota for every case
			var req SendRequest
			predicted := json.Unmarshal([]byte(tc.body), &req) == nil
			var want *Error
			if predicted {
				want = s.Check(req)
			}
			before := s.Counts()
			w := send(s, tok, tc.body)
			e := wantCode(t, w, 200, tc.code)
			after := s.Counts()
			if tc.code == 0 {
				if w.Body.String() != `{"errcode":0,"errmsg":"ok"}` {
					t.Fatalf("success body %s", w.Body)
				}
				if after.Deliveries != before.Deliveries+1 || after.Errors != before.Errors {
					t.Fatalf("counts %+v -> %+v", before, after)
				}
			} else if after.Errors != before.Errors+1 || after.Deliveries != before.Deliveries {
				t.Fatalf("counts %+v -> %+v", before, after)
			}
			if predicted && ((want == nil) != (tc.code == 0) || want != nil && (want.Code != e.Code || want.Message != e.Title())) {
				t.Fatalf("Check %+v, wire %+v", want, e)
			}
		})
	}
	d := s.Deliveries(cust)
	if len(d) != 7 || d[0].Text != "Hello World" || d[3].Type != "image" || d[3].MediaID != img ||
		d[5].Type != "video" || d[5].ThumbMediaID != thumb || d[5].Title != "T" || d[5].Description != "D" || d[0].Passive {
		t.Fatalf("deliveries %+v", d)
	}
	if j := s.Journal().Deliveries; !reflect.DeepEqual(j, d) || d[5].To != cust {
		t.Fatalf("journal deliveries %+v, customer's %+v", j, d)
	}
	if le := s.LastError(cust); le == nil || le.Code != CodeContentTooLong || le.To != cust || le.Path != PathSend {
		t.Fatalf("last error %+v", le)
	}
	wantCode(t, do(s, "GET", PathSend+"?access_token="+tok, "", nil), 200, CodeRequirePOST)
	wantCode(t, send(s, "", `{}`), 200, CodeTokenMissing)
	wantCode(t, send(s, "x", `{}`), 200, CodeInvalidCredential)
	big := `{"touser":"` + cust + `","msgtype":"text","text":{"content":"x"},"pad":"` + strings.Repeat("x", maxBody) + `"}`
	wantCode(t, send(s, tok, big), 200, CodeDataFormat)
}

func TestWindow48h(t *testing.T) {
	s, clk := newTest(Config{})
	write(t, s, cust)
	if !s.WindowOpen(cust) || s.RepliesLeft(cust) != 5 {
		t.Fatal("window not open after a message")
	}
	clk.Add(47*time.Hour + 59*time.Minute)
	tok := token(t, s) // tokens expire every 2 h
	wantCode(t, sendReq(s, tok, textReq(cust, "47h59m")), 200, 0)
	clk.Add(time.Minute) // exactly 48h
	wantCode(t, sendReq(s, tok, textReq(cust, "48h")), 200, CodeOutOfTimeLimit)
	if s.WindowOpen(cust) || s.RepliesLeft(cust) != 0 {
		t.Fatal("window open at 48h")
	}
	if le := s.LastError(cust); le == nil || le.Code != CodeOutOfTimeLimit {
		t.Fatalf("last error %+v", le)
	}
	write(t, s, cust) // a new chat
	wantCode(t, sendReq(s, tok, textReq(cust, "reopened")), 200, 0)
	// Check never opened a window for an unknown customer either.
	if e := s.Check(textReq(cust2, "x")); e == nil || e.Code != CodeInvalidOpenID {
		t.Fatalf("Check unknown: %v", e)
	}
}

func TestReplyQuota(t *testing.T) {
	s, clk := newTest(Config{})
	tok := token(t, s)
	write(t, s, cust)
	for i := range 10 { // Check consumes nothing
		if e := s.Check(textReq(cust, "x")); e != nil {
			t.Fatalf("check %d: %v", i, e)
		}
	}
	for i := range 5 {
		wantCode(t, sendReq(s, tok, textReq(cust, "reply")), 200, 0)
		if got := s.RepliesLeft(cust); got != 4-i {
			t.Fatalf("left %d after %d", got, i+1)
		}
	}
	wantCode(t, sendReq(s, tok, textReq(cust, "sixth")), 200, CodeOutOfCountLimit)
	if e := s.Check(textReq(cust, "x")); e == nil || e.Code != CodeOutOfCountLimit || e.Message != codeMessages[CodeOutOfCountLimit] {
		t.Fatalf("Check %v", e)
	}
	// A new message resets the count to 5, not adding to what was left.
	clk.Add(time.Hour)
	write(t, s, cust)
	for range 3 {
		wantCode(t, sendReq(s, tok, textReq(cust, "r")), 200, 0)
	}
	write(t, s, cust)
	if s.RepliesLeft(cust) != 5 {
		t.Fatalf("after reset: %d left", s.RepliesLeft(cust))
	}
	for range 5 {
		wantCode(t, sendReq(s, tok, textReq(cust, "r")), 200, 0)
	}
	wantCode(t, sendReq(s, tok, textReq(cust, "r")), 200, CodeOutOfCountLimit)
	if n := len(s.Deliveries(cust)); n != 13 {
		t.Fatalf("%d deliveries", n)
	}
	// Unlimited.
	s2, _ := newTest(Config{ReplyLimit: -1, Window: -1})
	tok2 := token(t, s2)
	write(t, s2, cust)
	for range 20 {
		wantCode(t, sendReq(s2, tok2, textReq(cust, "r")), 200, 0)
	}
	if s2.RepliesLeft(cust) != -1 {
		t.Fatal("unlimited RepliesLeft")
	}
}

func TestEventQuota(t *testing.T) {
	for _, ev := range []string{EventSubscribe, EventClick, EventScan} {
		t.Run(ev, func(t *testing.T) {
			s, clk := newTest(Config{})
			tok := token(t, s)
			event(t, s, cust, ev)
			if s.RepliesLeft(cust) != 3 {
				t.Fatalf("left %d", s.RepliesLeft(cust))
			}
			for range 3 {
				wantCode(t, sendReq(s, tok, textReq(cust, "r")), 200, 0)
			}
			wantCode(t, sendReq(s, tok, textReq(cust, "4th")), 200, CodeOutOfCountLimit)
			event(t, s, cust, ev) // reset to 3
			clk.Add(time.Minute - time.Second)
			wantCode(t, sendReq(s, tok, textReq(cust, "59s")), 200, 0)
			clk.Add(time.Second)
			wantCode(t, sendReq(s, tok, textReq(cust, "1m")), 200, CodeOutOfTimeLimit)
		})
	}
	// An event inside a message window: the event's replies are used first,
	// then the message's; both together allow 8.
	s, clk := newTest(Config{})
	tok := token(t, s)
	write(t, s, cust)
	wantCode(t, sendReq(s, tok, textReq(cust, "r")), 200, 0)
	event(t, s, cust, EventClick)
	if s.RepliesLeft(cust) != 7 {
		t.Fatalf("left %d", s.RepliesLeft(cust))
	}
	for range 3 {
		wantCode(t, sendReq(s, tok, textReq(cust, "r")), 200, 0)
	}
	if s.RepliesLeft(cust) != 4 {
		t.Fatalf("event replies not used first: %d left", s.RepliesLeft(cust))
	}
	clk.Add(time.Minute)
	for range 4 {
		wantCode(t, sendReq(s, tok, textReq(cust, "r")), 200, 0)
	}
	wantCode(t, sendReq(s, tok, textReq(cust, "r")), 200, CodeOutOfCountLimit)
	// Unsubscribe closes everything.
	write(t, s, cust)
	event(t, s, cust, EventUnsubscribe)
	wantCode(t, sendReq(s, tok, textReq(cust, "gone")), 200, CodeOutOfTimeLimit)
	if s.WindowOpen(cust) {
		t.Fatal("window open after unsubscribe")
	}
	event(t, s, cust, EventSubscribe)
	wantCode(t, sendReq(s, tok, textReq(cust, "welcome")), 200, 0)
}

// A grant whose end lies past what Unix nanoseconds hold (year 2262),
// because it is granted late or its window is long, closes after any grant
// that ends within them: a send consumes the event grant first, and the
// message grant's reply is left once the event grant has closed. Without
// the guard the sum wraps negative and the message grant goes first.
func TestGrantEndPast2262(t *testing.T) {
	end := time.Unix(0, math.MaxInt64) // 2262-04-11T23:47:16.854775807Z
	for _, tc := range []struct {
		name   string
		start  time.Time
		window time.Duration
	}{
		{"granted a day before the end", end.Add(-24 * time.Hour), 48 * time.Hour},
		{"granted a minute and a second before the end", end.Add(-time.Minute - time.Second), 48 * time.Hour},
		{"a window longer than the time left", t0, time.Duration(math.MaxInt64)},
		{"a window as long as the time left", t0, time.Duration(math.MaxInt64 - t0.UnixNano())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := newTest(Config{Window: tc.window, ReplyLimit: 1, EventReplyLimit: 1})
			clk.Add(tc.start.Sub(t0))
			tok := token(t, s)
			write(t, s, cust)
			event(t, s, cust, EventClick)
			if n := s.RepliesLeft(cust); n != 2 {
				t.Fatalf("left %d, want 2", n)
			}
			wantCode(t, sendReq(s, tok, textReq(cust, "first")), 200, 0)
			clk.Add(time.Minute)
			if n := s.RepliesLeft(cust); n != 1 {
				t.Fatalf("after the event grant closed: left %d, want the message grant's 1", n)
			}
			wantCode(t, sendReq(s, tok, textReq(cust, "second")), 200, 0)
			wantCode(t, sendReq(s, tok, textReq(cust, "third")), 200, CodeOutOfCountLimit)
		})
	}
}

// Instants more than 292 years apart, whose difference in Unix nanoseconds
// would wrap: a grant made in 1800 is closed in 2200, a token issued then
// has expired, and one retired then is past its grace.
func TestInstantsFarApart(t *testing.T) {
	then := time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		cfg  Config
		code int // of a send in 2200 with the token fetched in 1800
	}{
		{"token issued then", Config{}, CodeTokenExpired},
		{"token retired then", Config{TokenTTL: -1}, CodeInvalidCredential},
		{"grant made then", Config{TokenTTL: -1}, CodeOutOfTimeLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := newTest(tc.cfg)
			clk.Add(then.Sub(t0))
			tok := token(t, s)
			if tc.code == CodeInvalidCredential {
				token(t, s) // retires tok
			}
			write(t, s, cust)
			event(t, s, cust, EventClick)
			mid := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // a Duration holds 292 years
			clk.Add(mid.Sub(then))
			clk.Add(now.Sub(mid))
			if s.WindowOpen(cust) || s.RepliesLeft(cust) != 0 {
				t.Errorf("in %d: window open %v, %d replies left", now.Year(), s.WindowOpen(cust), s.RepliesLeft(cust))
			}
			wantCode(t, sendReq(s, tok, textReq(cust, "x")), 200, tc.code)
			wantCode(t, sendReq(s, token(t, s), textReq(cust, "x")), 200, CodeOutOfTimeLimit)
		})
	}
}

func TestUpload(t *testing.T) {
	s, _ := newTest(Config{})
	tok := token(t, s)
	up := func(kind, field, filename, partType string, size int) *httptest.ResponseRecorder {
		ct, b := uploadBody(field, filename, partType, bytes.Repeat([]byte{1}, size))
		return do(s, "POST", PathUpload+"?access_token="+tok+"&type="+kind, ct, b)
	}
	tests := []struct {
		name, kind, field, filename, partType string
		size                                  int
		code                                  int
	}{
		{"png", "image", "media", "a.png", "", 100, 0},
		{"JPG upper", "image", "media", "A.JPG", "", 100, 0},
		{"jpeg 10MB", "image", "media", "a.jpeg", "", 10 << 20, 0},
		{"image 10MB+1", "image", "media", "a.jpeg", "", 10<<20 + 1, CodeInvalidMediaSize},
		{"gif", "image", "media", "a.gif", "", 100, CodeInvalidFileType},
		{"no extension, Content-Type", "image", "media", "blob", "image/png", 100, 0},
		{"no extension, no type", "image", "media", "blob", "", 100, CodeInvalidFileType},
		{"mp3", "voice", "media", "a.mp3", "", 100, 0},
		{"mpeg", "voice", "media", "a.mpeg", "", 100, 0},
		{"amr 2MB", "voice", "media", "a.amr", "", 2 << 20, 0},
		{"amr 2MB+1", "voice", "media", "a.amr", "", 2<<20 + 1, CodeInvalidMediaSize},
		{"wav", "voice", "media", "a.wav", "", 100, CodeInvalidFileType},
		{"mp4", "video", "media", "a.mp4", "", 100, 0},
		{"mov", "video", "media", "a.mov", "", 100, CodeInvalidFileType},
		{"thumb 64KB", "thumb", "media", "a.jpg", "", 64 << 10, 0},
		{"thumb 64KB+1", "thumb", "media", "a.jpg", "", 64<<10 + 1, CodeInvalidMediaSize},
		{"thumb png", "thumb", "media", "a.png", "", 10, CodeInvalidFileType},
		{"bad type", "file", "media", "a.png", "", 10, CodeInvalidMediaType},
		{"no type", "", "media", "a.png", "", 10, CodeInvalidMediaType},
		{"wrong field", "image", "file", "a.png", "", 10, CodeMediaMissing},
		{"empty file", "image", "media", "a.png", "", 0, CodeMediaMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if ext := path.Ext(tc.filename); ext != "" && tc.code != CodeMediaMissing {
				got := 0
				if e := s.CheckMedia(tc.kind, ext, int64(tc.size)); e != nil {
					got = e.Code
				}
				if got != tc.code {
					t.Fatalf("CheckMedia: %d, want %d", got, tc.code)
				}
			}
			w := up(tc.kind, tc.field, tc.filename, tc.partType, tc.size)
			if tc.code == 0 {
				if w.Code != 200 || !regexp.MustCompile(`^\{"type":"`+tc.kind+`","media_id":"[A-Za-z0-9_-]{64}","created_at":1749463200\}$`).Match(w.Body.Bytes()) {
					t.Fatalf("%d %s", w.Code, w.Body)
				}
				return
			}
			wantCode(t, w, 200, tc.code)
		})
	}
	wantCode(t, do(s, "POST", PathUpload+"?access_token="+tok+"&type=image", "application/json", []byte(`{}`)), 200, CodeMediaMissing)
	wantCode(t, do(s, "GET", PathUpload+"?access_token="+tok+"&type=image", "", nil), 200, CodeRequirePOST)
	wantCode(t, do(s, "POST", PathUpload+"?type=image", "", nil), 200, CodeTokenMissing)
	// A lying Content-Length does not let an oversized file through.
	ct, b := uploadBody("media", "a.amr", "", bytes.Repeat([]byte{1}, 3<<20))
	r := httptest.NewRequest("POST", PathUpload+"?access_token="+tok+"&type=voice", bytes.NewReader(b))
	r.Header.Set("Content-Type", ct)
	r.ContentLength = 100
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	wantCode(t, w, 200, CodeInvalidMediaSize)
}

func TestCheckMedia(t *testing.T) {
	s, _ := newTest(Config{Media: map[string]MediaLimit{"image": {Formats: []string{"gif"}}, "voice": {MaxBytes: 10}, "sticker": {MaxBytes: 1}}})
	tests := []struct {
		kind, format string
		size         int64
		code         int
	}{
		{"image", "gif", 10 << 20, 0},
		{"image", "png", 1, CodeInvalidFileType},
		{"voice", "amr", 10, 0},
		{"voice", "amr", 11, CodeInvalidMediaSize},
		{"voice", "amr", -1, CodeInvalidMediaSize},
		{"thumb", "jpeg", 64 << 10, 0},
		{"thumb", ".JPG", 1, 0},
		{"sticker", "webp", 1, CodeInvalidMediaType},
		{"Image", "gif", 1, CodeInvalidMediaType},
	}
	for _, tc := range tests {
		e := s.CheckMedia(tc.kind, tc.format, tc.size)
		if (e == nil) != (tc.code == 0) || e != nil && (e.Code != tc.code || e.Message != codeMessages[tc.code]) {
			t.Errorf("CheckMedia(%s, %s, %d) = %v, want %d", tc.kind, tc.format, tc.size, e, tc.code)
		}
	}
}

func TestMediaExpiryAndGet(t *testing.T) {
	s, clk := newTest(Config{})
	tok := token(t, s)
	write(t, s, cust)
	data := []byte("\x89PNG fake image bytes")
	ct, b := uploadBody("media", "pic.png", "", data)
	var r struct {
		MediaID string `json:"media_id"`
	}
	json.Unmarshal(do(s, "POST", PathUpload+"?access_token="+tok+"&type=image", ct, b).Body.Bytes(), &r)
	w := do(s, "GET", PathMediaGet+"?access_token="+tok+"&media_id="+r.MediaID, "", nil)
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), data) || w.Header().Get("Content-Type") != "image/png" ||
		w.Header().Get("Content-Disposition") != `attachment; filename="`+r.MediaID+`.png"` {
		t.Fatalf("media/get: %d %v %q", w.Code, w.Header(), w.Body)
	}
	wantCode(t, do(s, "POST", PathMediaGet+"?access_token="+tok+"&media_id="+r.MediaID, "", nil), 200, CodeRequireGET)
	wantCode(t, do(s, "GET", PathMediaGet+"?access_token="+tok+"&media_id=nope", "", nil), 200, CodeInvalidMediaID)

	// Customer media: zero bytes of the recorded size.
	in, _ := s.CustomerMedia(context.Background(), cust, "voice", "amr", 1234)
	if in.ID == "" {
		t.Fatal("no MsgId")
	}
	var custMedia string
	for id, m := range s.mediaStore {
		if m.kind == "voice" {
			custMedia = id
		}
	}
	w = do(s, "GET", PathMediaGet+"?access_token="+tok+"&media_id="+custMedia, "", nil)
	if w.Code != 200 || w.Body.Len() != 1234 || w.Body.Bytes()[0] != 0 || w.Header().Get("Content-Type") != "audio/amr" {
		t.Fatalf("customer media: %d %v %d", w.Code, w.Header(), w.Body.Len())
	}

	send := `{"touser":"` + cust + `","msgtype":"image","image":{"media_id":"` + r.MediaID + `"}}`
	clk.Add(72*time.Hour - time.Second)
	write(t, s, cust)
	tok = token(t, s)
	wantCode(t, do(s, "POST", PathSend+"?access_token="+tok, "", []byte(send)), 200, 0)
	clk.Add(time.Second) // exactly 3 days
	wantCode(t, do(s, "POST", PathSend+"?access_token="+tok, "", []byte(send)), 200, CodeInvalidMediaID)
	wantCode(t, do(s, "GET", PathMediaGet+"?access_token="+tok+"&media_id="+r.MediaID, "", nil), 200, CodeInvalidMediaID)
}

// TestUnknownPath: a path the fake does not serve is 48001 "api
// unauthorized" in the errcode envelope, with HTTP 200 like every WeChat
// error by default, or the status Config.UnknownPathStatus chooses; it is
// journaled with that status and counted as an error.
func TestUnknownPath(t *testing.T) {
	tests := []struct {
		name       string
		status     int // Config.UnknownPathStatus
		want       int // the answer's HTTP status
		wantConfig int // Config().UnknownPathStatus
	}{
		{"default", 0, 200, DefaultUnknownPathStatus},
		{"200", 200, 200, 200},
		{"404", 404, 404, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTest(Config{UnknownPathStatus: tt.status})
			if got := s.Config().UnknownPathStatus; got != tt.wantConfig {
				t.Fatalf("Config().UnknownPathStatus = %d, want %d", got, tt.wantConfig)
			}
			paths := []string{"/", "/cgi-bin/message/custom/typing", "/cgi-bin/token/", "/sns/oauth2/access_token"}
			for _, p := range paths {
				for _, method := range []string{"GET", "POST"} {
					wantCode(t, do(s, method, p, "", nil), tt.want, CodeAPIUnauthorized)
				}
			}
			if c := s.Counts(); c.Requests != 2*len(paths) || c.Errors != 2*len(paths) {
				t.Fatalf("counts %+v", c)
			}
			for _, q := range s.Journal().Requests {
				if q.Status != tt.want || q.Code != CodeAPIUnauthorized {
					t.Fatalf("journaled %+v", q)
				}
			}
			// The four routes keep HTTP 200 for their errors whatever
			// the unknown path's status.
			wantCode(t, do(s, "GET", PathSend, "", nil), 200, CodeRequirePOST)
		})
	}
}
