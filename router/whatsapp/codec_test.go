package whatsapp

import (
	"encoding/json"
	"reflect"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
)

// The codec benchmarks measure the three ways the adapter could read a
// webhook and write a send request, on the same body: encoding/json,
// github.com/go-json-experiment/json (the upstream of encoding/json/v2),
// and the adapter's own one-pass scanner and append encoder. They are the
// measurement behind the choice of the last two for the hot path:
//
//	go test -run '^$' -bench 'BenchmarkCodec' -benchmem ./router/whatsapp/

var codecBody = textMessage("16505551234", "wamid.HBgLMTY1MDUwNzY1MjAVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", "Hello, I would like to know where my order is.")

var codecRequest = &sendRequest{MessagingProduct: "whatsapp", RecipientType: "individual", To: "16505551234", Type: "text",
	Text: &sendText{Body: "Thanks, looking into it now."}}

// The three decoders agree on the benchmark's body, and the three encoders
// on its request, so the benchmarks compare like with like.
func TestCodecsAgree(t *testing.T) {
	want, err := parseReference(codecBody, testPhoneID)
	if err != nil || len(want) != 1 {
		t.Fatalf("encoding/json: %d values, %v", len(want), err)
	}
	var w webhook
	if err := jsonv2.Unmarshal(codecBody, &w); err != nil {
		t.Fatal(err)
	}
	if got := w.Entry[0].Changes[0].Value; !reflect.DeepEqual(got, want[0]) {
		t.Errorf("go-json-experiment:\n got %s\nwant %s", dump([]*changeValue{got}), dump(want))
	}
	if got, ok := fastParse(codecBody, testPhoneID); !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("scanner (ok %v):\n got %s\nwant %s", ok, dump(got), dump(want))
	}
	ref, err := encodeJSON(codecRequest)
	if err != nil {
		t.Fatal(err)
	}
	if v2, err := jsonv2.Marshal(codecRequest); err != nil || string(v2) != string(ref) {
		t.Errorf("go-json-experiment: %s, %v\nencoding/json: %s", v2, err, ref)
	}
	if got := appendSendRequest(nil, codecRequest); string(got) != string(ref) {
		t.Errorf("append encoder: %s\nencoding/json: %s", got, ref)
	}
}

func BenchmarkCodec(b *testing.B) {
	b.Run("decode/encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(codecBody)))
		for b.Loop() {
			var w webhook
			if err := json.Unmarshal(codecBody, &w); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/go-json-experiment", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(codecBody)))
		for b.Loop() {
			var w webhook
			if err := jsonv2.Unmarshal(codecBody, &w); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/one-pass", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(codecBody)))
		d := &scanner{}
		for b.Loop() {
			if _, ok := d.webhook(codecBody, testPhoneID); !ok {
				b.Fatal("scanner refused the body")
			}
			d.release()
		}
	})
	b.Run("decode/one-pass/status", func(b *testing.B) {
		b.ReportAllocs()
		body := []byte(metaStatus)
		b.SetBytes(int64(len(body)))
		d := &scanner{}
		for b.Loop() {
			if _, ok := d.webhook(body, testPhoneID); !ok {
				b.Fatal("scanner refused the body")
			}
			d.release()
		}
	})
	b.Run("encode/encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(codecRequest); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode/go-json-experiment", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jsonv2.Marshal(codecRequest); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode/append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 512)
		for b.Loop() {
			buf = appendSendRequest(buf[:0], codecRequest)
		}
	})
}
