package businessmessages

import (
	"fmt"
	"reflect"
	"testing"
)

// The strings a send body decodes into are its own: decoding the next
// bodies with the pooled scanner leaves them as they were.
func TestDecodeSendFastStringsOutliveTheScanner(t *testing.T) {
	body := func(i int) []byte {
		return []byte(fmt.Sprintf(`{"messageId":"m%d","name":"conversations/c/messages/m%d","text":"h\u00e9llo %d","fallback":"f%d","representative":{"representativeType":"HUMAN","displayName":"Maya %d","avatarImage":"https://a.example/%d.png"}}`, i, i, i, i, i, i))
	}
	decode := func(b []byte) SendRequest {
		var req SendRequest
		var rep Representative
		ok, hasRep := decodeSendFast(b, &req, &rep)
		if !ok || !hasRep {
			t.Fatalf("decodeSendFast refused %s", b)
		}
		req.Representative = &rep
		return req
	}
	first := decode(body(0))
	var want SendRequest
	if e := decodeStrict(body(0), &want); e != nil || !reflect.DeepEqual(first, want) {
		t.Fatalf("fast %+v\nencoding/json %+v (%v)", first, want, e)
	}
	for i := 1; i < 200; i++ {
		decode(body(i))
	}
	if !reflect.DeepEqual(first, want) {
		t.Errorf("after more bodies the first is %+v, want %+v", first, want)
	}
}
