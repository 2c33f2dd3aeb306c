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
	Object string      `json:"object"`
	Entry  []wireEntry `json:"entry"`
}

type wireEntry struct {
	ID        string          `json:"id"`
	Time      int64           `json:"time"`
	Messaging []wireMessaging `json:"messaging"`
}

type wireID struct {
	ID string `json:"id"`
}

type wireMessaging struct {
	Sender    wireID        `json:"sender"`
	Recipient wireID        `json:"recipient"`
	Timestamp int64         `json:"timestamp"`
	Message   *wireMessage  `json:"message"`
	Postback  *wirePostback `json:"postback"`
	Referral  *Referral     `json:"referral"`
	Delivery  *wireDelivery `json:"delivery"`
	Read      *wireRead     `json:"read"`
}

type wireMessage struct {
	MID         string           `json:"mid"`
	Text        string           `json:"text"`
	IsEcho      bool             `json:"is_echo"`
	Attachments []wireAttachment `json:"attachments"`
	QuickReply  *wireQuickReply  `json:"quick_reply"`
}

type wireAttachment struct {
	Type    string         `json:"type"`
	Payload wirePayloadURL `json:"payload"`
}

type wirePayloadURL struct {
	URL string `json:"url"`
}

type wireQuickReply struct {
	Payload string `json:"payload"`
}

type wirePostback struct {
	Title   string `json:"title"`
	Payload string `json:"payload"`
	MID     string `json:"mid"`
}

type wireDelivery struct {
	MIDs      []string `json:"mids"`
	Watermark int64    `json:"watermark"`
}

type wireRead struct {
	Watermark int64 `json:"watermark"`
}

// maxEvents bounds the events one webhook may carry.
const maxEvents = 1000

// ParseWebhook reads a Messenger webhook body ({"object":"page","entry":
// [{"id","time","messaging":[...]}]}) into its events, in order. A body
// that is not such a notification is an error.
func ParseWebhook(body []byte) ([]Event, error) { return parseWebhook(body, webhookWords) }

// webhookWords are the values every webhook repeats.
var webhookWords = []string{"page", "message", "ADS", "OPEN_THREAD", "image", "audio", "video", "file"}

// parseWebhook is ParseWebhook with the strings to intern (the adapter
// adds its page id).
func parseWebhook(body []byte, intern []string) ([]Event, error) {
	p, err := decodeWebhook(body, intern)
	if err != nil {
		return nil, err
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

// decodeWebhook decodes a body as encoding/json would into wirePayload:
// by the one-pass scanner, or by encoding/json where the scanner gives up.
func decodeWebhook(body []byte, intern []string) (wirePayload, error) {
	if p, ok := decodeWebhookFast(body, intern); ok {
		return p, nil
	}
	return decodeWebhookStd(body)
}

func decodeWebhookStd(body []byte) (wirePayload, error) {
	var p wirePayload
	if err := json.Unmarshal(body, &p); err != nil {
		return p, fmt.Errorf("not JSON: %w", err)
	}
	return p, nil
}

var (
	keysPayload   = []string{"object", "entry"}
	keysEntry     = []string{"id", "time", "messaging"}
	keysID        = []string{"id"}
	keysMessaging = []string{"sender", "recipient", "timestamp", "message", "postback", "referral", "delivery", "read"}
	keysMessage   = []string{"mid", "text", "is_echo", "attachments", "quick_reply"}
	keysAttach    = []string{"type", "payload"}
	keysURL       = []string{"url"}
	keysPayloadQR = []string{"payload"}
	keysPostback  = []string{"title", "payload", "mid"}
	keysReferral  = []string{"ref", "ad_id", "source", "type"}
	keysDelivery  = []string{"mids", "watermark"}
	keysRead      = []string{"watermark"}
)

// decodeWebhookFast decodes body without reflection; ok is false where
// encoding/json must decide (also for a body that is not JSON).
func decodeWebhookFast(body []byte, intern []string) (p wirePayload, ok bool) {
	d := &scanner{b: body, intern: intern}
	d.object(keysPayload, func(k string) {
		switch k {
		case "object":
			p.Object = d.str()
		case "entry":
			if d.peek() != '[' {
				d.fail()
				return
			}
			p.Entry = []wireEntry{}
			d.array(func() {
				var e wireEntry
				d.object(keysEntry, func(k string) {
					switch k {
					case "id":
						e.ID = d.str()
					case "time":
						e.Time = d.int()
					case "messaging":
						if d.peek() != '[' {
							d.fail()
							return
						}
						e.Messaging = []wireMessaging{}
						d.array(func() { e.Messaging = append(e.Messaging, decodeMessaging(d)) })
					}
				})
				p.Entry = append(p.Entry, e)
			})
		}
	})
	d.ws()
	return p, !d.bad && d.i == len(d.b)
}

func decodeID(d *scanner, dst *wireID) {
	d.object(keysID, func(string) { dst.ID = d.str() })
}

func decodeMessaging(d *scanner) (m wireMessaging) {
	d.object(keysMessaging, func(k string) {
		switch k {
		case "sender":
			decodeID(d, &m.Sender)
		case "recipient":
			decodeID(d, &m.Recipient)
		case "timestamp":
			m.Timestamp = d.int()
		case "message":
			m.Message = &wireMessage{}
			d.object(keysMessage, func(k string) {
				switch k {
				case "mid":
					m.Message.MID = d.str()
				case "text":
					m.Message.Text = d.str()
				case "is_echo":
					m.Message.IsEcho = d.boolean()
				case "attachments":
					if d.peek() != '[' {
						d.fail()
						return
					}
					m.Message.Attachments = []wireAttachment{}
					d.array(func() {
						var a wireAttachment
						d.object(keysAttach, func(k string) {
							if k == "type" {
								a.Type = d.str()
								return
							}
							d.object(keysURL, func(string) { a.Payload.URL = d.str() })
						})
						m.Message.Attachments = append(m.Message.Attachments, a)
					})
				case "quick_reply":
					m.Message.QuickReply = &wireQuickReply{}
					d.object(keysPayloadQR, func(string) { m.Message.QuickReply.Payload = d.str() })
				}
			})
		case "postback":
			m.Postback = &wirePostback{}
			d.object(keysPostback, func(k string) {
				switch k {
				case "title":
					m.Postback.Title = d.str()
				case "payload":
					m.Postback.Payload = d.str()
				case "mid":
					m.Postback.MID = d.str()
				}
			})
		case "referral":
			m.Referral = &Referral{}
			d.object(keysReferral, func(k string) {
				switch k {
				case "ref":
					m.Referral.Ref = d.str()
				case "ad_id":
					m.Referral.AdID = d.str()
				case "source":
					m.Referral.Source = d.str()
				case "type":
					m.Referral.Type = d.str()
				}
			})
		case "delivery":
			m.Delivery = &wireDelivery{}
			d.object(keysDelivery, func(k string) {
				if k == "watermark" {
					m.Delivery.Watermark = d.int()
					return
				}
				if d.peek() != '[' {
					d.fail()
					return
				}
				m.Delivery.MIDs = []string{}
				d.array(func() { m.Delivery.MIDs = append(m.Delivery.MIDs, d.str()) })
			})
		case "read":
			m.Read = &wireRead{}
			d.object(keysRead, func(string) { m.Read.Watermark = d.int() })
		}
	})
	return m
}
