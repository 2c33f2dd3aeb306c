package wechat

import (
	"bytes"
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzScanSend checks scanSend against encoding/json: whenever it reads a
// body itself, encoding/json must decode the same SendRequest.
func FuzzScanSend(f *testing.F) {
	for _, s := range []string{
		`{"touser":"` + cust + `","msgtype":"text","text":{"content":"Hello World"}}`,
		` { "touser" : "o1" , "msgtype" : "video" , "video" : { "media_id" : "m" , "thumb_media_id" : "t" , "title" : "é" , "description" : "😀" } } `,
		`{"touser":"o1","msgtype":"image","image":{"media_id":"m"},"customservice":{"kf_account":"k@x"}}`,
		`{"touser":"o1","msgtype":"voice","voice":{}}`, `{}`, `{"text":{}}`,
		`{"touser":"a","touser":"b"}`, `{"text":{"content":"a"},"text":{}}`, `{"Touser":"a"}`,
		`{"touser":"a\"b"}`, `{"touser":null}`, `{"touser":1}`, `{"text":null}`, `{"extra":1}`,
		"{\"touser\":\"\xff\"}", "{\"touser\":\"\x01\"}", `{"touser":"a"}x`, `{"touser":"a",}`, `[]`, ``, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var sc sendScan
		if !scanSend(body, &sc) {
			return
		}
		var want SendRequest
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatalf("scanSend reads %q, encoding/json refuses it: %v", body, err)
		}
		s, _ := fuzzServer(Plaintext)
		s.mu.Lock()
		var got SendRequest
		s.sendRequestLocked(body, &sc, &got)
		s.mu.Unlock()
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nscan %+v\njson %+v", body, got, want)
		}
	})
}

// FuzzQueryGet checks queryGet against url.ParseQuery.
func FuzzQueryGet(f *testing.F) {
	for _, q := range []string{"access_token=T", "access_token=&access_token=T", "access%5Ftoken=T", "a=1;access_token=2&access_token=3",
		"access_token=a+b", "access_token", "&&access_token=x=y", "type=image&access_token=T", ""} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		for _, k := range []string{"access_token", "type", "media_id"} {
			if got, want := queryGet(raw, k), q.Get(k); got != want {
				t.Fatalf("%q %s: %q, url.ParseQuery %q", raw, k, got, want)
			}
		}
	})
}

// TestScanStringByteByByte holds scanString to its definition read byte
// by byte (the closing quote found first, then no control character or
// backslash before it, then valid UTF-8) for every byte value at every
// place of strings of up to 20 bytes, with and without a closing quote.
func TestScanStringByteByByte(t *testing.T) {
	ref := func(b []byte) ([]byte, int, bool) {
		end := bytes.IndexByte(b[1:], '"')
		if end < 0 {
			return nil, 0, false
		}
		s := b[1 : 1+end]
		for _, c := range s {
			if c < 0x20 || c == '\\' {
				return nil, 0, false
			}
		}
		if !utf8.Valid(s) {
			return nil, 0, false
		}
		return s, 2 + end, true
	}
	for n := 0; n <= 20; n++ {
		for at := 0; at < n; at++ {
			for c := 0; c < 256; c++ {
				for _, tail := range []string{`"`, `",`, ``, "\xc3\xa9\"", "\x01\""} {
					s := []byte(strings.Repeat("aZ~ /\x7f09", 3)[:n])
					s[at] = byte(c)
					b := append(append([]byte{'"'}, s...), tail...)
					gs, gi, gok := scanString(b, 0)
					ws, wi, wok := ref(b)
					if gok != wok || gi != wi || string(gs) != string(ws) {
						t.Fatalf("scanString(%q) = %q %d %v, byte by byte %q %d %v", b, gs, gi, gok, ws, wi, wok)
					}
				}
			}
		}
	}
}
