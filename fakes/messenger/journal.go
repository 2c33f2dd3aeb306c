package messenger

import (
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
	deliveries ring[Delivery]
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
