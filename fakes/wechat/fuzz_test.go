package wechat

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
)

// fuzzServer has customer cust (window open) and one media of each type
// under fixed ids.
func fuzzServer(mode Mode) (*Server, string) {
	s, _ := newTest(Config{Mode: mode, MaxTextLength: 64})
	s.mu.Lock()
	s.openMessageGrantLocked(cust, t0)
	for _, k := range MediaKinds {
		s.mediaStore["MEDIA_"+k] = &media{kind: k, format: "x", size: 1, created: t0}
	}
	s.cur = accessToken{value: "TOKEN", issued: t0.UnixNano()}
	s.mu.Unlock()
	return s, "TOKEN"
}

// FuzzSendAPI posts arbitrary bodies to the send endpoint: it must never
// panic, must always answer HTTP 200 with an errcode envelope, and must
// agree with Check whenever the body is a JSON SendRequest.
func FuzzSendAPI(f *testing.F) {
	f.Add([]byte(`{"touser":"` + cust + `","msgtype":"text","text":{"content":"Hello World"}}`))
	f.Add([]byte(`{"touser":"` + cust + `","msgtype":"image","image":{"media_id":"MEDIA_image"}}`))
	f.Add([]byte(`{"touser":"` + cust + `","msgtype":"video","video":{"media_id":"MEDIA_video","thumb_media_id":"MEDIA_thumb"}}`))
	f.Add([]byte(`{"touser":"nobody","msgtype":"text","text":{"content":"x"}}`))
	f.Add([]byte(`{"touser":"` + cust + `","msgtype":"news"}`))
	f.Add([]byte(`{"touser":1}`))
	f.Add([]byte(`null`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		s, tok := fuzzServer(Plaintext)
		var req SendRequest
		var want *Error
		predicted := json.Unmarshal(body, &req) == nil
		if predicted {
			want = s.Check(req)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("POST", PathSend+"?access_token="+tok, bytes.NewReader(body)))
		if w.Code != 200 {
			t.Fatalf("status %d", w.Code)
		}
		var e Error
		var raw map[string]json.RawMessage
		if json.Unmarshal(w.Body.Bytes(), &raw) != nil || len(raw) != 2 || json.Unmarshal(w.Body.Bytes(), &e) != nil {
			t.Fatalf("not an errcode envelope: %q", w.Body)
		}
		if !predicted {
			if e.Code != CodeDataFormat {
				t.Fatalf("non-JSON body answered %+v", e)
			}
			return
		}
		switch {
		case want == nil && e.Code != 0, want != nil && (want.Code != e.Code || want.Message != e.Title()):
			t.Fatalf("Check %+v, wire %+v", want, e)
		}
		c := s.Counts()
		if c.Requests != 1 || c.Deliveries+c.Errors != 1 {
			t.Fatalf("counts %+v", c)
		}
	})
}

// FuzzDecrypt feeds arbitrary Encrypt texts to Decrypt (never panics) and
// arbitrary messages through Encrypt and Decrypt (round trip).
func FuzzDecrypt(f *testing.F) {
	f.Add(sdkEncrypt, []byte(sdkMsg))
	f.Add("", []byte{})
	f.Add("AAAAAAAAAAAAAAAAAAAAAA==", []byte("<xml/>"))
	f.Add("====", []byte{0, 1, 2})
	f.Fuzz(func(t *testing.T, enc string, msg []byte) {
		if out, err := Decrypt(DefaultEncodingAESKey, DefaultAppID, enc); err == nil && len(out) > len(enc) {
			t.Fatalf("decrypted %d bytes from %d characters", len(out), len(enc))
		}
		e, err := Encrypt(DefaultEncodingAESKey, DefaultAppID, []byte("0123456789abcdef"), msg)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decrypt(DefaultEncodingAESKey, DefaultAppID, e)
		if err != nil || !bytes.Equal(back, msg) {
			t.Fatalf("round trip: %q, %v", back, err)
		}
	})
}

// FuzzPassiveReply feeds arbitrary router answers to the passive-reply path
// in each mode: never a panic, and exactly one delivery or one error.
func FuzzPassiveReply(f *testing.F) {
	f.Add(uint8(0), []byte(plainReply(cust, "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>")))
	f.Add(uint8(0), []byte(plainReply(cust, "<MsgType>image</MsgType><Image><MediaId>MEDIA_image</MediaId></Image>")))
	f.Add(uint8(2), []byte("<xml><Encrypt><![CDATA[AAAA]]></Encrypt><MsgSignature>x</MsgSignature></xml>"))
	f.Add(uint8(1), []byte("<xml><xml><xml>"))
	f.Add(uint8(0), []byte("not xml"))
	f.Fuzz(func(t *testing.T, mode uint8, body []byte) {
		s, _ := fuzzServer(Mode(mode % 3))
		s.passiveReply(cust, body)
		c := s.Counts()
		if c.Deliveries+c.Errors != 1 {
			t.Fatalf("counts %+v", c)
		}
		if c.Errors == 1 {
			if le := s.LastError(cust); le == nil || !le.Passive || le.Code == 0 {
				t.Fatalf("error entry %+v", le)
			}
		} else if d := s.Deliveries(cust); len(d) != 1 || !d[0].Passive || !d[0].At.Equal(t0) {
			t.Fatalf("deliveries %+v", d)
		}
	})
}
