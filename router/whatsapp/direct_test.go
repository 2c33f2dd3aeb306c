package whatsapp

import (
	"fmt"
	"net/http"
	"reflect"
	"testing"
)

// TestReceiveMessageMatchesWebhook: each customer message the value path
// takes (text, a reply, a template button, an interactive reply button
// or list row, a reaction and its removal, media) is handed to the
// Receiver as the same Inbound as its signed webhook, but for Sent (the
// webhook's timestamp, which the value path leaves to the receiver's
// clock).
func TestReceiveMessageMatchesWebhook(t *testing.T) {
	const from, name = "16505551234", "Sheena Nelson"
	for _, tc := range []struct {
		name string
		json string // the message's fields after from, id and timestamp
		msg  Message
	}{
		{"text", `"type":"text","text":{"body":"hi"}`,
			Message{Type: "text", Text: "hi"}},
		{"reply", `"context":{"from":"15550783881","id":"wamid.OUT1"},"type":"text","text":{"body":"yes"}`,
			Message{Type: "text", Text: "yes", Context: "wamid.OUT1"}},
		{"button", `"context":{"from":"15550783881","id":"wamid.OUT2"},"type":"button","button":{"text":"Confirm","payload":"confirm"}`,
			Message{Type: "button", Text: "Confirm", Payload: "confirm", Context: "wamid.OUT2"}},
		{"button_reply", `"context":{"from":"15550783881","id":"wamid.OUT3"},"type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"b1","title":"Yes"}}`,
			Message{Type: "interactive", Interactive: "button_reply", Payload: "b1", Text: "Yes", Context: "wamid.OUT3"}},
		{"list_reply", `"context":{"from":"15550783881","id":"wamid.OUT4"},"type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"r2","title":"Tuesday","description":"9-12"}}`,
			Message{Type: "interactive", Interactive: "list_reply", Payload: "r2", Text: "Tuesday", Context: "wamid.OUT4"}},
		{"reaction", `"type":"reaction","reaction":{"message_id":"wamid.OUT5","emoji":"👍"}`,
			Message{Type: "reaction", ReactionTo: "wamid.OUT5", Emoji: "👍"}},
		{"reaction removed", `"type":"reaction","reaction":{"message_id":"wamid.OUT5"}`,
			Message{Type: "reaction", ReactionTo: "wamid.OUT5"}},
		{"image", `"type":"image","image":{"caption":"the receipt","mime_type":"image/jpeg","sha256":"x","id":"m1"}`,
			Message{Type: "image", Caption: "the receipt", MIMEType: "image/jpeg"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := "wamid.IN." + tc.name
			wire, wrec, _ := newTestAdapter(t)
			value := fmt.Sprintf(`"contacts":[{"profile":{"name":%q},"wa_id":%q}],"messages":[{"from":%q,"id":%q,"timestamp":"1749416383",%s}]`,
				name, from, from, id, tc.json)
			if code := postSigned(wire, envelopeOf(testPhoneID, value)); code != http.StatusOK {
				t.Fatalf("webhook answered %d", code)
			}
			direct, drec, _ := newTestAdapter(t)
			m := tc.msg
			m.From, m.Name, m.ID = from, name, id
			direct.ReceiveMessage(&m)
			direct.ReceiveMessage(&m) // a duplicate: dropped
			if len(wrec.received) != 1 || len(drec.received) != 1 {
				t.Fatalf("received: webhook %d, values %d; want 1 each", len(wrec.received), len(drec.received))
			}
			w, d := wrec.received[0], drec.received[0]
			if !reflect.DeepEqual(w.In, d.In) || w.Now != d.Now {
				t.Errorf("values: %+v\nwebhook: %+v", d.In, w.In)
			}
		})
	}
}
