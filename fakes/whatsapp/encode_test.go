package whatsapp

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	fuzz "github.com/google/gofuzz"
)

// encodeStrings are strings that exercise every escape of Meta's form.
var encodeStrings = []string{
	"", "hi", "Hello, where is my order?", "äöå", "Jörg", "😀", "a/b", "100%", "me@example.com",
	"<script>&amp;</script>", `quote " and back\slash`, "tab\tnew\nline\rcr", "\b\f\x00\x01\x1f\x7f",
	"\u2028\u2029", "\xff\xfe invalid", "a\xc3", "\xed\xa0\x80 surrogate bytes", "日本語のテキスト",
	"\U0001F468\u200D\U0001F469\u200D\U0001F467", "+1 (650) 555-1234", "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ5QTNDQTVCM0Q0Q0Q2RTY3RTcyMwA=",
}

// oldInbound is the inbound webhook body as the fake built it before the
// append encoders: the payload structs through EncodeEscaped.
func oldInbound(t testing.TB, s *Server, name string, m InboundMessage, unix int64) []byte {
	m.Timestamp = strconv.FormatInt(unix, 10)
	b, err := EncodeEscaped(s.envelope(WebhookValue{
		Contacts: []Contact{{Profile: Profile{Name: name}, WaID: m.From}},
		Messages: []InboundMessage{m},
	}))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func oldStatus(t testing.TB, s *Server, p *pending) []byte {
	b, err := EncodeEscaped(s.statusPayload(p))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// madeWamid is a wamid s makes for waID from part: what the webhook
// encoders take as a message's or a status's id (appendID).
func madeWamid(s *Server, waID string, part uint64) string {
	return s.ids.formatWamid(waID, part, false)
}

func checkInbound(t testing.TB, s *Server, name string, m InboundMessage, unix int64) {
	t.Helper()
	want := oldInbound(t, s, name, m, unix)
	got := s.appendInboundWebhook([]byte("prefix"), name, &m, unix)
	if !bytes.Equal(got[6:], want) || string(got[:6]) != "prefix" {
		t.Fatalf("inbound webhook\n got %s\nwant %s", got[6:], want)
	}
}

func checkStatus(t testing.TB, s *Server, p *pending) {
	t.Helper()
	want := oldStatus(t, s, p)
	if got := s.appendStatusWebhook(nil, p); !bytes.Equal(got, want) {
		t.Fatalf("status webhook\n got %s\nwant %s", got, want)
	}
}

func TestWebhookEncodersMatchEncodeEscaped(t *testing.T) {
	for _, cfgStr := range []string{"", "ä/@%<", "\xff"} {
		cfg := Config{}
		if cfgStr != "" {
			cfg = Config{BusinessAccountID: "1" + cfgStr, DisplayPhoneNumber: "2" + cfgStr, PhoneNumberID: "3" + cfgStr}
		}
		s, _ := newTest(cfg)
		for _, str := range encodeStrings {
			for _, unix := range []int64{0, 1749463200, -5} {
				checkInbound(t, s, str, InboundMessage{From: cust, ID: madeWamid(s, str, uint64(unix)), Type: "text", Text: &Text{Body: str}}, unix)
				checkInbound(t, s, "n", InboundMessage{From: str, ID: madeWamid(s, str, 1), Type: str, Text: &Text{Body: "b", PreviewURL: true}}, unix)
				for _, kind := range []string{"image", "audio", "video", "document", "sticker"} {
					im := &InboundMedia{Caption: str, MimeType: "image/" + str, SHA256: str, ID: "1" + str}
					if kind == "document" {
						im.Filename = str + ".pdf"
					}
					m := InboundMessage{From: cust, ID: madeWamid(s, cust, 2), Type: kind}
					im.Voice, im.Animated = kind == "audio", kind == "sticker"
					m.SetMedia(kind, im)
					checkInbound(t, s, str, m, unix)
				}
				for _, m := range replyMessages(str, madeWamid(s, str, 3)) {
					checkInbound(t, s, str, m, unix)
				}
				at := time.Unix(unix, 0)
				for _, st := range []string{"sent", "delivered", "failed", str} {
					checkStatus(t, s, &pending{status: st, id: madeWamid(s, str, 4), to: cust, at: at, convID: str, category: "service", convExp: unix})
					checkStatus(t, s, &pending{status: st, id: madeWamid(s, cust, 5), to: str, at: at, convID: "c", category: str})
					e := newError(200, CodeReEngagement, 0, str, str)
					checkStatus(t, s, &pending{status: st, id: madeWamid(s, str, 6), to: str, at: at, err: e})
				}
			}
		}
	}
}

// TestAppendWebhookPayload checks the generic encoder against EncodeEscaped
// on random payloads.
func TestAppendWebhookPayload(t *testing.T) {
	f := fuzz.NewWithSeed(1).NilChance(0.2).NumElements(0, 3).Funcs(func(s *string, c fuzz.Continue) {
		if c.Intn(3) == 0 {
			*s = encodeStrings[c.Intn(len(encodeStrings))]
		} else {
			c.Fuzz(s)
		}
	})
	for i := 0; i < 3000; i++ {
		var p WebhookPayload
		f.Fuzz(&p)
		want, err := EncodeEscaped(&p)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendWebhookPayload(nil, &p); !bytes.Equal(got, want) {
			t.Fatalf("payload %+v\n got %s\nwant %s", p, got, want)
		}
	}
}

// FuzzWebhookEncoders compares the append encoders with EncodeEscaped.
func FuzzWebhookEncoders(f *testing.F) {
	for _, s := range encodeStrings {
		f.Add(s, s, s, s, int64(1749463200), uint8(0))
	}
	f.Add("Sheena", cust, "wamid.X", "hello", int64(0), uint8(3))
	f.Fuzz(func(t *testing.T, name, from, id, body string, unix int64, kind uint8) {
		s, _ := newTest(Config{BusinessAccountID: id, DisplayPhoneNumber: name})
		wamid := madeWamid(s, from, uint64(unix))
		m := InboundMessage{From: from, ID: wamid, Type: "text", Text: &Text{Body: body}}
		if k := kind % 10; k >= 6 {
			rs := replyMessages(body, wamid)
			m = rs[int(k-6)%len(rs)]
			m.From = from
		} else if k > 0 {
			m.Type, m.Text = MediaKinds[k-1], nil
			im := &InboundMedia{Caption: body, MimeType: name, SHA256: id, ID: from, Filename: body}
			m.SetMedia(m.Type, im)
		}
		checkInbound(t, s, name, m, unix)
		at := time.Unix(unix, 0)
		checkStatus(t, s, &pending{status: body, id: wamid, to: from, at: at, convID: name, category: body, convExp: unix})
		checkStatus(t, s, &pending{status: "failed", id: wamid, to: from, at: at, err: newError(200, int(unix), 0, body, name)})
		var p WebhookPayload
		fuzz.NewFromGoFuzz([]byte(name+from+id+body)).NilChance(0.2).NumElements(0, 2).Fuzz(&p)
		want, _ := EncodeEscaped(&p)
		if got := appendWebhookPayload(nil, &p); !bytes.Equal(got, want) {
			t.Fatalf("payload\n got %s\nwant %s", got, want)
		}
	})
}

// TestSignPooled: the pooled keyed HMAC gives Sign's answer, also when
// reused.
func TestSignPooled(t *testing.T) {
	s, _ := newTest(Config{AppSecret: "k\xff"})
	for _, str := range encodeStrings {
		for i := 0; i < 2; i++ {
			if got, want := s.sign([]byte(str)), Sign("k\xff", []byte(str)); got != want {
				t.Fatalf("%q: %s, want %s", str, got, want)
			}
		}
	}
}

func TestSplitPath(t *testing.T) {
	for _, p := range []string{"", "a", "a/", "/a", "a/b", "a//b", "a/b/c", "a/b/c/", "a/b/c/d", "a/b/c/d/e", "//", "///"} {
		want := strings.Split(p, "/")
		var seg [3]string
		n := splitPath(p, &seg)
		if len(want) > 3 {
			if n != 4 || seg != [3]string(want[:3]) {
				t.Errorf("%q: %d %q", p, n, seg)
			}
			continue
		}
		if n != len(want) || !slices.Equal(seg[:n], want) {
			t.Errorf("%q: %d %q, want %q", p, n, seg, want)
		}
	}
}

// The generic encoder of any WebhookPayload, from the pieces the hot paths
// use (appendContact, appendText, appendInboundMedia, appendPricing,
// appendStatusError, appendString): TestAppendWebhookPayload and
// FuzzWebhookEncoders check it against EncodeEscaped.

// appendWebhookPayload appends EncodeEscaped(p).
func appendWebhookPayload(b []byte, p *WebhookPayload) []byte {
	b = append(b, `{"object":`...)
	b = appendString(b, p.Object)
	b = append(b, `,"entry":`...)
	if p.Entry == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range p.Entry {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendWebhookEntry(b, &p.Entry[i])
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendWebhookEntry(b []byte, e *WebhookEntry) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, e.ID)
	b = append(b, `,"changes":`...)
	if e.Changes == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range e.Changes {
			if i > 0 {
				b = append(b, ',')
			}
			c := &e.Changes[i]
			b = append(b, `{"value":`...)
			b = appendWebhookValue(b, &c.Value)
			b = append(b, `,"field":`...)
			b = appendString(b, c.Field)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendContact appends a contact as appendInboundWebhook writes its one.
func appendContact(b []byte, name, waID string) []byte {
	b = append(b, `{"profile":{"name":`...)
	b = appendString(b, name)
	b = append(b, `},"wa_id":`...)
	b = appendString(b, waID)
	return append(b, '}')
}

func appendWebhookValue(b []byte, v *WebhookValue) []byte {
	b = append(b, `{"messaging_product":`...)
	b = appendString(b, v.MessagingProduct)
	b = append(b, `,"metadata":{"display_phone_number":`...)
	b = appendString(b, v.Metadata.DisplayPhoneNumber)
	b = append(b, `,"phone_number_id":`...)
	b = appendString(b, v.Metadata.PhoneNumberID)
	b = append(b, '}')
	if len(v.Contacts) > 0 {
		b = append(b, `,"contacts":[`...)
		for i := range v.Contacts {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendContact(b, v.Contacts[i].Profile.Name, v.Contacts[i].WaID)
		}
		b = append(b, ']')
	}
	if len(v.Messages) > 0 {
		b = append(b, `,"messages":[`...)
		for i := range v.Messages {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendInboundMessage(b, &v.Messages[i])
		}
		b = append(b, ']')
	}
	if len(v.Statuses) > 0 {
		b = append(b, `,"statuses":[`...)
		for i := range v.Statuses {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendStatus(b, &v.Statuses[i])
		}
		b = append(b, ']')
	}
	if len(v.Errors) > 0 {
		b = append(b, `,"errors":`...)
		b = appendStatusErrors(b, v.Errors)
	}
	return append(b, '}')
}

func appendInboundMessage(b []byte, m *InboundMessage) []byte {
	b = append(b, '{')
	if m.Context != nil {
		b = appendContext(b, m.Context)
	}
	b = append(b, `"from":`...)
	b = appendString(b, m.From)
	b = append(b, `,"id":`...)
	b = appendString(b, m.ID)
	b = append(b, `,"timestamp":`...)
	b = appendString(b, m.Timestamp)
	b = append(b, `,"type":`...)
	b = appendString(b, m.Type)
	if m.Text != nil {
		b = append(b, `,"text":`...)
		b = appendText(b, m.Text)
	}
	for _, md := range [...]struct {
		name string
		m    *InboundMedia
	}{{`,"image":`, m.Image}, {`,"audio":`, m.Audio}, {`,"video":`, m.Video}, {`,"document":`, m.Document}, {`,"sticker":`, m.Sticker}} {
		if md.m != nil {
			b = append(b, md.name...)
			b = appendInboundMedia(b, md.m)
		}
	}
	b = appendReplyContent(b, m)
	return append(b, '}')
}

func appendStatus(b []byte, st *Status) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, st.ID)
	b = append(b, `,"status":`...)
	b = appendString(b, st.Status)
	b = append(b, `,"timestamp":`...)
	b = appendString(b, st.Timestamp)
	b = append(b, `,"recipient_id":`...)
	b = appendString(b, st.RecipientID)
	if c := st.Conversation; c != nil {
		b = append(b, `,"conversation":{"id":`...)
		b = appendString(b, c.ID)
		if c.ExpirationTimestamp != "" {
			b = append(b, `,"expiration_timestamp":`...)
			b = appendString(b, c.ExpirationTimestamp)
		}
		b = append(b, `,"origin":{"type":`...)
		b = appendString(b, c.Origin.Type)
		b = append(b, `}}`...)
	}
	if p := st.Pricing; p != nil {
		b = append(b, `,"pricing":`...)
		b = appendPricing(b, p.Billable, p.PricingModel, p.Category)
	}
	if len(st.Errors) > 0 {
		b = append(b, `,"errors":`...)
		b = appendStatusErrors(b, st.Errors)
	}
	return append(b, '}')
}

func appendStatusErrors(b []byte, errs []StatusError) []byte {
	b = append(b, '[')
	for i := range errs {
		if i > 0 {
			b = append(b, ',')
		}
		e := &errs[i]
		b = appendStatusError(b, e.Code, e.Title, e.Message, e.ErrorData.Details, e.Href)
	}
	return append(b, ']')
}

// replyMessages are inbound messages with each kind of reply content, the
// strings set to str and each message's own wamid to id.
func replyMessages(str, id string) []InboundMessage {
	ctx := &MessageContext{From: str, ID: "wamid." + str}
	return []InboundMessage{
		{Context: ctx, From: cust, ID: id, Type: "text", Text: &Text{Body: str}},
		{Context: ctx, From: cust, ID: id, Type: "button", Button: &InboundButton{Text: str, Payload: str + "-payload"}},
		{Context: ctx, From: cust, ID: id, Type: "interactive", Interactive: &InboundInteractive{Type: "button_reply", ButtonReply: &ReplyItem{ID: str, Title: str}}},
		{Context: ctx, From: cust, ID: id, Type: "interactive", Interactive: &InboundInteractive{Type: "list_reply", ListReply: &ReplyItem{ID: "row-1", Title: str, Description: str}}},
		{From: cust, ID: id, Type: "reaction", Reaction: &Reaction{MessageID: str, Emoji: str}},
		{From: str, ID: id, Type: "reaction", Reaction: &Reaction{MessageID: "wamid.x"}},
	}
}

// TestSendResponseBytes: the send answer, with its wamid formatted
// straight into it or kept as a string, is the bytes EncodeEscaped gives
// (wamids with "/" in their base64 among them, which a wa_id of digits
// never gives).
func TestSendResponseBytes(t *testing.T) {
	s := New(Config{Seed: 7})
	slashes := 0
	for part := uint64(0); part < 200; part++ {
		for _, waID := range []string{"16505551234", "4915112345678", "??~~\xff\xfe"} { // the last makes slashes
			id := s.ids.formatWamid(waID, part, true)
			if strings.Contains(id, "/") {
				slashes++
			}
			for _, input := range []string{"+" + waID, waID} { // the wa_id itself, or another spelling
				want, err := EncodeEscaped(SendResponse{MessagingProduct: "whatsapp",
					Contacts: []ResponseContact{{Input: input, WaID: waID}}, Messages: []ResponseMessage{{ID: id}}})
				if err != nil {
					t.Fatal(err)
				}
				var stem wamidStem
				stem.make(waID)
				for _, a := range []accepted{{waID: waID, part: part}, {waID: waID, part: part, stem: stem}, {waID: waID, part: part, id: id}} {
					if got := s.appendSendResponse(nil, input, &a); string(got) != string(want) {
						t.Fatalf("part %d, input %q, id %q kept: %s, want %s", part, input, a.id, got, want)
					}
				}
			}
		}
	}
	if slashes == 0 {
		t.Fatal("no wamid with a slash")
	}
}

// TestJournalDeliveryIDs: the journal's deliveries carry the wamid the
// send was answered with, whether or not a status needed it at the send.
func TestJournalDeliveryIDs(t *testing.T) {
	for _, off := range []bool{false, true} {
		s, _ := newTest(Config{DisableStatuses: off})
		openWindow(t, s, cust)
		var ids []string
		for _, body := range []string{"one", "two"} {
			ids = append(ids, wantOK(t, sendReq(s, text(cust, body))).Messages[0].ID)
		}
		d := s.Direct("v21.0")
		req := text(cust, "three")
		_, id, e := d.Send(&req)
		if e != nil {
			t.Fatal(e)
		}
		ids = append(ids, id)
		j := s.Journal().Deliveries
		kept := s.Deliveries(cust)
		if len(j) != 3 || len(kept) != 3 {
			t.Fatalf("statuses off %v: %d journaled, %d kept", off, len(j), len(kept))
		}
		for i, id := range ids {
			if j[i].ID != id || kept[i].ID != id {
				t.Errorf("statuses off %v, send %d: journal %q, kept %q, answered %q", off, i, j[i].ID, kept[i].ID, id)
			}
		}
	}
}

// TestAppendStringRuns: appendString passes over runs of safe bytes
// several at a time; each byte that is not plainly safe, at every offset
// of a run and with runs of every length around it, is escaped as
// EncodeEscaped escapes it.
func TestAppendStringRuns(t *testing.T) {
	for _, odd := range []string{`"`, `\`, "/", "%", "@", "<", ">", "&", "\n", "\x00", "\x1f", "\x7f", "é", "\xff", "\u2028", "😀"} {
		for before := 0; before <= 17; before++ {
			for after := 0; after <= 9; after++ {
				str := strings.Repeat("a", before) + odd + strings.Repeat("Z", after)
				want, err := EncodeEscaped(str)
				if err != nil {
					t.Fatal(err)
				}
				if got := appendString([]byte("x"), str); !bytes.Equal(got[1:], want) {
					t.Fatalf("%q:\n got %s\nwant %s", str, got[1:], want)
				}
			}
		}
	}
}

// TestAppendIDOfMadeWamids: the wamids the server makes, written by
// appendID, are the bytes appendString writes (slashes among
// them, from wa_ids of other bytes than digits).
func TestAppendIDOfMadeWamids(t *testing.T) {
	s := New(Config{Seed: 11})
	slashes := 0
	for part := uint64(0); part < 500; part++ {
		for _, waID := range []string{"16505551234", "4915112345678", "??~~\xff\xfe", "1"} {
			for _, out := range []bool{false, true} {
				id := s.ids.formatWamid(waID, part, out)
				if strings.Contains(id, "/") {
					slashes++
				}
				if got, want := appendID([]byte("x"), id), appendString([]byte("x"), id); string(got) != string(want) {
					t.Fatalf("appendID(%q) = %s, want %s", id, got, want)
				}
			}
		}
	}
	if slashes == 0 {
		t.Fatal("no wamid with a slash")
	}
}

// TestJournalDeliveriesAreTheKeptOnes: the journal's deliveries are the
// customer's own, field by field, for each kind a send delivers: a text
// replying to a message, a template, media by a link with a caption and
// media by an uploaded id.
func TestJournalDeliveriesAreTheKeptOnes(t *testing.T) {
	s, _ := newTest(Config{})
	in, err := s.CustomerText(context.Background(), cust, "Sheena", "hi")
	if err != nil && err != ErrNoWebhookURL {
		t.Fatal(err)
	}
	reply := text(cust, "a reply")
	reply.Context = &Context{MessageID: in.ID}
	link := SendRequest{MessagingProduct: "whatsapp", To: cust, Type: "image"}
	link.SetMedia("image", &Media{Link: "https://example.com/a.png", Caption: "a caption"})
	byID := SendRequest{MessagingProduct: "whatsapp", To: cust, Type: "document"}
	byID.SetMedia("document", &Media{ID: uploadFile(t, s, "application/pdf", 10)})
	for _, req := range []SendRequest{reply, tmpl(cust, "hello_world"), link, byID} {
		wantOK(t, sendReq(s, req))
	}
	j, kept := s.Journal().Deliveries, s.Deliveries(cust)
	if len(kept) != 4 || !reflect.DeepEqual(j, kept) {
		t.Fatalf("journal %+v\nkept %+v", j, kept)
	}
	if kept[0].ReplyTo != in.ID || kept[1].Template != "hello_world" || kept[2].Link == "" || kept[2].Caption != "a caption" || kept[3].MediaID == "" {
		t.Errorf("kept %+v", kept)
	}
}
