package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnisim/omnisim/router"
)

// The test account. Token, key and ids are those of Tencent's
// WXBizMsgCrypt sample, so its published vectors fit the default adapter.
const (
	testToken    = "spamtest"
	testAESKey   = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	testAppID    = "wx2c2769f8efd9abc2"
	testOriginal = "gh_10f6c3c3ac5a"
	testTS       = "1409735669"
	testNonce    = "1320562132"
)

var t0 = time.Date(2025, 6, 9, 12, 0, 0, 0, time.UTC)

type receiveCall struct {
	Now time.Time
	In  router.Inbound // without Sent, which the tables of fixtures leave out
	// Sent is In.Sent: the platform's time of the message (timestamp_test.go).
	Sent time.Time
}

// recorder is a router.Receiver that records its calls.
type recorder struct {
	mu       sync.Mutex
	received []receiveCall
	statuses int
	err      error
}

func (r *recorder) Receive(now time.Time, in router.Inbound) (router.ConversationID, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sent := in.Sent
	in.Sent = time.Time{}
	r.received = append(r.received, receiveCall{now, in, sent})
	return router.ConversationID(len(r.received)), r.err
}

func (r *recorder) Status(time.Time, router.CustomerKey, string, string, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statuses++
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.received) + r.statuses
}

// fakeClock is a settable Clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func testConfig(clock *fakeClock) Config {
	return Config{
		AppID:          testAppID,
		AppSecret:      "app-secret",
		Token:          testToken,
		EncodingAESKey: testAESKey,
		OriginalID:     testOriginal,
		Clock:          clock.Now,
	}
}

func newTestAdapter(t testing.TB) (*Adapter, *recorder, *fakeClock) {
	t.Helper()
	rec := &recorder{}
	clock := &fakeClock{now: t0}
	return New(testConfig(clock), rec), rec, clock
}

// sig is WeChat's signature, computed here independently of the package:
// hex(sha1(the parts sorted and joined)).
func sig(parts ...string) string {
	s := append([]string(nil), parts...)
	sort.Strings(s)
	sum := sha1.Sum([]byte(strings.Join(s, "")))
	return hex.EncodeToString(sum[:])
}

// testKey is the AES key of testAESKey.
func testKey(t testing.TB) []byte {
	key, err := base64.StdEncoding.DecodeString(testAESKey + "=")
	if err != nil || len(key) != 32 {
		t.Fatalf("key: %d bytes, %v", len(key), err)
	}
	return key
}

// encryptRaw AES-256-CBC-encrypts plain (a multiple of 16 bytes, padding
// included) with key and IV key[:16] and returns the base64.
func encryptRaw(t testing.TB, key, plain []byte) string {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out)
}

// envelope builds random16 + big-endian length + msg + appID, PKCS#7-padded
// to 32 bytes.
func envelope(random string, msg []byte, appID string) []byte {
	var b bytes.Buffer
	b.WriteString(random)
	binary.Write(&b, binary.BigEndian, uint32(len(msg)))
	b.Write(msg)
	b.WriteString(appID)
	p := 32 - b.Len()%32
	b.Write(bytes.Repeat([]byte{byte(p)}, p))
	return b.Bytes()
}

// encryptMsg is a correct safe-mode Encrypt value for msg.
func encryptMsg(t testing.TB, msg []byte) string {
	return encryptRaw(t, testKey(t), envelope("0123456789abcdef", msg, testAppID))
}

// plainQuery is the query of a plaintext-mode webhook.
func plainQuery() url.Values {
	return url.Values{
		"signature": {sig(testToken, testTS, testNonce)},
		"timestamp": {testTS},
		"nonce":     {testNonce},
		"openid":    {"o1"},
	}
}

// safeQuery is the query of a safe-mode webhook carrying encrypt.
func safeQuery(encrypt string) url.Values {
	q := plainQuery()
	q.Set("encrypt_type", "aes")
	q.Set("msg_signature", sig(testToken, testTS, testNonce, encrypt))
	return q
}

// safeBody is a safe-mode envelope.
func safeBody(encrypt string) []byte {
	return []byte("<xml><ToUserName><![CDATA[" + testOriginal + "]]></ToUserName><Encrypt><![CDATA[" + encrypt + "]]></Encrypt></xml>")
}

// do sends a request to the adapter and returns the recorder.
func do(a *Adapter, method string, q url.Values, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/wechat?"+q.Encode(), bytes.NewReader(body))
	req.Header.Set("Content-Type", "text/xml")
	w := httptest.NewRecorder()
	a.ServeHTTP(w, req)
	return w
}

// postPlain POSTs body in plaintext mode.
func postPlain(a *Adapter, body []byte) *httptest.ResponseRecorder {
	return do(a, http.MethodPost, plainQuery(), body)
}

// postSafe encrypts msg and POSTs it in safe mode.
func postSafe(t testing.TB, a *Adapter, msg []byte) *httptest.ResponseRecorder {
	enc := encryptMsg(t, msg)
	return do(a, http.MethodPost, safeQuery(enc), safeBody(enc))
}

// xmlMsg builds a message to the test account from openid from with the
// given elements (already formatted).
func xmlMsg(from, msgType, elems string) []byte {
	return []byte(fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[%s]]></MsgType>%s</xml>",
		testOriginal, from, msgType, elems))
}

func textMsg(from, msgID, content string) []byte {
	return xmlMsg(from, "text", "<Content><![CDATA["+content+"]]></Content><MsgId>"+msgID+"</MsgId>")
}

func eventMsg(from string, createTime int64, event, key string) []byte {
	return []byte(fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[%s]]></Event><EventKey><![CDATA[%s]]></EventKey></xml>",
		testOriginal, from, createTime, event, key))
}

func customer(openID string) router.CustomerKey {
	return router.CustomerKey{Channel: Channel, Account: testAppID, Customer: openID}
}

// remembered is the number of dedupe keys the adapter holds.
func remembered(a *Adapter) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.seen.Len()
}

// decryptBlocks AES-256-CBC-decrypts whole blocks with key and IV key[:16].
func decryptBlocks(key, ct []byte) []byte {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	out := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(out, ct)
	return out
}

// xmlUnmarshal decodes an <xml> document into the fields of v.
func xmlUnmarshal(doc []byte, v any) error { return xml.Unmarshal(doc, v) }

// handlerTransport serves requests with an in-process handler (no sockets).
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	t.h.ServeHTTP(w, r)
	if r.Body != nil {
		r.Body.Close()
	}
	resp := w.Result()
	resp.Request = r
	return resp, nil
}
