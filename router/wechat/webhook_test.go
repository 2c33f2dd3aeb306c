package wechat

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
	"github.com/omnisim/omnisim/router/dedupe"
)

// The vectors of Tencent's WXBizMsgCrypt sample: a compatible-mode text
// message (plaintext fields plus Encrypt) and its msg_signature.
const (
	tencentEncrypt = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
	tencentMsgSig  = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
	tencentBody    = "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[" + tencentEncrypt + "]]></Encrypt></xml>"
)

func TestSignatureKnownAnswer(t *testing.T) {
	if got := sig(testToken, testTS, testNonce, tencentEncrypt); got != tencentMsgSig {
		t.Fatalf("test helper: %s, want %s", got, tencentMsgSig)
	}
	if got := signature(testToken, testTS, testNonce, tencentEncrypt); got != tencentMsgSig {
		t.Fatalf("signature: %s, want %s", got, tencentMsgSig)
	}
	// Order does not matter; the sort is byte-wise.
	for _, parts := range [][]string{
		{"b", "a", "c"}, {"", "x", ""}, {"Z", "a", "_", "é"}, {"1409735669", "140973566", "14097356690"},
		{"t", "s", "n", "e", "extra"},
	} {
		if got, want := signature(parts...), sig(parts...); got != want {
			t.Errorf("signature(%q) = %s, want %s", parts, got, want)
		}
		if !checkSignature(strings.ToUpper(sig(parts...)), parts...) {
			t.Errorf("upper-case hex of %q refused", parts)
		}
	}
}

func TestTencentSampleDecrypt(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	q := plainQuery()
	q.Set("encrypt_type", "aes")
	q.Set("msg_signature", tencentMsgSig)
	w := do(a, http.MethodPost, q, []byte(tencentBody))
	if w.Code != 200 || w.Body.String() != "success" {
		t.Fatalf("status %d body %q", w.Code, w.Body)
	}
	want := router.Inbound{Customer: customer("oyORnuP8q7ou2gfYjqLzSIWZf0rs"), MessageID: "6054768590064713728", Text: "abcdteT"}
	if len(rec.received) != 1 || !reflect.DeepEqual(rec.received[0].In, want) {
		t.Fatalf("received %+v, want %+v", rec.received, want)
	}
	if !rec.received[0].Now.Equal(t0) {
		t.Errorf("now %v, want the clock's", rec.received[0].Now)
	}
}

func TestCompatibleModeUsesEncryptedCopy(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	enc := encryptMsg(t, textMsg("o-real", "2", "SECRET"))
	// The plaintext copy says something else; the encrypted one wins.
	body := bytes.Replace(textMsg("o-fake", "1", "PLAIN"), []byte("</xml>"), []byte("<Encrypt><![CDATA["+enc+"]]></Encrypt></xml>"), 1)
	if w := do(a, http.MethodPost, safeQuery(enc), body); w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	want := router.Inbound{Customer: customer("o-real"), MessageID: "2", Text: "SECRET"}
	if len(rec.received) != 1 || !reflect.DeepEqual(rec.received[0].In, want) {
		t.Fatalf("received %+v", rec.received)
	}
	// Without encrypt_type, an Encrypt element still selects safe mode.
	q := safeQuery(enc)
	q.Del("encrypt_type")
	a, rec, _ = newTestAdapter(t)
	if w := do(a, http.MethodPost, q, body); w.Code != 200 || len(rec.received) != 1 || rec.received[0].In.Text != "SECRET" {
		t.Fatalf("status %d, received %+v", w.Code, rec.received)
	}
}

func TestSafeModeIndependentEnvelope(t *testing.T) {
	// An envelope built here with crypto/aes for a fixed key, random and
	// app id decrypts through ServeHTTP.
	a, rec, _ := newTestAdapter(t)
	msg := textMsg("o1", "42", "你好 <&> ]]")
	for _, random := range []string{"0000000000000000", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0"} {
		enc := encryptRaw(t, testKey(t), envelope(random, msg, testAppID))
		a.mu.Lock()
		a.seen = dedupe.New(a.cfg.DedupeWindow)
		a.mu.Unlock()
		if w := do(a, http.MethodPost, safeQuery(enc), safeBody(enc)); w.Code != 200 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	if len(rec.received) != 2 || rec.received[1].In.Text != "你好 <&> ]]" || rec.received[1].In.MessageID != "42" {
		t.Fatalf("received %+v", rec.received)
	}
	// Every padding length, 1 through 32, opens.
	for n := 0; n < 32; n++ {
		body := textMsg("o1", fmt.Sprint(1000+n), strings.Repeat("x", n))
		enc := encryptRaw(t, testKey(t), envelope("0123456789abcdef", body, testAppID))
		if w := do(a, http.MethodPost, safeQuery(enc), safeBody(enc)); w.Code != 200 {
			t.Fatalf("content length %d: status %d", n, w.Code)
		}
	}
	if len(rec.received) != 34 {
		t.Fatalf("received %d", len(rec.received))
	}
}

func TestEncryptReplyKnownAnswer(t *testing.T) {
	// Tencent's sample: this key, app id and random give this ciphertext.
	const want = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
	a := New(Config{Token: "pamtest", AppID: "wxb11529c136998cb6", EncodingAESKey: testAESKey}, &recorder{})
	a.rand = strings.NewReader("aaaabbbbccccdddd")
	out, err := a.EncryptReply([]byte("我是中文abcd123"), "1409304348", "xxxxxx")
	if err != nil {
		t.Fatal(err)
	}
	wantXML := "<xml><Encrypt><![CDATA[" + want + "]]></Encrypt><MsgSignature><![CDATA[" + sig("pamtest", "1409304348", "xxxxxx", want) +
		"]]></MsgSignature><TimeStamp>1409304348</TimeStamp><Nonce><![CDATA[xxxxxx]]></Nonce></xml>"
	if string(out) != wantXML {
		t.Fatalf("reply\n got %s\nwant %s", out, wantXML)
	}
}

func TestPassiveReplyRoundTrip(t *testing.T) {
	a, _, _ := newTestAdapter(t)
	r := PassiveReply{ToUserName: "o1", FromUserName: testOriginal, CreateTime: 1700000000, Content: "a ]]> b <c> & 你好\n"}
	plain, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		ToUserName, FromUserName, MsgType, Content string
		CreateTime                                 int64
	}
	if err := xmlUnmarshal(plain, &back); err != nil || back.ToUserName != "o1" || back.FromUserName != testOriginal ||
		back.MsgType != "text" || back.Content != r.Content || back.CreateTime != 1700000000 {
		t.Fatalf("%s: %+v %v", plain, back, err)
	}
	out, err := a.EncryptReply(plain, "1700000001", "n0nce")
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Encrypt, MsgSignature, TimeStamp, Nonce string
	}
	if err := xmlUnmarshal(out, &env); err != nil {
		t.Fatal(err)
	}
	if env.TimeStamp != "1700000001" || env.Nonce != "n0nce" || env.MsgSignature != sig(testToken, "1700000001", "n0nce", env.Encrypt) {
		t.Fatalf("envelope %+v", env)
	}
	// Decrypt independently.
	ct, err := base64.StdEncoding.DecodeString(env.Encrypt)
	if err != nil || len(ct)%32 != 0 {
		t.Fatalf("ciphertext of %d bytes, %v", len(ct), err)
	}
	pt := decryptRaw(t, testKey(t), ct)
	p := int(pt[len(pt)-1])
	if p < 1 || p > 32 || !bytes.Equal(pt[len(pt)-p:], bytes.Repeat([]byte{byte(p)}, p)) {
		t.Fatalf("padding %x", pt[len(pt)-p:])
	}
	pt = pt[:len(pt)-p]
	n := int(pt[16])<<24 | int(pt[17])<<16 | int(pt[18])<<8 | int(pt[19])
	if !bytes.Equal(pt[20:20+n], plain) || string(pt[20+n:]) != testAppID {
		t.Fatalf("plaintext %q", pt)
	}
	// Two replies differ (fresh random bytes).
	out2, _ := a.EncryptReply(plain, "1700000001", "n0nce")
	if bytes.Equal(out, out2) {
		t.Fatal("two encryptions are identical")
	}

	if _, err := (PassiveReply{Content: "bell\a"}).Marshal(); err == nil {
		t.Error("control character accepted")
	}
	if _, err := (PassiveReply{ToUserName: "\xff"}).Marshal(); err == nil {
		t.Error("invalid UTF-8 accepted")
	}
	bad := New(Config{Token: testToken, AppID: testAppID, EncodingAESKey: "short"}, &recorder{})
	if _, err := bad.EncryptReply(plain, "1", "n"); err == nil || !strings.Contains(err.Error(), "EncodingAESKey") {
		t.Errorf("bad key: %v", err)
	}
	for _, cfg := range []Config{
		{AppID: testAppID, EncodingAESKey: testAESKey},
		{Token: testToken, EncodingAESKey: testAESKey},
	} {
		if _, err := New(cfg, &recorder{}).EncryptReply(plain, "1", "n"); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
	failing := New(testConfig(&fakeClock{now: t0}), &recorder{})
	failing.rand = strings.NewReader("short")
	if _, err := failing.EncryptReply(plain, "1", "n"); err == nil {
		t.Error("random source failure ignored")
	}
}

func TestVerifyHandshake(t *testing.T) {
	good := func(echo string) url.Values {
		return url.Values{"signature": {sig(testToken, testTS, testNonce)}, "timestamp": {testTS}, "nonce": {testNonce}, "echostr": {echo}}
	}
	with := func(q url.Values, k, v string) url.Values {
		q.Set(k, v)
		return q
	}
	without := func(q url.Values, k string) url.Values {
		q.Del(k)
		return q
	}
	tests := []struct {
		name     string
		query    url.Values
		want     int
		wantBody string
	}{
		{"good", good("5837397520605418927"), 200, "5837397520605418927"},
		{"echo as received", good(`<a&b> "x" 你`), 200, `<a&b> "x" 你`},
		{"empty echo", without(good(""), "echostr"), 200, ""},
		{"upper-case hex", with(good("1"), "signature", strings.ToUpper(sig(testToken, testTS, testNonce))), 200, "1"},
		{"bad signature", with(good("1"), "signature", sig("other", testTS, testNonce)), 403, ""},
		{"signature of other nonce", with(good("1"), "nonce", "2"), 403, ""},
		{"missing signature", without(good("1"), "signature"), 403, ""},
		{"missing timestamp", without(good("1"), "timestamp"), 403, ""},
		{"not hex", with(good("1"), "signature", strings.Repeat("z", 40)), 403, ""},
		{"short", with(good("1"), "signature", sig(testToken, testTS, testNonce)[:38]), 403, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, rec, _ := newTestAdapter(t)
			w := do(a, http.MethodGet, tc.query, nil)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d", w.Code, tc.want)
			}
			if tc.want == 200 {
				if got := w.Body.String(); got != tc.wantBody {
					t.Errorf("body %q, want %q", got, tc.wantBody)
				}
				if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
					t.Errorf("content type %q", ct)
				}
			}
			if rec.count() != 0 || a.Stats() != (Stats{}) {
				t.Errorf("receiver called or stats %+v", a.Stats())
			}
		})
	}
}

func TestVerifyEmptyConfiguredToken(t *testing.T) {
	a := New(Config{AppID: testAppID, OriginalID: testOriginal}, &recorder{})
	q := url.Values{"signature": {sig("", testTS, testNonce)}, "timestamp": {testTS}, "nonce": {testNonce}, "echostr": {"1"}}
	if w := do(a, http.MethodGet, q, nil); w.Code != 403 {
		t.Fatalf("status %d, want 403", w.Code)
	}
	// A POST signed with the empty token is refused too.
	if w := do(a, http.MethodPost, q, textMsg("o1", "1", "x")); w.Code != 403 {
		t.Fatalf("POST: status %d, want 403", w.Code)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	a, _, _ := newTestAdapter(t)
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodHead, http.MethodPatch} {
		if w := do(a, m, plainQuery(), nil); w.Code != 405 || w.Header().Get("Allow") != "GET, POST" {
			t.Errorf("%s: status %d, want 405", m, w.Code)
		}
	}
}

func TestPlainSignatureRefusal(t *testing.T) {
	body := textMsg("o1", "100", "hello")
	q := func(k, v string) url.Values {
		q := plainQuery()
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return q
	}
	tests := []struct {
		name  string
		query url.Values
		want  int
	}{
		{"unsigned", q("signature", ""), 401},
		{"no query at all", url.Values{}, 401},
		{"forged", q("signature", sig("other-token", testTS, testNonce)), 403},
		{"other timestamp", q("timestamp", "1409735670"), 403},
		{"missing nonce", q("nonce", ""), 403},
		{"not hex", q("signature", strings.Repeat("g", 40)), 403},
		{"short", q("signature", sig(testToken, testTS, testNonce)[:39]), 403},
		{"body signed instead", q("signature", sig(testToken, testTS, testNonce, string(body))), 403},
		{"msg_signature only, not safe mode", func() url.Values {
			v := q("signature", "")
			v.Set("msg_signature", sig(testToken, testTS, testNonce, ""))
			return v
		}(), 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, rec, _ := newTestAdapter(t)
			if w := do(a, http.MethodPost, tc.query, body); w.Code != tc.want {
				t.Fatalf("status %d, want %d", w.Code, tc.want)
			}
			if rec.count() != 0 || remembered(a) != 0 {
				t.Fatal("refused webhook reached the receiver or dedupe")
			}
			if s := a.Stats(); s != (Stats{Rejected: 1}) {
				t.Fatalf("stats %+v", s)
			}
			// The refused webhook must not poison dedupe.
			if w := postPlain(a, body); w.Code != 200 || len(rec.received) != 1 || rec.received[0].In.MessageID != "100" {
				t.Fatalf("signed retry: status %d, received %+v", w.Code, rec.received)
			}
		})
	}
}

// decryptRaw AES-256-CBC-decrypts ct with key and IV key[:16].
func decryptRaw(t testing.TB, key, ct []byte) []byte {
	t.Helper()
	if len(ct) == 0 || len(ct)%16 != 0 {
		t.Fatalf("ciphertext of %d bytes", len(ct))
	}
	return decryptBlocks(key, ct)
}

func TestSafeModeRefusal(t *testing.T) {
	key := testKey(t)
	msg := textMsg("o1", "200", "hello")
	good := encryptMsg(t, msg)
	pad := func(b []byte, p int, fill byte) []byte { // b padded with p bytes of fill
		return append(append([]byte(nil), b...), bytes.Repeat([]byte{fill}, p)...)
	}
	unpadded := func(random string, msg []byte, appID string) []byte {
		e := envelope(random, msg, appID)
		return e[:len(e)-int(e[len(e)-1])]
	}
	base := unpadded("0123456789abcdef", msg, testAppID)
	p := 32 - len(base)%32
	enc := func(plain []byte) string { return encryptRaw(t, key, plain) }

	// Each case is a query and a body.
	signed := func(encrypt string) (url.Values, []byte) { return safeQuery(encrypt), safeBody(encrypt) }
	tamperLast := func() string { // flips a bit of the last block's ciphertext
		ct, _ := base64.StdEncoding.DecodeString(good)
		ct[len(ct)-1] ^= 0x01
		return base64.StdEncoding.EncodeToString(ct)
	}
	tests := []struct {
		name  string
		build func() (url.Values, []byte)
		want  int
	}{
		{"missing msg_signature", func() (url.Values, []byte) {
			q, b := signed(good)
			q.Del("msg_signature")
			return q, b
		}, 401},
		{"missing both signatures", func() (url.Values, []byte) {
			q, b := signed(good)
			q.Del("msg_signature")
			q.Del("signature")
			return q, b
		}, 401},
		{"Encrypt element without encrypt_type or msg_signature", func() (url.Values, []byte) {
			return plainQuery(), safeBody(good)
		}, 401},
		{"tampered msg_signature", func() (url.Values, []byte) {
			q, b := signed(good)
			s := []byte(q.Get("msg_signature"))
			s[0] ^= 1
			q.Set("msg_signature", string(s))
			return q, b
		}, 403},
		{"msg_signature of the other signature", func() (url.Values, []byte) {
			q, b := signed(good)
			q.Set("msg_signature", sig(testToken, testTS, testNonce))
			return q, b
		}, 403},
		{"msg_signature with another token", func() (url.Values, []byte) {
			q, b := signed(good)
			q.Set("msg_signature", sig("other", testTS, testNonce, good))
			return q, b
		}, 403},
		{"wrong plain signature beside a good msg_signature", func() (url.Values, []byte) {
			q, b := signed(good)
			q.Set("signature", sig("other", testTS, testNonce))
			return q, b
		}, 403},
		{"tampered ciphertext, signature not redone", func() (url.Values, []byte) {
			q, _ := signed(good)
			return q, safeBody(tamperLast())
		}, 403},
		{"tampered ciphertext, re-signed (token known, key not)", func() (url.Values, []byte) {
			return signed(tamperLast())
		}, 403},
		{"ciphertext encrypted with another key", func() (url.Values, []byte) {
			other := bytes.Repeat([]byte{7}, 32)
			return signed(encryptRaw(t, other, envelope("0123456789abcdef", msg, testAppID)))
		}, 403},
		{"wrong AppID in plaintext", func() (url.Values, []byte) {
			return signed(enc(envelope("0123456789abcdef", msg, "wx0000000000000000")))
		}, 403},
		{"no AppID in plaintext", func() (url.Values, []byte) {
			return signed(enc(envelope("0123456789abcdef", msg, "")))
		}, 403},
		{"AppID with a suffix", func() (url.Values, []byte) {
			return signed(enc(envelope("0123456789abcdef", msg, testAppID+"x")))
		}, 403},
		{"pad value 0", func() (url.Values, []byte) { return signed(enc(pad(base, p, 0))) }, 403},
		{"pad value 33", func() (url.Values, []byte) {
			b := pad(base, p+32, 33)
			return signed(enc(b))
		}, 403},
		{"pad bytes differ", func() (url.Values, []byte) {
			b := pad(base, p, byte(p))
			b[len(b)-2] ^= 0x40
			return signed(enc(b))
		}, 403},
		{"PKCS#7 to 16 where 32 is needed", func() (url.Values, []byte) {
			// Padding to 16 bytes leaves the last byte naming fewer pad
			// bytes than were added; unpadding then leaves a stray
			// byte after the app id.
			b := append([]byte(nil), base...)
			p16 := 16 - len(b)%16
			if p16 == p {
				t.Skip("padding lengths coincide")
			}
			b = pad(b, p16, byte(p16))
			if len(b)%32 != 0 {
				b = pad(b, 16, 16)
			}
			return signed(enc(b))
		}, 403},
		{"length beyond the plaintext", func() (url.Values, []byte) {
			b := append([]byte(nil), base...)
			b[19] = 0xff
			return signed(enc(pad(b, p, byte(p))))
		}, 403},
		{"length 2^32-1", func() (url.Values, []byte) {
			b := append([]byte(nil), base...)
			copy(b[16:20], []byte{0xff, 0xff, 0xff, 0xff})
			return signed(enc(pad(b, p, byte(p))))
		}, 403},
		{"plaintext shorter than 20 bytes", func() (url.Values, []byte) {
			return signed(enc(pad([]byte("0123456789abcdef"), 16, 16)))
		}, 403},
		{"not base64", func() (url.Values, []byte) { return signed("!!!" + good) }, 400},
		{"not whole blocks", func() (url.Values, []byte) {
			ct, _ := base64.StdEncoding.DecodeString(good)
			return signed(base64.StdEncoding.EncodeToString(ct[:len(ct)-1]))
		}, 400},
		{"empty Encrypt", func() (url.Values, []byte) { return signed("") }, 400},
		{"encrypt_type=aes without an Encrypt element", func() (url.Values, []byte) {
			q, _ := signed("")
			return q, msg
		}, 400},
		{"decrypted payload is not XML", func() (url.Values, []byte) {
			return signed(enc(envelope("0123456789abcdef", []byte("not xml"), testAppID)))
		}, 400},
		{"decrypted payload has another root", func() (url.Values, []byte) {
			return signed(enc(envelope("0123456789abcdef", []byte("<doc/>"), testAppID)))
		}, 400},
		{"outer body malformed", func() (url.Values, []byte) {
			q, b := signed(good)
			return q, b[:len(b)-3]
		}, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, rec, _ := newTestAdapter(t)
			q, body := tc.build()
			if w := do(a, http.MethodPost, q, body); w.Code != tc.want {
				t.Fatalf("status %d (%s), want %d", w.Code, strings.TrimSpace(w.Body.String()), tc.want)
			}
			if rec.count() != 0 || remembered(a) != 0 {
				t.Fatal("refused webhook reached the receiver or dedupe")
			}
			if s := a.Stats(); s != (Stats{Rejected: 1}) {
				t.Fatalf("stats %+v", s)
			}
			if w := postSafe(t, a, msg); w.Code != 200 || len(rec.received) != 1 {
				t.Fatalf("good retry: status %d, received %d", w.Code, len(rec.received))
			}
		})
	}
}

func TestUnpad(t *testing.T) {
	block := func(n int, fill byte) []byte { return bytes.Repeat([]byte{fill}, n) }
	tests := []struct {
		name string
		in   []byte
		want int // length left; -1 for a refusal
	}{
		{"one byte of 1", append(block(31, 'x'), 1), 31},
		{"a whole block of 32", block(64, 32), 32},
		{"16 of 16", append(block(16, 'x'), block(16, 16)...), 16},
		{"all of it", block(32, 32), 0},
		{"zero", append(block(31, 'x'), 0), -1},
		{"33", block(64, 33), -1},
		{"255", block(256, 255), -1},
		{"longer than the input", []byte{2}, -1},
		{"a pad byte differs", append(block(29, 'x'), 3, 2, 3), -1},
		{"empty", nil, -1},
	}
	for _, tc := range tests {
		got, ok := unpad(tc.in)
		if tc.want < 0 && ok || tc.want >= 0 && (!ok || len(got) != tc.want) {
			t.Errorf("%s: %d bytes, %v; want %d", tc.name, len(got), ok, tc.want)
		}
	}
}

func TestEmptyAppIDOpensNothing(t *testing.T) {
	// An adapter without an AppID refuses even a payload whose app id is
	// empty too.
	rec := &recorder{}
	cfg := testConfig(&fakeClock{now: t0})
	cfg.AppID = ""
	a := New(cfg, rec)
	enc := encryptRaw(t, testKey(t), envelope("0123456789abcdef", textMsg("o1", "1", "x"), ""))
	if w := do(a, http.MethodPost, safeQuery(enc), safeBody(enc)); w.Code != 403 || rec.count() != 0 {
		t.Fatalf("status %d", w.Code)
	}
}

func TestSafeModeMisconfigured(t *testing.T) {
	enc := encryptMsg(t, textMsg("o1", "1", "x"))
	for name, mod := range map[string]func(*Config){
		"no EncodingAESKey":       func(c *Config) { c.EncodingAESKey = "" },
		"EncodingAESKey too long": func(c *Config) { c.EncodingAESKey = testAESKey + "A" },
		"EncodingAESKey not base64": func(c *Config) {
			c.EncodingAESKey = "!" + testAESKey[1:]
		},
		"no AppID": func(c *Config) { c.AppID = "" },
	} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			cfg := testConfig(&fakeClock{now: t0})
			mod(&cfg)
			a := New(cfg, rec)
			if w := do(a, http.MethodPost, safeQuery(enc), safeBody(enc)); w.Code != 403 {
				t.Fatalf("status %d, want 403", w.Code)
			}
			if rec.count() != 0 {
				t.Fatal("receiver called")
			}
			// Plaintext mode still works (its key checks do not apply).
			if w := postPlain(a, textMsg("o1", "1", "x")); w.Code != 200 || len(rec.received) != 1 {
				t.Fatalf("plaintext: status %d", w.Code)
			}
		})
	}
}

// countingReader counts the bytes read from it; it yields r's bytes, then
// endless spaces when endless is set.
type countingReader struct {
	r       io.Reader
	endless bool
	n       int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF && c.endless {
		for i := range p {
			p[i] = ' '
		}
		n, err = len(p), nil
	}
	c.n += int64(n)
	return n, err
}

func TestBodyLimit(t *testing.T) {
	small := textMsg("o1", "1", "x")
	tests := []struct {
		name          string
		query         url.Values
		contentLength int64
		endless       bool
		want          int
		maxRead       int64
		maxAlloc      uint64
	}{
		{"declares 3 MB, sends a little", plainQuery(), 3 << 20, false, 413, 0, 256 << 10},
		{"declares 1 TB", plainQuery(), 1 << 40, false, 413, 0, 256 << 10},
		{"endless, no declared length", plainQuery(), -1, true, 413, MaxBodySize + 1, 4 << 20},
		{"endless, declares 100 bytes", plainQuery(), 100, true, 413, MaxBodySize + 1, 4 << 20},
		{"unsigned endless body is not read", url.Values{}, -1, true, 401, 0, 256 << 10},
		{"safe mode without msg_signature: endless body is not read", func() url.Values { q := plainQuery(); q.Set("encrypt_type", "aes"); return q }(), -1, true, 401, 0, 256 << 10},
		{"forged endless body is not read", func() url.Values { q := plainQuery(); q.Set("signature", sig("x")); return q }(), -1, true, 403, 0, 256 << 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, rec, _ := newTestAdapter(t)
			body := &countingReader{r: bytes.NewReader(small), endless: tc.endless}
			req := httptest.NewRequest(http.MethodPost, "/wechat?"+tc.query.Encode(), nil)
			req.Body = io.NopCloser(body)
			req.ContentLength = tc.contentLength
			w := httptest.NewRecorder()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			a.ServeHTTP(w, req)
			runtime.ReadMemStats(&after)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d", w.Code, tc.want)
			}
			if body.n > tc.maxRead {
				t.Errorf("read %d bytes, want at most %d", body.n, tc.maxRead)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > tc.maxAlloc {
				t.Errorf("allocated %d bytes, want at most %d", alloc, tc.maxAlloc)
			}
			if rec.count() != 0 || a.Stats() != (Stats{Rejected: 1}) {
				t.Fatalf("receiver called or stats %+v", a.Stats())
			}
		})
	}
	t.Run("exactly at the limit", func(t *testing.T) {
		a, rec, _ := newTestAdapter(t)
		body := append(append([]byte(nil), small...), bytes.Repeat([]byte{'\n'}, MaxBodySize-len(small))...)
		if w := postPlain(a, body); w.Code != 200 || len(rec.received) != 1 {
			t.Fatalf("status %d", w.Code)
		}
		if w := postPlain(a, append(body, '\n')); w.Code != 413 {
			t.Fatalf("one byte over: status %d", w.Code)
		}
	})
	t.Run("body shorter than declared", func(t *testing.T) {
		a, rec, _ := newTestAdapter(t)
		srv := httptest.NewServer(a)
		defer srv.Close()
		// A real connection that ends early reads as an unexpected EOF.
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /wechat?%s HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n%s", plainQuery().Encode(), small)
		conn.(*net.TCPConn).CloseWrite()
		resp, _ := io.ReadAll(conn)
		if !bytes.HasPrefix(resp, []byte("HTTP/1.1 400")) || rec.count() != 0 {
			t.Fatalf("answer %q", resp)
		}
	})
}

func TestInboundMessages(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want router.Inbound // Customer is filled in as customer("o1")
	}{
		{"text", textMsg("o1", "1234567890123456", "this is a test"),
			router.Inbound{MessageID: "1234567890123456", Text: "this is a test"}},
		{"text with markup and unicode", xmlMsg("o1", "text", "<Content>a &lt;b&gt; &amp; 你好 😀\n]]&gt;</Content><MsgId>1</MsgId>"),
			router.Inbound{MessageID: "1", Text: "a <b> & 你好 😀\n]]>"}},
		{"text split CDATA", xmlMsg("o1", "text", "<Content><![CDATA[a]]]]><![CDATA[>b]]></Content><MsgId>1</MsgId>"),
			router.Inbound{MessageID: "1", Text: "a]]>b"}},
		{"empty text", xmlMsg("o1", "text", "<Content></Content><MsgId>1</MsgId>"),
			router.Inbound{MessageID: "1"}},
		{"image", xmlMsg("o1", "image", "<PicUrl><![CDATA[http://mmbiz.qpic.cn/x]]></PicUrl><MediaId><![CDATA[m]]></MediaId><MsgId>2</MsgId>"),
			router.Inbound{MessageID: "2", Attachment: &router.Attachment{Kind: "image"}}},
		{"voice amr", xmlMsg("o1", "voice", "<MediaId><![CDATA[m]]></MediaId><Format><![CDATA[amr]]></Format><MsgId>3</MsgId>"),
			router.Inbound{MessageID: "3", Attachment: &router.Attachment{Kind: "audio", Format: "amr"}}},
		{"voice speex upper case", xmlMsg("o1", "voice", "<MediaId><![CDATA[m]]></MediaId><Format><![CDATA[SPEEX]]></Format><MsgId>3</MsgId>"),
			router.Inbound{MessageID: "3", Attachment: &router.Attachment{Kind: "audio", Format: "speex"}}},
		{"voice without format", xmlMsg("o1", "voice", "<MediaId>m</MediaId><MsgId>3</MsgId>"),
			router.Inbound{MessageID: "3", Attachment: &router.Attachment{Kind: "audio"}}},
		{"video", xmlMsg("o1", "video", "<MediaId><![CDATA[m]]></MediaId><ThumbMediaId><![CDATA[t]]></ThumbMediaId><MsgId>4</MsgId>"),
			router.Inbound{MessageID: "4", Attachment: &router.Attachment{Kind: "video", Format: "mp4"}}},
		{"shortvideo", xmlMsg("o1", "shortvideo", "<MediaId>m</MediaId><ThumbMediaId>t</ThumbMediaId><MsgId>5</MsgId>"),
			router.Inbound{MessageID: "5", Attachment: &router.Attachment{Kind: "video", Format: "mp4"}}},
		{"location", xmlMsg("o1", "location", "<Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[x]]></Label><MsgId>6</MsgId>"),
			router.Inbound{MessageID: "6"}},
		{"link", xmlMsg("o1", "link", "<Title>t</Title><Description>d</Description><Url>u</Url><MsgId>7</MsgId>"),
			router.Inbound{MessageID: "7"}},
		{"future type", xmlMsg("o1", "hologram", "<Content>ignored</Content><MsgId>8</MsgId>"),
			router.Inbound{MessageID: "8"}},
		{"no MsgType", []byte("<xml><ToUserName>" + testOriginal + "</ToUserName><FromUserName>o1</FromUserName><MsgId>9</MsgId><Content>x</Content></xml>"),
			router.Inbound{MessageID: "9"}},
		{"no MsgId", xmlMsg("o1", "text", "<Content>x</Content>"),
			router.Inbound{Text: "x"}},
	}
	for _, tc := range tests {
		for _, mode := range []string{"plaintext", "safe"} {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				a, rec, _ := newTestAdapter(t)
				var w *httptest.ResponseRecorder
				if mode == "safe" {
					w = postSafe(t, a, tc.body)
				} else {
					w = postPlain(a, tc.body)
				}
				if w.Code != 200 || w.Body.String() != "success" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
					t.Fatalf("answer %d %q %q", w.Code, w.Body, w.Header().Get("Content-Type"))
				}
				want := tc.want
				want.Customer = customer("o1")
				if len(rec.received) != 1 || !reflect.DeepEqual(rec.received[0].In, want) {
					t.Fatalf("received %+v, want %+v", rec.received, want)
				}
				if s := a.Stats(); s != (Stats{Received: 1}) {
					t.Fatalf("stats %+v", s)
				}
			})
		}
	}
}

func TestEvents(t *testing.T) {
	var mu sync.Mutex
	var events []Event
	rec := &recorder{}
	clock := &fakeClock{now: t0}
	cfg := testConfig(clock)
	cfg.OnEvent = func(now time.Time, e Event) {
		if !now.Equal(clock.Now()) {
			t.Errorf("event time %v", now)
		}
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
	}
	a := New(cfg, rec)
	scan := []byte("<xml><ToUserName>" + testOriginal + "</ToUserName><FromUserName>o2</FromUserName><CreateTime>1700000001</CreateTime><MsgType>event</MsgType><Event>SCAN</Event><EventKey>123</EventKey><Ticket>TICKET</Ticket></xml>")
	bodies := [][]byte{
		eventMsg("o1", 1700000000, "subscribe", "qrscene_123"),
		eventMsg("o1", 1700000000, "subscribe", "qrscene_123"), // WeChat's retry
		eventMsg("o1", 1700000000, "CLICK", "MENU_A"),          // same second, another event
		eventMsg("o1", 1700000000, "CLICK", "MENU_B"),          // same second, another key
		eventMsg("o1", 1700000001, "CLICK", "MENU_A"),          // another second
		eventMsg("o3", 1700000000, "CLICK", "MENU_A"),          // another user
		eventMsg("o1", 1700000002, "VIEW", "https://example.com/"),
		eventMsg("o1", 1700000003, "unsubscribe", ""),
		scan,
	}
	for i, b := range bodies {
		var w *httptest.ResponseRecorder
		if i%2 == 0 {
			w = postPlain(a, b)
		} else {
			w = postSafe(t, a, b)
		}
		if w.Code != 200 || w.Body.String() != "success" {
			t.Fatalf("%d: status %d", i, w.Code)
		}
	}
	// The retry in the other mode is still a duplicate.
	postSafe(t, a, scan)
	if rec.count() != 0 {
		t.Fatalf("events reached the receiver: %+v", rec.received)
	}
	if s := a.Stats(); s != (Stats{Events: 8, Duplicates: 2}) {
		t.Fatalf("stats %+v", s)
	}
	want := []Event{
		{customer("o1"), "subscribe", "qrscene_123", "", 1700000000},
		{customer("o1"), "CLICK", "MENU_A", "", 1700000000},
		{customer("o1"), "CLICK", "MENU_B", "", 1700000000},
		{customer("o1"), "CLICK", "MENU_A", "", 1700000001},
		{customer("o3"), "CLICK", "MENU_A", "", 1700000000},
		{customer("o1"), "VIEW", "https://example.com/", "", 1700000002},
		{customer("o1"), "unsubscribe", "", "", 1700000003},
		{customer("o2"), "SCAN", "123", "TICKET", 1700000001},
	}
	if !reflect.DeepEqual(events, want) {
		t.Fatalf("events\n got %+v\nwant %+v", events, want)
	}
	// Without OnEvent, events are still counted and still not routed.
	a2, rec2, _ := newTestAdapter(t)
	postPlain(a2, bodies[0])
	if rec2.count() != 0 || a2.Stats() != (Stats{Events: 1}) {
		t.Fatalf("stats %+v", a2.Stats())
	}
}

func TestDuplicates(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	body := textMsg("o1", "6054768590064713728", "hello")
	for i := range 3 {
		if w := postPlain(a, body); w.Code != 200 || w.Body.String() != "success" {
			t.Fatalf("delivery %d: status %d", i, w.Code)
		}
	}
	// The same MsgId in safe mode, even with other content, is a duplicate.
	if w := postSafe(t, a, textMsg("o1", "6054768590064713728", "other")); w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	// Messages without MsgId are keyed by sender, CreateTime and type.
	noID := xmlMsg("o1", "text", "<Content>x</Content>")
	postPlain(a, noID)
	postPlain(a, noID)
	postPlain(a, xmlMsg("o2", "text", "<Content>x</Content>"))
	// An event's key never matches a message's.
	postPlain(a, eventMsg("o1", 1348831860, "text", ""))
	if len(rec.received) != 3 {
		t.Fatalf("received %d, want 3", len(rec.received))
	}
	if s := a.Stats(); s != (Stats{Received: 3, Duplicates: 4, Events: 1}) {
		t.Fatalf("stats %+v", s)
	}
}

func TestDedupeWindow(t *testing.T) {
	tests := []struct {
		name     string
		window   time.Duration
		advance  time.Duration
		received int
	}{
		{"default window, 47h59m later", 0, 47*time.Hour + 59*time.Minute, 1},
		{"default window, 48h later", 0, 48 * time.Hour, 2},
		{"1h window, 59m later", time.Hour, 59 * time.Minute, 1},
		{"1h window, 1h later", time.Hour, time.Hour, 2},
		{"1h window, clock backwards", time.Hour, -2 * time.Hour, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			clock := &fakeClock{now: t0}
			cfg := testConfig(clock)
			cfg.DedupeWindow = tc.window
			a := New(cfg, rec)
			body := textMsg("o1", "77", "hello")
			postPlain(a, body)
			clock.Advance(tc.advance)
			postPlain(a, body)
			if len(rec.received) != tc.received {
				t.Fatalf("received %d, want %d", len(rec.received), tc.received)
			}
		})
	}
}

func TestDedupePruning(t *testing.T) {
	rec := &recorder{}
	clock := &fakeClock{now: t0}
	cfg := testConfig(clock)
	cfg.DedupeWindow = time.Minute
	a := New(cfg, rec)
	for i := range 1000 {
		postPlain(a, textMsg("o1", fmt.Sprint(i), "x"))
		clock.Advance(time.Second)
	}
	a.mu.Lock()
	seen := a.seen.Len()
	a.mu.Unlock()
	if seen > 61 {
		t.Fatalf("remembered %d ids; want at most 61", seen)
	}
	// Recent ids are still duplicates; old ones are new again.
	postPlain(a, textMsg("o1", "999", "x"))
	postPlain(a, textMsg("o1", "0", "x"))
	if len(rec.received) != 1001 || rec.received[1000].In.MessageID != "0" {
		t.Fatalf("received %d", len(rec.received))
	}
}

func TestIgnored(t *testing.T) {
	other := bytes.Replace(textMsg("o1", "1", "x"), []byte(testOriginal), []byte("gh_other"), 1)
	tests := []struct {
		name       string
		originalID string
		body       []byte
	}{
		{"other account", testOriginal, other},
		{"no ToUserName", testOriginal, []byte("<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType><MsgId>1</MsgId></xml>")},
		{"no FromUserName", testOriginal, []byte("<xml><ToUserName>" + testOriginal + "</ToUserName><MsgType>text</MsgType><MsgId>1</MsgId></xml>")},
		{"ToUserName differs in case", testOriginal, bytes.Replace(textMsg("o1", "1", "x"), []byte(testOriginal), []byte(strings.ToUpper(testOriginal)), 1)},
		{"no OriginalID configured", "", textMsg("o1", "1", "x")},
		{"no OriginalID configured, none addressed", "", []byte("<xml><ToUserName></ToUserName><FromUserName>o1</FromUserName><MsgType>text</MsgType><MsgId>1</MsgId></xml>")},
		{"empty document", testOriginal, []byte("<xml/>")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			cfg := testConfig(&fakeClock{now: t0})
			cfg.OriginalID = tc.originalID
			a := New(cfg, rec)
			if w := postPlain(a, tc.body); w.Code != 200 || w.Body.String() != "success" {
				t.Fatalf("status %d %q", w.Code, w.Body)
			}
			if rec.count() != 0 || remembered(a) != 0 {
				t.Fatal("ignored message routed or remembered")
			}
			if s := a.Stats(); s != (Stats{Ignored: 1}) {
				t.Fatalf("stats %+v", s)
			}
		})
	}
	// An ignored message does not make the properly addressed one a
	// duplicate.
	a, rec, _ := newTestAdapter(t)
	postPlain(a, other)
	postPlain(a, textMsg("o1", "1", "x"))
	if len(rec.received) != 1 {
		t.Fatalf("received %d", len(rec.received))
	}
}

func TestMalformed(t *testing.T) {
	good := string(textMsg("o1", "1", "x"))
	tests := []struct{ name, body string }{
		{"empty", ``},
		{"white space", " \n\t"},
		{"not XML", `hello`},
		{"JSON", `{"ToUserName":"gh"}`},
		{"other root", strings.ReplaceAll(good, "xml>", "msg>")},
		{"truncated", good[:len(good)-4]},
		{"unclosed element", strings.Replace(good, "</Content>", "", 1)},
		{"mismatched tags", strings.Replace(good, "</Content>", "</Contents>", 1)},
		{"text before the root", "x" + good},
		{"text after the root", good + "x"},
		{"second root", good + good},
		{"element after the root", good + "<a/>"},
		{"DOCTYPE", `<!DOCTYPE xml [<!ENTITY a "b">]>` + good},
		{"undefined entity", strings.Replace(good, "1348831860", "&a;", 1)},
		{"CreateTime not a number", strings.Replace(good, "1348831860", "soon", 1)},
		{"CreateTime overflows int64", strings.Replace(good, "1348831860", "99999999999999999999", 1)},
		{"invalid UTF-8", strings.Replace(good, "[x]", "[\xff]", 1)},
		{"control character", strings.Replace(good, "[x]", "[\x01]", 1)},
		{"GBK declared", `<?xml version="1.0" encoding="GBK"?>` + good},
		{"bad attribute", `<xml a=b>` + good[5:]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, rec, _ := newTestAdapter(t)
			if w := postPlain(a, []byte(tc.body)); w.Code != 400 {
				t.Fatalf("status %d, want 400", w.Code)
			}
			if rec.count() != 0 || remembered(a) != 0 {
				t.Fatal("malformed webhook routed or remembered")
			}
			if s := a.Stats(); s != (Stats{Rejected: 1}) {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}

func TestXMLShapes(t *testing.T) {
	head := "<ToUserName>" + testOriginal + "</ToUserName><FromUserName>o1</FromUserName>"
	tests := []struct {
		name string
		body string
		want router.Inbound // Customer is filled in as customer("o1")
	}{
		{"declaration, comments and white space",
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- a -->\n<xml>\n  " + head + "\n  <MsgType>text</MsgType>\n  <Content>x</Content>\n  <MsgId>1</MsgId>\n</xml>\n<!-- b -->\n",
			router.Inbound{MessageID: "1", Text: "x"}},
		{"elements in any order", "<xml><MsgId>1</MsgId><Content>x</Content><MsgType>text</MsgType>" + head + "</xml>",
			router.Inbound{MessageID: "1", Text: "x"}},
		{"repeated element: the last wins", "<xml>" + head + "<MsgType>text</MsgType><Content>a</Content><Content>b</Content><MsgId>1</MsgId></xml>",
			router.Inbound{MessageID: "1", Text: "b"}},
		{"child elements skipped, text joined", "<xml>" + head + "<MsgType>text</MsgType><Content>a<b>x</b>c</Content><MsgId>1</MsgId></xml>",
			router.Inbound{MessageID: "1", Text: "ac"}},
		{"names are case-sensitive", "<xml>" + head + "<MsgType>text</MsgType><content>x</content><MsgID>1</MsgID></xml>",
			router.Inbound{}},
		{"namespaces ignored", `<xml xmlns="urn:x">` + head + "<MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>",
			router.Inbound{MessageID: "1", Text: "x"}},
		{"unknown elements ignored", "<xml>" + head + "<MsgType>text</MsgType><Extra><A>1</A></Extra><Content>x</Content><MsgId>1</MsgId><Idx>2</Idx></xml>",
			router.Inbound{MessageID: "1", Text: "x"}},
		{"MsgType kept exactly", "<xml>" + head + "<MsgType> text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>",
			router.Inbound{MessageID: "1"}},
		{"CreateTime with white space", "<xml>" + head + "<CreateTime> 12 </CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>",
			router.Inbound{MessageID: "1", Text: "x"}},
		{"character references", "<xml>" + head + "<MsgType>text</MsgType><Content>&#20320;&#x597D;&quot;</Content><MsgId>1</MsgId></xml>",
			router.Inbound{MessageID: "1", Text: "你好\""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, rec, _ := newTestAdapter(t)
			if w := postPlain(a, []byte(tc.body)); w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
			want := tc.want
			want.Customer = customer("o1")
			if len(rec.received) != 1 || !reflect.DeepEqual(rec.received[0].In, want) {
				t.Fatalf("received %+v, want %+v", rec.received, want)
			}
		})
	}
}

func TestTimestampSkew(t *testing.T) {
	ts := fmt.Sprint(t0.Unix())
	query := func(ts string) url.Values {
		return url.Values{"signature": {sig(testToken, ts, testNonce)}, "timestamp": {ts}, "nonce": {testNonce}, "echostr": {"e"}}
	}
	tests := []struct {
		name  string
		skew  time.Duration
		ts    string
		want  int
		wantG int
	}{
		{"unchecked, old", 0, testTS, 200, 200},
		{"unchecked, not a number", 0, "soon", 200, 200},
		{"now", time.Minute, ts, 200, 200},
		{"a minute late", time.Minute, fmt.Sprint(t0.Unix() - 60), 200, 200},
		{"a minute and a second late", time.Minute, fmt.Sprint(t0.Unix() - 61), 403, 403},
		{"a minute early", time.Minute, fmt.Sprint(t0.Unix() + 60), 200, 200},
		{"too early", time.Minute, fmt.Sprint(t0.Unix() + 61), 403, 403},
		{"not a number", time.Minute, "soon", 403, 403},
		{"empty", time.Minute, "", 403, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			cfg := testConfig(&fakeClock{now: t0})
			cfg.MaxTimestampSkew = tc.skew
			a := New(cfg, rec)
			if w := do(a, http.MethodPost, query(tc.ts), textMsg("o1", "1", "x")); w.Code != tc.want {
				t.Fatalf("POST: status %d, want %d", w.Code, tc.want)
			}
			if w := do(a, http.MethodGet, query(tc.ts), nil); w.Code != tc.wantG {
				t.Fatalf("GET: status %d, want %d", w.Code, tc.wantG)
			}
			if tc.want != 200 && rec.count() != 0 {
				t.Fatal("receiver called")
			}
		})
	}
}

func TestReceiveErrorStillOK(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	rec.err = errors.New("engine says no")
	body := textMsg("o1", "1", "x")
	if w := postPlain(a, body); w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	if w := postPlain(a, body); w.Code != 200 || len(rec.received) != 1 {
		t.Fatalf("status %d, received %d", w.Code, len(rec.received))
	}
}

func TestConcurrentWebhooks(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				if g%2 == 0 {
					postPlain(a, textMsg("o1", fmt.Sprint(i), "x"))
				} else {
					postSafe(t, a, textMsg("o1", fmt.Sprint(i), "x"))
				}
				a.Stats()
			}
		}()
	}
	wg.Wait()
	if len(rec.received) != 100 {
		t.Fatalf("received %d, want 100", len(rec.received))
	}
	if s := a.Stats(); s.Received != 100 || s.Duplicates != 700 {
		t.Fatalf("stats %+v", s)
	}
}

func TestThroughRealServer(t *testing.T) {
	a, rec, _ := newTestAdapter(t)
	srv := httptest.NewServer(a)
	defer srv.Close()
	post := func(q url.Values, body []byte) (int, string) {
		resp, err := http.Post(srv.URL+"/wechat?"+q.Encode(), "text/xml", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(plainQuery(), textMsg("o1", "1", "über")); code != 200 || body != "success" {
		t.Fatalf("plaintext: %d %q", code, body)
	}
	enc := encryptMsg(t, textMsg("o1", "2", "safe"))
	if code, body := post(safeQuery(enc), safeBody(enc)); code != 200 || body != "success" {
		t.Fatalf("safe: %d %q", code, body)
	}
	resp, err := http.Get(srv.URL + "/wechat?" + url.Values{"signature": {sig(testToken, "1", "2")}, "timestamp": {"1"}, "nonce": {"2"}, "echostr": {"hi"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "hi" {
		t.Fatalf("handshake: %d %q", resp.StatusCode, b)
	}
	if len(rec.received) != 2 || rec.received[0].In.Text != "über" || rec.received[1].In.Text != "safe" {
		t.Fatalf("received %+v", rec.received)
	}
}

func TestPolicy(t *testing.T) {
	p := Policy()
	const mb = 1 << 20
	want := router.Policy{
		Window:                     48 * time.Hour,
		WindowAnchor:               router.AnchorLastInbound,
		ReplyLimit:                 5,
		ReplyLimitReset:            router.ResetOnInbound,
		NewConversationAfterWindow: true,
		MaxTextBytes:               2048,
		Attachments: map[string]router.AttachmentRule{
			"image": {Formats: []string{"jpeg", "png", "jpg"}, MaxBytes: 10 * mb},
			"audio": {Formats: []string{"mp3", "mpeg", "amr"}, MaxBytes: 2 * mb},
			"video": {Formats: []string{"mp4"}, MaxBytes: 10 * mb},
		},
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("policy\n got %+v\nwant %+v", p, want)
	}
	// Each call returns its own map.
	p.Attachments["document"] = router.AttachmentRule{}
	if _, ok := Policy().Attachments["document"]; ok {
		t.Fatal("policies share their attachment map")
	}
}
