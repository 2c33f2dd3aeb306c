package whatsapp

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// metaStatus is a status webhook as the fake (and Meta) sends it.
const metaStatus = `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.HBgLMTY1MDU1NTEyMzQVAgARGCA5QTNDQTVCM0Q0Q0Q2RTY3RTcyMwA=","status":"sent","timestamp":"1749463200","recipient_id":"16505551234","conversation":{"id":"ee1d6e5a3b4f1c6b8e5f3f0b7a2d0c91","expiration_timestamp":"1749549600","origin":{"type":"service"}},"pricing":{"billable":true,"pricing_model":"CBP","category":"service"}}]},"field":"messages"}]}]}`

const metaFailed = `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.X","status":"failed","timestamp":"1749463200","recipient_id":"16505551234","errors":[{"code":131047,"title":"Re-engagement message","message":"Re-engagement message","error_data":{"details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"href":"https:\/\/developers.facebook.com\/docs\/whatsapp\/cloud-api\/support\/error-codes\/"}]}]},"field":"messages"}]}]}`

const metaMedia = `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"J\u00f6rg"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.M","timestamp":"1749463200","type":"document","document":{"caption":"\u00e4 \ud83d\ude00","filename":"1.pdf","mime_type":"application\/pdf","sha256":"e3b0","id":"1"}},{"from":"16505551234","id":"wamid.B","type":"button","button":{"text":"Yes","payload":"p"}},{"from":"16505551234","id":"wamid.I","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"l","title":"T"},"button_reply":{"title":"B"}}},{"from":"1","id":"w","type":"image","image":{"id":"9","mime_type":"image\/jpeg","sha256":"x","voice":true}}]},"field":"messages"}]}]}`

// decodeBodies are the bodies of the decoder tests: Meta's ordinary ones
// first (decodeFast of them), then the odd ones.
var decodeBodies = []string{
	string(envelopeOf(testPhoneID, `"messages":[{"context":{"from":"15550783881","id":"wamid.A"},"from":"1","id":"w1","timestamp":"1","type":"text","text":{"body":"M"}},{"context":{"from":"15550783881","id":"wamid.A"},"from":"1","id":"w2","type":"button","button":{"text":"Confirm","payload":"C"}},{"from":"1","id":"w3","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"r","title":"T","description":"d"}}},{"from":"1","id":"w4","type":"reaction","reaction":{"message_id":"wamid.A","emoji":"\ud83d\udc4d"}},{"from":"1","id":"w5","type":"reaction","reaction":{"message_id":"wamid.A"}}]`)),
	string(textMessage("16505551234", "wamid.HBgLMTY1MDUwNzY1MjAVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", "Hello")),
	`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.A","timestamp":"1749463200","type":"text","text":{"body":"\u00e4\u00f6\u00e5 \u0040 a\/b \u003c \u0025 \ud83d\ude00 \"q\" \\ \n"}}]},"field":"messages"}]}]}`,
	metaStatus,
	metaFailed,
	metaMedia,
	string(envelopeOf(testPhoneID, textValue("1", "a", "w1", "x"), textValue("2", "b", "w2", "y"))),
	string(envelopeOf("other", textValue("1", "n", "w", "x"))),
	`{"object":"page","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"106540352242922"},"messages":[{"from":"1","id":"w"}]}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"statuses","value":{"metadata":{"phone_number_id":"106540352242922"},"messages":[{"from":"1","id":"w"}]}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[],"x":{"y":[1,-2.5e+3,true,false,null,"s"]}}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[],"contacts":[],"statuses":[]},"field":"messages"}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"106540352242922"},"statuses":[{"id":"s","errors":[{"code":-1.5E3},{"title":"t"},{}]},{"id":"t","errors":[]}]},"field":"messages"}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"106540352242922"},"messages":[{"from":"1","id":"w","type":"reaction","reaction":{"message_id":"w0","emoji":"\ud83d\udc4d"}}]},"field":"messages"}]}]}`,
	// Left to encoding/json.
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":null}]}]}`,
	`{"entry":[{"changes":[{"value":{"messages":[{}]}}]}]}`,
	`null`, `[`, ``, `[]`, `"x"`, `{}`, `{"object":1}`, `{"object":"whatsapp_business_account"}{}`,
	`{"object":"whatsapp_business_account","object":"x"}`,
	`{"OBJECT":"whatsapp_business_account"}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"106540352242922"},"statuses":[{"id":"s","errors":[{"code":"131047"}]}]},"field":"messages"}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"106540352242922"},"statuses":[{"id":"s","errors":[{"code":"x"}]}]},"field":"messages"}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"106540352242922"},"messages":[{"from":"1","id":"w","type":"text","text":{"body":"a\xffb \ud800 \udc00x \ud800\u0041"}}]},"field":"messages"}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"106540352242922"},"messages":[{"ſrom":"1","id":"w"}]},"field":"messages"}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"106540352242922"},"messages":[{"from":"1","id":"w","text":{"body":"a"},"text":{"body":"b"}}]},"field":"messages"}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"other","value":` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"other","value":{"a":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}}]}]}`,
	string(envelopeOf(testPhoneID, `"messages":[{"context":null,"from":"1","id":"w1","button":null,"reaction":null,"interactive":{"button_reply":null}}]`)),
	string(envelopeOf(testPhoneID, `"messages":[{"context":{"id":7},"from":"1","id":"w1"}]`)),
	string(envelopeOf(testPhoneID, `"messages":[{"Context":{"ID":"x"},"REACTION":{"Emoji":"e","message_id":"m","emoji":"f"},"from":"1","id":"w1"}]`)),
}

// fastParse runs only the scanner: ok false means it gave up.
func fastParse(body []byte, phoneID string) ([]*changeValue, bool) {
	d := &scanner{}
	return d.webhook(body, phoneID)
}

// checkWebhookDecode compares parse, and the scanner alone when it
// answers, with parseReference (encoding/json).
func checkWebhookDecode(t *testing.T, body []byte, phoneID string) (fast bool) {
	t.Helper()
	fast, msg := diffWebhookDecode(body, phoneID)
	if msg != "" {
		t.Fatal(msg)
	}
	return fast
}

// diffWebhookDecode returns what differs between the decoders ("" when
// nothing) and whether the scanner answered.
func diffWebhookDecode(body []byte, phoneID string) (fast bool, msg string) {
	want, werr := parseReference(body, phoneID)
	got, gerr := parse(body, phoneID)
	if (gerr == nil) != (werr == nil) {
		return false, fmt.Sprintf("%.300q: error %v, encoding/json %v", body, gerr, werr)
	}
	if werr == nil && !reflect.DeepEqual(got, want) {
		return false, fmt.Sprintf("%.300q:\n got %s\nwant %s", body, dump(got), dump(want))
	}
	f, ok := fastParse(body, phoneID)
	if ok {
		if werr != nil {
			return ok, fmt.Sprintf("%.300q: the scanner accepted what encoding/json refuses: %v", body, werr)
		}
		if !reflect.DeepEqual(f, want) {
			return ok, fmt.Sprintf("%.300q: scanner\n got %s\nwant %s", body, dump(f), dump(want))
		}
	}
	return ok, ""
}

func dump(vs []*changeValue) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(reflectString(v), "\n", " "), "  ", " "))
		b.WriteString("; ")
	}
	return b.String()
}

func reflectString(v *changeValue) string {
	s := ""
	s += v.MessagingProduct + " " + v.Metadata.DisplayPhoneNumber + " " + v.Metadata.PhoneNumberID
	for _, c := range v.Contacts {
		if c == nil {
			s += " <nil contact>"
			continue
		}
		s += " contact{" + c.Profile.Name + "," + c.WaID + "}"
	}
	for _, m := range v.Messages {
		s += " msg{" + m.From + "," + m.ID + "," + strconv.FormatInt(int64(m.Timestamp), 10) + "," + m.Type + "}"
	}
	for _, st := range v.Statuses {
		if st == nil {
			s += " <nil status>"
			continue
		}
		s += " status{" + st.ID + "," + st.Status + "," + st.errorCode() + "}"
	}
	return s
}

func TestWebhookDecoderMatchesEncodingJSON(t *testing.T) {
	for i, b := range decodeBodies {
		for _, id := range []string{testPhoneID, "other", ""} {
			fast := checkWebhookDecode(t, []byte(b), id)
			if i < 15 && !fast {
				t.Errorf("%d: the scanner gave up on an ordinary body: %.200s", i, b)
			}
		}
	}
	// The bodies the other tests post are compared too: see post.
}

// FuzzWebhookDecode: the fast decoder against encoding/json, for
// accept/reject and the decoded values.
func FuzzWebhookDecode(f *testing.F) {
	for _, b := range decodeBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkWebhookDecode(t, body, testPhoneID)
	})
}

func TestMessageIDMatchesEncodingJSON(t *testing.T) {
	for _, a := range []string{
		`{"messaging_product":"whatsapp","contacts":[{"input":"16505551234","wa_id":"16505551234"}],"messages":[{"id":"wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"}]}`,
		`{"messages":[{"message_status":"accepted","id":"wamid.B"},{"id":"wamid.C"}]}`,
		`{"messages":[{"id":"wamid.\u0041="}]}`, `{"messages":[]}`, `{"messages":null}`, `{"messages":[{"id":1}]}`,
		`{"messages":[{"id":"x"}]`, `[]`, `{"messages":[{"id":"x"}]} x`, `{"messages":[{"id":"x"},{"id":2}]}`,
		`{"Messages":[{"ID":"y"}]}`, `{"messages":[{"id":"x","id":"y"}]}`, `{"messages":[{}]}`, `{}`, `null`,
	} {
		checkMessageID(t, []byte(a))
	}
}

// TestSendAnswerWhole: Meta's answer to a send is matched whole; one that
// differs from its form in any piece is read member by member; both agree
// with encoding/json.
func TestSendAnswerWhole(t *testing.T) {
	pieces := []string{answer0, `"16505551234"`, answer1, `"16505551234"`, answer2, `"wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"`, answer3}
	answer := strings.Join(pieces, "")
	if id, ok := (&scanner{}).sendAnswer([]byte(answer)); !ok || id != strings.Trim(pieces[5], `"`) {
		t.Fatalf("%q: %q %v", answer, id, ok)
	}
	answers := []string{answer, answer + " \n", answer + "x", answer[:len(answer)-1]}
	for k := range pieces {
		for i := 0; i < len(pieces[k]); i++ {
			p := slices.Clone(pieces)
			if k%2 == 1 {
				if i > 0 {
					break
				}
				for _, v := range []string{`"\u0041"`, `"é"`, `null`, `1`, `""`} {
					p[k] = v
					answers = append(answers, strings.Join(p, ""))
				}
				continue
			}
			b := []byte(p[k])
			b[i] ^= 0x20
			p[k] = string(b)
			answers = append(answers, strings.Join(p, ""))
		}
	}
	for _, a := range answers {
		checkMessageID(t, []byte(a))
	}
}

func checkMessageID(t *testing.T, answer []byte) {
	t.Helper()
	got, gerr := messageID(answer)
	var ok struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	werr := json.Unmarshal(answer, &ok)
	want := ""
	if werr == nil && len(ok.Messages) > 0 {
		want = ok.Messages[0].ID
	}
	if (gerr == nil) != (werr == nil) || got != want {
		t.Fatalf("%q: %q %v, encoding/json %q %v", answer, got, gerr, want, werr)
	}
}

func FuzzMessageID(f *testing.F) {
	f.Add([]byte(`{"messaging_product":"whatsapp","contacts":[{"input":"1","wa_id":"1"}],"messages":[{"id":"wamid.A"}]}`))
	f.Add([]byte(`{"messages":[{"id":"x"},{"id":"\u00e4"}]}`))
	f.Fuzz(func(t *testing.T, answer []byte) { checkMessageID(t, answer) })
}

// headOf is the head of Meta's webhooks (see head) for this adapter's
// number, up to the end of the metadata.
const headOf = head0 + `"102290129340398"` + head1 + `"15550783881"` + head2 + `"` + testPhoneID + `"}`

// headBodies start with the head and go on in every way that matters to
// the decoders resumed after it: the ordinary ends, more changes and
// entries, repeated and case-folded keys, trailing bytes, truncation.
var headBodies = []string{
	headOf + `},"field":"messages"}]}]}`,
	headOf + `,"statuses":[{"id":"wamid.S","status":"read","timestamp":"1","recipient_id":"1"}]},"field":"messages"}]}]}`,
	headOf + `,"contacts":[{"profile":{"name":"A"},"wa_id":"1"}],"messages":[{"from":"1","id":"w","timestamp":"2","type":"text","text":{"body":"x"}}]},"field":"messages"}]}]}` + "\n",
	headOf + `},"field":"statuses"}]}]}`,
	headOf + `,"messages":[{"from":"1","id":"w1"}]},"field":"messages"},{"value":{"metadata":{"phone_number_id":"` + testPhoneID + `"},"messages":[{"from":"1","id":"w2"}]},"field":"messages"}]}]}`,
	headOf + `,"messages":[{"from":"1","id":"w1"}]},"field":"messages"}]},{"id":"2","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"` + testPhoneID + `"},"messages":[{"from":"2","id":"w2"}]}}]}]}`,
	headOf + `,"messages":[{"from":"1","id":"w1"}]},"field":"messages"}]}],"x":[1,{"y":null}]}`,
	headOf + `,"metadata":{}},"field":"messages"}]}]}`,
	headOf + `,"messaging_product":"x"},"field":"messages"}]}]}`,
	headOf + `,"Metadata":{}},"field":"messages"}]}]}`,
	headOf + `},"field":"messages","value":{}}]}]}`,
	headOf + `},"FIELD":"messages"}]}]}`,
	headOf + `},"field":"messages"}],"id":"x"}]}`,
	headOf + `},"field":"messages"}],"Changes":[]}]}`,
	headOf + `,"messages":[{"from":"1","id":"w1"}]},"field":"messages"}],"changes":[]}]}`,
	headOf + `},"field":"messages"}]}],"object":"x"}`,
	headOf + `},"field":"messages"}]}],"entry":[]}`,
	headOf + `},"field":"messages"}]}]}x`,
	headOf + `},"field":"messages"}]}]`,
	headOf + `,`,
	headOf,
	head0 + `"1"` + head1 + `""` + head2 + `"other"}},"field":"messages"}]}]}`,
}

// TestWebhookHead: bodies that start with the head are read from after it
// (head matches them) and decode as encoding/json decodes them; a head
// with an escape, a non-ASCII byte or white space is read member by
// member.
func TestWebhookHead(t *testing.T) {
	for _, b := range headBodies {
		if _, _, _, ok := head([]byte(b)); !ok {
			t.Errorf("head does not match %.120q", b)
		}
		for _, id := range []string{testPhoneID, "other"} {
			checkWebhookDecode(t, []byte(b), id)
		}
	}
	for _, b := range []string{
		head0 + `"1\u0030"` + head1 + `"1"` + head2 + `"` + testPhoneID + `"}},"field":"messages"}]}]}`,
		head0 + `"1"` + head1 + `"1é"` + head2 + `"` + testPhoneID + `"}},"field":"messages"}]}]}`,
		head0 + `"1"` + head1 + `"1"` + head2 + ` "` + testPhoneID + `"}},"field":"messages"}]}]}`,
		head0 + `"1"` + head1 + `"1"` + head2 + `"` + testPhoneID + `"` + "\n}},\"field\":\"messages\"}]}]}",
	} {
		if _, _, _, ok := head([]byte(b)); ok {
			t.Errorf("head matches %.120q", b)
		}
		if fast := checkWebhookDecode(t, []byte(b), testPhoneID); !fast {
			t.Errorf("the scanner gave up on %.120q", b)
		}
	}
}

func init() { decodeBodies = append(decodeBodies, headBodies...) }

// statusPieces and textPieces are the rests of the two webhooks the
// decoder reads whole (see whole), after headOf: literals (odd indexes
// are strings, the values).
var (
	statusPieces = []string{tailStatus0, `"wamid.HBgLMTY1MDU1NTEyMzQVAgARGCA5QTNDQTVCM0Q0Q0Q2RTY3RTcyMwA="`, tailStatus1, `"sent"`,
		tailStatus2, `"1749463200"`, tailStatus3, `"16505551234"`, tailStatus4, `"ee1d6e5a3b4f1c6b8e5f3f0b7a2d0c91"`,
		tailStatus5, `"1749549600"`, tailStatus6, `"service"`, tailStatus7, `"CBP"`, tailStatus8, `"service"`, tailStatus9 + tailEnd}
	textPieces = []string{tailText0, `"Sheena"`, tailText1, `"16505551234"`, tailText2, `"16505551234"`, tailText3,
		`"wamid.A"`, tailText4, `"1749463200"`, tailText5, `"Hello there"`, tailText6 + tailEnd}
	wholeStatus = strings.Join(statusPieces, "")
	wholeText   = strings.Join(textPieces, "")
)

// TestWholeWebhooks: the two webhooks Meta sends most are read whole and
// decode as encoding/json decodes them; a body that differs from their
// form in any piece (a byte of a literal, a value that is not a plain
// string, what follows) is read member by member, with the same result as
// encoding/json.
func TestWholeWebhooks(t *testing.T) {
	whole := []string{
		wholeStatus,
		strings.Replace(wholeStatus, `,"expiration_timestamp":"1749549600"`, ``, 1),
		strings.Replace(wholeStatus, `"sent"`, `"delivered"`, 1),
		strings.Replace(wholeStatus, `"sent"`, `"unknown"`, 1),
		strings.Replace(wholeStatus, `"service"`, `""`, 2),
		wholeText,
		wholeText + " \n\t\r",
		strings.Replace(wholeText, `"Sheena"`, `""`, 1),
	}
	var notWhole []string
	for _, pieces := range [][]string{statusPieces, textPieces} {
		for k := range pieces {
			for i := 0; i < len(pieces[k]); i++ {
				p := slices.Clone(pieces)
				b := []byte(p[k])
				if k%2 == 1 { // a value: escaped, non-ASCII, or no string
					if i > 0 {
						break
					}
					for _, v := range []string{`"\u0041"`, `"é"`, `null`, `1`, `{}`} {
						p[k] = v
						notWhole = append(notWhole, strings.Join(p, ""))
					}
					continue
				}
				b[i] ^= 0x20 // a literal: one byte changed
				p[k] = string(b)
				notWhole = append(notWhole, strings.Join(p, ""))
			}
		}
	}
	notWhole = append(notWhole, wholeStatus+"x", wholeText[:len(wholeText)-1],
		strings.Replace(wholeStatus, `"billable":true`, `"billable":false`, 1),
		strings.Replace(wholeStatus, `"recipient_id":"16505551234"`, `"recipient_id":"16505551234","errors":[]`, 1),
		strings.Replace(wholeStatus, `"status":"sent"`, `"status":"sent","status":"read"`, 1),
		strings.Replace(wholeText, `"type":"text"`, `"type":"text","type":"image"`, 1))
	for _, rest := range whole {
		if (&scanner{}).whole([]byte(rest), nil, nil) == nil {
			t.Errorf("not read whole: %.300q", rest)
		}
		for _, id := range []string{testPhoneID, "other"} {
			checkWebhookDecode(t, []byte(headOf+rest), id)
		}
	}
	for _, rest := range notWhole {
		if (&scanner{}).whole([]byte(rest), nil, nil) != nil {
			t.Errorf("read whole: %.300q", rest)
		}
		checkWebhookDecode(t, []byte(headOf+rest), testPhoneID)
	}
}

func init() { decodeBodies = append(decodeBodies, headOf+wholeStatus, headOf+wholeText) }

// TestReadHeadAfterAnother: a scanner's readHead, which answers from the
// head it read last when a body starts with it, gives what head gives,
// whatever body it read before (the same head, another, none).
func TestReadHeadAfterAnother(t *testing.T) {
	bodies := append([]string{"", "x", head0, headOf[:len(headOf)-1]}, headBodies...)
	bodies = append(bodies,
		head0+`"1"`+head1+`"22"`+head2+`"333"}`,
		head0+`"1"`+head1+`"22"`+head2+`"333"},"x"`,
		head0+`"1"`+head1+`"22"`+head2+`"3334"}`,
		head0+`"1"`+head1+`"2"`+head2+`"2333"}`,
	)
	for _, before := range bodies {
		for _, b := range bodies {
			d := new(scanner)
			d.readHead([]byte(before))
			got := d.readHead([]byte(b))
			n, display, account, ok := head([]byte(b))
			if got.n != n || got.ok != ok || string(got.display) != string(display) || string(got.account) != string(account) {
				t.Errorf("after %.60q, readHead(%.60q) = %d %q %q %v, head gives %d %q %q %v",
					before, b, got.n, got.display, got.account, got.ok, n, display, account, ok)
			}
		}
	}
}
