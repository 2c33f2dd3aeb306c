package douyin

import (
	"net/http"
	"time"

	"github.com/omnisim/omnisim/fakes/journal"
)

// Journal is a copy of everything the platform saw and did. With
// Config.JournalLimit > 0 each list holds only the newest entries.
type Journal struct {
	Requests   []Request
	Webhooks   []Webhook
	Deliveries []Delivery
	Errors     []ErrorEntry
}

// Request is one API call the platform answered.
type Request struct {
	At     time.Time
	Method string
	Path   string
	Status int // HTTP status answered
	Code   int // error_code; 0 on success
}

// Webhook is one try of a webhook: each try, retry and repeat is its own
// entry.
type Webhook struct {
	At     time.Time
	Event  string // verify_webhook, im_receive_msg, im_enter_direct_msg
	OpenID string // the customer (to_user_id of im_send_msg); "" for verify_webhook
	MsgID  string // the Msg-Id header
	// ServerMessageID is the message's server_message_id; "" for events
	// without a message.
	ServerMessageID string
	// Made is a message's create_time; zero for events without a message.
	Made   time.Time
	Try    int    // 1 for the first send, then one more per retry or repeat
	Repeat bool   // a repeat of an accepted webhook
	URL    string // "" on the direct path
	Header http.Header
	Body   []byte // exact bytes sent; nil on the direct path
	Status int    // the router's HTTP status; 0 when the try failed
	Reply  []byte // the router's answer body
	Err    string // transport error or timeout, or Verify's complaint
}

// Delivery is one message that reached a customer's device.
type Delivery struct {
	At    time.Time
	To    string // open_id
	MsgID string // the msg_id the send answered
	Type  string // text
	Text  string
}

// ErrorEntry is one error the platform answered.
type ErrorEntry struct {
	At      time.Time
	To      string // to_user_id of a send; "" otherwise
	Path    string // API path
	Code    int
	Message string // the description
}

// Counts are exact totals, independent of Config.JournalLimit.
type Counts struct {
	Requests   int
	Webhooks   int // tries, retries and repeats
	Deliveries int
	Errors     int
}

// webhookRec is a Webhook as the journal keeps it: a try over HTTP keeps
// the event it was encoded from (push) and its signature (sig, "" when no
// call was made) rather than the bytes and the header map; Journal encodes
// them again, which gives the same bytes, since an event does not change
// once made.
type webhookRec struct {
	Webhook
	push *Push // nil: Body and Header as they are (the direct path)
	sig  string
}

// webhook is the journal's entry; secret signs the bodies.
func (r *webhookRec) webhook(secret string) Webhook {
	w := r.Webhook
	if r.push == nil {
		return w
	}
	b := AppendBody([]byte(secret), r.push)
	w.Body = b[len(secret):]
	sig := r.sig
	if sig == "" {
		sig = sign(b)
	}
	w.Header = http.Header{"Content-Type": {"application/json"}, "X-Douyin-Signature": {sig}, "Msg-Id": {r.push.MsgID}}
	return w
}

// ring keeps the newest entries of one journal list.
type ring[T any] = journal.Ring[T]

// delivRec is a delivery as a customer's history keeps it: a text (the one
// type the send API takes) without its type or recipient.
type delivRec struct {
	at          time.Time
	msgID, text string
}

// delivEntry is a Deliveries journal entry: the record a customer keeps,
// with the open_id it went to.
type delivEntry struct {
	delivRec
	to string
}

// delivery is the Delivery r records of a text to open_id to.
func (r *delivRec) delivery(to string) Delivery {
	return Delivery{At: r.at, To: to, MsgID: r.msgID, Type: "text", Text: r.text}
}
