package whatsapp

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	fuzz "github.com/google/gofuzz"
)

// encodeJSON encodes v with encoding/json, without escaping <, > and & and
// without the encoder's trailing newline: how the adapter encoded its
// request bodies before the append encoders, and their reference.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

var encodeStrings = []string{
	"", "hi", "Thanks, looking into it now.", "äöå", "😀", "a/b", "100%", "a@b", "<b>&amp;</b>",
	`quote " back\slash`, "tab\tnl\ncr\r", "\b\f\x00\x01\x1f\x7f", "\u2028\u2029", "\xff\xfe", "a\xc3",
	"\xed\xa0\x80", "日本語", "+1 (650) 555-1234",
}

func checkSendEncode(t testing.TB, r *sendRequest) {
	t.Helper()
	want, err := encodeJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	if got := appendSendRequest([]byte("x"), r); !bytes.Equal(got[1:], want) {
		t.Fatalf("send request\n got %s\nwant %s", got[1:], want)
	}
}

func TestAppendSendRequest(t *testing.T) {
	for _, s := range encodeStrings {
		checkSendEncode(t, &sendRequest{MessagingProduct: "whatsapp", RecipientType: "individual", To: s, Type: "text", Text: &sendText{Body: s}})
		checkSendEncode(t, &sendRequest{MessagingProduct: s, To: "1", Type: s, Text: &sendText{Body: s, PreviewURL: true}})
		checkSendEncode(t, &sendRequest{Type: "template", Template: &sendTemplate{Name: s, Language: sendLanguage{Code: s, Policy: "deterministic"}}})
		checkSendEncode(t, &sendRequest{Type: "template", Template: &sendTemplate{Name: s, Components: []sendComponent{{Type: "body", Parameters: []sendParameter{{Type: "text", Text: s}, {Type: s}}}, {Type: s}}}})
		md := &sendMedia{ID: s, Caption: s, Filename: s}
		checkSendEncode(t, &sendRequest{Type: "image", Image: md, Audio: md, Video: md, Document: md, Sticker: &sendMedia{ID: s}})
		want, _ := encodeJSON(&readRequest{MessagingProduct: "whatsapp", Status: "read", MessageID: s})
		if got := appendReadRequest(nil, &readRequest{MessagingProduct: "whatsapp", Status: "read", MessageID: s}); !bytes.Equal(got, want) {
			t.Fatalf("read request\n got %s\nwant %s", got, want)
		}
	}
	f := fuzz.NewWithSeed(2).NilChance(0.3).NumElements(0, 3)
	for i := 0; i < 3000; i++ {
		var r sendRequest
		f.Fuzz(&r)
		checkSendEncode(t, &r)
	}
}

// FuzzAppendSendRequest compares the append encoder with encoding/json.
func FuzzAppendSendRequest(f *testing.F) {
	for _, s := range encodeStrings {
		f.Add(s, s, s)
	}
	f.Fuzz(func(t *testing.T, to, text, name string) {
		checkSendEncode(t, &sendRequest{MessagingProduct: "whatsapp", RecipientType: "individual", To: to, Type: "text", Text: &sendText{Body: text}})
		checkSendEncode(t, &sendRequest{MessagingProduct: "whatsapp", To: to, Type: "template", Template: &sendTemplate{Name: name, Language: sendLanguage{Code: text},
			Components: []sendComponent{{Type: "body", Parameters: []sendParameter{{Type: "text", Text: text}}}}}})
		checkSendEncode(t, &sendRequest{To: to, Document: &sendMedia{ID: name, Caption: text, Filename: to}})
		var r sendRequest
		fuzz.NewFromGoFuzz([]byte(to+text+name)).NilChance(0.3).NumElements(0, 3).Fuzz(&r)
		checkSendEncode(t, &r)
	})
}

// TestAppendJSONStringRuns: appendJSONString passes over runs of plain
// bytes eight at a time; each byte that is not plain, at every offset of a
// run and with runs of every length around it, is written as
// encoding/json writes it (0x7f as is).
func TestAppendJSONStringRuns(t *testing.T) {
	for _, odd := range []string{`"`, `\`, "\n", "\x00", "\x1f", "\x7f", "é", "\xff", "\u2028", "😀", "<", "/"} {
		for before := 0; before <= 17; before++ {
			for after := 0; after <= 9; after++ {
				str := strings.Repeat("a", before) + odd + strings.Repeat("Z", after)
				want, err := encodeJSON(str)
				if err != nil {
					t.Fatal(err)
				}
				if got := appendJSONString([]byte("x"), str); !bytes.Equal(got[1:], want) {
					t.Fatalf("%q:\n got %s\nwant %s", str, got[1:], want)
				}
			}
		}
	}
}
