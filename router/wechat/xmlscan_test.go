package wechat

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/omnisim/omnisim/jsonscan"
	"github.com/omnisim/omnisim/router"
)

// xmlSeeds are bodies at the edges of what scanXML reads itself.
var xmlSeeds = []string{
	tencentBody,
	"<xml/>",
	" \r\n\t<xml></xml>\n",
	"<xml><ToUserName/><Encrypt/></xml>",
	"<xml><Encrypt></Encrypt></xml>",
	"<xml><Content>a<![CDATA[<b>&amp;]]>c&lt;&gt;&amp;&apos;&quot;</Content></xml>",
	"<xml><Content><![CDATA[a]]]]><![CDATA[>b]]></Content></xml>",
	"<xml><Content>a\r\nb\rc\r\r\nd</Content><MsgType><![CDATA[x\r\ny\r]]></MsgType></xml>",
	"<xml><Content>&#65;&#x42;&#x1F600;&#xD800;&#0;&#x110000;</Content></xml>",
	"<xml><Content>&#65;&#x42;&#x1F600;&#xD800;</Content></xml>",
	"<xml><Content>&#13;&#10;</Content></xml>",
	"<xml><Content>&#X41;</Content></xml>",
	"<xml><Content>&#;</Content></xml>",
	"<xml><Content>&nbsp;</Content></xml>",
	"<xml><Content>&lt</Content></xml>",
	"<xml><Content>a]]>b</Content></xml>",
	"<xml><Content>a]]&gt;b</Content></xml>",
	"<xml><Content>\x00</Content></xml>",
	"<xml><Content>\xff</Content></xml>",
	"<xml><Content>\uFFFE</Content></xml>",
	"<xml><Content>\uFFFD</Content></xml>",
	"<xml><Content>a<b>x</b>c</Content></xml>",
	"<xml><Content>a<!-- c -->b</Content></xml>",
	"<xml><Content>x</Content><Content>y</Content></xml>",
	"<xml><Unknown>&#0;</Unknown></xml>",
	"<xml><Unknown>x</Unknown><Other/><x.y-z_1>q</x.y-z_1></xml>",
	"<xml><CreateTime> 42 </CreateTime></xml>",
	"<xml><CreateTime>\u00a042\u0085</CreateTime></xml>",
	"<xml><CreateTime></CreateTime><CreateTime>+7</CreateTime></xml>",
	"<xml><CreateTime>   </CreateTime></xml>",
	"<xml><CreateTime>9223372036854775808</CreateTime></xml>",
	"<xml><CreateTime>1</CreateTime><CreateTime>x</CreateTime><CreateTime>2</CreateTime></xml>",
	"<xml><Content>x</Contents></xml>",
	"<xml><Content >x</Content ></xml>",
	"<xml><Content a=\"b\">x</Content></xml>",
	"<xml><a:Content>x</a:Content></xml>",
	"<xml><1a>x</1a></xml>",
	"<xml>text<Content>x</Content></xml>",
	"<xml><Content>x</Content>",
	"<xml><Content>x",
	"<xml><Content><![CDATA[x</Content></xml>",
	"<xml></xml><xml></xml>",
	"<xml></xml>x",
	"<xml></xml><!-- c -->",
	"<?xml version=\"1.0\"?><xml></xml>",
	"<XML></XML>",
	"<xmlx></xmlx>",
	"<xml xmlns=\"urn:x\"><Content>x</Content></xml>",
	"\ufeff<xml></xml>",
	"\u00a0<xml></xml>",
	"<xml><xml>x</xml></xml>",
	"<xml><Content>\u2028é中😀</Content></xml>",
	"",
}

// FuzzScanXML checks scanXML against encoding/xml (decodeXML): whenever it
// reads a body itself, encoding/xml must accept it with the same fields; and
// parseBody, which falls back to encoding/xml, must accept exactly what
// decodeXML accepts, with the same fields.
func FuzzScanXML(f *testing.F) {
	for _, s := range xmlSeeds {
		f.Add([]byte(s))
	}
	// The webhook corpus too.
	files, _ := filepath.Glob("testdata/fuzz/FuzzWebhook/*")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if v, ok := corpusBytes(string(b)); ok {
			f.Add(v)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var want message
		wantErr := decodeXML(body, &want)

		var d doc
		if scanXML(body, &d) {
			if wantErr != nil {
				t.Fatalf("scanXML accepts %q, encoding/xml refuses it: %v", body, wantErr)
			}
			compareDoc(t, body, &d, &want)
		}
		var p doc
		err := parseBody(body, &p)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("parseBody(%q): %v, encoding/xml: %v", body, err, wantErr)
		}
		if err == nil {
			compareDoc(t, body, &p, &want)
		}
	})
}

func compareDoc(t *testing.T, body []byte, d *doc, want *message) {
	t.Helper()
	var strs jsonscan.Arena
	got := d.message(&strs)
	w := *want
	w.Encrypt, w.XMLName = nil, got.XMLName
	if got != w {
		t.Fatalf("%q:\nscan   %+v\nstdlib %+v", body, got, w)
	}
	if d.has[fEncrypt] != (want.Encrypt != nil) {
		t.Fatalf("%q: Encrypt present %v, encoding/xml %v", body, d.has[fEncrypt], want.Encrypt != nil)
	}
	if want.Encrypt != nil && string(d.text(fEncrypt)) != *want.Encrypt {
		t.Fatalf("%q: Encrypt %q, encoding/xml %q", body, d.text(fEncrypt), *want.Encrypt)
	}
}

// corpusBytes extracts the []byte value of a one-value fuzz corpus file.
func corpusBytes(file string) ([]byte, bool) {
	_, v, ok := strings.Cut(file, "[]byte(")
	if !ok {
		return nil, false
	}
	v = strings.TrimSpace(v)
	v = strings.TrimSuffix(v, ")")
	s, err := strconv.Unquote(v)
	return []byte(s), err == nil
}

// TestScanXMLCoversWeChat checks that the bodies WeChat (and the fake) send
// are read by scanXML itself, not left to encoding/xml.
func TestScanXMLCoversWeChat(t *testing.T) {
	for _, body := range [][]byte{
		[]byte(tencentBody),
		textMsg("oyORnuP8q7ou2gfYjqLzSIWZf0rs", "6054768590064713728", "Hello, I would like to know where my order is."),
		xmlMsg("o1", "text", "<Content><![CDATA[a ]]]]><![CDATA[> b & < c\r\n 你好 😀]]>&amp;&#x1F600;</Content><MsgId>1</MsgId>"),
		eventMsg("o1", 1700000000, "subscribe", "qrscene_1"),
		safeBody(tencentEncrypt),
	} {
		var d doc
		if !scanXML(body, &d) {
			t.Errorf("scanXML left %q to encoding/xml", body)
		}
	}
}

// FuzzParams checks parseParams against url.ParseQuery.
func FuzzParams(f *testing.F) {
	for _, q := range []string{
		"signature=a&timestamp=1&nonce=2&openid=o",
		"signature=&signature=x&msg_signature=y&encrypt_type=aes",
		"sig%6Eature=x&signature=y",
		"signature=a;b&signature=c",
		"signature=a+b&nonce=%zz&nonce=n",
		"echostr=1&&=&timestamp",
		"",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		want := params{q.Get("signature"), q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), q.Get("encrypt_type"), q.Get("echostr")}
		if got := parseParams(raw); got != want {
			t.Fatalf("%q: %+v, url.ParseQuery %+v", raw, got, want)
		}
	})
}

// encodeJSON is the reference of appendSendRequest: encoding/json without
// escaping <, > and & and without the encoder's trailing newline.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// FuzzSendJSON checks appendSendRequest against encoding/json.
func FuzzSendJSON(f *testing.F) {
	f.Add("oyORnuP8q7ou2gfYjqLzSIWZf0rs", "Hello <b> & \"you\" \\ \x00\x1f\b\f\n\r\t\x7f é 😀 \u2028\u2029 \xff\xfe", uint8(0))
	f.Add("o1", "", uint8(3))
	f.Add("o\"1", "d", uint8(4))
	f.Fuzz(func(t *testing.T, to, text string, kind uint8) {
		req := sendRequest{ToUser: to, MsgType: "text", Text: &sendText{Content: text}}
		switch kind % 5 {
		case 1:
			req = sendRequest{ToUser: to, MsgType: "image", Image: &sendMedia{MediaID: text}}
		case 2:
			req = sendRequest{ToUser: to, MsgType: "voice", Voice: &sendMedia{MediaID: text}}
		case 3:
			req = sendRequest{ToUser: to, MsgType: "video", Video: &sendVideo{MediaID: to, Description: text}}
		case 4:
			req = sendRequest{ToUser: to, MsgType: text, Video: &sendVideo{MediaID: to, ThumbMediaID: text, Title: to, Description: text}}
		}
		want, err := encodeJSON(&req)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendSendRequest(nil, &req); !bytes.Equal(got, want) {
			t.Fatalf("%+v:\n got %s\nwant %s", req, got, want)
		}
	})
}

// FuzzSendAnswer checks checkSendAnswer against apiAnswer.check, which
// decodes with encoding/json.
func FuzzSendAnswer(f *testing.F) {
	for _, s := range []string{
		`{"errcode":0,"errmsg":"ok"}`,
		` { "errcode" : 45015 , "errmsg" : "response out of time limit rid: 1-2-3" } `,
		`{"errmsg":"x","errcode":-0}`,
		`{"errcode":01}`, `{"errcode":1.0}`, `{"errcode":1e3}`, `{"errcode":9223372036854775808}`,
		`{"errcode":null}`, `{"errcode":"1"}`, `{"ErrCode":1}`, `{"errcode":1,"errcode":0}`,
		`{"errmsg":"a\"b"}`, `{"errmsg":"\u00e9"}`, "{\"errmsg\":\"\xff\"}", "{\"errmsg\":\"\x01\"}",
		`{}`, `{"errcode":0,}`, `{"errcode":0}x`, `[]`, ``, `{"a":1}`, `{"errcode":0,"errmsg":"ok","extra":[1,{"b":2}]}`,
	} {
		f.Add(200, []byte(s))
	}
	f.Add(500, []byte(`{"errcode":0}`))
	for _, status := range []int{199, 200, 299, 300, 500} {
		f.Add(status, []byte(sendOK))
	}
	f.Add(200, []byte(`{"errcode":48001,"errmsg":"api unauthorized rid: 1"}`))
	f.Add(404, []byte(`{"errcode":48001,"errmsg":"api unauthorized"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		var ans apiAnswer
		want := ans.check("send", status, body, true)
		got := checkSendAnswer(status, body)
		if (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
			t.Fatalf("%d %q: %v, encoding/json %v", status, body, got, want)
		}
		var gp, wp *router.PlatformError
		if errors.As(got, &gp) != errors.As(want, &wp) || gp != nil && *gp != *wp {
			t.Fatalf("%d %q: %#v, encoding/json %#v", status, body, gp, wp)
		}
	})
}
