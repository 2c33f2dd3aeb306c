package messenger

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Event is one entry of a webhook's messaging array, normalized: what
// [Adapter.Receive] takes.
type Event struct {
	Page      string // the page (entry id)
	Sender    string // the customer's PSID
	Timestamp int64  // milliseconds
	// Kind is message, postback, referral, delivery or read; "" for what
	// the adapter does not use (echoes, reactions, ...).
	Kind           string
	MID            string
	Text           string // the text, or a postback's title
	Payload        string // a postback's payload
	AttachmentType string // image, audio, video, file, ...
	AttachmentURL  string
	Referral       *Referral
	Delivered      []string // a delivery receipt's message ids
}

// Referral is where the customer came from.
type Referral struct {
	Ref    string `json:"ref"`
	AdID   string `json:"ad_id"`
	Source string `json:"source"`
	Type   string `json:"type"`
}

type wirePayload struct {
	Object string `json:"object"`
	Entry  []struct {
		ID        string          `json:"id"`
		Time      int64           `json:"time"`
		Messaging []wireMessaging `json:"messaging"`
	} `json:"entry"`
}

type wireID struct {
	ID string `json:"id"`
}

type wireMessaging struct {
	Sender    wireID `json:"sender"`
	Recipient wireID `json:"recipient"`
	Timestamp int64  `json:"timestamp"`
	Message   *struct {
		MID         string `json:"mid"`
		Text        string `json:"text"`
		IsEcho      bool   `json:"is_echo"`
		Attachments []struct {
			Type    string `json:"type"`
			Payload struct {
				URL string `json:"url"`
			} `json:"payload"`
		} `json:"attachments"`
		QuickReply *struct {
			Payload string `json:"payload"`
		} `json:"quick_reply"`
	} `json:"message"`
	Postback *struct {
		Title   string `json:"title"`
		Payload string `json:"payload"`
		MID     string `json:"mid"`
	} `json:"postback"`
	Referral *Referral `json:"referral"`
	Delivery *struct {
		MIDs      []string `json:"mids"`
		Watermark int64    `json:"watermark"`
	} `json:"delivery"`
	Read *struct {
		Watermark int64 `json:"watermark"`
	} `json:"read"`
}

// maxEvents bounds the events one webhook may carry.
const maxEvents = 1000

// ParseWebhook reads a Messenger webhook body ({"object":"page","entry":
// [{"id","time","messaging":[...]}]}) into its events, in order. A body
// that is not such a notification is an error.
func ParseWebhook(body []byte) ([]Event, error) {
	var p wirePayload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if p.Object != "page" {
		return nil, fmt.Errorf("object %q is not \"page\"", p.Object)
	}
	var out []Event
	for _, e := range p.Entry {
		if e.ID == "" {
			return nil, errors.New("an entry has no id")
		}
		for i := range e.Messaging {
			m := &e.Messaging[i]
			if len(out) == maxEvents {
				return nil, errors.New("too many events")
			}
			ev := Event{Page: e.ID, Sender: m.Sender.ID, Timestamp: m.Timestamp, Referral: m.Referral}
			switch {
			case m.Message != nil:
				if m.Message.IsEcho {
					break // the page's own message
				}
				ev.Kind, ev.MID, ev.Text = "message", m.Message.MID, m.Message.Text
				if len(m.Message.Attachments) > 0 {
					a := m.Message.Attachments[0]
					ev.AttachmentType, ev.AttachmentURL = a.Type, a.Payload.URL
				}
			case m.Postback != nil:
				ev.Kind, ev.MID, ev.Text, ev.Payload = "postback", m.Postback.MID, m.Postback.Title, m.Postback.Payload
			case m.Delivery != nil:
				ev.Kind, ev.Delivered = "delivery", m.Delivery.MIDs
			case m.Read != nil:
				ev.Kind = "read"
			case m.Referral != nil:
				ev.Kind = "referral"
			}
			out = append(out, ev)
		}
	}
	return out, nil
}
