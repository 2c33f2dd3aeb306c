package whatsapp

import (
	"encoding/json"
	"reflect"
	"testing"
)

// fastSend runs only the scanner: ok false means it gave up.
func fastSend(body []byte) (SendRequest, bool) {
	var req SendRequest
	d := &scanner{}
	d.Reset(body)
	ok := d.sendRequest(&req) && d.End()
	return req, ok
}

// checkSendDecode compares decodeSendRequest, and the scanner alone when
// it answers, with json.Unmarshal.
func checkSendDecode(t *testing.T, body []byte) (fast bool) {
	t.Helper()
	var want SendRequest
	werr := json.Unmarshal(body, &want)
	for _, room := range []*Text{nil, {PreviewURL: true, Body: "left over"}} {
		var got SendRequest
		gerr := decodeSendRequest(body, &got, room)
		if (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
			t.Fatalf("%q: error %v, json.Unmarshal %v", body, gerr, werr)
		}
		if werr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %#v\nwant %#v", body, got, want)
		}
	}
	f, ok := fastSend(body)
	if ok {
		if werr != nil {
			t.Fatalf("%q: the scanner accepted what json.Unmarshal refuses: %v", body, werr)
		}
		if !reflect.DeepEqual(f, want) {
			t.Fatalf("%q: scanner\n got %#v\nwant %#v", body, f, want)
		}
	}
	return ok
}

var sendBodies = []string{
	`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"text","text":{"preview_url":false,"body":"Thanks, looking into it now."}}`,
	`{"messaging_product":"whatsapp","to":"+1 (650) 555-1234","type":"text","text":{"preview_url":true,"body":"\u00e4\u00f6 \ud83d\ude00 \/ \n \"q\" \\ <>&"}}`,
	`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"template","template":{"name":"hello_world","language":{"code":"en_US","policy":"deterministic"},"components":[{"type":"body","parameters":[{"type":"text","text":"Ann"},{"type":"text","text":"B"}]}]}}`,
	`{"messaging_product":"whatsapp","to":"1","type":"template","template":{"name":"t","language":{"code":"en"},"components":[]}}`,
	`{"messaging_product":"whatsapp","to":"1","type":"template","template":{"name":"t","language":{"code":"en"},"components":[{"type":"button","sub_type":"quick_reply","index":"0","parameters":[]}]}}`,
	`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"image","image":{"id":"1000000000000001","caption":"c"}}`,
	`{"messaging_product":"whatsapp","to":"1","type":"document","document":{"link":"https://x.example/a.pdf","filename":"a.pdf","caption":"x"}}`,
	`{"messaging_product":"whatsapp","to":"1","type":"audio","audio":{"id":"1"}}`,
	`{"messaging_product":"whatsapp","to":"1","type":"video","video":{"id":"1"},"sticker":{"id":"2"}}`,
	`{"messaging_product":"whatsapp","status":"read","message_id":"wamid.X","typing_indicator":{"type":"text"}}`,
	`{"messaging_product":"whatsapp","to":"1","context":{"message_id":"wamid.Y"},"text":{"body":"r"}}`,
	` { "messaging_product" : "whatsapp" , "to" : "1" , "text" : { "body" : "x" } } ` + "\n",
	`{"messaging_product":"whatsapp","to":"1","extra":[1,2.5e3,-0,{"a":[true,false,null]},"s\u0041"],"text":{"body":"x","extra":{}}}`,
	// Left to encoding/json: each must still decode as it does.
	`{"messaging_product":"whatsapp","to":"1","to":"2"}`,
	`{"Messaging_Product":"whatsapp","TO":"1"}`,
	`{"messaging_product":"whatsapp","ſtatus":"read"}`,
	`{"\u0074o":"1"}`,
	`{"to":null,"text":null,"template":null}`,
	`{"to":1}`,
	`{"text":{"preview_url":"yes","body":"x"}}`,
	`{"text":"x"}`,
	`{"template":{"components":{}}}`,
	`{"template":{"components":[null]}}`,
	`{"to":"a\xffb"}`,
	`{"to":"\ud800"}`,
	`{"to":"\ud800\u0041"}`,
	`{"to":"\ud83d\ude00"}`,
	`null`,
	`[]`,
	`"x"`,
	``,
	`{`,
	`{"to":"1"}}`,
	`{"to":"1",}`,
	`{"to":"1" "type":"text"}`,
	`{"to":"a` + "\x01" + `"}`,
	`{"to":"\x"}`,
	`{"x":01}`,
	`{"x":1.}`,
	`{"x":-}`,
	`{"x":tru}`,
	`{"x":[1,]}`,
	`{"x":[,1]}`,
}

func TestDecodeSendRequest(t *testing.T) {
	fast := 0
	for _, b := range sendBodies {
		if checkSendDecode(t, []byte(b)) {
			fast++
		}
	}
	if fast < 13 {
		t.Errorf("the scanner decoded only %d of the ordinary bodies", fast)
	}
	// What the router's adapter sends goes the fast way.
	for _, b := range sendBodies[:13] {
		if _, ok := fastSend([]byte(b)); !ok {
			t.Errorf("scanner gave up on %s", b)
		}
	}
}

// TestWholeTextSend: the text send the adapter writes is matched whole,
// and every body that differs from one by a byte, or is cut short, is
// decoded as json.Unmarshal decodes it, matched whole or not.
func TestWholeTextSend(t *testing.T) {
	for _, whole := range []string{
		`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"text","text":{"preview_url":false,"body":"Thanks, looking into it now."}}`,
		`{"messaging_product":"whatsapp","recipient_type":"individual","to":"","type":"text","text":{"preview_url":true,"body":""}}`,
	} {
		var d scanner
		var req SendRequest
		if !d.wholeText([]byte(whole), &req, nil) {
			t.Fatalf("%s is not matched whole", whole)
		}
		checkSendDecode(t, []byte(whole))
		for i := 0; i <= len(whole); i++ {
			checkSendDecode(t, []byte(whole[:i]))
			if i == len(whole) {
				break
			}
			for _, c := range []string{"", `"`, `\`, " ", "x", "/", "\x01", "\x7f", "\xc3\xa9", "\xff", "}"} {
				checkSendDecode(t, []byte(whole[:i]+c+whole[i+1:]))
			}
		}
	}
}

// FuzzDecodeSendRequest: the fast decoder against encoding/json.
func FuzzDecodeSendRequest(f *testing.F) {
	for _, b := range sendBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkSendDecode(t, body)
	})
}

// TestTextBodies: text bodies decoded one after another through the
// pooled scanners, equal, near and escaped ones, each keep their own text.
func TestTextBodies(t *testing.T) {
	body := func(text string) string {
		var req SendRequest
		b := `{"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{"body":` + text + `}}`
		if err := decodeSendRequest([]byte(b), &req, nil); err != nil {
			t.Fatal(err)
		}
		return req.Text.Body
	}
	cases := []struct{ json, want string }{
		{`"Thanks, looking into it now!"`, "Thanks, looking into it now!"},
		{`"Thanks, looking into it now."`, "Thanks, looking into it now."},
		{`"caf\u00e9 \"ok\""`, `café "ok"`},
		{`"caf\u00e9 \"ok\""`, `café "ok"`},
		{`""`, ""},
	}
	got := make([]string, len(cases))
	for i, c := range cases {
		got[i] = body(c.json)
	}
	for i, c := range cases { // each kept its bytes while the others were decoded
		if got[i] != c.want {
			t.Errorf("body %s decoded as %q, want %q", c.json, got[i], c.want)
		}
	}
}
