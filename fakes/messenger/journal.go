package messenger

import (
	"math"
	"time"

	bounded "github.com/omnisim/omnisim/fakes/journal"
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
	Code   int // Graph error code; 0 on success
}

// Webhook is one try of one webhook the platform made.
type Webhook struct {
	At     time.Time
	Kind   string // "verify", "message", "postback" or "delivery"
	Status int    // the receiver's HTTP status; 0 when the call failed
	ID     string // the message id it carries; "" for verify
	PSID   string // the customer it is about
	Err    string // transport error, or Verify's complaint
	Try    int    // 1 for the first try, 2 for the first retry, ...
	// NextTry is when a failed try is retried; zero when it succeeded or
	// will not be retried.
	NextTry time.Time
	// Body is the exact bytes sent (nil for verify and on the Direct
	// network); Server.WebhookHeader gives their headers.
	Body []byte
	// Made is a message's timestamp (milliseconds); zero for other kinds.
	Made time.Time
}

// Delivery is one message that reached a customer's Messenger.
type Delivery struct {
	At            time.Time
	To            string // PSID
	ID            string // message id
	Type          string // text, image, audio, video, file
	Text          string
	AttachmentID  string
	URL           string
	MessagingType string // RESPONSE, UPDATE or MESSAGE_TAG
	Tag           string
}

// ErrorEntry is one error the platform answered.
type ErrorEntry struct {
	At         time.Time
	To         string // the recipient PSID, when the call named one
	Code       int
	Subcode    int
	HTTPStatus int
	Message    string
}

// Counts are exact totals, independent of Config.JournalLimit.
type Counts struct {
	Requests   int
	Webhooks   int // every try, retries included
	Deliveries int
	Errors     int
	Retries    int // tries after the first
}

type journal struct {
	requests   ring[Request]
	webhooks   ring[webhookRec]
	deliveries ring[delivEntry]
	errors     ring[ErrorEntry]
}

func (j *journal) setLimit(n int) {
	j.requests.SetLimit(n)
	j.webhooks.SetLimit(n)
	j.deliveries.SetLimit(n)
	j.errors.SetLimit(n)
}

// ring keeps the newest entries of one journal list.
type ring[T any] = bounded.Ring[T]

// webhookRec is a Webhook journal entry. A try that sent bytes keeps the
// event they were encoded from rather than the bytes: Journal encodes it
// again, and the same event and page give the same body.
type webhookRec struct {
	Webhook
	ev *Event // the event sent, when the try sent bytes
}

// closedLongAgo is the last message time of a customer the platform
// forgot: earlier than any window reaches back, since a customer is
// forgotten the longest window or more after a message no earlier than it.
const closedLongAgo = math.MinInt64

// delivRec is a delivery as a customer's history keeps it: its messaging
// type and tag as indexes, one content string (a text, or an attachment's
// id) and an attachment's type and URL apart, so that a text's record is
// half a Delivery's size.
type delivRec struct {
	at      time.Time
	id      string
	content string
	att     *attachmentRec // nil for a text
	mtype   uint8          // index in messagingTypes
	tag     uint8          // index in tagNames
}

// attachmentRec is the type and URL of a delivered attachment.
type attachmentRec struct {
	typ, url string
}

// messagingTypes and tagNames are the values the Send API accepts for
// messaging_type and tag ("": none); tagNames are Tags, the list the send
// check holds a tag to.
var (
	messagingTypes = [...]string{"", Response, Update, MessageTag}
	tagNames       = append([]string{""}, Tags()...)
)

// nameIndex is the index of name in names; 0 when it is not there.
func nameIndex(names []string, name string) uint8 {
	for i, n := range names {
		if n == name {
			return uint8(i)
		}
	}
	return 0
}

// delivEntry is a Deliveries journal entry: the record a customer keeps,
// with the PSID it went to.
type delivEntry struct {
	delivRec
	to string
}

// delivery is the Delivery r records of a message to PSID to.
func (r *delivRec) delivery(to string) Delivery {
	d := Delivery{At: r.at, To: to, ID: r.id, MessagingType: messagingTypes[r.mtype], Tag: tagNames[r.tag]}
	if a := r.att; a != nil {
		d.Type, d.AttachmentID, d.URL = a.typ, r.content, a.url
	} else {
		d.Type, d.Text = "text", r.content
	}
	return d
}
