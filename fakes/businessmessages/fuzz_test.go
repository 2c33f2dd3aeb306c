package businessmessages

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// ParseSendRequest never panics, and a body it accepts has a
// representative of a known type and exactly one content.
func FuzzSendRequest(f *testing.F) {
	f.Add([]byte(`{"messageId":"m1","representative":{"representativeType":"HUMAN","displayName":"Maya"},"text":"hi"}`))
	f.Add([]byte(`{"messageId":"m1","representative":{"representativeType":"BOT"},"image":{"contentInfo":{"fileUrl":"https://files.omnisim.invalid/a.png?bytes=10"}}}`))
	f.Add([]byte(`{"messageId":"m1","representative":{"representativeType":"BOT"},"richCard":{}}`))
	f.Add([]byte(`{"messageId":1}`))
	f.Add([]byte(`{} {}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, e := ParseSendRequest(body)
		if e != nil {
			if e.HTTPStatus != 400 || e.Status != "INVALID_ARGUMENT" || e.Message == "" {
				t.Fatalf("error %+v", e)
			}
			return
		}
		if r := req.Representative; r == nil || r.RepresentativeType != "BOT" && r.RepresentativeType != "HUMAN" {
			t.Fatalf("accepted %+v", req)
		}
		s := New(Config{Clock: func() time.Time { return t0 }})
		s.Check("c", req) // never panics
		ParseEvent(body)
	})
}

// The one-pass decoder agrees with the strict encoding/json decoder.
func FuzzDecodeSendFast(f *testing.F) {
	f.Add([]byte(`{"messageId":"m1","representative":{"representativeType":"HUMAN","displayName":"Maya"},"text":"hi"}`))
	f.Add([]byte(`{"messageId":"m1","representative":{"representativeType":"BOT"},"image":{"contentInfo":{"fileUrl":"u","forceRefresh":true},"imageId":"i"},"containsRichText":false}`))
	f.Add([]byte(`{"MessageId":"x"}`))
	f.Add([]byte(`{"text":"a","text":"b"} `))
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast, std SendRequest
		var rep Representative
		ok, hasRep := decodeSendFast(body, &fast, &rep)
		if hasRep {
			fast.Representative = &rep
		}
		e := decodeStrict(body, &std)
		if ok && e != nil {
			t.Fatalf("fast decoded what encoding/json refuses (%v): %q", e, body)
		}
		if ok && !reflect.DeepEqual(fast, std) {
			t.Fatalf("fast %+v\nstd  %+v\nfrom %q", fast, std, body)
		}
	})
}

// CheckAssertion never panics and accepts only the known assertion's
// exact bytes.
func FuzzAssertion(f *testing.F) {
	f.Add(knownAssertion)
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.AAAA")
	f.Add("")
	s := New(Config{Clock: func() time.Time { return t0 }})
	f.Fuzz(func(t *testing.T, a string) {
		e := CheckAssertion(a, &s.key.PublicKey, DefaultPrivateKeyID, DefaultClientEmail, "http://api.businessmessages.omnisim/token", t0)
		if e == nil && a != knownAssertion {
			t.Fatalf("accepted %q", a)
		}
	})
}

// appendString writes what encoding/json writes for every string.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote \" backslash \\", "<a&b>", "\u2028\u2029", "\x00\x1f\x7f", "\xff\xfe", "中文 ünï", "\t\n\r\b\f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// The webhook encoder writes JSON that encoding/json reads back to the
// same values.
func FuzzUserMessageEncode(f *testing.F) {
	f.Add("hi", "Ann", "MAPS", "ChIJ1", "", false)
	f.Add("<&>", "\xff", "", "", "https://files.omnisim.invalid/a.png", true)
	f.Fuzz(func(t *testing.T, text, name, entry, place, image string, typing bool) {
		m := &UserMessage{Agent: "brands/b/agents/a", ConversationID: "c", RequestID: "r", SendTime: t0,
			Context: Context{EntryPoint: entry, PlaceID: place, DisplayName: name}}
		if typing {
			m.UserStatus = &UserStatus{IsTyping: true, CreateTime: t0}
		} else {
			m.Message = &UserText{MessageID: "m", Name: "conversations/c/messages/m", Text: text, ImageURL: image, CreateTime: t0}
		}
		var v struct {
			Message *struct{ Text string }
			Context struct {
				EntryPoint, PlaceID string
				UserInfo            struct{ DisplayName string }
			}
		}
		b := m.AppendJSON(nil)
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		want, _ := json.Marshal(name)
		var wantName string
		json.Unmarshal(want, &wantName)
		if v.Context.UserInfo.DisplayName != wantName {
			t.Fatalf("displayName %q from %s", v.Context.UserInfo.DisplayName, b)
		}
	})
}

// appendStrings writes what appendString writes for the concatenation,
// for parts that meet at an ASCII separator.
func FuzzAppendStrings(f *testing.F) {
	f.Add("c", "m")
	f.Add("\xe2\x82", "\x80<&>\u2028")
	f.Fuzz(func(t *testing.T, conv, id string) {
		want := appendString(nil, "conversations/"+conv+"/messages/"+id)
		if got := appendStrings(nil, "conversations/", conv, "/messages/", id); string(got) != string(want) {
			t.Fatalf("appendStrings(%q, %q) = %s, want %s", conv, id, got, want)
		}
	})
}
