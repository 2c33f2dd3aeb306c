package douyin

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/omnisim/omnisim/router"
)

// receiver records what the adapter hands on.
type receiver struct {
	mu sync.Mutex
	in []router.Inbound
}

func (r *receiver) Receive(_ time.Time, in router.Inbound) (router.ConversationID, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.in = append(r.in, in)
	return router.ConversationID(len(r.in)), nil
}

func (r *receiver) Status(time.Time, router.CustomerKey, string, string, string) {}

var now = time.UnixMilli(1772416800000)

func newAdapter(rcv router.Receiver) *Adapter {
	return New(Config{ClientKey: "awkey", ClientSecret: "s3cret", AccountOpenID: "_000biz", Clock: func() time.Time { return now }}, rcv)
}

// textBody is an im_receive_msg; its signature under "s3cret" was computed
// outside Go: printf '%s' 's3cret”BODY' | sha1sum.
const (
	textBody = `{"event":"im_receive_msg","client_key":"awkey","from_user_id":"_000u1","to_user_id":"_000biz","content":"{\"conversation_short_id\":\"7000000000000000001\",\"server_message_id\":\"@m1\",\"conversation_type\":1,\"create_time\":1772416800000,\"message_type\":\"text\",\"text\":\"你好\",\"source\":\"\",\"user_infos\":[{\"open_id\":\"_000u1\",\"nick_name\":\"小王\",\"avatar\":\"\"}],\"entry_page\":\"pages/index\",\"region\":\"hangzhou\",\"poi_id\":\"poi-1\"}","log_id":"20260302100000ABC"}`
	textSig  = "2ad1464dd1542129cad9a112d89c799f58d9b688"
)

func sign(body string) string {
	sum := sha1.Sum([]byte("s3cret" + body))
	return hex.EncodeToString(sum[:])
}

func post(a *Adapter, body, sig, msgID string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	if sig != "" {
		req.Header.Set("X-Douyin-Signature", sig)
	}
	if msgID != "" {
		req.Header.Set("Msg-Id", msgID)
	}
	w := httptest.NewRecorder()
	a.ServeHTTP(w, req)
	return w
}

func TestWebhookKnownAnswer(t *testing.T) {
	if sign(textBody) != textSig {
		t.Fatalf("sign = %s, the known answer is %s", sign(textBody), textSig)
	}
	rcv := &receiver{}
	a := newAdapter(rcv)
	w := post(a, textBody, strings.ToUpper(textSig), "6000000000000000001")
	if w.Code != 200 || len(rcv.in) != 1 {
		t.Fatalf("HTTP %d %q, %d received", w.Code, w.Body, len(rcv.in))
	}
	want := router.Inbound{Customer: router.CustomerKey{Channel: "douyin", Account: "_000biz", Customer: "_000u1"},
		MessageID: "@m1", Name: "小王", Text: "你好", Profile: &router.Profile{EntryPage: "pages/index", Region: "hangzhou", Store: "poi-1"}}
	got := rcv.in[0]
	if got.Customer != want.Customer || got.MessageID != want.MessageID || got.Name != want.Name || got.Text != want.Text || *got.Profile != *want.Profile || got.Attachment != nil {
		t.Errorf("inbound %+v, profile %+v", got, got.Profile)
	}
}

func TestWebhookRefusals(t *testing.T) {
	verify := `{"event":"verify_webhook","client_key":"awkey","content":{"challenge":12345}}`
	tests := []struct {
		name, body, sig, msgID string
		status                 int
		answer                 string
		received               int
	}{
		{"signed", textBody, textSig, "1", 200, "", 1},
		{"unsigned", textBody, "", "1", 401, "", 0},
		{"forged", textBody, sign(textBody + " "), "1", 403, "", 0},
		{"short signature", textBody, textSig[:39], "1", 403, "", 0},
		{"body changed", strings.Replace(textBody, "你好", "您好", 1), textSig, "1", 403, "", 0},
		{"verify", verify, sign(verify), "", 200, `{"challenge":12345}`, 0},
		{"verify string", strings.Replace(verify, "12345", `"ab\"c"`, 1), sign(strings.Replace(verify, "12345", `"ab\"c"`, 1)), "", 200, `{"challenge":"ab\"c"}`, 0},
		{"verify unsigned", verify, "", "", 401, "", 0},
		{"malformed", `{"event":`, sign(`{"event":`), "1", 400, "", 0},
		{"content not JSON", `{"event":"im_receive_msg","content":"{"}`, sign(`{"event":"im_receive_msg","content":"{"}`), "1", 400, "", 0},
		{"other app", strings.Replace(textBody, "awkey", "awother", 1), sign(strings.Replace(textBody, "awkey", "awother", 1)), "1", 200, "", 0},
		{"other account", strings.Replace(textBody, `"_000biz"`, `"_000x"`, 1), sign(strings.Replace(textBody, `"_000biz"`, `"_000x"`, 1)), "1", 200, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := &receiver{}
			a := newAdapter(rcv)
			w := post(a, tt.body, tt.sig, tt.msgID)
			if w.Code != tt.status || len(rcv.in) != tt.received {
				t.Fatalf("HTTP %d %q, %d received; want %d, %d", w.Code, w.Body, len(rcv.in), tt.status, tt.received)
			}
			if tt.answer != "" && w.Body.String() != tt.answer {
				t.Errorf("answer %q, want %q", w.Body, tt.answer)
			}
			if s := a.Stats(); tt.status >= 400 && (s.Rejected != 1 || s.Received != 0) {
				t.Errorf("stats %+v", s)
			}
		})
	}
	// No secret: every webhook is refused.
	a := New(Config{ClientKey: "awkey", AccountOpenID: "_000biz"}, &receiver{})
	if w := post(a, textBody, textSig, "1"); w.Code != 403 {
		t.Errorf("no secret: HTTP %d", w.Code)
	}
	if w := post(a, strings.Repeat(" ", MaxBodySize+1), "x", ""); w.Code != 413 {
		t.Errorf("large body: HTTP %d", w.Code)
	}
	w := httptest.NewRecorder()
	a.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != 405 {
		t.Errorf("GET: HTTP %d", w.Code)
	}
}

// Douyin's retries and repeats carry the same Msg-Id; a replay with a new
// Msg-Id carries the same server_message_id; a replay from beyond the
// dedupe window is stale. None changes anything.
func TestDedupe(t *testing.T) {
	rcv := &receiver{}
	clk := now
	a := New(Config{ClientKey: "awkey", ClientSecret: "s3cret", AccountOpenID: "_000biz", Clock: func() time.Time { return clk }}, rcv)
	for i, try := range []struct {
		body, msgID string
		after       time.Duration
		status      int
	}{
		{textBody, "m1", 0, 200},
		{textBody, "m1", 5 * time.Second, 200},                       // a retry
		{textBody, "m2", 10 * time.Second, 200},                      // a replay under a new Msg-Id
		{textBody, "", 15 * time.Second, 200},                        // without the header
		{textBody, "m3", 24 * time.Hour, 200},                        // a day late: still remembered
		{textBody, "m1", DefaultDedupeWindow, 403},                   // stale
		{textBody, "m9", DefaultDedupeWindow + 100*time.Minute, 403}, // stale
	} {
		clk = now.Add(try.after)
		if w := post(a, try.body, sign(try.body), try.msgID); w.Code != try.status {
			t.Errorf("try %d: HTTP %d, want %d", i, w.Code, try.status)
		}
	}
	if s := a.Stats(); len(rcv.in) != 1 || s.Received != 1 || s.Duplicates != 4 || s.Rejected != 2 {
		t.Errorf("%d received, stats %+v", len(rcv.in), s)
	}
	// An event is deduped on its Msg-Id too, and goes to OnEvent.
	var events []string
	a = New(Config{ClientKey: "awkey", ClientSecret: "s3cret", AccountOpenID: "_000biz", Clock: func() time.Time { return now },
		OnEvent: func(_ time.Time, e *Event) { events = append(events, e.Event+" "+e.Content.Region) }}, rcv)
	enter := `{"event":"im_enter_direct_msg","client_key":"awkey","from_user_id":"_000u2","to_user_id":"_000biz","content":"{\"conversation_short_id\":\"7\",\"conversation_type\":1,\"create_time\":1772416800000,\"user_infos\":[],\"region\":\"ningbo\"}","log_id":"x"}`
	post(a, enter, sign(enter), "e1")
	post(a, enter, sign(enter), "e1")
	if len(events) != 1 || events[0] != "im_enter_direct_msg ningbo" || a.Stats().Events != 1 {
		t.Errorf("events %v, stats %+v", events, a.Stats())
	}
}

func TestMediaInbound(t *testing.T) {
	rcv := &receiver{}
	a := newAdapter(rcv)
	body := `{"event":"im_receive_msg","client_key":"awkey","from_user_id":"_000u1","to_user_id":"_000biz","content":"{\"conversation_short_id\":\"7\",\"server_message_id\":\"@v\",\"conversation_type\":1,\"create_time\":1772416800000,\"message_type\":\"video\",\"resource_type\":\"MP4\",\"resource_size\":1048576,\"source\":\"\",\"user_infos\":[{\"open_id\":\"_000u1\",\"nick_name\":\"\",\"avatar\":\"\"}]}","log_id":"x"}`
	if w := post(a, body, sign(body), "v1"); w.Code != 200 {
		t.Fatalf("HTTP %d %s", w.Code, w.Body)
	}
	in := rcv.in[0]
	if in.Attachment == nil || *in.Attachment != (router.Attachment{Kind: "video", Format: "mp4", Size: 1 << 20}) || *in.Profile != (router.Profile{}) {
		t.Errorf("inbound %+v", in)
	}
}

// im_send_msg is the account's own message: an event, from the account.
func TestSendEvent(t *testing.T) {
	rcv := &receiver{}
	var events []string
	a := New(Config{ClientKey: "awkey", ClientSecret: "s3cret", AccountOpenID: "_000biz", Clock: func() time.Time { return now },
		OnEvent: func(_ time.Time, e *Event) { events = append(events, e.Event+" "+e.Content.Text) }}, rcv)
	post(a, textBody, textSig, "1")
	body := `{"event":"im_send_msg","client_key":"awkey","from_user_id":"_000biz","to_user_id":"_000u1","content":"{\"conversation_short_id\":\"9\",\"server_message_id\":\"@s\",\"conversation_type\":1,\"create_time\":1772416800000,\"message_type\":\"text\",\"text\":\"hi\",\"source\":\"awkey\",\"user_infos\":[]}","log_id":"x"}`
	if w := post(a, body, sign(body), "2"); w.Code != 200 {
		t.Fatalf("HTTP %d", w.Code)
	}
	s := a.Stats()
	if len(rcv.in) != 1 || s.Events != 1 || s.Ignored != 0 || len(events) != 1 || events[0] != "im_send_msg hi" {
		t.Errorf("%d received, stats %+v, events %v", len(rcv.in), s, events)
	}
	// The reply context is still the customer's message.
	if rc := a.contexts["_000u1"]; rc.msgID != "@m1" || rc.conversation != "7000000000000000001" {
		t.Errorf("context %+v", rc)
	}
}

// A known sender's open_id and an equal conversation_short_id are the
// known strings, not copies; the event decodes as without them.
func TestFastEventReusesKnownSender(t *testing.T) {
	body := []byte(`{"event":"im_receive_msg","from_user_id":"u","content":"{\"conversation_short_id\":\"c\",\"server_message_id\":\"m\"}"}`)
	id, conv := strings.Clone("u"), strings.Clone("c")
	known := func(b []byte) (string, string) {
		if string(b) == id {
			return id, conv
		}
		return "", ""
	}
	var ev, plain Event
	if !fastEvent(body, &ev, nil, known) || !fastEvent(body, &plain, nil, nil) {
		t.Fatal("fastEvent refused the event")
	}
	if ev != plain {
		t.Errorf("with a known sender %+v\nwithout %+v", ev, plain)
	}
	if unsafe.StringData(ev.FromUserID) != unsafe.StringData(id) || unsafe.StringData(ev.Content.ConversationShortID) != unsafe.StringData(conv) {
		t.Error("the open_id or the conversation is a copy, want the known strings")
	}
}

// The strings an event decodes into are its own: decoding the next
// events with the pooled scanners leaves them as they were.
func TestFastEventStringsOutliveTheScanner(t *testing.T) {
	body := func(i int) []byte {
		return []byte(fmt.Sprintf(`{"event":"im_receive_msg","from_user_id":"u%d","log_id":"L%d","content":"{\"conversation_short_id\":\"c%d\",\"server_message_id\":\"@m%d\",\"text\":\"h\\\\u00e9llo %d\",\"user_infos\":[{\"nick_name\":\"n%d\"}],\"region\":\"r%d\"}"}`, i, i, i, i, i, i, i))
	}
	var first, want Event
	if !fastEvent(body(0), &first, nil, nil) {
		t.Fatal("fastEvent refused the event")
	}
	if err := parseReference(body(0), &want); err != nil || first != want {
		t.Fatalf("fast %+v\nreference %+v (%v)", first, want, err)
	}
	for i := 1; i < 200; i++ {
		var ev Event
		if !fastEvent(body(i), &ev, nil, nil) {
			t.Fatalf("fastEvent refused event %d", i)
		}
		var ans apiAnswer
		if !fastAnswer([]byte(fmt.Sprintf(`{"data":{"msg_id":"@s%d","error_code":0}}`, i)), &ans) || ans.Data.MsgID != fmt.Sprintf("@s%d", i) {
			t.Fatalf("answer %d: %+v", i, ans)
		}
	}
	if first != want {
		t.Errorf("after more events the first is %+v, want %+v", first, want)
	}
}

// emptyReads is a reader of n bytes that fails a read into an empty slice
// after the first few: a reader loop that asks for nothing, again and
// again, never ends.
type emptyReads struct {
	n, empty int
}

func (r *emptyReads) Read(p []byte) (int, error) {
	if len(p) == 0 {
		if r.empty++; r.empty > 3 {
			return 0, errors.New("read into an empty slice again and again")
		}
		return 0, nil
	}
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	r.n -= k
	return k, nil
}

// TestReadBodyStopsPastTheLimit: readBody stops once it holds more than
// MaxBodySize bytes, whatever room its buffer has left, for a body of any
// length (a chunked one of undeclared length over a socket).
func TestReadBodyStopsPastTheLimit(t *testing.T) {
	for _, tc := range []struct {
		name      string
		size, cap int
		want      int
	}{
		{"short", 100, 2 << 10, 100},
		{"at the limit", MaxBodySize, 2 << 10, MaxBodySize},
		{"over, from a small buffer", 3 * MaxBodySize, 2 << 10, MaxBodySize + 1},
		{"over, from a buffer larger than the limit", 3 * MaxBodySize, 4 * MaxBodySize, MaxBodySize + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := readBody(&emptyReads{n: tc.size}, make([]byte, 0, tc.cap))
			if err != nil || len(b) != tc.want {
				t.Fatalf("readBody: %d bytes, %v; want %d", len(b), err, tc.want)
			}
		})
	}
}
