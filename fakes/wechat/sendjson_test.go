package wechat

import (
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
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
